"""The cost of OpenBLAS threads in a model-based sampler, with and without one thread.

Runs, each in a fresh subprocess: the compiled GP log marginal likelihood with
its gradient at n = 60 and 200 observations (d = 6), and 60 trials of the
default sampler of ``create_study()`` on Hartmann6 (random start, then the GP);
the first with OpenBLAS's default thread count and with
``OPENBLAS_NUM_THREADS=1`` set for the process, the second also with bbopt's
own one-thread scope switched off (it is given no library to set) to show
what the scope gives. The effect depends on the machine's load: run it
while the cores are busy, and give ``uptime``.

Usage::

    python benchmarks/blas_threads.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_LIKELIHOOD = """
import json, time, numpy as np
from bbopt._kernels import gp_log_marginal_likelihood
rng = np.random.default_rng(0)
out = {}
for n in (60, 200):
    d = 6
    x, y = rng.random((n, d)), rng.standard_normal(n)
    theta = np.zeros(d + 2); theta[-1] = -4.0
    args = (x, y, np.zeros(d, dtype=bool), theta, np.zeros(d + 2), np.ones(d + 2),
            np.empty((n, n)), np.empty(n), np.empty(d + 2))
    gp_log_marginal_likelihood(*args)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(100):
        gp_log_marginal_likelihood(*args)
    out[n] = [1e3 * (time.perf_counter() - wall) / 100, 1e3 * (time.process_time() - cpu) / 100]
print(json.dumps(out))
"""

_STUDY = """
import json, sys, time
import bbopt
if sys.argv[1] == "off":  # the scope finds no library to set: it does nothing
    from bbopt._kernels import _blas_threads
    _blas_threads._controls = []
f = bbopt.testfunctions.Hartmann6()
study = bbopt.create_study(sampler=bbopt.samplers.AutoSampler(seed=0))
wall, cpu = time.perf_counter(), time.process_time()
study.optimize(f.objective, n_trials=60)
print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu]))
"""


def _run(code: str, *args: str, one_thread: bool = False) -> object:
    env = dict(os.environ)
    env.pop("OPENBLAS_NUM_THREADS", None)
    if one_thread:
        env["OPENBLAS_NUM_THREADS"] = "1"
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"load average {os.getloadavg()}")
    for label, one_thread in (("default threads", False), ("OPENBLAS_NUM_THREADS=1", True)):
        result = _run(_LIKELIHOOD, one_thread=one_thread)
        assert isinstance(result, dict)
        for n, (wall, cpu) in result.items():
            print(f"likelihood n = {n:>3}, {label:<24}: {wall:7.2f} ms wall {cpu:7.2f} ms CPU")
    for label, scope, one_thread in (("scope off", "off", False), ("scope on", "on", False),
                                     ("OPENBLAS_NUM_THREADS=1", "on", True)):
        wall, cpu = _run(_STUDY, scope, one_thread=one_thread)  # type: ignore[misc]
        print(f"auto, 60 trials of Hartmann6, {label:<24}: {wall:6.2f} s wall {cpu:6.2f} s CPU")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
