"""Test functions over mixed continuous, integer and categorical parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from bbopt._validation import ensure_int
from bbopt.testfunctions._base import SFU_LIBRARY, TestFunction
from bbopt.testfunctions._continuous import _ackley


class MixedAckley(TestFunction):
    r"""Shifted Ackley function over continuous, integer and categorical parameters.

    The parameters are ``n_continuous`` reals :math:`x_j \in [-5, 5]`,
    ``n_integer`` integers :math:`z_j \in \{-5, \dots, 5\}` and one categorical
    :math:`c \in \{a, b, c, d\}`. The categorical chooses where the optimum of
    the numeric part lies and adds an offset:

    .. math:: f(x, z, c) = \operatorname{Ackley}(x - s_c, z - t_c) + \delta_c

    where Ackley is `Ackley`'s function of the ``n_continuous + n_integer``
    shifted coordinates, :math:`\delta = (0.6, 0.3, 0, 0.9)`, and for choice
    index :math:`k` and numeric coordinate :math:`q` (continuous ones first),
    the shift is :math:`v_{kq} = 3 \sin(1 + q + 2.5 k)`, rounded to the nearest
    integer for the integer coordinates (so :math:`t_c` lies on the lattice).

    The shifts differ between choices, so the categorical interacts with every
    numeric parameter, and the second-best choice (offset 0.3) is a deceptive
    basin. Since Ackley is non-negative and zero only at the origin, the global
    minimum is exactly 0, reached only at ``c = "c"``, ``x = s_c``, ``z = t_c``.

    Numeric encoding (used by ``__call__``, ``bounds`` and ``minimizers``):
    columns ``x0..``, then ``z0..`` as floats holding integers, then the index
    of the choice of ``c``; `objective` maps trial parameters to it.

    Parameters
    ----------
    n_continuous : int, default 2
        Number of real parameters, ``>= 0``.
    n_integer : int, default 2
        Number of integer parameters, ``>= 0``; ``n_continuous + n_integer >= 1``.

    Attributes
    ----------
    choices : tuple of str
        The choices of ``c``, in index order.
    n_continuous, n_integer : int
        The constructor arguments.

    References
    ----------
    Designed for bbopt. Ackley, D. H. (1987). *A connectionist machine for
    genetic hillclimbing*. Kluwer; Surjanovic & Bingham,
    https://www.sfu.ca/~ssurjano/ackley.html.

    Examples
    --------
    >>> from bbopt.testfunctions import MixedAckley
    >>> f = MixedAckley(n_continuous=2, n_integer=1)
    >>> list(f.search_space())
    ['x0', 'x1', 'z0', 'c']
    >>> f.minimizers.round(4)  # x0, x1, z0, index of c
    array([[-0.8382,  1.971 ,  3.    ,  2.    ]])
    >>> f(f.minimizers[0])
    0.0
    >>> x = f.minimizers[0].copy()
    >>> x[-1] = 1  # choice "b": its optimum lies elsewhere
    >>> round(f(x), 2)
    12.14
    """

    choices: tuple[str, ...] = ("a", "b", "c", "d")
    _offsets = np.array([0.6, 0.3, 0.0, 0.9])
    _low, _high = -5, 5

    def __init__(self, n_continuous: int = 2, n_integer: int = 2) -> None:
        owner = "MixedAckley"
        n_continuous = ensure_int(n_continuous, "n_continuous", owner, minimum=0)
        n_integer = ensure_int(n_integer, "n_integer", owner, minimum=0)
        if n_continuous + n_integer < 1:
            raise ValueError(
                f"The 'n_continuous' and 'n_integer' parameters of {owner} must add up to "
                f"at least 1. Got n_continuous={n_continuous}, n_integer={n_integer} instead."
            )
        self.n_continuous = n_continuous
        self.n_integer = n_integer
        n_numeric = n_continuous + n_integer
        n_choices = len(self.choices)
        # Optimum of the numeric part for each choice: (n_choices, n_numeric).
        shifts = 3.0 * np.sin(
            1.0 + np.arange(n_numeric) + 2.5 * np.arange(n_choices)[:, np.newaxis]
        )
        shifts[:, n_continuous:] = np.rint(shifts[:, n_continuous:])
        self._shifts = shifts
        best = int(np.argmin(self._offsets))
        bounds = np.array(
            [[self._low, self._high]] * n_numeric + [[0, n_choices - 1]], dtype=np.float64
        )
        super().__init__(
            n_numeric + 1,
            bounds,
            float(self._offsets[best]),
            np.append(shifts[best], best)[np.newaxis, :],
            "Designed for bbopt from Ackley, D. H. (1987), A connectionist machine for "
            f"genetic hillclimbing, Kluwer; {SFU_LIBRARY} (ackley).",
            {"n_continuous": n_continuous, "n_integer": n_integer},
        )

    def _param_names(self) -> list[str]:
        return (
            [f"x{j}" for j in range(self.n_continuous)]
            + [f"z{j}" for j in range(self.n_integer)]
            + ["c"]
        )

    def search_space(self) -> dict[str, BaseDistribution]:
        """Return the search space: ``x*`` floats, ``z*`` integers and the categorical ``c``."""
        names = self._param_names()
        space: dict[str, BaseDistribution] = {}
        for name in names[: self.n_continuous]:
            space[name] = FloatDistribution(float(self._low), float(self._high))
        for name in names[self.n_continuous : -1]:
            space[name] = IntDistribution(self._low, self._high)
        space["c"] = CategoricalDistribution(self.choices)
        return space

    def objective(self, trial: Any) -> float:
        """Suggest every parameter of `search_space` on ``trial`` and return the value.

        ``trial`` is any object with Optuna's ``suggest_float``, ``suggest_int``
        and ``suggest_categorical`` (bbopt's and Optuna's trials both work).
        """
        names = self._param_names()
        low, high = self._low, self._high
        x = [
            trial.suggest_float(name, float(low), float(high))
            for name in names[: self.n_continuous]
        ]
        z = [trial.suggest_int(name, low, high) for name in names[self.n_continuous : -1]]
        choice = trial.suggest_categorical("c", self.choices)
        point = np.array([[*x, *z, self.choices.index(choice)]], dtype=np.float64)  # (1, n_dims)
        return float(self._evaluate(point)[0])

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        n_numeric = self.n_dims - 1
        integers = x[:, self.n_continuous : n_numeric]
        index = x[:, n_numeric]
        bad_int = ~(integers == np.rint(integers))
        if np.any(bad_int):
            row, col = np.argwhere(bad_int)[0]
            raise ValueError(
                f"The 'x' argument of {self.name} must hold integers in columns "
                f"{self.n_continuous}..{n_numeric - 1}. Got {float(integers[row, col])!r} in row "
                f"{row}, column {self.n_continuous + col} instead."
            )
        bad_index = ~np.isin(index, np.arange(len(self.choices)))
        if np.any(bad_index):
            row = int(np.argmax(bad_index))
            raise ValueError(
                f"The 'x' argument of {self.name} must hold a choice index in "
                f"{{0, ..., {len(self.choices) - 1}}} in column {n_numeric}. "
                f"Got {float(index[row])!r} in row {row} instead."
            )
        k = index.astype(np.intp)
        return _ackley(x[:, :n_numeric] - self._shifts[k]) + self._offsets[k]
