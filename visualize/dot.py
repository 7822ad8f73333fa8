"""Turn a computational graph into a `graphviz.Digraph`: labels, clusters, collapse, views.

How a graph becomes DOT, in order: `build` picks the nodes to draw (`_select`) and the calls to
collapse (`_boxes`), refuses graphs too big to read (`_refuse`), then a `visualize.scene.Scene`
collects the node and edge statements, and `_write` turns the scene into clusters, edges,
a legend and a caption.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

import graphviz

from autograd_lite import Scope, Value

from .graph import Graph, counts, last_ops, names, neighbourhood
from .groups import groups
from .layout import LEGEND_HEIGHT, MAX_ASPECT, aspect, legend
from .render import Drawing
from .scene import Attrs, Scene, Style, fill_scene
from .style import _CLUSTER, FONT, record_text

__all__ = ["draw_dot", "build", "MAX_NODES", "AUTO_COLLAPSE"]

MAX_NODES = 400
"""Default cap on drawn nodes: beyond it Graphviz is slow and the picture is a wall of boxes."""
AUTO_COLLAPSE = 150
"""With ``collapse="auto"``, graphs with more drawn nodes than this collapse module calls."""


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
    style = Style(show_grad, grads, current, rankdir, label_of if named or view else None)
    style.rows = clusters and any(h is not None for h in graph.homes)
    scene = _fit(Scene(graph, keep, boxes, style, clusters), label_of, wrap, legend and show_grad)
    out = _write(scene, legend and show_grad, caption)
    n_values = sum(1 for n in keep if boxes[graph.index[n]] is None)
    n_ops = sum(1 for n in keep if boxes[graph.index[n]] is None and n.parents)
    boxed = f", {len(scene.box_ids)} collapsed boxes" if scene.box_ids else ""
    out.summary = f"{n_values} values, {n_ops} ops{boxed}"
    out.groups = groups(scene, scene.cluster_calls)
    return out


def _fit(scene: Scene, label_of: Mapping[Value, str], wrap: bool | str, key: bool) -> Scene:
    """The scene, laid out again until it is no more than `MAX_ASPECT` times wider than tall:
    module boxes first stack their one-line records into cards (keeping their columns), then
    the drawing turns top to bottom. Records turn with either, hence a new scene each time."""
    fill_scene(scene, label_of)
    style, turned = scene.style, False
    while _too_wide(scene, wrap, LEGEND_HEIGHT if key else 0.0):
        if style.rows:
            style.rows = False
        else:
            style.rankdir, turned = "TB", True
        scene = Scene(scene.graph, scene.keep, scene.boxes, style, scene.clusters)
        fill_scene(scene, label_of)
    if turned:
        _spine(scene)
    return scene


def _spine(scene: Scene) -> None:
    """Keep a long thin graph in one straight column: every value and op that is not a
    constant joins one Graphviz group, whose edges are drawn straight, so a chain of
    ``x * 1.01`` does not drift half a node sideways per step."""
    for name, attrs in scene.statements.items():
        index = int(name[1:]) if name[0] in "vo" else -1
        node = scene.graph.order[index] if index >= 0 else None
        if node is not None and (node.parents or node.label):
            attrs["group"] = "spine"


def _check(root: Value, rankdir: str, collapse: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot() takes a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(collapse, str) and collapse != "auto":
        raise TypeError(f"collapse takes module kinds such as ('Neuron',), not {collapse!r}")


def _write(scene: Scene, with_legend: bool, caption: str) -> Drawing:
    style = scene.style
    out = Drawing(name="autograd_lite")
    out.attr(rankdir=style.rankdir, fontname=FONT, nodesep="0.15", ranksep="0.3", newrank="true")
    out.attr("node", fontname=FONT, fontsize="11", style="filled", color="#555555")
    out.attr("edge", color="#7a7a7a", arrowsize="0.6", fontname=FONT)
    _emit_clusters(out, scene)
    for tail, head, attrs in scene.edges:
        out.edge(tail, head, **attrs, **_minlen(scene, tail, head))
    if any(scope is not None for scope in scene.where.values()):
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


def _minlen(scene: Scene, tail: str, head: str) -> Attrs:
    # An edge entering a module box from outside it spans several ranks, so each box starts
    # in a column of its own: inputs left of layer 1, layer 1 left of layer 2. Three, not two:
    # with two, Graphviz 2.43 rotates the order of neurons and of w1..wn, b (measured on MLPs
    # of 2 to 4 inputs and 3 to 16 neurons per layer; tests/test_visualize_layout.py).
    inner, outer = scene.where.get(head), scene.where.get(tail)
    if tail[0] == "j":
        return {}
    if head[0] == "j":
        return {"minlen": "3"}
    if inner is None or outer is inner:
        return {}
    if outer is not None and inner in outer.path():
        return {}
    return {"minlen": "3"}


def _too_wide(scene: Scene, wrap: bool | str, min_height: float) -> bool:
    """Whether a left-to-right drawing would be more than `MAX_ASPECT` times wider than tall
    (``wrap=True``: always; ``False``: never)."""
    if wrap is False or scene.style.rankdir != "LR":
        return False
    return wrap is True or aspect(scene.statements, scene.edges, min_height) > MAX_ASPECT


def _emit_clusters(out: graphviz.Digraph, scene: Scene) -> None:
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


def _in_order(calls: list[Scope], scene: Scene) -> list[Scope]:
    # Left to right, Graphviz stacks sibling clusters bottom-up in the order they are written
    # when they are fed from other clusters, top-down when fed from outside every box (layer
    # 1, from the inputs): measured, so that Neuron 1 is at the top in every layer.
    if scene.style.rankdir not in ("LR", "RL") or _fed_from_outside(calls, scene):
        return calls
    return calls[::-1]


def _fed_from_outside(calls: list[Scope], scene: Scene) -> bool:
    inside = {id(c) for c in calls}
    for tail, head, _ in scene.edges:
        where = scene.where.get(head)
        if where is None or scene.where.get(tail) is not None or tail[0] != "v":
            continue
        if any(id(s) in inside for s in where.path()):
            return True
    return False


def _emit_cluster(
    out: graphviz.Digraph,
    scene: Scene,
    scope: Scope,
    children: Mapping[int | None, list[Scope]],
    calls: dict[tuple[str, ...], int],
    depth: int,
) -> None:
    key = tuple(s.name for s in scope.path())
    calls[key] = calls.get(key, 0) + 1
    title = scope.name if calls[key] == 1 else f"{scope.name} (call {calls[key]})"
    name = f"cluster_{sum(calls.values()) - 1}"
    scene.cluster_calls[name] = scope
    with out.subgraph(name=name) as sub:
        sub.attr(label=record_text(title, record=False), **_CLUSTER)
        sub.attr(fillcolor=("#f6f6fa", "#eef2f8", "#ffffff")[min(depth, 2)])
        mine = [node for node, where in scene.where.items() if where is scope]
        for node in mine:
            sub.node(node, **scene.statements[node])
        for child in _in_order(children.get(id(scope), []), scene):
            _emit_cluster(sub, scene, child, children, calls, depth + 1)
