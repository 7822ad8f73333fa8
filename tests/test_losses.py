"""Losses: values and gradients against central differences, closed forms and PyTorch float64."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.losses import (
    accuracy,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge,
    l2,
    mse,
    softmax_cross_entropy,
)
from tests.oracles import central_gradient, close

moderate = st.floats(-5.0, 5.0, allow_nan=False)
probability = st.floats(0.02, 0.98)
unit_target = st.floats(0.0, 1.0)


def grads_of(loss_fn, xs, *args):  # type: ignore[no-untyped-def]
    values = [Value(x) for x in xs]
    loss = loss_fn(values, *args)
    loss.backward()
    return loss.data, [v.grad for v in values]


# -- independent float formulas: the textbook definitions, written without the stable tricks --


def mse_ref(outs: list[float], ts: list[float]) -> float:
    return sum((o - t) ** 2 for o, t in zip(outs, ts)) / len(outs)


def bce_ref(ps: list[float], ys: list[float]) -> float:
    return -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in zip(ps, ys)) / len(ps)


def bce_logits_ref(zs: list[float], ys: list[float]) -> float:
    return bce_ref([1 / (1 + math.exp(-z)) for z in zs], ys)


def hinge_ref(ss: list[float], ys: list[float]) -> float:
    return sum(max(0.0, 1 - y * s) for s, y in zip(ss, ys)) / len(ss)


def softmax_ce_ref(rows: list[list[float]], ks: list[int]) -> float:
    total = 0.0
    for row, k in zip(rows, ks):
        total += -math.log(math.exp(row[k]) / sum(math.exp(z) for z in row))
    return total / len(rows)


def check_against_central(loss_fn, ref, xs, *args):  # type: ignore[no-untyped-def]
    value, grads = grads_of(loss_fn, xs, *args)
    assert value == pytest.approx(ref(xs, *args), rel=1e-9, abs=1e-12)
    numeric = central_gradient(lambda *v: ref(list(v), *args), xs)
    for a, n in zip(grads, numeric):
        assert close(a, n), (a, n)


@given(st.lists(st.tuples(moderate, moderate), min_size=1, max_size=5))
def test_mse_matches_central_differences(pairs: list[tuple[float, float]]) -> None:
    outs, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    check_against_central(mse, mse_ref, outs, ts)


def test_mse_averages_over_every_element_of_vector_outputs() -> None:
    out = [[Value(1.0), Value(2.0)], [Value(0.0), Value(0.0)]]
    assert mse(out, [[0.0, 0.0], [1.0, 1.0]]).data == (1 + 4 + 1 + 1) / 4


@given(st.lists(st.tuples(probability, unit_target), min_size=1, max_size=5))
def test_binary_cross_entropy_matches_central_differences(pairs: list[tuple[float, float]]) -> None:
    ps, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    check_against_central(binary_cross_entropy, bce_ref, ps, ys)


def test_binary_cross_entropy_is_finite_at_certain_wrong_answers() -> None:
    # log is clamped at -100 (as PyTorch), so p = 0 for a positive sample costs exactly 100.
    assert binary_cross_entropy([Value(0.0)], [1]).data == pytest.approx(100.0)
    assert binary_cross_entropy([Value(1.0)], [1]).data == 0.0


@given(st.lists(st.tuples(st.floats(-8, 8), unit_target), min_size=1, max_size=5))
def test_bce_with_logits_matches_central_differences(pairs: list[tuple[float, float]]) -> None:
    zs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    # The textbook formula loses digits in log(1 - p) for large z: huge logits are tested below.
    assume(all(abs(z) > 1e-4 for z in zs))
    check_against_central(binary_cross_entropy_with_logits, bce_logits_ref, zs, ys)


@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target(y: float) -> None:
    value, (g,) = grads_of(binary_cross_entropy_with_logits, [0.0], [y])
    assert value == pytest.approx(math.log(2))
    assert g == pytest.approx(0.5 - y, abs=1e-15)


@pytest.mark.parametrize(("z", "y", "loss", "grad"), [
    (1000.0, 1.0, 0.0, 0.0), (1000.0, 0.0, 1000.0, 1.0),
    (-1000.0, 0.0, 0.0, 0.0), (-1000.0, 1.0, 1000.0, -1.0),
])  # fmt: skip
def test_bce_with_logits_is_exact_at_huge_logits(
    z: float, y: float, loss: float, grad: float
) -> None:
    value, (g,) = grads_of(binary_cross_entropy_with_logits, [z], [y])
    assert (value, g) == (pytest.approx(loss), pytest.approx(grad))


def test_bce_with_logits_second_derivative_is_sigmoid_prime() -> None:
    z = Value(0.7)
    binary_cross_entropy_with_logits([z], [1.0]).backward(create_graph=True)
    assert z.grad_value is not None
    first = z.grad_value
    z.zero_grad()
    first.backward()
    s = 1 / (1 + math.exp(-0.7))
    assert z.grad == pytest.approx(s * (1 - s), rel=1e-12)


@given(st.lists(st.tuples(moderate, st.sampled_from([-1.0, 1.0])), min_size=1, max_size=5))
def test_hinge_matches_central_differences(pairs: list[tuple[float, float]]) -> None:
    ss, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    assume(all(abs(1 - y * s) > 1e-4 for s, y in pairs))  # away from the kink
    check_against_central(hinge, hinge_ref, ss, ys)


def test_hinge_reads_label_zero_as_the_negative_class() -> None:
    assert hinge([Value(0.5)], [0]).data == hinge([Value(0.5)], [-1]).data == 1.5


@given(st.data(), st.integers(1, 3), st.integers(2, 4))
def test_softmax_cross_entropy_matches_central_differences(data, n: int, k: int) -> None:  # type: ignore[no-untyped-def]
    flat = data.draw(st.lists(moderate, min_size=n * k, max_size=n * k))
    classes = data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))

    def ref(xs: list[float], ks: list[int]) -> float:
        return softmax_ce_ref([xs[i * k : (i + 1) * k] for i in range(n)], ks)

    def loss(values: list[Value], ks: list[int]) -> Value:
        return softmax_cross_entropy([values[i * k : (i + 1) * k] for i in range(n)], ks)

    check_against_central(loss, ref, flat, classes)


def test_softmax_cross_entropy_is_exact_at_logits_of_a_thousand() -> None:
    zs = [Value(1000.0), Value(-1000.0), Value(0.0)]
    loss = softmax_cross_entropy([zs], [1])
    loss.backward()
    # log-sum-exp is 1000 to double precision, so the loss is 1000 - (-1000); the gradient is
    # softmax - one_hot = (1, 0, 0) - (0, 1, 0).
    assert loss.data == 2000.0
    assert [z.grad for z in zs] == [1.0, -1.0, 0.0]


def test_l2_gradient_is_two_alpha_p() -> None:
    ps = [Value(1.5), Value(-2.0), Value(0.25)]
    reg = l2(ps, alpha=0.1)
    reg.backward()
    assert reg.data == pytest.approx(0.1 * (1.5**2 + 4 + 0.0625))
    assert [p.grad for p in ps] == pytest.approx([0.3, -0.4, 0.05])


def test_accuracy_for_scores_probabilities_and_classes() -> None:
    assert accuracy([Value(0.3), Value(-0.2), Value(0.1)], [1, 0, -1]) == pytest.approx(2 / 3)
    assert accuracy([0.7, 0.4], [1, 0], threshold=0.5) == 1.0
    assert accuracy([[0.1, 0.2, 0.9], [3.0, 1.0, 2.0]], [2, 1]) == 0.5


@pytest.mark.parametrize(("call", "message"), [
    (lambda: mse([Value(1.0)], [1.0, 2.0]), "1 outputs but 2 targets"),
    (lambda: mse([], []), "no samples"),
    (lambda: hinge([Value(1.0)], [2]), "use +1 and -1"),
    (lambda: binary_cross_entropy([Value(1.5)], [1]), "not a probability"),
    (lambda: binary_cross_entropy_with_logits([Value(1.0)], [2.0]), "must be in [0, 1]"),
    (lambda: softmax_cross_entropy([[Value(1.0), Value(2.0)]], [2]), "there are 2 logits"),
    (lambda: softmax_cross_entropy([[Value(1.0)]], [0]), "at least 2 logits"),
    (lambda: hinge([[Value(1.0), Value(2.0)]], [1]), "use softmax_cross_entropy"),
    (lambda: l2([]), "no parameters"),
])  # fmt: skip
def test_bad_input_gets_a_specific_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=__import__("re").escape(message)):
        call()


def test_wrong_types_get_type_errors() -> None:
    with pytest.raises(TypeError, match="one output per sample"):
        mse(Value(1.0), [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="class index"):
        softmax_cross_entropy([[Value(1.0), Value(2.0)]], [0.5])  # type: ignore[list-item]


# -- PyTorch float64 ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():  # type: ignore[no-untyped-def]
    return pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")


def torch_grads(torch, fn, xs):  # type: ignore[no-untyped-def]
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    out.backward()
    return out.item(), t.grad.tolist()


def test_losses_match_pytorch_float64(torch) -> None:  # type: ignore[no-untyped-def]
    F = torch.nn.functional
    xs, ts = [0.3, -1.2, 2.5, 0.0], [1.0, 0.0, 0.5, 1.0]
    ps = [0.2, 0.7, 0.95, 0.5]
    signs = [1.0, -1.0, -1.0, 1.0]
    cases = [
        (mse, xs, ts, lambda t: F.mse_loss(t, torch.tensor(ts, dtype=torch.float64))),
        (binary_cross_entropy, ps, ts,
         lambda t: F.binary_cross_entropy(t, torch.tensor(ts, dtype=torch.float64))),
        (binary_cross_entropy_with_logits, [1000.0, -1000.0, 0.0, 3.0], ts,
         lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor(ts, dtype=torch.float64))),
        (hinge, xs, signs,
         lambda t: torch.relu(1 - torch.tensor(signs, dtype=torch.float64) * t).mean()),
    ]  # fmt: skip
    for fn, inputs, targets, reference in cases:
        value, grads = grads_of(fn, inputs, targets)
        expected, expected_grads = torch_grads(torch, reference, inputs)
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), fn.__name__
        assert grads == pytest.approx(expected_grads, rel=1e-9, abs=1e-12), fn.__name__


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_softmax_cross_entropy_matches_pytorch(torch, scale: float) -> None:  # type: ignore[no-untyped-def]
    rows = [[0.5 * scale, -1.0 * scale, 0.2 * scale], [-0.3 * scale, 0.9 * scale, 1.0 * scale]]
    loss, grads, expected, expected_grads = _softmax_ce_and_torch(torch, rows, [2, 0])
    assert loss == pytest.approx(expected, rel=1e-9)
    assert grads == [pytest.approx(g, rel=1e-9, abs=1e-12) for g in expected_grads]


def _softmax_ce_and_torch(
    torch: Any, rows: list[list[float]], classes: list[int]
) -> tuple[float, list[list[float]], float, list[list[float]]]:
    """Our softmax cross-entropy and its gradients, then PyTorch's float64 ones (the oracle)."""
    values = [[Value(z) for z in row] for row in rows]
    loss = softmax_cross_entropy(values, classes)
    loss.backward()
    logits = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(classes))
    expected.backward()
    grads = [[v.grad for v in row] for row in values]
    return loss.data, grads, expected.item(), logits.grad.tolist()


@settings(deadline=None, max_examples=40)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.lists(st.floats(-50, 50) | st.sampled_from([700.0, -700.0]), min_size=3,
                         max_size=3),
                min_size=n, max_size=n,
            ),
            st.lists(st.integers(0, 2), min_size=n, max_size=n),
        )
    )
)  # fmt: skip
def test_softmax_cross_entropy_matches_torch_in_float64(case: Any) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    rows, ks = case
    loss, grads, expected, expected_grads = _softmax_ce_and_torch(torch, rows, ks)
    assert loss == pytest.approx(expected, rel=1e-12, abs=1e-12)
    for ours, theirs in zip(grads, expected_grads):
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
