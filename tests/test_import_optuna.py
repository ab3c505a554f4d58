"""`bbopt.import_optuna` and `bbopt import-optuna` read Optuna 5.0.0's files without Optuna.

The files in tests/data were written by Optuna 5.0.0 (tests/data/make_optuna_files.py);
where Optuna is installed, a fresh pair is written and compared trial by trial.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import bbopt
from bbopt._cli import main
from bbopt.trial import TrialState

DATA = Path(__file__).resolve().parent / "data"
FILES = [DATA / "optuna_rdb.db", DATA / "optuna_journal.log"]


@pytest.mark.parametrize("source", FILES, ids=["rdb", "journal"])
def test_import_both_formats(source):
    storage = bbopt.storage.InMemoryStorage()
    assert bbopt.import_optuna(source, storage) == ["one", "two"]
    one = bbopt.load_study("one", storage)
    assert one.user_attrs == {"owner": "me"}
    states = [t.state for t in one.trials]
    assert states.count(TrialState.COMPLETE) == 9 and states.count(TrialState.PRUNED) == 2
    assert states.count(TrialState.FAIL) == 1
    assert states[-2:] == [TrialState.RUNNING, TrialState.WAITING]
    first = one.trials[0]
    assert set(first.params) >= {"x", "lr", "n", "kind"}
    assert first.distributions["lr"] == bbopt.FloatDistribution(1e-5, 1e-1, log=True)
    assert first.distributions["n"] == bbopt.IntDistribution(1, 9, step=2)
    assert first.distributions["kind"] == bbopt.CategoricalDistribution(["a", "b", None, 3])
    assert math.isclose(first.value,
                        first.params["x"] ** 2 + first.params["lr"] + first.params["n"])
    assert first.intermediate_values == {s: first.params["x"] ** 2 + s for s in range(3)}
    assert first.user_attrs == {"note": {"k": [1, 0]}}
    assert first.datetime_start <= first.datetime_complete
    assert one.trials[-2].params == {"x": 1.0} and one.trials[-2].user_attrs == {"queued": True}
    assert one.trials[-1].system_attrs == {"fixed_params": {"x": 2.0}}
    two = bbopt.load_study("two", storage)
    assert [d.name for d in two.directions] == ["MINIMIZE", "MAXIMIZE"]
    assert all(t.values[1] == math.inf for t in two.trials)
    # The imported study goes on: the queued trial runs next.
    trial = one.ask()
    assert trial.suggest_float("x", -5, 5) == 2.0


def test_both_formats_give_the_same_trials():
    a, b = bbopt.storage.InMemoryStorage(), bbopt.storage.InMemoryStorage()
    bbopt.import_optuna(FILES[0], a)
    bbopt.import_optuna(FILES[1], b)
    for name in ("one",):  # seeded in both files: the random sampler drew the same points
        ta, tb = bbopt.load_study(name, a).trials, bbopt.load_study(name, b).trials
        assert [(t.state, t.params, t.intermediate_values) for t in ta] == \
            [(t.state, t.params, t.intermediate_values) for t in tb]


def test_select_studies_and_errors(tmp_path):
    storage = bbopt.storage.InMemoryStorage()
    assert bbopt.import_optuna(f"sqlite:///{FILES[0]}", storage, study_names=["two"]) == ["two"]
    with pytest.raises(bbopt.exceptions.DuplicatedStudyError, match="nothing was imported"):
        bbopt.import_optuna(FILES[0], storage)
    assert bbopt.get_all_study_names(storage) == ["two"]
    with pytest.raises(ValueError, match="lacks: \\['nope'\\]"):
        bbopt.import_optuna(FILES[0], storage, study_names=["nope"])
    with pytest.raises(TypeError, match="'study_names' parameter"):
        bbopt.import_optuna(FILES[0], storage, study_names="one")
    other = tmp_path / "x.txt"
    other.write_text("not json\n")
    with pytest.raises(ValueError, match="not an Optuna journal file"):
        bbopt.import_optuna(other, storage)
    with pytest.raises(FileNotFoundError):
        bbopt.import_optuna(tmp_path / "missing.db", storage)


def test_journal_with_a_torn_last_line(tmp_path):
    text = FILES[1].read_text()
    path = tmp_path / "torn.log"
    path.write_text(text + '{"op_code": 4, "worker_id": "w", "stu')
    storage = bbopt.storage.InMemoryStorage()
    assert bbopt.import_optuna(path, storage) == ["one", "two"]


def test_command_line(tmp_path, capsys):
    target = tmp_path / "bb.db"
    assert main(["import-optuna", "--storage", str(target), str(FILES[1]),
                 "--study", "one"]) == 0
    assert json.loads(capsys.readouterr().out) == {"imported": ["one"]}
    assert main(["import-optuna", "--storage", str(target), str(FILES[1])]) == 1
    assert "exist in the target storage" in capsys.readouterr().err
    assert len(bbopt.load_study("one", str(target)).trials) == 14


def test_fresh_files_from_optuna_match(tmp_path):
    """Optuna's own reading of freshly written files equals the import."""
    optuna = pytest.importorskip("optuna")
    subprocess.run([sys.executable, str(DATA / "make_optuna_files.py")], cwd=tmp_path,
                   check=True, capture_output=True, timeout=300)
    for source in (tmp_path / "optuna_rdb.db", tmp_path / "optuna_journal.log"):
        storage = bbopt.storage.InMemoryStorage()
        bbopt.import_optuna(source, storage)
        if source.suffix == ".db":
            theirs = optuna.storages.RDBStorage(f"sqlite:///{source}")
        else:
            theirs = optuna.storages.JournalStorage(
                optuna.storages.journal.JournalFileBackend(str(source)))
        for name in ("one", "two"):
            ours = bbopt.load_study(name, storage).trials
            reference = optuna.load_study(study_name=name, storage=theirs).trials
            assert len(ours) == len(reference)
            for a, b in zip(ours, reference, strict=True):
                assert (a.number, a.state.name, a.values, a.params, a.intermediate_values,
                        a.user_attrs) == (b.number, b.state.name, b.values, b.params,
                                          b.intermediate_values, b.user_attrs)
