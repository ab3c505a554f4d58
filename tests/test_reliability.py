"""Reliability: the public API driven from outside with hypothesis (issue 19).

Every example must end in one of two ways: a ValueError/TypeError whose message
names the argument (``'name' parameter of ...``), or a valid outcome (a point
inside the bounds and on the grid, a finished trial). Never another exception,
a trial left RUNNING, or a stored state changed by a refused call.

Profiles (tests/conftest.py): ``ci`` (derandomised, 60 examples per test) runs
in CI; ``nightly`` (``HYPOTHESIS_PROFILE=nightly``, 2,000 examples per test)
is the larger run to make before a release.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bbopt
from bbopt import TrialState
from bbopt.samplers import GPSampler, QMCSampler, RandomSampler, TPESampler

# A message naming the argument: "The 'x' parameter of Owner ..." or the bounds' check.
_NAMED = re.compile(r"The '\w+' parameter of [\w.]+|The bounds of \w+Distribution")

SAMPLERS = {
    "random": lambda: RandomSampler(seed=0),
    "qmc": lambda: QMCSampler(seed=0),
    "tpe": lambda: TPESampler(seed=0, n_startup_trials=2),
    "tpe-multivariate": lambda: TPESampler(seed=0, n_startup_trials=2, multivariate=True),
    "gp": lambda: GPSampler(seed=0, n_startup_trials=2),
}

_extreme_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, 1.7e308, -1.7e308, 1e308, -1e308,
                     1.0, -1.0, 1.0000000000000002e-300]),
    st.integers(-(10**400), 10**400),
)
_extreme_ints = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, -1, 2**53, -(2**53), 2**63, 10**400, -(10**400)]),
)
_choices = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                     st.floats(allow_nan=True), st.text(max_size=3))


@st.composite
def float_args(draw):
    low, high = draw(_extreme_floats), draw(_extreme_floats)
    step = draw(st.one_of(st.none(), _extreme_floats))
    return "float", (low, high), {"step": step, "log": draw(st.booleans())}


@st.composite
def int_args(draw):
    low, high = draw(_extreme_ints), draw(_extreme_ints)
    return "int", (low, high), {"step": draw(_extreme_ints), "log": draw(st.booleans())}


@st.composite
def categorical_args(draw):
    return "categorical", (draw(st.lists(_choices, max_size=5)),), {}


def _suggest(trial, kind, args, kwargs, name="p"):
    return getattr(trial, f"suggest_{kind}")(name, *args, **kwargs)


def _check_point(distribution, value):
    assert distribution.contains(value), (distribution, value)
    if not isinstance(distribution, bbopt.CategoricalDistribution):
        assert distribution.low <= value <= distribution.high


def _no_running(study):
    assert study.get_trials(states=[TrialState.RUNNING]) == []


def _run(study, kind, args, kwargs, n_trials):
    """Optimize with the drawn suggestion; return the argument errors seen."""
    errors = []

    def objective(trial):
        try:
            value = _suggest(trial, kind, args, kwargs)
        except (ValueError, TypeError) as error:
            errors.append(error)
            raise
        _check_point(trial.distributions["p"], value)
        return 0.0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=n_trials, catch=(ValueError, TypeError))
    for error in errors:
        assert _NAMED.search(str(error)), str(error)
    _no_running(study)
    return errors


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(float_args(), int_args(), categorical_args()))
def test_suggestions_are_valid_or_refused_by_name(sampler, drawn):
    kind, args, kwargs = drawn
    study = bbopt.create_study(sampler=SAMPLERS[sampler]())
    _run(study, kind, args, kwargs, n_trials=4)
    for trial in study.trials:
        assert trial.state in (TrialState.COMPLETE, TrialState.FAIL)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(float_args(), int_args(), categorical_args()))
def test_a_study_reloaded_from_sqlite_goes_on(tmp_path_factory, drawn):
    kind, args, kwargs = drawn
    path = str(tmp_path_factory.mktemp("fuzz") / "s.db")
    study = bbopt.create_study(storage=path, sampler=SAMPLERS["tpe"]())
    if _run(study, kind, args, kwargs, n_trials=3):
        return  # refused: nothing to reload
    reloaded = bbopt.load_study(study_name=study.study_name, storage=path,
                                sampler=SAMPLERS["tpe"]())
    _run(reloaded, kind, args, kwargs, n_trials=2)
    assert len(reloaded.trials) == 5


_told = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**400), 10**400),
    st.booleans(), st.none(), st.text(max_size=3), st.binary(max_size=3),
    st.dictionaries(st.floats(), st.floats(), max_size=2),
    st.sets(st.integers(), max_size=2),
    st.lists(st.one_of(st.floats(), st.integers(-(10**400), 10**400), st.text(max_size=2)),
             max_size=3),
    st.builds(np.array, st.lists(st.floats(), max_size=3)),
)


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
@given(value=_told)
def test_every_kind_of_told_value(tmp_path_factory, storage, value):
    where = None if storage == "memory" else str(tmp_path_factory.mktemp("t") / "t.db")
    study = bbopt.create_study(storage=where)
    trial = study.ask({"x": bbopt.FloatDistribution(0, 1)})
    before = study.trials
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frozen = study.tell(trial, value)
        except (ValueError, TypeError) as error:
            assert "value" in str(error) and "Study.tell" in str(error)
            after = study.trials  # unchanged: the trial can be told again
            assert [(t.state, t.values, t.params) for t in after] == \
                [(t.state, t.values, t.params) for t in before]
            study.tell(trial, state=TrialState.FAIL)
            _no_running(study)
            return
    assert frozen.state in (TrialState.COMPLETE, TrialState.FAIL)
    if frozen.state == TrialState.COMPLETE:
        assert len(frozen.values) == 1 and math.isfinite(frozen.values[0])
    _no_running(study)


_names = st.one_of(st.text(max_size=4), st.text(st.characters(categories=["Cs"]), min_size=1,
                                                max_size=2), st.integers(), st.none(),
                   st.binary(max_size=2))
_attr_values = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30),
                         st.floats(), st.text(max_size=3), st.binary(max_size=2),
                         st.sets(st.integers(), max_size=2),
                         st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.one_of(st.text(max_size=2), st.integers()),
                                         st.integers(), max_size=2))


def _outcome(action):
    try:
        action()
    except (ValueError, TypeError) as error:
        assert _NAMED.search(str(error)), str(error)
        return type(error), str(error)
    return None


@given(name=_names, value=_attr_values, step=_extreme_ints)
def test_storages_refuse_the_same_names_attributes_and_steps(tmp_path_factory, name, value,
                                                             step):
    outcomes = []
    for storage in (bbopt.storage.InMemoryStorage(),
                    bbopt.storage.SQLiteStorage(tmp_path_factory.mktemp("s") / "s.db")):
        study = bbopt.create_study(storage=storage)
        trial = study.ask()
        seen = [
            _outcome(lambda: trial.suggest_float(name, 0, 1)),
            _outcome(lambda: trial.set_user_attr(name, value)),
            _outcome(lambda: trial.report(0.5, step)),
            _outcome(lambda: study.set_user_attr("k", value)),
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.tell(trial, 1.0)
        outcomes.append(seen)
        _no_running(study)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("bounds", [(1e308, 1.7e308), (-1.7e308, -1e308)])
def test_tpe_on_a_range_next_to_the_float_maximum(bounds) -> None:
    # Found by the nightly profile: the Parzen estimator's centre was 0.5 * (low + high),
    # which overflows to inf for such a range, and every model suggestion then failed.
    low, high = bounds
    study = bbopt.create_study(sampler=SAMPLERS["tpe"]())
    study.optimize(lambda t: t.suggest_float("x", low, high) * 1e-308, n_trials=8)
    assert all(t.state == TrialState.COMPLETE and low <= t.params["x"] <= high
               for t in study.trials)
