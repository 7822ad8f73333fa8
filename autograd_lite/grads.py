"""Gradients on request: `gradients` (PyTorch's ``torch.autograd.grad``) and `zero_grad`.

Part of the engine, beside `engine.py`: `gradients` is the chain rule's second entry point.
It runs the engine's `_chain_rule` from an output, as ``backward()`` does, but reads the
inputs' accumulated gradients instead of adding them into every node's ``.grad``, so nothing a
user holds is changed. With `lean`, it is the one module besides `engine.py` that touches the
accumulators the chain rule leaves in each node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .engine import Value, _chain_rule
from .modes import gc_paused

__all__ = ["gradients", "zero_grad"]


def gradients(
    output: Value, inputs: Sequence[Value], *, seed: float = 1.0, create_graph: bool = False
) -> list[Any]:
    """d output / d input for each input, without touching any node's ``.grad``.

    Like ``torch.autograd.grad``. With ``create_graph`` the gradients are `Value` s that can
    be differentiated again. An input made with ``requires_grad=False`` is refused, as in
    PyTorch: no gradient is kept for a constant.

    Example:
        >>> x = Value(3.0)
        >>> gradients(x * x * x, [x])
        [27.0]
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients() needs a Value output, got {type(output).__name__}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value) or not x.requires_grad:
            what = x.describe() if isinstance(x, Value) else f"a {type(x).__name__}"
            raise ValueError(
                f"gradients(): input {i}, {what}, does not require grad (as in PyTorch, no "
                "gradient is kept for a constant); make it with Value(x), requires_grad=True"
            )
    start = Value(seed) if create_graph else float(seed)
    with gc_paused():
        order = _chain_rule(output, start, create_graph)
        found = [x._acc for x in inputs]
        for node in order:
            node._acc = 0.0
    if create_graph:  # an input that nothing reached still gets a Value
        return [g if isinstance(g, Value) else Value(g) for g in found]
    return found


def zero_grad(*roots: Value) -> None:
    """Set ``grad`` to 0 (and ``grad_value`` to None) on every node reachable from ``roots``.

    Example:
        >>> x = Value(2.0); y = x * 3; y.backward(); zero_grad(y); x.grad
        0.0
    """
    for root in roots:
        root.zero_grad()
