"""Function transformations on top of the engine: grad, jvp, vjp, jacobian, jacfwd, hessian.

They take a Python function of numbers (or `Value` s) that returns a scalar `Value` and give
back a function. Called at top level with plain numbers they return plain floats.

Nesting is exact. While a transformation evaluates its function, every transformation inside
it keeps its graph and returns `Value` s (``Mode.depth`` counts the enclosing ones), so what it
computes stays a function of the outer variables: ``grad(lambda x: x * grad(lambda y: x * y)(2.0))``
at 1.0 is 2.0, not 1.0 (no "perturbation confusion"). Each transformation also wraps its
arguments in fresh identity nodes, so it differentiates with respect to its own arguments even
when they are `Value` s of an enclosing computation. Both rules together make ``grad(grad(f))``,
``jvp`` of ``grad``, ``grad`` of ``jvp`` and ``jvp`` of ``jvp`` the higher derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, apply, differentiable_local_grads, is_number
from .grads import gradients
from .modes import MODE, using
from .op import Op

__all__ = ["gradients", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "jacfwd", "hessian"]
__all__ += ["stop_gradient"]

Function = Callable[..., Any]
ArgNums = int | Sequence[int]


def _argument_local(x: Any, out: Any) -> tuple[Any, ...]:
    return (1.0,)


# A fresh input node: the identity, so gradients are taken with respect to this call's argument
# even when the argument is a Value that belongs to an enclosing computation.
_ARGUMENT = Op("arg", float, _argument_local)


def _positions(argnums: ArgNums, nargs: int) -> tuple[int, ...]:
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in positions:
        if not isinstance(i, int) or not -nargs <= i < nargs:
            raise ValueError(f"argnums {argnums!r} does not fit a call with {nargs} arguments")
    return tuple(i % nargs for i in positions)


def _as_input(arg: Any, position: int) -> Value:
    if isinstance(arg, Value):
        return apply(_ARGUMENT, arg)
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
    if is_number(out):
        # A constant function: its derivative is 0, as in JAX and HIPS autograd. No warning:
        # compositions meet constants legitimately (the tangent of a linear function, whose
        # grad is taken by hessian or jacfwd), and a Value that does not depend on the
        # arguments gets 0 silently too.
        return Value(out)
    name = getattr(f, "__name__", repr(f))
    raise TypeError(
        f"{name} must return a scalar Value (or a number) to be differentiated, but it returned "
        f"{type(out).__name__} {out!r:.80}; return a Value (e.g. sum the outputs into a loss)"
    )


def _scalar_outputs(f: Function, out: Any) -> tuple[list[Value], bool]:
    """``f``'s result as a list of scalar `Value` s, and whether it was a single scalar."""
    if isinstance(out, (list, tuple)):
        return [_scalar_output(f, o) for o in out], False
    return [_scalar_output(f, out)], True


def _nested(args: Sequence[Any]) -> bool:
    """Whether results must stay `Value` s: inside another transformation, or given Values."""
    return MODE.get().depth > 0 or any(isinstance(a, Value) for a in args)


def _call(f: Function, call: Sequence[Any]) -> Value:
    """``f(*call)`` as one more enclosing differentiation (see the module docstring)."""
    with using(depth=MODE.get().depth + 1, keep_graph=True):
        return _scalar_output(f, f(*call))


def _call_many(f: Function, call: Sequence[Any]) -> tuple[list[Value], bool]:
    """Like `_call`, for a function returning a scalar or a list of scalars."""
    with using(depth=MODE.get().depth + 1, keep_graph=True):
        return _scalar_outputs(f, f(*call))


def _inputs(args: Sequence[Any], positions: Sequence[int]) -> tuple[list[Any], list[Value]]:
    """The call with fresh input nodes at ``positions``, and those nodes."""
    call = list(args)
    for i in positions:
        call[i] = _as_input(args[i], i)
    return call, [call[i] for i in positions]


def value_and_grad(f: Function, argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), gradient)``; a tuple of gradients for several argnums.

    Example:
        >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
        (12.0, (4.0, 3.0))
    """

    def transformed(*args: Any) -> tuple[Any, Any]:
        positions = _positions(argnums, len(args))
        nested = _nested(args)
        call = list(args)
        for i in positions:
            call[i] = _as_input(args[i], i)
        out = _call(f, call)
        grads = gradients(out, [call[i] for i in positions], create_graph=nested)
        value: Any = out if nested else out.data
        if isinstance(argnums, int):
            return value, grads[0]
        return value, tuple(grads)

    transformed.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return transformed


def grad(f: Function, argnums: ArgNums = 0) -> Callable[..., Any]:
    """The gradient of ``f`` with respect to the argument(s) ``argnums``.

    A function whose result does not depend on the arguments has gradient 0.0, whether it
    returns a `Value` or a plain number (as JAX and HIPS autograd), without a warning: such
    constants arise legitimately when transformations compose (the derivative of a linear
    function is a number, and its own derivative is 0).

    Example:
        >>> f = lambda x: x**3
        >>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
        (12.0, 12.0, 6.0)
        >>> grad(lambda x: x * grad(lambda y: x * y)(2.0))(1.0)   # d/dx x*x
        2.0
        >>> grad(lambda x: 3.0)(1.0)   # a constant function
        0.0
    """
    with_value = value_and_grad(f, argnums)

    def transformed(*args: Any) -> Any:
        return with_value(*args)[1]

    transformed.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return transformed


def jvp(
    f: Function, primals: Sequence[Any], tangents: Sequence[Any], *, trace: bool = False
) -> Any:
    """Forward mode: ``(f(*primals), directional derivative of f along tangents)``.

    ``f`` returns a scalar, or a list of scalars (then both results are lists).

    Each new node's tangent is computed as it is created, from its parents' tangents and the
    op table's local derivatives (dual numbers), in the same pass as the value: one pass per
    direction, whatever the number of inputs. On numbers it keeps no graph: each node forgets
    its parents once its tangent is known, so memory stays flat however long ``f`` runs.
    Nested in another transformation (or given `Value` s), the value and tangent are `Value` s
    that can be differentiated again (that keeps the graph they need).

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
        >>> jvp(lambda x: jvp(lambda y: y**3, (x,), (1.0,))[1], (2.0,), (1.0,))  # (3x², 6x)
        (12.0, 12.0)
    """
    if len(primals) != len(tangents):
        raise ValueError(f"jvp(): {len(primals)} primals but {len(tangents)} tangents")
    nested = _nested([*primals, *tangents])
    inputs = [_as_input(p, i) for i, p in enumerate(primals)]
    enclosing = MODE.get().hooks
    if not (nested or trace or enclosing):
        return _jvp_without_graph(f, inputs, tangents)
    tangent: dict[Value, Any] = dict(zip(inputs, tangents))

    def push_forward(node: Value) -> None:
        if nested:
            # The tangent's own nodes belong to the enclosing transformations, not to this one.
            with using(hooks=enclosing):
                tangent[node] = _tangent(node, differentiable_local_grads(node), tangent)
        else:
            tangent[node] = _tangent(node, node.local_grads, tangent)

    with using(grad=True, hooks=(*enclosing, push_forward)):
        outs, single = _call_many(f, inputs)
    values: list[Any] = [out if nested else out.data for out in outs]
    results = [tangent.get(out, 0.0) for out in outs]
    value, result = (values[0], results[0]) if single else (values, results)
    if trace:
        return value, result, [(node, t) for node, t in tangent.items() if node not in inputs]
    return value, result


def _jvp_without_graph(f: Function, inputs: list[Value], tangents: Sequence[Any]) -> Any:
    """`jvp` on floats, keeping no graph: each node gets its tangent as it is made and then
    forgets its parents, so memory stays flat however long the computation.

    A tangent is stored on its node with this pass's own token, so a node made by an earlier
    pass (a constant the function closes over) counts as a constant here.
    """
    run = object()
    for x, t in zip(inputs, tangents):
        x.tangent = (run, float(t))

    def push_forward(node: Value) -> None:
        total = 0.0
        for parent, local in zip(node.parents, node.local_grads):
            record = parent.tangent
            if record is not None and record[0] is run:
                total += local * record[1]
        node.tangent = (run, total)

    # A differentiation nested inside f keeps its own graph (`_call` turns keep_graph back on).
    with using(grad=True, keep_graph=False, hooks=(push_forward,), depth=MODE.get().depth + 1):
        outs, single = _scalar_outputs(f, f(*inputs))
    results = [out.tangent[1] if out.tangent and out.tangent[0] is run else 0.0 for out in outs]
    values = [out.data for out in outs]
    return (values[0], results[0]) if single else (values, results)


def _tangent(node: Value, local_grads: Sequence[Any], tangent: dict[Value, Any]) -> Any:
    """The chain rule forwards: d node = sum of d node / d parent times d parent."""
    total: Any = None
    for parent, local in zip(node.parents, local_grads):
        t = tangent.get(parent)
        if t is not None:
            total = local * t if total is None else total + local * t
    return 0.0 if total is None else total


def vjp(f: Function, *primals: Any) -> tuple[Any, Callable[..., tuple[Any, ...]]]:
    """Reverse mode, as JAX's: ``(f(*primals), vjp_fn)``, ``vjp_fn(cotangent)`` giving one
    vector-Jacobian product per primal.

    ``f`` returns a scalar (``vjp_fn`` takes one cotangent) or a list of scalars (one cotangent
    each). The graph is kept, so ``vjp_fn`` may be called any number of times.

    Example:
        >>> out, vjp_fn = vjp(lambda x, y: [x * y, x + y], 3.0, 4.0)
        >>> out, vjp_fn(1.0, 0.0), vjp_fn(0.0, 1.0)
        ([12.0, 7.0], (4.0, 3.0), (1.0, 1.0))
    """
    nested = _nested(primals)
    _, inputs = _inputs(primals, range(len(primals)))
    outs, single = _call_many(f, inputs)

    def vjp_fn(*cotangents: Any) -> tuple[Any, ...]:
        if len(cotangents) != len(outs):
            raise ValueError(f"vjp_fn takes {len(outs)} cotangent(s), got {len(cotangents)}")
        total: list[Any] = [0.0] * len(inputs)
        for out, cotangent in zip(outs, cotangents):
            if isinstance(cotangent, Value):  # a cotangent that is itself differentiated
                grads = gradients(cotangent * out, inputs, create_graph=True)
            else:
                grads = gradients(out, inputs, seed=cotangent, create_graph=nested)
            total = [t + g for t, g in zip(total, grads)]
        return tuple(total)

    values = [out if nested else out.data for out in outs]
    return (values[0] if single else values), vjp_fn


def _drop_argument_axis(argnums: ArgNums | None, rows: list[Any]) -> Any:
    """With an int ``argnums``, one number per output rather than a list of one (as grad)."""
    if not isinstance(argnums, int):
        return rows
    return [row[0] if isinstance(row, list) else row for row in rows]


def jacobian(f: Function, argnums: ArgNums | None = None) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one backward pass per output.

    For ``f`` returning a list of m scalars, a list of m rows, row i holding d out_i / d x_j
    for each argument j in ``argnums`` (every positional argument by default), as
    ``torch.autograd.functional.jacobian``; for a scalar ``f``, the one row (the gradient).
    With an int ``argnums`` the argument axis is dropped, as in `grad`.

    Example:
        >>> jacobian(lambda x, y: [x * y, x + y, x.sin()])(2.0, 3.0)[:2]
        [[3.0, 2.0], [1.0, 1.0]]
        >>> jacobian(lambda x, y: x * y)(2.0, 3.0)
        [3.0, 2.0]
    """

    def transformed(*args: Any) -> Any:
        positions = _positions(range(len(args)) if argnums is None else argnums, len(args))
        nested = _nested(args)
        call, inputs = _inputs(args, positions)
        outs, single = _call_many(f, call)
        rows = [gradients(out, inputs, create_graph=nested) for out in outs]
        result = _drop_argument_axis(argnums, rows)
        return result[0] if single else result

    transformed.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    return transformed


def jacfwd(f: Function, argnums: ArgNums | None = None) -> Callable[..., Any]:
    """The Jacobian by forward mode: one `jvp` per argument; the same layout as `jacobian`.

    Forward mode costs a pass per input and reverse mode a pass per output, so `jacfwd` suits
    tall Jacobians (few inputs, many outputs) and `jacobian` wide ones.

    Example:
        >>> jacfwd(lambda x, y: [x * y, x + y, x.sin()])(2.0, 3.0)[:2]
        [[3.0, 2.0], [1.0, 1.0]]
        >>> jacfwd(jacobian(lambda x, y: x * x * y))(1.0, 2.0)   # the Hessian
        [[4.0, 2.0], [2.0, 0.0]]
    """

    def transformed(*args: Any) -> Any:
        positions = _positions(range(len(args)) if argnums is None else argnums, len(args))

        def of_differentiated(*xs: Any) -> Any:
            call = list(args)
            for i, x in zip(positions, xs):
                call[i] = x
            return f(*call)

        primals = [args[i] for i in positions]
        columns = []
        for j in range(len(positions)):
            unit = [1.0 if k == j else 0.0 for k in range(len(positions))]
            columns.append(jvp(of_differentiated, primals, unit)[1])
        if not isinstance(columns[0], list):  # a scalar f: its gradient
            return columns[0] if isinstance(argnums, int) else columns
        rows = [list(row) for row in zip(*columns)]
        return _drop_argument_axis(argnums, rows)

    transformed.__name__ = f"jacfwd({getattr(f, '__name__', 'f')})"
    return transformed


def hessian(f: Function, argnums: ArgNums | None = None) -> Callable[..., list[list[Any]]]:
    """The matrix of second derivatives, as a nested list: `jacfwd` of `jacobian`.

    Forward over reverse, as JAX's ``hessian``: the gradient by one backward pass with a graph,
    then one forward pass per argument through it. By default with respect to every positional
    argument.

    Example:
        >>> hessian(lambda x, y: x * x * y)(1.0, 2.0)
        [[4.0, 2.0], [2.0, 0.0]]
    """
    axes = (argnums,) if isinstance(argnums, int) else argnums
    second = jacfwd(jacobian(f, axes), axes)

    def transformed(*args: Any) -> list[list[Any]]:
        return second(*args)  # type: ignore[no-any-return]

    transformed.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return transformed


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: the same number, through which no gradient flows (JAX's name).

    A `Value` becomes a new leaf (`Value.detach`); a number is returned as it is.

    Example:
        >>> grad(lambda x: x * stop_gradient(x))(3.0)   # d/dx (x * c) with c = x's value
        3.0
    """
    return x.detach() if isinstance(x, Value) else x
