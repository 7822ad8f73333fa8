"""hypothesis strategies for property-based gradient tests: values and random expression DAGs.

Needs hypothesis (``pip install "autograd-lite[test]"``). Importing this module also registers a
derandomized ``ci`` hypothesis profile with ``deadline=None`` (unless one is already registered).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ..engine import Value
from ..fused import dot, vsum

__all__ = ["values", "expressions", "Expression", "ALL_OPS", "SMOOTH_OPS", "KINK_OPS"]


# -- the building blocks of an expression ----------------------------------------------------


def _vsum(*xs: Any) -> Any:
    return vsum(xs) if any(isinstance(x, Value) for x in xs) else xs[0] + xs[1] + xs[2]


def _dot(a: Any, b: Any, c: Any, d: Any) -> Any:
    return dot([a, b], [c, d]) if any(isinstance(x, Value) for x in (a, b, c, d)) else a * c + b * d


def _affine(a: Any, b: Any, c: Any) -> Any:
    return dot([a], [b], c) if any(isinstance(x, Value) for x in (a, b, c)) else a * b + c


def _safe_pow_bound(a: float, b: float) -> float:
    base = a * a + 0.5  # in [0.5, a^2 + 0.5], so base ** y is largest at an end
    try:
        return float(max(base**b, 0.5**-b))
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class _Block:
    """One op as it appears in an expression: always inside its domain, for any real inputs.

    ``on_values`` uses only operators and `Value` methods (so it also runs on torch tensors),
    ``on_floats`` is plain ``math`` (an independent reference), ``bound`` maps bounds on the
    arguments' magnitudes to a bound on the result's, and ``inner`` bounds the guard's own
    nodes (``b**2 + 0.5`` can exceed the result).
    """

    arity: int
    template: str
    on_values: Callable[..., Any]
    on_floats: Callable[..., float]
    bound: Callable[..., float]
    inner: Callable[..., float] | None = None

    def peak(self, *bounds: float) -> float:
        """A bound on every node the block makes, from bounds on its arguments."""
        out = self.bound(*bounds)
        return out if self.inner is None else max(out, self.inner(*bounds))


def _exp_bound(a: float) -> float:
    return math.exp(a) if a < 700 else math.inf


# Ordered from simplest: hypothesis shrinks a choice towards the first entry.
# log, sqrt, / and ** get a guard a**2 + c (c > 0), so their argument is positive for any input.
_BLOCKS: dict[str, _Block] = {
    "add": _Block(2, "{0} + {1}", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b),
    "sub": _Block(2, "{0} - {1}", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a + b),
    "mul": _Block(2, "{0} * {1}", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b),
    "neg": _Block(1, "-{0}", lambda a: -a, lambda a: -a, lambda a: a),
    "square": _Block(1, "{0} ** 2", lambda a: a**2, lambda a: a**2, lambda a: a * a),
    "cube": _Block(1, "{0} ** 3", lambda a: a**3, lambda a: a**3, lambda a: a**3),
    "div": _Block(
        2,
        "{0} / ({1} ** 2 + 0.5)",
        lambda a, b: a / (b**2 + 0.5),
        lambda a, b: a / (b**2 + 0.5),
        lambda a, b: a / 0.5,
        lambda a, b: b * b + 0.5,
    ),
    "exp": _Block(1, "{0}.exp()", lambda a: a.exp(), math.exp, _exp_bound),
    "log": _Block(
        1,
        "({0} ** 2 + 0.5).log()",
        lambda a: (a**2 + 0.5).log(),
        lambda a: math.log(a**2 + 0.5),
        lambda a: max(math.log(a * a + 0.5), math.log(2.0)),
        lambda a: a * a + 0.5,
    ),
    "sqrt": _Block(
        1,
        "({0} ** 2 + 0.25).sqrt()",
        lambda a: (a**2 + 0.25).sqrt(),
        lambda a: math.sqrt(a**2 + 0.25),
        lambda a: math.sqrt(a * a + 0.25),
        lambda a: a * a + 0.25,
    ),
    "pow": _Block(
        2,
        "({0} ** 2 + 0.5) ** {1}",
        lambda a, b: (a**2 + 0.5) ** b,
        lambda a, b: (a**2 + 0.5) ** b,
        _safe_pow_bound,
        lambda a, b: a * a + 0.5,
    ),
    "tanh": _Block(1, "{0}.tanh()", lambda a: a.tanh(), math.tanh, lambda a: 1.0),
    "sigmoid": _Block(
        1, "{0}.sigmoid()", lambda a: a.sigmoid(), lambda a: 1 / (1 + math.exp(-a)), lambda a: 1.0
    ),
    "sin": _Block(1, "{0}.sin()", lambda a: a.sin(), math.sin, lambda a: 1.0),
    "cos": _Block(1, "{0}.cos()", lambda a: a.cos(), math.cos, lambda a: 1.0),
    "sum": _Block(3, "vsum([{0}, {1}, {2}])", _vsum, lambda a, b, c: a + b + c, _vsum),
    "dot": _Block(4, "dot([{0}, {1}], [{2}, {3}])", _dot, lambda a, b, c, d: a * c + b * d, _dot),
    "affine": _Block(3, "dot([{0}], [{1}], {2})", _affine, lambda a, b, c: a * b + c, _affine),
    "relu": _Block(1, "{0}.relu()", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: a),
    "abs": _Block(1, "abs({0})", abs, abs, lambda a: a),
    "max": _Block(2, "{0}.max({1})", lambda a, b: a.max(b), max, max),
    "min": _Block(2, "{0}.min({1})", lambda a, b: a.min(b), min, max),
}

KINK_OPS: tuple[str, ...] = ("relu", "abs", "max", "min")
"""Blocks with a non-differentiable point (gradcheck reports inputs there separately)."""
SMOOTH_OPS: tuple[str, ...] = tuple(name for name in _BLOCKS if name not in KINK_OPS)
"""Blocks that are differentiable everywhere."""
ALL_OPS: tuple[str, ...] = tuple(_BLOCKS)
"""Every block `expressions` can draw."""


# -- the drawn object ------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A random expression DAG: a callable on `Value` s (or tensors) and on plain floats.

    ``nodes[k] = (op, args)`` computes node ``n_inputs + k`` from earlier nodes (inputs are
    ``0 .. n_inputs - 1``); the last node is the result. ``repr`` is a Python lambda you can paste
    (shared sub-expressions are bound once with ``:=``; it needs ``vsum`` and ``dot`` from
    ``autograd_lite`` in scope).

    Example:
        >>> e = Expression(2, (("mul", (0, 1)), ("add", (2, 2))))
        >>> e
        lambda x0, x1: (t2 := x0 * x1) + t2
        >>> e(Value(2.0), Value(3.0)).data, e(2.0, 3.0)
        (12.0, 12.0)
    """

    n_inputs: int
    nodes: tuple[tuple[str, tuple[int, ...]], ...]

    def __call__(self, *inputs: Any) -> Any:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        plain = all(isinstance(x, numbers.Real) for x in inputs)
        results: list[Any] = [float(x) for x in inputs] if plain else list(inputs)
        for op, args in self.nodes:
            block = _BLOCKS[op]
            fn = block.on_floats if plain else block.on_values
            results.append(fn(*(results[a] for a in args)))
        return results[-1]

    @property
    def ops(self) -> frozenset[str]:
        """The names of the blocks used."""
        return frozenset(op for op, _ in self.nodes)

    @property
    def depth(self) -> int:
        """The longest path from an input to the result, counted in blocks."""
        depths = [0] * self.n_inputs
        for _, args in self.nodes:
            depths.append(1 + max(depths[a] for a in args))
        return depths[-1]

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        uses = [0] * (self.n_inputs + len(self.nodes))
        for _, args in self.nodes:
            for a in args:
                uses[a] += 1
        texts: dict[int, str] = {i: f"x{i}" for i in range(self.n_inputs)}

        def emit(k: int) -> tuple[str, bool]:
            # (text, atomic). Emitted in Python's left-to-right evaluation order, so the first
            # occurrence of a shared node is the one that binds its name.
            if k in texts:
                return texts[k], True
            op, args = self.nodes[k - self.n_inputs]
            parts = []
            for a in args:
                text, atomic = emit(a)
                parts.append(text if atomic else f"({text})")
            template = _BLOCKS[op].template
            body = template.format(*parts)
            if uses[k] > 1:
                texts[k] = f"t{k}"
                return f"(t{k} := {body})", True
            return body, _is_call(template)

        names = ", ".join(f"x{i}" for i in range(self.n_inputs))
        root = self.n_inputs + len(self.nodes) - 1
        return f"lambda {names}: {emit(root)[0]}"

    __str__ = __repr__


def _is_call(template: str) -> bool:
    """Whether the text is a call (binds tighter than any operator, so needs no parentheses)."""
    calls = template.endswith("()") or template.endswith((".max({1})", ".min({1})"))
    return calls or template.startswith(("vsum(", "dot(", "abs("))


def _prune(n_inputs: int, nodes: list[tuple[str, tuple[int, ...]]]) -> Expression:
    """Keep only the nodes the result depends on, renumbered in order."""
    needed = {n_inputs + len(nodes) - 1}
    for k in range(n_inputs + len(nodes) - 1, n_inputs - 1, -1):
        if k in needed:
            needed.update(nodes[k - n_inputs][1])
    new_index = {i: i for i in range(n_inputs)}
    kept: list[tuple[str, tuple[int, ...]]] = []
    for k in range(n_inputs, n_inputs + len(nodes)):
        if k in needed:
            op, args = nodes[k - n_inputs]
            new_index[k] = n_inputs + len(kept)
            kept.append((op, tuple(new_index[a] for a in args)))
    return Expression(n_inputs, tuple(kept))


# -- the strategies --------------------------------------------------------------------------


def values(
    min_value: float = -3.0, max_value: float = 3.0, *, label: str = ""
) -> st.SearchStrategy[Value]:
    """Leaf `Value` s with finite data in ``[min_value, max_value]``.

    Example:
        >>> from hypothesis import find, settings
        >>> v = find(values(0.5, 1.0), lambda v: v.data > 0.75, settings=settings(database=None))
        >>> isinstance(v, Value) and 0.75 < v.data <= 1.0
        True
    """
    floats = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return floats.map(lambda x: Value(x, label=label))


def _check_ops(ops: Iterable[str], input_bound: float, max_magnitude: float) -> tuple[str, ...]:
    chosen = tuple(ops)
    unknown = [op for op in chosen if op not in _BLOCKS]
    if not chosen or unknown:
        raise InvalidArgument(f"expressions(ops=...): unknown {unknown}; choose from {ALL_OPS}")
    for op in chosen:
        block = _BLOCKS[op]
        if block.peak(*(input_bound,) * block.arity) > max_magnitude:
            raise InvalidArgument(
                f"expressions(): {op!r} on inputs in [-{input_bound:g}, {input_bound:g}] can "
                f"exceed max_magnitude={max_magnitude:g}; lower input_bound or raise the limit"
            )
    return chosen


def expressions(
    n_inputs: int,
    ops: Iterable[str] = ALL_OPS,
    max_depth: int = 4,
    shared: bool = True,
    *,
    max_nodes: int = 10,
    input_bound: float = 3.0,
    max_magnitude: float = 1e3,
) -> st.SearchStrategy[Expression]:
    """Random expression DAGs of ``n_inputs`` inputs, inside every op's domain.

    Every ``log``/``sqrt`` argument and ``**`` base is ``a**2 + c`` with ``c > 0`` and every
    divisor is ``b**2 + 0.5``, so the expression is defined for any real inputs; for inputs in
    ``[-input_bound, input_bound]`` every node's magnitude stays below ``max_magnitude`` (worst
    case bounds are tracked while drawing). Failing examples shrink to few nodes, simple ops and
    inputs as arguments.

    Args:
        n_inputs: how many inputs (``x0``, ``x1``, ...) the expression takes.
        ops: the block names to draw from (`ALL_OPS`, `SMOOTH_OPS`, or a subset).
        max_depth: the longest input-to-result path, in blocks.
        shared: let a sub-expression feed several later nodes (``a*a``, diamonds), where
            gradient-accumulation bugs live; ``False`` draws trees over the inputs.
        max_nodes: the most blocks drawn (unused ones are dropped).
        input_bound: the inputs' range the magnitude bound assumes.
        max_magnitude: the largest magnitude any node may reach on such inputs.

    Example:
        >>> from hypothesis import find, settings
        >>> quick = settings(database=None, derandomize=True)
        >>> find(expressions(2, ops=["mul", "exp"]), lambda e: len(e) >= 2, settings=quick)
        lambda x0, x1: (t2 := x1 * x1) * t2
    """
    if not isinstance(n_inputs, int) or n_inputs < 1:
        raise InvalidArgument(f"expressions(): n_inputs must be an int >= 1, got {n_inputs!r}")
    if max_depth < 1 or max_nodes < 1:
        raise InvalidArgument("expressions(): max_depth and max_nodes must be >= 1")
    chosen = _check_ops(ops, input_bound, max_magnitude)

    @st.composite
    def draw_expression(draw: st.DrawFn) -> Expression:
        bounds = [input_bound] * n_inputs
        depths = [0] * n_inputs
        unused = list(range(n_inputs))  # for trees: the nodes not consumed yet (and the inputs)
        nodes: list[tuple[str, tuple[int, ...]]] = []
        for _ in range(draw(st.integers(1, max_nodes), label="n_nodes")):
            op = draw(st.sampled_from(chosen), label="op")
            block = _BLOCKS[op]
            args: list[int] = []
            for _ in range(block.arity):
                # Most recent first, so small choices make deep chains.
                pool = list(range(len(bounds) - 1, -1, -1)) if shared else unused[::-1]
                if not shared:
                    pool = [k for k in pool if k < n_inputs or k not in args]
                args.append(pool[draw(st.integers(0, len(pool) - 1), label="arg")])
                if not shared and args[-1] >= n_inputs:
                    unused.remove(args[-1])
            peak = block.peak(*(bounds[a] for a in args))
            depth = 1 + max(depths[a] for a in args)
            if not peak <= max_magnitude or depth > max_depth:
                # Too big or too deep: apply the op to inputs instead (always within limits).
                args = [a % n_inputs for a in args]
                depth = 1
            nodes.append((op, tuple(args)))
            bounds.append(block.bound(*(bounds[a] for a in args)))
            depths.append(depth)
            unused.append(len(bounds) - 1)
        return _prune(n_inputs, nodes)

    return draw_expression()


def _register_ci_profile() -> None:
    try:
        settings.get_profile("ci")
    except InvalidArgument:
        settings.register_profile(
            "ci",
            derandomize=True,
            deadline=None,
            max_examples=200,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )


_register_ci_profile()
