"""The examples of examples/: they run (with a tiny budget) and their parts are right."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the examples need scikit-learn (the 'examples' extra)")

import bbopt  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mlp():
    return load("tune_mlp_pruning")


def test_mlp_gradients_match_finite_differences(mlp):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    model = mlp.MLP([5, 4, 6, 3], lr=0.01, l1=1e-2, l2=1e-1, rng=rng)
    # Non-zero biases: a dead ReLU unit with zero bias sits on the kink at 0.
    model.biases = [rng.normal(0.0, 0.5, size=b.shape) for b in model.biases]
    grads = model.gradients(x, y)
    params = model.weights + model.biases
    eps = 1e-6
    for param, grad in zip(params, grads):
        for index in np.ndindex(param.shape):
            old = param[index]
            param[index] = old + eps
            up = model.penalised_loss(x, y)
            param[index] = old - eps
            down = model.penalised_loss(x, y)
            param[index] = old
            assert (up - down) / (2 * eps) == pytest.approx(grad[index], abs=1e-6)


def test_training_learns_and_reports_every_epoch(mlp):
    task = mlp.load_task("digits")
    study = bbopt.create_study()
    trial = study.ask()
    config = {"lr": 0.01, "units": [32], "l1": 1e-6, "l2": 1e-4, "batch_size": 64,
              "patience": 3}
    model, loss, epochs = mlp.train(config, task, 5, seed=0, trial=trial)
    assert sorted(trial.freeze().intermediate_values) == list(range(1, epochs + 1))
    assert loss == min(trial.freeze().intermediate_values.values())
    assert mlp.scores(model, task)["accuracy"] > 0.85


def test_related_task_is_harder_and_smaller(mlp):
    digits, noisy = mlp.load_task("digits"), mlp.load_task("noisy-digits")
    assert len(noisy.y_train) < 0.5 * len(digits.y_train)
    assert len(noisy.y_test) == len(digits.y_test)
    with pytest.raises(ValueError, match="Unknown task"):
        mlp.load_task("mnist")


def test_the_example_runs_with_a_tiny_budget(mlp, capsys):
    started = time.perf_counter()
    result = mlp.main(["--quick"])
    assert time.perf_counter() - started < 30
    out = capsys.readouterr().out
    assert "pruning saved" in out and "test set: accuracy" in out and "warm:" in out
    saved = result["saved"]
    assert 0 < saved["trained"] <= saved["without_pruning"]
    assert result["scores"]["accuracy"] > 0.5
    for value in result["scores"].values():
        assert 0.0 <= value <= 1.0
    states = {t.state for t in result["study"].trials}
    assert bbopt.TrialState.PRUNED in states
    assert result["transfer"]["warm"]["n_added"] > 0
