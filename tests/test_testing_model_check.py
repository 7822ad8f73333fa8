"""gradcheck_model: passes a correct model, catches a wrong gradient, leaves the model as it was."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_lite import Value
from autograd_lite.losses import binary_cross_entropy, mse
from autograd_lite.nn import MLP
from autograd_lite.testing import GradcheckError, gradcheck_model

X = [[0.5, -1.0, 0.3], [1.5, 0.2, -0.7], [-0.4, 0.9, 1.1], [0.1, 0.1, -1.3]]
Y = [1.0, 0.0, 1.0, 0.0]


def test_a_correct_mlp_passes_every_parameter() -> None:
    model = MLP(3, [4, 1], activation="tanh", final_activation="sigmoid", seed=1)
    report = gradcheck_model(model, binary_cross_entropy, X, Y, raise_on_failure=True)
    assert report.passed
    assert len(report.entries) == len(model.parameters()) == 21
    assert all(e.status == "ok" for e in report.entries)
    assert report.entries[0].name == "p0:w1"
    unlabelled = Scaled(wrong=False)
    unlabelled.b.label = ""
    assert [e.name for e in gradcheck_model(unlabelled, mse, X, Y).entries] == ["p0:w", "p1"]


class Scaled:
    """y = w * x + b; with ``wrong``, half of b's gradient is hidden from backward() (the bug)."""

    def __init__(self, wrong: bool) -> None:
        self.w = Value(0.7, label="w")
        self.b = Value(-0.2, label="b")
        self.wrong = wrong

    def parameters(self) -> list[Value]:
        return [self.w, self.b]

    def __call__(self, x: list[float]) -> Value:
        out = self.w * x[0] + self.b
        if self.wrong:
            # adds 0 to the value, but -0.5 to d out / d b: only a finite difference sees it
            out = out + (self.b.data - self.b) * 0.5
        return out


def test_a_wrong_gradient_is_reported_for_the_parameter_it_hurts() -> None:
    ys = [0.3, -0.1, 0.8, 0.2]
    assert gradcheck_model(Scaled(wrong=False), mse, X, ys).passed
    report = gradcheck_model(Scaled(wrong=True), mse, X, ys)
    assert [e.status for e in report.entries] == ["ok", "FAIL"]
    with pytest.raises(GradcheckError, match="FAIL"):
        gradcheck_model(Scaled(wrong=True), mse, X, ys, raise_on_failure=True)


def test_the_model_keeps_its_data_and_gradients() -> None:
    model = MLP(3, [2, 1], seed=4)
    for i, p in enumerate(model.parameters()):
        p.grad = float(i)
    before = [(p.data, p.grad) for p in model.parameters()]
    gradcheck_model(model, mse, X, Y)
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_the_analytic_column_is_the_batch_loss_gradient() -> None:
    model = MLP(3, [2, 1], activation="tanh", seed=2)
    report = gradcheck_model(model, mse, X, Y)
    model.zero_grad()
    mse([model(x) for x in X], Y).backward()
    assert [e.analytic for e in report.entries] == [p.grad for p in model.parameters()]


def test_a_nan_loss_fails() -> None:
    def nan_loss(outputs: list[Any], targets: list[Any]) -> Value:
        return mse(outputs, targets) * math.nan

    assert not gradcheck_model(MLP(3, [1], seed=0), nan_loss, X, Y).passed


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((object(), mse, X, Y), TypeError),
        ((MLP(3, [1], seed=0), "mse", X, Y), TypeError),
        ((MLP(3, [1], seed=0), mse, X, Y[:2]), ValueError),
        ((MLP(3, [1], seed=0), lambda o, t: "loss", X, Y), TypeError),
    ],
)
def test_bad_arguments_get_clear_errors(args: tuple[Any, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        gradcheck_model(*args)
