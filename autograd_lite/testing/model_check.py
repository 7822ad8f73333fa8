"""gradcheck_model: a whole model's backward() gradients against central differences."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..engine import Value
from .gradcheck import FAIL, OK, GradcheckEntry, GradcheckError, GradcheckReport
from .numerical import numerical_grad

__all__ = ["gradcheck_model"]


class _Model(Protocol):
    def parameters(self) -> list[Value]: ...

    def __call__(self, x: Any) -> Any: ...


def _loss_value(
    model: _Model, loss_fn: Callable[[list[Any], list[Any]], Any], X: Sequence[Any], y: list[Any]
) -> Value:
    out = loss_fn([model(list(x)) for x in X], y)
    if isinstance(out, numbers.Real):
        return Value(float(out))
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck_model: loss_fn must return a Value, got {type(out).__name__}")
    return out


def _entry(
    name: str, x: float, analytic: float, numeric: float, atol: float, rtol: float
) -> GradcheckEntry:
    err = abs(analytic - numeric)
    rel = err / abs(numeric) if numeric != 0 else (0.0 if err == 0 else math.inf)
    ok = err <= atol + rtol * abs(numeric)  # False for NaN, so a NaN gradient fails
    return GradcheckEntry(name, x, analytic, numeric, err, rel, OK if ok else FAIL)


def gradcheck_model(
    model: _Model,
    loss_fn: Callable[[list[Any], list[Any]], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check the gradient of ``loss_fn`` over a batch with respect to every model parameter.

    The analytic gradients come from one ``backward()`` of the batch loss; the numeric ones
    from `numerical_grad` (central differences), moving one parameter at a time and running
    the whole batch forward again. An entry passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``, as in `gradcheck`. The model's
    parameters get their data and gradients back afterwards, so checking does not disturb
    training. Unlike `gradcheck`, kinks are not detected: choose a point where no relu input is
    within ``eps`` of 0, or expect a failure there.

    Args:
        model: callable on one sample (a list of numbers), with ``parameters()``, e.g. an
            `autograd_lite.nn.MLP`.
        loss_fn: ``loss_fn(outputs, targets) -> Value``, the signature `autograd_lite.train.fit`
            uses (e.g. `autograd_lite.losses.mse`).
        X, y: the batch: samples (lists of numbers) and their targets.
        eps, atol, rtol: the central-difference step and the tolerances.
        raise_on_failure: raise `GradcheckError` with the table when any parameter fails.

    Returns:
        A `GradcheckReport` with one entry per parameter, named ``p<index>:<label>`` (or
        ``p<index>`` when the parameter has no label).

    Example:
        >>> from autograd_lite.nn import MLP
        >>> from autograd_lite.losses import mse
        >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
        >>> report = gradcheck_model(model, mse, [[0.5, -1.0], [1.5, 0.2]], [1.0, -1.0])
        >>> report.passed, len(report.entries) == len(model.parameters())
        (True, True)
    """
    if not callable(model) or not hasattr(model, "parameters"):
        raise TypeError("gradcheck_model: model must be callable and have parameters()")
    if not callable(loss_fn):
        raise TypeError(f"gradcheck_model: loss_fn must be callable, got {type(loss_fn).__name__}")
    if len(X) != len(y):
        raise ValueError(f"gradcheck_model: {len(X)} samples but {len(y)} targets")
    params = list(model.parameters())
    saved = [(p.data, p.grad) for p in params]
    targets = list(y)
    try:
        for p in params:
            p.grad = 0.0
        _loss_value(model, loss_fn, X, targets).backward()
        analytic = [p.grad for p in params]

        # numerical_grad evaluates this under no_grad, so the moved passes build no graph.
        def loss_at(*moved: Value) -> float:
            for p, m in zip(params, moved):
                p.data = m.data
            return _loss_value(model, loss_fn, X, targets).data

        numeric = numerical_grad(loss_at, [d for d, _ in saved], method="central", eps=eps)
    finally:
        for p, (data, grad) in zip(params, saved):
            p.data, p.grad = data, grad
    entries = tuple(
        _entry(f"p{i}:{p.label}" if p.label else f"p{i}", p.data, a, n, atol, rtol)
        for i, (p, a, n) in enumerate(zip(params, analytic, numeric))
    )
    report = GradcheckReport(entries, eps, atol, rtol)
    if raise_on_failure and not report.passed:
        raise GradcheckError("\n" + str(report))
    return report
