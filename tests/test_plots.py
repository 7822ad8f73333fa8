"""visualize.plots: valid image files, what the pixels show, errors and atomic writes."""

from __future__ import annotations

import os
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install matplotlib)")

from autograd_lite import Value
from autograd_lite.nn import MLP
from autograd_lite.train import History
from visualize.plots import plot_decision_boundary, plot_history

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def history() -> History:
    return History(
        epoch=[1, 2, 3], loss=[1.0, 0.4, 0.1], accuracy=[0.5, 0.8, 1.0],
        val_loss=[1.1, 0.6, 0.3], val_accuracy=[0.4, 0.7, 0.9],
    )  # fmt: skip


def test_plot_history_writes_png_and_svg(tmp_path: Path) -> None:
    plot_history(history(), tmp_path / "loss.png", title="My run")
    width, height = png_size(tmp_path / "loss.png")
    assert width > 2 * height > 400  # two panels side by side
    plot_history(history(), tmp_path / "loss.svg", title="My run")
    text = (tmp_path / "loss.svg").read_text()
    ET.fromstring(text)
    for words in ("My run", "epoch", "validation loss", "training accuracy"):
        assert words in text


def test_plot_history_rejects_empty_history_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="history is empty"):
        plot_history(History(), tmp_path / "x.png")
    with pytest.raises(ValueError, match="unknown image type 'jpg'"):
        plot_history(history(), tmp_path / "x.jpg")


def rgb_at(path: Path, fx: float, fy: float) -> tuple[float, float, float]:
    from matplotlib.image import imread

    img = imread(path)
    h, w = img.shape[:2]
    r, g, b = img[int(fy * h)][int(fx * w)][:3]
    return float(r), float(g), float(b)


def test_decision_regions_are_coloured_by_the_models_score(tmp_path: Path) -> None:
    # score = x1: negative (blue) on the left of the plot, positive (red) on the right.
    def model(xs: list[Value]) -> Value:
        return xs[0] * 1.0

    X, y = [[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0], [2.0, -2.0]], [0, 1, 0, 1]
    out = tmp_path / "b.png"
    plot_decision_boundary(model, X, y, out, resolution=20, margin=0.5)
    left = rgb_at(out, 0.15, 0.3)
    right = rgb_at(out, 0.7, 0.3)
    assert left[2] > left[0] + 0.1, left  # blue-ish
    assert right[0] > right[2] + 0.1, right  # red-ish


def test_multi_class_models_and_svg_output(tmp_path: Path) -> None:
    X, y = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]], [0, 1, 2]
    plot_decision_boundary(MLP(2, [4, 3], seed=0), X, y, tmp_path / "m.svg", resolution=8)
    text = (tmp_path / "m.svg").read_text()
    ET.fromstring(text)
    assert "class 2" in text and "class 0" in text


@pytest.mark.parametrize(("X", "y", "message"), [
    ([[0.0, 1.0, 2.0]], [1], "2-D data"),
    ([[0.0, 1.0]], [1, 0], "1 points and 2 labels"),
])  # fmt: skip
def test_decision_boundary_rejects_bad_data(tmp_path: Path, X: Any, y: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(MLP(2, [1], seed=0), X, y, tmp_path / "b.png")


def test_a_failed_save_keeps_the_old_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    out = tmp_path / "loss.png"
    out.write_bytes(b"old image")

    def crash(self: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("renderer died (simulated)")

    monkeypatch.setattr(Figure, "savefig", crash)
    with pytest.raises(RuntimeError, match="simulated"):
        plot_history(history(), out)
    assert out.read_bytes() == b"old image"
    assert os.listdir(tmp_path) == ["loss.png"]


def test_the_grid_is_evaluated_in_one_batched_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import visualize.plots as plots

    calls: list[int] = []
    real = plots.BatchedPredictor.__call__

    def counting(self: Any, points: Any) -> Any:
        calls.append(len(points))
        return real(self, points)

    monkeypatch.setattr(plots.BatchedPredictor, "__call__", counting)
    probed: list[int] = []
    real_predict = plots.predict

    def counting_predict(model: Any, points: Any) -> Any:
        probed.append(len(points))
        return real_predict(model, points)

    monkeypatch.setattr(plots, "predict", counting_predict)
    X, y = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]], [0, 1, 2]
    plot_decision_boundary(MLP(2, [5, 3], seed=0), X, y, tmp_path / "m.png", resolution=30)
    assert calls == [900]
    assert probed == [4]  # the spot check through the engine, not the whole grid


@pytest.mark.parametrize("sizes", [[4, 1], [6, 3]])
def test_batched_grid_outputs_equal_the_engine_point_by_point(sizes: list[int]) -> None:
    from autograd_lite.train import predict
    from visualize.plots import model_outputs

    model = MLP(2, sizes, activation="tanh", seed=3)
    points = [[a / 7 - 1.5, b / 5 - 2.0] for a in range(21) for b in range(21)]
    fast = model_outputs(model, points)
    for got, out in zip(fast, predict(model, points), strict=True):
        expected = [v.data for v in out] if isinstance(out, list) else [out.data]
        got = got if isinstance(got, list) else [got]
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_a_model_the_replay_cannot_take_is_evaluated_point_by_point(tmp_path: Path) -> None:
    from visualize.plots import model_outputs

    def branching(xs: list[Value]) -> Value:  # compile refuses a branch on data
        return xs[0] * 1.0 if xs[0].data > xs[1].data else xs[1] * -1.0

    assert model_outputs(branching, [[1.0, 0.0], [0.0, 2.0]]) == [1.0, -2.0]
    X, y = [[-2.0, -2.0], [2.0, 2.0]], [0, 1]
    plot_decision_boundary(branching, X, y, tmp_path / "b.png", resolution=10)
    assert (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"
