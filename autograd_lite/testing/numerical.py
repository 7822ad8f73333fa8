"""Finite-difference gradients: the independent oracle for checking analytic gradients."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value
from ..modes import no_grad
from .extrapolation import Derivative, Unusable, derivative

__all__ = [
    "numerical_grad",
    "derivative",
    "Derivative",
    "Unusable",
    "as_floats",
    "call_on_leaves",
    "METHODS",
    "DEFAULT_EPS",
]

METHODS = ("central", "forward", "backward", "adaptive")
"""The difference quotients `numerical_grad` knows."""

# The truncation error of a one-sided difference is O(h) and of a central one O(h^2), while
# rounding adds about u * |f| / h (u = 2.2e-16). Balancing the two gives h ~ sqrt(u) ~ 1e-8
# for one-sided and h ~ u^(1/3) ~ 6e-6 for central differences.
DEFAULT_EPS = {"central": 1e-6, "forward": 1e-8, "backward": 1e-8}
"""The step used when ``eps`` is not given, per fixed-step method (near the best for float64 at
inputs and outputs of magnitude about 1; ``"adaptive"`` picks its own steps, see `derivative`)."""


def as_floats(inputs: Sequence[Value | float], what: str = "inputs") -> list[float]:
    """The data of ``inputs`` (numbers or `Value` s) as floats, with a clear error otherwise.

    Example:
        >>> as_floats([Value(1.5), 2])
        [1.5, 2.0]
    """
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(f"{what} must be a list of numbers or Values, got {type(inputs).__name__}")
    out: list[float] = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            out.append(x.data)
        elif isinstance(x, numbers.Real) and not isinstance(x, bool):
            out.append(float(x))
        else:
            raise TypeError(f"{what}[{i}] must be a number or a Value, got {type(x).__name__}")
    return out


def call_on_leaves(f: Callable[..., Any], xs: Sequence[float], *, record: bool = False) -> Any:
    """Call ``f`` on fresh leaf `Value` s holding ``xs``; the graph is built only if ``record``.

    ``f`` may return a `Value` or a plain number.

    Example:
        >>> call_on_leaves(lambda a, b: a * b, [2.0, 3.0]).data
        6.0
    """
    leaves = [Value(x) for x in xs]
    if record:
        return f(*leaves)
    with no_grad():
        return f(*leaves)


def _scalar(result: Any, where: str) -> float:
    if isinstance(result, Value):
        return result.data
    if isinstance(result, numbers.Real):
        return float(result)
    raise TypeError(
        f"the function must return a Value or a number, got {type(result).__name__} {where}"
    )


def numerical_grad(
    f: Callable[..., Any],
    inputs: Sequence[Value | float],
    *,
    method: str = "central",
    eps: float | None = None,
) -> list[float]:
    """d f / d x_i for each input, by finite differences of the forward pass only.

    ``central`` uses (f(x + h) - f(x - h)) / 2h, whose error shrinks as h^2; ``forward``
    (f(x + h) - f(x)) / h and ``backward`` (f(x) - f(x - h)) / h shrink as h. These use one
    fixed step, good for inputs and outputs of magnitude about 1. ``adaptive`` picks steps
    that scale with each input and extrapolates (see `derivative`): use it at other magnitudes.
    ``f`` is called with `Value` s (under `no_grad`, so no graph is built) and may use any op.

    Args:
        f: a function of ``len(inputs)`` scalars returning a `Value` or a number.
        inputs: the point, as numbers or `Value` s (only their data is read).
        method: ``"central"``, ``"forward"``, ``"backward"`` or ``"adaptive"``.
        eps: the step h; by default 1e-6 for central and 1e-8 for one-sided differences
            (``adaptive`` takes none).

    Returns:
        One float per input (nan where ``adaptive`` found no usable step).

    Raises:
        ValueError: for an unknown method or a step that is not a positive finite number.

    Example:
        >>> g = numerical_grad(lambda x, y: x * y + x.exp(), [0.0, 3.0])
        >>> [round(v, 6) for v in g]
        [4.0, 0.0]
        >>> round(numerical_grad(lambda x: x.log(), [1e-5], method="adaptive")[0], 4)
        100000.0
    """
    if method not in METHODS:
        raise ValueError(f"numerical_grad: method must be one of {METHODS}, got {method!r}")
    if method == "adaptive":
        if eps is not None:
            raise ValueError("numerical_grad: method='adaptive' chooses its own steps; drop eps")
        return [d.value for d in _adaptive(f, as_floats(inputs))]
    h = DEFAULT_EPS[method] if eps is None else eps
    if not isinstance(h, numbers.Real) or not (math.isfinite(h) and h > 0):
        raise ValueError(f"numerical_grad: eps must be a positive finite number, got {eps!r}")
    xs = as_floats(inputs)
    centre = math.nan if method == "central" else _scalar(call_on_leaves(f, xs), f"at {xs}")
    grads: list[float] = []
    for i in range(len(xs)):

        def at(step: float, i: int = i) -> float:
            moved = list(xs)
            moved[i] += step
            return _scalar(call_on_leaves(f, moved), f"at {moved}")

        if method == "central":
            grads.append((at(h) - at(-h)) / (2 * h))
        elif method == "forward":
            grads.append((at(h) - centre) / h)
        else:
            grads.append((centre - at(-h)) / h)
    return grads


def _adaptive(f: Callable[..., Any], xs: list[float]) -> list[Derivative]:
    found = []
    for i, x in enumerate(xs):

        def probe(t: float, i: int = i) -> float:
            moved = list(xs)
            moved[i] = t
            try:
                return _scalar(call_on_leaves(f, moved), f"at {moved}")
            except (ArithmeticError, ValueError) as exc:
                raise Unusable(f"f is undefined at {t!r}: {exc}") from None

        found.append(derivative(probe, x))
    return found
