"""Pure-NumPy references of the compiled kernels of :mod:`bbopt._kernels`.

Every compiled kernel ``<stem>`` has a twin ``<stem>_ref`` here, with the same
signature and the same outputs (written into the caller's arrays), the same
errors for invalid sizes or values, and vectorised NumPy instead of C. The
tests compare each kernel with its twin, and the twins are the readable
definition of what the kernels compute. They are not tuned for speed or
memory.
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, special


def nondominated_rank_ref(
    values: NDArray[np.float64], max_rank: int, rank: NDArray[np.int64]
) -> None:
    """Rank points by non-dominated front, all objectives minimised.

    Twin of :func:`bbopt._kernels.nondominated_rank`. Point ``a`` dominates
    ``b`` iff ``a <= b`` in every objective and ``a < b`` in at least one;
    front ``k`` holds the points that no point outside fronts ``0..k-1``
    dominates. Uses O(n**2 * m) memory.

    Parameters
    ----------
    values : ndarray of shape (n, m)
        Objective values; NaN is rejected, +-inf allowed.
    max_rank : int
        Number of fronts to peel; points beyond them get rank ``max_rank``.
    rank : ndarray of shape (n,), int64
        Output: ``rank[i]`` is the front of point ``i`` (0 = Pareto set).

    Raises
    ------
    ValueError
        If ``rank`` and ``values`` differ in length, ``values`` has no
        column or holds a NaN, or ``max_rank < 0``.

    Examples
    --------
    >>> import numpy as np
    >>> rank = np.empty(4, dtype=np.int64)
    >>> values = np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> nondominated_rank_ref(values, 4, rank)
    >>> rank
    array([0, 0, 1, 2])
    """
    values = np.asarray(values, dtype=np.float64)  # (n, m)
    n, m = values.shape
    if rank.shape[0] != n:
        raise ValueError(
            f"nondominated_rank: 'rank' must have the length of 'values' ({n}). "
            f"Got {rank.shape[0]} instead."
        )
    if m < 1 or max_rank < 0:
        raise ValueError(
            f"nondominated_rank(n={n}, m={m}, max_rank={max_rank}): a size is out of range."
        )
    if np.isnan(values).any():
        raise ValueError(
            f"nondominated_rank(n={n}, m={m}, max_rank={max_rank}): an input contains NaN."
        )
    a = values[:, None, :]  # (n, 1, m): the dominating point
    b = values[None, :, :]  # (1, n, m): the dominated point
    dominates = np.all(a <= b, axis=2) & np.any(a < b, axis=2)  # (n, n)
    rank[:] = max_rank
    left = np.ones(n, dtype=bool)  # points in no front yet
    for k in range(max_rank):
        if not left.any():
            break
        front = left & ~dominates[left].any(axis=0)
        rank[front] = k
        left &= ~front


# --- Parzen estimator (csrc/parzen.c) -------------------------------------------------------
#
# Component arrays are dimension-major, (n_dims, n_comp); see csrc/parzen.h for the kernels.


#: Components per block of the index of `parzen_log_pdf_ref` (the kernel's PARZEN_BLOCK).
PARZEN_BLOCK = 64
#: Reference points of the index's shells, at most (the kernel's PARZEN_MAX_REFS).
PARZEN_MAX_REFS = 32


def _parzen_error(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}.")


def _log_ndtr_diff(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log(Phi(b) - Phi(a))`` through ``log_ndtr``, for ``a <= b`` (broadcast)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    # Reflect the intervals lying mostly above 0, so that both ends have Phi <= 1/2-ish
    # and log_ndtr keeps its relative accuracy: Phi(b) - Phi(a) = Phi(-a) - Phi(-b).
    with np.errstate(invalid="ignore"):
        flip = a + b > 0.0  # False for (-inf, inf)
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_hi = special.log_ndtr(hi)
        result = log_hi + np.log(-np.expm1(special.log_ndtr(lo) - log_hi))
    return np.where(a == b, -np.inf, result)


def log_ndtr_diff_ref(
    a: NDArray[np.float64], b: NDArray[np.float64], out: NDArray[np.float64]
) -> None:
    """Stable ``log(Phi(b) - Phi(a))`` elementwise.

    Twin of :func:`bbopt._kernels.log_ndtr_diff` (less accurate for intervals
    narrower than about 1e-8).

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(1)
    >>> log_ndtr_diff_ref(np.array([-np.inf]), np.array([0.0]), out)
    >>> np.round(out, 3)
    array([-0.693])
    """
    n = a.shape[0]
    where = f"log_ndtr_diff(n={n})"
    for name, arr in (("b", b), ("out", out)):
        if arr.shape[0] != n:
            raise ValueError(
                f"log_ndtr_diff: '{name}' must have {n} elements. Got {arr.shape[0]} instead."
            )
    if np.isnan(a).any() or np.isnan(b).any():
        raise _parzen_error(where, "an input contains NaN")
    if (a > b).any():
        raise _parzen_error(where, "an input value is outside its allowed domain")
    out[:] = _log_ndtr_diff(a, b)


def truncnorm_draw_ref(
    mu: NDArray[np.float64], sigma: NDArray[np.float64], lo: NDArray[np.float64],
    hi: NDArray[np.float64], u: NDArray[np.float64], out: NDArray[np.float64],
) -> None:
    """Inverse-CDF draws of truncated normals, elementwise.

    Twin of :func:`bbopt._kernels.truncnorm_draw`, through scipy's ``ndtr`` and
    ``ndtri``.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(1)
    >>> truncnorm_draw_ref(np.zeros(1), np.ones(1), -np.ones(1), np.ones(1), np.full(1, 0.5),
    ...                    out)
    >>> out.tolist()
    [0.0]
    """
    n = mu.shape[0]
    where = f"truncnorm_draw(n={n})"
    for name, arr in (("sigma", sigma), ("lo", lo), ("hi", hi), ("u", u), ("out", out)):
        if arr.shape[0] != n:
            raise ValueError(
                f"truncnorm_draw: '{name}' must have {n} elements. Got {arr.shape[0]} instead."
            )
    if any(np.isnan(arr).any() for arr in (mu, sigma, lo, hi, u)):
        raise _parzen_error(where, "an input contains NaN")
    if not (np.all(sigma > 0) and np.all(lo <= hi) and np.all(np.isfinite(mu))
            and np.all((0 <= u) & (u < 1))):
        raise _parzen_error(where, "an input value is outside its allowed domain")
    a, b = (lo - mu) / sigma, (hi - mu) / sigma
    p = special.ndtr(a) + u * (special.ndtr(b) - special.ndtr(a))
    # The upper half through q = 1 - p from the upper tails, so that p near 1 is not rounded.
    q = special.ndtr(-a) - u * (special.ndtr(-a) - special.ndtr(-b))
    z = np.where(p < 0.5, special.ndtri(p), -special.ndtri(q))
    out[:] = np.clip(mu + sigma * z, lo, hi)


def _check_shape(where: str, name: str, shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    if tuple(shape) != tuple(expected):
        raise ValueError(f"{where}: '{name}' must have shape {expected}. Got {shape} instead.")


def _check_inv_sigma(where: str, inv_sigma: NDArray[np.float64], n_dims: int, n_comp: int) -> None:
    # (n_dims, 1): one inverse bandwidth per dimension, shared by the components (broadcast).
    if inv_sigma.shape != (n_dims, 1):
        _check_shape(where, "inv_sigma", inv_sigma.shape, (n_dims, n_comp))


def _check_steps(where: str, step: NDArray[np.float64]) -> None:
    if np.isnan(step).any():
        raise _parzen_error(where, "an input contains NaN")
    if not np.all((step >= 0.0) & np.isfinite(step)):
        raise _parzen_error(where, "an input value is outside its allowed domain")


def _check_categorical(
    where: str, n_choices: NDArray[np.float64], spread: NDArray[np.float64]
) -> None:
    if np.isnan(n_choices).any() or np.isnan(spread).any():
        raise _parzen_error(where, "an input contains NaN")
    if not np.all((n_choices >= 1.0) & (spread >= 0.0) & np.isfinite(spread)):
        raise _parzen_error(where, "an input value is outside its allowed domain")


def parzen_prepare_ref(
    mu: NDArray[np.float64],
    sigma: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    step: NDArray[np.float64],
    inv_sigma: NDArray[np.float64],
    log_norm: NDArray[np.float64],
    comp_log_norm: NDArray[np.float64],
) -> None:
    """Candidate-independent terms of truncated-normal components.

    Twin of :func:`bbopt._kernels.parzen_prepare`: ``inv_sigma = 1 / sigma``,
    ``log_norm = -log(sigma) - log(2 pi) / 2 - log Z`` (step 0) or ``-log Z``
    (step > 0) with ``Z = Phi((high' - mu) / sigma) - Phi((low' - mu) / sigma)``,
    the range extended by half a step, and ``comp_log_norm = log_norm.sum(0)``.

    Examples
    --------
    >>> import numpy as np
    >>> inv, norm, total = np.empty((1, 1)), np.empty((1, 1)), np.empty(1)
    >>> parzen_prepare_ref(np.zeros((1, 1)), np.ones((1, 1)), np.array([-np.inf]),
    ...                    np.array([np.inf]), np.zeros(1), inv, norm, total)
    >>> np.round(total, 4)
    array([-0.9189])
    """
    where = "parzen_prepare"
    n_dims, n_comp = mu.shape
    for name, arr in (("sigma", sigma), ("inv_sigma", inv_sigma), ("log_norm", log_norm)):
        _check_shape(where, name, arr.shape, (n_dims, n_comp))
    for name, arr in (("low", low), ("high", high), ("step", step)):
        _check_shape(where, name, arr.shape, (n_dims,))
    _check_shape(where, "comp_log_norm", comp_log_norm.shape, (n_comp,))
    where = f"parzen_prepare(n_dims={n_dims}, n_comp={n_comp})"
    if any(np.isnan(v).any() for v in (mu, sigma, low, high, step)):
        raise _parzen_error(where, "an input contains NaN")
    if not (np.all(low <= high) and np.all(step >= 0.0) and np.all(sigma > 0.0)):
        raise _parzen_error(where, "an input value is outside its allowed domain")
    half = 0.5 * step[:, None]  # (n_dims, 1)
    log_z = _log_ndtr_diff((low[:, None] - half - mu) / sigma, (high[:, None] + half - mu) / sigma)
    continuous = step[:, None] == 0.0
    norm = np.where(continuous, -np.log(sigma) - 0.5 * np.log(2.0 * np.pi), 0.0) - log_z
    inv_sigma[...] = 1.0 / sigma
    log_norm[...] = norm
    comp_log_norm[:] = norm.sum(axis=0)


def _numeric_log_kernels(
    x: NDArray[np.float64],
    mu: NDArray[np.float64],
    inv_sigma: NDArray[np.float64],
    step: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Unnormalised log-kernels, shape (n_x, n_dims, n_comp)."""
    xj = x[:, :, None]  # (n_x, n_dims, 1)
    half = 0.5 * step[None, :, None]
    z = (xj - mu[None]) * inv_sigma[None]
    discrete = _log_ndtr_diff((xj - half - mu[None]) * inv_sigma[None],
                              (xj + half - mu[None]) * inv_sigma[None])
    return np.where(step[None, :, None] > 0.0, discrete, -0.5 * z * z)


def _categorical_log_kernels(
    x_cat: NDArray[np.float64],
    choice: NDArray[np.float64],
    n_choices: NDArray[np.float64],
    spread: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Categorical log-kernels, shape (n_x, n_cat, n_comp)."""
    n = n_choices[None, :, None]
    a = spread[None, :, None]
    with np.errstate(divide="ignore"):
        log_match = np.log((a + 1.0) / (1.0 + n * a))
        log_other = np.log(a / (1.0 + n * a))
    match = choice[None] == x_cat[:, :, None]
    uniform = choice[None] < 0.0
    return np.where(match, log_match, np.where(uniform, -np.log(n), log_other))


def parzen_log_pdf_ref(
    x: NDArray[np.float64],
    x_cat: NDArray[np.float64],
    mu: NDArray[np.float64],
    inv_sigma: NDArray[np.float64],
    step: NDArray[np.float64],
    choice: NDArray[np.float64],
    n_choices: NDArray[np.float64],
    spread: NDArray[np.float64],
    log_const: NDArray[np.float64],
    out: NDArray[np.float64],
    log_floor: NDArray[np.float64] | None = None,
    box_dim: NDArray[np.intp] | None = None,
    box_lo: NDArray[np.float64] | None = None,
    box_hi: NDArray[np.float64] | None = None,
    box_radius: NDArray[np.float64] | None = None,
    refs: NDArray[np.float64] | None = None,
    box_ref: NDArray[np.intp] | None = None,
) -> None:
    """Log-density of a multivariate mixture of product kernels at candidates.

    Twin of :func:`bbopt._kernels.parzen_log_pdf` (``inv_sigma`` of shape
    ``(n_dims, 1)`` is shared by all components): the log-sum-exp over
    components of ``log_const`` plus the numeric log-kernels (``-z**2 / 2``,
    or the log normal mass of ``x +- step / 2`` in sigma units) and the
    categorical log-probabilities. ``log_floor`` and the index (``box_dim``,
    ``box_lo``, ``box_hi``, ``box_radius``, ``refs``, ``box_ref``: the kernel's pruning
    hints) are only checked here: every term is evaluated.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(1)
    >>> parzen_log_pdf_ref(np.ones((1, 1)), np.zeros((1, 0)), np.zeros((1, 2)), np.ones((1, 2)),
    ...                    np.zeros(1), np.zeros((0, 2)), np.zeros(0), np.zeros(0),
    ...                    np.log([0.5, 0.5]), out)
    >>> out
    array([-0.5])
    """
    where = "parzen_log_pdf"
    n_x, n_dims = x.shape
    n_cat = x_cat.shape[1]
    n_comp = log_const.shape[0]
    _check_shape(where, "x_cat", x_cat.shape, (n_x, n_cat))
    _check_shape(where, "out", out.shape, (n_x,))
    _check_shape(where, "mu", mu.shape, (n_dims, n_comp))
    _check_inv_sigma(where, inv_sigma, n_dims, n_comp)
    _check_shape(where, "choice", choice.shape, (n_cat, n_comp))
    _check_shape(where, "step", step.shape, (n_dims,))
    _check_shape(where, "n_choices", n_choices.shape, (n_cat,))
    _check_shape(where, "spread", spread.shape, (n_cat,))
    _check_shape(where, "log_const", log_const.shape, (n_comp,))
    if log_floor is not None:
        _check_shape(where, "log_floor", log_floor.shape, (n_x,))
    _check_index(where, (box_dim, box_lo, box_hi, box_radius, refs, box_ref), n_comp, n_dims,
                 shared=inv_sigma.shape[1] == 1 and n_comp != 1)
    where = f"parzen_log_pdf(n_x={n_x}, n_comp={n_comp}, n_dims={n_dims}, n_cat={n_cat})"
    _check_steps(where, step)
    _check_categorical(where, n_choices, spread)
    if np.isnan(x).any() or np.isnan(x_cat).any() or (
            log_floor is not None and np.isnan(log_floor).any()):
        raise _parzen_error(where, "an input contains NaN")
    terms = np.broadcast_to(log_const, (n_x, n_comp)).copy()  # (n_x, n_comp)
    if n_dims:
        terms += _numeric_log_kernels(x, mu, inv_sigma, step).sum(axis=1)
    if n_cat:
        terms += _categorical_log_kernels(x_cat, choice, n_choices, spread).sum(axis=1)
    out[:] = special.logsumexp(terms, axis=1) if n_comp else -np.inf


def _check_index(where: str, index: tuple[NDArray[Any] | None, ...], n_comp: int,
                 n_dims: int, shared: bool) -> None:
    """Check the optional index of `parzen_log_pdf_ref` as the kernel does."""
    if all(part is None for part in index):
        return
    if any(part is None for part in index):
        raise ValueError(f"{where}: pass all of 'box_dim', 'box_lo', 'box_hi', 'box_radius', "
                         "'refs' and 'box_ref', or none.")
    box_dim, box_lo, box_hi, box_radius, refs, box_ref = index
    assert box_dim is not None and box_lo is not None and box_hi is not None
    assert box_radius is not None and refs is not None and box_ref is not None
    n_boxed = box_dim.shape[0]
    _check_shape(where, "box_lo", box_lo.shape, box_dim.shape)
    _check_shape(where, "box_hi", box_hi.shape, box_dim.shape)
    _check_shape(where, "box_radius", box_radius.shape, (n_boxed, 2))
    _check_shape(where, "box_ref", box_ref.shape, (n_boxed,))
    n_refs = refs.shape[0]
    _check_shape(where, "refs", refs.shape, (n_refs, n_dims))
    if n_refs > PARZEN_MAX_REFS or (n_boxed > 0 and n_refs == 0):
        raise ValueError(f"{where}: 'refs' must have 1 to {PARZEN_MAX_REFS} rows. "
                         f"Got {n_refs} instead.")
    outside = np.flatnonzero((box_ref < 0) | (box_ref >= n_refs))
    if outside.size:
        b = outside[0]
        raise ValueError(f"{where}: box_ref[{b}] = {box_ref[b]} is outside "
                         f"[0, n_refs = {n_refs}).")
    if n_boxed * PARZEN_BLOCK > n_comp or (n_boxed > 0 and not shared):
        raise ValueError(
            f"{where}: {n_boxed} boxed blocks need shared bandwidths and at least "
            f"{n_boxed * PARZEN_BLOCK} components. Got n_comp={n_comp}, shared={shared} instead."
        )
    outside_dims = np.argwhere((box_dim < 0) | (box_dim >= n_dims))
    if outside_dims.size:
        b, t = outside_dims[0]
        raise ValueError(f"{where}: box_dim[{b}, {t}] = {box_dim[b, t]} is outside "
                         f"[0, n_dims = {n_dims}).")
    if any(np.isnan(part).any() for part in (box_lo, box_hi, box_radius)) or (
            n_boxed and np.isnan(refs).any()):
        raise _parzen_error(where, "an input contains NaN")


def parzen_log_pdf_univariate_ref(
    x: NDArray[np.float64],
    mu: NDArray[np.float64],
    inv_sigma: NDArray[np.float64],
    step: NDArray[np.float64],
    log_const: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """Log-densities of per-dimension mixtures of numeric kernels at candidates.

    Twin of :func:`bbopt._kernels.parzen_log_pdf_univariate`:
    ``out[i, j] = logsumexp_k(log_const[j, k] + log K_kj(x[i, j]))``.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty((1, 1))
    >>> parzen_log_pdf_univariate_ref(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)),
    ...                               np.zeros(1), np.zeros((1, 1)), out)
    >>> out
    array([[-0.5]])
    """
    where = "parzen_log_pdf_univariate"
    n_x, n_dims = x.shape
    n_comp = log_const.shape[1]
    for name, arr in (("mu", mu), ("log_const", log_const)):
        _check_shape(where, name, arr.shape, (n_dims, n_comp))
    _check_inv_sigma(where, inv_sigma, n_dims, n_comp)
    _check_shape(where, "step", step.shape, (n_dims,))
    _check_shape(where, "out", out.shape, (n_x, n_dims))
    where = f"parzen_log_pdf_univariate(n_x={n_x}, n_comp={n_comp}, n_dims={n_dims})"
    _check_steps(where, step)
    if np.isnan(x).any():
        raise _parzen_error(where, "an input contains NaN")
    if n_comp == 0:
        out[...] = -np.inf
        return
    terms = log_const[None] + _numeric_log_kernels(x, mu, inv_sigma, step)
    out[...] = special.logsumexp(terms, axis=2)


def parzen_categorical_ref(
    x_cat: NDArray[np.float64],
    choice: NDArray[np.float64],
    n_choices: NDArray[np.float64],
    spread: NDArray[np.float64],
    log_weight: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """Log-probabilities of per-dimension mixtures of categorical kernels.

    Twin of :func:`bbopt._kernels.parzen_categorical`: component ``k`` puts
    ``(spread + [x == choice[c, k]]) / (1 + n_choices * spread)`` on choice
    ``x`` (``1 / n_choices`` if its choice is negative).

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty((1, 1))
    >>> parzen_categorical_ref(np.array([[1.0]]), np.array([[-1.0]]), np.array([4.0]),
    ...                        np.array([0.0]), np.zeros((1, 1)), out)
    >>> np.exp(out)
    array([[0.25]])
    """
    where = "parzen_categorical"
    n_x, n_cat = x_cat.shape
    n_comp = log_weight.shape[1]
    for name, arr in (("choice", choice), ("log_weight", log_weight)):
        _check_shape(where, name, arr.shape, (n_cat, n_comp))
    _check_shape(where, "n_choices", n_choices.shape, (n_cat,))
    _check_shape(where, "spread", spread.shape, (n_cat,))
    _check_shape(where, "out", out.shape, (n_x, n_cat))
    where = f"parzen_categorical(n_x={n_x}, n_comp={n_comp}, n_cat={n_cat})"
    _check_categorical(where, n_choices, spread)
    if np.isnan(x_cat).any():
        raise _parzen_error(where, "an input contains NaN")
    if n_comp == 0:
        out[...] = -np.inf
        return
    terms = log_weight[None] + _categorical_log_kernels(x_cat, choice, n_choices, spread)
    out[...] = special.logsumexp(terms, axis=2)


# --- Gaussian process (csrc/gp.c) --------------------------------------------------------
#
# theta = [log l_0 .. log l_{d-1}, log signal variance, log noise variance]; see csrc/gp.h.

_SQRT5 = np.sqrt(5.0)


def _gp_check(where: str, name: str, shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    if tuple(shape) != tuple(expected):
        raise ValueError(f"{where}: '{name}' must have shape {expected}. Got {shape} instead.")


def _gp_differences(
    x1: NDArray[np.float64], x2: NDArray[np.float64], categorical: NDArray[np.uint8]
) -> NDArray[np.float64]:
    """Per-dimension squared differences, shape (n1, n2, d); [a != b] in categorical ones."""
    diff = x1[:, None, :] - x2[None, :, :]
    return np.where(categorical.astype(bool), (diff != 0.0).astype(np.float64), diff * diff)


def _gp_r2(x1: NDArray[np.float64], x2: NDArray[np.float64], categorical: NDArray[np.uint8],
           theta: NDArray[np.float64]) -> NDArray[np.float64]:
    d = x1.shape[1]
    return _gp_differences(x1, x2, categorical) @ np.exp(-2.0 * theta[:d])  # (n1, n2)


def _matern(r2: NDArray[np.float64], s: float | NDArray[np.float64]) -> NDArray[np.float64]:
    r = np.sqrt(r2)
    return s * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * np.exp(-_SQRT5 * r)


def gp_kernel_matrix_ref(
    x1: NDArray[np.float64],
    x2: NDArray[np.float64],
    categorical: NDArray[np.uint8],
    theta: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """Matern 5/2 covariance with ARD length scales and a Hamming term.

    Twin of :func:`bbopt._kernels.gp_kernel_matrix`:
    ``r^2 = sum_j ((a_j - b_j) / l_j)^2`` over numeric dimensions plus
    ``sum_j [a_j != b_j] / l_j^2`` over categorical ones, and
    ``k = s (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r)``.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty((1, 1))
    >>> gp_kernel_matrix_ref(np.zeros((1, 1)), np.ones((1, 1)), np.ones(1, np.uint8),
    ...                      np.zeros(3), out)
    >>> out.round(4)
    array([[0.524]])
    """
    where = "gp_kernel_matrix"
    n1, d = x1.shape
    n2 = x2.shape[0]
    _gp_check(where, "x2", (x2.shape[1],), (d,))
    _gp_check(where, "out", out.shape, (n1, n2))
    _gp_check(where, "categorical", categorical.shape, (d,))
    _gp_check(where, "theta", theta.shape, (d + 2,))
    if np.isnan(x1).any() or np.isnan(x2).any() or np.isnan(theta).any():
        raise ValueError(f"gp_kernel_matrix(n1={n1}, n2={n2}, d={d}): an input contains NaN.")
    out[...] = _matern(_gp_r2(x1, x2, categorical, theta), np.exp(theta[d]))


def gp_log_marginal_likelihood_ref(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    categorical: NDArray[np.uint8],
    theta: NDArray[np.float64],
    prior_mean: NDArray[np.float64],
    prior_std: NDArray[np.float64],
    chol: NDArray[np.float64],
    alpha: NDArray[np.float64],
    grad: NDArray[np.float64] | None = None,
) -> float:
    """Log marginal likelihood plus normal log-priors on ``theta``, and its gradient.

    Twin of :func:`bbopt._kernels.gp_log_marginal_likelihood`. With
    ``K = k(x, x) + noise I = L L^T`` and ``alpha = K^-1 y``, the value is
    ``-y^T alpha / 2 - sum log diag L - n log(2 pi) / 2 + sum log N(theta; m, s^2)``
    and its derivative in ``theta_q`` is ``tr((alpha alpha^T - K^-1) dK/dtheta_q) / 2``
    plus the prior's ``-(theta_q - m_q) / s_q^2``.

    Examples
    --------
    >>> import numpy as np
    >>> chol, alpha = np.empty((1, 1)), np.empty(1)
    >>> value = gp_log_marginal_likelihood_ref(np.zeros((1, 1)), np.zeros(1),
    ...     np.zeros(1, np.uint8), np.zeros(3), np.zeros(3), np.ones(3),
    ...     chol, alpha)
    >>> chol.round(4)
    array([[1.4142]])
    """
    where = "gp_log_marginal_likelihood"
    n, d = x.shape
    p = d + 2
    _gp_check(where, "y", y.shape, (n,))
    _gp_check(where, "categorical", categorical.shape, (d,))
    _gp_check(where, "theta", theta.shape, (p,))
    _gp_check(where, "prior_mean", prior_mean.shape, (p,))
    _gp_check(where, "prior_std", prior_std.shape, (p,))
    _gp_check(where, "chol", chol.shape, (n, n))
    _gp_check(where, "alpha", alpha.shape, (n,))
    if grad is not None:
        _gp_check(where, "grad", grad.shape, (p,))
    where = f"gp_log_marginal_likelihood(n={n}, d={d})"
    if any(np.isnan(v).any() for v in (x, y, theta, prior_mean, prior_std)):
        raise ValueError(f"{where}: an input contains NaN.")
    if not np.all((prior_std > 0.0) & np.isfinite(prior_std) & np.isfinite(prior_mean)):
        raise ValueError(f"{where}: an input value is outside its allowed domain.")
    s, noise = np.exp(theta[d]), np.exp(theta[d + 1])
    z = (theta - prior_mean) / prior_std
    value = float(np.sum(-0.5 * z * z - np.log(prior_std) - 0.5 * np.log(2.0 * np.pi)))
    prior_grad = -z / prior_std
    if n == 0:
        if grad is not None:
            grad[:] = prior_grad
        return value
    sq = _gp_differences(x, x, categorical)  # (n, n, d)
    r2 = sq @ np.exp(-2.0 * theta[:d])
    k = _matern(r2, s)
    try:
        lower = linalg.cholesky(k + noise * np.eye(n), lower=True)
    except linalg.LinAlgError:
        raise np.linalg.LinAlgError(f"{where}: a matrix is not positive definite.") from None
    a = linalg.cho_solve((lower, True), y)
    chol[...] = lower
    alpha[:] = a
    value += float(-0.5 * y @ a - np.log(np.diag(lower)).sum() - 0.5 * n * np.log(2.0 * np.pi))
    if grad is not None:
        w = np.outer(a, a) - linalg.cho_solve((lower, True), np.eye(n))  # (n, n)
        r = np.sqrt(r2)
        slope = s * 5.0 / 3.0 * (1.0 + _SQRT5 * r) * np.exp(-_SQRT5 * r)  # (n, n)
        dk_dlog_l = slope[:, :, None] * sq * np.exp(-2.0 * theta[:d])  # (n, n, d)
        grad[:d] = 0.5 * np.einsum("ab,abj->j", w, dk_dlog_l)
        grad[d] = 0.5 * np.sum(w * k)
        grad[d + 1] = 0.5 * noise * np.trace(w)
        grad += prior_grad
    return value


def gp_posterior_ref(
    x: NDArray[np.float64],
    categorical: NDArray[np.uint8],
    theta: NDArray[np.float64],
    chol: NDArray[np.float64],
    alpha: NDArray[np.float64],
    x_new: NDArray[np.float64],
    mean: NDArray[np.float64],
    var: NDArray[np.float64],
    grad_mean: NDArray[np.float64] | None = None,
    grad_var: NDArray[np.float64] | None = None,
) -> None:
    """Posterior mean and variance of the latent function, and their gradients.

    Twin of :func:`bbopt._kernels.gp_posterior`: ``mean = k alpha`` and
    ``var = max(s - diag(k K^-1 k^T), 0)`` with ``k = k(x_new, x)``;
    ``dk/dx_new_j = -s (5/3) (1 + sqrt5 r) exp(-sqrt5 r) (x_new_j - x_j) / l_j^2``
    in numeric dimensions, 0 in categorical ones.

    Examples
    --------
    >>> import numpy as np
    >>> mean, var = np.empty(1), np.empty(1)
    >>> gp_posterior_ref(np.zeros((1, 1)), np.zeros(1, np.uint8), np.zeros(3),
    ...                  np.ones((1, 1)), np.ones(1), np.zeros((1, 1)), mean, var)
    >>> mean, var
    (array([1.]), array([0.]))
    """
    where = "gp_posterior"
    n, d = x.shape
    m = x_new.shape[0]
    _gp_check(where, "categorical", categorical.shape, (d,))
    _gp_check(where, "theta", theta.shape, (d + 2,))
    _gp_check(where, "chol", chol.shape, (n, n))
    _gp_check(where, "alpha", alpha.shape, (n,))
    _gp_check(where, "x_new", (x_new.shape[1],), (d,))
    _gp_check(where, "mean", mean.shape, (m,))
    _gp_check(where, "var", var.shape, (m,))
    for name, arr in (("grad_mean", grad_mean), ("grad_var", grad_var)):
        if arr is not None:
            _gp_check(where, name, arr.shape, (m, d))
    if np.isnan(x).any() or np.isnan(x_new).any() or np.isnan(theta).any():
        raise ValueError(f"gp_posterior(n={n}, m={m}, d={d}): an input contains NaN.")
    s = np.exp(theta[d])
    r2 = _gp_r2(x_new, x, categorical, theta)  # (m, n)
    k = _matern(r2, s)
    mean[:] = k @ alpha
    v = linalg.solve_triangular(chol, k.T, lower=True) if n else np.zeros((0, m))  # (n, m)
    var[:] = np.maximum(s - np.sum(v * v, axis=0), 0.0)
    r = np.sqrt(r2)
    slope = s * 5.0 / 3.0 * (1.0 + _SQRT5 * r) * np.exp(-_SQRT5 * r)  # (m, n)
    diff = np.where(categorical.astype(bool), 0.0, x_new[:, None, :] - x[None, :, :])
    dk = -slope[:, :, None] * diff * np.exp(-2.0 * theta[:d])  # (m, n, d)
    if grad_mean is not None:
        grad_mean[...] = np.einsum("ianj->ij", dk[:, :, None, :] * alpha[None, :, None, None])
    if grad_var is not None:
        w = linalg.solve_triangular(chol.T, v, lower=False) if n else np.zeros((0, m))
        grad_var[...] = -2.0 * np.einsum("ia,iaj->ij", w.T, dk)
        grad_var[var == 0.0] = 0.0


def _log_h(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log(phi(z) + z Phi(z))`` (Ament et al., 2023, "Unexpected Improvements to EI", eq. 9)."""
    c1 = 0.5 * np.log(2.0 * np.pi)
    c2 = 0.5 * np.log(0.5 * np.pi)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(np.exp(-0.5 * zu * zu - c1) + zu * special.ndtr(zu))
    mid = ~upper & (z > -1e6)
    zm = z[mid]
    log_ratio = np.log(special.erfcx(-zm / np.sqrt(2.0)) * np.abs(zm)) + c2  # < 0
    log1mexp = np.where(
        log_ratio > -np.log(2.0), np.log(-np.expm1(log_ratio)), np.log1p(-np.exp(log_ratio))
    )
    out[mid] = -0.5 * zm * zm - c1 + log1mexp
    far = z <= -1e6
    out[far] = -0.5 * z[far] ** 2 - c1 - 2.0 * np.log(-z[far])  # h ~ phi(z) / z^2
    return out


def gp_log_ei_ref(
    mean: NDArray[np.float64],
    var: NDArray[np.float64],
    best: float,
    out: NDArray[np.float64],
    grad_mean: NDArray[np.float64] | None = None,
    grad_var: NDArray[np.float64] | None = None,
) -> None:
    """Log expected improvement below ``best`` of ``N(mean, var)``.

    Twin of :func:`bbopt._kernels.gp_log_ei`: ``log sigma + log h(z)``,
    ``z = (best - mean) / sigma``, ``h(z) = phi(z) + z Phi(z)``, with
    ``log h`` through ``erfcx`` and ``log1p`` in the tail, and
    ``d log h / dz = Phi(z) / h(z)``.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(1)
    >>> gp_log_ei_ref(np.array([0.0]), np.array([1.0]), 0.0, out)
    >>> out.round(4)
    array([-0.9189])
    """
    where = "gp_log_ei"
    m = mean.shape[0]
    _gp_check(where, "var", var.shape, (m,))
    _gp_check(where, "out", out.shape, (m,))
    for name, arr in (("grad_mean", grad_mean), ("grad_var", grad_var)):
        if arr is not None:
            _gp_check(where, name, arr.shape, (m,))
    where = f"gp_log_ei(m={m})"
    if np.isnan(best) or np.isnan(mean).any() or np.isnan(var).any():
        raise ValueError(f"{where}: an input contains NaN.")
    if not (np.isfinite(best) and np.all((var > 0.0) & np.isfinite(var) & np.isfinite(mean))):
        raise ValueError(f"{where}: an input value is outside its allowed domain.")
    sigma = np.sqrt(var)
    z = (best - mean) / sigma
    log_h = _log_h(z)
    out[:] = np.log(sigma) + log_h
    dlogh = np.exp(special.log_ndtr(z) - log_h)
    if grad_mean is not None:
        grad_mean[:] = -dlogh / sigma
    if grad_var is not None:
        grad_var[:] = 0.5 * (1.0 - dlogh * z) / var


# -- evolution strategies (csrc/cma.c) ---------------------------------------
#: Length of the ``rates`` array of the CMA-ES kernels.
CMA_N_RATES = 8


def _cma_check(where: str, name: str, shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    if shape != expected:
        raise ValueError(f"{where}: '{name}' must have shape {expected}. Got {shape} instead.")


def _cma_step_factor(exponent: float) -> float:
    return float(np.exp(min(1.0, exponent)))


def _cma_heaviside(norm_ps: float, c_sigma: float, generation: int, d: int,
                   chi_n: float) -> bool:
    correction = np.sqrt(1.0 - (1.0 - c_sigma) ** (2.0 * (generation + 1)))
    return bool(norm_ps / correction < (1.4 + 2.0 / (d + 1.0)) * chi_n)


def _cma_sigma_ok(where: str, sigma: float) -> None:
    if not (sigma > 0.0) or np.isinf(sigma):
        raise ValueError(f"{where}: an input value is outside its allowed domain (error code -3).")


def cma_sample_ref(
    z: NDArray[np.float64], mean: NDArray[np.float64], sigma: float,
    bd: NDArray[np.float64], x: NDArray[np.float64],
) -> None:
    """Twin of `bbopt._kernels.cma_sample`: ``x = mean + sigma * z @ bd.T``."""
    n, d = z.shape
    _cma_check("cma_sample", "bd", bd.shape, (d, d))
    _cma_check("cma_sample", "x", x.shape, (n, d))
    _cma_sigma_ok("cma_sample", sigma)
    x[...] = mean + sigma * z @ bd.T


def _cma_update_paths(
    y: NDArray[np.float64], weights: NDArray[np.float64], rates: NDArray[np.float64],
    generation: int, whitened_yw: NDArray[np.float64], mean: NDArray[np.float64],
    sigma: NDArray[np.float64], p_sigma: NDArray[np.float64], p_c: NDArray[np.float64],
) -> float:
    """The mean, p_sigma, h_sigma, p_c and sigma steps shared by the full and sep updates."""
    cm, cs, ds, cc, _, _, mueff, chi_n = rates
    d = y.shape[1]
    y_w = np.maximum(weights, 0.0) @ y
    s = float(sigma[0])
    mean += cm * s * y_w
    p_sigma[...] = (1 - cs) * p_sigma + np.sqrt(cs * (2 - cs) * mueff) * whitened_yw
    norm_ps = float(np.linalg.norm(p_sigma))
    h = _cma_heaviside(norm_ps, cs, generation, d, chi_n)
    p_c[...] = (1 - cc) * p_c + (np.sqrt(cc * (2 - cc) * mueff) if h else 0.0) * y_w
    sigma[0] = s * _cma_step_factor(cs / ds * (norm_ps / chi_n - 1))
    return 0.0 if h else cc * (2 - cc)


def cma_update_ref(
    y: NDArray[np.float64], weights: NDArray[np.float64], rates: NDArray[np.float64],
    generation: int, invsqrt: NDArray[np.float64], mean: NDArray[np.float64],
    sigma: NDArray[np.float64], p_sigma: NDArray[np.float64], p_c: NDArray[np.float64],
    cov: NDArray[np.float64],
) -> None:
    """Twin of `bbopt._kernels.cma_update` (Hansen's tutorial, eqs. 41-47, active CMA)."""
    mu, d = y.shape
    _cma_check("cma_update", "weights", weights.shape, (mu,))
    _cma_check("cma_update", "cov", cov.shape, (d, d))
    if np.isnan(y).any() or np.isnan(weights).any():
        raise ValueError("cma_update: an input contains NaN (error code -1).")
    _cma_sigma_ok("cma_update", float(sigma[0]))
    c1, cmu = rates[4], rates[5]
    delta = _cma_update_paths(y, weights, rates, generation,
                              invsqrt @ (np.maximum(weights, 0.0) @ y),
                              mean, sigma, p_sigma, p_c)
    q = ((y @ invsqrt.T) ** 2).sum(axis=1)
    active = np.where(weights >= 0, weights,
                      weights * np.divide(d, q, out=np.zeros_like(q), where=q > 0))
    rank_mu = (y * active[:, None]).T @ y
    cov[...] = ((1 + c1 * delta - c1 - cmu * weights.sum()) * cov
                + c1 * np.outer(p_c, p_c) + cmu * rank_mu)


def cma_update_sep_ref(
    y: NDArray[np.float64], weights: NDArray[np.float64], rates: NDArray[np.float64],
    generation: int, mean: NDArray[np.float64], sigma: NDArray[np.float64],
    p_sigma: NDArray[np.float64], p_c: NDArray[np.float64], cov: NDArray[np.float64],
) -> None:
    """Twin of `bbopt._kernels.cma_update_sep` (Ros and Hansen 2008)."""
    mu, d = y.shape
    _cma_check("cma_update_sep", "weights", weights.shape, (mu,))
    _cma_check("cma_update_sep", "cov", cov.shape, (d,))
    if np.isnan(y).any() or np.isnan(weights).any():
        raise ValueError("cma_update_sep: an input contains NaN (error code -1).")
    _cma_sigma_ok("cma_update_sep", float(sigma[0]))
    if not (cov > 0).all():
        raise ValueError("cma_update_sep: an input value is outside its allowed domain "
                         "(error code -3).")
    c1, cmu = rates[4], rates[5]
    delta = _cma_update_paths(y, weights, rates, generation, (weights @ y) / np.sqrt(cov),
                              mean, sigma, p_sigma, p_c)
    cov[...] = ((1 + c1 * delta - c1 - cmu * weights.sum()) * cov
                + c1 * p_c**2 + cmu * weights @ y**2)


def cma_eigen_ref(
    cov: NDArray[np.float64], bd: NDArray[np.float64], invsqrt: NDArray[np.float64],
    eigenvalues: NDArray[np.float64],
) -> None:
    """Twin of `bbopt._kernels.cma_eigen` (numpy.linalg.eigh on the upper triangle)."""
    d = cov.shape[0]
    _cma_check("cma_eigen", "cov", cov.shape, (d, d))
    if d < 1:
        raise ValueError("cma_eigen: a size is out of range (error code -2).")
    if not np.isfinite(cov).all():
        raise ValueError("cma_eigen: an input contains NaN (error code -1).")
    w, b = np.linalg.eigh(cov, UPLO="U")
    if not w[-1] > 0:
        raise ValueError("cma_eigen: a matrix is not positive definite (error code -4).")
    w = np.maximum(w, 1e-300)
    root = np.sqrt(w)
    eigenvalues[...] = w
    bd[...] = b * root
    invsqrt[...] = (b / root) @ b.T


def lmma_sample_ref(
    z: NDArray[np.float64], mean: NDArray[np.float64], sigma: float,
    vectors: NDArray[np.float64], c_d: NDArray[np.float64], steps: NDArray[np.float64],
    x: NDArray[np.float64],
) -> None:
    """Twin of `bbopt._kernels.lmma_sample` (Loshchilov et al. 2017, Algorithm 1)."""
    _cma_check("lmma_sample", "c_d", c_d.shape, (vectors.shape[0],))
    _cma_sigma_ok("lmma_sample", sigma)
    s = z.copy()
    for v, c in zip(vectors, c_d):
        s = (1 - c) * s + c * np.outer(s @ v, v)
    steps[...] = s
    x[...] = mean + sigma * s


def lmma_update_ref(
    z: NDArray[np.float64], steps: NDArray[np.float64], weights: NDArray[np.float64],
    rates: NDArray[np.float64], c_c: NDArray[np.float64], mean: NDArray[np.float64],
    sigma: NDArray[np.float64], p_sigma: NDArray[np.float64], vectors: NDArray[np.float64],
) -> None:
    """Twin of `bbopt._kernels.lmma_update` (Loshchilov et al. 2017, Algorithm 1)."""
    mu, d = z.shape
    _cma_check("lmma_update", "weights", weights.shape, (mu,))
    _cma_check("lmma_update", "c_c", c_c.shape, (vectors.shape[0],))
    if np.isnan(z).any() or np.isnan(steps).any() or np.isnan(weights).any():
        raise ValueError("lmma_update: an input contains NaN (error code -1).")
    _cma_sigma_ok("lmma_update", float(sigma[0]))
    cm, cs, ds, mueff = rates[0], rates[1], rates[2], rates[6]
    z_w = weights @ z
    mean += cm * float(sigma[0]) * (weights @ steps)
    p_sigma[...] = (1 - cs) * p_sigma + np.sqrt(mueff * cs * (2 - cs)) * z_w
    vectors[...] = ((1 - c_c)[:, None] * vectors
                    + np.sqrt(mueff * c_c * (2 - c_c))[:, None] * z_w)
    sigma[0] *= _cma_step_factor(cs / (2 * ds) * (float(p_sigma @ p_sigma) / d - 1))

def hypervolume_exact_ref(points: NDArray[np.float64], reference: NDArray[np.float64]) -> float:
    """Exact hypervolume dominated by ``points`` (minimised) up to ``reference``.

    Twin of :func:`bbopt._kernels.hypervolume_exact`, by counting cells: the
    grid of every point's coordinates and the reference's splits the box
    into cells, and a cell is dominated when some point is <= its lower
    corner in every objective. O(n^(m+1) m) time: for small tests only.

    Examples
    --------
    >>> import numpy as np
    >>> hypervolume_exact_ref(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0]))
    3.0
    """
    points = np.asarray(points, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    n, m = points.shape
    if reference.shape != (m,):
        raise ValueError(f"'reference' must have {m} entries. Got {reference.shape}.")
    if m < 1:
        raise ValueError("'points' must have at least one column.")
    if np.isnan(points).any() or np.isnan(reference).any():
        raise ValueError("an input contains NaN")
    inside = points[np.all(points < reference, axis=1)]
    if inside.shape[0] == 0:
        return 0.0
    edges = [np.unique(np.append(inside[:, t], reference[t])) for t in range(m)]
    lower = np.stack(np.meshgrid(*[e[:-1] for e in edges], indexing="ij"), axis=-1)
    widths = np.stack(np.meshgrid(*[np.diff(e) for e in edges], indexing="ij"), axis=-1)
    corners = lower.reshape(-1, m)
    covered = np.any(np.all(inside[None, :, :] <= corners[:, None, :], axis=2), axis=1)
    return float(np.prod(widths.reshape(-1, m)[covered], axis=1).sum())
