"""Tune a neural network with Hyperband pruning, then warm-start a related task.

The model is a multi-layer perceptron written in NumPy (ReLU layers, softmax
output, minibatch Adam, L1 and L2 penalties on the weights, early stopping on
the validation loss), trained on scikit-learn's bundled handwritten digits
(1797 8x8 images, 10 classes; no download). The search space:

- ``lr``: learning rate, log scale in [1e-4, 0.3]
- ``n_layers``: 1 to 3 hidden layers, ``n_units_l<i>`` units each (16 to 256, log)
- ``l1``, ``l2``: penalty strengths, log scale in [1e-7, 1e-2]
- ``batch_size``: 32, 64 or 128
- ``patience``: early-stopping patience in epochs, 2 to 8

Every epoch reports the validation log loss; `bbopt.pruners.HyperbandPruner`
stops unpromising trials. The study's pruned trials are then trained again
without pruning to count exactly how many epochs pruning saved, and whether
it stopped a trial that would have won. The best configuration is retrained
and scored on the held-out test set (accuracy, precision, recall, F1).

Transfer: a second study tunes the same model on a related, harder task (the
digits with pixel noise and 40% of the training images). It is warm-started
with the first study's complete trials (`bbopt.create_trial` +
`Study.add_trials`) and compared with a cold start of the same budget.

Needs scikit-learn (``pip install 'bbopt[examples]'``). Run::

    python examples/tune_mlp_pruning.py                # about 15 seconds on 2 cores
    python examples/tune_mlp_pruning.py --quick        # a few seconds (also BBOPT_EXAMPLE_QUICK=1)
    python examples/tune_mlp_pruning.py --pruner none  # the same study without pruning
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from typing import Any

import numpy as np

import bbopt

try:
    from sklearn.datasets import load_digits
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    from sklearn.model_selection import train_test_split
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn
except ImportError:  # pragma: no cover - the message is the point
    raise ImportError(
        "This example needs scikit-learn: pip install 'bbopt[examples]'."
    ) from None


# -- data -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Task:
    """A classification task split into train / validation / test arrays."""

    name: str
    x_train: np.ndarray  # (n_train, n_features)
    y_train: np.ndarray  # (n_train,) int labels
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int


def load_task(name: str = "digits", seed: int = 0) -> Task:
    """Load ``"digits"`` or the related ``"noisy-digits"`` task (60/20/20 stratified split).

    ``"noisy-digits"`` adds Gaussian pixel noise (standard deviation 3 on the
    0-16 pixel scale) and keeps 40% of the training images.
    """
    x, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(1000 + seed)
    if name == "noisy-digits":
        x = x + rng.normal(0.0, 3.0, size=x.shape)
    elif name != "digits":
        raise ValueError(f"Unknown task {name!r}: use 'digits' or 'noisy-digits'.")
    x_train, x_rest, y_train, y_rest = train_test_split(
        x, y, test_size=0.4, stratify=y, random_state=seed)
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=seed)
    if name == "noisy-digits":
        keep, _ = train_test_split(np.arange(len(y_train)), train_size=0.4, stratify=y_train,
                                   random_state=seed)
        x_train, y_train = x_train[keep], y_train[keep]
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8
    scale = lambda a: (a - mean) / std  # noqa: E731
    return Task(name, scale(x_train), y_train, scale(x_val), y_val, scale(x_test), y_test,
                int(y.max()) + 1)


# -- the model ------------------------------------------------------------------------------


class MLP:
    """ReLU network with a softmax output, trained by Adam with L1 and L2 penalties.

    The penalties ``l1 * sum|W| + l2 / 2 * sum W**2`` apply to the weight
    matrices, not the biases; L1 enters through its subgradient ``l1 * sign(W)``.
    """

    def __init__(self, sizes: list[int], lr: float, l1: float, l2: float,
                 rng: np.random.Generator) -> None:
        self.weights = [rng.normal(0.0, np.sqrt(2.0 / m), size=(m, n))
                        for m, n in zip(sizes[:-1], sizes[1:])]
        self.biases = [np.zeros(n) for n in sizes[1:]]
        self.lr, self.l1, self.l2 = lr, l1, l2
        params = self.weights + self.biases
        self._m = [np.zeros_like(p) for p in params]
        self._v = [np.zeros_like(p) for p in params]
        self._t = 0

    def logits(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Output logits (n, n_classes) and the input of every layer."""
        inputs = [x]
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            inputs.append(np.maximum(inputs[-1] @ w + b, 0.0))
        return inputs[-1] @ self.weights[-1] + self.biases[-1], inputs

    def proba(self, x: np.ndarray) -> np.ndarray:
        z, _ = self.logits(x)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def log_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        p = self.proba(x)[np.arange(len(y)), y]
        return float(-np.mean(np.log(np.clip(p, 1e-12, 1.0))))

    def penalised_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """Cross-entropy plus ``l1 * sum|W| + l2 / 2 * sum W**2``."""
        penalty = sum(self.l1 * np.abs(w).sum() + 0.5 * self.l2 * (w * w).sum()
                      for w in self.weights)
        return self.log_loss(x, y) + float(penalty)

    def gradients(self, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        """Gradients of `penalised_loss` for the weights, then the biases."""
        z, inputs = self.logits(x)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        delta = p / len(y)  # d loss / d logits
        grad_w, grad_b = [], []
        for layer in range(len(self.weights) - 1, -1, -1):
            w = self.weights[layer]
            grad_w.append(inputs[layer].T @ delta + self.l2 * w + self.l1 * np.sign(w))
            grad_b.append(delta.sum(axis=0))
            if layer:
                delta = (delta @ w.T) * (inputs[layer] > 0.0)
        return grad_w[::-1] + grad_b[::-1]

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        """One Adam step on the penalised cross-entropy of a minibatch."""
        grads = self.gradients(x, y)
        self._t += 1
        beta1, beta2 = 0.9, 0.999
        correction = np.sqrt(1.0 - beta2 ** self._t) / (1.0 - beta1 ** self._t)
        for param, grad, m, v in zip(self.weights + self.biases, grads, self._m, self._v):
            m *= beta1
            m += (1.0 - beta1) * grad
            v *= beta2
            v += (1.0 - beta2) * grad * grad
            param -= self.lr * correction * m / (np.sqrt(v) + 1e-8)

    def copy_params(self) -> list[np.ndarray]:
        return [p.copy() for p in self.weights + self.biases]

    def set_params(self, params: list[np.ndarray]) -> None:
        k = len(self.weights)
        self.weights, self.biases = params[:k], params[k:]


def suggest_config(trial: bbopt.Trial) -> dict[str, Any]:
    """Define the search space on ``trial`` and return the configuration."""
    n_layers = trial.suggest_int("n_layers", 1, 3)
    return {
        "lr": trial.suggest_float("lr", 1e-4, 0.3, log=True),
        "units": [trial.suggest_int(f"n_units_l{i}", 16, 256, log=True)
                  for i in range(n_layers)],
        "l1": trial.suggest_float("l1", 1e-7, 1e-2, log=True),
        "l2": trial.suggest_float("l2", 1e-7, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128]),
        "patience": trial.suggest_int("patience", 2, 8),
    }


def config_from_params(params: dict[str, Any]) -> dict[str, Any]:
    """The configuration of a finished trial's parameters."""
    return {
        "lr": params["lr"], "l1": params["l1"], "l2": params["l2"],
        "units": [params[f"n_units_l{i}"] for i in range(params["n_layers"])],
        "batch_size": params["batch_size"], "patience": params["patience"],
    }


def train(config: dict[str, Any], task: Task, max_epochs: int, seed: int,
          trial: bbopt.Trial | None = None) -> tuple[MLP, float, int]:
    """Train with early stopping on the validation loss; report each epoch to ``trial``.

    Returns the model at its best epoch, its validation loss and the number
    of epochs trained. Raises `bbopt.TrialPruned` when the trial's pruner
    says so, or when the loss diverges. BLAS runs on one thread: for these
    small matrices more threads cost more than they save.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _train(config, task, max_epochs, seed, trial)


def _train(config: dict[str, Any], task: Task, max_epochs: int, seed: int,
           trial: bbopt.Trial | None) -> tuple[MLP, float, int]:
    rng = np.random.default_rng(seed)
    sizes = [task.x_train.shape[1], *config["units"], task.n_classes]
    model = MLP(sizes, config["lr"], config["l1"], config["l2"], rng)
    n, batch = len(task.y_train), config["batch_size"]
    best_loss, best_params, since_best, epoch = np.inf, model.copy_params(), 0, 0
    for epoch in range(1, max_epochs + 1):
        order = rng.permutation(n)
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n, batch):
                rows = order[start:start + batch]
                model.step(task.x_train[rows], task.y_train[rows])
            val_loss = model.log_loss(task.x_val, task.y_val)
        if trial is not None:
            trial.set_user_attr("epochs", epoch)
            if not np.isfinite(val_loss):
                raise bbopt.TrialPruned(f"the validation loss diverged at epoch {epoch}")
            trial.report(val_loss, step=epoch)
            if trial.should_prune():
                raise bbopt.TrialPruned()
        if val_loss < best_loss:
            best_loss, best_params, since_best = val_loss, model.copy_params(), 0
        else:
            since_best += 1
            if since_best >= config["patience"]:
                break
    model.set_params(best_params)
    return model, float(best_loss), epoch


def scores(model: MLP, task: Task) -> dict[str, float]:
    """Test-set accuracy and macro-averaged precision, recall and F1."""
    predicted = model.proba(task.x_test).argmax(axis=1)
    precision, recall, f1, _ = precision_recall_fscore_support(
        task.y_test, predicted, average="macro", zero_division=0)
    return {"accuracy": accuracy_score(task.y_test, predicted), "precision": precision,
            "recall": recall, "f1": f1}


# -- the studies ----------------------------------------------------------------------------


def make_pruner(name: str, max_epochs: int) -> bbopt.pruners.BasePruner:
    """The pruner of a name: hyperband, sha (successive halving), median or none."""
    if name == "hyperband":
        return bbopt.pruners.HyperbandPruner(1, max_epochs, reduction_factor=3)
    if name == "sha":
        return bbopt.pruners.SuccessiveHalvingPruner(1, reduction_factor=3)
    if name == "median":
        return bbopt.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    if name == "none":
        return bbopt.pruners.NopPruner()
    raise ValueError(f"Unknown pruner {name!r}.")


def tune(task: Task, n_trials: int, max_epochs: int, pruner: str, seed: int,
         warm_start: list[bbopt.FrozenTrial] | None = None) -> bbopt.Study:
    """Run one study on ``task``; each trial trains with seed ``seed * 10**4 + number``."""
    study = bbopt.create_study(
        study_name=f"{task.name}-{pruner}-{seed}-{'warm' if warm_start else 'cold'}",
        sampler=bbopt.samplers.TPESampler(seed=seed, n_startup_trials=10),
        pruner=make_pruner(pruner, max_epochs),
    )
    if warm_start:
        study.add_trials(
            bbopt.create_trial(params=t.params, distributions=t.distributions, value=t.value,
                               user_attrs={"warm_start_from": t.number})
            for t in warm_start
        )

    def objective(trial: bbopt.Trial) -> float:
        config = suggest_config(trial)
        train_seed = seed * 10**4 + trial.number
        trial.set_user_attr("train_seed", train_seed)
        return train(config, task, max_epochs, train_seed, trial)[1]

    study.optimize(objective, n_trials=n_trials)
    return study


def epochs_saved(study: bbopt.Study, task: Task, max_epochs: int) -> dict[str, Any]:
    """Train the pruned trials again without pruning; count the epochs pruning saved.

    Training is deterministic given the trial's seed, so the rerun follows the
    pruned curve and goes on to the trial's own early stop.
    """
    trained = unpruned = 0
    missed = []
    best = study.best_value
    for t in study.get_trials(states=(bbopt.TrialState.COMPLETE, bbopt.TrialState.PRUNED)):
        if "epochs" not in t.user_attrs:  # an added (warm-start) trial
            continue
        trained += t.user_attrs["epochs"]
        if t.state == bbopt.TrialState.PRUNED:
            _, loss, epochs = train(config_from_params(t.params), task, max_epochs,
                                    t.user_attrs["train_seed"])
            unpruned += epochs
            if loss < best:
                missed.append((t.number, loss))
        else:
            unpruned += t.user_attrs["epochs"]
    return {"trained": trained, "without_pruning": unpruned,
            "saved_fraction": 1.0 - trained / unpruned if unpruned else 0.0, "missed": missed}


def final_scores(study: bbopt.Study, task: Task, max_epochs: int) -> dict[str, float]:
    """Retrain the best configuration (its own seed) and score it on the test set."""
    best = study.best_trial
    seed = best.user_attrs.get("train_seed", 0)
    model, _, _ = train(config_from_params(best.params), task, max_epochs, seed)
    return scores(model, task)


def count(study: bbopt.Study, state: bbopt.TrialState) -> int:
    return sum(1 for t in study.trials if t.state == state and "epochs" in t.user_attrs)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the example; print a report and return its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=60, help="trials of the first study")
    parser.add_argument("--epochs", type=int, default=27, help="maximum epochs per trial")
    parser.add_argument("--transfer-trials", type=int, default=20,
                        help="trials of each study on the related task")
    parser.add_argument("--pruner", default="hyperband",
                        choices=["hyperband", "sha", "median", "none"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a tiny budget (also with BBOPT_EXAMPLE_QUICK=1)")
    args = parser.parse_args(argv)
    if args.quick or os.environ.get("BBOPT_EXAMPLE_QUICK") == "1":
        args.trials, args.epochs, args.transfer_trials = 12, 9, 4
    started = time.perf_counter()

    digits = load_task("digits", args.seed)
    print(f"Task 1: digits, {len(digits.y_train)} train / {len(digits.y_val)} validation / "
          f"{len(digits.y_test)} test images; {args.trials} trials of up to {args.epochs} "
          f"epochs, pruner: {args.pruner}")
    study = tune(digits, args.trials, args.epochs, args.pruner, args.seed)
    saved = epochs_saved(study, digits, args.epochs)
    test_scores = final_scores(study, digits, args.epochs)
    n_pruned = count(study, bbopt.TrialState.PRUNED)
    print(f"  complete {count(study, bbopt.TrialState.COMPLETE)}, pruned {n_pruned}")
    print(f"  epochs trained: {saved['trained']}; the same trials without pruning: "
          f"{saved['without_pruning']} -> pruning saved {saved['saved_fraction']:.0%}")
    if saved["missed"]:
        print(f"  pruned trials that would have beaten the best: {saved['missed']}")
    else:
        print("  no pruned trial would have beaten the best one")
    print(f"  best validation log loss {study.best_value:.4f} with {study.best_params}")
    print("  test set: " + ", ".join(f"{k} {v:.3f}" for k, v in test_scores.items()))

    noisy = load_task("noisy-digits", args.seed)
    print(f"Task 2 (related): noisy digits, {len(noisy.y_train)} train images; "
          f"{args.transfer_trials} trials, cold start vs warm start from task 1")
    previous = study.get_trials(states=(bbopt.TrialState.COMPLETE,))
    results: dict[str, Any] = {}
    for label, warm in [("cold", None), ("warm", previous)]:
        second = tune(noisy, args.transfer_trials, args.epochs, args.pruner, args.seed + 1,
                      warm_start=warm)
        own = [t.value for t in second.get_trials(states=(bbopt.TrialState.COMPLETE,))
               if "epochs" in t.user_attrs]
        best_trial = min(
            (t for t in second.get_trials(states=(bbopt.TrialState.COMPLETE,))
             if "epochs" in t.user_attrs), key=lambda t: t.value, default=None)
        if best_trial is None:
            print(f"  {label}: no trial completed")
            continue
        model, _, _ = train(config_from_params(best_trial.params), noisy, args.epochs,
                            best_trial.user_attrs["train_seed"])
        results[label] = {"best_val_loss": min(own), "scores": scores(model, noisy),
                          "n_added": len(warm or [])}
        print(f"  {label}: best validation log loss {min(own):.4f}; test set: "
              + ", ".join(f"{k} {v:.3f}" for k, v in results[label]["scores"].items())
              + (f" ({len(warm)} trials added from task 1)" if warm else ""))
    seconds = time.perf_counter() - started
    print(f"Total time {seconds:.1f} s")
    return {"study": study, "saved": saved, "scores": test_scores, "transfer": results,
            "seconds": seconds}


if __name__ == "__main__":
    main(sys.argv[1:])
