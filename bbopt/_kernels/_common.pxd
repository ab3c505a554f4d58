# Shared declarations of the compiled kernels: the return codes of
# csrc/bbopt_common.h and the one place that turns them into exceptions.
# A binding does ``from bbopt._kernels._common cimport check`` and, after its
# ``with nogil:`` block, ``check(code, "<stem>")``. Only inline functions and
# extern declarations live here, so no module is imported at run time.

cdef extern from "bbopt_common.h" nogil:
    ctypedef enum bbopt_status:
        BBOPT_OK
        BBOPT_ERR_NAN
        BBOPT_ERR_SIZE
        BBOPT_ERR_DOMAIN
        BBOPT_ERR_NOT_PD

    const char *bbopt_strerror(int code)


cdef inline int raise_kernel_error(int code, str where) except -1:
    """Raise the exception of a kernel's negative return code.

    A matrix that is not positive definite raises numpy.linalg.LinAlgError (a
    ValueError, as scipy.linalg.cholesky raises), every other code ValueError.
    """
    message = f"{where}: {bbopt_strerror(code).decode('ascii')} (error code {code})."
    if code == BBOPT_ERR_NOT_PD:
        from numpy.linalg import LinAlgError  # imported only when raised
        raise LinAlgError(message)
    raise ValueError(message)


cdef inline int check(int code, str where) except -1:
    """Return 0 if ``code`` is BBOPT_OK, else raise its exception (`raise_kernel_error`).

    ``where`` names the failing call, e.g. ``"nondominated_rank(n=3, m=0)"``.
    """
    if code == BBOPT_OK:
        return 0
    return raise_kernel_error(code, where)
