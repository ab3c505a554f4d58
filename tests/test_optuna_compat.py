"""Optuna code runs on bbopt with ``optuna`` replaced by ``bbopt``: modules, names, arguments."""

from __future__ import annotations

import gc
import re
import runpy
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import bbopt
from bbopt.trial import FixedTrial, TrialState

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "optuna_script.py"


def _run_script(path: Path, tmp_path: Path, n_trials: int) -> str:
    result = subprocess.run([sys.executable, str(path), str(n_trials), str(tmp_path)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_optuna_script_runs_with_only_the_name_changed(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    text = SCRIPT.read_text()
    assert len(re.findall(r"\boptuna\b", text)) > 10
    path = tmp_path / "ported.py"
    path.write_text(re.sub(r"\boptuna\b", "bbopt", text))
    script = runpy.run_path(str(path), run_name="ported_optuna_script")
    study, importances = script["main"](12, str(tmp_path))
    out = capsys.readouterr().out
    assert "best value" in out and "replayed" in out
    assert (tmp_path / "history.png").stat().st_size > 0
    assert (tmp_path / "importances.png").stat().st_size > 0
    assert set(importances) == {"alpha", "loss", "penalty", "l1_ratio", "n_epochs"}
    study = bbopt.load_study("sgd-digits", f"sqlite:///{tmp_path / 'tune.db'}")
    assert len(study.trials) == 12
    assert study.trials[0].params["alpha"] == 1e-4  # the enqueued trial ran first


def test_the_script_is_real_optuna_code(tmp_path):
    """The same file, unported, runs with Optuna itself (where Optuna is installed)."""
    pytest.importorskip("optuna")
    pytest.importorskip("sklearn")
    out = _run_script(SCRIPT, tmp_path, 4)
    assert "best value" in out


def test_modules_and_names():
    import bbopt.distributions
    import bbopt.exceptions
    import bbopt.study
    import bbopt.trial

    assert bbopt.trial.TrialState is bbopt.TrialState
    assert bbopt.study.StudyDirection is bbopt.StudyDirection
    assert bbopt.exceptions.TrialPruned is bbopt.TrialPruned
    assert bbopt.distributions.json_to_distribution is bbopt.distribution_from_json
    assert bbopt.study.get_all_study_names is bbopt.get_all_study_names


def test_lazy_submodules_load_on_access_only():
    code = ("import sys, bbopt; assert 'bbopt.importance' not in sys.modules; "
            "assert 'bbopt.visualization' not in sys.modules; "
            "f = bbopt.importance.get_param_importances; "
            "g = bbopt.visualization.matplotlib.plot_slice; "
            "assert 'matplotlib.pyplot' not in sys.modules; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip() == "ok", result.stderr
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        bbopt.nope  # noqa: B018


def test_fixed_trial():
    trial = FixedTrial({"x": 2, "c": "a", "n": 3}, number=7)
    assert trial.suggest_float("x", 0, 5) == 2.0 and isinstance(trial.suggest_float("x", 0, 5),
                                                                   float)
    assert trial.suggest_categorical("c", ["a", "b"]) == "a"
    assert trial.suggest_int("n", 0, 9) == 3
    assert trial.number == 7 and trial.params == {"x": 2.0, "c": "a", "n": 3}
    trial.report(0.5, 1)
    assert trial.intermediate_values == {1: 0.5} and trial.should_prune() is False
    trial.set_user_attr("k", 1)
    assert trial.user_attrs == {"k": 1}
    with pytest.raises(ValueError, match="no value for the parameter 'y'"):
        trial.suggest_float("y", 0, 1)
    with pytest.warns(UserWarning, match="not in"):
        assert FixedTrial({"x": 9.0}).suggest_float("x", 0, 1) == 9.0
    with pytest.raises(TypeError, match="'params' parameter of FixedTrial"):
        FixedTrial([1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'number' parameter of FixedTrial"):
        FixedTrial({}, number=-1)


def test_gc_after_trial(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(1) or 0)
    study = bbopt.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, gc_after_trial=True)
    assert len(calls) == 3
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert len(calls) == 3
    with pytest.raises(TypeError, match="gc_after_trial"):
        study.optimize(lambda t: 0.0, n_trials=1, gc_after_trial="yes")


def _small_study():
    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial.set_user_attr("note", "a")
    trial.report(0.5, 2)
    trial.report(0.25, 10)
    study.tell(trial, 1.0)
    study.tell(study.ask(), state=TrialState.FAIL)
    return study


def test_trials_dataframe_attrs_and_multi_index():
    pandas = pytest.importorskip("pandas")
    study = _small_study()
    frame = study.trials_dataframe()
    assert list(frame.columns) == ["number", "value", "datetime_start", "datetime_complete",
                                   "duration", "params_x", "user_attrs_note", "state"]
    assert isinstance(frame["duration"][0], pandas.Timedelta)
    assert list(frame["state"]) == ["COMPLETE", "FAIL"]
    frame = study.trials_dataframe(attrs=("number", "intermediate_values", "params"),
                                   multi_index=True)
    assert list(frame.columns) == [("number", ""), ("intermediate_values", "2"),
                                   ("intermediate_values", "10"), ("params", "x")]
    assert frame[("params", "x")].isna().tolist() == [False, True]
    with pytest.raises(ValueError, match="unknown fields \\['nope'\\]"):
        study.trials_dataframe(attrs=("nope",))
    with pytest.raises(TypeError, match="'attrs' parameter"):
        study.trials_dataframe(attrs="number")


def test_trials_dataframe_several_objectives():
    pytest.importorskip("pandas")
    study = bbopt.create_study(directions=["minimize", "maximize"])
    study.tell(study.ask(), [1.0, 2.0])
    frame = study.trials_dataframe(attrs=("number", "values"))
    assert list(frame.columns) == ["number", "values_0", "values_1"]
    assert frame.iloc[0].tolist() == [0, 1.0, 2.0]


def test_enqueue_trial_skip_if_exists():
    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    study.enqueue_trial({"x": 0.5})
    study.enqueue_trial({"x": 0.5}, skip_if_exists=True)  # queued already
    assert len(study.trials) == 1
    trial = study.ask()
    study.enqueue_trial({"x": 0.5}, skip_if_exists=True)  # running with it
    assert len(study.trials) == 1
    study.tell(trial, trial.suggest_float("x", 0, 1))
    study.enqueue_trial({"x": 0.5}, skip_if_exists=True)  # finished with it
    study.enqueue_trial({"x": 0.25}, skip_if_exists=True)
    study.enqueue_trial({"x": 0.5})
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.WAITING,
                                               TrialState.WAITING]
    with pytest.raises(TypeError, match="skip_if_exists"):
        study.enqueue_trial({"x": 0.5}, skip_if_exists=1)


@pytest.mark.parametrize("target_kind", ["memory", "sqlite"])
def test_copy_study(tmp_path, target_kind):
    source = bbopt.storage.InMemoryStorage()
    study = bbopt.create_study(study_name="s", storage=source, directions=["minimize"] * 2)
    study.set_user_attr("owner", "me")
    trial = study.ask()
    trial.suggest_int("n", 0, 9)
    trial.report(1.5, 3)
    trial.set_user_attr("k", [1, 2])
    study.tell(trial, [1.0, 2.0])
    study.tell(study.ask(), state=TrialState.FAIL)
    running = study.ask()
    running.suggest_categorical("c", ["a", "b"])
    study.enqueue_trial({"n": 4})
    target = (bbopt.storage.InMemoryStorage() if target_kind == "memory"
              else str(tmp_path / "copy.db"))
    bbopt.study.copy_study(from_study_name="s", from_storage=source, to_storage=target,
                           to_study_name="t")
    copy = bbopt.load_study("t", target)
    assert copy.directions == study.directions and copy.user_attrs == {"owner": "me"}
    for a, b in zip(study.trials, copy.trials, strict=True):
        assert (a.state, a.values, a.params, a.distributions, a.intermediate_values,
                a.user_attrs) == (b.state, b.values, b.params, b.distributions,
                                  b.intermediate_values, b.user_attrs)
    assert bbopt.get_all_study_names(target) == ["t"]
    with pytest.raises(bbopt.exceptions.DuplicatedStudyError):
        bbopt.copy_study(from_study_name="s", from_storage=source, to_storage=target,
                         to_study_name="t")
    with pytest.raises(ValueError, match="'to_study_name'"):
        bbopt.copy_study(from_study_name="s", from_storage=source, to_storage=target,
                         to_study_name="")


def test_logging_one_line_per_finished_trial(capsys):
    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert capsys.readouterr().err == ""  # silent by default
    bbopt.logging.set_verbosity(bbopt.logging.INFO)
    try:
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        study.tell(study.ask(), state=TrialState.PRUNED)
    finally:
        bbopt.logging.set_verbosity(bbopt.logging.WARNING)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert re.search(r"Trial 2 finished with value: \S+ and parameters: \{'x': \S+\}\. "
                     r"Best is trial \d with value: \S+\.$", lines[0])
    assert lines[2].endswith("Trial 4 pruned.")
    with pytest.raises(TypeError, match="'verbosity' parameter"):
        bbopt.logging.set_verbosity("INFO")  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bbopt.logging.disable_default_handler()
        bbopt.logging.enable_default_handler()


def test_every_bbopt_exception_is_an_optuna_error_and_keeps_its_builtin_base() -> None:
    import bbopt.exceptions
    from bbopt.samplers._constraints import ConstraintsError
    from bbopt.storage._journal import StorageJournalError
    from bbopt.storage._postgres import StorageServerError

    assert bbopt.exceptions.OptunaError is bbopt.exceptions.BboptError
    builtin = {"StorageLockedError": TimeoutError, "TrialPruned": Exception,
               "BboptError": Exception, "OptunaError": Exception}
    for name in bbopt.exceptions.__all__:
        cls = getattr(bbopt.exceptions, name)
        assert issubclass(cls, bbopt.exceptions.OptunaError), name
        assert issubclass(cls, builtin.get(name, ValueError)), name
    for cls, base in [(ConstraintsError, ValueError), (StorageJournalError, ValueError),
                      (StorageServerError, ConnectionError)]:
        assert issubclass(cls, bbopt.exceptions.BboptError) and issubclass(cls, base)
    with pytest.raises(bbopt.exceptions.OptunaError):
        bbopt.load_study(study_name="missing", storage=bbopt.storage.InMemoryStorage())
