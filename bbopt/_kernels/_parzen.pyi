import numpy as np
from numpy.typing import NDArray

PARZEN_BLOCK: int
PARZEN_MAX_REFS: int

def log_ndtr_diff(
    a: NDArray[np.float64], b: NDArray[np.float64], out: NDArray[np.float64]
) -> None: ...
def truncnorm_draw(
    mu: NDArray[np.float64],
    sigma: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    u: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None: ...
def parzen_prepare(
    mu: NDArray[np.float64],
    sigma: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    step: NDArray[np.float64],
    inv_sigma: NDArray[np.float64],
    log_norm: NDArray[np.float64],
    comp_log_norm: NDArray[np.float64],
) -> None: ...
def parzen_log_pdf(
    x: NDArray[np.float64],
    x_cat: NDArray[np.float64],
    mu: NDArray[np.float64],
    inv_sigma: NDArray[np.float64],
    step: NDArray[np.float64],
    choice: NDArray[np.float64],
    n_choices: NDArray[np.float64],
    spread: NDArray[np.float64],
    log_const: NDArray[np.float64],
    out: NDArray[np.float64],
    log_floor: NDArray[np.float64] | None = None,
    box_dim: NDArray[np.intp] | None = None,
    box_lo: NDArray[np.float64] | None = None,
    box_hi: NDArray[np.float64] | None = None,
    box_radius: NDArray[np.float64] | None = None,
    refs: NDArray[np.float64] | None = None,
    box_ref: NDArray[np.intp] | None = None,
) -> None: ...
def parzen_log_pdf_univariate(
    x: NDArray[np.float64],
    mu: NDArray[np.float64],
    inv_sigma: NDArray[np.float64],
    step: NDArray[np.float64],
    log_const: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None: ...
def parzen_categorical(
    x_cat: NDArray[np.float64],
    choice: NDArray[np.float64],
    n_choices: NDArray[np.float64],
    spread: NDArray[np.float64],
    log_weight: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None: ...
