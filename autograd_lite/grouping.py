"""One flat list cut back into the groups it was made from (a compiled function's ``aux``).

`compile` flattens what a traced function returns as ``aux`` (Values, or lists of them) into one
list of slots, and keeps its shape: ``None`` for a lone item, ``k`` for a group of ``k``. The
scalar replay (floats) and the batched replay (arrays) both cut their flat results back with
`regroup`, so the two hand back ``aux`` in the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

__all__ = ["regroup"]

T = TypeVar("T")


def regroup(flat: Sequence[T], shape: Sequence[int | None]) -> list[T | list[T]]:
    """Cut ``flat`` into ``shape``: ``None`` takes one item, ``k`` takes a list of ``k``.

    Raises:
        ValueError: ``shape`` does not account for exactly the items of ``flat``.

    Example:
        >>> regroup([1.0, 2.0, 3.0, 4.0], [None, 3])
        [1.0, [2.0, 3.0, 4.0]]
    """
    out: list[Any] = []
    k = 0
    for size in shape:
        out.append(flat[k] if size is None else list(flat[k : k + size]))
        k += 1 if size is None else size
    if k != len(flat):
        raise ValueError(f"regroup(): the shape takes {k} items, the list has {len(flat)}")
    return out
