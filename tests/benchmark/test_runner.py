"""The runner: records, budgets, resume, parallel = serial, errors."""

from __future__ import annotations

import concurrent.futures
import json
import math

import numpy as np
import pytest

from bbopt.benchmark import (
    AskTellOptimizer,
    BboptSampler,
    Optimizer,
    Problem,
    Run,
    load,
    make_problems,
    run,
)

CALLS: list[tuple[str, int]] = []  # (problem key, seed) of each RecordingSearch built


class RecordingSearch:
    """A seeded random search that keeps the values it was told."""

    def __init__(self, bounds, seed):
        self.bounds, self.rng, self.told = bounds, np.random.default_rng(seed), []
        CALLS.append((tuple(bounds.ravel()), seed))

    def ask(self):
        return self.rng.uniform(self.bounds[:, 0], self.bounds[:, 1])

    def tell(self, x, y):
        self.told.append(y)


class Greedy(Optimizer):
    """Asks for evaluations without end: the runner must stop it at the budget."""

    label = spec = "greedy"

    def minimize(self, problem, n_evals, seed, evaluate):
        while True:
            evaluate(problem.bounds.mean(axis=1))


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def test_a_record_holds_the_trace_of_the_values_told():
    problem = Problem("rosenbrock", 3, 1)
    (record,) = run([problem], [AskTellOptimizer(RecordingSearch)], budget=5, seeds=[7])
    assert record.n_evals == 15 and record.seed == 7 and record.problem == "Rosenbrock/d3/i1"
    # replay the same search: the trace is its best-so-far regret where it improved
    seed = CALLS[0][1]
    rng = np.random.default_rng(seed)
    values = [problem(rng.uniform(problem.bounds[:, 0], problem.bounds[:, 1]))
              for _ in range(15)]
    best = np.minimum.accumulate(values) - problem.minimum
    np.testing.assert_array_equal(record.regret_at(np.arange(1, 16)), best)
    assert record.evals[0] == 1 and np.all(np.diff(record.evals) > 0)
    assert np.all(np.diff(record.regrets) < 0)
    assert record.time >= 0 and record.cpu_time >= 0 and record.eval_time > 0


def test_runs_stop_at_the_budget():
    (record,) = run([Problem("sphere", 2)], [Greedy()], budget=3.5, seeds=1)
    assert record.n_evals == 7  # ceil(3.5 * 2)
    assert record.evals.tolist() == [1] and record.regrets.tolist() == [0.0]


def test_the_seed_of_a_run_depends_on_seed_and_instance():
    problems = make_problems("branin", instances=2)  # Branin cannot move: same function
    runs = run(problems, [AskTellOptimizer(RecordingSearch)], budget=2, seeds=2)
    assert len({seed for _, seed in CALLS}) == 4
    assert len({tuple(r.regrets) for r in runs}) == 4


def test_records_round_trip_through_json():
    (record,) = run([Problem("sphere", 2, 1)], ["random"], budget=4, seeds=1)
    again = Run.from_json(record.to_json())
    assert again.key == record.key and again.time == record.time
    np.testing.assert_array_equal(again.regrets, record.regrets)
    assert json.loads(record.to_json())["format"] == 1


def test_resume_skips_the_runs_in_the_results_file(tmp_path):
    path = tmp_path / "runs.jsonl"
    problems = make_problems("sphere", dims=2, instances=2)
    search = AskTellOptimizer(RecordingSearch)
    first = run(problems, [search], budget=2, seeds=2, results=path)
    assert len(CALLS) == 4 and len(load(path)) == 4
    CALLS.clear()
    second = run(problems, [search], budget=2, seeds=3, results=path)
    assert len(CALLS) == 2  # only seed 2 of each problem ran
    assert [r.key for r in second if r.seed < 2] == [r.key for r in first]
    assert [r.to_json() for r in second if r.seed < 2] == [r.to_json() for r in first]
    assert len(load(path)) == 6


def test_an_interrupted_last_line_is_run_again(tmp_path):
    path = tmp_path / "runs.jsonl"
    problem = Problem("sphere", 2, 1)
    (record,) = run([problem], ["random"], budget=2, seeds=1, results=path)
    path.write_text(path.read_text() + record.to_json()[:40])  # a write cut short
    assert len(load(path)) == 1
    runs = run([problem], ["random"], budget=2, seeds=2, results=path)
    assert [r.seed for r in runs] == [0, 1] and len(load(path)) == 2
    with open(path, "a") as f:
        f.write("not json\n{}\n")
    with pytest.raises(ValueError, match="is not a run record"):
        load(path)


def test_a_label_with_another_specification_is_refused(tmp_path):
    path = tmp_path / "runs.jsonl"
    run([Problem("sphere", 2)], ["tpe"], budget=2, seeds=1, results=path)
    with pytest.raises(ValueError, match="'results' file .* holds runs of optimizer 'tpe'"):
        run([Problem("sphere", 2)], {"tpe": "tpe(n_startup_trials=3)"}, budget=2, seeds=1,
            results=path)


def test_parallel_runs_equal_serial_runs():
    problems = make_problems(["sphere", "rastrigin"], dims=2, instances=1)
    optimizers = ["random", BboptSampler("tpe", n_startup_trials=4)]
    serial = run(problems, optimizers, budget=6, seeds=2)
    on_processes = run(problems, optimizers, budget=6, seeds=2, n_jobs=2)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        on_threads = run(problems, optimizers, budget=6, seeds=2, executor=pool)
    for other in (on_processes, on_threads):
        assert [r.key for r in other] == [r.key for r in serial]
        for a, b in zip(serial, other):
            np.testing.assert_array_equal(a.evals, b.evals)
            np.testing.assert_array_equal(a.regrets, b.regrets)


def test_optimizers_given_as_a_dict_take_its_labels():
    runs = run([Problem("sphere", 2)], {"rs": "random", "t": BboptSampler("tpe")}, budget=1,
               seeds=1)
    assert [r.optimizer for r in runs] == ["rs", "t"]
    assert runs[1].spec == "bbopt.TPESampler"


def test_verbose_prints_a_line_per_run(capsys):
    run([Problem("sphere", 2)], ["random"], budget=1, seeds=2, verbose=True)
    assert capsys.readouterr().out.count("Sphere/d2/i0 random seed") == 2


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"budget": 0}, ValueError, "'budget' parameter of run must be > 0"),
    ({"budget": math.inf}, ValueError, "'budget' parameter of run must be finite"),
    ({"seeds": [1, 1]}, ValueError, "'seeds' parameter of run must hold distinct"),
    ({"seeds": [-1]}, ValueError, "'seeds' parameter of run"),
    ({"seeds": 0}, ValueError, "'seeds' parameter of run"),
    ({"n_jobs": 0}, ValueError, "'n_jobs' parameter of run"),
    ({"executor": "gpu"}, ValueError, "'executor' parameter of run"),
    ({"optimizers": ["random", "random"]}, ValueError, "distinct labels"),
    ({"optimizers": 3}, TypeError, "'optimizers' parameter of run"),
    ({"optimizers": ["tpx"]}, ValueError, "'name' parameter of BboptSampler"),
    ({"problems": ["sphere"]}, TypeError, "'problems' parameter of run"),
    ({"problems": [Problem("sphere", 2)] * 2}, ValueError, "distinct problems"),
])
def test_errors_name_the_argument(kwargs, error, match):
    arguments = {"problems": [Problem("sphere", 2)], "optimizers": ["random"], "budget": 1,
                 "seeds": 1, **kwargs}
    with pytest.raises(error, match=match):
        run(**arguments)


class StopsEarly(Optimizer):
    """Stops after 3 evaluations, whatever the budget."""

    label = spec = "early"

    def minimize(self, problem, n_evals, seed, evaluate):
        for value in range(3):
            evaluate(problem.bounds[:, 0] + value)


def test_a_run_that_stops_early_keeps_its_budget_and_resumes(tmp_path):
    path = tmp_path / "runs.jsonl"
    (record,) = run([Problem("sphere", 2)], [StopsEarly()], budget=5, seeds=1, results=path)
    assert record.n_evals == 3 and record.max_evals == 10
    assert record.key == ("Sphere/d2/i0", "early", 0, 10)
    (again,) = run([Problem("sphere", 2)], [StopsEarly()], budget=5, seeds=1, results=path)
    assert again.to_json() == record.to_json() and len(load(path)) == 1


def test_runs_on_a_dask_client_executor():
    distributed = pytest.importorskip("dask.distributed",
                                      reason="the Dask executor needs the 'dask' extra")
    problems = make_problems("sphere", dims=2, instances=2)
    serial = run(problems, ["random", "tpe"], budget=3, seeds=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = run(problems, ["random", "tpe"], budget=3, seeds=2,
                      executor=client.get_executor())
    assert [r.to_json().split('"time"')[0] for r in on_dask] == \
        [r.to_json().split('"time"')[0] for r in serial]
