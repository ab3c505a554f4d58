"""Continuous test functions of the global-optimisation literature.

Definitions, domains and minima follow Surjanovic & Bingham's Virtual Library
of Simulation Experiments (https://www.sfu.ca/~ssurjano/) and the papers it
cites; where a published minimum is rounded, the value here was recomputed
(see each docstring).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from bbopt.testfunctions._base import SFU_LIBRARY, TestFunction, _check_n_dims


def _box(n_dims: int, low: float, high: float) -> NDArray[np.float64]:
    """Bounds ``[low, high]^n_dims`` as an array of shape (n_dims, 2)."""
    return np.tile(np.array([low, high], dtype=np.float64), (n_dims, 1))


class Sphere(TestFunction):
    r"""Sphere function (De Jong's function 1), convex and unimodal.

    .. math:: f(x) = \sum_{i=1}^{d} x_i^2

    Domain :math:`[-5.12, 5.12]^d`; global minimum :math:`f(0, \dots, 0) = 0`.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 1``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/spheref.html;
    De Jong, K. A. (1975). An analysis of the behavior of a class of genetic
    adaptive systems. PhD thesis, University of Michigan.

    Examples
    --------
    >>> from bbopt.testfunctions import Sphere
    >>> f = Sphere(3)
    >>> f([1.0, 2.0, 2.0])
    9.0
    >>> f.minimum, f.minimizers
    (0.0, array([[0., 0., 0.]]))
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "Sphere", 1)
        super().__init__(
            n_dims,
            _box(n_dims, -5.12, 5.12),
            0.0,
            np.zeros((1, n_dims)),
            f"{SFU_LIBRARY} (spheref); De Jong, K. A. (1975), An analysis of the "
            "behavior of a class of genetic adaptive systems, PhD thesis, Univ. of Michigan.",
            {"n_dims": n_dims},
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.sum(x * x, axis=1)


class Branin(TestFunction):
    r"""Branin (Branin-Hoo) function: two dimensions, three global minimisers.

    .. math::

        f(x) = a (x_2 - b x_1^2 + c x_1 - r)^2 + s (1 - t) \cos(x_1) + s,

    with :math:`a = 1`, :math:`b = 5.1 / (4 \pi^2)`, :math:`c = 5 / \pi`,
    :math:`r = 6`, :math:`s = 10`, :math:`t = 1 / (8 \pi)`.

    Domain :math:`x_1 \in [-5, 10]`, :math:`x_2 \in [0, 15]`. Global minimum
    :math:`s t = 5 / (4 \pi) \approx 0.397887` at :math:`(-\pi, 12.275)`,
    :math:`(\pi, 2.275)` and :math:`(3 \pi, 2.475)` (exact: there the square
    vanishes and :math:`\cos x_1 = -1`).

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/branin.html;
    Dixon, L. C. W. & Szegő, G. P. (1978). The global optimization problem: an
    introduction. In *Towards Global Optimisation 2*, pp. 1-15. North-Holland.

    Examples
    --------
    >>> from bbopt.testfunctions import Branin
    >>> f = Branin()
    >>> round(f(f.minimizers[0]), 6)
    0.397887
    >>> f.minimizers.shape
    (3, 2)
    """

    _a = 1.0
    _b = 5.1 / (4.0 * math.pi**2)
    _c = 5.0 / math.pi
    _r = 6.0
    _s = 10.0
    _t = 1.0 / (8.0 * math.pi)

    def __init__(self) -> None:
        super().__init__(
            2,
            [[-5.0, 10.0], [0.0, 15.0]],
            5.0 / (4.0 * math.pi),
            [[-math.pi, 12.275], [math.pi, 2.275], [3.0 * math.pi, 2.475]],
            f"{SFU_LIBRARY} (branin); Dixon, L. C. W. & Szegő, G. P. (1978), The global "
            "optimization problem: an introduction, Towards Global Optimisation 2, 1-15.",
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        x1, x2 = x[:, 0], x[:, 1]
        square = x2 - self._b * x1**2 + self._c * x1 - self._r
        return self._a * square**2 + self._s * (1.0 - self._t) * np.cos(x1) + self._s


def _hartmann(
    x: NDArray[np.float64],
    alpha: NDArray[np.float64],
    a: NDArray[np.float64],
    p: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``-sum_i alpha_i exp(-sum_j a_ij (x_j - p_ij)^2)`` over the rows of x (n, d)."""
    diff = x[:, np.newaxis, :] - p  # (n, 4, d)
    inner = np.sum(a * diff * diff, axis=2)  # (n, 4)
    return -(np.exp(-inner) @ alpha)


_HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])

_HARTMANN_REFERENCE = (
    "Hartman, J. K. (1973), Some experiments in global optimization, Naval Research "
    "Logistics Quarterly 20(3), 569-576; Dixon, L. C. W. & Szegő, G. P. (1978), "
    "Towards Global Optimisation 2, North-Holland."
)


class Hartmann3(TestFunction):
    r"""Hartmann function in three dimensions: four Gaussian wells.

    .. math::

        f(x) = -\sum_{i=1}^{4} \alpha_i
               \exp\Big(-\sum_{j=1}^{3} A_{ij} (x_j - P_{ij})^2\Big)

    with the constants :math:`\alpha`, :math:`A`, :math:`P` of Dixon & Szegő
    (1978). Domain :math:`[0, 1]^3`.

    Global minimum :math:`f^* \approx -3.86278` (published) at
    :math:`(0.114614, 0.555649, 0.852547)` (published, accurate to about 1e-5
    in ``f``). Here the published point was refined by Newton's method with the
    analytic gradient and Hessian to the stationary point
    ``(0.11458887665506896, 0.5556488946169301, 0.8525469846866774)``, where
    :math:`f^* = -3.862779787332663`; ``minimum`` and ``minimizers`` hold
    these refined values (a multi-start L-BFGS-B search finds nothing lower).

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/hart3.html;
    Hartman, J. K. (1973). Some experiments in global optimization. *Naval
    Research Logistics Quarterly*, 20(3), 569-576; Dixon & Szegő (1978).

    Examples
    --------
    >>> from bbopt.testfunctions import Hartmann3
    >>> f = Hartmann3()
    >>> round(f([0.114614, 0.555649, 0.852547]), 5)
    -3.86278
    >>> f.regret(f(f.minimizers[0])) < 1e-12
    True
    """

    _A = np.array(
        [[3.0, 10.0, 30.0], [0.1, 10.0, 35.0], [3.0, 10.0, 30.0], [0.1, 10.0, 35.0]]
    )
    _P = 1e-4 * np.array(
        [[3689.0, 1170.0, 2673.0], [4699.0, 4387.0, 7470.0],
         [1091.0, 8732.0, 5547.0], [381.0, 5743.0, 8828.0]]
    )

    def __init__(self) -> None:
        super().__init__(
            3,
            _box(3, 0.0, 1.0),
            -3.862779787332663,
            [[0.11458887665506896, 0.5556488946169301, 0.8525469846866774]],
            f"{SFU_LIBRARY} (hart3); {_HARTMANN_REFERENCE}",
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return _hartmann(x, _HARTMANN_ALPHA, self._A, self._P)


class Hartmann6(TestFunction):
    r"""Hartmann function in six dimensions: four Gaussian wells.

    .. math::

        f(x) = -\sum_{i=1}^{4} \alpha_i
               \exp\Big(-\sum_{j=1}^{6} A_{ij} (x_j - P_{ij})^2\Big)

    with the constants :math:`\alpha`, :math:`A`, :math:`P` of Dixon & Szegő
    (1978). Domain :math:`[0, 1]^6`.

    Global minimum :math:`f^* \approx -3.32237` (published) at
    :math:`(0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)`
    (published, accurate to about 1e-5 in ``f``). Here the published point was
    refined by Newton's method with the analytic gradient and Hessian to the
    stationary point given in ``minimizers``, where
    :math:`f^* = -3.322368011415515`; ``minimum`` holds this refined value.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/hart6.html;
    Hartman (1973); Dixon & Szegő (1978).

    Examples
    --------
    >>> from bbopt.testfunctions import Hartmann6
    >>> f = Hartmann6()
    >>> round(f([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]), 5)
    -3.32237
    >>> round(f.minimum, 10)
    -3.3223680114
    """

    _A = np.array(
        [[10.0, 3.0, 17.0, 3.5, 1.7, 8.0], [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
         [3.0, 3.5, 1.7, 10.0, 17.0, 8.0], [17.0, 8.0, 0.05, 10.0, 0.1, 14.0]]
    )
    _P = 1e-4 * np.array(
        [[1312.0, 1696.0, 5569.0, 124.0, 8283.0, 5886.0],
         [2329.0, 4135.0, 8307.0, 3736.0, 1004.0, 9991.0],
         [2348.0, 1451.0, 3522.0, 2883.0, 3047.0, 6650.0],
         [4047.0, 8828.0, 8732.0, 5743.0, 1091.0, 381.0]]
    )

    def __init__(self) -> None:
        super().__init__(
            6,
            _box(6, 0.0, 1.0),
            -3.322368011415515,
            [[0.20168951100670543, 0.15001069182345797, 0.47687397422189703,
              0.2753324304940561, 0.31165161660011326, 0.6573005340656204]],
            f"{SFU_LIBRARY} (hart6); {_HARTMANN_REFERENCE}",
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return _hartmann(x, _HARTMANN_ALPHA, self._A, self._P)


class Rosenbrock(TestFunction):
    r"""Rosenbrock function: a curved, narrow valley.

    .. math:: f(x) = \sum_{i=1}^{d-1} \big[100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2\big]

    Domain :math:`[-5, 10]^d`; global minimum :math:`f(1, \dots, 1) = 0`.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/rosen.html;
    Rosenbrock, H. H. (1960). An automatic method for finding the greatest or
    least value of a function. *The Computer Journal*, 3(3), 175-184.

    Examples
    --------
    >>> from bbopt.testfunctions import Rosenbrock
    >>> f = Rosenbrock(10)
    >>> f
    Rosenbrock(n_dims=10)
    >>> f(f.minimizers[0])
    0.0
    >>> f([[0.0] * 10, [1.0] * 10])
    array([9., 0.])
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "Rosenbrock", 2)
        super().__init__(
            n_dims,
            _box(n_dims, -5.0, 10.0),
            0.0,
            np.ones((1, n_dims)),
            f"{SFU_LIBRARY} (rosen); Rosenbrock, H. H. (1960), An automatic method for "
            "finding the greatest or least value of a function, The Computer Journal 3(3), "
            "175-184.",
            {"n_dims": n_dims},
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        head, tail = x[:, :-1], x[:, 1:]
        return np.sum(100.0 * (tail - head * head) ** 2 + (head - 1.0) ** 2, axis=1)


def _ackley(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ackley's function (a = 20, b = 0.2, c = 2 pi) of the rows of x (n, d)."""
    radius = np.sqrt(np.mean(x * x, axis=1))
    mean_cos = np.mean(np.cos(2.0 * math.pi * x), axis=1)
    # -a exp(-b r) + a  and  -exp(mean cos) + e, each >= 0 in floating point too.
    return -20.0 * np.expm1(-0.2 * radius) - math.e * np.expm1(mean_cos - 1.0)


class Ackley(TestFunction):
    r"""Ackley function: a nearly flat outer region and many local minima.

    .. math::

        f(x) = -a \exp\Big(-b \sqrt{\tfrac{1}{d} \textstyle\sum_i x_i^2}\Big)
               - \exp\Big(\tfrac{1}{d} \textstyle\sum_i \cos(c x_i)\Big) + a + e

    with :math:`a = 20`, :math:`b = 0.2`, :math:`c = 2 \pi`. Domain
    :math:`[-32.768, 32.768]^d`; global minimum :math:`f(0, \dots, 0) = 0`.
    (Evaluated as ``-a expm1(-b r) - e expm1(mean cos - 1)``, a sum of two
    terms that are non-negative in floating point too.)

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 1``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/ackley.html;
    Ackley, D. H. (1987). *A connectionist machine for genetic hillclimbing*.
    Kluwer Academic Publishers.

    Examples
    --------
    >>> from bbopt.testfunctions import Ackley
    >>> f = Ackley(2)
    >>> f([0.0, 0.0])
    0.0
    >>> round(f([1.0, 1.0]), 6)
    3.625385
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "Ackley", 1)
        super().__init__(
            n_dims,
            _box(n_dims, -32.768, 32.768),
            0.0,
            np.zeros((1, n_dims)),
            f"{SFU_LIBRARY} (ackley); Ackley, D. H. (1987), A connectionist machine for "
            "genetic hillclimbing, Kluwer.",
            {"n_dims": n_dims},
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return _ackley(x)


class Levy(TestFunction):
    r"""Levy function: many local minima along a rugged valley.

    With :math:`w_i = 1 + (x_i - 1) / 4`,

    .. math::

        f(x) = \sin^2(\pi w_1)
               + \sum_{i=1}^{d-1} (w_i - 1)^2 \big[1 + 10 \sin^2(\pi w_i + 1)\big]
               + (w_d - 1)^2 \big[1 + \sin^2(2 \pi w_d)\big]

    Domain :math:`[-10, 10]^d`; global minimum :math:`f(1, \dots, 1) = 0`.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 1``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/levy.html;
    Levy, A. V. & Montalvo, A. (1985). The tunneling algorithm for the global
    minimization of functions. *SIAM J. Sci. Stat. Comput.*, 6(1), 15-29.

    Examples
    --------
    >>> from bbopt.testfunctions import Levy
    >>> f = Levy(4)
    >>> f(f.minimizers[0]) < 1e-30
    True
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "Levy", 1)
        super().__init__(
            n_dims,
            _box(n_dims, -10.0, 10.0),
            0.0,
            np.ones((1, n_dims)),
            f"{SFU_LIBRARY} (levy); Levy, A. V. & Montalvo, A. (1985), The tunneling "
            "algorithm for the global minimization of functions, SIAM J. Sci. Stat. "
            "Comput. 6(1), 15-29.",
            {"n_dims": n_dims},
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        w = 1.0 + 0.25 * (x - 1.0)
        first = np.sin(math.pi * w[:, 0]) ** 2
        head = w[:, :-1]
        middle = np.sum(
            (head - 1.0) ** 2 * (1.0 + 10.0 * np.sin(math.pi * head + 1.0) ** 2), axis=1
        )
        last = w[:, -1]
        return first + middle + (last - 1.0) ** 2 * (1.0 + np.sin(2.0 * math.pi * last) ** 2)


class Rastrigin(TestFunction):
    r"""Rastrigin function: a regular lattice of local minima.

    .. math:: f(x) = 10 d + \sum_{i=1}^{d} \big[x_i^2 - 10 \cos(2 \pi x_i)\big]

    Domain :math:`[-5.12, 5.12]^d`; global minimum :math:`f(0, \dots, 0) = 0`.
    (Evaluated as :math:`\sum_i [x_i^2 + 20 \sin^2(\pi x_i)]`, the same
    function written as a sum of non-negative terms.)

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 1``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/rastr.html;
    Rastrigin, L. A. (1974). *Systems of extremal control*. Nauka, Moscow;
    Mühlenbein, H., Schomisch, M. & Born, J. (1991). The parallel genetic
    algorithm as function optimizer. *Parallel Computing*, 17, 619-632.

    Examples
    --------
    >>> from bbopt.testfunctions import Rastrigin
    >>> f = Rastrigin(2)
    >>> round(f([1.0, 0.5]), 10)
    21.25
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "Rastrigin", 1)
        super().__init__(
            n_dims,
            _box(n_dims, -5.12, 5.12),
            0.0,
            np.zeros((1, n_dims)),
            f"{SFU_LIBRARY} (rastr); Rastrigin, L. A. (1974), Systems of extremal control, "
            "Nauka; Mühlenbein, H., Schomisch, M. & Born, J. (1991), The parallel genetic "
            "algorithm as function optimizer, Parallel Computing 17, 619-632.",
            {"n_dims": n_dims},
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        # 10 - 10 cos(2 pi x) == 20 sin^2(pi x): no cancellation near the minimum.
        return np.sum(x * x + 20.0 * np.sin(math.pi * x) ** 2, axis=1)


def _styblinski_tang_root() -> float:
    """Smallest root of ``4 x^3 - 32 x + 5`` (the minimiser of one coordinate)."""
    # Trigonometric solution of x^3 + p x + q = 0 (three real roots), k = 2 branch,
    # then Newton steps to full precision.
    p, q = -8.0, 1.25
    radius = 2.0 * math.sqrt(-p / 3.0)
    angle = math.acos(1.5 * q / p * math.sqrt(-3.0 / p)) / 3.0
    x = radius * math.cos(angle - 4.0 * math.pi / 3.0)
    for _ in range(3):
        x -= (4.0 * x**3 - 32.0 * x + 5.0) / (12.0 * x**2 - 32.0)
    return x


_ST_ROOT = _styblinski_tang_root()  # -2.903534027771177...
_ST_MIN_1D = 0.5 * (_ST_ROOT**4 - 16.0 * _ST_ROOT**2 + 5.0 * _ST_ROOT)  # -39.16616570377142


class StyblinskiTang(TestFunction):
    r"""Styblinski-Tang function: separable, :math:`2^d` local minima.

    .. math:: f(x) = \frac{1}{2} \sum_{i=1}^{d} (x_i^4 - 16 x_i^2 + 5 x_i)

    Domain :math:`[-5, 5]^d`. Global minimum at :math:`x_i = x^*` for all
    :math:`i`, where :math:`x^* = -2.9035340277711770...` is the smallest root
    of :math:`4 x^3 - 32 x + 5` (computed in closed form), with
    :math:`f^* = -39.16616570377142\, d`. (Surjanovic & Bingham print
    :math:`-39.16599\, d`, which is slightly off; the value here is exact.)

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 1``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/stybtang.html;
    Styblinski, M. A. & Tang, T.-S. (1990). Experiments in nonconvex
    optimization: stochastic approximation with function smoothing and
    simulated annealing. *Neural Networks*, 3(4), 467-483.

    Examples
    --------
    >>> from bbopt.testfunctions import StyblinskiTang
    >>> f = StyblinskiTang(2)
    >>> round(f.minimum, 8)
    -78.33233141
    >>> f.minimizers.round(6)
    array([[-2.903534, -2.903534]])
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "StyblinskiTang", 1)
        super().__init__(
            n_dims,
            _box(n_dims, -5.0, 5.0),
            n_dims * _ST_MIN_1D,
            np.full((1, n_dims), _ST_ROOT),
            f"{SFU_LIBRARY} (stybtang); Styblinski, M. A. & Tang, T.-S. (1990), Experiments "
            "in nonconvex optimization: stochastic approximation with function smoothing "
            "and simulated annealing, Neural Networks 3(4), 467-483.",
            {"n_dims": n_dims},
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        x2 = x * x
        return 0.5 * np.sum(x2 * x2 - 16.0 * x2 + 5.0 * x, axis=1)


class Griewank(TestFunction):
    r"""Griewank function: a bowl covered with regular local minima.

    .. math::

        f(x) = \sum_{i=1}^{d} \frac{x_i^2}{4000}
               - \prod_{i=1}^{d} \cos\Big(\frac{x_i}{\sqrt{i}}\Big) + 1

    Domain :math:`[-600, 600]^d`; global minimum :math:`f(0, \dots, 0) = 0`.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 1``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/griewank.html;
    Griewank, A. O. (1981). Generalized descent for global optimization.
    *Journal of Optimization Theory and Applications*, 34(1), 11-39.

    Examples
    --------
    >>> from bbopt.testfunctions import Griewank
    >>> f = Griewank(2)
    >>> f([0.0, 0.0])
    0.0
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "Griewank", 1)
        super().__init__(
            n_dims,
            _box(n_dims, -600.0, 600.0),
            0.0,
            np.zeros((1, n_dims)),
            f"{SFU_LIBRARY} (griewank); Griewank, A. O. (1981), Generalized descent for "
            "global optimization, J. Optim. Theory Appl. 34(1), 11-39.",
            {"n_dims": n_dims},
        )
        self._inv_sqrt_index = 1.0 / np.sqrt(np.arange(1.0, n_dims + 1.0))  # (n_dims,)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        product = np.prod(np.cos(x * self._inv_sqrt_index), axis=1)
        return np.sum(x * x, axis=1) / 4000.0 + (1.0 - product)


_MICHALEWICZ_M = 10


def _michalewicz_minimizer(n_dims: int) -> NDArray[np.float64]:
    """Global minimiser of the Michalewicz function (m = 10) on ``[0, pi]^n_dims``.

    The function is a sum of ``g_i(x) = -sin(x) sin(i x^2 / pi)^(2m)``, so each
    coordinate is minimised alone. The zeros ``pi sqrt(j / i)``, j = 0..i, of
    the second factor cut ``[0, pi]`` into ``i`` basins; on each basin
    ``log(-g_i) = log sin x + 2m log|sin u|`` (``u = i x^2 / pi``) is strictly
    concave (``sin u cos u < 2u``), so ``g_i`` has exactly one minimum there,
    the root of ``h(x) = cot x + 2m cot(u) du/dx``, which decreases from +inf
    to -inf across the basin: bisection finds it to machine precision.
    Since ``g_i >= -sin x``, only basins that reach closer to ``pi / 2`` than
    the peak ``pi sqrt((j + 1/2) / i)`` nearest to it (where ``g_i = -sin x``)
    can hold the global minimum of ``g_i``; those few basins are searched.
    """
    index = np.arange(1.0, n_dims + 1.0)[:, np.newaxis]  # (n_dims, 1)
    half_pi = 0.5 * math.pi
    # Peak nearest to pi / 2 among j = round(i / 4 - 1/2) + {-1, 0, 1}.
    near = np.rint(index / 4.0 - 0.5) + np.array([-1.0, 0.0, 1.0])  # (n_dims, 3)
    near = np.clip(near, 0.0, index - 1.0)
    dist = np.abs(math.pi * np.sqrt((near + 0.5) / index) - half_pi)
    radius = np.min(dist, axis=1, keepdims=True)  # (n_dims, 1)
    # Basins [pi sqrt(j / i), pi sqrt((j + 1) / i)] meeting (pi/2 - radius, pi/2 + radius),
    # widened by one on each side against rounding.
    j_low = np.floor(index * ((half_pi - radius) / math.pi) ** 2) - 1.0
    j_high = np.ceil(index * ((half_pi + radius) / math.pi) ** 2) + 1.0
    j_low = np.clip(j_low, 0.0, index - 1.0)
    j_high = np.clip(j_high, 0.0, index - 1.0)
    n_basins = int(np.max(j_high - j_low)) + 1
    basin = j_low + np.arange(n_basins)  # (n_dims, n_basins)
    valid = basin <= j_high
    basin = np.minimum(basin, j_high)
    low = math.pi * np.sqrt(basin / index)
    high = math.pi * np.sqrt((basin + 1.0) / index)
    two_m = 2.0 * _MICHALEWICZ_M
    for _ in range(80):
        mid = 0.5 * (low + high)
        u = index * mid * mid / math.pi
        slope = 1.0 / np.tan(mid) + two_m / np.tan(u) * (2.0 * index * mid / math.pi)
        rising = slope > 0.0
        low = np.where(rising, mid, low)
        high = np.where(rising, high, mid)
    x = 0.5 * (low + high)
    values = -np.sin(x) * np.sin(index * x * x / math.pi) ** (2 * _MICHALEWICZ_M)
    values = np.where(valid, values, np.inf)
    best = np.argmin(values, axis=1)
    return x[np.arange(n_dims), best]


class Michalewicz(TestFunction):
    r"""Michalewicz function (m = 10): steep, narrow valleys; separable.

    .. math:: f(x) = -\sum_{i=1}^{d} \sin(x_i) \sin^{2m}\Big(\frac{i x_i^2}{\pi}\Big),
              \quad m = 10

    Domain :math:`[0, \pi]^d`. The literature gives the global minimum only for
    a few dimensions: :math:`-1.8013` (d = 2, at :math:`(2.20, 1.57)`),
    :math:`-4.687658` (d = 5) and :math:`-9.66015` (d = 10), and no closed-form
    minimiser. Because the function is a sum of one-dimensional terms, the
    minimiser is computed here for every ``d`` at construction: each term has a
    single minimum on each interval between the zeros of its second factor,
    found by bisection to machine precision, and only the few intervals near
    :math:`x = \pi / 2` can hold the smallest one. ``minimizers`` holds that
    point and ``minimum`` the value there; they agree with the published values
    above to all their digits.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 1``.

    References
    ----------
    Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/michal.html;
    Michalewicz, Z. (1996). *Genetic Algorithms + Data Structures = Evolution
    Programs*, 3rd ed. Springer.

    Examples
    --------
    >>> from bbopt.testfunctions import Michalewicz
    >>> f = Michalewicz(2)
    >>> round(f.minimum, 4)
    -1.8013
    >>> f.minimizers.round(2)
    array([[2.2 , 1.57]])
    >>> round(Michalewicz(10).minimum, 5)
    -9.66015
    """

    def __init__(self, n_dims: int) -> None:
        n_dims = _check_n_dims(n_dims, "Michalewicz", 1)
        self._index = np.arange(1.0, n_dims + 1.0)  # (n_dims,)
        minimizer = _michalewicz_minimizer(n_dims)[np.newaxis, :]  # (1, n_dims)
        super().__init__(
            n_dims,
            _box(n_dims, 0.0, math.pi),
            float(self._evaluate(minimizer)[0]),
            minimizer,
            f"{SFU_LIBRARY} (michal); Michalewicz, Z. (1996), Genetic Algorithms + Data "
            "Structures = Evolution Programs, Springer.",
            {"n_dims": n_dims},
        )

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        ripple = np.sin(self._index * x * x / math.pi) ** (2 * _MICHALEWICZ_M)
        return -np.sum(np.sin(x) * ripple, axis=1)


# -- ill-conditioned and rotated functions (BBOB) ---------------------------------------
_BBOB = (
    "Hansen, N., Finck, S., Ros, R. & Auger, A. (2009), Real-Parameter Black-Box "
    "Optimization Benchmarking 2009: Noiseless Functions Definitions, INRIA research "
    "report RR-6829"
)


def _rotation(n_dims: int, seed: int) -> NDArray[np.float64]:
    """A random orthogonal matrix (QR of a Gaussian matrix, signs fixed), from ``seed``."""
    rng = np.random.default_rng([seed, n_dims, 1])
    q, r = np.linalg.qr(rng.standard_normal((n_dims, n_dims)))
    return q * np.sign(np.diag(r))


def _shift(n_dims: int, seed: int) -> NDArray[np.float64]:
    """An optimum drawn uniformly in [-4, 4]^n_dims from ``seed``, as BBOB does."""
    return np.random.default_rng([seed, n_dims, 2]).uniform(-4.0, 4.0, n_dims)


def _scales(n_dims: int, exponent: float) -> NDArray[np.float64]:
    """(10^exponent)^((i - 1) / (d - 1)) for i = 1..d (1 when d = 1)."""
    if n_dims == 1:
        return np.ones(1)
    return 10.0 ** (exponent * np.arange(n_dims) / (n_dims - 1))


class _RotatedBBOB(TestFunction):
    """A BBOB function of z = R (x - x_opt) on [-5, 5]^d, minimum 0 at x_opt.

    The rotation R and the optimum x_opt are drawn from ``seed``; BBOB's
    oscillation and asymmetry transformations (T_osz, T_asy) and its offset
    f_opt are left out, so that the minimum is exactly 0.
    """

    _min_dims = 2

    def __init__(self, n_dims: int, seed: int = 0) -> None:
        n_dims = _check_n_dims(n_dims, type(self).__name__, self._min_dims)
        self.seed = int(seed)
        self.rotation = _rotation(n_dims, self.seed)
        self.optimum = self._optimum(n_dims)
        super().__init__(n_dims, _box(n_dims, -5.0, 5.0), 0.0, self.optimum[np.newaxis, :],
                         f"{_BBOB}, function f{self._bbob_number}.",
                         {"n_dims": n_dims, "seed": self.seed})
        self.rotation.flags.writeable = False
        self.optimum.flags.writeable = False

    _bbob_number = 0

    def _optimum(self, n_dims: int) -> NDArray[np.float64]:
        return _shift(n_dims, self.seed)

    def _z(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return (x - self.optimum) @ self.rotation.T


class RotatedEllipsoid(_RotatedBBOB):
    r"""Rotated ellipsoid (BBOB f10): condition number 10^6 along rotated axes.

    .. math:: f(x) = \sum_{i=1}^{d} 10^{6 (i-1)/(d-1)} z_i^2,\quad z = R (x - x^*)

    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0`. The rotation
    and :math:`x^*` are drawn from ``seed`` (without BBOB's T_osz).

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation ``R`` and the optimum ``x^*``.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f10.

    Examples
    --------
    >>> from bbopt.testfunctions import RotatedEllipsoid
    >>> f = RotatedEllipsoid(10)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 10

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._z(x)
        return (z * z) @ _scales(self.n_dims, 6.0)


class AttractiveSector(_RotatedBBOB):
    r"""Attractive sector (BBOB f6): an optimum at the tip of a cone, 100 times
    steeper on the side facing away from the origin.

    .. math:: f(x) = \Big(\sum_{i=1}^{d} (s_i z_i)^2\Big)^{0.9},\quad
              s_i = \begin{cases} 100 & z_i x^*_i > 0 \\ 1 & \text{otherwise}
              \end{cases},\quad z = \Lambda^{10} R (x - x^*)

    with :math:`\Lambda^{10}` diagonal, :math:`\Lambda_{ii} = 10^{(i-1)/(2(d-1))}`.
    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0` (without
    BBOB's T_osz and second rotation).

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation and the optimum.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f6.

    Examples
    --------
    >>> from bbopt.testfunctions import AttractiveSector
    >>> f = AttractiveSector(5)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 6

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._z(x) * np.sqrt(_scales(self.n_dims, 1.0))
        steep = np.where(z * self.optimum > 0.0, 100.0, 1.0)
        return np.sum((steep * z) ** 2, axis=1) ** 0.9


class Discus(_RotatedBBOB):
    r"""Discus, or tablet (BBOB f11): one rotated direction 10^6 times more sensitive.

    .. math:: f(x) = 10^6 z_1^2 + \sum_{i=2}^{d} z_i^2,\quad z = R (x - x^*)

    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0`.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation and the optimum.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f11.

    Examples
    --------
    >>> from bbopt.testfunctions import Discus
    >>> f = Discus(5)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 11

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._z(x)
        return 1e6 * z[:, 0] ** 2 + np.sum(z[:, 1:] ** 2, axis=1)


class BentCigar(_RotatedBBOB):
    r"""Bent cigar (BBOB f12): a ridge, one rotated direction 10^6 times less sensitive.

    .. math:: f(x) = z_1^2 + 10^6 \sum_{i=2}^{d} z_i^2,\quad z = R (x - x^*)

    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0` (without
    BBOB's T_asy, which bends the ridge).

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation and the optimum.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f12.

    Examples
    --------
    >>> from bbopt.testfunctions import BentCigar
    >>> f = BentCigar(5)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 12

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._z(x)
        return z[:, 0] ** 2 + 1e6 * np.sum(z[:, 1:] ** 2, axis=1)


class SharpRidge(_RotatedBBOB):
    r"""Sharp ridge (BBOB f13): a ridge along one rotated direction whose sides
    are not differentiable, so that step sizes must shrink to follow it.

    .. math:: f(x) = z_1^2 + 100 \sqrt{\sum_{i=2}^{d} z_i^2},\quad
              z = \Lambda^{10} R (x - x^*)

    with :math:`\Lambda^{10}` diagonal, :math:`\Lambda_{ii} = 10^{(i-1)/(2(d-1))}`.
    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0` (without
    BBOB's second rotation).

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation and the optimum.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f13.

    Examples
    --------
    >>> from bbopt.testfunctions import SharpRidge
    >>> f = SharpRidge(5)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 13

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._z(x) * np.sqrt(_scales(self.n_dims, 1.0))
        return z[:, 0] ** 2 + 100.0 * np.sqrt(np.sum(z[:, 1:] ** 2, axis=1))


class RotatedRastrigin(_RotatedBBOB):
    r"""Rotated Rastrigin (BBOB f15): a regular grid of local minima, turned so
    that the function is not separable.

    .. math:: f(x) = 10 \Big(d - \sum_{i=1}^{d} \cos(2 \pi z_i)\Big) + \|z\|^2,\quad
              z = \Lambda^{10} R (x - x^*)

    with :math:`\Lambda^{10}` diagonal, :math:`\Lambda_{ii} = 10^{(i-1)/(2(d-1))}`.
    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0` (without
    BBOB's T_osz, T_asy and second rotation).

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation and the optimum.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f15.

    Examples
    --------
    >>> from bbopt.testfunctions import RotatedRastrigin
    >>> f = RotatedRastrigin(5)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 15

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._z(x) * np.sqrt(_scales(self.n_dims, 1.0))
        ripples = self.n_dims - np.sum(np.cos(2.0 * math.pi * z), axis=1)
        return np.maximum(10.0 * ripples + np.sum(z * z, axis=1), 0.0)


class DifferentPowers(_RotatedBBOB):
    r"""Sum of different powers (BBOB f14): sensitivities that vary near the optimum.

    .. math:: f(x) = \sqrt{\sum_{i=1}^{d} |z_i|^{2 + 4 (i-1)/(d-1)}},\quad z = R (x - x^*)

    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0`.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation and the optimum.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f14.

    Examples
    --------
    >>> from bbopt.testfunctions import DifferentPowers
    >>> f = DifferentPowers(5)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 14

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = np.abs(self._z(x))
        powers = 2.0 + 4.0 * np.arange(self.n_dims) / (self.n_dims - 1)
        return np.sqrt(np.sum(z**powers, axis=1))


class SchafferF7(_RotatedBBOB):
    r"""Schaffer's F7 (BBOB f17): multimodal, moderately ill-conditioned (10).

    .. math:: f(x) = \Big(\frac{1}{d-1} \sum_{i=1}^{d-1} \sqrt{s_i}
              + \sqrt{s_i} \sin^2(50 s_i^{1/5})\Big)^2,\quad
              s_i = \sqrt{z_i^2 + z_{i+1}^2},\quad z = \Lambda^{10} R (x - x^*)

    with :math:`\Lambda^{10}` diagonal, :math:`\Lambda_{ii} = 10^{(i-1)/(2(d-1))}`.
    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0` (without
    BBOB's T_asy, second rotation and boundary penalty).

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation and the optimum.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f17.

    Examples
    --------
    >>> from bbopt.testfunctions import SchafferF7
    >>> f = SchafferF7(4)
    >>> f(f.minimizers[0])
    0.0
    """

    _bbob_number = 17

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._z(x) * np.sqrt(_scales(self.n_dims, 1.0))
        s = np.sqrt(z[:, :-1] ** 2 + z[:, 1:] ** 2)
        root = np.sqrt(s)
        inner = np.sum(root + root * np.sin(50.0 * s**0.2) ** 2, axis=1) / (self.n_dims - 1)
        return inner * inner


class GriewankRosenbrock(_RotatedBBOB):
    r"""Composite Griewank-Rosenbrock F8F2 (BBOB f19): a rugged, rotated Rosenbrock.

    .. math:: f(x) = \frac{10}{d-1} \sum_{i=1}^{d-1}
              \Big(\frac{s_i}{4000} - \cos s_i\Big) + 10,\quad
              s_i = 100 (z_i^2 - z_{i+1})^2 + (z_i - 1)^2,\quad
              z = \max\big(1, \tfrac{\sqrt d}{8}\big) R x + \tfrac12

    Domain :math:`[-5, 5]^d`; global minimum :math:`f(x^*) = 0` where
    :math:`z = (1, \dots, 1)`, i.e. :math:`x^* = R^T (\tfrac12, \dots, \tfrac12)
    / \max(1, \sqrt d / 8)`.

    Parameters
    ----------
    n_dims : int
        Dimension ``d >= 2``.
    seed : int, default 0
        Draws the rotation.

    References
    ----------
    Hansen et al. (2009), BBOB noiseless functions definitions, RR-6829, f19.

    Examples
    --------
    >>> from bbopt.testfunctions import GriewankRosenbrock
    >>> f = GriewankRosenbrock(6)
    >>> round(f(f.minimizers[0]), 12)
    0.0
    """

    _bbob_number = 19

    def _optimum(self, n_dims: int) -> NDArray[np.float64]:
        return self.rotation.T @ np.full(n_dims, 0.5) / max(1.0, math.sqrt(n_dims) / 8.0)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        scale = max(1.0, math.sqrt(self.n_dims) / 8.0)
        z = scale * (x @ self.rotation.T) + 0.5
        head, tail = z[:, :-1], z[:, 1:]
        s = 100.0 * (head * head - tail) ** 2 + (head - 1.0) ** 2
        value = 10.0 / (self.n_dims - 1) * np.sum(s / 4000.0 - np.cos(s), axis=1) + 10.0
        return np.maximum(value, 0.0)
