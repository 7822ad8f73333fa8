"""The engine's behaviour: the seed examples, the classic bugs, depth, modes and errors."""

from __future__ import annotations

import asyncio
import gc
import math
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import (
    Op,
    Value,
    dot,
    enable_grad,
    is_grad_enabled,
    no_grad,
    topological_order,
    vsum,
    zero_grad,
)

# -- the seed examples --------------------------------------------------------------------------


def test_add_then_multiply_gives_the_lecture_gradients() -> None:
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron_written_out_gives_a_quarter_for_dw() -> None:
    x, w, b = Value(1.0), Value(0.0), Value(0.0)
    f = 1 / ((-(w * x + b)).exp() + 1)
    f.backward()
    assert f.data == 0.5
    assert w.grad == pytest.approx(0.25, abs=1e-15)
    assert x.grad == 0.0
    assert b.grad == pytest.approx(0.25, abs=1e-15)


def test_two_input_sigmoid_neuron_matches_the_cs231n_numbers() -> None:
    w0, w1, w2 = Value(2.0), Value(-3.0), Value(-3.0)
    x0, x1 = Value(-1.0), Value(-2.0)
    f = (w0 * x0 + w1 * x1 + w2).sigmoid()
    f.backward()
    assert f.data == pytest.approx(0.731, abs=5e-4)
    assert x0.grad == pytest.approx(0.393, abs=5e-4)
    assert x1.grad == pytest.approx(-0.590, abs=5e-4)
    assert w0.grad == pytest.approx(-0.197, abs=5e-4)
    assert w1.grad == pytest.approx(-0.393, abs=5e-4)
    assert w2.grad == pytest.approx(0.197, abs=5e-4)


def test_fused_dot_gives_the_same_neuron_gradients() -> None:
    w = [Value(2.0), Value(-3.0)]
    x = [Value(-1.0), Value(-2.0)]
    b = Value(-3.0)
    f = dot(w, x, b).sigmoid()
    f.backward()
    s = 1 / (1 + math.exp(-1.0))
    ds = s * (1 - s)
    assert f.data == pytest.approx(s, rel=1e-15)
    assert [v.grad for v in w] == pytest.approx([-1 * ds, -2 * ds], rel=1e-15)
    assert [v.grad for v in x] == pytest.approx([2 * ds, -3 * ds], rel=1e-15)
    assert b.grad == pytest.approx(ds, rel=1e-15)


# -- the classic bugs ---------------------------------------------------------------------------


def test_a_plus_a_counts_both_edges() -> None:
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_a_times_a_counts_both_edges() -> None:
    a = Value(3.0)
    b = a * a
    b.backward()
    assert a.grad == 6.0


def test_diamond_accumulates_through_both_paths() -> None:
    a = Value(2.0)
    b, c = a * 3, a.exp()
    d = b * c
    d.backward()
    # d = 3a e^a  ->  d' = 3 e^a (1 + a)
    assert a.grad == pytest.approx(3 * math.exp(2.0) * 3, rel=1e-15)


def test_second_backward_adds_exactly_one_more_gradient_on_every_node() -> None:
    a, b = Value(1.5), Value(-0.5)
    c = a * b
    d = c + a
    e = d * d + c.tanh()
    e.backward()
    first = {id(n): n.grad for n in topological_order(e)}
    e.backward()
    for node in topological_order(e):
        assert node.grad == pytest.approx(2 * first[id(node)], rel=1e-15), node


def test_zero_grad_resets_the_whole_graph_and_the_next_backward_starts_clean() -> None:
    a = Value(2.0)
    y = (a * a).tanh()
    y.backward()
    single = a.grad
    y.zero_grad()
    assert all(n.grad == 0.0 for n in topological_order(y))
    y.backward()
    assert a.grad == single
    zero_grad(y)
    assert a.grad == 0.0


def test_constants_only_expression_backpropagates_to_the_constant_leaves() -> None:
    y = Value(2.0) * 3 + 1
    y.backward()
    assert y.data == 7.0
    assert y._prev[0]._prev[0].grad == 3.0


def test_backward_with_a_seed_scales_every_gradient() -> None:
    x = Value(3.0)
    y = x * x
    y.backward(0.5)
    assert x.grad == 3.0


def test_backward_on_a_leaf_sets_its_own_grad() -> None:
    x = Value(1.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_rejects_a_non_number_seed() -> None:
    with pytest.raises(TypeError, match="backward"):
        Value(1.0).backward("1")  # type: ignore[arg-type]


def test_manual_backward_steps_reproduce_backward() -> None:
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.grad = 1.0
    for node in reversed(topological_order(f)):
        node._backward()
    manual = (x.grad, y.grad, z.grad)
    for n in topological_order(f):
        n.grad = 0.0
    f.backward()
    assert manual == (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


# -- depth ------------------------------------------------------------------------------------


def test_a_million_node_chain_builds_backpropagates_and_is_freed() -> None:
    x, c = Value(0.5), Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + c
    y.backward()
    assert x.grad == 1.0
    assert c.grad == 1_000_000.0
    assert len(topological_order(y)) == 1_000_002
    del y
    gc.collect()  # deallocating the chain must not overflow the C stack


def test_topological_order_puts_parents_first_and_root_last() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order[-1] is d
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._prev:
            assert position[id(parent)] < position[id(node)]
    assert len(order) == 4


@given(data=st.data())
def test_topological_order_lists_every_reachable_node_once_parents_first(
    data: st.DataObject,
) -> None:
    # Any DAG shape: micrograd's constructor takes arbitrary children, repeats and sharing
    # included, so the order is tested apart from what the ops happen to build.
    nodes = [Value(0.0) for _ in range(data.draw(st.integers(1, 4), label="leaves"))]
    for _ in range(data.draw(st.integers(1, 40), label="nodes")):
        picks = data.draw(st.lists(st.integers(0, len(nodes) - 1), min_size=1, max_size=6))
        nodes.append(Value(0.0, [nodes[i] for i in picks], "f"))
    root = nodes[data.draw(st.integers(0, len(nodes) - 1), label="root")]
    reachable, todo = {id(root)}, [root]
    while todo:
        for parent in todo.pop()._prev:
            if id(parent) not in reachable:
                reachable.add(id(parent))
                todo.append(parent)
    order = topological_order(root)
    assert len(order) == len(reachable) and {id(n) for n in order} == reachable
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n._prev)
    assert order[-1] is root


# -- modes ----------------------------------------------------------------------------------


def test_no_grad_records_no_parents_and_restores_the_mode() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        with enable_grad():
            z = x * 3
    assert is_grad_enabled()
    assert y._prev == () and y.data == 5.0
    assert len(z._prev) == 2
    y.backward()
    assert x.grad == 0.0


def test_no_grad_works_as_a_decorator() -> None:
    @no_grad()
    def square(v: Value) -> Value:
        return v * v

    assert square(Value(3.0))._prev == ()
    assert is_grad_enabled()


def test_no_grad_in_one_thread_does_not_leak_into_another() -> None:
    inside = threading.Event()
    release = threading.Event()
    seen: list[bool] = []

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen.append(is_grad_enabled())
    release.set()
    t.join()
    assert seen == [True]


def test_no_grad_in_one_task_does_not_leak_into_another() -> None:
    async def main() -> list[bool]:
        started = asyncio.Event()
        done = asyncio.Event()

        async def quiet() -> None:
            with no_grad():
                started.set()
                await done.wait()

        async def loud() -> bool:
            await started.wait()
            enabled = is_grad_enabled()
            done.set()
            return enabled

        _, enabled = await asyncio.gather(quiet(), loud())
        return [enabled]

    assert asyncio.run(main()) == [True]


# -- representation and identity --------------------------------------------------------------


def test_repr_shows_data_grad_op_and_label() -> None:
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.label = "f"
    f.backward()
    assert repr(f) == "Value(data=-12.0, grad=1.0, op='*', label='f')"
    assert repr(Value(1)) == "Value(data=1.0, grad=0.0)"


def test_values_hash_by_identity_and_equality_is_not_by_data() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert len({a, b, a}) == 2
    assert a < Value(2.0) and a <= 1 and a >= 1.0 and not (a > 1)
    assert float(a) == 1.0 and a.item() == 1.0


def test_op_names_follow_micrograd() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a + b)._op == "+"
    assert (a * b)._op == "*"
    assert (a**2)._op == "**2"
    assert a._op == ""


def test_user_defined_op_from_the_table_mechanism() -> None:
    cube = Op("cube", forward=lambda x: x**3, local=lambda x, out: (3 * x * x,))
    x = Value(2.0)
    y = cube(x)
    y.backward()
    assert (y.data, y._op, x.grad) == (8.0, "cube", 12.0)


def test_micrograd_style_constructor_with_children_draws_but_passes_no_gradient() -> None:
    a = Value(1.0)
    c = Value(5.0, (a,), "custom")
    c.backward()
    assert c._op == "custom" and c._prev == (a,)
    assert a.grad == 0.0


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j])
def test_value_of_a_non_number_is_a_type_error_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


def test_value_of_a_value_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="got a Value"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["a", None, [1.0]])
def test_arithmetic_with_a_non_number_is_a_type_error(bad: object) -> None:
    x = Value(1.0)
    for op in (
        lambda: x + bad,
        lambda: bad + x,
        lambda: x * bad,
        lambda: bad * x,
        lambda: x - bad,
        lambda: bad - x,
        lambda: x / bad,
        lambda: bad / x,
        lambda: x**bad,
    ):
        with pytest.raises(TypeError):
            op()


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (
            lambda: Value(-1.0, label="x").log(),
            ValueError,
            ["'log'", "> 0", "-1.0", "'x'", "Clamp"],
        ),
        (lambda: Value(0.0, label="x").log(), ValueError, ["'log'", "0.0", "'x'"]),
        (lambda: Value(-4.0, label="v").sqrt(), ValueError, ["'sqrt'", "-4.0", "'v'", "Clamp"]),
        (
            lambda: Value(1.0) / Value(0.0, label="b"),
            ZeroDivisionError,
            ["'/'", "divisor", "'b'", "epsilon"],
        ),
        (lambda: 1 / Value(0.0, label="b"), ZeroDivisionError, ["divisor", "'b'"]),
        (lambda: Value(3.0) / 0, ZeroDivisionError, ["divisor", "0.0"]),
        (lambda: Value(0.0, label="z") ** -1, ZeroDivisionError, ["negative power", "'z'"]),
        (
            lambda: Value(-2.0, label="base") ** Value(2.5),
            ValueError,
            ["negative base", "'base'", "positive"],
        ),
        (lambda: (-2) ** Value(0.5), ValueError, ["negative base", "-2.0"]),
        (lambda: Value(-8.0) ** 0.5, ValueError, ["non-integer power", "-8.0"]),
        (lambda: Value(0.0) ** Value(-1.0), ZeroDivisionError, ["negative power"]),
    ],
)
def test_domain_errors_name_the_op_the_value_and_what_to_do(
    make: object, error: type[Exception], words: list[str]
) -> None:
    with pytest.raises(error) as info:
        make()  # type: ignore[operator]
    message = str(info.value)
    assert "math domain error" not in message
    for word in words:
        assert word in message, f"{word!r} missing from {message!r}"


def test_overflow_is_infinity_not_an_error() -> None:
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(1e200) * Value(1e200)).data == math.inf


def test_vsum_and_dot_reject_bad_shapes() -> None:
    with pytest.raises(ValueError, match="at least one"):
        vsum([])
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        dot([Value(1.0), Value(2.0)], [Value(1.0)])
