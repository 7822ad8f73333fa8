"""visualize.steps: one image per backpropagation step, and the pager that flips through them."""

from __future__ import annotations

import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_lite import Value, topological_order
from visualize import backward_steps, format_number, render_backward_steps
from visualize.backprop import trace

SVG = "{http://www.w3.org/2000/svg}"


def loss() -> tuple[Value, dict[str, Value]]:
    x, w, b, t = (Value(v, label=n) for v, n in ((1.0, "x"), (0.5, "w"), (0.0, "b"), (1.0, "t")))
    y = ((x * w + b).sigmoid() - t) ** 2
    y.label = "loss"
    return y, {"x": x, "w": w, "b": b, "t": t}


def texts(path: Path) -> list[str]:
    root = ET.fromstring(path.read_bytes())
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def test_steps_follow_backward_exactly_and_leave_grads_untouched() -> None:
    y, leaves = loss()
    leaves["w"].grad = 7.0  # a gradient from an earlier pass must survive
    steps = backward_steps(y)
    assert [n for n, _ in steps] == list(reversed(topological_order(y)))
    assert leaves["w"].grad == 7.0 and y.grad == 0.0
    # Independent check of the gradients received: the hand-derived chain rule.
    s = 1 / (1 + math.exp(-0.5))
    dloss_dz = 2 * (s - 1) * s * (1 - s)
    received = {n.label: g for n, g in steps if n.label}
    assert received["loss"] == 1.0
    assert received["w"] == pytest.approx(dloss_dz * 1.0, rel=1e-12)
    assert received["x"] == pytest.approx(dloss_dz * 0.5, rel=1e-12)
    assert received["t"] == pytest.approx(-2 * (s - 1), rel=1e-12)


def test_one_svg_per_step_with_the_arithmetic_and_gradients_filling_in(tmp_path: Path) -> None:
    y, _ = loss()
    index = render_backward_steps(y, tmp_path / "steps")
    images = sorted((tmp_path / "steps").glob("step_*.svg"))
    n = len(topological_order(y))
    assert len(images) == n == 9
    first, last = texts(images[0]), texts(images[-1])
    assert first.count("grad ?") == n - 1 and "grad 1" in first  # only the output's is known
    assert "grad ?" not in last
    # Step 7 is the product x * w: the hand-derived dloss/dz times each local derivative.
    s = 1 / (1 + math.exp(-0.5))
    dz = 2 * (s - 1) * s * (1 - s)
    seventh = texts(images[6])
    assert f"Step 7 of 9: t1 = x \u00d7 w holds its gradient, {format_number(dz)}." in seventh
    assert f"x.grad += {format_number(dz)} \u00d7 0.5 = {format_number(dz * 0.5)}" in seventh
    assert f"w.grad += {format_number(dz)} \u00d7 1 = {format_number(dz)}" in seventh
    assert "\u00d7 0.5" in seventh and "\u00d7 1" in seventh  # the backward edges' labels
    assert index == tmp_path / "steps" / "index.html"


def test_shares_add_up_to_the_engine_gradient_when_a_node_is_used_twice() -> None:
    a = Value(3.0, label="a")
    y = a * a + a  # dy/da = 2a + 1 = 7, reached in three shares
    steps = trace(y)
    shares = [sh for st in steps for sh in st.shares if sh.parent is a]
    assert [sh.amount for sh in shares] == [1.0, 3.0, 3.0]
    y.backward()
    assert shares[-1].total == a.grad == 7.0
    names = {a: "a"}
    assert shares[-1].text(names[a], 1.0) == "a.grad += 1 \u00d7 3 = 3, now 7"


def test_the_current_node_is_highlighted(tmp_path: Path) -> None:
    y, _ = loss()
    render_backward_steps(y, tmp_path, format="svg")
    first = (tmp_path / "step_001.svg").read_text(encoding="utf-8")
    last = (tmp_path / "step_009.svg").read_text(encoding="utf-8")
    orange = "#e6550d"
    assert orange in first and orange in last
    # Step 1 is the loss node; its stroke is the highlight colour.
    loss_group = re.search(r"<g id=\"node\d+\" class=\"node\">(?:(?!</g>).)*loss", first, re.S)
    assert loss_group and orange in loss_group.group(0)


def test_index_pages_through_every_image_and_is_safe_from_labels(tmp_path: Path) -> None:
    a = Value(2.0, label="</script><script>alert(1)</script>")
    y = a * a
    index = render_backward_steps(y, tmp_path)
    html = index.read_text(encoding="utf-8")
    data = json.loads(re.search(r"const data = (\{.*\});", html).group(1))  # type: ignore[union-attr]
    assert data["images"] == ["step_001.svg", "step_002.svg"]
    assert len(data["captions"]) == 2 and "alert(1)" in data["captions"][1]
    assert "<script>alert" not in html and html.count("</script>") == 1


def test_stale_step_images_from_a_bigger_graph_are_removed(tmp_path: Path) -> None:
    y, _ = loss()
    render_backward_steps(y, tmp_path)
    render_backward_steps(Value(1.0) * 2, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html",
        "step_001.svg",
        "step_002.svg",
        "step_003.svg",
    ]


@pytest.mark.skipif(shutil.which("dot") is None, reason="PNG needs system Graphviz")
def test_png_steps(tmp_path: Path) -> None:
    render_backward_steps(Value(1.0, label="a").exp(), tmp_path, format="png")
    assert (tmp_path / "step_002.png").read_bytes().startswith(b"\x89PNG")


def test_too_many_steps_or_a_bad_format_is_refused(tmp_path: Path) -> None:
    y, _ = loss()
    with pytest.raises(ValueError, match="max_steps=5"):
        render_backward_steps(y, tmp_path, max_steps=5)
    with pytest.raises(ValueError, match="format"):
        render_backward_steps(y, tmp_path, format="gif")
    assert list(tmp_path.iterdir()) == []


def test_a_fused_neuron_step_shows_both_factors_of_its_local_derivative() -> None:
    from autograd_lite.nn import Neuron
    from visualize.backprop import trace

    unit = Neuron(2, activation="tanh", seed=0)
    unit.w[0].data, unit.w[1].data, unit.b.data = 0.5, -1.0, 0.25
    out = unit([4.0, 1.0])
    z = 0.5 * 4.0 - 1.0 * 1.0 + 0.25
    slope = 1 - math.tanh(z) ** 2  # tanh'(z), the activation's factor
    (step,) = [s for s in trace(out) if s.node is out]
    w1 = next(share for share in step.shares if share.parent is unit.w[0])
    assert w1.factors == (slope, 4.0)  # tanh'(z) and d(w.x+b)/dw1 = x1
    assert w1.text("w1", 1.0) == (
        f"w1.grad += 1 \u00d7 ({format_number(slope)} \u00d7 4) = {format_number(slope * 4.0)}"
    )


def test_unnamed_results_are_numbered_in_the_order_the_code_made_them() -> None:
    from visualize.backprop import formula
    from visualize.graph import names

    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    scaled = w * 3  # made first, though the output's first operand comes from the line below
    activated = (x * w).tanh()
    out = activated + scaled
    name_of = names(topological_order(out))
    assert [name_of[n] for n in (scaled, activated.parents[0], activated, out)] == [
        "t1",
        "t2",
        "t3",
        "t4",
    ]
    assert formula(out, name_of) == "t4 = t3 + t1"
