"""numerical_grad: its three difference quotients, their order of convergence and its errors."""

from __future__ import annotations

import itertools
import math

import pytest

from autograd_lite import Value, is_grad_enabled
from autograd_lite.testing import numerical_grad


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
