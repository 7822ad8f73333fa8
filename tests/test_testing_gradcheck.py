"""gradcheck: it fails on wrong derivatives, passes right ones and reports kinks separately."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Op, Value
from autograd_lite.testing import GradcheckError, gradcheck

# sin with its derivative's sign flipped: d sin / dx written as -cos x (the bug to catch).
WRONG_SIN = Op("wrong_sin", forward=math.sin, local=lambda x, out: (-math.cos(x),))
RIGHT_SIN = Op("right_sin", forward=math.sin, local=lambda x, out: (math.cos(x),))
# x * y with the two partial derivatives swapped: right only where x == y.
SWAPPED_MUL = Op("swapped_mul", forward=lambda a, b: a * b, local=lambda a, b, out: (a, b))

points = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@given(x=points.filter(lambda x: abs(math.cos(x)) > 1e-2))
def test_a_sign_error_in_a_registered_op_is_caught(x: float) -> None:
    report = gradcheck(lambda v: WRONG_SIN(v), [x])
    assert not report.passed
    assert [e.status for e in report.entries] == ["FAIL"]
    with pytest.raises(GradcheckError, match="FAIL"):
        gradcheck(lambda v: WRONG_SIN(v) * 2 + v, [x], raise_on_failure=True)


@given(x=points)
def test_the_correct_op_passes(x: float) -> None:
    report = gradcheck(lambda v: RIGHT_SIN(v) * v, [x], raise_on_failure=True)
    assert report.passed and bool(report)
    assert report.entries[0].analytic == pytest.approx(math.cos(x) * x + math.sin(x), abs=1e-12)


def test_swapped_partials_fail_only_for_the_inputs_they_hurt() -> None:
    report = gradcheck(lambda a, b, c: SWAPPED_MUL(a, b) + c, [2.0, 5.0, 1.0])
    assert [e.status for e in report.entries] == ["FAIL", "FAIL", "ok"]
    assert len(report.failures) == 2
    assert gradcheck(lambda a, b: SWAPPED_MUL(a, b), [1.5, 1.5]).passed


@pytest.mark.parametrize(
    ("f", "xs", "statuses"),
    [
        (lambda x: x.relu(), [0.0], ["non-differentiable point"]),
        (lambda x: abs(x) * 3, [0.0], ["non-differentiable point"]),
        (lambda a, b: a.max(b), [1.0, 1.0], ["non-differentiable point"] * 2),
        (lambda a, b: a.min(b) + a, [2.0, 2.0], ["non-differentiable point"] * 2),
        (lambda a, b: a.relu() + b * b, [0.0, 1.0], ["non-differentiable point", "ok"]),
        # within eps of the kink: the central difference straddles it
        (lambda x: x.relu(), [3e-7], ["non-differentiable point"]),
        (lambda a, b: a.max(b), [1.0, 1.0 + 1e-7], ["non-differentiable point"] * 2),
        # away from the kink these are ordinary inputs
        (lambda x: x.relu(), [0.1], ["ok"]),
        (lambda a, b: a.max(b), [1.0, 2.0], ["ok", "ok"]),
    ],
)
def test_kinks_are_reported_as_non_differentiable_points_not_failures(
    f: object, xs: list[float], statuses: list[str]
) -> None:
    report = gradcheck(f, xs)  # type: ignore[arg-type]
    assert [e.status for e in report.entries] == statuses
    assert report.passed


def test_a_wrong_derivative_next_to_a_kink_is_still_caught() -> None:
    report = gradcheck(lambda a, b: WRONG_SIN(a) + b.relu(), [0.4, 0.0])
    assert [e.status for e in report.entries] == ["FAIL", "non-differentiable point"]
    assert not report.passed


def test_an_undefined_neighbourhood_is_not_checked_rather_than_failed() -> None:
    report = gradcheck(lambda x: x.sqrt(), [0.0])
    (entry,) = report.entries
    assert entry.status == "not checked" and "sqrt" in entry.note
    assert report.passed


def test_the_table_names_inputs_and_shows_both_gradients() -> None:
    a, b = Value(0.3, label="a"), Value(-2.0, label="bias")
    report = gradcheck(lambda x, y: WRONG_SIN(x) + y * y, [a, b])
    text = str(report)
    lines = text.splitlines()
    header = ["input", "value", "analytic", "numeric", "abs", "err", "rel", "err", "status"]
    assert lines[0].split() == header
    assert lines[2].startswith("a ") and lines[2].rstrip().endswith("FAIL")
    assert lines[3].startswith("bias") and lines[3].rstrip().endswith("ok")
    assert f"{-math.cos(0.3):.10g}" in lines[2] and "-4" in lines[3]
    assert "FAILED for 1 input" in lines[-1]
    assert (a.grad, b.grad) == (0.0, 0.0)  # the caller's values are not touched


def test_errors_and_tolerances_are_those_of_the_definition() -> None:
    (entry,) = gradcheck(lambda x: x * x, [3.0]).entries
    assert entry.analytic == 6.0
    assert entry.abs_error == abs(entry.analytic - entry.numeric)
    assert entry.rel_error == entry.abs_error / abs(entry.numeric)
    # a 2e-3 relative error fails at rtol=1e-3 and passes at rtol=1e-2
    off = Op("off", forward=lambda x: x, local=lambda x, out: (1.002,))
    assert not gradcheck(lambda x: off(x), [1.0]).passed
    assert gradcheck(lambda x: off(x), [1.0], rtol=1e-2).passed
    assert gradcheck(lambda x: off(x), [1.0], rtol=0.0, atol=3e-3).passed


def test_a_constant_function_has_zero_gradients() -> None:
    report = gradcheck(lambda x: 5.0, [1.0])
    assert report.passed and report.entries[0].analytic == 0.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gradcheck(3, [1.0]), TypeError, "callable"),  # type: ignore[arg-type]
        (lambda: gradcheck(lambda x: "s", [1.0]), TypeError, "must return a Value, got str"),
        (lambda: gradcheck(lambda x: x, [1.0], eps=0.0), ValueError, "eps"),
        (lambda: gradcheck(lambda x: x, [1.0], atol=-1.0), ValueError, "atol"),
        (lambda: gradcheck(lambda x: x, [1.0], rtol=math.nan), ValueError, "rtol"),
        (lambda: gradcheck(lambda x: x, ["1"]), TypeError, "inputs"),  # type: ignore[list-item]
    ],
)
def test_bad_arguments_get_specific_errors(call: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()  # type: ignore[operator]
