"""Domain errors, kinks and the fused neuron's record, pinned exactly (the mutation run found
each of these reachable but unchecked)."""

from __future__ import annotations

import math

import pytest

from autograd_lite import Value, ops

# op, a value outside its domain, the exact user-facing message
DOMAIN_ERRORS = [
    (
        ops.ASIN,
        2.0,
        "op 'asin': asin needs an input in [-1, 1]; the input is Value(data=2.0). "
        "Clamp the input first, e.g. x.clamp(-1, 1).asin().",
    ),
    (
        ops.ACOS,
        -3.0,
        "op 'acos': acos needs an input in [-1, 1]; the input is Value(data=-3.0). "
        "Clamp the input first, e.g. x.clamp(-1, 1).acos().",
    ),
    (
        ops.ACOSH,
        0.5,
        "op 'acosh': acosh needs an input >= 1; the input is Value(data=0.5). "
        "Clamp the input first, e.g. x.clamp(1, None).acosh().",
    ),
    (
        ops.ATANH,
        1.0,
        "op 'atanh': atanh needs an input in (-1, 1); the input is Value(data=1.0). "
        "Keep it inside, e.g. x.clamp(-1 + 1e-12, 1 - 1e-12).atanh().",
    ),
    (
        ops.LOG1P,
        -1.0,
        "op 'log1p': log1p needs an input > -1; the input is Value(data=-1.0). "
        "Clamp the input first, e.g. x.clamp(-1 + 1e-12, None).log1p().",
    ),
    (
        ops.LOG2,
        0.0,
        "op 'log2': log2 needs an input > 0; the input is Value(data=0.0). "
        "Clamp the input first, e.g. x.clamp(0 + 1e-12, None).log2().",
    ),
    (
        ops.LOG10,
        -2.0,
        "op 'log10': log10 needs an input > 0; the input is Value(data=-2.0). "
        "Clamp the input first, e.g. x.clamp(0 + 1e-12, None).log10().",
    ),
]


@pytest.mark.parametrize(
    ("op", "x", "message"), DOMAIN_ERRORS, ids=lambda v: getattr(v, "name", "")
)
def test_a_domain_error_names_the_op_the_value_and_what_to_do(
    op: ops.Op, x: float, message: str
) -> None:
    with pytest.raises(ValueError) as info:
        op(Value(x))
    assert str(info.value) == message


@pytest.mark.parametrize("op", [ops.MOD, ops.FMOD], ids=lambda op: op.name)
def test_a_remainder_by_zero_names_the_divisor(op: ops.Op) -> None:
    name = "remainder" if op is ops.MOD else "fmod"
    with pytest.raises(ZeroDivisionError) as info:
        op(Value(5.0), Value(0.0, label="d"))
    assert str(info.value) == (
        f"op {op.name!r}: {name} by zero; the divisor is Value(data=0.0, label='d'). "
        "Guard the case; the remainder by 0 has no value."
    )


def test_d_remainder_d_divisor_at_zero_in_ieee_mode_is_minus_the_floored_quotient() -> None:
    # Only IEEE mode (derivative formulas on Values) reaches b = 0: a / b is +-inf there.
    assert ops.remainder_local(3.0, 0.0, math.nan) == (1.0, -math.inf)
    assert ops.remainder_local(-3.0, 0.0, math.nan) == (1.0, math.inf)
    assert ops.remainder_local(7.0, 2.0, 1.0) == (1.0, -3.0)


@pytest.mark.parametrize(
    ("op", "args", "kink"),
    [
        (ops.FLOOR, (2.0,), True),
        (ops.FLOOR, (2.5,), False),
        (ops.FLOOR, (math.inf,), False),
        (ops.CEIL, (-3.0,), True),
        (ops.ROUND, (2.5,), True),
        (ops.ROUND, (-0.5,), True),
        (ops.ROUND, (2.0,), False),
        (ops.ROUND, (math.inf,), False),
        (ops.MOD, (6.0, 3.0), True),
        (ops.MOD, (7.0, 3.0), False),
        (ops.MOD, (-6.0, 4.0), False),
        (ops.MOD, (math.inf, 3.0), False),
        (ops.MOD, (6.0, 0.0), False),
        (ops.FMOD, (-9.0, 3.0), True),
    ],
)
def test_kinks_of_the_step_ops(op: ops.Op, args: tuple[float, ...], kink: bool) -> None:
    assert op.kink is not None and op.kink(*args) is kink


def test_a_fused_neuron_records_its_parts_and_its_activation_kink() -> None:
    relu_neuron, tanh_neuron = ops.neuron(ops.RELU), ops.neuron(ops.TANH)
    assert relu_neuron.parts == (ops.AFFINE, ops.RELU)
    assert tanh_neuron.parts == (ops.AFFINE, ops.TANH)
    assert relu_neuron.kink is not None and tanh_neuron.kink is not None
    assert relu_neuron.kink(2.0, 3.0, -6.0) is True  # z = 2 * 3 - 6 = 0: relu's kink
    assert relu_neuron.kink(2.0, 3.0, -5.0) is False
    assert tanh_neuron.kink(2.0, 3.0, -6.0) is False  # tanh has none


def test_sinh_and_cosh_are_finite_up_to_where_the_float_overflows() -> None:
    # cosh(710) is about 1.1e308, still a float; overflow starts near 710.4758.
    for x in (710.0, 710.4):
        assert Value(x).cosh().data == math.cosh(x) < math.inf
        assert Value(-x).sinh().data == math.sinh(-x) > -math.inf
    assert Value(710.5).cosh().data == math.inf
    assert Value(-710.5).sinh().data == -math.inf
    assert math.isnan(Value(math.nan).cosh().data)
