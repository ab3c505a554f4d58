"""Distributions as model dimensions: the one encoding the models share.

TPE, the GP samplers and the importance evaluators model parameters in
internal coordinates (see `bbopt._distributions`); each parameter becomes a
dimension of one kind:

- ``CONTINUOUS``: a float without a step (in log space when ``log=True``);
- ``GRID``: a float with a step, or an int without ``log``: the values
  ``low + k * step``;
- ``LOG_INT``: an int with ``log=True``, continuous in log space over the
  cells of its values;
- ``CATEGORICAL``: the index of a choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

CONTINUOUS, GRID, LOG_INT, CATEGORICAL = 0, 1, 2, 3


class Encoding:
    """The model dimensions of a sequence of distributions.

    Parameters
    ----------
    distributions : sequence of BaseDistribution
    owner : str
        The model, named in the TypeError raised for a distribution it cannot model.

    Attributes
    ----------
    kind : ndarray of int64, shape (d,)
        ``CONTINUOUS``, ``GRID``, ``LOG_INT`` or ``CATEGORICAL``.
    low, high : ndarray of shape (d,)
        The first and last value in internal coordinates: the ends of the grid
        of a ``GRID`` dimension, the cells' bounds of a ``LOG_INT`` one, the
        first and last index of a ``CATEGORICAL`` one.
    step : ndarray of shape (d,)
        Grid step (1 for a categorical), 0 for continuous dimensions.
    internal_low, internal_high : ndarray of shape (d,)
        ``distribution.internal_bounds()``: the values with their half-step cells.
    n_cells : ndarray of shape (d,)
        Number of grid values or choices, 0 for continuous dimensions.
    numeric, categorical : list of int
        Indices of the numeric and the categorical dimensions.

    Examples
    --------
    >>> import bbopt
    >>> enc = Encoding([bbopt.FloatDistribution(1.0, 100.0, log=True),
    ...                 bbopt.IntDistribution(0, 10, step=2),
    ...                 bbopt.CategoricalDistribution(["a", "b", "c"])], "demo")
    >>> enc.kind.tolist(), enc.step.tolist(), enc.n_cells.tolist()
    ([0, 1, 3], [0.0, 2.0, 1.0], [0.0, 6.0, 3.0])
    >>> enc.internal_low[1:].tolist(), enc.numeric, enc.categorical
    ([-1.0, -0.5], [0, 1], [2])
    """

    def __init__(self, distributions: Sequence[BaseDistribution], owner: str) -> None:
        d = len(distributions)
        self.kind = np.zeros(d, dtype=np.int64)
        self.low = np.zeros(d)
        self.high = np.zeros(d)
        self.step = np.zeros(d)
        self.internal_low = np.zeros(d)
        self.internal_high = np.zeros(d)
        self.n_cells = np.zeros(d)
        self.numeric: list[int] = []
        self.categorical: list[int] = []
        for j, dist in enumerate(distributions):
            if not isinstance(dist, (FloatDistribution, IntDistribution,
                                     CategoricalDistribution)):
                raise TypeError(f"{owner} does not support {dist!r}.")
            self.internal_low[j], self.internal_high[j] = dist.internal_bounds()
            if isinstance(dist, CategoricalDistribution):
                self.categorical.append(j)
                self.kind[j] = CATEGORICAL
                self.high[j] = self.n_cells[j] = len(dist.choices)
                self.high[j] -= 1
                self.step[j] = 1.0
                continue
            self.numeric.append(j)
            if isinstance(dist, IntDistribution) and dist.log:
                self.kind[j] = LOG_INT
                self.low[j], self.high[j] = self.internal_low[j], self.internal_high[j]
            elif dist.log:
                self.kind[j] = CONTINUOUS
                self.low[j], self.high[j] = math.log(dist.low), math.log(dist.high)
            elif dist.step is None:
                self.kind[j] = CONTINUOUS
                self.low[j], self.high[j] = dist.low, dist.high
            else:
                self.kind[j] = GRID
                self.low[j], self.high[j], self.step[j] = dist.low, dist.high, dist.step
                self.n_cells[j] = round((dist.high - dist.low) / dist.step) + 1

    @property
    def is_categorical(self) -> NDArray[np.bool_]:
        """Mask of the categorical dimensions, shape (d,)."""
        return self.kind == CATEGORICAL  # type: ignore[no-any-return]
