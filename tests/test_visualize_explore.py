"""visualize.explore: the offline explorer page, and the same page driven in headless Chromium."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value, topological_order
from autograd_lite.nn import MLP
from visualize import Explorer, explore, format_number
from visualize.backprop import backward_steps
from visualize.browser import CHROMIUM_ARGS, find_chromium

CHROMIUM = find_chromium()


def loss() -> Value:
    x, w, b, t = (Value(v, label=n) for v, n in ((1.0, "x"), (0.5, "w"), (0.0, "b"), (1.0, "t")))
    f = ((x * w + b).sigmoid() - t) ** 2
    f.label = "f"
    f.backward()
    return f


def mlp() -> Value:
    return mlp_and_model()[0]


def mlp_and_model() -> tuple[Value, MLP]:
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    out.backward()
    return out, model


def page_data(page: str) -> Any:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_page_is_one_offline_file(tmp_path: Path) -> None:
    out = explore(loss(), tmp_path / "graph.html")
    page = out.path.read_text(encoding="utf-8") if out.path else ""
    assert page == out.html and page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # nothing fetched
    assert "<link" not in page and "@import" not in page
    assert page.count("<script") == 2  # the data and the inline script, nothing external
    data = page_data(page)
    assert len(data["steps"]) == len(topological_order(loss())) == 9
    assert data["steps"][0]["node"] == len(data["nodes"]) - 1  # the output first


def test_the_data_carries_the_engines_numbers_and_the_chain_rule_text() -> None:
    f = loss()
    order = topological_order(f)
    data = page_data(explore(f).html)
    for node, shown in zip(order, data["nodes"]):
        assert shown["exact"] == repr(node.grad) and shown["data"] == format_number(node.data)
    seventh = data["steps"][6]  # t1 = x * w
    assert seventh["caption"][0].startswith("Step 7 of 9: t1 = x \u00d7 w")
    assert [s[3].split(" +=")[0] for s in seventh["shares"]] == ["x.grad", "w.grad"]


def test_labels_cannot_break_out_of_the_page() -> None:
    a = Value(2.0, label="</script><script>alert(1)</script>__VIEWS__")
    page = explore(a * a).html
    assert "<script>alert" not in page and page.count("</script>") == 2
    assert page.count("__VIEWS__") == 0 or "alert(1)" in page_data(page)["nodes"][0]["name"]


def test_it_shows_inline_in_jupyter_in_an_iframe() -> None:
    out = explore(loss())
    frame = out._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and html.unescape(frame).count(out.html) == 1
    assert isinstance(out, Explorer) and "KiB" in repr(out)


def test_collapsed_views_are_offered_when_the_graph_has_modules() -> None:
    names = [v["name"] for v in page_data(explore(mlp()).html)["views"]]
    assert names == ["every value", "neurons collapsed", "layers collapsed"]
    assert [v["name"] for v in page_data(explore(loss()).html)["views"]] == ["every value"]


def missing(reason: str) -> None:
    """Skip on a developer's machine; in CI (CI=true, as .ci/run sets) the browser tests must
    run, so a missing browser fails instead of passing silently."""
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Any:
    if CHROMIUM is None:
        missing("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield launched
        launched.close()


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith("file:") else problems.append(r.url))
    page.goto(path.resolve().as_uri())
    return page, problems


def shown_grad(page: Any, node_index: int) -> tuple[str, str]:
    """The exact gradient the page holds for a value and the text it shows."""
    g = page.locator(f".view:not([hidden]) g.node[data-id='v{node_index}']")
    texts = [t.replace("\xa0", " ") for t in g.locator("text").all_text_contents()]
    return g.get_attribute("data-grad"), next(t for t in texts if t.startswith("grad "))


def test_in_chromium_click_a_node_then_step_three_times(browser: Any, tmp_path: Path) -> None:
    f = loss()
    order = topological_order(f)
    path = explore(f, tmp_path / "graph.html").path
    assert path is not None
    page, problems = open_page(browser, path)
    assert page.locator("#count").text_content() == "0 / 9"
    page.locator(f"g.node[data-id='v{order.index(f)}']").click()
    assert page.locator("#info-title").text_content() == "f"
    assert page.locator("#info-grad").text_content() == "?"  # before backward
    page.locator("#next").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#count").text_content() == "3 / 9"
    steps = backward_steps(f)
    for node, _ in steps[:3]:  # each of the three has its final gradient, as the engine's
        exact, text = shown_grad(page, order.index(node))
        assert exact == repr(node.grad) and text == f"grad {format_number(node.grad)}"
    unreached = order.index(steps[-1][0])  # x: nothing has reached it yet
    assert shown_grad(page, unreached) == ("", "grad ?")
    current = page.locator(".view:not([hidden]) g.node.current title").all_text_contents()
    assert f"v{order.index(steps[2][0])}" in current
    assert page.locator("#caption").text_content().startswith("Step 3 of 9")  # type: ignore[union-attr]
    page.keyboard.press("ArrowLeft")
    assert page.locator("#count").text_content() == "2 / 9"
    page.locator("#last").click()
    for node in order:
        assert shown_grad(page, order.index(node))[0] == repr(node.grad)
    page.screenshot(path=str(tmp_path / "explorer.png"))
    assert (tmp_path / "explorer.png").read_bytes()[:4] == b"\x89PNG"
    assert problems == []


def test_in_chromium_collapse_expand_pan_and_zoom(browser: Any, tmp_path: Path) -> None:
    path = explore(mlp(), tmp_path / "mlp.html").path
    assert path is not None
    page, problems = open_page(browser, path)
    page.get_by_role("button", name="neurons collapsed").click()
    boxes = page.locator(".view:not([hidden]) g.node[data-id^='m']")
    assert boxes.count() == 9  # 4 + 4 + 1 neuron boxes
    boxes.first.click()  # a box opens in the view with every value, the others stay closed
    assert page.get_by_role("button", name="every value").get_attribute("aria-pressed") == "true"
    assert page.locator(".view:not([hidden]) g.node.selected").count() == 1
    covers = page.locator(".view:not([hidden]) g.cover")
    assert covers.count() == 8 and all(c.is_visible() for c in covers.all())
    pane = page.locator(".view:not([hidden]) .pane")

    def where() -> list[float]:
        text = pane.evaluate("e => e.style.transform")
        return [float(v) for v in re.findall(r"-?[\d.]+", text)]  # x, y, scale

    x, y, k = where()
    page.mouse.move(600, 400)
    page.mouse.wheel(0, -300)  # one notch in: 15 % closer
    assert where()[2] == pytest.approx(k * 1.15, rel=1e-3)
    x, y, k = where()
    page.mouse.down()
    page.mouse.move(700, 450)
    page.mouse.up()
    assert where() == pytest.approx([x + 100, y + 50, k], rel=1e-3)
    assert problems == []


def test_the_browser_flags_have_one_definition() -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "render_graph_examples.py"
    text = script.read_text(encoding="utf-8")
    assert "from visualize.browser import CHROMIUM_ARGS" in text
    assert not any(flag in text for flag in CHROMIUM_ARGS)  # no second copy of any flag


def box_texts(page: Any, box: str) -> list[str]:
    g = page.locator(f".view:not([hidden]) g.node[data-id='{box}']")
    return [t.replace("\xa0", " ").strip() for t in g.locator("text").all_text_contents()]


def test_in_chromium_a_box_turns_dead_only_at_the_step_its_weights_are_reached(
    browser: Any, tmp_path: Path
) -> None:
    out = mlp()
    order = topological_order(out)
    data = page_data(explore(out).html)
    view = data["views"][1]  # neurons collapsed
    boxes = {b: group["weights"] for b, group in view["groups"].items() if b[0] == "m"}
    dead = [b for b, ws in boxes.items() if all(order[i].grad == 0 for i in ws)]
    assert dead  # seed 0 has dead ReLUs
    box = dead[0]
    weights = {order[i] for i in boxes[box]}
    # The step whose node passes gradients to these weights: the neuron's w.x+b
    reached = next(
        k for k, (node, _) in enumerate(backward_steps(out), 1) if weights & set(node.parents)
    )
    path = explore(out, tmp_path / "mlp.html").path
    assert path is not None
    page, problems = open_page(browser, path)
    page.get_by_role("button", name="neurons collapsed").click()
    g = page.locator(f".view:not([hidden]) g.node[data-id='{box}']")
    for step, is_dead in ((0, False), (reached - 1, False), (reached, True), (len(order), True)):
        page.keyboard.press("Home")
        for _ in range(step):
            page.keyboard.press("ArrowRight")
        assert page.locator("#count").text_content() == f"{step} / {len(order)}"
        assert ("DEAD" in box_texts(page, box)) == is_dead, (step, box_texts(page, box))
        assert ("dead" in (g.get_attribute("class") or "").split()) == is_dead
        stroke = g.locator("path").first.evaluate("e => getComputedStyle(e).strokeDasharray")
        assert (stroke != "none") == is_dead, stroke
    assert problems == []


def cluster_named(data: Any, title: str, parent: str | None) -> str:
    """The DOT name of the every-value view's cluster with this title inside that parent."""
    groups = data["views"][0]["groups"]
    return next(
        name
        for name, g in groups.items()
        if name.startswith("cluster_")
        and g["title"] == title
        and (g["parent"] and groups[g["parent"]]["title"]) == parent
    )


def test_in_chromium_collapse_and_expand_one_neuron_and_one_layer(
    browser: Any, tmp_path: Path
) -> None:
    out, model = mlp_and_model()
    order = topological_order(out)
    data = page_data(explore(out).html)
    neuron = cluster_named(data, "Neuron 2", "Layer 1")
    layer = cluster_named(data, "Layer 1", "MLP")
    mine = model.layers[0].neurons[1]
    other = model.layers[0].neurons[0]
    path = explore(out, tmp_path / "mlp.html").path
    assert path is not None
    page, problems = open_page(browser, path)
    view = ".view:not([hidden])"

    def visible(node: Value) -> bool:
        return bool(page.locator(f"{view} g.node[data-id='v{order.index(node)}']").is_visible())

    def cover(name: str) -> Any:
        return page.locator(f"{view} g.cover[data-id='{name}']")

    assert visible(mine.w[0]) and cover(neuron).count() == 0
    page.locator(f"{view} text[data-collapse='{neuron}']").click()
    assert cover(neuron).is_visible() and not visible(mine.w[0]) and not visible(mine.b)
    assert visible(other.w[0]) and visible(model.layers[1].neurons[0].w[0])
    texts = [t.strip() for t in cover(neuron).locator("text").all_text_contents()]
    made = format_number(out_of(mine, order).data)
    assert texts[:3] == ["\u25b8 Neuron 2", f"out {made}", "max |grad w| ?"]
    page.keyboard.press("End")  # after backward: the largest weight gradient, bias left out
    top = max(abs(w.grad) for w in mine.w)
    assert f"max |grad w| {format_number(top)}" in cover(neuron).locator("text").all_text_contents()
    page.keyboard.press("Home")
    reached = next(
        k for k, (node, _) in enumerate(backward_steps(out), 1) if set(mine.w) & set(node.parents)
    )
    for _ in range(reached):
        page.keyboard.press("ArrowRight")
    assert "current" in (cover(neuron).get_attribute("class") or "")  # the step is inside it

    page.locator(f"{view} text[data-collapse='{layer}']").click()  # the whole layer
    assert cover(layer).is_visible() and not cover(neuron).is_visible()
    assert not visible(other.w[0]) and visible(model.layers[1].neurons[0].w[0])
    assert "4 outs" in [t.strip() for t in cover(layer).locator("text").all_text_contents()]
    cover(layer).click()  # expand the layer: its neuron 2 is still collapsed, as it was
    assert cover(layer).count() == 1 and not cover(layer).is_visible()
    assert cover(neuron).is_visible() and visible(other.w[0]) and not visible(mine.w[0])
    cover(neuron).click()  # and back: every value of neuron 2 again
    assert not cover(neuron).is_visible() and visible(mine.w[0]) and visible(mine.b)
    page.screenshot(path=str(tmp_path / "collapse.png"))
    assert problems == []


def out_of(neuron: Any, order: list[Value]) -> Value:
    """The value a neuron call made: its one node, activation and weighted sum fused."""
    params = set(neuron.parameters())
    return next(n for n in order if params & set(n.parents))
