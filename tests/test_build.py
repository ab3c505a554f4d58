"""Tests of the build: compile flags, compiled modules, unbuilt-checkout error."""

import importlib
import importlib.util
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bbopt
import bbopt._kernels
from bbopt._kernels import _reference

PACKAGE_DIR = Path(bbopt.__file__).resolve().parent
SETUP_PY = PACKAGE_DIR.parent / "setup.py"


@pytest.fixture
def setup_module():
    if not SETUP_PY.exists():
        pytest.skip("bbopt is not imported from a source checkout")
    spec = importlib.util.spec_from_file_location("_bbopt_setup", SETUP_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() runs only as __main__
    return module


@pytest.mark.skipif(sys.platform == "win32", reason="GCC/Clang flags")
def test_default_build_is_portable(setup_module, monkeypatch) -> None:
    monkeypatch.delenv("BBOPT_NATIVE", raising=False)
    args = setup_module._compile_args()
    assert "-O3" in args
    assert not any(arg.startswith(("-march", "-mtune", "-mcpu")) for arg in args)


@pytest.mark.skipif(sys.platform == "win32", reason="GCC/Clang flags")
def test_native_build_on_request(setup_module, monkeypatch) -> None:
    monkeypatch.setenv("BBOPT_NATIVE", "1")
    assert "-march=native" in setup_module._compile_args()


def test_every_kernel_source_becomes_an_extension(setup_module) -> None:
    pyx_stems = {p.stem for p in (PACKAGE_DIR / "_kernels").glob("_*.pyx")}
    names = {ext.name for ext in setup_module._extensions()}
    assert pyx_stems
    assert names == {f"bbopt._kernels.{stem}" for stem in pyx_stems}


def test_every_compiled_module_imports() -> None:
    stems = [p.stem for p in (PACKAGE_DIR / "_kernels").glob("_*.pyx")]
    if not stems:  # an installed wheel ships no .pyx: look at the binaries
        binaries = (PACKAGE_DIR / "_kernels").glob("_*.*")
        stems = [p.name.split(".")[0] for p in binaries if p.suffix in (".so", ".pyd")]
    assert stems
    for stem in stems:
        importlib.import_module(f"bbopt._kernels.{stem}")


@pytest.mark.parametrize(
    "name", [name for name in bbopt._kernels.__all__ if callable(getattr(bbopt._kernels, name))])
def test_every_kernel_has_a_twin_with_its_signature(name: str) -> None:
    kernel = getattr(bbopt._kernels, name)
    twin = getattr(_reference, f"{name}_ref")
    assert list(inspect.signature(kernel).parameters) == list(inspect.signature(twin).parameters)


@pytest.mark.parametrize(
    "name", [name for name in bbopt._kernels.__all__ if not callable(getattr(bbopt._kernels, name))])
def test_every_kernel_constant_has_the_twins_value(name: str) -> None:
    assert getattr(bbopt._kernels, name) == getattr(_reference, name)


def test_unbuilt_checkout_explains_how_to_build(tmp_path: Path) -> None:
    # A copy of the package without its compiled modules, as in a fresh clone.
    shutil.copytree(
        PACKAGE_DIR,
        tmp_path / "bbopt",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", "_*.c"),
    )
    result = subprocess.run(
        [sys.executable, "-c", "import bbopt._kernels"],
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "pip install -e ." in result.stderr
    assert "python setup.py build_ext --inplace" in result.stderr
    assert str(tmp_path.resolve() / "bbopt" / "_kernels") in result.stderr
