"""`autograd-lite demo` end to end in temporary folders: files, validity, repeatability, options."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import checkpoint
from autograd_lite.demo import main

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"
SMALL = ["--epochs", "3", "--samples", "24", "--quiet"]


@pytest.fixture
def no_images(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip drawing (about a second per run) in tests that only look at the numbers."""
    import autograd_lite.demo as demo

    monkeypatch.setattr(demo, "_write_plots", lambda *args: ["(plots not drawn in this test)"])
    monkeypatch.setattr(demo, "_write_graph", lambda *args: "(graph not drawn in this test)")


def run(out: Path, *options: str) -> dict[str, Any]:
    assert main([*SMALL, *options, "--out", str(out)]) == 0
    return dict(json.loads((out / "model.json").read_text()))


def test_demo_writes_all_four_files(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    pytest.importorskip("graphviz", reason="the graphviz package is not installed")
    out = tmp_path / "out"
    run(out)
    assert sorted(p.name for p in out.iterdir()) == [
        "decision_boundary.png", "loss.png", "model.json", "neuron_graph.svg",
    ]  # fmt: skip
    for name in ("loss.png", "decision_boundary.png"):
        assert (out / name).read_bytes()[:8] == PNG
    svg = ET.fromstring((out / "neuron_graph.svg").read_text())
    assert svg.tag.endswith("svg")
    text = (out / "neuron_graph.svg").read_text()
    assert "grad" in text and "relu" in text and "w1" in text
    model = checkpoint.load(out / "model.json")
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]


def test_same_seed_same_numbers_and_another_seed_differs(tmp_path: Path, no_images: None) -> None:
    first = run(tmp_path / "a", "--seed", "7")
    second = run(tmp_path / "b", "--seed", "7")
    other = run(tmp_path / "c", "--seed", "8")
    assert first["model"] == second["model"]
    assert first["metadata"]["history"]["loss"] == second["metadata"]["history"]["loss"]
    assert first["model"] != other["model"]


def test_the_default_run_reaches_full_training_accuracy(tmp_path: Path, no_images: None) -> None:
    assert main(["--quiet", "--out", str(tmp_path)]) == 0
    meta = json.loads((tmp_path / "model.json").read_text())["metadata"]
    assert meta["accuracy"] == 1.0 and meta["epochs"] == 100 and meta["dataset"] == "moons"


@pytest.mark.parametrize("options", [
    ["--dataset", "circles"], ["--dataset", "spirals", "--activation", "tanh"],
    ["--dataset", "xor", "--optimizer", "adam", "--lr", "0.02"],
    ["--dataset", "blobs", "--hidden", "4", "--batch-size", "8"],
])  # fmt: skip
def test_options_change_the_run(tmp_path: Path, options: list[str], no_images: None) -> None:
    data = run(tmp_path, *options)
    meta = data["metadata"]
    assert meta["dataset"] == options[1]
    if "--hidden" in options:
        assert [len(layer["neurons"]) for layer in data["model"]["layers"]] == [4, 1]
    if "--optimizer" in options:
        assert data["optimizer"]["type"] == "Adam" and data["optimizer"]["lr"] == 0.02
    if "--activation" in options:
        assert data["model"]["layers"][0]["activation"] == "tanh"


def test_progress_and_summary_are_printed_unless_quiet(
    no_images: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--epochs", "2", "--samples", "20"]) == 0  # default --out: ./demo-output
    out = capsys.readouterr().out
    assert "Training MLP(2, [16, 16, 1])" in out and "training accuracy" in out
    assert (tmp_path / "demo-output" / "model.json").exists()
    assert main([*SMALL, "--out", str(tmp_path / "q")]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("options", [
    ["--hidden", "16,x"], ["--hidden", "0"], ["--epochs", "0"], ["--dataset", "mnist"],
    ["--lr", "-1"], ["--optimizer", "lbfgs"],
])  # fmt: skip
def test_bad_options_exit_with_status_2_and_a_message(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(options)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_an_out_path_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("x")
    assert main([*SMALL, "--out", str(tmp_path / "taken")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_ctrl_c_saves_what_was_learned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_images: None
) -> None:
    import autograd_lite.demo as demo

    real_fit = demo.fit

    def fit_interrupted_after_two(*args: Any, **kwargs: Any) -> Any:
        kwargs["callbacks"] = [lambda epoch, h: (_ for _ in ()).throw(KeyboardInterrupt)
                               if epoch == 2 else None]  # fmt: skip
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(demo, "fit", fit_interrupted_after_two)
    assert main([*SMALL, "--out", str(tmp_path)]) == 130
    meta = json.loads((tmp_path / "model.json").read_text())["metadata"]
    assert meta["epochs"] == 2


def test_the_command_line_runs_the_demo(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", "--epochs", "2", "--samples", "16",
         "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "training accuracy" in done.stdout
    assert (tmp_path / "model.json").exists()
