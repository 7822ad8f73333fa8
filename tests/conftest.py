"""Shared test settings: the library's derandomized ``ci`` hypothesis profile, and local ones.

``ci`` (derandomized, ``deadline=None``) is registered by `autograd_lite.testing.strategies`;
``dev`` is for local runs and ``mutation`` keeps each of mutmut's many test runs quick.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

import autograd_lite.testing.strategies  # noqa: F401  (registers the "ci" profile)

settings.register_profile(
    "dev",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "mutation",
    derandomize=True,
    deadline=None,
    max_examples=15,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
