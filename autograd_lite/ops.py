"""The op table: every operation's forward value and local derivatives, each written once.

An entry is ``Op(name, forward, local, kink)``. ``forward`` takes floats. ``local(*inputs, out)``
returns d out / d input for each input and is written so that it works on floats (ordinary
backward, forward mode) and on `Value` s (``backward(create_graph=True)``): plain arithmetic, and
the helpers `_log`, `_sin`, `_cos`, `_pow` below for functions. Adding an op is one entry
here, one method (or function) that applies it, and its test.
"""

from __future__ import annotations

import math
import operator
from functools import lru_cache
from itertools import chain
from typing import Any

from .engine import Op, Undefined, Value

__all__ = ["ADD", "SUB", "MUL", "DIV", "NEG", "POW", "power", "EXP", "LOG", "SQRT", "TANH"]
__all__ += ["SIGMOID", "RELU", "ABS", "SIN", "COS", "MAX", "MIN", "SUM", "DOT", "AFFINE", "ALL"]

# -- functions usable inside `local` on a float or a Value ------------------------------------


def _log(x: Any) -> Any:
    return x.log() if isinstance(x, Value) else math.log(x)


def _sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Value) else math.sin(x)


def _cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Value) else math.cos(x)


def _pow(x: Any, k: Any) -> Any:
    if isinstance(x, Value) or isinstance(k, Value):
        return x**k
    return _float_pow(x, k)


def _is_odd_integer(k: float) -> bool:
    return k.is_integer() and k % 2 == 1


def _float_pow(x: float, k: float) -> float:
    """x ** k with IEEE results where Python raises: 0 ** -k is inf, overflow is inf."""
    try:
        return float(x**k)
    except ZeroDivisionError:
        # Only derivative formulas get here (forward passes refuse 0 ** negative): x ** k at
        # x = 0 with 0 < k < 1, whose k x^(k-1) has a non-integer exponent, so +inf (IEEE).
        return math.inf
    except OverflowError:
        return -math.inf if x < 0 and _is_odd_integer(k) else math.inf


def _float_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # IEEE (and PyTorch) give inf; anomaly mode reports it
        return math.inf


# -- arithmetic -------------------------------------------------------------------------------

ADD = Op("+", forward=operator.add, local=lambda a, b, out: (1.0, 1.0))
SUB = Op("-", forward=operator.sub, local=lambda a, b, out: (1.0, -1.0))
MUL = Op("*", forward=operator.mul, local=lambda a, b, out: (b, a))
NEG = Op("neg", forward=operator.neg, local=lambda a, out: (-1.0,))


def _div(a: float, b: float) -> float:
    if b == 0:
        raise Undefined(
            "division by zero",
            "Guard the case or add a small epsilon to the divisor, e.g. a / (b + 1e-12).",
            operand=1,
            kind=ZeroDivisionError,
            role="divisor",
        )
    return a / b


# d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b
DIV = Op("/", forward=_div, local=lambda a, b, out: (1 / b, -out / b))


@lru_cache(maxsize=256)
def power(k: float) -> Op:
    """The op ``x ** k`` for a number ``k`` (one cached entry per exponent).

    Example:
        >>> power(2.0)(Value(3.0)).data
        9.0
    """

    def forward(x: float) -> float:
        if x == 0 and k < 0:
            raise Undefined(
                f"0 raised to the negative power {k:g}",
                "The result is infinite; add a small epsilon to the base or guard the case.",
                kind=ZeroDivisionError,
                role="base",
            )
        if x < 0 and not k.is_integer():
            raise Undefined(
                f"a negative base raised to the non-integer power {k:g} has no real value",
                "Use abs(x) ** k, or make sure the base is positive.",
                role="base",
            )
        return _float_pow(x, k)

    # d(x^k)/dx = k x^(k-1); the constant cases avoid 0 * inf at x = 0.
    if k == 0:
        return Op(f"**{k:g}", forward, lambda x, out: (0.0,))
    if k == 1:
        return Op(f"**{k:g}", forward, lambda x, out: (1.0,))
    if k == 2:
        return Op(f"**{k:g}", forward, lambda x, out: (2 * x,))
    return Op(f"**{k:g}", forward, lambda x, out: (k * _pow(x, k - 1),))


def _pow_value_exponent(x: float, y: float) -> float:
    if x < 0:
        raise Undefined(
            "a negative base with a Value exponent",
            "d(x**y)/dy = x**y * log(x) needs x > 0; use a positive base, or a plain number "
            "as the exponent if it is not trained.",
            role="base",
        )
    if x == 0 and y < 0:
        raise Undefined(
            "0 raised to a negative power",
            "The result is infinite; add a small epsilon to the base or guard the case.",
            kind=ZeroDivisionError,
            role="base",
        )
    return _float_pow(x, y)


def _pow_local(x: Any, y: Any, out: Any) -> tuple[Any, Any]:
    # d(x^y)/dx = y x^(y-1), taken as 0 at x = y = 0 where the formula is 0 * inf (PyTorch
    # gives 0; elsewhere at y = 0 the formula is already 0 and keeps its own derivative in y);
    # d(x^y)/dy = x^y log x, taken as 0 at x = 0 (as PyTorch).
    dx = 0.0 if _number(x) == 0 and _number(y) == 0 else y * _pow(x, y - 1)
    dy = out * _log(x) if _number(x) > 0 else 0.0
    return dx, dy


def _number(v: Any) -> float:
    # The data itself, not float(v): this choice is part of the formula, not a data-dependent
    # branch of the user's program, so it must not trip `compile`'s on_read check.
    return v.data if isinstance(v, Value) else v


POW = Op("**", forward=_pow_value_exponent, local=_pow_local)

# -- functions --------------------------------------------------------------------------------


def _log_forward(x: float) -> float:
    if x <= 0:
        raise Undefined(
            "log needs an input > 0",
            "Clamp the input first, e.g. x.max(1e-12).log(), or find where it became non-positive.",
        )
    return math.log(x)


def _sqrt_forward(x: float) -> float:
    if x < 0:
        raise Undefined(
            "sqrt needs an input >= 0",
            "Clamp the input first, e.g. x.relu().sqrt(), or use abs(x).sqrt().",
        )
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    # Two branches so that exp() only sees non-positive arguments: no overflow at +-800.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


EXP = Op("exp", forward=_float_exp, local=lambda x, out: (out,))
LOG = Op("log", forward=_log_forward, local=lambda x, out: (1 / x,))
# d sqrt(x)/dx = 1 / (2 sqrt x); infinite at 0 (as PyTorch).
SQRT = Op(
    "sqrt", forward=_sqrt_forward, local=lambda x, out: (0.5 / out if out != 0 else math.inf,)
)
# tanh' = 1 - tanh^2 and sigmoid' = s (1 - s): exactly 0 once saturated.
TANH = Op("tanh", forward=math.tanh, local=lambda x, out: (1 - out * out,))
SIGMOID = Op("sigmoid", forward=_sigmoid, local=lambda x, out: (out * (1 - out),))
SIN = Op("sin", forward=math.sin, local=lambda x, out: (_cos(x),))
COS = Op("cos", forward=math.cos, local=lambda x, out: (-_sin(x),))

# -- kinks: PyTorch's conventions (relu'(0) = 0, abs'(0) = 0, max/min split a tie evenly) -----

RELU = Op(
    "relu",
    forward=lambda x: x if x > 0 else 0.0,
    local=lambda x, out: (1.0 if x > 0 else 0.0,),
    kink=lambda x: x == 0,
)
ABS = Op(
    "abs",
    forward=abs,
    local=lambda x, out: (1.0 if x > 0 else -1.0 if x < 0 else 0.0,),
    kink=lambda x: x == 0,
)
MAX = Op(
    "max",
    forward=max,
    local=lambda a, b, out: (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5),
    kink=operator.eq,
)
MIN = Op(
    "min",
    forward=min,
    local=lambda a, b, out: (1.0, 0.0) if a < b else (0.0, 1.0) if a > b else (0.5, 0.5),
    kink=operator.eq,
)

# -- fused n-ary ops: one node instead of a chain of binary ones ------------------------------


def _dot_forward(*wx: float) -> float:
    n = len(wx) // 2
    return math.fsum(map(operator.mul, wx[:n], wx[n:]))


def _affine_forward(*wxb: float) -> float:
    n = len(wxb) // 2
    return math.fsum(chain(map(operator.mul, wxb[:n], wxb[n : 2 * n]), wxb[-1:]))


def _dot_local(*wx_out: Any) -> tuple[Any, ...]:
    # d(sum w_i x_i)/dw_i = x_i and d/dx_i = w_i: the inputs, halves swapped.
    n = (len(wx_out) - 1) // 2
    return wx_out[n : 2 * n] + wx_out[:n]


def _affine_local(*wxb_out: Any) -> tuple[Any, ...]:
    n = (len(wxb_out) - 2) // 2
    return wxb_out[n : 2 * n] + wxb_out[:n] + (1.0,)


SUM = Op("sum", forward=lambda *xs: math.fsum(xs), local=lambda *xs: (1.0,) * (len(xs) - 1))
DOT = Op("dot", forward=_dot_forward, local=_dot_local)
AFFINE = Op("dot+b", forward=_affine_forward, local=_affine_local)

ALL: tuple[Op, ...] = (ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, SQRT, TANH, SIGMOID, SIN, COS)
ALL += (RELU, ABS, MAX, MIN, SUM, DOT, AFFINE)
"""Every fixed entry of the table (``power(k)`` makes one entry per exponent)."""
