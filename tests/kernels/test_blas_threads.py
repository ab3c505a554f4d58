"""one_blas_thread: OpenBLAS on one thread inside, the previous counts restored after."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import bbopt
from bbopt._kernels import _blas_threads
from bbopt._kernels._blas_threads import one_blas_thread


@pytest.fixture
def controls():
    found = _blas_threads._find_controls()
    if not found:
        pytest.skip("no OpenBLAS library in this process (numpy and scipy built on another BLAS)")
    before = [getter() for getter, _ in found]
    for _, setter in found:
        setter(3)
    yield found
    for (_, setter), count in zip(found, before):
        setter(count)


def counts(controls) -> list[int]:
    return [getter() for getter, _ in controls]


def test_numpy_and_scipy_wheels_bring_openblas_that_is_found(controls) -> None:
    assert len(controls) >= 1


def test_one_thread_inside_and_counts_restored_after_nesting(controls) -> None:
    with one_blas_thread():
        assert counts(controls) == [1] * len(controls)
        with one_blas_thread():
            assert counts(controls) == [1] * len(controls)
        assert counts(controls) == [1] * len(controls)
    assert counts(controls) == [3] * len(controls)


def test_restored_when_the_block_raises(controls) -> None:
    with pytest.raises(ZeroDivisionError), one_blas_thread():
        1 / 0  # noqa: B018
    assert counts(controls) == [3] * len(controls)


def test_overlapping_threads_restore_once_the_last_leaves(controls) -> None:
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with one_blas_thread():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(10)
    with one_blas_thread():
        pass
    assert counts(controls) == [1] * len(controls)  # the worker is still inside
    release.set()
    worker.join()
    assert counts(controls) == [3] * len(controls)


def test_model_based_samplers_fit_on_one_thread(controls, monkeypatch) -> None:
    from bbopt.surrogates import GaussianProcess

    seen: list[list[int]] = []
    fit = GaussianProcess.fit

    def recording_fit(self, *args, **kwargs):
        seen.append(counts(controls))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(GaussianProcess, "fit", recording_fit)
    space = {"x": bbopt.FloatDistribution(0, 1), "y": bbopt.FloatDistribution(0, 1)}
    study = bbopt.create_study(sampler=bbopt.samplers.GPSampler(seed=0, n_startup_trials=3))
    for _ in range(6):
        trial = study.ask(space)
        study.tell(trial, float(np.sum(np.square(list(trial.params.values())))))
    assert seen and all(c == [1] * len(controls) for c in seen)
    assert counts(controls) == [3] * len(controls)
