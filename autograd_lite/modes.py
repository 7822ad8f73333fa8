"""Modes of graph building: no_grad, module scopes and the hooks that tools attach.

One context variable holds the current `Mode`, so a mode is local to a thread or an asyncio
task. Tools change it for a ``with`` block through `using`: `no_grad` turns recording off;
anomaly detection, forward mode, `compile` and the step-by-step drawings attach hooks. The
current `nn.Module` call (the scope drawings cluster by) has a context variable of its own,
`SCOPE`.
"""

from __future__ import annotations

import contextvars
import gc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ContextDecorator, contextmanager
from typing import Any, NamedTuple, Protocol, TypeAlias

__all__ = [
    "Scope",
    "Frame",
    "Owner",
    "scope_of",
    "Mode",
    "MODE",
    "SCOPE",
    "using",
    "enter_scope",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "gc_paused",
]


class Scope:
    """Where nodes were made: the `nn.Module` call (and its parents) active at creation time.

    One object per call, compared by identity: two calls of the same neuron are two scopes.
    A call records only a cheap `Frame`; its `Scope` is built the first time someone asks
    (`scope_of`), since most graphs are never drawn.
    """

    __slots__ = ("name", "kind", "parent")

    def __init__(self, name: str, kind: str, parent: Scope | None = None) -> None:
        self.name, self.kind, self.parent = name, kind, parent

    def __repr__(self) -> str:
        return f"Scope({' / '.join(s.name for s in self.path())!r}, kind={self.kind!r})"

    def path(self) -> tuple[Scope, ...]:
        """The scopes from the outermost to this one."""
        chain: list[Scope] = []
        scope: Scope | None = self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        return tuple(reversed(chain))


class Owner(Protocol):
    """What a scope is named after: an `nn.Module`, or a name given to `enter_scope`."""

    def scope_label(self) -> tuple[str, str]:
        """The scope's name and kind (``("Neuron 3", "Neuron")``)."""
        ...


# A frame is [owner, the enclosing frame, its Scope once built]. A module call makes one per
# call (a three-item list costs a third of a `Scope`: measured, this was a tenth of an MLP's
# forward pass), and the Scope is stored back into it, so every node of the call gets the
# same Scope object.
Frame: TypeAlias = list[Any]


def scope_of(frame: Frame | None) -> Scope | None:
    """The `Scope` of a recorded frame (None outside any module), built once per frame.

    Example:
        >>> token = enter_scope("Layer 1", "Layer")
        >>> scope_of(SCOPE.get())
        Scope('Layer 1', kind='Layer')
        >>> SCOPE.reset(token)
    """
    if frame is None:
        return None
    scope: Scope | None = frame[2]
    if scope is None:
        name, kind = frame[0].scope_label()
        scope = frame[2] = Scope(name, kind, scope_of(frame[1]))
    return scope


class _Named:
    __slots__ = ("label",)

    def __init__(self, name: str, kind: str) -> None:
        self.label = (name, kind)

    def scope_label(self) -> tuple[str, str]:
        return self.label


class Mode(NamedTuple):
    """What node creation records right now (one context variable, so it is thread/async safe).

    Immutable: `using` sets a changed copy for a ``with`` block. The module scope is not part of
    it but has a context variable of its own, `SCOPE`, because every `nn.Module` call changes it
    and building a new mode per call cost more than the call's own nodes.
    """

    grad: bool = True
    # Called with every new node (a Value); used by anomaly detection, forward mode, tracing.
    hooks: tuple[Callable[[Any], None], ...] = ()
    # Called with (node, its gradient) during backward(); used by anomaly detection.
    on_backward: Callable[[Any, Any], None] | None = None
    # Called with (node, how) when code reads a node's number to decide something (``<``,
    # ``float()``, ``item()``); `compile` uses it to refuse data-dependent control flow.
    on_read: Callable[[Any, str], None] | None = None
    # Ops give IEEE's inf or nan where they would raise a domain error: on while the engine
    # evaluates a derivative formula on Values, so that higher derivatives behave like the
    # first-order path on floats.
    ieee: bool = False
    # How many differentiations (grad, jvp, hessian, ...) are evaluating their function now:
    # inside one, a nested differentiation keeps its graph (see `functional`).
    depth: int = 0
    # False: a new node forgets its parents once the hooks have seen it, so no graph is kept
    # (forward mode's hook has taken what it needs: the node's tangent).
    keep_graph: bool = True


MODE: contextvars.ContextVar[Mode] = contextvars.ContextVar("autograd_lite_mode", default=Mode())
SCOPE: contextvars.ContextVar[Frame | None] = contextvars.ContextVar(
    "autograd_lite_scope", default=None
)


class using(ContextDecorator):
    """Change the mode inside the ``with`` block (for `no_grad`, `nn` scopes and tools).

    A class rather than a generator-based context manager: every `nn.Module` call enters one,
    and the generator machinery cost more than the rest of a small neuron's forward pass.
    """

    def __init__(self, **changes: Any) -> None:
        self._changes = changes
        self._tokens: list[contextvars.Token[Mode]] = []

    def __enter__(self) -> None:
        self._tokens.append(MODE.set(MODE.get()._replace(**self._changes)))

    def __exit__(self, *exc: object) -> None:
        MODE.reset(self._tokens.pop())

    def _recreate_cm(self) -> using:
        # Used as a decorator, each call gets its own instance (thread and re-entrancy safe).
        return using(**self._changes)


def enter_scope(name: str, kind: str) -> contextvars.Token[Frame | None]:
    """Start recording nodes as made inside ``name``; undo with ``SCOPE.reset(token)``.

    Example:
        >>> from autograd_lite import Value
        >>> token = enter_scope("Layer 1", "Layer")
        >>> y = Value(2.0) * 3
        >>> SCOPE.reset(token)
        >>> y.scope
        Scope('Layer 1', kind='Layer')
    """
    return SCOPE.set([_Named(name, kind), SCOPE.get(), None])


def no_grad() -> AbstractContextManager[None]:
    """Build no graph: values computed inside have no parents and take no gradient.

    Works as ``with no_grad():`` and as a decorator ``@no_grad()``.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.parents
        ()
    """
    return using(grad=False)


def enable_grad() -> AbstractContextManager[None]:
    """Record the graph again inside a `no_grad` block.

    Example:
        >>> from autograd_lite import Value
        >>> with no_grad():
        ...     with enable_grad():
        ...         y = Value(2.0) * 3
        >>> len(y.parents)
        2
    """
    return using(grad=True)


def is_grad_enabled() -> bool:
    """Whether new operations record their parents.

    Example:
        >>> is_grad_enabled()
        True
    """
    return MODE.get().grad


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block (restored as it was found).

    The engine makes no reference cycles, so a pass over a big graph loses nothing by it and
    saves the collector's repeated scans of every live node: while a graph grows, CPython's
    full collections rescan all of it, and a 1e6-node build takes about twice as long per node
    as a 1e3-node one. ``backward()`` and ``fit`` already pause it; wrap your own code that
    builds a big graph, or a training step of your own, the same way.

    Example:
        >>> from autograd_lite import Value, gc_paused
        >>> with gc_paused():
        ...     y = Value(1.0)
        ...     for _ in range(100_000):
        ...         y = y * 0.999 + 0.001
        ...     y.backward()
        >>> round(y.data, 6)
        1.0
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
