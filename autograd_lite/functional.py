"""Function transformations on top of the engine: grad, value_and_grad, jvp, hessian.

They take a Python function of numbers (or `Value` s) that returns a scalar `Value` and give back
a function. Called with plain numbers they return plain floats; called with `Value` s (which is
what happens inside another transformation) they return `Value` s with a graph, which is why
``grad(grad(f))`` is the second derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .engine import Op, Value, _chain_rule
from .modes import MODE, using

__all__ = ["gradients", "grad", "value_and_grad", "jvp", "hessian"]

Function = Callable[..., Any]
ArgNums = int | Sequence[int]

# A fresh input node: the identity, so gradients are taken with respect to this call's argument
# even when the argument is a Value that belongs to an enclosing computation.
_ARGUMENT = Op("arg", forward=float, local=lambda x, out: (1.0,))


def gradients(
    output: Value, inputs: Sequence[Value], *, seed: float = 1.0, create_graph: bool = False
) -> list[Any]:
    """d output / d input for each input, without touching any node's ``.grad``.

    Like ``torch.autograd.grad``: the chain rule runs on a private table of accumulators. With
    ``create_graph`` the gradients are `Value` s (built from the op table's local formulas) that
    can be differentiated again.

    Example:
        >>> x = Value(3.0)
        >>> gradients(x * x * x, [x])
        [27.0]
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients() needs a Value output, got {type(output).__name__}")
    acc = _chain_rule(output, float(seed), create_graph=create_graph)
    zero: Any = Value(0.0) if create_graph else 0.0
    return [acc.get(x, zero) for x in inputs]


def _positions(argnums: ArgNums, nargs: int) -> tuple[int, ...]:
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in positions:
        if not isinstance(i, int) or not -nargs <= i < nargs:
            raise ValueError(f"argnums {argnums!r} does not fit a call with {nargs} arguments")
    return tuple(i % nargs for i in positions)


def _as_input(arg: Any, position: int) -> Value:
    if isinstance(arg, Value):
        return _ARGUMENT(arg)
    try:
        return Value(arg)
    except TypeError:
        raise TypeError(
            f"argument {position} must be a number or a Value to differentiate with respect to "
            f"it, got {type(arg).__name__}"
        ) from None


def _scalar_output(f: Function, out: Any) -> Value:
    if isinstance(out, Value):
        return out
    name = getattr(f, "__name__", repr(f))
    hint = "return a Value (e.g. sum the outputs into a loss)"
    if isinstance(out, (int, float)):
        hint = "it does not depend on the differentiated arguments, so its gradient is 0"
    raise TypeError(
        f"{name} must return a scalar Value to be differentiated, but it returned "
        f"{type(out).__name__} {out!r:.80}; {hint}"
    )


def value_and_grad(f: Function, argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), gradient)``; a tuple of gradients for several argnums.

    Example:
        >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
        (12.0, (4.0, 3.0))
    """

    def transformed(*args: Any) -> tuple[Any, Any]:
        positions = _positions(argnums, len(args))
        nested = any(isinstance(a, Value) for a in args)
        call = list(args)
        for i in positions:
            call[i] = _as_input(args[i], i)
        out = _scalar_output(f, f(*call))
        grads = gradients(out, [call[i] for i in positions], create_graph=nested)
        value: Any = out if nested else out.data
        if isinstance(argnums, int):
            return value, grads[0]
        return value, tuple(grads)

    transformed.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return transformed


def grad(f: Function, argnums: ArgNums = 0) -> Callable[..., Any]:
    """The gradient of ``f`` with respect to the argument(s) ``argnums``.

    Example:
        >>> f = lambda x: x**3
        >>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
        (12.0, 12.0, 6.0)
    """
    with_value = value_and_grad(f, argnums)

    def transformed(*args: Any) -> Any:
        return with_value(*args)[1]

    transformed.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return transformed


def jvp(
    f: Function, primals: Sequence[float], tangents: Sequence[float], *, trace: bool = False
) -> Any:
    """Forward mode: ``(f(*primals), directional derivative of f along tangents)``.

    Each new node's tangent is computed as it is created, from its parents' tangents and the
    op table's local derivatives (dual numbers), in the same pass as the value: one pass per
    direction, whatever the number of inputs.

    With ``trace=True`` it returns ``(value, tangent, steps)``, where ``steps`` lists
    ``(node, tangent)`` for every node ``f`` made, in the order they were made: the per-step
    tangents of a forward-mode table.

    Example:
        >>> f = lambda x, w, b: 1 / ((-(w * x + b)).exp() + 1)
        >>> jvp(f, (1.0, 0.0, 0.0), (0.0, 1.0, 0.0))   # d f / d w
        (0.5, 0.25)
        >>> _, _, steps = jvp(f, (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), trace=True)
        >>> [(node.op, node.data, t) for node, t in steps][:2]
        [('*', 0.0, 1.0), ('+', 0.0, 1.0)]
    """
    if len(primals) != len(tangents):
        raise ValueError(f"jvp(): {len(primals)} primals but {len(tangents)} tangents")
    inputs = [_as_input(p, i) for i, p in enumerate(primals)]
    tangent: dict[Value, float] = {x: float(t) for x, t in zip(inputs, tangents)}

    def push_forward(node: Value) -> None:
        total = 0.0
        for parent, local in zip(node._prev, node._local):
            t = tangent.get(parent)
            if t is not None:
                total += local * t
        tangent[node] = total

    with using(grad=True, hooks=(*MODE.get().hooks, push_forward)):
        out = _scalar_output(f, f(*inputs))
    if trace:
        steps = [(node, t) for node, t in tangent.items() if node not in inputs]
        return out.data, tangent.get(out, 0.0), steps
    return out.data, tangent.get(out, 0.0)


def hessian(f: Function, argnums: ArgNums | None = None) -> Callable[..., list[list[float]]]:
    """The matrix of second derivatives (reverse over reverse), as a nested list.

    By default with respect to every positional argument.

    Example:
        >>> hessian(lambda x, y: x * x * y)(1.0, 2.0)
        [[4.0, 2.0], [2.0, 0.0]]
    """

    def transformed(*args: Any) -> list[list[float]]:
        positions = _positions(range(len(args)) if argnums is None else argnums, len(args))
        call = list(args)
        for i in positions:
            call[i] = _as_input(args[i], i)
        inputs = [call[i] for i in positions]
        out = _scalar_output(f, f(*call))
        first = gradients(out, inputs, create_graph=True)
        return [[float(v) for v in gradients(g, inputs)] for g in first]

    return transformed
