"""inline.py: what `compile` pastes is the op's own formula, and nothing it cannot reproduce."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import inline, ops

NAMESPACE = vars(ops)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)


def halve(x: float) -> float:
    """A docstring does not count as a statement."""
    return x / 2


def two_statements(x: float) -> float:
    y = x + 1
    return y


def test_a_one_expression_function_is_its_expression_with_the_arguments_in_place() -> None:
    assert inline.expression(halve, ["v3"], {}) == "v3 / 2"
    assert inline.expression(halve, ["a + b"], {}) == "(a + b) / 2"  # grouping kept


def test_anything_but_one_return_expression_is_called_instead() -> None:
    k = 3.0
    assert inline.expression(two_statements, ["v1"], {}) is None
    assert inline.expression(lambda x: x * k, ["v1"], {}) is None  # a lambda, a closure
    assert inline.expression(ops.power(2.5).forward, ["v1"], NAMESPACE) is None


def test_a_name_that_means_something_else_where_the_code_runs_is_refused() -> None:
    # relu_local's formula uses no global; tanh_forward uses `math`, absent from {}.
    assert inline.expression(ops.relu, ["v1"], {}) is not None
    assert inline.expression(ops.tanh_forward, ["v1"], {}) is None
    assert inline.expression(ops.tanh_forward, ["v1"], {"math": object()}) is None
    assert inline.expression(ops.tanh_forward, ["v1"], NAMESPACE) == "math.tanh(v1)"


def test_a_choice_between_tuples_becomes_a_choice_per_item() -> None:
    # relu_local(x, out) reads out (out <= 0 exactly when x <= 0): the second argument.
    assert inline.items(ops.relu_local, ["v1", "v2"], NAMESPACE) == ("0.0 if v2 <= 0 else 1.0",)


def _replayed(source: str, xs: list[float]) -> Any:
    return eval(source, {**NAMESPACE, **{f"v{i}": x for i, x in enumerate(xs)}})


@given(st.integers(1, 20).flatmap(lambda n: st.lists(FLOATS, min_size=2 * n, max_size=2 * n)))
def test_a_traced_dot_product_gives_the_functions_floats_bit_for_bit(xs: list[float]) -> None:
    names = [f"v{i}" for i in range(len(xs))]
    source = inline.expression(ops.dot_forward, names, NAMESPACE)
    assert source is not None and source.startswith("sum((")  # the same sum() as the function
    assert _replayed(source, xs) == ops.dot_forward(*xs)
    derivatives = inline.items(ops.dot_local, [*names, "out"], NAMESPACE)
    assert derivatives is not None
    assert [_replayed(d, xs) for d in derivatives] == list(ops.dot_local(*xs, 0.0))


def test_tracing_refuses_comparisons_math_and_constants_without_a_literal() -> None:
    def compares(*xs: Any) -> Any:
        return xs[0] if xs[0] > 0 else xs[1]

    def infinite(*xs: Any) -> Any:
        return (math.inf,) * len(xs)

    assert inline.expression(compares, ["v1", "v2"], NAMESPACE) is None
    assert inline.expression(ops.total, ["v1", "v2"], NAMESPACE) is None  # math.fsum
    assert inline.items(infinite, ["v1", "v2"], NAMESPACE) is None
