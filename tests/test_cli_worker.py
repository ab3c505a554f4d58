"""``bbopt worker`` and ``bbopt copy-study`` (bbopt/_cli.py): workers in real processes.

Workers started independently (as a SLURM array or a Kubernetes job would)
share one study through a journal file or a PostgreSQL server: every trial
number once, budgets kept, SIGTERM and SIGKILL handled. Storages come from
tests/conftest.py (``kind``, ``target``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

import bbopt
from bbopt import TrialState, _cli

OBJECTIVE = '''
import time

def quadratic(trial):
    x = trial.suggest_float("x", -2, 2)
    return (x - 1) ** 2

def slow(trial):
    trial.suggest_float("x", -2, 2)
    time.sleep(float(trial.study.user_attrs.get("sleep", 60)))
    return 0.0
'''


@pytest.fixture
def objective(tmp_path):
    path = tmp_path / "objective.py"
    path.write_text(OBJECTIVE)
    return str(path)


def _start(target, objective, *options):
    return subprocess.Popen(
        [sys.executable, "-m", "bbopt", "worker", "--storage", target, "--study", "s",
         "--objective", objective, *map(str, options)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process):
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return json.loads(out)


@pytest.mark.parametrize("kind", ["journal", "postgres"])
def test_workers_started_apart_share_one_study(kind, target, objective):
    bbopt.create_study(study_name="s", storage=target)
    workers = [_start(target, f"{objective}:quadratic", "--n-trials", 10, "--sampler",
                      "random", "--seed", seed) for seed in range(3)]
    summaries = [_finish(w) for w in workers]
    assert [s["n_trials"] for s in summaries] == [10, 10, 10]
    trials = bbopt.load_study(study_name="s", storage=target).trials
    assert [t.number for t in trials] == list(range(30))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len({t.params["x"] for t in trials}) == 30  # each worker its own seed
    # A global budget: the study stops at 40 trials (one extra per worker at most).
    workers = [_start(target, f"{objective}:quadratic", "--max-trials", 40)
               for _ in range(2)]
    summaries = [_finish(w) for w in workers]
    n_trials = len(bbopt.load_study(study_name="s", storage=target).trials)
    assert 40 <= n_trials <= 41 and sum(s["n_trials"] for s in summaries) == n_trials - 30


@pytest.mark.parametrize("kind", ["journal"])
def test_a_terminated_worker_fails_its_trial_and_a_killed_ones_is_failed_later(
        kind, target, objective):
    study = bbopt.create_study(study_name="s", storage=target)
    study.set_user_attr("sleep", 60)
    # Workers of one study beat at the same interval: a worker fails the trials that
    # have been silent for twice its own.
    terminated = _start(target, f"{objective}:slow", "--n-trials", 1,
                        "--heartbeat-interval", 0.2)
    killed = _start(target, f"{objective}:slow", "--n-trials", 1, "--heartbeat-interval", 0.2)
    deadline = time.monotonic() + 120
    while len(study.get_trials(states=[TrialState.RUNNING])) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    terminated.send_signal(signal.SIGTERM)  # as SLURM's scancel or Kubernetes would
    killed.kill()
    _, err = terminated.communicate(timeout=60)
    killed.communicate(timeout=60)
    assert terminated.returncode == 130 and "interrupted" in err, err
    states = {t.number: t.state for t in study.trials}
    assert list(states.values()).count(TrialState.FAIL) == 1  # the terminated one's
    # The killed worker's trial stopped beating: the next worker's ask fails it.
    time.sleep(0.5)
    study.set_user_attr("sleep", 0)
    summary = _finish(_start(target, f"{objective}:slow", "--n-trials", 1,
                             "--heartbeat-interval", 0.2))
    assert summary["n_complete"] == 1
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2 + [TrialState.COMPLETE]


def run(capsys, *argv):
    code = _cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["postgres"])
def test_copy_study_from_a_journal_to_sqlite_to_postgres_and_back(
        kind, target, tmp_path, capsys):
    journal = f"journal:///{tmp_path / 'laptop.log'}"
    study = bbopt.create_study(study_name="s", storage=journal)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    study.enqueue_trial({"x": 0.5})
    db = str(tmp_path / "c.db")
    for source, to in ((journal, db), (db, target), (target, f"journal:///{tmp_path / 'b.log'}")):
        code, out, err = run(capsys, "copy-study", "--from", source, "--study", "s", "--to", to)
        assert code == 0, err
        assert json.loads(out) == {"copied": "s", "to": "s", "n_trials": 6}
        copied = bbopt.load_study(study_name="s", storage=to).trials
        assert [(t.state, t.params, t.values) for t in copied] == [
            (t.state, t.params, t.values) for t in study.trials]
    code, _, err = run(capsys, "copy-study", "--from", journal, "--study", "s", "--to", target)
    assert code == 1 and "already exists" in err
    code, _, err = run(capsys, "copy-study", "--from", str(tmp_path / "no.db"), "--study", "s",
                       "--to", target)
    assert code == 1 and "No storage file" in err and not (tmp_path / "no.db").exists()


def test_worker_usage_errors(tmp_path, objective, capsys):
    db = str(tmp_path / "w.db")
    bbopt.create_study(study_name="s", storage=db)
    for spec, message in ((objective, "must be 'module:function'"),
                          (f"{tmp_path / 'none.py'}:f", "no file"),
                          (f"{objective}:absent", "has no function 'absent'"),
                          ("no_such_module_17:f", "No module named")):
        code, out, err = run(capsys, "worker", "--storage", db, "--study", "s",
                             "--objective", spec, "--n-trials", 1)
        assert code == 1 and out == "" and message in err, err
    code, _, err = run(capsys, "worker", "--storage", "mysql://h/db", "--study", "s",
                       "--objective", f"{objective}:quadratic")
    assert code == 1 and "--storage must be" in err
    with pytest.raises(SystemExit):
        _cli.main(["worker", "--storage", db, "--study", "s", "--objective", "m:f",
                   "--n-trials", "0"])
    assert bbopt.load_study(study_name="s", storage=db).trials == []
