"""Tests of the non-dominated sorting kernel against its twin and its definition."""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bbopt._kernels import nondominated_rank
from bbopt._kernels._reference import nondominated_rank_ref

KERNELS = [nondominated_rank, nondominated_rank_ref]

# Few distinct values, so that ties, duplicates and domination are frequent.
_GRID = st.sampled_from([-np.inf, -1e300, -2.0, -1.0, -0.0, 0.0, 1.0, 2.0, 1e300, np.inf])
_WIDE = st.floats(allow_nan=False, allow_infinity=True, width=64)


@st.composite
def _problems(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    n = draw(st.integers(0, 40))
    m = draw(st.integers(1, 5))
    elements = draw(st.sampled_from([_GRID, _WIDE]))
    values = draw(hnp.arrays(np.float64, (n, m), elements=elements))
    max_rank = draw(st.integers(0, n + 1))
    return values, max_rank


def _run(kernel, values: np.ndarray, max_rank: int) -> np.ndarray:
    # Garbage in the output (negative values included) must not matter.
    rank = np.arange(-3, values.shape[0] - 3, dtype=np.int64)
    kernel(values, max_rank, rank)
    return rank


def _longest_chain_ranks(values: np.ndarray) -> list[int]:
    """Front index by its definition: the longest chain of dominators above a point."""
    rows = [tuple(float(x) for x in row) for row in values]

    def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

    @functools.cache
    def front(i: int) -> int:
        above = [front(j) for j in range(len(rows)) if dominates(rows[j], rows[i])]
        return 1 + max(above) if above else 0

    return [front(i) for i in range(len(rows))]


@given(_problems())
def test_kernel_matches_reference(problem: tuple[np.ndarray, int]) -> None:
    values, max_rank = problem
    np.testing.assert_array_equal(
        _run(nondominated_rank, values, max_rank), _run(nondominated_rank_ref, values, max_rank)
    )


@given(_problems())
def test_kernel_matches_longest_chain_definition(problem: tuple[np.ndarray, int]) -> None:
    values, max_rank = problem
    expected = np.minimum(_longest_chain_ranks(values), max_rank)
    np.testing.assert_array_equal(_run(nondominated_rank, values, max_rank), expected)


@given(_problems())
def test_max_rank_truncates_the_full_ranking(problem: tuple[np.ndarray, int]) -> None:
    values, max_rank = problem
    full = _run(nondominated_rank, values, values.shape[0])
    np.testing.assert_array_equal(
        _run(nondominated_rank, values, max_rank), np.minimum(full, max_rank)
    )


@pytest.mark.parametrize("kernel", KERNELS)
def test_small_example(kernel) -> None:
    values = np.array([[1.0, 5.0], [2.0, 2.0], [5.0, 1.0], [3.0, 3.0], [4.0, 4.0], [2.0, 2.0]])
    np.testing.assert_array_equal(_run(kernel, values, 6), [0, 0, 0, 1, 2, 0])
    np.testing.assert_array_equal(_run(kernel, values, 1), [0, 0, 0, 1, 1, 0])
    np.testing.assert_array_equal(_run(kernel, values, 0), [0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("kernel", KERNELS)
def test_one_objective_is_a_dense_ranking(kernel) -> None:
    x = np.random.default_rng(0).integers(0, 20, size=200).astype(np.float64)
    expected = np.searchsorted(np.unique(x), x)
    np.testing.assert_array_equal(_run(kernel, x[:, None], 200), expected)


@pytest.mark.parametrize("kernel", KERNELS)
def test_infinities_and_duplicates(kernel) -> None:
    values = np.array([[np.inf, -np.inf], [np.inf, -np.inf], [np.inf, np.inf], [-np.inf, np.inf]])
    np.testing.assert_array_equal(_run(kernel, values, 4), [0, 0, 1, 0])


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("shape", [(0, 2), (1, 1), (1, 3)])
def test_empty_and_single_point(kernel, shape: tuple[int, int]) -> None:
    np.testing.assert_array_equal(_run(kernel, np.ones(shape), 5), np.zeros(shape[0]))


@pytest.mark.parametrize("m", [2, 3, 4, 7])
def test_many_points_match_reference(m: int) -> None:
    # Anti-correlated objectives: many points per front, many fronts.
    rng = np.random.default_rng(m)
    values = rng.random((400, m))
    values[:, -1] = values[:, :-1].sum(axis=1) * -1.0 + rng.random(400)
    values = np.round(values, 1)
    np.testing.assert_array_equal(
        _run(nondominated_rank, values, 400), _run(nondominated_rank_ref, values, 400)
    )


@pytest.mark.parametrize("kernel", KERNELS)
def test_rejects_nan(kernel) -> None:
    values = np.zeros((3, 2))
    values[2, 1] = np.nan
    rank = np.full(3, 7, dtype=np.int64)
    with pytest.raises(ValueError, match=r"nondominated_rank\(n=3, m=2, max_rank=1\).*NaN"):
        kernel(values, 1, rank)
    np.testing.assert_array_equal(rank, 7)  # untouched


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize(
    ("shape", "max_rank", "match"),
    [
        ((3, 0), 1, r"n=3, m=0, max_rank=1\): a size is out of range"),
        ((3, 2), -1, r"n=3, m=2, max_rank=-1\): a size is out of range"),
    ],
)
def test_rejects_bad_sizes(kernel, shape: tuple[int, int], max_rank: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        kernel(np.zeros(shape), max_rank, np.zeros(shape[0], dtype=np.int64))


@pytest.mark.parametrize("kernel", KERNELS)
def test_rejects_rank_of_wrong_length(kernel) -> None:
    with pytest.raises(ValueError, match=r"'rank' must have the length of 'values' \(3\)\. Got 2"):
        kernel(np.zeros((3, 2)), 1, np.zeros(2, dtype=np.int64))


def test_binding_rejects_wrong_buffers() -> None:
    values = np.zeros((4, 2))
    with pytest.raises(ValueError, match="dtype mismatch"):
        nondominated_rank(values, 1, np.zeros(4, dtype=np.int32))
    with pytest.raises(ValueError, match="dtype mismatch"):
        nondominated_rank(values.astype(np.float32), 1, np.zeros(4, dtype=np.int64))
    with pytest.raises(ValueError, match="contiguous"):
        nondominated_rank(np.zeros((4, 4))[:, ::2], 1, np.zeros(4, dtype=np.int64))
    rank = np.zeros(4, dtype=np.int64)
    rank.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        nondominated_rank(values, 1, rank)


def test_binding_accepts_read_only_values() -> None:
    values = np.array([[1.0, 2.0], [0.0, 0.0]])
    values.flags.writeable = False
    np.testing.assert_array_equal(_run(nondominated_rank, values, 2), [1, 0])
