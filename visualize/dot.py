"""Turn a computational graph into a `graphviz.Digraph`: labels, clusters, collapse, views.

How a graph becomes DOT, in order: `build` picks the nodes to draw (`_select`) and the calls to
collapse (`_boxes`), refuses graphs too big to read (`_refuse`), then a `_Scene` collects node
and edge statements (`_add_value`, `_add_box`, `_add_stubs`), and `_write` turns the scene into
clusters, edges, ordering hints, a legend and a caption.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import graphviz

from autograd_lite import Scope, Value

from .graph import Graph, counts, last_ops, names, neighbourhood
from .layout import LEGEND_HEIGHT, MAX_ASPECT, aspect, legend, order_hints, pin
from .render import Drawing
from .style import (
    _CLUSTER,
    _HOT_OP,
    _OP,
    _OP_TEXT,
    DEAD,
    FONT,
    HOT,
    RED,
    format_number,
    grad_colours,
    record_text,
)

__all__ = ["draw_dot", "build", "MAX_NODES", "AUTO_COLLAPSE"]

MAX_NODES = 400
"""Default cap on drawn nodes: beyond it Graphviz is slow and the picture is a wall of boxes."""
AUTO_COLLAPSE = 150
"""With ``collapse="auto"``, graphs with more drawn nodes than this collapse module calls."""

Attrs = dict[str, str]


@dataclass
class _Style:
    show_grad: bool = True
    grads: Mapping[Value, float] | None = None
    current: Value | None = None
    rankdir: str = "LR"
    names: Mapping[Value, str] | None = None
    rows: bool = False
    """Values as one-line rows (in module boxes, where columns of parameters stack) rather
    than small cards with the label, data and grad one above the other."""

    def grad(self, node: Value) -> float | None:
        """The gradient to show: the engine's, or the step's (None: not known yet)."""
        if self.grads is None:
            return node.grad
        return self.grads.get(node)


@dataclass
class _Scene:
    """The DOT statements of one drawing, before they are written."""

    graph: Graph
    keep: set[Value]
    boxes: list[Scope | None]
    style: _Style
    clusters: bool
    where: dict[str, Scope | None] = field(default_factory=dict)
    edges: list[tuple[str, str, Attrs]] = field(default_factory=list)
    statements: dict[str, Attrs] = field(default_factory=dict)
    box_ids: dict[int, str] = field(default_factory=dict)
    hints: dict[int, list[str]] = field(default_factory=dict)

    def rep(self, node: Value) -> str:
        """The DOT node that stands for a value: its own, or its collapsed call's box."""
        box = self.boxes[self.graph.index[node]]
        return self.box_ids[id(box)] if box is not None else f"v{self.graph.index[node]}"

    def add(self, name: str, attrs: Attrs, scope: Scope | None) -> None:
        self.statements[name] = attrs
        self.where[name] = scope if self.clusters else None


def _record(fields: list[str], across: bool, rankdir: str) -> str:
    """A record label whose fields run across (or down) whatever the rank direction."""
    text = " | ".join(fields)
    # Graphviz flips a record's orientation with the rank direction and again inside braces.
    return f"{{{text}}}" if across == (rankdir in ("LR", "RL")) else text


def _fill(g: float | None, data: float, style: _Style) -> tuple[list[str], Attrs]:
    """The gradient field for ``g`` (None: not known yet) and the node colours it calls for."""
    fields: list[str] = []
    attrs = {"fillcolor": "white", "fontcolor": "black"}
    if style.show_grad:
        fields.append("grad ?" if g is None else f"grad {format_number(g)}")
        if g is not None:
            attrs["fillcolor"], attrs["fontcolor"] = grad_colours(g)
    if not math.isfinite(data):
        attrs.update(fillcolor=RED, fontcolor="white")
    if attrs["fillcolor"] == RED:
        attrs.update(color="#8b0000", penwidth="3")
    return fields, attrs


def _value_node(node: Value, style: _Style) -> Attrs:
    """A value: a record [label | data | grad] filled by the colour of its gradient."""
    grad_fields, attrs = _fill(style.grad(node), node.data, style)
    fields = [f"data {format_number(node.data)}", *grad_fields]
    name = node.label or (style.names.get(node, "") if style.names and node.parents else "")
    if name:
        fields.insert(0, record_text(name))
    if node is style.current:
        attrs.update(color=HOT, penwidth="3")
    return {"label": _record(fields, style.rows, style.rankdir), "shape": "Mrecord", **attrs}


def _box_node(scope: Scope, inside: list[Value], outputs: list[Value], style: _Style) -> Attrs:
    """A collapsed call on one line: its name, its output, and the largest |grad| of its
    parameters, which it is coloured by; a call whose parameters all have gradient 0 is DEAD."""
    params = [m for m in inside if not m.parents]
    title = scope.name
    if len(outputs) == 1 and outputs[0].label:
        title += f" \u2192 {outputs[0].label}"
    out = f"out {format_number(outputs[0].data)}" if len(outputs) == 1 else f"{len(outputs)} outs"
    fields = [record_text(title), out]
    attrs: Attrs = {"fillcolor": "#f4f4f8", "fontcolor": "black"}
    if style.show_grad and params:
        known = [style.grad(p) for p in params]
        top = None if None in known else max(abs(g) for g in known if g is not None)
        fields.append(record_text("max |grad w| " + ("?" if top is None else format_number(top))))
        attrs = _fill(top, 0.0, style)[1]
        if top == 0.0:
            fields.insert(0, "DEAD")
            attrs.update(DEAD)
    if any(m is style.current for m in inside):
        attrs.update(color=HOT, penwidth="3")
    return {"label": _record(fields, style.rows, style.rankdir), "shape": "Mrecord", **attrs}


def _op_node(node: Value, hot: bool) -> Attrs:
    text = _OP_TEXT.get(node.op, node.op)
    return {
        "label": record_text(text, 12, record=False),
        "shape": "circle" if len(text) <= 2 else "ellipse",
        **(_HOT_OP if hot else _OP),
    }


def _add_value(scene: _Scene, node: Value) -> None:
    """A value node, and for an op result its op node and the edges from its operands."""
    i, home = scene.graph.index[node], scene.graph.homes[scene.graph.index[node]]
    scene.add(f"v{i}", _value_node(node, scene.style), home)
    if not node.parents:
        return
    hot = node is scene.style.current
    scene.add(f"o{i}", _op_node(node, hot), home)
    scene.edges.append((f"o{i}", f"v{i}", {}))
    for p, local in zip(node.parents, _locals(node)):
        if p in scene.keep:
            scene.edges.append((scene.rep(p), f"o{i}", _hot_edge(local) if hot else {}))


def _locals(node: Value) -> tuple[float, ...]:
    grads = tuple(node.local_grads)
    return grads if len(grads) == len(node.parents) else (math.nan,) * len(node.parents)


def _hot_edge(local: float) -> Attrs:
    # The gradient flows against the data: drawn from the op back to the operand, labelled by
    # the factor it is multiplied by on the way.
    return {
        "color": HOT,
        "penwidth": "2.5",
        "dir": "back",
        "fontcolor": HOT,
        "label": f"\u00d7 {format_number(local)}",
        "fontsize": "10",
    }


def _add_box(scene: _Scene, box: Scope, inside: list[Value]) -> None:
    """One collapsed call, and one edge from each distinct outside operand into it."""
    g, bid = scene.graph, scene.box_ids[id(box)]
    outputs = [
        m
        for m in inside
        if m is g.root or any(scene.boxes[g.index[c]] is not box for c in g.consumers.get(m, ()))
    ]
    scene.add(bid, _box_node(box, inside, outputs, scene.style), box.parent)
    seen: set[str] = set()
    for node in inside:
        for parent in node.parents:
            src = scene.rep(parent)
            if parent in scene.keep and src != bid and src not in seen:
                seen.add(src)
                scene.edges.append((src, bid, {"color": "#70708c"}))


def _add_stubs(scene: _Scene, label_of: Mapping[Value, str]) -> None:
    """Where a view cuts the graph, a small dashed stub names what lies beyond the cut."""
    g = scene.graph
    for node in sorted(scene.keep, key=g.index.__getitem__):
        if scene.boxes[g.index[node]] is not None:
            continue
        i = g.index[node]
        cut_in = [p for p in node.parents if p not in scene.keep]
        cut_out = [c for c in g.consumers.get(node, []) if c not in scene.keep]
        for name, cut, edge in (
            (f"s{i}", cut_in, (f"s{i}", f"o{i}")),
            (f"u{i}", cut_out, (f"v{i}", f"u{i}")),
        ):
            if cut:
                text = ", ".join(label_of[c] for c in dict.fromkeys(cut))
                text = ("from " if name[0] == "s" else "to ") + text
                scene.add(name, {"label": record_text(text, 30, record=False), **_STUB}, None)
                scene.edges.append((*edge, {"style": "dashed", "color": "#999999"}))


_STUB = {"shape": "plaintext", "style": "", "fontsize": "9", "fontcolor": "#666666"}


def _select(graph: Graph, focus: Value | None, depth: int, last: int | None) -> set[Value]:
    if focus is not None and last is not None:
        raise ValueError("pass focus=... or last=..., not both")
    if focus is not None:
        return neighbourhood(graph, focus, depth)
    if last is not None:
        return last_ops(graph, last)
    return set(graph.order)


def _boxes(
    graph: Graph, keep: set[Value], collapse: Collection[str] | Literal["auto"]
) -> list[Scope | None]:
    boxes = graph.box_of(() if collapse == "auto" else collapse)
    if collapse == "auto":
        for kinds in (("Neuron",), ("Neuron", "Layer")):
            if _size(graph, keep, boxes) <= AUTO_COLLAPSE:
                break
            boxes = graph.box_of(kinds)
    return boxes


def _size(graph: Graph, keep: set[Value], boxes: list[Scope | None]) -> int:
    return counts(keep, {n: boxes[graph.index[n]] for n in keep})


def _refuse(graph: Graph, drawn: int, max_nodes: int | None) -> None:
    if max_nodes is None or drawn <= max_nodes:
        return
    modules = any(h is not None for h in graph.homes)
    hint = "collapse=('Neuron',) or ('Layer',) (CLI: --collapse Neuron), " if modules else ""
    raise ValueError(
        f"the graph has {drawn} nodes to draw, more than max_nodes={max_nodes}; Graphviz would "
        f"be slow and the picture unreadable. Draw a view instead: focus=node, depth=2 (CLI: "
        f"--focus NAME --depth 2) or last=20 (CLI: --last 20), {hint}or pass max_nodes=None "
        f"(CLI: --max-nodes 0) to draw it anyway."
    )


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    clusters: bool = True,
    collapse: Collection[str] | Literal["auto"] = "auto",
    max_nodes: int | None = MAX_NODES,
    focus: Value | None = None,
    depth: int = 2,
    last: int | None = None,
    legend: bool = True,
    wrap: bool | Literal["auto"] = "auto",
) -> Drawing:
    """Draw the graph that computed ``root``: values as boxes, each op as a small node.

    A value shows its label (when set), data and gradient, and is filled by |grad| on a log
    scale (viridis; NaN/inf in red; a legend explains it). Node ids follow the topological
    order, so the same graph always gives the same DOT text. Module calls are boxes laid out
    left to right: inputs first, then each layer as a column, neurons in index order.

    Args:
        root: the output whose graph is drawn.
        rankdir: ``"LR"`` (left to right), ``"TB"``, ``"RL"`` or ``"BT"``.
        show_grad: show and colour gradients.
        clusters: group nodes made inside ``Neuron``/``Layer``/``MLP`` calls into labelled boxes.
        collapse: module kinds or names (``("Neuron",)``, ``("Layer",)``) whose calls are each
            drawn as one box showing the largest |grad| of its parameters (marked DEAD when they
            are all 0). ``"auto"`` (default) collapses neurons, then layers, only when the graph
            has more than 150 nodes to draw.
        max_nodes: refuse to draw more nodes than this (``None``: no limit).
        focus: draw only the nodes within ``depth`` steps of this one; dashed stubs name the
            nodes beyond the cut.
        depth: how far the ``focus`` view reaches, towards the inputs and the output.
        last: draw only the last ``last`` ops before the output and their operands (an
            operand made by an op shows that op, with a stub for its inputs).
        legend: draw the small colour legend.
        wrap: ``"auto"``: when left to right the picture would be more than about 4 times
            wider than tall, module boxes stack their fields into cards and graphs without
            modules turn top to bottom; ``True`` always, ``False`` never.

    Returns:
        A `Drawing` (a `graphviz.Digraph`): ``.source`` is the DOT text; it shows inline in
        Jupyter; `visualize.render` writes it to a file.

    Raises:
        ValueError: an unknown ``rankdir``, a ``focus`` outside the graph, or more nodes than
            ``max_nodes``.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.backward()
        >>> draw_dot(y)
        <Drawing of 3 values, 2 ops: .source is its DOT text; render() writes a file>
        >>> src = draw_dot(y, show_grad=False).source
        >>> src.count("->"), "x | data 2" in src  # x * x: two edges from x
        (5, True)
    """
    return build(
        root,
        rankdir=rankdir,
        show_grad=show_grad,
        clusters=clusters,
        collapse=collapse,
        max_nodes=max_nodes,
        focus=focus,
        depth=depth,
        last=last,
        legend=legend,
        wrap=wrap,
    )


def build(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    clusters: bool = True,
    collapse: Collection[str] | Literal["auto"] = "auto",
    max_nodes: int | None = MAX_NODES,
    focus: Value | None = None,
    depth: int = 2,
    last: int | None = None,
    legend: bool = True,
    wrap: bool | Literal["auto"] = "auto",
    grads: Mapping[Value, float] | None = None,
    current: Value | None = None,
    caption: str = "",
    named: bool = False,
) -> Drawing:
    """`draw_dot` plus what step-by-step drawings need: the gradients known so far
    (``grads``; others show ``?``), the ``current`` node and the edges back from it
    highlighted, a ``caption``, and ``named`` to show ``t1``, ``t2``... on unnamed results."""
    _check(root, rankdir, collapse)
    graph = Graph.of(root)
    keep = _select(graph, focus, depth, last)
    boxes = _boxes(graph, keep, collapse)
    _refuse(graph, _size(graph, keep, boxes), max_nodes)
    label_of = names(graph.order)
    # A view names unnamed results (t1, t2, ...) so its stubs can say what lies beyond a cut.
    view = focus is not None or last is not None
    style = _Style(show_grad, grads, current, rankdir, label_of if named or view else None)
    style.rows = clusters and any(h is not None for h in graph.homes)
    scene = _Scene(graph, keep, boxes, style, clusters)
    _fill_scene(scene, label_of)
    if _too_wide(scene, wrap, LEGEND_HEIGHT if legend and show_grad else 0.0):
        # Module boxes keep their columns: their records stack into cards instead. Anything
        # else turns top to bottom. Records turn with either: lay the scene out again.
        if style.rows:
            style.rows = False
        else:
            style.rankdir = "TB"
        scene = _Scene(graph, keep, boxes, style, clusters)
        _fill_scene(scene, label_of)
    out = _write(scene, legend and show_grad, caption)
    n_values = sum(1 for n in keep if boxes[graph.index[n]] is None)
    n_ops = sum(1 for n in keep if boxes[graph.index[n]] is None and n.parents)
    boxed = f", {len(scene.box_ids)} collapsed boxes" if scene.box_ids else ""
    out.summary = f"{n_values} values, {n_ops} ops{boxed}"
    out.members = {
        bid: [
            i
            for i, b in enumerate(boxes)
            if b is not None and id(b) == key and graph.order[i] in keep
        ]
        for key, bid in scene.box_ids.items()
    }
    return out


def _check(root: Value, rankdir: str, collapse: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot() takes a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(collapse, str) and collapse != "auto":
        raise TypeError(f"collapse takes module kinds such as ('Neuron',), not {collapse!r}")


def _fill_scene(scene: _Scene, label_of: Mapping[Value, str]) -> None:
    g = scene.graph
    members: dict[int, list[Value]] = {}
    for node in g.order:
        box = scene.boxes[g.index[node]]
        if node in scene.keep and box is not None:
            members.setdefault(id(box), []).append(node)
    for node in g.order:
        if node not in scene.keep:
            continue
        box = scene.boxes[g.index[node]]
        if box is None:
            _add_value(scene, node)
        elif members[id(box)][-1] is node:
            # A box comes where its output comes in the order, so boxes follow the data flow.
            scene.box_ids[id(box)] = f"m{len(scene.box_ids)}"
            _add_box(scene, box, members[id(box)])
    _add_stubs(scene, label_of)
    _bundle(scene)


def _bundle(scene: _Scene) -> None:
    """Where every box of one layer feeds every box of the next, draw one junction between
    them: n + m edges that say "all to all" instead of n x m that fill the page."""
    pairs: dict[tuple[int, int], list[int]] = {}
    for k, (tail, head, _) in enumerate(scene.edges):
        if tail[0] == head[0] == "m" and (s := scene.where[tail]) and (t := scene.where[head]):
            pairs.setdefault((id(s), id(t)), []).append(k)
    drop: set[int] = set()
    for group in pairs.values():
        tails = list(dict.fromkeys(scene.edges[k][0] for k in group))
        heads = list(dict.fromkeys(scene.edges[k][1] for k in group))
        if len(tails) < 2 or len(heads) < 2 or len(group) != len(tails) * len(heads):
            continue
        drop.update(group)
        hub = f"j{len(drop)}"
        scene.add(hub, {"shape": "point", "width": "0.08", "color": "#70708c"}, None)
        scene.edges += [(t, hub, {"color": "#70708c", "arrowhead": "none"}) for t in tails]
        scene.edges += [(hub, h, {"color": "#70708c"}) for h in heads]
    scene.edges = [e for k, e in enumerate(scene.edges) if k not in drop]


def _write(scene: _Scene, with_legend: bool, caption: str) -> Drawing:
    style = scene.style
    out = Drawing(name="autograd_lite")
    out.attr(rankdir=style.rankdir, fontname=FONT, nodesep="0.15", ranksep="0.3", newrank="true")
    out.attr("node", fontname=FONT, fontsize="11", style="filled", color="#555555")
    out.attr("edge", color="#7a7a7a", arrowsize="0.6", fontname=FONT)
    scene.hints = order_hints(scene.graph, scene.where)
    _emit_clusters(out, scene)
    for tail, head, attrs in scene.edges:
        out.edge(tail, head, **attrs, **_minlen(scene, tail, head))
    if scene.hints or scene.box_ids:
        # Module boxes are already in data order; crossing minimisation would only shuffle
        # neurons among equally good orders. Few passes keep the order they are written in.
        out.attr(mclimit="0.1")
    if with_legend:
        legend(out, style.grads is not None, scene.rep(scene.graph.root), style.rankdir)
    if caption:
        # One escaped line each, each ended by \l: left-justified, as a worked sum is read.
        lines = [record_text(line, 200, record=False) for line in caption.split("\n")]
        out.attr(label="\\l".join(lines) + "\\l", labelloc="t", labeljust="l", fontsize="12")
    return out


def _minlen(scene: _Scene, tail: str, head: str) -> Attrs:
    # An edge entering a module box from outside it spans three ranks (one for the box's
    # ordering anchor; two into a collapsed box, which needs none), so each box starts in a
    # column of its own: inputs left of layer 1, layer 1 left of layer 2, never a staircase.
    inner, outer = scene.where.get(head), scene.where.get(tail)
    if tail[0] == "j":
        return {}
    if head[0] == "j":
        return {"minlen": "2"}
    if inner is None or outer is inner:
        return {}
    if outer is not None and inner in outer.path():
        return {}
    return {"minlen": "3"}


def _too_wide(scene: _Scene, wrap: bool | str, min_height: float) -> bool:
    """Whether a left-to-right drawing would be more than `MAX_ASPECT` times wider than tall
    (``wrap=True``: always; ``False``: never)."""
    if wrap is False or scene.style.rankdir != "LR":
        return False
    return wrap is True or aspect(scene.statements, scene.edges, min_height) > MAX_ASPECT


def _emit_clusters(out: graphviz.Digraph, scene: _Scene) -> None:
    children: dict[int | None, list[Scope]] = {}
    loose: list[str] = []
    for name, scope in scene.where.items():
        if scope is None:
            loose.append(name)
            continue
        for s in scope.path():
            parent = id(s.parent) if s.parent is not None else None
            siblings = children.setdefault(parent, [])
            if all(c is not s for c in siblings):
                siblings.append(s)
    for name in loose:
        out.node(name, **scene.statements[name])
    calls: dict[tuple[str, ...], int] = {}
    for top in _in_order(children.get(None, []), scene):
        _emit_cluster(out, scene, top, children, calls, 0)


def _in_order(calls: list[Scope], scene: _Scene) -> list[Scope]:
    # Left to right, Graphviz stacks sibling clusters bottom-up in the order they are written:
    # writing them last first puts Neuron 1 at the top.
    return calls[::-1] if scene.style.rankdir in ("LR", "RL") else calls


def _emit_cluster(
    out: graphviz.Digraph,
    scene: _Scene,
    scope: Scope,
    children: Mapping[int | None, list[Scope]],
    calls: dict[tuple[str, ...], int],
    depth: int,
) -> None:
    key = tuple(s.name for s in scope.path())
    calls[key] = calls.get(key, 0) + 1
    title = scope.name if calls[key] == 1 else f"{scope.name} (call {calls[key]})"
    with out.subgraph(name=f"cluster_{sum(calls.values()) - 1}") as sub:
        sub.attr(label=record_text(title, record=False), **_CLUSTER)
        sub.attr(fillcolor=("#f6f6fa", "#eef2f8", "#ffffff")[min(depth, 2)])
        mine = [node for node, where in scene.where.items() if where is scope]
        if scene.style.rankdir in ("LR", "RL"):
            # Boxes too stack bottom-up in the order written (see `_in_order`).
            pass
        for node in mine:
            sub.node(node, **scene.statements[node])
        for child in _in_order(children.get(id(scope), []), scene):
            _emit_cluster(sub, scene, child, children, calls, depth + 1)
        pin(sub, f"h{sum(calls.values()) - 1}", scene.hints.get(id(scope), []))
