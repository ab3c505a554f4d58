"""Base class of the benchmark test functions.

Notations: ``n`` points, ``n_dims`` coordinates; a batch of points is an
array of shape ``(n, n_dims)``, one point an array of shape ``(n_dims,)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bbopt._distributions import BaseDistribution, FloatDistribution
from bbopt._validation import ensure_int

#: Common reference of every function in this package.
SFU_LIBRARY = (
    "Surjanovic, S. & Bingham, D., Virtual Library of Simulation Experiments: "
    "Test Functions and Datasets, https://www.sfu.ca/~ssurjano/"
)


def _readonly(array: ArrayLike) -> NDArray[np.float64]:
    """Return a read-only float64 copy of ``array`` (shared state must not be mutated)."""
    out = np.array(array, dtype=np.float64)
    out.flags.writeable = False
    return out


def _check_n_dims(n_dims: Any, owner: str, minimum: int) -> int:
    """Return ``n_dims`` as an int ``>= minimum`` (TypeError / ValueError otherwise)."""
    return ensure_int(n_dims, "n_dims", owner, minimum=minimum)


class TestFunction:
    """A deterministic function to minimise, with a known global minimum.

    Subclasses set the attributes below in ``__init__`` and implement
    ``_evaluate``, which receives a float64 array of shape ``(n, n_dims)`` and
    returns the ``n`` values; ``__call__`` checks the shape once.

    Attributes
    ----------
    name : str
        Name of the function (the class name).
    n_dims : int
        Number of coordinates of a point.
    bounds : ndarray of shape (n_dims, 2)
        Lower and upper bound of each coordinate (read-only).
    minimum : float
        Value of the global minimum over ``bounds``.
    minimizers : ndarray of shape (k, n_dims) or None
        Known global minimisers (read-only), or None when none is known.
    reference : str
        Where the function is defined.

    Examples
    --------
    A new test function, :math:`f(x) = |x_0| + |x_1|` on :math:`[-1, 2]^2`:

    >>> import numpy as np
    >>> from bbopt.testfunctions import TestFunction
    >>> class L1(TestFunction):
    ...     def __init__(self):
    ...         super().__init__(2, [[-1, 2], [-1, 2]], 0.0, [[0, 0]], "an example")
    ...     def _evaluate(self, x):
    ...         return np.abs(x).sum(axis=1)
    >>> f = L1()
    >>> f([1.0, -0.5]), f.regret(f([0.5, 0.0]))
    (1.5, 0.5)
    """

    __test__ = False  # not a pytest test class, despite its name

    name: str
    n_dims: int
    bounds: NDArray[np.float64]
    minimum: float
    minimizers: NDArray[np.float64] | None
    reference: str

    def __init__(
        self,
        n_dims: int,
        bounds: ArrayLike,
        minimum: float,
        minimizers: ArrayLike | None,
        reference: str,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.name = type(self).__name__
        self.n_dims = n_dims
        self.bounds = _readonly(bounds)
        self.minimum = float(minimum)
        self.minimizers = None if minimizers is None else _readonly(minimizers)
        self.reference = reference
        self._params = {} if params is None else params  # constructor arguments, for repr

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self._params.items())
        return f"{self.name}({args})"

    def __call__(self, x: ArrayLike) -> float | NDArray[np.float64]:
        """Evaluate the function at one point or a batch of points.

        Parameters
        ----------
        x : array-like of shape (n_dims,) or (n, n_dims)
            One point, or ``n`` points as rows.

        Returns
        -------
        float or ndarray of shape (n,)
            A Python float for one point, an array for a batch.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1 and x.shape[0] == self.n_dims:
            return float(self._evaluate(x[np.newaxis, :])[0])
        if x.ndim == 2 and x.shape[1] == self.n_dims:
            return self._evaluate(x)
        raise ValueError(
            f"The 'x' argument of {self.name} must have shape ({self.n_dims},) or "
            f"(n, {self.n_dims}). Got shape {x.shape} instead."
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the values at the rows of ``x`` (shape (n, n_dims)) as shape (n,)."""
        raise NotImplementedError

    def _param_names(self) -> list[str]:
        return [f"x{j}" for j in range(self.n_dims)]

    def search_space(self) -> dict[str, BaseDistribution]:
        """Return the search space as ``{"x0": FloatDistribution(low, high), ...}``."""
        return {
            name: FloatDistribution(float(low), float(high))
            for name, (low, high) in zip(self._param_names(), self.bounds, strict=True)
        }

    def objective(self, trial: Any) -> float:
        """Suggest every parameter of `search_space` on ``trial`` and return the value.

        ``trial`` is any object with Optuna's ``suggest_float(name, low, high)``
        (bbopt's and Optuna's trials both work).
        """
        x = [
            trial.suggest_float(name, float(low), float(high))
            for name, (low, high) in zip(self._param_names(), self.bounds, strict=True)
        ]
        return float(self._evaluate(np.array([x], dtype=np.float64))[0])

    def regret(self, value: float) -> float:
        """Return ``value - minimum`` (the simple regret of an observed value)."""
        return float(value) - self.minimum
