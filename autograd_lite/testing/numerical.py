"""Finite-difference gradients: the independent oracle for checking analytic gradients."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import Value
from ..modes import no_grad

__all__ = [
    "numerical_grad",
    "derivative",
    "Derivative",
    "Unusable",
    "as_floats",
    "evaluate",
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


def evaluate(f: Callable[..., Any], xs: Sequence[float], *, record: bool = False) -> Any:
    """Call ``f`` on fresh leaf `Value` s holding ``xs``; the graph is built only if ``record``.

    ``f`` may return a `Value` or a plain number.

    Example:
        >>> evaluate(lambda a, b: a * b, [2.0, 3.0]).data
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


class Unusable(Exception):
    """Raised by a probe given to `derivative` for a point it cannot use; the message says why.

    A point is unusable when the function is undefined there, or when it lies on the other side
    of a kink from the point being checked: a difference quotient across it measures nothing.
    """


@dataclass(frozen=True)
class Derivative:
    """A finite-difference derivative, with how far to trust it and the steps it came from.

    ``error`` is an estimate of ``|value - true derivative|`` (the spread of the extrapolation
    tableau, and never below the rounding noise of the last difference); ``step`` is the largest
    step ``h`` the value used, so the function was sampled on ``[x - step, x + step]``, and
    ``min_step`` the smallest. ``value`` is nan when no step was usable. ``skipped`` is the
    last `Unusable` a probe raised (the steps at and above it were dropped), or None.
    """

    value: float
    error: float
    step: float
    min_step: float
    evaluations: int
    skipped: Unusable | None = None


# The steps h, h/r, h/r^2, ... The ratio is not 2: halving keeps w h a multiple of 2 pi for
# several steps once it is one, so sin(w x) sampled that way looks smooth and converges to a
# wrong value (an alias); with r = 2.3 the pattern breaks at the next step.
_SHRINK = 2.3
_ORDERS = 3  # remove the h^2, h^4 and h^6 terms of the central difference
_MAX_STEPS = 36  # down to about 1e-13 times the scale: past that rounding is all that is left
_STALL = 3  # rows in a row that are 10x worse than the best before the scan stops
_ENOUGH = 1e-6  # relative error at which a scale's estimate is accepted without trying another
_U = 2.0**-52
_TINY = 2.0**-1074  # the smallest subnormal: no two values of f differ by less
_ROUNDING = 16  # a jump within this many times the rounding noise is indistinguishable from it


@dataclass
class _Tableau:
    """The last row of the Neville tableau and what the scan has learnt so far."""

    row: list[float]
    steps: list[float]
    jump: float = math.nan  # D(h) - D(2h) of the last row
    settled: bool = False  # whether the last row already behaved like a Taylor series


def _settled(jump: float, previous: float, noise: float) -> bool:
    """Whether D(h) - D(2h) behaves like the tail of a Taylor series in h^2 (or like rounding).

    While h is below the function's own scale the error of D is c1 h^2 + c2 h^4 + ..., so
    dividing h by r divides the jump by about r^2 (r^4 where c1 = 0, r^6 where c2 = 0 too). Far
    above
    that scale D wanders at random, and its Richardson combinations can agree by chance: those
    rows are not trusted.
    """
    if abs(jump) <= _ROUNDING * noise:
        return True
    r2 = _SHRINK**2
    ratio = previous / jump
    return any(0.6 * r2**j <= ratio <= 1.6 * r2**j for j in (1, 2, 3))


def _scan(probe: Callable[[float], float], x: float, scale: float, rounding: float) -> Derivative:
    """Richardson extrapolation over the central differences at ``scale * r^-k``, k = 1, 2, ...

    The central difference D(h) = f' + c1 h^2 + c2 h^4 + ...; combining D(h) and D(h/r) as
    (r^2 D(h/r) - D(h)) / (r^2 - 1) removes the h^2 term, and so on (a Neville tableau). Each
    entry's error is estimated by its distance to the two entries it was made from; the entry
    with the smallest estimate wins, among rows where the differences already shrink like a
    Taylor series. Once rounding dominates (h small) the estimates only grow, so the scan stops
    after a few rows without progress.
    """
    best = Derivative(math.nan, math.inf, math.nan, math.nan, 0)
    best_noise = math.inf
    last: _Tableau | None = None
    skipped: Unusable | None = None
    stalled, calls = 0, 0
    for k in range(1, _MAX_STEPS + 1):
        # x + h rounds to x's grid; taking h back from it makes x +- h exact and centred on x
        # (the tableau's weights then use the steps really taken).
        h = (x + scale * _SHRINK**-k) - x
        if not h > 0:
            break  # the step is below half an ulp of x: the point no longer moves
        up, down = x + h, x - h
        calls += 2
        try:
            f_up, f_down = probe(up), probe(down)
            d = (f_up - f_down) / (up - down)  # the real step after rounding x +- h
            if not math.isfinite(d):
                raise Unusable("f is not finite at x +- h")
        except Unusable as exc:
            # Larger steps saw past a kink or a domain edge: start again below it.
            last, skipped = None, exc
            best = Derivative(math.nan, math.inf, math.nan, math.nan, calls)
            best_noise = math.inf
            continue
        noise = 2 * max(rounding, 2 * _U * max(abs(f_up), abs(f_down)), _TINY) / (up - down)
        if last is None:
            last = _Tableau([d], [h])
            continue
        here = _Tableau([d], [h], d - last.row[0])
        here.settled = _settled(here.jump, last.jump, noise)
        row_err = math.inf
        for m in range(1, min(len(last.row), _ORDERS) + 1):
            # Neville's weight for the steps actually taken (x + h rounds h to x's grid):
            # r^(2m) - 1 when they shrink by exactly r.
            widest = last.steps[m - 1]
            weight = (widest / h) ** 2 - 1
            here.row.append(here.row[m - 1] + (here.row[m - 1] - last.row[m - 1]) / weight)
            here.steps.append(widest)
        for m, value in enumerate(here.row):
            spread = abs(value - last.row[max(m - 1, 0)])
            if m:
                spread = max(spread, abs(value - here.row[m - 1]))
            err = max(spread, noise)
            row_err = min(row_err, err)
            trusted = here.settled and (m == 0 or last.settled)
            if trusted and err < best.error:
                best, best_noise = Derivative(value, err, here.steps[m], h, calls), noise
        if best.error <= 8 * _U * abs(best.value):
            break  # as good as float64 gets
        stalled = stalled + 1 if row_err >= 10 * best.error else 0
        # Stop only once the best is good: before the steps reach the function's own scale
        # the errors also grow from row to row.
        if stalled >= _STALL and best.error <= max(1e-4 * abs(best.value), 16 * best_noise):
            break
        last = here
    return Derivative(best.value, best.error, best.step, best.min_step, calls, skipped)


def _relative(d: Derivative) -> float:
    return d.error / abs(d.value) if d.value else (0.0 if d.error == 0 else math.inf)


def derivative(probe: Callable[[float], float], x: float, *, rounding: float = 0.0) -> Derivative:
    """The derivative at ``x`` of a function of one float, by extrapolated central differences.

    The steps scale with ``x``: they start at ``min(|x|, 1) / 2.3`` and shrink by 2.3 each time
    (down to about 1e-13 of that), so a function is differentiated as well at 1e-8 as at 1; for
    ``|x| > 1``,
    when that does not reach a relative error of 1e-6 (``x * 3`` at 1e10, where rounding is
    about 1e-16 |x| / h), steps from ``|x| / 2.3`` down are tried as well and kept when they
    refine the first estimate.
    ``probe`` may raise `Unusable` for a point it cannot use; the steps that reach it are
    dropped and the scan goes on with smaller ones.

    Args:
        probe: the function, float to float.
        x: the point.
        rounding: how far a value of the function may be off by rounding, when more than a
            few units in its last place (``tanh(h) - h`` is tiny but rounded at the size
            of h); `gradcheck` computes it from the graph.

    Returns:
        A `Derivative`: the value, its estimated error, and the steps used.

    Example:
        >>> d = derivative(math.log, 1e-5)
        >>> round(d.value), d.error < 1e-3, d.step < 1e-5
        (100000, True, True)
    """
    best = _scan(probe, x, min(abs(x), 1.0) or 1.0, rounding)
    calls = best.evaluations
    if math.isnan(best.value) and best.skipped is None and abs(x) < 1:
        # No step moved x at all (x is a subnormal like 5e-324): steps from 1/2 down do.
        best = _scan(probe, x, 1.0, rounding)
        calls += best.evaluations
    if abs(x) > 1 and _relative(best) > _ENOUGH:
        # Steps from |x| / 2 down resolve a function of x / |x| better (x * 3 at 1e10), but
        # they start far above the scale of one like sin(x): keep them only when they refine
        # the estimate from the smaller steps rather than contradict it.
        found = _scan(probe, x, abs(x), rounding)
        calls += found.evaluations
        agree = abs(found.value - best.value) <= 4 * best.error + found.error
        if agree and found.error < best.error and _relative(best) < 1e-2:
            best = found
    return Derivative(best.value, best.error, best.step, best.min_step, calls, best.skipped)


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
    centre = math.nan if method == "central" else _scalar(evaluate(f, xs), f"at {xs}")
    grads: list[float] = []
    for i in range(len(xs)):

        def at(step: float, i: int = i) -> float:
            moved = list(xs)
            moved[i] += step
            return _scalar(evaluate(f, moved), f"at {moved}")

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
                return _scalar(evaluate(f, moved), f"at {moved}")
            except (ArithmeticError, ValueError) as exc:
                raise Unusable(f"f is undefined at {t!r}: {exc}") from None

        found.append(derivative(probe, x))
    return found
