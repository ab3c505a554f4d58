"""One BLAS thread while a sampler works: OpenBLAS threads cost more than they give here.

The matrices of bbopt's models are small (a few hundred to a few thousand
rows). On them, OpenBLAS's worker threads spin while they wait for work, and
on a machine whose cores are busy (the user's own simulations, or parallel
trials) a factorisation that takes 0.3 ms on one thread takes 15 ms on two.
`one_blas_thread` sets every OpenBLAS library loaded in the process (numpy's
and scipy's wheels each bring one) to one thread, and restores the previous
counts when the outermost scope ends. Parallel work belongs to trials
(``n_jobs``), not to the linear algebra of one suggestion.

Other BLAS libraries (MKL, Accelerate, BLIS) are left as they are.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# OpenBLAS's thread-count functions, as named by the builds that numpy and scipy ship
# (symbols prefixed with "scipy_" and suffixed for 64-bit integers) and by plain builds.
_NAMES = [f"{prefix}openblas_{{}}_num_threads{suffix}"
          for prefix in ("", "scipy_") for suffix in ("", "64_", "_64")]

_lock = threading.Lock()
_depth = 0
_saved: list[int] = []
_controls: list[tuple[Any, Any]] | None = None  # (get, set) ctypes functions


def _library_paths() -> list[str]:
    """Paths of the shared libraries that may hold OpenBLAS in this process."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                paths = {line.split(maxsplit=5)[-1].strip() for line in maps if "/" in line}
        except OSError:
            paths = set()
        return sorted(p for p in paths if "blas" in os.path.basename(p).lower())
    import numpy
    import scipy

    found: list[str] = []
    for module in (numpy, scipy):
        root = os.path.dirname(os.path.dirname(module.__file__ or ""))
        name = module.__name__
        for folder in (f"{name}.libs", os.path.join(name, ".dylibs"), os.path.join(name, ".libs")):
            found += glob.glob(os.path.join(root, folder, "*openblas*"))
    return sorted(set(found))


def _find_controls() -> list[tuple[Any, Any]]:
    """(get, set) pairs of the distinct OpenBLAS libraries loaded in the process."""
    import scipy.linalg.cython_lapack  # noqa: F401  (loads scipy's BLAS, which the kernels use)

    controls, seen = [], set()
    for path in _library_paths():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _NAMES:
            getter = getattr(library, name.format("get"), None)
            setter = getattr(library, name.format("set"), None)
            if getter is None or setter is None:
                continue
            address = ctypes.cast(getter, ctypes.c_void_p).value
            if address not in seen:
                seen.add(address)
                getter.restype, getter.argtypes = ctypes.c_int, []
                setter.restype, setter.argtypes = None, [ctypes.c_int]
                controls.append((getter, setter))
    return controls


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with OpenBLAS on one thread (nested and thread-safe).

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     factor = np.linalg.cholesky(np.eye(3))
    """
    global _depth, _controls, _saved
    with _lock:
        if _controls is None:
            _controls = _find_controls()
        if _depth == 0:
            _saved = [getter() for getter, _ in _controls]
            for _, setter in _controls:
                setter(1)
        _depth += 1
    try:
        yield
    finally:
        assert _controls is not None
        with _lock:
            _depth -= 1
            if _depth == 0:
                for (_, setter), count in zip(_controls, _saved):
                    setter(count)
