"""Higher-order derivatives and the functional API: create_graph, grad, jvp, hessian."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import (
    Value,
    grad,
    gradients,
    hessian,
    jacfwd,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
)
from autograd_lite.nn import MLP
from tests.graph_strategies import (
    as_values,
    inputs,
    programs,
    run,
    run_exact,
    smooth_and_in_domain,
)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# f, its second derivative in closed form, and where to test it
CLOSED_FORMS: list[tuple[str, Callable[[Value], Value], Callable[[float], float], float]] = [
    ("tanh", lambda x: x.tanh(), lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), 0.7),
    (
        "sigmoid",
        lambda x: x.sigmoid(),
        lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)),
        -0.4,
    ),
    ("cube", lambda x: x**3, lambda x: 6 * x, 1.3),
    ("exp", lambda x: x.exp(), math.exp, 0.9),
    ("log", lambda x: x.log(), lambda x: -1 / x**2, 2.5),
    ("sqrt", lambda x: x.sqrt(), lambda x: -0.25 * x**-1.5, 1.7),
    ("sin", lambda x: x.sin(), lambda x: -math.sin(x), 0.6),
    ("cos", lambda x: x.cos(), lambda x: -math.cos(x), 0.6),
    ("reciprocal", lambda x: 1 / x, lambda x: 2 / x**3, 1.9),
    ("pow_value", lambda x: x**x, lambda x: x**x * ((math.log(x) + 1) ** 2 + 1 / x), 1.4),
    ("rpow", lambda x: 2**x, lambda x: math.log(2) ** 2 * 2**x, 0.3),
    ("relu_square", lambda x: x.relu() ** 2, lambda x: 2.0 if x > 0 else 0.0, 0.8),
    ("abs_cube", lambda x: abs(x) ** 3, lambda x: 6 * abs(x), -0.8),
    ("max_gate", lambda x: x.max(x * x), lambda x: 2.0, 1.5),
    ("min_gate", lambda x: x.min(x * x), lambda x: 2.0, 0.5),
]


@pytest.mark.parametrize("case", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_second_derivative_matches_its_closed_form(
    case: tuple[str, Callable[[Value], Value], Callable[[float], float], float],
) -> None:
    _, f, second, at = case
    assert grad(grad(f))(at) == pytest.approx(second(at), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("case", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_backward_create_graph_gives_a_differentiable_grad_value(
    case: tuple[str, Callable[[Value], Value], Callable[[float], float], float],
) -> None:
    _, f, second, at = case
    x = Value(at)
    f(x).backward(create_graph=True)
    assert x.grad_value is not None
    assert x.grad == x.grad_value.data
    first = x.grad_value
    x.zero_grad()
    first.backward()
    assert x.grad == pytest.approx(second(at), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("x", "y"), [(2.0, 0.0), (1.5, 2.5), (0.5, -1.0)])
def test_hessian_of_a_value_power_matches_the_closed_form(x: float, y: float) -> None:
    # f = x^y: f_xx = y (y-1) x^(y-2), f_xy = x^(y-1) (1 + y ln x), f_yy = x^y ln^2 x
    h = hessian(lambda a, b: a**b)(x, y)
    f_xy = x ** (y - 1) * (1 + y * math.log(x))
    expected = [[y * (y - 1) * x ** (y - 2), f_xy], [f_xy, x**y * math.log(x) ** 2]]
    for row, want in zip(h, expected):
        assert row == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_create_graph_through_a_value_power_at_zero_zero() -> None:
    x, y = Value(0.0), Value(0.0)
    (x**y).backward(create_graph=True)  # x^0: d/dx taken as 0 there, as PyTorch
    assert x.grad_value is not None and x.grad_value.data == 0.0
    assert y.grad_value is not None and y.grad_value.data == 0.0


def test_every_fused_and_kinked_op_supports_create_graph() -> None:
    from autograd_lite import dot, vsum

    a, b, c = Value(0.5), Value(-1.5), Value(2.0)
    out = vsum([dot([a, b], [c, a], bias=b), abs(a * b), a.relu(), b.relu(), a.max(b), a.min(c)])
    (ga, gb, gc) = gradients(out, [a, b, c], create_graph=True)
    floats = gradients(out, [a, b, c])
    assert [ga.data, gb.data, gc.data] == pytest.approx(floats, rel=1e-15)
    # d/da of d out/da: from dot: c*a -> 2 in ... only c*a + b*a contributes a's cross terms
    (gaa,) = gradients(ga, [a])
    assert gaa == pytest.approx(0.0)
    (gac,) = gradients(ga, [c])
    assert gac == pytest.approx(1.0)


def assert_hessian_row_is_exact(
    program: list[tuple[str, tuple[int, ...]]], xs: list[float]
) -> None:
    """Row 0 of the engine's Hessian against mpmath on the program in 40-digit arithmetic."""
    mpmath = pytest.importorskip("mpmath", reason="the exact reference needs mpmath")
    n = len(xs)
    analytic = hessian(lambda *v: run(program, v, values=True))(*xs)[0]
    with mpmath.workdps(40):
        point = [mpmath.mpf(x) for x in xs]
        orders = [tuple(int(j == 0) + int(j == i) for j in range(n)) for i in range(n)]
        exact = [float(mpmath.diff(lambda *v: run_exact(program, v), point, o)) for o in orders]
    # float64 rounding in the engine scales with the row's magnitudes (measured: below 1e-13)
    scale = 1 + max(abs(e) for e in exact)
    for a, e in zip(analytic, exact):
        assert abs(a - e) <= 1e-8 * (abs(e) + scale), (program, xs, analytic, exact)


@given(data=st.data(), n=st.integers(1, 3))
def test_second_derivatives_match_mpmath(data: st.DataObject, n: int) -> None:
    program = data.draw(programs(n, max_ops=8), label="program")
    xs = data.draw(inputs(n), label="inputs")
    assume(smooth_and_in_domain(program, xs, margin=0.05))
    assert_hessian_row_is_exact(program, xs)


def test_the_second_derivative_of_cos_x9_to_the_6th_at_2_is_exact() -> None:
    # A central difference of the first derivative (h = 1e-5), this test's former oracle, was
    # 0.14% off here and failed at random on a fresh clone.
    cos_x9_pow6 = [("cube", (0,)), ("cube", (1,)), ("cos", (2,)), ("square", (3,)), ("cube", (4,))]
    assert_hessian_row_is_exact(cos_x9_pow6, [2.0])
    first = grad(lambda v: run(cos_x9_pow6, [v], values=True))
    old_oracle = (first(2.0 + 1e-5) - first(2.0 - 1e-5)) / 2e-5
    engine = hessian(lambda v: run(cos_x9_pow6, [v], values=True))(2.0)[0][0]
    assert abs(old_oracle - engine) > 1e-3 * abs(engine)


@given(data=st.data(), n=st.integers(1, 4))
def test_jvp_equals_the_reverse_gradient_dotted_with_the_tangent(
    data: st.DataObject, n: int
) -> None:
    program = data.draw(programs(n), label="program")
    xs = data.draw(inputs(n), label="inputs")
    ts = data.draw(inputs(n), label="tangents")
    assume(smooth_and_in_domain(program, xs))
    values = as_values(xs)
    out = run(program, values, values=True)
    out.backward()
    expected = sum(v.grad * t for v, t in zip(values, ts))
    value, directional = jvp(lambda *v: run(program, v, values=True), xs, ts)
    assert value == out.data
    assert directional == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_jvp_is_forward_mode_one_pass_without_backward() -> None:
    import autograd_lite.engine as engine

    calls = []
    original = engine.Value.backward
    engine.Value.backward = lambda *a, **k: calls.append(1)  # type: ignore[method-assign]
    try:
        value, slope = jvp(lambda x, w, b: 1 / ((-(w * x + b)).exp() + 1), (1, 0, 0), (0, 1, 0))
    finally:
        engine.Value.backward = original  # type: ignore[method-assign]
    assert calls == []
    assert (value, slope) == (0.5, 0.25)


def test_grad_of_the_sigmoid_neuron_is_a_quarter_for_w() -> None:
    f = lambda x, w, b: 1 / ((-(w * x + b)).exp() + 1)  # noqa: E731
    assert grad(f, argnums=1)(1.0, 0.0, 0.0) == 0.25
    value, grads = value_and_grad(f, argnums=(0, 1, 2))(1.0, 0.0, 0.0)
    assert value == 0.5 and grads == (0.0, 0.25, 0.25)


def test_grad_does_not_touch_the_grad_of_values_it_closes_over() -> None:
    w = Value(3.0)
    assert grad(lambda x: x * w)(2.0) == 3.0
    assert w.grad == 0.0


def test_grad_accepts_values_and_returns_a_value_for_composition() -> None:
    x = Value(2.0)
    g = grad(lambda v: v**3)(x)
    assert isinstance(g, Value) and g.data == 12.0
    g.backward()
    assert x.grad == 12.0  # d(3x^2)/dx at 2


def test_hessian_is_symmetric_on_an_mlp_loss() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=4)

    def loss(a: Value, b: Value) -> Value:
        return (model([a, b]) - 1.0) ** 2  # type: ignore[no-any-return,operator]

    h = hessian(loss)(0.3, -0.2)
    assert h[0][1] == pytest.approx(h[1][0], rel=1e-12)


def test_functions_that_do_not_return_a_scalar_value_get_a_clear_error() -> None:
    with pytest.raises(TypeError, match="returned list"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="returned str"):
        grad(lambda x: "3.0", argnums=0)(1.0)
    with pytest.raises(TypeError, match="argument 0 must be a number or a Value"):
        grad(lambda x: x)("a")
    with pytest.raises(ValueError, match="argnums 2 does not fit a call with 1 arguments"):
        grad(lambda x: x, argnums=2)(1.0)
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))


def test_create_graph_on_a_hundred_thousand_deep_chain() -> None:
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.000001
    y = y * y
    y.backward(create_graph=True)
    assert x.grad_value is not None
    first = x.grad_value
    assert first.data == pytest.approx(2 * (0.5 + 0.1), rel=1e-9)
    x.zero_grad()
    first.backward()
    assert x.grad == pytest.approx(2.0)


@given(data=st.data())
def test_hessian_matches_pytorch_float64(data: st.DataObject) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")
    program = data.draw(programs(3, max_ops=8), label="program")
    xs = data.draw(inputs(3), label="inputs")
    assume(smooth_and_in_domain(program, xs, margin=0.05))
    from tests.graph_strategies import OPS, node_values

    # PyTorch masks the base's gradient of x ** y where y == 0, which drops a term of the mixed
    # second derivative: its Hessian of x ** y at (1, 0) is not even symmetric (0 and 1).
    nodes = node_values(program, xs)
    assume(all(nodes[args[1]] != 0 for name, args in program if name == "pow_value"))

    # PyTorch takes d(x**y)/dx as the constant 0 wherever y == 0, so its d2/dxdy there is 0;
    # ours is the true x**(y-1) (test_hessian_of_a_value_power_matches_the_closed_form).
    values = list(xs)
    for name, args in program:
        assume(not (name == "pow_value" and values[args[1]] == 0.0))
        values.append(OPS[name][2](*(values[a] for a in args)))

    # Tensor spellings where the Value method name differs (or is missing on tensors).
    tensor_ops = {"abs": torch.abs, "max": torch.maximum, "min": torch.minimum}
    tensor_ops["vsum"] = lambda a, b, c: a + b + c
    tensor_ops["affine"] = lambda a, b, c: a * c + b * a + b
    nnf = torch.nn.functional
    tensor_ops.update(softplus=nnf.softplus, gelu=nnf.gelu, silu=nnf.silu)

    def torch_f(*t: object) -> object:
        nodes = list(t)
        for name, args in program:
            fn = tensor_ops.get(name, OPS[name][1])
            nodes.append(fn(*(nodes[a] for a in args)))
        return nodes[-1]

    expected = torch.autograd.functional.hessian(
        torch_f, tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
    )
    ours = hessian(lambda *v: run(program, v, values=True))(*xs)
    for i in range(3):
        for j in range(3):
            assert ours[i][j] == pytest.approx(float(expected[i][j]), rel=1e-9, abs=1e-9)


def test_a_constant_function_has_gradient_zero_like_jax_and_hips_autograd() -> None:
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert value_and_grad(lambda x, y: 2, argnums=(0, 1))(1.0, 2.0) == (2, (0.0, 0.0))
    assert grad(lambda x: Value(3.0))(1.0) == 0.0  # a Value that ignores x: the same answer
    # where it matters: the derivative of a linear function is a number, differentiated again
    assert grad(lambda x: jvp(lambda y: 3 * y, (x,), (1.0,))[1])(2.0) == 0.0
    assert hessian(lambda x, y: x + 2 * y)(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]


# -- vjp, jacobian, jacfwd and their compositions ---------------------------------------------


def _vector_f(x: Value, y: Value) -> list[Value]:
    return [x * y, (x * y).sin() + y, (x / y).exp(), x.atan2(y)]


def _vector_f_torch(x: object, y: object) -> tuple[object, ...]:
    import torch

    return (x * y, (x * y).sin() + y, (x / y).exp(), torch.atan2(x, y))  # type: ignore[operator]


@given(x=st.floats(-2, 2), y=st.floats(0.2, 2))
def test_jacobian_and_jacfwd_agree_with_pytorch_float64(x: float, y: float) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")
    args = tuple(torch.tensor(v, dtype=torch.float64) for v in (x, y))
    expected = [
        [float(d) for d in row] for row in torch.autograd.functional.jacobian(_vector_f_torch, args)
    ]
    for ours in (jacobian(_vector_f)(x, y), jacfwd(_vector_f)(x, y)):
        for row, want in zip(ours, expected):
            assert row == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_jacobian_layouts_follow_grad_and_pytorch() -> None:
    f = lambda x, y: [x * y, x + 2 * y]  # noqa: E731
    assert jacobian(f)(2.0, 3.0) == jacfwd(f)(2.0, 3.0) == [[3.0, 2.0], [1.0, 2.0]]
    assert jacobian(f, argnums=1)(2.0, 3.0) == jacfwd(f, argnums=1)(2.0, 3.0) == [2.0, 2.0]
    assert jacobian(f, argnums=(1,))(2.0, 3.0) == [[2.0], [2.0]]
    g = lambda x, y: x * y  # noqa: E731
    assert jacobian(g)(2.0, 3.0) == jacfwd(g)(2.0, 3.0) == [3.0, 2.0]
    assert jacobian(g, argnums=0)(2.0, 3.0) == jacfwd(g, argnums=0)(2.0, 3.0) == 3.0
    assert jacobian(lambda x: [x, 4.0])(1.0) == [[1.0], [0.0]]  # a constant output: a zero row


def test_vjp_gives_the_rows_of_the_jacobian_combined_by_the_cotangents() -> None:
    out, vjp_fn = vjp(_vector_f, 0.7, 1.3)
    assert out == [v.data for v in _vector_f(Value(0.7), Value(1.3))]
    rows = jacobian(_vector_f)(0.7, 1.3)
    cotangent = (1.0, -2.0, 0.5, 3.0)
    expected = [sum(c * row[j] for c, row in zip(cotangent, rows)) for j in range(2)]
    assert list(vjp_fn(*cotangent)) == pytest.approx(expected, rel=1e-12)
    assert list(vjp_fn(*cotangent)) == pytest.approx(expected, rel=1e-12)  # callable again
    value, scalar_vjp = vjp(lambda x: x**3, 2.0)
    assert (value, scalar_vjp(1.0), scalar_vjp(0.5)) == (8.0, (12.0,), (6.0,))
    with pytest.raises(ValueError, match="takes 4 cotangent"):
        vjp_fn(1.0)


def test_every_transform_composes_with_every_other() -> None:
    f = lambda x, y: x * x * y + (x * y).sin()  # noqa: E731
    x, y = 0.6, -1.1
    c = math.cos(x * y)
    s = math.sin(x * y)
    exact = [[2 * y - y * y * s, 2 * x + c - x * y * s], [2 * x + c - x * y * s, -x * x * s]]
    checks = {
        "hessian": hessian(f)(x, y),
        "jacfwd(jacobian)": jacfwd(jacobian(f))(x, y),
        "jacobian(jacobian)": jacobian(jacobian(f))(x, y),
        "jacobian(jacfwd)": jacobian(jacfwd(f))(x, y),
        "jacfwd(jacfwd)": jacfwd(jacfwd(f))(x, y),
        "grad(grad)": [[grad(grad(f, i), j)(x, y) for j in (0, 1)] for i in (0, 1)],
        "jvp(grad)": [
            [jvp(lambda *p, i=i: grad(f, i)(*p), (x, y), (j == 0, j == 1))[1] for j in (0, 1)]
            for i in (0, 1)
        ],
        "vjp(jacfwd)": [list(vjp(jacfwd(f, i), x, y)[1](1.0)) for i in (0, 1)],
        "grad(vjp)": [
            [grad(lambda *p, i=i: vjp(f, *p)[1](1.0)[i], j)(x, y) for j in (0, 1)] for i in (0, 1)
        ],
    }
    for name, got in checks.items():
        for row, want in zip(got, exact):
            assert [float(v) for v in row] == pytest.approx(want, rel=1e-12), name
    # third order, mixing all three: d3/dx3 of x^4 = 24 x
    assert jacfwd(lambda x: jacobian(lambda z: grad(lambda w: w**4)(z))(x))(2.0) == [[48.0]]
