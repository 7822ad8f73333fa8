"""Regenerate the example graph images in docs/images/ (python scripts/render_graph_examples.py).

Needs system Graphviz for the PNG files (the SVG files also render without it).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from autograd_lite import Value
from autograd_lite.nn import MLP
from visualize import draw_dot, render, render_backward_steps, write_atomic

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def neuron() -> Value:
    """The README's single neuron: y = sigmoid(x * w + b), back-propagated."""
    x, w, b = Value(1.0, label="x"), Value(-0.5, label="w"), Value(0.25, label="b")
    y = (x * w + b).sigmoid()
    y.label = "y"
    y.backward()
    return y


def mlp() -> Value:
    """MLP(2, [16, 16, 1]) on one input: drawn with one box per neuron by default."""
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    out.backward()
    return out


def loss() -> Value:
    """The CLI example, for the step-by-step picture."""
    x, w, b, t = (Value(v, label=n) for v, n in ((1.0, "x"), (0.5, "w"), (0.0, "b"), (1.0, "t")))
    f = ((x * w + b).sigmoid() - t) ** 2
    f.label = "f"
    return f


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    written = []
    for name, root in (("graph_neuron", neuron()), ("graph_mlp", mlp())):
        drawing = draw_dot(root)
        written.append(render(drawing, IMAGES / f"{name}.svg"))
        drawing.graph_attr["dpi"] = "110" if name == "graph_mlp" else "144"
        written.append(render(drawing, IMAGES / f"{name}.png"))
    with tempfile.TemporaryDirectory() as folder:
        render_backward_steps(loss(), folder, format="png")
        step = (Path(folder) / "step_004.png").read_bytes()
        written.append(write_atomic(IMAGES / "graph_backward_step.png", step))
    for path in written:
        print(f"wrote {path.relative_to(IMAGES.parent.parent)} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
