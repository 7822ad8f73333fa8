"""The op record: what one operation is (its forward value and its local derivatives).

This module sits below the engine: the op table (`ops`) builds `Op` records, and the engine
(`engine`) applies them to `Value` s. It knows nothing about either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

__all__ = ["Op", "DomainError", "connect_engine"]


class _Described(Protocol):
    def describe(self) -> str: ...


class Op:
    """One operation: a forward function and a local-derivative function, side by side.

    ``forward(*inputs) -> float`` computes the value from the inputs' numbers.
    ``local(*inputs, out) -> tuple`` gives d out / d input for each input. ``local`` is written
    with arithmetic (and the helpers of `autograd_lite.ops`: ``exp``, ``log``, ``sin``, ...) so
    that the same formula runs on floats (ordinary backward, forward mode) and on `Value` s
    (``backward(create_graph=True)``, higher derivatives). ``kink(*inputs)`` says where the op
    is not differentiable (``relu`` at 0), for gradient checkers. ``parts`` is set on a fused
    op that is one op applied to another's result (``relu(dot+b)`` is ``(AFFINE, RELU)``):
    `compile` replays it as the two, and drawings explain both factors of its derivative.
    ``out_only`` marks a one-input op whose ``local`` reads only ``out`` (tanh' = 1 - out^2):
    a fused op built on it need not recompute its input. ``keep_local=False`` marks an op whose
    local derivatives are just its inputs' numbers (``*``: d(a*b)/da = b): a node does not keep
    them but reads them from its parents in backward, as micrograd does, saving a tuple a node.

    Calling an `Op` applies it to `Value` s or numbers and makes a node.

    Example:
        >>> from autograd_lite import Value
        >>> def cube(x): return x * x * x
        >>> def cube_local(x, out): return (3 * x * x,)
        >>> CUBE = Op("cube", cube, cube_local)
        >>> y = CUBE(Value(2.0)); y.backward(); y.data, y.parents[0].grad
        (8.0, 12.0)
    """

    __slots__ = ("name", "forward", "local", "kink", "parts", "out_only", "keep_local")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        local: Callable[..., tuple[Any, ...]],
        kink: Callable[..., bool] | None = None,
        parts: tuple[Op, Op] | None = None,
        out_only: bool = False,
        keep_local: bool = True,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Op(name=...) takes a str, got {type(name).__name__}")
        if not callable(forward) or not callable(local):
            raise TypeError(f"Op {name!r}: forward and local must be functions")
        self.name, self.forward, self.local, self.kink = name, forward, local, kink
        self.parts, self.out_only, self.keep_local = parts, out_only, keep_local

    def __call__(self, *operands: Any) -> Any:
        return _engine_apply(self, *operands)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _engine_missing(op: Op, *operands: Any) -> Any:
    raise RuntimeError(f"op {op.name!r}: import autograd_lite first")  # pragma: no mutate


# The engine's `apply`. The record sits below the engine and may not import it, so the engine
# plugs its function in when it is imported (`connect_engine`).
_engine_apply: Callable[..., Any] = _engine_missing


def connect_engine(apply: Callable[..., Any]) -> None:
    """Make calling an `Op` apply it with ``apply`` (the engine calls this once, at import)."""
    global _engine_apply
    _engine_apply = apply  # pragma: no mutate  (runs at import, before mutmut's mutants)


class DomainError(Exception):
    """Raised by an op's forward function where the op has no real value (``log`` of -1).

    The engine turns it into a ``ValueError`` (or ``ZeroDivisionError``) whose message names
    the op and the offending value, label included, and says what to do. While the engine
    evaluates derivative formulas on `Value` s it uses ``ieee`` instead, the IEEE 754 answer
    (inf or nan), as the first-order path does with floats.
    """

    def __init__(
        self,
        reason: str,
        hint: str,
        *,
        operand: int = 0,
        kind: type[Exception] = ValueError,
        role: str = "input",
        ieee: float = math.nan,
    ) -> None:
        super().__init__(reason)
        self.reason, self.hint, self.role = reason, hint, role
        self.operand, self.kind, self.ieee = operand, kind, ieee

    def to_error(self, op: str, operands: Sequence[_Described]) -> Exception:
        """The user-facing error: which op, which value, what to do."""
        culprit = operands[self.operand].describe() if self.operand < len(operands) else "?"
        return self.kind(f"op {op!r}: {self.reason}; the {self.role} is {culprit}. {self.hint}")
