import numpy as np
from numpy.typing import NDArray

CMA_N_RATES: int

def cma_sample(
    z: NDArray[np.float64],
    mean: NDArray[np.float64],
    sigma: float,
    bd: NDArray[np.float64],
    x: NDArray[np.float64],
) -> None: ...
def cma_update(
    y: NDArray[np.float64],
    weights: NDArray[np.float64],
    rates: NDArray[np.float64],
    generation: int,
    invsqrt: NDArray[np.float64],
    mean: NDArray[np.float64],
    sigma: NDArray[np.float64],
    p_sigma: NDArray[np.float64],
    p_c: NDArray[np.float64],
    cov: NDArray[np.float64],
) -> None: ...
def cma_update_sep(
    y: NDArray[np.float64],
    weights: NDArray[np.float64],
    rates: NDArray[np.float64],
    generation: int,
    mean: NDArray[np.float64],
    sigma: NDArray[np.float64],
    p_sigma: NDArray[np.float64],
    p_c: NDArray[np.float64],
    cov: NDArray[np.float64],
) -> None: ...
def cma_eigen(
    cov: NDArray[np.float64],
    bd: NDArray[np.float64],
    invsqrt: NDArray[np.float64],
    eigenvalues: NDArray[np.float64],
) -> None: ...
def lmma_sample(
    z: NDArray[np.float64],
    mean: NDArray[np.float64],
    sigma: float,
    vectors: NDArray[np.float64],
    c_d: NDArray[np.float64],
    steps: NDArray[np.float64],
    x: NDArray[np.float64],
) -> None: ...
def lmma_update(
    z: NDArray[np.float64],
    steps: NDArray[np.float64],
    weights: NDArray[np.float64],
    rates: NDArray[np.float64],
    c_c: NDArray[np.float64],
    mean: NDArray[np.float64],
    sigma: NDArray[np.float64],
    p_sigma: NDArray[np.float64],
    vectors: NDArray[np.float64],
) -> None: ...
