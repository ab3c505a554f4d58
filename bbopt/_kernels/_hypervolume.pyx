"""Binding of the exact hypervolume kernel (csrc/hypervolume.c)."""

from libc.stdint cimport int64_t, intptr_t

import numpy as np

from bbopt._kernels._common cimport check


cdef extern from "hypervolume.h" nogil:
    intptr_t bbopt_hypervolume_work_size(intptr_t n, intptr_t m)
    int bbopt_hypervolume(intptr_t n, intptr_t m, const double *points,
                          const double *reference, double *work, intptr_t n_work,
                          int64_t *index_work, intptr_t n_index_work, double *out)


def hypervolume_exact(const double[:, ::1] points, const double[::1] reference) -> float:
    """Exact hypervolume dominated by ``points`` (minimised) up to ``reference``.

    Parameters
    ----------
    points : ndarray of shape (n, m), float64, C-contiguous
        Points; those that do not strictly dominate ``reference`` count for nothing.
    reference : ndarray of shape (m,), float64
        The reference point.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the sizes disagree, ``m < 1``, or an input holds a NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import hypervolume_exact
    >>> hypervolume_exact(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0]))
    3.0
    """
    cdef Py_ssize_t n = points.shape[0]
    cdef Py_ssize_t m = points.shape[1]
    if reference.shape[0] != m:
        raise ValueError(
            f"hypervolume_exact: 'reference' must have {m} entries, one per objective. "
            f"Got {reference.shape[0]} instead."
        )
    if m < 1:
        raise ValueError("hypervolume_exact: 'points' must have at least one column.")
    cdef double[::1] work = np.empty(bbopt_hypervolume_work_size(n, m), dtype=np.float64)
    cdef int64_t[::1] index_work = np.empty(2 * n + 1, dtype=np.int64)
    cdef double out = 0.0
    cdef const double *points_ptr = &points[0, 0] if n > 0 else NULL
    cdef int code
    with nogil:
        code = bbopt_hypervolume(n, m, points_ptr, &reference[0], &work[0], work.shape[0],
                                 &index_work[0], index_work.shape[0], &out)
    check(code, f"hypervolume_exact(n={n}, m={m})")
    return out
