"""Binding of the Parzen-estimator kernels of the TPE sampler (csrc/parzen.c).

Component arrays are dimension-major, ``(n_dims, n_comp)``: each row must be
contiguous, and rows may be further apart than ``n_comp`` (a view
``buffer[:, :n_comp]`` of a buffer with spare capacity), provided every
component array of one call has the same row stride. See csrc/parzen.h for
the definition of the kernels.
"""

from libc.stdint cimport intptr_t

from bbopt._kernels._common cimport BBOPT_ERR_DOMAIN, check


cdef extern from "parzen.h" nogil:
    const int BBOPT_PARZEN_BLOCK
    const int BBOPT_PARZEN_MAX_REFS
    int bbopt_log_ndtr_diff(intptr_t n, const double *a, const double *b, double *out)
    int bbopt_truncnorm_draw(intptr_t n, const double *mu, const double *sigma,
                             const double *lo, const double *hi, const double *u, double *out)
    int bbopt_parzen_prepare(intptr_t n_dims, intptr_t n_comp, intptr_t ld, const double *mu,
                             const double *sigma, const double *low, const double *high,
                             const double *step, double *inv_sigma, double *log_norm,
                             double *comp_log_norm)
    int bbopt_parzen_log_pdf(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_dims,
                             intptr_t n_cat, const double *x, const double *x_cat,
                             const double *mu, const double *inv_sigma, int shared,
                             const double *step, const double *choice, const double *n_choices,
                             const double *spread, const double *log_const,
                             const double *log_floor, intptr_t n_boxed,
                             intptr_t n_box_dims, const intptr_t *box_dim, const double *box_lo,
                             const double *box_hi, const double *box_radius,
                             intptr_t n_refs, const double *refs, const intptr_t *box_ref,
                             double *out)
    int bbopt_parzen_log_pdf_univariate(intptr_t n_x, intptr_t n_comp, intptr_t ld,
                                        intptr_t n_dims, const double *x, const double *mu,
                                        const double *inv_sigma, int shared, const double *step,
                                        const double *log_const, double *out)
    int bbopt_parzen_categorical(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_cat,
                                 const double *x_cat, const double *choice,
                                 const double *n_choices, const double *spread,
                                 const double *log_weight, double *out)

#: Components per block of `parzen_log_pdf`'s optional index (its boxes).
PARZEN_BLOCK = BBOPT_PARZEN_BLOCK
#: Reference points of the shells of `parzen_log_pdf`'s index, at most.
PARZEN_MAX_REFS = BBOPT_PARZEN_MAX_REFS


cdef inline const double *_p1(const double[::1] v) noexcept nogil:
    return &v[0] if v.shape[0] > 0 else NULL


cdef inline const double *_p2(const double[:, ::1] v) noexcept nogil:
    return &v[0, 0] if v.shape[0] > 0 and v.shape[1] > 0 else NULL


cdef inline double *_w1(double[::1] v) noexcept nogil:
    return &v[0] if v.shape[0] > 0 else NULL


cdef inline double *_w2(double[:, ::1] v) noexcept nogil:
    return &v[0, 0] if v.shape[0] > 0 and v.shape[1] > 0 else NULL


cdef inline const double *_c2(const double[:, :] v) noexcept nogil:
    return &v[0, 0] if v.shape[0] > 0 and v.shape[1] > 0 else NULL


cdef inline double *_cw2(double[:, :] v) noexcept nogil:
    return &v[0, 0] if v.shape[0] > 0 and v.shape[1] > 0 else NULL


cdef int _inv_sigma(str where, const double[:, :] inv_sigma, Py_ssize_t n_dims,
                    Py_ssize_t n_comp, _LeadingDim lead) except -1:
    """Check ``inv_sigma``; return 1 if it is shared, shape (n_dims, 1)."""
    _shape(where, "inv_sigma", inv_sigma.shape[0], n_dims, "rows")
    cdef bint contiguous = n_dims < 2 or inv_sigma.strides[0] == sizeof(double)
    if inv_sigma.shape[1] == 1 and n_comp == 1 and not contiguous:
        # One component whose bandwidths are a column of a buffer: not shared.
        lead.add("inv_sigma", n_dims, n_comp, inv_sigma.strides[0], inv_sigma.strides[1])
        return 0
    if inv_sigma.shape[1] == 1 and n_comp > 0:
        if not contiguous:
            raise ValueError(
                f"{where}: a shared 'inv_sigma' of shape (n_dims, 1) must be contiguous."
            )
        return 1
    _shape(where, "inv_sigma", inv_sigma.shape[1], n_comp, "columns (or 1, shared)")
    lead.add("inv_sigma", n_dims, n_comp, inv_sigma.strides[0], inv_sigma.strides[1])
    return 0


cdef int _shape(str where, str name, Py_ssize_t got, Py_ssize_t expected, str axis) except -1:
    if got != expected:
        raise ValueError(
            f"{where}: '{name}' must have {expected} {axis}. Got {got} instead."
        )
    return 0


cdef class _LeadingDim:
    """Row stride (in doubles) shared by the component arrays of one call."""

    cdef Py_ssize_t ld
    cdef str where

    def __cinit__(self, str where, Py_ssize_t n_comp):
        self.ld = -1
        self.where = where
        if n_comp == 0:
            self.ld = 0

    cdef int add(self, str name, Py_ssize_t n_rows, Py_ssize_t n_comp,
                 Py_ssize_t stride, Py_ssize_t inner_stride) except -1:
        if n_comp > 1 and n_rows > 0 and inner_stride != sizeof(double):
            raise ValueError(
                f"{self.where}: the rows of '{name}' must be contiguous. "
                f"Got a stride of {inner_stride} bytes between its columns instead."
            )
        if n_rows < 2 or n_comp == 0:
            return 0
        if stride % sizeof(double) != 0 or stride < n_comp * <Py_ssize_t>sizeof(double):
            raise ValueError(
                f"{self.where}: '{name}' has a row stride of {stride} bytes, "
                f"which is not a multiple of 8 of at least {n_comp} doubles."
            )
        cdef Py_ssize_t ld = stride // sizeof(double)
        if self.ld == -1:
            self.ld = ld
        elif self.ld != ld:
            raise ValueError(
                f"{self.where}: the component arrays must share one row stride; "
                f"'{name}' has {ld} doubles between rows instead of {self.ld}."
            )
        return 0

    cdef Py_ssize_t get(self, Py_ssize_t n_comp):
        return n_comp if self.ld == -1 else self.ld


def log_ndtr_diff(const double[::1] a, const double[::1] b, double[::1] out) -> None:
    """Stable ``log(Phi(b) - Phi(a))`` elementwise, ``Phi`` the standard normal CDF.

    Parameters
    ----------
    a, b : ndarray of shape (n,)
        Interval ends, ``a <= b`` (infinite ends allowed; ``a == b`` gives -inf).
    out : ndarray of shape (n,)
        Output.

    Raises
    ------
    ValueError
        On mismatched lengths, NaN, or ``a > b``.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import log_ndtr_diff
    >>> out = np.empty(2)
    >>> log_ndtr_diff(np.array([-np.inf, 40.0]), np.array([0.0, np.inf]), out)
    >>> out.round(3).tolist()
    [-0.693, -804.608]
    """
    cdef Py_ssize_t n = a.shape[0]
    cdef int code
    _shape("log_ndtr_diff", "b", b.shape[0], n, "elements")
    _shape("log_ndtr_diff", "out", out.shape[0], n, "elements")
    with nogil:
        code = bbopt_log_ndtr_diff(n, _p1(a), _p1(b), _w1(out))
    check(code, f"log_ndtr_diff(n={n})")


def truncnorm_draw(const double[::1] mu, const double[::1] sigma, const double[::1] lo,
                   const double[::1] hi, const double[::1] u, double[::1] out) -> None:
    """Inverse-CDF draws of truncated normals, elementwise.

    ``out = clip(mu + sigma * Phi^-1(Phi(a) + u (Phi(b) - Phi(a))), lo, hi)``
    with ``a = (lo - mu) / sigma``, ``b = (hi - mu) / sigma``, ``Phi`` the
    standard normal CDF (the upper half through the upper tails, so that
    probabilities near 1 keep their precision): ``u`` uniform on [0, 1)
    gives a draw of the normal ``(mu, sigma)`` truncated to ``[lo, hi]``.

    Parameters
    ----------
    mu, sigma, lo, hi : ndarray of shape (n,)
        Means (finite), scales (``> 0``) and bounds (``lo <= hi``).
    u : ndarray of shape (n,)
        Uniform numbers in [0, 1).
    out : ndarray of shape (n,)
        Output.

    Raises
    ------
    ValueError
        On mismatched lengths, NaN, or a value outside its domain.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import truncnorm_draw
    >>> out = np.empty(2)
    >>> truncnorm_draw(np.zeros(2), np.ones(2), np.full(2, -1.0), np.ones(2),
    ...                np.array([0.5, 0.0]), out)
    >>> out.tolist()
    [0.0, -1.0]
    """
    cdef Py_ssize_t n = mu.shape[0]
    cdef int code
    _shape("truncnorm_draw", "sigma", sigma.shape[0], n, "elements")
    _shape("truncnorm_draw", "lo", lo.shape[0], n, "elements")
    _shape("truncnorm_draw", "hi", hi.shape[0], n, "elements")
    _shape("truncnorm_draw", "u", u.shape[0], n, "elements")
    _shape("truncnorm_draw", "out", out.shape[0], n, "elements")
    with nogil:
        code = bbopt_truncnorm_draw(n, _p1(mu), _p1(sigma), _p1(lo), _p1(hi), _p1(u), _w1(out))
    check(code, f"truncnorm_draw(n={n})")


def parzen_prepare(const double[:, :] mu, const double[:, :] sigma, const double[::1] low,
                   const double[::1] high, const double[::1] step, double[:, :] inv_sigma,
                   double[:, :] log_norm, double[::1] comp_log_norm) -> None:
    """Candidate-independent terms of truncated-normal components.

    Parameters
    ----------
    mu, sigma : ndarray of shape (n_dims, n_comp)
        Centres and bandwidths (``sigma > 0``), dimension-major.
    low, high, step : ndarray of shape (n_dims,)
        Bounds and step (0 for a continuous dimension) of each dimension.
    inv_sigma, log_norm : ndarray of shape (n_dims, n_comp)
        Outputs: ``1 / sigma`` and the log-normaliser of each kernel
        (``-log(sigma) - log(2 pi) / 2 - log Z``, or ``-log Z`` with a step,
        ``Z`` the normal mass of the range, extended by half a step).
    comp_log_norm : ndarray of shape (n_comp,)
        Output: ``log_norm.sum(axis=0)``.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import parzen_prepare
    >>> mu, sigma = np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])
    >>> inv, norm, total = np.empty((1, 2)), np.empty((1, 2)), np.empty(2)
    >>> parzen_prepare(mu, sigma, np.array([0.0]), np.array([1.0]), np.array([0.0]),
    ...                inv, norm, total)
    >>> np.round(norm, 4)
    array([[0.1559, 0.1559]])
    """
    cdef str where = "parzen_prepare"
    cdef Py_ssize_t n_dims = mu.shape[0]
    cdef Py_ssize_t n_comp = mu.shape[1]
    cdef int code
    cdef _LeadingDim lead = _LeadingDim(where, n_comp)
    for name, arr in (("sigma", sigma), ("inv_sigma", inv_sigma), ("log_norm", log_norm)):
        _shape(where, name, arr.shape[0], n_dims, "rows")
        _shape(where, name, arr.shape[1], n_comp, "columns")
    for name, arr in (("low", low), ("high", high), ("step", step)):
        _shape(where, name, arr.shape[0], n_dims, "elements")
    _shape(where, "comp_log_norm", comp_log_norm.shape[0], n_comp, "elements")
    lead.add("mu", n_dims, n_comp, mu.strides[0], mu.strides[1])
    lead.add("sigma", n_dims, n_comp, sigma.strides[0], sigma.strides[1])
    lead.add("inv_sigma", n_dims, n_comp, inv_sigma.strides[0], inv_sigma.strides[1])
    lead.add("log_norm", n_dims, n_comp, log_norm.strides[0], log_norm.strides[1])
    cdef Py_ssize_t ld = lead.get(n_comp)
    with nogil:
        code = bbopt_parzen_prepare(n_dims, n_comp, ld, _c2(mu), _c2(sigma), _p1(low), _p1(high),
                                    _p1(step), _cw2(inv_sigma), _cw2(log_norm),
                                    _w1(comp_log_norm))
    check(code, f"parzen_prepare(n_dims={n_dims}, n_comp={n_comp})")


cdef int _name_index_entry_out_of_range(str where, const Py_ssize_t[:, ::1] box_dim,
                                        const Py_ssize_t[::1] box_ref, Py_ssize_t n_dims,
                                        Py_ssize_t n_refs) except -1:
    """Raise the ValueError naming an entry of the index outside its range, if one is.

    Called once the kernel has reported a value outside its domain, so that
    a successful call checks the index only once, in the kernel.
    """
    cdef Py_ssize_t b, t
    for b in range(box_ref.shape[0]):
        if not 0 <= box_ref[b] < n_refs:
            raise ValueError(f"{where}: box_ref[{b}] = {box_ref[b]} is outside "
                             f"[0, n_refs = {n_refs}).")
        for t in range(box_dim.shape[1]):
            if not 0 <= box_dim[b, t] < n_dims:
                raise ValueError(f"{where}: box_dim[{b}, {t}] = {box_dim[b, t]} is outside "
                                 f"[0, n_dims = {n_dims}).")
    return 0


def parzen_log_pdf(const double[:, ::1] x, const double[:, ::1] x_cat, const double[:, :] mu,
                   const double[:, :] inv_sigma, const double[::1] step,
                   const double[:, :] choice, const double[::1] n_choices,
                   const double[::1] spread, const double[::1] log_const,
                   double[::1] out, const double[::1] log_floor=None,
                   const Py_ssize_t[:, ::1] box_dim=None, const double[:, ::1] box_lo=None,
                   const double[:, ::1] box_hi=None, const double[:, ::1] box_radius=None,
                   const double[:, ::1] refs=None, const Py_ssize_t[::1] box_ref=None) -> None:
    """Log-density of a multivariate mixture of product kernels at candidates.

    ``out[i] = logsumexp_k(log_const[k] + sum_j log K_kj(x[i, j])
    + sum_c log P_kc(x_cat[i, c]))``, with ``K_kj`` the unnormalised truncated
    normal (or, with a step, its mass over ``x +- step / 2``) and ``P_kc`` the
    categorical kernel (see csrc/parzen.h).

    Parameters
    ----------
    x : ndarray of shape (n_x, n_dims)
        Numeric coordinates of the candidates.
    x_cat : ndarray of shape (n_x, n_cat)
        Choice indices of the candidates.
    mu : ndarray of shape (n_dims, n_comp)
    inv_sigma : ndarray of shape (n_dims, n_comp) or (n_dims, 1)
        Inverse bandwidths; of shape (n_dims, 1) when every component shares
        the bandwidth of a dimension (a faster loop).
    step : ndarray of shape (n_dims,)
    choice : ndarray of shape (n_cat, n_comp)
        Choice of each component (negative: uniform component).
    n_choices, spread : ndarray of shape (n_cat,)
    log_const : ndarray of shape (n_comp,)
        Log-weight plus ``comp_log_norm`` of each component.
    out : ndarray of shape (n_x,)
        Output.
    log_floor : ndarray of shape (n_x,), optional
        Log-densities that the caller adds to this mixture's (e.g. a prior
        component evaluated apart); only used to skip blocks of components
        provably negligible next to them (relative change of the total at most
        ``n_comp * exp(-64)``).
    box_dim : ndarray of intp, shape (n_boxed, n_box_dims), optional
    box_lo, box_hi : ndarray of shape (n_boxed, n_box_dims), optional
    box_radius : ndarray of shape (n_boxed, 2), optional
    refs : ndarray of shape (n_refs, n_dims), optional
    box_ref : ndarray of intp, shape (n_boxed,), optional
        An index over the components, with shared bandwidths only (all six
        or none): the centres of block ``b`` (components ``b * PARZEN_BLOCK``
        to ``(b + 1) * PARZEN_BLOCK - 1``) lie in ``[box_lo[b, t],
        box_hi[b, t]]`` on dimension ``box_dim[b, t]``, and at a scaled
        distance from ``refs[box_ref[b]]`` (each dimension times its inverse
        bandwidth, or 0 with a step) in ``[box_radius[b, 0], box_radius[b,
        1]]``; 1 to `PARZEN_MAX_REFS` reference points. A candidate skips a
        block whose box or shell is far enough to bound its terms below the
        pruning threshold (same guarantee as ``log_floor``; in a box, a
        dimension with a step counts its distance less half a step). The
        caller vouches for the index.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import parzen_log_pdf
    >>> out = np.empty(1)
    >>> parzen_log_pdf(np.zeros((1, 1)), np.zeros((1, 0)), np.zeros((1, 1)), np.ones((1, 1)),
    ...                np.zeros(1), np.zeros((0, 1)), np.zeros(0), np.zeros(0),
    ...                np.zeros(1), out)
    >>> out
    array([0.])
    """
    cdef str where = "parzen_log_pdf"
    cdef Py_ssize_t n_x = x.shape[0]
    cdef Py_ssize_t n_dims = x.shape[1]
    cdef Py_ssize_t n_cat = x_cat.shape[1]
    cdef Py_ssize_t n_comp = log_const.shape[0]
    cdef int code
    cdef _LeadingDim lead = _LeadingDim(where, n_comp)
    _shape(where, "x_cat", x_cat.shape[0], n_x, "rows")
    _shape(where, "out", out.shape[0], n_x, "elements")
    _shape(where, "mu", mu.shape[0], n_dims, "rows")
    _shape(where, "mu", mu.shape[1], n_comp, "columns")
    _shape(where, "choice", choice.shape[0], n_cat, "rows")
    _shape(where, "choice", choice.shape[1], n_comp, "columns")
    _shape(where, "step", step.shape[0], n_dims, "elements")
    _shape(where, "n_choices", n_choices.shape[0], n_cat, "elements")
    _shape(where, "spread", spread.shape[0], n_cat, "elements")
    _shape(where, "log_const", log_const.shape[0], n_comp, "elements")
    cdef const double *floor_ptr = NULL
    if log_floor is not None:
        _shape(where, "log_floor", log_floor.shape[0], n_x, "elements")
        floor_ptr = _p1(log_floor)
    lead.add("mu", n_dims, n_comp, mu.strides[0], mu.strides[1])
    cdef int shared = _inv_sigma(where, inv_sigma, n_dims, n_comp, lead)
    lead.add("choice", n_cat, n_comp, choice.strides[0], choice.strides[1])
    cdef Py_ssize_t ld = lead.get(n_comp)
    cdef Py_ssize_t n_boxed = 0
    cdef Py_ssize_t n_box_dims = 0
    cdef const Py_ssize_t *dim_ptr = NULL
    cdef const double *lo_ptr = NULL
    cdef const double *hi_ptr = NULL
    cdef const double *radius_ptr = NULL
    cdef const double *refs_ptr = NULL
    cdef const Py_ssize_t *ref_ptr = NULL
    cdef Py_ssize_t n_refs = 0
    cdef int n_missing = ((box_dim is None) + (box_lo is None) + (box_hi is None)
                          + (box_radius is None) + (refs is None) + (box_ref is None))
    if 0 < n_missing < 6:
        raise ValueError(f"{where}: pass all of 'box_dim', 'box_lo', 'box_hi', 'box_radius', "
                         "'refs' and 'box_ref', or none.")
    if box_dim is not None:
        n_boxed = box_dim.shape[0]
        n_box_dims = box_dim.shape[1]
        for name, arr in (("box_lo", box_lo), ("box_hi", box_hi)):
            _shape(where, name, arr.shape[0], n_boxed, "rows")
            _shape(where, name, arr.shape[1], n_box_dims, "columns")
        _shape(where, "box_radius", box_radius.shape[0], n_boxed, "rows")
        _shape(where, "box_radius", box_radius.shape[1], 2, "columns")
        _shape(where, "box_ref", box_ref.shape[0], n_boxed, "elements")
        n_refs = refs.shape[0]
        _shape(where, "refs", refs.shape[1], n_dims, "columns")
        if n_refs > PARZEN_MAX_REFS or (n_boxed > 0 and n_refs == 0):
            raise ValueError(f"{where}: 'refs' must have 1 to {PARZEN_MAX_REFS} rows. "
                             f"Got {n_refs} instead.")
        if n_boxed * PARZEN_BLOCK > n_comp or (n_boxed > 0 and not shared):
            raise ValueError(
                f"{where}: {n_boxed} boxed blocks need shared bandwidths and at least "
                f"{n_boxed * PARZEN_BLOCK} components. Got n_comp={n_comp}, "
                f"shared={bool(shared)} instead."
            )
        if n_boxed > 0 and n_box_dims > 0:
            dim_ptr = &box_dim[0, 0]
            lo_ptr = &box_lo[0, 0]
            hi_ptr = &box_hi[0, 0]
        if n_boxed > 0:
            radius_ptr = &box_radius[0, 0]
            refs_ptr = &refs[0, 0] if n_dims > 0 else NULL
            ref_ptr = &box_ref[0]
    with nogil:
        code = bbopt_parzen_log_pdf(n_x, n_comp, ld, n_dims, n_cat, _p2(x), _p2(x_cat), _c2(mu),
                                    _c2(inv_sigma), shared, _p1(step), _c2(choice), _p1(n_choices),
                                    _p1(spread), _p1(log_const), floor_ptr, n_boxed, n_box_dims,
                                    <const intptr_t *> dim_ptr, lo_ptr, hi_ptr, radius_ptr,
                                    n_refs, refs_ptr, <const intptr_t *> ref_ptr, _w1(out))
    if code == BBOPT_ERR_DOMAIN and n_boxed > 0:
        _name_index_entry_out_of_range(where, box_dim, box_ref, n_dims, n_refs)
    check(code, f"parzen_log_pdf(n_x={n_x}, n_comp={n_comp}, n_dims={n_dims}, n_cat={n_cat})")


def parzen_log_pdf_univariate(const double[:, ::1] x, const double[:, :] mu,
                              const double[:, :] inv_sigma, const double[::1] step,
                              const double[:, :] log_const, double[:, ::1] out) -> None:
    """Log-densities of per-dimension mixtures of numeric kernels at candidates.

    ``out[i, j] = logsumexp_k(log_const[j, k] + log K_kj(x[i, j]))``.

    Parameters
    ----------
    x : ndarray of shape (n_x, n_dims)
    mu, log_const : ndarray of shape (n_dims, n_comp)
        ``log_const`` is the log-weight plus ``log_norm`` of each kernel.
    inv_sigma : ndarray of shape (n_dims, n_comp) or (n_dims, 1)
        Inverse bandwidths, per component or shared (shape (n_dims, 1)).
    step : ndarray of shape (n_dims,)
    out : ndarray of shape (n_x, n_dims)
        Output.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import parzen_log_pdf_univariate
    >>> out = np.empty((1, 1))
    >>> parzen_log_pdf_univariate(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)),
    ...                           np.zeros(1), np.zeros((1, 1)), out)
    >>> out
    array([[-0.5]])
    """
    cdef str where = "parzen_log_pdf_univariate"
    cdef Py_ssize_t n_x = x.shape[0]
    cdef Py_ssize_t n_dims = x.shape[1]
    cdef Py_ssize_t n_comp = log_const.shape[1]
    cdef int code
    cdef _LeadingDim lead = _LeadingDim(where, n_comp)
    for name, arr in (("mu", mu), ("log_const", log_const)):
        _shape(where, name, arr.shape[0], n_dims, "rows")
        _shape(where, name, arr.shape[1], n_comp, "columns")
    _shape(where, "step", step.shape[0], n_dims, "elements")
    _shape(where, "out", out.shape[0], n_x, "rows")
    _shape(where, "out", out.shape[1], n_dims, "columns")
    lead.add("mu", n_dims, n_comp, mu.strides[0], mu.strides[1])
    cdef int shared = _inv_sigma(where, inv_sigma, n_dims, n_comp, lead)
    lead.add("log_const", n_dims, n_comp, log_const.strides[0], log_const.strides[1])
    cdef Py_ssize_t ld = lead.get(n_comp)
    with nogil:
        code = bbopt_parzen_log_pdf_univariate(n_x, n_comp, ld, n_dims, _p2(x), _c2(mu),
                                               _c2(inv_sigma), shared, _p1(step), _c2(log_const),
                                               _w2(out))
    check(code, f"parzen_log_pdf_univariate(n_x={n_x}, n_comp={n_comp}, n_dims={n_dims})")


def parzen_categorical(const double[:, ::1] x_cat, const double[:, :] choice,
                       const double[::1] n_choices, const double[::1] spread,
                       const double[:, :] log_weight, double[:, ::1] out) -> None:
    """Log-probabilities of per-dimension mixtures of categorical kernels.

    ``out[i, c] = logsumexp_k(log_weight[c, k] + log P_kc(x_cat[i, c]))``, where
    component ``k`` puts ``(spread + [x == choice]) / (1 + n_choices * spread)``
    on choice ``x``, or ``1 / n_choices`` if its choice is negative.

    Parameters
    ----------
    x_cat : ndarray of shape (n_x, n_cat)
    choice, log_weight : ndarray of shape (n_cat, n_comp)
    n_choices, spread : ndarray of shape (n_cat,)
    out : ndarray of shape (n_x, n_cat)
        Output.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import parzen_categorical
    >>> out = np.empty((2, 1))
    >>> parzen_categorical(np.array([[0.0], [1.0]]), np.array([[0.0]]), np.array([2.0]),
    ...                    np.array([1.0]), np.zeros((1, 1)), out)
    >>> np.exp(out)
    array([[0.66666667],
           [0.33333333]])
    """
    cdef str where = "parzen_categorical"
    cdef Py_ssize_t n_x = x_cat.shape[0]
    cdef Py_ssize_t n_cat = x_cat.shape[1]
    cdef Py_ssize_t n_comp = log_weight.shape[1]
    cdef int code
    cdef _LeadingDim lead = _LeadingDim(where, n_comp)
    for name, arr in (("choice", choice), ("log_weight", log_weight)):
        _shape(where, name, arr.shape[0], n_cat, "rows")
        _shape(where, name, arr.shape[1], n_comp, "columns")
    _shape(where, "n_choices", n_choices.shape[0], n_cat, "elements")
    _shape(where, "spread", spread.shape[0], n_cat, "elements")
    _shape(where, "out", out.shape[0], n_x, "rows")
    _shape(where, "out", out.shape[1], n_cat, "columns")
    lead.add("choice", n_cat, n_comp, choice.strides[0], choice.strides[1])
    lead.add("log_weight", n_cat, n_comp, log_weight.strides[0], log_weight.strides[1])
    cdef Py_ssize_t ld = lead.get(n_comp)
    with nogil:
        code = bbopt_parzen_categorical(n_x, n_comp, ld, n_cat, _p2(x_cat), _c2(choice),
                                        _p1(n_choices), _p1(spread), _c2(log_weight), _w2(out))
    check(code, f"parzen_categorical(n_x={n_x}, n_comp={n_comp}, n_cat={n_cat})")
