"""hypothesis strategies for the engine's own tests: random expression DAGs with reuse.

A program is a list of instructions; instruction k makes node n+k from earlier nodes (any of
them, so sub-expressions are shared). The same program runs on `Value`s and on plain floats
with `math` (the independent reference).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from autograd_lite import Value, dot, vsum

# name -> (arity, Value version, float version). Smooth ops only: the oracle is finite differences.
OPS: dict[str, tuple[int, Callable[..., Any], Callable[..., float]]] = {
    "add": (2, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b, lambda a, b: a * b),
    "div": (2, lambda a, b: a / b, lambda a, b: a / b),
    "radd": (1, lambda a: 1.5 + a, lambda a: 1.5 + a),
    "rmul": (1, lambda a: a * -0.7, lambda a: a * -0.7),
    "rsub": (1, lambda a: 2.0 - a, lambda a: 2.0 - a),
    "rdiv": (1, lambda a: 1.0 / a, lambda a: 1.0 / a),
    "neg": (1, lambda a: -a, lambda a: -a),
    "square": (1, lambda a: a**2, lambda a: a**2),
    "cube": (1, lambda a: a**3, lambda a: a**3),
    "pow_half": (1, lambda a: a**0.5, lambda a: a**0.5),
    "pow_value": (2, lambda a, b: a**b, lambda a, b: a**b),
    "exp2": (1, lambda a: 2**a, lambda a: 2**a),
    "exp": (1, lambda a: a.exp(), math.exp),
    "log": (1, lambda a: a.log(), math.log),
    "sqrt": (1, lambda a: a.sqrt(), math.sqrt),
    "tanh": (1, lambda a: a.tanh(), math.tanh),
    "sigmoid": (1, lambda a: a.sigmoid(), lambda a: 1 / (1 + math.exp(-a))),
    "sin": (1, lambda a: a.sin(), math.sin),
    "cos": (1, lambda a: a.cos(), math.cos),
    "relu": (1, lambda a: a.relu(), lambda a: max(a, 0.0)),
    "abs": (1, lambda a: abs(a), abs),
    "max": (2, lambda a, b: a.max(b), max),
    "min": (2, lambda a, b: a.min(b), min),
    "sinh": (1, lambda a: a.sinh(), math.sinh),
    "cosh": (1, lambda a: a.cosh(), math.cosh),
    "asin": (1, lambda a: a.asin(), math.asin),
    "atan": (1, lambda a: a.atan(), math.atan),
    "asinh": (1, lambda a: a.asinh(), math.asinh),
    "log1p": (1, lambda a: a.log1p(), math.log1p),
    "expm1": (1, lambda a: a.expm1(), math.expm1),
    "erf": (1, lambda a: a.erf(), math.erf),
    "softplus": (1, lambda a: a.softplus(), lambda a: math.log1p(math.exp(a))),
    "gelu": (1, lambda a: a.gelu(), lambda a: a * (1 + math.erf(a / math.sqrt(2))) / 2),
    "silu": (1, lambda a: a.silu(), lambda a: a / (1 + math.exp(-a))),
    # Fused n-ary nodes; "affine" reads its first input twice (a shared parent of one node).
    "vsum": (3, lambda a, b, c: vsum([a, b, c]), lambda a, b, c: math.fsum([a, b, c])),
    "affine": (3, lambda a, b, c: dot([a, b], [c, a], b), lambda a, b, c: a * c + b * a + b),
}

Program = list[tuple[str, tuple[int, ...]]]


@st.composite
def programs(draw: st.DrawFn, n_inputs: int, max_ops: int = 12) -> Program:
    """A random DAG: each instruction reads any earlier node (inputs included)."""
    program: Program = []
    n_ops = draw(st.integers(1, max_ops))
    for k in range(n_ops):
        available = n_inputs + k
        name = draw(st.sampled_from(sorted(OPS)))
        arity = OPS[name][0]
        # Lean towards recent nodes so graphs get deep, but allow any earlier node (sharing).
        args = tuple(
            draw(st.one_of(st.just(available - 1), st.integers(0, available - 1)))
            for _ in range(arity)
        )
        program.append((name, args))
    return program


def run(program: Program, inputs: Sequence[Any], values: bool) -> Any:
    """Evaluate the program; `values` picks the Value or the float version of each op."""
    nodes = list(inputs)
    for name, args in program:
        _, on_values, on_floats = OPS[name]
        fn = on_values if values else on_floats
        nodes.append(fn(*(nodes[a] for a in args)))
    return nodes[-1]


def node_values(program: Program, inputs: Sequence[float]) -> list[float]:
    """The float value of every node, inputs first."""
    nodes = list(inputs)
    for name, args in program:
        nodes.append(OPS[name][2](*(nodes[a] for a in args)))
    return nodes


def run_exact(program: Program, inputs: Sequence[Any]) -> Any:
    """Evaluate the program on mpmath numbers (an exact reference at mpmath's precision).

    The float versions call `math`, which would round to float64; here those ops use
    mpmath's own functions, and the rest are plain arithmetic that works on mpf.
    """
    import mpmath  # the test extra; only the exact-reference tests need it

    exact: dict[str, Callable[..., Any]] = {
        "exp": mpmath.exp,
        "log": mpmath.log,
        "sqrt": mpmath.sqrt,
        "tanh": mpmath.tanh,
        "sigmoid": lambda a: 1 / (1 + mpmath.exp(-a)),
        "sin": mpmath.sin,
        "cos": mpmath.cos,
        "vsum": lambda a, b, c: a + b + c,
        "sinh": mpmath.sinh,
        "cosh": mpmath.cosh,
        "asin": mpmath.asin,
        "atan": mpmath.atan,
        "asinh": mpmath.asinh,
        "log1p": mpmath.log1p,
        "expm1": mpmath.expm1,
        "erf": mpmath.erf,
        "softplus": lambda a: mpmath.log1p(mpmath.exp(a)),
        "gelu": lambda a: a * (1 + mpmath.erf(a / mpmath.sqrt(2))) / 2,
        "silu": lambda a: a / (1 + mpmath.exp(-a)),
    }
    nodes = list(inputs)
    for name, args in program:
        fn = exact.get(name, OPS[name][2])
        nodes.append(fn(*(nodes[a] for a in args)))
    return nodes[-1]


def smooth_and_in_domain(program: Program, inputs: Sequence[float], margin: float = 1e-2) -> bool:
    """True when every op is well inside its domain and away from kinks at these inputs.

    Finite differences need a neighbourhood where the function is smooth and moderate.
    """
    nodes = list(inputs)
    try:
        for name, args in program:
            xs = [nodes[a] for a in args]
            if name in ("log", "sqrt", "pow_half") and xs[0] < margin:
                return False
            if name == "pow_value" and (xs[0] < margin or abs(xs[1]) > 4):
                return False
            if name in ("div", "rdiv") and abs(xs[-1]) < margin:
                return False
            if name in ("relu", "abs") and abs(xs[0]) < margin:
                return False
            if name in ("max", "min") and abs(xs[0] - xs[1]) < margin:
                return False
            if name == "asin" and abs(xs[0]) > 1 - margin:
                return False
            if name == "log1p" and xs[0] < margin - 1:
                return False
            if name in ("exp", "exp2", "expm1") and xs[0] > 20:
                return False
            if name in ("sinh", "cosh", "softplus", "silu") and abs(xs[0]) > 20:
                return False
            out = OPS[name][2](*xs)
            if not math.isfinite(out) or abs(out) > 1e4:
                return False
            nodes.append(out)
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
    return True


def inputs(n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(st.floats(-3, 3, allow_nan=False, allow_infinity=False), min_size=n, max_size=n)


def as_values(xs: Sequence[float]) -> list[Value]:
    return [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
