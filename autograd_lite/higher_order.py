"""Local derivatives as `Value` s: what ``backward(create_graph=True)`` multiplies by.

The chain rule (`engine._propagate`) multiplies a node's gradient by its local derivatives.
For a derivative of a derivative, those must themselves be nodes with graphs: the op's
``local`` formula, run on the parent `Value` s instead of their numbers. Forward mode over a
graph (`functional.jvp` on `Value` s) uses the same. This module reads nodes through the
public node API (`reading.Readable`) only, and sits below the engine.
"""

from __future__ import annotations

from typing import Any

from .modes import using
from .reading import Readable

__all__ = ["differentiable_local_grads"]


def differentiable_local_grads(node: Readable) -> tuple[Any, ...]:
    """``node``'s local derivatives evaluated on its parent `Value` s: each has a graph.

    Inside the formula, domain edges give IEEE's inf or nan (as the float path does) instead
    of an error, and a formula that turns a `Value` into a float (``math.cos(x)``) is refused:
    its derivative would silently be a constant.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0); y = x * x
        >>> [d.data for d in differentiable_local_grads(y)]
        [3.0, 3.0]
    """
    op = node.rule
    if op is None:
        return node.local_grads

    def refuse(value: Readable, how: str) -> None:
        if how in ("float()", "item()"):
            raise TypeError(
                f"op {op.name!r}: its local derivative turned a Value into a float ({how}, e.g. "
                "math.cos(x)), so its own derivative would silently be 0. Write it with "
                "arithmetic and autograd_lite.ops' exp/log/sin/cos/pow/div, which take Values."
            )

    with using(ieee=True, on_read=refuse):
        return tuple(op.local(*node.parents, node))
