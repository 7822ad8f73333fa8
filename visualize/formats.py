"""The file formats drawings are written in, and how a path picks one (no Graphviz needed)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FORMATS", "format_of"]

FORMATS = ("svg", "png", "pdf", "dot")


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
