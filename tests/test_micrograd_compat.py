"""Code written for micrograd runs unchanged, and gives micrograd's numbers."""

from __future__ import annotations

import random

import pytest

micrograd_engine = pytest.importorskip("micrograd.engine", reason="micrograd is not installed")
micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd is not installed")


def micrograd_readme_example(value_cls: type) -> tuple[float, float, float]:
    # The kind of expression micrograd's README builds, using only its public API.
    a = value_cls(-4.0)
    b = value_cls(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_micrograd_readme_expression_gives_the_same_numbers() -> None:
    from autograd_lite import Value

    ours = micrograd_readme_example(Value)
    theirs = micrograd_readme_example(micrograd_engine.Value)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_mlp_with_the_same_seed_gives_micrograds_output_and_gradients() -> None:
    from autograd_lite.nn import MLP

    def run(mlp_cls: type) -> tuple[float, list[float]]:
        random.seed(1337)
        model = mlp_cls(2, [16, 16, 1])
        out = sum(model([x, -x]) * (x + 1) for x in (0.3, -0.7, 1.1))
        loss = (1 - out).relu() + out * out
        loss.backward()
        return loss.data, [p.grad for p in model.parameters()]

    ours_loss, ours_grads = run(MLP)
    theirs_loss, theirs_grads = run(micrograd_nn.MLP)
    assert ours_loss == pytest.approx(theirs_loss, rel=1e-12)
    assert ours_grads == pytest.approx(theirs_grads, rel=1e-9, abs=1e-12)


def test_reprs_match_micrograd() -> None:
    from autograd_lite.nn import MLP

    random.seed(0)
    assert repr(MLP(2, [3, 1])) == repr(micrograd_nn.MLP(2, [3, 1]))


def test_a_product_reads_its_inputs_in_backward_as_micrograd_does() -> None:
    # micrograd's `*` closure reads `other.data` when backward runs; autograd_lite's mul keeps
    # no copy of its local derivatives either, so editing an input's data in between agrees.
    from autograd_lite import Value

    def run(value_cls: type) -> tuple[float, float]:
        a, b = value_cls(2.0), value_cls(3.0)
        y = a * b
        a.data = 5.0
        y.backward()
        return a.grad, b.grad

    assert run(Value) == run(micrograd_engine.Value) == (3.0, 5.0)
    a, b = Value(2.0), Value(3.0)
    y = a * b
    assert y.rule is not None and y.rule.keep_local is False and y.local_grads == (3.0, 2.0)
