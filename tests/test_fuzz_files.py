"""Fuzzing the file readers: mutated checkpoints and CSV files load correctly or get the
documented error naming the file, never another exception.

Every example starts from a valid file and damages it: random bytes, truncation, a value of
another type, huge numbers, deep nesting. The example budget is fixed here (``FUZZ``); the
loaded profile decides the rest (the ``ci`` profile is derandomized, so CI runs the same
examples every time).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import checkpoint
from autograd_lite.checkpoint import CheckpointError
from autograd_lite.data import CSVError, load_csv
from autograd_lite.nn import MLP
from autograd_lite.optim import Adam

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _valid_checkpoint() -> bytes:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    opt = Adam(model.parameters(), lr=0.01)
    data = checkpoint.to_dict(model, opt, {"epochs": 3, "history": {"loss": [0.5, 0.25]}})
    return json.dumps(data, indent=1).encode()


VALID_CHECKPOINT = _valid_checkpoint()
VALID_CSV = b"x1,x2,label\n0.5,-1.25,0\n3,4e-3,1\n\n-7.5,2,1\n"

# Replacement values: every JSON type, numbers at and past every limit, deep nesting.
huge_numbers = st.sampled_from(["1" * 400, "9" * 5000, "1e999", "-1e400", "0." + "3" * 300])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


def _byte_mutation(data: st.DataObject, raw: bytes) -> bytes:
    kind = data.draw(st.sampled_from(["truncate", "replace", "insert", "delete"]))
    at = data.draw(st.integers(0, len(raw)))
    if kind == "truncate":
        return raw[:at]
    piece = data.draw(st.binary(min_size=1, max_size=8))
    if kind == "replace":
        return raw[:at] + piece + raw[at + len(piece) :]
    if kind == "insert":
        return raw[:at] + piece + raw[at:]
    return raw[:at] + raw[at + len(piece) :]


def _places(tree: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) to a value inside a parsed JSON document."""
    found = [path]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += _places(value, (*path, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            found += _places(value, (*path, i))
    return found


def _replace_in(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return tree


def _structural_mutation(data: st.DataObject, raw: bytes) -> bytes:
    tree = json.loads(raw)
    where = data.draw(st.sampled_from(_places(tree)))
    kind = data.draw(st.sampled_from(["value", "huge", "deep", "drop"]))
    if kind == "drop" and where:
        parent = _replace_in(tree, (), tree)
        for key in where[:-1]:
            parent = parent[key]
        del parent[where[-1]]
        return json.dumps(tree).encode()
    if kind == "value":
        return json.dumps(_replace_in(tree, where, data.draw(json_values))).encode()
    # Raw JSON text a dumps() of Python objects cannot produce: spliced in as a marker.
    text = data.draw(huge_numbers) if kind == "huge" else "[" * 50_000 + "]" * 50_000
    marked = json.dumps(_replace_in(tree, where, "\x00MARK\x00"))
    return marked.replace('"\\u0000MARK\\u0000"', text).encode()


def _mutated(data: st.DataObject, raw: bytes) -> bytes:
    if data.draw(st.booleans()):
        return _byte_mutation(data, raw)
    return _structural_mutation(data, raw)


@FUZZ
@given(st.data())
def test_a_mutated_checkpoint_loads_or_gets_the_documented_error(
    folder: Path, data: st.DataObject
) -> None:
    path = folder / "model.json"
    path.write_bytes(_mutated(data, VALID_CHECKPOINT))
    try:
        loaded = checkpoint.load_checkpoint(path)
    except CheckpointError as exc:
        assert str(exc).startswith(f"{path}: ")
        return
    assert isinstance(loaded.model, MLP)
    assert all(math.isfinite(p.data) for p in loaded.model.parameters())
    assert isinstance(loaded.metadata, dict)


def _csv_cell_mutation(data: st.DataObject, raw: bytes) -> bytes:
    lines = raw.decode().split("\n")
    row = data.draw(st.integers(0, len(lines) - 1))
    cells = lines[row].split(",")
    col = data.draw(st.integers(0, len(cells) - 1))
    cells[col] = data.draw(
        huge_numbers
        | st.sampled_from(["", " ", "nan", "inf", '"', '"1,2"', "\x00", "1" * 200_000, "\ufeff"])
        | st.text(max_size=6)
    )
    lines[row] = ",".join(cells)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@FUZZ
@given(st.data(), st.sampled_from([-1, 0, "label", "x1", 7]), st.sampled_from([None, True, False]))
def test_a_mutated_csv_loads_or_gets_the_documented_error(
    folder: Path, data: st.DataObject, target: int | str, header: bool | None
) -> None:
    path = folder / "table.csv"
    raw = (
        _byte_mutation(data, VALID_CSV)
        if data.draw(st.booleans())
        else _csv_cell_mutation(data, VALID_CSV)
    )
    path.write_bytes(raw)
    try:
        X, y = load_csv(path, target=target, header=header)
    except CSVError as exc:
        assert str(exc).startswith(f"{path}: ")
        return
    assert len(X) == len(y) > 0
    assert len({len(row) for row in X}) == 1
    assert all(math.isfinite(v) for row in X for v in row)
    assert all(math.isfinite(v) for v in y)
