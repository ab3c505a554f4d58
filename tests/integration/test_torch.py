"""PyTorchPruningCallback in a real PyTorch loop (skipped where torch is missing)."""

import pytest

import bbopt

torch = pytest.importorskip("torch")

from bbopt.integration import PyTorchPruningCallback  # noqa: E402


def _objective(trial, lr_range=(1e-3, 0.3), epochs=6):
    torch.manual_seed(0)
    X = torch.randn(128, 3)
    y = X @ torch.tensor([1.0, -1.0, 0.5])
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=trial.suggest_float("lr", *lr_range))
    pruning = PyTorchPruningCallback(trial)
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X[:96]).squeeze(1), y[:96])
        loss.backward()
        optimizer.step()
        val = torch.nn.functional.mse_loss(model(X[96:]).squeeze(1), y[96:])  # with grad
        pruning(epoch, val)
    return val.item()


def test_reports_tensor_metrics_each_epoch():
    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=2)
    for trial in study.trials:
        assert trial.state == bbopt.TrialState.COMPLETE
        assert sorted(trial.intermediate_values) == list(range(6))
        assert trial.intermediate_values[5] == pytest.approx(trial.value)


def test_prunes_when_the_pruner_says_so():
    study = bbopt.create_study(pruner=bbopt.pruners.ThresholdPruner(upper=0.01))
    study.optimize(_objective, n_trials=1)
    assert study.trials[0].state == bbopt.TrialState.PRUNED
    assert list(study.trials[0].intermediate_values) == [0]


def test_diverged_loss_prunes():
    # A huge learning rate makes the loss overflow to inf: the trial is pruned at once.
    study = bbopt.create_study()
    study.optimize(lambda t: _objective(t, lr_range=(1e30, 1e31), epochs=20), n_trials=1)
    trial = study.trials[0]
    assert trial.state == bbopt.TrialState.PRUNED
    assert len(trial.intermediate_values) < 20


def test_rejects_tensors_of_several_numbers_and_non_numbers():
    pruning = PyTorchPruningCallback(bbopt.create_study().ask())
    with pytest.raises(ValueError, match=r"one number.*\(2,\)"):
        pruning(0, torch.ones(2))
    with pytest.raises(TypeError, match="real number or a one-element tensor"):
        pruning(0, "0.5")
    with pytest.raises(ValueError, match="'step' parameter"):
        pruning(-1, 0.5)
    pruning(0, torch.tensor([[0.25]], dtype=torch.float64))
