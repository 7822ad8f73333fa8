"""Turn a computational graph into a `graphviz.Digraph`: labels, clusters, collapse, colours."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import graphviz

from autograd_lite import Scope, Value, topological_order

from .render import Drawing
from .style import (
    _CLUSTER,
    _HOT_OP,
    _OP,
    _OP_TEXT,
    FONT,
    GRAD_SCALE,
    RED,
    ZERO,
    format_number,
    grad_colours,
    record_text,
)

__all__ = ["draw_dot", "build", "MAX_NODES", "AUTO_COLLAPSE"]

MAX_NODES = 400
"""Default cap on drawn nodes: beyond it Graphviz is slow and the picture is a wall of boxes."""
AUTO_COLLAPSE = 150
"""With ``collapse="auto"``, graphs with more drawn nodes than this collapse module calls."""


@dataclass
class _Cluster:
    scope: Scope
    name: str
    lines: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    children: list[_Cluster] = field(default_factory=list)


@dataclass
class _Style:
    show_grad: bool
    grads: Mapping[Value, float] | None
    current: Value | None
    rankdir: str


def _home(node: Value, consumers: Mapping[Value, list[Value]]) -> Scope | None:
    """The scope a node is drawn in; a leaf made outside any module (a parameter, a constant)
    joins its consumers' module call when it has exactly one."""
    if node._scope is not None or node._prev:
        return node._scope
    scopes = {id(c._scope): c._scope for c in consumers.get(node, ())}
    return next(iter(scopes.values())) if len(scopes) == 1 else None


def _box_scope(scope: Scope | None, collapse: Collection[str]) -> Scope | None:
    for s in scope.path() if scope is not None else ():
        if s.kind in collapse or s.name in collapse:
            return s
    return None


def _record(fields: list[str], across: bool, rankdir: str) -> str:
    """A record label whose fields run across (or down) whatever the rank direction."""
    text = " | ".join(fields)
    # Graphviz flips a record's orientation with the rank direction and again inside braces.
    return f"{{{text}}}" if across == (rankdir in ("LR", "RL")) else text


def _numbers(node: Value, style: _Style) -> tuple[list[str], dict[str, str]]:
    """The data and gradient fields of a value and the node colours they call for."""
    fields = [f"data {format_number(node.data)}"]
    attrs = {"fillcolor": "white", "fontcolor": "black"}
    if style.show_grad:
        if style.grads is not None and node not in style.grads:
            fields.append("grad ?")
        else:
            g = node.grad if style.grads is None else style.grads[node]
            fields.append(f"grad {format_number(g)}")
            attrs["fillcolor"], attrs["fontcolor"] = grad_colours(g)
    if not math.isfinite(node.data):
        attrs.update(fillcolor=RED, fontcolor="white")
    if attrs["fillcolor"] == RED:
        attrs.update(color="#8b0000", penwidth="3")
    if node is style.current:
        attrs.update(color="#e6550d", penwidth="3")
    return fields, attrs


def _value_node(node: Value, style: _Style) -> dict[str, str]:
    """A value: a record [label | data | grad] filled by the colour of its gradient."""
    fields, attrs = _numbers(node, style)
    if node.label:
        fields.insert(0, record_text(node.label))
    return {"label": _record(fields, True, style.rankdir), "shape": "Mrecord", **attrs}


def _box_node(
    scope: Scope, members: list[Value], outputs: list[Value], style: _Style
) -> dict[str, str]:
    """A collapsed module call: its name, its output's data and grad, what it hides."""
    ops: list[str] = []
    for m in members:
        text = _OP_TEXT.get(m._op, m._op)
        if text and text not in ops:
            ops.append(text)
    leaves = sum(1 for m in members if not m._prev)
    summary = " \u2192 ".join(ops) if len(ops) <= 3 else f"{len(ops)} kinds of op"
    attrs = {"fillcolor": "#f4f4f8", "fontcolor": "black"}
    middle = f"{len(outputs)} outputs"
    if len(outputs) == 1:
        fields, attrs = _numbers(outputs[0], style)
        middle = _record(fields, True, style.rankdir)
    title = scope.name
    if len(outputs) == 1 and outputs[0].label:
        title += f" \u2192 {outputs[0].label}"
    fields = [
        record_text(title),
        middle,
        record_text(f"{summary} \u00b7 {leaves} leaves", 60),
    ]
    return {"label": _record(fields, False, style.rankdir), "shape": "Mrecord", **attrs}


def _legend(graph: graphviz.Digraph, style: _Style, anchor: str) -> None:
    """Colour swatches explaining the gradient fill, drawn as nodes (every renderer supports
    them) in short columns (left to right) or rows (top to bottom) after the ``anchor`` node."""
    swatches = [(f, t, text) for _, f, t, text in GRAD_SCALE]
    swatches += [(ZERO, "#555555", "0"), (RED, "white", "nan/inf")]
    if style.grads is not None:
        swatches.append(("white", "black", "? not yet"))
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(
            label="fill: |grad|", style="rounded", color="#ccc", fontcolor="#444", margin="4"
        )
        legend.attr("node", shape="box", fontsize="9", width="0.6", height="0.2", margin="0.03")
        for start in range(0, len(swatches), 4):
            with legend.subgraph() as group:
                group.attr(rank="same")
                for k in range(start, min(start + 4, len(swatches))):
                    fill, ink, text = swatches[k]
                    edge = "#999999" if fill == "white" else fill
                    group.node(f"legend{k}", text, fillcolor=fill, fontcolor=ink, color=edge)
                for k in range(start, min(start + 3, len(swatches) - 1)):
                    # Keeps the order; left to right, Graphviz stacks a flat edge upwards.
                    pair = (f"legend{k}", f"legend{k + 1}")
                    group.edge(
                        *(pair[::-1] if style.rankdir in ("LR", "RL") else pair), style="invis"
                    )
            if start:
                legend.edge(f"legend{start - 4}", f"legend{start}", style="invis")
    graph.edge(anchor, "legend0", style="invis")


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    clusters: bool = True,
    collapse: Collection[str] | Literal["auto"] = "auto",
    max_nodes: int | None = MAX_NODES,
) -> Drawing:
    """Draw the graph that computed ``root``: values as boxes, each op as a small node.

    A value shows its label (when set), data and gradient, and is filled by |grad| on a log
    scale (viridis; NaN/inf in red; a legend explains it). Node ids follow the topological
    order, so the same graph always gives the same DOT text.

    Args:
        root: the output whose graph is drawn.
        rankdir: ``"LR"`` (left to right), ``"TB"``, ``"RL"`` or ``"BT"``.
        show_grad: show and colour gradients.
        clusters: group nodes made inside ``Neuron``/``Layer``/``MLP`` calls into labelled boxes.
        collapse: module kinds or names (``("Neuron",)``, ``("Layer",)``) whose calls are each
            drawn as one box with its inputs and output. ``"auto"`` (default) collapses neurons,
            then layers, only when the graph has more than 150 nodes to draw.
        max_nodes: refuse to draw more nodes than this (``None``: no limit).

    Returns:
        A `Drawing` (a `graphviz.Digraph`): ``.source`` is the DOT text; it shows inline in
        Jupyter; `visualize.render` writes it to a file.

    Raises:
        ValueError: an unknown ``rankdir``, or more nodes than ``max_nodes``.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.backward()
        >>> draw_dot(y)
        <Drawing of 3 values, 2 ops: .source is its DOT text; render() writes a file>
        >>> src = draw_dot(y, show_grad=False).source
        >>> src.count("->"), "{x | data 2}" in src  # x * x: two edges from x
        (5, True)
    """
    return build(
        root,
        rankdir=rankdir,
        show_grad=show_grad,
        clusters=clusters,
        collapse=collapse,
        max_nodes=max_nodes,
    )


def build(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    clusters: bool = True,
    collapse: Collection[str] | Literal["auto"] = "auto",
    max_nodes: int | None = MAX_NODES,
    grads: Mapping[Value, float] | None = None,
    current: Value | None = None,
    caption: str = "",
) -> Drawing:
    """`draw_dot` plus what step-by-step drawings need: the gradients known so far
    (``grads``; others show ``?``), the ``current`` node to highlight and a ``caption``."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot() takes a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(collapse, str) and collapse != "auto":
        raise TypeError(f"collapse takes module kinds such as ('Neuron',), not {collapse!r}")
    order = topological_order(root)
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node._prev:
            consumers.setdefault(parent, []).append(node)
    homes = [_home(node, consumers) for node in order]

    def boxes_for(kinds: Collection[str]) -> list[Scope | None]:
        return [_box_scope(home, kinds) for home in homes]

    def count(boxes: list[Scope | None]) -> int:
        free = sum((2 if node._prev else 1) for node, b in zip(order, boxes) if b is None)
        return free + len({id(b) for b in boxes if b is not None})

    boxes = boxes_for(() if collapse == "auto" else collapse)
    if collapse == "auto":
        for kinds in (("Neuron",), ("Neuron", "Layer")):
            if count(boxes) <= AUTO_COLLAPSE:
                break
            boxes = boxes_for(kinds)
    drawn = count(boxes)
    if max_nodes is not None and drawn > max_nodes:
        has_scopes = any(h is not None for h in homes)
        hint = (
            "pass collapse=('Neuron',) or collapse=('Layer',) to draw each module call as one box"
            if has_scopes
            else "draw a smaller sub-expression"
        )
        raise ValueError(
            f"the graph has {drawn} nodes to draw, more than max_nodes={max_nodes}; Graphviz "
            f"would be slow and the picture unreadable. {hint[0].upper()}{hint[1:]}, or pass "
            f"max_nodes=None to draw it anyway."
        )
    style = _Style(show_grad, grads, current, rankdir)
    return _emit(order, homes, boxes, consumers, root, clusters, style, caption)


def _emit(
    order: list[Value],
    homes: list[Scope | None],
    boxes: list[Scope | None],
    consumers: Mapping[Value, list[Value]],
    root: Value,
    clusters: bool,
    style: _Style,
    caption: str,
) -> Drawing:
    graph = Drawing(name="autograd_lite")
    graph.attr(rankdir=style.rankdir, fontname=FONT, nodesep="0.18", ranksep="0.35", newrank="true")
    graph.attr("node", fontname=FONT, fontsize="11", style="filled", color="#555555")
    graph.attr("edge", color="#7a7a7a", arrowsize="0.6")
    index = {node: i for i, node in enumerate(order)}
    box_ids: dict[int, str] = {}
    members: dict[int, list[Value]] = {}
    for node, box in zip(order, boxes):
        if box is not None:
            box_ids.setdefault(id(box), f"m{len(box_ids)}")
            members.setdefault(id(box), []).append(node)

    def rep(node: Value) -> str:
        box = boxes[index[node]]
        return box_ids[id(box)] if box is not None else f"v{index[node]}"

    cluster_of: dict[int, _Cluster] = {}
    top: list[_Cluster] = []
    loose: list[tuple[str, dict[str, str]]] = []
    seen_paths: dict[tuple[tuple[str, str], ...], int] = {}

    def place(scope: Scope | None) -> list[tuple[str, dict[str, str]]]:
        if scope is None or not clusters:
            return loose
        if id(scope) not in cluster_of:
            parent = scope.parent
            key = tuple((s.kind, s.name) for s in scope.path())
            seen_paths[key] = seen_paths.get(key, 0) + 1
            calls = seen_paths[key]
            name = scope.name if calls == 1 else f"{scope.name} (call {calls})"
            cluster = _Cluster(scope, name)
            cluster_of[id(scope)] = cluster
            siblings = top if parent is None else _cluster(parent)
            siblings.append(cluster)
        return cluster_of[id(scope)].lines

    def _cluster(scope: Scope) -> list[_Cluster]:
        place(scope)
        return cluster_of[id(scope)].children

    edges: list[tuple[str, str, dict[str, str]]] = []
    box_edges: set[tuple[str, str]] = set()
    for i, (node, home, box) in enumerate(zip(order, homes, boxes)):
        if box is not None:
            bid = box_ids[id(box)]
            # A box is placed where its last member (its output) comes in the order, so boxes
            # appear in data-flow order and Graphviz keeps neurons in their numbered order.
            if members[id(box)][-1] is node:
                inside = members[id(box)]
                outputs = [
                    m
                    for m in inside
                    if m is root or any(boxes[index[c]] is not box for c in consumers.get(m, ()))
                ]
                place(box.parent).append((bid, _box_node(box, inside, outputs, style)))
            for parent in node._prev:
                src = rep(parent)
                if src != bid and (src, bid) not in box_edges:
                    box_edges.add((src, bid))
                    edges.append((src, bid, {"color": "#70708c80"}))
            continue
        place(home).append((f"v{i}", _value_node(node, style)))
        if node._prev:
            hot = node is style.current
            text = _OP_TEXT.get(node._op, node._op)
            place(home).append(
                (
                    f"o{i}",
                    {
                        "label": record_text(text, 12, record=False),
                        "shape": "circle" if len(text) <= 2 else "ellipse",
                        **(_HOT_OP if hot else _OP),
                    },
                )
            )
            edges.append((f"o{i}", f"v{i}", {}))
            hot_edge = {"color": "#e6550d", "penwidth": "2"} if hot else {}
            for p in node._prev:
                attrs = hot_edge
                if home is not None and not p._prev and homes[index[p]] is None:
                    # An input from outside the module call: one rank further left, so it is
                    # drawn before the cluster rather than above or below it.
                    attrs = {**hot_edge, "minlen": "2"}
                edges.append((rep(p), f"o{i}", attrs))

    def emit(target: graphviz.Digraph, lines: list[tuple[str, dict[str, str]]]) -> None:
        for name, attrs in lines:
            target.node(name, **attrs)

    def emit_cluster(target: graphviz.Digraph, cluster: _Cluster, depth: int) -> None:
        with target.subgraph(name=f"cluster_{len(done)}") as sub:
            done.append(cluster)
            sub.attr(label=record_text(cluster.name, record=False), **_CLUSTER)
            sub.attr(fillcolor=("#f6f6fa", "#eef2f8", "#ffffff")[min(depth, 2)])
            emit(sub, cluster.lines)
            for child in cluster.children:
                emit_cluster(sub, child, depth + 1)

    done: list[_Cluster] = []
    emit(graph, loose)
    for cluster in top:
        emit_cluster(graph, cluster, 0)
    for tail, head, attrs in edges:
        graph.edge(tail, head, **attrs)
    if box_ids:
        # Densely connected boxes need more crossing-minimisation passes to stay in order.
        graph.attr(mclimit="4")
    if style.show_grad:
        _legend(graph, style, rep(root))
    if caption:
        graph.attr(
            label=record_text(caption, 300, record=False),
            labelloc="t",
            labeljust="l",
            fontsize="12",
        )
    n_values = sum(1 for b in boxes if b is None)
    graph.summary = (
        f"{n_values} values, {sum(1 for n, b in zip(order, boxes) if b is None and n._prev)} ops"
        + (f", {len(box_ids)} collapsed boxes" if box_ids else "")
    )
    return graph
