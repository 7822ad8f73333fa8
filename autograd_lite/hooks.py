"""Gradient hooks: ``node.register_hook(fn)`` and what the chain rule calls for them.

A mixin below the engine: `Value` inherits `Hookable`, which keeps a node's hooks in its notes,
and the engine's chain rule asks `watcher` what to call for each node it visits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .reading import Readable

__all__ = ["Hookable", "HookHandle", "watcher"]

Hook = Callable[[Any], Any]

# How many hooks are registered on live or dead nodes. While it is 0 the chain rule runs
# without looking for hooks at all; a node dropped with its hooks still registered only
# keeps backward on the (equally correct) path that looks.
_live_hooks = 0


class HookHandle:
    """What `Hookable.register_hook` returns: ``remove()`` unregisters the hook (once)."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list[Hook], hook: Hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Stop calling the hook; removing it again does nothing."""
        global _live_hooks
        for i, registered in enumerate(self._hooks):
            if registered is self._hook:
                del self._hooks[i]
                _live_hooks -= 1
                return


class Hookable(Readable):
    """The part of a node that holds its gradient hooks: a list among its notes, set when the
    first one is registered (a slot of its own would cost every node 8 bytes)."""

    __slots__ = ()

    def register_hook(self, hook: Hook) -> HookHandle:
        """Call ``hook(gradient)`` when backward reaches this node; a returned value replaces it.

        The gradient is d root / d self, complete (every path summed), before it is added to
        ``.grad`` and sent on to the parents, so a replacement changes both, as in PyTorch.
        It is a float, or a `Value` under ``create_graph=True`` (a replacement may then be a
        `Value` too, to stay differentiable). Hooks run in the order registered, on every
        ``backward()`` and ``gradients()`` pass that reaches the node, until removed.

        Example:
            >>> from autograd_lite import Value
            >>> x = Value(2.0)
            >>> handle = x.register_hook(lambda g: g * 10)
            >>> (x * x).backward(); x.grad
            40.0
            >>> handle.remove(); x.zero_grad(); (x * x).backward(); x.grad
            4.0
        """
        global _live_hooks
        if not callable(hook):
            raise TypeError(f"register_hook takes a function, got {type(hook).__name__}")
        hooks: list[Hook] | None = self._note("hooks")
        if hooks is None:
            hooks = []
            self._set_note("hooks", hooks)
        hooks.append(hook)
        _live_hooks += 1
        return HookHandle(hooks, hook)


def watcher(check: Callable[[Any, Any], None] | None) -> Callable[[Any, Any], Any] | None:
    """What the chain rule calls with each node and its gradient, returning the gradient to
    use: the node's hooks (which may replace it), then ``check`` (anomaly mode). None when
    there is neither, so an ordinary backward pass pays one test per node.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0)
        >>> handle = x.register_hook(lambda g: g + 1)
        >>> watcher(None)(x, 1.0)  # x's hook replaces the gradient
        2.0
        >>> handle.remove()
    """
    if not _live_hooks:
        return check and _checked(check)

    def watch(node: Hookable, g: Any) -> Any:
        for hook in node._note("hooks") or ():
            replaced = hook(g)
            if replaced is not None:
                g = replaced
        if check is not None:
            check(node, g)
        return g

    return watch


def _checked(check: Callable[[Any, Any], None]) -> Callable[[Any, Any], Any]:
    def watch(node: Any, g: Any) -> Any:
        check(node, g)
        return g

    return watch
