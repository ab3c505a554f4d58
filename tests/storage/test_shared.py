"""What every storage shared by processes does: SQLite, journal file and PostgreSQL.

Persistence, several studies, pickling, heartbeats, and the goals of shared
studies: 8 worker processes x 250 trials on one study lose nothing and give
every number once; workers killed with SIGKILL mid-trial lose no told trial,
their trials are failed by `fail_stale_trials`, and the study continues.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import signal
import struct
import time

import numpy as np
import pytest

import bbopt
from bbopt import FloatDistribution, IntDistribution, StudyDirection, TrialState, create_trial
from bbopt.storage import DuplicatedStudyError, StudyNotFoundError, TrialFinishedError

MIN, MAX = StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE
X = FloatDistribution(-1.0, 1.0)
N = IntDistribution(1, 64, log=True)
SPACE = {"x": X, "n": N, "c": bbopt.CategoricalDistribution(["a", None, 2.5, True])}


@pytest.fixture(params=["sqlite", "journal", "postgres"])
def kind(request):
    return request.param


def _fill(study, n, seed=0):
    rng = random.Random(seed)
    for _ in range(n):
        trial = study.ask(SPACE)
        if rng.random() < 0.2:
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, trial.params["x"] ** 2 + trial.params["n"])


def _in_child(function):
    """Run ``function()`` in a forked child; return what it returned (JSON)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            out = function()
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            out = f"{type(error).__name__}: {error}"
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        return json.loads(pipe.read())


def test_url_opens_the_right_storage(kind, target, storage):
    study = bbopt.create_study(study_name="u", storage=target)
    assert type(study._storage) is type(storage)
    assert storage.get_all_study_names() == ["u"]


def test_reopened_storage_has_every_trial_and_the_same_observations(target, make_storage):
    study = bbopt.create_study(study_name="a", storage=make_storage(),
                               sampler=bbopt.samplers.RandomSampler(seed=0))
    _fill(study, 40)
    running = study.ask(SPACE)
    running.report(0.5, 1)
    study._storage.set_trial_intermediate_value(study._study_id, running.number, 2, float("nan"))
    running.set_user_attr("cfg", {"lr": [1, 2]})
    study.set_user_attr("owner", "me")
    study.enqueue_trial({"x": 0.25})
    before = study.trials
    obs = study.get_observations()

    again = bbopt.load_study(study_name="a", storage=make_storage())
    after = again.trials
    assert len(after) == 42
    for a, b in zip(before, after, strict=True):
        assert a.number == b.number and a.state == b.state and a.values == b.values
        assert a.params == b.params and a.distributions == b.distributions
        assert list(a.params) == list(b.params)  # the suggestion order survives
        assert a.datetime_start == b.datetime_start
        assert a.datetime_complete == b.datetime_complete
    live = after[40]
    assert live.state == TrialState.RUNNING and live.user_attrs == {"cfg": {"lr": [1, 2]}}
    assert live.intermediate_values[1] == 0.5 and np.isnan(live.intermediate_values[2])
    assert after[41].state == TrialState.WAITING
    assert again.user_attrs == {"owner": "me"}
    reread = again.get_observations()
    assert reread.n_rows == obs.n_rows == 40
    np.testing.assert_array_equal(reread.numbers, obs.numbers)
    np.testing.assert_array_equal(reread.states, obs.states)
    np.testing.assert_array_equal(reread.values, obs.values)
    np.testing.assert_array_equal(reread.x, obs.x)
    assert again.best_trial.number == study.best_trial.number
    assert again.ask(SPACE).params["x"] == 0.25  # the enqueued values


def test_observations_of_another_storage_are_appended(make_storage):
    one = bbopt.create_study(study_name="a", storage=make_storage())
    two = bbopt.load_study(study_name="a", storage=make_storage())
    obs = two.get_observations()
    _fill(one, 5)
    assert two.get_observations() is obs and obs.n_rows == 5
    _fill(one, 3, seed=1)
    assert two.get_observations() is obs and obs.n_rows == 8
    np.testing.assert_array_equal(obs.numbers, one.get_observations().numbers)
    np.testing.assert_array_equal(obs.x, one.get_observations().x)


def test_several_studies_in_one_storage(target, make_storage):
    a = bbopt.create_study(study_name="a", storage=make_storage())
    b = bbopt.create_study(study_name="b", storage=make_storage(), direction="maximize")
    _fill(a, 3)
    _fill(b, 4)
    storage = make_storage()
    assert storage.get_all_study_names() == ["a", "b"]
    assert [len(bbopt.load_study(study_name=n, storage=storage).trials) for n in "ab"] == [3, 4]
    assert bbopt.load_study(study_name="b", storage=target).direction == MAX
    bbopt.delete_study("a", target)
    assert make_storage().get_all_study_names() == ["b"]
    with pytest.raises(StudyNotFoundError, match="No study named 'a'"):
        bbopt.load_study(study_name="a", storage=make_storage())
    with pytest.raises(DuplicatedStudyError, match="load_if_exists"):
        bbopt.create_study(study_name="b", storage=make_storage())
    assert bbopt.create_study(study_name="b", storage=make_storage(), direction="maximize",
                              load_if_exists=True).trials[-1].number == 3


def test_attributes_must_be_json(storage):
    study_id = storage.create_new_study([MIN], "s")
    number = storage.create_new_trial(study_id)
    with pytest.raises(TypeError, match="JSON-serialisable"):
        storage.set_trial_user_attr(study_id, number, "obj", object())
    with pytest.raises(TypeError, match="JSON-serialisable"):
        storage.set_study_user_attr(study_id, "obj", {1, 2})
    assert storage.get_trial(study_id, number).user_attrs == {}


def test_finished_template_keeps_all_fields(make_storage):
    storage = make_storage()
    study_id = storage.create_new_study([MIN], "s")
    template = create_trial(params={"x": 0.5, "n": 8}, distributions={"x": X, "n": N},
                            value=1.5, intermediate_values={0: 3.0, 4: 2.0},
                            user_attrs={"src": [1]})
    number = storage.create_new_trial(study_id, template)
    for reader in (storage, make_storage()):
        stored = reader.get_trial(study_id, number)
        assert stored.params == template.params
        assert stored.distributions == template.distributions
        assert stored.intermediate_values == {0: 3.0, 4: 2.0}
        assert stored.user_attrs == {"src": [1]}
        assert stored.datetime_start == template.datetime_start
        assert reader.get_observations(study_id).x[0].tolist() == [0.5, np.log(8)]


def test_pickled_storage_reopens(storage):
    study_id = storage.create_new_study([MIN], "s")
    storage.create_new_trial(study_id)
    copy = pickle.loads(pickle.dumps(storage))
    assert type(copy) is type(storage) and copy.get_n_trials(study_id) == 1
    assert copy.create_new_trial(study_id) == 1
    assert storage.get_n_trials(study_id) == 2
    copy.close()


def test_close_then_use_reopens(storage):
    study_id = storage.create_new_study([MIN], "s")
    storage.close()
    assert storage.create_new_trial(study_id) == 0


def test_finish_of_another_process_is_seen(make_storage):
    one, two = make_storage(), make_storage()
    study_id = one.create_new_study([MIN], "s")
    number = one.create_new_trial(study_id)
    two.finish_trial(study_id, number, TrialState.COMPLETE, [1.0])
    with pytest.raises(TrialFinishedError, match="is COMPLETE"):
        one.finish_trial(study_id, number, TrialState.COMPLETE, [2.0])
    assert one.get_observations(study_id).values.tolist() == [[1.0]]


def _running(storage, study_id):
    running = storage.get_running_points(study_id)
    column = storage.get_observations(study_id).column("x", X)
    return dict(zip(running.numbers.tolist(), running.points([column])[:, 0].tolist(),
                    strict=True))


def test_running_points_of_other_storages(make_storage):
    one, two = make_storage(), make_storage()
    study_id = one.create_new_study([MIN], "s")
    one.create_new_trial(study_id, create_trial(params={"x": 0.0}, distributions={"x": X},
                                                value=0.0))
    a = one.create_new_trial(study_id)
    one.set_trial_param(study_id, a, "x", X, 0.5)
    b = two.create_new_trial(study_id)
    two.get_observations(study_id)  # what an ask reads before a sampler notes its draw
    two.note_running_point(study_id, b, {"x": (X, -0.25)})  # a note stays in its process
    assert _running(two, study_id) == {a: 0.5, b: -0.25}
    seen_by_one = _running(one, study_id)
    assert seen_by_one[a] == 0.5 and np.isnan(seen_by_one[b]) and len(seen_by_one) == 2
    one.finish_trial(study_id, a, TrialState.COMPLETE, [1.0])
    assert _running(two, study_id) == {b: -0.25}


def test_a_report_is_a_sign_of_life(make_storage):
    storage, other = make_storage(), make_storage()  # other owns no trial
    study_id = storage.create_new_study([MIN], "s")
    number = storage.create_new_trial(study_id)
    time.sleep(0.3)
    storage.set_trial_intermediate_value(study_id, number, 0, 1.0)
    assert other.fail_stale_trials(study_id, grace_period=0.2) == []
    time.sleep(0.3)
    assert other.fail_stale_trials(study_id, grace_period=0.2) == [number]
    assert storage.get_trial_state(study_id, number) == TrialState.FAIL
    with pytest.raises(TrialFinishedError):
        storage.finish_trial(study_id, number, TrialState.COMPLETE, [1.0])
    with pytest.raises(ValueError, match="'grace_period' parameter"):
        other.fail_stale_trials(study_id)


def test_heartbeat_keeps_own_trials_alive_and_fails_dead_ones(target, make_storage):
    storage = make_storage(heartbeat_interval=0.05, grace_period=0.3)
    study = bbopt.create_study(study_name="h", storage=storage)
    mine = study.ask()

    def start_and_die():
        child = bbopt.load_study(study_name="h", storage=target)
        return child.ask().number  # the child exits without telling

    dead = _in_child(start_and_die)
    assert dead == 1
    time.sleep(0.5)
    # A new trial first fails the stale one; this process's running trial beat.
    new = study.ask()
    assert storage.get_trial_state(study._study_id, dead) == TrialState.FAIL
    assert storage.get_trial_state(study._study_id, mine.number) == TrialState.RUNNING
    assert new.number == 2
    study.tell(mine, 1.0)


def _objective(trial):
    return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_int("n", 0, 3)


def test_eight_workers_share_one_study(target):
    """8 processes x 250 trials: exactly 2000 trials, numbers 0..1999, no tell lost."""
    bbopt.create_study(study_name="shared", storage=target)
    pids = []
    for seed in range(8):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                study = bbopt.load_study("shared", target,
                                         sampler=bbopt.samplers.RandomSampler(seed=seed))
                study.optimize(_objective, n_trials=250)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    assert codes == [0] * 8
    study = bbopt.load_study(study_name="shared", storage=target)
    trials = study.trials
    assert [t.number for t in trials] == list(range(2000))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(t.values == [t.params["x"] ** 2 + t.params["n"]] for t in trials)
    obs = study.get_observations()
    assert obs.n_complete == 2000 and sorted(obs.numbers.tolist()) == list(range(2000))
    assert len({t.params["x"] for t in trials}) == 2000  # eight different random streams


def test_workers_killed_mid_trial_lose_no_told_trial(target):
    """10 workers killed with SIGKILL: told trials intact, the rest failed as stale."""
    bbopt.create_study(study_name="k", storage=target)
    rng = random.Random(1)
    workers = []
    for _ in range(10):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, killed at a random moment
            os.close(read)
            study = bbopt.load_study(study_name="k", storage=target)
            while True:
                trial = study.ask()
                x = trial.suggest_float("x", -1, 1)
                trial.report(x, 0)
                study.tell(trial, x * x)
                os.write(write, struct.pack("<q", trial.number))  # after the tell returned
        os.close(write)
        workers.append((pid, read))
    watcher = bbopt.load_study(study_name="k", storage=target)
    deadline = time.monotonic() + 120
    while watcher.get_observations().n_complete < 10:  # however loaded the machine is
        assert time.monotonic() < deadline
        time.sleep(0.05)
    told: set[int] = set()
    for pid, read in workers:
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        told.update(n for (n,) in struct.iter_unpack("<q", data[: len(data) // 8 * 8]))
    assert len(told) >= 10  # the workers did run trials before they were killed
    study = bbopt.load_study(study_name="k", storage=target)
    trials = study.trials
    assert [t.number for t in trials] == list(range(len(trials)))
    by_number = {t.number: t for t in trials}
    for number in told:
        trial = by_number[number]
        assert trial.state == TrialState.COMPLETE
        assert trial.values == [trial.params["x"] * trial.params["x"]]
    running = [t.number for t in trials if t.state == TrialState.RUNNING]
    assert 1 <= len(running) <= 10
    failed = study._storage.fail_stale_trials(study._study_id, grace_period=0.0)
    assert failed == running
    assert study.get_trials(states=[TrialState.RUNNING]) == []
    assert study.get_observations().n_rows == len(trials)
    # The study continues.
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
    assert [t.number for t in study.trials][-3:] == [len(trials), len(trials) + 1,
                                                     len(trials) + 2]


@pytest.mark.parametrize("sampler", ["random", "auto"])
def test_tell_of_a_trial_another_worker_failed(make_storage, sampler):
    # Study.tell of a Trial it asked reads the trial's state first only if the sampler
    # acts on the tell (AutoSampler's end); else only if the storage refuses the
    # tell. The errors are the same either way.
    one, two = make_storage(), make_storage()
    study = bbopt.create_study(study_name="s", storage=one, sampler=(
        bbopt.samplers.RandomSampler(seed=0) if sampler == "random" else None))
    trial = study.ask({"x": X})
    study_id = one.get_study_id_from_name("s")
    two.finish_trial(study_id, trial.number, TrialState.FAIL, None)  # fail_stale_trials, say
    with pytest.raises(ValueError, match=f"Trial {trial.number} is already finished .FAIL."):
        study.tell(trial, 1.0)
    assert study.tell(trial, 1.0, skip_if_finished=True).state == TrialState.FAIL
    with pytest.raises(ValueError, match="already finished"):  # before checking the values
        study.tell(trial, "not a value")
    fresh = study.ask({"x": X})
    assert study.tell(fresh, 2.0).values == [2.0]
    observations = study.get_observations()
    assert observations.numbers.tolist() == [trial.number, fresh.number]
    assert observations.values[-1].tolist() == [2.0]
