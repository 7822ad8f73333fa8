"""Draw backpropagation one step at a time: an image per node and an HTML page to flip through."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from autograd_lite import Value, topological_order
from autograd_lite.modes import using

from .dot import build
from .render import FORMATS, to_bytes, write_atomic
from .style import format_number

__all__ = ["render_backward_steps", "backward_steps", "MAX_STEPS"]

MAX_STEPS = 200


def backward_steps(root: Value, grad: float = 1.0) -> list[tuple[Value, float]]:
    """The steps of ``root.backward(grad)``: each node with the gradient it receives, in order.

    The engine's own ``backward()`` runs with a recorder attached, so the steps are exactly
    what it does; every node's ``grad`` is restored afterwards (the graph is left untouched).

    Example:
        >>> a = Value(3.0, label="a"); b = a * 2; b.label = "b"
        >>> [(n.label, g) for n, g in backward_steps(b)] [:2], a.grad
        ([('b', 1.0), ('', 3.0)], 0.0)
    """
    steps: list[tuple[Value, float]] = []
    saved = [(node, node.grad) for node in topological_order(root)]
    try:
        with using(on_backward=lambda node, g: steps.append((node, g))):
            root.backward(grad)
    finally:
        for node, before in saved:
            node.grad = before
    return steps


def _name(node: Value) -> str:
    if node.label:
        return repr(node.label)
    if node._prev:
        return f"the output of {node._op}"
    return f"the constant {format_number(node.data)}"


def render_backward_steps(
    root: Value,
    folder: str | os.PathLike[str],
    *,
    format: str = "svg",
    rankdir: str = "LR",
    max_steps: int = MAX_STEPS,
) -> Path:
    """Write one image per backpropagation step into ``folder``, plus an ``index.html`` pager.

    Step k highlights the node whose gradient becomes known at that step (reverse topological
    order, the output first) and shows only the gradients known so far; the others read
    ``grad ?``. The images are named ``step_001.svg``, ``step_002.svg``, ...; older step images
    in the folder beyond the new count are removed. ``root``'s gradients are not changed.

    Args:
        root: the output to back-propagate from (seed 1.0).
        folder: created if missing.
        format: ``svg`` (works without system Graphviz), ``png`` or ``pdf``.
        rankdir: layout direction, as in `draw_dot`.
        max_steps: refuse graphs with more nodes than this.

    Returns:
        The path of ``index.html``.

    Example:
        >>> import tempfile
        >>> x = Value(2.0, label="x"); y = x * x + 1; y.label = "y"
        >>> index = render_backward_steps(y, tempfile.mkdtemp())
        >>> sorted(p.name for p in index.parent.iterdir())
        ['index.html', 'step_001.svg', 'step_002.svg', 'step_003.svg', 'step_004.svg']
    """
    if format not in FORMATS or format == "dot":
        raise ValueError(f"format must be 'svg', 'png' or 'pdf', got {format!r}")
    steps = backward_steps(root)
    if len(steps) > max_steps:
        raise ValueError(
            f"the graph has {len(steps)} nodes, so {len(steps)} steps, more than "
            f"max_steps={max_steps}; draw the steps of a smaller expression (one neuron, a "
            f"loss on two inputs) or raise max_steps"
        )
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    known: dict[Value, float] = {}
    names, captions = [], []
    for k, (node, g) in enumerate(steps, start=1):
        known[node] = g
        if node._prev:
            parents = ", ".join(_name(p) for p in node._prev)
            action = f"the {node._op} node passes grad \u00d7 local derivative to {parents}"
        else:
            action = "it is a leaf: its gradient is final"
        caption = (
            f"Step {k}/{len(steps)}: {_name(node)} receives grad {format_number(g)}; {action}."
        )
        graph = build(
            root, rankdir=rankdir, collapse=(), grads=dict(known), current=node, caption=caption
        )
        name = f"step_{k:03d}.{format}"
        write_atomic(out / name, to_bytes(graph, format))
        names.append(name)
        captions.append(caption)
    for stale in out.glob(f"step_*.{format}"):
        match = re.fullmatch(rf"step_(\d+)\.{format}", stale.name)
        if match and int(match.group(1)) > len(steps):
            stale.unlink()
    return write_atomic(out / "index.html", _page(names, captions).encode("utf-8"))


def _page(names: list[str], captions: list[str]) -> str:
    # The data goes in as JSON with "<" escaped, and captions are set with textContent, so no
    # label can inject markup into the page.
    data = json.dumps({"images": names, "captions": captions}).replace("<", "\\u003c")
    return _TEMPLATE.replace("__DATA__", data)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Backpropagation, step by step</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
nav { display: flex; gap: .5em; align-items: center; margin-bottom: .8em; }
button { font-size: 1em; padding: .3em .8em; }
#caption { font-size: 1.05em; min-height: 2.6em; }
img { max-width: 100%; border: 1px solid #ddd; border-radius: 6px; }
</style></head>
<body>
<h1>Backpropagation, step by step</h1>
<nav><button id="first">&#x23EE; first</button><button id="prev">&#x25C0; previous</button>
<input id="slider" type="range" min="1" value="1"><span id="count"></span>
<button id="next">next &#x25B6;</button><button id="last">last &#x23ED;</button></nav>
<p id="caption"></p>
<img id="image" alt="the computational graph at this step">
<p>Keys: &larr; and &rarr; step back and forward.</p>
<script>
const data = __DATA__;
let k = 0;
const show = (i) => {
  k = Math.max(0, Math.min(data.images.length - 1, i));
  document.getElementById("image").src = data.images[k];
  document.getElementById("caption").textContent = data.captions[k];
  document.getElementById("count").textContent = (k + 1) + " / " + data.images.length;
  document.getElementById("slider").value = k + 1;
};
document.getElementById("slider").max = data.images.length;
document.getElementById("slider").oninput = (e) => show(Number(e.target.value) - 1);
document.getElementById("first").onclick = () => show(0);
document.getElementById("prev").onclick = () => show(k - 1);
document.getElementById("next").onclick = () => show(k + 1);
document.getElementById("last").onclick = () => show(data.images.length - 1);
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowLeft") show(k - 1);
  if (e.key === "ArrowRight") show(k + 1);
});
show(0);
</script>
</body></html>
"""
