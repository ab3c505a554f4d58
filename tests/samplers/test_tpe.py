"""TPESampler: optimisation, parameter kinds, incremental state, liar, groups, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bbopt
from bbopt import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    StudyDirection,
    TrialState,
)
from bbopt.samplers import RandomSampler, TPESampler
from bbopt.samplers._tpe._rules import (
    FLOOR_DECAY_N,
    HV_FACTOR_FLOOR,
    IMPROVEMENT_SHARE,
    LONG_MIN_BANDWIDTH,
    MIN_BANDWIDTH,
    default_gamma,
    default_weights,
    hypervolume_factors,
    improvement_factors,
    min_bandwidth,
    neighbour_bandwidth,
)
from bbopt.surrogates import ParzenEstimator, ParzenSpace


def _study_state(sampler):
    """The state of the one study ``sampler`` served (TPE keeps its models per study)."""
    (state,) = sampler._studies._states.values()
    return state


def _models_of(sampler):
    return _study_state(sampler).models

def _sphere(trial: bbopt.Trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 10.0) - 1.0) ** 2 for i in range(3))


def _best(sampler, objective, n_trials: int) -> float:
    study = bbopt.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return study.best_value


@pytest.mark.parametrize("incremental", [False, True])
@pytest.mark.parametrize("multivariate", [True, False])
def test_tpe_beats_random_search(multivariate: bool, incremental: bool, monkeypatch) -> None:
    if incremental:  # the long-study path (shared-bandwidth bad mixture) from the start
        monkeypatch.setattr("bbopt.samplers._tpe._model.EXACT_BAD_MAX", 0)
    tpe = [_best(TPESampler(seed=s, multivariate=multivariate), _sphere, 80) for s in range(5)]
    rnd = [_best(RandomSampler(seed=s), _sphere, 80) for s in range(5)]
    assert np.median(tpe) < 0.5 * np.median(rnd)


def test_same_seed_same_suggestions() -> None:
    def run(seed: int) -> list[dict]:
        study = bbopt.create_study(sampler=TPESampler(seed=seed, n_startup_trials=3))
        study.optimize(_sphere, n_trials=15)
        return [t.params for t in study.trials]

    assert run(1) == run(1)
    assert run(1) != run(2)


def _mixed(trial: bbopt.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    s = trial.suggest_float("s", 0.0, 1.0, step=0.25)
    lg = trial.suggest_float("lg", 1e-5, 1e2, log=True)
    i = trial.suggest_int("i", -4, 4)
    il = trial.suggest_int("il", 1, 1000, log=True)
    i2 = trial.suggest_int("i2", 0, 20, step=5)
    c = trial.suggest_categorical("c", ["a", "b", None, 3])
    one = trial.suggest_categorical("one", ["only"])
    fixed_i = trial.suggest_int("fixed_i", 7, 7)
    fixed_f = trial.suggest_float("fixed_f", 2.5, 2.5)
    assert (one, fixed_i, fixed_f) == ("only", 7, 2.5)
    return (x - 1) ** 2 + (s - 0.5) ** 2 + math.log10(lg) ** 2 + (i - 2) ** 2 + (
        math.log(il) - 3) ** 2 + (i2 - 10) ** 2 / 25 + (c != "b")


@pytest.mark.parametrize("multivariate", [True, False])
def test_all_parameter_kinds(multivariate: bool) -> None:
    study = bbopt.create_study(sampler=TPESampler(seed=0, multivariate=multivariate))
    study.optimize(_mixed, n_trials=60)
    for trial in study.trials:
        p = trial.params
        assert -3 <= p["x"] <= 3 and p["s"] in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert 1e-5 <= p["lg"] <= 1e2 and p["i"] in range(-4, 5)
        assert 1 <= p["il"] <= 1000 and isinstance(p["il"], int) and p["i2"] in (0, 5, 10, 15, 20)
        assert p["c"] in ("a", "b", None, 3)
    random_best = _best(RandomSampler(seed=0), _mixed, 60)
    assert study.best_value < random_best


def test_pruned_trials_count_through_their_last_value() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=5)
    study = bbopt.create_study(sampler=sampler)
    for k in range(40):
        trial = study.ask({"x": FloatDistribution(0.0, 1.0)})
        value = (trial.params["x"] - 0.3) ** 2
        if k % 3 == 0:
            trial.report(value, step=1)
            study.tell(trial, state=TrialState.PRUNED)
        elif k % 7 == 0:
            study.tell(trial, state=TrialState.PRUNED)  # no reported value
        elif k % 11 == 0:
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, value)
    model = next(iter(_models_of(sampler).values()))
    obs = study.get_observations()
    states = obs.states[: model.n_seen]
    # Pruned trials are modelled, failed ones are not.
    assert model.n_valid == int(np.sum(states != TrialState.FAIL))
    assert np.all(model.keys[: model.n_valid, 0][np.isin(
        model.rows[: model.n_valid], np.flatnonzero(states == TrialState.PRUNED))] >= 1)


def _brute_force_split(model, obs) -> tuple[np.ndarray, np.ndarray]:
    rows = model.rows[: model.n_valid]
    values = obs.values[rows, 0] * obs.signs[0]
    states = obs.states[rows]
    tier = np.where(states == TrialState.COMPLETE, 0, np.where(np.isnan(values), 2, 1))
    order = np.lexsort((np.arange(rows.size), np.where(np.isnan(values), np.inf, values), tier))
    n_good = default_gamma(rows.size)
    return np.sort(order[:n_good]), np.sort(order[n_good:])


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_incremental_state_matches_a_fit_from_scratch(direction: str) -> None:
    sampler = TPESampler(seed=3, n_startup_trials=5)
    study = bbopt.create_study(sampler=sampler, direction=direction)
    space = {"x": FloatDistribution(-2.0, 2.0), "n": IntDistribution(0, 6),
             "c": CategoricalDistribution([0, 1, 2])}
    rng = np.random.default_rng(0)
    for k in range(300):
        trial = study.ask(space)
        p = trial.params
        if k % 10 == 9:
            trial.report(float(rng.normal()), step=0)
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, p["x"] ** 2 + (p["n"] - 2) ** 2 + p["c"] + 0.1 * rng.normal())
        if k in (20, 150, 299):
            obs = study.get_observations()
            model = next(m for key, m in _models_of(sampler).items() if key[0])
            model.update(obs)
            good, bad = _brute_force_split(model, obs)
            np.testing.assert_array_equal(model.good, good)
            np.testing.assert_array_equal(np.sort(model.bad.tags[1:]), bad)
            # The best complete bad value, kept incrementally for the improvement weights.
            rows = model.rows[bad]
            complete = obs.states[rows] == TrialState.COMPLETE
            assert model.bad_best == np.min(obs.values[rows[complete], 0] * obs.signs[0])
            # The incremental bad mixture has the density of one fitted from scratch.
            x, x_cat = model.points(obs, bad)
            fresh = ParzenEstimator(model.space, 1.0)
            fresh.append(x, x_cat, model.bad_sigma)
            w = default_weights(bad.size)
            order = np.searchsorted(bad, model.bad.tags[1:])
            cand_x, cand_c = fresh.sample(rng, 20, fresh.log_weights(w))
            np.testing.assert_allclose(
                model.bad.log_pdf(cand_x, cand_c, model.bad.log_weights(w[order])),
                fresh.log_pdf(cand_x, cand_c, fresh.log_weights(w)), rtol=1e-10, atol=1e-10)


def test_constant_liar_spreads_a_batch() -> None:
    def batch_spread(constant_liar: bool, seed: int) -> float:
        sampler = TPESampler(seed=seed, constant_liar=constant_liar, n_startup_trials=5)
        study = bbopt.create_study(sampler=sampler)
        space = {"x": FloatDistribution(0.0, 1.0), "y": FloatDistribution(0.0, 1.0)}
        for _ in range(30):
            trial = study.ask(space)
            study.tell(trial, (trial.params["x"] - 0.5) ** 2 + (trial.params["y"] - 0.5) ** 2)
        trials = study.ask_batch(8, space)
        pts = np.array([[t.params["x"], t.params["y"]] for t in trials])
        assert len({tuple(p) for p in pts}) == 8
        if constant_liar:
            model = next(m for key, m in _models_of(sampler).items() if key[0])
            assert sampler._liars(trials[-1]._sampling_context(), model).shape == (7, 2)
        d = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(8) * 9
        return float(d.min(axis=1).mean())

    with_liar = np.median([batch_spread(True, s) for s in range(6)])
    without = np.median([batch_spread(False, s) for s in range(6)])
    assert with_liar > without


def test_multi_objective_uses_nondominated_fronts() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=5)
    study = bbopt.create_study(sampler=sampler, directions=["minimize", "maximize"])

    def objective(trial: bbopt.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        return x + y, x - y

    study.optimize(objective, n_trials=60)
    model = next(m for key, m in _models_of(sampler).items() if key[0])
    model.update(study.get_observations())
    values = study.get_observations().values[model.rows[: model.n_valid]] * [1.0, -1.0]
    good = set(model.good.tolist())
    assert len(good) == default_gamma(model.n_valid)
    # No bad point dominates a good one.
    for g in good:
        for b in set(range(model.n_valid)) - good:
            dominates = np.all(values[b] <= values[g]) and np.any(values[b] < values[g])
            assert not dominates
    assert len(study.best_trials) >= 1
    # The good group's weights are its hypervolume contributions (MOTPE's weights).
    factors = model._good_factors()
    np.testing.assert_allclose(factors, hypervolume_factors(model.mo_values[model.good]))


def test_hypervolume_factors_are_exclusive_volumes() -> None:
    # Reference (2.2, 2.2): the middle point alone dominates the unit square
    # [1, 2] x [1, 2]; each end point a 1 x 0.2 strip. A dominated point and a
    # duplicate contribute nothing (the floor).
    points = np.array([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0], [1.5, 1.5], [1.0, 1.0]])
    np.testing.assert_allclose(hypervolume_factors(points[:3]), [0.2, 1.0, 0.2])
    floor = HV_FACTOR_FLOOR
    np.testing.assert_allclose(hypervolume_factors(points), [1.0, floor, 1.0, floor, floor])
    assert hypervolume_factors(points[:1]).tolist() == [1.0]
    assert hypervolume_factors(np.array([[0.0, np.inf], [1.0, 0.0]])).tolist() == [1.0, 1.0]


def test_define_by_run_and_groups() -> None:
    def objective(trial: bbopt.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return (trial.suggest_float("a1", -1, 1) - 0.2) ** 2 + trial.suggest_int("a2", 0, 3)
        return 1 + trial.suggest_float("b1", 0, 2) ** 2

    for group in (False, True):
        sampler = TPESampler(seed=0, group=group, n_startup_trials=5)
        study = bbopt.create_study(sampler=sampler)
        study.optimize(objective, n_trials=60)
        assert study.best_value < 0.3
    groups = sampler._groups(_study_state(sampler), study.get_observations(),
                             sampler.infer_relative_search_space(study, study.ask()))
    names = sorted(tuple(name for name, _ in g) for g in groups)
    assert names == [("a1", "a2"), ("b1",), ("kind",)]


@settings(deadline=None, max_examples=20)
@given(st.data())
def test_tiny_spaces_are_sampled_without_error(data) -> None:
    space = {
        "one": CategoricalDistribution(["x"]),
        "int1": IntDistribution(3, 3),
        "flat": FloatDistribution(1.5, 1.5),
        "free": FloatDistribution(0.0, data.draw(st.sampled_from([1e-300, 1.0, 1e300]))),
        "steps": FloatDistribution(0.0, 1.0, step=1.0),
    }
    study = bbopt.create_study(sampler=TPESampler(seed=data.draw(st.integers(0, 99)),
                                                  n_startup_trials=2))
    for _ in range(8):
        trial = study.ask(space)
        assert trial.params["one"] == "x" and trial.params["int1"] == 3
        assert trial.params["flat"] == 1.5 and trial.params["steps"] in (0.0, 1.0)
        study.tell(trial, trial.params["free"] + trial.params["steps"])


def test_neighbour_bandwidth_rule() -> None:
    space = ParzenSpace(np.array([0.0]), np.array([1.0]), np.array([0.0]), np.zeros(0))
    x = np.array([[0.5], [0.1], [0.3]])
    # Gaps of 0.2; with endpoints, the top centre's gap to the box end is 0.5.
    np.testing.assert_allclose(neighbour_bandwidth(space, x, True), [[0.5, 0.2, 0.2]])
    np.testing.assert_allclose(neighbour_bandwidth(space, x, False), [[0.2, 0.2, 0.2]])
    wide = ParzenSpace(np.array([0.0]), np.array([10.0]), np.array([0.0]), np.zeros(0))
    x = np.array([[5.0], [1.0], [3.0], [3.5], [9.0]])
    expected = [[4.0, 2.0, 2.0, 1.5, 4.0]]  # the floor, 0.3, is below every gap
    np.testing.assert_allclose(neighbour_bandwidth(wide, x, True), expected)
    np.testing.assert_allclose(neighbour_bandwidth(wide, x, False), expected)
    one = neighbour_bandwidth(space, np.array([[0.25]]), False)
    np.testing.assert_allclose(one, [[0.75]])
    crowded = neighbour_bandwidth(wide, np.full((200, 1), 5.0), False)
    np.testing.assert_allclose(crowded, MIN_BANDWIDTH * 10.0)  # duplicates: the floor
    grid = ParzenSpace(np.array([0.0]), np.array([4.0]), np.array([1.0]), np.zeros(0))
    on_grid = neighbour_bandwidth(grid, np.array([[2.0], [2.0]]), False)
    np.testing.assert_allclose(on_grid, 0.5)  # at least half a step on a grid
    # The floor decays past FLOOR_DECAY_N centres, down to LONG_MIN_BANDWIDTH.
    assert min_bandwidth(wide, FLOOR_DECAY_N)[0] == pytest.approx(MIN_BANDWIDTH * 10.0)
    assert min_bandwidth(wide, 2 * FLOOR_DECAY_N)[0] == pytest.approx(MIN_BANDWIDTH * 5.0)
    assert min_bandwidth(wide, 10**6)[0] == pytest.approx(LONG_MIN_BANDWIDTH * 10.0)


def test_improvement_factors() -> None:
    f = improvement_factors(np.array([0.0, 1.0, 2.0, 4.0]), 4.0)
    assert f.mean() == pytest.approx(1.0)
    assert np.all(np.diff(f) < 0)  # better observations weigh more
    assert f[-1] == pytest.approx(1.0 - IMPROVEMENT_SHARE)  # no improvement
    np.testing.assert_array_equal(improvement_factors(np.full(3, 2.0), 2.0), np.ones(3))
    np.testing.assert_array_equal(improvement_factors(np.zeros(2), np.inf), np.ones(2))


def _bad_gamma(n: int) -> int:
    return n + 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_ei_candidates": 0}, "n_ei_candidates"),
        ({"prior_weight": float("nan")}, "prior_weight"),
        ({"prior_weight": float("inf")}, "prior_weight"),
        ({"prior_weight": 0.0}, "prior_weight"),
        ({"n_startup_trials": -1}, "n_startup_trials"),
        ({"group": True, "multivariate": False}, "group"),
        ({"n_threads": 0}, "n_threads"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TPESampler(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"gamma": _bad_gamma}, "gamma"),
        ({"gamma": lambda n: 0.5}, "gamma"),
        ({"weights": lambda n: np.ones(n + 1)}, "weights"),
        ({"weights": lambda n: -np.ones(n)}, "weights"),
        ({"weights": lambda n: np.full(n, np.nan)}, "weights"),
    ],
)
def test_bad_callables_are_reported_when_used(kwargs: dict, match: str) -> None:
    study = bbopt.create_study(sampler=TPESampler(n_startup_trials=2, **kwargs))
    with pytest.raises(ValueError, match=match):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=10)


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="gamma"):
        TPESampler(gamma=3)
    with pytest.raises(TypeError, match="multivariate"):
        TPESampler(multivariate=1)
    with pytest.raises(TypeError, match="prior_weight"):
        TPESampler(prior_weight="1")


def test_default_weights_and_gamma() -> None:
    assert default_gamma(0) == 0 and default_gamma(1) == 1 and default_gamma(1000) == 25
    w = default_weights(30)
    assert w.shape == (30,) and np.all(np.diff(w) >= 0) and w[-25:].tolist() == [1.0] * 25


@pytest.mark.parametrize("exact_bad_max", [0, 1000])
def test_many_trials_stay_consistent(exact_bad_max: int, monkeypatch) -> None:
    """A few hundred suggestions with bandwidth refreshes and liars interleaved."""
    monkeypatch.setattr("bbopt.samplers._tpe._model.EXACT_BAD_MAX", exact_bad_max)
    sampler = TPESampler(seed=0)
    study = bbopt.create_study(sampler=sampler, direction=StudyDirection.MINIMIZE)
    space = {f"x{i}": FloatDistribution(-1.0, 1.0) for i in range(4)}
    running = []
    for k in range(400):
        running.append(study.ask(space))
        if k % 4 == 3:
            for trial in running:
                study.tell(trial, sum(v * v for v in trial.params.values()))
            running = []
    assert study.best_value < 0.05


def test_pending_points_are_the_recorded_internal_values() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=3)
    study = bbopt.create_study(sampler=sampler)
    space = {"n": IntDistribution(1, 1000, log=True), "s": FloatDistribution(0, 1, step=0.1),
             "c": CategoricalDistribution(["a", "b"]), "i": IntDistribution(-5, 5, step=5)}
    for _ in range(10):
        trial = study.ask(space)
        study.tell(trial, math.log(trial.params["n"]) + trial.params["s"])
    running = study.ask_batch(5, space)
    obs = study.get_observations()
    columns = [obs.column(name, dist) for name, dist in space.items()]
    # The points every later ask reads: one row per running trial, on the grid.
    snapshot = study._storage.get_running_points(study._study_id)
    by_number = dict(zip(snapshot.numbers.tolist(), snapshot.points(columns)))
    for trial in running:
        expected = [dist.to_internal(trial.params[name]) for name, dist in space.items()]
        assert by_number[trial.number] == pytest.approx(expected, abs=1e-12)


def test_a_joint_draw_is_seen_before_its_parameters_are_suggested() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=3)
    study = bbopt.create_study(sampler=sampler)
    for _ in range(6):
        trial = study.ask()
        x, s = trial.suggest_float("x", 0, 1), trial.suggest_float("s", 0, 1, step=0.1)
        study.tell(trial, x + s)
    first = study.ask()  # drawn jointly, nothing suggested yet
    second = study.ask()
    obs = study.get_observations()
    columns = [obs.column("x", FloatDistribution(0, 1)),
               obs.column("s", FloatDistribution(0, 1, step=0.1))]
    seen = second._sampling_context().running.points(columns)
    assert seen.shape == (1, 2) and not np.isnan(seen).any()
    assert seen[0].tolist() == pytest.approx([first.suggest_float("x", 0, 1),
                                              first.suggest_float("s", 0, 1, step=0.1)])


def test_threads_give_the_same_suggestions() -> None:
    from bbopt.surrogates import _parzen

    def run(n_threads: int) -> list[dict]:
        study = bbopt.create_study(sampler=TPESampler(seed=5, n_threads=n_threads))
        study.optimize(_sphere, n_trials=40)
        return [t.params for t in study.trials]

    old = _parzen.MIN_TERMS_PER_THREAD
    _parzen.MIN_TERMS_PER_THREAD = 1  # split even tiny evaluations
    try:
        threaded = run(3)
    finally:
        _parzen.MIN_TERMS_PER_THREAD = old
    single = run(1)
    for a, b in zip(threaded, single):
        assert a == pytest.approx(b, rel=1e-9)


@pytest.mark.parametrize("gamma", [lambda n: 0, lambda n: n])
@pytest.mark.parametrize("multivariate", [True, False])
def test_empty_good_or_bad_group(gamma, multivariate: bool) -> None:
    """gamma(n) = 0 (only the prior is good) or n (only the prior is bad) still suggests."""
    study = bbopt.create_study(sampler=TPESampler(seed=0, gamma=gamma, n_startup_trials=2,
                                                  multivariate=multivariate))
    study.optimize(_mixed, n_trials=12)
    assert len(study.trials) == 12


def test_long_study_index_and_ranks_change_no_suggestion(monkeypatch) -> None:
    """Above EXACT_BAD_MAX bad observations, the bad mixture is indexed and its components'
    ranks in finish order are kept incrementally: the suggestions are those of the same
    sampler without the index, and the kept ranks those computed from scratch."""
    from bbopt.samplers._tpe import _model as _tpe
    from bbopt.surrogates import _parzen

    monkeypatch.setattr(_tpe, "EXACT_BAD_MAX", 200)
    space = {f"x{i}": FloatDistribution(-5.0, 5.0) for i in range(3)}
    space["c"] = CategoricalDistribution(["a", "b", "c"])
    rng = np.random.default_rng(0)
    history = [{**{f"x{i}": float(v) for i, v in enumerate(rng.uniform(-5, 5, 3))},
                "c": str(rng.choice(["a", "b", "c"]))} for _ in range(600)]

    def objective(p: dict) -> float:
        return sum(p[f"x{i}"] ** 2 for i in range(3)) + (p["c"] == "b")

    def run(indexed: bool) -> tuple[list[dict], int]:
        monkeypatch.setattr(_parzen, "INDEX_RUN_BLOCKS", 4 if indexed else 10**9)
        sampler = TPESampler(seed=5)
        study = bbopt.create_study(sampler=sampler)
        for p in history:
            study.add_trial(bbopt.create_trial(params=p, distributions=space, value=objective(p)))
        suggested, n_checked = [], 0
        for _ in range(400):
            trial = study.ask(space)
            suggested.append(trial.params)
            study.tell(trial, objective(trial.params))
            model = max(_models_of(sampler).values(), key=lambda m: m.n_valid)
            if indexed and model._bad_rank is not None:
                kept = model._bad_ranks().copy()
                model._bad_rank = None
                np.testing.assert_array_equal(kept, model._bad_ranks())
                n_checked += 1
        assert (model.bad._n_indexed > 0) == indexed
        return suggested, n_checked

    with_index, n_checked = run(True)
    without_index, _ = run(False)
    assert n_checked > 300
    assert with_index == without_index


@pytest.mark.parametrize("low, high, log", [(1e-300, 1.0000000000000002e-300, True),
                                            (0.0, 5e-324, False)])
@pytest.mark.parametrize("multivariate", [False, True])
def test_ranges_too_narrow_for_bandwidths_are_drawn_uniformly(low, high, log, multivariate):
    study = bbopt.create_study(
        sampler=TPESampler(seed=0, n_startup_trials=2, multivariate=multivariate))
    study.optimize(lambda t: t.suggest_float("x", low, high, log=log), n_trials=8)
    assert all(t.state == bbopt.TrialState.COMPLETE and low <= t.params["x"] <= high
               for t in study.trials)


def test_univariate_parameters_share_one_model_with_marginal_indexes(monkeypatch) -> None:
    """multivariate=False: the parameters set by the same trials share one split; its bad
    mixture is indexed one dimension at a time (`_MarginalMixture`), with the marginal
    densities of a mixture fitted from scratch, and the index changes no suggestion."""
    from bbopt.samplers._tpe import _model as _tpe
    from bbopt.surrogates import _parzen

    monkeypatch.setattr(_tpe, "EXACT_BAD_MAX", 100)
    space = {"x0": FloatDistribution(-5.0, 5.0), "x1": FloatDistribution(1e-3, 1.0, log=True),
             "n": IntDistribution(0, 9), "c": CategoricalDistribution(["a", "b", "c"])}
    rng = np.random.default_rng(1)

    def objective(p: dict) -> float:
        return p["x0"] ** 2 + math.log(p["x1"]) ** 2 + (p["n"] - 3) ** 2 + (p["c"] == "b")

    def run(indexed: bool) -> list[dict]:
        monkeypatch.setattr(_parzen, "INDEX_RUN_BLOCKS", 2 if indexed else 10**9)
        sampler = TPESampler(seed=2, multivariate=False)
        study = bbopt.create_study(sampler=sampler)
        sampler_rng = np.random.default_rng(0)
        for _ in range(300):
            p = {"x0": float(sampler_rng.uniform(-5, 5)),
                 "x1": float(np.exp(sampler_rng.uniform(np.log(1e-3), 0.0))),
                 "n": int(sampler_rng.integers(0, 10)), "c": str(sampler_rng.choice(list("abc")))}
            study.add_trial(bbopt.create_trial(params=p, distributions=space, value=objective(p)))
        suggested = []
        for k in range(120):
            trial = study.ask()  # define-by-run: drawn jointly at ask, one model for the four
            params = {"x0": trial.suggest_float("x0", -5.0, 5.0),
                      "x1": trial.suggest_float("x1", 1e-3, 1.0, log=True),
                      "n": trial.suggest_int("n", 0, 9),
                      "c": trial.suggest_categorical("c", ["a", "b", "c"])}
            suggested.append(params)
            study.tell(trial, objective(params))
        models = _models_of(sampler)
        assert len(models) == 1
        (key, model), = models.items()
        assert key[0] is False and model.marginal and len(model.params) == 4
        assert (model.bad.marginals[0]._n_indexed > 0) == indexed
        # The marginal densities are those of one mixture of the same components.
        obs = study.get_observations()
        model.update(obs)
        bad = np.sort(model.bad.tags[1:])
        x, x_cat = model.points(obs, bad)
        fresh = ParzenEstimator(model.space, 1.0, shared=True)
        fresh.append(x, x_cat, None, tags=bad)
        fresh.set_shared_sigma(model.bad_sigma)
        w = rng.uniform(0.5, 2.0, bad.size)
        order = np.searchsorted(bad, model.bad.tags[1:])
        cand_x, cand_c = fresh.sample(rng, 30, fresh.log_weights(w), joint=False)
        got = model.bad.log_pdf_univariate(cand_x, cand_c, model.bad.log_weights(w[order]),
                                           model.bad.n_comp)
        want = fresh.log_pdf_univariate(cand_x, cand_c, fresh.log_weights(w))
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)
        return suggested

    assert run(True) == run(False)
