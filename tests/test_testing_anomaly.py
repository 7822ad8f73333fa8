"""detect_anomaly(): the first NaN/inf names its op, its inputs and the line that made it."""

from __future__ import annotations

import math

import pytest

from autograd_lite import Op, Value, modes, no_grad
from autograd_lite.nn import MLP
from autograd_lite.testing import AnomalyError, detect_anomaly

NAN_OP = Op("make_nan", forward=lambda x: math.nan, local=lambda x, out: (0.0,))


def line_of(marker: str) -> int:
    """The line number of the one line of this file that ends with ``marker``."""
    with open(__file__) as f:
        hits = [i for i, line in enumerate(f, 1) if line.rstrip().endswith(marker)]
    assert len(hits) == 1, marker
    return hits[0]


def test_forward_overflow_names_the_op_its_input_and_the_line() -> None:
    x = Value(1000.0, label="x")
    with pytest.raises(AnomalyError) as info, detect_anomaly():
        y = x * 1.0
        y.exp()  # marker: forward-inf
    message = str(info.value)
    assert "op 'exp'" in message and "inf" in message
    assert "Value(data=1000.0)" in message
    assert f'"{__file__}", line {line_of("# marker: forward-inf")}' in message
    assert "y.exp()" in message


def test_a_nan_from_a_user_op_is_caught_at_that_op() -> None:
    with pytest.raises(AnomalyError, match="op 'make_nan' produced nan") as info, detect_anomaly():
        a = Value(2.0, label="a")
        NAN_OP(a + 1)  # marker: user-op
    assert "Value(data=3.0)" in str(info.value)
    assert f"line {line_of('# marker: user-op')}" in str(info.value)


def test_an_infinite_backward_contribution_names_the_node_and_where_it_was_made() -> None:
    x = Value(0.0, label="x")
    with detect_anomaly():
        r = x.sqrt()  # marker: sqrt-created
        loss = r * 3.0 + 1.0
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "backward through op 'sqrt'" in message
    assert "local derivative inf" in message and "'x'" in message
    assert f"line {line_of('# marker: sqrt-created')}" in message
    loss.backward()  # the engine cleaned up after the error: a clean pass counts once
    assert (loss.grad, r.grad, x.grad) == (1.0, 3.0, math.inf)


def test_zero_times_infinity_in_backward_is_caught_as_nan() -> None:
    x = Value(0.0)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"'sqrt' gives nan"):
        (x.sqrt() * 0.0).backward()


def test_an_infinite_seed_is_reported_at_the_root() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"'\+' received the gradient inf"):
        (Value(1.0) + 2).backward(math.inf)


def test_a_graph_made_outside_the_block_is_checked_without_a_line() -> None:
    r = Value(0.0).sqrt()
    with detect_anomaly(), pytest.raises(AnomalyError, match="created outside detect_anomaly"):
        r.backward()


def test_nodes_made_inside_a_model_point_to_the_callers_line() -> None:
    model = MLP(2, [3, 1], seed=0)
    with detect_anomaly():
        out = model([0.5, -1.0])  # marker: model-call
    assert out.origin is not None
    assert out.origin.endswith("out = model([0.5, -1.0])  # marker: model-call")
    assert f"line {line_of('# marker: model-call')}" in out.origin


def test_healthy_code_runs_unchanged_and_records_origins_only_inside() -> None:
    x = Value(0.5)
    outside = (x * x).tanh()
    outside.backward()
    expected = x.grad
    x.grad = 0.0
    with detect_anomaly():
        inside = (x * x).tanh()
        inside.backward()
        with no_grad():
            quiet = x * 2
    assert x.grad == expected
    assert outside.origin is None
    assert inside.origin is not None and quiet.origin is not None
    assert modes.MODE.get().hooks == () and modes.MODE.get().on_backward is None


def test_the_mode_is_restored_after_an_error_and_outer_hooks_still_run() -> None:
    seen: list[str] = []
    backward_seen: list[float] = []
    with modes.using(
        hooks=(lambda n: seen.append(n.op),), on_backward=lambda n, g: backward_seen.append(g)
    ):
        with pytest.raises(AnomalyError), detect_anomaly():
            (Value(2.0) * 3).backward()
            Value(800.0).exp().exp()
        assert modes.MODE.get().on_backward is not None
        assert len(modes.MODE.get().hooks) == 1
    assert seen[:2] == ["*", "exp"] and backward_seen[0] == 1.0
    assert modes.MODE.get().hooks == ()
