"""render(): a `Value` (drawn with `draw_dot`) or a digraph, written to a file atomically.

Apart from `render` and `dot` so that neither imports the other: `dot` builds `Drawing` s
(defined in `render`), and this module uses both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from autograd_lite import Value
from autograd_lite.files import write_atomic

from .dot import draw_dot
from .formats import format_of
from .render import DOT_TIMEOUT, to_bytes

__all__ = ["render"]


def render(
    root_or_digraph: Value | graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    timeout: float | None = DOT_TIMEOUT,
    **draw_options: Any,
) -> Path:
    """Draw a graph (or render a ready `graphviz.Digraph`) to ``path``, atomically.

    Args:
        root_or_digraph: a `Value` (drawn with `draw_dot`) or a digraph.
        path: the file to write; its suffix (``.svg``, ``.png``, ``.pdf``, ``.dot``) picks the
            format unless ``format`` is given.
        format: override the format.
        timeout: seconds system ``dot`` may take (``None``: no limit).
        **draw_options: passed to `draw_dot` (``rankdir``, ``show_grad``, ``collapse``, ...).

    Returns:
        The path written.

    Raises:
        RenderError: PNG/PDF without system Graphviz, Graphviz failed or ran out of time, or a
            PNG would exceed the size limit (one clear line).
        ValueError: an unknown format.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> y = (Value(2.0, label="x") * 3).tanh(); y.backward()
        >>> out = render(y, pathlib.Path(tempfile.mkdtemp()) / "y.svg")
        >>> b"<svg" in out.read_bytes()
        True
    """
    fmt = format_of(path, format)
    if isinstance(root_or_digraph, Value):
        graph = draw_dot(root_or_digraph, **draw_options)
    elif isinstance(root_or_digraph, graphviz.Digraph):
        if draw_options:
            raise TypeError(f"drawing options {sorted(draw_options)} need a Value, not a digraph")
        graph = root_or_digraph
    else:
        raise TypeError(
            f"render() takes a Value or a graphviz.Digraph, got {type(root_or_digraph).__name__}"
        )
    return write_atomic(path, to_bytes(graph, fmt, timeout=timeout))
