"""Checkpoints: exact round trips, validation of bad files, and atomic writes under failure."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, checkpoint
from autograd_lite.checkpoint import CheckpointError, load, load_checkpoint, save
from autograd_lite.nn import MLP
from autograd_lite.optim import SGD, Adam

POINTS = [[0.3, -1.2], [2.0, 0.5], [-0.7, 0.1]]


def outputs(model: MLP) -> list[list[float]]:
    result = []
    for a, b in POINTS:
        out = model([Value(a), Value(b)])
        result.append([v.data for v in out] if isinstance(out, list) else [out.data])
    return result


@pytest.mark.parametrize(("sizes", "activation", "final"), [
    ([1], "relu", "linear"), ([16, 16, 1], "relu", "linear"),
    ([3, 2], "tanh", "sigmoid"), ([5, 4, 1], "sigmoid", "tanh"),
])  # fmt: skip
def test_save_then_load_gives_identical_predictions(
    tmp_path: Path, sizes: list[int], activation: str, final: str
) -> None:
    model = MLP(2, sizes, activation=activation, final_activation=final, seed=3)
    save(model, tmp_path / "m.json")
    again = load(tmp_path / "m.json")
    assert repr(again) == repr(model)
    assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]
    assert outputs(again) == outputs(model)


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=30)
@given(st.lists(finite, min_size=9, max_size=9))
def test_every_float_round_trips_exactly(weights: list[float]) -> None:
    model = MLP(2, [2, 1], seed=0)
    for p, w in zip(model.parameters(), weights):
        p.data = w
    data = json.loads(json.dumps(checkpoint.to_dict(model)))
    again = checkpoint.from_dict(data).model
    # Compare bit patterns: -0.0 and 0.0 must both survive, as must subnormals.
    assert [p.data.hex() for p in again.parameters()] == [w.hex() for w in weights]


def test_optimizer_state_and_metadata_round_trip(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    opt = Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        model([Value(1.0), Value(2.0)]).backward()
        opt.step()
    save(model, tmp_path / "m.json", optimizer=opt, metadata={"note": "two steps"})
    ckpt = load_checkpoint(tmp_path / "m.json")
    assert ckpt.metadata == {"note": "two steps"}
    resumed = Adam(ckpt.model.parameters(), lr=0.01)
    assert ckpt.optimizer is not None
    resumed.load_state_dict(ckpt.optimizer)
    assert (resumed.steps, resumed.m, resumed.v) == (2, opt.m, opt.v)


def test_save_refuses_a_foreign_optimizer_and_non_finite_weights(tmp_path: Path) -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="does not hold this model's parameters"):
        save(model, tmp_path / "m.json", optimizer=SGD(MLP(2, [1]).parameters(), lr=0.1))
    model.layers[0].neurons[0].w[1].data = float("nan")
    with pytest.raises(ValueError, match=r"layer 1, neuron 1, w\[1\] is nan"):
        save(model, tmp_path / "m.json")
    with pytest.raises(TypeError, match="MLP models"):
        save(model.layers[0], tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


# -- bad files: each is rejected, naming what is wrong --------------------------------------


def good(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "model.json"
    save(MLP(2, [3, 1], seed=0), path, optimizer=None)
    return path, json.loads(path.read_text())


def edits() -> list[tuple[str, Any, str]]:
    def drop_b(d: dict[str, Any]) -> None:
        del d["model"]["layers"][0]["neurons"][1]["b"]

    def short_w(d: dict[str, Any]) -> None:
        d["model"]["layers"][1]["neurons"][0]["w"].pop()

    def nan_w(d: dict[str, Any]) -> None:
        d["model"]["layers"][0]["neurons"][2]["w"][0] = float("nan")

    def newer(d: dict[str, Any]) -> None:
        d["version"] = 2

    def other(d: dict[str, Any]) -> None:
        d["format"] = "something else"

    def act(d: dict[str, Any]) -> None:
        d["model"]["layers"][0]["activation"] = "swish"

    def text_w(d: dict[str, Any]) -> None:
        d["model"]["layers"][0]["neurons"][0]["w"][1] = "0.5"

    def bad_opt(d: dict[str, Any]) -> None:
        d["optimizer"] = {"type": "Adam", "steps": 1, "m": [0.0], "v": [0.0]}

    def no_layers(d: dict[str, Any]) -> None:
        d["model"]["layers"] = []

    return [
        ("missing b", drop_b, "missing key 'b' in model.layers[0].neurons[1]"),
        (
            "wrong shape",
            short_w,
            "model.layers[1].neurons[0].w has 2 weights, but its layer gets 3",
        ),
        ("non-finite", nan_w, "model.layers[0].neurons[2].w[0] is nan"),
        ("newer version", newer, "version 2 was written by a newer autograd-lite"),
        ("not ours", other, "not an autograd-lite checkpoint"),
        ("activation", act, "activation is 'swish'"),
        ("text weight", text_w, "w[1] should be a number, found '0.5'"),
        ("optimizer", bad_opt, "optimizer.m holds 1 values; the model has 13"),
        ("no layers", no_layers, "model.layers is empty"),
    ]


@pytest.mark.parametrize(("name", "edit", "message"), edits(), ids=[e[0] for e in edits()])
def test_hand_edited_files_are_rejected_with_a_clear_error(
    tmp_path: Path, name: str, edit: Any, message: str
) -> None:
    path, data = good(tmp_path)
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=__import__("re").escape(message)) as info:
        load(path)
    assert str(path) in str(info.value)


def test_truncated_and_empty_files_are_rejected(tmp_path: Path) -> None:
    path, _ = good(tmp_path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(CheckpointError, match=r"not valid JSON at line .* truncated"):
        load(path)
    path.write_text("")
    with pytest.raises(CheckpointError, match="the file is empty"):
        load(path)
    for text in ("null", "3", '"model"'):  # valid JSON, but no object at the top
        path.write_text(text)
        with pytest.raises(CheckpointError, match="not an autograd-lite checkpoint"):
            load(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(CheckpointError, match="not a text file"):
        load(path)


# -- atomic writes ----------------------------------------------------------------------------


def test_a_failed_replace_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = good(tmp_path)
    before = path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(checkpoint.os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        save(MLP(2, [3, 1], seed=9), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_crash_in_the_middle_of_writing_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = good(tmp_path)
    before = path.read_bytes()
    real_fsync = os.fsync

    def crash(fd: int) -> None:  # the new text is in the temporary file, not yet in place
        raise KeyboardInterrupt  # e.g. Ctrl-C

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        save(MLP(2, [3, 1], seed=9), path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]
    assert outputs(load(path)) == outputs(MLP(2, [3, 1], seed=0))


def test_written_files_get_normal_permissions(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    save(MLP(2, [1], seed=0), path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


# -- hostile files: each limit gives the documented error naming the file -------------------


def with_weight(tmp_path: Path, text: str) -> Path:
    """A valid checkpoint whose first weight is written as ``text`` (raw JSON)."""
    path, data = good(tmp_path)
    data["model"]["layers"][0]["neurons"][0]["w"][0] = "HERE"
    path.write_text(json.dumps(data).replace('"HERE"', text))
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("1" * 400, "a number of 400 characters"),  # used to be a bare OverflowError
    ("7" * 5000, "a number of 5000 characters"),  # used to be int()'s ValueError, no file
    ("0." + "5" * 200, "a number of 202 characters"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper than 32 levels"),  # was a RecursionError
    ("[" * 40 + "]" * 40, "nested deeper than 32 levels"),
])  # fmt: skip
def test_hostile_numbers_and_nesting_get_the_documented_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = with_weight(tmp_path, text)
    with pytest.raises(CheckpointError, match=__import__("re").escape(message)) as info:
        load(path)
    assert str(info.value).startswith(f"{path}: ")


def test_a_long_but_ordinary_float_still_loads(tmp_path: Path) -> None:
    path = with_weight(tmp_path, "0.1000000000000000055511151231257827021181583404541015625")
    assert load(path).parameters()[0].data == 0.1


def test_size_and_parameter_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = good(tmp_path)
    size = path.stat().st_size
    with pytest.raises(CheckpointError, match=f"larger than the limit of {size - 1} bytes"):
        load_checkpoint(path, max_bytes=size - 1)
    assert load_checkpoint(path, max_bytes=size).model is not None
    monkeypatch.setattr(checkpoint, "MAX_PARAMETERS", 12)  # MLP(2, [3, 1]) has 13
    with pytest.raises(CheckpointError, match=f"{path}: the model has over 12 parameters"):
        load(path)


# -- saving: symlinks, error messages, temporary files ----------------------------------------


def test_save_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "runs" / "model-v2.json"
    real.parent.mkdir()
    save(MLP(2, [1], seed=0), real)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    save(MLP(2, [1], seed=5), link)
    assert link.is_symlink()
    assert outputs(load(real)) == outputs(MLP(2, [1], seed=5))
    assert sorted(os.listdir(real.parent)) == ["model-v2.json"]


def test_a_save_error_names_the_target_not_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"

    def no_space(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device", src)

    monkeypatch.setattr(checkpoint.os, "replace", no_space)
    with pytest.raises(OSError) as info:
        save(MLP(2, [1], seed=0), path)
    assert f"cannot write {path}" in str(info.value) and ".tmp" not in str(info.value)
    assert info.value.errno == 28
    assert os.listdir(tmp_path) == []


def test_a_folder_that_refuses_the_temporary_file_is_named_by_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a read-only folder does (simulated: the tests may run as root, who may write anyway).
    def refuse(dir: str, prefix: str, suffix: str) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "x1y2" + suffix))

    monkeypatch.setattr("autograd_lite.files.tempfile.mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        save(MLP(2, [1], seed=0), tmp_path / "m.json")
    assert str(info.value) == f"[Errno 13] cannot write {tmp_path / 'm.json'}: Permission denied"


@pytest.mark.parametrize(("metadata", "message"), [
    ({"loss": float("nan")}, "the metadata is not plain JSON data"),
    ({"model": MLP}, "the metadata is not plain JSON data"),
    ({"deep": json.loads("[" * 40 + "]" * 40)}, "nested deeper than 32 levels"),
    ({"big": 10**200}, "a number of 201 characters"),
])  # fmt: skip
def test_metadata_that_load_would_refuse_is_refused_by_save(
    tmp_path: Path, metadata: dict[str, Any], message: str
) -> None:
    path, _ = good(tmp_path)
    before = path.read_bytes()
    with pytest.raises(
        ValueError, match=f"cannot save {path}: .*{__import__('re').escape(message)}"
    ):
        save(MLP(2, [3, 1], seed=1), path, metadata=metadata)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.json"]
