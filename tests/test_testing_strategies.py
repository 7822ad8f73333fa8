"""The hypothesis strategies: in-domain, bounded, printable, shrinking, and useful on the engine."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from autograd_lite import Value, dot, modes, vsum
from autograd_lite.testing import gradcheck
from autograd_lite.testing.strategies import (
    ALL_OPS,
    KINK_OPS,
    SMOOTH_OPS,
    Expression,
    expressions,
    values,
)

points = st.lists(st.floats(-3, 3, allow_nan=False, allow_infinity=False), min_size=3, max_size=3)
corners = st.lists(st.sampled_from([-3.0, 0.0, 3.0]), min_size=3, max_size=3)


@contextmanager
def domain_watch() -> Iterator[list[Value]]:
    """Record every node the engine makes while active."""
    made: list[Value] = []
    with modes.using(hooks=(made.append,)):
        yield made


def assert_in_domain(node: Value) -> None:
    args = [p.data for p in node.parents]
    if node.op in ("log",):
        assert args[0] > 0, node
    elif node.op == "sqrt":
        assert args[0] >= 0, node
    elif node.op == "/":
        assert args[1] != 0, node
    elif node.op == "**":
        assert args[0] > 0, node
    assert math.isfinite(node.data), node


@settings(max_examples=300)
@given(expr=expressions(3), xs=st.one_of(points, corners))
def test_every_node_is_inside_its_domain_and_below_the_magnitude_bound(
    expr: Expression, xs: list[float]
) -> None:
    with domain_watch() as made:
        out = expr(*(Value(x) for x in xs))
    assert made, "the expression made no node"
    for node in made:
        assert_in_domain(node)
        assert abs(node.data) <= 1e3
    assert out.data == pytest.approx(expr(*xs), rel=1e-12, abs=1e-12)  # math reference


@given(expr=expressions(2, max_depth=2, max_nodes=6))
def test_depth_and_size_limits_hold(expr: Expression) -> None:
    assert 1 <= len(expr) <= 6
    assert 1 <= expr.depth <= 2


@given(expr=expressions(2, ops=["exp", "mul", "log"]))
def test_only_the_chosen_ops_are_drawn(expr: Expression) -> None:
    assert expr.ops <= {"exp", "mul", "log"}


@given(expr=expressions(3, shared=False))
def test_without_sharing_every_intermediate_node_feeds_one_place(expr: Expression) -> None:
    uses = [a for _, args in expr.nodes for a in args if a >= expr.n_inputs]
    assert len(uses) == len(set(uses))


def test_with_sharing_some_draws_reuse_a_sub_expression() -> None:
    def reused(e: Expression) -> bool:
        uses = [a for _, args in e.nodes for a in args if a >= e.n_inputs]
        return len(uses) > len(set(uses))

    found = find(expressions(2), reused, settings=QUIET)
    assert ":=" in repr(found)  # the shared node is bound once and reused by name


@given(expr=expressions(3), xs=points)
def test_the_printed_lambda_is_python_that_computes_the_same_value(
    expr: Expression, xs: list[float]
) -> None:
    fn = eval(repr(expr), {"vsum": vsum, "dot": dot})
    assert fn(*(Value(x) for x in xs)).data == expr(*(Value(x) for x in xs)).data


QUIET = settings(database=None, derandomize=True)  # deterministic shrinking


def test_failures_shrink_to_small_graphs() -> None:
    assert repr(find(expressions(3), lambda e: "exp" in e.ops, settings=QUIET)) in {
        f"lambda x0, x1, x2: x{i}.exp()" for i in range(3)
    }
    assert len(find(expressions(3), lambda e: "cos" in e.ops, settings=QUIET)) == 1
    deep = find(expressions(2, max_depth=6), lambda e: e.depth >= 3, settings=QUIET)
    assert len(deep) == 3


def test_the_printed_form_keeps_precedence() -> None:
    e = Expression(2, (("pow", (0, 1)), ("square", (2,)), ("neg", (3,))))
    assert repr(e) == "lambda x0, x1: -(((x0 ** 2 + 0.5) ** x1) ** 2)"
    assert e(Value(1.0), Value(2.0)).data == -((1.5**2) ** 2) == e(1.0, 2.0)


@settings(max_examples=150)
@given(expr=expressions(3, ops=SMOOTH_OPS), xs=points)
def test_engine_gradients_pass_gradcheck_on_random_smooth_graphs(
    expr: Expression, xs: list[float]
) -> None:
    gradcheck(expr, xs, raise_on_failure=True)


@given(expr=expressions(2, ops=ALL_OPS), x=values(), y=values())
def test_engine_gradients_pass_gradcheck_with_kinks_too(
    expr: Expression, x: Value, y: Value
) -> None:
    gradcheck(expr, [x, y], raise_on_failure=True)


@given(v=values(-1.0, 2.0, label="w"))
def test_values_are_labelled_leaves_in_range(v: Value) -> None:
    assert -1.0 <= v.data <= 2.0 and v.label == "w" and v.parents == ()


def test_kink_and_smooth_op_lists_partition_all_ops() -> None:
    assert set(KINK_OPS) | set(SMOOTH_OPS) == set(ALL_OPS)
    assert not set(KINK_OPS) & set(SMOOTH_OPS)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_inputs": 0}, "n_inputs"),
        ({"n_inputs": 2, "ops": ["tan"]}, "unknown"),
        ({"n_inputs": 2, "ops": []}, "unknown"),
        ({"n_inputs": 2, "max_depth": 0}, "max_depth"),
        ({"n_inputs": 2, "input_bound": 10.0}, "max_magnitude"),
    ],
)
def test_bad_arguments_are_invalid(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        expressions(**kwargs)  # type: ignore[arg-type]


def test_calling_with_the_wrong_number_of_inputs_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="takes 2 inputs, got 1"):
        Expression(2, (("add", (0, 1)),))(1.0)


def test_the_ci_profile_is_registered_derandomized_without_deadline() -> None:
    profile = settings.get_profile("ci")
    assert profile.derandomize is True
    assert profile.deadline is None


DOCS = Path(__file__).resolve().parent.parent / "docs" / "testing.md"


def test_the_paste_able_example_in_the_docs_passes_under_pytest(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    after = text.split("<!-- paste-able example", 1)[1]
    code = after.split("```python\n", 1)[1].split("```", 1)[0]
    test_file = tmp_path / "test_my_gradients.py"
    test_file.write_text(code, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "HYPOTHESIS_PROFILE": "default"},
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
