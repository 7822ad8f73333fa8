"""gradcheck: it fails on wrong derivatives, passes right ones and reports kinks separately."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Op, Value, dot
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
        # near the kink: the steps that straddle it are dropped, the smaller ones still check
        (lambda x: x.relu(), [3e-7], ["ok"]),
        (lambda a, b: a.max(b), [1.0, 1.0 + 1e-7], ["ok", "ok"]),
        # away from the kink these are ordinary inputs
        (lambda x: x.relu(), [0.1], ["ok"]),
        (lambda a, b: a.max(b), [1.0, 2.0], ["ok", "ok"]),
        # at a kink whatever the input: no step changes the branch, so there is a derivative
        (lambda x: x.max(x) * 2, [0.7], ["ok"]),
        (lambda x: (x - x).relu() + x, [0.7], ["ok"]),
        (lambda x: abs(x * 0.0) + x * x, [0.7], ["ok"]),
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


# sin with a derivative 1% too large: the smallest error the defaults promise to catch.
ONE_PERCENT_SIN = Op("sin_1pc", forward=math.sin, local=lambda x, out: (1.01 * math.cos(x),))


@pytest.mark.parametrize(
    "kink",
    [
        lambda x: x.max(x),
        lambda x: (x - x).relu(),
        lambda x: abs(x * 0.0),
        lambda x: (x * 0.0).min(0.0),
    ],
    ids=["max(x, x)", "relu(x - x)", "abs(x * 0)", "min(0 x, 0)"],
)
def test_an_op_at_its_kink_that_no_step_moves_does_not_hide_a_wrong_derivative(
    kink: Callable[[Value], Value],
) -> None:
    report = gradcheck(lambda x: ONE_PERCENT_SIN(x) + kink(x), [0.7])
    assert [e.status for e in report.entries] == ["FAIL"], report
    assert gradcheck(lambda x: RIGHT_SIN(x) + kink(x), [0.7]).passed


def test_only_a_kink_downstream_of_the_input_makes_it_non_differentiable() -> None:
    # b sits at relu's kink, but perturbing a never moves that relu.
    report = gradcheck(lambda a, b: ONE_PERCENT_SIN(a) * 2 + b.relu(), [0.4, 0.0])
    assert [e.status for e in report.entries] == ["FAIL", "non-differentiable point"]
    kink_note = report.entries[1].note
    assert "relu changes branch" in kink_note and "smallest step" in kink_note


def test_a_kink_near_the_input_drops_only_the_steps_that_cross_it() -> None:
    (entry,) = gradcheck(lambda x: ONE_PERCENT_SIN(x) + (x - 0.7 + 1e-6).relu(), [0.7]).entries
    assert entry.status == "FAIL"  # the 1% error is still seen through the smaller steps
    assert entry.step < 1e-6 and "relu changes branch" in entry.note
    (entry,) = gradcheck(lambda x: RIGHT_SIN(x) + (x - 0.7 + 1e-6).relu(), [0.7]).entries
    assert entry.status == "ok" and entry.numeric == pytest.approx(math.cos(0.7) + 1, rel=1e-8)


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda x: x * 3.0, 1e8),
        (lambda x: x * 3.0, 1e10),
        (lambda x: x.log(), 1e-5),
        (lambda x: x.log(), 1e-8),
        (lambda x: x.sqrt() * x, 1e-8),
        (lambda x: (x + 1.0).sin(), 1e-8),
        (lambda x: x.sin(), 1e10),
        (lambda x: (x * 1e-10).exp() * 5.0, 1e10),
        (lambda x: (x * 1e8).tanh(), 3e-9),
        (lambda x: (x**9).cos() ** 6, 2.0),
    ],
)
def test_smooth_functions_pass_at_every_magnitude(f: Callable[[Value], Value], x: float) -> None:
    (entry,) = gradcheck(f, [x], raise_on_failure=True).entries
    assert entry.status == "ok"
    assert entry.rel_error < 1e-6  # far inside the tolerance: this is not a near miss
    # ... and the same functions with a 1% error are caught there
    wrong = Op("x1pc", forward=lambda v: v, local=lambda v, out: (1.01,))
    assert not gradcheck(lambda v: f(wrong(v)), [x]).passed


@given(
    exponent=st.integers(-8, 10),
    mantissa=st.floats(0.1, 10.0),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_a_function_of_x_over_its_magnitude_passes_and_a_1pc_error_fails(
    exponent: int, mantissa: float, sign: float
) -> None:
    m = 10.0**exponent
    x = sign * mantissa * m

    def f(v: Value, op: Op = RIGHT_SIN) -> Value:
        u = v * (1 / m)
        return (op(u) * u + (u * u + 1.0).log()) * m

    assert gradcheck(f, [x]).passed
    (entry,) = gradcheck(lambda v: f(v, ONE_PERCENT_SIN), [x]).entries
    true = math.cos(x / m) * x / m + math.sin(x / m) + 2 * (x / m) / ((x / m) ** 2 + 1)
    if abs(entry.analytic - true) >= 1e-2 * abs(true):  # the error is not diluted by the rest
        assert entry.status == "FAIL"


def test_the_report_says_what_the_check_could_see() -> None:
    report = gradcheck(lambda x, y: x.log() * y, [1e-5, 2e9])
    small, big = report.entries
    assert small.step < 1e-5 < big.step < 2e9  # steps scale with the input
    for e in report.entries:
        assert e.rtol == 1e-3 and e.relative_tolerance == pytest.approx(1e-3, rel=1e-3)
        assert e.tolerance == e.atol + e.rtol * abs(e.numeric)
        assert 0 <= e.numeric_error < 1e-6 * abs(e.numeric)
    text = str(report)
    assert "abs tol" in text and "rel tol" in text and "step" in text
    assert f"{small.step:.1e}" in text and "1.0e-03" in text


@pytest.mark.parametrize("scale", [1e-8, 1e-4, 1.0, 1e4, 1e8])
def test_a_1pc_error_is_caught_whatever_the_scale_of_the_function(scale: float) -> None:
    # With atol=1e-5 as before, a 1% error in a function scaled by 1e-4 always passed.
    report = gradcheck(lambda x: ONE_PERCENT_SIN(x) * scale, [0.4])
    assert [e.status for e in report.entries] == ["FAIL"]
    assert gradcheck(lambda x: RIGHT_SIN(x) * scale, [0.4]).passed


@pytest.mark.parametrize(("rtol", "caught"), [(1e-3, False), (1e-4, True)])
def test_a_0_1pc_error_needs_rtol_1e_4(rtol: float, caught: bool) -> None:
    off = Op("off", forward=math.sin, local=lambda x, out: (1.001 * math.cos(x),))
    assert gradcheck(lambda x: off(x), [0.4], rtol=rtol).passed is not caught


def test_a_fixed_step_is_still_available_and_says_what_it_cannot_see() -> None:
    report = gradcheck(lambda x: x * 3.0, [1e10], eps=1e-6)
    (entry,) = report.entries
    assert report.eps == 1e-6 and entry.step == 1e-6 and "eps=1e-06" in str(report)
    # The example: the quotient is 7.63, not 3, and the rounding noise of a step of
    # 1e-6 at 1e10 is that large, so the row admits it cannot tell (rel tol above 1).
    assert entry.numeric == pytest.approx(7.63, rel=1e-3)
    assert entry.relative_tolerance > 1
    (adaptive,) = gradcheck(lambda x: x * 3.0, [1e10]).entries
    assert adaptive.numeric == 3.0 and adaptive.relative_tolerance < 1.1e-3


def test_a_function_that_is_rounding_noise_is_not_checked_rather_than_failed() -> None:
    # cos of a product near 1e15: float64 keeps no digit of the angle's fraction.
    report = gradcheck(lambda x, y: (x * y).cos(), [3e7, 4e7])
    assert report.passed
    assert {e.status for e in report.entries} <= {"ok", "not checked"}
    assert any("rounding noise" in e.note for e in report.entries)


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
    header = ["input", "value", "analytic", "numeric", "abs", "err", "rel", "err", "abs", "tol"]
    header += ["rel", "tol", "step", "status"]
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


def test_a_gradient_lost_to_cancelling_paths_in_backward_is_not_a_failure() -> None:
    # Found by seed 13: backward adds 1 - 1 + 1 - 1 + 2x into x.grad, and at x = 2.5e-88 the
    # 5e-88 is below the rounding of that sum; the check must allow for it, and still catch a
    # real error at ordinary scales.
    def f(x: Value) -> Value:
        return dot([x], [x], (x - x) + (x - x))

    assert gradcheck(f, [2.5e-88]).passed
    assert not gradcheck(lambda x: f(x) * 1.01 + WRONG_SIN(x) * 1e-3, [0.7]).passed
