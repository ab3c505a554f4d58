"""Build the compiled kernels of bbopt.

Every ``bbopt/_kernels/_<stem>.pyx`` is compiled together with
``csrc/<stem>.c`` into the extension module ``bbopt._kernels._<stem>``:
adding a kernel means adding those two files, nothing here.

The default build is portable (``-O3`` without ``-march=native``); set
``BBOPT_NATIVE=1`` to compile for the building machine's CPU only.
"""

import os
import sys
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

ROOT = Path(__file__).parent


def _compile_args() -> list[str]:
    if sys.platform == "win32":
        return ["/O2"]
    args = ["-O3", "-fno-math-errno", "-std=c11"]
    if os.environ.get("BBOPT_NATIVE") == "1":
        args.append("-march=native")
    return args


def _extensions() -> list[Extension]:
    extensions = []
    for pyx in sorted((ROOT / "bbopt" / "_kernels").glob("_*.pyx")):
        stem = pyx.stem.lstrip("_")
        sources = [str(pyx.relative_to(ROOT))]
        c_source = ROOT / "csrc" / f"{stem}.c"
        if c_source.exists():
            sources.append(str(c_source.relative_to(ROOT)))
        extensions.append(
            Extension(
                f"bbopt._kernels._{stem}",
                sources=sources,
                include_dirs=["csrc", np.get_include()],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
                extra_compile_args=_compile_args(),
                libraries=[] if sys.platform == "win32" else ["m"],
            )
        )
    return extensions


if __name__ == "__main__":  # pip's build backend runs this file as __main__ too
    setup(
        ext_modules=cythonize(
            _extensions(),
            compiler_directives={
                "language_level": 3,
                "boundscheck": False,
                "wraparound": False,
                "cdivision": True,
                "initializedcheck": False,
                "embedsignature": True,
            },
        ),
    )
