"""Engine behaviour the mutation run (scripts/mutation.sh) showed no other test pinned down.

Each test names the kind of mutant it kills; see docs/testing.md for the score and the list of
surviving mutants that are equivalent to the original code.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd_lite import (
    DomainError,
    Op,
    Value,
    is_grad_enabled,
    modes,
    no_grad,
    ops,
    vsum,
    zero_grad,
)
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
        assert v.label == "" and v.grad_value is None and v.origin is None
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
            lambda: Value(-2.0) ** Value(1.5),
            ValueError,
            "op '**': a negative base raised to the non-integer power 1.5 has no real value; "
            "the base is Value(data=-2.0). Use abs(x) ** k, or make sure the base is positive.",
        ),
        (
            lambda: Value(0.0) ** Value(-1.0),
            ZeroDivisionError,
            "op '**': 0 raised to the negative power -1; the base is Value(data=0.0). The result "
            "is infinite; add a small epsilon to the base or guard the case.",
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
        raise DomainError("no value here", "Do something else.", operand=1)

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
    from autograd_lite.modes import SCOPE, enter_scope, scope_of

    assert SCOPE.get() is None
    outer = enter_scope("MLP", "MLP")
    inner = enter_scope("Layer 1", "Layer")
    scope = scope_of(SCOPE.get())
    assert scope is not None and (scope.name, scope.kind) == ("Layer 1", "Layer")
    assert scope.parent is not None and (scope.parent.name, scope.parent.kind) == ("MLP", "MLP")
    assert (Value(1.0) * 2).scope is scope
    SCOPE.reset(inner)
    assert scope_of(SCOPE.get()) is scope.parent
    SCOPE.reset(outer)
    assert SCOPE.get() is None


# -- the op table's float helpers: IEEE's answer where Python raises -----------------------------


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (lambda: ops.log(0.0), -math.inf),
        (lambda: ops.log(-1.0), math.nan),
        (lambda: ops.log(1.0), 0.0),
        (lambda: ops.div(1.0, 0.0), math.inf),
        (lambda: ops.div(-3.0, 0.0), -math.inf),
        (lambda: ops.div(3.0, -0.0), -math.inf),
        (lambda: ops.div(-3.0, -0.0), math.inf),
        (lambda: ops.div(0.0, 0.0), math.nan),
        (lambda: ops.div(math.nan, 0.0), math.nan),
        (lambda: ops.div(1.0, 4.0), 0.25),
        (lambda: ops.pow(0.0, -1.0), math.inf),
        (lambda: ops.pow(-0.0, -1.0), -math.inf),
        (lambda: ops.pow(-0.0, -3.0), -math.inf),
        (lambda: ops.pow(-0.0, -2.0), math.inf),
        (lambda: ops.pow(-0.0, -0.5), math.inf),
        (lambda: ops.pow(-10.0, 309.0), -math.inf),
        (lambda: ops.pow(-10.0, 310.0), math.inf),
        (lambda: ops.pow(10.0, 309.0), math.inf),
        (lambda: ops.pow(-8.0, 1 / 3), math.nan),
        (lambda: ops.pow(-2.0, 3.0), -8.0),
        (lambda: ops.relu(-0.0), 0.0),
        (lambda: ops.total(1e308, 1e308), math.inf),
        (lambda: ops.total(math.inf, -math.inf), math.nan),
    ],
)
def test_float_helpers_give_ieee_results(got: Callable[[], float], expected: float) -> None:
    value = got()
    if math.isnan(expected):
        assert math.isnan(value)
        return
    assert value == expected
    assert math.copysign(1.0, value) == math.copysign(1.0, expected)  # the sign of a zero too


def test_the_div_helper_on_a_value_applies_the_op() -> None:
    with pytest.raises(ZeroDivisionError, match="op '/'"):
        ops.div(Value(2.0), 0.0)
    assert ops.div(Value(2.0), 4.0).data == 0.5


def test_kinks_are_where_the_op_is_not_differentiable() -> None:
    assert ops.RELU.kink is not None and ops.ABS.kink is not None
    assert ops.RELU.kink(0.0) and not ops.RELU.kink(1.0)
    assert ops.ABS.kink(-0.0) and not ops.ABS.kink(-1.0)


def test_inside_a_derivative_formula_domain_edges_give_ieee_values() -> None:
    with modes.using(ieee=True):
        assert Value(0.0).log().data == -math.inf
        assert math.isnan(Value(-1.0).log().data)
        assert math.isnan(Value(-1.0).sqrt().data)
        assert (Value(0.0) ** -1).data == math.inf
        assert (Value(-0.0) ** -1).data == -math.inf
        assert (Value(0.0) ** Value(-2.0)).data == math.inf
        assert (Value(1.0) / Value(-0.0)).data == -math.inf
    with pytest.raises(ValueError, match="op 'log'"):
        Value(0.0).log()  # outside, the user's own log(0) is an error


def test_a_derivative_that_reads_item_or_float_is_refused_with_the_whole_message() -> None:
    def cos_via_item(x: object, out: object) -> tuple[float]:
        return (math.cos(x.item() if isinstance(x, Value) else x),)  # type: ignore[arg-type]

    reads_item = Op("reads_item", math.sin, cos_via_item)
    with pytest.raises(TypeError) as info:
        reads_item(Value(0.5)).backward(create_graph=True)
    assert str(info.value) == (
        "op 'reads_item': its local derivative turned a Value into a float (item(), e.g. "
        "math.cos(x)), so its own derivative would silently be 0. Write it with arithmetic and "
        "autograd_lite.ops' exp/log/sin/cos/pow/div, which take Values."
    )
    comparing = Op("step", lambda x: float(x > 0), lambda x, out: (1.0,) if x > 0 else (0.0,))
    y = comparing(Value(0.5))
    y.backward(create_graph=True)  # comparisons choose a branch: allowed
    assert y.parents[0].grad == 1.0


def test_op_and_gradients_reject_bad_arguments_by_name() -> None:
    with pytest.raises(TypeError, match=r"^Op\(name=\.\.\.\) takes a str, got int$"):
        Op(3, math.sin, lambda x, out: (1.0,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^Op 'f': forward and local must be functions$"):
        Op("f", math.sin, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^Op 'f': forward and local must be functions$"):
        Op("f", 1.0, lambda x, out: (1.0,))  # type: ignore[arg-type]
    from autograd_lite import gradients

    with pytest.raises(TypeError, match=r"^gradients\(\) needs a Value output, got float$"):
        gradients(3.0, [])  # type: ignore[arg-type]
    assert str(DomainError("no value", "hint")) == "no value"
