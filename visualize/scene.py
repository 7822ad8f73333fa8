"""The statements of one drawing before they become DOT: value, op and box nodes, edges, stubs.

`visualize.dot` decides what to draw and how to lay it out; this module says what each node
looks like and which edges join them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from autograd_lite import Scope, Value

from .graph import Graph, weight_summary, weights
from .style import _HOT_OP, _OP, _OP_TEXT, DEAD, HOT, RED, format_number, grad_colours, record_text

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
    text = _OP_TEXT.get(node.op, node.op)
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
    _bundle(scene)
    _entries(scene)


def _bundle(scene: Scene) -> None:
    """Where every box of one layer feeds every box of the next, draw one junction
    between them: n + m edges that say "all to all" instead of n x m that fill the page. The
    junction sits inside the call around both layers, between their columns, so it pulls the
    two columns level rather than to one side of the drawing."""
    pairs: dict[tuple[int, int], list[int]] = {}
    sides: dict[tuple[int, int], tuple[Scope, Scope]] = {}
    for k, (tail, head, attrs) in enumerate(scene.edges):
        found = _siblings(scene.where.get(tail), scene.where.get(head))
        if found is None or "label" in attrs or tail[0] != "m" or head[0] != "m":
            continue  # an edge with attributes (a highlighted step) is drawn as it is
        key = (id(found[0]), id(found[1]))
        pairs.setdefault(key, []).append(k)
        sides[key] = found
    drop: set[int] = set()
    for key, group in pairs.items():
        tails = list(dict.fromkeys(scene.edges[k][0] for k in group))
        heads = list(dict.fromkeys(scene.edges[k][1] for k in group))
        if len(tails) < 2 or len(heads) < 2 or len(group) != len(tails) * len(heads):
            continue
        drop.update(group)
        hub = f"j{len(drop)}"
        point = {"shape": "point", "width": "0.08", "color": "#70708c"}
        scene.add(hub, point, sides[key][0].parent)
        scene.edges += [(t, hub, {"color": "#70708c", "arrowhead": "none"}) for t in tails]
        scene.edges += [(hub, h, {"color": "#70708c"}) for h in heads]
    scene.edges = [e for k, e in enumerate(scene.edges) if k not in drop]


def _siblings(tail: Scope | None, head: Scope | None) -> tuple[Scope, Scope] | None:
    """The two calls, children of one call, that hold ``tail`` and ``head`` (layer 1 and
    layer 2 of one MLP call, say); None when either is outside every call or they are one."""
    if tail is None or head is None:
        return None
    a, b = tail.path(), head.path()
    n = 0
    while n < min(len(a), len(b)) and a[n] is b[n]:
        n += 1
    if n == 0 or n == len(a) or n == len(b):
        return None
    return a[n], b[n]


def _entries(scene: Scene) -> None:
    """Where everything that enters a layer from outside feeds all its neurons (an MLP's
    inputs, the previous layer's outputs), route it through one entry point inside the layer:
    n + m edges that say "all to all", and no edge squeezing past the layer's parameters.

    Why: dot must draw an edge that enters a box outside that box in every rank it crosses,
    and the parameters' rank is crossed by every edge into a neuron's w.x+b, so those edges
    pushed each layer up or down past its neighbours (the staircase). The entry points, one
    per layer, are tied in a row by invisible edges, so the layer columns start level.
    """
    edges_into: dict[int, list[int]] = {}
    layers: dict[int, Scope] = {}
    for k, (tail, head, _) in enumerate(scene.edges):
        layer = _layer_entered(scene, tail, head)
        if layer is not None:
            edges_into.setdefault(id(layer), []).append(k)
            layers[id(layer)] = layer
    drop: set[int] = set()
    hubs: list[str] = []
    for key, group in edges_into.items():
        tails = list(dict.fromkeys(scene.edges[k][0] for k in group))
        heads = list(dict.fromkeys(scene.edges[k][1] for k in group))
        if len(tails) < 2 or len(group) != len(tails) * len(heads):
            continue
        drop.update(group)
        # A step's highlighted edges (operand <- op, labelled with the local derivative) run
        # through the junction too: operand <- junction carries the label, junction <- op the
        # colour, so every step's picture keeps one layout.
        hot = {scene.edges[k][0]: scene.edges[k][2] for k in group if "label" in scene.edges[k][2]}
        hot_heads = {scene.edges[k][1] for k in group if "label" in scene.edges[k][2]}
        hub = f"e{len(hubs)}"
        scene.add(hub, {"shape": "point", "width": "0.08", "color": "#70708c"}, layers[key])
        scene.edges += [(t, hub, hot.get(t, {"arrowhead": "none"})) for t in tails]
        back = {k: v for k, v in next(iter(hot.values()), {}).items() if k != "label"}
        scene.edges += [(hub, h, back if h in hot_heads else {}) for h in heads]
        hubs.append(hub)
    scene.edges = [e for k, e in enumerate(scene.edges) if k not in drop]
    # Measured on MLPs of 1 to 4 inputs and 1 to 16 neurons a layer: weight 10 lines the tops
    # of the layer columns up to the width of a cluster label; 1 does not.
    scene.edges += [(a, b, {"style": "invis", "weight": "10"}) for a, b in pairwise(hubs)]


def _layer_entered(scene: Scene, tail: str, head: str) -> Scope | None:
    """The layer (a call around ``head``'s neuron) that the edge enters from outside, if any."""
    inner = scene.where.get(head)
    if tail[0] not in "vm" or head[0] != "o" or inner is None or inner.parent is None:
        return None  # a stub (a view's cut) keeps its own dashed edge
    layer = inner.parent
    outer = scene.where.get(tail)
    if outer is not None and any(s is layer for s in outer.path()):
        return None
    return layer
