"""Backpropagation as a list of steps with their arithmetic, recorded from the engine itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd_lite import Value, topological_order
from autograd_lite.modes import using

from .style import format_number, op_text

__all__ = ["backward_steps", "Step", "Share", "trace", "formula"]

_INFIX = {"+", "-", "*", "/", "**"}


@dataclass
class Share:
    """What one step passes to one operand: ``grad += upstream * local = total``."""

    parent: Value
    local: float
    amount: float
    total: float
    # For a fused op (``relu(dot+b)``): the local derivative's two factors, the outer op's
    # slope and the inner op's derivative, so the arithmetic shows both.
    factors: tuple[float, float] | None = None

    def text(self, name: str, upstream: float) -> str:
        """The chain-rule line, e.g. ``x.grad += -4 \u00d7 1 = -4``, or with a fused op's two
        factors, ``w1.grad += 2 \u00d7 (1 \u00d7 0.5) = 1``."""
        target = f"{name}.grad" if name.isidentifier() else f"({name}).grad"
        local = format_number(self.local)
        if self.factors is not None:
            local = " \u00d7 ".join(map(format_number, self.factors))
            local = f"({local})"
        product = f"{format_number(upstream)} \u00d7 {local}"
        if self.total == self.amount:
            return f"{target} += {product} = {format_number(self.total)}"
        return (
            f"{target} += {product} = {format_number(self.amount)}, now {format_number(self.total)}"
        )


@dataclass
class Step:
    """One node's turn in backward: the gradient it holds, complete, and what it passes on."""

    node: Value
    grad: float
    shares: list[Share] = field(default_factory=list)


def backward_steps(root: Value, grad: float = 1.0) -> list[tuple[Value, float]]:
    """The steps of ``root.backward(grad)``: each node with the gradient it receives, in order.

    The engine's own ``backward()`` runs with a recorder attached, so the steps are exactly
    what it does; every node's ``grad`` is restored afterwards (the graph is left untouched).

    Example:
        >>> a = Value(3.0, label="a"); b = a * 2; b.label = "b"
        >>> [(n.label, g) for n, g in backward_steps(b)] [:2], a.grad
        ([('b', 1.0), ('', 3.0)], 0.0)
    """
    steps: list[tuple[Value, float]] = []
    saved = [(node, node.grad) for node in topological_order(root)]
    try:
        with using(on_backward=lambda node, g: steps.append((node, g))):
            root.backward(grad)
    finally:
        for node, before in saved:
            node.grad = before
    return steps


def trace(root: Value) -> list[Step]:
    """`backward_steps` with the chain-rule arithmetic of each: for every operand, its local
    derivative, the share ``grad * local`` and the operand's running gradient.

    Example:
        >>> x = Value(2.0, label="x"); y = x * x; y.label = "y"
        >>> [s.text("x", 1.0).replace("\u00d7", "*") for s in trace(y)[0].shares]
        ['x.grad += 1 * 2 = 2', 'x.grad += 1 * 2 = 2, now 4']
    """
    running: dict[Value, float] = {root: 1.0}
    out: list[Step] = []
    for node, g in backward_steps(root):
        step = Step(node, g)
        factors = _factors(node)
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            amount = g * float(local)
            running[parent] = running.get(parent, 0.0) + amount
            two = None if factors is None else (factors[0], factors[1][i])
            step.shares.append(Share(parent, float(local), amount, running[parent], two))
        out.append(step)
    return out


def _factors(node: Value) -> tuple[float, tuple[float, ...]] | None:
    """A fused node's local derivatives as their two factors: the outer op's slope at the inner
    result, and the inner op's derivatives (``relu'(z)`` and ``x``, ``w``, ``1`` for a neuron).

    Example:
        >>> from autograd_lite.nn import Neuron
        >>> n = Neuron(2, seed=0); n.w[0].data, n.w[1].data = 0.5, -1.0
        >>> _factors(n([2.0, 3.0])), _factors(Value(2.0) * 3)
        ((0.0, (2.0, 3.0, 0.5, -1.0, 1.0)), None)
    """
    rule = node.rule
    if rule is None or rule.parts is None or not node.parents:
        return None
    inner, outer = rule.parts
    datas = [p.data for p in node.parents]
    z = inner.forward(*datas)
    (slope,) = outer.local(z, node.data)
    return float(slope), tuple(map(float, inner.local(*datas, z)))


def formula(node: Value, name_of: dict[Value, str]) -> str:
    """How a node was computed, in its operands' names: ``t2 = x * w``, ``t3 = tanh(t2)``.

    Names come from `visualize.graph.names`.

    Example:
        >>> from visualize.graph import names
        >>> x = Value(2.0, label="x"); y = (x * 3).tanh()
        >>> formula(y, names(topological_order(y)))
        't2 = tanh(t1)'
    """
    args = [name_of[p] for p in node.parents]
    op = op_text(node.op)
    if node.op.startswith("**") and len(args) == 1:  # a constant power: x ** 2
        return f"{name_of[node]} = {args[0]} ** {node.op[2:]}"
    if node.op in _INFIX and len(args) == 2:
        return f"{name_of[node]} = {args[0]} {op} {args[1]}"
    return f"{name_of[node]} = {op}({', '.join(args)})"
