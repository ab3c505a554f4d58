"""Samplers, pruners, storages and studies pickle, as Optuna's do (their locks are recreated)."""

from __future__ import annotations

import pickle
import threading

import pytest

import bbopt
from bbopt import pruners, samplers
from bbopt._picklable import PicklableLocks


def _objective(trial: bbopt.Trial) -> float:
    x = trial.suggest_float("x", -2, 2)
    n = trial.suggest_int("n", 0, 3)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    return x * x + n + (kind == "b")


SAMPLERS = [
    lambda: samplers.TPESampler(seed=0),
    lambda: samplers.RandomSampler(seed=0),
    lambda: samplers.QMCSampler(seed=0),
    lambda: samplers.CmaEsSampler(seed=0),
    lambda: samplers.NSGAIISampler(seed=0),
    lambda: samplers.GPSampler(seed=0),
    lambda: samplers.AutoSampler(seed=0),
    lambda: samplers.GridSampler({"x": [-1.0, -0.5, 0.0, 0.5, 1.0], "n": [0, 1], "kind": ["a", "b"]}),
]


class _Guarded(PicklableLocks):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rlock = threading.RLock()
        self.value = 3


def test_locks_are_dropped_and_recreated() -> None:
    guarded = _Guarded()
    guarded.lock.acquire()  # held here; the copy's lock is a new, free one
    copy = pickle.loads(pickle.dumps(guarded))
    assert copy.value == 3 and copy.lock is not guarded.lock
    assert type(copy.lock) is type(threading.Lock()) and copy.lock.acquire(blocking=False)
    assert type(copy.rlock) is type(threading.RLock())
    assert "__bbopt_locks__" not in vars(copy)


@pytest.mark.parametrize("make_sampler", SAMPLERS)
def test_a_pickled_study_goes_on_as_the_original(make_sampler) -> None:
    study = bbopt.create_study(sampler=make_sampler(), pruner=pruners.MedianPruner())
    pickle.dumps(study.sampler)  # before any trial
    study.optimize(_objective, n_trials=12)
    copy = pickle.loads(pickle.dumps(study))
    assert [t.params for t in copy.trials] == [t.params for t in study.trials]
    # Same storage contents and sampler state: the next trials are the same on both.
    study.optimize(_objective, n_trials=3)
    copy.optimize(_objective, n_trials=3)
    assert [t.params for t in copy.trials] == [t.params for t in study.trials]
    assert len(copy.trials) == 15


def test_an_in_memory_storage_and_the_default_sampler_pickle() -> None:
    storage = bbopt.storage.InMemoryStorage()
    study = bbopt.create_study(storage=storage, study_name="s")
    study.optimize(_objective, n_trials=2)
    copy = pickle.loads(pickle.dumps(storage))
    assert [t.values for t in copy.get_all_trials(copy.get_study_id_from_name("s"))] == [
        t.values for t in study.trials]
    loaded = bbopt.load_study(study_name="s", storage=copy,
                              sampler=pickle.loads(pickle.dumps(study.sampler)))
    loaded.optimize(_objective, n_trials=1)
    assert len(loaded.trials) == 3 and len(study.trials) == 2


def test_the_copy_keeps_the_study_key() -> None:
    # The sampler's state of the study (here CMA-ES's search) is found again in the copy.
    study = bbopt.create_study(sampler=samplers.CmaEsSampler(seed=1))
    study.optimize(_objective, n_trials=8)
    copy = pickle.loads(pickle.dumps(study))
    assert copy._key == study._key and copy._storage is not study._storage
    assert bbopt.create_study(storage=copy._storage)._key[0] == study._key[0]
    assert bbopt.create_study()._key[0] != study._key[0]
