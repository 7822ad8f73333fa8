"""Layout helpers for Graphviz: rank chains, the aspect estimate, the legend."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import graphviz

from .style import GRAD_SCALE, RED, ZERO

__all__ = ["chain", "aspect", "legend", "MAX_ASPECT", "LEGEND_HEIGHT"]

MAX_ASPECT = 4.0
"""A graph drawn left to right turns top to bottom when it would be wider than this times its
height."""

_INCH_PER_CHAR = 0.075  # Helvetica 11 pt, an average character, in inches
LEGEND_HEIGHT = 1.6  # five swatches and the title, in inches


def chain(out: graphviz.Digraph, names: Sequence[str], rankdir: str) -> None:
    """Keep ``names`` in one rank in this order (top to bottom, or left to right)."""
    if len(names) < 2:
        return
    with out.subgraph() as group:
        group.attr(rank="same")
        for a, b in itertools.pairwise(names):
            # Left to right, Graphviz stacks the head of a flat edge above its tail.
            pair = (b, a) if rankdir in ("LR", "RL") else (a, b)
            group.edge(*pair, style="invis")


def _size(label: str) -> tuple[float, float]:
    """(width, height) in inches of a node in a left-to-right drawing: a record in braces has
    its fields side by side, one without stacks them."""
    fields = [f.strip() for f in label.replace("\\|", "").strip("{}").split("|")]
    longest = max((len(f) for f in fields), default=0)
    if label.startswith("{"):
        return 0.25 * len(fields) + _INCH_PER_CHAR * sum(len(f) for f in fields), 0.36
    return 0.25 + _INCH_PER_CHAR * longest, 0.1 + 0.27 * len(fields)


def _ranks(names: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path ranks (Kahn's order), with each source moved up to just before its first
    use, as Graphviz places a constant."""
    heads: dict[str, list[str]] = {n: [] for n in names}
    waiting = dict.fromkeys(names, 0)
    for tail, head in edges:
        if tail in heads and head in heads:
            heads[tail].append(head)
            waiting[head] += 1
    rank = dict.fromkeys(names, 0)
    ready = [n for n in names if waiting[n] == 0]
    while ready:
        node = ready.pop()
        for head in heads[node]:
            rank[head] = max(rank[head], rank[node] + 1)
            waiting[head] -= 1
            if waiting[head] == 0:
                ready.append(head)
    for name in names:
        if rank[name] == 0 and heads[name]:  # a source: nothing feeds it
            rank[name] = min(rank[h] for h in heads[name]) - 1
    return rank


def aspect(
    statements: Mapping[str, Mapping[str, str]],
    edges: Sequence[tuple[str, str, object]],
    min_height: float = 0.0,
) -> float:
    """Width over height of a left-to-right drawing, estimated from its ranks and labels
    without running Graphviz; ``min_height`` (inches) for what stands beside it (the legend).

    Example:
        >>> chain = {f"n{i}": {"label": "data 1 | grad 1"} for i in range(40)}
        >>> edges = [(f"n{i}", f"n{i + 1}", {}) for i in range(39)]
        >>> aspect(chain, edges) > 4, aspect(dict(list(chain.items())[:3]), edges[:2]) < 4
        (True, True)
    """
    rank = _ranks(list(statements), [(t, h) for t, h, _ in edges])
    n_ranks = max(rank.values(), default=0) + 1
    widths, heights = [0.0] * n_ranks, [0.0] * n_ranks
    for name, r in rank.items():
        w, h = _size(str(statements[name].get("label", "")))
        widths[r] = max(widths[r], w)
        heights[r] += h + 0.15
    high = max(max(heights, default=1.0), min_height)
    return (sum(widths) + 0.3 * (n_ranks - 1)) / high


def legend(out: graphviz.Digraph, stepping: bool, anchor: str, rankdir: str) -> None:
    """A small key to the gradient fill: columns (or rows) of five swatches beside ``anchor``."""
    swatches = [(f, t, text) for _, f, t, text in GRAD_SCALE]
    swatches += [(ZERO, "#555555", "0"), (RED, "white", "nan/inf")]
    if stepping:
        swatches.append(("white", "black", "? not yet"))
    with out.subgraph(name="cluster_legend") as key:
        key.attr(label="|grad|", style="rounded", color="#cccccc", fontcolor="#444444")
        key.attr(fontsize="8", margin="3")
        key.attr("node", shape="box", fontsize="7", width="0.45", height="0.14", margin="0.01")
        for k, (fill, ink, text) in enumerate(swatches):
            edge = "#999999" if fill == "white" else fill
            key.node(f"legend{k}", text, fillcolor=fill, fontcolor=ink, color=edge)
        for start in range(0, len(swatches), 5):
            chain(key, [f"legend{k}" for k in range(start, min(start + 5, len(swatches)))], rankdir)
            if start:
                key.edge(f"legend{start - 5}", f"legend{start}", style="invis")
    out.edge(anchor, "legend0", style="invis")
