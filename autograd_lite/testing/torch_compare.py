"""compare_with_torch(): run the same function on PyTorch float64 tensors and diff the results."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import Value
from .numerical import as_floats

__all__ = ["compare_with_torch", "TorchComparison"]

_INSTALL = 'compare_with_torch needs PyTorch: pip install "autograd-lite[torch]"'


def _close(ours: float, theirs: float, atol: float, rtol: float) -> bool:
    if ours == theirs or (math.isnan(ours) and math.isnan(theirs)):
        return True  # also equal infinities, where the difference is nan
    return abs(ours - theirs) <= atol + rtol * abs(theirs)


@dataclass(frozen=True)
class TorchComparison:
    """Value and gradients from autograd_lite and from PyTorch; ``str()`` is a table."""

    value: float
    torch_value: float
    grads: tuple[float, ...]
    torch_grads: tuple[float, ...]
    atol: float
    rtol: float

    def rows(self) -> list[tuple[str, float, float, bool]]:
        """(quantity, ours, torch's, agree) for the value and each input's gradient."""
        pairs = [("value", self.value, self.torch_value)]
        pairs += [(f"d/dx{i}", g, t) for i, (g, t) in enumerate(zip(self.grads, self.torch_grads))]
        return [(n, a, b, _close(a, b, self.atol, self.rtol)) for n, a, b in pairs]

    @property
    def passed(self) -> bool:
        """True when the value and every gradient agree within the tolerances."""
        return all(ok for *_, ok in self.rows())

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [f"{'':8}{'autograd_lite':>24}{'torch float64':>24}{'difference':>12}"]
        for name, a, b, ok in self.rows():
            diff = abs(a - b) if a != b else 0.0
            flag = "" if ok else "  MISMATCH"
            lines.append(f"{name:8}{a:>24.17g}{b:>24.17g}{diff:>12.2e}{flag}")
        verdict = "agree" if self.passed else "DISAGREE"
        lines.append(f"{verdict} (|ours - torch| <= {self.atol:g} + {self.rtol:g} * |torch|)")
        return "\n".join(lines)


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ModuleNotFoundError(_INSTALL) from exc
    return torch


def compare_with_torch(
    fn: Callable[..., Any],
    inputs: Sequence[Value | float],
    *,
    torch_fn: Callable[..., Any] | None = None,
    atol: float = 1e-9,
    rtol: float = 1e-9,
) -> TorchComparison:
    """Evaluate ``fn`` on `Value` s and on PyTorch float64 tensors; compare value and gradients.

    ``fn`` should use only operators and methods that `Value` and ``torch.Tensor`` share
    (``+ - * / **``, ``abs``, ``exp log sqrt tanh sigmoid relu sin cos``, ``a.max(b)`` with
    ``b`` an input too). For anything else (``vsum``, ``dot``, ``x.max(0.0)``) pass the torch
    version as ``torch_fn``.

    Args:
        fn: a function of ``len(inputs)`` scalars returning a `Value`.
        inputs: the point, as numbers or `Value` s.
        torch_fn: the same function written for tensors, when ``fn`` does not run on them.
        atol: absolute tolerance.
        rtol: relative tolerance.

    Returns:
        A `TorchComparison`; ``.passed`` is the verdict and ``str()`` a table.

    Raises:
        ModuleNotFoundError: PyTorch is not installed (``pip install "autograd-lite[torch]"``).
        TypeError: ``fn`` does not run on tensors (the message says to pass ``torch_fn``).

    Example (skipped where PyTorch is not installed):
        >>> import pytest; _ = pytest.importorskip("torch")
        >>> cmp = compare_with_torch(lambda x, y: (x * y).tanh() + y.exp(), [0.5, -1.0])
        >>> cmp.passed
        True
    """
    torch = _import_torch()
    xs = as_floats(inputs)
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    if isinstance(out, numbers.Real):
        out = Value(float(out))
    if not isinstance(out, Value):
        raise TypeError(f"compare_with_torch: fn must return a Value, got {type(out).__name__}")
    out.backward()

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    try:
        result = (torch_fn or fn)(*tensors)
    except (TypeError, AttributeError) as exc:
        raise TypeError(
            f"compare_with_torch: the function does not run on torch tensors ({exc}); pass "
            "torch_fn=... written for tensors"
        ) from exc
    if not isinstance(result, torch.Tensor):
        result = torch.tensor(float(result), dtype=torch.float64)
    if result.requires_grad:
        found = torch.autograd.grad(result, tensors, allow_unused=True)
        torch_grads = tuple(0.0 if g is None else float(g.item()) for g in found)
    else:
        torch_grads = (0.0,) * len(xs)
    return TorchComparison(
        value=out.data,
        torch_value=float(result.item()),
        grads=tuple(v.grad for v in leaves),
        torch_grads=torch_grads,
        atol=atol,
        rtol=rtol,
    )
