"""`BboptSearchCV`: hyperparameter search for scikit-learn estimators, one trial per candidate.

This module imports scikit-learn at its top: `bbopt.integration` loads it only
when `BboptSearchCV` is first used.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, get_tags, indexable
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples, check_is_fitted

from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from bbopt._exceptions import TrialPruned
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt._study import Study, create_study
from bbopt._trial import Trial
from bbopt._validation import ensure_bool, ensure_callable, ensure_int, ensure_optional_int

_OWNER = "BboptSearchCV"


def _delegates(method: str) -> Callable[[Any], bool]:
    """`available_if` check: the refitted estimator (or, unfitted, the template) has ``method``."""

    def check(self: BboptSearchCV) -> bool:
        inner = getattr(self, "best_estimator_", self.estimator)
        getattr(inner, method)  # AttributeError tells sklearn the method is unavailable
        return True

    return check


class BboptSearchCV(MetaEstimatorMixin, BaseEstimator):  # type: ignore[misc]
    """Cross-validated hyperparameter search driven by a bbopt study.

    Each trial draws one candidate from ``param_distributions`` with the
    study's sampler, scores it by cross-validation (the mean over the folds is
    the trial's value, maximized), and records the per-fold scores and times as
    user attributes of the trial. After ``fit``, the attributes follow
    scikit-learn's searches (``best_params_``, ``best_score_``,
    ``best_estimator_``, ``cv_results_``...) and the search predicts with the
    best estimator refitted on all the data.

    With ``enable_pruning=True`` and an estimator that has ``partial_fit``,
    each candidate is trained for up to ``max_steps`` calls of ``partial_fit``
    on every training fold; after each call the mean validation score is
    reported to the trial (step = call index) and the study's pruner may stop
    the candidate (its trial ends PRUNED).

    Parameters
    ----------
    estimator : estimator
        The scikit-learn estimator to tune (cloned, never fitted itself).
    param_distributions : dict of str to distribution
        The search space: parameter names of ``estimator`` mapped to
        `bbopt.FloatDistribution`, `bbopt.IntDistribution` or
        `bbopt.CategoricalDistribution`.
    n_trials : int, default 10
        Candidates evaluated by one call of ``fit``.
    timeout : float, optional
        Seconds after which ``fit`` starts no new trial.
    cv : int, cross-validation generator or iterable, optional
        As in scikit-learn (`sklearn.model_selection.check_cv`); 5-fold by default,
        stratified for classifiers.
    scoring : str or callable, optional
        One scorer (greater is better); the estimator's ``score`` by default.
    refit : bool, default True
        Refit the best candidate on all the data (needed by ``predict`` and the like).
    error_score : 'raise' or float, default nan
        Score of a fold whose fit fails ('raise' raises the error). A candidate
        with a NaN mean score ends as a FAIL trial.
    return_train_score : bool, default False
        Also score the training folds.
    enable_pruning : bool, default False
        Train with ``partial_fit`` and let the study's pruner stop bad candidates.
    max_steps : int, default 100
        Calls of ``partial_fit`` per fold when pruning (fewer if the trial is pruned).
    study : Study, optional
        A single-objective study to maximize in (its sampler and pruner are
        used, its earlier trials inform the sampler); a new in-memory one by default.
    sampler : BaseSampler, optional
        Sampler of the new study (ignored with ``study``); `bbopt.samplers.AutoSampler`
        seeded with ``random_state`` by default.
    random_state : int, optional
        Seed of the default sampler.
    callbacks : list of callable, optional
        Passed to `Study.optimize`: called with the study and each finished trial.
    verbose : int, default 0
        With ``verbose > 0``, one line per finished trial on the ``bbopt`` logger
        at INFO level is printed (`bbopt.logging.set_verbosity`).

    Attributes
    ----------
    study_ : Study
        The study of the search (not pickled with the search).
    trials_ : list of FrozenTrial
        The trials run by the last ``fit``, in order.
    cv_results_ : dict of str to ndarray
        One entry per trial of ``trials_`` in scikit-learn's layout
        (``params``, ``param_<name>``, ``split<k>_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score``, fit and
        score times, train scores with ``return_train_score``), plus
        ``state`` (``"COMPLETE"``, ``"PRUNED"`` or ``"FAIL"``) and
        ``n_iter`` (``partial_fit`` calls when pruning). Pruned and failed
        trials rank after every complete one.
    best_index_, best_score_, best_params_, best_trial_
        The best complete trial of this fit: its row in ``cv_results_``, mean
        score, parameters and record.
    best_estimator_ : estimator
        The best candidate refitted on all the data (with ``refit=True``).
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Number of cross-validation folds.
    refit_time_ : float
        Seconds spent refitting the best candidate.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.integration import BboptSearchCV
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BboptSearchCV(
    ...     DecisionTreeClassifier(random_state=0),
    ...     {"max_depth": bbopt.IntDistribution(1, 8),
    ...      "criterion": bbopt.CategoricalDistribution(["gini", "entropy"])},
    ...     n_trials=6, cv=3, sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> search.fit(X, y).best_score_ > 0.9
    True
    >>> sorted(search.best_params_)
    ['criterion', 'max_depth']
    >>> search.predict(X[:3]).tolist()
    [0, 0, 0]
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping[str, BaseDistribution],
        *,
        n_trials: int = 10,
        timeout: float | None = None,
        cv: Any = None,
        scoring: str | Callable[..., float] | None = None,
        refit: bool = True,
        error_score: str | float = np.nan,
        return_train_score: bool = False,
        enable_pruning: bool = False,
        max_steps: int = 100,
        study: Study | None = None,
        sampler: Any = None,
        random_state: int | None = None,
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.timeout = timeout
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.enable_pruning = enable_pruning
        self.max_steps = max_steps
        self.study = study
        self.sampler = sampler
        self.random_state = random_state
        self.callbacks = callbacks
        self.verbose = verbose

    # -- scikit-learn conventions ------------------------------------------
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the refitted best estimator."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_  # type: ignore[no-any-return]

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the refitted best estimator."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.n_features_in_  # type: ignore[no-any-return]

    @available_if(_delegates("predict"))
    def predict(self, X: Any) -> Any:
        """Predict with the best estimator."""
        return self._best().predict(X)

    @available_if(_delegates("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities from the best estimator."""
        return self._best().predict_proba(X)

    @available_if(_delegates("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        """Log class probabilities from the best estimator."""
        return self._best().predict_log_proba(X)

    @available_if(_delegates("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """Decision function of the best estimator."""
        return self._best().decision_function(X)

    @available_if(_delegates("transform"))
    def transform(self, X: Any) -> Any:
        """Transform with the best estimator."""
        return self._best().transform(X)

    @available_if(_delegates("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Inverse transform with the best estimator."""
        return self._best().inverse_transform(X)

    @available_if(_delegates("score_samples"))
    def score_samples(self, X: Any) -> Any:
        """Per-sample scores of the best estimator."""
        return self._best().score_samples(X)

    def score(self, X: Any, y: Any = None) -> float:
        """Score of the best estimator on ``X``, ``y`` with the search's scorer."""
        best = self._best()
        return float(self.scorer_(best, X, y))

    def __getstate__(self) -> dict[str, Any]:
        # A study holds locks and storage handles: a pickled search keeps its results
        # (trials_, cv_results_, best_*) but not study_.
        state = dict(self.__dict__)
        state.pop("study_", None)
        return state

    def _best(self) -> Any:
        check_is_fitted(self)
        if not hasattr(self, "best_estimator_"):
            raise AttributeError(
                f"{_OWNER} was fitted with refit=False: it has no best_estimator_ to "
                "predict with; refit the best parameters (best_params_) yourself."
            )
        return self.best_estimator_

    # -- the search ----------------------------------------------------------
    def _check_params(self) -> Study:
        """Validate the constructor's arguments (in ``fit``, as scikit-learn does); the study."""
        space = self.param_distributions
        if not isinstance(space, Mapping) or not space:
            raise TypeError(
                f"The 'param_distributions' parameter of {_OWNER} must be a non-empty dict of "
                f"parameter names to bbopt distributions. Got {space!r} instead."
            )
        for name, dist in space.items():
            if not isinstance(name, str) or not isinstance(dist, BaseDistribution):
                raise TypeError(
                    f"The 'param_distributions' parameter of {_OWNER} must map str to bbopt "
                    f"distributions. Got {name!r}: {dist!r} instead."
                )
        ensure_int(self.n_trials, "n_trials", _OWNER, minimum=1)
        ensure_int(self.max_steps, "max_steps", _OWNER, minimum=1)
        ensure_int(self.verbose, "verbose", _OWNER, minimum=0)
        ensure_optional_int(self.random_state, "random_state", _OWNER, minimum=0)
        for flag in ("refit", "return_train_score", "enable_pruning"):
            ensure_bool(getattr(self, flag), flag, _OWNER)
        if isinstance(self.scoring, (list, tuple, set, dict)):
            raise ValueError(
                f"The 'scoring' parameter of {_OWNER} must be one scorer (a str or a callable); "
                f"several metrics are not supported. Got {self.scoring!r} instead."
            )
        if not (self.error_score == "raise" or isinstance(self.error_score, (int, float))):
            raise ValueError(
                f"The 'error_score' parameter of {_OWNER} must be 'raise' or a number. "
                f"Got {self.error_score!r} instead."
            )
        if self.enable_pruning and not hasattr(self.estimator, "partial_fit"):
            raise ValueError(
                f"The 'enable_pruning' parameter of {_OWNER} needs an estimator with "
                f"partial_fit. Got {type(self.estimator).__name__} instead."
            )
        for callback in self.callbacks or ():
            ensure_callable(callback, "callbacks", _OWNER)
        if self.study is None:
            from bbopt.samplers import AutoSampler

            sampler = self.sampler or AutoSampler(seed=self.random_state)
            return create_study(direction="maximize", sampler=sampler)
        if not isinstance(self.study, Study) or self.study.directions != [
                StudyDirection.MAXIMIZE]:
            raise ValueError(
                f"The 'study' parameter of {_OWNER} must be a single-objective study that "
                f"maximizes. Got {self.study!r} instead."
            )
        return self.study

    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any) -> BboptSearchCV:
        """Run ``n_trials`` candidates, then refit the best one on all the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
        groups : array-like of shape (n_samples,), optional
            Group labels for group-aware splitters.
        **fit_params
            Passed to the estimator's ``fit`` (or ``partial_fit``); arrays of
            length n_samples are split with the data.

        Returns
        -------
        BboptSearchCV
            ``self``, fitted.
        """
        study = self._check_params()
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        scorer = check_scoring(self.estimator, self.scoring)
        n_samples = _num_samples(X)
        started: list[int] = []
        errors: list[str] = []  # messages of failed fits, for the error if none completes

        def objective(trial: Trial) -> float:
            started.append(trial.number)
            params = {name: _suggest(trial, name, dist)
                      for name, dist in self.param_distributions.items()}
            if self.enable_pruning:
                return self._evaluate_incremental(trial, params, X, y, splits, scorer,
                                                  fit_params, n_samples)
            return self._evaluate(trial, params, X, y, splits, scorer, fit_params, n_samples,
                                  errors)

        from bbopt import logging as bbopt_logging

        verbosity = bbopt_logging.get_verbosity()
        if self.verbose > 0:
            bbopt_logging.set_verbosity(bbopt_logging.INFO)
        try:
            study.optimize(objective, n_trials=self.n_trials, timeout=self.timeout,
                           callbacks=self.callbacks)
        finally:
            bbopt_logging.set_verbosity(verbosity)

        by_number = {t.number: t for t in study.get_trials(deepcopy=False)}
        self.study_ = study
        self.trials_ = [by_number[number] for number in started]
        self.n_splits_ = len(splits)
        self.scorer_ = scorer
        self.multimetric_ = False
        self.cv_results_ = self._results(self.trials_)
        complete = [i for i, t in enumerate(self.trials_) if t.state == TrialState.COMPLETE]
        if not complete:
            raise ValueError(
                f"No trial of {_OWNER}.fit completed ({len(self.trials_)} ran, all pruned or "
                "failed; see study_). The fits failed with: "
                + (" | ".join(sorted(set(errors))) or "none")
            )
        self.best_index_ = max(complete, key=lambda i: self.cv_results_["mean_test_score"][i])
        self.best_trial_ = self.trials_[self.best_index_]
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.best_params_ = dict(self.best_trial_.params)
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _evaluate(self, trial: Trial, params: dict[str, Any], X: Any, y: Any,
                  splits: list[tuple[np.ndarray, np.ndarray]], scorer: Any,
                  fit_params: dict[str, Any], n_samples: int, errors: list[str]) -> float:
        """Cross-validate one candidate with ``fit``; record per-fold figures on the trial."""
        record: dict[str, list[float]] = {"test": [], "train": [], "fit_time": [],
                                          "score_time": []}
        for train, test in splits:
            model = clone(self.estimator).set_params(**params)
            start = time.perf_counter()
            try:
                model.fit(_safe_indexing(X, train), _index(y, train),
                          **_fold_params(fit_params, train, n_samples))
            except Exception as exc:
                if self.error_score == "raise":
                    raise
                errors.append(f"{type(exc).__name__}: {exc}")
                warnings.warn(f"Fitting {params!r} failed on a fold; its score is "
                              f"{self.error_score!r}: {exc!r}", FitFailedWarning, stacklevel=2)
                record["fit_time"].append(time.perf_counter() - start)
                record["score_time"].append(0.0)
                record["test"].append(float(self.error_score))
                record["train"].append(float(self.error_score))
                continue
            record["fit_time"].append(time.perf_counter() - start)
            self._score_fold(model, X, y, train, test, scorer, record)
        _store(trial, record, self.return_train_score, n_iter=None)
        return float(np.mean(record["test"]))

    def _evaluate_incremental(self, trial: Trial, params: dict[str, Any], X: Any, y: Any,
                              splits: list[tuple[np.ndarray, np.ndarray]], scorer: Any,
                              fit_params: dict[str, Any], n_samples: int) -> float:
        """Train with ``partial_fit`` step by step on every fold, reporting the mean score."""
        models = [clone(self.estimator).set_params(**params) for _ in splits]
        extra = dict(fit_params)
        if is_classifier(self.estimator):
            extra.setdefault("classes", np.unique(np.asarray(y)))
        fit_time = np.zeros(len(splits))
        record: dict[str, list[float]] = {}
        for step in range(int(self.max_steps)):
            record = {"test": [], "train": [], "fit_time": [], "score_time": []}
            for k, ((train, test), model) in enumerate(zip(splits, models, strict=True)):
                start = time.perf_counter()
                model.partial_fit(_safe_indexing(X, train), _index(y, train),
                                  **_fold_params(extra, train, n_samples))
                fit_time[k] += time.perf_counter() - start
                record["fit_time"].append(float(fit_time[k]))
                self._score_fold(model, X, y, train, test, scorer, record)
            mean = float(np.mean(record["test"]))
            _store(trial, record, self.return_train_score, n_iter=step + 1)
            if not np.isfinite(mean):
                return mean  # the trial fails: a diverged candidate
            trial.report(mean, step)
            if trial.should_prune():
                raise TrialPruned(f"pruned after {step + 1} partial_fit calls")
        return float(np.mean(record["test"]))

    def _score_fold(self, model: Any, X: Any, y: Any, train: np.ndarray, test: np.ndarray,
                    scorer: Any, record: dict[str, list[float]]) -> None:
        start = time.perf_counter()
        record["test"].append(float(scorer(model, _safe_indexing(X, test), _index(y, test))))
        record["score_time"].append(time.perf_counter() - start)
        if self.return_train_score:
            record["train"].append(float(scorer(model, _safe_indexing(X, train),
                                                _index(y, train))))

    def _results(self, trials: list[FrozenTrial]) -> dict[str, Any]:
        """``cv_results_`` of ``trials`` (per-fold figures from their user attributes)."""
        n = len(trials)
        out: dict[str, Any] = {"params": [dict(t.params) for t in trials]}
        for name in self.param_distributions:
            column = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
            for i, t in enumerate(trials):
                if name in t.params:
                    column[i] = t.params[name]
            out[f"param_{name}"] = column
        kinds = ["test", "train"] if self.return_train_score else ["test"]
        for kind in kinds + ["fit_time", "score_time"]:
            table = np.full((n, self.n_splits_), np.nan)
            for i, t in enumerate(trials):
                got = t.user_attrs.get(f"cv_{kind}")
                if got is not None:
                    table[i] = got
            if kind in ("test", "train"):
                for k in range(self.n_splits_):
                    out[f"split{k}_{kind}_score"] = table[:, k]
                out[f"mean_{kind}_score"] = table.mean(axis=1)
                out[f"std_{kind}_score"] = table.std(axis=1)
            else:
                out[f"mean_{kind}"] = table.mean(axis=1)
                out[f"std_{kind}"] = table.std(axis=1)
        complete = np.array([t.state == TrialState.COMPLETE for t in trials], dtype=bool)
        means = np.where(complete, out["mean_test_score"], -np.inf)
        # Rank 1 for the best; ties share the smallest rank; pruned and failed trials last.
        order = np.sort(-means)
        rank = np.searchsorted(order, -means, side="left") + 1
        rank[~complete] = int(np.count_nonzero(complete)) + 1
        out["rank_test_score"] = rank.astype(np.int32)
        out["state"] = np.array([t.state.name for t in trials], dtype=object)
        out["n_iter"] = np.array([t.user_attrs.get("cv_n_iter", 0) for t in trials],
                                 dtype=np.int64)
        return out


def _suggest(trial: Trial, name: str, dist: BaseDistribution) -> Any:
    """Draw ``name`` from ``dist`` through the trial's public ``suggest_*`` methods."""
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, int(dist.low), int(dist.high), log=dist.log,
                                 step=int(dist.step))
    assert isinstance(dist, CategoricalDistribution)
    return trial.suggest_categorical(name, list(dist.choices))


def _index(y: Any, rows: np.ndarray) -> Any:
    return None if y is None else _safe_indexing(y, rows)


def _fold_params(params: dict[str, Any], rows: np.ndarray, n_samples: int) -> dict[str, Any]:
    """Fit parameters of one fold: per-sample arrays (length n_samples) take the fold's rows."""
    out = {}
    for key, value in params.items():
        per_sample = (hasattr(value, "__len__") and not isinstance(value, (str, bytes))
                      and _num_samples(value) == n_samples)
        out[key] = _safe_indexing(value, rows) if per_sample else value
    return out


def _store(trial: Trial, record: dict[str, list[float]], train: bool, n_iter: int | None) -> None:
    """Record a candidate's per-fold figures as user attributes of its trial."""
    trial.set_user_attr("cv_test", record["test"])
    if train:
        trial.set_user_attr("cv_train", record["train"])
    trial.set_user_attr("cv_fit_time", record["fit_time"])
    trial.set_user_attr("cv_score_time", record["score_time"])
    if n_iter is not None:
        trial.set_user_attr("cv_n_iter", n_iter)
