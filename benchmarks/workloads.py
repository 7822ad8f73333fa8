"""W2 (deep chain), W3 (bytes per node) and W4 (wide sum) for each system that can run them."""

from __future__ import annotations

import functools
import gc
import operator
import tracemalloc
from collections.abc import Callable
from typing import Any

from autograd_lite import Value, vsum

from . import common

__all__ = ["CHAIN", "WIDE", "BUILD", "GC_OFF", "run_or_fail", "bytes_per_node"]

A, B = 0.999, 0.001  # y = y * a + b stays bounded for any depth


def chain_ours(n: int) -> float:
    a, b, y = Value(A), Value(B), Value(1.0)
    for _ in range(n):
        y = y * a + b
    y.backward()
    return a.grad


def chain_micrograd(n: int) -> float:
    from micrograd.engine import Value as MgValue

    a, b, y = MgValue(A), MgValue(B), MgValue(1.0)
    for _ in range(n):
        y = y * a + b
    y.backward()
    return float(a.grad)


def chain_torch(n: int) -> float:
    torch = common.torch()

    a = torch.tensor(A, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(B, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(1.0, dtype=torch.float64)
    for _ in range(n):
        y = y * a + b
    y.backward()
    return float(a.grad)


def chain_hand(n: int) -> float:
    ys = [1.0]
    for _ in range(n):
        ys.append(ys[-1] * A + B)
    # d y_n / d a = sum_k y_{k-1} a^(n-k): walk back carrying d y_n / d y_k.
    g, da = 1.0, 0.0
    for y_prev in reversed(ys[:-1]):
        da += g * y_prev
        g *= A
    return da


def wide_ours(n: int) -> Callable[[], float]:
    w = [Value(1.0 + i % 7) for i in range(n)]
    x = [Value(0.5 - i % 5) for i in range(n)]

    def run() -> float:
        s = vsum([wi * xi for wi, xi in zip(w, x)])
        s.backward()
        return w[-1].grad

    return run


def wide_micrograd(n: int) -> Callable[[], float]:
    from micrograd.engine import Value as MgValue

    w = [MgValue(1.0 + i % 7) for i in range(n)]
    x = [MgValue(0.5 - i % 5) for i in range(n)]

    def run() -> float:
        s = sum(wi * xi for wi, xi in zip(w, x))
        s.backward()
        return float(w[-1].grad)

    return run


def wide_torch(n: int) -> Callable[[], float]:
    torch = common.torch()

    w = [torch.tensor(1.0 + i % 7, dtype=torch.float64, requires_grad=True) for i in range(n)]
    x = [torch.tensor(0.5 - i % 5, dtype=torch.float64, requires_grad=True) for i in range(n)]

    def run() -> float:
        s: Any = sum(wi * xi for wi, xi in zip(w, x))
        s.backward()
        return float(w[-1].grad)

    return run


def wide_hand(n: int) -> Callable[[], float]:
    w = [1.0 + i % 7 for i in range(n)]
    x = [0.5 - i % 5 for i in range(n)]

    def run() -> float:
        sum(map(operator.mul, w, x))
        dw, dx = x[:], w[:]  # d(sum w_i x_i)/dw_i = x_i, /dx_i = w_i
        return dw[-1] + 0 * dx[-1]

    return run


def build_ours(n: int) -> Any:
    a, b, y = Value(A), Value(B), Value(1.0)
    for _ in range(n):
        y = y * a + b
    return y


def build_micrograd(n: int) -> Any:
    from micrograd.engine import Value as MgValue

    a, b, y = MgValue(A), MgValue(B), MgValue(1.0)
    for _ in range(n):
        y = y * a + b
    return y


def build_hand(n: int) -> Any:
    ys = [1.0]
    for _ in range(n):
        ys.append(ys[-1] * A + B)
    return ys


def _gc_paused(fn: Callable[[], float]) -> float:
    # Only to show what limits flat scaling: CPython's full collections rescan every live node.
    gc.disable()
    try:
        return fn()
    finally:
        gc.enable()


GC_OFF = "autograd_lite, gc paused"
CHAIN = {"autograd_lite": chain_ours, "micrograd": chain_micrograd, "torch per-scalar": chain_torch}
CHAIN["hand-written floats"] = chain_hand
WIDE = {"autograd_lite": wide_ours, "micrograd": wide_micrograd, "torch per-scalar": wide_torch}
WIDE["hand-written floats"] = wide_hand
CHAIN[GC_OFF] = lambda n: _gc_paused(lambda: chain_ours(n))
WIDE[GC_OFF] = lambda n: functools.partial(_gc_paused, wide_ours(n))
BUILD = {"autograd_lite": build_ours, "micrograd": build_micrograd}
BUILD["hand-written floats"] = build_hand


def run_or_fail(fn: Callable[[], object]) -> str | None:
    """None if ``fn`` runs, else the error's type name (``RecursionError``: the system fails)."""
    try:
        fn()
    except (RecursionError, MemoryError) as exc:
        return type(exc).__name__
    return None


def bytes_per_node(build: Callable[[int], Any], nodes: int) -> float:
    """Bytes that stay allocated per node of a chain of ``nodes`` nodes (2 per step)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        graph = build(nodes // 2)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del graph
    return (after - before) / nodes
