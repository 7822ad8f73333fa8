"""How a node is read from outside the engine: the public, read-only node API.

`Value` inherits `Readable`, a mixin below the engine like `methods` and `hooks`: a node's
parents, op, local derivatives and module scope, its notes, its description, and its number
for a decision. Modules above the engine (`visualize`, `compile`, `functional`, `nn`, ...)
read nodes through these names only.

A node's notes are what most nodes never have: a label, a gradient graph (``grad_value``), an
anomaly-mode origin, a forward-mode tangent. They share one slot, unset until needed: a slot
each would cost every node of every graph 8 bytes, and setting each in every new node would
cost time.

Reading a node's number to decide something (``<``, ``float()``) goes through the current
mode's ``on_read`` first, which is how a derivative formula that turns a `Value` into a float
is caught (see `engine.differentiable_local_grads`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from .modes import MODE, Frame, Scope, scope_of
from .op import Op

__all__ = ["Readable"]

_Node = TypeVar("_Node", bound="Readable")


class Readable:
    """The part of a node read from outside: ``parents``, ``op``, ``rule``, ``local_grads``,
    ``scope``, ``label``, ``grad_value``, ``origin``, ``tangent``, ``describe()``, ``float()``,
    ``item()`` and the comparisons.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0, label="x"); y = x * 3
        >>> y.op, y.parents[0].label, y.local_grads, x.describe(), float(y), y < 7
        ('*', 'x', (3.0, 2.0), "Value(data=2.0, label='x')", 6.0, True)
    """

    __slots__ = ()

    data: float
    grad: float
    _prev: tuple[Any, ...]
    _rule: Op | None
    _local: tuple[Any, ...] | None
    _scope: Frame | None
    _serial: int
    _notes: dict[str, Any]

    @property
    def requires_grad(self) -> bool:
        """Whether backward keeps a gradient in ``.grad`` (False for ``requires_grad=False``)."""
        return True

    @property
    def parents(self: _Node) -> tuple[_Node, ...]:
        """The nodes this one was computed from, in the op's argument order (``()`` for a leaf)."""
        return self._prev

    @property
    def op(self) -> str:
        """The name of the op that made this node ('+', '*', 'tanh', ...); '' for a leaf."""
        return self._rule.name if self._rule is not None else ""

    _op = op  # micrograd's name

    @property
    def rule(self) -> Op | None:
        """The `Op` record that made this node (None for a leaf)."""
        return self._rule

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d self / d parent for each parent, as numbers, evaluated when the node was made (an
        op with ``keep_local=False``, such as ``*``, on its parents' numbers when asked)."""
        local = self._local
        if local is None and self._rule is not None:
            local = self._rule.local(*[p.data for p in self._prev], self.data)
        return local or ()

    @property
    def serial(self) -> int | None:
        """The order op nodes were made in (1, 2, ... across the process); None for a leaf.

        Example:
            >>> from autograd_lite import Value
            >>> x = Value(2.0); a = x * 3; b = x + 1; a.serial < b.serial, x.serial
            (True, None)
        """
        return getattr(self, "_serial", None)

    @property
    def scope(self) -> Scope | None:
        """The `nn.Module` call this node was made in (None outside any module)."""
        return scope_of(self._scope)

    @property
    def label(self) -> str:
        """The name drawings and error messages use ('' if none); set it freely."""
        text: str = self._note("label") or ""
        return text

    @label.setter
    def label(self, text: str) -> None:
        self._set_note("label", text)

    @property
    def grad_value(self) -> Any:
        """d root / d self as a `Value`, after ``backward(create_graph=True)``; else None."""
        return self._note("grad_value")

    @grad_value.setter
    def grad_value(self, g: Any) -> None:
        self._set_note("grad_value", g)

    @property
    def origin(self) -> str | None:
        """The source line that made this node, recorded under ``detect_anomaly()`` only."""
        where: str | None = self._note("origin")
        return where

    @origin.setter
    def origin(self, where: str | None) -> None:
        self._set_note("origin", where)

    @property
    def tangent(self) -> Any:
        """Forward mode's record for this node (see `functional.jvp`); None if it has none."""
        return self._note("tangent")

    @tangent.setter
    def tangent(self, record: Any) -> None:
        self._set_note("tangent", record)

    def _note(self, key: str) -> Any:
        notes = getattr(self, "_notes", None)
        return None if notes is None else notes.get(key)

    def _set_note(self, key: str, value: Any) -> None:
        notes = getattr(self, "_notes", None)
        if notes is not None:
            notes[key] = value
        elif value is not None and not (type(value) is str and not value):  # "" is the default
            self._notes = {key: value}  # type: ignore[misc]  # Value declares the slot

    def describe(self) -> str:
        """A short description for error messages: the data and the label, if any."""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}{label})"

    def __repr__(self) -> str:
        op = f", op={self.op!r}" if self._rule is not None else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{op}{label})"

    def __float__(self) -> float:
        return _read(self, "float()")

    def item(self) -> float:
        """The data as a float (PyTorch's spelling)."""
        return _read(self, "item()")

    def __lt__(self, other: Any) -> bool:
        return _read(self, "<") < _read(other, "<")

    def __le__(self, other: Any) -> bool:
        return _read(self, "<=") <= _read(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return _read(self, ">") > _read(other, ">")

    def __ge__(self, other: Any) -> bool:
        return _read(self, ">=") >= _read(other, ">=")


def _read(x: Any, how: str) -> float:
    """``x``'s number, for a decision (``<``, ``float()``): the mode's ``on_read`` sees it first."""
    if not isinstance(x, Readable):
        return float(x)
    on_read = MODE.get().on_read
    if on_read is not None:
        on_read(x, how)
    return x.data
