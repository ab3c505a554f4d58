"""The ask/tell command line (bbopt/_cli.py): results, errors, and the shell example.

Most tests call ``_cli.main`` in this process (fast); a few run real processes,
including the ask/tell loop of docs/cli.md through bash.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bbopt
from bbopt import _cli

ROOT = Path(bbopt.__file__).resolve().parent.parent
SPACE = {
    "x": {"type": "float", "low": -1, "high": 1, "log": False, "step": None},
    "lr": {"type": "float", "low": 1e-4, "high": 1, "log": True},
    "n": {"type": "int", "low": 0, "high": 10, "step": 2},
    "c": {"type": "categorical", "choices": ["a", None, 2.5, True]},
}


def run(capsys, *argv):
    """Run ``bbopt argv``; return (exit code, stdout, stderr)."""
    try:
        code = _cli.main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out


def dump(path):
    """The logical content of the storage file."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def study_db(tmp_path, capsys):
    path = str(tmp_path / "study.db")
    out = ok(capsys, "create-study", "--storage", f"sqlite:///{path}", "--study", "s")
    assert json.loads(out) == {"study": "s", "directions": ["minimize"]}
    return path


def test_ask_tell_loop_and_reports(study_db, capsys):
    storage = ["--storage", study_db, "--study", "s"]
    numbers = []
    for i in range(6):
        out = ok(capsys, "ask", *storage, "--search-space", json.dumps(SPACE),
                 "--sampler", "random")
        asked = json.loads(out)
        assert set(asked) == {"number", "params"} and set(asked["params"]) == set(SPACE)
        numbers.append(asked["number"])
        told = json.loads(ok(capsys, "tell", *storage, "--trial-number", asked["number"],
                             "--values", float(i)))
        assert told["state"] == "COMPLETE" and told["values"] == [float(i)]
        assert told["params"] == asked["params"]
    assert numbers == list(range(6))
    best = json.loads(ok(capsys, "best", *storage))
    assert best["number"] == 0 and best["values"] == [0.0]
    rows = list(csv.DictReader(io.StringIO(ok(capsys, "trials", *storage))))
    assert [int(r["number"]) for r in rows] == numbers
    assert all(r["state"] == "COMPLETE" for r in rows)
    assert {"params_x", "params_lr", "params_n", "params_c", "value"} <= set(rows[0])
    records = json.loads(ok(capsys, "trials", *storage, "--format", "json"))
    assert [r["value"] for r in records] == [float(i) for i in range(6)]
    studies = json.loads(ok(capsys, "studies", "--storage", study_db))
    assert studies == [{"study": "s", "directions": ["minimize"], "n_trials": 6,
                        "n_complete": 6}]
    # The same study, read through the Python API.
    study = bbopt.load_study(study_name="s", storage=study_db)
    assert study.best_trial.params == best["params"]
    assert json.loads(ok(capsys, "delete-study", *storage)) == {"deleted": "s"}
    assert json.loads(ok(capsys, "studies", "--storage", study_db)) == []


def test_search_space_from_a_file(study_db, tmp_path, capsys):
    space_file = tmp_path / "space.json"
    space_file.write_text(json.dumps({"k": {"type": "int", "low": 1, "high": 64, "log": True}}))
    asked = json.loads(ok(capsys, "ask", "--storage", study_db, "--study", "s",
                          "--search-space", f"@{space_file}"))
    assert 1 <= asked["params"]["k"] <= 64


def test_fail_pruned_and_non_finite_values(study_db, capsys):
    storage = ["--storage", study_db, "--study", "s"]
    space = ["--search-space", json.dumps({"x": SPACE["x"]})]
    for _ in range(3):
        ok(capsys, "ask", *storage, *space)
    assert json.loads(ok(capsys, "tell", *storage, "--trial-number", 0, "--state", "fail")
                      )["state"] == "FAIL"
    assert json.loads(ok(capsys, "tell", *storage, "--trial-number", 1, "--state", "pruned")
                      )["state"] == "PRUNED"
    code, out, err = run(capsys, "tell", *storage, "--trial-number", 2, "--values", "nan")
    assert code == 0 and json.loads(out)["state"] == "FAIL"
    assert err.count("\n") == 1 and err.startswith("bbopt: warning:") and "non-finite" in err
    # A second tell may be skipped on request.
    out = ok(capsys, "tell", *storage, "--trial-number", 2, "--values", 1, "--skip-if-finished")
    assert json.loads(out)["state"] == "FAIL"


def test_several_objectives(tmp_path, capsys):
    path = str(tmp_path / "mo.db")
    storage = ["--storage", path, "--study", "mo"]
    ok(capsys, "create-study", *storage, "--directions", "minimize", "maximize")
    for values in ([1, 1], [2, 3], [3, 2]):
        number = json.loads(ok(capsys, "ask", *storage, "--search-space",
                               json.dumps({"x": SPACE["x"]})))["number"]
        ok(capsys, "tell", *storage, "--trial-number", number, "--values", *values)
    front = json.loads(ok(capsys, "best", *storage))
    assert sorted(t["number"] for t in front) == [0, 1]
    code, _, err = run(capsys, "tell", *storage, "--trial-number", 2, "--values", 1)
    assert code == 1 and "2" in err


def test_create_study_twice(study_db, capsys):
    code, out, err = run(capsys, "create-study", "--storage", study_db, "--study", "s")
    assert code == 1 and out == "" and "already exists" in err
    ok(capsys, "create-study", "--storage", study_db, "--study", "s", "--skip-if-exists")
    code, _, err = run(capsys, "create-study", "--storage", study_db, "--study", "s",
                       "--skip-if-exists", "--direction", "maximize")
    assert code == 1 and "directions" in err


def test_seeded_asks_are_reproducible_not_repeated(tmp_path, capsys):
    runs = []
    for name in ("a.db", "b.db"):
        path = str(tmp_path / name)
        ok(capsys, "create-study", "--storage", path, "--study", "s")
        xs = []
        for _ in range(3):
            asked = json.loads(ok(capsys, "ask", "--storage", path, "--study", "s",
                                  "--search-space", json.dumps({"x": SPACE["x"]}),
                                  "--sampler", "random", "--seed", 7))
            xs.append(asked["params"]["x"])
        runs.append(xs)
    assert runs[0] == runs[1] and len(set(runs[0])) == 3


def test_fail_stale_trials(study_db, capsys):
    storage = ["--storage", study_db, "--study", "s"]
    ok(capsys, "ask", *storage, "--search-space", json.dumps({"x": SPACE["x"]}))
    assert json.loads(ok(capsys, "fail-stale-trials", *storage, "--grace-period", 3600)
                      ) == {"failed": []}
    assert json.loads(ok(capsys, "fail-stale-trials", *storage, "--grace-period", 0)
                      ) == {"failed": [0]}


# -- errors: non-zero exit, one line on stderr, the file unchanged -------------------------

ERRORS = [
    (["ask", "--search-space", '{"x": '], 1, "not valid JSON"),
    (["ask", "--search-space", "[1, 2]"], 1, "non-empty JSON object"),
    (["ask", "--search-space", '{"x": {"type": "float", "low": 2, "high": 1}}'], 1, "'x'"),
    (["ask", "--search-space", '{"x": {"type": "nope"}}'], 1, "'type'"),
    (["ask", "--search-space", "@/no/such/space.json"], 1, "Cannot read"),
    (["ask", "--study", "nope", "--search-space", '{"x": {"type": "int", "low": 0, "high": 1}}'],
     1, "No study named 'nope'"),
    (["tell", "--trial-number", "99", "--values", "1"], 1, "existing trial number"),
    (["tell", "--trial-number", "-1", "--values", "1"], 1, "existing trial number"),
    (["tell", "--trial-number", "0", "--values", "1"], 1, "already finished"),
    (["tell", "--trial-number", "1", "--values", "1", "2"], 1, "1"),
    (["tell", "--trial-number", "1", "--values", "abc"], 2, "not a number"),
    (["tell", "--trial-number", "1"], 2, "--values"),
    (["tell", "--trial-number", "1", "--values", "1", "--state", "fail"], 2, "not allowed"),
    (["tell", "--study", "nope", "--trial-number", "1", "--values", "1"], 1, "No study named"),
    (["best", "--study", "empty"], 1, "no complete trial"),
    (["delete-study", "--study", "nope"], 1, "No study named 'nope'"),
    (["fail-stale-trials", "--grace-period", "-3"], 2, "grace-period"),
    (["frobnicate"], 2, "invalid choice"),
]


@pytest.mark.parametrize(("argv", "code", "match"), ERRORS)
def test_errors_are_one_line_and_change_nothing(tmp_path, capsys, argv, code, match):
    path = str(tmp_path / "e.db")
    ok(capsys, "create-study", "--storage", path, "--study", "s")
    ok(capsys, "create-study", "--storage", path, "--study", "empty")
    base = ["--storage", path, "--study", "s"]
    space = ["--search-space", json.dumps({"x": SPACE["x"]})]
    ok(capsys, "ask", *base, *space)
    ok(capsys, "ask", *base, *space)
    ok(capsys, "tell", *base, "--trial-number", 0, "--values", 1)
    before = dump(path)
    full = list(argv)
    if argv[0] != "frobnicate":
        full[1:1] = ["--storage", path] + ([] if "--study" in argv else ["--study", "s"])
    got, out, err = run(capsys, *full)
    assert got == code
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("bbopt") and "error" in err and match in err
    assert dump(path) == before


def test_missing_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "absent.db"
    for argv in (["ask", "--study", "s", "--search-space", json.dumps(SPACE)],
                 ["studies"], ["trials", "--study", "s"]):
        code, out, err = run(capsys, argv[0], "--storage", str(path), *argv[1:])
        assert code == 1 and out == "" and "No storage file" in err
    assert not path.exists()


def test_not_a_database(tmp_path, capsys):
    path = tmp_path / "text.db"
    path.write_text("hello\n" * 100)
    code, _, err = run(capsys, "studies", "--storage", str(path))
    assert code == 1 and "not an SQLite database" in err and err.count("\n") == 1
    assert path.read_text() == "hello\n" * 100


# -- property: whatever ask prints, tell accepts ------------------------------------------

_choices = st.lists(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=4),
              st.floats(allow_nan=False, allow_infinity=False)),
    min_size=1, max_size=4, unique_by=lambda c: (type(c).__name__, c),
)


@st.composite
def _distribution(draw):
    kind = draw(st.sampled_from(["float", "float_log", "float_step", "int", "int_log",
                                 "categorical"]))
    if kind == "float":
        low = draw(st.floats(-1e6, 1e6))
        return {"type": "float", "low": low, "high": low + draw(st.floats(0, 1e6))}
    if kind == "float_log":
        low = draw(st.floats(1e-8, 1e3))
        return {"type": "float", "low": low, "high": low * draw(st.floats(1, 1e6)),
                "log": True}
    if kind == "float_step":
        step = draw(st.sampled_from([0.5, 0.25, 1.0, 2.0]))
        low = draw(st.integers(-100, 100)) * step
        return {"type": "float", "low": low, "high": low + step * draw(st.integers(0, 50)),
                "step": step}
    if kind == "int":
        step = draw(st.integers(1, 5))
        low = draw(st.integers(-10**6, 10**6))
        return {"type": "int", "low": low, "high": low + step * draw(st.integers(0, 100)),
                "step": step}
    if kind == "int_log":
        low = draw(st.integers(1, 1000))
        return {"type": "int", "low": low, "high": low + draw(st.integers(0, 10**6)),
                "log": True}
    return {"type": "categorical", "choices": draw(_choices)}


_spaces = st.dictionaries(st.text(min_size=1, max_size=6), _distribution(), min_size=1,
                          max_size=5)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("prop") / "prop.db")
    assert _cli.main(["create-study", "--storage", path, "--study", "bootstrap"]) == 0
    return path


@settings(max_examples=25, deadline=None)
@given(space=_spaces, value=st.floats(allow_nan=False, allow_infinity=False),
       sampler=st.sampled_from(["random", "tpe", "qmc"]))
def test_whatever_ask_prints_tell_accepts(shared_db, space, value, sampler):
    name = uuid.uuid4().hex
    out = io.StringIO()
    stdout = sys.stdout
    sys.stdout = out
    try:
        assert _cli.main(["create-study", "--storage", shared_db, "--study", name]) == 0
        assert _cli.main(["ask", "--storage", shared_db, "--study", name, "--search-space",
                          json.dumps(space), "--sampler", sampler]) == 0
        asked = json.loads(out.getvalue().splitlines()[-1])
        for key, description in space.items():
            assert bbopt.distribution_from_dict(description).contains(asked["params"][key])
        assert _cli.main(["tell", "--storage", shared_db, "--study", name, "--trial-number",
                          str(asked["number"]), "--values", repr(value)]) == 0
        told = json.loads(out.getvalue().splitlines()[-1])
    finally:
        sys.stdout = stdout
    assert told["state"] == "COMPLETE" and told["params"] == asked["params"]
    assert told["values"] == [value] and math.isfinite(told["values"][0])


# -- real processes ------------------------------------------------------------------------


def _env_with_bbopt_script(tmp_path):
    """PATH with a ``bbopt`` executable that runs this checkout (as the console script would)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "bbopt"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bbopt "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    return env


def test_docs_shell_example_runs(tmp_path):
    """The ask/tell loop of docs/cli.md, run by bash, fills a study."""
    text = (ROOT / "docs" / "cli.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    example = [b for b in blocks if "bbopt ask" in b and "bbopt tell" in b]
    assert len(example) == 1, "docs/cli.md must hold one bash ask/tell loop"
    env = _env_with_bbopt_script(tmp_path)
    # The example reads its budget from N_TRIALS; each command starts Python and
    # imports bbopt, so keep it short.
    env["N_TRIALS"] = "1"
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", example[0]], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    dbs = list(tmp_path.glob("*.db"))
    assert len(dbs) == 1
    study = bbopt.load_study(study_name=bbopt.storage.SQLiteStorage(dbs[0])
                             .get_all_study_names()[0], storage=str(dbs[0]))
    assert len(study.get_trials(states=[bbopt.TrialState.COMPLETE])) == 1
    best = json.loads(result.stdout.split("best:", 1)[1])
    assert best["values"] == [study.best_value] and best["number"] == study.best_trial.number


def test_process_exit_codes(tmp_path, capsys):
    env = _env_with_bbopt_script(tmp_path)
    path = str(tmp_path / "p.db")
    ok(capsys, "create-study", "--storage", path, "--study", "s")
    bad = subprocess.run(["bbopt", "tell", "--storage", path, "--study", "s",
                          "--trial-number", "0", "--values", "1"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


@settings(max_examples=40, deadline=None)
@given(text=st.one_of(
    st.text(max_size=30),
    st.dictionaries(st.text(max_size=3), st.one_of(
        st.none(), st.integers(), st.text(max_size=5),
        st.dictionaries(st.sampled_from(["type", "low", "high", "log", "step", "choices"]),
                        st.one_of(st.sampled_from(["float", "int", "categorical"]),
                                  st.integers(-3, 3), st.booleans(), st.none(),
                                  st.lists(st.integers(0, 2), max_size=3)))),
        max_size=3).map(json.dumps),
))
def test_any_search_space_text_either_asks_or_fails_cleanly(shared_db, text):
    before = dump(shared_db)
    out, err = io.StringIO(), io.StringIO()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = _cli.main(["ask", "--storage", shared_db, "--study", "bootstrap",
                          "--search-space", text, "--sampler", "random"])
    except SystemExit as exit_:  # argparse: a value that looks like an option
        code = exit_.code
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    if code == 0:
        asked = json.loads(out.getvalue())
        space = json.loads(text)
        assert set(asked["params"]) == set(space)
        assert _cli.main(["tell", "--storage", shared_db, "--study", "bootstrap",
                          "--trial-number", str(asked["number"]), "--state", "fail"]) == 0
    else:
        assert code in (1, 2) and out.getvalue() == ""
        assert err.getvalue().count("\n") == 1 and "error" in err.getvalue()
        assert dump(shared_db) == before
