"""compare_with_torch: agreement, disagreement, clear errors; a clear message without torch."""

from __future__ import annotations

import math
import sys

import pytest

from autograd_lite import Op, Value, vsum
from autograd_lite.testing import TorchComparison, compare_with_torch


def test_without_torch_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ModuleNotFoundError, match=r'pip install "autograd-lite\[torch\]"'):
        compare_with_torch(lambda x: x, [1.0])


def test_rows_flag_only_the_quantities_that_differ() -> None:
    cmp = TorchComparison(
        1.0, 1.0, (2.0, math.inf, math.nan), (2.0 + 1e-6, math.inf, math.nan), 1e-9, 1e-9
    )
    assert [ok for *_, ok in cmp.rows()] == [True, False, True, True]
    assert not cmp.passed
    assert "MISMATCH" in str(cmp).splitlines()[2] and "DISAGREE" in str(cmp)


torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")

WRONG_SIN = Op("wrong_sin", forward=math.sin, local=lambda x, out: (-math.cos(x),))


def test_agreement_on_a_function_written_once() -> None:
    cmp = compare_with_torch(lambda x, y: (x * y + 1).log() * y.sigmoid() - x**3, [0.5, 1.5])
    assert cmp.passed
    assert cmp.value == pytest.approx(math.log(1.75) / (1 + math.exp(-1.5)) - 0.125, rel=1e-14)
    assert "agree" in str(cmp)


def test_a_wrong_derivative_is_a_disagreement() -> None:
    cmp = compare_with_torch(WRONG_SIN, [0.3], torch_fn=lambda t: t.sin())
    assert not cmp.passed
    assert cmp.value == cmp.torch_value
    assert cmp.grads[0] == pytest.approx(-cmp.torch_grads[0], rel=1e-15)


def test_functions_torch_cannot_run_ask_for_torch_fn() -> None:
    with pytest.raises(TypeError, match="torch_fn"):
        compare_with_torch(lambda a, b: vsum([a, b]), [1.0, 2.0])
    cmp = compare_with_torch(lambda a, b: vsum([a, b]), [1.0, 2.0], torch_fn=lambda a, b: a + b)
    assert cmp.passed and cmp.grads == (1.0, 1.0)


def test_unused_inputs_and_constants_have_zero_gradients() -> None:
    assert compare_with_torch(lambda a, b: a * 2, [1.0, 2.0]).torch_grads == (2.0, 0.0)
    cmp = compare_with_torch(lambda a: 4.0, [Value(1.0)])
    assert cmp.passed and cmp.grads == (0.0,) and cmp.torch_grads == (0.0,)
