"""CPU time per ask+tell of bbopt's SQLiteStorage, to compare two trees.

A study of 1,000 trials (10 floats) in a temporary SQLite file; then 300 ask+tell
with the random sampler (the whole space at once, and ten ``suggest_float``) and
100 with TPE, after 10 untimed ones. Prints the CPU milliseconds of this process
per trial (``time.process_time``), which the load of other jobs hardly changes.
Run it with ``PYTHONPATH`` set to each tree in turn.

Usage::

    PYTHONPATH=<tree> python benchmarks/sqlite_cpu.py
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

N_FILL = 1000
N_WARMUP = 10


def main() -> None:
    import bbopt
    from bbopt.samplers import RandomSampler, TPESampler

    space = {f"x{i}": bbopt.FloatDistribution(-5, 5) for i in range(10)}
    out = []
    with tempfile.TemporaryDirectory() as folder:
        for mode in ("space", "define-by-run", "tpe"):
            storage = bbopt.storage.SQLiteStorage(os.path.join(folder, f"{mode}.db"))
            sampler: Any = TPESampler(seed=0) if mode == "tpe" else RandomSampler(seed=0)
            study = bbopt.create_study(study_name="s", storage=storage, sampler=sampler)
            numbers, x = study.ask_array(N_FILL, space)
            study.tell_array(numbers, (x**2).sum(axis=1))

            def one(mode: str = mode, study: Any = study) -> None:
                if mode == "define-by-run":
                    trial = study.ask()
                    for name in space:
                        trial.suggest_float(name, -5, 5)
                else:
                    trial = study.ask(space)
                study.tell(trial, sum(v * v for v in trial.params.values()))

            for _ in range(N_WARMUP):
                one()
            k = 100 if mode == "tpe" else 300
            start = time.process_time()
            for _ in range(k):
                one()
            out.append(f"{mode}={1e3 * (time.process_time() - start) / k:.3f}")
            storage.close()
    print("CPU ms per ask+tell:", " ".join(out))


if __name__ == "__main__":
    main()
