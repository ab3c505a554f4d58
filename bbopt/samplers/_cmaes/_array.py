"""`CmaEs`: CMA-ES with restarts as an array-level ask/tell over the unit cube."""

from __future__ import annotations

from typing import Any

import numpy as np

from bbopt._validation import (
    ensure_bool,
    ensure_finite_real,
    ensure_int,
    ensure_one_of,
    ensure_seed,
)
from bbopt.samplers._cmaes._engine import (
    Margin,
    RestartPlan,
    _Run,
    default_popsize,
    resolve_variant,
)

VARIANTS = ("auto", "full", "sep", "lm")
RESTART_STRATEGIES = (None, "ipop", "bipop")
#: Default step sizes: the first run (from the centre, or ``x0``) and restarts (random means).
FIRST_SIGMA0 = 1.0 / 6.0
RESTART_SIGMA0 = 0.3


def ensure_sigma0(value: Any, owner: str) -> float:
    """sigma0 as a float in (0, inf)."""
    sigma0 = ensure_finite_real(value, "sigma0", owner)
    if sigma0 <= 0:
        raise ValueError(f"The 'sigma0' parameter of {owner} must be > 0. Got {value!r} instead.")
    return sigma0


def ensure_popsize(value: Any, owner: str) -> int | None:
    """popsize as None or an int >= 2 (``ensure_int`` reports a smaller one)."""
    return None if value is None else ensure_int(value, "popsize", owner, minimum=2)


def ensure_lr_adapt(value: Any, variant: str, owner: str) -> bool:
    """lr_adapt as a bool; True needs the full variant (or "auto", which then means it)."""
    lr_adapt = ensure_bool(value, "lr_adapt", owner)
    if lr_adapt and variant not in ("auto", "full"):
        raise ValueError(f"The 'variant' parameter of {owner} must be 'auto' or 'full' with "
                         f"lr_adapt=True (learning-rate adaptation adapts a full covariance "
                         f"matrix). Got {variant!r} instead.")
    return lr_adapt


class CmaEs:
    """CMA-ES over the unit cube ``[0, 1]^n_dims``, driven by arrays.

    The engine behind `CmaEsSampler`, for users who evaluate a whole
    population at once (benchmarks, vectorised simulators): `ask` returns a
    generation of points, `tell` takes their values, with no study or trial
    involved. Scale the cube to your box yourself (``low + x * (high - low)``).
    A point drawn outside the cube is drawn again (up to 10 n_dims times),
    then mirrored into it at its faces.

    Parameters
    ----------
    n_dims : int
        Dimension, >= 2.
    x0 : array-like of shape (n_dims,), optional
        Initial mean, in [0, 1]^n_dims (default: the centre).
    sigma0 : float, optional
        Step size of every run's start, as a fraction of the cube's width.
        By default, the first run starts with 1/6, so that ``x0 +- 3 sigma0``
        spans the cube from its centre (the rule of pycma's documentation),
        and each restart, from a uniformly random mean, with 0.3 (the
        choice of Hansen's tutorial, appendix A, for a random start).
    popsize : int, optional
        Points per generation, >= 2 (default 4 + floor(3 ln n_dims)).
    variant : {"auto", "full", "sep", "lm"}, default "auto"
        Full covariance matrix, diagonal (sep-CMA-ES) or limited-memory
        (LM-MA-ES, O(m n_dims) per point); "auto" is "full" up to 200
        dimensions and "lm" above.
    restart_strategy : {"ipop", "bipop", None}, default "ipop"
        What to do when a run meets a termination criterion (tolx, tolfun,
        condition number, no effect of an axis or a coordinate, flat
        fitness): restart from a uniformly random mean with a larger
        population (IPOP, Auger and Hansen 2005: the default) or alternating
        large and small ones (BIPOP), or continue the stopped run (None).
    inc_popsize : int, default 2
        Factor of the population size between large restarts.
    seed : int, optional
    cov0 : ndarray of shape (n_dims, n_dims), optional
        Initial covariance matrix (its diagonal for "sep"; ignored by "lm").
    thresholds : dict of int to array-like, optional
        Discrete coordinates: for each, the sorted boundaries in (0, 1)
        between the cells of its values. With it, the marginal probability
        of leaving the mean's cell is kept at least 1 / (n_dims popsize)
        (CMA-ES with margin, Hamano et al. 2022: the mean is corrected and
        the marginal deviation widened by a diagonal scaling; not for "lm"),
        so that the search keeps trying neighbouring values.
    categories : sequence of int, optional
        Numbers of choices (each >= 2) of categorical coordinates sampled
        jointly with the cube: `ask` then returns ``n_dims + len(categories)``
        columns, the last ones choice indices (as floats), and `tell` takes
        them back. Each has a categorical distribution updated with the
        ranking of the joint points (the categorical part of CatCMA, Hamano
        et al. 2024, with a fixed learning rate; see the module notes).
    lr_adapt : bool, default False
        Learning-rate adaptation (Nomura, Akimoto and Ono 2023): the
        updates of the mean and covariance are damped by rates adapted to
        their signal-to-noise ratio, which helps on multimodal and noisy
        functions at the default population size. Needs the full variant
        ("auto" then means "full", whatever the dimension).

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.samplers import CmaEs
    >>> es = CmaEs(5, seed=0)  # IPOP: a run that converged restarts elsewhere
    >>> best = np.inf
    >>> for _ in range(150):
    ...     x = es.ask()
    ...     f = ((x - 0.7) ** 2).sum(axis=1)
    ...     best = min(best, float(f.min()))
    ...     _ = es.tell(x, f)
    >>> best < 1e-8
    True
    """

    def __init__(self, n_dims: int, x0: Any = None, sigma0: float | None = None,
                 popsize: int | None = None, variant: str = "auto",
                 restart_strategy: str | None = "ipop", inc_popsize: int = 2,
                 seed: int | None = None, cov0: np.ndarray | None = None,
                 thresholds: dict[int, Any] | None = None, lr_adapt: bool = False,
                 categories: Any = None) -> None:
        owner = "CmaEs"
        self.n_dims = ensure_int(n_dims, "n_dims", owner, minimum=2)
        given = None if sigma0 is None else ensure_sigma0(sigma0, owner)
        size = ensure_popsize(popsize, owner)
        ensure_one_of(variant, "variant", owner, VARIANTS)
        strategy = ensure_one_of(restart_strategy, "restart_strategy", owner, RESTART_STRATEGIES)
        inc = ensure_int(inc_popsize, "inc_popsize", owner, minimum=1)
        self._rng = np.random.default_rng(ensure_seed(seed, owner))
        mean = np.full(self.n_dims, 0.5)
        if x0 is not None:
            mean = np.asarray(x0, dtype=np.float64)
            if mean.shape != (self.n_dims,) or not np.all((mean >= 0) & (mean <= 1)):
                raise ValueError(f"The 'x0' parameter of {owner} must be an array of shape "
                                 f"({self.n_dims},) in [0, 1]. Got {x0!r} instead.")
        self._lr_adapt = ensure_lr_adapt(lr_adapt, variant, owner)
        self.variant = "full" if self._lr_adapt else resolve_variant(variant, self.n_dims)
        first = size if size is not None else default_popsize(self.n_dims)
        self._thresholds = {int(j): np.sort(np.asarray(t, dtype=np.float64))
                            for j, t in (thresholds or {}).items() if len(t) > 0}
        self._n_choices = self._checked_categories(categories, owner)
        self._plan = RestartPlan(strategy, first, inc,
                                 RESTART_SIGMA0 if given is None else given)
        self.n_restarts = 0
        self.n_evaluations = 0
        self._run_evaluations = 0
        self._small = False
        self._run = _Run(self.variant, mean, FIRST_SIGMA0 if given is None else given, first,
                         cov0, self._margin(first), self._lr_adapt, self._n_choices)

    @property
    def popsize(self) -> int:
        """Points per generation of the current run."""
        return self._run.popsize

    @property
    def generation(self) -> int:
        """Generations told to the current run."""
        return self._run.generation

    @property
    def mean(self) -> np.ndarray:
        """Mean of the current run, shape (n_dims,) (a view: do not modify)."""
        return self._run.mean

    @property
    def sigma(self) -> float:
        """Step size of the current run."""
        return float(self._run.sigma[0])

    @property
    def stop_reason(self) -> str:
        """The termination criterion the last generation met, or ""."""
        return self._run.stop_reason

    @property
    def small_run(self) -> bool:
        """Whether the current run is a small-population run of BIPOP."""
        return self._small

    def ask(self, n: int | None = None) -> np.ndarray:
        """Draw ``n`` points (default: `popsize`) of the current run, shape (n, n_dims)."""
        count = self.popsize if n is None else ensure_int(n, "n", "CmaEs.ask", minimum=0)
        z = self._rng.standard_normal((count, self.n_dims))
        u = self._rng.random((count, len(self._n_choices))) if self._n_choices else None
        return self._run.sample(z, u, self._redraw)

    def _redraw(self, k: int) -> np.ndarray:
        """``k`` new rows of standard normal draws, for points drawn outside the cube."""
        return self._rng.standard_normal((k, self.n_dims))

    def tell(self, x: np.ndarray, values: np.ndarray) -> bool:
        """Update with one generation; return whether a new run (restart) started.

        Parameters
        ----------
        x : ndarray of shape (popsize, n_dims [+ len(categories)])
            The points as returned by `ask`.
        values : ndarray of shape (popsize,)
            Their values (minimised); NaN or infinite values rank worst.
        """
        x = np.asarray(x, dtype=np.float64)
        f = np.asarray(values, dtype=np.float64)
        width = self.n_dims + len(self._n_choices)
        if x.shape != (self.popsize, width) or f.shape != (self.popsize,):
            raise ValueError(
                f"CmaEs.tell needs 'x' of shape ({self.popsize}, {width}) and 'values' "
                f"of shape ({self.popsize},). Got {x.shape} and {f.shape} instead.")
        f = np.where(np.isnan(f), np.inf, f)
        self._run.update(x, f)
        self.n_evaluations += self.popsize
        self._run_evaluations += self.popsize
        if not self._run.stop_reason or self._plan.strategy is None:
            if self._run.stop_reason.startswith("numerical"):
                self._restart(self.popsize, self._plan.sigma0, False)  # cannot continue
                return True
            return False
        self._plan.record(self.popsize, self._run_evaluations, self._small)
        popsize, sigma, small = self._plan.next_run(self._rng)
        self._restart(popsize, sigma, small)
        return True

    @staticmethod
    def _checked_categories(categories: Any, owner: str) -> tuple[int, ...]:
        if categories is None:
            return ()
        try:
            counts = tuple(ensure_int(k, "categories", owner, minimum=2) for k in categories)
        except TypeError:
            raise TypeError(f"The 'categories' parameter of {owner} must be a sequence of "
                            f"ints >= 2. Got {categories!r} instead.") from None
        return counts

    def _margin(self, popsize: int) -> Margin | None:
        """The margin of a run (alpha = 1 / (n_dims popsize)), if any coordinate is discrete."""
        if not self._thresholds:
            return None
        return Margin(self._thresholds, 1.0 / (self.n_dims * popsize))

    def _restart(self, popsize: int, sigma: float, small: bool) -> None:
        """Start a new run from a uniformly random mean."""
        self._start_run(self._rng.uniform(size=self.n_dims), sigma, popsize, small)
        self.n_restarts += 1

    def _start_run(self, mean: np.ndarray, sigma: float, popsize: int, small: bool) -> None:
        """Replace the current run by a fresh one (a replay uses the recorded start)."""
        self._run = _Run(self.variant, mean, sigma, popsize, None, self._margin(popsize),
                         self._lr_adapt, self._n_choices)
        self._small = small
        self._run_evaluations = 0
