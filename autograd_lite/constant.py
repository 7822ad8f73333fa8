"""What a constant node does differently: ``Value(c, requires_grad=False)``.

A mixin below the engine, like `hooks` and `reading`: the engine's ``_Constant`` is a `Value`
with `ConstantNode` first among its bases, so these properties take the place of the slots
they name. A constant takes part in the forward pass but keeps no gradient, and the engine
makes a result of constants alone a constant leaf, so backward never walks the work behind it
(as in PyTorch, where such a tensor has no ``grad_fn``).
"""

from __future__ import annotations

from typing import Any

from .reading import Readable

__all__ = ["ConstantNode"]


class ConstantNode(Readable):
    """A node with no gradient: ``.grad`` stays 0.0 and ``backward()`` on it is refused.

    Example:
        >>> from autograd_lite import Value
        >>> c = Value(3.0, requires_grad=False)
        >>> c.grad = 5.0; c.grad, c.requires_grad, (c * c).requires_grad, (c * c).parents
        (0.0, False, False, ())
    """

    __slots__ = ()

    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Refused: nothing in a constant's graph takes a gradient."""
        raise ValueError(
            f"backward() on a constant, {self.describe()}: it was made with requires_grad=False "
            "or only from such values, so nothing in its graph takes a gradient"
        )

    @property
    def grad(self) -> float:
        """Always 0.0: the chain rule adds into every node's ``.grad``, a constant keeps none."""
        return 0.0

    @grad.setter
    def grad(self, value: float) -> None:
        pass

    @property
    def grad_value(self) -> Any:
        """Always None."""
        return None

    @grad_value.setter
    def grad_value(self, value: Any) -> None:
        pass

    @property
    def requires_grad(self) -> bool:
        """False: see the class."""
        return False
