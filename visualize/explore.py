"""An interactive backprop explorer: one self-contained HTML file, offline, no libraries."""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from autograd_lite import Value
from autograd_lite.files import write_atomic

from ._explorer_page import PAGE
from .backprop import Share, formula, trace
from .dot import MAX_NODES, build
from .graph import Graph, names
from .render import DOT_TIMEOUT, Drawing, to_bytes
from .steps import step_caption
from .style import GRAD_SCALE, RED, ZERO, format_number

__all__ = ["explore", "Explorer"]

_VIEWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("every value", ()),
    ("neurons collapsed", ("Neuron",)),
    ("layers collapsed", ("Neuron", "Layer")),
)


class Explorer:
    """An explorer page: ``.html`` is the whole file; it shows inline in Jupyter.

    Example:
        >>> x = Value(2.0, label="x"); y = (x * x).tanh()
        >>> page = explore(y)
        >>> page.html.startswith("<!DOCTYPE html>"), "http" in page.html.split("<svg")[0]
        (True, False)
    """

    def __init__(self, page: str, path: Path | None = None) -> None:
        self.html, self.path = page, path

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` atomically; returns the path."""
        self.path = write_atomic(path, self.html.encode("utf-8"))
        return self.path

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script and styles away from the notebook's own.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #ddd;border-radius:6px"></iframe>'
        )

    def __repr__(self) -> str:
        where = f" saved to {self.path}" if self.path else ""
        return f"<Explorer page of {len(self.html) // 1024} KiB{where}>"


def explore(
    root: Value,
    path: str | os.PathLike[str] | None = None,
    *,
    rankdir: str = "LR",
    max_nodes: int | None = MAX_NODES,
    timeout: float | None = DOT_TIMEOUT,
) -> Explorer:
    """Build the interactive explorer of ``root``'s graph and backward pass.

    The page shows the graph (drawn by Graphviz now, then inlined as SVG) and lets a student
    click a node to see its op, data, gradient, local derivatives and what each operand
    receives from it; step backward forwards and backwards (buttons, or the arrow keys) with
    the current node and edges highlighted and the gradients filling in; switch between every
    value and neurons or layers collapsed; and pan (drag) and zoom (wheel, + and -). The file
    needs no network: no CDN, no library, everything inline. ``root``'s gradients are left as
    they are (backward is replayed with a recorder, then every gradient is restored).

    Args:
        root: the output to explore.
        path: also write the page here (``.html``).
        rankdir: layout direction, as in `draw_dot`.
        max_nodes: views with more nodes than this are left out (the collapsed ones remain).
        timeout: seconds Graphviz may take per view.

    Returns:
        An `Explorer`: ``.html`` is the page; in Jupyter it displays inline.

    Raises:
        ValueError: no view of the graph fits in ``max_nodes``.

    Example:
        >>> import tempfile, pathlib
        >>> x = Value(-2.0, label="x"); f = x * Value(3.0, label="y") + 1
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "graph.html"
        >>> explore(f, out).path == out and out.read_text().count("<svg") >= 1
        True
    """
    graph = Graph.of(root)
    views = _views(root, graph, rankdir, max_nodes, timeout)
    data = _data(root, graph)
    data["views"] = [
        {"name": name, "groups": {k: asdict(g) for k, g in drawing.groups.items()}}
        for name, _, drawing in views
    ]
    parts = {
        "DATA": _json(data),
        "VIEWS": "".join(_view_html(k, svg) for k, (_, svg, _) in enumerate(views)),
        "TITLE": html.escape(f"Backprop explorer: {names(graph.order)[root]}"),
    }
    # One pass, so no label that happens to read __DATA__ is filled in twice.
    page = re.sub(r"__(DATA|VIEWS|TITLE)__", lambda m: parts[m.group(1)], PAGE)
    explorer = Explorer(page)
    if path is not None:
        explorer.save(path)
    return explorer


def _views(
    root: Value, graph: Graph, rankdir: str, max_nodes: int | None, timeout: float | None
) -> list[tuple[str, str, Drawing]]:
    """Each view that differs from the last and fits: (name, its SVG, its drawing)."""
    out: list[tuple[str, str, Drawing]] = []
    seen: set[str] = set()
    for name, kinds in _VIEWS:
        try:
            drawing = build(
                root, rankdir=rankdir, collapse=kinds, max_nodes=max_nodes, named=True, legend=False
            )
        except ValueError:
            continue
        if drawing.source in seen:
            continue
        seen.add(drawing.source)
        svg = to_bytes(drawing, "svg", timeout=timeout).decode("utf-8")
        out.append((name, svg[svg.index("<svg") :], drawing))
    if not out:
        raise ValueError(
            f"even with layers collapsed the graph has more than max_nodes={max_nodes} nodes; "
            "explore a smaller expression or pass max_nodes=None"
        )
    return out


def _view_html(k: int, svg: str) -> str:
    return f'<div class="view" data-view="{k}" hidden><div class="pane">{svg}</div></div>'


def _data(root: Value, graph: Graph) -> dict[str, Any]:
    """Everything the page's script needs, with every number already formatted as drawings
    format it, so the page shows exactly what `draw_dot` would."""
    name_of = names(graph.order)
    nodes = []
    for node in graph.order:
        nodes.append(
            {
                "name": name_of[node],
                "op": node.op,
                "formula": formula(node, name_of) if node.parents else "",
                "data": format_number(node.data),
                "grad": format_number(node.grad),
                "exact": repr(node.grad),
                "parents": [graph.index[p] for p in node.parents],
                "locals": [format_number(float(d)) for d in node.local_grads],
            }
        )
    steps = trace(root)
    total = len(steps)
    return {
        "nodes": nodes,
        "steps": [
            {
                "node": graph.index[s.node],
                "grad": format_number(s.grad),
                "exact": repr(s.grad),
                "caption": step_caption(s, k, total, name_of),
                "shares": [_share(h, graph, name_of[h.parent], s.grad) for h in s.shares],
            }
            for k, s in enumerate(steps, start=1)
        ],
        "scale": [[low, fill, ink] for low, fill, ink, _ in GRAD_SCALE],
        "zero": ZERO,
        "red": RED,
    }


def _share(share: Share, graph: Graph, name: str, upstream: float) -> list[Any]:
    """[operand index, its running grad formatted and exact, the chain-rule line]."""
    total = share.total
    return [
        graph.index[share.parent],
        format_number(total),
        repr(total),
        share.text(name, upstream),
    ]


def _json(data: dict[str, Any]) -> str:
    # "<" escaped: no label can close the script element or open another.
    return json.dumps(data, allow_nan=False).replace("<", "\\u003c")
