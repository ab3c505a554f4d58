"""Binding of the non-dominated sorting kernel (csrc/pareto.c)."""

from libc.stdint cimport int64_t, intptr_t

from bbopt._kernels._common cimport BBOPT_OK, raise_kernel_error


cdef extern from "pareto.h" nogil:
    int bbopt_nondominated_rank(intptr_t n, intptr_t m, const double *values,
                                intptr_t max_rank, int64_t *rank)


def nondominated_rank(const double[:, ::1] values, Py_ssize_t max_rank,
                      int64_t[::1] rank) -> None:
    """Rank points by non-dominated front, all objectives minimised.

    Parameters
    ----------
    values : ndarray of shape (n, m), float64, C-contiguous
        Objective values; NaN is rejected, +-inf allowed.
    max_rank : int
        Number of fronts to peel; points beyond them get rank ``max_rank``
        (1 gives the Pareto-set mask, ``n`` the full ranking).
    rank : ndarray of shape (n,), int64, C-contiguous
        Output: ``rank[i]`` is the front of point ``i`` (0 = Pareto set).

    Raises
    ------
    ValueError
        If ``rank`` and ``values`` differ in length, ``values`` has no
        column or holds a NaN, or ``max_rank < 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt._kernels import nondominated_rank
    >>> rank = np.empty(4, dtype=np.int64)
    >>> nondominated_rank(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [3.0, 3.0]]), 4, rank)
    >>> rank
    array([0, 0, 1, 2])
    """
    cdef Py_ssize_t n = values.shape[0]
    cdef Py_ssize_t m = values.shape[1]
    cdef const double *values_ptr = NULL
    cdef int64_t *rank_ptr = NULL
    cdef int code
    if rank.shape[0] != n:
        raise ValueError(
            f"nondominated_rank: 'rank' must have the length of 'values' ({n}). "
            f"Got {rank.shape[0]} instead."
        )
    if n > 0 and m > 0:
        values_ptr = &values[0, 0]
        rank_ptr = &rank[0]
    with nogil:
        code = bbopt_nondominated_rank(n, m, values_ptr, max_rank, rank_ptr)
    if code != BBOPT_OK:
        raise_kernel_error(code, f"nondominated_rank(n={n}, m={m}, max_rank={max_rank})")
