"""WilcoxonPruner: paired one-sided signed-rank test against the best trial."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import stats

import bbopt
from bbopt.pruners import WilcoxonPruner


def _study(direction: str = "minimize", **kwargs: float) -> bbopt.Study:
    study = bbopt.create_study(direction=direction, pruner=WilcoxonPruner(**kwargs))
    best = study.ask()
    for step in range(12):
        best.report(float(step % 4), step)
    study.tell(best, 1.5)
    return study


def test_prunes_a_trial_worse_on_most_instances_and_keeps_a_better_one() -> None:
    rng = np.random.default_rng(0)
    study = _study()
    worse, better = study.ask(), study.ask()
    pruned_at = None
    for step in range(12):
        worse.report(step % 4 + 0.5 + 0.1 * rng.standard_normal(), step)
        better.report(step % 4 - 0.5, step)
        if pruned_at is None and worse.should_prune():
            pruned_at = step
        assert not better.should_prune()
    assert pruned_at is not None and pruned_at <= 5
    # The same p-value as scipy's test on the differences.
    diffs = [worse.freeze().intermediate_values[s] - (s % 4) for s in range(12)]
    p = stats.wilcoxon(diffs, alternative="greater", zero_method="zsplit").pvalue
    assert p < 0.1


def test_maximize_flips_the_test_and_startup_steps_wait() -> None:
    study = _study("maximize", n_startup_steps=3)
    trial = study.ask()
    trial.report(-1.0, 0)
    trial.report(0.0, 1)
    assert not trial.should_prune()  # 2 shared steps < 3
    for step in range(2, 12):
        trial.report(step % 4 - 1.0, step)
    assert trial.should_prune()  # lower than the best everywhere, maximizing


def test_no_best_trial_identical_values_and_a_better_mean_never_prune() -> None:
    study = bbopt.create_study(pruner=WilcoxonPruner())
    trial = study.ask()
    trial.report(1.0, 0)
    assert not trial.should_prune()  # no complete trial
    study = _study(p_threshold=0.5)
    same = study.ask()
    for step in range(12):
        same.report(float(step % 4), step)
    assert not same.should_prune()
    # Worse on 9 of 12 instances by a little, far better on 3: the mean is better.
    mixed = study.ask()
    for step in range(12):
        mixed.report(step % 4 + (0.1 if step < 9 else -5.0), step)
    with pytest.warns(UserWarning, match="mean over the 12 shared steps is better"):
        assert not mixed.should_prune()


def test_arguments_and_pickling() -> None:
    with pytest.raises(ValueError, match="'p_threshold' parameter of WilcoxonPruner"):
        WilcoxonPruner(p_threshold=1.5)
    with pytest.raises(ValueError, match="'n_startup_steps' parameter of WilcoxonPruner"):
        WilcoxonPruner(n_startup_steps=-1)
    pruner = pickle.loads(pickle.dumps(WilcoxonPruner(0.05, 3)))
    assert repr(pruner) == "WilcoxonPruner(p_threshold=0.05, n_startup_steps=3)"
    study = bbopt.create_study(directions=["minimize", "minimize"], pruner=pruner)
    with pytest.raises(ValueError, match="single-objective"):
        study.ask().should_prune()
