"""Layouts that follow the data, checked on real renders: columns, order, aspect, no warnings."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from autograd_lite import Value
from autograd_lite.nn import MLP
from visualize import draw_dot
from visualize.dot import build
from visualize.render import Drawing

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz not on PATH")
SVG = "{http://www.w3.org/2000/svg}"


def mlp(sizes: list[int], seed: int = 0) -> Value:
    model = MLP(2, sizes, seed=seed)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    out.backward()
    return out


def run_dot(drawing: Drawing, fmt: str = "svg") -> bytes:
    """Render with the system ``dot``; any warning on stderr fails the test."""
    done = subprocess.run(
        ["dot", f"-T{fmt}"], input=drawing.source.encode(), capture_output=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == b"", done.stderr.decode()
    return done.stdout


def placed(svg: bytes) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """From an SVG render: each node's centre (x, y) by its id, from the outline Graphviz
    drew, and each cluster's left edge by its label. SVG y grows downwards."""
    root = ET.fromstring(svg)
    nodes: dict[str, tuple[float, float]] = {}
    clusters: dict[str, float] = {}
    for g in root.iter(f"{SVG}g"):
        shape = g.find(f"{SVG}path")
        shape = shape if shape is not None else g.find(f"{SVG}polygon")
        if shape is None:
            continue
        numbers = [
            float(n) for n in re.findall(r"-?\d+\.?\d*", shape.get("d") or shape.get("points", ""))
        ]
        xs, ys = numbers[0::2], numbers[1::2]
        if g.get("class") == "cluster":
            clusters[g.findtext(f"{SVG}text") or ""] = min(xs)
        elif g.get("class") == "node":
            nodes[g.findtext(f"{SVG}title") or ""] = (
                (min(xs) + max(xs)) / 2,
                (min(ys) + max(ys)) / 2,
            )
    return nodes, clusters


def first_field(source: str) -> dict[str, str]:
    """Node id -> the first field of its record label."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'^\s*(\w+) \[label="\{?(?:DEAD \| )?([^|"]+?) ?[|"]', source, re.M)
    }


@needs_dot
def test_layer_clusters_read_left_to_right_from_the_svg_coordinates() -> None:
    for drawing in (draw_dot(mlp([4, 4, 1]), collapse=()), draw_dot(mlp([16, 16, 1]))):
        nodes, clusters = placed(run_dot(drawing))
        lefts = [clusters[f"Layer {k}"] for k in (1, 2, 3)]
        assert lefts == sorted(lefts) and len(set(lefts)) == 3, clusters
        fields = first_field(drawing.source).items()
        inputs = [nodes[n][0] for n, text in fields if text.startswith("x")]
        assert max(inputs) < lefts[0]  # the inputs sit left of every module box


@needs_dot
def test_collapsed_neurons_stack_in_index_order_top_to_bottom() -> None:
    for sizes in ([4, 4, 1], [16, 16, 1]):
        drawing = draw_dot(mlp(sizes), collapse=("Neuron",))
        nodes, _ = placed(run_dot(drawing))
        fields = first_field(drawing.source)
        boxes = {n: nodes[n] for n in fields if n.startswith("m")}
        by_column: dict[float, list[tuple[float, str]]] = {}
        for name, (x, y) in boxes.items():
            by_column.setdefault(round(x), []).append((y, fields[name]))
        columns = [sorted(by_column[x]) for x in sorted(by_column)]
        for column, width in zip(columns, sizes):
            names = [text.split(" \u2192")[0].strip() for _, text in column]
            assert names == [f"Neuron {k + 1}" for k in range(width)]


@needs_dot
def test_inside_a_neuron_the_weights_come_in_order_then_the_bias() -> None:
    drawing = draw_dot(mlp([4, 4, 1]), collapse=())
    nodes, _ = placed(run_dot(drawing))
    leaves = [
        (nodes[n][0], nodes[n][1], text.strip())
        for n, text in first_field(drawing.source).items()
        if re.fullmatch(r"\s*(w\d|b)\s*", text)
    ]
    column = sorted((y, t) for x, y, t in leaves if x == max(x for x, _, _ in leaves))
    assert [t for _, t in column] == ["w1", "w2", "w3", "w4", "b"]  # the last layer's neuron
    middle = sorted({round(x) for x, _, _ in leaves})[1]
    texts = [t for _, t in sorted((y, t) for x, y, t in leaves if round(x) == middle)]
    assert texts == ["w1", "w2", "w3", "w4", "b"] * 4  # layer 2, neuron after neuron


@needs_dot
@pytest.mark.parametrize(
    "make",
    [
        lambda: draw_dot(mlp([4, 4, 1]), collapse=()),
        lambda: draw_dot(mlp([16, 16, 1])),
        lambda: draw_dot(mlp([16, 16, 1]), collapse=("Layer",)),
        lambda: focused(mlp([4, 4, 1])),
        lambda: draw_dot(mlp([16, 16, 1]), last=3),
        lambda: draw_dot(chain(60)),
        lambda: build(mlp([2, 1]), collapse=(), current=mlp([2, 1]), grads={}, named=True),
    ],
)
def test_every_kind_of_drawing_renders_without_a_graphviz_warning(make: object) -> None:
    drawing = make()  # type: ignore[operator]
    run_dot(drawing, "svg")
    run_dot(drawing, "png")


def focused(out: Value) -> Drawing:
    return draw_dot(out, focus=out.parents[0], depth=1)


def chain(n: int) -> Value:
    y = Value(0.3, label="x")
    for _ in range(n):
        y = (y * 1.01).tanh()
    y.backward()
    return y


def aspect(svg: bytes) -> float:
    root = ET.fromstring(svg)
    width, height = (float(root.get(k, "0").rstrip("pt")) for k in ("width", "height"))
    return width / height


@needs_dot
def test_a_long_thin_graph_turns_top_to_bottom_so_it_is_never_four_times_wider_than_tall() -> None:
    wide = draw_dot(chain(12), wrap=False)
    assert aspect(run_dot(wide)) > 4  # what wrapping prevents
    for n in (12, 60, 150):
        drawing = draw_dot(chain(n), max_nodes=None)
        assert "rankdir=TB" in drawing.source
        assert aspect(run_dot(drawing)) <= 4.0
    small = draw_dot((Value(1.0, label="a") * 2).tanh())
    assert "rankdir=LR" in small.source  # short graphs keep the plain left-to-right layout


@needs_dot
def test_a_long_chain_stays_one_straight_column_instead_of_drifting_sideways() -> None:
    drawing = draw_dot(chain(30), max_nodes=None)
    nodes, _ = placed(run_dot(drawing))
    fields = first_field(drawing.source)
    spine = [nodes[n][0] for n, text in fields.items() if n[0] == "v" and "1.01" not in text]
    assert len(spine) == 61 and max(spine) - min(spine) < 10  # points: one column


@needs_dot
@pytest.mark.parametrize("legend", [True, False])
def test_no_drawing_is_more_than_about_four_times_wider_than_tall(legend: bool) -> None:
    drawings = [draw_dot(chain(n), legend=legend) for n in (1, 3, 8)]
    drawings.append(draw_dot((Value(2.0, label="a") * 3).exp(), legend=legend))
    for sizes in ([1], [2, 1], [4, 4, 1], [3, 3, 3, 3, 1]):
        for collapse in ((), ("Neuron",), ("Layer",)):
            drawings.append(draw_dot(mlp(sizes), collapse=collapse, legend=legend))
    ratios = [aspect(run_dot(d)) for d in drawings]
    assert max(ratios) <= 4.2, ratios


def cluster_boxes(svg: bytes) -> list[tuple[str, float, float, float, float]]:
    """Each cluster of an SVG render: (label, left, top, right, bottom), y growing downwards."""
    out = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        shape = g.find(f"{SVG}path")
        shape = shape if shape is not None else g.find(f"{SVG}polygon")
        if g.get("class") != "cluster" or shape is None:
            continue
        text = shape.get("d") or shape.get("points", "")
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", text)]
        xs, ys = numbers[0::2], numbers[1::2]
        out.append((g.findtext(f"{SVG}text") or "", min(xs), min(ys), max(xs), max(ys)))
    return out


@needs_dot
@pytest.mark.parametrize(
    ("nin", "sizes", "seed"),
    [(2, [8, 8, 1], 1), (3, [5, 3, 1], 2), (2, [3, 1], 1), (4, [4, 1], 2), (3, [6, 6, 1], 0)],
)
def test_every_layer_lists_its_neurons_top_to_bottom_and_their_weights_in_order(
    nin: int, sizes: list[int], seed: int
) -> None:
    out = MLP(nin, sizes, seed=seed)([Value(0.1 * i, label=f"x{i + 1}") for i in range(nin)])
    out.backward()
    drawing = draw_dot(out, collapse=())
    svg = run_dot(drawing)
    boxes = cluster_boxes(svg)
    for k, width in enumerate(sizes, start=1):
        _, left, top, right, bottom = next(b for b in boxes if b[0] == f"Layer {k}")
        inside = [b for b in boxes if b[0].startswith("Neuron") and left <= b[1] <= right]
        inside = [b for b in inside if top <= b[2] <= bottom]
        names = [b[0] for b in sorted(inside, key=lambda b: b[2])]
        assert names == [f"Neuron {j}" for j in range(1, width + 1)], (k, names)
    nodes, _ = placed(svg)
    params = {n: t.strip() for n, t in first_field(drawing.source).items()}
    params = {n: t for n, t in params.items() if re.fullmatch(r"w\d+|b", t)}
    for name, left, top, right, bottom in boxes:
        if name.startswith("Neuron"):
            mine = sorted(
                (nodes[n][1], t)
                for n, t in params.items()
                if left < nodes[n][0] < right and top < nodes[n][1] < bottom
            )
            texts = [t for _, t in mine]
            assert texts == [f"w{j}" for j in range(1, len(texts))] + ["b"], (name, texts)


def point_centres(svg: bytes) -> dict[str, float]:
    """The y of each point-shaped node (the all-to-all junctions), by id."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        shape = g.find(f"{SVG}ellipse")
        if g.get("class") == "node" and shape is not None:
            out[g.findtext(f"{SVG}title") or ""] = float(shape.get("cy", "nan"))
    return out


@needs_dot
@pytest.mark.parametrize("sizes", [[16, 16, 1], [4, 4, 1], [6, 3, 1]])
def test_the_all_to_all_junction_sits_between_the_columns_not_below_them(
    sizes: list[int],
) -> None:
    drawing = draw_dot(mlp(sizes), collapse=("Neuron",))
    assert "j" in {line.strip()[:1] for line in drawing.source.splitlines()}
    svg = run_dot(drawing)
    boxes = {b[0]: b for b in cluster_boxes(svg)}
    hubs = {n: y for n, y in point_centres(svg).items() if n.startswith("j")}
    assert len(hubs) == 1
    (hub,) = hubs.values()
    first, second = boxes["Layer 1"], boxes["Layer 2"]
    assert first[3] < second[1]  # two columns, the junction between them
    for _, _, top, _, bottom in (first, second):
        # within the middle half of each column: it pulls them level, not to one side
        assert top + (bottom - top) / 4 <= hub <= bottom - (bottom - top) / 4, (hub, top, bottom)


@needs_dot
@pytest.mark.parametrize("sizes", [[4, 4, 1], [3, 5, 1], [2, 2, 1], [4, 4, 4, 1], [8, 3, 1]])
def test_every_layer_column_starts_at_the_same_height(sizes: list[int]) -> None:
    drawing = draw_dot(mlp(sizes), collapse=())
    boxes = {b[0]: b for b in cluster_boxes(run_dot(drawing))}
    layers = [boxes[f"Layer {k}"] for k in range(1, len(sizes) + 1)]
    tops = [top for _, _, top, _, _ in layers]
    assert max(tops) - min(tops) <= 12, tops  # points: the columns start level
    lefts = [left for _, left, _, _, _ in layers]
    assert lefts == sorted(lefts)  # and still read left to right
