"""`get_param_importances`: normalised importances from an evaluator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from bbopt.importance._sobol import SobolImportanceEvaluator
from bbopt.importance._table import Target

if TYPE_CHECKING:
    from bbopt._study import Study


class ImportanceEvaluator(Protocol):
    """What `get_param_importances` needs of an evaluator.

    Examples
    --------
    An evaluator that rates every parameter by how many trials used it:

    >>> import bbopt
    >>> from bbopt.importance import get_param_importances
    >>> class CountEvaluator:
    ...     def evaluate(self, study, params=None, target=None):
    ...         counts = {}
    ...         for trial in study.get_trials(states=[bbopt.TrialState.COMPLETE]):
    ...             for name in trial.params:
    ...                 counts[name] = counts.get(name, 0) + 1
    ...         return {n: float(c) for n, c in counts.items() if params is None or n in params}
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1),
    ...                n_trials=4)
    >>> get_param_importances(study, evaluator=CountEvaluator())
    {'x': 0.5, 'y': 0.5}
    """

    def evaluate(self, study: Study, params: Sequence[str] | None = None,
                 target: Target | None = None) -> dict[str, float]:
        """Return a non-negative raw importance per parameter."""
        ...


def get_param_importances(
    study: Study,
    evaluator: ImportanceEvaluator | None = None,
    params: Sequence[str] | None = None,
    target: Target | None = None,
) -> dict[str, float]:
    """Return each parameter's share of importance, largest first, summing to 1.

    Parameters
    ----------
    study : Study
        A study with at least one complete trial.
    evaluator : object with ``evaluate(study, params, target)``, optional
        Default: ``SobolImportanceEvaluator(seed=0)`` (fANOVA-style total
        variance shares over the search space, of a GP fitted to the trials,
        which rank best in docs/benchmarks.md); `MainEffectImportanceEvaluator`
        (first-order shares of an additive model of the trials) and
        `PedAnovaImportanceEvaluator` (on bbopt's Parzen kernels).
    params : sequence of str, optional
        Parameters to rate (default: every parameter of the complete trials).
    target : callable, optional
        ``FrozenTrial -> float`` rated instead of the objective; required for
        a study with several objectives.

    Returns
    -------
    dict of str to float
        Importances in decreasing order, summing to 1 (equal shares when no
        parameter stands out at all, e.g. with one trial).

    Raises
    ------
    ValueError
        No complete trial, an unknown name in ``params``, a non-finite target.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.importance import get_param_importances
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + 0 * t.suggest_int("n", 0, 9),
    ...                n_trials=100)
    >>> list(get_param_importances(study))
    ['x', 'n']
    """
    if evaluator is None:
        evaluator = SobolImportanceEvaluator(seed=0)
    elif not callable(getattr(evaluator, "evaluate", None)):
        raise TypeError(
            "The 'evaluator' parameter of get_param_importances must have an 'evaluate' method. "
            f"Got {evaluator!r} instead."
        )
    raw = evaluator.evaluate(study, params=params, target=target)
    total = sum(raw.values())
    if not raw:
        return {}
    if total <= 0.0:
        share = 1.0 / len(raw)
        return {name: share for name in raw}
    ordered = sorted(raw.items(), key=lambda item: -item[1])
    return {name: value / total for name, value in ordered}
