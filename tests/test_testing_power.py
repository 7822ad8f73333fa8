"""The power benchmark of gradcheck: its targets, and the figures docs/testing.md prints."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from autograd_lite.testing import gradcheck
from tests import gradcheck_power
from tests.gradcheck_power import Tally

DOCS = Path(__file__).resolve().parent.parent / "docs" / "testing.md"


@pytest.fixture(scope="module")
def tallies() -> dict[tuple[str, float], Tally]:
    return gradcheck_power.run()


def test_no_right_gradient_fails_at_any_magnitude(tallies: dict[tuple[str, float], Tally]) -> None:
    for key, t in tallies.items():
        assert t.false_fails == 0, (key, t.examples)
    assert tallies["none", 1e-3].correct >= 500  # every magnitude 1e-8 .. 1e10, both families


@pytest.mark.parametrize("bug", ["1%", "sign for x < 0", "1% where abs(x) > 1.5"])
def test_at_least_99_percent_of_1_percent_errors_are_caught(
    tallies: dict[tuple[str, float], Tally], bug: str
) -> None:
    t = tallies[bug, 1e-3]
    assert t.wrong >= 50
    assert t.caught >= 0.99 * t.wrong, t.examples  # of those the report claims to see
    assert t.blind <= 0.05 * (t.wrong + t.blind)  # and it claims to see nearly all


def test_every_error_the_report_claims_to_see_is_caught(
    tallies: dict[tuple[str, float], Tally],
) -> None:
    for key, t in tallies.items():
        assert t.caught == t.wrong and t.small_caught == t.small, (key, t.examples)


def test_a_0_1_percent_error_needs_rtol_1e_4(tallies: dict[tuple[str, float], Tally]) -> None:
    default, strict = tallies["0.1%", 1e-3], tallies["0.1%", 1e-4]
    assert default.small_blind >= 0.75 * (default.small + default.small_blind)
    assert strict.small >= 0.85 * (strict.small + strict.small_blind)
    assert strict.small_caught == strict.small


def test_the_docs_print_these_figures(tallies: dict[tuple[str, float], Tally]) -> None:
    assert gradcheck_power.table(tallies) in DOCS.read_text()


def test_the_benchmark_tells_a_weak_checker_from_a_good_one() -> None:
    # The old gradcheck, a fixed step of 1e-6 with atol=1e-5, fails right gradients at large
    # and small magnitudes and misses errors in small gradients: the benchmark must show it.
    old = functools.partial(gradcheck, eps=1e-6, atol=1e-5)
    weak = gradcheck_power.run(trials=1, check=old)
    assert weak["none", 1e-3].false_fails > 0
    one = weak["1%", 1e-3]
    # atol=1e-5 hides 1% of a small gradient (its rel tol says so) or lets it pass
    assert one.caught < one.wrong + one.blind
