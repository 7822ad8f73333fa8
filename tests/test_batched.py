"""Batched replay (NumPy and torch) against the scalar replay, sample by sample."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, dot, vsum
from autograd_lite import ops as op_table
from autograd_lite.batched import FORMS, form_of
from autograd_lite.compile import compile
from autograd_lite.forms import FACTORY_FORMS
from autograd_lite.nn import MLP
from autograd_lite.op import Op
from autograd_lite.testing.strategies import expressions

np = pytest.importorskip("numpy", reason="NumPy is not installed (pip install numpy)")
try:
    import torch
except ImportError:
    torch = None

BACKENDS = [
    "numpy",
    pytest.param(
        "torch", marks=pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
    ),
]
TOL = 1e-12


def close(a: float, b: float) -> bool:
    if math.isnan(b):
        return math.isnan(a)
    return a == b or abs(a - b) <= TOL * max(1.0, abs(b))


def as_list(x: Any) -> list[float]:
    return [float(v) for v in x.tolist()]


def check(
    backend: str, f: Callable[..., Value], params: Sequence[Value], columns: list[list[float]]
) -> None:
    """The batched replay of f equals the scalar replay on every sample (param grads summed)."""
    scalar = compile(f, params=params)
    batched = compile(f, params=params).batched(backend)
    n = len(columns[0])
    expected_values, expected_grads, expected_params = [], [], [0.0] * len(params)
    magnitudes = [0.0] * len(params)  # sum of |each sample's term|, for the summation order
    errors: list[tuple[int, type]] = []
    for i in range(n):
        for p in params:
            p.grad = 0.0
        try:
            value, grads = scalar(*(col[i] for col in columns))
        except (ValueError, ZeroDivisionError) as e:
            errors.append((i, type(e)))
            continue
        expected_values.append(value)
        expected_grads.append(grads)
        expected_params = [a + p.grad for a, p in zip(expected_params, params)]
        magnitudes = [m + abs(p.grad) for m, p in zip(magnitudes, params)]
    for p in params:
        p.grad = 0.0
    if errors:
        i, kind = errors[0]
        with pytest.raises(kind, match=f"batched replay, sample {i}: op"):
            batched(*columns)
        return
    values, grads = batched(*columns)
    assert all(map(close, as_list(values), expected_values)), (values, expected_values)
    for k, column in enumerate(grads):
        assert all(map(close, as_list(column), [g[k] for g in expected_grads]))
    # The batched sum adds the samples' terms in another order (pairwise, for torch): each
    # order is within n u sum|terms| of the exact sum, so the two differ by up to twice that
    # (seed 15: -1/b + 1/b^2 - 1/b^2 at b = 1.2e-38 is 0.0 one way round, -8.5e37 the other).
    for p, e, m in zip(params, expected_params, magnitudes):
        spread = 2 * n * 2**-52 * m if math.isfinite(m) else 0.0
        assert close(p.grad, e) or abs(p.grad - e) <= spread, (p.grad, e, m)


NUMBERS = st.floats(-4, 4) | st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0])
# Per op: also the edges, where a form must take the scalar op's branch (kinks, halves for
# round, overflow, the ends of asin's and atanh's domains, NaN and inf).
EDGES = st.sampled_from([0.5, -2.5, 1.5, 3.0, 1e-310, 720.0, -720.0, 1e300, 1.0, -1.0])
SPECIALS = st.sampled_from([math.nan, math.inf, -math.inf])
EDGY = st.one_of(NUMBERS, EDGES, SPECIALS)


def columns(k: int, numbers: st.SearchStrategy[float] = NUMBERS) -> Any:
    return st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(numbers, min_size=n, max_size=n), min_size=k, max_size=k)
    )


FACTORY_OPS = [op_table.power(k) for k in (2.0, 3.0, 0.5, -1.0, -2.0, 0.0, 1.0, 1.5)]
FACTORY_OPS += [op_table.clamp(-1.0, 2.0), op_table.clamp(-math.inf, 0.5)]
FACTORY_OPS += [op_table.clamp(0.0, math.inf), op_table.clamp(1.0, 1.0)]
FACTORY_OPS += [op_table.hardtanh(-1.0, 1.0), op_table.hardtanh(0.0, 3.0)]
FACTORY_OPS += [op_table.leaky_relu(0.01), op_table.leaky_relu(-0.5), op_table.elu(1.0)]
FACTORY_OPS += [op_table.elu(0.3)]
OPS = [*op_table.ALL, *FACTORY_OPS]  # every op of the table: a new one joins this test by itself
ARITY = {op_table.SUM: 3, op_table.DOT: 4, op_table.AFFINE: 5}


def arity(op: Op) -> int:
    if op in ARITY:
        return ARITY[op]
    parameters = inspect.signature(op.forward).parameters.values()
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters), f"give {op} an ARITY"
    return len(parameters)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@settings(max_examples=40)  # x 66 ops x 2 backends; each example traces twice
@given(data=st.data())
def test_each_op_batched_equals_the_scalar_op(op: Op, backend: str, data: Any) -> None:
    k = arity(op)
    # One input is a shared parameter (the same number for every sample) when drawn so.
    shared = data.draw(st.integers(-1, k - 1)) if k > 1 else -1
    p = Value(data.draw(EDGY))
    n_args = k - (shared >= 0)

    def f(*xs: Value) -> Value:
        inputs = list(xs)
        if shared >= 0:
            inputs.insert(shared, p)
        return op(*inputs)  # type: ignore[no-any-return]

    check(backend, f, [p], data.draw(columns(n_args, EDGY)))


def test_every_op_of_the_table_has_a_batched_form() -> None:
    for op in op_table.ALL:
        assert len(form_of(op)) == 3, op  # raises NotImplementedError naming a missing one
    assert set(FORMS) == set(op_table.ALL)
    # Op factories (one op per constant, like power(k)): each has a form maker, and the test
    # above draws an op from each. A new factory fails here until it has both.
    factories = {
        name
        for name, value in vars(op_table).items()
        if isinstance(value, functools._lru_cache_wrapper) and not name.startswith("_")
    }
    assert factories == set(FACTORY_FORMS)
    tested = {op.forward.__qualname__.partition(".")[0] for op in FACTORY_OPS}
    assert tested == factories


def test_an_op_without_a_form_is_refused_by_name() -> None:
    cube = Op("cube", lambda x: x * x * x, lambda x, out: (3 * x * x,))
    with pytest.raises(NotImplementedError, match="op 'cube' has no batched form"):
        form_of(cube)
    f = compile(lambda x: cube(x) + 1.0)
    with pytest.raises(NotImplementedError, match="op 'cube' has no batched form"):
        f.batched("numpy")([1.0, 2.0])

    def clamp(x: float) -> float:  # a user's function named like an op factory
        return x

    mine = Op("mine", clamp, lambda x, out: (1.0,))
    with pytest.raises(NotImplementedError, match="op 'mine' has no batched form"):
        form_of(mine)


@pytest.mark.parametrize("backend", BACKENDS)
@given(expressions(3, max_nodes=8), columns(2), st.floats(-3, 3))
def test_random_graphs_batched_equal_the_scalar_replay(
    backend: str, expression: Any, cols: list[list[float]], shared: float
) -> None:
    p = Value(shared)
    check(backend, lambda a, b: expression(a, b, p), [p], cols)


@pytest.mark.parametrize("backend", BACKENDS)
@given(st.data())
def test_a_training_step_sums_the_parameter_gradients(backend: str, data: Any) -> None:
    act = data.draw(st.sampled_from(["relu", "tanh", "sigmoid"]))
    model = MLP(2, [4, 3, 1], activation=act, seed=data.draw(st.integers(0, 99)))
    params = model.parameters()

    def loss(x0: Value, x1: Value, y: Value) -> Value:
        hinge = (1 - y * model([x0, x1])).relu() * 0.25
        return hinge + 1e-3 * vsum([q * q for q in params]) + dot([x0], [x1])

    cols = data.draw(columns(3))
    check(backend, loss, params, cols)


@pytest.mark.parametrize("backend", BACKENDS)
def test_outputs_that_do_not_depend_on_the_batch_are_repeated(backend: str) -> None:
    w = Value(3.0)
    f = compile(lambda x: w * w + x * 0.0, params=[w]).batched(backend)
    values, (dx,) = f([1.0, 2.0])
    assert as_list(values) == [9.0, 9.0] and as_list(dx) == [0.0, 0.0] and w.grad == 12.0
    w.grad = 0.0
    g = compile(lambda x: w * w, params=[w]).batched(backend)
    values, (dx,) = g([1.0, 2.0, 5.0])
    assert as_list(values) == [9.0, 9.0, 9.0] and as_list(dx) == [0.0] * 3 and w.grad == 18.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_aux_values_come_back_per_sample(backend: str) -> None:
    def f(x: Value) -> tuple[Value, list[Any]]:
        s = x * x
        return s * 3.0, [s, [x, s]]

    b = compile(f, has_aux=True).batched(backend)
    b([1.0, 2.0])
    square, (x, s) = b.aux
    assert as_list(square) == [1.0, 4.0] and as_list(x) == [1.0, 2.0] and as_list(s) == [1.0, 4.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_domain_errors_name_the_sample_and_the_op(backend: str) -> None:
    f = compile(lambda x: (x - 1.0).log()).batched(backend)
    with pytest.raises(ValueError, match=r"sample 2: op 'log': log needs an input > 0"):
        f([3.0, 2.0, 1.0, 0.5])
    w = Value(0.0)
    g = compile(lambda x: x / w, params=[w]).batched(backend)
    with pytest.raises(ZeroDivisionError, match="sample 0: op '/'"):
        g([1.0, 2.0])


def test_bad_calls_are_clear_errors() -> None:
    f = compile(lambda x, y: x * y)
    with pytest.raises(ValueError, match="choose one of numpy, torch"):
        f.batched("jax")
    b = f.batched("numpy")
    with pytest.raises(ValueError, match="all the same length"):
        b([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="at least one sample"):
        b([], [])
    b([1.0, 2.0], [3.0, 4.0])
    with pytest.raises(TypeError, match="traced with 2 arguments, got 1"):
        b([1.0])
    with pytest.raises(ValueError, match="runs on the CPU"):
        f.batched("numpy", device="cuda")


def test_the_tape_is_the_scalar_one_traced_on_the_first_sample() -> None:
    f = compile(lambda x: x * 2.0)
    b = f.batched("numpy")
    values, _ = b(np.array([1.0, 2.0]))
    assert as_list(values) == [2.0, 4.0] and f.n_args == 1 and len(f.tape) == 1
    assert repr(b) == "Batched(Compiled(<lambda>, 1 ops), backend='numpy')"


def test_the_batched_replay_reads_compiled_through_its_public_api_only() -> None:
    import ast

    import autograd_lite.batched as module

    tree = ast.parse(inspect.getsource(module))
    private = [
        node.attr
        for node in ast.walk(tree)
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and isinstance(node.value, ast.Name)
            and node.value.id in ("c", "compiled")
        )
        or (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "compiled"
        )
    ]
    assert private == []
