"""Values and gradients against PyTorch in float64 (skipped, with the reason, without torch)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.graph_strategies import as_values, inputs, programs, run, smooth_and_in_domain

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")

TORCH_OPS = {
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "relu": lambda a: a.relu(),
    "abs": lambda a: a.abs(),
    "max": lambda a, b: torch.maximum(a, b),
    "min": lambda a, b: torch.minimum(a, b),
}


def torch_run(
    program: list[tuple[str, tuple[int, ...]]], xs: list[float]
) -> tuple[float, list[float]]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    nodes = list(leaves)
    from tests.graph_strategies import OPS

    for name, args in program:
        fn = TORCH_OPS.get(name, OPS[name][1])
        nodes.append(fn(*(nodes[a] for a in args)))
    out = nodes[-1]
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


@given(data=st.data(), n=st.integers(1, 3))
def test_random_dags_match_pytorch_float64(data: st.DataObject, n: int) -> None:
    program = data.draw(programs(n), label="program")
    xs = data.draw(inputs(n), label="inputs")
    assume(smooth_and_in_domain(program, xs, margin=1e-3))
    values = as_values(xs)
    out = run(program, values, values=True)
    out.backward()
    expected, grads = torch_run(program, xs)
    assert out.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert [v.grad for v in values] == pytest.approx(grads, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("name", "at"),
    [
        ("relu", 0.0),
        ("abs", 0.0),
        ("sqrt", 0.0),
        ("sigmoid", -800.0),
        ("sigmoid", 800.0),
        ("tanh", 400.0),
        ("exp", 1000.0),
    ],
)
def test_edges_match_pytorch(name: str, at: float) -> None:
    from autograd_lite import Value

    x = Value(at)
    y = getattr(x, name)() if name != "abs" else abs(x)
    y.backward()
    t = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    out = TORCH_OPS[name](t)
    out.backward()
    assert (y.data, x.grad) == (out.item(), t.grad.item())


def test_max_tie_matches_pytorch() -> None:
    from autograd_lite import Value

    a, b = Value(1.0), Value(1.0)
    a.max(b).backward()
    ta = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    torch.maximum(ta, tb).backward()
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())
