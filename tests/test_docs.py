"""The documentation builds without warnings, and its Python examples run.

Code blocks fenced as ```` ```python ```` in the guide pages are executed
(each page's blocks in order, in one namespace); blocks fenced as
```` ```py ```` show code that needs processes, a cluster or files of the
reader's and are not run.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE_PAGES = ["tutorial", "search_spaces", "pruning", "parallel", "scaling", "plots", "embedding",
               "benchmarking", "importance", "multi_objective", "warm_start", "resuming"]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_sphinx_build_has_no_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="building the docs needs the 'docs' extra")
    pytest.importorskip("numpydoc", reason="building the docs needs the 'docs' extra")
    pytest.importorskip("myst_parser", reason="building the docs needs the 'docs' extra")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    html = tmp_path / "html"
    for page in ["index", "installation", "optuna", "cli", "api/bbopt", "api/samplers"]:
        assert (html / f"{page}.html").is_file(), page
    api = (html / "api" / "bbopt.html").read_text()
    assert 'id="bbopt.Study.ask"' in api and 'id="bbopt.minimize"' in api


def python_blocks(page: str) -> list[str]:
    return _BLOCK.findall((DOCS / f"{page}.md").read_text())


@pytest.mark.parametrize("page", GUIDE_PAGES)
def test_guide_code_runs(page, capsys, monkeypatch, tmp_path):
    blocks = python_blocks(page)
    assert blocks, f"docs/{page}.md has no ```python block"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page}"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. matplotlib's backend notes
        for block in blocks:
            exec(compile(block, f"docs/{page}.md", "exec"), namespace)
    assert capsys.readouterr().out  # every page's example prints its result


def test_block_parser_takes_only_python_fences():
    text = "```python\nx = 1\n```\n\n```py\nnot run\n```\n\n```bash\nls\n```\n"
    assert _BLOCK.findall(text) == ["x = 1\n"]
