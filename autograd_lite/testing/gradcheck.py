"""gradcheck: compare a function's backward() gradients with finite differences, per input."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import Value, topological_order
from ..modes import no_grad
from .numerical import Derivative, Unusable, as_floats, derivative

__all__ = ["gradcheck", "GradcheckReport", "GradcheckEntry", "GradcheckError"]

OK, FAIL, KINK, UNDEFINED = "ok", "FAIL", "non-differentiable point", "not checked"

# The numeric derivative's own estimated error is added to the tolerance, times this margin:
# the estimate is the spread of an extrapolation tableau, a guide rather than a bound.
ERROR_MARGIN = 4.0


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)``; the message is the report's table."""


@dataclass(frozen=True)
class GradcheckEntry:
    """One input's result: the two gradients, their difference, what the check could see.

    ``status`` is ``"ok"``, ``"FAIL"``, ``"non-differentiable point"`` (even the smallest step
    moved a relu, abs, max or min downstream of this input to another branch, so no
    derivative exists to check) or ``"not checked"`` (``f`` is undefined or not finite at every
    step tried); ``note`` says why.

    ``step`` is the largest step h the numeric derivative used (``f`` was sampled on
    ``[value - step, value + step]``), ``numeric_error`` its estimated error, and the input
    passes when ``abs_error <= tolerance``, where ``tolerance = atol + rtol * |numeric|``
    (``atol`` here includes the numeric derivative's own uncertainty). ``rtol`` is the
    smallest relative error the check can tell from a correct gradient.
    """

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str
    note: str = ""
    step: float = math.nan
    numeric_error: float = math.nan
    atol: float = math.nan
    rtol: float = math.nan

    @property
    def tolerance(self) -> float:
        """The largest ``|analytic - numeric|`` that passes for this input."""
        return self.atol + self.rtol * abs(self.numeric)

    @property
    def relative_tolerance(self) -> float:
        """``tolerance / |numeric|``: the smallest relative error in the gradient that fails."""
        return self.tolerance / abs(self.numeric) if self.numeric else math.inf


@dataclass(frozen=True)
class GradcheckReport:
    """The result of `gradcheck`; ``str(report)`` is a readable table.

    ``eps`` is the fixed step if one was asked for, else None (steps chosen per input).
    """

    entries: tuple[GradcheckEntry, ...]
    eps: float | None
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        """True when no input failed (kinks and undefined neighbourhoods are not failures)."""
        return all(e.status != FAIL for e in self.entries)

    @property
    def failures(self) -> tuple[GradcheckEntry, ...]:
        """The entries whose gradients disagree."""
        return tuple(e for e in self.entries if e.status == FAIL)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        header = ["input", "value", "analytic", "numeric", "abs err", "rel err", "abs tol"]
        header += ["rel tol", "step", "status"]
        rows: list[Sequence[str]] = [header] + [
            (
                e.name,
                f"{e.value:.6g}",
                f"{e.analytic:.10g}",
                f"{e.numeric:.10g}",
                f"{e.abs_error:.1e}",
                f"{e.rel_error:.1e}",
                f"{e.tolerance:.1e}",
                f"{e.relative_tolerance:.1e}",
                f"{e.step:.1e}",
                e.status + (f" ({e.note})" if e.note else ""),
            )
            for e in self.entries
        ]
        widths = [max(len(r[c]) for r in rows) for c in range(len(header) - 1)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[-1] for r in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        verdict = "passed" if self.passed else f"FAILED for {len(self.failures)} input(s)"
        how = (
            f"central differences, eps={self.eps:g}"
            if self.eps is not None
            else "extrapolated central differences, steps scaled to each input"
        )
        lines.append(
            f"gradcheck {verdict} ({how}; pass when |analytic - numeric| <= tolerance = "
            f"{self.atol:g} + numeric error x {ERROR_MARGIN:g} + backward's rounding + "
            f"{self.rtol:g} * |numeric|)"
        )
        return "\n".join(line.rstrip() for line in lines)


def _call(f: Callable[..., Any], leaves: Sequence[Value]) -> Value:
    out = f(*leaves)
    if isinstance(out, numbers.Real):
        return Value(float(out))  # a constant: every gradient is 0
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: the function must return a Value, got {type(out).__name__}")
    return out


class _BranchChanged(Unusable):
    """A step moved an op with a kink to another branch than at the checked point."""

    def __init__(self, op: str, step: float) -> None:
        super().__init__(f"{op} changes branch at x +- {step:.1e}")
        self.step = step


def _sign(v: Any) -> int:
    x = float(v)
    return 2 if math.isnan(x) else (x > 0) - (x < 0)


Branches = tuple[tuple[str, tuple[int, ...]], ...]


def _branches(out: Value) -> Branches:
    """Which branch every op with a kink took: the signs of its local derivatives.

    relu (1 / 0), abs (1 / -1 / 0) and max/min (first, second, tie) get a distinct sign
    pattern per branch, so two graphs took the same branches exactly when these are equal.
    """
    return tuple(
        (node.op, tuple(_sign(g) for g in node.local_grads))
        for node in topological_order(out)
        if node.rule is not None and node.rule.kink is not None
    )


def _rounding(out: Value) -> float:
    """A first-order bound on the rounding error of ``out.data``, after ``out.backward()``.

    Each op rounds its result by about u |node|, and that error reaches the output times
    d out / d node: sum u |node| |node.grad| over the op nodes.
    """
    u = 2.0**-52  # libm's exp, sin, ... may be off by one unit in the last place
    total = math.fsum(abs(n.data * n.grad) for n in topological_order(out) if n.parents)
    return u * total if math.isfinite(total) else 0.0


def _accumulation(out: Value, leaves: Sequence[Value]) -> list[float]:
    """A bound on the rounding of each leaf's ``.grad`` in ``out.backward()``.

    backward adds gradient times local derivative along every path. Each addition rounds by
    about u times the sum of the magnitudes added so far, so the analytic gradient of a leaf
    is uncertain by about u |paths| times the number of additions, where |paths| is the same
    chain rule run on absolute values. It matters only when paths cancel (1 - 1 + 2x at tiny
    x): otherwise it is a few units in the last place of the gradient.
    """
    order = topological_order(out)
    size: dict[Value, float] = {out: 1.0}
    for node in reversed(order):
        a = size.get(node, 0.0)
        for parent, d in zip(node.parents, node.local_grads):
            size[parent] = size.get(parent, 0.0) + a * abs(d)
    u = 2.0**-52
    return [u * len(order) * size.get(leaf, 0.0) for leaf in leaves]


def _probe(
    f: Callable[..., Any], xs: Sequence[float], i: int, base: Branches
) -> Callable[[float], float]:
    """f as a function of input i alone; a point where a kink took another branch is unusable.

    Without a kink op in the graph at the point there are no branches to compare, and f runs
    under `no_grad` (no graph, about twice as fast).
    """

    def at(t: float) -> float:
        moved = list(xs)
        moved[i] = t
        try:
            if not base:
                with no_grad():
                    return _call(f, [Value(v) for v in moved]).data
            out = _call(f, [Value(v) for v in moved])
        except (ArithmeticError, ValueError) as exc:
            raise Unusable(f"f is undefined at {t:.6g}: {exc}") from None
        branches = _branches(out)
        if branches != base:
            changed = next((a[0] for a, b in zip(branches, base) if a != b), "a kink op")
            raise _BranchChanged(changed, abs(t - xs[i]))
        return out.data

    return at


def _fixed_step(
    probe: Callable[[float], float], x: float, eps: float, rounding: float
) -> Derivative:
    try:
        up, down = probe(x + eps), probe(x - eps)
    except Unusable as exc:
        return Derivative(math.nan, math.nan, eps, eps, 2, exc)
    # Only the rounding noise is known; the truncation error of one step is not estimated.
    noise = max(rounding, 2.0**-52 * max(abs(up), abs(down))) / eps
    return Derivative((up - down) / (2 * eps), noise, eps, eps, 2)


def _entry(
    name: str,
    x: float,
    analytic: float,
    d: Derivative,
    atol: float,
    rtol: float,
    fuzz: str,
    accumulation: float = 0.0,
) -> GradcheckEntry:
    numeric, why = d.value, str(d.skipped or "no step moved the input")
    if math.isnan(numeric):
        # Even the smallest step was unusable: report the last one tried.
        if isinstance(d.skipped, _BranchChanged):
            status, step, why = KINK, d.skipped.step, f"{why}, the smallest step tried"
        else:
            status, step = UNDEFINED, d.step
        return GradcheckEntry(
            name, x, analytic, numeric, math.nan, math.nan, status, why, step, math.nan,
            atol, rtol,
        )  # fmt: skip
    err = abs(analytic - numeric)
    rel = err / abs(numeric) if numeric != 0 else (0.0 if err == 0 else math.inf)
    seen_atol = atol + ERROR_MARGIN * d.error + accumulation
    ok = analytic == numeric or err <= seen_atol + rtol * abs(numeric)  # equal infinities too
    status = OK if ok else FAIL
    note = f"larger steps not used: {why}" if d.skipped else ""
    if fuzz and not ok:
        status, note = UNDEFINED, fuzz
    return GradcheckEntry(
        name, x, analytic, numeric, err, rel, status, note, d.step, d.error, seen_atol, rtol
    )


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Value | float],
    *,
    eps: float | None = None,
    atol: float = 0.0,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check ``backward()`` of ``f`` against finite differences at ``inputs``.

    ``f`` is called once with fresh leaf `Value` s to get the analytic gradients. For each input
    the numeric derivative comes from central differences at steps that start at half the
    input's magnitude and halve, combined by Richardson extrapolation (`derivative`): it is
    accurate to about 1e-8 relative for smooth functions at magnitudes from 1e-8 to 1e10, and it
    estimates its own error. An input passes when
    ``|analytic - numeric| <= atol + 4 * numeric_error + rtol * |numeric|``.

    With the defaults a relative error of 1% in a gradient is caught; one of 0.1% needs
    ``rtol=1e-4``. A step that moves a relu/abs/max/min downstream of the input to another
    branch (or makes ``f`` undefined) is not used; the smaller steps still are. Only when even
    the smallest step changes a branch is the input reported as a ``"non-differentiable
    point"``; an op that sits at its kink whatever the input (``(x - x).relu()``) hides nothing.

    Args:
        f: a function of ``len(inputs)`` `Value` s returning a `Value`.
        inputs: the point, as numbers or `Value` s (their labels name the rows; their own
            ``grad`` is left untouched).
        eps: a fixed central-difference step instead of the extrapolation (as PyTorch's
            gradcheck; only right for inputs and outputs of magnitude about 1).
        atol: absolute tolerance, added to the numeric derivative's own estimated error.
        rtol: relative tolerance.
        raise_on_failure: raise `GradcheckError` (an ``AssertionError``) with the table when
            any input fails.

    Returns:
        A `GradcheckReport`; ``report.passed`` is the verdict and ``str(report)`` the table.

    Example:
        >>> report = gradcheck(lambda x, y: (x * y).tanh() + y.relu(), [0.5, 0.0])
        >>> report.passed, [e.status for e in report.entries]
        (True, ['ok', 'non-differentiable point'])
        >>> gradcheck(lambda x: x.log() * 3.0, [1e-5]).passed
        True
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    for name, v in (("atol", atol), ("rtol", rtol)) + ((("eps", eps),) if eps is not None else ()):
        if not isinstance(v, numbers.Real) or not math.isfinite(v) or v < 0:
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {v!r}")
    if eps == 0:
        raise ValueError("gradcheck: eps must be > 0")
    xs = as_floats(inputs)
    names = [v.label if isinstance(v, Value) and v.label else f"x{i}" for i, v in enumerate(inputs)]
    leaves = [Value(x, label=n) for x, n in zip(xs, names)]
    out = _call(f, leaves)
    out.backward()
    base, rounding = _branches(out), _rounding(out)
    # Where rounding may exceed the value itself (cos of a product of 1e7s), f is noise at
    # this point and no finite difference can contradict the analytic gradient.
    fuzz = (
        f"f is rounding noise here: +-{rounding:.1e} on {out.data:.1e}"
        if 16 * rounding >= abs(out.data) and rounding > 0
        else ""
    )
    entries = []
    accumulation = _accumulation(out, leaves)
    for i, x in enumerate(xs):
        probe = _probe(f, xs, i, base)
        if eps is None:
            d = derivative(probe, x, rounding=rounding)
        else:
            d = _fixed_step(probe, x, eps, rounding)
        entries.append(_entry(names[i], x, leaves[i].grad, d, atol, rtol, fuzz, accumulation[i]))
    report = GradcheckReport(tuple(entries), eps, atol, rtol)
    if raise_on_failure and not report.passed:
        raise GradcheckError("\n" + str(report))
    return report
