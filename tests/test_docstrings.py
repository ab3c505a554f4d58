"""Every public name has a numpydoc docstring with a runnable ``Examples`` section.

The examples themselves run as doctests (``--doctest-modules`` over ``bbopt/``);
this test makes sure there is one to run for every name in the ``__all__`` of
the public modules.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import types

import pytest

PUBLIC_MODULES = [
    "bbopt",
    "bbopt.samplers",
    "bbopt.pruners",
    "bbopt.callbacks",
    "bbopt.storage",
    "bbopt.testfunctions",
]
# Add-on subpackages.
ADD_ON_MODULES = ["bbopt.visualization", "bbopt.importance", "bbopt.benchmark"]


def public_names():
    for module_name in PUBLIC_MODULES + ADD_ON_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType):
                continue  # a subpackage: walked on its own
            if not (inspect.isclass(obj) or callable(obj)):
                continue  # a constant: documented in its module's docstring
            yield pytest.param(module_name, name, obj, id=f"{module_name}.{name}")


def examples_section(doc: str) -> str | None:
    """Return the text of the numpydoc ``Examples`` section of ``doc``, or None."""
    lines = doc.splitlines()
    for i in range(len(lines) - 1):
        if lines[i].strip() == "Examples" and set(lines[i + 1].strip()) == {"-"}:
            body = []
            for j in range(i + 2, len(lines)):
                nxt = lines[j + 1].strip() if j + 1 < len(lines) else ""
                if lines[j].strip() and nxt and set(nxt) == {"-"} and len(nxt) >= 3:
                    break  # the next section's title
                body.append(lines[j])
            return "\n".join(body)
    return None


@pytest.mark.parametrize(("module_name", "name", "obj"), list(public_names()))
def test_public_name_has_a_runnable_example(module_name, name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{module_name}.{name} has no docstring"
    section = examples_section(doc)
    assert section is not None, f"{module_name}.{name} has no 'Examples' section"
    examples = doctest.DocTestParser().get_examples(section)
    assert examples, f"the Examples section of {module_name}.{name} has no '>>>' example"


def test_examples_section_parser():
    doc = "Summary.\n\nExamples\n--------\n>>> 1 + 1\n2\n\nNotes\n-----\nText.\n"
    assert examples_section(doc).strip() == ">>> 1 + 1\n2"
    assert examples_section("Summary.\n\nParameters\n----------\nx : int\n") is None
    assert examples_section("Summary.\n\nExamples\n--------\nJust text.\n").strip() == "Just text."


def test_all_public_modules_are_walked():
    names = [p.id for p in public_names()]
    assert "bbopt.Study" in names and "bbopt.samplers.TPESampler" in names
    assert "bbopt.samplers" not in names  # subpackages are not names to document
