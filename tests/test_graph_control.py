"""Graph control: detach, stop_gradient, requires_grad=False and gradient hooks (vs PyTorch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import Value, grad, gradients, jvp, stop_gradient
from autograd_lite.engine import HookHandle, topological_order


def test_detach_is_a_new_leaf_with_the_same_data() -> None:
    x = Value(3.0, label="x")
    y = x * x
    d = y.detach()
    assert (d.data, d.parents, d.op, d.label) == (9.0, (), "", "")
    z = x * d  # d/dx (x * c) = c
    z.backward()
    assert x.grad == 9.0 and d.grad == 3.0


def test_stop_gradient_in_every_transform() -> None:
    assert grad(lambda x: x * stop_gradient(x))(3.0) == 3.0
    assert grad(lambda x: stop_gradient(x * x))(3.0) == 0.0
    assert jvp(lambda x: x * stop_gradient(x), (3.0,), (1.0,)) == (9.0, 3.0)
    assert grad(grad(lambda x: x * x * stop_gradient(x)))(2.0) == 4.0  # 2c, c = 2
    assert stop_gradient(2.5) == 2.5


def test_requires_grad_false_takes_part_in_forward_but_keeps_no_gradient() -> None:
    c = Value(3.0, requires_grad=False)
    x = Value(2.0)
    assert (c.requires_grad, x.requires_grad) == (False, True)
    y = c * x + c
    y.backward()
    assert (y.data, x.grad, c.grad) == (9.0, 3.0, 0.0)
    y.backward(create_graph=True)
    assert c.grad_value is None and x.grad_value is not None
    assert repr(c) == "Value(data=3.0, grad=0.0)"


def test_gradients_with_respect_to_a_constant_is_refused_as_in_pytorch() -> None:
    c, x = Value(3.0, requires_grad=False, label="c"), Value(2.0)
    with pytest.raises(ValueError) as refused:
        gradients(c * x, [x, c])
    assert str(refused.value) == (
        "gradients(): input 1, Value(data=3.0, label='c'), does not require grad (as in PyTorch, "
        "no gradient is kept for a constant); make it with Value(x), requires_grad=True"
    )
    with pytest.raises(ValueError, match="input 0, a float"):
        gradients(c * x, [2.0])  # type: ignore[list-item]
    assert gradients(c * x, [x]) == [3.0]
    torch = pytest.importorskip("torch")
    t_c = torch.tensor(3.0, dtype=torch.float64)
    t_x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.autograd.grad(t_c * t_x, [t_x, t_c])


def test_a_result_of_constants_alone_is_a_constant_leaf_backward_never_walks() -> None:
    c = Value(0.5, requires_grad=False)
    chain = c
    for _ in range(1000):
        chain = chain * c + c
    x = Value(2.0)
    y = chain * x
    assert not chain.requires_grad and chain.parents == () and chain.grad == 0.0
    assert len(topological_order(y)) == 3  # y, the constant, x: none of the 2,000 ops
    y.backward()
    assert x.grad == pytest.approx(chain.data, rel=1e-15) and chain.grad == 0.0
    mixed = c * x  # one input requires grad: an ordinary node, both parents kept
    assert mixed.requires_grad and mixed.parents == (c, x)
    with pytest.raises(ValueError) as refused:
        (c * c).backward()
    assert str(refused.value) == (
        "backward() on a constant, Value(data=0.25): it was made with requires_grad=False or only "
        "from such values, so nothing in its graph takes a gradient"
    )
    torch = pytest.importorskip("torch")
    t_c = torch.tensor(0.5, dtype=torch.float64)
    assert (t_c * t_c).requires_grad is False and (t_c * t_c).grad_fn is None


# -- hooks --------------------------------------------------------------------------------------


def test_a_hook_sees_the_complete_gradient_and_its_result_replaces_it() -> None:
    x = Value(2.0)
    seen: list[float] = []
    z = x * 3
    z.register_hook(lambda g: (seen.append(g), g * 2)[1])
    w = z * z + z  # two paths into z: the hook sees their sum once
    w.backward()
    assert seen == [13.0]
    assert z.grad == 26.0 and x.grad == 78.0  # the replacement is stored and sent on


def test_a_hook_returning_none_observes_only_and_hooks_run_in_order() -> None:
    x = Value(2.0)
    calls: list[str] = []
    x.register_hook(lambda g: calls.append(f"a{g}"))
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: calls.append(f"c{g}"))
    (x * x).backward()
    assert calls == ["a4.0", "c5.0"] and x.grad == 5.0


def test_hooks_fire_on_every_backward_and_gradients_pass_until_removed() -> None:
    x = Value(2.0)
    seen: list[float] = []
    handle = x.register_hook(lambda g: seen.append(g))
    assert isinstance(handle, HookHandle)
    y = x * x
    y.backward()
    y.backward()
    assert gradients(y, [x]) == [4.0]
    assert seen == [4.0, 4.0, 4.0] and x.grad == 8.0
    handle.remove()
    handle.remove()  # twice: nothing more happens
    y.backward()
    assert seen == [4.0, 4.0, 4.0]


def test_under_create_graph_a_hook_gets_a_value_and_may_return_a_differentiable_one() -> None:
    x = Value(3.0)
    got: list[Any] = []

    def double(g: Any) -> Any:
        got.append(g)
        return g * 2

    y = x**3
    x.register_hook(double)
    y.backward(create_graph=True)
    assert isinstance(got[0], Value) and got[0].data == 27.0
    assert x.grad == 54.0 and x.grad_value is not None and x.grad_value.data == 54.0
    first = x.grad_value
    x.zero_grad()
    got.clear()
    first.backward()  # d/dx (2 * 3x^2) = 12x, and the hook doubles it again
    assert x.grad == 72.0


def test_register_hook_refuses_what_it_cannot_call() -> None:
    with pytest.raises(TypeError, match="register_hook takes a function, got int"):
        Value(1.0).register_hook(3)  # type: ignore[arg-type]


# -- the same programs in PyTorch ---------------------------------------------------------------

PROGRAMS: list[tuple[str, Callable[[Any, Any, Callable[..., Any]], Any]]] = [
    # (name, program(x, scale, register) -> output); register(tensor_or_value, hook)
    ("leaf", lambda x, k, reg: (reg(x, lambda g: g * k), x * x * x)[1]),
    (
        "intermediate",
        lambda x, k, reg: (lambda z: (reg(z, lambda g: g + k), (z * z).sin())[1])(x * 3),
    ),
    ("root", lambda x, k, reg: (lambda y: (reg(y, lambda g: g * k), y)[1])(x.exp())),
    ("observer", lambda x, k, reg: (reg(x, lambda g: None), x * k)[1]),
]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_hooks_match_pytorch_for_backward_twice(program: tuple[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    _, build = program

    def register(node: Any, hook: Callable[..., Any]) -> None:
        node.register_hook(hook)

    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    out_t = build(t, 3.0, register)
    out_t.backward(retain_graph=True)
    out_t.backward()
    x = Value(0.7)
    out = build(x, 3.0, register)
    out.backward()
    out.backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-12)


def test_create_graph_with_a_hook_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    t.register_hook(lambda g: g * 2)
    (first_t,) = torch.autograd.grad(t**3, t, create_graph=True)
    (second_t,) = torch.autograd.grad(first_t, t)  # the hook doubles this pass too
    x = Value(3.0)
    x.register_hook(lambda g: g * 2)
    (first,) = gradients(x**3, [x], create_graph=True)
    (second,) = gradients(first, [x])
    assert (first.data, second) == (first_t.item(), second_t.item()) == (54.0, 72.0)
