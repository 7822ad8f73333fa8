"""The core's promises: exact nested derivatives, IEEE results at domain edges, NaN propagation.

Each test is one of the cases the core issue listed as wrong, checked against the true value
(worked by hand in the comment) or PyTorch float64 where it is installed.
"""

from __future__ import annotations

import math

import pytest

from autograd_lite import Op, Value, grad, hessian, jvp, no_grad, ops
from autograd_lite.modes import MODE

# -- nested differentiation keeps the outer variable (no perturbation confusion) -------------


def test_an_inner_grad_over_a_closed_over_variable_keeps_its_dependence() -> None:
    # inner: d/dy (x * y) = x, so the outer function is x * x, whose derivative at 1 is 2.
    assert grad(lambda x: x * grad(lambda y: x * y)(2.0))(1.0) == 2.0


def test_an_inner_grad_differentiates_its_own_argument_not_the_outer_one() -> None:
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1: the inner argument is a fresh variable.
    assert grad(lambda x: x * grad(lambda y: x + y)(x))(3.0) == 1.0


def test_results_are_floats_at_top_level_and_values_inside_a_differentiation() -> None:
    assert isinstance(grad(lambda x: x * x)(3.0), float)
    seen: list[object] = []

    def outer(x: Value) -> Value:
        inner = grad(lambda y: y * y)(2.0)
        seen.append(inner)
        return x * inner

    assert grad(outer)(1.0) == 4.0
    assert isinstance(seen[0], Value)
    assert MODE.get().depth == 0  # restored after the call


def test_forward_over_forward_gives_the_second_derivative() -> None:
    # f = x^3: f' = 3x^2 = 12 and f'' = 6x = 12 at x = 2
    def first(x: Value) -> Value:
        return jvp(lambda y: y**3, (x,), (1.0,))[1]  # type: ignore[no-any-return]

    assert jvp(first, (2.0,), (1.0,)) == (12.0, 12.0)


def test_forward_over_reverse_gives_a_hessian_vector_product() -> None:
    # f = x^2 y: H = [[2y, 2x], [2x, 0]]; H @ (1, 0) at (3, 5) is (10, 6)
    def df_dx(x: Value, y: Value) -> Value:
        return grad(lambda a, b: a * a * b, argnums=0)(x, y)  # type: ignore[no-any-return]

    def df_dy(x: Value, y: Value) -> Value:
        return grad(lambda a, b: a * a * b, argnums=1)(x, y)  # type: ignore[no-any-return]

    assert jvp(df_dx, (3.0, 5.0), (1.0, 0.0))[1] == 10.0
    assert jvp(df_dy, (3.0, 5.0), (1.0, 0.0))[1] == 6.0


def test_reverse_over_forward_gives_the_second_derivative() -> None:
    # d/dx of (d/dx sin x) = -sin x
    def tangent(x: Value) -> Value:
        return jvp(lambda y: y.sin(), (x,), (1.0,))[1]  # type: ignore[no-any-return]

    assert grad(tangent)(0.5) == pytest.approx(-math.sin(0.5), rel=1e-15)


# -- second derivatives at domain edges: IEEE's inf or nan, never an exception -----------------


def test_second_derivative_of_zero_to_a_power_is_ieee_not_an_exception() -> None:
    # 0 ** y = 0 for every y > 0, so every derivative in y is 0 (d/dy is taken as 0 at a zero
    # base, as PyTorch does; PyTorch's own second derivative there is nan, from 0 * log 0).
    assert grad(lambda y: 0.0**y)(0.3) == 0.0
    assert grad(grad(lambda y: 0.0**y))(0.3) == 0.0
    # d/dx of x ** 0.3 at 0 is 0.3 * 0 ** -0.7 = inf, and its derivative -0.21 * 0 ** -1.7 = -inf
    assert grad(lambda x: x**0.3)(0.0) == math.inf
    assert grad(grad(lambda x: x**0.3))(0.0) == -math.inf


def test_second_derivative_of_sqrt_at_zero_is_minus_infinity_like_pytorch() -> None:
    assert grad(lambda x: x.sqrt())(0.0) == math.inf
    assert grad(grad(lambda x: x.sqrt()))(0.0) == -math.inf


def test_ieee_results_stay_inside_derivative_formulas() -> None:
    # The user's own log(0) and 1/0 are still clear errors, after a create_graph pass too.
    grad(grad(lambda x: x.sqrt()))(0.0)
    with pytest.raises(ValueError, match="op 'log'"):
        Value(0.0).log()
    with pytest.raises(ZeroDivisionError, match="divisor"):
        Value(1.0) / 0.0


# -- a custom op whose derivative cannot run on Values -------------------------------------------


def _cos_with_math(x: float) -> float:
    return math.sin(x)


def _cos_with_math_local(x: object, out: object) -> tuple[float]:
    return (math.cos(x),)  # type: ignore[arg-type]  # the mistake under test


def _sin_with_helpers_local(x: object, out: object) -> tuple[object]:
    return (ops.cos(x),)


def test_a_custom_op_using_math_in_its_derivative_is_refused_at_create_graph() -> None:
    bad = Op("my_sin", _cos_with_math, _cos_with_math_local)
    x = Value(0.5)
    y = bad(x)
    y.backward()  # first order works on floats
    assert x.grad == math.cos(0.5)
    with pytest.raises(TypeError, match=r"op 'my_sin'.*float\(\)"):
        y.backward(create_graph=True)
    with pytest.raises(TypeError, match="op 'my_sin'"):
        grad(grad(bad))(0.5)


def test_a_custom_op_written_with_the_helpers_has_true_second_derivatives() -> None:
    good = Op("my_sin", _cos_with_math, _sin_with_helpers_local)
    assert grad(grad(good))(0.5) == pytest.approx(-math.sin(0.5), rel=1e-15)


# -- NaN and inf ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda v: v.relu(),
        lambda v: abs(v),
        lambda v: v.max(1.0),
        lambda v: Value(1.0).max(v),
        lambda v: v.min(1.0),
        lambda v: Value(1.0).min(v),
        lambda v: v.tanh(),
        lambda v: v.sin(),
    ],
    ids=["relu", "abs", "max_left", "max_right", "min_left", "min_right", "tanh", "sin"],
)
def test_nan_propagates_through_every_op(make: object) -> None:
    assert math.isnan(make(Value(math.nan)).data)  # type: ignore[operator]


def test_sin_and_cos_of_infinity_are_nan_like_ieee() -> None:
    for f in (Value.sin, Value.cos):
        y = f(Value(math.inf))
        y.backward()
        assert math.isnan(y.data)
        assert math.isnan(y.parents[0].grad)


def test_nan_gradients_at_kinks_follow_pytorch() -> None:
    # PyTorch 2.13 float64: relu'(nan) = 1, abs'(nan) = 0, max(1, nan) gives 1 to both inputs.
    x = Value(math.nan)
    x.relu().backward()
    assert x.grad == 1.0
    x.grad = 0.0
    abs(x).backward()
    assert x.grad == 0.0
    a, b = Value(1.0), Value(math.nan)
    a.max(b).backward()
    assert (a.grad, b.grad) == (1.0, 1.0)


def test_a_negative_base_with_an_integral_value_exponent_works_like_pytorch() -> None:
    x, y = Value(-2.0), Value(2.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad) == (4.0, -4.0)
    assert math.isnan(y.grad)  # d/dy = x^y log x: log of a negative number


def test_hessian_of_a_nested_function_is_exact() -> None:
    # f(x) = x * g'(x) with g(y) = y^3: f = 3x^3, f'' = 18x = 36 at 2
    h = hessian(lambda x: x * grad(lambda y: y**3)(x))(2.0)
    assert h == [[36.0]]


def test_no_grad_inside_a_differentiation_still_builds_no_graph() -> None:
    def f(x: Value) -> Value:
        with no_grad():
            c = x * 2.0
        assert c.parents == ()
        return x * c

    assert grad(f)(3.0) == 6.0  # c is a constant 6


def test_a_subnormal_base_to_a_zero_value_power_has_gradient_zero_like_pytorch() -> None:
    x, y = Value(5e-324), Value(0.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad) == (1.0, 0.0)  # y x^(y-1) would be 0 * inf
    assert y.grad == math.log(5e-324)
