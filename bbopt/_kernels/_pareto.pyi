import numpy as np
from numpy.typing import NDArray

def nondominated_rank(
    values: NDArray[np.float64], max_rank: int, rank: NDArray[np.int64]
) -> None: ...
