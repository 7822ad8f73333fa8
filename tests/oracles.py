"""Independent oracles for the tests: finite differences on plain-float functions.

`central_gradient` does not use the engine: it runs the plain-float version of a function and
differentiates it with `autograd_lite.testing.numerical.derivative` (extrapolated central
differences at steps that scale with each input; checked against closed forms in
`tests/test_testing_numerical.py`). Each result is a float that also carries its estimated
error, and `close` widens its tolerance by that error, so the tolerance scales with the
magnitudes involved and a test cannot fail because the oracle was off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd_lite.testing.numerical import Unusable, derivative

ATOL = 1e-5
RTOL = 1e-3
MARGIN = 4.0  # times the numeric derivative's estimated error, added to the tolerance


class Numeric(float):
    """A finite-difference derivative that remembers its estimated error (``.error``)."""

    error: float

    def __new__(cls, value: float, error: float) -> Numeric:
        made = super().__new__(cls, value)
        made.error = error
        return made


def central_gradient(
    f: Callable[..., float], xs: Sequence[float], h: float | None = None
) -> list[float]:
    """d f / d x_i for each i, by extrapolated central differences (or one fixed step ``h``).

    With ``h`` the old fixed-step quotient (f(x + h e_i) - f(x - h e_i)) / 2h is returned, with
    an error estimate of 0.
    """
    grads: list[float] = []
    for i, x in enumerate(xs):

        def probe(t: float, i: int = i) -> float:
            moved = list(xs)
            moved[i] = t
            # Plain floats: (-1.0) ** 0.5 is complex without an error, and math.cos of that
            # raises TypeError; both mean f is not real there.
            try:
                value = f(*moved)
            except (ArithmeticError, ValueError, TypeError) as exc:
                raise Unusable(str(exc)) from None
            if isinstance(value, complex):
                raise Unusable(f"f is complex at {t!r}")
            return float(value)

        if h is not None:
            grads.append(Numeric((probe(x + h) - probe(x - h)) / (2 * h), 0.0))
            continue
        # The tests' functions live on a scale of 1 (inputs in [-3, 3], domain edges and kinks
        # kept 0.01 away), however small x is.
        d = derivative(probe, x, scale=1.0)
        grads.append(Numeric(d.value, d.error))
    return grads


def close(analytic: float, numeric: float, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """PyTorch gradcheck's criterion |a - n| <= atol + rtol * |n|, widened by n's own error."""
    error = getattr(numeric, "error", 0.0)
    if math.isnan(numeric):
        return False
    return abs(analytic - numeric) <= atol + rtol * abs(numeric) + MARGIN * error
