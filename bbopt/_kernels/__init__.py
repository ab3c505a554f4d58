"""Compiled kernels of bbopt (private).

Each ``_<stem>`` extension module binds ``csrc/<stem>.c``; this package only
re-exports their functions. Their pure-NumPy twins are in
:mod:`bbopt._kernels._reference`.
"""

from typing import Any


def _build_error(exc: ImportError) -> ImportError:
    """Explain how to build the compiled modules that failed to import."""
    from pathlib import Path

    package_dir = Path(__file__).resolve().parent
    checkout = package_dir.parent.parent
    return ImportError(
        f"The compiled kernels of bbopt could not be imported ({exc}).\n"
        f"bbopt seems to be imported from a source checkout that was not built "
        f"(package directory: {package_dir}). Build it from {checkout} with\n"
        "    pip install -e .\n"
        "or\n"
        "    python setup.py build_ext --inplace\n"
        "then import bbopt again. If you installed bbopt, make sure you do not "
        "import it from inside its source directory."
    )


try:
    # One import per compiled module (the GP's and CMA-ES's on first use: they load
    # scipy.linalg for LAPACK).
    from bbopt._kernels._hypervolume import hypervolume_exact
    from bbopt._kernels._pareto import nondominated_rank
    from bbopt._kernels._parzen import (
        PARZEN_BLOCK,
        PARZEN_MAX_REFS,
        log_ndtr_diff,
        parzen_categorical,
        parzen_log_pdf,
        parzen_log_pdf_univariate,
        parzen_prepare,
        truncnorm_draw,
    )
except ImportError as _exc:
    raise _build_error(_exc) from _exc

__all__ = [
    "CMA_N_RATES",
    "PARZEN_BLOCK",
    "PARZEN_MAX_REFS",
    "cma_eigen",
    "cma_sample",
    "cma_update",
    "cma_update_sep",
    "gp_kernel_matrix",
    "gp_log_ei",
    "gp_log_marginal_likelihood",
    "gp_posterior",
    "hypervolume_exact",
    "lmma_sample",
    "lmma_update",
    "log_ndtr_diff",
    "nondominated_rank",
    "parzen_categorical",
    "parzen_log_pdf",
    "parzen_log_pdf_univariate",
    "parzen_prepare",
    "truncnorm_draw",
]

# Names of the modules loaded on first use.
_LAZY = {
    **dict.fromkeys(("gp_kernel_matrix", "gp_log_ei", "gp_log_marginal_likelihood",
                     "gp_posterior"), "_gp"),
    **dict.fromkeys(("CMA_N_RATES", "cma_eigen", "cma_sample", "cma_update",
                     "cma_update_sep", "lmma_sample", "lmma_update"), "_cma"),
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        import importlib

        try:
            module = importlib.import_module(f"bbopt._kernels.{module_name}")
        except ImportError as exc:
            raise _build_error(exc) from exc
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
