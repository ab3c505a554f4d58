"""Sphinx configuration of the bbopt documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` from the
repository root (after ``pip install -e ".[docs]"``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Document the checkout these docs belong to (built in place), not another install.
sys.path.insert(0, str(HERE.parent))

import bbopt  # noqa: E402

project = "bbopt"
author = "bbopt developers"
copyright = "bbopt developers, BSD-3-Clause"
version = release = bbopt.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# `name` in docstrings links to the object where it can be resolved.
default_role = "py:obj"

autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc sections already give the types
autosummary_generate = False  # no generated files in the source tree
numpydoc_show_class_members = False  # autodoc lists the members
numpydoc_class_members_toctree = False

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# Offline builds (CI has no network): no inventories are fetched.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

html_theme = "alabaster"
html_title = f"bbopt {release}"

# docs/benchmarks.md (the measured tables) is written apart from this guide;
# until it exists, links to it are left as plain text instead of warnings.
if not (HERE / "benchmarks.md").exists():
    suppress_warnings = ["myst.xref_missing"]



def _public_summary_directive() -> type:
    """``.. public-summary:: module``: an autosummary table of ``module.__all__``.

    The table lists the public names from the code itself, so a new name shows
    up without editing the page.
    """
    import importlib
    import inspect
    import types

    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class PublicSummary(SphinxDirective):
        required_arguments = 1

        def run(self) -> list[nodes.Node]:
            module_name = self.arguments[0]
            module = importlib.import_module(module_name)
            lines = [".. autosummary::", ""]
            for name in module.__all__:
                obj = getattr(module, name)
                if not isinstance(obj, types.ModuleType) and (
                    inspect.isclass(obj) or callable(obj)
                ):
                    lines.append(f"   ~{module_name}.{name}")
            holder = nodes.container()
            self.state.nested_parse(StringList(lines, source=module_name), self.content_offset,
                                    holder)
            return list(holder.children)

    return PublicSummary


def _skip_metadata_requests(app: object, what: str, name: str, obj: object, skip: bool,
                            options: object) -> bool | None:
    """Leave out the ``set_*_request`` methods scikit-learn adds to its estimators' subclasses."""
    if re.fullmatch(r"set_\w+_request", name.rsplit(".", 1)[-1]):
        return True
    return None


def setup(app: object) -> None:
    app.add_directive("public-summary", _public_summary_directive())  # type: ignore[attr-defined]
    app.connect("autodoc-skip-member", _skip_metadata_requests)  # type: ignore[attr-defined]
