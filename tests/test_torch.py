"""Every op, every edge case and random graphs against PyTorch float64 via compare_with_torch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, dot, vsum
from autograd_lite import ops as op_table
from autograd_lite.testing import compare_with_torch
from autograd_lite.testing.strategies import Expression, expressions
from tests.test_ops import CASES as OP_CASES
from tests.test_ops import smooth_here
from tests.test_ops_modes import _torch_cases as torch_cases

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


ANY = floats(-5, 5)
POSITIVE = floats(0.05, 5)
NONZERO = ANY.filter(lambda x: abs(x) > 0.05)

# (name, the function, its torch version when the function is not tensor-ready, strategies)
CASES: list[tuple[str, Callable[..., Any], Callable[..., Any] | None, tuple[Any, ...]]] = [
    ("add", lambda a, b: a + b, None, (ANY, ANY)),
    ("radd", lambda a: 2.5 + a, None, (ANY,)),
    ("sub", lambda a, b: a - b, None, (ANY, ANY)),
    ("rsub", lambda a: 2.5 - a, None, (ANY,)),
    ("mul", lambda a, b: a * b, None, (ANY, ANY)),
    ("div", lambda a, b: a / b, None, (ANY, NONZERO)),
    ("rdiv", lambda a: 3 / a, None, (NONZERO,)),
    ("neg", lambda a: -a, None, (ANY,)),
    ("pow_value", lambda a, b: a**b, None, (POSITIVE, floats(-3, 3))),
    ("rpow", lambda a: 2**a, None, (ANY,)),
    ("exp", lambda a: a.exp(), None, (ANY,)),
    ("log", lambda a: a.log(), None, (POSITIVE,)),
    ("sqrt", lambda a: a.sqrt(), None, (POSITIVE,)),
    ("tanh", lambda a: a.tanh(), None, (ANY,)),
    ("sigmoid", lambda a: a.sigmoid(), None, (floats(-40, 40),)),
    ("sin", lambda a: a.sin(), None, (ANY,)),
    ("cos", lambda a: a.cos(), None, (ANY,)),
    ("relu", lambda a: a.relu(), None, (ANY,)),
    ("abs", lambda a: abs(a), None, (ANY,)),
    ("max", lambda a, b: a.max(b), None, (ANY, ANY)),
    ("min", lambda a, b: a.min(b), None, (ANY, ANY)),
    ("sum", lambda a, b, c: vsum([a, b, c, a]), lambda a, b, c: a + b + c + a, (ANY,) * 3),
    ("dot", lambda a, b, c: dot([a, b], [c, a]), lambda a, b, c: a * c + b * a, (ANY,) * 3),
    (
        "affine",
        lambda a, b, c: dot([a, b], [c, 2.0], bias=c),
        lambda a, b, c: a * c + b * 2.0 + c,
        (ANY,) * 3,
    ),
]
POWERS = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 7.0]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@given(data=st.data())
def test_every_op_matches_pytorch_float64(case: Any, data: st.DataObject) -> None:
    name, fn, torch_fn, strategies = case
    xs = [data.draw(s, label=f"x{i}") for i, s in enumerate(strategies)]
    cmp = compare_with_torch(fn, xs, torch_fn=torch_fn)
    assert cmp.passed, f"{name} at {xs}\n{cmp}"


@pytest.mark.parametrize("k", POWERS)
@given(x=ANY)
def test_every_power_matches_pytorch_float64(k: float, x: float) -> None:
    assume(x != 0 or k >= 0)
    if not k.is_integer():
        x = abs(x)
    cmp = compare_with_torch(lambda a: a**k, [x])
    assert cmp.passed, f"x ** {k} at {x}\n{cmp}"


# The op set of issue 15, with the tensor spellings tests/test_ops_modes.py checks to second order.
NEW_CASES = [case for case in OP_CASES if case[0] not in {c[0] for c in CASES}]


@pytest.mark.parametrize("case", NEW_CASES, ids=[c[0] for c in NEW_CASES])
@given(data=st.data())
def test_every_new_op_matches_pytorch_float64_through_compare_with_torch(
    case: Any, data: st.DataObject
) -> None:
    name, fn, _, strategies = case
    xs = [data.draw(s, label=f"x{i}") for i, s in enumerate(strategies)]
    assume(smooth_here(name, xs))
    cmp = compare_with_torch(fn, xs, torch_fn=torch_cases()[name])
    assert cmp.passed, f"{name} at {xs}\n{cmp}"


def test_the_cases_cover_every_table_entry() -> None:
    names = {op.name for op in op_table.ALL}
    exercised = set()
    for _, fn, _, strategies in CASES + [(c[0], c[1], None, c[3]) for c in NEW_CASES]:
        try:
            stack = [fn(*(Value(0.7 + 0.1 * i) for i in range(len(strategies))))]
        except ValueError:  # outside the op's domain (acosh): further right
            stack = [fn(*(Value(1.7 + 0.1 * i) for i in range(len(strategies))))]
        while stack:
            node = stack.pop()
            exercised.add(node._op)
            stack.extend(node._prev)
    assert names <= exercised, f"ops without a PyTorch case: {names - exercised}"


@given(expr=expressions(3), xs=st.lists(floats(-3, 3), min_size=3, max_size=3))
def test_random_expression_graphs_match_pytorch_float64(expr: Expression, xs: list[float]) -> None:
    cmp = compare_with_torch(expr, xs)
    assert cmp.passed, f"{expr!r} at {xs}\n{cmp}"


@pytest.mark.parametrize(
    ("fn", "at"),
    [
        (lambda a: a.relu(), 0.0),
        (lambda a: abs(a), 0.0),
        (lambda a: a.sqrt(), 0.0),
        (lambda a: a**0.5, 0.0),
        (lambda a: a.sigmoid(), -800.0),
        (lambda a: a.sigmoid(), 800.0),
        (lambda a: a.tanh(), 400.0),
        (lambda a: a.exp(), 1000.0),
        (lambda a: a**-1, 1e-320),
        (lambda a: a.max(a), 1.0),
    ],
    ids=[
        "relu0",
        "abs0",
        "sqrt0",
        "pow_half0",
        "sigm-800",
        "sigm800",
        "tanh400",
        "exp1000",
        "recip-subnormal",
        "max-self",
    ],
)
def test_edges_match_pytorch(fn: Callable[[Any], Any], at: float) -> None:
    cmp = compare_with_torch(fn, [at], atol=0.0, rtol=0.0)
    assert cmp.passed, str(cmp)


@pytest.mark.parametrize("gate", ["max", "min"])
def test_ties_split_like_pytorch(gate: str) -> None:
    cmp = compare_with_torch(lambda a, b: getattr(a, gate)(b) * 3, [1.0, 1.0], atol=0.0, rtol=0.0)
    assert cmp.passed and cmp.grads == (1.5, 1.5), str(cmp)


def test_value_exponent_at_zero_base_matches_pytorch() -> None:
    assert compare_with_torch(lambda a, b: a**b, [0.0, 2.0], atol=0.0, rtol=0.0).passed
    assert math.isfinite(compare_with_torch(lambda a, b: a**b, [0.0, 2.0]).grads[1])
