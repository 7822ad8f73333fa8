"""The explorer's per-call collapse, as page script: one neuron or layer at a time.

A collapsed call keeps its place in the layout: a cover the size of its cluster hides what is
inside and shows the call's summary (its name, its output, the largest |grad| of its weights,
DEAD once they are all known and 0), so the rest of the picture does not move. Collapsing a
layer hides its neurons' covers too; expanding it brings them back as they were.
"""

from __future__ import annotations

__all__ = ["COLLAPSE_SCRIPT"]

COLLAPSE_SCRIPT = r"""
const SVGNS = "http://www.w3.org/2000/svg";

function labelClusters(v) {
  // The cluster's title becomes its collapse toggle.
  for (const [name, g] of Object.entries(v.clusters)) {
    const t = g.querySelector(":scope > text");
    if (!t) continue;
    t.textContent = "\u25BE " + t.textContent;
    t.dataset.collapse = name;
  }
}

function outermost(v, name) {
  // The outermost collapsed call around ``name`` (itself included), or null.
  let found = null;
  for (let c = name; c; c = v.groups[c].parent) if (v.collapsed.has(c)) found = c;
  return found;
}

function applyCollapse(v) {
  v.coverOf = {};
  for (const name of v.collapsed) {
    if (outermost(v, name) !== name) continue;
    for (const id of v.groups[name].nodes) v.coverOf[id] = name;
  }
  for (const [id, g] of Object.entries(v.nodes)) g.style.display = v.coverOf[id] ? "none" : "";
  for (const [tail, head, g] of v.edges) {
    const inside = v.coverOf[tail] && v.coverOf[tail] === v.coverOf[head];
    g.style.display = inside ? "none" : "";
  }
  for (const [name, g] of Object.entries(v.clusters)) {
    g.style.display = outermost(v, name) ? "none" : "";
  }
  for (const name of Object.keys(v.clusters)) {
    const on = outermost(v, name) === name;
    if (on && !v.covers[name]) v.covers[name] = cover(v, name);
    if (v.covers[name]) v.covers[name].style.display = on ? "" : "none";
  }
}

function corners(shape) {
  const xy = (shape.getAttribute("points") || shape.getAttribute("d") || "")
    .match(/-?\d+(\.\d+)?/g).map(Number);
  const xs = xy.filter((_, j) => j % 2 === 0), ys = xy.filter((_, j) => j % 2 === 1);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function cover(v, name) {
  const group = v.groups[name];
  const [x0, y0, x1, y1] = corners(v.clusters[name].querySelector("path, polygon"));
  const g = document.createElementNS(SVGNS, "g");
  g.setAttribute("class", "node cover");
  g.dataset.id = name;
  const rect = document.createElementNS(SVGNS, "rect");
  const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 8, stroke: "#555555" };
  for (const [key, value] of Object.entries(box)) rect.setAttribute(key, String(value));
  const title = document.createElementNS(SVGNS, "title");
  title.textContent = name;
  g.append(title, rect);
  const outs = group.outputs;
  const lines = ["\u25B8 " + group.title,
    outs.length === 1 ? "out " + D.nodes[outs[0]].data : outs.length + " outs"];
  if (group.weights.length) lines.push("max |grad w| ?", "");
  const size = Math.max(9, Math.min(28, (y1 - y0) / (lines.length + 2), (x1 - x0) / 12));
  lines.forEach((text, j) => {
    const t = document.createElementNS(SVGNS, "text");
    t.setAttribute("x", String((x0 + x1) / 2));
    const middle = (y0 + y1) / 2 + size / 3;  // a baseline a third of a line below the centre
    t.setAttribute("y", String(middle + (j - (lines.length - 1) / 2) * size * 1.3));
    t.setAttribute("text-anchor", "middle");
    t.setAttribute("font-size", String(size));
    t.setAttribute("font-family", "Helvetica,Arial,sans-serif");
    if (j === 3) t.dataset.dead = "1";
    t.textContent = text;
    g.appendChild(t);
  });
  v.el.querySelector("svg > g").appendChild(g);
  return g;
}

function openBox(id) {
  // A collapsed box opens in the next finer view, where every other call that was a box
  // stays collapsed: only the one clicked comes apart.
  const from = views[view].groups[id];
  selected = from.outputs.length ? from.outputs[from.outputs.length - 1] : selected;
  if (view === 0) return;
  const boxed = new Set(Object.entries(views[view].groups)
    .filter(([name]) => name[0] === "m").map(([, group]) => group.key));
  const target = views[view - 1];
  target.collapsed.clear();
  for (const [name, group] of Object.entries(target.groups)) {
    if (target.clusters[name] && group.key !== from.key && boxed.has(group.key)) {
      target.collapsed.add(name);
    }
  }
  view -= 1;
}
"""
