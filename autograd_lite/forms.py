"""Each op's array form: its forward value and local derivatives on NumPy arrays or torch tensors.

The batched replay (`autograd_lite.batched`) runs a compiled tape with one vector per slot. For
each op of `autograd_lite.ops` it needs ``(forward, local, domain)`` working on arrays:

- ``forward(xp, *inputs)`` and ``local(xp, *inputs, out)``, with ``xp`` the backend (`Xp`);
  ``None`` means the op's own function is plain arithmetic and runs on arrays as it is
  (``mul``, ``tanh_local`` = ``1 - out * out``, the fused ``dot``): one formula, not two;
- ``domain(xp, *inputs)``, the mask of samples where the scalar op raises (``log`` of a
  non-positive number), or ``None`` where it never does.

A form gives the scalar op's numbers: the same branch at each kink (``relu'(0) = 0``, ties of
``max`` split 0.5/0.5), NaN through every op, inf where the float overflows. Each branch is an
``xp.where`` whose test is written the way round that sends NaN where the scalar ``if`` sends it.
Ops made per constant (``power(k)``, ``clamp``, ``hardtanh``, ``leaky_relu``, ``elu``) get their
form from `FACTORY_FORMS`, fed the constants their functions were made with.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from . import ops
from .op import Op

__all__ = ["Form", "FORMS", "FACTORY_FORMS", "form_of", "Xp", "BACKENDS"]

BACKENDS = ("numpy", "torch")

Fn = Callable[..., Any]
Form = tuple[Fn | None, Fn | None, Fn | None]
"""(forward, local, domain) on arrays; None: the op's own function serves (see above)."""

# The op table's constants, computed by the same expressions so the floats are identical.
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_RSQRT2, _RSQRT_2PI = 1 / math.sqrt(2.0), 1 / math.sqrt(2 * math.pi)
_GELU_K, _GELU_C = math.sqrt(2 / math.pi), 0.044715


# -- forms with branches: xp.where, the NaN-safe way round --------------------------------------


def _sigmoid(xp: Xp, x: Any) -> Any:
    # The scalar op's two branches at once: exp only ever sees -|x| (no overflow at +-800).
    e = xp.exp(-abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _maximum(xp: Xp, a: Any, b: Any) -> Any:
    return xp.where(a >= b, a, xp.where(b > a, b, math.nan))


def _minimum(xp: Xp, a: Any, b: Any) -> Any:
    return xp.where(a <= b, a, xp.where(b < a, b, math.nan))


def _max_local(xp: Xp, a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    tie = a == b
    return (
        xp.where(a < b, 0.0, xp.where(tie, 0.5, 1.0)),
        xp.where(b < a, 0.0, xp.where(tie, 0.5, 1.0)),
    )


def _min_local(xp: Xp, a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    tie = a == b
    return (
        xp.where(a > b, 0.0, xp.where(tie, 0.5, 1.0)),
        xp.where(b > a, 0.0, xp.where(tie, 0.5, 1.0)),
    )


def _pow_local(xp: Xp, x: Any, y: Any, out: Any) -> tuple[Any, ...]:
    # ops.power_of_value_local, branch by branch: dx = 0 at y = 0 where 1/x is not finite
    # (x = 0, subnormal or nan); dy = 0 at x = 0 for y >= 0 and nan for a negative base.
    dx = xp.where((y == 0) & ~(abs(1.0 / x) < math.inf), 0.0, y * x ** (y - 1))
    dy = xp.where((x == 0) & (y >= 0), 0.0, out * xp.log(abs(x)))
    return (dx, xp.where(x < 0, math.nan, dy))


def _softsign_local(xp: Xp, x: Any, out: Any) -> tuple[Any, ...]:
    slope = 1 / ((1 + abs(x)) * (1 + abs(x)))
    return (xp.where(xp.isinf(x), math.nan, slope),)


def _pow_domain(xp: Xp, x: Any, y: Any) -> Any:
    # A negative base needs an integer exponent; inf and NaN are not integers (Python's test).
    return ((x == 0) & (y < 0)) | ((x < 0) & ((y != xp.floor(y)) | xp.isinf(y)))


def _left_to_right(xp: Xp, *xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _sign(xp: Xp, x: Any) -> Any:
    return xp.where(x > 0, 1.0, xp.where(x < 0, -1.0, x))  # 0 stays 0, NaN stays NaN


def _atan2_local(xp: Xp, y: Any, x: Any, out: Any) -> tuple[Any, ...]:
    r2 = x * x + y * y
    return (xp.where(r2 == 0, 0.0, x / r2), xp.where(r2 == 0, 0.0, -y / r2))  # 0 at the origin


def _softplus(xp: Xp, x: Any) -> Any:
    return xp.where(x > 0, x, 0.0) + xp.log1p(xp.exp(-abs(x)))


def _gelu_local(xp: Xp, x: Any, out: Any) -> tuple[Any, ...]:
    return (0.5 * (1 + xp.erf(x * _RSQRT2)) + x * xp.exp(-0.5 * x * x) * _RSQRT_2PI,)


def _gelu_tanh(xp: Xp, x: Any) -> Any:
    return 0.5 * x * (1 + xp.tanh(_GELU_K * (x + _GELU_C * x * x * x)))


def _gelu_tanh_local(xp: Xp, x: Any, out: Any) -> tuple[Any, ...]:
    t = xp.tanh(_GELU_K * (x + _GELU_C * x * x * x))
    return (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_K * (1 + 3 * _GELU_C * x * x),)


def _silu_local(xp: Xp, x: Any, out: Any) -> tuple[Any, ...]:
    s = _sigmoid(xp, x)
    return (s * (1 + x * (1 - s)),)


def _outside_unit_interval(xp: Xp, x: Any) -> Any:
    return abs(x) > 1


FORMS: dict[Op, Form] = {
    ops.ADD: (None, None, None),
    ops.SUB: (None, None, None),
    ops.MUL: (None, None, None),
    ops.NEG: (None, None, None),
    ops.DIV: (lambda xp, a, b: a / b, None, lambda xp, a, b: b == 0),
    ops.POW: (lambda xp, x, y: x**y, _pow_local, _pow_domain),
    ops.EXP: (lambda xp, x: xp.exp(x), None, None),
    ops.LOG: (lambda xp, x: xp.log(x), None, lambda xp, x: x <= 0),
    ops.SQRT: (lambda xp, x: xp.sqrt(x), None, lambda xp, x: x < 0),
    ops.TANH: (lambda xp, x: xp.tanh(x), None, None),
    ops.SIGMOID: (_sigmoid, None, None),
    ops.SIN: (lambda xp, x: xp.sin(x), lambda xp, x, out: (xp.cos(x),), None),
    ops.COS: (lambda xp, x: xp.cos(x), lambda xp, x, out: (-xp.sin(x),), None),
    ops.RELU: (
        lambda xp, x: xp.where(x <= 0, 0.0, x),
        lambda xp, x, out: (xp.where(x <= 0, 0.0, 1.0),),
        None,
    ),
    ops.ABS: (
        lambda xp, x: abs(x),
        lambda xp, x, out: (xp.where(x > 0, 1.0, xp.where(x < 0, -1.0, 0.0)),),  # NaN: 0
        None,
    ),
    ops.MAX: (_maximum, _max_local, None),
    ops.MIN: (_minimum, _min_local, None),
    ops.SUM: (_left_to_right, None, None),
    ops.DOT: (None, None, None),
    ops.AFFINE: (None, None, None),
    # trigonometric and hyperbolic: the derivatives that call ops' helpers (sqrt, cosh) on a
    # Value need xp's; the ones that are arithmetic (1 + out * out) run as they are
    ops.TAN: (lambda xp, x: xp.tan(x), None, None),
    ops.SINH: (lambda xp, x: xp.sinh(x), lambda xp, x, out: (xp.cosh(x),), None),
    ops.COSH: (lambda xp, x: xp.cosh(x), lambda xp, x, out: (xp.sinh(x),), None),
    ops.ASIN: (
        lambda xp, x: xp.arcsin(x),
        lambda xp, x, out: (1.0 / xp.sqrt(1 - x * x),),
        _outside_unit_interval,
    ),
    ops.ACOS: (
        lambda xp, x: xp.arccos(x),
        lambda xp, x, out: (-1.0 / xp.sqrt(1 - x * x),),
        _outside_unit_interval,
    ),
    ops.ATAN: (lambda xp, x: xp.arctan(x), None, None),
    ops.ATAN2: (lambda xp, y, x: xp.arctan2(y, x), _atan2_local, None),
    ops.ASINH: (lambda xp, x: xp.arcsinh(x), lambda xp, x, out: (1 / xp.sqrt(x * x + 1),), None),
    ops.ACOSH: (
        lambda xp, x: xp.arccosh(x),
        lambda xp, x, out: (1.0 / xp.sqrt(x * x - 1),),
        lambda xp, x: x < 1,
    ),
    ops.ATANH: (lambda xp, x: xp.arctanh(x), None, lambda xp, x: abs(x) >= 1),
    # exponentials and logarithms
    ops.LOG1P: (lambda xp, x: xp.log1p(x), None, lambda xp, x: x <= -1),
    ops.EXPM1: (lambda xp, x: xp.expm1(x), None, None),
    ops.LOG2: (lambda xp, x: xp.log2(x), None, lambda xp, x: x <= 0),
    ops.LOG10: (lambda xp, x: xp.log10(x), None, lambda xp, x: x <= 0),
    ops.EXP2: (None, None, None),  # ops.pow(2.0, x) is 2.0 ** x on an array
    ops.ERF: (
        lambda xp, x: xp.erf(x),
        lambda xp, x, out: (_TWO_OVER_SQRT_PI * xp.exp(-x * x),),
        None,
    ),
    # piecewise constant: the derivative (0.0,) runs as it is
    ops.SIGN: (_sign, None, None),
    ops.FLOOR: (lambda xp, x: xp.floor(x), None, None),
    ops.CEIL: (lambda xp, x: xp.ceil(x), None, None),
    ops.ROUND: (lambda xp, x: xp.round(x), None, None),  # halves to even, as Python's round
    # remainders: d/da = 1, d/db = -(the integer quotient)
    ops.MOD: (
        lambda xp, a, b: xp.remainder(a, b),
        # Python's and PyTorch's floor division of the exact quotient, as ops.remainder_local
        lambda xp, a, b, out: (1.0, -xp.floor_divide(a, b)),
        lambda xp, a, b: b == 0,
    ),
    ops.FMOD: (
        lambda xp, a, b: xp.fmod(a, b),
        lambda xp, a, b, out: (1.0, -xp.trunc(a / b)),
        lambda xp, a, b: b == 0,
    ),
    # where(cond, a, b) with a constant cond: the chosen input, spread over the samples
    ops.WHERE_TRUE: (lambda xp, a, b: xp.like(a, b), None, None),
    ops.WHERE_FALSE: (lambda xp, a, b: xp.like(b, a), None, None),
    # smooth activations
    ops.SOFTPLUS: (_softplus, lambda xp, x, out: (_sigmoid(xp, x),), None),
    ops.GELU: (lambda xp, x: 0.5 * x * (1 + xp.erf(x * _RSQRT2)), _gelu_local, None),
    ops.GELU_TANH: (_gelu_tanh, _gelu_tanh_local, None),
    ops.SILU: (lambda xp, x: x * _sigmoid(xp, x), _silu_local, None),
    # x / (1 + abs(x)) is arithmetic; its slope is nan at +-inf, where the value is inf / inf
    ops.SOFTSIGN: (None, _softsign_local, None),
}
"""Op -> its array `Form`, for every fixed entry of the op table (``ops.ALL``)."""


def _power_form(k: float) -> Form:
    # ops._check_power: 0 ** negative k raises, and so does a negative base unless k is an
    # integer (inf and NaN are not); NaN bases go through.
    integer, negative = float(k).is_integer(), k < 0
    domain: Fn | None = None
    if negative:
        domain = (lambda xp, x: x == 0) if integer else (lambda xp, x: x <= 0)
    elif not integer:
        domain = lambda xp, x: x < 0  # noqa: E731
    return (lambda xp, x: x**k, None, domain)


def _clamp_form(lo: float, hi: float) -> Form:
    def local(xp: Xp, x: Any, out: Any) -> tuple[Any, ...]:
        return (xp.where((x >= lo) & (x <= hi), 1.0, 0.0),)  # bounds included; NaN: 0

    return (lambda xp, x: _clip(xp, x, lo, hi), local, None)


def _hardtanh_form(lo: float, hi: float) -> Form:
    def local(xp: Xp, x: Any, out: Any) -> tuple[Any, ...]:
        return (xp.where((x <= lo) | (x >= hi), 0.0, 1.0),)  # strictly inside only; NaN: 1

    return (lambda xp, x: _clip(xp, x, lo, hi), local, None)


def _clip(xp: Xp, x: Any, lo: float, hi: float) -> Any:
    return xp.where(x < lo, lo, xp.where(x > hi, hi, x))  # NaN stays NaN


def _leaky_relu_form(slope: float) -> Form:
    return (
        lambda xp, x: xp.where(x > 0, x, slope * x),
        lambda xp, x, out: (xp.where(x > 0, 1.0, slope),),
        None,
    )


def _elu_form(alpha: float) -> Form:
    return (
        lambda xp, x: xp.where(x > 0, x, alpha * xp.expm1(x)),
        lambda xp, x, out: (xp.where(x <= 0, alpha * xp.exp(x), 1.0),),  # NaN: 1
        None,
    )


FACTORY_FORMS: dict[str, Callable[..., Form]] = {
    "power": _power_form,
    "clamp": _clamp_form,
    "hardtanh": _hardtanh_form,
    "leaky_relu": _leaky_relu_form,
    "elu": _elu_form,
}
"""For each op factory of `autograd_lite.ops` (``ops.clamp(lo, hi)`` ...), its form's maker,
called with the factory's arguments in order."""


def _factory_arguments(op: Op) -> tuple[str, list[Any]] | None:
    """``("clamp", [lo, hi])`` if ``op`` was made by ``ops.clamp(lo, hi)``, and so on; else None.

    The constants are read from the closure of the op's forward function, which every factory
    defines inside itself.
    """
    forward = op.forward
    factory = getattr(forward, "__qualname__", "").partition(".<locals>.")[0]
    if factory not in FACTORY_FORMS or getattr(forward, "__module__", "") != ops.__name__:
        return None
    wanted = inspect.signature(getattr(ops, factory)).parameters
    captured = inspect.getclosurevars(forward).nonlocals
    if not set(wanted) <= set(captured):
        return None
    return factory, [captured[name] for name in wanted]


def form_of(op: Op) -> Form:
    """The array form of ``op``: its `FORMS` entry, or its factory's (``ops.power(k)``, ...).

    Raises:
        NotImplementedError: the op has no batched form (a user-defined `Op`).

    Example:
        >>> form_of(ops.MUL)
        (None, None, None)
        >>> form_of(ops.power(2.0))[1] is None   # k * x ** (k - 1) runs on arrays as it is
        True
    """
    if op in FORMS:
        return FORMS[op]
    made = _factory_arguments(op)
    if made is not None:
        return FACTORY_FORMS[made[0]](*made[1])
    raise NotImplementedError(
        f"op {op.name!r} has no batched form; add its array version to "
        "autograd_lite.forms.FORMS, or use the scalar replay"
    )


class Xp:
    """The array functions the forms use, for one backend (NumPy or torch) and device.

    Example:
        >>> xp = Xp("numpy", None)
        >>> xp.where(xp.asarray([1.0, -1.0]) > 0, 1.0, 0.0).tolist()
        [1.0, 0.0]
    """

    NAMES: tuple[str, ...] = (
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sin",
        "cos",
        "tan",
        "sinh",
        "cosh",
        "arcsin",
    )
    NAMES += ("arccos", "arctan", "arctan2", "arcsinh", "arccosh", "arctanh", "log1p", "expm1")
    NAMES += ("log2", "log10", "floor", "ceil", "trunc", "round", "remainder", "fmod", "isinf")
    NAMES += ("floor_divide",)

    def __init__(self, backend: str, device: Any) -> None:
        self.lib = _library(backend)
        if backend == "numpy" and device not in (None, "cpu"):
            raise ValueError(f"batched(backend='numpy') runs on the CPU, not device={device!r}")
        self.backend = backend
        if backend == "torch":
            torch = self.lib
            self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
            self.asarray: Callable[[Any], Any] = lambda x: torch.as_tensor(
                x, dtype=torch.float64, device=self.device
            )
            self.erf: Callable[[Any], Any] = torch.special.erf
            # A sum over the samples: a 0-d tensor with torch (no wait for the device), a float
            # with NumPy (the shared part of the graph then runs on floats).
            self.total: Callable[[Any], Any] = lambda a: a.sum()
        else:
            numpy = self.lib
            self.asarray = lambda x: numpy.asarray(x, dtype=numpy.float64)
            # NumPy has no erf; math.erf per number gives the scalar op's floats exactly.
            self.erf = numpy.vectorize(math.erf, otypes=[numpy.float64])
            self.total = lambda a: float(a.sum())
        for name in self.NAMES:  # bound once: a form calls them per op, per replay
            setattr(self, name, getattr(self.lib, name))

    def __getattr__(self, name: str) -> Any:
        # Only reached for the NAMES, set in __init__ (this tells type checkers they exist).
        raise AttributeError(f"Xp has no {name!r}; the forms may use {', '.join(self.NAMES)}")

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        if self.backend == "torch" and isinstance(a, float) and isinstance(b, float):
            a = self.asarray(a)  # two Python floats would give torch's default float32
        return self.lib.where(cond, a, b)

    def like(self, x: Any, other: Any) -> Any:
        """``x`` spread to ``other``'s shape (where ``x`` is one number for every sample)."""
        x = x if hasattr(x, "ndim") else self.asarray(x)
        return self.lib.broadcast_to(x, other.shape) if other.ndim > x.ndim else x

    def full(self, n: int, value: Any) -> Any:
        return self.asarray([float(value)] * n)

    def ones(self, n: int) -> Any:
        return self.full(n, 1.0)


def _library(backend: str) -> Any:
    if backend == "numpy":
        try:
            import numpy
        except ImportError:
            raise ImportError('batched(backend="numpy") needs NumPy: pip install numpy') from None
        return numpy
    if backend == "torch":
        try:
            import torch
        except ImportError:
            raise ImportError(
                'batched(backend="torch") needs PyTorch: pip install "autograd-lite[torch]"'
            ) from None
        return torch
    raise ValueError(f"batched(backend={backend!r}): choose one of {', '.join(BACKENDS)}")
