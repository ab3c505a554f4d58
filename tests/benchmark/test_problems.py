"""Problems: moved and rotated instances keep the known minimum; user functions; errors."""

from __future__ import annotations

import numpy as np
import pytest

from bbopt import testfunctions
from bbopt.benchmark import TRANSFORMABLE, Problem, function_names, make_problems


@pytest.mark.parametrize("name", sorted(TRANSFORMABLE))
@pytest.mark.parametrize("rotate", [False, True])
def test_an_instance_keeps_the_minimum_at_its_moved_minimiser(name, rotate):
    problem = Problem(name, n_dims=4, instance=3, rotate=rotate)
    assert problem.transformed
    z = problem.minimizer
    low, high = problem.bounds[:, 0], problem.bounds[:, 1]
    assert np.all(low + 0.1 * (high - low) <= z) and np.all(z <= high - 0.1 * (high - low))
    assert problem(z) == pytest.approx(problem.minimum, abs=1e-9)
    # no point of the box is below the minimum; the minimiser moved off the original one
    rng = np.random.default_rng(0)
    points = rng.uniform(low, high, (2000, 4))
    values = np.array([problem(x) for x in points])
    assert np.all(values >= problem.minimum - 1e-9)
    original = getattr(testfunctions, next(n for n in testfunctions.__all__
                                           if n.lower() == name.lower()))(n_dims=4)
    assert not np.allclose(z, original.minimizers[0])
    for x in points[:20]:  # the function differs from the original
        if problem(x) != pytest.approx(original(x)):
            break
    else:
        pytest.fail("the instance equals the original function")


def test_instances_are_reproducible_and_distinct():
    a, b = Problem("rastrigin", 3, 1, rotate=True), Problem("rastrigin", 3, 1, rotate=True)
    c = Problem("rastrigin", 3, 2, rotate=True)
    x = np.array([0.3, -1.2, 2.0])
    assert a(x) == b(x) and a(x) != c(x)
    np.testing.assert_array_equal(a.minimizer, b.minimizer)
    assert a.key == "Rastrigin-rot/d3/i1" and c.key == "Rastrigin-rot/d3/i2"


def test_instance_zero_is_the_function_as_defined():
    problem, f = Problem("ackley", 3), testfunctions.Ackley(3)
    x = np.array([0.5, -2.0, 1.0])
    assert not problem.transformed and problem(x) == f(x)
    assert problem.key == "Ackley/d3/i0"


def test_a_function_that_cannot_move_is_the_same_at_every_instance():
    problem = Problem("branin", instance=4)
    x = np.array([1.0, 2.0])
    assert not problem.transformed and problem(x) == testfunctions.Branin()(x)
    with pytest.raises(ValueError, match="'rotate' parameter of Problem must be False"):
        Problem("michalewicz", 3, 1, rotate=True)


def test_names_classes_and_instances_give_the_same_problem():
    x = np.linspace(-1, 1, 5)
    values = {Problem(f, 5, 2)(x) for f in ("StyblinskiTang", "styblinski_tang",
                                             testfunctions.StyblinskiTang,
                                             testfunctions.StyblinskiTang(5))}
    assert len(values) == 1
    assert "styblinskitang" in function_names()


def test_mixed_problems_round_their_integer_coordinates():
    problem = Problem("mixed_ackley")
    f = testfunctions.MixedAckley()
    x = np.array([0.5, 1.0, 2.2, -0.8, 1.6])
    assert problem(x) == f(np.array([0.5, 1.0, 2.0, -1.0, 2.0]))
    assert list(problem.vector({"x0": 0.5, "x1": 1.0, "z0": 2, "z1": -1, "c": "c"})) == \
        [0.5, 1.0, 2.0, -1.0, 2.0]


def shifted(x):
    return float(np.sum((x - 0.25) ** 2)) + 1.0


def test_user_functions():
    problem = Problem.from_function(shifted, [(-1, 1), (-1, 1)], 1.0)
    assert problem.key == "shifted/d2/i0" and problem(np.full(2, 0.25)) == 1.0
    assert list(problem.search_space) == ["x0", "x1"]
    with pytest.raises(ValueError, match="'bounds' parameter of Problem.from_function"):
        Problem.from_function(shifted, [(1, -1)], 0.0)
    with pytest.raises(TypeError, match="'func' parameter of Problem.from_function"):
        Problem.from_function(3, [(0, 1)], 0.0)
    with pytest.raises(TypeError, match="'minimum' parameter"):
        Problem.from_function(shifted, [(0, 1)], "zero")
    with pytest.raises(ValueError, match="'name' parameter"):
        Problem.from_function(shifted, [(0, 1)], 0.0, name="a/b")


def test_make_problems_grid():
    problems = make_problems(["sphere", "hartmann3"], dims=[2, 3], instances=[0, 5],
                             rotate=True)
    assert [p.key for p in problems] == [
        "Sphere-rot/d2/i0", "Sphere-rot/d2/i5", "Sphere-rot/d3/i0", "Sphere-rot/d3/i5",
        "Hartmann3/d3/i0", "Hartmann3/d3/i5"]


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: Problem("nope"), ValueError, "'function' parameter of Problem must be a test"),
    (lambda: Problem(3.0), TypeError, "'function' parameter of Problem"),
    (lambda: Problem("sphere", 0), ValueError, "'n_dims' parameter of Problem"),
    (lambda: Problem("branin", 3), ValueError, "'n_dims' parameter of Problem must be 2"),
    (lambda: Problem("sphere", 2, -1), ValueError, "'instance' parameter of Problem"),
    (lambda: make_problems(["sphere"], instances=0), ValueError, "'instances' parameter"),
])
def test_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
