"""Where the time of the eager W1 step goes, by phase, and the peak memory of big graphs."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from autograd_lite import Value, grad, jvp, topological_order

__all__ = ["w1_phases", "backward_peak", "forward_vs_reverse_peak"]


def w1_phases(loss_of: Callable[[], Value], params: list[Value], repeats: int) -> dict[str, float]:
    """Median ms of each phase of one eager step: building the loss (forward), the topological
    sort, the chain rule (``backward()`` minus its sort), and freeing the graph.

    The collector runs as in the user's own loop; each repetition starts from a collection.
    """
    samples: dict[str, list[float]] = {"forward": [], "sort": [], "backward": [], "free": []}
    for _ in range(repeats):
        for p in params:
            p.grad = 0.0
        gc.collect()
        t0 = time.perf_counter()
        loss = loss_of()
        t1 = time.perf_counter()
        topological_order(loss)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        del loss
        t4 = time.perf_counter()
        samples["forward"].append(t1 - t0)
        samples["sort"].append(t2 - t1)
        samples["backward"].append(max(0.0, (t3 - t2) - (t2 - t1)))
        samples["free"].append(t4 - t3)
    return {k: statistics.median(v) * 1e3 for k, v in samples.items()}


def _peak_mib(run: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _chain(n: int) -> Callable[[Value], Value]:
    def f(x: Value) -> Value:
        for _ in range(n):
            x = x * 0.999 + 0.001
        return x

    return f


def backward_peak(n: int) -> float:
    """Peak MiB of building an ``n``-step chain (2 nodes a step) and running ``backward()``."""

    def run() -> None:
        x = Value(1.0)
        _chain(n)(x).backward()

    return _peak_mib(run)


def forward_vs_reverse_peak(n: int) -> tuple[float, float]:
    """Peak MiB of ``jvp`` and of ``grad`` on the same ``n``-step chain: forward mode keeps no
    graph, reverse mode must keep all of it for the backward sweep."""
    f = _chain(n)
    return _peak_mib(lambda: jvp(f, (1.0,), (1.0,))), _peak_mib(lambda: grad(f)(1.0))
