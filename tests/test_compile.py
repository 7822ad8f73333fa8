"""compile(): the replayed tape gives exactly the eager engine's values and gradients."""

from __future__ import annotations

import gc
import math
import random
import re
import weakref
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, dot, vsum
from autograd_lite.compile import TracingError, compile
from autograd_lite.grouping import regroup
from autograd_lite.nn import MLP
from tests.graph_strategies import inputs, programs, run, smooth_and_in_domain


def eager(f: object, xs: list[float]) -> tuple[float, list[float]]:
    values = [Value(x) for x in xs]
    out = f(*values)  # type: ignore[operator]
    out.backward()
    return out.data, [v.grad for v in values]


@given(data=st.data(), n=st.integers(1, 4))
def test_replay_on_new_inputs_equals_eager_on_random_programs(data: st.DataObject, n: int) -> None:
    program = data.draw(programs(n), label="program")
    traced_at, xs = data.draw(inputs(n), label="trace at"), data.draw(inputs(n), label="run at")
    assume(smooth_and_in_domain(program, traced_at) and smooth_and_in_domain(program, xs))
    f = compile(lambda *v: run(program, v, values=True))
    f(*traced_at)
    expected = eager(lambda *v: run(program, v, values=True), xs)
    assert f(*xs) == expected
    assert f.replay_eagerly(xs) == expected  # the engine's own replay of the tape


def test_mlp_training_steps_equal_eager_steps() -> None:
    rng = random.Random(3)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(12)]
    y = [1.0 if a * b > 0 else -1.0 for a, b in X]
    models = [MLP(2, [8, 8, 1], seed=5) for _ in range(2)]

    def loss_of(model: MLP) -> Value:
        hinge = vsum([(1 - yi * model(x)).relu() for x, yi in zip(X, y)])
        return hinge * (1 / len(X)) + 1e-4 * vsum([p * p for p in model.parameters()])

    eager_model, compiled_model = models
    step = compile(lambda: loss_of(compiled_model), params=compiled_model.parameters())
    for _ in range(5):
        for m in models:
            m.zero_grad()
        expected = loss_of(eager_model)
        expected.backward()
        value, grads = step()
        assert grads == []
        assert value == expected.data
        assert [p.grad for p in compiled_model.parameters()] == [
            p.grad for p in eager_model.parameters()
        ]
        for m in models:
            for p in m.parameters():
                p.data -= 0.1 * p.grad


def test_the_gradient_of_a_param_is_added_and_its_current_data_read() -> None:
    w = Value(2.0)
    f = compile(lambda x: w * x * x, params=[w])
    assert f(3.0) == (18.0, [12.0])
    w.data = 1.0
    assert f(3.0) == (9.0, [6.0])
    assert w.grad == 18.0  # 9 + 9: gradients accumulate like backward()


@pytest.mark.parametrize(
    ("fn", "how"),
    [
        (lambda x: x if x > 0 else -x, ">"),
        (lambda x: x * float(x), "float()"),
        (lambda x: x * x.item(), "item()"),
        (lambda x: x.relu() if x >= 0.5 else x, ">="),
    ],
)
def test_branching_on_data_raises_a_tracing_error(fn: object, how: str) -> None:
    with pytest.raises(TracingError, match=f"used {re.escape(how)} on Value"):
        compile(fn)(1.0)  # type: ignore[arg-type]


def test_a_failed_trace_leaves_it_untraced_and_the_next_call_retries() -> None:
    calls = []

    def f(x: Value) -> Value:
        calls.append(1)
        return x.relu() if len(calls) > 1 else (x if x > 0 else -x)

    compiled = compile(f)
    with pytest.raises(TracingError):
        compiled(2.0)
    assert compiled.tape == [] and compiled.n_args is None
    assert compiled(2.0) == (2.0, [1.0])
    assert compiled(-3.0) == (0.0, [0.0])


def test_exported_at_the_top_level() -> None:
    import autograd_lite

    assert autograd_lite.compile is compile


def test_comparisons_work_again_after_tracing() -> None:
    compile(lambda x: x * 2)(1.0)
    assert Value(2.0) > 1


def test_no_grad_inside_the_function_is_refused() -> None:
    from autograd_lite import no_grad

    def f(x: Value) -> Value:
        with no_grad():
            s = x * 2
        return s * x

    with pytest.raises(TracingError, match="no_grad"):
        compile(f)(1.0)


def test_zero_times_infinite_local_gives_nan_as_eager_does() -> None:
    f = lambda x: x.sqrt() * 0.0  # noqa: E731  d sqrt/dx is inf at 0, reached by a zero gradient
    value, (g,) = compile(f)(0.0)
    expected_value, (expected_g,) = eager(f, [0.0])
    assert value == expected_value == 0.0
    assert math.isnan(g) and math.isnan(expected_g)


def test_zero_gradient_through_an_inlined_dot_with_an_infinite_input_gives_nan() -> None:
    def f(x: Value, y: Value) -> Value:
        return dot([x, y], [y, Value(math.inf)]) * 0.0  # d dot / dy = inf, reached by 0

    value, grads = compile(f)(1.0, 2.0)
    expected_value, expected_grads = eager(f, [1.0, 2.0])
    assert math.isnan(value) and math.isnan(expected_value)
    assert (
        [math.isnan(g) for g in grads]
        == [math.isnan(g) for g in expected_grads]
        == [
            False,
            True,
        ]
    )


def test_an_op_without_an_inline_form_is_called_and_agrees_with_eager() -> None:
    from autograd_lite import Op

    cube = Op("cube", forward=lambda x: x**3, local=lambda x, out: (3 * x * x,))
    f = lambda x: cube(x * 2.0) + x  # noqa: E731
    assert compile(f)(1.5) == eager(f, [1.5])


def test_out_of_domain_input_at_replay_names_the_op() -> None:
    f = compile(lambda x: x.log())
    assert f(1.0) == (0.0, [1.0])
    with pytest.raises(ValueError, match=r"op .log.*data=-1\.0"):
        f(-1.0)


def test_bad_calls_get_specific_errors() -> None:
    f = compile(lambda x, y: x * y)
    f(1.0, 2.0)
    with pytest.raises(TypeError, match="traced with 2 arguments, got 1"):
        f(1.0)
    with pytest.raises(TypeError, match="argument 1 must be a number"):
        f(1.0, "2")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must return a Value"):
        compile(lambda x: 3.0)(1.0)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="takes Values"):
        compile(lambda: Value(1.0), params=[1.0])  # type: ignore[list-item]


# -- the engine's speed-ups keep its behaviour (they were made together with compile) ---------


def test_backward_restores_the_garbage_collectors_state() -> None:
    import gc

    x = Value(2.0)
    (x * x).backward()
    assert gc.isenabled()
    gc.disable()
    try:
        (x * x).backward()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failing_hook_in_backward_leaves_no_partial_gradient_behind() -> None:
    from autograd_lite.modes import using

    def explode(node: Value, g: float) -> None:
        if node._op == "+":
            raise RuntimeError("stop")

    x = Value(1.0)
    y = (x * 3) + 1
    with using(on_backward=explode), pytest.raises(RuntimeError, match="stop"):
        y.backward()
    y.backward()  # a clean pass afterwards gives exactly one gradient
    assert x.grad == 3.0


def test_dot_lifts_plain_numbers_and_keeps_values() -> None:
    from autograd_lite import dot

    w = [Value(2.0), Value(-1.0)]
    out = dot(w, [3, 4.0], bias=0.5)
    assert out.data == 2.5
    assert out._prev[:2] == tuple(w)
    assert [p.data for p in out._prev[2:]] == [3.0, 4.0, 0.5]
    with pytest.raises(TypeError, match="real number"):
        dot(w, ["a", 1.0])


def test_aux_values_come_back_in_their_shape_after_every_call() -> None:
    def f(x: Value, y: Value) -> tuple[Value, list[object]]:
        s, p = x + y, x * y
        return s * p, [s, [p, x]]

    step = compile(f, has_aux=True)
    for xs in ([1.0, 2.0], [-3.0, 0.5]):
        value, grads = step(*xs)
        assert (value, grads) == eager(lambda x, y: f(x, y)[0], xs)
        x, y = xs
        assert step.aux == [x + y, [x * y, x]]
    assert step.replay_eagerly([2.0, 5.0])[0] == 70.0
    assert step.aux == [7.0, [10.0, 2.0]]


def test_aux_must_be_a_list_of_values_the_loss_depends_on() -> None:
    with pytest.raises(TypeError, match=r"must return \(loss, \[aux values\]\)"):
        compile(lambda x: x * 2, has_aux=True)(1.0)
    with pytest.raises(TracingError, match="does not depend on"):
        compile(lambda x: (x * 2, [x * 3]), has_aux=True)(1.0)


def test_ops_with_an_inline_form_are_pasted_in_and_the_others_called() -> None:
    def calls(f: object) -> list[str]:
        return [n for n in f._run.__code__.co_names if n.startswith("op")]  # type: ignore[attr-defined]

    pasted = compile(lambda x, y: (x * y + x).relu().tanh() - (-x).exp())
    pasted(1.0, 2.0)
    assert calls(pasted) == []
    pasted = compile(lambda x, y: dot([x, y], [y, x], 1.0))  # *args, traced on symbols
    pasted(1.0, 2.0)
    assert calls(pasted) == []
    for fn in (lambda x: x**2.5, lambda x: vsum([x, x * x])):
        called = compile(fn)  # a closure; math.fsum: called
        called(2.0)
        assert calls(called) != []


def test_graphs_of_one_shape_share_their_code_and_keep_their_own_numbers_and_ops() -> None:
    from autograd_lite.compile import _REPLAY_CODE

    def cube(x: Value) -> Value:
        return x**3 * 2.0 + 1.0

    def fourth(x: Value) -> Value:  # the same source: x ** k is called, the numbers are leaves
        return x**4 * 3.0 + 5.0

    cube.__name__ = fourth.__name__ = "one_shape_two_functions"
    first, second = compile(cube), compile(fourth)
    assert first(2.0) == (17.0, [24.0])
    assert second(2.0) == (53.0, [96.0])
    code = first._run.__code__  # type: ignore[attr-defined]
    assert second._run.__code__ is code  # type: ignore[attr-defined]
    assert any(c is code for c in _REPLAY_CODE.values())
    # Held weakly: once no replay uses it, the shared code is freed.
    freed = weakref.ref(code)
    del first, second, code
    gc.collect()
    assert freed() is None


def test_the_public_layout_says_where_the_tape_keeps_its_numbers() -> None:
    w = Value(2.0)

    def f(x: Value) -> tuple[Value, list[Any]]:
        y = x * w
        return y + 5.0, [y, [x, y]]

    c = compile(f, params=[w], has_aux=True)
    with pytest.raises(TracingError, match="has not been traced yet"):
        _ = c.layout
    c.trace(3.0)
    assert c.tape and w.grad == 0.0  # traced, not replayed
    layout = c.layout
    assert layout.slots == 5 and [v for _, v in layout.constants] == [5.0]
    assert c.tape[-1][2] == layout.root and len(layout.aux_slots) == 3
    assert layout.aux_shape == (None, 2)
    c.trace(100.0)  # already traced: the tape stays
    c(4.0)
    assert c.aux == [8.0, [4.0, 8.0]] and c.name == "f"
    with pytest.raises(AttributeError):
        layout.root = 0  # type: ignore[misc]


def test_regroup_cuts_a_flat_list_back_into_its_shape() -> None:
    assert regroup([1, 2, 3, 4], [None, 2, None]) == [1, [2, 3], 4]
    assert regroup([], []) == [] and regroup([7], [1]) == [[7]]
    with pytest.raises(ValueError, match="the shape takes 2 items, the list has 3"):
        regroup([1, 2, 3], [2])
