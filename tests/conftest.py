"""Shared test configuration: hypothesis profiles.

``ci`` (selected when the CI environment variable is set) is derandomised so
that a run is reproducible; ``dev`` explores new examples on every run;
``nightly`` (``HYPOTHESIS_PROFILE=nightly``) runs 2,000 examples per test, the
larger run of tests/test_reliability.py to make locally before a release.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "nightly",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
