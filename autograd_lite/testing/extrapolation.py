"""The derivative of a float function by extrapolated central differences, with its error."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["derivative", "Derivative", "Unusable"]


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
_NONE = Derivative(math.nan, math.inf, math.nan, math.nan, 0)


@dataclass
class _Row:
    """One row of the Neville tableau: D(h) and its extrapolations, with their widest steps."""

    values: list[float]
    steps: list[float]
    noise: float
    jump: float = math.nan  # D(h) - D(r h)
    settled: bool = False  # whether D already behaves like a Taylor series in h here


@dataclass
class _Scan:
    """What a scan has found so far."""

    best: Derivative = _NONE
    best_noise: float = math.inf
    last: _Row | None = None
    skipped: Unusable | None = None
    calls: int = 0
    stalled: int = 0


def _settled(jump: float, previous: float, noise: float) -> bool:
    """Whether D(h) - D(r h) behaves like the tail of a Taylor series in h^2 (or like rounding).

    While h is below the function's own scale the error of D is c1 h^2 + c2 h^4 + ..., so
    dividing h by r divides the jump by about r^2 (r^4 where c1 = 0, r^6 where c2 = 0 too). Far
    above that scale D wanders at random, and its Richardson combinations can agree by chance:
    those rows are not trusted.
    """
    if abs(jump) <= _ROUNDING * noise:
        return True
    r2 = _SHRINK**2
    ratio = previous / jump
    return any(0.6 * r2**j <= ratio <= 1.6 * r2**j for j in (1, 2, 3))


def _difference(probe: Callable[[float], float], x: float, h: float, rounding: float) -> _Row:
    """The central difference at x +- h (exact points), as the first entry of a row."""
    up, down = x + h, x - h
    f_up, f_down = probe(up), probe(down)
    d = (f_up - f_down) / (up - down)
    if not math.isfinite(d):
        raise Unusable("f is not finite at x +- h")
    noise = 2 * max(rounding, 2 * _U * max(abs(f_up), abs(f_down)), _TINY) / (up - down)
    return _Row([d], [h], noise)


def _extend(here: _Row, last: _Row) -> None:
    """Fill in the row's extrapolations from the row above (Neville's recurrence in h^2)."""
    here.jump = here.values[0] - last.values[0]
    here.settled = _settled(here.jump, last.jump, here.noise)
    h = here.steps[0]
    for m in range(1, min(len(last.values), _ORDERS) + 1):
        # The steps really taken (x + h rounds h to x's grid): r^(2m) - 1 when exact.
        widest = last.steps[m - 1]
        weight = (widest / h) ** 2 - 1
        here.values.append(here.values[m - 1] + (here.values[m - 1] - last.values[m - 1]) / weight)
        here.steps.append(widest)


def _take_best(scan: _Scan, here: _Row, last: _Row) -> float:
    """Keep the row's best trusted entry if it beats the scan's; the row's smallest error."""
    row_err = math.inf
    for m, value in enumerate(here.values):
        # An entry's error: its distance to the two entries it was made from.
        spread = abs(value - last.values[max(m - 1, 0)])
        if m:
            spread = max(spread, abs(value - here.values[m - 1]))
        err = max(spread, here.noise)
        row_err = min(row_err, err)
        trusted = here.settled and (m == 0 or last.settled)
        if trusted and err < scan.best.error:
            scan.best = Derivative(value, err, here.steps[m], here.steps[0], scan.calls)
            scan.best_noise = here.noise
    return row_err


def _done(scan: _Scan, row_err: float) -> bool:
    best = scan.best
    if best.error <= 8 * _U * abs(best.value):
        return True  # as good as float64 gets
    scan.stalled = scan.stalled + 1 if row_err >= 10 * best.error else 0
    # Stop only once the best is good: before the steps reach the function's own scale the
    # errors also grow from row to row.
    good = best.error <= max(1e-4 * abs(best.value), 16 * scan.best_noise)
    return scan.stalled >= _STALL and good


def _scan(probe: Callable[[float], float], x: float, scale: float, rounding: float) -> Derivative:
    """Richardson extrapolation over the central differences at ``scale * r^-k``, k = 1, 2, ...

    The central difference D(h) = f' + c1 h^2 + c2 h^4 + ...; combining D(h) and D(h/r) as
    (r^2 D(h/r) - D(h)) / (r^2 - 1) removes the h^2 term, and so on (a Neville tableau). The
    entry with the smallest estimated error wins, among rows where the differences already
    shrink like a Taylor series. Once rounding dominates (h small) the estimates only grow, so
    the scan stops after a few rows without progress.
    """
    scan = _Scan()
    for k in range(1, _MAX_STEPS + 1):
        # x + h and x - h round to the grids of their binades: taking h back from each makes
        # both exact, so the difference is centred on x (at x = -1, x - h lies where the grid
        # is twice as coarse, and an off-centre quotient is off by f'' times the offset).
        h = (x + scale * _SHRINK**-k) - x
        h = x - (x - h)
        if not h > 0:
            break  # the step is below half an ulp of x: the point no longer moves
        scan.calls += 2
        try:
            here = _difference(probe, x, h, rounding)
        except Unusable as exc:
            # Larger steps saw past a kink or a domain edge: start again below it.
            scan.best, scan.best_noise, scan.last, scan.skipped = _NONE, math.inf, None, exc
            continue
        if scan.last is not None:
            _extend(here, scan.last)
            if _done(scan, _take_best(scan, here, scan.last)):
                break
        scan.last = here
    b = scan.best
    return Derivative(b.value, b.error, b.step, b.min_step, scan.calls, scan.skipped)


def _relative(d: Derivative) -> float:
    return d.error / abs(d.value) if d.value else (0.0 if d.error == 0 else math.inf)


def derivative(
    probe: Callable[[float], float], x: float, *, rounding: float = 0.0, scale: float | None = None
) -> Derivative:
    """The derivative at ``x`` of a function of one float, by extrapolated central differences.

    The steps scale with ``x``: they start at ``min(|x|, 1) / 2.3`` and shrink by 2.3 each
    time (down to about 1e-13 of that), so a function is differentiated as well at 1e-8 as at
    1. For ``|x| > 1``, when that does not reach a relative error of 1e-6 (``x * 3`` at 1e10,
    where rounding is about 1e-16 |x| / h), steps from ``|x| / 2.3`` down are tried as well and
    kept when they refine the first estimate. ``probe`` may raise `Unusable` for a point it
    cannot use; the steps that reach it are dropped and the scan goes on with smaller ones.

    Args:
        probe: the function, float to float.
        x: the point.
        rounding: how far a value of the function may be off by rounding, when more than a
            few units in its last place (``tanh(h) - h`` is tiny but rounded at the size
            of h); `gradcheck` computes it from the graph.
        scale: where the steps start, times 2.3, if the function's own scale is known
            (instead of ``min(|x|, 1)``: ``2 - (2 - x)`` at ``x = 1e-200`` only moves for
            steps above 1e-16).

    Returns:
        A `Derivative`: the value, its estimated error, and the steps used.

    Example:
        >>> d = derivative(math.log, 1e-5)
        >>> round(d.value), d.error < 1e-3, d.step < 1e-5
        (100000, True, True)
    """
    start = (min(abs(x), 1.0) or 1.0) if scale is None else scale
    best = _scan(probe, x, start, rounding)
    calls = best.evaluations
    if math.isnan(best.value) and best.skipped is None and abs(x) < 1:
        # No step moved x at all (x is a subnormal like 5e-324): steps from 1/2.3 down do.
        best = _scan(probe, x, 1.0, rounding)
        calls += best.evaluations
    if abs(x) > 1 and _relative(best) > _ENOUGH:
        # Steps from |x| / 2.3 down resolve a function of x / |x| better (x * 3 at 1e10), but
        # they start far above the scale of one like sin(x): keep them only when they refine
        # the estimate from the smaller steps rather than contradict it.
        found = _scan(probe, x, abs(x), rounding)
        calls += found.evaluations
        agree = abs(found.value - best.value) <= 4 * best.error + found.error
        if agree and found.error < best.error and _relative(best) < 1e-2:
            best = found
    return Derivative(best.value, best.error, best.step, best.min_step, calls, best.skipped)
