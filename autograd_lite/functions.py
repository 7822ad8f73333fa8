"""The ops that read best as functions: ``where(cond, a, b)``, ``atan2(y, x)``, ``clamp(x, ...)``.

Each applies one entry of the op table (`autograd_lite.ops`) to `Value` s or numbers, like the
methods of `Value`; numbers become constant leaves.
"""

from __future__ import annotations

from . import ops
from .engine import Operand, Value, apply

__all__ = ["where", "atan2", "fmod", "remainder", "clamp"]


def where(cond: object, a: Operand, b: Operand) -> Value:
    """``a`` if ``cond`` else ``b``; the gradient goes to the chosen one only (PyTorch's where).

    ``cond`` is a bool, e.g. a comparison ``x > 0``: a constant of the graph, so the result is
    piecewise, with a jump where ``cond`` flips. The other input still belongs to the graph and
    gets a zero gradient (so, as in PyTorch, an infinite derivative inside it gives nan).

    Example:
        >>> x = Value(-2.0)
        >>> y = where(x > 0, x * x, -x)
        >>> y.backward(); y.data, x.grad
        (2.0, -1.0)
    """
    if isinstance(cond, Value):
        raise TypeError(
            f"where(cond, a, b) takes a bool for cond, got a Value ({cond.describe()}); "
            "compare it first, e.g. where(x > 0, a, b)"
        )
    return apply(ops.WHERE_TRUE if cond else ops.WHERE_FALSE, a, b)


def atan2(y: Operand, x: Operand) -> Value:
    """The angle of the point (x, y) in (-pi, pi]; both partial derivatives 0 at the origin.

    Example:
        >>> y, x = Value(1.0), Value(1.0)
        >>> a = atan2(y, x); a.backward(); round(a.data, 6), y.grad, x.grad
        (0.785398, 0.5, -0.5)
    """
    return apply(ops.ATAN2, y, x)


def fmod(a: Operand, b: Operand) -> Value:
    """The remainder with the sign of ``a`` (C, ``torch.fmod``); d/db = -trunc(a / b).

    Example:
        >>> fmod(-5.5, Value(2.0)).data
        -1.5
    """
    return apply(ops.FMOD, a, b)


def remainder(a: Operand, b: Operand) -> Value:
    """``a % b``, with the sign of ``b`` (Python, ``torch.remainder``); d/db = -floor(a / b).

    Example:
        >>> remainder(-5.5, Value(2.0)).data
        0.5
    """
    return apply(ops.MOD, a, b)


def clamp(x: Operand, min: float | None = None, max: float | None = None) -> Value:
    """``x`` clamped to ``[min, max]`` (None: no bound); slope 1 inside, bounds included.

    Example:
        >>> x = Value(1.0); y = clamp(x, -1, 1); y.backward(); y.data, x.grad
        (1.0, 1.0)
    """
    return (x if isinstance(x, Value) else Value(x)).clamp(min, max)
