"""Edges of the engine that the mutation run found untested: each test names what it pins down."""

from __future__ import annotations

import math
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Op, Value, gradients, hooks, jvp, zero_grad
from autograd_lite.engine import nothing_to_send, topological_order
from autograd_lite.hooks import watcher


def test_nothing_to_send_only_for_a_float_zero_with_finite_local_derivatives() -> None:
    assert nothing_to_send(0.0, [1.0, -2.0]) is True
    assert nothing_to_send(1.0, [1.0]) is False  # a gradient to pass on
    assert nothing_to_send(0.0, [math.inf]) is False  # 0 * inf is nan: it must be sent
    assert nothing_to_send(0.0, [math.nan]) is False
    assert nothing_to_send(Value(0.0), [1.0]) is False  # a Value may still have a derivative


def test_nothing_to_send_for_a_finite_gradient_through_zero_local_derivatives() -> None:
    assert nothing_to_send(5.0, [0.0, -0.0]) is True  # a dead ReLU: 5 * 0 changes no sum
    assert nothing_to_send(5.0, [0.0, 1e-300]) is False
    assert nothing_to_send(math.inf, [0.0]) is False  # inf * 0 is nan: it must be sent
    assert nothing_to_send(math.nan, [0.0]) is False
    assert nothing_to_send(5.0, [0.0, math.nan]) is False
    assert nothing_to_send(Value(5.0), [0.0]) is False


@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e-300, math.inf, -math.inf, math.nan])),
)
def test_a_skipped_node_would_have_sent_only_exact_zeros(
    g: float, local_grads: list[float]
) -> None:
    if nothing_to_send(g, local_grads):
        for d in local_grads:  # adding each product to a sum that starts at 0.0 changes nothing
            assert 0.0 + g * d == 0.0 and math.copysign(1.0, 0.0 + g * d) == 1.0


def test_an_infinite_gradient_is_not_skipped_at_a_dead_relu() -> None:
    w, x = Value(-1.0), Value(2.0)
    (w * x).relu().backward()
    assert w.grad == 0.0  # finite gradient, zero local derivative: skipped, exactly as sent
    w.grad = 0.0
    ((w * x).relu() * math.inf).backward()  # inf * 0 in the chain rule: nan must arrive
    assert math.isnan(w.grad)


def test_a_micrograd_style_node_has_one_zero_local_derivative_per_child() -> None:
    a, b = Value(1.0), Value(2.0)
    c = Value(3.0, (a, b), "+")  # micrograd's constructor: parents and an op name, no formula
    assert c.local_grads == (0.0, 0.0)
    assert c.rule is not None and c.rule.local(1.0, 2.0, 3.0) == (0.0, 0.0)
    assert c.serial is not None and a.serial is None  # an op node, numbered for drawings


def test_detach_keeps_the_label() -> None:
    assert Value(2.0, label="x").detach().label == "x"


def test_resetting_rare_fields_allocates_nothing_per_node() -> None:
    # label, grad_value, origin and tangent share one slot that stays unset until one is given
    # a real value: zero_grad and clearing labels must not fill it on every node.
    x = Value(0.5)
    y = x
    for _ in range(5_000):
        y = y * 1.0
    order = topological_order(y)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        zero_grad(y)
        for node in order:
            node.label = ""
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 400_000  # 10,001 nodes: a dict each would be over 1.5 MB
    assert all(n.label == "" and n.grad_value is None for n in order)


def test_graph_free_forward_mode_leaves_its_nodes_without_parents() -> None:
    kept: list[Value] = []

    def f(x: Value) -> Value:
        y = x * 3.0
        kept.append(y)
        return y.sin()

    assert jvp(f, (0.0,), (1.0,)) == (0.0, 3.0)
    assert kept[0].parents == () and kept[0].local_grads == ()


def test_gradients_with_create_graph_give_values_and_hooks_see_values() -> None:
    x, unrelated = Value(2.0), Value(5.0)
    y = x * x
    seen: list[object] = []
    y.register_hook(lambda g: seen.append(g))
    dx, du = gradients(y, [x, unrelated], create_graph=True)
    assert isinstance(dx, Value) and dx.data == 4.0
    assert isinstance(du, Value) and du.data == 0.0  # not reached: still a Value
    assert len(seen) == 1 and isinstance(seen[0], Value)  # the seed itself is a Value


def test_gelu_refuses_an_unknown_approximation_by_name() -> None:
    with pytest.raises(ValueError, match=r"approximate='fast'.*'none' or 'tanh'"):
        Value(1.0).gelu(approximate="fast")


def test_clamp_with_one_bound_leaves_the_other_side_open() -> None:
    assert Value(-5.0).clamp(max=1.0).data == -5.0
    assert Value(5.0).clamp(max=1.0).data == 1.0
    assert Value(5.0).clamp(min=1.0).data == 5.0
    assert Value(-5.0).clamp(min=1.0).data == 1.0


def test_with_no_hook_registered_the_chain_rule_looks_for_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hooks registered by other tests on nodes since dropped keep the count above 0 for the
    # rest of the process (by design); this test starts from a process that never had one.
    monkeypatch.setattr(hooks, "_live_hooks", 0)
    assert watcher(None) is None
    calls: list[tuple[object, object]] = []
    check = watcher(lambda node, g: calls.append((node, g)))
    assert check is not None
    node = Value(1.0)
    assert check(node, 2.5) == 2.5 and calls == [(node, 2.5)]


def test_the_hook_count_returns_to_zero_when_every_hook_is_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hooks, "_live_hooks", 0)
    x = Value(1.0)
    first, second = x.register_hook(lambda g: None), x.register_hook(lambda g: None)
    assert watcher(None) is not None  # hooks exist: backward must look for them
    first.remove()
    assert watcher(None) is not None
    second.remove()
    second.remove()  # removing twice does nothing
    assert watcher(None) is None


class _CountedFloat(float):
    """A local derivative that counts the products the chain rule takes with it."""

    products = 0

    def __rmul__(self, g: object) -> float:  # float subclass: Python asks it before float does
        _CountedFloat.products += 1
        return float(self) * float(g)  # type: ignore[arg-type]


def _counted_op(d: float) -> Op:
    return Op("counted", lambda x: 2.0 * x, lambda x, out: (_CountedFloat(d),))


@pytest.mark.parametrize(
    ("d", "seed", "skipped"),
    [
        (3.0, 0.0, True),  # no gradient reaches the node: nothing to send
        (0.0, 5.0, True),  # a finite gradient through a zero derivative (a dead ReLU)
        (-0.0, 5.0, True),
        (3.0, 5.0, False),
        (math.inf, 0.0, False),  # 0 * inf is nan, and it must reach the parent
        (0.0, math.inf, False),
    ],
)
def test_the_chain_rule_multiplies_nothing_for_a_node_it_skips(
    d: float, seed: float, skipped: bool
) -> None:
    x = Value(1.5)
    y = _counted_op(d)(x)
    _CountedFloat.products = 0
    y.backward(seed)
    assert _CountedFloat.products == (0 if skipped else 1)
    expected = seed * d
    assert math.isnan(x.grad) if math.isnan(expected) else x.grad == expected + 0.0


def test_local_derivatives_are_those_of_the_inputs_when_the_node_was_made() -> None:
    # Evaluated when the node is made, on the numbers at hand (editing an input afterwards does
    # not change them); only a product reads its inputs again in backward, as micrograd's does.
    x = Value(2.0)
    y, product = x.log(), x * Value(3.0)
    x.data = 4.0
    assert y.local_grads == (0.5,)
    (y + product).backward()
    assert x.grad == 0.5 + 3.0
    assert product.local_grads == (3.0, 4.0)
