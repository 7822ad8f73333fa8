"""Optimizers against the published update rules written out here, and against torch.optim."""

from __future__ import annotations

import math

import pytest

from autograd_lite import Value
from autograd_lite.optim import SGD, Adam, linear_decay, step_decay

START = [0.5, -1.5, 2.0]
# A fixed gradient for each of four steps (as if from some loss), per parameter.
GRADS = [[0.1, -0.2, 0.3], [0.4, 0.0, -0.5], [-0.3, 0.2, 0.1], [1.0, -1.0, 0.5]]


def run(make, steps: int = 4) -> list[float]:  # type: ignore[no-untyped-def]
    params = [Value(x) for x in START]
    opt = make(params)
    for grads in GRADS[:steps]:
        opt.zero_grad()
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
    return [p.data for p in params]


def sgd_reference(lr: float, momentum: float, wd: float) -> list[float]:
    # PyTorch's SGD (dampening 0, no Nesterov): d = g + wd p; b = d at t=1 else mu b + d; p -= lr b
    ps, bufs = list(START), [0.0] * len(START)
    for t, grads in enumerate(GRADS):
        for i, g in enumerate(grads):
            d = g + wd * ps[i]
            bufs[i] = d if t == 0 else momentum * bufs[i] + d
            ps[i] -= lr * (bufs[i] if momentum else d)
    return ps


def adam_reference(lr: float, b1: float, b2: float, eps: float, wd: float) -> list[float]:
    # Kingma & Ba, Algorithm 1, with PyTorch's L2 weight decay added to the gradient.
    ps = list(START)
    m, v = [0.0] * len(ps), [0.0] * len(ps)
    for t, grads in enumerate(GRADS, start=1):
        for i, g in enumerate(grads):
            g = g + wd * ps[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g**2
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            ps[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return ps


@pytest.mark.parametrize(
    ("lr", "momentum", "wd"), [(0.1, 0.0, 0.0), (0.05, 0.9, 0.0), (0.1, 0.5, 0.01)]
)
def test_sgd_follows_the_published_rule(lr: float, momentum: float, wd: float) -> None:
    got = run(lambda ps: SGD(ps, lr=lr, momentum=momentum, weight_decay=wd))
    assert got == pytest.approx(sgd_reference(lr, momentum, wd), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("lr", "betas", "eps", "wd"), [
    (0.01, (0.9, 0.999), 1e-8, 0.0), (0.1, (0.5, 0.9), 1e-3, 0.05),
])  # fmt: skip
def test_adam_follows_the_published_rule(lr, betas, eps, wd) -> None:  # type: ignore[no-untyped-def]
    got = run(lambda ps: Adam(ps, lr=lr, betas=betas, eps=eps, weight_decay=wd))
    assert got == pytest.approx(adam_reference(lr, *betas, eps, wd), rel=1e-12, abs=1e-15)


def test_adam_first_step_moves_each_parameter_by_lr() -> None:
    # With bias correction, m_hat / sqrt(v_hat) = g / |g| on step 1: a step of exactly lr.
    got = run(lambda ps: Adam(ps, lr=0.01, eps=0.0), steps=1)
    assert got == pytest.approx([0.49, -1.49, 1.99], rel=1e-12)


def test_a_schedule_sets_the_rate_of_each_step() -> None:
    p = Value(0.0)
    opt = SGD([p], lr=linear_decay(1.0, 0.0, 4))
    seen = []
    for _ in range(5):
        p.grad = 1.0
        seen.append(opt.current_lr)
        opt.step()
    assert seen == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert p.data == -2.5


def test_step_decay_and_linear_decay_values() -> None:
    assert [step_decay(0.8, 2, 0.5)(t) for t in range(6)] == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]
    assert linear_decay(2.0, 1.0, 2)(1) == 1.5


def test_zero_grad_clears_the_parameters() -> None:
    ps = [Value(1.0), Value(2.0)]
    (ps[0] * ps[1]).backward()
    SGD(ps, lr=0.1).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_a_non_finite_gradient_stops_the_step_before_any_change() -> None:
    ps = [Value(1.0), Value(2.0)]
    ps[0].grad, ps[1].grad = 0.5, math.nan
    with pytest.raises(FloatingPointError, match=r"parameter 1 .* gradient nan"):
        Adam(ps, lr=0.1).step()
    assert [p.data for p in ps] == [1.0, 2.0]


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1),
])  # fmt: skip
def test_state_dict_resumes_exactly(make) -> None:  # type: ignore[no-untyped-def]
    whole = run(make)
    params = [Value(x) for x in START]
    first = make(params)
    for grads in GRADS[:2]:
        for p, g in zip(params, grads):
            p.grad = g
        first.step()
    resumed = make(params)
    resumed.load_state_dict(first.state_dict())
    for grads in GRADS[2:]:
        for p, g in zip(params, grads):
            p.grad = g
        resumed.step()
    assert [p.data for p in params] == whole


def test_load_state_dict_rejects_a_mismatch() -> None:
    adam = Adam([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="for 'SGD', not Adam"):
        adam.load_state_dict(SGD([Value(1.0)], lr=0.1).state_dict())
    state = Adam([Value(1.0), Value(2.0)], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="holds 2 values for 1 parameters"):
        adam.load_state_dict(state)
    assert adam.steps == 0


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: SGD([], lr=0.1), ValueError, "no parameters"),
    (lambda: SGD([1.0], lr=0.1), TypeError, "parameter 0 is a float"),
    (lambda: SGD([Value(1.0)], lr=-1), ValueError, "lr must be a finite number > 0"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), ValueError, "momentum"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"beta2 must be in \[0, 1\)"),
    (lambda: linear_decay(1.0, 0.1, 0), ValueError, "steps"),
])  # fmt: skip
def test_bad_settings_are_rejected(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


def test_matches_torch_optim(  # type: ignore[no-untyped-def]
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")
    makers = [
        (lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
         lambda t: torch.optim.SGD([t], lr=0.05, momentum=0.9, weight_decay=0.01)),
        (lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
         lambda t: torch.optim.Adam([t], lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ]  # fmt: skip
    for ours, theirs in makers:
        t = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = theirs(t)
        for grads in GRADS:
            opt.zero_grad()
            t.grad = torch.tensor(grads, dtype=torch.float64)
            opt.step()
        assert run(ours) == pytest.approx(t.detach().tolist(), rel=1e-12, abs=1e-15)
