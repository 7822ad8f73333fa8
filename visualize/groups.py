"""What each module call in one drawing holds, for the explorer: its DOT nodes, its values,
its weights and its outputs, whether it is drawn as a cluster or collapsed into one box."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from autograd_lite import Scope

from .graph import Graph, weights
from .scene import Scene

__all__ = ["Group", "groups"]


@dataclass
class Group:
    """One module call as drawn: a cluster (``cluster_N``) or a collapsed box (``mN``)."""

    key: int
    """The call's place among the graph's calls: the same call has the same key in every view."""
    kind: str
    title: str
    parent: str | None
    """The DOT name of the cluster drawn around this one (None: none)."""
    nodes: list[str]
    """The DOT names drawn inside it, at any depth (a box: itself)."""
    values: list[int]
    """Topological indices of the values made in the call (or joining it, as its parameters)."""
    weights: list[int]
    outputs: list[int]


def groups(scene: Scene, clusters: Mapping[str, Scope]) -> dict[str, Group]:
    """Every cluster of a written scene (``clusters``: name -> call) and every collapsed box.

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.nn import Neuron
        >>> from visualize.dot import build
        >>> y = Neuron(2, seed=0)([Value(1.0), Value(2.0)])
        >>> [(name, g.title, len(g.weights)) for name, g in build(y).groups.items()]
        [('cluster_0', 'Neuron', 2)]
    """
    keys = _keys(scene.graph)
    owner = {id(scope): name for name, scope in clusters.items()}
    out: dict[str, Group] = {}
    for name, scope in clusters.items():
        inside = [n for n, where in scene.where.items() if where is not None and _in(where, scope)]
        out[name] = _group(scene, scope, keys[id(scope)], owner, inside)
    for scope in {id(b): b for b in scene.boxes if b is not None}.values():
        bid = scene.box_ids.get(id(scope))
        if bid is not None:
            out[bid] = _group(scene, scope, keys[id(scope)], owner, [bid])
    return out


def _group(
    scene: Scene, scope: Scope, key: int, owner: Mapping[int, str], nodes: list[str]
) -> Group:
    g = scene.graph
    values = [
        i
        for i, home in enumerate(g.homes)
        if home is not None and _in(home, scope) and g.order[i] in scene.keep
    ]
    mine = set(values)
    outputs = [
        i
        for i in values
        if g.order[i] is g.root
        or any(g.index[c] not in mine for c in g.consumers.get(g.order[i], ()))
    ]
    parent = owner.get(id(scope.parent)) if scope.parent is not None else None
    picked = weights(g, [g.order[i] for i in values])
    return Group(
        key, scope.kind, scope.name, parent, nodes, values, [g.index[w] for w in picked], outputs
    )


def _in(where: Scope, scope: Scope) -> bool:
    return any(s is scope for s in where.path())


def _keys(graph: Graph) -> dict[int, int]:
    keys: dict[int, int] = {}
    for home in graph.homes:
        for s in home.path() if home is not None else ():
            keys.setdefault(id(s), len(keys))
    return keys
