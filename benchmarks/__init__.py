"""Benchmark suite of bbopt (run from the repository root, never imported by bbopt).

``python -m benchmarks.quality`` compares samplers by their regret on test
functions; ``python -m benchmarks.speed`` times suggestions on long studies.
Both write JSON, from which ``benchmarks._report`` generates Markdown pages.
The other scripts of this folder are run as files (``python benchmarks/overhead.py``).
"""
