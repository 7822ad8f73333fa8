"""The op table: each operation's forward value and local derivatives, in plain Python.

An op is two functions side by side and one `Op` record naming them:

- ``forward(*inputs)`` computes the value from the inputs' numbers (floats);
- ``local(*inputs, out)`` returns d out / d input for each input.

``local`` is written once and serves every mode: ordinary ``backward()`` and forward mode call
it on floats; ``backward(create_graph=True)`` calls it on `Value` s, so the derivative has a
graph of its own and can be differentiated again; `compile` pastes its ``return`` expression
into a replay. So ``local`` uses arithmetic and the helpers below (``exp``, ``log``, ``sin``,
``cos``, ``pow``, ``div``, ``value_of``), which accept a float or a `Value`; never ``math.*``
directly, which would turn a `Value` into a constant.

Adding an op: its two functions and its `Op` here, a method (or function) in `engine` that
applies it, and its test.
"""

from __future__ import annotations

import functools
import math
import operator
from typing import Any

from .op import DomainError, Op

__all__ = ["exp", "log", "sin", "cos", "pow", "div", "value_of"]
__all__ += ["ADD", "SUB", "MUL", "DIV", "NEG", "POW", "power", "EXP", "LOG", "SQRT", "TANH"]
__all__ += ["SIGMOID", "RELU", "ABS", "SIN", "COS", "MAX", "MIN", "SUM", "DOT", "AFFINE", "ALL"]


# -- helpers for derivative formulas: one call for a float or a Value ------------------------
# On floats they give IEEE 754's answer where Python raises (1 / 0, exp(1000), sin(inf)), so a
# derivative is inf or nan at a domain edge, never an exception; on Values they apply the op.


def _is_float(x: Any) -> bool:
    return isinstance(x, (float, int))


def value_of(x: Any) -> float:
    """The number of a float or a `Value`, for a derivative that only chooses a branch."""
    return x if _is_float(x) else x.data  # type: ignore[no-any-return]


def exp(x: Any) -> Any:
    """e ** x; inf where the float overflows."""
    if not _is_float(x):
        return x.exp()
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def log(x: Any) -> Any:
    """Natural logarithm; on floats -inf at 0 and nan below."""
    if not _is_float(x):
        return x.log()
    return math.log(x) if x > 0 else -math.inf if x == 0 else math.nan


def sin(x: Any) -> Any:
    """Sine; nan at +-inf (IEEE and PyTorch), where Python's math.sin raises."""
    if not _is_float(x):
        return x.sin()
    return math.sin(x) if math.isfinite(x) or math.isnan(x) else math.nan


def cos(x: Any) -> Any:
    """Cosine; nan at +-inf."""
    if not _is_float(x):
        return x.cos()
    return math.cos(x) if math.isfinite(x) or math.isnan(x) else math.nan


def div(a: Any, b: Any) -> Any:
    """a / b; on floats +-inf or nan for a zero divisor (IEEE), where Python raises."""
    if not (_is_float(a) and _is_float(b)) or b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def pow(x: Any, k: Any) -> Any:
    """x ** k; on floats IEEE's answer where Python raises or goes complex."""
    if not (_is_float(x) and _is_float(k)):
        return x**k
    if x < 0 and not float(k).is_integer():
        return math.nan  # no real value (Python would return a complex number)
    try:
        return float(x**k)
    except ZeroDivisionError:  # 0 ** -k
        return math.inf if k % 2 != 1 or math.copysign(1.0, x) > 0 else -math.inf
    except OverflowError:
        return -math.inf if x < 0 and k % 2 == 1 else math.inf


# -- arithmetic -------------------------------------------------------------------------------


def add(a: float, b: float) -> float:
    return a + b


def add_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    return (1.0, 1.0)


def sub(a: float, b: float) -> float:
    return a - b


def sub_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    return (1.0, -1.0)


def mul(a: float, b: float) -> float:
    return a * b


def mul_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    return (b, a)  # d(ab)/da = b, d(ab)/db = a: the other input


def neg(a: float) -> float:
    return -a


def neg_local(a: Any, out: Any) -> tuple[Any, ...]:
    return (-1.0,)


def divide(a: float, b: float) -> float:
    if b == 0:
        raise DomainError(
            "division by zero",
            "Guard the case or add a small epsilon to the divisor, e.g. a / (b + 1e-12).",
            operand=1,
            kind=ZeroDivisionError,
            role="divisor",
            ieee=div(a, b),
        )
    return a / b


def divide_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, b), div(-out, b))  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b


ADD = Op("+", add, add_local)
SUB = Op("-", sub, sub_local)
MUL = Op("*", mul, mul_local)
NEG = Op("neg", neg, neg_local)
DIV = Op("/", divide, divide_local)


# -- powers -----------------------------------------------------------------------------------


def _check_power(x: float, k: float) -> None:
    if x == 0 and k < 0:
        raise DomainError(
            f"0 raised to the negative power {k:g}",
            "The result is infinite; add a small epsilon to the base or guard the case.",
            kind=ZeroDivisionError,
            role="base",
            ieee=pow(x, k),
        )
    if x < 0 and not k.is_integer():
        raise DomainError(
            f"a negative base raised to the non-integer power {k:g} has no real value",
            "Use abs(x) ** k, or make sure the base is positive.",
            role="base",
        )


@functools.lru_cache(maxsize=256)
def power(k: float) -> Op:
    """The op ``x ** k`` for a number ``k`` (one cached entry per exponent).

    Example:
        >>> power(2.0).forward(3.0), power(2.0).local(3.0, 9.0)
        (9.0, (6.0,))
    """

    def forward(x: float) -> float:
        _check_power(x, k)
        return pow(x, k)  # type: ignore[no-any-return]

    def local(x: Any, out: Any) -> tuple[Any, ...]:
        # d(x^k)/dx = k x^(k-1); k = 0 and k = 1 are constants (no 0 * inf at x = 0).
        return (0.0,) if k == 0 else (1.0,) if k == 1 else (k * pow(x, k - 1),)

    return Op(f"**{k:g}", forward, local)


def power_of_value(x: float, y: float) -> float:
    _check_power(x, y)
    return pow(x, y)  # type: ignore[no-any-return]


def power_of_value_local(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
    # d(x^y)/dx = y x^(y-1), taken as 0 at x = y = 0 (the formula is 0 * inf there; PyTorch
    # gives 0). d(x^y)/dy = x^y log x: 0 at x = 0 and nan for a negative base, as PyTorch.
    base, exponent = value_of(x), value_of(y)
    dx = 0.0 if base == 0 and exponent == 0 else y * pow(x, y - 1)
    dy = out * log(x) if base > 0 else 0.0 if base == 0 else math.nan
    return (dx, dy)


POW = Op("**", power_of_value, power_of_value_local)


# -- functions --------------------------------------------------------------------------------


def exp_forward(x: float) -> float:
    return exp(x)  # type: ignore[no-any-return]


def exp_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (out,)  # (e^x)' = e^x


def log_forward(x: float) -> float:
    if x <= 0:
        raise DomainError(
            "log needs an input > 0",
            "Clamp the input first, e.g. x.max(1e-12).log(), or find where it became non-positive.",
            ieee=log(x),
        )
    return math.log(x)


def log_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, x),)


def sqrt_forward(x: float) -> float:
    if x < 0:
        raise DomainError(
            "sqrt needs an input >= 0",
            "Clamp the input first, e.g. x.relu().sqrt(), or use abs(x).sqrt().",
        )
    return math.sqrt(x)


def sqrt_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(0.5, out),)  # 1 / (2 sqrt x): +inf at 0 and -inf at -0.0, as PyTorch


def tanh_forward(x: float) -> float:
    return math.tanh(x)


def tanh_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (1 - out * out,)  # exactly 0 once tanh saturates at +-1


def sigmoid_forward(x: float) -> float:
    # Two branches so that exp() only sees non-positive arguments: no overflow at +-800.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def sigmoid_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (out * (1 - out),)


def sin_forward(x: float) -> float:
    return sin(x)  # type: ignore[no-any-return]


def sin_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (cos(x),)


def cos_forward(x: float) -> float:
    return cos(x)  # type: ignore[no-any-return]


def cos_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (-sin(x),)


EXP = Op("exp", exp_forward, exp_local)
LOG = Op("log", log_forward, log_local)
SQRT = Op("sqrt", sqrt_forward, sqrt_local)
TANH = Op("tanh", tanh_forward, tanh_local)
SIGMOID = Op("sigmoid", sigmoid_forward, sigmoid_local)
SIN = Op("sin", sin_forward, sin_local)
COS = Op("cos", cos_forward, cos_local)


# -- kinks: PyTorch's conventions (relu'(0) = 0, abs'(0) = 0, max/min split a tie evenly) -----
# A NaN input gives a NaN output, as in PyTorch; comparisons with NaN are all False, which is
# why each test below is written the way round that lets NaN through.


def relu(x: float) -> float:
    return 0.0 if x <= 0 else x


def relu_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (0.0,) if x <= 0 else (1.0,)


def absolute(x: float) -> float:
    return abs(x)


def absolute_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (1.0,) if x > 0 else (-1.0,) if x < 0 else (0.0,)


def maximum(a: float, b: float) -> float:
    return a if a >= b else b if b > a else math.nan  # neither: one of them is NaN


def maximum_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    # The larger input takes the gradient, a tie splits it; with a NaN both take it (PyTorch).
    a, b = value_of(a), value_of(b)
    return (0.0 if a < b else 0.5 if a == b else 1.0, 0.0 if b < a else 0.5 if a == b else 1.0)


def minimum(a: float, b: float) -> float:
    return a if a <= b else b if b < a else math.nan


def minimum_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    a, b = value_of(a), value_of(b)
    return (0.0 if a > b else 0.5 if a == b else 1.0, 0.0 if b > a else 0.5 if a == b else 1.0)


def at_zero(x: float) -> bool:
    return x == 0


RELU = Op("relu", relu, relu_local, kink=at_zero)
ABS = Op("abs", absolute, absolute_local, kink=at_zero)
MAX = Op("max", maximum, maximum_local, kink=operator.eq)
MIN = Op("min", minimum, minimum_local, kink=operator.eq)


# -- fused n-ary ops: one node instead of a chain of binary ones ------------------------------
# vsum rounds once (math.fsum); a dot product sums its products left to right with `sum`, as
# hand-written code, micrograd and PyTorch do, at half fsum's cost on a neuron's hot path.


def total(*xs: float) -> float:
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):  # fsum refuses inf - inf and overflow; IEEE doesn't
        return sum(xs)


def total_local(*xs_out: Any) -> tuple[Any, ...]:
    return (1.0,) * (len(xs_out) - 1)


def dot_forward(*wx: float) -> float:
    n = len(wx) // 2
    products: float = sum(map(operator.mul, wx[:n], wx[n:]))
    return products


def dot_local(*wx_out: Any) -> tuple[Any, ...]:
    # d(sum w_i x_i)/dw_i = x_i and d/dx_i = w_i: the inputs, halves swapped.
    n = (len(wx_out) - 1) // 2
    return wx_out[n : 2 * n] + wx_out[:n]


def affine(*wxb: float) -> float:
    n = len(wxb) // 2
    products: float = sum(map(operator.mul, wxb[:n], wxb[n : 2 * n]))
    return products + wxb[-1]


def affine_local(*wxb_out: Any) -> tuple[Any, ...]:
    n = (len(wxb_out) - 2) // 2
    return wxb_out[n : 2 * n] + wxb_out[:n] + (1.0,)


SUM = Op("sum", total, total_local)
DOT = Op("dot", dot_forward, dot_local)
AFFINE = Op("dot+b", affine, affine_local)

ALL: tuple[Op, ...] = (ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, SQRT, TANH, SIGMOID, SIN, COS)
ALL += (RELU, ABS, MAX, MIN, SUM, DOT, AFFINE)
"""Every fixed entry of the table (``power(k)`` makes one entry per exponent)."""
