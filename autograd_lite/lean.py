"""The engine's one fast path: a neuron's node, made without the generic machinery.

A network's forward pass is almost all neurons. `engine.make_node` builds each through its
op's two generic functions, the forward value and then the local derivatives, and each call
unpacks all 2n + 1 numbers (weights, inputs, bias) again. `neuron_node` does the same
arithmetic on the weights' and the inputs' numbers directly (and relu's two one-line formulas
inline, the activation nearly every network uses) and fills the node's slots itself, which
makes a neuron of 16 inputs about 40% cheaper (benchmarks/README.md).

`ops.neuron` through `make_node` stays the reference: tests check that both give the same bits
(the value and every local derivative), and whatever is not the plain case (no grad, hooks,
constants, a domain error) goes to `make_node`. Like the mixins, this module belongs to the
engine and sets a node's slots; nothing else outside `engine.py` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import mul

from .engine import Value, _Constant, _new_value, _next_serial, make_node
from .modes import MODE, SCOPE, Frame
from .op import DomainError, Op
from .ops import RELU

__all__ = ["neuron_node"]


def neuron_node(
    op: Op, w: Sequence[Value], x: Sequence[Value], b: Value, frame: Frame | None = None
) -> Value:
    """``make_node(op, (*w, *x, b), frame)`` for ``op`` = `ops.AFFINE` or ``ops.neuron(act)``.

    Example:
        >>> from autograd_lite import Value, ops
        >>> node = neuron_node(ops.neuron(ops.RELU), [Value(2.0)], [Value(3.0)], Value(-1.0))
        >>> node.data, node.local_grads, node.op
        (5.0, (3.0, 2.0, 1.0), 'relu(dot+b)')
    """
    mode = MODE.get()
    if not mode.grad or mode.hooks or type(b) is _Constant:
        return make_node(op, (*w, *x, b), frame)
    wd = [p.data for p in w]
    xd = [p.data for p in x]
    bd = b.data
    z = sum(map(mul, wd, xd), -0.0) + bd  # ops.affine's arithmetic, in its order
    if op.parts is None:  # ops.AFFINE: no activation
        out, slope = z, 1.0
    elif op.parts[1] is RELU:  # the usual one, inlined: ops.relu and ops.relu_local
        out = 0.0 if z <= 0 else z
        slope = 0.0 if out <= 0 else 1.0
    else:
        act = op.parts[1]
        try:
            out = act.forward(z)
        except DomainError:
            return make_node(op, (*w, *x, b), frame)  # which names the op and the value
        (slope,) = act.local(None if act.out_only else z, out)
    # ops.neuron's local derivatives: slope times (x..., w..., 1), the weighted sum's own.
    if slope == 1.0:
        local: tuple[float, ...] = (*xd, *wd, 1.0)
    else:
        total = sum((*wd, *xd, bd, out)) if slope == 0.0 else 0.0
        if slope == 0.0 and total - total == 0.0:  # every number finite: 0 * each is 0
            local = (0.0,) * (2 * len(wd) + 1)
        else:
            local = tuple([slope * d for d in (*xd, *wd, 1.0)])
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node._rule = op
    node._acc = 0.0
    node._scope = frame or SCOPE.get()
    node._prev = (*w, *x, b)
    node._local = local
    node._serial = _next_serial()
    return node
