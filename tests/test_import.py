"""`import bbopt` stays light: heavy scipy submodules and the GP load on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("statement", ["pass", "bbopt.create_study()"])
def test_import_and_default_study_load_no_heavy_scipy_module(statement: str) -> None:
    # The default sampler (AutoSampler) builds its GP and local models on first use.
    code = (
        f"import sys, bbopt\n{statement}\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[:2] in (['scipy', 'optimize'], "
        "['scipy', 'linalg'], ['scipy', 'special'], ['scipy', 'stats']) "
        "or m in ('bbopt.samplers._gp', 'bbopt.surrogates._gp', 'bbopt._kernels._gp'))\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_names_resolve() -> None:
    import bbopt
    from bbopt import surrogates
    from bbopt._kernels import gp_posterior
    from bbopt.samplers import GPSampler

    assert bbopt.samplers.GPSampler is GPSampler and callable(gp_posterior)
    assert surrogates.GaussianProcess.__name__ == "GaussianProcess"
