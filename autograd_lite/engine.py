"""The scalar autograd engine: `Value`, the `Op` mechanism and `backward()`.

The maths of each operation (forward value and local derivatives) lives in `ops.py`; this file
only knows how to build nodes from an `Op` and how to run the chain rule over a graph.
"""

from __future__ import annotations

import gc
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any, TypeAlias, TypeGuard, cast

from .modes import MODE, SCOPE, Scope

__all__ = [
    "Value",
    "Op",
    "topological_order",
    "zero_grad",
    "vsum",
    "dot",
]

Number: TypeAlias = int | float
Operand: TypeAlias = "Value | int | float"


class Undefined(Exception):
    """Raised by an op's forward function where the op has no real value.

    The engine turns it into a ``ValueError`` (or ``ZeroDivisionError``) whose message names the
    op and the offending `Value`, label included, and says what to do.
    """

    def __init__(
        self,
        reason: str,
        hint: str,
        operand: int = 0,
        kind: type[Exception] = ValueError,
        role: str = "input",
    ) -> None:
        super().__init__(reason)
        self.reason, self.hint, self.role = reason, hint, role
        self.operand, self.kind = operand, kind

    def to_error(self, op: str, operands: Sequence[Value]) -> Exception:
        culprit = operands[self.operand]._describe() if self.operand < len(operands) else "?"
        return self.kind(f"op {op!r}: {self.reason}; the {self.role} is {culprit}. {self.hint}")


class Op:
    """One operation: its forward value and its local derivatives, written once.

    ``forward(*floats) -> float`` computes the value; ``local(*inputs, out)`` returns
    d out / d input_i for each input. ``local`` is written with arithmetic that works on floats
    (ordinary backward, forward mode) and on `Value` s (``backward(create_graph=True)``), so one
    formula serves every mode. ``kink(*floats)`` says where the op is not differentiable.

    ``inline(*names, out)`` is optional, for `compile`: the same two formulas as Python source
    over variable names, ``(forward_source, local_sources)``, so a compiled replay runs them
    without a call. They must give bit-for-bit what ``forward`` and ``local`` give (a test checks
    every op that has one); an op without it is called instead.

    Calling an `Op` applies it to values or numbers.

    Example:
        >>> cube = Op("cube", forward=lambda x: x**3, local=lambda x, out: (3 * x * x,))
        >>> y = cube(Value(2.0)); y.backward(); y.data, y._prev[0].grad
        (8.0, 12.0)
    """

    __slots__ = ("name", "forward", "local", "kink", "inline")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        local: Callable[..., tuple[Any, ...]],
        kink: Callable[..., bool] | None = None,
        inline: Callable[..., tuple[str, tuple[str, ...]]] | None = None,
    ) -> None:
        self.name, self.forward, self.local, self.kink = name, forward, local, kink
        self.inline = inline

    def __call__(self, *args: Operand) -> Value:
        return _apply(self, tuple(_lift(a) for a in args))

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _apply(op: Op, parents: tuple[Value, ...]) -> Value:
    """Make the node ``op(*parents)``: the single place where graph nodes are created."""
    datas = [p.data for p in parents]
    try:
        out = op.forward(*datas)
    except Undefined as exc:
        raise exc.to_error(op.name, parents) from None
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._rule = op
    node._acc = 0.0
    node.grad_value = None
    node._origin = None
    node._scope = _current_scope()
    mode = MODE.get()
    if mode.grad:
        node._prev = parents
        node._local = op.local(*datas, out)
    else:
        node._prev = ()
        node._local = ()
    if mode.hooks:
        for hook in mode.hooks:
            hook(node)
    return node


_new_value = object.__new__
_current_scope = SCOPE.get


def _lift(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _check_number(data: object) -> None:
    if isinstance(data, Value):
        raise TypeError(
            f"Value() takes a number, got a Value ({data._describe()}); use it directly"
        )
    if not isinstance(data, numbers.Real):
        raise TypeError(
            f"Value() takes a real number (int or float), got {type(data).__name__} {data!r}"
        )


def _is_number(x: object) -> TypeGuard[Number]:
    # The exact-type test first: isinstance against the numbers.Real ABC is slow.
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


class Value:
    """A scalar in a computational graph: its data, its gradient and how it was made.

    ``grad`` accumulates: each ``backward()`` adds into it, so call `zero_grad` (or
    ``Module.zero_grad()``) between steps. ``Value`` hashes by identity and does not overload
    ``==``; ``<``, ``>`` and ``float(v)`` compare and read the data.

    Example:
        >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
        >>> f = (x + y) * z
        >>> f.backward()
        >>> x.grad, y.grad, z.grad
        (-4.0, -4.0, 3.0)
    """

    __slots__ = (
        "data",
        "grad",
        "label",
        "grad_value",
        "_prev",
        "_rule",
        "_local",
        "_acc",
        "_scope",
        "_origin",
    )

    data: float
    grad: float
    label: str
    grad_value: Value | None
    _prev: tuple[Value, ...]
    _rule: Op | None
    _local: tuple[Any, ...]
    _acc: Any
    _scope: Scope | None
    _origin: str | None

    def __init__(
        self, data: Number, _children: Iterable[Value] = (), _op: str = "", label: str = ""
    ) -> None:
        if type(data) is not float and type(data) is not int:  # fast path first: constants
            _check_number(data)
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.grad_value = None
        # micrograd lets callers pass children and an op name; such nodes carry no derivative,
        # so they are drawn with their parents but back-propagate nothing.
        self._prev = tuple(_children)
        self._rule = Op(_op, forward=float, local=lambda *a: (0.0,) * (len(a) - 1)) if _op else None
        self._local = (0.0,) * len(self._prev)
        self._acc = 0.0
        self._scope = None
        self._origin = None

    # -- reading --------------------------------------------------------------------------

    @property
    def _op(self) -> str:
        """The op's name as micrograd spells it ('+', '*', 'tanh', ...); '' for a leaf."""
        return self._rule.name if self._rule is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in the op's argument order (``()`` for a leaf).

        Example:
            >>> a = Value(2.0); (a * a).parents == (a, a)
            True
        """
        return self._prev

    @property
    def op(self) -> str:
        """The name of the op that made this node ('+', '*', 'tanh', ...); '' for a leaf.

        Example:
            >>> Value(1.0).tanh().op
            'tanh'
        """
        return self._rule.name if self._rule is not None else ""

    @property
    def rule(self) -> Op | None:
        """The `Op` record that made this node (None for a leaf)."""
        return self._rule

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d self / d parent for each parent, as numbers, evaluated when the node was made.

        Example:
            >>> a, b = Value(3.0), Value(4.0); (a * b).local_grads
            (4.0, 3.0)
        """
        return self._local

    @property
    def scope(self) -> Scope | None:
        """The `nn.Module` call this node was made in (None outside any module)."""
        return self._scope

    @property
    def origin(self) -> str | None:
        """The source line that made this node, recorded under ``detect_anomaly()`` only."""
        return self._origin

    def describe(self) -> str:
        """A short description for error messages: the data and the label, if any.

        Example:
            >>> Value(2.0, label="x").describe()
            "Value(data=2.0, label='x')"
        """
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}{label})"

    _describe = describe

    def __repr__(self) -> str:
        op = f", op={self._op!r}" if self._rule is not None else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{op}{label})"

    def __float__(self) -> float:
        return _data(self, "float()")

    def item(self) -> float:
        """The data as a float (PyTorch's spelling).

        Example:
            >>> Value(3).item()
            3.0
        """
        return _data(self, "item()")

    def __lt__(self, other: Operand) -> bool:
        return _data(self, "<") < _data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return _data(self, "<=") <= _data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return _data(self, ">") > _data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return _data(self, ">=") >= _data(other, ">=")

    __hash__ = object.__hash__

    # -- arithmetic: each is one entry of the op table ------------------------------------

    def __add__(self, other: Operand) -> Value:
        if not isinstance(other, Value) and not _is_number(other):
            return NotImplemented
        return _apply(_ops.ADD, (self, _lift(other)))

    def __radd__(self, other: Operand) -> Value:
        if not _is_number(other):
            return NotImplemented
        return _apply(_ops.ADD, (Value(other), self))

    def __sub__(self, other: Operand) -> Value:
        if not isinstance(other, Value) and not _is_number(other):
            return NotImplemented
        return _apply(_ops.SUB, (self, _lift(other)))

    def __rsub__(self, other: Operand) -> Value:
        if not _is_number(other):
            return NotImplemented
        return _apply(_ops.SUB, (Value(other), self))

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, Value) and not _is_number(other):
            return NotImplemented
        return _apply(_ops.MUL, (self, _lift(other)))

    def __rmul__(self, other: Operand) -> Value:
        if not _is_number(other):
            return NotImplemented
        return _apply(_ops.MUL, (Value(other), self))

    def __truediv__(self, other: Operand) -> Value:
        if not isinstance(other, Value) and not _is_number(other):
            return NotImplemented
        return _apply(_ops.DIV, (self, _lift(other)))

    def __rtruediv__(self, other: Operand) -> Value:
        if not _is_number(other):
            return NotImplemented
        return _apply(_ops.DIV, (Value(other), self))

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _apply(_ops.POW, (self, other))
        if not _is_number(other):
            return NotImplemented
        return _apply(_ops.power(float(other)), (self,))

    def __rpow__(self, other: Operand) -> Value:
        if not _is_number(other):
            return NotImplemented
        return _apply(_ops.POW, (Value(other), self))

    def __neg__(self) -> Value:
        return _apply(_ops.NEG, (self,))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _apply(_ops.ABS, (self,))

    def exp(self) -> Value:
        """e ** self; overflows to ``inf`` (IEEE), which anomaly mode flags.

        Example:
            >>> Value(0.0).exp().data
            1.0
        """
        return _apply(_ops.EXP, (self,))

    def log(self) -> Value:
        """Natural logarithm; a ``ValueError`` naming this value when data <= 0.

        Example:
            >>> Value(1.0).log().data
            0.0
        """
        return _apply(_ops.LOG, (self,))

    def sqrt(self) -> Value:
        """Square root; a ``ValueError`` naming this value when data < 0.

        Example:
            >>> Value(9.0).sqrt().data
            3.0
        """
        return _apply(_ops.SQRT, (self,))

    def tanh(self) -> Value:
        """Hyperbolic tangent (saturates exactly at +-1 with gradient 0).

        Example:
            >>> Value(0.0).tanh().data
            0.0
        """
        return _apply(_ops.TANH, (self,))

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e^-x), stable for any input.

        Example:
            >>> Value(0.0).sigmoid().data
            0.5
        """
        return _apply(_ops.SIGMOID, (self,))

    def relu(self) -> Value:
        """max(0, x), with derivative 0 at 0 as in PyTorch.

        Example:
            >>> Value(-3.0).relu().data
            0.0
        """
        return _apply(_ops.RELU, (self,))

    def sin(self) -> Value:
        """Sine.

        Example:
            >>> Value(0.0).sin().data
            0.0
        """
        return _apply(_ops.SIN, (self,))

    def cos(self) -> Value:
        """Cosine.

        Example:
            >>> Value(0.0).cos().data
            1.0
        """
        return _apply(_ops.COS, (self,))

    def max(self, other: Operand) -> Value:
        """The max gate: the gradient goes to the larger input (split evenly on a tie, as PyTorch).

        Example:
            >>> a, b = Value(2.0), Value(5.0)
            >>> m = a.max(b); m.backward(); (m.data, a.grad, b.grad)
            (5.0, 0.0, 1.0)
        """
        return _apply(_ops.MAX, (self, _lift(other)))

    def min(self, other: Operand) -> Value:
        """The min gate: the gradient goes to the smaller input (split evenly on a tie).

        Example:
            >>> Value(2.0).min(5.0).data
            2.0
        """
        return _apply(_ops.MIN, (self, _lift(other)))

    # -- the chain rule -------------------------------------------------------------------

    def _backward(self) -> None:
        """Propagate this node's ``grad`` one step to its parents (micrograd's manual step).

        ``backward()`` does this for every node in reverse topological order.

        Example:
            >>> a, b = Value(3.0), Value(4.0)
            >>> c = a * b; c.grad = 1.0; c._backward(); (a.grad, b.grad)
            (4.0, 3.0)
        """
        g = self.grad
        for parent, local in zip(self._prev, self._local):
            parent.grad += g * local

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
        if create_graph:
            for node, g in _chain_rule(self, float(grad), create_graph=True).items():
                node.grad += g.data
                node.grad_value = g if node.grad_value is None else node.grad_value + g
            return
        # The float pass makes no reference cycles, so automatic collections during it would
        # only re-scan the whole live graph; on a deep graph they cost more than the pass.
        with _gc_paused():
            order = topological_order(self)
            _backward_floats(self, order, float(grad), MODE.get().on_backward)

    def zero_grad(self) -> None:
        """Reset ``grad`` (and ``grad_value``) of every node in this value's graph.

        Example:
            >>> x = Value(2.0); y = x * x; y.backward(); y.zero_grad(); x.grad
            0.0
        """
        zero_grad(self)


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _backward_floats(
    root: Value, order: list[Value], seed: float, check: Callable[[Value, float], None] | None
) -> None:
    # `_acc` holds this pass's gradient so that gradients already in `.grad` (from earlier
    # passes) are never propagated again; it is reset once consumed, so it is 0 between passes.
    root._acc = seed
    isfinite = math.isfinite
    try:
        for node in reversed(order):
            g = node._acc
            node._acc = 0.0
            node.grad += g
            if check is not None:
                check(node, g)
            # A zero gradient (below a dead relu, say) would add exact zeros to every parent,
            # so skip it -- unless a local derivative is inf or nan: 0 * inf must give nan.
            if node._prev and (g != 0.0 or not all(map(isfinite, node._local))):
                for parent, local in zip(node._prev, node._local):
                    parent._acc += g * local
    except BaseException:
        for node in order:  # consumed nodes are already 0; reset the rest
            node._acc = 0.0
        raise


def _chain_rule(root: Value, seed: float, *, create_graph: bool) -> dict[Value, Any]:
    """d root / d node for every node that root depends on, in a private table.

    No node is modified. With ``create_graph`` the local derivatives come from the op table's
    formulas evaluated on Values, so each gradient is a Value with a graph of its own. (Plain
    ``backward()`` runs the same rule in `_backward_floats`, on slots instead of a dict, for speed.)
    """
    acc: dict[Value, Any] = {root: Value(seed) if create_graph else seed}
    for node in reversed(topological_order(root)):
        g = acc.get(node)
        if g is None or not node._prev:
            continue
        if create_graph and node._rule is not None:
            locals_ = node._rule.local(*node._prev, node)
        else:
            locals_ = node._local
        for parent, local in zip(node._prev, locals_):
            term = g * local
            acc[parent] = term if parent not in acc else acc[parent] + term
    return acc


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


def zero_grad(*roots: Value) -> None:
    """Set ``grad`` to 0 (and ``grad_value`` to None) on every node reachable from ``roots``.

    Example:
        >>> x = Value(2.0); y = x * 3; y.backward(); zero_grad(y); x.grad
        0.0
    """
    for root in roots:
        for node in topological_order(root):
            node.grad = 0.0
            node.grad_value = None


def _data(x: Operand, how: str) -> float:
    """``x``'s number, for a decision (``<``, ``float()``): the mode's ``on_read`` sees it first."""
    if not isinstance(x, Value):
        return float(x)
    on_read = MODE.get().on_read
    if on_read is not None:
        on_read(x, how)
    return x.data


def vsum(values: Iterable[Operand]) -> Value:
    """The sum of many values as one node (its gradient is 1 for every term).

    Faster and flatter than ``sum(values)``, which makes one node per addition.

    Example:
        >>> vsum([Value(1.0), 2, Value(3.0)]).data
        6.0
    """
    terms = tuple(_lift(v) for v in values)
    if not terms:
        raise ValueError("vsum() needs at least one value")
    return _apply(_ops.SUM, terms)


def dot(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None
) -> Value:
    """sum_i weights[i] * inputs[i] (+ bias) as one node: a neuron's pre-activation.

    Example:
        >>> w, x = [Value(2.0), Value(-3.0)], [Value(-1.0), Value(-2.0)]
        >>> dot(w, x, bias=-3.0).data
        1.0
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot(): {len(weights)} weights but {len(inputs)} inputs; they must match")
    parents = (*weights, *inputs) if bias is None else (*weights, *inputs, bias)
    if not all(map(isinstance, parents, repeat(Value))):  # one C-level pass: lift if needed
        parents = tuple(v if isinstance(v, Value) else Value(v) for v in parents)
    return _apply(_ops.DOT if bias is None else _ops.AFFINE, cast(tuple[Value, ...], parents))


from . import ops as _ops  # noqa: E402  (the op table needs `Op` and `Value` defined above)
