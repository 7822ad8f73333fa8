"""The op table: every operation's forward value and local derivatives, each written once.

Most entries are one line, ``formula(name, args, forward, local)``: the value and the local
derivatives d out / d arg as Python expressions. They become the op's functions and the source
that `compile` pastes into a replay. ``local`` is written so that it works on floats (ordinary
backward, forward mode) and on `Value` s (``backward(create_graph=True)``): plain arithmetic, and
the helpers `_log`, `_sin`, `_cos`, `_pow` below for functions. The fused n-ary ops and ``x ** k``
are ``Op(name, forward, local, kink, inline)`` with functions. Adding an op is one entry here,
one method (or function) that applies it, and its test.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Sequence
from typing import Any

from .engine import Op, Undefined, Value
from .formula import make_formula

__all__ = ["ADD", "SUB", "MUL", "DIV", "NEG", "POW", "power", "EXP", "LOG", "SQRT", "TANH"]
__all__ += ["SIGMOID", "RELU", "ABS", "SIN", "COS", "MAX", "MIN", "SUM", "DOT", "AFFINE", "ALL"]


# Every formula below sees this module's names (math, the helpers) besides its arguments.
formula = functools.partial(make_formula, namespace=globals())


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

ADD = formula("+", ["a", "b"], "a + b", ["1.0", "1.0"])
SUB = formula("-", ["a", "b"], "a - b", ["1.0", "-1.0"])
MUL = formula("*", ["a", "b"], "a * b", ["b", "a"])
NEG = formula("neg", ["a"], "-a", ["-1.0"])


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
DIV = formula("/", ["a", "b"], "_div(a, b)", ["1 / b", "-out / b"])


@functools.lru_cache(maxsize=256)
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


EXP = formula("exp", ["x"], "_float_exp(x)", ["out"])
LOG = formula("log", ["x"], "_log_forward(x)", ["1 / x"])
# d sqrt(x)/dx = 1 / (2 sqrt x); infinite at 0 (as PyTorch).
SQRT = formula("sqrt", ["x"], "_sqrt_forward(x)", ["0.5 / out if out != 0 else math.inf"])
# tanh' = 1 - tanh^2 and sigmoid' = s (1 - s): exactly 0 once saturated.
TANH = formula("tanh", ["x"], "math.tanh(x)", ["1 - out * out"])
SIGMOID = formula("sigmoid", ["x"], "_sigmoid(x)", ["out * (1 - out)"])
SIN = formula("sin", ["x"], "math.sin(x)", ["_cos(x)"])
COS = formula("cos", ["x"], "math.cos(x)", ["-_sin(x)"])

# -- kinks: PyTorch's conventions (relu'(0) = 0, abs'(0) = 0, max/min split a tie evenly) -----

RELU = formula(
    "relu", ["x"], "x if x > 0 else 0.0", ["1.0 if x > 0 else 0.0"], kink=lambda x: x == 0
)
ABS = formula(
    "abs", ["x"], "abs(x)", ["1.0 if x > 0 else -1.0 if x < 0 else 0.0"], kink=lambda x: x == 0
)
MAX = formula(
    "max",
    ["a", "b"],
    "max(a, b)",
    ["1.0 if a > b else 0.0 if a < b else 0.5", "0.0 if a > b else 1.0 if a < b else 0.5"],
    kink=operator.eq,
)
MIN = formula(
    "min",
    ["a", "b"],
    "min(a, b)",
    ["1.0 if a < b else 0.0 if a > b else 0.5", "0.0 if a < b else 1.0 if a > b else 0.5"],
    kink=operator.eq,
)

# -- fused n-ary ops: one node instead of a chain of binary ones ------------------------------
# vsum rounds once (math.fsum); a dot product sums its products left to right with `sum`, as
# hand-written code, micrograd and PyTorch do, at half fsum's cost on a neuron's hot path.


def _dot_forward(*wx: float) -> float:
    n = len(wx) // 2
    total: float = sum(map(operator.mul, wx[:n], wx[n:]))
    return total


def _affine_forward(*wxb: float) -> float:
    n = len(wxb) // 2
    total: float = sum(map(operator.mul, wxb[:n], wxb[n : 2 * n]))
    return total + wxb[-1]


def _dot_local(*wx_out: Any) -> tuple[Any, ...]:
    # d(sum w_i x_i)/dw_i = x_i and d/dx_i = w_i: the inputs, halves swapped.
    n = (len(wx_out) - 1) // 2
    return wx_out[n : 2 * n] + wx_out[:n]


def _affine_local(*wxb_out: Any) -> tuple[Any, ...]:
    n = (len(wxb_out) - 2) // 2
    return wxb_out[n : 2 * n] + wxb_out[:n] + (1.0,)


# The inline forms sum the same floats in the same order with the same function as above.


def _sum_inline(*xs_out: str) -> tuple[str, tuple[str, ...]]:
    xs = xs_out[:-1]
    return f"math.fsum(({', '.join(xs)},))", ("1.0",) * len(xs)


def _products(w: Sequence[str], x: Sequence[str]) -> str:
    return f"sum(({', '.join(f'{a} * {b}' for a, b in zip(w, x))},))"


def _dot_inline(*wx_out: str) -> tuple[str, tuple[str, ...]]:
    n = (len(wx_out) - 1) // 2
    w, x = wx_out[:n], wx_out[n : 2 * n]
    return _products(w, x), (*x, *w)


def _affine_inline(*wxb_out: str) -> tuple[str, tuple[str, ...]]:
    n = (len(wxb_out) - 2) // 2
    w, x, b = wxb_out[:n], wxb_out[n : 2 * n], wxb_out[2 * n]
    return f"{_products(w, x)} + {b}", (*x, *w, "1.0")


SUM = Op(
    "sum",
    forward=lambda *xs: math.fsum(xs),
    local=lambda *xs: (1.0,) * (len(xs) - 1),
    inline=_sum_inline,
)
DOT = Op("dot", forward=_dot_forward, local=_dot_local, inline=_dot_inline)
AFFINE = Op("dot+b", forward=_affine_forward, local=_affine_local, inline=_affine_inline)

ALL: tuple[Op, ...] = (ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, SQRT, TANH, SIGMOID, SIN, COS)
ALL += (RELU, ABS, MAX, MIN, SUM, DOT, AFFINE)
"""Every fixed entry of the table (``power(k)`` makes one entry per exponent)."""
