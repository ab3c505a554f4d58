import numpy as np
from numpy.typing import NDArray

def hypervolume_exact(points: NDArray[np.float64], reference: NDArray[np.float64]) -> float: ...
