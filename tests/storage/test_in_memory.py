"""InMemoryStorage: many threads on one storage (the contract is in test_contract.py)."""

from __future__ import annotations

import sys
import threading

import numpy as np

from bbopt import FloatDistribution, StudyDirection, TrialState
from bbopt.storage import InMemoryStorage

MIN = StudyDirection.MINIMIZE
X = FloatDistribution(-1.0, 1.0)


def test_thread_safety():
    """8 threads x 500 create/param/finish: every number once, every row present."""
    n_threads, n_per_thread = 8, 500
    storage = InMemoryStorage()
    study_id = storage.create_new_study([MIN], "threads")
    barrier = threading.Barrier(n_threads)
    taken: list[list[int]] = [[] for _ in range(n_threads)]
    errors = []

    def work(t):
        try:
            barrier.wait()
            for i in range(n_per_thread):
                number = storage.create_new_trial(study_id)
                taken[t].append(number)
                storage.set_trial_param(study_id, number, "x", X, number / 10000.0)
                storage.set_trial_param(study_id, number, f"t{t}", X, 0.0)
                storage.finish_trial(study_id, number, TrialState.COMPLETE, [float(number)])
                if i % 100 == 0:
                    storage.get_all_trials(study_id, deepcopy=False)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that races show
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors
    n_total = n_threads * n_per_thread
    all_numbers = sorted(n for numbers in taken for n in numbers)
    assert all_numbers == list(range(n_total))
    assert storage.get_n_trials(study_id) == n_total
    assert storage.get_n_trials(study_id, states=[TrialState.COMPLETE]) == n_total
    obs = storage.get_observations(study_id)
    assert obs.n_rows == n_total and obs.n_complete == n_total
    assert sorted(obs.numbers.tolist()) == list(range(n_total))
    np.testing.assert_array_equal(obs.values[:, 0], obs.numbers.astype(float))
    np.testing.assert_array_equal(obs.x[:, obs.column("x", X)], obs.numbers / 10000.0)
    assert obs.best_row == int(np.argmin(obs.values[:, 0]))
    assert obs.shared_search_space() == {"x": X}
    for t in range(n_threads):
        column = obs.x[:, obs.column(f"t{t}", X)]
        rows = np.isin(obs.numbers, taken[t])
        assert np.all(column[rows] == 0.0) and np.all(np.isnan(column[~rows]))
    trials = storage.get_all_trials(study_id, deepcopy=False)
    assert [t.number for t in trials] == list(range(n_total))
    assert all(t.values == [float(t.number)] for t in trials)


def test_a_trial_writes_its_parameters_through_the_storage_writer():
    """The in-memory writer records in place; finished trials and deleted studies refuse."""
    import pytest

    import bbopt
    from bbopt.storage import StudyNotFoundError, TrialFinishedError

    storage = InMemoryStorage()
    study = bbopt.create_study(storage=storage, sampler=bbopt.samplers.RandomSampler(seed=0))
    trial = study.ask()
    x = trial.suggest_float("x", -1.0, 1.0)
    k = trial.suggest_categorical("k", ["a", "b"])
    stored = storage.get_trial(study._study_id, trial.number)
    assert stored.params == {"x": x, "k": k}
    assert stored.distributions["x"] == FloatDistribution(-1.0, 1.0)
    # The running points see the new parameters (the writer marks the row stale).
    assert storage.get_running_points(study._study_id).x.tolist() == [
        [x, ["a", "b"].index(k)]]
    study.tell(trial, x)
    with pytest.raises(TrialFinishedError):
        trial.suggest_float("y", 0.0, 1.0)
    assert "y" not in storage.get_trial(study._study_id, trial.number).params

    other = study.ask()
    other.suggest_float("x", -1.0, 1.0)
    bbopt.delete_study(study_name=study.study_name, storage=storage)
    with pytest.raises(StudyNotFoundError):
        other.suggest_float("y", 0.0, 1.0)


def test_a_storage_that_overrides_set_trial_param_gets_every_parameter():
    """A subclass keeps its own set_trial_param (the default writer is the method)."""
    import bbopt

    class Recording(InMemoryStorage):
        def __init__(self):
            super().__init__()
            self.written = []

        def set_trial_param(self, study_id, number, name, distribution, value):
            self.written.append(name)
            super().set_trial_param(study_id, number, name, distribution, value)

    storage = Recording()
    study = bbopt.create_study(storage=storage, sampler=bbopt.samplers.RandomSampler(seed=0))
    trial = study.ask()
    trial.suggest_float("x", -1.0, 1.0)
    trial.suggest_int("n", 1, 3)
    assert storage.written == ["x", "n"]
