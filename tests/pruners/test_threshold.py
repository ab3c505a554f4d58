"""ThresholdPruner (bbopt/pruners/_threshold.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pruning_support import report  # tests/pruners/pruning_support.py

import bbopt
from bbopt.pruners import ThresholdPruner


def decisions(pruner, curve):
    study = bbopt.create_study(pruner=pruner)
    trial = study.ask()
    out = []
    for step, value in curve:
        report(trial, value, step)
        out.append(trial.should_prune())
    return out


def test_bounds_are_inclusive():
    pruner = ThresholdPruner(lower=0.0, upper=1.0)
    curve = [(0, 0.0), (1, 1.0), (2, 0.5), (3, 1.5), (4, -0.1)]
    assert decisions(pruner, curve) == [False, False, False, True, True]


def test_only_the_latest_value_counts():
    assert decisions(ThresholdPruner(upper=1.0), [(0, 5.0), (1, 0.5)]) == [True, False]


def test_nan_is_pruned():
    assert decisions(ThresholdPruner(lower=0.0), [(0, 1.0), (1, math.nan)]) == [False, True]


def test_warmup_and_interval():
    pruner = ThresholdPruner(upper=0.0, n_warmup_steps=1, interval_steps=2)
    curve = [(s, 1.0) for s in range(6)]
    assert decisions(pruner, curve) == [False, True, False, True, False, True]


def test_out_of_order_uses_the_last_step_value():
    # Step 1 arrives after step 3: the last step is still 3 (value 0.5), already checked.
    assert decisions(ThresholdPruner(upper=1.0), [(3, 0.5), (1, 9.0)]) == [False, False]


def test_no_report():
    study = bbopt.create_study(pruner=ThresholdPruner(upper=1.0))
    assert not study.ask().should_prune()


@given(curve=st.dictionaries(st.integers(0, 20), st.floats(-10, 10), min_size=1),
       n_warmup=st.integers(0, 10))
def test_never_prunes_before_the_warmup(curve, n_warmup):
    # Every value is below the bound: pruned exactly at the steps after the warm-up.
    pruner = ThresholdPruner(lower=100.0, n_warmup_steps=n_warmup)
    reports = sorted(curve.items())
    for (step, _), pruned in zip(reports, decisions(pruner, reports)):
        assert pruned is (step >= n_warmup)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "'lower' or 'upper'"),
        ({"lower": 2.0, "upper": 1.0}, ValueError, "'lower'.*2.0"),
        ({"lower": math.nan}, ValueError, "'lower'.*nan"),
        ({"upper": "1"}, TypeError, "'upper'.*'1'"),
        ({"upper": 1.0, "n_warmup_steps": -1}, ValueError, "'n_warmup_steps'.*-1"),
        ({"upper": 1.0, "interval_steps": 0}, ValueError, "'interval_steps'.*0"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ThresholdPruner(**kwargs)
