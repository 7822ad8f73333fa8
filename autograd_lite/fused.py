"""Fused n-ary ops: a sum or a dot product of many values as one node, not a chain of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat

from . import ops
from .engine import Operand, Value, apply, make_node

__all__ = ["vsum", "dot"]


def vsum(values: Iterable[Operand]) -> Value:
    """The sum of many values as one node (its gradient is 1 for every term).

    Example:
        >>> vsum([Value(1.0), 2, Value(3.0)]).data
        6.0
    """
    terms = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    if not terms:
        raise ValueError("vsum() needs at least one value")
    return make_node(ops.SUM, terms)


def dot(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None
) -> Value:
    """sum_i weights[i] * inputs[i] (+ bias) as one node: a neuron's pre-activation.

    Example:
        >>> w, x = [Value(2.0), Value(-3.0)], [Value(-1.0), Value(-2.0)]
        >>> dot(w, x, bias=-3.0).data
        1.0
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot(): {len(weights)} weights but {len(inputs)} inputs; they must match")
    parents = (*weights, *inputs) if bias is None else (*weights, *inputs, bias)
    if not all(map(isinstance, parents, repeat(Value))):  # one C-level pass: lift if needed
        return apply(ops.DOT if bias is None else ops.AFFINE, *parents)
    return make_node(ops.DOT if bias is None else ops.AFFINE, parents)  # type: ignore[arg-type]
