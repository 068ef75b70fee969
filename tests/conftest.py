"""Shared test configuration: bounded hypothesis profiles (CI and local)."""

import os

from hypothesis import HealthCheck, settings

# Deterministic and bounded in CI so the whole suite stays within minutes on 2 cores;
# HYPOTHESIS_PROFILE=thorough for a longer local hunt.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
