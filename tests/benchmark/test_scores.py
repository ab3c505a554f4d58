"""Scores of bbopt.benchmark against direct computations from hand-made traces."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bbopt.benchmark import (
    TARGETS,
    Run,
    Table,
    compare,
    ecdf_curves,
    ecdf_scores,
    median_regret,
    rank_table,
    regret_curves,
    runtimes,
    score_matrix,
)
from bbopt.benchmark._runner import _trace


def make_run(values, n_dims=2, minimum=0.0, optimizer="opt", seed=0, problem="f", instance=0):
    """A run record from the raw values of its evaluations, in order."""
    values = np.asarray(values, dtype=np.float64)
    evals, regrets = _trace(values, minimum)
    return Run(f"{problem}/d{n_dims}/i{instance}", problem, n_dims, instance, minimum,
               optimizer, optimizer, seed, len(values), evals, regrets, 0.0, 0.0, 0.0)


def direct_score(values_list, dims, minimum, budget, targets):
    """Mean over runs and targets of [min of the first ceil(budget d) values - minimum <= t]."""
    hits = []
    for values, d in zip(values_list, dims):
        n = math.ceil(budget * d)
        seen = [v for v in values[:n] if not math.isnan(v)]  # a run past its end: what it had
        best = min(seen) - minimum if seen else math.inf
        hits.extend(best <= t for t in targets)
    return sum(hits) / len(hits)


def test_the_targets_are_cocos_51_precisions():
    assert TARGETS.shape == (51,)
    assert TARGETS[0] == pytest.approx(100.0) and TARGETS[-1] == pytest.approx(1e-8)
    np.testing.assert_allclose(np.diff(np.log10(TARGETS)), -0.2)


def test_ecdf_score_of_hand_made_traces():
    targets = [100.0, 10.0, 1.0, 0.1]
    runs = [
        make_run([500.0, 50.0, 5.0, 0.5]),          # reaches 100 at 2, 10 at 3, 1 at 4, not 0.1
        make_run([1e3, 2e3, 1e3, 900.0, 300.0]),    # never reaches a target
        make_run([math.nan, 0.05], n_dims=1),       # a failed evaluation, then every target
    ]
    table = ecdf_scores(runs, budgets=[0.5, 1, 2, 100], targets=targets)
    assert table.columns == ("optimizer", "n_runs", "0.5d", "1d", "2d", "100d")
    # budget 0.5: 1 evaluation for d = 2, 1 for d = 1 (rounded up): nothing reached.
    # budget 1: 2 evaluations (d = 2): run 0 reaches 100; run 2 (d = 1) 1 evaluation: NaN.
    # budget 2: 4 evaluations: run 0 reaches 3 targets; run 2 (2 evaluations) all 4.
    # budget 100: past every run's end: the same as at their end.
    assert table.rows == [("opt", 3, 0.0, 1 / 12, 7 / 12, 7 / 12)]


@given(st.lists(st.tuples(st.lists(st.one_of(st.floats(-1e3, 1e6), st.just(math.nan)),
                                   min_size=1, max_size=30),
                          st.integers(1, 4)), min_size=1, max_size=5),
       st.lists(st.floats(0.1, 40), min_size=1, max_size=4))
def test_ecdf_score_equals_the_direct_computation(cases, budgets):
    runs = [make_run(values, n_dims=d, minimum=-1.0) for values, d in cases]
    table = ecdf_scores(runs, budgets=budgets)
    for j, budget in enumerate(budgets):
        expected = direct_score([v for v, _ in cases], [d for _, d in cases], -1.0, budget,
                                TARGETS)
        assert table.rows[0][2 + j] == pytest.approx(expected, abs=1e-12)


def test_the_curve_is_the_score_at_every_budget():
    runs = [make_run(np.geomspace(1e3, 1e-9, 40) * s, n_dims=d)
            for s, d in [(1, 2), (3, 4), (1e6, 1)]]
    curve = ecdf_curves(runs)[0]
    assert curve.max_budget == 40.0
    for budget in [0.25, 1, 3.5, 7, 40]:
        index = np.searchsorted(curve.budgets, budget, side="right") - 1
        height = curve.fractions[index] if index >= 0 else 0.0
        assert ecdf_scores(runs, [budget]).rows[0][2] == pytest.approx(height)


def test_runtimes_are_the_first_evaluations_that_reach_each_target():
    run = make_run([20.0, 30.0, 8.0, 8.0, 0.5, 0.4])
    assert runtimes(run, [100, 10, 1, 0.5, 0.45, 0.1]).tolist() == [1, 3, 5, 5, 6, math.inf]


def test_scores_by_function_and_dimension():
    runs = [make_run([1.0], problem="a", optimizer="x"), make_run([1e3], problem="b",
                                                                  optimizer="x")]
    table = ecdf_scores(runs, [1], by=("function", "optimizer"), targets=[10])
    assert table.rows == [("a", "x", 1, 1.0), ("b", "x", 1, 0.0)]
    assert ecdf_scores(runs, [1], targets=[10]).rows == [("x", 2, 0.5)]


def test_median_regret_and_its_bootstrap_interval():
    runs = [make_run([float(v)], seed=s) for s, v in enumerate([5, 1, 3, 2, 4, 100, 0.5])]
    (row,) = median_regret(runs, n_bootstrap=2000, seed=1).rows
    assert row[:5] == ("f", 2, "opt", 7, 3.0)
    assert row[5] <= 3.0 <= row[6]
    assert median_regret(runs, n_bootstrap=2000, seed=1).rows == [row]  # seeded
    # At a budget of 0.5 d (one evaluation) every run has its first value.
    assert median_regret(runs, 0.5).rows[0][4] == 3.0


def test_rank_table_ranks_within_problem_and_seed():
    runs = [
        make_run([1.0], optimizer="a", seed=0), make_run([2.0], optimizer="b", seed=0),
        make_run([5.0], optimizer="a", seed=1), make_run([2.0], optimizer="b", seed=1),
        # below the regret floor both regrets are equal: a tie
        make_run([1e-12], optimizer="a", seed=2), make_run([1e-9], optimizer="b", seed=2),
        make_run([1.0], optimizer="a", seed=3),  # b has no run: left out
        make_run([1.0], optimizer="a", problem="g"), make_run([3.0], optimizer="b",
                                                              problem="g"),
    ]
    table = rank_table(runs)
    assert table.columns == ("function", "n_dims", "a", "b")
    assert table.rows[0] == ("f", 2, 1.5, 1.5)
    assert table.rows[1] == ("g", 2, 1.0, 2.0)
    assert table.rows[2] == ("all", "", 1.375, 1.625)  # the mean over all 4 blocks


def test_compare_is_scipys_wilcoxon_on_paired_log_ratios():
    from scipy.stats import wilcoxon

    rng = np.random.default_rng(0)
    a_values, b_values = rng.lognormal(0, 1, 12), rng.lognormal(1, 1, 12)
    runs = [make_run([v], optimizer="a", seed=s) for s, v in enumerate(a_values)]
    runs += [make_run([v], optimizer="b", seed=s) for s, v in enumerate(b_values)]
    runs.append(make_run([1.0], optimizer="b", seed=99))  # unpaired
    result = compare(runs, "a", "b")
    ratios = np.log10(a_values) - np.log10(b_values)
    assert result.n_pairs == 12
    assert result.n_a_better == int(np.sum(ratios < 0))
    assert result.pvalue == pytest.approx(wilcoxon(ratios).pvalue)
    assert result.median_log10_ratio == pytest.approx(np.median(ratios))
    assert "a vs b: 12 pairs" in str(result)


def test_compare_with_only_ties():
    runs = [make_run([1.0], optimizer=o, seed=s) for o in "ab" for s in range(3)]
    result = compare(runs, "a", "b")
    assert result.n_ties == 3 and result.pvalue == 1.0 and math.isnan(result.statistic)


def test_regret_curves_are_quartiles_per_evaluation():
    values = [[5.0, 4.0, 1.0], [3.0, 3.0, 3.0, 0.5], [9.0, 2.0, 2.0]]
    runs = [make_run(v, seed=s) for s, v in enumerate(values)]
    (curve,) = regret_curves(runs)
    best = np.array([[5, 4, 1, 1], [3, 3, 3, 0.5], [9, 2, 2, 2]])  # past the end: last value
    np.testing.assert_array_equal(curve.evals, [1, 2, 3, 4])
    np.testing.assert_allclose(curve.median, np.median(best, axis=0))
    np.testing.assert_allclose(curve.lower, np.percentile(best, 25, axis=0))
    with pytest.raises(ValueError, match="No run"):
        regret_curves(runs, function="g")


def test_score_matrix_has_nan_where_there_is_no_run():
    runs = [make_run([1.0], optimizer="a"), make_run([1e3], optimizer="b"),
            make_run([1.0], optimizer="a", problem="g")]
    problems, optimizers, scores = score_matrix(runs, 1, targets=[10])
    assert problems == ["f d=2", "g d=2"] and optimizers == ["a", "b"]
    np.testing.assert_array_equal(scores, [[1.0, 0.0], [1.0, np.nan]])


def test_table_prints_markdown():
    table = Table(["name", "value"], [("a", 1.23456), ("bb", 10.0)])
    assert str(table).splitlines() == [
        "| name | value |", "|------|------:|", "| a    |  1.23 |", "| bb   |    10 |"]
    assert table.to_dicts()[1] == {"name": "bb", "value": 10.0}


@pytest.mark.parametrize(("call", "match"), [
    (lambda r: ecdf_scores(r, by="colour"), "'by' parameter of ecdf_scores"),
    (lambda r: ecdf_scores(r, budgets=[0]), "'budgets' parameter of ecdf_scores"),
    (lambda r: ecdf_scores(r, targets=[-1]), "'targets' parameter of ecdf_scores"),
    (lambda r: ecdf_scores([]), "'runs' parameter of ecdf_scores"),
    (lambda r: median_regret(r, confidence=1.5), "'confidence' parameter of median_regret"),
    (lambda r: compare(r, "opt", "nope"), "'b' parameter of compare"),
    (lambda r: compare(r, "opt", "opt"), "must differ"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call([make_run([1.0])])
