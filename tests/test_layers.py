"""The layers of DESIGN.md: every import inside bbopt/ points down, never up.

kernels <- surrogates <- samplers/pruners/storage <- public API (``bbopt/_*.py``)
<- visualization/cli. The data model (distributions, trial records, argument
checks) sits between the kernels and the surrogates: samplers and storage need
it, kernels must not know it. ``bbopt.testfunctions`` is an add-on that may use
the distributions only (and the argument checks they are built on).

Imports inside ``if TYPE_CHECKING:`` are annotations only and are allowed.
Imports inside functions count: they are dependencies all the same.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bbopt

PACKAGE_DIR = Path(bbopt.__file__).resolve().parent

# Module prefix -> rank; a module may import modules of its own rank or lower.
# The longest matching prefix (on dotted-name boundaries) gives a module's rank.
LAYERS = {
    "bbopt._kernels": 0,
    # The lazy-name helper of the package and subpackage __init__ files: imports no bbopt module.
    "bbopt._lazy": 0,
    "bbopt._validation": 1,
    "bbopt._distributions": 1,
    "bbopt._frozen": 1,
    "bbopt._lattice": 1,
    "bbopt._encoding": 1,
    "bbopt._exceptions": 1,
    # The mixin that pickles objects holding thread locks (samplers, storages, pruners).
    "bbopt._picklable": 1,
    "bbopt.surrogates": 2,
    "bbopt.samplers": 3,
    "bbopt.pruners": 3,
    "bbopt.storage": 3,
    # Every other top-level private module bbopt._<name> is public API: rank 4.
    "bbopt.visualization": 5,
    "bbopt.importance": 5,
    "bbopt.callbacks": 5,
    # Integrations with ML libraries, over the public API.
    "bbopt.integration": 5,
    "bbopt._cli": 5,
    "bbopt.__main__": 5,
    "bbopt.testfunctions": 5,
    # Optuna-shaped modules: re-exports of the public API.
    "bbopt.trial": 5,
    "bbopt.study": 5,
    "bbopt.distributions": 5,
    "bbopt.exceptions": 5,
    "bbopt.logging": 5,
    "bbopt.storages": 5,
    # Add-on over the public API: runs samplers through studies, reads test functions.
    "bbopt.benchmark": 5,
    "bbopt": 6,  # the package root only re-exports
}
PUBLIC_API_RANK = 4

# Layers that may import only these prefixes, whatever their rank says.
ONLY = {
    "bbopt._kernels": ("bbopt._kernels",),
    "bbopt._lazy": ("bbopt._lazy",),
    "bbopt.testfunctions": ("bbopt.testfunctions", "bbopt._distributions", "bbopt._validation",
                            "bbopt._lattice"),
}


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _longest_prefix(module: str, prefixes) -> str | None:
    found = [p for p in prefixes if _matches(module, p)]
    return max(found, key=len) if found else None


def layer_of(module: str) -> int:
    """Return the rank of a bbopt module; KeyError if no layer is defined for it."""
    prefix = _longest_prefix(module, LAYERS)
    if prefix == "bbopt" and module != "bbopt":
        first = module.split(".")[1]
        if first.startswith("_") and not first.startswith("__"):
            return PUBLIC_API_RANK
        raise KeyError(f"no layer defined for {module!r}: add it to LAYERS")
    if prefix is None:
        raise KeyError(f"no layer defined for {module!r}: add it to LAYERS")
    return LAYERS[prefix]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Collect (line, imported module) of a module's source, outside TYPE_CHECKING blocks."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.found: list[tuple[int, str]] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((node.lineno, alias.name))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module or ""
        for alias in node.names:
            # "from bbopt import samplers" imports the module bbopt.samplers.
            candidate = f"{source}.{alias.name}"
            self.found.append((node.lineno, candidate if candidate in self.known else source))


def upward_imports(module: str, source: str, is_package: bool = False,
                   known: set[str] | None = None) -> list[str]:
    """Return a message for each import in ``source`` (of ``module``) that breaks the layers."""
    visitor = _Imports(module, is_package, KNOWN_MODULES if known is None else known)
    visitor.visit(ast.parse(source))
    return _check(module, visitor.found)


_PYX_IMPORT = re.compile(r"^[ \t]*(?:from\s+([\w.]+)\s+c?import\b|c?import\s+([\w.]+))", re.M)


def upward_imports_cython(module: str, source: str) -> list[str]:
    """As `upward_imports`, for .pyx/.pxd sources (absolute imports only)."""
    found = []
    for match in _PYX_IMPORT.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        found.append((line, match[1] or match[2]))
    return _check(module, found)


def _check(module: str, found: list[tuple[int, str]]) -> list[str]:
    own = layer_of(module)
    only = ONLY.get(_longest_prefix(module, ONLY) or "")
    problems = []
    for line, target in found:
        if not _matches(target, "bbopt"):
            continue
        try:
            rank = layer_of(target)
        except KeyError as error:
            problems.append(f"{module}:{line} imports {target}: {error}")
            continue
        if rank > own:
            problems.append(
                f"{module}:{line} imports {target} (layer {rank}) from layer {own}: upward"
            )
        elif only is not None and not any(_matches(target, p) for p in only):
            problems.append(f"{module}:{line} imports {target}: only {only} allowed")
    return problems


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = sorted(
    p for pattern in ("*.py", "*.pyx", "*.pxd") for p in PACKAGE_DIR.rglob(pattern)
    if "__pycache__" not in p.parts
)
KNOWN_MODULES = {_module_name(p) for p in SOURCES} | {
    _module_name(p) for p in PACKAGE_DIR.rglob("*.so")  # built extension modules
}
KNOWN_MODULES = {m.split(".cpython")[0] for m in KNOWN_MODULES}


def test_the_walk_sees_the_package():
    names = {_module_name(p) for p in SOURCES}
    assert {"bbopt", "bbopt._study", "bbopt._kernels", "bbopt.samplers._random",
            "bbopt.storage._in_memory", "bbopt._cli", "bbopt.testfunctions"} <= names
    assert any(p.suffix == ".pyx" for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_no_upward_import(path):
    module = _module_name(path)
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        problems = upward_imports(module, source, is_package=path.name == "__init__.py")
    else:
        problems = upward_imports_cython(module, source)
    assert problems == []


# -- the checker itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bbopt._kernels._x", "from bbopt._study import Study"),
        ("bbopt._kernels._x", "import bbopt._study"),
        ("bbopt._kernels._x", "from .._study import Study"),
        ("bbopt._kernels._x", "from bbopt import _study"),
        ("bbopt._kernels._x", "from bbopt._distributions import FloatDistribution"),
        ("bbopt._kernels._x", "from bbopt._validation import ensure_int"),
        ("bbopt._distributions", "from bbopt.samplers import RandomSampler"),
        ("bbopt.surrogates._parzen", "from bbopt.samplers._base import BaseSampler"),
        ("bbopt.samplers._tpe", "from bbopt._study import Study"),
        ("bbopt.samplers._tpe", "from bbopt import create_study"),
        ("bbopt.samplers._tpe", "import bbopt"),
        ("bbopt.storage._sqlite", "from ..pruners import NopPruner\nfrom .._trial import Trial"),
        ("bbopt.pruners._median", "from bbopt.visualization import plot"),
        ("bbopt._study", "from bbopt._cli import main"),
        ("bbopt._study", "def f():\n    from bbopt.visualization import plot\n"),
        ("bbopt._study", "from bbopt.testfunctions import Sphere"),
        ("bbopt.testfunctions._x", "from bbopt._study import create_study"),
        ("bbopt.testfunctions._x", "from bbopt._frozen import TrialState"),
        ("bbopt.testfunctions._x", "from bbopt.samplers import RandomSampler"),
        ("bbopt._study", "from bbopt.unknown_package import thing"),
        ("bbopt.samplers._x",
         "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\n"
         "else:\n    from bbopt._study import Study\n"),
    ],
)
def test_checker_finds_upward_imports(module, source):
    assert upward_imports(module, source) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bbopt._kernels._x", "import numpy as np\nfrom bbopt._kernels._reference import f"),
        ("bbopt._kernels._x", "from . import _reference"),
        ("bbopt.surrogates._parzen", "from bbopt._kernels import parzen_log_pdf"),
        ("bbopt.surrogates._parzen", "from bbopt._distributions import FloatDistribution"),
        ("bbopt.samplers._tpe", "from bbopt.surrogates import ParzenEstimator"),
        ("bbopt.samplers._tpe", "from bbopt.storage import Observations"),
        ("bbopt.samplers._tpe",
         "from typing import TYPE_CHECKING\n"
         "if TYPE_CHECKING:\n    from bbopt._study import Study"),
        ("bbopt.samplers._tpe",
         "import typing\nif typing.TYPE_CHECKING:\n    from bbopt._trial import Trial"),
        ("bbopt._study", "from bbopt.samplers import RandomSampler\nfrom ._trial import Trial"),
        ("bbopt._cli", "from bbopt import testfunctions\nfrom bbopt._study import create_study"),
        ("bbopt.visualization._history", "from bbopt._study import Study"),
        ("bbopt.testfunctions._x", "from bbopt._distributions import FloatDistribution"),
        ("bbopt.testfunctions._x", "from ._base import TestFunction"),
        ("bbopt", "from bbopt import samplers\nfrom bbopt._cli import main"),
    ],
)
def test_checker_accepts_downward_imports(module, source):
    assert upward_imports(module, source) == []


def test_checker_resolves_package_relative_imports():
    # In a package's __init__, "." is the package itself.
    assert upward_imports("bbopt.samplers", "from ._base import BaseSampler",
                          is_package=True) == []
    assert upward_imports("bbopt._kernels", "from .._study import Study", is_package=True) != []


def test_checker_on_cython_sources():
    assert upward_imports_cython(
        "bbopt._kernels._x", "from bbopt._kernels._common cimport check\nimport numpy as np\n"
    ) == []
    problems = upward_imports_cython(
        "bbopt._kernels._x", "cimport cython\n\nfrom bbopt._study cimport Study\n"
    )
    assert len(problems) == 1 and ":3 " in problems[0]


def test_every_layer_is_named():
    assert layer_of("bbopt._kernels._parzen") < layer_of("bbopt.surrogates._gp")
    assert layer_of("bbopt.surrogates") < layer_of("bbopt.samplers._tpe")
    assert layer_of("bbopt.storage") < layer_of("bbopt._study") == layer_of("bbopt._minimize")
    assert layer_of("bbopt._study") < layer_of("bbopt._cli") == layer_of("bbopt.visualization")
    with pytest.raises(KeyError, match="no layer"):
        layer_of("bbopt.newpackage")
