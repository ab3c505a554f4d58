"""Mean decrease in impurity: importances from a random forest grown on the trials.

A forest of regression trees (bootstrap samples of the complete trials, every
parameter considered at every split, grown until each leaf holds one value)
predicts the objective from the parameters' internal coordinates (log scale
for log parameters, choice indices for categorical ones). A parameter's
importance is the variance reduction of the splits on it, summed over each
tree, normalised per tree, averaged over the trees (Breiman's Gini/MDI
importance for regression). A trial that did not use a parameter takes a
value below the parameter's range, so a split can separate the trials that
used a conditional parameter from those that did not.

The forest is written here in NumPy (no scikit-learn): each node sorts its
samples on each parameter and takes the best split of the running sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bbopt._validation import ensure_int, ensure_seed
from bbopt.importance._table import Target, study_table

if TYPE_CHECKING:
    from bbopt._study import Study

_OWNER = "MeanDecreaseImpurityImportanceEvaluator"


class MeanDecreaseImpurityImportanceEvaluator:
    """Importance as the mean decrease in impurity of a random forest of the trials.

    Parameters
    ----------
    n_trees : int, default 64
        Trees in the forest.
    max_depth : int, default 64
        Depth limit of each tree.
    seed : int, optional
        Seed of the bootstrap samples and of the order in which ties are broken.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.importance import MeanDecreaseImpurityImportanceEvaluator
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> def objective(trial):
    ...     return trial.suggest_float("x", -1, 1) ** 2 + 0 * trial.suggest_float("y", -1, 1)
    >>> study.optimize(objective, n_trials=60)
    >>> imp = bbopt.importance.get_param_importances(
    ...     study, evaluator=MeanDecreaseImpurityImportanceEvaluator(seed=0))
    >>> list(imp)
    ['x', 'y']
    """

    def __init__(self, n_trees: int = 64, max_depth: int = 64, seed: int | None = None) -> None:
        self.n_trees = ensure_int(n_trees, "n_trees", _OWNER, minimum=1)
        self.max_depth = ensure_int(max_depth, "max_depth", _OWNER, minimum=1)
        self.seed = ensure_seed(seed, _OWNER)

    def evaluate(self, study: Study, params: Sequence[str] | None = None,
                 target: Target | None = None) -> dict[str, float]:
        """Return the mean decrease in impurity of each parameter (they sum to 1, or all 0).

        Parameters
        ----------
        study : Study
        params : sequence of str, optional
            Parameters to rate (default: all parameters of the complete trials).
        target : callable, optional
            ``FrozenTrial -> float`` to rate instead of the objective.

        Returns
        -------
        dict of str to float
        """
        table = study_table(study, params, target, _OWNER)
        x = table.x.copy()
        for j, distribution in enumerate(table.distributions):
            low, high = distribution.internal_bounds()
            x[np.isnan(x[:, j]), j] = low - (high - low + 1.0)  # "not used": below the range
        y = table.values
        rng = np.random.default_rng(self.seed)
        total = np.zeros(x.shape[1])
        for _ in range(self.n_trees):
            rows = rng.integers(0, y.size, y.size)
            gains = _tree_gains(x[rows], y[rows], self.max_depth, rng)
            if gains.sum() > 0.0:
                total += gains / gains.sum()
        total /= self.n_trees
        return {name: float(total[j]) for j, name in enumerate(table.names)}


def _tree_gains(x: NDArray[np.float64], y: NDArray[np.float64], max_depth: int,
                rng: np.random.Generator) -> NDArray[np.float64]:
    """Grow one regression tree on ``(x, y)``; return the impurity decrease per column."""
    n, k = x.shape
    gains = np.zeros(k)
    stack = [(np.arange(n), 0)]
    while stack:
        rows, depth = stack.pop()
        if rows.size < 2 or depth >= max_depth:
            continue
        yr = y[rows]
        total, count = yr.sum(), rows.size
        parent = total * total / count
        best_gain, best = 0.0, None
        for j in rng.permutation(k):  # ties go to a random parameter
            order = np.argsort(x[rows, j], kind="stable")
            xs = x[rows[order], j]
            left = np.cumsum(yr[order])[:-1]  # sums of the first i + 1 values
            n_left = np.arange(1, count)
            valid = xs[1:] > xs[:-1]  # split only between distinct values
            if not valid.any():
                continue
            score = left ** 2 / n_left + (total - left) ** 2 / (count - n_left)
            score = np.where(valid, score, -np.inf)
            i = int(np.argmax(score))
            gain = float(score[i] - parent)
            if gain > best_gain * (1.0 + 1e-12) + 1e-300:
                best_gain, best = gain, (j, order[: i + 1], order[i + 1:])
        if best is None:
            continue
        j, left_rows, right_rows = best
        gains[j] += best_gain
        stack.append((rows[left_rows], depth + 1))
        stack.append((rows[right_rows], depth + 1))
    return gains
