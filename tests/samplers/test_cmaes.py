"""Tests of CmaEsSampler and of the array-level CmaEs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bbopt
from bbopt import FloatDistribution, IntDistribution, TrialState
from bbopt.samplers import CmaEs, CmaEsSampler, RandomSampler, SamplingContext
from bbopt.samplers._cmaes._sampler import _GEN_ATTR, _gen_key

SPACE = {"x": FloatDistribution(-5, 5), "y": FloatDistribution(-5, 5),
         "z": FloatDistribution(1e-3, 10.0, log=True)}


def _value(params: dict) -> float:
    return (params["x"] - 1) ** 2 + (params["y"] + 2) ** 2 + np.log10(params["z"]) ** 2


def _run(study: bbopt.Study, n: int) -> None:
    for _ in range(n):
        trial = study.ask(SPACE)
        study.tell(trial, _value(trial.params))


def _search(sampler: CmaEsSampler, study: bbopt.Study):
    from bbopt._study import _storage_key

    return sampler._searches[(_storage_key(study._storage), study._study_id)]


# -- the array-level engine ----------------------------------------------------------------
@pytest.mark.parametrize("variant", ["full", "sep", "lm"])
def test_engine_variants_converge_on_a_sphere(variant: str) -> None:
    es = CmaEs(6, seed=1, variant=variant, restart_strategy=None)  # one run's mean
    for _ in range(400):
        x = es.ask()
        es.tell(x, ((x - 0.25) ** 2).sum(axis=1))
    assert np.abs(es.mean - 0.25).max() < 1e-4


def test_engine_stays_in_the_cube_and_follows_an_optimum_on_a_face() -> None:
    es = CmaEs(3, x0=[0.9, 0.9, 0.9], sigma0=0.8, seed=0)
    for _ in range(150):
        x = es.ask()
        assert np.all((x >= 0) & (x <= 1))
        es.tell(x, ((x - np.array([1.0, 0.0, 0.5])) ** 2).sum(axis=1))
    np.testing.assert_allclose(es.mean, [1.0, 0.0, 0.5], atol=1e-3)


def test_ipop_restarts_with_doubled_population() -> None:
    es = CmaEs(4, seed=0)  # IPOP is the default
    first = es.popsize
    while es.n_restarts < 2:
        x = es.ask()
        es.tell(x, np.zeros(len(x)))  # flat fitness stops every run at once
    assert es.popsize == 4 * first


def test_bipop_alternates_small_and_large_runs() -> None:
    es = CmaEs(4, seed=0, restart_strategy="bipop")
    sizes, small = [], []
    while es.n_restarts < 6:
        x = es.ask()
        es.tell(x, np.zeros(len(x)))
        sizes.append(es.popsize)
        small.append(es.small_run)
    assert any(small) and not all(small)
    assert max(sizes) > es._plan.default_popsize


def test_no_restart_continues_the_run() -> None:
    es = CmaEs(3, seed=0, restart_strategy=None)
    for _ in range(5):
        x = es.ask()
        es.tell(x, np.zeros(len(x)))
    assert es.n_restarts == 0 and es.stop_reason == "flat fitness"


def test_engine_errors() -> None:
    with pytest.raises(ValueError, match="'n_dims'"):
        CmaEs(1)
    with pytest.raises(ValueError, match="'sigma0'.*> 0"):
        CmaEs(3, sigma0=0.0)
    with pytest.raises(ValueError, match="'popsize'"):
        CmaEs(3, popsize=1)
    with pytest.raises(ValueError, match="'x0'"):
        CmaEs(3, x0=[0.5, 0.5, 1.5])
    with pytest.raises(ValueError, match="'variant'"):
        CmaEs(3, variant="diag")
    with pytest.raises(ValueError, match="'variant'.*lr_adapt=True"):
        CmaEs(3, variant="sep", lr_adapt=True)
    with pytest.raises(TypeError, match="'lr_adapt'"):
        CmaEs(3, lr_adapt="yes")
    es = CmaEs(3)
    with pytest.raises(ValueError, match="shape"):
        es.tell(es.ask()[:2], np.zeros(2))


# -- the sampler ---------------------------------------------------------------------------
def test_minimises_a_quadratic_with_a_log_parameter() -> None:
    study = bbopt.create_study(sampler=CmaEsSampler(seed=0))
    _run(study, 400)
    assert study.best_value < 1e-6
    assert study.best_params["z"] == pytest.approx(1.0, rel=1e-2)


def test_same_seed_same_trials() -> None:
    params = []
    for _ in range(2):
        study = bbopt.create_study(sampler=CmaEsSampler(seed=3))
        _run(study, 30)
        params.append([t.params for t in study.trials])
    assert params[0] == params[1]


def test_integer_parameters_stay_on_their_grid() -> None:
    sampler = CmaEsSampler(seed=0)
    study = bbopt.create_study(sampler=sampler)
    space = {"a": IntDistribution(0, 20, step=2), "b": FloatDistribution(0, 1)}
    for _ in range(60):
        trial = study.ask(space)
        assert trial.params["a"] % 2 == 0 and 0 <= trial.params["a"] <= 20
        study.tell(trial, (trial.params["a"] - 8) ** 2 + trial.params["b"])
    assert study.best_params["a"] == 8
    assert "cmaes:x" in study.trials[-1].system_attrs  # the continuous point, for a reload


def test_generation_is_told_once_its_popsize_members_finish() -> None:
    sampler = CmaEsSampler(seed=0, popsize=4)
    study = bbopt.create_study(sampler=sampler)
    _run(study, 1)  # the first trial (random) makes the space known
    trials = study.ask_batch(6, SPACE)  # 4 members + 2 more of the same generation
    keys = [_gen_key(t.system_attrs[_GEN_ATTR])[2:] for t in study.trials[1:]]
    assert keys == [(0, 0)] * 6
    for trial in reversed(trials[2:]):  # out of order
        study.tell(trial, _value(trial.params))
    search = _search(sampler, study)
    assert search.engine.generation == 1
    for trial in trials[:2]:  # late members of a told generation: ignored
        study.tell(trial, _value(trial.params))
    assert search.engine.generation == 1 and search.values == []
    number = study.ask(SPACE).number
    assert _gen_key(study.trials[number].system_attrs[_GEN_ATTR])[2:] == (0, 1)


def test_failed_and_pruned_trials_rank_worst_and_do_not_break_the_search() -> None:
    sampler = CmaEsSampler(seed=0, popsize=4)
    study = bbopt.create_study(sampler=sampler)
    _run(study, 1)
    for k in range(40):
        trial = study.ask(SPACE)
        if k % 3 == 0:
            study.tell(trial, state=TrialState.FAIL)
        elif k % 3 == 1:
            trial.report(1e9, 0)
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, _value(trial.params))
    assert _search(sampler, study).engine.generation == 10
    assert sampler._score(TrialState.PRUNED, [3.0], 1.0) == np.inf
    considering = CmaEsSampler(consider_pruned_trials=True)
    assert considering._score(TrialState.PRUNED, [3.0], -1.0) == -3.0
    assert considering._score(TrialState.FAIL, None, 1.0) == np.inf


def test_state_is_rebuilt_from_storage_by_a_new_sampler(tmp_path) -> None:
    path = tmp_path / "study.db"
    sampler = CmaEsSampler(seed=0, popsize=5, restart_strategy="ipop")
    study = bbopt.create_study(storage=str(path), study_name="s", sampler=sampler)
    _run(study, 43)  # 1 random + 8 generations of 5 + 2 members of the 9th
    original = _search(sampler, study)
    again = CmaEsSampler(seed=0, popsize=5, restart_strategy="ipop")
    reloaded = bbopt.load_study(study_name="s", storage=str(path), sampler=again)
    number = reloaded.ask(SPACE).number  # rebuilds the search from the trials' attributes
    rebuilt = _search(again, reloaded)
    assert rebuilt.key == original.key == (0, 8)
    assert rebuilt.origin == original.origin
    np.testing.assert_allclose(rebuilt.engine.mean, original.engine.mean, rtol=1e-12)
    assert rebuilt.engine.sigma == pytest.approx(original.engine.sigma, rel=1e-12)
    assert len(rebuilt.values) == 2
    assert _gen_key(reloaded.trials[number].system_attrs[_GEN_ATTR])[2:] == (0, 8)


def test_a_different_configuration_starts_its_own_search() -> None:
    study = bbopt.create_study(sampler=CmaEsSampler(seed=0))
    _run(study, 20)
    study.sampler = CmaEsSampler(seed=0, popsize=6)
    number = study.ask(SPACE).number
    attrs = _gen_key(study.trials[number].system_attrs[_GEN_ATTR])
    assert attrs is not None and attrs[0] == number and attrs[2:] == (0, 0)  # a new search, by its first trial


def test_started_mid_study_at_an_incumbent_uses_only_its_own_trials() -> None:
    study = bbopt.create_study(sampler=RandomSampler(seed=0))
    _run(study, 25)
    best = study.best_params
    sampler = CmaEsSampler(x0=best, sigma0=0.05, seed=0)
    study.sampler = sampler
    _run(study, 1)
    search = _search(sampler, study)
    lows = np.array([-5, -5, np.log(1e-3)])
    widths = np.array([10, 10, np.log(1e4)])
    internal = np.array([best["x"], best["y"], np.log(best["z"])])
    np.testing.assert_allclose(search.engine.mean, ((internal - lows) / widths)[[0, 1, 2]])
    assert search.engine.generation == 0 and len(search.values) == 1
    _run(study, 200)
    assert study.best_value < 1e-4


def test_warm_start_from_source_trials() -> None:
    source = bbopt.create_study(sampler=RandomSampler(seed=1))
    _run(source, 100)
    sampler = CmaEsSampler(seed=0, source_trials=source.trials)
    study = bbopt.create_study(sampler=sampler)
    _run(study, 2)
    engine = _search(sampler, study).engine
    assert engine.sigma < 0.3
    best = source.best_params
    assert abs(engine.mean[0] - (best["x"] + 5) / 10) < 0.25


def test_parameters_outside_the_joint_space_warn_once() -> None:
    study = bbopt.create_study(sampler=CmaEsSampler(seed=0))

    def objective(trial: bbopt.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        y = trial.suggest_float("y", -1, 1)
        kind = trial.suggest_categorical("kind", ["a", "b"])  # joins the joint space
        extra = trial.suggest_float("extra", 0, 1) if kind == "b" else 0.0
        return x * x + y * y + extra

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=30)
    relevant = [w for w in caught if "independent sampler" in str(w.message)]
    assert len(relevant) == 1
    assert study.best_value < 0.5


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"sigma0": 0.0}, "'sigma0'.*> 0"),
    ({"sigma0": -1.0}, "'sigma0'"),
    ({"popsize": 1}, "'popsize'"),
    ({"restart_strategy": "lpop"}, "'restart_strategy'"),
    ({"variant": "full", "use_separable_cma": True}, "'variant'"),
    ({"variant": "lm", "lr_adapt": True}, "'variant'.*lr_adapt=True"),
    ({"use_separable_cma": True, "lr_adapt": True}, "'variant'.*lr_adapt=True"),
    ({"x0": {"x": 0.0}, "source_trials": []}, "'source_trials'"),
])
def test_constructor_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CmaEsSampler(**kwargs)


@pytest.mark.parametrize(("x0", "match"), [
    ({"x": 0.0, "y": 0.0, "z": 1.0, "w": 1.0}, "unknown: \\['w'\\]"),
    ({"x": 0.0, "y": 0.0}, "missing: \\['z'\\]"),
    ({"x": 6.0, "y": 0.0, "z": 1.0}, "x0\\['x'\\]"),
])
def test_bad_x0_is_reported_when_the_space_is_known(x0: dict, match: str) -> None:
    study = bbopt.create_study(sampler=CmaEsSampler(x0=x0))
    _run(study, 1)
    with pytest.raises(ValueError, match=match):
        study.ask(SPACE)


def test_one_dimensional_space_and_several_objectives_are_rejected() -> None:
    study = bbopt.create_study(sampler=CmaEsSampler())
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.raises(ValueError, match="at least 2 numeric parameters"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.raises(ValueError, match="several objectives"):
        bbopt.create_study(sampler=CmaEsSampler(), directions=["minimize", "maximize"])
    obs = bbopt.storage.Observations([bbopt.StudyDirection.MINIMIZE] * 2)
    with pytest.raises(ValueError, match="TPESampler, GPSampler"):
        CmaEsSampler().begin(SamplingContext.from_arrays(obs))


def test_rebuild_replays_restarts_from_the_recorded_runs() -> None:
    sampler = CmaEsSampler(seed=0, popsize=4, restart_strategy="bipop")
    study = bbopt.create_study(sampler=sampler)
    for _ in range(60):  # flat values: every generation stops its run
        study.tell(study.ask(SPACE), 1.0)
    original = _search(sampler, study)
    assert original.key[0] >= 3
    again = CmaEsSampler(seed=0, popsize=4, restart_strategy="bipop")
    study.sampler = again
    study.ask(SPACE)
    rebuilt = _search(again, study)
    assert rebuilt.key == original.key
    assert rebuilt.engine.popsize == original.engine.popsize
    np.testing.assert_allclose(rebuilt.engine.mean, original.engine.mean, rtol=1e-12)


def _sphere_objective(trial: bbopt.Trial) -> float:
    return sum(trial.suggest_float(f"x{i}", -3, 3) ** 2 for i in range(3))


@pytest.mark.parametrize("executor", [None, "process"])
def test_parallel_workers_keep_generations_whole(executor: str | None) -> None:
    sampler = CmaEsSampler(seed=0, popsize=6)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(_sphere_objective, n_trials=61, n_jobs=3, executor=executor)
    search = _search(sampler, study)
    told = search.engine.generation * 6 + len(search.values)
    keys = [_gen_key(t.system_attrs[_GEN_ATTR])[2:] for t in study.trials if _GEN_ATTR in t.system_attrs]
    assert told <= len(keys) and len(keys) >= 58  # trials asked before the first tell are random
    assert search.engine.generation >= 5  # late members are dropped, but not many


def test_margin_keeps_binary_parameters_moving() -> None:
    # OneMax on 8 binary ints beside a steep quadratic: without a margin the
    # distribution collapses inside one cell of each int [HSNO22].
    def objective(trial: bbopt.Trial) -> float:
        ones = sum(trial.suggest_int(f"b{i}", 0, 1) for i in range(8))
        quad = sum((100 * (trial.suggest_float(f"x{i}", 0, 1) - 0.3)) ** 2 for i in range(4))
        return 8 - ones + quad

    best = {}
    for margin in (False, True):
        sampler = CmaEsSampler(seed=1, with_margin=margin,
                               x0={**{f"b{i}": 0 for i in range(8)},
                                   **{f"x{i}": 0.5 for i in range(4)}}, sigma0=0.1)
        study = bbopt.create_study(sampler=sampler)
        study.optimize(objective, n_trials=800)
        best[margin] = study.best_value
    assert best[True] + 2 < best[False]  # on seeds 0-5: 0.2-3.1 against 5-8


def test_cell_boundaries() -> None:
    from bbopt.samplers._cmaes._sampler import _cell_boundaries

    np.testing.assert_allclose(_cell_boundaries(IntDistribution(0, 4, step=2)), [1.0, 3.0])
    np.testing.assert_allclose(_cell_boundaries(IntDistribution(1, 3, log=True)),
                               np.log([1.5, 2.5]))
    np.testing.assert_allclose(_cell_boundaries(FloatDistribution(0, 1, step=0.5)), [0.25, 0.75])
    assert _cell_boundaries(FloatDistribution(0, 1)) is None
    assert _cell_boundaries(IntDistribution(0, 10**6)) is None


# -- the margin's diagonal step and learning-rate adaptation ------------------------------
def test_margin_keeps_both_tails_of_an_inner_cell_and_one_of_an_end_cell() -> None:
    from scipy.special import ndtr

    from bbopt.samplers._cmaes._engine import Margin

    cells = np.array([0.2, 0.4, 0.6, 0.8])
    alpha = 0.01
    margin = Margin({0: cells, 1: cells, 2: cells}, alpha)
    mean = np.array([0.45, 0.1, 0.5])
    std = np.array([1e-4, 1e-4, 0.5])  # the third already spreads over many cells
    scale = np.ones(3)
    margin.correct(mean, std, scale)
    s = scale[0] * std[0]
    assert scale[0] > 100  # widened: the deviation was far too small for the cell (0.4, 0.6)
    assert ndtr((0.4 - mean[0]) / s) == pytest.approx(alpha / 2, rel=1e-9)
    assert ndtr((mean[0] - 0.6) / s) == pytest.approx(alpha / 2, rel=1e-9)
    assert 0.4 < mean[0] < 0.6
    # an end cell: the mean moves to the threshold's margin, the scale stays
    assert scale[1] == 1.0 and ndtr((mean[1] - 0.2) / std[1]) == pytest.approx(alpha, rel=1e-6)
    assert scale[2] == 1.0 and mean[2] == 0.5  # both tails beyond alpha / 2: untouched


def test_margin_lets_integers_cross_inner_cells() -> None:
    # Integers 0..20 whose optimum is 17, starting from 3 with a tiny step:
    # without the margin's diagonal step the run stays in its start cells
    # (value 4 * 14 = 56), with it the integers walk to (or next to) 17.
    thresholds = {j: (np.arange(20) + 1.0) / 21 for j in range(4)}

    def values(x: np.ndarray) -> np.ndarray:
        k = np.floor(x[:, :4] * 21)
        return np.abs(k - 17).sum(axis=1) + 100 * ((x[:, 4:] - 0.5) ** 2).sum(axis=1)

    reached = {}
    for margin in (None, thresholds):
        es = CmaEs(6, x0=[3.5 / 21] * 4 + [0.5, 0.5], sigma0=1e-3, seed=3, thresholds=margin,
                   restart_strategy=None)  # one run: a restart would leave the start cells
        best = np.inf
        for _ in range(400):
            x = es.ask()
            f = values(x)
            es.tell(x, f)
            best = min(best, float(f.min()))
        reached[margin is not None] = best
    assert reached[True] < 10 < 50 < reached[False]


def test_lr_adapt_damps_the_updates_on_a_noisy_sphere() -> None:
    errors = {}
    for lr_adapt in (False, True):
        worst = []
        for seed in range(3):
            noise = np.random.default_rng(100 + seed)
            es = CmaEs(6, seed=seed, lr_adapt=lr_adapt)
            for _ in range(500):
                x = es.ask()
                es.tell(x, ((x - 0.3) ** 2).sum(axis=1) + noise.normal(0, 0.01, len(x)))
            worst.append(np.abs(es.mean - 0.3).max())
        errors[lr_adapt] = float(np.median(worst))
        if lr_adapt:
            assert es._run.learning_rates.eta_mean < 0.5
    assert errors[True] < errors[False] / 2


def test_lr_adapt_keeps_the_noiseless_convergence_and_uses_the_full_variant() -> None:
    es = CmaEs(250, seed=0, lr_adapt=True, sigma0=0.1)
    assert es.variant == "full"
    es = CmaEs(5, seed=0, lr_adapt=True)
    for _ in range(250):
        x = es.ask()
        es.tell(x, ((x - 0.7) ** 2).sum(axis=1))
    assert np.abs(es.mean - 0.7).max() < 1e-4


def test_lr_adapt_and_margin_state_is_replayed_by_a_new_sampler() -> None:
    def objective(trial: bbopt.Trial) -> float:
        ints = sum((trial.suggest_int(f"k{i}", 0, 9) - 6) ** 2 for i in range(2))
        return ints + sum(trial.suggest_float(f"x{i}", -1, 1) ** 2 for i in range(3))

    options = {"seed": 0, "lr_adapt": True, "with_margin": True}
    sampler = CmaEsSampler(**options)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(objective, n_trials=120)
    original = _search(sampler, study).engine._run
    again = CmaEsSampler(**options)
    study.sampler = again
    study.ask()
    rebuilt = _search(again, study).engine._run
    assert rebuilt.generation == original.generation > 5
    assert rebuilt.learning_rates.eta_mean == pytest.approx(original.learning_rates.eta_mean)
    np.testing.assert_allclose(rebuilt.scale_a, original.scale_a)
    np.testing.assert_allclose(rebuilt.mean, original.mean, rtol=1e-10)


# -- categorical parameters sampled jointly -----------------------------------------------
def _mixed_objective(trial: bbopt.Trial) -> float:
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    centre = {"a": -2.0, "b": 1.0, "c": 3.0}[kind]
    return sum((trial.suggest_float(f"x{i}", -5, 5) - centre) ** 2
               for i in range(4)) + (0.0 if kind == "b" else 5.0)


def test_categorical_parameters_are_sampled_jointly_and_concentrate_on_the_best() -> None:
    sampler = CmaEsSampler(seed=0)
    study = bbopt.create_study(sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no parameter goes to the independent sampler
        study.optimize(_mixed_objective, n_trials=300)
    assert list(_search(sampler, study).space) == ["x0", "x1", "x2", "x3", "kind"]
    last = [t.params["kind"] for t in study.trials[-100:]]
    # the margin keeps (1 - 0.73) of the mass on the other choices: b gets about 73
    assert last.count("b") >= 55  # an independent uniform draw gives about 33
    assert study.best_value < 1e-2 and study.best_params["kind"] == "b"
    probs = _search(sampler, study).engine._run.categories.probs[0]
    assert probs[1] > 0.7 and probs.min() >= 0.13  # the margin keeps every choice alive


def test_joint_categorical_state_is_replayed_by_a_new_sampler() -> None:
    sampler = CmaEsSampler(seed=0, popsize=6)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(_mixed_objective, n_trials=61)
    original = _search(sampler, study).engine._run
    again = CmaEsSampler(seed=0, popsize=6)
    study.sampler = again
    study.ask()
    rebuilt = _search(again, study).engine._run
    assert rebuilt.generation == original.generation == 10
    np.testing.assert_allclose(rebuilt.categories.probs[0], original.categories.probs[0])
    np.testing.assert_allclose(rebuilt.mean, original.mean, rtol=1e-10)


def test_engine_categories() -> None:
    from bbopt.samplers._cmaes._engine import Categories

    es = CmaEs(3, seed=0, categories=[2, 5])
    x = es.ask()
    assert x.shape == (es.popsize, 5)
    assert set(x[:, 3].tolist()) <= {0.0, 1.0} and set(x[:, 4].tolist()) <= set(range(5))
    with pytest.raises(ValueError, match="shape"):
        es.tell(x[:, :3], np.zeros(es.popsize))
    with pytest.raises(ValueError, match="'categories'"):
        CmaEs(3, categories=[1])
    with pytest.raises(TypeError, match="'categories'"):
        CmaEs(3, categories=3)
    part = Categories([3], mueff=3.0)
    for _ in range(200):  # always the same choice: it takes all but the margin
        part.update(np.full((4, 1), 2.0), np.ones(4))
    np.testing.assert_allclose(part.probs[0].sum(), 1.0)
    np.testing.assert_allclose(part.probs[0][:2], part.floors[0])
    draws = part.sample(np.random.default_rng(0).random((20000, 1)))
    np.testing.assert_allclose(np.bincount(draws[:, 0].astype(int)) / 20000, part.probs[0],
                               atol=0.01)


def test_generation_attribute_of_another_format_belongs_to_no_search() -> None:
    assert _gen_key("12 345 0 7") == (12, 345, 0, 7)
    for value in ([12, 345, 0, 7], "12 345 0", "a b c d", None):
        assert _gen_key(value) is None


def test_points_outside_the_cube_are_drawn_again_not_only_mirrored() -> None:
    # An elongated C (narrow across the diagonal) with the mean next to the face
    # x0 = 0: half the draws leave the cube. Mirrored, such a point moves along x0
    # only, far across the narrow direction (Mahalanobis norms of tens); drawn
    # again, every point is a draw of N(mean, sigma^2 C) itself.
    rotation = np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2.0)
    cov = rotation @ np.diag([1.0, 1e-4]) @ rotation.T
    es = CmaEs(2, x0=[0.02, 0.5], sigma0=0.3, seed=0, cov0=cov, restart_strategy=None)
    x = es.ask(2000)
    assert ((x >= 0.0) & (x <= 1.0)).all()
    z = (x - es.mean) / es.sigma @ np.linalg.inv(np.linalg.cholesky(cov)).T
    assert np.linalg.norm(z, axis=1).max() < 6.0
