"""Optimizers that update parameters from their gradients (SGD, Adam) and learning-rate schedules.

A learning rate is a number or a schedule: a callable from the step count (0, 1, 2, ...) to
the rate, such as `linear_decay` or `step_decay`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from .engine import Value

__all__ = ["Optimizer", "SGD", "Adam", "linear_decay", "step_decay", "Schedule"]

Schedule: TypeAlias = Callable[[int], float]


def _positive(name: str, x: Any, *, allow_zero: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(x).__name__} {x!r}")
    value = float(x)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return value


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """A rate falling in a straight line from ``start`` (step 0) to ``end`` (step ``steps``).

    After ``steps`` it stays at ``end``. micrograd's demo uses ``linear_decay(1.0, 0.1, 100)``.

    Example:
        >>> lr = linear_decay(1.0, 0.1, 100)
        >>> lr(0), round(lr(50), 6), lr(100), lr(500)
        (1.0, 0.55, 0.1, 0.1)
    """
    start, end = _positive("start", start), _positive("end", end, allow_zero=True)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"linear_decay(steps=...) needs a positive int, got {steps!r}")

    def rate(step: int) -> float:
        k = min(step, steps)
        # Weighted this way both ends are exact: rate(0) == start and rate(steps) == end.
        return (start * (steps - k) + end * k) / steps

    return rate


def step_decay(start: float, every: int, gamma: float = 0.1) -> Schedule:
    """A rate multiplied by ``gamma`` every ``every`` steps (PyTorch's ``StepLR``).

    Example:
        >>> lr = step_decay(1.0, every=10, gamma=0.5)
        >>> lr(0), lr(9), lr(10), lr(25)
        (1.0, 1.0, 0.5, 0.25)
    """
    start, gamma = _positive("start", start), _positive("gamma", gamma)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"step_decay(every=...) needs a positive int, got {every!r}")
    return lambda step: start * gamma ** (step // every)


class Optimizer:
    """What SGD and Adam share: the parameter list, the step count, ``zero_grad`` and the rate.

    ``step()`` reads each parameter's ``grad`` and changes its ``data`` in place (no graph is
    built). A non-finite gradient stops the step with an error before anything is changed.
    """

    def __init__(self, params: Iterable[Value], lr: float | Schedule) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}() got no parameters to optimize")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__}(): parameter {i} is a {type(p).__name__}, not a Value"
                )
        if not callable(lr):
            _positive("lr", lr)
        self.lr = lr
        self.steps = 0

    @property
    def current_lr(self) -> float:
        """The rate the next ``step()`` will use.

        Example:
            >>> SGD([Value(1.0)], lr=linear_decay(1.0, 0.0, 10)).current_lr
            1.0
        """
        return float(self.lr(self.steps) if callable(self.lr) else self.lr)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (call it before each ``backward()``).

        Example:
            >>> p = Value(1.0); p.grad = 3.0; SGD([p], lr=0.1).zero_grad(); p.grad
            0.0
        """
        for p in self.params:
            p.grad = 0.0
            p.grad_value = None

    def _gradients(self, weight_decay: float) -> list[float]:
        grads = []
        for i, p in enumerate(self.params):
            if not math.isfinite(p.grad):
                raise FloatingPointError(
                    f"{type(self).__name__}.step(): parameter {i} ({p.describe()}) has gradient "
                    f"{p.grad!r}; lower the learning rate or check the loss for overflow"
                )
            # Weight decay as PyTorch defines it: g + wd * p, the gradient of wd/2 * p^2 added.
            grads.append(p.grad + weight_decay * p.data if weight_decay else p.grad)
        return grads

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as JSON-ready data (for checkpoints)."""
        return {"type": type(self).__name__, "steps": self.steps, "lr": self.current_lr}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` returned, checking that it fits these parameters.

        Example:
            >>> p = Value(1.0); p.grad = 1.0; opt = SGD([p], lr=0.1, momentum=0.9); opt.step()
            >>> again = SGD([p], lr=0.1, momentum=0.9); again.load_state_dict(opt.state_dict())
            >>> again.steps, again.buffers
            (1, [1.0])
        """
        self.steps = self._check_state(state)

    def _check_state(self, state: dict[str, Any]) -> int:
        kind = type(self).__name__
        if not isinstance(state, dict) or state.get("type") != kind:
            found = state.get("type") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"optimizer state is for {found!r}, not {kind}")
        steps = state.get("steps")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"optimizer state: 'steps' must be an int >= 0, got {steps!r}")
        return steps

    def _buffer(self, state: dict[str, Any], key: str) -> list[float]:
        buf = state.get(key)
        if not isinstance(buf, list) or len(buf) != len(self.params):
            size = len(buf) if isinstance(buf, list) else type(buf).__name__
            raise ValueError(
                f"optimizer state: {key!r} holds {size} values for {len(self.params)} parameters"
            )
        for i, x in enumerate(buf):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ValueError(f"optimizer state: {key}[{i}] is {x!r}, not a finite number")
        return [float(x) for x in buf]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay (PyTorch's rule).

    ``g = grad + weight_decay * p``; with momentum ``b = momentum * b + g`` (``b = g`` on the
    first step) and ``g = b``; then ``p -= lr * g``.

    Example:
        >>> p = Value(1.0); p.grad = 0.5
        >>> SGD([p], lr=0.1).step(); p.data
        0.95
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Schedule = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _positive("momentum", momentum, allow_zero=True)
        self.weight_decay = _positive("weight_decay", weight_decay, allow_zero=True)
        self.buffers: list[float] | None = None

    def step(self) -> None:
        grads = self._gradients(self.weight_decay)
        lr = self.current_lr
        if self.momentum:
            if self.buffers is None:
                self.buffers = grads
            else:
                self.buffers = [self.momentum * b + g for b, g in zip(self.buffers, grads)]
            grads = self.buffers
        for p, g in zip(self.params, grads):
            p.data -= lr * g
        self.steps += 1

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(momentum=self.momentum, weight_decay=self.weight_decay, buffers=self.buffers)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        steps = self._check_state(state)
        buffers = None if state.get("buffers") is None else self._buffer(state, "buffers")
        self.steps, self.buffers = steps, buffers


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction and optional L2 weight decay.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, and
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` at step t = 1, 2, ...

    Example:
        >>> p = Value(1.0); p.grad = 0.5
        >>> Adam([p], lr=0.1).step(); round(p.data, 6)  # the first step moves by lr
        0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Schedule = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for name, b in zip(("beta1", "beta2"), betas):
            if not 0.0 <= _positive(name, b, allow_zero=True) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {b!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _positive("eps", eps, allow_zero=True)
        self.weight_decay = _positive("weight_decay", weight_decay, allow_zero=True)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        grads = self._gradients(self.weight_decay)
        lr = self.current_lr
        b1, b2 = self.betas
        t = self.steps + 1
        # Bias correction: m and v start at 0, so early averages are too small by (1 - b^t).
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        for i, (p, g) in enumerate(zip(self.params, grads)):
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            p.data -= lr * (self.m[i] / c1) / (math.sqrt(self.v[i] / c2) + self.eps)
        self.steps = t

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(
            betas=list(self.betas), eps=self.eps, weight_decay=self.weight_decay, m=self.m, v=self.v
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        steps = self._check_state(state)
        m, v = self._buffer(state, "m"), self._buffer(state, "v")
        self.steps, self.m, self.v = steps, m, v
