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

__all__ = ["exp", "log", "sin", "cos", "pow", "div", "value_of", "sqrt", "sinh", "cosh", "tanh"]
__all__ += ["sigmoid", "erf"]
__all__ += ["ADD", "SUB", "MUL", "DIV", "NEG", "POW", "power", "EXP", "LOG", "SQRT", "TANH"]
__all__ += ["SIGMOID", "RELU", "ABS", "SIN", "COS", "MAX", "MIN", "SUM", "DOT", "AFFINE", "ALL"]
__all__ += ["TAN", "SINH", "COSH", "ASIN", "ACOS", "ATAN", "ATAN2", "ASINH", "ACOSH", "ATANH"]
__all__ += ["LOG1P", "EXPM1", "LOG2", "LOG10", "EXP2", "ERF", "SIGN", "FLOOR", "CEIL", "ROUND"]
__all__ += ["MOD", "FMOD", "WHERE_TRUE", "WHERE_FALSE", "clamp", "hardtanh", "leaky_relu", "elu"]
__all__ += ["SOFTPLUS", "GELU", "GELU_TANH", "SILU", "SOFTSIGN"]


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


def sqrt(x: Any) -> Any:
    """Square root; on floats nan below 0."""
    if not _is_float(x):
        return x.sqrt()
    return math.sqrt(x) if x >= 0 else math.nan


def sinh(x: Any) -> Any:
    """Hyperbolic sine; +-inf where the float overflows."""
    if not _is_float(x):
        return x.sinh()
    try:
        return math.sinh(x)
    except OverflowError:  # past about 710.48; a fixed cut would lose the finite values below
        return math.copysign(math.inf, x)


def cosh(x: Any) -> Any:
    """Hyperbolic cosine; inf where the float overflows."""
    if not _is_float(x):
        return x.cosh()
    try:
        return math.cosh(x)
    except OverflowError:
        return math.inf


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return math.tanh(x) if _is_float(x) else x.tanh()


def sigmoid(x: Any) -> Any:
    """The logistic function 1 / (1 + e^-x), without overflow at either end."""
    return sigmoid_forward(x) if _is_float(x) else x.sigmoid()


def erf(x: Any) -> Any:
    """The error function."""
    return math.erf(x) if _is_float(x) else x.erf()


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
MUL = Op("*", mul, mul_local, keep_local=False)  # its local derivatives are its inputs
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
    # d(x^y)/dx = y x^(y-1), taken as 0 where y = 0 and x^-1 is not finite (x = 0, subnormal
    # or nan): the formula is 0 * inf or 0 * nan there, PyTorch gives 0. d(x^y)/dy = x^y log x:
    # 0 at x = 0 for y >= 0 (PyTorch's mask; nan for y = nan), nan for a negative base.
    base, exponent = value_of(x), value_of(y)
    dx = 0.0 if exponent == 0 and not math.isfinite(pow(base, -1.0)) else y * pow(x, y - 1)
    dy = math.nan if base < 0 else 0.0 if base == 0 and exponent >= 0 else out * log(x)
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
TANH = Op("tanh", tanh_forward, tanh_local, out_only=True)
SIGMOID = Op("sigmoid", sigmoid_forward, sigmoid_local, out_only=True)
SIN = Op("sin", sin_forward, sin_local)
COS = Op("cos", cos_forward, cos_local)


# -- kinks: PyTorch's conventions (relu'(0) = 0, abs'(0) = 0, max/min split a tie evenly) -----
# A NaN input gives a NaN output, as in PyTorch; comparisons with NaN are all False, which is
# why each test below is written the way round that lets NaN through.


def relu(x: float) -> float:
    return 0.0 if x <= 0 else x


def relu_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (0.0,) if out <= 0 else (1.0,)  # out <= 0 exactly when x <= 0 (NaN: neither)


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


RELU = Op("relu", relu, relu_local, kink=at_zero, out_only=True)
ABS = Op("abs", absolute, absolute_local, kink=at_zero)
MAX = Op("max", maximum, maximum_local, kink=operator.eq)
MIN = Op("min", minimum, minimum_local, kink=operator.eq)


# -- trigonometric and hyperbolic -------------------------------------------------------------
# Inverse functions raise where they have no real value (asin(2)) or are infinite (atanh(1)),
# like log; at an edge where the value is finite (asin(1), acosh(1)) the derivative is inf, as
# in PyTorch.

_LN2, _LN10, _TWO_OVER_SQRT_PI = math.log(2.0), math.log(10.0), 2 / math.sqrt(math.pi)


def tan_forward(x: float) -> float:
    return math.tan(x) if math.isfinite(x) else math.nan


def tan_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (1 + out * out,)  # sec^2 x = 1 + tan^2 x


def sinh_forward(x: float) -> float:
    return sinh(x)  # type: ignore[no-any-return]


def sinh_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (cosh(x),)


def cosh_forward(x: float) -> float:
    return cosh(x)  # type: ignore[no-any-return]


def cosh_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (sinh(x),)


def _check_unit_interval(name: str, x: float) -> None:
    if abs(x) > 1:  # False for NaN, which goes through as NaN
        raise DomainError(
            f"{name} needs an input in [-1, 1]",
            f"Clamp the input first, e.g. x.clamp(-1, 1).{name}().",
        )


def asin_forward(x: float) -> float:
    _check_unit_interval("asin", x)
    return math.asin(x)


def asin_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, sqrt(1 - x * x)),)  # +inf at +-1


def acos_forward(x: float) -> float:
    _check_unit_interval("acos", x)
    return math.acos(x)


def acos_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(-1.0, sqrt(1 - x * x)),)  # -inf at +-1


def atan_forward(x: float) -> float:
    return math.atan(x)


def atan_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (1 / (1 + x * x),)


def atan2_forward(y: float, x: float) -> float:
    return math.atan2(y, x)


def atan2_local(y: Any, x: Any, out: Any) -> tuple[Any, ...]:
    r2 = x * x + y * y
    if value_of(r2) == 0:
        return (0.0, 0.0)  # the origin: PyTorch's choice (the formula is 0 / 0)
    return (x / r2, -y / r2)


def asinh_forward(x: float) -> float:
    return math.asinh(x)


def asinh_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (1 / sqrt(x * x + 1),)


def acosh_forward(x: float) -> float:
    if x < 1:
        raise DomainError(
            "acosh needs an input >= 1", "Clamp the input first, e.g. x.clamp(1, None).acosh()."
        )
    return math.acosh(x)


def acosh_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, sqrt(x * x - 1)),)  # +inf at 1; one root, so d2 is -inf there (PyTorch)


def atanh_forward(x: float) -> float:
    if abs(x) >= 1:
        raise DomainError(
            "atanh needs an input in (-1, 1)",
            "Keep it inside, e.g. x.clamp(-1 + 1e-12, 1 - 1e-12).atanh().",
            ieee=math.copysign(math.inf, x) if abs(x) == 1 else math.nan,
        )
    return math.atanh(x)


def atanh_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, 1 - x * x),)


TAN = Op("tan", tan_forward, tan_local)
SINH = Op("sinh", sinh_forward, sinh_local)
COSH = Op("cosh", cosh_forward, cosh_local)
ASIN = Op("asin", asin_forward, asin_local)
ACOS = Op("acos", acos_forward, acos_local)
ATAN = Op("atan", atan_forward, atan_local)
ATAN2 = Op("atan2", atan2_forward, atan2_local)
ASINH = Op("asinh", asinh_forward, asinh_local)
ACOSH = Op("acosh", acosh_forward, acosh_local)
ATANH = Op("atanh", atanh_forward, atanh_local)


# -- exponentials and logarithms --------------------------------------------------------------


def _check_log_domain(name: str, x: float, edge: float) -> None:
    if x <= edge:
        raise DomainError(
            f"{name} needs an input > {edge:g}",
            f"Clamp the input first, e.g. x.clamp({edge:g} + 1e-12, None).{name}().",
            ieee=-math.inf if x == edge else math.nan,
        )


def log1p_forward(x: float) -> float:
    _check_log_domain("log1p", x, -1.0)
    return math.log1p(x)


def log1p_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, 1 + x),)


def expm1_forward(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        return math.inf


def expm1_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (out + 1,)  # e^x


def log2_forward(x: float) -> float:
    _check_log_domain("log2", x, 0.0)
    return math.log2(x)


def log2_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, x * _LN2),)


def log10_forward(x: float) -> float:
    _check_log_domain("log10", x, 0.0)
    return math.log10(x)


def log10_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (div(1.0, x * _LN10),)


def exp2_forward(x: float) -> float:
    return pow(2.0, x)  # type: ignore[no-any-return]


def exp2_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (out * _LN2,)


def erf_forward(x: float) -> float:
    return math.erf(x)


def erf_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (_TWO_OVER_SQRT_PI * exp(-x * x),)


LOG1P = Op("log1p", log1p_forward, log1p_local)
EXPM1 = Op("expm1", expm1_forward, expm1_local)
LOG2 = Op("log2", log2_forward, log2_local)
LOG10 = Op("log10", log10_forward, log10_local)
EXP2 = Op("exp2", exp2_forward, exp2_local)
ERF = Op("erf", erf_forward, erf_local)


# -- piecewise constant: zero gradient everywhere (PyTorch's convention, also at the jumps) ----


def zero_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (0.0,)


def sign_forward(x: float) -> float:
    # +-0.0 give +0.0 (PyTorch); NaN stays NaN, where PyTorch gives 0 (docs/testing.md).
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


def floor_forward(x: float) -> float:
    # math.floor returns an int, which has no -0.0; a zero result takes x's sign, as IEEE's.
    return math.copysign(float(math.floor(x)), x) if math.isfinite(x) else x


def ceil_forward(x: float) -> float:
    return math.copysign(float(math.ceil(x)), x) if math.isfinite(x) else x  # ceil(-0.5) = -0.0


def round_forward(x: float) -> float:
    return round(x, 0)  # halves to even, as PyTorch


def at_integer(x: float) -> bool:
    return math.isfinite(x) and x.is_integer()


def at_half_integer(x: float) -> bool:
    return math.isfinite(x) and (x - 0.5).is_integer()


SIGN = Op("sign", sign_forward, zero_local, kink=at_zero)
FLOOR = Op("floor", floor_forward, zero_local, kink=at_integer)
CEIL = Op("ceil", ceil_forward, zero_local, kink=at_integer)
ROUND = Op("round", round_forward, zero_local, kink=at_half_integer)


# -- remainders: d/da = 1 and d/db = -(the integer quotient), PyTorch's convention -------------


def _integer_part(q: float, rounding: Any) -> float:
    return float(rounding(q)) if math.isfinite(q) else q


def _check_divisor(name: str, b: float) -> None:
    if b == 0:
        raise DomainError(
            f"{name} by zero",
            "Guard the case; the remainder by 0 has no value.",
            operand=1,
            kind=ZeroDivisionError,
            role="divisor",
        )


def remainder(a: float, b: float) -> float:
    _check_divisor("remainder", b)
    # The sign of the divisor (Python's %, torch.remainder); but a zero result keeps the
    # dividend's sign, as torch.remainder's fmod-based one does (Python's takes the divisor's).
    r = a % b
    return r if r != 0 else math.copysign(0.0, a)


def remainder_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    # d/db = -floor(a / b), the floor of the exact quotient: Python's // (the same algorithm
    # as PyTorch's floor division), not floor of the rounded a / b, which is 0 for
    # 5e-324 / -inf where the remainder is -inf. A zero divisor only reaches here in IEEE mode.
    a, b = value_of(a), value_of(b)
    return (1.0, -(a // b) if b != 0 else -_integer_part(div(a, b), math.floor))


def fmod_forward(a: float, b: float) -> float:
    _check_divisor("fmod", b)
    return math.fmod(a, b) if math.isfinite(a) else math.nan  # the sign of the dividend (C)


def fmod_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    return (1.0, -_integer_part(div(value_of(a), value_of(b)), math.trunc))


def at_multiple(a: float, b: float) -> bool:
    return b != 0 and math.isfinite(a) and math.fmod(a, b) == 0


MOD = Op("%", remainder, remainder_local, kink=at_multiple)
FMOD = Op("fmod", fmod_forward, fmod_local, kink=at_multiple)


# -- selections with constant parameters: one cached op per parameter, as power(k) ------------


def where_first(a: float, b: float) -> float:
    return a


def where_first_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    return (1.0, 0.0)


def where_second(a: float, b: float) -> float:
    return b


def where_second_local(a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    return (0.0, 1.0)


# where(cond, a, b) is one of these two: the condition is a constant of the graph.
WHERE_TRUE = Op("where", where_first, where_first_local)
WHERE_FALSE = Op("where", where_second, where_second_local)


@functools.lru_cache(maxsize=256)
def clamp(lo: float, hi: float) -> Op:
    """The op ``min(max(x, lo), hi)``; derivative 1 on ``[lo, hi]``, bounds included (PyTorch).

    Example:
        >>> clamp(-1.0, 1.0).forward(3.0), clamp(-1.0, 1.0).local(1.0, 1.0)
        (1.0, (1.0,))
    """
    if not lo <= hi:
        raise ValueError(f"clamp needs lo <= hi, got lo={lo!r}, hi={hi!r}")

    def forward(x: float) -> float:
        return lo if x < lo else hi if x > hi else x

    def local(x: Any, out: Any) -> tuple[Any, ...]:
        return (1.0,) if lo <= x <= hi else (0.0,)  # NaN: 0, as PyTorch

    def kink(x: float) -> bool:
        return x in (lo, hi)

    return Op(f"clamp[{lo:g},{hi:g}]", forward, local, kink)


@functools.lru_cache(maxsize=256)
def hardtanh(lo: float, hi: float) -> Op:
    """The op ``clamp(x, lo, hi)`` with derivative 1 strictly inside only (PyTorch's hardtanh).

    Example:
        >>> hardtanh(-1.0, 1.0).local(1.0, 1.0), hardtanh(-1.0, 1.0).local(0.5, 0.5)
        ((0.0,), (1.0,))
    """
    if not lo < hi:
        raise ValueError(f"hardtanh needs min_val < max_val, got {lo!r}, {hi!r}")

    def forward(x: float) -> float:
        return lo if x < lo else hi if x > hi else x

    def local(x: Any, out: Any) -> tuple[Any, ...]:
        return (0.0,) if x <= lo or x >= hi else (1.0,)  # NaN: 1, as PyTorch

    def kink(x: float) -> bool:
        return x in (lo, hi)

    return Op("hardtanh", forward, local, kink)


@functools.lru_cache(maxsize=256)
def leaky_relu(slope: float) -> Op:
    """The op ``x if x > 0 else slope * x``; derivative ``slope`` at 0 and for NaN (PyTorch).

    Example:
        >>> leaky_relu(0.1).forward(-2.0), leaky_relu(0.1).local(0.0, 0.0)
        (-0.2, (0.1,))
    """

    def forward(x: float) -> float:
        return x if x > 0 else slope * x

    def local(x: Any, out: Any) -> tuple[Any, ...]:
        return (1.0,) if x > 0 else (slope,)

    return Op("leaky_relu", forward, local, kink=at_zero)


@functools.lru_cache(maxsize=256)
def elu(alpha: float) -> Op:
    """The op ``x if x > 0 else alpha * (e^x - 1)``; derivative ``alpha`` at 0 (PyTorch).

    Example:
        >>> elu(1.0).forward(0.0), elu(2.0).local(0.0, 0.0)
        (0.0, (2.0,))
    """

    def forward(x: float) -> float:
        return x if x > 0 else alpha * expm1_forward(x)

    def local(x: Any, out: Any) -> tuple[Any, ...]:
        return (alpha * exp(x),) if x <= 0 else (1.0,)  # NaN: 1, as PyTorch

    return Op("elu", forward, local, kink=at_zero)


# -- smooth activations -----------------------------------------------------------------------

_RSQRT2, _RSQRT_2PI = 1 / math.sqrt(2.0), 1 / math.sqrt(2 * math.pi)
_GELU_K, _GELU_C = math.sqrt(2 / math.pi), 0.044715


def softplus_forward(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): exp never overflows, at +-1000 included.
    return (x if x > 0 else 0.0) + math.log1p(math.exp(-abs(x)))


def softplus_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (sigmoid(x),)


def gelu_forward(x: float) -> float:
    return 0.5 * x * (1 + math.erf(x * _RSQRT2))  # x * Phi(x), the exact form


def gelu_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (0.5 * (1 + erf(x * _RSQRT2)) + x * exp(-0.5 * x * x) * _RSQRT_2PI,)  # Phi + x phi


def gelu_tanh_forward(x: float) -> float:
    return 0.5 * x * (1 + math.tanh(_GELU_K * (x + _GELU_C * x * x * x)))


def gelu_tanh_local(x: Any, out: Any) -> tuple[Any, ...]:
    t = tanh(_GELU_K * (x + _GELU_C * x * x * x))
    return (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_K * (1 + 3 * _GELU_C * x * x),)


def silu_forward(x: float) -> float:
    return x * sigmoid_forward(x)


def silu_local(x: Any, out: Any) -> tuple[Any, ...]:
    s = sigmoid(x)
    return (s * (1 + x * (1 - s)),)


def softsign_forward(x: float) -> float:
    return x / (1 + abs(x))


def softsign_local(x: Any, out: Any) -> tuple[Any, ...]:
    if math.isinf(value_of(x)):
        return (math.nan,)  # the value is inf / inf = nan there (PyTorch), and so is its slope
    return (1 / ((1 + abs(x)) * (1 + abs(x))),)


SOFTPLUS = Op("softplus", softplus_forward, softplus_local)
GELU = Op("gelu", gelu_forward, gelu_local)
GELU_TANH = Op("gelu_tanh", gelu_tanh_forward, gelu_tanh_local)
SILU = Op("silu", silu_forward, silu_local)
SOFTSIGN = Op("softsign", softsign_forward, softsign_local)


# -- fused n-ary ops: one node instead of a chain of binary ones ------------------------------
# vsum rounds once (math.fsum); a dot product sums its products left to right with `sum`, as
# hand-written code, micrograd and PyTorch do, at half fsum's cost on a neuron's hot path.


def total(*xs: float) -> float:
    try:
        s = math.fsum(xs)
    except (OverflowError, ValueError):  # fsum refuses inf - inf and overflow; IEEE doesn't
        return sum(xs)
    # fsum's zero is +0.0; IEEE's sum of -0.0s only is -0.0 (and that of anything else +0.0).
    return s if s != 0 or not all(math.copysign(1.0, x) < 0 for x in xs) else -0.0


def total_local(*xs_out: Any) -> tuple[Any, ...]:
    return (1.0,) * (len(xs_out) - 1)


def dot_forward(*wx: float) -> float:
    n = len(wx) // 2
    # Start at -0.0, the identity of IEEE addition (0 + -0.0 would be +0.0), so a dot of one
    # product is that product, sign of zero included, as PyTorch's a * b.
    products: float = sum(map(operator.mul, wx[:n], wx[n:]), -0.0)
    return products


def dot_local(*wx_out: Any) -> tuple[Any, ...]:
    # d(sum w_i x_i)/dw_i = x_i and d/dx_i = w_i: the inputs, halves swapped.
    n = (len(wx_out) - 1) // 2
    return wx_out[n : 2 * n] + wx_out[:n]


def affine(*wxb: float) -> float:
    n = len(wxb) // 2
    products: float = sum(map(operator.mul, wxb[:n], wxb[n : 2 * n]), -0.0)
    return products + wxb[-1]


def affine_local(*wxb_out: Any) -> tuple[Any, ...]:
    n = (len(wxb_out) - 2) // 2
    return wxb_out[n : 2 * n] + wxb_out[:n] + (1.0,)


SUM = Op("sum", total, total_local)
DOT = Op("dot", dot_forward, dot_local)
AFFINE = Op("dot+b", affine, affine_local)

ALL: tuple[Op, ...] = (ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, SQRT, TANH, SIGMOID, SIN, COS)
ALL += (RELU, ABS, MAX, MIN, SUM, DOT, AFFINE, TAN, SINH, COSH, ASIN, ACOS, ATAN, ATAN2, ASINH)
ALL += (ACOSH, ATANH, LOG1P, EXPM1, LOG2, LOG10, EXP2, ERF, SIGN, FLOOR, CEIL, ROUND, MOD, FMOD)
ALL += (WHERE_TRUE, WHERE_FALSE, SOFTPLUS, GELU, GELU_TANH, SILU, SOFTSIGN)
"""Every fixed entry of the table (``power(k)``, ``clamp``, ``hardtanh``, ``leaky_relu`` and
``elu`` make one entry per constant)."""


# -- a neuron as one node: the activation fused onto its weighted sum -------------------------


def neuron(act: Op) -> Op:
    """The op ``act(w . x + b)``, one node per neuron (inputs ``*w, *x, b`` as for `AFFINE`).

    By the chain rule its local derivatives are act'(z) times AFFINE's, z = w . x + b. Two
    nodes (`AFFINE`, then ``act``) give the same numbers (to rounding; exactly for relu),
    but one node halves a network's graph and the time spent on it.

    Example:
        >>> relu_neuron = neuron(RELU)
        >>> relu_neuron.forward(2.0, 3.0, -1.0), relu_neuron.local(2.0, 3.0, -1.0, 5.0)
        (5.0, (3.0, 2.0, 1.0))
    """
    act_forward, act_local, act_kink = act.forward, act.local, act.kink
    needs_z = not act.out_only

    def forward(*wxb: float) -> float:
        return act_forward(affine(*wxb))

    def local(*wxb_out: Any) -> tuple[Any, ...]:
        out = wxb_out[-1]
        (slope,) = act_local(affine(*wxb_out[:-1]) if needs_z else None, out)
        if slope == 0.0:  # a dead relu, or a saturated tanh or sigmoid
            total = sum(wxb_out)
            if total - total == 0.0:  # every w, x, b finite, so 0 * each is exactly 0
                return (0.0,) * (len(wxb_out) - 1)
        d = affine_local(*wxb_out)  # (x..., w..., 1): the weighted sum's own derivatives
        if slope == 1.0:  # an active relu
            return d
        return tuple([slope * di for di in d])  # 0 * inf stays nan, as with two nodes

    def kink(*wxb: float) -> bool:
        return act_kink is not None and act_kink(affine(*wxb))

    return Op(f"{act.name}(dot+b)", forward, local, kink=kink, parts=(AFFINE, act))
