"""What a drawing is made of, independent of how it is drawn: names, homes, views of a graph.

Shared by `visualize.dot`, `visualize.steps` and `visualize.explore`; it knows nothing of
Graphviz and reads only the engine's public node API.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from autograd_lite import Scope, Value, topological_order

from .style import format_number

__all__ = ["Graph", "names", "neighbourhood", "last_ops", "weights", "weight_summary"]

# Fused ops whose operands are (weights..., inputs..., [bias]): the weights and bias belong to
# the neuron, the inputs come from outside it.
_FUSED = {"dot": 0, "dot+b": 1}


@dataclass
class Graph:
    """A finished graph in topological order, with each node's consumers and drawing home."""

    root: Value
    order: list[Value]
    index: dict[Value, int]
    consumers: dict[Value, list[Value]]
    homes: list[Scope | None]

    @classmethod
    def of(cls, root: Value) -> Graph:
        """Read the graph that computed ``root``.

        Example:
            >>> a = Value(2.0); g = Graph.of(a * a)
            >>> len(g.order), len(g.consumers[a])
            (2, 2)
        """
        order = topological_order(root)
        consumers: dict[Value, list[Value]] = {}
        for node in order:
            for parent in node.parents:
                consumers.setdefault(parent, []).append(node)
        graph = cls(root, order, {n: i for i, n in enumerate(order)}, consumers, [])
        graph.homes = [graph.home(node) for node in order]
        return graph

    def home(self, node: Value) -> Scope | None:
        """The module call a node is drawn in.

        An op node lives where it was made. A leaf (a parameter, an input, a constant) has no
        call of its own: it joins its consumers' call when there is exactly one and it is a
        parameter there; inputs and shared leaves stay outside every module box.
        """
        if node.parents:
            return node.scope
        users = self.consumers.get(node, [])
        scopes = {id(c.scope): c.scope for c in users}
        if len(scopes) != 1 or any(_is_input_operand(node, c) for c in users):
            return None
        return next(iter(scopes.values()))

    def box_of(self, collapse: Collection[str]) -> list[Scope | None]:
        """For each node, the outermost enclosing call whose kind or name is in ``collapse``."""
        out: list[Scope | None] = []
        for home in self.homes:
            hit = None
            for s in home.path() if home is not None else ():
                if s.kind in collapse or s.name in collapse:
                    hit = s
                    break
            out.append(hit)
        return out


def weights(graph: Graph, members: Iterable[Value]) -> list[Value]:
    """The weights among a module call's nodes: its leaves, less the bias of each fused
    ``w\u00b7x + b``. What a collapsed box summarises, in every drawing and in the explorer.

    Example:
        >>> from autograd_lite.nn import Neuron
        >>> y = Neuron(2, seed=0)([1.0, 2.0]); g = Graph.of(y)
        >>> [w.label for w in weights(g, [n for n, h in zip(g.order, g.homes) if h])]
        ['w1', 'w2']
    """
    return [m for m in members if not m.parents and not _is_bias(graph, m)]


def weight_summary(grads: Iterable[float | None]) -> float | None:
    """The largest |grad| of a box's weights, or None while any of them is not known yet
    (or there are none). A box whose summary is exactly 0 is dead: nothing reaches its weights.

    Example:
        >>> weight_summary([0.5, -2.0]), weight_summary([0.0, None]), weight_summary([0.0, -0.0])
        (2.0, None, 0.0)
    """
    known = list(grads)
    if not known or any(g is None for g in known):
        return None
    sizes = [abs(g) for g in known if g is not None]
    # max() would keep or drop a nan depending on where it stands; a nan must show.
    return math.nan if any(map(math.isnan, sizes)) else max(sizes)


def _weighted_sum(node: Value) -> str:
    """The name of the weighted sum a node computes (``dot``, ``dot+b``), possibly inside a
    fused op such as ``relu(dot+b)``; otherwise its own op's name."""
    rule = node.rule
    return rule.parts[0].name if rule is not None and rule.parts is not None else node.op


def _is_bias(graph: Graph, leaf: Value) -> bool:
    return any(
        _weighted_sum(c) == "dot+b" and c.parents[-1] is leaf for c in graph.consumers.get(leaf, ())
    )


def _is_input_operand(leaf: Value, user: Value) -> bool:
    bias = _FUSED.get(_weighted_sum(user))
    if bias is None:
        return False
    n = (len(user.parents) - bias) // 2
    return any(p is leaf for p in user.parents[n : n + n])


def names(order: Iterable[Value]) -> dict[Value, str]:
    """A readable name for every node: its label, else ``t1``, ``t2``, ... for unnamed op
    results in the order they were made (`Value.serial`), else a constant's value.

    Example:
        >>> x = Value(2.0, label="x")
        >>> b = x.exp(); a = x.tanh(); y = a * b   # b was made before a
        >>> names(topological_order(y))[b], names(topological_order(y))[a]
        ('t1', 't2')
    """
    nodes = list(order)
    # Every node with parents was made by an op and has a serial (the sort is stable).
    unnamed = sorted((n for n in nodes if not n.label and n.parents), key=lambda n: n.serial or 0)
    numbered = {n: f"t{k}" for k, n in enumerate(unnamed, start=1)}
    out: dict[Value, str] = {}
    for node in nodes:
        if node.label:
            out[node] = node.label
        else:
            out[node] = numbered.get(node) or format_number(node.data)
    return out


def neighbourhood(graph: Graph, focus: Value, depth: int) -> set[Value]:
    """The nodes at most ``depth`` steps from ``focus``, towards its inputs and its outputs.

    Example:
        >>> a = Value(1.0, label="a"); b = a.exp(); b.label = "b"
        >>> c = b.tanh(); c.label = "c"; d = c.relu(); d.label = "d"
        >>> sorted(n.label for n in neighbourhood(Graph.of(d), b, 1))
        ['a', 'b', 'c']
    """
    if focus not in graph.index:
        raise ValueError(f"focus={focus.describe()} is not part of the graph being drawn")
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, got {depth}")
    keep = {focus}
    for step in (lambda n: n.parents, lambda n: graph.consumers.get(n, [])):
        frontier = [focus]
        for _ in range(depth):
            frontier = [m for n in frontier for m in step(n) if m not in keep]
            keep.update(frontier)
    return keep


def last_ops(graph: Graph, k: int) -> set[Value]:
    """The last ``k`` ops before the output, with their operands.

    Example:
        >>> a = Value(1.0, label="a"); b = a.exp(); b.label = "b"
        >>> c = (b * 2).tanh(); c.label = "c"
        >>> sorted(n.label or n.op or str(n.data) for n in last_ops(Graph.of(c), 2))
        ['*', '2.0', 'b', 'c']
    """
    if k < 1:
        raise ValueError(f"last must be 1 or more, got {k}")
    ops = [n for n in reversed(graph.order) if n.parents][:k]
    keep = set(ops)
    for node in ops:
        keep.update(node.parents)
    return keep


def counts(keep: Iterable[Value], boxes: Mapping[Value, object]) -> int:
    """How many Graphviz nodes a selection becomes: a value, plus an op node for an op result;
    a collapsed call is one box."""
    free = sum(2 if n.parents else 1 for n in keep if boxes.get(n) is None)
    return free + len({id(b) for n in keep if (b := boxes.get(n)) is not None})
