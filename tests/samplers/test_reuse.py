"""A sampler instance reused for several studies (bbopt/samplers/_per_study.py).

QMC and random samplers hold no per-study state; the grid's claims are in the
storage (tests/samplers/test_grid.py).

Each study is modelled with its own observations only: the per-study state of
TPE and GP is keyed by `SamplingContext.study_key`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bbopt
from bbopt import TrialState
from bbopt.samplers import GPSampler, QMCSampler, RandomSampler, TPESampler


def _shifted(optimum):
    def objective(trial):
        return (trial.suggest_float("x", 0, 1) - optimum) ** 2

    return objective


@pytest.mark.parametrize("make", [
    lambda: TPESampler(seed=0, n_startup_trials=5),
    lambda: TPESampler(seed=0, n_startup_trials=5, multivariate=True, group=True),
    lambda: GPSampler(seed=0, n_startup_trials=5),
])
def test_a_reused_sampler_models_each_study_with_its_own_points(make):
    reused = make()
    first = bbopt.create_study(sampler=reused)
    first.optimize(_shifted(0.9), n_trials=20)
    second = bbopt.create_study(sampler=reused)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning: the model fits the new study
        second.optimize(_shifted(0.1), n_trials=20)
    assert all(t.state == TrialState.COMPLETE for t in second.trials)
    late = [t.params["x"] for t in second.trials[10:]]
    assert np.median(late) < 0.4  # the old optimum (0.9) would pull these up


def test_studies_in_distinct_storages_with_the_same_name_are_distinct():
    sampler = GPSampler(seed=0, n_startup_trials=3)
    for optimum in (0.9, 0.1):
        study = bbopt.create_study(study_name="same", sampler=sampler,
                                   storage=bbopt.storage.InMemoryStorage())
        study.optimize(_shifted(optimum), n_trials=12)
    assert abs(study.best_params["x"] - 0.1) < 0.2


def test_two_studies_interleaved_with_one_tpe_sampler():
    sampler = TPESampler(seed=1, n_startup_trials=3, multivariate=True)
    studies = [bbopt.create_study(sampler=sampler) for _ in range(2)]
    for i in range(30):
        study = studies[i % 2]
        trial = study.ask()
        x = trial.suggest_float("x", 0, 1)
        if i % 2:
            trial.suggest_int("n", 0, 3)
        study.tell(trial, x)
    for study in studies:
        assert all(t.state == TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize("sampler", [QMCSampler(seed=0), RandomSampler(seed=0)])
def test_samplers_without_per_study_state_can_be_reused(sampler):
    for _ in range(2):
        study = bbopt.create_study(sampler=sampler)
        study.optimize(_shifted(0.5), n_trials=5)
        assert len(study.trials) == 5
