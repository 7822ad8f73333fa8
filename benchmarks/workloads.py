"""W2 (deep chain), W3 (bytes per node) and W4 (wide sum) for each system that can run them."""

from __future__ import annotations

import functools
import gc
import math
import operator
import tracemalloc
from collections.abc import Callable, Mapping
from typing import Any

from autograd_lite import Value, vsum

from . import common

__all__ = ["CHAIN", "WIDE", "BUILD", "GC_OFF", "Wide", "check_wide", "run_or_fail"]
__all__ += ["bytes_per_node"]

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


class Wide:
    """One system's W4 workload at one size: call it to run (and time) it once.

    ``gradients()`` reads every gradient it left, d s / d w_i then d s / d x_i: after exactly
    one call they are the gradients of one sum (later calls accumulate, as ``backward`` does).
    """

    __slots__ = ("run", "gradients")

    def __init__(self, run: Callable[[], float], gradients: Callable[[], list[float]]) -> None:
        self.run, self.gradients = run, gradients

    def __call__(self) -> float:
        return self.run()


def _wide_inputs(n: int) -> tuple[list[float], list[float]]:
    return [1.0 + i % 7 for i in range(n)], [0.5 - i % 5 for i in range(n)]


def wide_ours(n: int) -> Wide:
    w, x = ([Value(v) for v in vs] for vs in _wide_inputs(n))

    def run() -> float:
        s = vsum([wi * xi for wi, xi in zip(w, x)])
        s.backward()
        return w[-1].grad

    return Wide(run, lambda: [v.grad for v in w + x])


def wide_micrograd(n: int) -> Wide:
    from micrograd.engine import Value as MgValue

    w, x = ([MgValue(v) for v in vs] for vs in _wide_inputs(n))

    def run() -> float:
        s = sum(wi * xi for wi, xi in zip(w, x))
        s.backward()
        return float(w[-1].grad)

    return Wide(run, lambda: [float(v.grad) for v in w + x])


def wide_torch(n: int) -> Wide:
    torch = common.torch()

    def leaf(v: float) -> Any:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    w, x = ([leaf(v) for v in vs] for vs in _wide_inputs(n))

    def run() -> float:
        s: Any = sum(wi * xi for wi, xi in zip(w, x))
        s.backward()
        return float(w[-1].grad)

    return Wide(run, lambda: [float(v.grad) for v in w + x])


def wide_hand(n: int) -> Wide:
    w, x = _wide_inputs(n)
    last: list[list[float]] = []

    def run() -> float:
        sum(map(operator.mul, w, x))
        dw, dx = x[:], w[:]  # d(sum w_i x_i)/dw_i = x_i, /dx_i = w_i
        last[:] = [dw + dx]
        return dw[-1] + 0 * dx[-1]

    return Wide(run, lambda: last[0])


def _wide_gc_paused(n: int) -> Wide:
    ours = wide_ours(n)
    return Wide(functools.partial(_gc_paused, ours.run), ours.gradients)


def check_wide(n: int, runs: Mapping[str, Callable[[], object]]) -> bool:
    """W4's gradient check: each system's 2n gradients against the hand-written ones (1e-9).

    ``runs`` are the systems' `Wide` workloads at size ``n``, each called exactly once. Prints
    a ``MISMATCH`` line for each that disagrees (as W2 does) and returns whether all agreed.

    Example:
        >>> ours, hand = wide_ours(3), wide_hand(3)
        >>> _ = ours(), hand()
        >>> check_wide(3, {"autograd_lite": ours, "hand-written floats": hand})
        True
    """
    ref = runs.get(HAND)
    if not isinstance(ref, Wide):  # the hand-written system did not run: run it here
        ref = wide_hand(n)
        ref()
    expected, ok = ref.gradients(), True
    for name, run in runs.items():
        if isinstance(run, Wide) and run is not ref:
            got = run.gradients()
            # max_rel_diff skips a NaN (max never picks it), so NaN is tested on its own.
            d = common.max_rel_diff(got, expected)
            if not d <= 1e-9 or any(map(math.isnan, got)):
                ok = False
                print(f"  MISMATCH at n={n}: {name}'s gradients differ by {d:.1e} (relative)")
    return ok


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
HAND = "hand-written floats"
CHAIN = {"autograd_lite": chain_ours, "micrograd": chain_micrograd, "torch per-scalar": chain_torch}
CHAIN[HAND] = chain_hand
WIDE = {"autograd_lite": wide_ours, "micrograd": wide_micrograd, "torch per-scalar": wide_torch}
WIDE[HAND] = wide_hand
CHAIN[GC_OFF] = lambda n: _gc_paused(lambda: chain_ours(n))
WIDE[GC_OFF] = _wide_gc_paused
BUILD = {"autograd_lite": build_ours, "micrograd": build_micrograd}
BUILD[HAND] = build_hand


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
