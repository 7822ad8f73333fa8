"""Benchmarks of autograd_lite against its peers; run ``python -m benchmarks [--quick]``."""

from __future__ import annotations

__all__: list[str] = []
