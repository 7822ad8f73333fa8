"""Every op of the table in both modes, to second order, against central differences and PyTorch.

The shape of the check follows HIPS autograd's scalar-op tests (values and derivatives of every
op compared with finite differences, in each mode and combination of modes), written anew for
this engine: first derivatives by reverse (``backward``) and forward (``jvp``) mode; second
derivatives by ``hessian`` (forward over reverse), reverse over reverse, ``jvp`` of ``grad``,
``grad`` of ``jvp`` and forward over forward. The first-order oracle is central differences of
the plain-float reference; the second-order one is central differences of the (already
checked) float gradient. Where PyTorch is installed, values, gradients and Hessians also match
it in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, grad, gradients, hessian, jvp, where
from tests.oracles import central_gradient, close
from tests.test_ops import CASES, smooth_here

Case = tuple[str, Callable[..., Any], Callable[..., float], tuple[Any, ...]]


def _unit(n: int, i: int) -> list[float]:
    return [1.0 if k == i else 0.0 for k in range(n)]


def _float_gradient(f: Callable[..., Any], xs: Sequence[float]) -> list[float]:
    inputs = [Value(x) for x in xs]
    return [float(g) for g in gradients(f(*inputs), inputs)]


def _draw(case: Case, data: st.DataObject) -> list[float]:
    name, _, _, strategies = case
    xs = [data.draw(s, label=f"x{i}") for i, s in enumerate(strategies)]
    # Second derivatives by differences need the first derivative smooth around xs as well.
    assume(smooth_here(name, xs, margin=1e-2))
    return xs


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@given(data=st.data())
def test_first_derivatives_agree_in_both_modes_with_central_differences(
    case: Case, data: st.DataObject
) -> None:
    name, f, reference, _ = case
    xs = _draw(case, data)
    numeric = central_gradient(reference, xs)
    reverse = _float_gradient(f, xs)
    for i, n in enumerate(numeric):
        forward = jvp(f, xs, _unit(len(xs), i))[1]
        assert close(reverse[i], n), f"{name} reverse d/dx{i}: {reverse[i]} vs {n} at {xs}"
        assert close(forward, n), f"{name} forward d/dx{i}: {forward} vs {n} at {xs}"
        assert forward == pytest.approx(reverse[i], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@given(data=st.data())
def test_second_derivatives_agree_in_all_four_mode_pairs_with_central_differences(
    case: Case, data: st.DataObject
) -> None:
    name, f, _, _ = case
    xs = _draw(case, data)
    n = len(xs)
    rows = [central_gradient(lambda *p, i=i: _float_gradient(f, p)[i], xs) for i in range(n)]
    forward_over_reverse = hessian(f)(*xs)  # jacfwd(jacobian(f))
    everything = tuple(range(n))  # every argument a Value: some cases call methods on each
    for i in range(n):
        for j in range(n):
            numeric = rows[i][j]
            e_i, e_j = _unit(n, i), _unit(n, j)
            got = {
                "hessian": forward_over_reverse[i][j],
                "rev-rev": grad(lambda *p, i=i: grad(f, argnums=i)(*p), everything)(*xs)[j],
                "fwd-rev": jvp(lambda *p, i=i: grad(f, argnums=i)(*p), xs, e_j)[1],
                "rev-fwd": grad(lambda *p, e=e_i: jvp(f, p, e)[1], argnums=j)(*xs),
                "fwd-fwd": jvp(lambda *p, e=e_i: jvp(f, p, e)[1], xs, e_j)[1],
            }
            for mode, value in got.items():
                value = float(value)
                assert close(value, numeric), f"{name} {mode} d2/dx{i}dx{j}: {value} vs {numeric}"


# -- PyTorch float64 --------------------------------------------------------------------------


def _torch_cases() -> dict[str, Callable[..., Any]]:
    """Each case of the op table written with PyTorch, by the name the table's cases use."""
    torch = pytest.importorskip("torch")
    return {**_torch_arithmetic(torch), **_torch_functions(torch)}


def _torch_arithmetic(torch: Any) -> dict[str, Callable[..., Any]]:
    const = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    return {
        "add": lambda a, b: a + b,
        "radd": lambda a: 3 + a,
        "sub": lambda a, b: a - b,
        "rsub": lambda a: 3 - a,
        "mul": lambda a, b: a * b,
        "rmul": lambda a: 3 * a,
        "div": lambda a, b: a / b,
        "rdiv": lambda a: 3 / a,
        "neg": lambda a: -a,
        "pow2": lambda a: a**2,
        "pow3": lambda a: a**3,
        "pow-1": lambda a: a**-1,
        "pow0": lambda a: a**0,
        "pow1": lambda a: a**1,
        "pow1.5": lambda a: a**1.5,
        "pow_value": lambda a, b: a**b,
        "rpow": lambda a: 2**a,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "abs": torch.abs,
        "sin": torch.sin,
        "cos": torch.cos,
        "max": torch.maximum,
        "min": torch.minimum,
        "rmax": lambda a: torch.maximum(a, const(1.0)),
        "vsum": lambda a, b, c: a + b + c + a,
        "dot": lambda a, b, c: a * c + b * a,
        "dot+bias": lambda a, b, c: a * c + b * 2.0 + c,
        "mod": torch.remainder,
        "rmod": lambda a: torch.remainder(const(5.5), a),
        "fmod": torch.fmod,
        "where_true": lambda a, b: torch.where(torch.tensor(True), a, b * b),
        "where_false": lambda a, b: torch.where(a > 9, a, b * a),
        "clamp": lambda a: a.clamp(-1, 1),
        "clamp_min": lambda a: a.clamp(min=0.5),
    }


def _torch_functions(torch: Any) -> dict[str, Callable[..., Any]]:
    nnf = torch.nn.functional
    return {
        "tan": torch.tan,
        "sinh": torch.sinh,
        "cosh": torch.cosh,
        "asin": torch.asin,
        "acos": torch.acos,
        "atan": torch.atan,
        "atan2": torch.atan2,
        "asinh": torch.asinh,
        "acosh": torch.acosh,
        "atanh": torch.atanh,
        "log1p": torch.log1p,
        "expm1": torch.expm1,
        "log2": torch.log2,
        "log10": torch.log10,
        "exp2": torch.exp2,
        "erf": torch.erf,
        "sign": torch.sign,
        "floor": torch.floor,
        "ceil": torch.ceil,
        "round": torch.round,
        "hardtanh": nnf.hardtanh,
        "softplus": nnf.softplus,
        "gelu": nnf.gelu,
        "gelu_tanh": lambda a: nnf.gelu(a, approximate="tanh"),
        "elu": nnf.elu,
        "elu2": lambda a: nnf.elu(a, 2.0),
        "leaky_relu": lambda a: nnf.leaky_relu(a, 0.1),
        "silu": nnf.silu,
        "softsign": nnf.softsign,
    }


def _torch_derivatives(f: Callable[..., Any], xs: Sequence[float]) -> tuple[Any, ...]:
    """PyTorch's value, gradient and Hessian of ``f`` at ``xs`` (float64)."""
    import torch

    inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(*inputs)
    firsts = torch.autograd.grad(out, inputs, create_graph=True, allow_unused=True)
    rows = []
    for g in firsts:
        if g is None or not g.requires_grad:
            rows.append([0.0] * len(xs))
            continue
        seconds = torch.autograd.grad(g, inputs, retain_graph=True, allow_unused=True)
        rows.append([0.0 if s is None else s.item() for s in seconds])
    return out.item(), [0.0 if g is None else g.item() for g in firsts], rows


def _same(ours: float, theirs: float) -> bool:
    if math.isnan(theirs) or math.isinf(theirs):
        return ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    return abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs))


def test_every_case_has_a_pytorch_twin() -> None:
    assert {c[0] for c in CASES} <= set(_torch_cases())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@given(data=st.data())
def test_value_gradient_and_hessian_match_pytorch_float64(case: Case, data: st.DataObject) -> None:
    name, f, _, _ = case
    xs = _draw(case, data)
    # PyTorch's d2(x**y)/dxdy at y = 0 is 0 (it takes y x^(y-1) as 0 there); the true value,
    # ours, is 1/x. A documented convention difference (see test_testing_torch).
    assume(name != "pow_value" or xs[1] != 0)
    value, gradient, rows = _torch_derivatives(_torch_cases()[name], xs)
    assert _same(f(*(Value(x) for x in xs)).data, value), f"{name} value at {xs}"
    ours = _float_gradient(f, xs)
    assert all(map(_same, ours, gradient)), f"{name} gradient {ours} vs {gradient} at {xs}"
    for ours_row, row in zip(hessian(f)(*xs), rows):
        assert all(map(_same, ours_row, row)), f"{name} Hessian {ours_row} vs {row} at {xs}"


# -- domain edges: PyTorch's value, inf or nan, or a clear error --------------------------------

EDGES = [
    ("asin", 1.0),
    ("asin", -1.0),
    ("acos", 1.0),
    ("acos", -1.0),
    ("acosh", 1.0),
    ("atanh", 1.0),
    ("atanh", -1.0),
    ("log1p", -1.0),
    ("log2", 0.0),
    ("log10", 0.0),
    ("asin", 1.5),
    ("acos", -2.0),
    ("acosh", 0.5),
    ("atanh", 3.0),
    ("log1p", -2.0),
    ("log2", -1.0),
    ("tan", 0.0),
    ("softplus", 1000.0),
    ("softplus", -1000.0),
]
OVERFLOWS = [("sinh", 1000.0), ("cosh", -1000.0), ("expm1", 1000.0), ("exp2", 2000.0)]


@pytest.mark.parametrize(
    ("name", "at"), EDGES + OVERFLOWS, ids=[f"{n}({a:g})" for n, a in EDGES + OVERFLOWS]
)
def test_domain_edges_give_pytorchs_value_and_derivatives_or_a_clear_error(
    name: str, at: float
) -> None:
    from autograd_lite.modes import using

    value, gradient, second = _torch_derivatives(_torch_cases()[name], [at])
    method = getattr(Value, name)
    if math.isfinite(value) or (name, at) in OVERFLOWS:
        assert _same(method(Value(at)).data, value)
        assert _same(grad(method)(at), gradient[0])
        assert _same(grad(grad(method))(at), second[0][0])
        return
    with pytest.raises(ValueError, match=rf"op '{name}'.*data={at!r}.*Clamp|op '{name}'.*Keep"):
        method(Value(at))
    with using(ieee=True):  # inside a derivative formula: IEEE's answer, as PyTorch's
        assert _same(method(Value(at)).data, value)


def test_the_error_names_the_op_the_value_and_its_label() -> None:
    with pytest.raises(ValueError) as info:
        Value(1.5, label="p").asin()
    message = str(info.value)
    assert "op 'asin'" in message and "Value(data=1.5, label='p')" in message
    assert "[-1, 1]" in message and "clamp(-1, 1)" in message
    with pytest.raises(ZeroDivisionError, match=r"op '%'.*divisor is Value\(data=0.0\)"):
        Value(5.0) % 0.0
    with pytest.raises(TypeError, match="compare it first"):
        where(Value(1.0), 1.0, 2.0)  # type: ignore[arg-type]
