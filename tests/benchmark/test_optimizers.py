"""Optimizer specifications: bbopt samplers by name, text specs, and the adapters."""

from __future__ import annotations

import numpy as np
import pytest

from bbopt import samplers
from bbopt.benchmark import (
    AskTellOptimizer,
    BboptSampler,
    NevergradOptimizer,
    OptunaSampler,
    Problem,
    PyCMA,
    make_optimizer,
    run,
    sampler_names,
)


def test_sampler_names_come_from_bbopt_samplers():
    names = sampler_names()
    assert names["tpe"] is samplers.TPESampler and names["gp"] is samplers.GPSampler
    assert names["random"] is samplers.RandomSampler and names["qmc"] is samplers.QMCSampler
    assert "base" not in names
    # every sampler class of bbopt.samplers is found, whatever is added there
    classes = {getattr(samplers, n) for n in samplers.__all__
               if n.endswith("Sampler") and n != "BaseSampler"}
    assert set(names.values()) == classes


def test_names_resolve_without_underscores_and_by_unique_prefix(monkeypatch):
    class TrustRegionGPSampler(samplers.RandomSampler):
        pass

    class CmaEsSampler(samplers.RandomSampler):
        pass

    monkeypatch.setattr(samplers, "TrustRegionGPSampler", TrustRegionGPSampler, raising=False)
    monkeypatch.setattr(samplers, "CmaEsSampler", CmaEsSampler, raising=False)
    monkeypatch.setattr(samplers, "__all__",
                        [*samplers.__all__, "TrustRegionGPSampler", "CmaEsSampler"])
    assert sampler_names()["trust_region_gp"] is TrustRegionGPSampler
    assert BboptSampler("trust_region")._class is TrustRegionGPSampler
    assert BboptSampler("cmaes")._class is CmaEsSampler
    assert BboptSampler("cma_es")._class is CmaEsSampler
    with pytest.raises(ValueError, match="'name' parameter of BboptSampler must be a bbopt"):
        BboptSampler("")


def test_a_sampler_gets_the_options_and_the_seed():
    tpe = BboptSampler("tpe", n_startup_trials=3, multivariate=False)
    sampler = tpe.make_sampler(5)
    assert isinstance(sampler, samplers.TPESampler)
    assert tpe.label == "tpe(multivariate=False, n_startup_trials=3)"
    assert tpe.spec == "bbopt.TPESampler(multivariate=False, n_startup_trials=3)"
    with pytest.raises(ValueError, match="'seed' option of BboptSampler"):
        BboptSampler("tpe", seed=1)
    with pytest.raises(TypeError, match="'name' parameter of BboptSampler"):
        BboptSampler(samplers.TPESampler)


def test_a_sampler_is_told_the_budget(monkeypatch):
    told = []
    monkeypatch.setattr(samplers.AutoSampler, "set_budget",
                        lambda self, n_trials: told.append(n_trials))
    run([Problem("sphere", n_dims=2, instance=1)], [BboptSampler("auto")], budget=4, seeds=1)
    assert told == [8]


def test_bbopt_samplers_run_on_mixed_problems():
    (record,) = run([Problem("mixed_ackley")], ["tpe"], budget=2, seeds=1)
    assert record.n_evals == 10 and np.isfinite(record.regrets[-1])


@pytest.mark.parametrize(("text", "kind", "label"), [
    ("tpe", BboptSampler, "tpe"),
    ("gp(n_startup_trials=5)", BboptSampler, "gp(n_startup_trials=5)"),
    ("optuna.TPESampler(multivariate=True)", OptunaSampler,
     "optuna.TPESampler(multivariate=True)"),
    ("nevergrad.NGOpt", NevergradOptimizer, "nevergrad.NGOpt"),
    ("pycma", PyCMA, "pycma"),
    ("cma(incpopsize=1)", PyCMA, "pycma(incpopsize=1)"),
])
def test_make_optimizer_reads_short_texts(text, kind, label):
    optimizer = make_optimizer(text)
    assert isinstance(optimizer, kind) and optimizer.label == label


@pytest.mark.parametrize("text", ["tpe(3)", "1 + 2", "optuna.samplers.TPESampler",
                                  "nevergrad.NGOpt(budget=3)", "tpe(x=y)", "(", "a.b"])
def test_make_optimizer_refuses_other_texts(text):
    with pytest.raises(ValueError, match="'spec' parameter of make_optimizer"):
        make_optimizer(text)


def test_ask_tell_points_must_have_the_problems_shape():
    class Bad:
        def __init__(self, bounds, seed):
            pass

        def ask(self):
            return [0.0]

        def tell(self, x, y):
            pass

    with pytest.raises(ValueError, match=r"ask\(\) of Bad must return a point of shape \(2,\)"):
        run([Problem("sphere", 2)], [AskTellOptimizer(Bad)], budget=1, seeds=1)
    with pytest.raises(TypeError, match="'factory' parameter of AskTellOptimizer"):
        AskTellOptimizer(3)


def test_pycma_options_are_checked():
    with pytest.raises(ValueError, match="'sigma0' parameter of PyCMA"):
        PyCMA(sigma0=0)
    with pytest.raises(ValueError, match="'incpopsize' parameter of PyCMA"):
        PyCMA(incpopsize=0.5)


def _twice(optimizer, problem):
    """Run the same seed twice and another seed once; return the three records."""
    a = run([problem], [optimizer], budget=8, seeds=[0, 1])
    b = run([problem], [optimizer], budget=8, seeds=[0])
    return a[0], b[0], a[1]


def test_optuna_sampler_adapter():
    pytest.importorskip("optuna", reason="the Optuna adapter needs optuna installed")
    first, again, other = _twice(OptunaSampler("TPESampler", n_startup_trials=5),
                                 Problem("rastrigin", 3, 1))
    assert first.n_evals == 24
    np.testing.assert_array_equal(first.regrets, again.regrets)  # seeded
    assert not np.array_equal(first.regrets, other.regrets)
    (mixed,) = run([Problem("mixed_ackley")], ["optuna.RandomSampler"], budget=2, seeds=1)
    assert mixed.n_evals == 10


def test_nevergrad_adapter():
    pytest.importorskip("nevergrad", reason="the nevergrad adapter needs nevergrad installed")
    first, again, other = _twice(NevergradOptimizer("DE"), Problem("rastrigin", 3, 1))
    assert first.n_evals == 24
    np.testing.assert_array_equal(first.regrets, again.regrets)
    assert not np.array_equal(first.regrets, other.regrets)


def test_pycma_adapter_restarts_until_the_budget_is_spent():
    pytest.importorskip("cma", reason="the pycma adapter needs cma installed")
    # Sphere in 2-d: CMA-ES converges and stops long before 400 evaluations; IPOP restarts
    first, again, other = _twice(PyCMA(), Problem("sphere", 2, 1))
    (long_run,) = run([Problem("sphere", 2, 1)], [PyCMA()], budget=400, seeds=1)
    assert long_run.n_evals == 800
    assert long_run.regrets[-1] < 1e-8
    np.testing.assert_array_equal(first.regrets, again.regrets)
    assert not np.array_equal(first.regrets, other.regrets)


def test_missing_packages_are_named(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_adapters(name, *args, **kwargs):
        if name.split(".")[0] in ("optuna", "nevergrad", "cma"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_adapters)
    for optimizer, package in [(OptunaSampler("TPESampler"), "pip install optuna"),
                               (NevergradOptimizer("NGOpt"), "pip install nevergrad"),
                               (PyCMA(), "pip install cma")]:
        with pytest.raises(ImportError, match=package):
            run([Problem("sphere", 2)], [optimizer], budget=1, seeds=1)
