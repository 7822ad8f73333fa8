"""Regenerate the graph pictures in docs/images/ (python scripts/render_graph_examples.py).

Needs system Graphviz for the PNG files, and Chromium with playwright (``pip install
playwright``; Debian: ``apt-get install chromium``) for the explorer screenshot, which is
skipped with a note when they are missing.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from autograd_lite import Value, topological_order
from autograd_lite.nn import MLP
from visualize import draw_dot, explore, render, render_backward_steps, write_atomic
from visualize.browser import CHROMIUM_ARGS, find_chromium

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def neuron() -> Value:
    """The README's single neuron: y = sigmoid(x * w + b), back-propagated."""
    x, w, b = Value(1.0, label="x"), Value(-0.5, label="w"), Value(0.25, label="b")
    y = (x * w + b).sigmoid()
    y.label = "y"
    y.backward()
    return y


def mlp(sizes: list[int]) -> Value:
    """An untrained MLP on one input, back-propagated."""
    out = MLP(2, sizes, seed=0)([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    out.backward()
    return out


def loss() -> Value:
    """The CLI example, for the step-by-step picture and the explorer."""
    x, w, b, t = (Value(v, label=n) for v, n in ((1.0, "x"), (0.5, "w"), (0.0, "b"), (1.0, "t")))
    f = ((x * w + b).sigmoid() - t) ** 2
    f.label = "f"
    f.backward()
    return f


def drawings() -> dict[str, Callable[[], object]]:
    small, big = mlp([4, 4, 1]), mlp([16, 16, 1])
    hidden = small.parents[5]  # Layer 2's second neuron, after its ReLU
    return {
        "graph_neuron": lambda: draw_dot(neuron()),
        "graph_mlp_small": lambda: draw_dot(small, collapse=()),
        "graph_mlp_small_collapsed": lambda: draw_dot(small, collapse=("Neuron",)),
        "graph_mlp": lambda: draw_dot(big),
        "graph_mlp_layers": lambda: draw_dot(big, collapse=("Layer",)),
        "graph_focus": lambda: draw_dot(small, focus=hidden, depth=2),
    }


_FIND_CLUSTER = """([layer, neuron]) => {
  const g = D.views[0].groups;
  return Object.keys(g).find((n) => g[n].title === neuron && g[n].parent
    && g[g[n].parent].title === layer);
}"""


def screenshot(page: Path, out: Path, output_id: str) -> Path | None:
    """The explorer after five steps, a node clicked and a neuron collapsed, as a student
    would see it."""
    chromium = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("skipped the explorer screenshot: needs chromium and playwright", file=sys.stderr)
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        tab = browser.new_page(viewport={"width": 1400, "height": 820})
        tab.goto(page.resolve().as_uri())
        for _ in range(5):
            tab.keyboard.press("ArrowRight")
        tab.locator(f"g.node[data-id='{output_id}']").click()  # the output: its chain-rule shares
        # Layer 2's neuron 2 (dead on this input) collapsed into one box: its weights' grads
        # are not known yet at step 5, so it is not marked DEAD yet.
        cluster = tab.evaluate(_FIND_CLUSTER, ["Layer 2", "Neuron 2"])
        tab.locator(f".view:not([hidden]) text[data-collapse='{cluster}']").click()
        data = tab.screenshot()
        browser.close()
    return write_atomic(out, data)


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in drawings().items():
        drawing = draw()
        if name in ("graph_neuron", "graph_mlp"):
            written.append(render(drawing, IMAGES / f"{name}.svg"))  # type: ignore[arg-type]
        written.append(render(drawing, IMAGES / f"{name}.png"))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        render_backward_steps(loss(), folder, format="png")
        step = (Path(folder) / "step_007.png").read_bytes()
        written.append(write_atomic(IMAGES / "graph_backward_step.png", step))
        root = mlp([4, 4, 1])
        page = explore(root, Path(folder) / "explorer.html").path
        last = f"v{len(topological_order(root)) - 1}"  # ids follow the sort: the output is last
        shot = screenshot(page, IMAGES / "explorer.png", last) if page else None
        written += [shot] if shot else []
    for path in written:
        print(f"wrote {path.relative_to(IMAGES.parent.parent)} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
