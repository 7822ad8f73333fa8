"""The power of `gradcheck`: how often it fails a wrong derivative and passes a right one.

Random smooth functions of two inputs are built at input magnitudes 1e-8 ... 1e10, of
``x / magnitude`` (family "scaled") and, for magnitudes up to 1, of ``x`` itself (so
``sin(x + 1)`` at ``x = 1e-8``: family "offset"). In each,
one node is a hand-made op whose local derivative can carry an injected error (1%, 0.1%, the
sign flipped only for negative inputs, 1% only at large inputs). For every input the effective
error of the whole gradient is known exactly (the same function with the correct op gives
the true gradient), so each gradcheck row is a true or a false pass or fail.

``python -m tests.gradcheck_power`` prints the table that `docs/testing.md` shows;
`tests/test_testing_power.py` runs it with the same seed, checks the targets and that the docs
show these figures.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autograd_lite import Op, Value
from autograd_lite.testing import gradcheck

SEED = 21
MAGNITUDES = tuple(10.0**k for k in range(-8, 11))
TRIALS = 10  # functions per magnitude and family

Local = Callable[[float], float]

# The slot's op: forward, and its true local derivative, written by hand.
PRIMITIVES: dict[str, tuple[Local, Local]] = {
    "sin": (math.sin, math.cos),
    "cos": (math.cos, lambda a: -math.sin(a)),
    "tanh": (math.tanh, lambda a: 1 - math.tanh(a) ** 2),
    "log1p_sq": (lambda a: math.log1p(a * a), lambda a: 2 * a / (1 + a * a)),
    "hypot1": (lambda a: math.sqrt(1 + a * a), lambda a: a / math.sqrt(1 + a * a)),
    "cube": (lambda a: a**3, lambda a: 3 * a * a),
    "exp": (math.exp, math.exp),
}

# How the injected error changes the local derivative d at the op's input a.
BUGS: dict[str, Callable[[float, float], float]] = {
    "none": lambda a, d: d,
    "1%": lambda a, d: d * 1.01,
    "0.1%": lambda a, d: d * 1.001,
    "sign for x < 0": lambda a, d: -d if a < 0 else d,
    "1% where abs(x) > 1.5": lambda a, d: d * 1.01 if abs(a) > 1.5 else d,
}

# The engine's own ops between the slot and the inputs and output.
UNARY: tuple[Callable[[Value], Value], ...] = (
    lambda a: a.sin(),
    lambda a: a.tanh(),
    lambda a: a.sigmoid(),
    lambda a: (a * a + 1.0).log(),
    lambda a: (a * a + 0.5).sqrt(),
    lambda a: a.exp(),
    lambda a: a * a,
)
BINARY: tuple[Callable[[Value, Value], Value], ...] = (
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1.0),
)


def apply(op: Op, x: Value) -> Value:
    """Apply a hand-made op to a node: the one place that knows how an `Op` is called."""
    return op(x)


def make_op(name: str, bug: str) -> Op:
    forward, local = PRIMITIVES[name]
    wrong = BUGS[bug]
    return Op(f"{name}[{bug}]", forward=forward, local=lambda a, out: (wrong(a, local(a)),))


@dataclass(frozen=True)
class Shape:
    """One random function: which op makes each node, and where the slot op sits."""

    steps: tuple[tuple[int, int, int], ...]  # (kind 0 unary / 1 binary / 2 slot, op, arg)
    others: tuple[int, ...]  # the second argument of each binary step
    slot: str
    scale_inputs: bool  # inputs divided by the magnitude (family "scaled") or not ("offset")
    out_scale: float

    def build(self, bug: str, magnitude: float) -> Callable[..., Value]:
        op = make_op(self.slot, bug)

        def f(x: Value, y: Value) -> Value:
            k = 1.0 / magnitude if self.scale_inputs else 1.0
            nodes = [x * k, y * k]
            for (kind, which, arg), other in zip(self.steps, self.others):
                a = nodes[arg]
                if kind == 0:
                    nodes.append(UNARY[which](a))
                elif kind == 1:
                    nodes.append(BINARY[which](a, nodes[other]))
                else:
                    nodes.append(apply(op, a))
            return nodes[-1] * self.out_scale + nodes[-2]

        return f


def random_shape(rng: random.Random, scale_inputs: bool) -> Shape:
    n = rng.randint(2, 6)
    slot_at = rng.randrange(n)
    steps, others = [], []
    for k in range(n):
        available = 2 + k
        arg = rng.choice([available - 1, rng.randrange(available)])
        other = rng.randrange(available)
        kind = 2 if k == slot_at else rng.randrange(2)
        which = rng.randrange(len(UNARY) if kind == 0 else len(BINARY))
        steps.append((kind, which, arg))
        others.append(other)
    slot = rng.choice(sorted(PRIMITIVES))
    return Shape(tuple(steps), tuple(others), slot, scale_inputs, 10.0 ** rng.randint(-6, 6))


def gradient(f: Callable[..., Value], xs: list[float]) -> list[float] | None:
    try:
        leaves = [Value(x) for x in xs]
        out = f(*leaves)
        if not math.isfinite(out.data) or abs(out.data) > 1e200:
            return None
        out.backward()
    except (ArithmeticError, ValueError):
        return None
    grads = [v.grad for v in leaves]
    return grads if all(math.isfinite(g) for g in grads) else None


@dataclass
class Tally:
    """Rows of gradcheck for one kind of injected error, by effective error of the gradient.

    A wrong row is "seen" when the report's own ``rel tol`` is below its error: the check
    claims it can tell that error. Caught / seen measures whether that claim holds; the rows
    it did not claim to see are counted apart ("blind").
    """

    correct: int = 0  # rows whose gradient is right (no error, or the error not triggered)
    false_fails: int = 0
    wrong: int = 0  # rows off by >= 1% relative that the check claimed to see
    caught: int = 0
    blind: int = 0  # rows off by >= 1% where the report's rel tol was at least the error
    small: int = 0  # the same for rows off by 0.05% to 1%
    small_caught: int = 0
    small_blind: int = 0
    unchecked: int = 0  # rows reported "not checked" (f is rounding noise there)
    examples: list[str] = field(default_factory=list)


Check = Callable[..., Any]


def run(
    trials: int = TRIALS, seed: int = SEED, check: Check = gradcheck
) -> dict[tuple[str, float], Tally]:
    """Tally per (bug, rtol); the ``none`` rows are the smooth functions with correct ops."""
    rng = random.Random(seed)
    checks = [(bug, 1e-3) for bug in BUGS] + [("0.1%", 1e-4)]
    tallies = {key: Tally() for key in checks}
    for magnitude in MAGNITUDES:
        # Unscaled functions only up to 1: at x ~ 1e7 a function of scale 1 such as
        # sin(x * y) turns more than a radian per unit in the last place of x, and no
        # finite difference in float64 sees its derivative (see docs/testing.md).
        for scale_inputs in (True, False) if magnitude <= 1 else (True,):
            made = 0
            while made < trials:
                shape = random_shape(rng, scale_inputs)
                xs = [magnitude * rng.choice([-1, 1]) * rng.uniform(0.1, 3.0) for _ in range(2)]
                truth = gradient(shape.build("none", magnitude), xs)
                if truth is None or not all(truth):
                    continue  # overflow, or a gradient that is exactly 0: draw again
                made += 1
                for bug, rtol in checks:
                    f = shape.build(bug, magnitude)
                    report = check(f, xs, rtol=rtol)
                    _count(tallies[bug, rtol], report, truth, f"{bug} m={magnitude:g} {xs}")
    return tallies


def _count(tally: Tally, report: Any, truth: list[float], where: str) -> None:
    for entry, true in zip(report.entries, truth):
        if entry.status not in ("ok", "FAIL"):
            tally.unchecked += 1
            continue
        off = abs(entry.analytic - true) / abs(true)
        failed = entry.status == "FAIL"
        if off == 0:
            tally.correct += 1
            tally.false_fails += failed
            if failed:
                tally.examples.append(f"false fail: {where}")
        elif off >= 1e-2 and entry.relative_tolerance >= off:
            tally.blind += 1
        elif off >= 1e-2:
            tally.wrong += 1
            tally.caught += failed
            if not failed:
                tally.examples.append(f"missed {off:.1e}: {where}")
        elif off >= 5e-4 and entry.relative_tolerance >= off:
            tally.small_blind += 1
        elif off >= 5e-4:
            tally.small += 1
            tally.small_caught += failed


def table(tallies: dict[tuple[str, float], Tally]) -> str:
    """The markdown table in docs/testing.md."""

    def rate(k: int, n: int) -> str:
        return f"{k}/{n} ({100 * k / n:.1f}%)" if n else "-"

    lines = [
        "| injected error | rtol | right gradients failed | >= 1% off: caught of seen | blind "
        "| 0.05-1% off: caught of seen | blind | not checked |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (bug, rtol), t in tallies.items():
        lines.append(
            f"| {bug} | {rtol:g} | {rate(t.false_fails, t.correct)} | {rate(t.caught, t.wrong)} "
            f"| {t.blind} | {rate(t.small_caught, t.small)} | {t.small_blind} | {t.unchecked} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    result = run()
    print(table(result))
    for (bug, rtol), t in result.items():
        for line in t.examples[:5]:
            print(bug, rtol, line)
