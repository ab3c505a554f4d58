"""Trials: define-by-run search spaces, suggestions, reports and argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution, TrialState
from bbopt.samplers import QMCSampler, RandomSampler
from bbopt.storage import TrialFinishedError

SAMPLERS = {
    "random": lambda seed: RandomSampler(seed=seed),
    "qmc": lambda seed: QMCSampler(seed=seed),
    "halton": lambda seed: QMCSampler(qmc_type="halton", seed=seed),
}


def _study(sampler="random", seed=0):
    return bbopt.create_study(sampler=SAMPLERS[sampler](seed))


# -- define-by-run ---------------------------------------------------------------------


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_conditional_space(sampler):
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["linear", "tree", None])
        if kind == "linear":
            alpha = trial.suggest_float("alpha", 1e-4, 1.0, log=True)
            return alpha
        if kind == "tree":
            depth = trial.suggest_int("depth", 1, 12)
            if depth > 6:
                trial.suggest_categorical("split", ["gini", "entropy"])
            return float(depth)
        return 3.0

    study = _study(sampler)
    study.optimize(objective, n_trials=60)
    expected_keys = {
        "linear": {"kind", "alpha"},
        "tree": {"kind", "depth"},
        None: {"kind"},
    }
    kinds = set()
    for trial in study.trials:
        assert trial.state == TrialState.COMPLETE
        kind = trial.params["kind"]
        kinds.add(kind)
        keys = expected_keys[kind] | ({"split"} if trial.params.get("depth", 0) > 6 else set())
        assert set(trial.params) == keys == set(trial.distributions)
        if kind == "linear":
            assert 1e-4 <= trial.params["alpha"] <= 1.0
    assert kinds == {"linear", "tree", None}
    # Only the branch that a trial took has a column value in the observations.
    obs = study.get_observations()
    alpha = obs.column("alpha", FloatDistribution(1e-4, 1.0, log=True))
    linear = np.array([t.params["kind"] == "linear" for t in study.trials])
    assert np.array_equal(~np.isnan(obs.x[:, alpha]), linear[obs.numbers])


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_dynamic_space(sampler):
    def objective(trial):
        k = trial.number
        x = trial.suggest_float("x", -k - 1.0, k + 1.0)
        n = trial.suggest_int("n", 0, k)
        c = trial.suggest_categorical("c", list(range(k % 4 + 1)))
        return x + n + c

    study = _study(sampler)
    study.optimize(objective, n_trials=30)
    for trial in study.trials:
        k = trial.number
        assert trial.distributions["x"] == FloatDistribution(-k - 1, k + 1)
        assert -k - 1 <= trial.params["x"] <= k + 1
        assert 0 <= trial.params["n"] <= k
        assert trial.params["c"] in range(k % 4 + 1)
    # Wide ranges are used: late trials leave the range of the first one.
    assert max(abs(t.params["x"]) for t in study.trials) > 1.0


def test_same_name_same_distribution_returns_same_value():
    study = _study()
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    assert trial.suggest_float("x", 0.0, 1.0) == x  # int and float bounds are equal
    n = trial.suggest_int("n", 0, 100, step=5)
    assert trial.suggest_int("n", 0, 100, step=5) == n
    c = trial.suggest_categorical("c", ["a", "b", "c", "d"])
    assert trial.suggest_categorical("c", ("a", "b", "c", "d")) == c
    assert trial.params == {"x": x, "n": n, "c": c}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (lambda t: t.suggest_float("p", 0, 1), lambda t: t.suggest_float("p", 0, 2)),
        (lambda t: t.suggest_float("p", 1, 2), lambda t: t.suggest_float("p", 1, 2, log=True)),
        (lambda t: t.suggest_float("p", 0, 1), lambda t: t.suggest_float("p", 0, 1, step=0.5)),
        (lambda t: t.suggest_float("p", 0, 1), lambda t: t.suggest_int("p", 0, 1)),
        (lambda t: t.suggest_int("p", 0, 4), lambda t: t.suggest_int("p", 0, 4, step=2)),
        (lambda t: t.suggest_categorical("p", ["a", "b"]),
         lambda t: t.suggest_categorical("p", ["b", "a"])),
        (lambda t: t.suggest_categorical("p", [1, 2]),
         lambda t: t.suggest_categorical("p", [1.0, 2.0])),
        (lambda t: t.suggest_categorical("p", [0, 1]), lambda t: t.suggest_int("p", 0, 1)),
    ],
)
def test_same_name_different_distribution_raises(first, second):
    study = _study()
    trial = study.ask()
    value = first(trial)
    with pytest.raises(ValueError, match="'p'.*already suggested"):
        second(trial)
    assert trial.params == {"p": value}
    assert study.trials[0].params == {"p": value}
    assert study.trials[0].distributions == trial.distributions
    # The same name in the next trial may use another distribution.
    study.tell(trial, 0.0)
    second(study.ask())


def test_single_valued_distributions_need_no_sampler():
    study = _study()
    trial = study.ask()
    assert trial.suggest_float("x", 2.5, 2.5) == 2.5
    assert trial.suggest_int("n", 7, 7) == 7
    assert trial.suggest_categorical("c", ["only"]) == "only"


# -- suggestions lie in their distribution -------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def _suggestions(sampler, seed, suggest, n_trials=6):
    """Values of one parameter over a few trials (the QMC sampler's joint draw included)."""
    study = _study(sampler, seed)
    study.optimize(lambda t: float(hash(repr(suggest(t))) % 97), n_trials=n_trials)
    return [t.params["p"] for t in study.trials]


@given(low=finite, n_steps=st.integers(0, 200), step=st.floats(1e-3, 1e3),
       sampler=st.sampled_from(sorted(SAMPLERS)), seed=st.integers(0, 2**32 - 1))
def test_suggest_float_step_on_grid(low, n_steps, step, sampler, seed):
    high = low + n_steps * step
    try:
        distribution = FloatDistribution(low, high, step=step)
    except ValueError:  # rounding made the step not divide the range
        assume(False)
    values = _suggestions(sampler, seed, lambda t: t.suggest_float("p", low, high, step=step))
    for v in values:
        assert type(v) is float
        assert low <= v <= high
        k = (v - low) / step
        assert abs(k - round(k)) <= 1e-6 * max(1.0, abs(k))
        assert distribution.contains(v)


@given(low=finite, width=st.floats(0, 1e6), log=st.booleans(),
       sampler=st.sampled_from(sorted(SAMPLERS)), seed=st.integers(0, 2**32 - 1))
def test_suggest_float_in_bounds(low, width, log, sampler, seed):
    if log:
        low = abs(low) + 1e-3
    high = low + width
    assume(math.isfinite(high))
    values = _suggestions(sampler, seed, lambda t: t.suggest_float("p", low, high, log=log))
    assert all(type(v) is float and low <= v <= high for v in values)


@given(low=st.integers(-10**6, 10**6), n_steps=st.integers(0, 1000), step=st.integers(1, 1000),
       log=st.booleans(), sampler=st.sampled_from(sorted(SAMPLERS)),
       seed=st.integers(0, 2**32 - 1))
def test_suggest_int_on_grid(low, n_steps, step, log, sampler, seed):
    if log:
        low, step = abs(low) + 1, 1
    high = low + n_steps * step
    values = _suggestions(
        sampler, seed, lambda t: t.suggest_int("p", low, high, step=step, log=log)
    )
    for v in values:
        assert type(v) is int
        assert low <= v <= high and (v - low) % step == 0


@given(choices=st.lists(st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                                  st.floats(allow_nan=False), st.text(max_size=3)),
                        min_size=1, max_size=8,
                        unique_by=lambda c: (type(c).__name__, c)),
       sampler=st.sampled_from(sorted(SAMPLERS)), seed=st.integers(0, 2**32 - 1))
def test_suggest_categorical_returns_a_choice(choices, sampler, seed):
    values = _suggestions(sampler, seed, lambda t: t.suggest_categorical("p", choices))
    keys = {(type(c), c) for c in choices}
    # The choice comes back with its type: True stays True, 1 stays 1, 1.0 stays
    # 1.0 (-0.0 may come back as 0.0: distributions hold them equal).
    assert all((type(v), v) in keys for v in values)


def test_log_float_is_uniform_in_log_space():
    study = _study("random", seed=3)
    study.optimize(lambda t: t.suggest_float("p", 1e-4, 1.0, log=True), n_trials=2000)
    logs = np.log10([t.params["p"] for t in study.trials])
    counts = np.histogram(logs, bins=4, range=(-4, 0))[0]
    assert np.all(np.abs(counts - 500) < 90), counts  # each decade about a quarter


def test_int_grid_is_uniform():
    study = _study("random", seed=4)
    study.optimize(lambda t: t.suggest_int("p", 0, 10, step=5), n_trials=900)
    counts = np.bincount([t.params["p"] // 5 for t in study.trials], minlength=3)
    assert np.all(np.abs(counts - 300) < 60), counts  # end points as likely as the middle


# -- report and should_prune ------------------------------------------------------------


def test_no_pruner_never_prunes():
    study = _study()
    trial = study.ask()
    assert trial.should_prune() is False
    for step, value in enumerate([1.0, 1e9, -1e300]):
        trial.report(value, step)
        assert trial.should_prune() is False
    assert trial.intermediate_values == {0: 1.0, 1: 1e9, 2: -1e300}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_report_rejects_non_finite_values(value):
    trial = _study().ask()
    with pytest.raises(ValueError, match=r"'value' parameter of Trial.report must be finite"):
        trial.report(value, 0)
    assert trial.intermediate_values == {}


def test_should_prune_on_a_finished_trial_raises():
    study = _study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(ValueError, match="Trial 0 is already finished .COMPLETE."):
        trial.should_prune()


def test_pruner_is_consulted():
    class AfterStep2(bbopt.pruners.BasePruner):
        def prune(self, study, trial):
            return max(trial.intermediate_values, default=-1) >= 2

    study = bbopt.create_study(pruner=AfterStep2())
    trial = study.ask()
    decisions = []
    for step in range(4):
        trial.report(float(step), step)
        decisions.append(trial.should_prune())
    assert decisions == [False, False, True, True]


def test_report_same_step_twice_warns_and_keeps_the_first():
    study = _study()
    trial = study.ask()
    trial.report(1.0, 3)
    with pytest.warns(UserWarning, match="step 3"):
        trial.report(2.0, 3)
    assert trial.intermediate_values == {3: 1.0}
    assert study.tell(trial, state=TrialState.PRUNED).values == [1.0]


def test_report_accepts_numpy_scalars():
    study = _study()
    trial = study.ask()
    trial.report(np.float32(0.5), np.int64(2))
    trial.report(3, 4)
    assert trial.intermediate_values == {2: 0.5, 4: 3.0}
    assert all(type(k) is int and type(v) is float for k, v in trial.intermediate_values.items())


@pytest.mark.parametrize(
    ("value", "step", "error", "match"),
    [
        ("1.0", 0, TypeError, "'value'"),
        (None, 0, TypeError, "'value'"),
        (True, 0, TypeError, "'value'"),
        (1.0 + 0j, 0, TypeError, "'value'"),
        (1.0, -1, ValueError, "'step'"),
        (1.0, 1.5, ValueError, "'step'"),
        (1.0, 2.0, ValueError, "'step'"),
        (1.0, True, ValueError, "'step'"),
        (1.0, "0", ValueError, "'step'"),
    ],
)
def test_report_invalid(value, step, error, match):
    study = _study()
    trial = study.ask()
    with pytest.raises(error, match=match):
        trial.report(value, step)
    assert trial.intermediate_values == {}


def test_finished_trial_cannot_change():
    study = _study()
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    study.tell(trial, 1.0)
    with pytest.raises(TrialFinishedError, match="COMPLETE"):
        trial.report(1.0, 0)
    with pytest.raises(TrialFinishedError):
        trial.suggest_float("y", 0, 1)
    assert trial.suggest_float("x", 0, 1) == x  # already known: no change
    assert study.trials[0].params == {"x": x}
    assert study.trials[0].intermediate_values == {}


# -- invalid suggest arguments -------------------------------------------------------------


@pytest.mark.parametrize(
    ("suggest", "error", "match"),
    [
        (lambda t: t.suggest_float("p", 1, 0), ValueError, "'low'.*low=1"),
        (lambda t: t.suggest_float("p", 0, 1, log=True), ValueError, "'low'.*log=True"),
        (lambda t: t.suggest_float("p", -1, 1, log=True), ValueError, "'low'"),
        (lambda t: t.suggest_float("p", 1, 2, log=True, step=0.5), ValueError, "'step'"),
        (lambda t: t.suggest_float("p", 0, 1, step=0), ValueError, "'step'"),
        (lambda t: t.suggest_float("p", 0, 1, step=-0.5), ValueError, "'step'"),
        (lambda t: t.suggest_float("p", 0, 1, step=0.3), ValueError, "'step'.*divide"),
        (lambda t: t.suggest_float("p", -math.inf, 1), ValueError, "'low'"),
        (lambda t: t.suggest_float("p", 0, math.nan), ValueError, "'high'"),
        (lambda t: t.suggest_float("p", "0", 1), TypeError, "'low'"),
        (lambda t: t.suggest_float("p", 0, None), TypeError, "'high'"),
        (lambda t: t.suggest_float("p", True, 2), TypeError, "'low'"),
        (lambda t: t.suggest_float("p", 1, 2, log=1), TypeError, "'log'"),
        (lambda t: t.suggest_float("p", 0, 1, log="yes"), TypeError, "'log'"),
        (lambda t: t.suggest_int("p", 0.5, 3), TypeError, "'low'"),
        (lambda t: t.suggest_int("p", 0, 3.0), TypeError, "'high'"),
        (lambda t: t.suggest_int("p", 3, 0), ValueError, "'low'"),
        (lambda t: t.suggest_int("p", 0, 9, step=0), ValueError, "'step'"),
        (lambda t: t.suggest_int("p", 0, 9, step=2), ValueError, "'step'.*divide"),
        (lambda t: t.suggest_int("p", 0, 9, log=True), ValueError, "'low'"),
        (lambda t: t.suggest_int("p", 1, 9, log=True, step=2), ValueError, "'step'"),
        (lambda t: t.suggest_int("p", 1, 9, step=True), TypeError, "'step'"),
        (lambda t: t.suggest_categorical("p", []), ValueError, "'choices'"),
        (lambda t: t.suggest_categorical("p", ["a", "a"]), ValueError, "'choices'.*duplicates"),
        (lambda t: t.suggest_categorical("p", "ab"), TypeError, "'choices'"),
        (lambda t: t.suggest_categorical("p", 3), TypeError, "'choices'"),
        (lambda t: t.suggest_categorical("p", [[1], [2]]), TypeError, "'choices'"),
        (lambda t: t.suggest_categorical("p", [object()]), TypeError, "'choices'"),
        (lambda t: t.suggest_float(1, 0, 1), TypeError, "name"),
        (lambda t: t.suggest_int(None, 0, 1), TypeError, "name"),
    ],
)
def test_invalid_suggest_arguments(suggest, error, match):
    study = _study()
    # Valid suggestions with equal-comparing arguments first: a cache of
    # distributions must not let the invalid ones through.
    warm = study.ask()
    warm.suggest_float("a", 0, 1)
    warm.suggest_float("b", 1, 2, log=True)
    warm.suggest_float("c", 1, 2)
    warm.suggest_int("d", 1, 9, step=1)
    warm.suggest_int("e", 0, 3)
    trial = study.ask()
    with pytest.raises(error, match=match):
        suggest(trial)
    assert trial.params == {}
    assert study.trials[1].params == {}


def test_params_and_distributions_are_copies():
    study = _study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial.params["x"] = 5.0
    trial.distributions["x"] = IntDistribution(0, 1)
    assert trial.params["x"] != 5.0
    assert trial.distributions == {"x": FloatDistribution(0, 1)}
    assert trial.freeze().params == trial.params


def test_fix_params():
    study = _study()
    trial = study.ask()
    trial.fix_params({"x": 0.5, "c": "b"})
    assert trial.suggest_float("x", 0, 1) == 0.5
    assert trial.suggest_categorical("c", CategoricalDistribution(["a", "b"]).choices) == "b"


# -- small items of issue 19 ---------------------------------------------------------------

@pytest.mark.parametrize("choices", [(c for c in "ab"), {"a", "b"}, frozenset({1, 2}),
                                     {"a": 1}.keys(), iter([1, 2])],
                         ids=["generator", "set", "frozenset", "keys", "iterator"])
def test_categorical_choices_must_be_an_ordered_sequence(choices):
    trial = bbopt.create_study().ask()
    with pytest.raises(TypeError, match="'choices' parameter of CategoricalDistribution must "
                                        "be a sequence"):
        trial.suggest_categorical("c", choices)


def test_suggest_int_cache_tells_log_true_from_log_one():
    trial = bbopt.create_study().ask()
    trial.suggest_int("n", 1, 8, log=True)
    with pytest.raises(TypeError, match="'log' parameter of IntDistribution"):
        trial.suggest_int("m", 1, 8, log=1)


def test_boundary_checks_go_through_validation():
    """Trial.report, FixedTrial and set_verbosity refuse with the _validation messages."""
    from bbopt.trial import FixedTrial

    trial = bbopt.create_study().ask()
    with pytest.raises(ValueError, match="'value' parameter of Trial.report must be finite"):
        trial.report(10**400, 0)  # an int beyond the float range: not an OverflowError
    with pytest.raises(TypeError, match="'value' parameter of Trial.report must be a real"):
        trial.report("1", 0)
    with pytest.raises(TypeError, match="'number' parameter of FixedTrial must be an int"):
        FixedTrial({}, number=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'verbosity' parameter of set_verbosity"):
        bbopt.logging.set_verbosity(True)  # type: ignore[arg-type]
