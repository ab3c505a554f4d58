"""NSGA-II and NSGA-III samplers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution
from bbopt.samplers import NSGAIIISampler, NSGAIISampler, RandomSampler
from bbopt.samplers._nsga import crowding_distance, polynomial_mutation, sbx
from bbopt.testfunctions import DTLZ2, ZDT1


def _front_hypervolume(study, reference) -> float:
    return bbopt.hypervolume([t.values for t in study.best_trials], reference)


def _run(sampler, f, n_trials: int):
    study = bbopt.create_study(directions=["minimize"] * f.n_objectives, sampler=sampler)
    space = f.search_space()
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, f([trial.params[name] for name in space]).tolist())
    return study


def test_beats_random_search_on_zdt1() -> None:
    f = ZDT1(n_dims=6)
    nsga = _run(NSGAIISampler(population_size=20, seed=0), f, 600)
    rand = _run(RandomSampler(seed=0), f, 600)
    assert _front_hypervolume(nsga, [1.1, 1.1]) > _front_hypervolume(rand, [1.1, 1.1]) + 0.1


def test_nsga3_spreads_over_the_dtlz2_front() -> None:
    f = DTLZ2(n_objectives=3, n_dims=5)
    study = _run(NSGAIIISampler(population_size=24, seed=1), f, 480)
    front = np.array([t.values for t in study.best_trials])
    assert bbopt.hypervolume(front, [1.1, 1.1, 1.1]) > 0.5
    # Close to the unit sphere.
    assert np.median(np.linalg.norm(front, axis=1)) < 1.1


@pytest.mark.parametrize("crossover", ["sbx", "uniform", "blxalpha"])
def test_mixed_space_stays_in_bounds(crossover: str) -> None:
    space = {"x": FloatDistribution(-2, 2), "n": IntDistribution(1, 64, log=True),
             "s": FloatDistribution(0, 1, step=0.25),
             "c": CategoricalDistribution(["a", "b", "c"])}
    sampler = NSGAIISampler(population_size=6, seed=0, crossover=crossover,
                            mutation_prob=0.5)
    study = bbopt.create_study(directions=["minimize", "maximize"], sampler=sampler)
    for _ in range(60):
        trial = study.ask(space)
        p = trial.params
        for name, dist in space.items():
            assert dist.contains(p[name]), (name, p[name])
        study.tell(trial, [p["x"] ** 2 + (p["c"] == "b"), p["n"] * p["s"]])
    assert len(study.best_trials) >= 1


def test_generations_are_the_same_for_every_reader() -> None:
    # Two sampler instances over the same observations (two workers of one storage)
    # select the same population.
    f = ZDT1(n_dims=4)
    study = _run(NSGAIISampler(population_size=8, seed=0), f, 40)
    populations = []
    for seed in (1, 2):
        sampler = NSGAIISampler(population_size=8, seed=seed)
        sampler.sample_joint(study.ask()._sampling_context(), f.search_space())
        (state,) = sampler._states.values()
        populations.append(sorted(state.population.tolist()))
    assert populations[0] == populations[1]
    assert len(populations[0]) == 8


def test_failed_and_running_trials_do_not_count() -> None:
    f = ZDT1(n_dims=3)
    sampler = NSGAIISampler(population_size=4, seed=0)
    study = bbopt.create_study(directions=["minimize"] * 2, sampler=sampler)
    space = f.search_space()
    for k in range(30):
        trial = study.ask(space)
        if k % 3 == 0:
            study.tell(trial, state=bbopt.TrialState.FAIL)
        else:
            study.tell(trial, f([trial.params[n] for n in space]).tolist())
    (state,) = sampler._states.values()
    obs = study.get_observations()
    assert np.all(obs.states[state.population] == bbopt.TrialState.COMPLETE)
    study.ask_batch(5, space)  # parallel asks draw distinct children
    assert len(study.trials) == 35


def test_single_objective_works() -> None:
    sampler = NSGAIISampler(population_size=10, seed=0)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2
                   + t.suggest_float("y", -3, 3) ** 2, n_trials=200)
    assert study.best_value < 0.05


def test_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="'population_size' parameter of NSGAIISampler"):
        NSGAIISampler(population_size=1)
    with pytest.raises(ValueError, match="'crossover' parameter"):
        NSGAIISampler(crossover="one-point")
    with pytest.raises(ValueError, match="'crossover_prob'.*\\[0, 1\\]"):
        NSGAIISampler(crossover_prob=1.5)
    with pytest.raises(ValueError, match="'eta_mutation'"):
        NSGAIISampler(eta_mutation=0)
    with pytest.raises(ValueError, match="'reference_points' parameter of NSGAIIISampler"):
        NSGAIIISampler(reference_points=[[-1.0, 2.0]])
    with pytest.raises(TypeError, match="'independent_sampler'"):
        NSGAIISampler(independent_sampler="random")


unit = st.lists(st.floats(0, 1), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(unit, unit, st.floats(0.5, 100), st.integers(0, 2**32 - 1))
def test_variation_stays_in_the_unit_cube(a, b, eta, seed) -> None:
    d = min(len(a), len(b))
    a, b = np.array(a[:d]), np.array(b[:d])
    rng = np.random.default_rng(seed)
    child = sbx(a, b, eta, rng)
    mutated = polynomial_mutation(child, eta, rng)
    for x in (child, mutated):
        assert np.all((x >= 0) & (x <= 1))


def test_crowding_distance_of_small_fronts() -> None:
    assert crowding_distance(np.array([[1.0, 2.0]])).tolist() == [np.inf]
    d = crowding_distance(np.array([[0.0, 4.0], [1.0, 2.0], [3.0, 1.0], [4.0, 0.0]]))
    assert d[0] == d[3] == np.inf and d[1] == pytest.approx(3 / 4 + 3 / 4)
