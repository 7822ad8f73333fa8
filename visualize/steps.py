"""Draw backpropagation one step at a time: an image per node and an HTML page to flip through."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from autograd_lite import Value, topological_order

from .backprop import Step, backward_steps, formula, trace
from .dot import build
from .graph import names
from .render import FORMATS, to_bytes, write_atomic
from .style import format_number

__all__ = ["render_backward_steps", "backward_steps", "step_caption", "MAX_STEPS"]

MAX_STEPS = 200


def step_caption(step: Step, k: int, total: int, name_of: dict[Value, str]) -> list[str]:
    """The lines that explain one step: who receives which gradient, and the arithmetic of
    what it passes to each operand.

    Example:
        >>> x = Value(-2.0, label="x"); y = Value(4.0, label="y"); f = x * y; f.label = "f"
        >>> steps = trace(f)
        >>> for line in step_caption(steps[0], 1, 3, names(topological_order(f))):
        ...     print(line.replace("\u00d7", "*"))
        Step 1 of 3: f = x * y holds its gradient, 1.
        x.grad += 1 * 4 = 4
        y.grad += 1 * -2 = -2
    """
    node, g = step.node, format_number(step.grad)
    head = f"Step {k} of {total}: "
    if not node.parents:
        return [head + f"{name_of[node]} is a leaf: its gradient, {g}, is final."]
    lines = [head + f"{formula(node, name_of)} holds its gradient, {g}."]
    lines += [share.text(name_of[share.parent], step.grad) for share in step.shares]
    return lines


def render_backward_steps(
    root: Value,
    folder: str | os.PathLike[str],
    *,
    format: str = "svg",
    rankdir: str = "LR",
    max_steps: int = MAX_STEPS,
) -> Path:
    """Write one image per backpropagation step into ``folder``, plus an ``index.html`` pager.

    Step k highlights the node whose gradient is complete at that step (reverse topological
    order, the output first) and the edges its gradient flows back along, each labelled with
    its local derivative; the caption gives the arithmetic (``x.grad += -4 * 1 = -4``). Nodes
    show their gradient as it fills in (``grad ?`` before anything reached them), and unnamed
    results are named ``t1``, ``t2``, ... in topological order (each after its operands).

    The images are named ``step_001.svg``, ``step_002.svg``, ...; older step images
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
    steps = trace(root)
    if len(steps) > max_steps:
        raise ValueError(
            f"the graph has {len(steps)} nodes, so {len(steps)} steps, more than "
            f"max_steps={max_steps}; draw the steps of a smaller expression (one neuron, a "
            f"loss on two inputs) or raise max_steps"
        )
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    name_of = names(topological_order(root))
    running: dict[Value, float] = {}
    files, captions = [], []
    for k, step in enumerate(steps, start=1):
        running[step.node] = step.grad
        lines = step_caption(step, k, len(steps), name_of)
        graph = build(
            root,
            rankdir=rankdir,
            collapse=(),
            max_nodes=None,
            grads=dict(running),
            current=step.node,
            caption="\n".join(lines),
            named=True,
        )
        for share in step.shares:
            running[share.parent] = share.total  # shown as it fills in, from the next image on
        name = f"step_{k:03d}.{format}"
        write_atomic(out / name, to_bytes(graph, format))
        files.append(name)
        captions.append("\n".join(lines))
    for stale in out.glob(f"step_*.{format}"):
        match = re.fullmatch(rf"step_(\d+)\.{format}", stale.name)
        if match and int(match.group(1)) > len(steps):
            stale.unlink()
    return write_atomic(out / "index.html", _page(files, captions).encode("utf-8"))


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
#caption { font-size: 1.05em; min-height: 2.6em; white-space: pre-line; font-family: monospace; }
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
