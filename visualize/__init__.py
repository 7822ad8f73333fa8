"""Drawing autograd_lite graphs and training plots (Graphviz, matplotlib)."""

from __future__ import annotations

__all__: list[str] = []
