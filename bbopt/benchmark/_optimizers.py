"""Optimizers to benchmark: bbopt samplers, any ask/tell object, and adapters.

An optimizer here is a *specification*: it holds a name and options, and
`Optimizer.minimize` runs one fresh, seeded search of a problem, calling
``evaluate(x)`` once per evaluation (the runner counts, times and stops them).
Specifications are small picklable objects, so that runs go to other
processes; the optimizer itself is built inside the run.

The libraries of the adapters (Optuna, nevergrad, pycma) are imported only
inside the run that needs them: they are never dependencies of bbopt.
"""

from __future__ import annotations

import ast
import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bbopt import samplers as _samplers
from bbopt._distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from bbopt._study import create_study
from bbopt._validation import ensure_callable, ensure_finite_real, ensure_int
from bbopt.benchmark._problems import Problem

Evaluate = Callable[[NDArray[np.float64]], float]


class BudgetExhausted(Exception):
    """Raised by ``evaluate`` when an optimizer asks for more evaluations than the budget.

    The runner catches it and ends the run normally: an optimizer that owns its
    loop (and does not know the budget) need not count.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import BudgetExhausted, Optimizer, Problem, run
    >>> class Endless(Optimizer):
    ...     label = spec = "endless"
    ...     def minimize(self, problem, n_evals, seed, evaluate):
    ...         rng = np.random.default_rng(seed)
    ...         while True:  # stopped by BudgetExhausted after n_evals evaluations
    ...             evaluate(rng.uniform(problem.bounds[:, 0], problem.bounds[:, 1]))
    >>> run([Problem("sphere", 2)], [Endless()], budget=3, seeds=1)[0].n_evals
    6
    """


def _missing(package: str, pip_name: str, exc: ImportError) -> ImportError:
    return ImportError(
        f"This optimizer needs {package}, which is not installed: pip install {pip_name} "
        "(it is never a dependency of bbopt)."
    ).with_traceback(exc.__traceback__)


def _stable_repr(value: Any) -> str:
    """A repr that is the same in every process (functions by qualified name)."""
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_stable_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_stable_repr(v) for v in value) + "]"
    return repr(value)


def _call_text(name: str, options: dict[str, Any]) -> str:
    if not options:
        return name
    return name + "(" + ", ".join(f"{k}={_stable_repr(v)}" for k, v in sorted(options.items())) \
        + ")"


class Optimizer:
    """Base class of the optimizer specifications.

    A subclass implements `minimize`; ``label`` names it in results and tables
    and ``spec`` describes it fully (two runs with the same label and a
    different spec cannot share a results file). Subclass it for an optimizer
    that owns its loop (``fmin``-style): call ``evaluate`` from inside it.

    Examples
    --------
    A coordinate search that calls ``evaluate`` itself:

    >>> import numpy as np
    >>> from bbopt.benchmark import Optimizer, Problem, run
    >>> class CoordinateSearch(Optimizer):
    ...     label = spec = "coordinate"
    ...     def minimize(self, problem, n_evals, seed, evaluate):
    ...         x = problem.bounds.mean(axis=1)
    ...         best, step = evaluate(x), 1.0
    ...         for i in range(n_evals - 1):
    ...             trial = x.copy()
    ...             trial[i % problem.n_dims] += step if i % 2 else -step
    ...             value = evaluate(np.clip(trial, *problem.bounds.T))
    ...             if value < best:
    ...                 x, best = trial, value
    ...             elif i % (2 * problem.n_dims) == 0:
    ...                 step /= 2
    >>> (record,) = run([Problem("sphere", 2, instance=1)], [CoordinateSearch()], budget=20,
    ...                 seeds=1)
    >>> record.n_evals, bool(record.regrets[-1] < record.regrets[0])
    (40, True)
    """

    label: str
    spec: str

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Evaluate) -> None:
        """Run one search of ``problem``, calling ``evaluate(x)`` at most ``n_evals`` times.

        Parameters
        ----------
        problem : Problem
            Its ``bounds``, ``search_space`` and ``n_dims`` describe the box.
        n_evals : int
            The budget (evaluations).
        seed : int
            Seed of this run (a non-negative int below 2**31).
        evaluate : callable
            ``evaluate(x) -> float`` with ``x`` of shape (n_dims,); raises
            `BudgetExhausted` past the budget (the run then ends normally).
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.spec


# -- bbopt samplers ---------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def sampler_names() -> dict[str, type]:
    """Return the bbopt samplers by name: ``{"tpe": TPESampler, "gp": GPSampler, ...}``.

    The names come from the classes of `bbopt.samplers` (``<Name>Sampler`` ->
    ``"<name>"`` in snake case), so a new sampler is found without a table.
    A name may also be given without underscores (``"cmaes"``), or as a
    unique prefix (``"trust_region"``).

    Examples
    --------
    >>> from bbopt.benchmark import sampler_names
    >>> sampler_names()["tpe"].__name__
    'TPESampler'
    """
    found: dict[str, type] = {}
    for class_name in _samplers.__all__:
        cls = getattr(_samplers, class_name)
        if (isinstance(cls, type) and issubclass(cls, _samplers.BaseSampler)
                and cls is not _samplers.BaseSampler and class_name.endswith("Sampler")):
            found[_snake(class_name[: -len("Sampler")])] = cls
    return found


def _sampler_class(name: str, owner: str) -> type:
    names = sampler_names()
    key = name.lower().replace("-", "_")
    if key in names:
        return names[key]
    squashed = {n.replace("_", ""): cls for n, cls in names.items()}
    key = key.replace("_", "")
    if key in squashed:
        return squashed[key]
    matches = [cls for n, cls in squashed.items() if n.startswith(key)] if key else []
    if len(matches) == 1:
        return matches[0]
    raise ValueError(
        f"The 'name' parameter of {owner} must be a bbopt sampler name, one of "
        f"{sorted(names)}. Got {name!r} instead."
    )


def _accepts(cls: Any, parameter: str) -> bool:
    try:
        return parameter in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


class BboptSampler(Optimizer):
    """A bbopt sampler, by name and options, driven through ``study.ask(space)``.

    The sampler is told the run's budget through `BaseSampler.set_budget`, as
    `bbopt.Study.optimize` tells it ``n_trials``.

    Parameters
    ----------
    name : str
        A name of `sampler_names` (``"tpe"``, ``"gp"``, ``"random"``,
        ``"qmc"``, ...).
    label : str, optional
        Name in results and tables (default: the name, with the options).
    **options
        Keyword arguments of the sampler's class; ``seed`` is set per run.

    Examples
    --------
    >>> from bbopt.benchmark import BboptSampler, Problem, run
    >>> tpe = BboptSampler("tpe", n_startup_trials=5)
    >>> tpe.label
    'tpe(n_startup_trials=5)'
    >>> runs = run([Problem("sphere", n_dims=2)], [tpe], budget=10, seeds=1)
    >>> runs[0].n_evals
    20
    """

    def __init__(self, name: str, *, label: str | None = None, **options: Any) -> None:
        owner = "BboptSampler"
        if not isinstance(name, str):
            raise TypeError(
                f"The 'name' parameter of {owner} must be a str. Got {name!r} instead.")
        self._class = _sampler_class(name, owner)
        if "seed" in options:
            raise ValueError(
                f"The 'seed' option of {owner} is set by each run; remove it. "
                f"Got seed={options['seed']!r}."
            )
        self.name = name
        self.options = options
        self.label = _label(label, _call_text(name, options), owner)
        self.spec = "bbopt." + _call_text(self._class.__name__, options)

    def make_sampler(self, seed: int) -> Any:
        """Return a new sampler with this run's seed."""
        if _accepts(self._class, "seed"):
            return self._class(seed=seed, **self.options)
        return self._class(**self.options)

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Evaluate) -> None:
        sampler = self.make_sampler(seed)
        sampler.set_budget(n_evals)  # as Study.optimize(n_trials=...) does
        study = create_study(sampler=sampler)
        space = problem.search_space
        names = list(space)
        n_dims = len(names)
        plain = all(isinstance(d, (FloatDistribution, IntDistribution)) for d in space.values())
        ask, tell = study.ask, study.tell
        for _ in range(n_evals):
            trial = ask(space)
            params = trial.params
            if plain:
                x = np.fromiter((params[name] for name in names), np.float64, n_dims)
            else:
                x = problem.vector(params)
            tell(trial, evaluate(x))


def _label(label: str | None, default: str, owner: str) -> str:
    if label is None:
        return default
    if not isinstance(label, str) or not label:
        raise ValueError(f"The 'label' parameter of {owner} must be a non-empty str. "
                         f"Got {label!r} instead.")
    return label


# -- any ask/tell object ----------------------------------------------------------------


class AskTellOptimizer(Optimizer):
    """Any optimizer with ``ask() -> x`` and ``tell(x, y)``, built by a factory per run.

    Parameters
    ----------
    factory : callable
        ``factory(bounds, seed) -> optimizer``: ``bounds`` is an ndarray of
        shape (n_dims, 2), ``seed`` an int. The optimizer's ``ask()`` returns a
        point (array-like of shape (n_dims,)); ``tell(x, y)`` receives that
        point back with its value. Module-level (picklable) to run on
        processes.
    label : str, optional
        Name in results and tables (default: the factory's ``__name__``).

    Examples
    --------
    A random search written as an ask/tell class:

    >>> import numpy as np
    >>> from bbopt.benchmark import AskTellOptimizer, Problem, run
    >>> class RandomSearch:
    ...     def __init__(self, bounds, seed):
    ...         self.bounds, self.rng = bounds, np.random.default_rng(seed)
    ...     def ask(self):
    ...         return self.rng.uniform(self.bounds[:, 0], self.bounds[:, 1])
    ...     def tell(self, x, y):
    ...         pass
    >>> runs = run([Problem("sphere", n_dims=2)], [AskTellOptimizer(RandomSearch)],
    ...            budget=5, seeds=2)
    >>> [r.optimizer for r in runs], runs[0].n_evals
    (['RandomSearch', 'RandomSearch'], 10)
    """

    def __init__(self, factory: Callable[[NDArray[np.float64], int], Any],
                 label: str | None = None) -> None:
        owner = "AskTellOptimizer"
        self.factory = ensure_callable(factory, "factory", owner)
        name = getattr(factory, "__name__", type(factory).__name__)
        self.label = _label(label, name, owner)
        self.spec = "ask_tell:" + _stable_repr(factory)

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Evaluate) -> None:
        optimizer = self.factory(problem.bounds, seed)
        for _ in range(n_evals):
            point = optimizer.ask()
            x = np.asarray(point, dtype=np.float64)
            if x.shape != (problem.n_dims,):
                raise ValueError(
                    f"The ask() of {self.label} must return a point of shape "
                    f"({problem.n_dims},). Got {point!r} instead."
                )
            optimizer.tell(point, evaluate(x))


# -- Optuna -----------------------------------------------------------------------------


class OptunaSampler(Optimizer):
    """An Optuna sampler, by class name and options (needs ``optuna`` installed).

    Parameters
    ----------
    name : str
        A class of ``optuna.samplers`` (``"TPESampler"``, ``"GPSampler"``,
        ``"CmaEsSampler"``, ...).
    label : str, optional
        Name in results (default: ``"optuna.<name>"`` with the options).
    **options
        Keyword arguments of the class; ``seed`` is set per run.

    Examples
    --------
    >>> from bbopt.benchmark import OptunaSampler
    >>> OptunaSampler("TPESampler", multivariate=True).label
    'optuna.TPESampler(multivariate=True)'
    """

    def __init__(self, name: str, *, label: str | None = None, **options: Any) -> None:
        owner = "OptunaSampler"
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"The 'name' parameter of {owner} must be the name of a class "
                             f"of optuna.samplers. Got {name!r} instead.")
        if "seed" in options:
            raise ValueError(f"The 'seed' option of {owner} is set by each run; remove it. "
                             f"Got seed={options['seed']!r}.")
        self.name = name
        self.options = options
        self.label = _label(label, "optuna." + _call_text(name, options), owner)
        self.spec = "optuna." + _call_text(name, options)

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Evaluate) -> None:
        try:
            import optuna
        except ImportError as exc:
            raise _missing("Optuna", "optuna", exc) from None
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        cls = getattr(optuna.samplers, self.name, None)
        if cls is None:
            raise ValueError(f"optuna.samplers has no {self.name!r}.")
        space: dict[str, Any] = {}
        for name, dist in problem.search_space.items():
            if isinstance(dist, FloatDistribution):
                space[name] = optuna.distributions.FloatDistribution(
                    dist.low, dist.high, log=dist.log, step=dist.step)
            elif isinstance(dist, IntDistribution):
                space[name] = optuna.distributions.IntDistribution(
                    dist.low, dist.high, log=dist.log, step=dist.step)
            elif isinstance(dist, CategoricalDistribution):
                space[name] = optuna.distributions.CategoricalDistribution(dist.choices)
            else:  # pragma: no cover - bbopt has no other distribution
                raise TypeError(f"no Optuna distribution for {dist!r}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            options = dict(self.options, seed=seed) if _accepts(cls, "seed") else self.options
            study = optuna.create_study(sampler=cls(**options))
            for _ in range(n_evals):
                trial = study.ask(space)
                study.tell(trial, evaluate(problem.vector(trial.params)))


# -- nevergrad --------------------------------------------------------------------------


class NevergradOptimizer(Optimizer):
    """A nevergrad optimizer by registry name, told the budget (needs ``nevergrad``).

    The point is a ``nevergrad.p.Array`` bounded by the box, started at its
    centre and seeded per run; integer and categorical coordinates of mixed
    problems are rounded by the problem. Some nevergrad optimizers are
    deterministic from the start point (NGOpt picks COBYLA for budgets below
    about 50 evaluations per dimension): their runs then differ only by the
    problem's instance, so compare them on several shifted instances.

    Parameters
    ----------
    name : str
        A key of ``nevergrad.optimizers.registry`` (``"NGOpt"``, ``"CMA"``,
        ``"DE"``, ``"TwoPointsDE"``, ...).
    label : str, optional
        Name in results (default: ``"nevergrad.<name>"``).

    Examples
    --------
    >>> from bbopt.benchmark import NevergradOptimizer
    >>> NevergradOptimizer("NGOpt").label
    'nevergrad.NGOpt'
    """

    def __init__(self, name: str, *, label: str | None = None) -> None:
        owner = "NevergradOptimizer"
        if not isinstance(name, str) or not name:
            raise ValueError(f"The 'name' parameter of {owner} must be a key of "
                             f"nevergrad.optimizers.registry. Got {name!r} instead.")
        self.name = name
        self.label = _label(label, "nevergrad." + name, owner)
        self.spec = "nevergrad." + name

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Evaluate) -> None:
        try:
            import nevergrad as ng
        except ImportError as exc:
            raise _missing("nevergrad", "nevergrad", exc) from None
        if self.name not in ng.optimizers.registry:
            raise ValueError(f"nevergrad.optimizers.registry has no {self.name!r}.")
        low, high = problem.bounds[:, 0], problem.bounds[:, 1]
        parametrization = ng.p.Array(init=0.5 * (low + high), lower=low, upper=high)
        parametrization.random_state = np.random.RandomState(seed)
        optimizer = ng.optimizers.registry[self.name](
            parametrization=parametrization, budget=n_evals, num_workers=1)
        for _ in range(n_evals):
            candidate = optimizer.ask()
            optimizer.tell(candidate, evaluate(np.asarray(candidate.value, dtype=np.float64)))


# -- pycma ------------------------------------------------------------------------------


class PyCMA(Optimizer):
    """pycma's ``CMAEvolutionStrategy`` with IPOP restarts (needs ``cma``).

    The search runs in the box scaled to :math:`[0, 1]^d` (pycma's bound
    handling), from a random start with step size ``sigma0``; when a run
    stops (pycma's termination criteria), it restarts from a new random point
    with a population ``incpopsize`` times larger (IPOP-CMA-ES, Auger & Hansen,
    2005), until the budget is spent.

    Parameters
    ----------
    sigma0 : float, default 0.25
        Initial step size, as a fraction of each side of the box.
    popsize : int, optional
        First population size (default: pycma's, ``4 + floor(3 ln d)``).
    incpopsize : float, default 2
        Population growth factor at each restart (1: restarts without growth).
    label : str, optional
        Name in results (default: ``"pycma"`` with the options).

    Examples
    --------
    >>> from bbopt.benchmark import PyCMA
    >>> PyCMA(incpopsize=1).label
    'pycma(incpopsize=1)'
    """

    def __init__(self, *, sigma0: float = 0.25, popsize: int | None = None,
                 incpopsize: float = 2.0, label: str | None = None) -> None:
        owner = "PyCMA"
        self.sigma0 = ensure_finite_real(sigma0, "sigma0", owner)
        if not self.sigma0 > 0:
            raise ValueError(f"The 'sigma0' parameter of {owner} must be > 0. Got {sigma0!r} "
                             "instead.")
        self.popsize = None if popsize is None else ensure_int(popsize, "popsize", owner, 2)
        self.incpopsize = ensure_finite_real(incpopsize, "incpopsize", owner)
        if self.incpopsize < 1:
            raise ValueError(f"The 'incpopsize' parameter of {owner} must be >= 1. "
                             f"Got {incpopsize!r} instead.")
        options = {k: v for k, v in [("sigma0", sigma0), ("popsize", popsize),
                                     ("incpopsize", incpopsize)]
                   if v != {"sigma0": 0.25, "popsize": None, "incpopsize": 2.0}[k]}
        self.label = _label(label, _call_text("pycma", options), owner)
        self.spec = _call_text("pycma", options)

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Evaluate) -> None:
        try:
            import cma
        except ImportError as exc:
            raise _missing("pycma", "cma", exc) from None
        low, width = problem.bounds[:, 0], problem.bounds[:, 1] - problem.bounds[:, 0]
        rng = np.random.default_rng(seed)
        popsize = self.popsize or 4 + int(3 * np.log(problem.n_dims))
        spent = 0
        while spent < n_evals:
            options = {"bounds": [0.0, 1.0], "popsize": popsize, "verbose": -9,
                       "seed": int(rng.integers(1, 2**31 - 1)), "verb_log": 0,
                       "verb_disp": 0, "maxfevals": n_evals - spent}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pycma warns about 1-D and small populations
                es = cma.CMAEvolutionStrategy(rng.uniform(0.0, 1.0, problem.n_dims),
                                              self.sigma0, options)
                while not es.stop():
                    population = es.ask()
                    values = [evaluate(low + width * np.asarray(u)) for u in population]
                    spent += len(values)
                    es.tell(population, values)
            popsize = max(popsize + 1, round(popsize * self.incpopsize))


# -- specifications from text -----------------------------------------------------------


def make_optimizer(spec: str | Optimizer) -> Optimizer:
    """Return the optimizer a short text names (an `Optimizer` is returned as it is).

    ``"tpe"``, ``"gp(n_startup_trials=5)"``: a bbopt sampler (`BboptSampler`);
    ``"optuna.TPESampler(multivariate=True)"``: `OptunaSampler`;
    ``"nevergrad.NGOpt"``: `NevergradOptimizer`; ``"pycma"`` (or ``"cma"``),
    ``"pycma(incpopsize=1)"``: `PyCMA`. Option values are Python literals.

    Examples
    --------
    >>> from bbopt.benchmark import make_optimizer
    >>> make_optimizer("tpe(multivariate=False)").spec
    'bbopt.TPESampler(multivariate=False)'
    >>> make_optimizer("optuna.GPSampler").label
    'optuna.GPSampler'
    """
    owner = "make_optimizer"
    if isinstance(spec, Optimizer):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"The 'spec' parameter of {owner} must be a str or an Optimizer. "
                        f"Got {spec!r} instead.")
    try:
        node = ast.parse(spec.strip(), mode="eval").body
        options: dict[str, Any] = {}
        if isinstance(node, ast.Call):
            if node.args or any(k.arg is None for k in node.keywords):
                raise ValueError
            options = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            node = node.func
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise ValueError
        parts.insert(0, node.id)
    except (SyntaxError, ValueError):
        raise ValueError(
            f"The 'spec' parameter of {owner} must look like 'tpe', 'gp(n_startup_trials=5)', "
            f"'optuna.TPESampler', 'nevergrad.NGOpt' or 'pycma'. Got {spec!r} instead."
        ) from None
    if len(parts) == 2 and parts[0] == "optuna":
        return OptunaSampler(parts[1], **options)
    if len(parts) == 2 and parts[0] == "nevergrad":
        if options:
            raise ValueError(f"The 'spec' parameter of {owner} takes no options for nevergrad. "
                             f"Got {spec!r} instead.")
        return NevergradOptimizer(parts[1])
    if len(parts) == 1 and parts[0] in ("pycma", "cma"):
        return PyCMA(**options)
    if len(parts) == 1:
        return BboptSampler(parts[0], **options)
    raise ValueError(
        f"The 'spec' parameter of {owner} must name a bbopt sampler, optuna.<Sampler>, "
        f"nevergrad.<Optimizer> or pycma. Got {spec!r} instead."
    )
