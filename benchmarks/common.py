"""Shared pieces of the benchmarks: the W1 problem, timing by interleaved medians, checks."""

from __future__ import annotations

import gc
import itertools
import math
import random
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "W1System", "make_problem", "interleaved_medians", "max_rel_diff", "torch"]

Weights = list[list[tuple[list[float], float]]]  # layer -> neuron -> (w, b)


@dataclass
class Problem:
    """W1: an MLP(2, [16, 16, 1]) on two-moons, SVM hinge loss + L2, one SGD step."""

    X: list[list[float]]
    y: list[float]  # labels in {-1, +1}
    weights: Weights
    alpha: float = 1e-4
    lr: float = 0.05


def _moons(n: int, noise: float, rng: random.Random) -> tuple[list[list[float]], list[float]]:
    # Two interleaved half circles, as scikit-learn's make_moons draws them.
    X: list[list[float]] = []
    y: list[float] = []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            x0, x1, label = math.cos(t), math.sin(t), -1.0
        else:
            x0, x1, label = 1 - math.cos(t), 0.5 - math.sin(t), 1.0
        X.append([x0 + rng.gauss(0, noise), x1 + rng.gauss(0, noise)])
        y.append(label)
    return X, y


def make_problem(sizes: Sequence[int] = (2, 16, 16, 1), n: int = 100, seed: int = 0) -> Problem:
    """The same data and initial weights for every system (uniform(-1, 1) weights, zero bias)."""
    rng = random.Random(seed)
    X, y = _moons(n, 0.1, rng)
    weights: Weights = [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in itertools.pairwise(sizes)
    ]
    return Problem(X, y, weights)


class W1System:
    """One system's W1 step: ``compute()`` (forward + backward) then ``update()`` (SGD)."""

    name = "?"

    def __init__(self, p: Problem) -> None:
        self.p = p

    def compute(self) -> float:
        """Zero the gradients, run forward and backward, return the loss."""
        raise NotImplementedError

    def grads(self) -> list[float]:
        """The gradients in micrograd's parameter order (layer, neuron, weights then bias)."""
        raise NotImplementedError

    def update(self) -> None:
        """One SGD step with the problem's learning rate."""
        raise NotImplementedError

    def step(self) -> float:
        loss = self.compute()
        self.update()
        return loss


def torch() -> Any:
    """PyTorch on one thread: its pool would otherwise spin on the second core after each op and
    slow down whichever system runs next (0-d tensors gain nothing from threads anyway)."""
    import torch as _torch

    _torch.set_num_threads(1)
    return _torch


WARM_UP = 0.02  # seconds of untimed calls before each timed sample


def interleaved_medians(
    runs: Mapping[str, Callable[[], object]], repeats: int, inner: int = 1
) -> dict[str, float]:
    """Median seconds per call of each runner, systems interleaved, ``gc.collect()`` between.

    Each timed sample follows untimed calls of the same runner (at least one, for at least
    `WARM_UP` seconds): whatever the system before left behind is paid there, not charged to
    this one. Measured: right after a PyTorch run, the hand-written W4 loop at n = 1e4 took
    about 10x its time for its next five or so calls (0.2 ms each), and a W1 step of ours 3-5%
    more.
    """
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for r in range(repeats):
        # Rotate the order each round so no system always runs first.
        names = list(runs)
        names = names[r % len(names) :] + names[: r % len(names)]
        for name in names:
            warm_until = time.perf_counter() + WARM_UP
            runs[name]()
            while time.perf_counter() < warm_until:
                runs[name]()
            gc.collect()
            start = time.perf_counter()
            for _ in range(inner):
                runs[name]()
            samples[name].append((time.perf_counter() - start) / inner)
    return {name: statistics.median(s) for name, s in samples.items()}


def max_rel_diff(a: Sequence[float], b: Sequence[float]) -> float:
    """The largest |a - b| / max(|a|, |b|, 1e-6) over the pairs (inf if lengths differ)."""
    if len(a) != len(b):
        return math.inf
    return max(
        (abs(x - y) / max(abs(x), abs(y), 1e-6) for x, y in zip(a, b)),
        default=0.0,
    )
