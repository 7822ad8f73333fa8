"""W1 (one training step of a moons MLP) written for each system: ours, peers, hand-written."""

from __future__ import annotations

import importlib.util
import operator
from typing import Any

from autograd_lite import Value, vsum
from autograd_lite.nn import MLP

from . import common
from .common import Problem, W1System

__all__ = ["SYSTEMS", "available"]


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class _ScalarParams(W1System):
    """Systems whose parameters are scalar nodes with ``.data`` and ``.grad`` (ours, micrograd)."""

    params: list[Any]
    model: Any

    def _use_problem_weights(self) -> None:
        """Give the model the problem's initial weights, so every system starts equal."""
        for layer, neurons in zip(self.model.layers, self.p.weights):
            for neuron, (w, b) in zip(layer.neurons, neurons):
                for v, x in zip(neuron.w, w):
                    v.data = x
                neuron.b.data = b
        self.params = self.model.parameters()

    def grads(self) -> list[float]:
        return [q.grad for q in self.params]

    def update(self) -> None:
        lr = self.p.lr
        for q in self.params:
            q.data -= lr * q.grad


class Ours(_ScalarParams):
    """autograd_lite, eager: the MLP from `autograd_lite.nn`, losses with fused sums."""

    name = "autograd_lite"

    def __init__(self, p: Problem) -> None:
        self.p = p
        self.model = MLP(2, [len(layer) for layer in p.weights], seed=0)
        self._use_problem_weights()

    def loss(self) -> Value:
        p, model = self.p, self.model
        scores = [model(x) for x in p.X]
        hinge = vsum([(1 - yi * s).relu() for yi, s in zip(p.y, scores)])
        reg = vsum([q * q for q in self.params])
        return hinge * (1.0 / len(p.X)) + p.alpha * reg

    def compute(self) -> float:
        self.model.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss.data


class OursCompiled(Ours):
    """autograd_lite with `autograd_lite.compile`: the step traced once, replayed on floats."""

    name = "autograd_lite compiled"

    def __init__(self, p: Problem) -> None:
        from autograd_lite.compile import compile as compile_

        super().__init__(p)
        self.compiled = compile_(self.loss, params=self.params)

    def compute(self) -> float:
        self.model.zero_grad()
        value, _ = self.compiled()
        return value


class OursBatched(Ours):
    """autograd_lite's batched replay: one sample's loss traced, replayed over the 100 points.

    The traced function is one point's share of the loss, hinge / n + alpha * reg / n, so the
    sum over the batch is the W1 loss and each parameter's gradient, summed by the replay, is
    W1's. The regulariser depends on the parameters only: it stays on floats, once per step.
    """

    name = "autograd_lite batched numpy"
    backend = "numpy"

    def __init__(self, p: Problem) -> None:
        from autograd_lite.compile import compile as compile_

        super().__init__(p)
        n = len(p.X)

        def share(x0: Value, x1: Value, y: Value) -> Value:
            hinge: Value = (1 - y * self.model([x0, x1])).relu()
            return hinge * (1.0 / n) + (p.alpha / n) * vsum([q * q for q in self.params])

        self.replay = compile_(share, params=self.params).batched(self.backend)
        self.columns = [[x[0] for x in p.X], [x[1] for x in p.X], list(p.y)]
        self.columns = [self.replay.xp.asarray(c) for c in self.columns]

    def compute(self) -> float:
        self.model.zero_grad()
        values, _ = self.replay(*self.columns)
        return float(values.sum())


class OursBatchedTorch(OursBatched):
    """The same batched replay with PyTorch float64 tensors (on the CPU here)."""

    name = "autograd_lite batched torch"
    backend = "torch"

    def __init__(self, p: Problem) -> None:
        common.torch()  # one thread, as the other torch systems
        super().__init__(p)


class Micrograd(_ScalarParams):
    """micrograd 0.1.0 as its README's demo trains: Python ``sum`` over binary nodes."""

    name = "micrograd"

    def __init__(self, p: Problem) -> None:
        from micrograd.nn import MLP as MgMLP

        self.p = p
        self.model = MgMLP(2, [len(layer) for layer in p.weights])
        self._use_problem_weights()

    def compute(self) -> float:
        p, model = self.p, self.model
        scores = [model(x) for x in p.X]
        hinge = sum((1 + -yi * s).relu() for yi, s in zip(p.y, scores))
        reg = sum(q * q for q in self.params)
        loss = hinge * (1.0 / len(p.X)) + p.alpha * reg
        model.zero_grad()
        loss.backward()
        return float(loss.data)


class HandFloats(W1System):
    """The same MLP on plain Python floats, forward and backward derived by hand: the floor."""

    name = "hand-written floats"

    def __init__(self, p: Problem) -> None:
        self.p = p
        self.W = [[list(w) for w, _ in layer] for layer in p.weights]
        self.B = [[b for _, b in layer] for layer in p.weights]

    def compute(self) -> float:
        p, W, B = self.p, self.W, self.B
        mul, last = operator.mul, len(W) - 1
        dW = [[[0.0] * len(row) for row in w] for w in W]
        dB = [[0.0] * len(b) for b in B]
        scale = 1.0 / len(p.X)
        hinge = 0.0
        for x, yi in zip(p.X, p.y):
            acts = [x]
            for i, (w, b) in enumerate(zip(W, B)):
                z = [sum(map(mul, row, acts[-1])) + bj for row, bj in zip(w, b)]
                acts.append(z if i == last else [v if v > 0 else 0.0 for v in z])
            margin = 1 - yi * acts[-1][0]
            if margin <= 0:
                continue  # relu'(margin) = 0: this point adds no loss and no gradient
            hinge += margin
            d = [-yi * scale]  # d loss / d score
            for i in range(last, -1, -1):
                a_in, a_out = acts[i], acts[i + 1]
                if i != last:  # relu'(z) = 1 where the output is positive
                    d = [dj if aj > 0 else 0.0 for dj, aj in zip(d, a_out)]
                for drow, dj in zip(dW[i], d):
                    drow[:] = [g + dj * a for g, a in zip(drow, a_in)]
                dB[i] = [g + dj for g, dj in zip(dB[i], d)]
                if i:
                    d = [sum(map(mul, col, d)) for col in zip(*W[i])]
        reg = 0.0
        for w, b, dw, db in zip(W, B, dW, dB):
            for row, drow in zip(w, dw):
                reg += sum(map(mul, row, row))
                drow[:] = [g + 2 * p.alpha * v for g, v in zip(drow, row)]
            reg += sum(map(mul, b, b))
            db[:] = [g + 2 * p.alpha * v for g, v in zip(db, b)]
        self.dW, self.dB = dW, dB
        return hinge * scale + p.alpha * reg

    def grads(self) -> list[float]:
        return [g for dw, db in zip(self.dW, self.dB) for row, b in zip(dw, db) for g in (*row, b)]

    def update(self) -> None:
        lr = self.p.lr
        for w, b, dw, db in zip(self.W, self.B, self.dW, self.dB):
            for row, drow in zip(w, dw):
                row[:] = [v - lr * g for v, g in zip(row, drow)]
            b[:] = [v - lr * g for v, g in zip(b, db)]


class NumpyHand(W1System):
    """The same MLP batched in numpy, backward derived by hand."""

    name = "numpy hand-derived"

    def __init__(self, p: Problem) -> None:
        import numpy as np

        self.np, self.p = np, p
        self.X: Any = np.array(p.X)
        self.y: Any = np.array(p.y)
        self.W: list[Any] = [np.array([w for w, _ in layer]) for layer in p.weights]
        self.B: list[Any] = [np.array([b for _, b in layer]) for layer in p.weights]

    def compute(self) -> float:
        np, p, W, B = self.np, self.p, self.W, self.B
        acts = [self.X]
        for i, (w, b) in enumerate(zip(W, B)):
            z = acts[-1] @ w.T + b
            acts.append(z if i == len(W) - 1 else np.maximum(z, 0.0))
        margin = 1 - self.y * acts[-1][:, 0]
        active = margin > 0
        n = len(self.y)
        d = np.where(active, -self.y / n, 0.0)[:, None]
        self.dW, self.dB = [np.empty(0)] * len(W), [np.empty(0)] * len(W)
        for i in range(len(W) - 1, -1, -1):
            if i != len(W) - 1:
                d = d * (acts[i + 1] > 0)
            self.dW[i] = d.T @ acts[i] + 2 * p.alpha * W[i]
            self.dB[i] = d.sum(axis=0) + 2 * p.alpha * B[i]
            d = d @ W[i]
        reg = sum(float((w * w).sum() + (b * b).sum()) for w, b in zip(W, B))
        return float(np.where(active, margin, 0.0).sum() / n + p.alpha * reg)

    def grads(self) -> list[float]:
        out: list[float] = []
        for dw, db in zip(self.dW, self.dB):
            for row, b in zip(dw, db):
                out += [*map(float, row), float(b)]
        return out

    def update(self) -> None:
        for w, b, dw, db in zip(self.W, self.B, self.dW, self.dB):
            w -= self.p.lr * dw
            b -= self.p.lr * db


class TorchScalar(W1System):
    """PyTorch with one 0-d float64 tensor per scalar: micrograd's structure, torch's engine."""

    name = "torch per-scalar"

    def __init__(self, p: Problem) -> None:
        torch = common.torch()

        self.torch, self.p = torch, p

        def t(v: float) -> Any:
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        self.layers = [[([t(v) for v in w], t(b)) for w, b in layer] for layer in p.weights]
        self.params = [q for layer in self.layers for w, b in layer for q in (*w, b)]
        self.X = [[torch.tensor(v, dtype=torch.float64) for v in x] for x in p.X]

    def compute(self) -> float:
        p = self.p
        hinge: Any = 0.0
        for x, yi in zip(self.X, p.y):
            a: list[Any] = x
            for i, layer in enumerate(self.layers):
                z = [sum((wi * xi for wi, xi in zip(w, a)), b) for w, b in layer]
                a = z if i == len(self.layers) - 1 else [v.relu() for v in z]
            hinge = hinge + (1 - yi * a[0]).relu()
        reg = sum(q * q for q in self.params)
        loss = hinge * (1.0 / len(p.X)) + p.alpha * reg
        for q in self.params:
            q.grad = None
        loss.backward()
        return float(loss.item())

    def grads(self) -> list[float]:
        return [float(q.grad) for q in self.params]

    def update(self) -> None:
        with self.torch.no_grad():
            for q in self.params:
                q -= self.p.lr * q.grad


class TorchBatched(NumpyHand):
    """PyTorch batched (float64 matrices, autograd): the reference, not a scalar engine."""

    name = "torch batched"

    def __init__(self, p: Problem) -> None:
        torch = common.torch()

        self.torch, self.p = torch, p
        f64 = torch.float64
        self.X, self.y = torch.tensor(p.X, dtype=f64), torch.tensor(p.y, dtype=f64)
        self.W = [torch.tensor([w for w, _ in layer], dtype=f64) for layer in p.weights]
        self.B = [torch.tensor([b for _, b in layer], dtype=f64) for layer in p.weights]
        for q in (*self.W, *self.B):
            q.requires_grad_(True)

    def compute(self) -> float:
        p = self.p
        a = self.X
        for i, (w, b) in enumerate(zip(self.W, self.B)):
            a = a @ w.T + b
            if i != len(self.W) - 1:
                a = a.relu()
        hinge = (1 - self.y * a[:, 0]).relu().mean()
        reg = sum((q * q).sum() for q in (*self.W, *self.B))
        loss = hinge + p.alpha * reg
        for q in (*self.W, *self.B):
            q.grad = None
        loss.backward()
        self.dW = [w.grad for w in self.W]
        self.dB = [b.grad for b in self.B]
        return float(loss.item())

    def grads(self) -> list[float]:
        out: list[float] = []
        for dw, db in zip(self.dW, self.dB):
            for row, b in zip(dw.tolist(), db.tolist()):
                out += [*row, b]
        return out

    def update(self) -> None:
        with self.torch.no_grad():
            super().update()


SYSTEMS: list[tuple[type[W1System], str | None]] = [
    (Ours, None),
    (OursCompiled, None),
    (OursBatched, "numpy"),
    (OursBatchedTorch, "torch"),
    (HandFloats, None),
    (NumpyHand, "numpy"),
    (Micrograd, "micrograd"),
    (TorchScalar, "torch"),
    (TorchBatched, "torch"),
]


def available() -> list[type[W1System]]:
    """The W1 systems whose package is installed."""
    return [cls for cls, module in SYSTEMS if module is None or _has(module)]
