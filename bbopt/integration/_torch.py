"""`PyTorchPruningCallback`: prune a plain PyTorch training loop from a validation metric."""

from __future__ import annotations

import numbers
from typing import Any

from bbopt._trial import Trial
from bbopt._validation import ensure_int
from bbopt.integration._report import check_trial, report_and_prune

_OWNER = "PyTorchPruningCallback"


class PyTorchPruningCallback:
    """Report a metric of a PyTorch training loop to a trial each epoch, and prune.

    Call the instance once per epoch (or per validation step) with the step
    and the metric: a Python number or a one-element ``torch.Tensor`` (on any
    device, with or without grad; it is detached and read with ``.item()``).
    The value is reported to the trial; when the study's pruner says so,
    `bbopt.TrialPruned` is raised out of the loop and ``study.optimize`` ends
    the trial as PRUNED. A NaN or infinite metric (a diverged model) prunes
    at once. torch itself is not imported.

    Parameters
    ----------
    trial : Trial
        The running trial of the objective.
    metric : str, default "val_loss"
        Name of the metric, shown in the reason of a pruning.

    Examples
    --------
    >>> import bbopt
    >>> import torch
    >>> from bbopt.integration import PyTorchPruningCallback
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> X = torch.randn(256, 4)
    >>> y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0]) + 0.1 * torch.randn(256)
    >>> def objective(trial):
    ...     lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    ...     model = torch.nn.Linear(4, 1)
    ...     optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    ...     pruning = PyTorchPruningCallback(trial)
    ...     for epoch in range(20):
    ...         optimizer.zero_grad()
    ...         loss = torch.nn.functional.mse_loss(model(X[:192]).squeeze(1), y[:192])
    ...         loss.backward()
    ...         optimizer.step()
    ...         with torch.no_grad():
    ...             val_loss = torch.nn.functional.mse_loss(model(X[192:]).squeeze(1), y[192:])
    ...         pruning(epoch, val_loss)
    ...     return val_loss.item()
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(objective, n_trials=5)
    >>> study.best_params["lr"] > 1e-2
    True
    """

    def __init__(self, trial: Trial, metric: str = "val_loss") -> None:
        self._trial = check_trial(trial, _OWNER)
        if not isinstance(metric, str):
            raise TypeError(
                f"The 'metric' parameter of {_OWNER} must be a str. Got {metric!r} instead."
            )
        self._metric = metric

    def __call__(self, step: int, value: Any) -> None:
        """Report ``value`` at ``step``; raise `bbopt.TrialPruned` if the trial should stop."""
        step = ensure_int(step, "step", _OWNER, minimum=0)
        if hasattr(value, "detach"):  # a torch.Tensor
            if value.numel() != 1:
                raise ValueError(
                    f"The 'value' parameter of {_OWNER} must hold one number. Got a tensor of "
                    f"shape {tuple(value.shape)} instead."
                )
            value = value.detach().item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"The 'value' parameter of {_OWNER} must be a real number or a one-element "
                f"tensor. Got {value!r} instead."
            )
        report_and_prune(self._trial, float(value), step, self._metric)
