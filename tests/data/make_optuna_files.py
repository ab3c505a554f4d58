"""Write optuna_rdb.db and optuna_journal.log (Optuna 5.0.0) read by tests/test_import_optuna.py.

Run from this folder with Optuna installed: ``python make_optuna_files.py``.
Both files hold the same two studies: "one" (single objective: complete,
pruned, failed, waiting and running trials of float, log-float, stepped int
and mixed categorical parameters, intermediate values, user attributes) and
"two" (two objectives, one value infinite).
"""

import os

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend


def fill(storage):
    study = optuna.create_study(study_name="one", storage=storage,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.set_user_attr("owner", "me")
    for number in range(12):
        trial = study.ask()
        x = trial.suggest_float("x", -5, 5)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        n = trial.suggest_int("n", 1, 9, step=2)
        kind = trial.suggest_categorical("kind", ["a", "b", None, 3])
        if kind == "a":
            trial.suggest_float("only_a", 0.0, 1.0, step=0.25)
        trial.set_user_attr("note", {"k": [1, number]})
        for step in range(3):
            trial.report(x ** 2 + step, step)
        if number % 5 == 3:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        elif number % 7 == 6:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, x ** 2 + lr + n)
    study.enqueue_trial({"x": 1.0}, user_attrs={"queued": True})
    study.enqueue_trial({"x": 2.0})
    study.ask().suggest_float("x", -5, 5)  # runs the first queued trial; the second waits
    two = optuna.create_study(study_name="two", storage=storage,
                              directions=["minimize", "maximize"])
    two.optimize(lambda t: (t.suggest_float("a", 0, 1), float("inf")), n_trials=3)


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for name in ("optuna_rdb.db", "optuna_journal.log"):
        if os.path.exists(name):
            os.remove(name)
    fill("sqlite:///optuna_rdb.db")
    fill(JournalStorage(JournalFileBackend("optuna_journal.log")))
