"""The lean neuron path gives exactly the node the reference path (`make_node`) gives."""

from __future__ import annotations

import math
import struct
from contextlib import nullcontext
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, jvp, no_grad, ops
from autograd_lite.engine import make_node
from autograd_lite.lean import neuron_node
from autograd_lite.nn import _ACTIVATION_OPS, _NEURON_OPS, Neuron

NUMBERS = st.one_of(
    st.floats(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324]),
)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


@pytest.mark.parametrize("activation", sorted(_NEURON_OPS))
@given(
    st.integers(1, 6).flatmap(lambda n: st.lists(NUMBERS, min_size=2 * n + 1, max_size=2 * n + 1))
)
def test_same_bits_as_make_node_for_every_activation(activation: str, numbers: list[float]) -> None:
    act = _ACTIVATION_OPS[activation]
    # Built here, not taken from nn's table built at import, so a mutant of ops.neuron shows.
    op = ops.AFFINE if act is None else ops.neuron(act)
    n = len(numbers) // 2
    w = [Value(v) for v in numbers[:n]]
    x = [Value(v) for v in numbers[n : 2 * n]]
    b = Value(numbers[-1])
    try:
        reference = make_node(op, (*w, *x, b))
    except (ValueError, ZeroDivisionError) as exc:
        with pytest.raises(type(exc)):
            neuron_node(op, w, x, b)
        return
    lean = neuron_node(op, w, x, b)
    assert bits(lean.data) == bits(reference.data)
    assert list(map(bits, lean.local_grads)) == list(map(bits, reference.local_grads))
    assert lean.parents == reference.parents and lean.rule is reference.rule
    assert lean.serial is not None and reference.serial is not None
    assert lean.serial > reference.serial


def _relu_neuron(w: Any, x: Any, b: Any) -> Value:
    return neuron_node(ops.neuron(ops.RELU), w, x, b)


def test_what_is_not_the_plain_case_goes_through_make_node() -> None:
    w, x = [Value(2.0)], [Value(3.0)]
    with no_grad():
        assert _relu_neuron(w, x, Value(1.0)).parents == ()
    frozen = Value(1.0, requires_grad=False)
    assert _relu_neuron(w, x, frozen).parents == (*w, *x, frozen)
    all_frozen = [Value(2.0, requires_grad=False)], [Value(3.0, requires_grad=False)]
    assert not _relu_neuron(*all_frozen, frozen).requires_grad  # constants alone: a constant
    # Forward mode watches every node through a hook: the lean path must not skip it.
    value, tangent = jvp(lambda v: _relu_neuron([v], [Value(3.0)], Value(1.0)), (2.0,), (1.0,))
    assert (value, tangent) == (7.0, 3.0)


def test_a_neuron_node_has_the_same_gradients_as_the_reference_graph() -> None:
    w, x, b = [Value(0.5), Value(-2.0)], [Value(1.5), Value(0.25)], Value(0.1)
    z = w[0] * x[0] + w[1] * x[1] + b
    (z.tanh()).backward()
    expected = [v.grad for v in (*w, *x, b)]
    for v in (*w, *x, b):
        v.grad = 0.0
    neuron_node(ops.neuron(ops.TANH), w, x, b).backward()
    assert [v.grad for v in (*w, *x, b)] == pytest.approx(expected, rel=1e-15)
    assert math.isfinite(b.grad)


@pytest.mark.parametrize("activation", sorted(_NEURON_OPS))
def test_at_the_kink_and_at_negative_zero(activation: str) -> None:
    op = _NEURON_OPS[activation]
    for w, x, b in [(-0.0, 1.0, -0.0), (1.0, 2.0, -2.0), (1.0, -1.0, 0.5), (math.nan, 1.0, 0.0)]:
        lean = neuron_node(op, [Value(w)], [Value(x)], Value(b))
        reference = make_node(op, (Value(w), Value(x), Value(b)))
        assert bits(lean.data) == bits(reference.data), (w, x, b)
        assert list(map(bits, lean.local_grads)) == list(map(bits, reference.local_grads))


def test_every_field_of_the_node_and_its_module_call_in_every_path() -> None:
    owner = Neuron(1, seed=0)
    w, x = [Value(2.0)], [Value(3.0)]
    for b, context in [
        (Value(1.0), nullcontext),
        (Value(1.0), no_grad),
        (Value(1.0, requires_grad=False), nullcontext),
    ]:
        with context():
            node = neuron_node(ops.neuron(ops.RELU), w, x, b, [owner, None, None])
        assert (node.grad, node.data, node.op) == (0.0, 7.0, "relu(dot+b)")
        assert node.scope is not None and node.scope.name == "Neuron", context
    seen: list[Value] = []

    def under_forward_mode(v: Value) -> Value:  # jvp watches nodes through a hook
        seen.append(neuron_node(ops.AFFINE, [v], x, Value(1.0), [owner, None, None]))
        return seen[-1]

    jvp(under_forward_mode, (2.0,), (1.0,))
    assert seen[0].scope is not None and seen[0].scope.name == "Neuron"


def test_a_domain_error_is_the_reference_path_s_error() -> None:
    op = ops.neuron(ops.SQRT)  # sqrt of a negative weighted sum has no real value
    with pytest.raises(ValueError) as reference:
        make_node(op, (Value(1.0), Value(-4.0), Value(0.0)), [Neuron(1, seed=0), None, None])
    with pytest.raises(ValueError) as lean:
        neuron_node(op, [Value(1.0)], [Value(-4.0)], Value(0.0), [Neuron(1, seed=0), None, None])
    assert str(lean.value) == str(reference.value) and "sqrt" in str(lean.value)
