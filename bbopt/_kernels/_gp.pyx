"""Binding of the Gaussian-process kernels (csrc/gp.c).

Notations (see csrc/gp.h): ``n`` training points, ``m`` new points, ``d``
dimensions; ``theta`` of shape (d + 2,) holds the log hyperparameters
``[log l_0, ..., log l_{d-1}, log signal variance, log noise variance]``;
``categorical`` (d,) uint8 flags the dimensions compared by equality (Hamming
term) instead of by difference. ``chol`` is the row-major lower Cholesky
factor of ``K = k(X, X) + noise I``. LAPACK and BLAS come from
scipy.linalg.cython_lapack / cython_blas.
"""

import numpy as np

from libc.stdint cimport intptr_t, uint8_t
from scipy.linalg.cython_blas cimport dtrsm
from scipy.linalg.cython_lapack cimport dpotrf, dpotri

from bbopt._kernels._common cimport check


cdef extern from "gp.h" nogil:
    ctypedef struct bbopt_gp_lapack:
        void (*dpotrf)(char *uplo, int *n, double *a, int *lda, int *info) noexcept nogil
        void (*dpotri)(char *uplo, int *n, double *a, int *lda, int *info) noexcept nogil
        void (*dtrsm)(char *side, char *uplo, char *transa, char *diag, int *m, int *n,
                      double *alpha, double *a, int *lda, double *b, int *ldb) noexcept nogil

    int bbopt_gp_kernel_matrix(intptr_t n1, intptr_t n2, intptr_t d, const double *x1,
                               const double *x2, const uint8_t *categorical,
                               const double *theta, double *out)
    int bbopt_gp_log_marginal_likelihood(intptr_t n, intptr_t d, const double *x,
                                         const double *y, const uint8_t *categorical,
                                         const double *theta, const double *prior_mean,
                                         const double *prior_std,
                                         const bbopt_gp_lapack *lapack, double *chol,
                                         double *alpha, double *work, double *value,
                                         double *grad)
    int bbopt_gp_posterior(intptr_t n, intptr_t m, intptr_t d, const double *x,
                           const uint8_t *categorical, const double *theta,
                           const double *chol, const double *alpha, const double *x_new,
                           const bbopt_gp_lapack *lapack, double *work, double *mean,
                           double *var, double *grad_mean, double *grad_var)
    int bbopt_gp_log_ei(intptr_t m, const double *mean, const double *var, double best,
                        double *out, double *grad_mean, double *grad_var)


cdef bbopt_gp_lapack _LAPACK
_LAPACK.dpotrf = dpotrf
_LAPACK.dpotri = dpotri
_LAPACK.dtrsm = dtrsm


cdef inline const double *_p1(const double[::1] v) noexcept nogil:
    return &v[0] if v is not None and v.shape[0] > 0 else NULL


cdef inline const double *_p2(const double[:, ::1] v) noexcept nogil:
    return &v[0, 0] if v is not None and v.shape[0] > 0 and v.shape[1] > 0 else NULL


cdef inline double *_w1(double[::1] v) noexcept nogil:
    return &v[0] if v is not None and v.shape[0] > 0 else NULL


cdef inline double *_w2(double[:, ::1] v) noexcept nogil:
    return &v[0, 0] if v is not None and v.shape[0] > 0 and v.shape[1] > 0 else NULL


cdef inline const uint8_t *_u1(const uint8_t[::1] v) noexcept nogil:
    return &v[0] if v.shape[0] > 0 else NULL


cdef int _shape(str where, str name, tuple got, tuple expected) except -1:
    if got != expected:
        raise ValueError(f"{where}: '{name}' must have shape {expected}. Got {got} instead.")
    return 0


cdef int _check_space(str where, Py_ssize_t d, const uint8_t[::1] categorical,
                      const double[::1] theta) except -1:
    _shape(where, "categorical", (categorical.shape[0],), (d,))
    _shape(where, "theta", (theta.shape[0],), (d + 2,))
    return 0


def gp_kernel_matrix(const double[:, ::1] x1 not None, const double[:, ::1] x2 not None,
                     const uint8_t[::1] categorical not None, const double[::1] theta not None,
                     double[:, ::1] out not None) -> None:
    """Matern 5/2 covariance ``out = k(x1, x2)`` (without the noise term).

    Parameters
    ----------
    x1 : ndarray of shape (n1, d)
    x2 : ndarray of shape (n2, d)
    categorical : ndarray of shape (d,), uint8
        1 where a dimension is categorical (distance ``[a != b]``).
    theta : ndarray of shape (d + 2,)
        Log length scales, log signal variance, log noise variance.
    out : ndarray of shape (n1, n2)
        Output.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import gp_kernel_matrix
    >>> out = np.empty((1, 2))
    >>> gp_kernel_matrix(np.zeros((1, 1)), np.array([[0.0], [1.0]]), np.zeros(1, np.uint8),
    ...                  np.zeros(3), out)
    >>> out.round(4).tolist()
    [[1.0, 0.524]]
    """
    cdef str where = "gp_kernel_matrix"
    cdef Py_ssize_t n1 = x1.shape[0], n2 = x2.shape[0], d = x1.shape[1]
    cdef int code
    _shape(where, "x2", (x2.shape[1],), (d,))
    _shape(where, "out", (out.shape[0], out.shape[1]), (n1, n2))
    _check_space(where, d, categorical, theta)
    with nogil:
        code = bbopt_gp_kernel_matrix(n1, n2, d, _p2(x1), _p2(x2), _u1(categorical),
                                      &theta[0], _w2(out))
    check(code, f"gp_kernel_matrix(n1={n1}, n2={n2}, d={d})")


def gp_log_marginal_likelihood(const double[:, ::1] x not None, const double[::1] y not None,
                               const uint8_t[::1] categorical not None,
                               const double[::1] theta not None,
                               const double[::1] prior_mean not None,
                               const double[::1] prior_std not None,
                               double[:, ::1] chol not None, double[::1] alpha not None,
                               double[::1] grad=None) -> float:
    """Log marginal likelihood plus Gaussian log-priors on ``theta``, and its gradient.

    ``value = -y^T K^-1 y / 2 - log det L - n log(2 pi) / 2
    + sum_p log N(theta_p; prior_mean_p, prior_std_p^2)``.

    Parameters
    ----------
    x : ndarray of shape (n, d)
    y : ndarray of shape (n,)
    categorical : ndarray of shape (d,), uint8
    theta, prior_mean, prior_std : ndarray of shape (d + 2,)
        Log hyperparameters and their normal priors (``prior_std > 0``).
    chol : ndarray of shape (n, n)
        Output: lower Cholesky factor of ``K`` (zeros above the diagonal).
    alpha : ndarray of shape (n,)
        Output: ``K^-1 y``.
    grad : ndarray of shape (d + 2,), optional
        Output: the gradient of ``value`` with respect to ``theta``.

    Returns
    -------
    float
        ``value``.

    Raises
    ------
    ValueError
        On mismatched shapes, NaN, ``prior_std <= 0``, or a ``K`` that is
        not numerically positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import gp_log_marginal_likelihood
    >>> x, y = np.array([[0.0], [1.0]]), np.array([1.0, -1.0])
    >>> chol, alpha, grad = np.empty((2, 2)), np.empty(2), np.empty(3)
    >>> value = gp_log_marginal_likelihood(x, y, np.zeros(1, np.uint8), np.zeros(3),
    ...                                    np.zeros(3), np.ones(3), chol, alpha, grad)
    >>> round(value, 4)
    -5.9298
    """
    cdef str where = "gp_log_marginal_likelihood"
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1]
    cdef int code
    cdef double value = 0.0
    _shape(where, "y", (y.shape[0],), (n,))
    _check_space(where, d, categorical, theta)
    _shape(where, "prior_mean", (prior_mean.shape[0],), (d + 2,))
    _shape(where, "prior_std", (prior_std.shape[0],), (d + 2,))
    _shape(where, "chol", (chol.shape[0], chol.shape[1]), (n, n))
    _shape(where, "alpha", (alpha.shape[0],), (n,))
    if grad is not None:
        _shape(where, "grad", (grad.shape[0],), (d + 2,))
    cdef double[:, ::1] work = np.empty((n, n))
    with nogil:
        code = bbopt_gp_log_marginal_likelihood(
            n, d, _p2(x), _p1(y), _u1(categorical), &theta[0], &prior_mean[0], &prior_std[0],
            &_LAPACK, _w2(chol), _w1(alpha), _w2(work), &value, _w1(grad))
    check(code, f"gp_log_marginal_likelihood(n={n}, d={d})")
    return value


def gp_posterior(const double[:, ::1] x not None, const uint8_t[::1] categorical not None,
                 const double[::1] theta not None, const double[:, ::1] chol not None,
                 const double[::1] alpha not None, const double[:, ::1] x_new not None,
                 double[::1] mean not None, double[::1] var not None,
                 double[:, ::1] grad_mean=None, double[:, ::1] grad_var=None) -> None:
    """Posterior mean and variance of the latent function at new points.

    ``mean = k(x_new, x) alpha``, ``var = max(s - diag(k K^-1 k^T), 0)`` (no
    noise term), and optionally their gradients with respect to ``x_new``
    (zero in categorical dimensions).

    Parameters
    ----------
    x : ndarray of shape (n, d)
    categorical : ndarray of shape (d,), uint8
    theta : ndarray of shape (d + 2,)
    chol : ndarray of shape (n, n)
        Lower Cholesky factor of ``K`` (as from `gp_log_marginal_likelihood`).
    alpha : ndarray of shape (n,)
        ``K^-1 y``.
    x_new : ndarray of shape (m, d)
    mean, var : ndarray of shape (m,)
        Outputs.
    grad_mean, grad_var : ndarray of shape (m, d), optional
        Outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import gp_posterior
    >>> mean, var = np.empty(1), np.empty(1)
    >>> gp_posterior(np.zeros((0, 1)), np.zeros(1, np.uint8), np.zeros(3), np.zeros((0, 0)),
    ...              np.zeros(0), np.array([[0.5]]), mean, var)
    >>> mean, var
    (array([0.]), array([1.]))
    """
    cdef str where = "gp_posterior"
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], m = x_new.shape[0]
    cdef int code
    _check_space(where, d, categorical, theta)
    _shape(where, "chol", (chol.shape[0], chol.shape[1]), (n, n))
    _shape(where, "alpha", (alpha.shape[0],), (n,))
    _shape(where, "x_new", (x_new.shape[1],), (d,))
    _shape(where, "mean", (mean.shape[0],), (m,))
    _shape(where, "var", (var.shape[0],), (m,))
    if grad_mean is not None:
        _shape(where, "grad_mean", (grad_mean.shape[0], grad_mean.shape[1]), (m, d))
    if grad_var is not None:
        _shape(where, "grad_var", (grad_var.shape[0], grad_var.shape[1]), (m, d))
    cdef Py_ssize_t n_work = 2 if grad_mean is not None or grad_var is not None else 1
    cdef double[:, ::1] work = np.empty((n_work * m, n))
    with nogil:
        code = bbopt_gp_posterior(n, m, d, _p2(x), _u1(categorical), &theta[0], _p2(chol),
                                  _p1(alpha), _p2(x_new), &_LAPACK, _w2(work), _w1(mean),
                                  _w1(var), _w2(grad_mean), _w2(grad_var))
    check(code, f"gp_posterior(n={n}, m={m}, d={d})")


def gp_log_ei(const double[::1] mean not None, const double[::1] var not None, double best,
              double[::1] out not None, double[::1] grad_mean=None,
              double[::1] grad_var=None) -> None:
    """Log expected improvement below ``best`` of normal posteriors, and its derivatives.

    ``out = log E[max(best - f, 0)]``, ``f ~ N(mean, var)``, finite far into
    the tail (no log of 0, no cancellation).

    Parameters
    ----------
    mean, var : ndarray of shape (m,)
        Posterior means and variances (``var > 0``).
    best : float
        The value to improve on (minimisation), finite.
    out : ndarray of shape (m,)
        Output.
    grad_mean, grad_var : ndarray of shape (m,), optional
        Outputs: derivatives of ``out`` in ``mean`` and in ``var``.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import gp_log_ei
    >>> out = np.empty(2)
    >>> gp_log_ei(np.array([0.0, 60.0]), np.ones(2), 0.0, out)
    >>> out.round(3).tolist()
    [-0.919, -1809.108]
    """
    cdef str where = "gp_log_ei"
    cdef Py_ssize_t m = mean.shape[0]
    cdef int code
    _shape(where, "var", (var.shape[0],), (m,))
    _shape(where, "out", (out.shape[0],), (m,))
    if grad_mean is not None:
        _shape(where, "grad_mean", (grad_mean.shape[0],), (m,))
    if grad_var is not None:
        _shape(where, "grad_var", (grad_var.shape[0],), (m,))
    with nogil:
        code = bbopt_gp_log_ei(m, _p1(mean), _p1(var), best, _w1(out), _w1(grad_mean),
                               _w1(grad_var))
    check(code, f"gp_log_ei(m={m})")
