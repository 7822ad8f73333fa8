"""visualize.dot: node text, determinism, clusters, collapse, colours and label escaping."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.nn import MLP, Neuron
from visualize import draw_dot, format_number, record_text
from visualize.dot import build
from visualize.style import GRAD_SCALE, RED, grad_colours

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz not on PATH")


def neuron() -> tuple[Value, list[Value]]:
    x, w, b = Value(1.0, label="x"), Value(0.0, label="w"), Value(0.0, label="b")
    y = (x * w + b).sigmoid()
    y.label = "y"
    y.backward()
    return y, [x, w, b]


def members(source: str) -> dict[str, list[str]]:
    """Node id -> labels of the clusters around it, read from the DOT text line by line.

    Works because labels never contain a raw newline (they are escaped), so each statement is a
    line: `subgraph NAME {` opens a block, a lone `}` closes it, `label=` on the block's first
    line names it.
    """
    stack: list[str] = []
    out: dict[str, list[str]] = {}
    for line in source.splitlines():
        node = re.match(r"\s*([vom]\d+) \[", line)
        if node:
            out[node.group(1)] = [name for name in stack if name]
        elif re.fullmatch(r"\s*(subgraph \S+ )?\{", line):
            stack.append("?" if "subgraph" in line else "")
        elif re.fullmatch(r"\s*\}", line) and stack:  # the last one closes the digraph
            stack.pop()
        elif stack and stack[-1] == "?":
            label = re.search(r' label=("[^"]*"|\S+)', " " + line)
            stack[-1] = label.group(1).strip('"') if label else "(unlabelled)"
    return out


def node_id(source: str, label: str) -> str:
    """The id of the value node whose record starts with ``label``."""
    found = re.search(rf'^\s*(\w+) \[label="\{{{re.escape(label)} \|', source, re.M)
    assert found, f"no node labelled {label!r}"
    return found.group(1)


def test_every_value_shows_its_label_data_and_grad() -> None:
    y, _ = neuron()
    src = draw_dot(y).source
    # sigmoid(0) = 0.5; dy/dw = sigmoid'(0) * x = 0.25, dy/db = 0.25, dy/dx = 0.25 * w = 0
    for text in ("x | data 1 | grad 0", "w | data 0 | grad 0.25", "b | data 0 | grad 0.25"):
        assert text in src
    assert "y | data 0.5 | grad 1" in src


def test_each_op_is_its_own_node_between_inputs_and_output() -> None:
    y, _ = neuron()
    ids = members(draw_dot(y, show_grad=False).source)
    assert sorted(k for k in ids if k.startswith("o")) == ["o2", "o4", "o5"]  # *, +, sigmoid
    assert sum(1 for k in ids if k.startswith("v")) == 6


def test_same_graph_gives_byte_identical_dot_even_when_rebuilt() -> None:
    first = draw_dot(neuron()[0]).source
    assert draw_dot(neuron()[0]).source == first  # new objects, same ids: not id()-based
    ids = re.findall(r"^\s*(\w+) \[", first, re.M)
    assert {i for i in ids if not i.startswith(("legend", "node", "edge"))} == {
        f"v{k}" for k in range(6)
    } | {
        "o2",
        "o4",
        "o5",
    }  # ids are positions in the topological order


def test_a_times_a_keeps_both_edges() -> None:
    a = Value(3.0, label="a")
    src = draw_dot(a * a, show_grad=False).source
    assert src.count("v0 -> o1") == 2


def test_neuron_calls_become_labelled_clusters_with_their_parameters() -> None:
    model = MLP(2, [3, 1], seed=0)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    out = model(x)
    out.backward()
    model.layers[0].neurons[2].w[0].label = "w_13"
    src = draw_dot(out, collapse=(), show_grad=False).source
    assert src.count("subgraph cluster_") == 1 + 2 + 4  # MLP, 2 layers, 4 neurons
    where = members(src)
    # A weight is used by one neuron only, so it is drawn inside that neuron's cluster ...
    assert where[node_id(src, "w_13")] == ["MLP", "Layer 1", "Neuron 3"]
    # ... while the inputs feed three neurons and stay outside every cluster.
    assert where[node_id(src, "x1")] == []


def test_collapse_draws_each_neuron_as_one_box_with_inputs_and_output() -> None:
    model = MLP(2, [3, 1], seed=0)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    src = draw_dot(out, collapse=("Neuron",), show_grad=False).source
    ids = members(src)
    assert sum(1 for k in ids if k.startswith("m")) == 4
    assert sorted(k for k in ids if k[0] in "vo") == sorted(
        [node_id(src, "x1"), node_id(src, "x2")]
    )  # only the inputs are drawn outside the boxes
    assert len(re.findall(r"^\s*\w+ -> \w+", src, re.M)) == 2 * 3 + 3
    layers = draw_dot(out, collapse=("Layer",), show_grad=False).source
    assert sum(1 for k in members(layers) if k.startswith("m")) == 2
    assert len(re.findall(r"^\s*\w+ -> \w+", layers, re.M)) == 2 + 1


def test_big_graph_is_readable_by_default_and_refused_when_expanded() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(0.5), Value(-1.0)])
    out.backward()
    ids = members(draw_dot(out).source)
    assert sum(1 for k in ids if k.startswith("m")) == 33  # one box per neuron
    with pytest.raises(ValueError, match=r"max_nodes=400.*collapse=\('Neuron',\)"):
        draw_dot(out, collapse=())
    # Every edge drawn: 16 * (2 + 2 + 1) + 16 * (16 + 16 + 1) + (16 + 1 + 1) operand edges
    # into the 33 neurons, minus the inputs shared through a layer junction, plus op -> value.
    assert draw_dot(out, collapse=(), max_nodes=None).source.count("->") > 400


def test_plain_huge_expression_suggests_drawing_less() -> None:
    x = Value(1.0)
    y = x
    for _ in range(300):
        y = y * 1.0
    with pytest.raises(ValueError, match=r"focus=node, depth=2 .*--focus NAME.*last=20") as info:
        draw_dot(y)
    assert "collapse" not in str(info.value)  # no module calls to collapse here


def test_two_calls_of_one_model_are_two_clusters() -> None:
    model = MLP(1, [1], seed=0)
    out = model([Value(1.0)]) + model([Value(2.0)])
    labels = re.findall(r' label="?(MLP(?: \(call \d+\))?)', draw_dot(out, collapse=()).source)
    assert labels == ["MLP", "MLP (call 2)"]


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance, computed from the sRGB definition."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_gradient_fill_gets_brighter_with_each_decade_and_text_stays_readable() -> None:
    fills = [grad_colours(10.0**k)[0] for k in range(-6, 3)]
    lums = [luminance(f) for f in dict.fromkeys(fills)]
    assert lums == sorted(lums) and len(lums) == len(GRAD_SCALE)
    named = {"white": "#ffffff", "black": "#000000"}
    for g in [10.0**k for k in range(-6, 3)] + [0.0, math.inf, math.nan, -0.3]:
        fill, ink = grad_colours(g)
        hi, lo = sorted([luminance(fill), luminance(named.get(ink, ink))], reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, (g, fill, ink)  # WCAG AA contrast
    assert grad_colours(-0.3) == grad_colours(0.3)


def test_nan_and_inf_are_red_and_the_legend_explains_colours() -> None:
    x = Value(1000.0, label="big")
    y = x.exp() * 0.0  # inf * 0 = nan
    y.backward()
    src = draw_dot(y).source
    big = re.search(r"v0 \[([^\n]*)\]", src).group(1)  # type: ignore[union-attr]
    assert f'fillcolor="{RED}"' in big  # its grad is nan
    assert src.count(f'fillcolor="{RED}"') >= 3  # big (grad), exp (data inf), y (data nan)
    assert "nan/inf" in src and "cluster_legend" in src
    assert "cluster_legend" not in draw_dot(y, show_grad=False).source
    assert "cluster_legend" not in draw_dot(y, legend=False).source


def test_format_number_is_compact() -> None:
    assert [format_number(v) for v in (0.5, -0.25, 1e-7, 3.0, 12345678.0, -math.inf)] == [
        "0.5",
        "-0.25",
        "1e-7",
        "3",
        "1.235e7",
        "-inf",
    ]


def test_bad_arguments_are_clear() -> None:
    with pytest.raises(TypeError, match="takes a Value"):
        draw_dot(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="sideways")
    with pytest.raises(TypeError, match="collapse"):
        draw_dot(Value(1.0), collapse="Neuron")


@given(st.text(max_size=60))
def test_escaped_field_has_no_live_record_syntax(text: str) -> None:
    escaped = record_text(text, 1000)
    unescaped = re.sub(r"\\.", "", escaped)  # drop every backslash escape pair
    assert not set(unescaped) & set('{}|<>\\\n\r"') - {'"'}
    assert "\n" not in escaped


@needs_dot
@settings(max_examples=40)
@given(st.lists(st.text(max_size=30), min_size=4, max_size=4))
def test_no_label_can_change_the_graph_structure(labels: list[str]) -> None:
    a, b = Value(1.0, label=labels[0]), Value(2.0, label=labels[1])
    unit = Neuron(2, seed=0)
    unit._name = labels[3]
    c = unit([a, b]) * b
    c.label = labels[2]
    c.backward()
    source = draw_dot(c, collapse=()).source
    done = subprocess.run(
        ["dot", "-Tjson"], input=source.encode(), capture_output=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    layout = json.loads(done.stdout)
    names = {o["name"] for o in layout["objects"] if "nodes" not in o}  # nodes, not subgraphs
    expected = set(members(draw_dot(c, collapse=(), show_grad=False).source))
    assert {n for n in names if not n.startswith(("legend", "h"))} == expected
    # Edges: a, b, w1, w2, bias -> relu(dot+b) -> its value; it and b -> * -> c.
    real = [e for e in layout.get("edges", []) if e.get("style") != "invis"]
    assert len(real) == 5 + 1 + 2 + 1
    clusters = [o for o in layout["objects"] if o["name"].startswith("cluster_")]
    assert len(clusters) == 2  # the neuron and the legend


def test_edges_into_a_module_box_span_extra_ranks_so_boxes_never_share_a_column() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    source = draw_dot(out, collapse=()).source
    # Into each layer through its entry point: 2 inputs -> layer 1's entry -> 2 neurons, and
    # 2 first-layer outputs -> layer 2's entry -> the last neuron
    drawn = [line for line in source.splitlines() if "invis" not in line]
    assert sum("minlen=3" in line for line in drawn) == (2 + 2) + (2 + 1)
    plain = (Value(1.0, label="a") * Value(2.0, label="b")).tanh()
    assert "minlen" not in draw_dot(plain).source


def two_neurons() -> tuple[Value, MLP]:
    """A layer of two ReLU neurons and an output: neuron 1 is dead on this input (its
    pre-activation is -3), neuron 2 is alive."""
    model = MLP(2, [2, 1], seed=0)
    dead, alive = model.layers[0].neurons
    for p, v in zip(dead.parameters(), (-1.0, -1.0, -1.0)):
        p.data = v
    for p, v in zip(alive.parameters(), (0.5, 0.25, 0.0)):
        p.data = v
    out = model([Value(1.0, label="x1"), Value(2.0, label="x2")])
    out.backward()
    return out, model


def box_label(source: str, name: str) -> str:
    found = re.search(rf'^\s*m\d+ \[label="([^"]*{re.escape(name)}[^"]*)"([^\n]*)', source, re.M)
    assert found, name
    return found.group(1) + found.group(2)


def test_a_collapsed_neuron_shows_the_largest_weight_gradient_and_is_coloured_by_it() -> None:
    out, model = two_neurons()
    alive = model.layers[0].neurons[1]
    top = max(abs(w.grad) for w in alive.w)  # the weights: the bias is not one
    assert top > 0
    src = draw_dot(out, collapse=("Neuron",)).source
    label = box_label(src, "Layer 1 / Neuron 2" if "Layer 1 / Neuron 2" in src else "Neuron 2")
    assert f"max \\|grad w\\| {format_number(top)}" in label
    assert f'fillcolor="{grad_colours(top)[0]}"' in label
    assert "DEAD" not in label


def test_the_box_summary_is_over_the_weights_and_leaves_the_bias_out() -> None:
    x = [Value(0.5, label="x1"), Value(-0.25, label="x2")]
    y = Neuron(2, activation="linear", seed=0)(x)
    y.backward()
    # y = w . x + b: dy/dw_i = x_i, while dy/db = 1 is larger than either
    top = max(abs(v.data) for v in x)
    label = box_label(draw_dot(y, collapse=("Neuron",)).source, "Neuron")
    assert f"max \\|grad w\\| {format_number(top)}" in label, label
    assert f'fillcolor="{grad_colours(top)[0]}"' in label


def test_a_box_is_dead_only_once_its_weight_gradients_are_known() -> None:
    out, model = two_neurons()
    dead = model.layers[0].neurons[0]
    known = {w: 0.0 for w in dead.w}
    cases = (({}, "?"), ({dead.w[0]: 0.0}, "?"), (known, "0"))
    for grads, shown in cases:  # as step-by-step drawings see them: a step's known gradients
        label = box_label(build(out, collapse=("Neuron",), grads=grads).source, "Neuron 1")
        assert f"max \\|grad w\\| {shown}" in label
        assert ("DEAD" in label) == (shown == "0")


def test_a_neuron_whose_weight_gradients_are_all_zero_is_marked_dead() -> None:
    out, model = two_neurons()
    dead = model.layers[0].neurons[0]
    assert all(p.grad == 0 for p in dead.parameters())
    assert out.grad == 1 and dead.parameters()[0].data == -1  # the output's grad is not 0
    boxes = re.findall(r"^\s*m\d+ \[(.*)$", draw_dot(out, collapse=("Neuron",)).source, re.M)
    marked = [b for b in boxes if "DEAD" in b]
    assert len(boxes) == 3 and len(marked) == 1
    assert "Neuron 1 | out 0 | max \\|grad w\\| 0" in marked[0]
    assert "dashed" in marked[0] and f'color="{RED}"' in marked[0]
    layer = box_label(draw_dot(out, collapse=("Layer",)).source, "Layer 1")
    assert "DEAD" not in layer  # one live neuron keeps the layer alive


def test_focus_draws_a_neighbourhood_with_stubs_naming_what_was_cut() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(30):
        y = (y * 1.1).tanh()
    y.backward()
    middle = y
    for _ in range(10):
        middle = middle.parents[0]  # tanh <- mul <- tanh ...: ten steps back
    src = draw_dot(y, focus=middle, depth=1).source
    values = re.findall(r"^\s*v\d+ \[", src, re.M)
    assert len(values) == 3  # the focus, the mul before it and the mul after it
    stubs = re.findall(r'^\s*([su]\d+) \[label="(from|to) ([^"]+)"', src, re.M)
    assert {kind for _, kind, _ in stubs} == {"from", "to"}
    assert src.count("style=dashed") == len(stubs) == 3
    assert re.search(r'label="\{?t\d+ \|', src)  # unnamed results are named in a view
    with pytest.raises(ValueError, match="not part of the graph"):
        draw_dot(y, focus=Value(1.0))
    with pytest.raises(ValueError, match="not both"):
        draw_dot(y, focus=middle, last=3)


def test_a_focus_inside_an_mlp_keeps_every_stub_dashed() -> None:
    out = MLP(2, [4, 4, 1], seed=0)([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.backward()
    src = draw_dot(out, focus=out.parents[5], depth=2).source
    stubs = re.findall(r"^\s*([su]\d+) \[", src, re.M)
    dashed = re.findall(r"^\s*(\w+) -> (\w+) \[[^\n]*style=dashed", src, re.M)
    assert len(stubs) >= 2 and len(dashed) == len(stubs)
    assert {t if t[0] == "s" else h for t, h in dashed} == set(stubs)  # each stub, its own edge


def test_last_draws_the_final_ops_and_their_operands() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(300):
        y = (y * 1.1).tanh()
    y.label = "y"
    y.backward()
    src = draw_dot(y, last=2).source  # 900 nodes in all: refused without a view
    ops = re.findall(r'^\s*o\d+ \[label="?([^"\s]+)', src, re.M)
    # tanh(y) and its x, plus the op that made x's operand, whose inputs are a stub
    assert sorted(ops) == ["tanh", "tanh", "\u00d7"]
    assert "y | data" in src and src.count("style=dashed") == 1  # one stub: "from t..."


def test_a_step_inside_a_network_highlights_its_path_through_the_layer_junction() -> None:
    out = MLP(2, [3, 2, 1], seed=0)([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.backward()
    # The output's operands are w1, w2, then layer 2's outputs: that neuron's one node,
    # relu(w.x+b), fed by all three of layer 1's outputs.
    current = out.parents[3]
    assert current.op == "relu(dot+b)" and len(current.parents) == 3 + 3 + 1
    plain = build(out, collapse=(), named=True).source
    step = build(out, collapse=(), named=True, current=current, grads={}).source

    def junctions(src: str) -> list[str]:
        return re.findall(r"^\s*(e\d+) \[", src, re.M)

    assert junctions(step) == junctions(plain) and len(junctions(plain)) == 3  # one per layer
    labelled = re.findall(r"^\s*(\w+) -> (\w+) \[[^\n]*label=", step, re.M)
    assert len(labelled) == len(current.parents)  # each operand's edge, labelled once
    into_junction = [tail for tail, head in labelled if head.startswith("e")]
    assert len(into_junction) == 3  # layer 1's outputs, reached through the junction
