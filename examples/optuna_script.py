"""An Optuna 5 tuning script, unchanged: bbopt runs it with ``optuna`` replaced by ``bbopt``.

A linear classifier on scikit-learn's digits, trained epoch by epoch with
pruning; callbacks, a stored study, best parameters, a DataFrame, parameter
importances and matplotlib plots. ``tests/test_optuna_compat.py`` runs it as
written (with Optuna, when installed) and with every ``optuna`` replaced by
``bbopt``. Run it: ``python examples/optuna_script.py [N_TRIALS] [OUT_DIR]``.
"""

import os
import sys
import tempfile

import matplotlib
import numpy as np
import optuna
import optuna.visualization.matplotlib
from optuna.exceptions import TrialPruned
from optuna.pruners import MedianPruner
from optuna.samplers import TPESampler
from optuna.study import MaxTrialsCallback, StudyDirection
from optuna.trial import FixedTrial, TrialState
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

matplotlib.use("Agg")
optuna.logging.set_verbosity(optuna.logging.WARNING)

X, y = load_digits(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X / 16.0, y, test_size=0.3, random_state=0)
CLASSES = np.unique(y)


def objective(trial):
    alpha = trial.suggest_float("alpha", 1e-6, 1e-1, log=True)
    loss = trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])
    penalty = trial.suggest_categorical("penalty", ["l2", "elasticnet"])
    l1_ratio = trial.suggest_float("l1_ratio", 0.0, 1.0) if penalty == "elasticnet" else 0.15
    n_epochs = trial.suggest_int("n_epochs", 2, 10)
    model = SGDClassifier(alpha=alpha, loss=loss, penalty=penalty, l1_ratio=l1_ratio,
                          random_state=0)
    score = 0.0
    for epoch in range(n_epochs):
        model.partial_fit(X_train, y_train, classes=CLASSES)
        score = model.score(X_valid, y_valid)
        trial.report(score, epoch)
        if trial.should_prune():
            raise TrialPruned()
    trial.set_user_attr("epochs_run", n_epochs)
    return score


def print_best(study, trial):
    if trial.state == TrialState.COMPLETE and trial.number == study.best_trial.number:
        print(f"trial {trial.number}: new best {trial.value:.4f}")


def main(n_trials=30, out_dir=None):
    out_dir = out_dir or tempfile.mkdtemp()
    storage = f"sqlite:///{os.path.join(out_dir, 'tune.db')}"
    study = optuna.create_study(
        study_name="sgd-digits", storage=storage, direction="maximize", load_if_exists=True,
        sampler=TPESampler(seed=0, n_startup_trials=8), pruner=MedianPruner(n_warmup_steps=2),
    )
    study.enqueue_trial({"alpha": 1e-4, "loss": "hinge", "penalty": "l2", "n_epochs": 5},
                        skip_if_exists=True)
    study.optimize(objective, n_trials=n_trials, gc_after_trial=True,
                   callbacks=[print_best, MaxTrialsCallback(n_trials, states=None)])
    assert study.direction == StudyDirection.MAXIMIZE
    assert "sgd-digits" in optuna.get_all_study_names(storage)

    study = optuna.load_study(study_name="sgd-digits", storage=storage)
    pruned = study.get_trials(deepcopy=False, states=[TrialState.PRUNED])
    complete = study.get_trials(deepcopy=False, states=[TrialState.COMPLETE])
    print(f"{len(complete)} complete, {len(pruned)} pruned")
    print(f"best value {study.best_value:.4f} with {study.best_params}")
    print(f"replayed: {objective(FixedTrial(study.best_params)):.4f}")

    frame = study.trials_dataframe(attrs=("number", "value", "params", "state"))
    print(frame.sort_values("value", ascending=False).head(3).to_string())

    importances = optuna.importance.get_param_importances(study)
    for name, share in importances.items():
        print(f"{name:>10}: {share:.3f}")

    ax = optuna.visualization.matplotlib.plot_optimization_history(study)
    ax.figure.savefig(os.path.join(out_dir, "history.png"))
    ax = optuna.visualization.matplotlib.plot_param_importances(study)
    ax.figure.savefig(os.path.join(out_dir, "importances.png"))
    return study, importances


if __name__ == "__main__":
    main(*(int(a) if i == 0 else a for i, a in enumerate(sys.argv[1:])))
