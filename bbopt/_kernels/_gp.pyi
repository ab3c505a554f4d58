import numpy as np
from numpy.typing import NDArray

def gp_kernel_matrix(
    x1: NDArray[np.float64],
    x2: NDArray[np.float64],
    categorical: NDArray[np.uint8],
    theta: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None: ...
def gp_log_marginal_likelihood(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    categorical: NDArray[np.uint8],
    theta: NDArray[np.float64],
    prior_mean: NDArray[np.float64],
    prior_std: NDArray[np.float64],
    chol: NDArray[np.float64],
    alpha: NDArray[np.float64],
    grad: NDArray[np.float64] | None = None,
) -> float: ...
def gp_posterior(
    x: NDArray[np.float64],
    categorical: NDArray[np.uint8],
    theta: NDArray[np.float64],
    chol: NDArray[np.float64],
    alpha: NDArray[np.float64],
    x_new: NDArray[np.float64],
    mean: NDArray[np.float64],
    var: NDArray[np.float64],
    grad_mean: NDArray[np.float64] | None = None,
    grad_var: NDArray[np.float64] | None = None,
) -> None: ...
def gp_log_ei(
    mean: NDArray[np.float64],
    var: NDArray[np.float64],
    best: float,
    out: NDArray[np.float64],
    grad_mean: NDArray[np.float64] | None = None,
    grad_var: NDArray[np.float64] | None = None,
) -> None: ...
