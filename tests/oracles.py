"""Independent oracles for the tests: central differences on plain-float functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

H = 1e-6
ATOL = 1e-5
RTOL = 1e-3


def central_gradient(f: Callable[..., float], xs: Sequence[float], h: float = H) -> list[float]:
    """d f / d x_i by (f(x + h e_i) - f(x - h e_i)) / 2h, for each i."""
    grads = []
    for i in range(len(xs)):
        up = list(xs)
        down = list(xs)
        up[i] += h
        down[i] -= h
        grads.append((f(*up) - f(*down)) / (2 * h))
    return grads


def close(analytic: float, numeric: float, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """PyTorch gradcheck's criterion: |a - n| <= atol + rtol * |n|."""
    return abs(analytic - numeric) <= atol + rtol * abs(numeric)
