"""The fused neuron op ``act(w . x + b)`` against the same neuron built from two nodes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, ops
from autograd_lite.grads import gradients
from autograd_lite.nn import ACTIVATIONS, Neuron


def _activation_of(name: str) -> ops.Op:
    """The activation op a Neuron with ``activation=name`` applies, read from its node."""
    rule = Neuron(1, activation=name, seed=0)([0.5]).rule
    assert rule is not None and rule.parts is not None and rule.parts[0] is ops.AFFINE
    return rule.parts[1]


_ACTIVATION_OPS = {name: _activation_of(name) for name in ACTIVATIONS if name != "linear"}
ACTS = sorted(_ACTIVATION_OPS)
finite = st.floats(-5.0, 5.0, allow_nan=False)


def _two_nodes(act: ops.Op, wxb: list[Value]) -> Value:
    return act(ops.AFFINE(*wxb))


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ACTS),
    st.integers(1, 4).flatmap(lambda n: st.lists(finite, min_size=2 * n + 1, max_size=2 * n + 1)),
)
def test_fused_neuron_matches_two_nodes_in_value_and_every_gradient(
    name: str, numbers: list[float]
) -> None:
    act = _ACTIVATION_OPS[name]
    assert act is not None
    fused_in = [Value(v) for v in numbers]
    split_in = [Value(v) for v in numbers]
    fused, split = ops.neuron(act)(*fused_in), _two_nodes(act, split_in)
    assert fused.data == split.data
    got, want = gradients(fused, fused_in), gradients(split, split_in)
    exact = name == "relu"  # a slope of 0 or 1 rounds nothing
    for g, w in zip(got, want):
        assert (g == w or (math.isnan(g) and math.isnan(w))) if exact else _close(g, w), (got, want)


@pytest.mark.parametrize("name", ACTS)
def test_an_infinite_input_into_a_saturated_neuron_gives_nan_as_two_nodes_do(name: str) -> None:
    # z = -inf: relu's slope is 0 (tanh's and sigmoid's too), and 0 * inf is nan.
    act = _ACTIVATION_OPS[name]
    assert act is not None
    numbers = [-1.0, math.inf, 0.0]
    fused_in, split_in = [Value(v) for v in numbers], [Value(v) for v in numbers]
    got = gradients(ops.neuron(act)(*fused_in), fused_in)
    want = gradients(_two_nodes(act, split_in), split_in)
    assert [math.isnan(g) for g in got] == [math.isnan(w) for w in want]
    assert [g for g in got if not math.isnan(g)] == [w for w in want if not math.isnan(w)]


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "gelu", "relu"])
def test_second_derivatives_through_the_fused_neuron_match_two_nodes(name: str) -> None:
    act = _ACTIVATION_OPS[name]
    assert act is not None
    numbers = [0.7, -1.3, 0.4, 0.9, 0.2]
    results = []
    for build in (lambda xs: ops.neuron(act)(*xs), lambda xs: _two_nodes(act, xs)):
        xs = [Value(v) for v in numbers]
        (dw1,) = gradients(build(xs), xs[:1], create_graph=True)
        results.append(gradients(dw1, xs))
    for g, w in zip(*results):
        assert _close(g, w), results


def test_each_activation_is_the_op_of_its_name() -> None:
    assert _ACTIVATION_OPS["relu"] is ops.RELU and _ACTIVATION_OPS["tanh"] is ops.TANH
    assert _ACTIVATION_OPS["leaky_relu"].name.startswith("leaky_relu")


def test_a_neuron_is_one_node_named_after_both_parts() -> None:
    y = Neuron(3, activation="tanh", seed=0)([1.0, 2.0, 3.0])
    assert y.op == "tanh(dot+b)"
    assert y.rule is not None and y.rule.parts == (ops.AFFINE, ops.TANH)
    assert len(y.parents) == 3 + 3 + 1
    assert Neuron(2, nonlin=False, seed=0)([1.0, 2.0]).op == "dot+b"
