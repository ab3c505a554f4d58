"""Multi-objective test problems: their fronts are reached where the literature says."""

from __future__ import annotations

import types

import numpy as np
import pytest

import bbopt
from bbopt.testfunctions import (
    C2DTLZ2,
    DTLZ1,
    DTLZ2,
    DTLZ3,
    DTLZ4,
    DTLZ7,
    ZDT1,
    ZDT2,
    ZDT3,
    ZDT4,
    ZDT6,
    PressureVessel,
    WeldedBeam,
)

ALL = [ZDT1(), ZDT2(), ZDT3(), ZDT4(), ZDT6(), DTLZ1(), DTLZ2(), DTLZ3(), DTLZ4(), DTLZ7(),
       DTLZ2(n_objectives=5), C2DTLZ2()]


def _optimal_points(f, n: int, rng: np.random.Generator) -> np.ndarray:
    """Decision vectors on the Pareto set: position variables free, the rest optimal."""
    x = np.zeros((n, f.n_dims))
    if f.name.startswith("ZDT"):
        x[:, 0] = rng.random(n)
        return x  # g = 1 at x_2.. = 0 (ZDT4's range includes 0)
    m = f.n_objectives
    x[:, : m - 1] = rng.random((n, m - 1))
    x[:, m - 1:] = 0.0 if isinstance(f, DTLZ7) else 0.5
    return x


@pytest.mark.parametrize("f", ALL, ids=repr)
def test_pareto_set_maps_onto_the_front(f) -> None:
    rng = np.random.default_rng(0)
    values = f(_optimal_points(f, 200, rng))
    front = f.pareto_front(2000)
    assert front.shape[1] == f.n_objectives
    # Every optimal value is no worse than the sampled front, up to the sampling gap,
    # and the front itself is mutually non-dominated.
    ranks = np.empty(front.shape[0], dtype=np.int64)
    bbopt._kernels.nondominated_rank(np.ascontiguousarray(front), 1, ranks)
    assert (ranks == 0).mean() > 0.95
    if not isinstance(f, (ZDT3, DTLZ7, C2DTLZ2)):  # disconnected: optimal points off pieces
        gaps = np.min(np.linalg.norm(values[:, None] - front[None], axis=2), axis=1)
        assert np.quantile(gaps, 0.9) < (0.05 if f.n_objectives <= 3 else 0.15)


@pytest.mark.parametrize("f", ALL, ids=repr)
def test_batch_and_single_point_agree(f) -> None:
    rng = np.random.default_rng(1)
    low, high = f.bounds[:, 0], f.bounds[:, 1]
    x = low + (high - low) * rng.random((5, f.n_dims))
    batch = f(x)
    assert batch.shape == (5, f.n_objectives)
    np.testing.assert_allclose(f(x[2]), batch[2])
    assert f.constraints(x).shape == (5, f.n_constraints)


def test_known_hypervolumes() -> None:
    # ZDT1: 1 - integral of 1 - sqrt(x) = 2/3 with reference (1, 1); DTLZ2 in 3 objectives:
    # 1 - pi/6 with reference (1, 1, 1).
    assert bbopt.hypervolume(ZDT1().pareto_front(5000), [1.0, 1.0]) == pytest.approx(
        2 / 3, abs=1e-3)
    assert bbopt.hypervolume(DTLZ2().pareto_front(5000), [1.0, 1.0, 1.0]) == pytest.approx(
        1 - np.pi / 6, abs=0.01)
    assert bbopt.hypervolume(DTLZ1().pareto_front(5000), [0.5, 0.5, 0.5]) == pytest.approx(
        1 / 8 - 1 / 48, abs=0.005)


def test_constrained_front_is_feasible_and_errors_name_arguments() -> None:
    f = C2DTLZ2()
    front = f.pareto_front(100)
    assert front.shape[0] > 10
    with pytest.raises(ValueError, match="'x' argument of ZDT1"):
        ZDT1(n_dims=3)([0.0, 1.0])
    with pytest.raises(ValueError, match="n_objectives"):
        DTLZ2(n_objectives=1)
    with pytest.raises(ValueError, match="n_points"):
        ZDT1().pareto_front(0)


def test_objective_runs_in_a_study() -> None:
    f = ZDT1(n_dims=4)
    study = bbopt.create_study(directions=["minimize", "minimize"],
                               sampler=bbopt.samplers.RandomSampler(seed=0))
    study.optimize(f.objective, n_trials=10)
    assert len(study.best_trials) >= 1


@pytest.mark.parametrize("cls", [WeldedBeam, PressureVessel])
def test_constrained_designs_best_known_point_is_feasible_and_a_sample_is_not_better(cls):
    f = cls()
    x = f.minimizers[0]
    assert f(x) == pytest.approx(f.minimum, rel=1e-5)
    # Tolerances: the published digits of the best point (stress in psi, volume in in^3).
    assert (f.constraints(x) <= np.array([1e-1] * 7 if cls is WeldedBeam else [1e-6] * 2
                                         + [1e-4, 0.0])).all()
    rng = np.random.default_rng(0)
    low, high = f.bounds.T
    points = low + (high - low) * rng.random((20000, f.n_dims))
    feasible = (f.constraints(points) <= 0).all(axis=1)
    assert feasible.any() and f(points[feasible]).min() > f.minimum
    trial = types.SimpleNamespace(params={f"x{j}": float(v) for j, v in enumerate(x)})
    assert f.trial_constraints(trial) == f.constraints(x).tolist()
    assert f.constraints(points[:3]).shape == (3, f.n_constraints)
    with pytest.raises(ValueError, match="must have shape"):
        f.constraints([1.0])
