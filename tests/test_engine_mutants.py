"""Engine behaviour the mutation run (scripts/mutation.sh) showed no other test pinned down.

Each test names the kind of mutant it kills; see docs/testing.md for the score and the list of
surviving mutants that are equivalent to the original code.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd_lite import Op, Value, is_grad_enabled, modes, no_grad, vsum, zero_grad
from autograd_lite.engine import Undefined
from tests.oracles import central_gradient, close

# -- backward(create_graph=True): second derivatives against differences of first ones ---------

SECOND_ORDER: list[tuple[str, Callable[[Value], Value], float]] = [
    ("exp", lambda x: x.exp() * x, 0.7),
    ("log", lambda x: x.log() * x, 1.3),
    ("sin", lambda x: x.sin() * x, 0.4),
    ("cos", lambda x: x.cos() * x, 0.4),
    ("cube", lambda x: x**3, -1.2),
    ("pow1.5", lambda x: x**1.5, 2.0),
    ("div", lambda x: 1 / x, 0.8),
    ("sqrt", lambda x: x.sqrt(), 1.7),
    ("tanh", lambda x: x.tanh(), 0.3),
    ("sigmoid", lambda x: x.sigmoid(), -0.6),
    ("pow_value", lambda x: x ** (x * 0.5), 1.4),
    ("rpow", lambda x: 2**x, 0.9),
    ("shared", lambda x: (x * x + x) * (x * x), 0.6),
    ("vsum", lambda x: vsum([x * x, x, x.exp()]), 0.2),
]


def first_derivative(f: Callable[[Value], Value], a: float) -> float:
    x = Value(a)
    f(x).backward()
    return x.grad


@pytest.mark.parametrize(("name", "f", "a"), SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_create_graph_gives_second_derivatives(
    name: str, f: Callable[[Value], Value], a: float
) -> None:
    x = Value(a)
    y = f(x)
    y.backward(create_graph=True)
    first = x.grad_value
    assert isinstance(first, Value)
    assert first.data == pytest.approx(first_derivative(f, a), rel=1e-12)
    assert x.grad == first.data
    x.grad = 0.0
    first.backward()
    # extrapolated central differences of the (float) first derivative: an independent oracle
    (numeric,) = central_gradient(lambda t: first_derivative(f, t), [a])
    assert close(x.grad, numeric, atol=0.0, rtol=1e-6), name


def test_create_graph_seed_scales_and_a_second_call_accumulates() -> None:
    x = Value(1.5)
    y = x * x * x
    y.backward(2.0, create_graph=True)
    assert x.grad_value is not None and x.grad_value.data == pytest.approx(2 * 3 * 1.5**2)
    y.backward(create_graph=True)
    assert x.grad_value.data == pytest.approx(3 * 3 * 1.5**2)
    assert x.grad == pytest.approx(3 * 3 * 1.5**2)
    # the float pass after a graph-building one starts from clean accumulators
    y.zero_grad()
    assert x.grad_value is None
    y.backward()
    assert x.grad == pytest.approx(3 * 1.5**2)


def test_create_graph_reaches_nodes_after_one_that_gets_nothing() -> None:
    a, b = Value(2.0), Value(3.0)
    c = Value(5.0, (a,))  # micrograd-style node without an op: passes nothing to `a`
    y = b * c
    y.backward(create_graph=True)
    assert b.grad_value is not None and b.grad_value.data == 5.0
    assert a.grad == 0.0


def test_create_graph_passes_zero_through_a_micrograd_style_op_node() -> None:
    a, b = Value(2.0), Value(3.0)
    c = Value(5.0, (a, b), "custom")
    y = c * a
    y.backward(create_graph=True)
    assert (a.grad, b.grad) == (5.0, 0.0)


def test_create_graph_skips_constants_made_under_no_grad() -> None:
    x = Value(2.0)
    with no_grad():
        c = Value(2.0) * 3
    y = x * c
    y.backward(create_graph=True)
    assert x.grad_value is not None and x.grad_value.data == 6.0


# -- backward() hooks and the manual step ---------------------------------------------------


def test_on_backward_sees_every_node_with_the_gradient_it_received() -> None:
    seen: list[tuple[str, float]] = []
    x = Value(3.0, label="x")
    y = x * x + 1
    with modes.using(on_backward=lambda node, g: seen.append((node._op or node.label, g))):
        y.backward()
    assert sorted(seen) == sorted([("+", 1.0), ("*", 1.0), ("", 1.0), ("x", 6.0)])


def test_manual_step_adds_into_existing_gradients() -> None:
    a = Value(3.0)
    b = a * a
    b.grad = 1.0
    a.grad = 10.0
    b._backward()
    assert a.grad == 16.0


# -- fresh nodes, leaves and modes --------------------------------------------------------------


def test_new_nodes_and_leaves_start_blank() -> None:
    x = Value(1.0)
    y = x + 2.0
    for v in (x, y):
        assert v.label == "" and v.grad_value is None and v._origin is None
    assert repr(y) == "Value(data=3.0, grad=0.0, op='+')"


def test_no_grad_really_reports_false() -> None:
    with no_grad():
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True


def test_zero_grad_clears_grad_value() -> None:
    x = Value(2.0)
    y = x * x
    y.backward(create_graph=True)
    zero_grad(y)
    assert x.grad_value is None and x.grad == 0.0


# -- arithmetic and comparisons with plain numbers ----------------------------------------------


def test_value_minus_a_number_and_strict_comparisons() -> None:
    assert (Value(3.0) - 2).data == 1.0
    assert (Value(3.0) - 0.5).data == 2.5
    assert not Value(1.0) < 1 and not Value(1.0) > 1.0
    assert Value(1.0) < 1.5 and Value(2.0) > Value(1.0)


# -- powers and overflow: IEEE results ----------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "k", "expected"),
    [
        (10.0, 401, math.inf),
        (-10.0, 400, math.inf),
        (0.5, -2001, math.inf),
        (-0.5, -2001, -math.inf),
    ],
)
def test_overflowing_powers_have_the_ieee_sign(base: float, k: int, expected: float) -> None:
    assert (Value(base) ** k).data == expected


def test_square_root_gradient_at_negative_zero_is_plus_infinity_like_ieee() -> None:
    x = Value(-0.0)
    (x**0.5).backward()
    assert x.grad == math.inf  # 0.5 * (-0.0) ** -0.5 = 0.5 * inf


def test_value_exponent_at_a_zero_base() -> None:
    assert (Value(0.0) ** Value(0.0)).data == 1.0
    assert (Value(0.0) ** Value(0.5)).data == 0.0
    x, y = Value(0.0), Value(0.0)
    z = x**y
    z.backward()  # must not raise; d/dy is 0 at x = 0 by convention
    assert y.grad == 0.0


# -- error messages: every word a user relies on -------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "text"),
    [
        (
            lambda: Value(1.0) / Value(0.0),
            ZeroDivisionError,
            "op '/': division by zero; the divisor is Value(data=0.0). Guard the case or add a "
            "small epsilon to the divisor, e.g. a / (b + 1e-12).",
        ),
        (
            lambda: Value(-1.0).log(),
            ValueError,
            "op 'log': log needs an input > 0; the input is Value(data=-1.0). Clamp the input "
            "first, e.g. x.max(1e-12).log(), or find where it became non-positive.",
        ),
        (
            lambda: Value(-1.0).sqrt(),
            ValueError,
            "op 'sqrt': sqrt needs an input >= 0; the input is Value(data=-1.0). Clamp the input "
            "first, e.g. x.relu().sqrt(), or use abs(x).sqrt().",
        ),
        (
            lambda: Value(-2.0) ** Value(1.0),
            ValueError,
            "op '**': a negative base with a Value exponent; the base is Value(data=-2.0). "
            "d(x**y)/dy = x**y * log(x) needs x > 0; use a positive base, or a plain number as "
            "the exponent if it is not trained.",
        ),
        (
            lambda: Value(0.0) ** Value(-1.0),
            ZeroDivisionError,
            "op '**': 0 raised to a negative power; the base is Value(data=0.0). The result is "
            "infinite; add a small epsilon to the base or guard the case.",
        ),
    ],
)
def test_domain_error_messages_in_full(make: Callable[[], Value], error: type, text: str) -> None:
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == text


def test_type_error_messages_name_the_type() -> None:
    with pytest.raises(TypeError, match=r"^Value label must be a str, got int$"):
        Value(1.0, label=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^backward\(grad=\.\.\.\) takes a number, got str$"):
        Value(1.0).backward("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^vsum\(\) needs at least one value$"):
        vsum([])


def test_an_undefined_error_pointing_past_the_operands_says_so() -> None:
    def forward(x: float) -> float:
        raise Undefined("no value here", "Do something else.", operand=1)

    with pytest.raises(ValueError) as info:
        Op("odd", forward, lambda x, out: (0.0,))(Value(1.0))
    assert str(info.value) == "op 'odd': no value here; the input is ?. Do something else."


def test_reading_data_for_a_decision_tells_the_on_read_hook_how() -> None:
    # compile() uses on_read to refuse data-dependent Python branches while tracing.
    seen: list[tuple[str, str]] = []
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    with modes.using(on_read=lambda v, how: seen.append((v.label, how))):
        results = [a < b, a <= b, a > b, a >= b, float(a), a.item()]
    assert results == [True, True, False, False, 1.0, 1.0]
    assert seen == [
        ("a", "<"),
        ("b", "<"),
        ("a", "<="),
        ("b", "<="),
        ("a", ">"),
        ("b", ">"),
        ("a", ">="),
        ("b", ">="),
        ("a", "float()"),
        ("a", "item()"),
    ]


def test_an_error_during_backward_leaves_the_graph_ready_for_the_next_pass() -> None:
    x = Value(2.0)
    y = (x * x).tanh() * 3 + x
    calls: list[int] = []

    def fail_on_third(node: Value, g: float) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError), modes.using(on_backward=fail_on_third):
        y.backward()
    y.zero_grad()
    y.backward()
    expected = 3 * (1 - math.tanh(4.0) ** 2) * 2 * 2.0 + 1
    assert x.grad == pytest.approx(expected, rel=1e-12)


def test_a_node_made_under_no_grad_can_be_stepped_by_hand() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * 3
    y.grad = 1.0
    y._backward()  # nothing to propagate to, and no error
    assert x.grad == 0.0


def test_enter_scope_nests_under_the_current_scope_and_reset_restores_it() -> None:
    from autograd_lite.modes import SCOPE, enter_scope

    assert SCOPE.get() is None
    outer = enter_scope("MLP", "MLP")
    inner = enter_scope("Layer 1", "Layer")
    scope = SCOPE.get()
    assert scope is not None and (scope.name, scope.kind) == ("Layer 1", "Layer")
    assert scope.parent is not None and (scope.parent.name, scope.parent.kind) == ("MLP", "MLP")
    assert (Value(1.0) * 2)._scope is scope
    SCOPE.reset(inner)
    assert SCOPE.get() is scope.parent
    SCOPE.reset(outer)
    assert SCOPE.get() is None
