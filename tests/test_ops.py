"""Every op: its value against `math` and its derivatives against central differences."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, atan2, clamp, dot, fmod, inline, vsum, where
from autograd_lite import ops as op_table
from tests.oracles import central_gradient, close


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


ANY = floats(-5, 5)
POSITIVE = floats(0.05, 5)
NONZERO = ANY.filter(lambda x: abs(x) > 0.05)
AWAY_FROM_ZERO = NONZERO

# (name, arity, Value function, float reference, strategy per argument)
CASES: list[tuple[str, Callable[..., Any], Callable[..., float], tuple[Any, ...]]] = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, (ANY, ANY)),
    ("radd", lambda a: 3 + a, lambda a: 3 + a, (ANY,)),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, (ANY, ANY)),
    ("rsub", lambda a: 3 - a, lambda a: 3 - a, (ANY,)),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, (ANY, ANY)),
    ("rmul", lambda a: 3 * a, lambda a: 3 * a, (ANY,)),
    ("div", lambda a, b: a / b, lambda a, b: a / b, (ANY, NONZERO)),
    ("rdiv", lambda a: 3 / a, lambda a: 3 / a, (NONZERO,)),
    ("neg", lambda a: -a, lambda a: -a, (ANY,)),
    ("pow2", lambda a: a**2, lambda a: a**2, (ANY,)),
    ("pow3", lambda a: a**3, lambda a: a**3, (ANY,)),
    ("pow-1", lambda a: a**-1, lambda a: a**-1, (NONZERO,)),
    ("pow0", lambda a: a**0, lambda a: a**0, (ANY,)),
    ("pow1", lambda a: a**1, lambda a: a**1, (ANY,)),
    ("pow1.5", lambda a: a**1.5, lambda a: a**1.5, (POSITIVE,)),
    ("pow_value", lambda a, b: a**b, lambda a, b: a**b, (POSITIVE, floats(-3, 3))),
    ("rpow", lambda a: 2**a, lambda a: 2**a, (ANY,)),
    ("exp", lambda a: a.exp(), math.exp, (ANY,)),
    ("log", lambda a: a.log(), math.log, (POSITIVE,)),
    ("sqrt", lambda a: a.sqrt(), math.sqrt, (POSITIVE,)),
    ("tanh", lambda a: a.tanh(), math.tanh, (ANY,)),
    ("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + math.exp(-a)), (ANY,)),
    ("relu", lambda a: a.relu(), lambda a: max(a, 0.0), (AWAY_FROM_ZERO,)),
    ("abs", lambda a: abs(a), abs, (AWAY_FROM_ZERO,)),
    ("sin", lambda a: a.sin(), math.sin, (ANY,)),
    ("cos", lambda a: a.cos(), math.cos, (ANY,)),
    ("max", lambda a, b: a.max(b), max, (ANY, ANY)),
    ("min", lambda a, b: a.min(b), min, (ANY, ANY)),
    ("rmax", lambda a: a.max(1.0), lambda a: max(a, 1.0), (ANY,)),
    ("vsum", lambda a, b, c: vsum([a, b, c, a]), lambda a, b, c: a + b + c + a, (ANY,) * 3),
    ("dot", lambda a, b, c: dot([a, b], [c, a]), lambda a, b, c: a * c + b * a, (ANY,) * 3),
    (
        "dot+bias",
        lambda a, b, c: dot([a, b], [c, 2.0], bias=c),
        lambda a, b, c: a * c + b * 2.0 + c,
        (ANY,) * 3,
    ),
]


def _gelu_tanh(x: float) -> float:
    return 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _away_from(points: Callable[[float], float], margin: float = 1e-3) -> Any:
    """Inputs at least ``margin`` from the nearest kink, ``points(x)`` giving that kink."""
    return ANY.filter(lambda x: abs(x - points(x)) > margin)


UNIT = floats(-0.95, 0.95)
BELOW_HALF_PI = floats(-1.4, 1.4)
AWAY_FROM_INTEGERS = _away_from(round)
AWAY_FROM_HALVES = _away_from(lambda x: math.floor(x) + 0.5)
AWAY_FROM_BOUNDS = _away_from(lambda x: -1.0 if x < 0 else 1.0)

# The op set of issue 15; `_remainder_away_from_jumps` keeps % and fmod off their jumps.
CASES += [
    ("tan", lambda a: a.tan(), math.tan, (BELOW_HALF_PI,)),
    ("sinh", lambda a: a.sinh(), math.sinh, (ANY,)),
    ("cosh", lambda a: a.cosh(), math.cosh, (ANY,)),
    ("asin", lambda a: a.asin(), math.asin, (UNIT,)),
    ("acos", lambda a: a.arccos(), math.acos, (UNIT,)),
    ("atan", lambda a: a.atan(), math.atan, (ANY,)),
    ("atan2", lambda a, b: atan2(a, b), math.atan2, (ANY, NONZERO)),
    ("asinh", lambda a: a.asinh(), math.asinh, (ANY,)),
    ("acosh", lambda a: a.acosh(), math.acosh, (floats(1.05, 5),)),
    ("atanh", lambda a: a.atanh(), math.atanh, (UNIT,)),
    ("log1p", lambda a: a.log1p(), math.log1p, (floats(-0.95, 5),)),
    ("expm1", lambda a: a.expm1(), math.expm1, (ANY,)),
    ("log2", lambda a: a.log2(), math.log2, (POSITIVE,)),
    ("log10", lambda a: a.log10(), math.log10, (POSITIVE,)),
    ("exp2", lambda a: a.exp2(), lambda a: 2.0**a, (ANY,)),
    ("erf", lambda a: a.erf(), math.erf, (ANY,)),
    ("sign", lambda a: a.sign(), lambda a: math.copysign(1.0, a), (NONZERO,)),
    ("floor", lambda a: a.floor(), lambda a: float(math.floor(a)), (AWAY_FROM_INTEGERS,)),
    ("ceil", lambda a: a.ceil(), lambda a: float(math.ceil(a)), (AWAY_FROM_INTEGERS,)),
    ("round", lambda a: a.round(), lambda a: float(round(a)), (AWAY_FROM_HALVES,)),
    ("mod", lambda a, b: a % b, lambda a, b: a % b, (ANY, NONZERO)),
    ("rmod", lambda a: 5.5 % a, lambda a: 5.5 % a, (NONZERO,)),
    ("fmod", lambda a, b: fmod(a, b), math.fmod, (ANY, NONZERO)),
    ("where_true", lambda a, b: where(True, a, b * b), lambda a, b: a, (ANY, ANY)),
    ("where_false", lambda a, b: where(a > 9, a, b * a), lambda a, b: b * a, (ANY, ANY)),
    ("clamp", lambda a: a.clamp(-1, 1), lambda a: min(max(a, -1.0), 1.0), (AWAY_FROM_BOUNDS,)),
    ("clamp_min", lambda a: clamp(a, 0.5), lambda a: max(a, 0.5), (_away_from(lambda x: 0.5),)),
    ("hardtanh", lambda a: a.hardtanh(), lambda a: min(max(a, -1.0), 1.0), (AWAY_FROM_BOUNDS,)),
    ("softplus", lambda a: a.softplus(), lambda a: math.log1p(math.exp(a)), (ANY,)),
    ("gelu", lambda a: a.gelu(), lambda a: a * (1 + math.erf(a / math.sqrt(2))) / 2, (ANY,)),
    ("gelu_tanh", lambda a: a.gelu("tanh"), _gelu_tanh, (ANY,)),
    ("elu", lambda a: a.elu(), lambda a: a if a > 0 else math.expm1(a), (NONZERO,)),
    ("elu2", lambda a: a.elu(2.0), lambda a: a if a > 0 else 2 * math.expm1(a), (NONZERO,)),
    (
        "leaky_relu",
        lambda a: a.leaky_relu(0.1),
        lambda a: a if a > 0 else 0.1 * a,
        (NONZERO,),
    ),
    ("silu", lambda a: a.silu(), lambda a: a / (1 + math.exp(-a)), (ANY,)),
    # smooth once; its second derivative jumps at 0 (-2 sign(x) / (1 + |x|)^3)
    ("softsign", lambda a: a.softsign(), lambda a: a / (1 + abs(a)), (NONZERO,)),
]


def smooth_here(name: str, xs: list[float], margin: float = 1e-3) -> bool:
    """Whether a case is differentiable in a neighbourhood of ``xs`` (two-input kinks)."""
    if name in ("max", "min"):
        return abs(xs[0] - xs[1]) > margin
    if name == "rmax":
        return abs(xs[0] - 1.0) > margin
    if name == "atan2":  # the branch cut: the negative x axis
        return xs[1] > 0 or abs(xs[0]) > margin
    if name in ("mod", "fmod", "rmod"):
        a, b = (5.5, xs[0]) if name == "rmod" else xs
        q = a / b
        return abs(q - round(q)) > margin * max(1.0, abs(q))
    return True


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@given(data=st.data())
def test_value_and_gradient_match_math_and_central_differences(
    case: tuple[str, Callable[..., Any], Callable[..., float], tuple[Any, ...]], data: st.DataObject
) -> None:
    name, on_values, on_floats, strategies = case
    xs = [data.draw(s, label=f"x{i}") for i, s in enumerate(strategies)]
    assume(smooth_here(name, xs))
    inputs = [Value(x) for x in xs]
    out = on_values(*inputs)
    expected = on_floats(*xs)
    assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-12), f"{name} at {xs}"
    out.backward()
    numeric = central_gradient(on_floats, xs)
    for i, (v, n) in enumerate(zip(inputs, numeric)):
        assert close(v.grad, n), f"{name}: d/dx{i} analytic {v.grad} vs numeric {n} at {xs}"


def test_every_table_entry_is_exercised_by_the_cases() -> None:
    names = {op.name for op in op_table.ALL}
    exercised = set()
    for _, on_values, _, strategies in CASES:
        try:
            out = on_values(*(Value(0.7 + 0.1 * i) for i in range(len(strategies))))
        except ValueError:  # outside the op's domain (acosh): further right
            out = on_values(*(Value(1.7 + 0.1 * i) for i in range(len(strategies))))
        stack = [out]
        while stack:
            node = stack.pop()
            exercised.add(node._op)
            stack.extend(node._prev)
    assert names <= exercised, f"ops without a test case: {names - exercised}"


@pytest.mark.parametrize(
    ("make", "at", "value", "grad"),
    [
        (lambda x: x.relu(), 0.0, 0.0, 0.0),
        (lambda x: abs(x), 0.0, 0.0, 0.0),
        (lambda x: x.sqrt(), 0.0, 0.0, math.inf),
        (lambda x: x**0.5, 0.0, 0.0, math.inf),
        (lambda x: x**0, 0.0, 1.0, 0.0),
        (lambda x: x.sigmoid(), -800.0, 0.0, 0.0),
        (lambda x: x.sigmoid(), 800.0, 1.0, 0.0),
        (lambda x: x.tanh(), 400.0, 1.0, 0.0),
        (lambda x: x.tanh(), -400.0, -1.0, 0.0),
        (lambda x: x.exp(), 1000.0, math.inf, math.inf),
        (lambda x: x**2, -3.0, 9.0, -6.0),
        (lambda x: x**3, -2.0, -8.0, 12.0),
    ],
    ids=[
        "relu0",
        "abs0",
        "sqrt0",
        "pow_half0",
        "pow0",
        "sigmoid-800",
        "sigmoid800",
        "tanh400",
        "tanh-400",
        "exp-overflow",
        "square-negative",
        "cube-negative",
    ],
)
def test_edges_follow_ieee_and_pytorch(
    make: Callable[[Value], Value], at: float, value: float, grad: float
) -> None:
    x = Value(at)
    y = make(x)
    y.backward()
    assert y.data == value
    assert x.grad == grad


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_split_a_tie_evenly_like_pytorch(op: str) -> None:
    a, b = Value(2.0), Value(2.0)
    getattr(a, op)(b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)


def test_max_gate_routes_the_gradient_to_the_larger_input() -> None:
    a, b = Value(3.0), Value(-1.0)
    m = a.max(b) * 2
    m.backward()
    assert (a.grad, b.grad) == (2.0, 0.0)


def test_value_exponent_zero_at_zero_base_has_zero_gradients_like_pytorch() -> None:
    x, y = Value(0.0), Value(0.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad, y.grad) == (1.0, 0.0, 0.0)


def test_value_exponent_at_zero_base_has_zero_exponent_gradient() -> None:
    x, y = Value(0.0), Value(2.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad, y.grad) == (0.0, 0.0, 0.0)


# -- the inline form (what `compile` pastes into a replay) equals the functions, bit for bit ---

SPECIAL = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0, -1.0])
NAMESPACE = vars(op_table)


def _arity(op: Any, data: st.DataObject | None = None) -> int:
    """How many inputs to give ``op``: its parameters, or a drawn count for a fused op."""
    if op is op_table.SUM:
        return data.draw(st.integers(1, 5), label="terms") if data else 3
    if op in (op_table.DOT, op_table.AFFINE):
        n = data.draw(st.integers(1, 4), label="pairs") if data else 2
        return 2 * n + (op is op_table.AFFINE)
    return op.forward.__code__.co_argcount  # type: ignore[no-any-return]


def _inlined(op: Any) -> bool:
    names = [f"v{i}" for i in range(_arity(op))]
    forward = inline.expression(op.forward, names, NAMESPACE)
    return forward is not None and inline.items(op.local, [*names, "out"], NAMESPACE) is not None


INLINED = [op for op in op_table.ALL if _inlined(op)]


def _same_float(a: float, b: float) -> bool:
    """Equal as IEEE values: nan matches nan, and 0.0 does not match -0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def _outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # the same error type, whichever form raised it
        return type(exc)


def test_the_ops_compile_relies_on_are_pasted_in() -> None:
    names = {op.name for op in INLINED}
    assert {
        "+",
        "-",
        "*",
        "neg",
        "relu",
        "abs",
        "tanh",
        "exp",
        "sin",
        "cos",
        "dot",
        "dot+b",
    } <= names
    # several statements, math.fsum or a closure: called, not pasted
    assert {"/", "log", "sqrt", "sigmoid", "**", "sum"}.isdisjoint(names)


@pytest.mark.parametrize("op", INLINED, ids=[op.name for op in INLINED])
@given(data=st.data())
def test_inline_source_gives_the_functions_floats_exactly(op: Any, data: st.DataObject) -> None:
    n = _arity(op, data)
    xs = data.draw(st.lists(SPECIAL, min_size=n, max_size=n))
    names = [f"v{i}" for i in range(len(xs))]
    value_src = inline.expression(op.forward, names, NAMESPACE)
    local_srcs = inline.items(op.local, [*names, "out"], NAMESPACE)
    assert value_src is not None and local_srcs is not None
    scope = {**NAMESPACE, **dict(zip(names, xs))}
    got = _outcome(lambda: eval(value_src, scope))
    expected = _outcome(lambda: op.forward(*xs))
    if isinstance(expected, type):
        assert got is expected
        return
    assert isinstance(got, float) and _same_float(got, expected)
    scope["out"] = expected
    got_locals = [_outcome(lambda s=s: float(eval(s, scope))) for s in local_srcs]
    expected_locals = _outcome(lambda: op.local(*xs, expected))
    if isinstance(expected_locals, type):
        assert expected_locals in got_locals
        return
    assert len(got_locals) == len(expected_locals) == len(xs)
    for g, e in zip(got_locals, expected_locals):
        assert _same_float(g, float(e))


def test_a_derivative_that_only_chooses_constants_builds_no_tuple_per_node() -> None:
    relu, abs_ = op_table.RELU.local, op_table.ABS.local
    assert relu(2.0, 2.0) == (1.0,) and relu(-2.0, 0.0) == (0.0,)
    assert relu(2.0, 2.0) is relu(3.0, 3.0)  # one constant tuple, shared
    assert (abs_(-2.0, 2.0), abs_(0.0, 0.0), abs_(5.0, 5.0)) == ((-1.0,), (0.0,), (1.0,))
    assert op_table.TANH.local(0.5, 0.25) == (1 - 0.25 * 0.25,)  # computed ones still are


# -- the README's op table lists the whole table, with names that exist ------------------------


def _readme_op_column() -> list[str]:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = text.split("| op | derivative |", 1)[1].split("\n\n", 1)[0]
    return [row.split("|")[1] for row in table.splitlines()[2:]]


# op names spelled differently in the README's first column
_README_SPELLING = {"neg": "-a", "**": "x ** y", "sum": "vsum", "dot+b": "bias", "%": "a % b"}
_README_SPELLING |= {"gelu_tanh": 'gelu("tanh")', "+": "a + b", "-": "a - b", "*": "a * b"}
_README_SPELLING |= {"/": "a / b"}


def test_the_readme_op_table_lists_every_op_of_the_table() -> None:
    column = " ".join(_readme_op_column())
    names = [op.name for op in op_table.ALL]
    names += ["clamp", "hardtanh", "leaky_relu", "elu"]  # one entry per constant

    def listed(name: str) -> bool:  # as a word: "cosh" is not listed by "acosh"
        spelled = re.escape(_README_SPELLING.get(name, name))
        return re.search(rf"(?<![\w]){spelled}(?![\w])", column) is not None

    missing = [n for n in names if not listed(n)]
    assert not missing, f"README's op table lacks {missing}"


def test_every_name_in_the_readme_op_table_exists() -> None:
    import autograd_lite

    for cell in _readme_op_column():
        for code in re.findall(r"`([^`]*)`", cell):
            for name in re.findall(r"(?:^|[ .])([a-z][a-z0-9_]+)\(?", code):
                if name in ("alpha", "negative_slope", "min_val", "max_val", "cond", "bias"):
                    continue
                known = (hasattr(Value, n) for n in (name, f"__{name}__"))
                assert any(known) or hasattr(autograd_lite, name), (name, cell)
