"""Test functions with known global minima, for benchmarking optimizers.

Each function is a `TestFunction`: call it on one point (shape ``(n_dims,)``)
or a batch (shape ``(n, n_dims)``), read its ``bounds``, ``minimum`` and
``minimizers``, or hand its ``objective`` to a study.
"""

from bbopt.testfunctions._base import TestFunction
from bbopt.testfunctions._continuous import (
    Ackley,
    AttractiveSector,
    BentCigar,
    Branin,
    DifferentPowers,
    Discus,
    Griewank,
    GriewankRosenbrock,
    Hartmann3,
    Hartmann6,
    Levy,
    Michalewicz,
    Rastrigin,
    Rosenbrock,
    RotatedEllipsoid,
    RotatedRastrigin,
    SchafferF7,
    SharpRidge,
    Sphere,
    StyblinskiTang,
)
from bbopt.testfunctions._mixed import MixedAckley
from bbopt.testfunctions._multi_objective import (
    C2DTLZ2,
    DTLZ1,
    DTLZ2,
    DTLZ3,
    DTLZ4,
    DTLZ7,
    ZDT1,
    ZDT2,
    ZDT3,
    ZDT4,
    ZDT6,
    MultiObjectiveTestFunction,
)

__all__ = [
    "C2DTLZ2",
    "DTLZ1",
    "DTLZ2",
    "DTLZ3",
    "DTLZ4",
    "DTLZ7",
    "ZDT1",
    "ZDT2",
    "ZDT3",
    "ZDT4",
    "ZDT6",
    "Ackley",
    "AttractiveSector",
    "BentCigar",
    "Branin",
    "DifferentPowers",
    "Discus",
    "Griewank",
    "GriewankRosenbrock",
    "Hartmann3",
    "Hartmann6",
    "Levy",
    "Michalewicz",
    "MixedAckley",
    "MultiObjectiveTestFunction",
    "Rastrigin",
    "Rosenbrock",
    "RotatedEllipsoid",
    "RotatedRastrigin",
    "SchafferF7",
    "SharpRidge",
    "Sphere",
    "StyblinskiTang",
    "TestFunction",
]
