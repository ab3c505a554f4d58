"""Benchmark problems: a function to minimise, its box and its known minimum.

Notations: ``n_dims`` coordinates; ``x`` a point of shape ``(n_dims,)`` in the
problem's box; ``z`` (shape ``(n_dims,)``) where an instance puts the minimiser;
``rotation`` an orthogonal matrix of shape ``(n_dims, n_dims)``; ``x_star`` a
known minimiser of the untransformed function.

An instance ``k >= 1`` of a test function that allows it is the function moved
so that its minimiser sits at a random point ``z`` of the central 80 % of the
box (and, with ``rotate=True``, turned by a random rotation about it):

.. math:: f_k(x) = f(R (x - z) + x^\\star), \\qquad f_k(z) = f(x^\\star) = f^\\star.

This keeps :math:`f^\\star` the minimum over the box only for functions whose
formula has no lower value anywhere in :math:`\\mathbb{R}^d` (the ones named
in `TRANSFORMABLE`); the others (Branin, Hartmann, Michalewicz, mixed spaces)
are the same function at every instance.
"""

from __future__ import annotations

import inspect
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bbopt import testfunctions
from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
)
from bbopt._validation import ensure_bool, ensure_callable, ensure_finite_real, ensure_int

#: Test functions that may be shifted and rotated: their formula extends to all of
#: R^d with no value below the minimum, so a moved instance keeps the known minimum.
#: A test function class can also declare it with a class attribute ``transformable = True``.
TRANSFORMABLE = frozenset(
    {"Sphere", "Ackley", "Griewank", "Levy", "Rastrigin", "Rosenbrock", "StyblinskiTang"}
)

_INNER = 0.8  # an instance's minimiser lies in this central fraction of each side of the box


def _normalise(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def function_names() -> list[str]:
    """Return the names of the test functions in `bbopt.testfunctions` (lower case).

    Examples
    --------
    >>> from bbopt.benchmark import function_names
    >>> "rastrigin" in function_names()
    True
    """
    return sorted(
        name.lower() for name in testfunctions.__all__
        if name != "TestFunction" and isinstance(getattr(testfunctions, name), type)
        and issubclass(getattr(testfunctions, name), testfunctions.TestFunction)
    )


def _test_function_class(name: str, owner: str) -> type[testfunctions.TestFunction]:
    wanted = _normalise(name)
    for candidate in testfunctions.__all__:
        cls = getattr(testfunctions, candidate)
        if (candidate != "TestFunction" and isinstance(cls, type)
                and issubclass(cls, testfunctions.TestFunction)
                and _normalise(candidate) == wanted):
            return cls
    raise ValueError(
        f"The 'function' parameter of {owner} must be a test function name, one of "
        f"{function_names()}. Got {name!r} instead."
    )


def _takes(cls: Any, argument: str) -> bool:
    """Whether the constructor of ``cls`` (a class) takes ``argument``."""
    if not isinstance(cls, type):
        return False
    try:
        return argument in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def _takes_n_dims(cls: type) -> bool:
    return _takes(cls, "n_dims")


def _build(function: Any, n_dims: int | None, owner: str,
           instance: int = 0) -> testfunctions.TestFunction:
    """A `TestFunction` instance from a name, a class or an instance (at ``n_dims``).

    A class that takes a ``seed`` (the BBOB functions, which draw their own
    rotation and optimum) is built with ``seed=instance``.
    """
    if isinstance(function, str):
        function = _test_function_class(function, owner)
    if isinstance(function, type) and issubclass(function, testfunctions.TestFunction):
        cls: Any = function  # a subclass: its own constructor arguments
        arguments: dict[str, int] = {"seed": instance} if _takes(cls, "seed") else {}
        if n_dims is not None and _takes_n_dims(cls):
            arguments["n_dims"] = n_dims
        function = cls(**arguments)
    if not isinstance(function, testfunctions.TestFunction):
        raise TypeError(
            f"The 'function' parameter of {owner} must be a test function name, a "
            f"TestFunction class or instance. Got {function!r} instead."
        )
    if n_dims is not None and function.n_dims != n_dims:
        raise ValueError(
            f"The 'n_dims' parameter of {owner} must be {function.n_dims} for "
            f"{function.name}, whose dimension is fixed. Got {n_dims!r} instead."
        )
    return function


def _is_transformable(function: testfunctions.TestFunction) -> bool:
    declared = getattr(function, "transformable", None)
    if declared is not None:
        return bool(declared)
    return function.name in TRANSFORMABLE and function.minimizers is not None


def _instance_rng(name: str, n_dims: int, instance: int) -> np.random.Generator:
    # zlib.crc32 (not hash()): the same instance in every process and Python version.
    return np.random.default_rng([zlib.crc32(name.encode()), n_dims, instance])


def _random_rotation(rng: np.random.Generator, n_dims: int) -> NDArray[np.float64]:
    """A Haar-distributed orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n_dims, n_dims)))
    return np.ascontiguousarray(q * np.sign(np.diag(r)))


class Problem:
    """A function to minimise over a box, with a known minimum.

    Build one from a test function of `bbopt.testfunctions` (by name, class or
    instance) at a dimension and an instance, or from your own function with
    `Problem.from_function`.

    Parameters
    ----------
    function : str, TestFunction class or TestFunction
        A test function: its name (``"rastrigin"``, case and underscores
        ignored), its class or an instance.
    n_dims : int, optional
        Dimension, for the functions that take one (default: the function's own).
    instance : int, default 0
        Instance 0 is the function as defined. Instance ``k >= 1`` of a function
        in `TRANSFORMABLE` is moved so that its minimiser is a random point of
        the central 80 % of the box (the same point for the same function,
        dimension and instance, in every process). The BBOB functions, which
        draw their own rotation and optimum from a ``seed``, are built with
        ``seed=instance`` when given by name or class. Other functions are the
        same at every instance.
    rotate : bool, default False
        Also turn instances ``k >= 1`` by a random rotation about their
        minimiser (non-separable variants). Only for functions that allow it.

    Attributes
    ----------
    name : str
        The function's name, with ``-rot`` appended when rotated.
    n_dims : int
    instance : int
    bounds : ndarray of shape (n_dims, 2)
    minimum : float
        The known minimum :math:`f^\\star` over the box.
    transformed : bool
        Whether this instance is shifted (and rotated).
    search_space : dict of str to BaseDistribution
        The box as bbopt distributions (integer and categorical parameters of
        mixed test functions included; a categorical is the index of its choice
        in the vector given to the function).
    key : str
        ``"name/d<n_dims>/i<instance>"``, how results files name the problem.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Problem
    >>> problem = Problem("rastrigin", n_dims=3, instance=2)
    >>> problem.key, problem.transformed
    ('Rastrigin/d3/i2', True)
    >>> z = problem.minimizer
    >>> bool(np.all((problem.bounds[:, 0] < z) & (z < problem.bounds[:, 1])))
    True
    >>> problem(z) == problem.minimum
    True
    """

    name: str
    n_dims: int
    instance: int
    bounds: NDArray[np.float64]
    minimum: float
    transformed: bool
    search_space: dict[str, BaseDistribution]

    def __init__(
        self,
        function: str | type[testfunctions.TestFunction] | testfunctions.TestFunction,
        n_dims: int | None = None,
        instance: int = 0,
        *,
        rotate: bool = False,
    ) -> None:
        owner = "Problem"
        if n_dims is not None:
            n_dims = ensure_int(n_dims, "n_dims", owner, minimum=1)
        instance = ensure_int(instance, "instance", owner, minimum=0)
        rotate = ensure_bool(rotate, "rotate", owner)
        test_function = _build(function, n_dims, owner, instance)
        seeded = _takes(type(test_function), "seed")
        transformable = _is_transformable(test_function) and not seeded
        if rotate and not transformable:
            raise ValueError(
                f"The 'rotate' parameter of {owner} must be False for {test_function.name}, "
                f"which cannot be moved (see bbopt.benchmark.TRANSFORMABLE). Got True instead."
            )
        self._function: Callable[[NDArray[np.float64]], Any] = test_function
        self.name = test_function.name + ("-rot" if rotate else "")
        self.n_dims = test_function.n_dims
        self.instance = instance
        self.bounds = test_function.bounds
        self.minimum = test_function.minimum
        self.rotated = rotate
        self.search_space = test_function.search_space()
        self._repr = f"Problem({test_function!r}, instance={instance}, rotate={rotate})"
        self._shift: NDArray[np.float64] | None = None
        self._rotation: NDArray[np.float64] | None = None
        self._x_star: NDArray[np.float64] | None = None
        minimizers = test_function.minimizers
        self.transformed = seeded or (transformable and instance > 0)
        if transformable and instance > 0:
            assert minimizers is not None  # _is_transformable checked it
            rng = _instance_rng(self.name, self.n_dims, instance)
            low, high = self.bounds[:, 0], self.bounds[:, 1]
            margin = 0.5 * (1.0 - _INNER) * (high - low)
            self._shift = rng.uniform(low + margin, high - margin)
            self._x_star = np.array(minimizers[0], dtype=np.float64)
            if rotate:
                self._rotation = _random_rotation(rng, self.n_dims)
            self.minimizer: NDArray[np.float64] | None = self._shift.copy()
        else:
            self.minimizer = None if minimizers is None else np.array(minimizers[0])
        self._integral = self._integral_mask()

    @classmethod
    def from_function(
        cls,
        func: Callable[[NDArray[np.float64]], float],
        bounds: ArrayLike,
        minimum: float,
        *,
        name: str | None = None,
        search_space: Mapping[str, BaseDistribution] | None = None,
    ) -> Problem:
        """A problem from your own function with a known minimum.

        Parameters
        ----------
        func : callable
            ``func(x) -> float`` with ``x`` an ndarray of shape (n_dims,).
            Module-level (picklable) to run on processes.
        bounds : array-like of shape (n_dims, 2)
            Lower and upper bound of each coordinate.
        minimum : float
            The minimum of ``func`` over the box (regrets are measured from it).
        name : str, optional
            Name in results and tables (default: the function's ``__name__``).
        search_space : dict of str to BaseDistribution, optional
            Parameters, in the order of ``x`` (default: one float per bound,
            ``x0``, ``x1``, ...).

        Returns
        -------
        Problem
            Instance 0, not transformed.

        Examples
        --------
        >>> import numpy as np
        >>> from bbopt.benchmark import Problem
        >>> def shifted_sphere(x):
        ...     return float(np.sum((x - 0.5) ** 2))
        >>> problem = Problem.from_function(shifted_sphere, [(-1, 1)] * 4, 0.0)
        >>> problem.key, problem(np.full(4, 0.5))
        ('shifted_sphere/d4/i0', 0.0)
        """
        owner = "Problem.from_function"
        ensure_callable(func, "func", owner)
        try:
            box = np.array(bounds, dtype=np.float64)
        except (TypeError, ValueError):
            box = np.empty(0)
        if (box.ndim != 2 or box.shape[0] < 1 or box.shape[1] != 2
                or not np.all(np.isfinite(box)) or np.any(box[:, 0] >= box[:, 1])):
            raise ValueError(
                f"The 'bounds' parameter of {owner} must be (low, high) pairs with finite "
                f"low < high. Got {bounds!r} instead."
            )
        minimum = ensure_finite_real(minimum, "minimum", owner)
        if name is None:
            name = getattr(func, "__name__", type(func).__name__)
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"The 'name' parameter of {owner} must be a non-empty str without '/'. "
                f"Got {name!r} instead."
            )
        if search_space is None:
            space: dict[str, BaseDistribution] = {
                f"x{j}": FloatDistribution(float(lo), float(hi)) for j, (lo, hi) in enumerate(box)
            }
        else:
            space = dict(search_space)
            if len(space) != box.shape[0] or not all(
                isinstance(d, BaseDistribution) for d in space.values()
            ):
                raise ValueError(
                    f"The 'search_space' parameter of {owner} must map {box.shape[0]} names "
                    f"to distributions, one per bound. Got {search_space!r} instead."
                )
        problem = cls.__new__(cls)
        problem._function = func
        problem.name = name
        problem.n_dims = box.shape[0]
        problem.instance = 0
        box.flags.writeable = False
        problem.bounds = box
        problem.minimum = minimum
        problem.rotated = False
        problem.search_space = space
        problem._repr = f"Problem.from_function({name}, n_dims={box.shape[0]})"
        problem._shift = problem._rotation = problem._x_star = None
        problem.transformed = False
        problem.minimizer = None
        problem._integral = problem._integral_mask()
        return problem

    def _integral_mask(self) -> NDArray[np.bool_] | None:
        mask = np.array([not isinstance(d, FloatDistribution) or d.step is not None
                         for d in self.search_space.values()])
        return mask if mask.any() else None

    @property
    def key(self) -> str:
        return f"{self.name}/d{self.n_dims}/i{self.instance}"

    def __repr__(self) -> str:
        return self._repr

    def __call__(self, x: NDArray[np.float64]) -> float:
        """Return the value at ``x`` (shape (n_dims,)), as the optimizer sees it.

        Coordinates of integer and categorical parameters are rounded first.
        """
        if self._integral is not None:
            x = np.where(self._integral, np.rint(x), x)
        if self._shift is not None:
            assert self._x_star is not None
            x = x - self._shift
            if self._rotation is not None:
                x = self._rotation @ x
            x = x + self._x_star
        return float(self._function(x))

    def vector(self, params: Mapping[str, Any]) -> NDArray[np.float64]:
        """Return the point of a trial's parameters (categoricals as choice indices).

        Examples
        --------
        >>> from bbopt.benchmark import Problem
        >>> Problem("mixedackley").vector({"x0": 0.5, "x1": 1.0, "z0": 2, "z1": -1, "c": "c"})
        array([ 0.5,  1. ,  2. , -1. ,  2. ])
        """
        out = np.empty(self.n_dims)
        for j, (name, dist) in enumerate(self.search_space.items()):
            value = params[name]
            out[j] = dist.choices.index(value) if isinstance(dist, CategoricalDistribution) \
                else value
        return out

    def record(self) -> dict[str, Any]:
        """The problem's fields of a results record."""
        return {"problem": self.key, "function": self.name, "n_dims": self.n_dims,
                "instance": self.instance, "minimum": self.minimum}


def make_problems(
    functions: Sequence[Any],
    dims: Sequence[int] | int | None = None,
    instances: Sequence[int] | int = 3,
    *,
    rotate: bool = False,
) -> list[Problem]:
    """Return the grid of problems: each function at each dimension and instance.

    Parameters
    ----------
    functions : sequence of str, TestFunction class or Problem
        Test functions (see `Problem`); a `Problem` is kept as it is.
    dims : int or sequence of int, optional
        Dimensions of the functions that take one. A function of fixed
        dimension (Branin, Hartmann6, ...) is used once, at its own.
    instances : int or sequence of int, default 3
        Instance numbers, or a count ``k`` for instances ``1, ..., k``
        (moved instances; 0 is the function as defined).
    rotate : bool, default False
        Rotate the instances of the functions that allow it (those that do
        not are used unrotated).

    Returns
    -------
    list of Problem

    Examples
    --------
    >>> from bbopt.benchmark import make_problems
    >>> [p.key for p in make_problems(["sphere", "branin"], dims=[2, 5], instances=2)]
    ['Sphere/d2/i1', 'Sphere/d2/i2', 'Sphere/d5/i1', 'Sphere/d5/i2', 'Branin/d2/i1', \
'Branin/d2/i2']
    """
    owner = "make_problems"
    if isinstance(functions, (str, type)) or not isinstance(functions, Sequence):
        functions = [functions]
    if isinstance(instances, int) and not isinstance(instances, bool):
        instance_list = list(range(1, ensure_int(instances, "instances", owner, minimum=1) + 1))
    elif isinstance(instances, Sequence):
        instance_list = [ensure_int(i, "instances", owner, minimum=0) for i in instances]
    else:
        raise TypeError(f"The 'instances' parameter of {owner} must be an int or a list of "
                        f"ints. Got {instances!r} instead.")
    dims_seq: Sequence[int | None] = (
        [None] if dims is None else [dims] if isinstance(dims, int) else dims)
    dims_list = [None if d is None else ensure_int(d, "dims", owner, minimum=1)
                 for d in dims_seq]
    rotate = ensure_bool(rotate, "rotate", owner)
    problems: list[Problem] = []
    for function in functions:
        if isinstance(function, Problem):
            problems.append(function)
            continue
        cls = _test_function_class(function, owner) if isinstance(function, str) else function
        if isinstance(cls, type) and not _takes_n_dims(cls):
            sizes: list[int | None] = [None]
        else:
            sizes = list(dict.fromkeys(dims_list))
        for n_dims in sizes:
            if _takes(cls, "seed"):  # draws its own rotation and optimum per instance
                problems.extend(Problem(cls, n_dims, i) for i in instance_list)
                continue
            base = _build(cls, n_dims, owner)
            turn = rotate and _is_transformable(base)
            problems.extend(Problem(base, None, i, rotate=turn) for i in instance_list)
    return problems


def budget_evaluations(budget: float, n_dims: int) -> int:
    """Number of evaluations of a budget given as a multiple of the dimension (at least 1)."""
    return max(1, math.ceil(budget * n_dims - 1e-9))

