"""`import bbopt` stays light: every name loads on first use, heavy modules only when needed.

Wall times are measured by ``benchmarks/cli_latency.py``, never here: these tests
check which modules an import or a command loads.
"""

from __future__ import annotations

import ast
import importlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import bbopt

# Modules of the heavy scipy submodules, and the GP that imports them.
HEAVY = (
    "heavy = sorted(m for m in sys.modules if m.split('.')[:2] in (['scipy', 'optimize'], "
    "['scipy', 'linalg'], ['scipy', 'special'], ['scipy', 'stats']) "
    "or m in ('bbopt.samplers._gp', 'bbopt.surrogates._gp', 'bbopt._kernels._gp'))\n"
)
LAZY_PACKAGES = ["bbopt", "bbopt.samplers", "bbopt.storage", "bbopt.pruners",
                 "bbopt.integration"]


def _loaded(code: str) -> list[str]:
    """The bbopt, numpy, scipy and sqlite3 modules loaded by ``code`` in a new process."""
    code += ("\nimport sys\nprint(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('bbopt', 'numpy', 'scipy', 'sqlite3')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return list(ast.literal_eval(out.stdout.strip().splitlines()[-1]))


def test_import_bbopt_loads_neither_numpy_nor_any_sampler_or_storage() -> None:
    assert _loaded("import bbopt") == ["bbopt", "bbopt._lazy", "bbopt._version"]


def test_default_study_loads_only_its_own_sampler_and_storage() -> None:
    loaded = _loaded("import bbopt\nstudy = bbopt.create_study()\n"
                     "study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=3)")
    assert "bbopt.samplers._auto" in loaded and "bbopt.storage._in_memory" in loaded
    others = {"sqlite3", "bbopt.storage._sqlite", "bbopt.storage._journal",
              "bbopt.storage._postgres", "bbopt.samplers._nsga", "bbopt.samplers._qmc",
              "bbopt.samplers._grid", "bbopt.samplers._gp", "bbopt.samplers._cmaes",
              "bbopt.samplers._trust_region", "bbopt._minimize", "bbopt.callbacks",
              "bbopt.importance", "bbopt.visualization"}
    assert others.isdisjoint(loaded)


@pytest.mark.parametrize("statement", ["pass", "bbopt.create_study()"])
def test_import_and_default_study_load_no_heavy_scipy_module(statement: str) -> None:
    # The default sampler (AutoSampler) builds its GP and local models on first use.
    code = f"import sys, bbopt\n{statement}\n{HEAVY}print(heavy)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_command_line_ask_and_tell_load_no_heavy_module(tmp_path: Path) -> None:
    # `bbopt ask` (TPE on SQLite) and `bbopt tell` import neither scipy's heavy modules nor
    # the samplers, storages, plots and test functions that they do not use.
    space = json.dumps({"x": {"type": "float", "low": 0, "high": 1}})
    where = ["--storage", str(tmp_path / "s.db"), "--study", "s"]
    calls = [["create-study", *where], ["ask", *where, "--search-space", space],
             ["tell", *where, "--trial-number", "0", "--values", "0.5"]]
    for argv in calls:
        code = (f"import sys\nfrom bbopt._cli import main\nassert main({argv!r}) == 0\n{HEAVY}"
                "others = sorted(m for m in sys.modules if m.startswith(('bbopt.samplers._nsga', "
                "'bbopt.samplers._qmc', 'bbopt.samplers._auto', 'bbopt.samplers._cmaes', "
                "'bbopt.storage._journal', 'bbopt.storage._postgres', 'bbopt.visualization', "
                "'bbopt.testfunctions', 'bbopt.benchmark', 'bbopt.importance')))\n"
                "print(heavy + others)\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=tmp_path)
        assert out.stdout.strip().splitlines()[-1] == "[]", argv


def _type_checking_names(package: str) -> set[str]:
    """The names that the ``if TYPE_CHECKING:`` block of ``package``'s __init__ imports."""
    module = importlib.import_module(package)
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    blocks = [node for node in tree.body if isinstance(node, ast.If)
              and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"]
    assert len(blocks) == 1
    return {alias.asname or alias.name for node in ast.walk(blocks[0])
            if isinstance(node, ast.ImportFrom) for alias in node.names}


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_names_match_the_type_checkers_and_resolve(package: str) -> None:
    module = importlib.import_module(package)
    lazy = module._LAZY
    # What mypy sees (the TYPE_CHECKING imports) is what loads at run time, and is public.
    assert _type_checking_names(package) == set(lazy) == set(module.__all__)
    assert set(module.__all__) <= set(dir(module))
    for name, where in lazy.items():
        value = getattr(module, name)
        if where is None:
            assert value is importlib.import_module(f"{package}.{name}")
        else:
            assert value is getattr(importlib.import_module(where), name)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        getattr(module, "no_such_name")


def test_lazy_names_resolve() -> None:
    from bbopt import surrogates
    from bbopt._kernels import gp_posterior
    from bbopt.samplers import GPSampler

    assert bbopt.samplers.GPSampler is GPSampler and callable(gp_posterior)
    assert surrogates.GaussianProcess.__name__ == "GaussianProcess"
    assert bbopt.importance.get_param_importances.__name__ == "get_param_importances"


def test_pickles_load_in_a_process_that_imported_nothing(tmp_path: Path) -> None:
    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0),
                               pruner=bbopt.pruners.MedianPruner())
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    data = pickle.dumps([study.trials[0], study.sampler, study.pruner,
                         bbopt.FloatDistribution(0, 1),
                         bbopt.storage.SQLiteStorage(tmp_path / "s.db")])
    code = ("import pickle, sys\nloaded = pickle.loads(sys.stdin.buffer.read())\n"
            "print(' '.join(type(x).__name__ for x in loaded))")
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True,
                         check=True)
    assert out.stdout.decode().split() == ["FrozenTrial", "RandomSampler", "MedianPruner",
                                           "FloatDistribution", "SQLiteStorage"]


def test_command_line_tell_and_create_study_do_not_import_numpy(tmp_path: Path) -> None:
    # A call that writes a value reads no observations: numpy (60-150 ms to import) stays out.
    space = json.dumps({"x": {"type": "float", "low": 0, "high": 1}})
    where = ["--storage", str(tmp_path / "s.db"), "--study", "s"]
    for argv, numpy in [(["create-study", *where], False),
                        (["ask", *where, "--search-space", space], True),
                        (["tell", *where, "--trial-number", "0", "--values", "0.5"], False),
                        (["tell", *where, "--trial-number", "0", "--values", "0.5",
                          "--skip-if-finished"], False)]:
        code = (f"import sys\nfrom bbopt._cli import main\nassert main({argv!r}) == 0\n"
                "print('numpy' in sys.modules)\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=tmp_path)
        assert out.stdout.strip().splitlines()[-1] == str(numpy), argv


def test_command_line_ask_of_a_model_based_trial_loads_no_heavy_module(tmp_path: Path) -> None:
    # Past its 10 random startup trials TPE draws from its Parzen estimators: still no
    # scipy.special (its import costs about three times numpy's).
    space = json.dumps({"x": {"type": "float", "low": 0, "high": 1},
                        "n": {"type": "int", "low": 1, "high": 4},
                        "c": {"type": "categorical", "choices": ["a", "b"]}})
    where = ["--storage", str(tmp_path / "s.db"), "--study", "s"]
    code = (f"import sys\nfrom bbopt._cli import main\nassert main(['create-study', *{where!r}]) == 0\n"
            f"for i in range(13):\n"
            f"    assert main(['ask', *{where!r}, '--search-space', {space!r}]) == 0\n"
            f"    assert main(['tell', *{where!r}, '--trial-number', str(i), '--values', str(i % 5)]) == 0\n"
            f"{HEAVY}print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    assert out.stdout.strip().splitlines()[-1] == "[]"
