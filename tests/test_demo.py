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

    monkeypatch.setattr(demo, "_write_plots", lambda *args: None)
    monkeypatch.setattr(demo, "_write_graph", lambda *args: None)


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


# -- issue 17: bad input, partial installs, interrupts ----------------------------------------


def run_demo(*options: str, env: dict[str, str] | None = None, pre: str = "") -> Any:
    """The demo in a fresh interpreter (``pre`` runs first, e.g. to hide a package)."""
    code = f"{pre}\nimport sys\nfrom autograd_lite.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "demo", *options],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )  # fmt: skip


def test_blobs_noise_zero_is_used_not_replaced_by_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_images: None
) -> None:
    import autograd_lite.demo as demo

    seen: list[float] = []
    real = demo.make_blobs

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["cluster_std"])
        return real(*args, **kwargs)

    monkeypatch.setattr(demo, "make_blobs", spy)
    assert run(tmp_path, "--dataset", "blobs", "--noise", "0")["metadata"]["noise"] == 0
    assert seen == [0]


@pytest.mark.parametrize("options", [
    ["--noise", "1e308"], ["--noise", "nan"], ["--noise", "inf"], ["--noise", "-1"],
    ["--samples", "1"], ["--lr", "nan"],
])  # fmt: skip
def test_bad_values_are_one_line_before_any_work(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([*options, "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("autograd-lite demo: error: argument")
    assert not (tmp_path / "out").exists()


def test_an_out_path_under_a_file_is_refused_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import autograd_lite.demo as demo

    (tmp_path / "afile").write_text("x")
    monkeypatch.setattr(demo, "fit", lambda *a, **k: pytest.fail("trained before checking --out"))
    assert main([*SMALL, "--out", str(tmp_path / "afile" / "sub")]) == 2
    err = capsys.readouterr().err
    assert err == f"autograd-lite demo: error: --out {tmp_path / 'afile' / 'sub'}: " \
        f"{tmp_path / 'afile'} is a file, not a folder (see --help)\n"  # fmt: skip


def test_diverging_training_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([*SMALL, "--epochs", "20", "--lr", "1e10", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "training diverged" in err and "smaller --lr" in err
    assert not out.exists()


def test_same_seed_gives_a_byte_identical_checkpoint(tmp_path: Path, no_images: None) -> None:
    run(tmp_path / "a", "--seed", "3")
    run(tmp_path / "b", "--seed", "3")
    first = (tmp_path / "a" / "model.json").read_bytes()
    assert first == (tmp_path / "b" / "model.json").read_bytes()
    assert b'"time"' not in first  # timings vary from run to run: not in the checkpoint


def test_ctrl_c_while_writing_keeps_the_previous_complete_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import autograd_lite.demo as demo

    out = tmp_path / "out"
    out.mkdir()
    previous = {name: f"previous {name}" for name in demo.OUTPUTS}
    for name, text in previous.items():
        (out / name).write_text(text)

    def interrupted_plots(
        model: Any, history: Any, X: Any, y: Any, folder: Path, *rest: Any
    ) -> None:
        (folder / "loss.png").write_bytes(b"new")
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_write_plots", interrupted_plots)
    assert main([*SMALL, "--out", str(out)]) == 130
    assert capsys.readouterr().err == "autograd-lite demo: interrupted\n"
    assert {p.name: p.read_text() for p in out.iterdir()} == previous  # no .partial-* either


def test_a_new_run_never_leaves_files_of_the_previous_one(tmp_path: Path, no_images: None) -> None:
    (tmp_path / "neuron_graph.svg").write_text("from an earlier run")
    (tmp_path / "notes.txt").write_text("not the demo's")
    run(tmp_path)  # draws nothing in this test
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "notes.txt"]


def test_an_unexpected_error_is_one_line_unless_debug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import autograd_lite.demo as demo

    def bug(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("a bug")

    monkeypatch.setattr(demo, "fit", bug)
    assert main([*SMALL, "--out", str(tmp_path / "o")]) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error TypeError: a bug" in err and "--debug" in err
    with pytest.raises(TypeError, match="a bug"):
        main([*SMALL, "--out", str(tmp_path / "o"), "--debug"])
    assert not (tmp_path / "o").exists()


def test_without_matplotlib_the_demo_says_which_extra_and_keeps_the_rest(tmp_path: Path) -> None:
    pytest.importorskip("graphviz", reason="the graphviz package is not installed")
    done = run_demo(
        *SMALL, "--out", str(tmp_path), pre="import sys; sys.modules['matplotlib'] = None"
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "skipped loss.png, decision_boundary.png: " in done.stderr
    assert "autograd-lite[train]" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "neuron_graph.svg"]


def test_without_graphviz_the_demo_says_which_extra_and_keeps_the_rest(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    done = run_demo(
        *SMALL, "--out", str(tmp_path), pre="import sys; sys.modules['graphviz'] = None"
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "skipped neuron_graph.svg: the optional package" in done.stderr
    assert 'pip install "autograd-lite[viz]"' in done.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["decision_boundary.png", "loss.png", "model.json"]  # plots need no graphviz


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # As `autograd-lite demo | head -1`: the reader goes away before the demo is done.
    code = "import sys\nfrom autograd_lite.cli import main\nsys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "demo", "--epochs", "2", "--samples", "16",
         "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err


# -- the classic data sets (scikit-learn) -------------------------------------------------------


def test_iris_trains_three_logits_on_softmax_cross_entropy(
    tmp_path: Path, no_images: None, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (the [sklearn] extra)")
    options = ["--dataset", "iris", "--epochs", "40", "--optimizer", "adam", "--out"]
    assert main([*options, str(tmp_path)]) == 0
    said = capsys.readouterr().out
    assert "Training MLP(4, [16, 16, 3])" in said and "softmax cross-entropy" in said
    meta = json.loads((tmp_path / "model.json").read_text())["metadata"]
    assert meta["samples"] == 150 and meta["noise"] is None
    assert meta["accuracy"] > 0.9 and meta["loss"] < 0.4
    model = checkpoint.load(tmp_path / "model.json")
    assert len(model.layers[-1].neurons) == 3


def test_breast_cancer_keeps_one_score_and_the_hinge(tmp_path: Path, no_images: None) -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (the [sklearn] extra)")
    assert main(["--dataset", "breast_cancer", "--epochs", "2", "--quiet",
                 "--hidden", "4", "--out", str(tmp_path)]) == 0  # fmt: skip
    model = checkpoint.load(tmp_path / "model.json")
    assert len(model.layers[0].neurons[0].w) == 30 and len(model.layers[-1].neurons) == 1


def test_a_classic_set_draws_no_boundary_and_says_why(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (the [sklearn] extra)")
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    done = run_demo("--dataset", "iris", "--epochs", "2", "--quiet", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "skipped decision_boundary.png: it draws 2-D data, this has 4 features" in done.stderr
    assert (tmp_path / "loss.png").read_bytes()[:8] == PNG
    assert not (tmp_path / "decision_boundary.png").exists()


def test_without_scikit_learn_a_classic_set_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    done = run_demo("--dataset", "iris", "--out", str(tmp_path),
                    pre="import sys; sys.modules['sklearn'] = None")  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "autograd-lite[sklearn]" in lines[0], done.stderr
    assert lines[0].startswith("autograd-lite demo: error: ")


def test_noise_and_samples_are_refused_for_a_classic_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--dataset", "wine", "--noise", "0.1", "--out", str(tmp_path)]) == 2
    assert "--noise and --samples shape the toy data sets; wine is used whole" in (
        capsys.readouterr().err
    )
