"""gradcheck: compare a function's backward() gradients with central differences, per input."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import Value, topological_order
from .numerical import as_floats

__all__ = ["gradcheck", "GradcheckReport", "GradcheckEntry", "GradcheckError"]

OK, FAIL, KINK, UNDEFINED = "ok", "FAIL", "non-differentiable point", "not checked"


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)``; the message is the report's table."""


@dataclass(frozen=True)
class GradcheckEntry:
    """One input's result: the two gradients, their errors and a status.

    ``status`` is ``"ok"``, ``"FAIL"``, ``"non-differentiable point"`` (a kink of relu, abs,
    max or min at or within ``eps`` of this input, where no derivative exists to check) or
    ``"not checked"`` (the function is undefined at x +- eps); ``note`` says why.
    """

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str
    note: str = ""


@dataclass(frozen=True)
class GradcheckReport:
    """The result of `gradcheck`; ``str(report)`` is a readable table."""

    entries: tuple[GradcheckEntry, ...]
    eps: float
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
        header = ("input", "value", "analytic", "numeric", "abs err", "rel err", "status")
        rows = [header] + [
            (
                e.name,
                f"{e.value:.6g}",
                f"{e.analytic:.10g}",
                f"{e.numeric:.10g}",
                f"{e.abs_error:.2e}",
                f"{e.rel_error:.2e}",
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
        lines.append(
            f"gradcheck {verdict} (central differences, eps={self.eps:g}; "
            f"pass when |analytic - numeric| <= {self.atol:g} + {self.rtol:g} * |numeric|)"
        )
        return "\n".join(line.rstrip() for line in lines)


def _call(f: Callable[..., Any], leaves: Sequence[Value]) -> Value:
    out = f(*leaves)
    if isinstance(out, numbers.Real):
        return Value(float(out))  # a constant: every gradient is 0
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: the function must return a Value, got {type(out).__name__}")
    return out


def _kinked_leaves(out: Value, leaves: Sequence[Value]) -> dict[int, str]:
    """Leaves (by index) upstream of a node that sits exactly on its op's kink."""
    index = {id(leaf): i for i, leaf in enumerate(leaves)}
    found: dict[int, str] = {}
    for node in topological_order(out):
        rule = node._rule
        if rule is None or rule.kink is None or not node._prev:
            continue
        if rule.kink(*(p.data for p in node._prev)):
            for upstream in topological_order(node):
                i = index.get(id(upstream))
                if i is not None:
                    found.setdefault(i, f"{rule.name} at its kink")
    return found


def _crosses_kink(plus: Value, minus: Value) -> str:
    """The op whose branch differs between the graphs at x + eps and x - eps, if any.

    Ops with a kink (relu, abs, max, min) have piecewise-constant local derivatives, so a
    change in them means the difference quotient straddles the kink and measures nothing.
    """
    a, b = topological_order(plus), topological_order(minus)
    if len(a) != len(b):
        return ""  # data-dependent Python control flow: the graphs cannot be matched
    for m, n in zip(a, b):
        if m._rule is not n._rule:
            return ""
        if m._rule is not None and m._rule.kink is not None and m._local != n._local:
            return f"{m._rule.name} kink within eps"
    return ""


def _entry(
    name: str, x: float, analytic: float, numeric: float, atol: float, rtol: float, note: str
) -> GradcheckEntry:
    err = abs(analytic - numeric)
    rel = err / abs(numeric) if numeric != 0 else (0.0 if err == 0 else math.inf)
    same_inf = analytic == numeric  # also true for equal infinities
    ok = same_inf or err <= atol + rtol * abs(numeric)
    status = KINK if note else OK if ok else FAIL
    if math.isnan(err) and not note:
        status = FAIL
    return GradcheckEntry(name, x, analytic, numeric, err, rel, status, note)


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Value | float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check ``backward()`` of ``f`` against central differences at ``inputs``.

    ``f`` is called once with fresh leaf `Value` s to get the analytic gradients, and twice per
    input (at x_i +- eps) for the numeric ones. An input passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|`` (PyTorch's criterion). An input upstream
    of a relu/abs at 0 or a max/min tie, or whose +-eps step crosses such a kink, is reported as
    a ``"non-differentiable point"``, not a failure.

    Args:
        f: a function of ``len(inputs)`` `Value` s returning a `Value`.
        inputs: the point, as numbers or `Value` s (their labels name the rows; their own
            ``grad`` is left untouched).
        eps: the central-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_on_failure: raise `GradcheckError` (an ``AssertionError``) with the table when
            any input fails.

    Returns:
        A `GradcheckReport`; ``report.passed`` is the verdict and ``str(report)`` the table.

    Example:
        >>> report = gradcheck(lambda x, y: (x * y).tanh() + y.relu(), [0.5, 0.0])
        >>> report.passed, [e.status for e in report.entries]
        (True, ['ok', 'non-differentiable point'])
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    for name, v in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not isinstance(v, numbers.Real) or not math.isfinite(v) or v < 0:
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {v!r}")
    if eps == 0:
        raise ValueError("gradcheck: eps must be > 0")
    xs = as_floats(inputs)
    names = [v.label if isinstance(v, Value) and v.label else f"x{i}" for i, v in enumerate(inputs)]
    leaves = [Value(x, label=n) for x, n in zip(xs, names)]
    out = _call(f, leaves)
    out.backward()
    kinks = _kinked_leaves(out, leaves)
    entries = []
    for i, x in enumerate(xs):
        try:
            up = _call(f, [Value(v) for v in _moved(xs, i, eps)])
            down = _call(f, [Value(v) for v in _moved(xs, i, -eps)])
        except (ValueError, ZeroDivisionError, ArithmeticError) as exc:
            note = f"f is undefined within eps: {exc}"
            entries.append(
                GradcheckEntry(
                    names[i], x, leaves[i].grad, math.nan, math.nan, math.nan, UNDEFINED, note
                )
            )
            continue
        numeric = (up.data - down.data) / (2 * eps)
        note = kinks.get(i) or _crosses_kink(up, down)
        entries.append(_entry(names[i], x, leaves[i].grad, numeric, atol, rtol, note))
    report = GradcheckReport(tuple(entries), eps, atol, rtol)
    if raise_on_failure and not report.passed:
        raise GradcheckError("\n" + str(report))
    return report


def _moved(xs: Sequence[float], i: int, step: float) -> list[float]:
    moved = list(xs)
    moved[i] += step
    return moved
