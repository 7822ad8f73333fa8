"""The junctions that stand for "all to all" in a drawing: between two layers of collapsed
boxes, and at the entry of each layer of a network drawn whole."""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Protocol

from autograd_lite import Scope


class Scene(Protocol):
    """What a junction needs of `visualize.scene.Scene` (which imports this module)."""

    where: dict[str, Scope | None]
    edges: list[tuple[str, str, dict[str, Any]]]

    def add(self, name: str, attrs: dict[str, Any], scope: Scope | None) -> None: ...


__all__ = ["bundle_boxes", "layer_entries"]


def bundle_boxes(scene: Scene) -> None:
    """Where every box of one layer feeds every box of the next, draw one junction
    between them: n + m edges that say "all to all" instead of n x m that fill the page. The
    junction sits inside the call around both layers, between their columns, so it pulls the
    two columns level rather than to one side of the drawing.

    Example:
        >>> import re
        >>> from autograd_lite import Value
        >>> from autograd_lite.nn import MLP
        >>> from visualize.dot import build
        >>> out = MLP(2, [3, 3, 1], seed=0)([Value(1.0), Value(2.0)])
        >>> src = build(out, collapse=("Neuron",)).source
        >>> re.findall(r"(?m)^\\s*(j\\d+) \\[", src), len(re.findall(r"m\\d+ -> m\\d+", src))
        (['j9'], 3)
    """
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


def layer_entries(scene: Scene) -> None:
    """Where everything that enters a layer from outside feeds all its neurons (an MLP's
    inputs, the previous layer's outputs), route it through one entry point inside the layer:
    n + m edges that say "all to all", and no edge squeezing past the layer's parameters.

    Why: dot must draw an edge that enters a box outside that box in every rank it crosses,
    and the parameters' rank is crossed by every edge into a neuron's w.x+b, so those edges
    pushed each layer up or down past its neighbours (the staircase). The entry points, one
    per layer, are tied in a row by invisible edges, so the layer columns start level.

    Example:
        >>> import re
        >>> from autograd_lite import Value
        >>> from autograd_lite.nn import MLP
        >>> from visualize.dot import build
        >>> out = MLP(2, [3, 1], seed=0)([Value(1.0), Value(2.0)])
        >>> re.findall(r"(?m)^\\s*(e\\d+) \\[", build(out, collapse=()).source)  # one per layer
        ['e1', 'e0']
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
