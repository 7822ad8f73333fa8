"""The benchmark systems compute the same loss and gradients (correctness only, no timing)."""

from __future__ import annotations

import math
import re

import pytest

from benchmarks import w1_systems, workloads
from benchmarks.__main__ import _print_rows, w4
from benchmarks.common import make_problem, max_rel_diff
from tests.oracles import central_gradient, close


@pytest.mark.parametrize("system", w1_systems.available(), ids=lambda c: c.name)
def test_every_system_matches_the_hand_derived_step(system: type[w1_systems.W1System]) -> None:
    problem = make_problem(sizes=(2, 5, 4, 1), n=12, seed=1)
    ref = w1_systems.HandFloats(problem)
    ref_loss = ref.compute()
    sut = system(problem)
    assert max_rel_diff([sut.compute()], [ref_loss]) <= 1e-9
    assert max_rel_diff(sut.grads(), ref.grads()) <= 1e-9
    # and after an SGD step both still agree (the update is part of the timed step)
    ref.update()
    sut.update()
    assert max_rel_diff([sut.compute()], [ref.compute()]) <= 1e-9


def test_the_hand_derived_gradient_matches_central_differences() -> None:
    problem = make_problem(sizes=(2, 3, 1), n=6, seed=2)
    hand = w1_systems.HandFloats(problem)
    hand.compute()
    analytic = hand.grads()
    for layer in range(2):
        for j, (w, _) in enumerate(problem.weights[layer]):

            def loss_at(v: float, layer: int = layer, j: int = j) -> float:
                old = hand.W[layer][j][0]
                hand.W[layer][j][0] = v
                try:
                    return hand.compute()
                finally:
                    hand.W[layer][j][0] = old

            (numeric,) = central_gradient(loss_at, [hand.W[layer][j][0]])
            index = sum(len(ws) + 1 for ws, _ in (n for n in problem.weights[0])) * layer
            index += j * (len(w) + 1)
            assert close(analytic[index], numeric, atol=0.0, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(workloads.CHAIN))
def test_deep_chain_gradients_agree(name: str) -> None:
    if name in ("micrograd", "torch per-scalar"):
        pytest.importorskip(name.split()[0], reason=f"{name} is not installed")
    n = 200  # shallow enough for micrograd's recursive sort
    assert max_rel_diff([workloads.CHAIN[name](n)], [workloads.chain_hand(n)]) <= 1e-9


@pytest.mark.parametrize("name", sorted(workloads.WIDE))
def test_wide_sum_gradients_agree(name: str) -> None:
    if name in ("micrograd", "torch per-scalar"):
        pytest.importorskip(name.split()[0], reason=f"{name} is not installed")
    n = 100
    run = workloads.WIDE[name](n)
    assert run() == 0.5 - (n - 1) % 5  # d s / d w_(n-1) = x_(n-1)
    # Every gradient, derived here independently: d s/d w_i = x_i, d s/d x_i = w_i.
    w, x = [1.0 + i % 7 for i in range(n)], [0.5 - i % 5 for i in range(n)]
    assert run.gradients() == x + w


def _wrong_wide(n: int) -> workloads.Wide:
    right = workloads.wide_ours(n)
    return workloads.Wide(right.run, lambda: [g * 1.01 for g in right.gradients()])


def test_the_w4_check_names_a_system_whose_gradients_are_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runs = {"autograd_lite": workloads.wide_ours(50), "wrong": _wrong_wide(50)}
    runs["nan"] = workloads.Wide(workloads.wide_ours(50).run, lambda: [math.nan] * 100)
    for run in runs.values():
        run()
    assert not workloads.check_wide(50, runs)
    out = capsys.readouterr().out
    assert "MISMATCH at n=50: wrong's" in out and "MISMATCH at n=50: nan's" in out
    assert "autograd_lite" not in out
    assert workloads.check_wide(50, {"autograd_lite": runs["autograd_lite"]})


def test_the_harness_checks_w4_gradients_at_every_size(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    systems = {"autograd_lite": workloads.wide_ours, "wrong": _wrong_wide}
    monkeypatch.setattr(workloads, "WIDE", systems)
    report: dict[str, object] = {}
    w4([20, 40], report)
    out = capsys.readouterr().out
    assert "MISMATCH at n=20: wrong's" in out and "MISMATCH at n=40: wrong's" in out
    assert "autograd_lite's" not in out


def test_micrograd_fails_on_a_deep_chain_and_we_do_not() -> None:
    pytest.importorskip("micrograd", reason="micrograd is not installed")
    assert workloads.run_or_fail(lambda: workloads.chain_micrograd(5_000)) == "RecursionError"
    assert workloads.run_or_fail(lambda: workloads.chain_ours(5_000)) is None


def test_bytes_per_node_is_measured() -> None:
    ours = workloads.bytes_per_node(workloads.build_ours, 2_000)
    assert 50 < ours < 1_000


def test_table_columns_stay_apart_when_a_cell_is_a_failure_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    note = "fails (RecursionError)"
    table: dict[str, dict[int, float | str]] = {
        "ours": {1000: 1.25, 10000: 2.5},
        "peer": {1000: note, 10000: note},
    }
    _print_rows(table, [1000, 10000], "n =")
    rows = capsys.readouterr().out.splitlines()
    # Two or more spaces separate cells, so each row splits into its name and one cell per size.
    assert [re.split(r"\s{2,}", row.strip()) for row in rows[1:]] == [
        ["ours", "1.250", "2.500"],
        ["peer", note, note],
    ]
