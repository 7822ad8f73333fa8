"""The op table as methods: ``x.tanh()``, ``x.clamp(0, 1)``, ``x.max(y)``, ``x % y``, ...

`Value` inherits `OpMethods`. Each method applies one op of `ops` by calling the `Op`, which
applies itself through the engine, so this module sits below the engine and never imports it.
The arithmetic that micrograd's `Value` defines itself (``+ - * / **``) stays in `engine`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, TypeVar, cast

from . import ops
from .op import Op

__all__ = ["OpMethods"]

_V = TypeVar("_V", bound="OpMethods")


def _apply(op: Op, first: _V, *rest: Any) -> _V:
    """``op(first, *rest)``: a node of the same type as ``first`` (an `Op` returns Any)."""
    return op(first, *rest)  # type: ignore[no-any-return]  # pragma: no mutate


# These two build methods while the class is created, at import: mutmut 3 switches a mutant on
# only after import, so it cannot exercise them ("pragma: no mutate").


def _unary(op: Op, doc: str) -> Callable[[_V], _V]:
    """A method applying the one-input ``op`` to ``self``."""

    def method(self: _V) -> _V:
        return _apply(op, self)  # pragma: no mutate

    method.__name__, method.__doc__ = op.name, doc + "."  # pragma: no mutate
    return method  # pragma: no mutate


def _binary(op: Op) -> tuple[Callable[[_V, Any], _V], Callable[[_V, Any], _V]]:
    """The two methods applying the two-input ``op``: ``self op x`` and ``x op self``."""

    def method(self: _V, other: Any) -> _V:
        if not isinstance(other, (OpMethods, numbers.Real)):  # pragma: no mutate
            return NotImplemented  # type: ignore[no-any-return]  # pragma: no mutate
        return _apply(op, self, other)  # pragma: no mutate

    def reflected(self: _V, other: Any) -> _V:
        if not isinstance(other, numbers.Real):  # pragma: no mutate
            return NotImplemented  # type: ignore[no-any-return]  # pragma: no mutate
        return cast(_V, op(other, self))  # pragma: no mutate

    return method, reflected  # pragma: no mutate


class OpMethods:
    """Every op of the table that is not micrograd's arithmetic, as a method of `Value`.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(0.5)
        >>> x.tanh().op, x.clamp(0, 1).data, x.max(2).data, (Value(7.0) % 3).data
        ('tanh', 0.5, 2.0, 1.0)
    """

    __slots__ = ()

    __abs__ = _unary(ops.ABS, "abs(self); derivative 0 at 0, as in PyTorch")
    exp = _unary(ops.EXP, "e ** self; overflows to inf (IEEE), which anomaly mode flags")
    log = _unary(ops.LOG, "Natural logarithm; a ValueError naming this value when data <= 0")
    sqrt = _unary(ops.SQRT, "Square root; a ValueError naming this value when data < 0")
    tanh = _unary(ops.TANH, "Hyperbolic tangent (saturates exactly at +-1 with gradient 0)")
    sigmoid = _unary(ops.SIGMOID, "Logistic function 1 / (1 + e^-x), stable for any input")
    relu = _unary(ops.RELU, "max(0, x), with derivative 0 at 0 as in PyTorch")
    sin = _unary(ops.SIN, "Sine (nan at +-inf, as IEEE and PyTorch)")
    cos = _unary(ops.COS, "Cosine (nan at +-inf)")
    tan = _unary(ops.TAN, "Tangent")
    sinh = _unary(ops.SINH, "Hyperbolic sine (+-inf on overflow)")
    cosh = _unary(ops.COSH, "Hyperbolic cosine (inf on overflow)")
    asin = arcsin = _unary(ops.ASIN, "Inverse sine; a ValueError outside [-1, 1], inf slope at +-1")
    acos = arccos = _unary(ops.ACOS, "Inverse cosine; a ValueError outside [-1, 1]")
    atan = arctan = _unary(ops.ATAN, "Inverse tangent")
    asinh = arcsinh = _unary(ops.ASINH, "Inverse hyperbolic sine")
    acosh = arccosh = _unary(ops.ACOSH, "Inverse hyperbolic cosine; a ValueError below 1")
    atanh = arctanh = _unary(ops.ATANH, "Inverse hyperbolic tangent; a ValueError unless |x| < 1")
    log1p = _unary(ops.LOG1P, "log(1 + x), exact for small x; a ValueError at x <= -1")
    expm1 = _unary(ops.EXPM1, "e ** x - 1, exact for small x")
    log2 = _unary(ops.LOG2, "Base-2 logarithm; a ValueError at x <= 0")
    log10 = _unary(ops.LOG10, "Base-10 logarithm; a ValueError at x <= 0")
    exp2 = _unary(ops.EXP2, "2 ** x")
    erf = _unary(ops.ERF, "The error function")
    sign = _unary(ops.SIGN, "-1, 0 or 1 (NaN stays NaN); gradient 0, as in PyTorch")
    floor = _unary(ops.FLOOR, "Round down; gradient 0, as in PyTorch")
    ceil = _unary(ops.CEIL, "Round up; gradient 0, as in PyTorch")
    round = _unary(ops.ROUND, "Round half to even; gradient 0, as in PyTorch")
    softplus = _unary(ops.SOFTPLUS, "log(1 + e^x), stable for any input")
    silu = _unary(ops.SILU, "x * sigmoid(x) (also called swish)")
    softsign = _unary(ops.SOFTSIGN, "x / (1 + |x|)")
    __mod__, __rmod__ = _binary(ops.MOD)  # the sign of the divisor, as Python and PyTorch
    remainder = __mod__
    fmod = _binary(ops.FMOD)[0]  # the sign of the dividend, as C and torch.fmod
    atan2 = arctan2 = _binary(ops.ATAN2)[0]  # self is y: the angle of the point (other, self)

    def gelu(self: _V, approximate: str = "none") -> _V:
        """x * Phi(x), Phi the normal CDF; ``approximate="tanh"`` for the tanh form (PyTorch's)."""
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu(approximate={approximate!r}): choose 'none' or 'tanh'")
        return _apply(ops.GELU if approximate == "none" else ops.GELU_TANH, self)

    def elu(self: _V, alpha: float = 1.0) -> _V:
        """x for x > 0, else alpha * (e^x - 1); slope alpha at 0, as in PyTorch."""
        return _apply(ops.elu(float(alpha)), self)

    def leaky_relu(self: _V, negative_slope: float = 0.01) -> _V:
        """x for x > 0, else negative_slope * x; slope negative_slope at 0, as in PyTorch."""
        return _apply(ops.leaky_relu(float(negative_slope)), self)

    def hardtanh(self: _V, min_val: float = -1.0, max_val: float = 1.0) -> _V:
        """x clamped to [min_val, max_val]; slope 1 strictly inside, 0 at the bounds (PyTorch)."""
        return _apply(ops.hardtanh(float(min_val), float(max_val)), self)

    def clamp(self: _V, min: float | None = None, max: float | None = None) -> _V:
        """x clamped to [min, max] (None: no bound); slope 1 inside, bounds included (PyTorch)."""
        lo, hi = -math.inf if min is None else float(min), math.inf if max is None else float(max)
        return _apply(ops.clamp(lo, hi), self)

    def max(self: _V, other: _V | float) -> _V:
        """The max gate: the gradient goes to the larger input (split evenly on a tie)."""
        return _apply(ops.MAX, self, other)

    def min(self: _V, other: _V | float) -> _V:
        """The min gate: the gradient goes to the smaller input (split evenly on a tie)."""
        return _apply(ops.MIN, self, other)
