"""The explorer's page: markup, styles and script, written for this project, all inline.

`visualize.explore` fills in ``__TITLE__``, ``__VIEWS__`` (one Graphviz SVG per view) and
``__DATA__`` (the nodes and backward steps as JSON).
"""

from __future__ import annotations

from ._explorer_collapse import COLLAPSE_SCRIPT

__all__ = ["PAGE"]

_STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font-family: Helvetica, Arial, sans-serif; color: #222; display: flex;
  flex-direction: column; height: 100vh; }
header { padding: .5em .8em; border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap;
  gap: .4em 1em; align-items: center; }
header h1 { font-size: 1.05em; margin: 0 .5em 0 0; }
.group { display: flex; gap: .25em; align-items: center; }
button { font-size: .9em; padding: .25em .6em; border: 1px solid #bbb; border-radius: 4px;
  background: #f7f7f7; cursor: pointer; }
button[aria-pressed="true"] { background: #dde6f5; border-color: #7a8fb8; }
#caption { padding: .4em .8em; min-height: 3.6em; white-space: pre-line; font-family: monospace;
  background: #fbfaf5; border-bottom: 1px solid #eee; }
main { flex: 1; display: flex; min-height: 0; }
#stage { flex: 1; position: relative; overflow: hidden; cursor: grab; background: white; }
#stage.dragging { cursor: grabbing; }
.pane { transform-origin: 0 0; position: absolute; left: 0; top: 0; }
#info { width: 20em; border-left: 1px solid #ddd; padding: .6em .8em; overflow: auto;
  font-size: .9em; }
#info h2 { font-size: 1em; margin: .2em 0 .5em; }
#info table { border-collapse: collapse; }
#info td { padding: .15em .4em .15em 0; vertical-align: top; }
#info .sum { font-family: monospace; white-space: pre-wrap; }
g.cluster > text[data-collapse] { cursor: pointer; }
g.cluster > text[data-collapse]:hover { text-decoration: underline; }
g.node { cursor: pointer; }
/* A collapsed box is dead only once its weights' gradients are known (set per step). */
g.node.dead > path, g.node.dead > polygon, g.node.dead > rect {
  stroke: #d62728; stroke-width: 3px; stroke-dasharray: 6 4; }
g.node.alive > path, g.node.alive > polygon, g.node.alive > rect {
  stroke: #555555; stroke-width: 1px; stroke-dasharray: none; }
g.node.current > path, g.node.current > polygon, g.node.current > ellipse,
g.node.current > rect {
  stroke: #e6550d; stroke-width: 4px; }
g.node.selected > path, g.node.selected > polygon, g.node.selected > ellipse,
g.node.selected > rect {
  stroke: #1f5fbf; stroke-width: 3px; stroke-dasharray: 5 3; }
g.edge.hot > path { stroke: #e6550d; stroke-width: 3px; }
g.edge.hot > polygon { fill: #e6550d; stroke: #e6550d; }
.keys { color: #666; font-size: .85em; }
"""

_SCRIPT = r"""
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const N = D.steps.length;
const $ = (id) => document.getElementById(id);
let step = 0, view = 0, selected = null, running = [];
const views = [...document.querySelectorAll(".view")].map((el, k) => index(el, k));

function index(el, k) {
  const nodes = {}, edgesInto = {}, clusters = {}, edges = [];
  for (const g of el.querySelectorAll("g.node")) {
    const id = g.querySelector("title").textContent;
    nodes[id] = g;
    g.dataset.id = id;
  }
  for (const g of el.querySelectorAll("g.edge")) {
    const [tail, head] = g.querySelector("title").textContent.split("->");
    (edgesInto[head] = edgesInto[head] || []).push(g);
    edges.push([tail, head, g]);
  }
  for (const g of el.querySelectorAll("g.cluster")) {
    const name = g.querySelector("title").textContent;
    if (D.views[k].groups[name]) clusters[name] = g;
  }
  const boxOf = {};
  for (const [id, group] of Object.entries(D.views[k].groups)) {
    if (id[0] === "m") for (const i of group.values) boxOf[i] = id;
  }
  const v = { el, pane: el.querySelector(".pane"), nodes, edgesInto, edges, clusters, boxOf,
    groups: D.views[k].groups, collapsed: new Set(), covers: {}, coverOf: {}, x: 10, y: 10, k: 1 };
  labelClusters(v);
  return v;
}

function colour(exact) {
  const g = Number(exact);
  if (!Number.isFinite(g)) return [D.red, "white"];
  if (g === 0) return [D.zero, "#555555"];
  let pick = D.scale[0];
  for (const row of D.scale) if (Math.abs(g) >= row[0]) pick = row;
  return [pick[1], pick[2]];
}

function replay(k) {
  running = D.nodes.map(() => null);
  for (let s = 0; s < k; s++) {
    const st = D.steps[s];
    running[st.node] = [st.grad, st.exact];
    for (const [p, text, exact] of st.shares) running[p] = [text, exact];
  }
}

function paint(g, exact) {
  const shape = g.querySelector("path, polygon, ellipse, rect");
  const [fill, ink] = exact === null ? ["white", "black"] : colour(exact);
  if (shape) shape.setAttribute("fill", fill);
  for (const t of g.querySelectorAll("text")) t.setAttribute("fill", ink);
}

function fieldText(g, prefix) {
  for (const t of g.querySelectorAll("text")) {
    if (t.textContent.replace(/\u00a0/g, " ").startsWith(prefix)) return t;
  }
  return null;
}

function showValues(v) {
  for (const [id, g] of Object.entries(v.nodes)) {
    if (id[0] === "v") {
      const r = running[Number(id.slice(1))];
      const t = fieldText(g, "grad ");
      if (t) t.textContent = "grad " + (r ? r[0] : "?");
      g.dataset.grad = r ? r[1] : "";
      paint(g, r ? r[1] : null);
    } else if (id[0] === "m") {
      showBox(g, v.groups[id].weights);
    }
  }
  for (const [name, g] of Object.entries(v.covers)) showBox(g, v.groups[name].weights);
}

function showBox(g, weights) {
  // The summary visualize.graph.weight_summary defines: max |grad| of the weights (no bias),
  // unknown while any weight's gradient is; dead once they are all known and all 0.
  if (!weights || !weights.length) return;
  let best = null;
  for (const i of weights) {
    const r = running[i];
    if (r === null) { best = null; break; }
    if (best === null || Math.abs(Number(r[1])) > Math.abs(Number(best[1]))) best = r;
  }
  const t = fieldText(g, "max |grad w|");
  if (t) t.textContent = "max |grad w| " + (best ? best[0].replace(/^-/, "") : "?");
  paint(g, best ? best[1] : null);
  const dead = best !== null && Number(best[1]) === 0;
  const mark = fieldText(g, "DEAD") || g.querySelector("text[data-dead]");
  if (mark) { mark.dataset.dead = "1"; mark.textContent = dead ? "DEAD" : ""; }
  g.classList.toggle("dead", dead);
  g.classList.toggle("alive", !dead);
}

function shown(v, id) {
  // The element standing for a DOT node: itself, or the cover of a collapsed call around it.
  const c = v.coverOf[id];
  return c ? v.covers[c] : v.nodes[id];
}

function highlight(v) {
  for (const g of v.el.querySelectorAll(".current, .hot")) g.classList.remove("current", "hot");
  for (const g of v.el.querySelectorAll(".selected")) g.classList.remove("selected");
  if (selected !== null) {
    const g = shown(v, v.boxOf[selected] || "v" + selected);
    if (g) g.classList.add("selected");
  }
  if (step === 0) return;
  const i = D.steps[step - 1].node;
  const box = v.boxOf[i];
  for (const id of box ? [box] : ["v" + i, "o" + i]) {
    const g = shown(v, id);
    if (g) g.classList.add("current");
  }
  for (const e of v.edgesInto[box || "o" + i] || []) e.classList.add("hot");
}

function render() {
  replay(step);
  const v = views[view];
  views.forEach((w, k) => { w.el.hidden = k !== view; });
  document.querySelectorAll("[data-set-view]").forEach((b) => {
    b.setAttribute("aria-pressed", String(Number(b.dataset.setView) === view));
  });
  applyCollapse(v);
  showValues(v);
  highlight(v);
  $("count").textContent = step + " / " + N;
  $("caption").textContent = step === 0
    ? "Before backward: no gradient is known yet. Press \u2192 (or next) to seed the output with 1."
    : D.steps[step - 1].caption.join("\n");
  showInfo();
  place(v);
}

function go(k) { step = Math.max(0, Math.min(N, k)); render(); }

function row(label, value) {
  const tr = document.createElement("tr");
  for (const text of [label, value]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }
  return tr;
}

function showInfo() {
  const body = $("info-body");
  body.replaceChildren();
  if (selected === null) { $("info-title").textContent = "Click a node"; return; }
  const n = D.nodes[selected];
  $("info-title").textContent = n.name;
  const table = document.createElement("table");
  table.appendChild(row("op", n.op ? n.formula : "none: a leaf (input, parameter or constant)"));
  table.appendChild(row("data", n.data));
  const r = running[selected];
  const now = row("grad now", r ? r[0] : "?");
  now.lastChild.id = "info-grad";
  table.appendChild(now);
  table.appendChild(row("grad after backward", n.grad));
  n.parents.forEach((p, j) => {
    table.appendChild(row("\u2202" + n.name + "/\u2202" + D.nodes[p].name, n.locals[j]));
  });
  body.appendChild(table);
  const mine = D.steps.find((s) => s.node === selected);
  if (mine && mine.shares.length) {
    const h = document.createElement("p");
    h.textContent = "What it passes back (chain rule):";
    const pre = document.createElement("div");
    pre.className = "sum";
    pre.id = "info-shares";
    pre.textContent = mine.shares.map((s) => s[3]).join("\n");
    body.append(h, pre);
  }
}

function select(id) {
  const v = views[view], before = view;
  if (id.startsWith("cluster_")) {
    v.collapsed.delete(id);  // a cover: expand the call again
  } else if (id[0] === "m") {
    openBox(id);
  } else if (id[0] === "v" || id[0] === "o") {
    selected = Number(id.slice(1));
  }
  render();
  if (view !== before) fit();
}

function place(v) {
  v.pane.style.transform = "translate(" + v.x + "px," + v.y + "px) scale(" + v.k + ")";
}

function zoom(factor, cx, cy) {
  const v = views[view];
  const k = Math.max(0.05, Math.min(8, v.k * factor));
  v.x = cx - (cx - v.x) * (k / v.k);
  v.y = cy - (cy - v.y) * (k / v.k);
  v.k = k;
  place(v);
}

function fit() {
  const v = views[view], svg = v.pane.querySelector("svg"), stage = $("stage");
  const w = svg.width.baseVal.value, h = svg.height.baseVal.value;
  v.k = Math.min(1, (stage.clientWidth - 20) / w, (stage.clientHeight - 20) / h);
  v.x = 10; v.y = 10;
  place(v);
}

function wire() {
  const stage = $("stage");
  let drag = null, moved = false;
  stage.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY }; moved = false; stage.classList.add("dragging");
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const v = views[view], dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
    v.x += dx; v.y += dy; drag = { x: e.clientX, y: e.clientY };
    place(v);
  });
  window.addEventListener("pointerup", () => { drag = null; stage.classList.remove("dragging"); });
  stage.addEventListener("click", (e) => {
    if (moved) return;
    const g = e.target.closest("g.node");
    if (g) { select(g.dataset.id); return; }
    const name = e.target.dataset.collapse;
    if (name) { views[view].collapsed.add(name); render(); }
  });
  stage.addEventListener("wheel", (e) => {
    e.preventDefault();
    const box = stage.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - box.left, e.clientY - box.top);
  }, { passive: false });
  $("first").onclick = () => go(0);
  $("prev").onclick = () => go(step - 1);
  $("next").onclick = () => go(step + 1);
  $("last").onclick = () => go(N);
  $("zoom-in").onclick = () => zoom(1.25, 0, 0);
  $("zoom-out").onclick = () => zoom(0.8, 0, 0);
  $("fit").onclick = fit;
  document.querySelectorAll("[data-set-view]").forEach((b) => {
    b.onclick = () => {
      view = Number(b.dataset.setView); views[view].collapsed.clear(); render(); fit();
    };
  });
  document.addEventListener("keydown", (e) => {
    const keys = { ArrowRight: () => go(step + 1), ArrowLeft: () => go(step - 1),
      Home: () => go(0), End: () => go(N),
      "+": () => zoom(1.25, 0, 0), "-": () => zoom(0.8, 0, 0) };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
}

function viewButtons() {
  const group = $("views");
  D.views.forEach((v, k) => {
    const b = document.createElement("button");
    b.textContent = v.name;
    b.dataset.setView = String(k);
    group.appendChild(b);
  });
  if (D.views.length < 2) group.style.display = "none";
}
"""

START = """
viewButtons();
wire();
render();
fit();
"""

PAGE = (
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>"""
    + _STYLE
    + """</style></head>
<body>
<header>
<h1>__TITLE__</h1>
<div class="group" id="steps">
<button id="first" title="before backward (Home)">first</button>
<button id="prev" title="step back (&larr;)">&#x25C0; back</button>
<span id="count"></span>
<button id="next" title="step forward (&rarr;)">next &#x25B6;</button>
<button id="last" title="after backward (End)">last</button>
</div>
<div class="group" id="views"></div>
<div class="group"><button id="zoom-out" title="zoom out (-)">&minus;</button>
<button id="zoom-in" title="zoom in (+)">+</button><button id="fit">fit</button></div>
<span class="keys">&larr; &rarr; step, drag to pan, wheel to zoom, click a node;
&#x25BE; name: collapse that neuron or layer, click its box to expand it</span>
</header>
<div id="caption"></div>
<main><div id="stage">__VIEWS__</div>
<aside id="info"><h2 id="info-title"></h2><div id="info-body"></div></aside></main>
<script type="application/json" id="data">__DATA__</script>
<script>"""
    + _SCRIPT
    + COLLAPSE_SCRIPT
    + START
    + """</script>
</body></html>
"""
)
