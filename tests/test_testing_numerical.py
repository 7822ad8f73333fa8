"""numerical_grad: its three difference quotients, their order of convergence and its errors."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, is_grad_enabled
from autograd_lite.testing import numerical_grad
from autograd_lite.testing.numerical import Unusable, derivative


def exp_error(method: str, h: float) -> float:
    (g,) = numerical_grad(lambda x: x.exp(), [0.0], method=method, eps=h)
    return abs(g - 1.0)  # d/dx e^x at 0 is exactly 1


@pytest.mark.parametrize(("method", "order"), [("central", 2), ("forward", 1), ("backward", 1)])
def test_error_shrinks_with_the_order_of_the_method(method: str, order: int) -> None:
    errors = [exp_error(method, h) for h in (0.1, 0.01, 0.001)]
    # Dividing h by 10 divides the error by about 10^order; the ratio, not the errors, is checked.
    for big, small in itertools.pairwise(errors):
        ratio = big / small
        assert 10**order / 2 < ratio < 10**order * 2, (method, errors)


def test_central_beats_one_sided_at_the_same_step() -> None:
    assert exp_error("central", 0.01) < exp_error("forward", 0.01) / 10
    assert exp_error("central", 0.01) < exp_error("backward", 0.01) / 10


def test_one_sided_errors_have_opposite_signs_for_a_convex_function() -> None:
    # e^x is convex: the forward quotient overestimates, the backward one underestimates.
    (fwd,) = numerical_grad(lambda x: x.exp(), [0.0], method="forward", eps=0.01)
    (bwd,) = numerical_grad(lambda x: x.exp(), [0.0], method="backward", eps=0.01)
    assert fwd > 1.0 > bwd


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_default_steps_give_accurate_gradients_of_a_two_input_function(method: str) -> None:
    x, y = 0.7, -1.3
    # f = x^2 y + sin(y): df/dx = 2xy, df/dy = x^2 + cos(y), worked by hand.
    g = numerical_grad(lambda a, b: a * a * b + b.sin(), [x, y], method=method)
    tol = 1e-8 if method == "central" else 1e-6
    assert g == pytest.approx([2 * x * y, x * x + math.cos(y)], abs=tol)


def test_inputs_may_be_values_and_are_left_untouched() -> None:
    a = Value(2.0, label="a")
    (g,) = numerical_grad(lambda v: v * v * v, [a])
    assert g == pytest.approx(12.0, rel=1e-8)
    assert a.grad == 0.0


def test_the_function_runs_without_building_a_graph() -> None:
    seen: list[bool] = []

    def f(v: Value) -> Value:
        seen.append(is_grad_enabled())
        return v * 2

    numerical_grad(f, [1.0])
    assert seen and not any(seen)


def test_a_function_returning_a_float_works() -> None:
    (g,) = numerical_grad(lambda v: 3.0 * float(v), [1.0])
    assert g == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"method": "sideways"}, ValueError, ["method", "sideways", "central"]),
        ({"eps": 0.0}, ValueError, ["eps", "positive"]),
        ({"eps": -1e-3}, ValueError, ["eps"]),
        ({"eps": math.inf}, ValueError, ["eps"]),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, object], error: type, words: list[str]) -> None:
    with pytest.raises(error) as info:
        numerical_grad(lambda v: v, [1.0], **kwargs)  # type: ignore[arg-type]
    for word in words:
        assert word in str(info.value)


def test_bad_inputs_and_results_are_type_errors() -> None:
    with pytest.raises(TypeError, match=r"inputs\[1\].*str"):
        numerical_grad(lambda a, b: a, [1.0, "2"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="list of numbers"):
        numerical_grad(lambda a: a, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must return a Value or a number, got str"):
        numerical_grad(lambda a: "x", [1.0])


# -- the adaptive derivative: steps that scale with x, Richardson extrapolation --------------


@pytest.mark.parametrize(
    ("f", "x", "true"),
    [
        (lambda x: 3 * x, 1e10, 3.0),
        (math.log, 1e-8, 1e8),
        (math.sqrt, 1e-8, 5e3),
        (lambda x: math.sin(x + 1), 1e-9, math.cos(1 + 1e-9)),
        (math.sin, 1e10, math.cos(1e10)),
        (lambda x: math.exp(x / 1e10), 1e10, math.e / 1e10),
        (lambda x: math.tanh(x / 1e-8), 0.0, 1e8),
        (lambda x: math.cos(x**9) ** 6, 2.0, -54 * 256 * math.cos(512) ** 5 * math.sin(512)),
        (lambda x: math.exp(20 * x), 1.0, 20 * math.exp(20)),
        (math.cos, 0.0, 0.0),
    ],
)
def test_derivative_is_accurate_at_every_magnitude(
    f: Callable[[float], float], x: float, true: float
) -> None:
    d = derivative(f, x)
    # the estimated error is honest (at least the real one) and small
    assert abs(d.value - true) <= 4 * d.error + 1e-300
    assert d.error <= 1e-5 * abs(true) + 1e-12


@settings(max_examples=200)
@given(
    a=st.floats(-3, 3),
    exponent=st.integers(-8, 10),
    mantissa=st.floats(0.1, 10),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_derivative_of_a_function_of_x_over_its_magnitude_is_accurate(
    a: float, exponent: int, mantissa: float, sign: float
) -> None:
    m = 10.0**exponent
    x = sign * mantissa * m

    def f(t: float) -> float:  # f(x) = m * g(x / m) with g smooth at scale 1
        u = t / m
        return m * (math.sin(a * u) + math.log(u * u + 1) + u**3 / 10)

    u = x / m
    true = a * math.cos(a * u) + 2 * u / (u * u + 1) + 3 * u * u / 10
    # f adds three terms that may cancel: each is rounded at its own size, not f's (and the
    # log at about one unit of its argument's last place, whatever the log's own size)
    rounding = 2.0**-52 * m * (2 + math.log(u * u + 1) + abs(u**3) / 10)
    d = derivative(f, x, rounding=rounding)
    assert abs(d.value - true) <= 4 * d.error + 1e-9 * abs(true) + 1e-12, d
    assert d.error <= 1e-6 * max(abs(true), 1e-3), d


def test_steps_that_a_probe_cannot_use_are_dropped_and_smaller_ones_used() -> None:
    def f(t: float) -> float:  # |t - 0.7 - 1e-6| makes steps above 1e-6 unusable
        if abs(t - 0.7) >= 1e-6:
            raise Unusable("too far")
        return math.sin(t)

    d = derivative(f, 0.7)
    assert d.value == pytest.approx(math.cos(0.7), rel=1e-9)
    assert d.step < 1e-6 and isinstance(d.skipped, Unusable) and str(d.skipped) == "too far"


def test_a_probe_unusable_everywhere_gives_nan_and_the_reason() -> None:
    def f(t: float) -> float:
        raise Unusable("nowhere")

    d = derivative(f, 1.0)
    assert math.isnan(d.value) and str(d.skipped) == "nowhere"


def test_the_adaptive_method_of_numerical_grad() -> None:
    g = numerical_grad(lambda x, y: x.log() * y, [1e-5, 2e9], method="adaptive")
    assert g == pytest.approx([2e9 / 1e-5, math.log(1e-5)], rel=1e-9)
    # where the fixed step fails
    (fixed,) = numerical_grad(lambda x: x * 3.0, [1e10])
    assert abs(fixed - 3) > 1
    assert numerical_grad(lambda x: x * 3.0, [1e10], method="adaptive") == [3.0]
    (undefined,) = numerical_grad(lambda x: (x - 2.0).log(), [1.0], method="adaptive")
    assert math.isnan(undefined)
    with pytest.raises(ValueError, match="adaptive"):
        numerical_grad(lambda x: x, [1.0], method="adaptive", eps=1e-3)


def test_the_difference_stays_centred_where_x_minus_h_is_on_a_coarser_grid() -> None:
    # At x = -1, x - h lies in [-2, -1), whose grid is twice as coarse as that of x + h; an
    # off-centre quotient was 2.2e-16 off this zero derivative with an estimate of 1e-20.
    d = derivative(lambda t: math.tanh(2 * ((t + 1.0) * t) ** 2), -1.0)
    assert abs(d.value) <= 4 * d.error


def test_the_oracle_sees_a_slope_that_rounding_hides_from_tiny_steps() -> None:
    # 2 - (2 - x) only moves for steps above 1e-16: the tests' oracle starts at the scale of
    # their functions (1), not at |x| (it returned 0 here).
    from tests.oracles import central_gradient

    assert central_gradient(lambda x: 2.0 - (2.0 - x), [1.4654952669768852e-219]) == [1.0]
