"""The scalar autograd engine: `Value`, applying an op, the topological sort, the chain rule.

Read it top to bottom. A `Value` is a node: its number, its gradient, its parents and the op
that made it. Each op's maths (forward value, local derivatives) is one entry of `ops`; this
file applies ops to make nodes, and runs the chain rule over a finished graph -- once, in
`_propagate`, for every mode (`grads.gradients` enters it too). micrograd's arithmetic is here.
What a node adds to that comes from mixins below this file: the rest of the op table as
methods (`methods`), the read-only node API (`reading`), hooks (`hooks`), constants (`constant`).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

from . import ops
from .constant import ConstantNode
from .higher_order import differentiable_local_grads
from .hooks import Hookable, HookHandle, watcher
from .methods import OpMethods
from .modes import MODE, SCOPE, Frame, gc_paused
from .op import DomainError, Op, connect_engine

__all__ = ["Value", "apply", "make_node", "topological_order", "nothing_to_send", "is_number"]
__all__ += ["differentiable_local_grads", "HookHandle"]

Number: TypeAlias = int | float
Operand: TypeAlias = "Value | int | float"


def _binary(op: Op) -> tuple[Callable[[Value, Any], Value], Callable[[Value, Any], Value]]:
    """The two methods of `Value` applying the two-input ``op``: ``self op x`` and ``x op self``.

    They are built at import, and mutmut 3 switches a mutant on only after it: "no mutate".
    """

    def method(self: Value, other: Any) -> Value:
        if not isinstance(other, Value) and not is_number(other):  # pragma: no mutate
            return NotImplemented  # type: ignore[no-any-return]  # pragma: no mutate
        return make_node(op, (self, _lift(other)))  # pragma: no mutate

    def reflected(self: Value, other: Any) -> Value:
        if not is_number(other):  # pragma: no mutate
            return NotImplemented  # type: ignore[no-any-return]  # pragma: no mutate
        return make_node(op, (Value(other), self))  # pragma: no mutate

    return method, reflected  # pragma: no mutate


class Value(OpMethods, Hookable):
    """A scalar in a computational graph: its data, its gradient and how it was made.

    ``grad`` accumulates: each ``backward()`` adds into it, so call `zero_grad` (or
    ``Module.zero_grad()``) between steps. ``Value`` hashes by identity and does not overload
    ``==``; ``<``, ``>`` and ``float(v)`` compare and read the data. ``requires_grad=False``
    makes a constant (see `constant`). Modules outside the engine read a node through the
    public properties of `reading.Readable`: ``parents``, ``op``, ``local_grads``, ...

    Example:
        >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
        >>> f = (x + y) * z
        >>> f.backward()
        >>> x.grad, y.grad, z.grad
        (-4.0, -4.0, 3.0)
        >>> f.op, [p.op for p in f.parents], f.local_grads
        ('*', ['+', ''], (-4.0, 3.0))
    """

    # fmt: off
    __slots__ = ("data", "grad", "_prev", "_rule", "_local", "_acc", "_scope", "_serial", "_notes")
    # fmt: on

    data: float
    grad: float
    _prev: tuple[Value, ...]  # the parents (micrograd's name)
    _rule: Op | None  # the op that made this node
    _local: tuple[Any, ...] | None  # d self / d parent for each parent; None: not kept (mul)
    _acc: Any  # this pass's gradient while the chain rule runs; 0.0 otherwise
    _scope: Frame | None  # the module call that made it; a Scope only when asked for
    _serial: int  # the order op nodes were made in, for names in drawings; unset on leaves
    _notes: dict[str, Any]  # label, grad_value, origin, tangent, hooks: unset on most nodes

    def __init__(
        self,
        data: Number,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
        *,
        requires_grad: bool = True,
    ) -> None:
        if type(data) is not float and type(data) is not int:  # fast path first: constants
            _check_number(data)
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        if label:
            self.label = label
        # micrograd lets callers pass children and an op name; such nodes carry no derivative,
        # so they are drawn with their parents but back-propagate nothing.
        self._prev = tuple(_children)
        self._rule = Op(_op, float, lambda *a: (0.0,) * (len(a) - 1)) if _op else None
        self._local = (0.0,) * len(self._prev)
        if self._prev:
            self._serial = _next_serial()
        self._acc = 0.0
        self._scope = None
        if not requires_grad:
            self.__class__ = _Constant  # the same slots; only .grad behaves differently

    __hash__ = object.__hash__

    # -- arithmetic and functions: each applies one entry of the op table --------------------

    __add__, __radd__ = _binary(ops.ADD)
    __sub__, __rsub__ = _binary(ops.SUB)
    __mul__, __rmul__ = _binary(ops.MUL)
    __truediv__, __rtruediv__ = _binary(ops.DIV)
    _pow_value, __rpow__ = _binary(ops.POW)

    def __pow__(self, other: Operand) -> Value:
        if is_number(other):  # a constant exponent: the simpler op x ** k
            return make_node(ops.power(float(other)), (self,))
        return self._pow_value(other)

    def __neg__(self) -> Value:
        return make_node(ops.NEG, (self,))

    def __pos__(self) -> Value:
        return self

    def detach(self) -> Value:
        """A new leaf with the same data and no parents: gradients stop here.

        Example:
            >>> x = Value(3.0); y = x * x.detach(); y.backward(); x.grad
            3.0
        """
        return Value(self.data, label=self.label)

    # -- backward -----------------------------------------------------------------------------

    def _backward(self) -> None:
        """One step by hand: add ``self.grad`` times each local derivative into the parents' grad.

        This is micrograd's closure, for stepping through backprop in a lecture; ``backward()``
        does the same step for every node, in reverse topological order.

        Example:
            >>> a, b = Value(3.0), Value(4.0)
            >>> c = a * b; c.grad = 1.0; c._backward(); (a.grad, b.grad)
            (4.0, 3.0)
        """
        self._acc = self.grad
        try:
            _propagate((self,))
        finally:
            self._acc = 0.0
            for parent in self._prev:
                parent.grad += parent._acc
                parent._acc = 0.0

    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Add d self / d node into ``node.grad`` for every node of the graph.

        The order is computed without recursion, so graphs of any depth work. Each call adds
        exactly one gradient: calling it twice gives twice the gradient, never more.

        Args:
            grad: the seed, d loss / d self (1.0 for a loss).
            create_graph: also build the graph of the gradient computation, stored as a `Value`
                in ``node.grad_value`` (``node.grad`` stays a float), for higher derivatives.

        Example:
            >>> x = Value(3.0)
            >>> y = x * x
            >>> y.backward(); x.grad
            6.0
        """
        if not isinstance(grad, numbers.Real):
            raise TypeError(f"backward(grad=...) takes a number, got {type(grad).__name__}")
        seed = Value(grad) if create_graph else float(grad)
        # The pass makes no reference cycles, so automatic collections during it would only
        # re-scan the whole live graph; on a deep graph they cost more than the pass.
        with gc_paused():
            order = _chain_rule(self, seed, create_graph)
            if not create_graph:
                for node in order:
                    node.grad += node._acc
                    node._acc = 0.0
                return
            for node in order:
                g, node._acc = node._acc, 0.0
                if isinstance(g, Value):  # else nothing reached it
                    node.grad += g.data
                    node.grad_value = g if node.grad_value is None else node.grad_value + g

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 (and ``grad_value`` to None) on every node of this value's graph.

        Example:
            >>> x = Value(2.0); y = x * 3; y.backward(); y.zero_grad(); x.grad
            0.0
        """
        for node in topological_order(self):
            node.grad = 0.0
            node.grad_value = None


class _Constant(ConstantNode, Value):
    """A `Value` made with ``requires_grad=False``, or computed from such values alone."""

    __slots__ = ()


# -- applying an op -----------------------------------------------------------------------------


def apply(op: Op, *operands: Operand) -> Value:
    """``op`` applied to values or numbers: a new node (numbers become constant leaves).

    Example:
        >>> from autograd_lite import ops
        >>> apply(ops.MUL, Value(3.0), 4).data
        12.0
    """
    return make_node(op, tuple(map(_lift, operands)))


connect_engine(apply)


def make_node(op: Op, parents: tuple[Value, ...], frame: Frame | None = None) -> Value:
    """The node ``op(*parents)``: the single place where graph nodes are created.

    ``parents`` must all be `Value` s (`apply` lifts numbers). The local derivatives are
    evaluated now, on the parents' numbers, while they are at hand. ``frame`` is the module
    call that makes it (`modes.Frame`); by default, the one under way (``SCOPE``).
    """
    datas = [p.data for p in parents]
    mode = MODE.get()
    try:
        out = op.forward(*datas)
    except DomainError as exc:
        if not mode.ieee:
            raise exc.to_error(op.name, parents) from None
        out = exc.ieee  # inside a derivative formula: IEEE's inf or nan, as on floats
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node._rule = op
    node._acc = 0.0
    node._scope = frame or _current_scope()
    if not mode.grad:
        node._prev = node._local = ()
    elif parents and type(parents[0]) is _Constant and all(type(p) is _Constant for p in parents):
        # Made from constants alone, it is one too (as in PyTorch): a leaf, so backward never
        # walks the sub-graph that computed it.
        node.__class__ = _Constant
        node._prev = node._local = ()
    else:
        node._prev = parents
        node._local = op.local(*datas, out) if op.keep_local else None
        node._serial = _next_serial()
    if mode.hooks:  # a test, not a loop: most nodes have no hook, and an empty loop costs more
        for hook in mode.hooks:
            hook(node)
        if not mode.keep_graph:
            node._prev = node._local = ()
    return node


_new_value = object.__new__
_next_serial = itertools.count(1).__next__
_current_scope = SCOPE.get


def _lift(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(x)


def is_number(x: object) -> bool:
    """Whether ``x`` is a real number (not a `Value`); the exact-type tests come first for speed."""
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def _check_number(data: object) -> None:
    if isinstance(data, Value):
        raise TypeError(f"Value() takes a number, got a Value ({data.describe()}); use it directly")
    if not isinstance(data, numbers.Real):
        raise TypeError(
            f"Value() takes a real number (int or float), got {type(data).__name__} {data!r}"
        )


# -- the topological sort -----------------------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, parents before children, ``root`` last.

    Iterative depth-first search (no recursion limit); deterministic for a given graph.

    Example:
        >>> a = Value(1.0); b = a + 2; c = b * a
        >>> [n.data for n in topological_order(c)]
        [1.0, 2.0, 3.0, 3.0]
    """
    order: list[Value] = []
    seen = {root}
    # A parent already seen is already placed: were it still on the stack, the graph would
    # have a cycle. So a node whose parents are all seen (a leaf, or a neuron whose weights and
    # inputs were reached before) is placed at once, its parents checked in one C-level pass.
    placed = seen.issuperset
    stack = [(root, iter(root._prev))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                prev = parent._prev
                if not prev or placed(prev):
                    order.append(parent)
                else:
                    stack.append((parent, iter(prev)))
                    break
        else:
            stack.pop()
            order.append(node)
    return order


# -- the chain rule -----------------------------------------------------------------------------


def nothing_to_send(g: Any, local_grads: Sequence[Any]) -> bool:
    """Whether a node whose gradient is ``g`` can be skipped: each ``g * d`` is an exact 0,
    which leaves every parent's sum as it is.

    So when ``g`` is 0 and every local derivative finite (0 * inf is nan, and it must reach
    the parents, as in PyTorch), or when every local derivative is 0 and ``g`` finite (a dead
    ReLU). Never for a gradient that is a `Value` (``create_graph``): it may be 0 here and
    still have a derivative.

    Example:
        >>> nothing_to_send(0.0, (2.0, 3.0)), nothing_to_send(5.0, (0.0, 0.0))
        (True, True)
        >>> nothing_to_send(0.0, (float("inf"),)), nothing_to_send(float("inf"), (0.0,))
        (False, False)
    """
    return type(g) is float and (
        (g == 0.0 and all(map(math.isfinite, local_grads)))
        or (g - g == 0.0 and not any(local_grads))
    )


def _propagate(nodes: Iterable[Value], create_graph: bool = False) -> None:
    """The chain rule: each node in turn adds g * d node / d parent into its parents' ``_acc``.

    ``g`` is the node's own ``_acc``, so ``nodes`` come children first: by then every child
    has sent its share. With ``create_graph`` the local derivatives are `Value` s (see
    `differentiable_local_grads`), and so are the gradients.
    """
    watch = watcher(MODE.get().on_backward)
    for node in nodes:
        g = node._acc
        if watch is not None:  # hooks may replace the gradient; anomaly mode checks it
            g = node._acc = watch(node, g)
        if not node._prev:
            continue
        local_grads = differentiable_local_grads(node) if create_graph else node._local
        if local_grads is None:  # not kept (mul's are its inputs): read from the parents now
            local_grads = node.local_grads
        if (g == 0.0 or not any(local_grads)) and nothing_to_send(g, local_grads):  # cheap first
            continue
        for parent, d in zip(node._prev, local_grads):
            parent._acc += g * d


def _chain_rule(root: Value, seed: Any, create_graph: bool) -> list[Value]:
    """Leave d root / d node in ``node._acc`` for every node ``root`` depends on.

    Returns the nodes in topological order; the caller (``backward``, `grads.gradients`) reads
    each ``_acc`` and resets it to 0.0. Going through them in reverse, each node's gradient is
    complete (every child has sent its share) before it sends its own share on.
    """
    order = topological_order(root)
    root._acc = seed
    try:
        _propagate(reversed(order), create_graph)
    except BaseException:
        for node in order:
            node._acc = 0.0
        raise
    return order
