"""Constrained single-objective engineering design problems, with known optima.

Each is a `ConstrainedTestFunction`: a `TestFunction` with ``n_constraints``
values ``constraints(x)`` (feasible when all are <= 0) and
``trial_constraints(trial)``, a ready ``constraints_func`` for the samplers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bbopt.testfunctions._base import TestFunction

COELLO_2000 = (
    "Coello Coello, C. A. (2000), 'Use of a self-adaptive penalty approach for engineering "
    "optimization problems', Computers in Industry 41(2), 113-127"
)


class ConstrainedTestFunction(TestFunction):
    """A `TestFunction` with inequality constraints; ``minimum`` is the best feasible value.

    Subclasses implement ``_evaluate`` and ``_constraints`` (rows of ``x`` to
    rows of ``n_constraints`` values, feasible when all are <= 0).

    Examples
    --------
    A constrained TPE study on the pressure vessel:

    >>> import bbopt
    >>> from bbopt.testfunctions import PressureVessel
    >>> f = PressureVessel()
    >>> sampler = bbopt.samplers.TPESampler(seed=0, constraints_func=f.trial_constraints)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> study.optimize(f.objective, n_trials=60)
    >>> bool(max(f.constraints(list(study.best_params.values()))) <= 0)
    True
    """

    n_constraints: int

    def constraints(self, x: ArrayLike) -> NDArray[np.float64]:
        """Constraint values at one point (shape (n_constraints,)) or rows (n, n_constraints)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1 and x.shape[0] == self.n_dims:
            return self._constraints(x[np.newaxis, :])[0]
        if x.ndim == 2 and x.shape[1] == self.n_dims:
            return self._constraints(x)
        raise ValueError(
            f"The 'x' argument of {self.name}.constraints must have shape ({self.n_dims},) or "
            f"(n, {self.n_dims}). Got shape {x.shape} instead."
        )

    def trial_constraints(self, trial: Any) -> list[float]:
        """Constraint values at a trial's parameters ``x0, x1, ...``: a ``constraints_func``."""
        x = np.array([[trial.params[name] for name in self._param_names()]], dtype=np.float64)
        return [float(v) for v in self._constraints(x)[0]]

    def _constraints(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError


class WeldedBeam(ConstrainedTestFunction):
    """Welded beam design: the cheapest weld and bar that carry a load (4 parameters).

    Parameters ``(h, l, t, b)``: weld thickness and length, bar height and
    thickness, in inches. Seven constraints: shear stress <= 13,600 psi,
    bending stress <= 30,000 psi, ``h <= b``, a cost bound, ``h >= 0.125``,
    end deflection <= 0.25 in and load <= buckling load. Best known value
    1.724852 at (0.20573, 3.47049, 9.03662, 0.20573).

    Examples
    --------
    >>> from bbopt.testfunctions import WeldedBeam
    >>> f = WeldedBeam()
    >>> x = f.minimizers[0]
    >>> round(f(x), 4), bool((f.constraints(x) <= 1e-3).all())
    (1.7249, True)
    """

    n_constraints = 7

    def __init__(self) -> None:
        super().__init__(4, [[0.1, 2.0], [0.1, 10.0], [0.1, 10.0], [0.1, 2.0]], 1.724852,
                         [[0.205730, 3.470489, 9.036624, 0.205730]], COELLO_2000)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        h, weld, t, b = x.T
        return 1.10471 * h**2 * weld + 0.04811 * t * b * (14.0 + weld)  # type: ignore[no-any-return]

    def _constraints(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        h, weld, t, b = x.T
        load, length, young, shear = 6000.0, 14.0, 30e6, 12e6
        tau_1 = load / (np.sqrt(2.0) * h * weld)
        moment = load * (length + weld / 2.0)
        radius = np.sqrt(weld**2 / 4.0 + ((h + t) / 2.0) ** 2)
        inertia = 2.0 * (np.sqrt(2.0) * h * weld * (weld**2 / 12.0 + ((h + t) / 2.0) ** 2))
        tau_2 = moment * radius / inertia
        tau = np.sqrt(tau_1**2 + tau_1 * tau_2 * weld / radius + tau_2**2)
        sigma = 6.0 * load * length / (b * t**2)
        delta = 4.0 * load * length**3 / (young * t**3 * b)
        buckling = (4.013 * young * np.sqrt(t**2 * b**6 / 36.0) / length**2
                    * (1.0 - t / (2.0 * length) * np.sqrt(young / (4.0 * shear))))
        return np.column_stack([
            tau - 13600.0,
            sigma - 30000.0,
            h - b,
            0.10471 * h**2 + 0.04811 * t * b * (14.0 + weld) - 5.0,
            0.125 - h,
            delta - 0.25,
            load - buckling,
        ])


class PressureVessel(ConstrainedTestFunction):
    """Pressure vessel design: the cheapest cylindrical vessel of a given volume (4 parameters).

    Parameters ``(Ts, Th, R, L)``: shell and head thickness, inner radius and
    length of the cylinder, in inches, all continuous (the thicknesses are
    multiples of 0.0625 in the original problem). Four constraints: minimum
    shell and head thickness for the pressure, a volume of at least
    1,296,000 cubic inches, and ``L <= 240``. Best known value 5885.3328 at
    (0.778169, 0.384649, 40.319619, 200).

    Examples
    --------
    >>> from bbopt.testfunctions import PressureVessel
    >>> f = PressureVessel()
    >>> x = f.minimizers[0]
    >>> round(f(x), 1), bool((f.constraints(x) <= 1e-3).all())
    (5885.3, True)
    """

    n_constraints = 4

    def __init__(self) -> None:
        super().__init__(4, [[0.0625, 6.1875], [0.0625, 6.1875], [10.0, 200.0], [10.0, 200.0]],
                         5885.332774, [[0.778168641, 0.384649163, 40.319618724, 200.0]],
                         COELLO_2000)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        ts, th, r, length = x.T
        return (0.6224 * ts * r * length + 1.7781 * th * r**2  # type: ignore[no-any-return]
                + 3.1661 * ts**2 * length + 19.84 * ts**2 * r)

    def _constraints(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        ts, th, r, length = x.T
        return np.column_stack([
            0.0193 * r - ts,
            0.00954 * r - th,
            1296000.0 - np.pi * r**2 * length - 4.0 / 3.0 * np.pi * r**3,
            length - 240.0,
        ])
