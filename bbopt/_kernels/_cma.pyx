"""Binding of the evolution-strategy kernels (csrc/cma.c).

Notations (see csrc/cma.h): ``d`` dimensions, ``n`` sampled points, ``mu``
selected points, ``m`` direction vectors of LM-MA-ES. ``rates`` of shape
(CMA_N_RATES,) holds ``[c_m, c_sigma, d_sigma, c_c, c_1, c_mu, mu_eff,
E||N(0, I)||]``. ``sigma`` is passed as an array of shape (1,) where a
kernel updates it. LAPACK comes from scipy.linalg.cython_lapack.
"""

import numpy as np

from libc.stdint cimport intptr_t
from scipy.linalg.cython_lapack cimport dsyevr

from bbopt._kernels._common cimport check


cdef extern from "cma.h" nogil:
    enum:
        BBOPT_CMA_N_RATES
    ctypedef struct bbopt_cma_lapack:
        void (*dsyevr)(char *jobz, char *range, char *uplo, int *n, double *a, int *lda,
                       double *vl, double *vu, int *il, int *iu, double *abstol, int *m,
                       double *w, double *z, int *ldz, int *isuppz, double *work,
                       int *lwork, int *iwork, int *liwork, int *info) noexcept nogil
    intptr_t BBOPT_CMA_EIGEN_WORK(intptr_t d)
    intptr_t BBOPT_CMA_EIGEN_IWORK(intptr_t d)

    int bbopt_cma_sample(intptr_t n, intptr_t d, const double *z, const double *mean,
                         double sigma, const double *bd, double *x)
    int bbopt_cma_update(intptr_t mu, intptr_t d, const double *y, const double *weights,
                         const double *rates, intptr_t generation, const double *invsqrt,
                         double *mean, double *sigma, double *p_sigma, double *p_c,
                         double *cov)
    int bbopt_cma_update_sep(intptr_t mu, intptr_t d, const double *y,
                             const double *weights, const double *rates, intptr_t generation,
                             double *mean, double *sigma, double *p_sigma, double *p_c,
                             double *cov)
    int bbopt_cma_eigen(intptr_t d, const double *cov, const bbopt_cma_lapack *lapack,
                        double *work, int *iwork, double *bd, double *invsqrt,
                        double *eigenvalues)
    int bbopt_lmma_sample(intptr_t n, intptr_t d, intptr_t m, const double *z,
                          const double *mean, double sigma, const double *vectors,
                          const double *c_d, double *steps, double *x)
    int bbopt_lmma_update(intptr_t mu, intptr_t d, intptr_t m, const double *z,
                          const double *steps, const double *weights, const double *rates,
                          const double *c_c, double *mean, double *sigma, double *p_sigma,
                          double *vectors)


cdef bbopt_cma_lapack _LAPACK
_LAPACK.dsyevr = dsyevr

#: Length of the ``rates`` array.
CMA_N_RATES = BBOPT_CMA_N_RATES


cdef int _shape(str where, str name, tuple got, tuple expected) except -1:
    if got != expected:
        raise ValueError(f"{where}: '{name}' must have shape {expected}. Got {got} instead.")
    return 0


cdef inline const double *_p(const double[::1] v) noexcept nogil:
    return &v[0] if v.shape[0] > 0 else NULL


cdef inline const double *_p2(const double[:, ::1] v) noexcept nogil:
    return &v[0, 0] if v.shape[0] > 0 and v.shape[1] > 0 else NULL


cdef inline double *_w2(double[:, ::1] v) noexcept nogil:
    return &v[0, 0] if v.shape[0] > 0 and v.shape[1] > 0 else NULL


def cma_sample(const double[:, ::1] z not None, const double[::1] mean not None,
               double sigma, const double[:, ::1] bd not None,
               double[:, ::1] x not None) -> None:
    """Points ``x_i = mean + sigma * bd @ z_i`` of the full CMA-ES.

    Parameters
    ----------
    z : ndarray of shape (n, d)
        Standard normal draws.
    mean : ndarray of shape (d,)
    sigma : float
        Step size, > 0.
    bd : ndarray of shape (d, d)
        ``B diag(D)``, a square root of the covariance matrix.
    x : ndarray of shape (n, d)
        Output.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import cma_sample
    >>> x = np.empty((1, 2))
    >>> cma_sample(np.ones((1, 2)), np.zeros(2), 0.5, np.diag([1.0, 2.0]), x)
    >>> x.tolist()
    [[0.5, 1.0]]
    """
    cdef Py_ssize_t n = z.shape[0], d = z.shape[1]
    cdef int code
    _shape("cma_sample", "mean", (mean.shape[0],), (d,))
    _shape("cma_sample", "bd", (bd.shape[0], bd.shape[1]), (d, d))
    _shape("cma_sample", "x", (x.shape[0], x.shape[1]), (n, d))
    with nogil:
        code = bbopt_cma_sample(n, d, _p2(z), _p(mean), sigma, _p2(bd), _w2(x))
    check(code, f"cma_sample(n={n}, d={d})")


cdef int _check_update(str where, Py_ssize_t mu, Py_ssize_t d, const double[::1] weights,
                       const double[::1] rates, double[::1] sigma) except -1:
    _shape(where, "weights", (weights.shape[0],), (mu,))
    _shape(where, "rates", (rates.shape[0],), (CMA_N_RATES,))
    _shape(where, "sigma", (sigma.shape[0],), (1,))
    return 0


def cma_update(const double[:, ::1] y not None, const double[::1] weights not None,
               const double[::1] rates not None, Py_ssize_t generation,
               const double[:, ::1] invsqrt not None, double[::1] mean not None,
               double[::1] sigma not None, double[::1] p_sigma not None,
               double[::1] p_c not None, double[:, ::1] cov not None) -> None:
    """One full CMA-ES update (rank-one, rank-mu, step size), in place.

    Parameters
    ----------
    y : ndarray of shape (mu, d)
        Selected steps ``(x_i - mean) / sigma``, best first.
    weights : ndarray of shape (mu,)
    rates : ndarray of shape (CMA_N_RATES,)
    generation : int
        Updates done before this one.
    invsqrt : ndarray of shape (d, d)
        ``C^(-1/2)`` of the current covariance matrix.
    mean, p_sigma, p_c : ndarray of shape (d,)
        Updated in place.
    sigma : ndarray of shape (1,)
        Updated in place.
    cov : ndarray of shape (d, d)
        Updated in place.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import cma_update
    >>> rates = np.array([1.0, 0.3, 1.3, 0.4, 0.1, 0.05, 1.0, 1.25])
    >>> mean, sigma, ps, pc, cov = np.zeros(2), np.ones(1), np.zeros(2), np.zeros(2), np.eye(2)
    >>> cma_update(np.array([[1.0, 0.0]]), np.ones(1), rates, 0, np.eye(2),
    ...            mean, sigma, ps, pc, cov)
    >>> mean.tolist()
    [1.0, 0.0]
    """
    cdef str where = "cma_update"
    cdef Py_ssize_t mu = y.shape[0], d = y.shape[1]
    cdef int code
    _check_update(where, mu, d, weights, rates, sigma)
    _shape(where, "invsqrt", (invsqrt.shape[0], invsqrt.shape[1]), (d, d))
    _shape(where, "cov", (cov.shape[0], cov.shape[1]), (d, d))
    for name, v in (("mean", mean), ("p_sigma", p_sigma), ("p_c", p_c)):
        _shape(where, name, (v.shape[0],), (d,))
    with nogil:
        code = bbopt_cma_update(mu, d, _p2(y), &weights[0], &rates[0], generation,
                                _p2(invsqrt), &mean[0], &sigma[0], &p_sigma[0], &p_c[0],
                                &cov[0, 0])
    check(code, f"cma_update(mu={mu}, d={d})")


def cma_update_sep(const double[:, ::1] y not None, const double[::1] weights not None,
                   const double[::1] rates not None, Py_ssize_t generation,
                   double[::1] mean not None, double[::1] sigma not None,
                   double[::1] p_sigma not None, double[::1] p_c not None,
                   double[::1] cov not None) -> None:
    """One sep-CMA-ES update (diagonal covariance ``cov`` of shape (d,)), in place.

    Parameters as in `cma_update`, without ``invsqrt`` (``1 / sqrt(cov)``).

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import cma_update_sep
    >>> rates = np.array([1.0, 0.3, 1.3, 0.4, 0.1, 0.05, 1.0, 1.25])
    >>> mean, sigma, ps, pc, cov = np.zeros(2), np.ones(1), np.zeros(2), np.zeros(2), np.ones(2)
    >>> cma_update_sep(np.array([[0.0, 2.0]]), np.ones(1), rates, 0, mean, sigma, ps, pc, cov)
    >>> mean.tolist()
    [0.0, 2.0]
    """
    cdef str where = "cma_update_sep"
    cdef Py_ssize_t mu = y.shape[0], d = y.shape[1]
    cdef int code
    _check_update(where, mu, d, weights, rates, sigma)
    for name, v in (("mean", mean), ("p_sigma", p_sigma), ("p_c", p_c), ("cov", cov)):
        _shape(where, name, (v.shape[0],), (d,))
    with nogil:
        code = bbopt_cma_update_sep(mu, d, _p2(y), &weights[0], &rates[0], generation,
                                    &mean[0], &sigma[0], &p_sigma[0], &p_c[0], &cov[0])
    check(code, f"cma_update_sep(mu={mu}, d={d})")


def cma_eigen(const double[:, ::1] cov not None, double[:, ::1] bd not None,
              double[:, ::1] invsqrt not None, double[::1] eigenvalues not None) -> None:
    """Eigendecomposition ``cov = B diag(D^2) B^T`` (LAPACK dsyevr).

    Parameters
    ----------
    cov : ndarray of shape (d, d)
        Symmetric; its upper triangle is read.
    bd : ndarray of shape (d, d)
        Output ``B diag(D)``.
    invsqrt : ndarray of shape (d, d)
        Output ``B diag(1 / D) B^T``.
    eigenvalues : ndarray of shape (d,)
        Output ``D^2``, ascending (raised to at least 1e-300).

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import cma_eigen
    >>> bd, inv, ev = np.empty((2, 2)), np.empty((2, 2)), np.empty(2)
    >>> cma_eigen(np.diag([4.0, 1.0]), bd, inv, ev)
    >>> ev.tolist(), np.abs(inv).round(3).tolist()
    ([1.0, 4.0], [[0.5, 0.0], [0.0, 1.0]])
    """
    cdef Py_ssize_t d = cov.shape[0]
    cdef int code
    _shape("cma_eigen", "cov", (cov.shape[0], cov.shape[1]), (d, d))
    _shape("cma_eigen", "bd", (bd.shape[0], bd.shape[1]), (d, d))
    _shape("cma_eigen", "invsqrt", (invsqrt.shape[0], invsqrt.shape[1]), (d, d))
    _shape("cma_eigen", "eigenvalues", (eigenvalues.shape[0],), (d,))
    if d < 1:
        check(-2, "cma_eigen(d=0)")
    cdef double[::1] work = np.empty(BBOPT_CMA_EIGEN_WORK(d))
    cdef int[::1] iwork = np.empty(BBOPT_CMA_EIGEN_IWORK(d), dtype=np.intc)
    with nogil:
        code = bbopt_cma_eigen(d, &cov[0, 0], &_LAPACK, &work[0], &iwork[0], &bd[0, 0],
                               &invsqrt[0, 0], &eigenvalues[0])
    check(code, f"cma_eigen(d={d})")


def lmma_sample(const double[:, ::1] z not None, const double[::1] mean not None,
                double sigma, const double[:, ::1] vectors not None,
                const double[::1] c_d not None, double[:, ::1] steps not None,
                double[:, ::1] x not None) -> None:
    """Points of LM-MA-ES: ``z_i`` transformed by the ``m`` direction vectors.

    Parameters
    ----------
    z : ndarray of shape (n, d)
        Standard normal draws.
    mean : ndarray of shape (d,)
    sigma : float
    vectors : ndarray of shape (m, d)
        Direction vectors ``M_j`` (m may be 0).
    c_d : ndarray of shape (m,)
        Their rates.
    steps : ndarray of shape (n, d)
        Output: the transformed ``z_i``.
    x : ndarray of shape (n, d)
        Output: ``mean + sigma * steps``.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import lmma_sample
    >>> steps, x = np.empty((1, 2)), np.empty((1, 2))
    >>> lmma_sample(np.array([[1.0, 1.0]]), np.zeros(2), 2.0, np.array([[1.0, 0.0]]),
    ...             np.array([0.5]), steps, x)
    >>> x.tolist()
    [[2.0, 1.0]]
    """
    cdef str where = "lmma_sample"
    cdef Py_ssize_t n = z.shape[0], d = z.shape[1], m = vectors.shape[0]
    cdef int code
    _shape(where, "mean", (mean.shape[0],), (d,))
    if m > 0:
        _shape(where, "vectors", (vectors.shape[1],), (d,))
    _shape(where, "c_d", (c_d.shape[0],), (m,))
    _shape(where, "steps", (steps.shape[0], steps.shape[1]), (n, d))
    _shape(where, "x", (x.shape[0], x.shape[1]), (n, d))
    with nogil:
        code = bbopt_lmma_sample(n, d, m, _p2(z), _p(mean), sigma, _p2(vectors), _p(c_d),
                                 _w2(steps), _w2(x))
    check(code, f"lmma_sample(n={n}, d={d}, m={m})")


def lmma_update(const double[:, ::1] z not None, const double[:, ::1] steps not None,
                const double[::1] weights not None, const double[::1] rates not None,
                const double[::1] c_c not None, double[::1] mean not None,
                double[::1] sigma not None, double[::1] p_sigma not None,
                double[:, ::1] vectors not None) -> None:
    """One LM-MA-ES update, in place.

    Parameters
    ----------
    z, steps : ndarray of shape (mu, d)
        Selected draws and their steps (from `lmma_sample`), best first.
    weights : ndarray of shape (mu,)
    rates : ndarray of shape (CMA_N_RATES,)
        ``c_c``, ``c_1`` and ``c_mu`` are not used.
    c_c : ndarray of shape (m,)
        Rates of the direction vectors.
    mean, p_sigma : ndarray of shape (d,)
    sigma : ndarray of shape (1,)
    vectors : ndarray of shape (m, d)
        Updated in place.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import lmma_update
    >>> rates = np.array([1.0, 0.3, 1.0, 0.0, 0.0, 0.0, 1.0, 1.25])
    >>> mean, sigma, ps, vectors = np.zeros(2), np.ones(1), np.zeros(2), np.zeros((1, 2))
    >>> lmma_update(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), np.ones(1), rates,
    ...             np.array([1.0]), mean, sigma, ps, vectors)
    >>> mean.tolist(), vectors.tolist()
    ([1.0, 0.0], [[1.0, 0.0]])
    """
    cdef str where = "lmma_update"
    cdef Py_ssize_t mu = z.shape[0], d = z.shape[1], m = vectors.shape[0]
    cdef int code
    _check_update(where, mu, d, weights, rates, sigma)
    _shape(where, "steps", (steps.shape[0], steps.shape[1]), (mu, d))
    if m > 0:
        _shape(where, "vectors", (vectors.shape[1],), (d,))
    _shape(where, "c_c", (c_c.shape[0],), (m,))
    _shape(where, "mean", (mean.shape[0],), (d,))
    _shape(where, "p_sigma", (p_sigma.shape[0],), (d,))
    with nogil:
        code = bbopt_lmma_update(mu, d, m, _p2(z), _p2(steps), &weights[0], &rates[0],
                                 _p(c_c), &mean[0], &sigma[0], &p_sigma[0], _w2(vectors))
    check(code, f"lmma_update(mu={mu}, d={d}, m={m})")
