"""Every storage refuses the same inputs with the same message (bbopt/storage/_checks.py).

Each test runs on every storage (tests/storage/conftest.py) and compares with
the in-memory storage's error.
"""

from __future__ import annotations

import pytest

import bbopt


@pytest.fixture
def storages(make_storage):
    return [bbopt.storage.InMemoryStorage(), make_storage()]


def _errors(storages, action):
    """The (type, message) raised by ``action(study, trial)`` in each storage."""
    seen = []
    for storage in storages:
        study = bbopt.create_study(storage=storage)
        trial = study.ask()
        with pytest.raises((TypeError, ValueError)) as info:
            action(study, trial)
        seen.append((type(info.value), str(info.value)))
        assert trial.freeze().user_attrs == {}  # nothing stored
        assert trial.freeze().state == bbopt.TrialState.RUNNING
    assert seen[0] == seen[1], seen
    return seen[0]


@pytest.mark.parametrize("key", [5, None, (1, 2), b"k", "\ud800"])
def test_attribute_keys(storages, key):
    kind, message = _errors(storages, lambda s, t: t.set_user_attr(key, 1))
    assert "'key' parameter of Trial.set_user_attr" in message


@pytest.mark.parametrize("value", [b"5", {1, 2}, object(), {(1, 2): 3}, float])
def test_attribute_values(storages, value):
    kind, message = _errors(storages, lambda s, t: t.set_user_attr("k", value))
    assert kind is TypeError and "'value' parameter of Trial.set_user_attr" in message
    kind, message = _errors(storages, lambda s, t: s.set_user_attr("k", value))
    assert kind is TypeError and "'value' parameter of Study.set_user_attr" in message


@pytest.mark.parametrize("step", [2**63, -1, 10**30, 1.0, True])
def test_report_steps(storages, step):
    kind, message = _errors(storages, lambda s, t: t.report(1.0, step))
    assert kind is ValueError and "'step' parameter of Trial.report" in message


def test_the_largest_step_is_stored(storages):
    for storage in storages:
        study = bbopt.create_study(storage=storage)
        trial = study.ask()
        trial.report(1.0, 2**63 - 1)
        assert trial.intermediate_values == {2**63 - 1: 1.0}


@pytest.mark.parametrize("name", ["\udcff", 3])
def test_parameter_names(storages, name):
    kind, message = _errors(storages, lambda s, t: t.suggest_float(name, 0, 1))
    assert "'name' parameter of Trial.suggest" in message


def test_study_names(storages):
    for storage in storages:
        with pytest.raises(ValueError, match="'study_name' parameter of create_study"):
            bbopt.create_study(study_name="\ud800", storage=storage)
        assert storage.get_all_study_names() == []
