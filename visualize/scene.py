"""The statements of one drawing before they become DOT: value, op and box nodes, edges, stubs.

`visualize.dot` decides what to draw and how to lay it out; this module says what each node
looks like and which edges join them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from autograd_lite import Scope, Value

from .graph import Graph, weight_summary, weights
from .junctions import bundle_boxes, layer_entries
from .style import _HOT_OP, _OP, DEAD, HOT, RED, format_number, grad_colours, op_text, record_text

__all__ = ["Attrs", "Box", "Style", "Scene", "fill_scene"]

Attrs = dict[str, str]


@dataclass
class Style:
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
class Scene:
    """The DOT statements of one drawing, before they are written."""

    graph: Graph
    keep: set[Value]
    boxes: list[Scope | None]
    style: Style
    clusters: bool
    where: dict[str, Scope | None] = field(default_factory=dict)
    edges: list[tuple[str, str, Attrs]] = field(default_factory=list)
    statements: dict[str, Attrs] = field(default_factory=dict)
    box_ids: dict[int, str] = field(default_factory=dict)
    cluster_calls: dict[str, Scope] = field(default_factory=dict)
    """Each cluster's DOT name and its call, once the scene is written."""

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


def _fill(g: float | None, data: float, style: Style) -> tuple[list[str], Attrs]:
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


def _value_node(node: Value, style: Style) -> Attrs:
    """A value: a record [label | data | grad] filled by the colour of its gradient."""
    grad_fields, attrs = _fill(style.grad(node), node.data, style)
    fields = [f"data {format_number(node.data)}", *grad_fields]
    name = node.label or (style.names.get(node, "") if style.names and node.parents else "")
    if name:
        fields.insert(0, record_text(name))
    if node is style.current:
        attrs.update(color=HOT, penwidth="3")
    return {"label": _record(fields, style.rows, style.rankdir), "shape": "Mrecord", **attrs}


@dataclass
class Box:
    """A collapsed call: its nodes in topological order, its outputs and its weights."""

    scope: Scope
    inside: list[Value]
    outputs: list[Value]
    weights: list[Value]


def _box_node(box: Box, style: Style) -> Attrs:
    """A collapsed call on one line: its name, its output, and the largest |grad| of its
    weights (`visualize.graph.weight_summary`; the bias is not a weight), which it is coloured
    by. A call whose weight gradients are all known and all 0 is marked DEAD."""
    title = box.scope.name
    if len(box.outputs) == 1 and box.outputs[0].label:
        title += f" \u2192 {box.outputs[0].label}"
    outs = box.outputs
    out = f"out {format_number(outs[0].data)}" if len(outs) == 1 else f"{len(outs)} outs"
    fields = [record_text(title), out]
    attrs: Attrs = {"fillcolor": "#f4f4f8", "fontcolor": "black"}
    if style.show_grad and box.weights:
        top = weight_summary(style.grad(w) for w in box.weights)
        fields.append(record_text("max |grad w| " + ("?" if top is None else format_number(top))))
        attrs = _fill(top, 0.0, style)[1]
        if top == 0.0:
            fields.insert(0, "DEAD")
            attrs.update(DEAD)
    if any(m is style.current for m in box.inside):
        attrs.update(color=HOT, penwidth="3")
    return {"label": _record(fields, style.rows, style.rankdir), "shape": "Mrecord", **attrs}


def _op_node(node: Value, hot: bool) -> Attrs:
    text = op_text(node.op)
    return {
        "label": record_text(text, 12, record=False),
        "shape": "circle" if len(text) <= 2 else "ellipse",
        **(_HOT_OP if hot else _OP),
    }


def _add_value(scene: Scene, node: Value) -> None:
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


def _add_box(scene: Scene, box: Scope, inside: list[Value]) -> None:
    """One collapsed call, and one edge from each distinct outside operand into it."""
    g, bid = scene.graph, scene.box_ids[id(box)]
    outputs = [
        m
        for m in inside
        if m is g.root or any(scene.boxes[g.index[c]] is not box for c in g.consumers.get(m, ()))
    ]
    summary = Box(box, inside, outputs, weights(g, inside))
    scene.add(bid, _box_node(summary, scene.style), box.parent)
    seen: set[str] = set()
    for node in inside:
        for parent in node.parents:
            src = scene.rep(parent)
            if parent in scene.keep and src != bid and src not in seen:
                seen.add(src)
                scene.edges.append((src, bid, {"color": "#70708c"}))


def _add_stubs(scene: Scene, label_of: Mapping[Value, str]) -> None:
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


def fill_scene(scene: Scene, label_of: Mapping[Value, str]) -> None:
    """Add every drawn value, op and collapsed box, in topological order, then the stubs."""
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
    bundle_boxes(scene)
    layer_entries(scene)
