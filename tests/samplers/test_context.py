"""The sampling context: one read of each kind per ask, running points, both interfaces."""

from __future__ import annotations

import numpy as np
import pytest

import bbopt
from bbopt import FloatDistribution, IntDistribution, StudyDirection, TrialState
from bbopt.samplers import (
    ArraySampler,
    BaseSampler,
    GPSampler,
    QMCSampler,
    RandomSampler,
    SamplingContext,
    TPESampler,
    TrustRegionGPSampler,
)
from bbopt.storage import Observations, SQLiteStorage

SPACE = {"x": FloatDistribution(-1.0, 1.0), "n": IntDistribution(1, 9)}


KINDS = ["memory", "sqlite", "journal", "postgres"]  # make_storage: tests/conftest.py


class _Counting:
    """Wrap a storage's two sampler reads and count them."""

    def __init__(self, storage: bbopt.storage.BaseStorage) -> None:
        self.reads = {"observations": 0, "running": 0}
        get_obs, get_running = storage.get_observations, storage.get_running_points

        def observations(study_id: int) -> Observations:
            self.reads["observations"] += 1
            return get_obs(study_id)

        def running(study_id: int) -> bbopt.storage.RunningPoints:
            self.reads["running"] += 1
            return get_running(study_id)

        storage.get_observations = observations  # type: ignore[method-assign]
        storage.get_running_points = running  # type: ignore[method-assign]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("make_sampler", [
    lambda: TPESampler(seed=0, n_startup_trials=3),
    lambda: TPESampler(seed=0, n_startup_trials=3, multivariate=False),
    lambda: GPSampler(seed=0, n_startup_trials=3),
    lambda: TrustRegionGPSampler(seed=0, n_startup_trials=3),
    lambda: RandomSampler(seed=0),
    lambda: QMCSampler(seed=0),
], ids=["tpe", "tpe-univariate", "gp", "trust-region", "random", "qmc"])
def test_at_most_one_read_of_each_kind_per_ask(kind, make_sampler, make_storage) -> None:
    storage = make_storage()
    study = bbopt.create_study(storage=storage, sampler=make_sampler())
    for _ in range(6):
        trial = study.ask()
        study.tell(trial, trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_int("n", 1, 9))
    counter = _Counting(storage)
    others = [study.ask(SPACE) for _ in range(2)]  # running trials the sampler must see
    counter.reads = {"observations": 0, "running": 0}
    trial = study.ask()
    trial.suggest_float("x", -1, 1)
    trial.suggest_int("n", 1, 9)
    assert counter.reads["observations"] <= 1 and counter.reads["running"] <= 1
    for other in others:
        study.tell(other, 1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_running_points_follow_the_running_trials(kind, make_storage) -> None:
    storage = make_storage()
    study = bbopt.create_study(storage=storage, sampler=RandomSampler(seed=1))
    trials = [study.ask(SPACE) for _ in range(4)]
    half = study.ask()
    half.suggest_float("x", -1, 1)
    study.tell(trials[0], 1.0)
    study.tell(trials[1], state=TrialState.FAIL)
    study.tell(trials[2], 2.0)
    running = storage.get_running_points(study._study_id)
    obs = study.get_observations()
    columns = [obs.column(name, dist) for name, dist in SPACE.items()]
    rows = dict(zip(running.numbers.tolist(), running.points(columns).tolist()))
    assert set(rows) == {trials[3].number, half.number}
    assert rows[trials[3].number] == pytest.approx(
        [dist.to_internal(trials[3].params[name]) for name, dist in SPACE.items()])
    assert rows[half.number][0] == pytest.approx(half.params["x"])
    assert np.isnan(rows[half.number][1])


def test_running_points_of_a_process_that_died(tmp_path) -> None:
    # A trial left RUNNING by another process is seen by a fresh storage object, until
    # it is failed as stale.
    path = tmp_path / "s.db"
    first = bbopt.create_study(study_name="s", storage=SQLiteStorage(path))
    orphan = first.ask(SPACE)
    storage = SQLiteStorage(path, heartbeat_interval=1, grace_period=1)
    study = bbopt.load_study(study_name="s", storage=storage)
    assert storage.get_running_points(study._study_id).numbers.tolist() == [orphan.number]
    import time

    time.sleep(2.2)
    assert storage.fail_stale_trials(study._study_id) == [orphan.number]
    assert storage.get_running_points(study._study_id).numbers.size == 0


def test_optuna_style_sampler_still_works() -> None:
    class Middle(BaseSampler):
        def infer_relative_search_space(self, study, trial):
            return {"x": FloatDistribution(0, 4)} if len(study.trials) > 1 else {}

        def sample_relative(self, study, trial, search_space):
            return {"x": 2.0}

        def sample_independent(self, study, trial, name, distribution):
            low, high = distribution.internal_bounds()
            return (low + high) / 2

    study = bbopt.create_study(sampler=Middle())
    study.optimize(lambda t: t.suggest_float("x", 0, 4) + t.suggest_int("k", 0, 2), n_trials=4)
    assert [t.params for t in study.trials] == [{"x": 2.0, "k": 1}] * 4


def test_a_sampler_on_a_context_built_from_arrays() -> None:
    obs = Observations([StudyDirection.MINIMIZE])
    dist = FloatDistribution(0.0, 1.0)
    rng = np.random.default_rng(0)
    for number, x in enumerate(rng.random(30)):
        obs.append(number, TrialState.COMPLETE, [(x - 0.3) ** 2], {"x": (dist, float(x))})
    sampler = TPESampler(seed=0, n_startup_trials=5)
    draws = []
    for k in range(20):
        context = SamplingContext.from_arrays(obs, trial_number=30 + k)
        space = sampler.joint_space(context)
        assert space == {"x": dist}
        draws.append(sampler.sample_joint(context, space)["x"])
    assert abs(np.median(draws) - 0.3) < 0.15


def test_array_sampler_subclass_overriding_an_optuna_style_method() -> None:
    calls = []

    class Recording(RandomSampler):
        def sample_independent(self, study, trial, name, distribution):
            calls.append(name)
            return super().sample_independent(study, trial, name, distribution)

    study = bbopt.create_study(sampler=Recording(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert calls == ["x"] * 3
    assert issubclass(Recording, ArraySampler)


@pytest.mark.parametrize("kind", KINDS)
def test_an_array_ask_reads_storage_at_most_once_of_each_kind(kind, make_storage) -> None:
    storage = make_storage()
    study = bbopt.create_study(storage=storage, sampler=RandomSampler(seed=0))
    numbers, X = study.ask_array(10, SPACE)
    study.tell_array(numbers, X[:, 0])
    counter = _Counting(storage)
    study.tell_array(*study.ask_array(100, SPACE)[:1], np.zeros(100))
    assert counter.reads["observations"] <= 1 and counter.reads["running"] <= 1


def test_random_array_draws_on_a_context_built_from_arrays() -> None:
    obs = Observations([StudyDirection.MINIMIZE])
    context = SamplingContext.from_arrays(obs, trial_number=-1)
    x = RandomSampler(seed=0).sample_array(context, SPACE, 500)
    bounds = np.array([d.internal_bounds() for d in SPACE.values()])
    assert x.shape == (500, 2)
    assert np.all((x >= bounds[:, 0]) & (x <= bounds[:, 1]))
