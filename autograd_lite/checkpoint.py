"""Save and load MLP checkpoints as versioned JSON, written atomically and validated on load.

A checkpoint holds the architecture (inputs, layer sizes, activations), every weight (JSON
writes floats with ``repr``, which reads back as the identical float), optionally an
optimizer's state, and free-form metadata. Example file (shortened)::

    {"format": "autograd-lite checkpoint", "version": 1,
     "model": {"type": "MLP", "nin": 2, "layers": [
         {"activation": "relu", "neurons": [{"w": [0.52, -0.81], "b": 0.1}, ...]}, ...]},
     "optimizer": {"type": "SGD", "steps": 100, ...} or null, "metadata": {...}}
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

from .files import atomic_open
from .nn import ACTIVATIONS, MLP, Module

__all__ = [
    "FORMAT",
    "VERSION",
    "MAX_BYTES",
    "MAX_NUMBER_CHARS",
    "MAX_DEPTH",
    "MAX_PARAMETERS",
    "Checkpoint",
    "CheckpointError",
    "save",
    "load",
    "load_checkpoint",
    "to_dict",
    "from_dict",
]

FORMAT = "autograd-lite checkpoint"
VERSION = 1

# Limits that keep a hostile or corrupt file from exhausting memory, time or the stack; each
# is far above what a model this engine can train needs (a 1M-parameter file is about 25 MB).
MAX_BYTES = 256 * 2**20
MAX_NUMBER_CHARS = 100  # longer than any float's repr; int() of 4,300+ digits is refused anyway
MAX_DEPTH = 32  # the model needs 6 levels; metadata gets the rest
MAX_PARAMETERS = 5_000_000


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: the message names the file and what is wrong."""


@dataclass
class Checkpoint:
    """What a checkpoint file holds, once validated.

    Example:
        >>> Checkpoint(MLP(2, [1], seed=0)).optimizer is None
        True
    """

    model: MLP
    optimizer: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def to_dict(
    model: Module, optimizer: Any = None, metadata: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The checkpoint of ``model`` (and optionally ``optimizer``) as JSON-ready data.

    Example:
        >>> data = to_dict(MLP(2, [3, 1], seed=0))
        >>> data["version"], [len(layer["neurons"]) for layer in data["model"]["layers"]]
        (1, [3, 1])
    """
    if not isinstance(model, MLP):
        raise TypeError(f"checkpoints store MLP models, got {type(model).__name__}")
    layers = []
    for i, layer in enumerate(model.layers, start=1):
        kinds = {n.activation for n in layer.neurons}
        if len(kinds) != 1:
            raise ValueError(f"layer {i} mixes activations {sorted(kinds)}; a checkpoint needs one")
        neurons = []
        for j, neuron in enumerate(layer.neurons, start=1):
            for k, p in enumerate(neuron.parameters()):
                if not math.isfinite(p.data):
                    what = f"w[{k}]" if k < len(neuron.w) else "b"
                    raise ValueError(
                        f"layer {i}, neuron {j}, {what} is {p.data!r}: refusing to save a model "
                        "with non-finite weights (training diverged; lower the learning rate)"
                    )
            neurons.append({"w": [w.data for w in neuron.w], "b": neuron.b.data})
        layers.append({"activation": kinds.pop(), "neurons": neurons})
    state = None
    if optimizer is not None:
        params = getattr(optimizer, "params", None)
        mine = model.parameters()
        if (
            params is None
            or len(params) != len(mine)
            or any(a is not b for a, b in zip(params, mine))
        ):
            raise ValueError("the optimizer does not hold this model's parameters (in this order)")
        state = optimizer.state_dict()
    nin = len(model.layers[0].neurons[0].w)
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": {"type": "MLP", "nin": nin, "layers": layers},
        "optimizer": state,
        "metadata": dict(metadata or {}),
    }


def save(
    model: Module,
    path: str | os.PathLike[str],
    *,
    optimizer: Any = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write ``model`` (and optionally its optimizer's state) to ``path`` atomically.

    Raises:
        ValueError: metadata that is not JSON data (a NaN, an object) or that `load` would
            refuse (nesting or a number over the limits); nothing is written.
        OSError: the file cannot be written; it names ``path``, and the old file is kept.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.json"
        >>> model = MLP(2, [4, 1], seed=0)
        >>> save(model, path)
        >>> load(path)([1.0, 2.0]).data == model([1.0, 2.0]).data
        True
    """
    data = to_dict(model, optimizer, metadata)
    target = os.fspath(path)
    # Serialise and check first: a save fails before touching the disk if the metadata is not
    # JSON, or if `load` would refuse the result (a limit), rather than writing such a file.
    try:
        text = json.dumps(data, indent=1, allow_nan=False) + "\n"
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(
            f"cannot save {target}: the metadata is not plain JSON data ({exc})"
        ) from None
    try:
        _parse(text.encode(), "")
    except CheckpointError as exc:
        raise ValueError(f"cannot save {target}: {str(exc).removeprefix(': ')}") from None
    with atomic_open(path, "w") as handle:
        handle.write(text)


def _fail(source: str, message: str) -> CheckpointError:
    return CheckpointError(f"{source}: {message}")


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str, source: str) -> Any:
    if not isinstance(obj, dict):
        raise _fail(source, f"{where} should be an object, found {type(obj).__name__}")
    if key not in obj:
        raise _fail(source, f"missing key {key!r} in {where}")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(t.__name__ for t in kind)
        raise _fail(source, f"{where}.{key} should be {names}, found {type(value).__name__}")
    return value


def _finite(x: Any, where: str, source: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise _fail(source, f"{where} should be a number, found {x!r}")
    if not math.isfinite(x):
        raise _fail(source, f"{where} is {x!r}; weights must be finite numbers")
    return float(x)


def _check_optimizer(state: Any, n_params: int, source: str) -> dict[str, Any] | None:
    if state is None:
        return None
    kind = _get(state, "type", str, "optimizer", source)
    steps = _get(state, "steps", int, "optimizer", source)
    if steps < 0:
        raise _fail(source, f"optimizer.steps is {steps}; it must be >= 0")
    for key in ("buffers", "m", "v"):
        buf = state.get(key)
        if buf is None:
            continue
        if not isinstance(buf, list) or len(buf) != n_params:
            size = len(buf) if isinstance(buf, list) else type(buf).__name__
            raise _fail(source, f"optimizer.{key} holds {size} values; the model has {n_params}")
        for i, x in enumerate(buf):
            _finite(x, f"optimizer ({kind}).{key}[{i}]", source)
    return dict(state)


_Rows = list[tuple[list[float], float]]


def _check_layers(
    layers: list[Any], nin: int, source: str
) -> tuple[list[int], list[str], list[_Rows], int]:
    """Each layer's size, activation and (weights, bias) rows, and the parameter count."""
    width, n_params = nin, 0
    sizes: list[int] = []
    acts: list[str] = []
    weights: list[_Rows] = []
    for i, layer in enumerate(layers):
        where = f"model.layers[{i}]"
        act = _get(layer, "activation", str, where, source)
        if act not in ACTIVATIONS:
            raise _fail(source, f"{where}.activation is {act!r}; expected one of {ACTIVATIONS}")
        neurons = _get(layer, "neurons", list, where, source)
        if not neurons:
            raise _fail(source, f"{where}.neurons is empty")
        n_params += len(neurons) * (width + 1)
        if n_params > MAX_PARAMETERS:
            raise _fail(
                source, f"the model has over {MAX_PARAMETERS} parameters, the limit for loading"
            )
        rows = []
        for j, neuron in enumerate(neurons):
            at = f"{where}.neurons[{j}]"
            w = _get(neuron, "w", list, at, source)
            if len(w) != width:
                raise _fail(
                    source, f"{at}.w has {len(w)} weights, but its layer gets {width} inputs"
                )
            ws = [_finite(x, f"{at}.w[{k}]", source) for k, x in enumerate(w)]
            rows.append(
                (ws, _finite(_get(neuron, "b", (int, float), at, source), f"{at}.b", source))
            )
        sizes.append(len(neurons))
        acts.append(act)
        weights.append(rows)
        width = len(neurons)
    return sizes, acts, weights, n_params


def from_dict(data: Any, source: str = "checkpoint") -> Checkpoint:
    """Validate checkpoint data completely, then build the model (``source`` names it in errors).

    Example:
        >>> from_dict({"format": "autograd-lite checkpoint", "version": 1})
        Traceback (most recent call last):
          ...
        autograd_lite.checkpoint.CheckpointError: checkpoint: missing key 'model' in the file
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(source, f'not an autograd-lite checkpoint (no "format": {FORMAT!r})')
    version = _get(data, "version", int, "the file", source)
    if version > VERSION:
        raise _fail(
            source,
            f"format version {version} was written by a newer autograd-lite; this one reads "
            f"version {VERSION}: upgrade autograd-lite",
        )
    if version != VERSION:
        raise _fail(
            source, f"unknown format version {version} (this autograd-lite reads {VERSION})"
        )
    spec = _get(data, "model", dict, "the file", source)
    if spec.get("type") != "MLP":
        raise _fail(source, f"model.type is {spec.get('type')!r}; only 'MLP' can be loaded")
    nin = _get(spec, "nin", int, "model", source)
    if nin < 1:
        raise _fail(source, f"model.nin is {nin}; it must be >= 1")
    layers = _get(spec, "layers", list, "model", source)
    if not layers:
        raise _fail(source, "model.layers is empty")
    sizes, acts, weights, n_params = _check_layers(layers, nin, source)
    optimizer = _check_optimizer(data.get("optimizer"), n_params, source)
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise _fail(source, f"metadata should be an object, found {type(metadata).__name__}")
    # Everything checked: only now build the model.
    model = MLP(nin, sizes, seed=0)
    for layer, act, rows in zip(model.layers, acts, weights):
        for neuron, (ws, b) in zip(layer.neurons, rows):
            neuron.activation, neuron.nonlin = act, act != "linear"
            for p, x in zip(neuron.w, ws):
                p.data = x
            neuron.b.data = b
    return Checkpoint(model, optimizer, metadata)


def _number(kind: type[int] | type[float], source: str) -> Any:
    def parse(text: str) -> int | float:
        if len(text) > MAX_NUMBER_CHARS:
            raise _fail(
                source,
                f"a number of {len(text)} characters ({text[:20]}...); the limit is "
                f"{MAX_NUMBER_CHARS}",
            )
        return kind(text)

    return parse


def _check_depth(data: Any, source: str) -> None:
    """Refuse nesting deeper than `MAX_DEPTH`, walking with a stack (no recursion)."""
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _fail(source, f"nested deeper than {MAX_DEPTH} levels")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _parse(raw: bytes, source: str) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(source, "not a text file (not UTF-8); is this a checkpoint?") from None
    if not text.strip():
        raise _fail(source, "the file is empty")
    try:
        data = json.loads(text, parse_int=_number(int, source), parse_float=_number(float, source))
    except json.JSONDecodeError as exc:
        raise _fail(
            source,
            f"not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); "
            "the file may be truncated or hand-edited",
        ) from None
    except RecursionError:
        raise _fail(source, f"nested deeper than {MAX_DEPTH} levels") from None
    _check_depth(data, source)
    return data


def load_checkpoint(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> Checkpoint:
    """Read and validate a checkpoint file: the model, the optimizer state and the metadata.

    Raises:
        CheckpointError: (a ``ValueError``) naming the file and the problem: not JSON
            (truncated?), another format or version, a missing key, a wrong shape, a non-finite
            number, or a limit exceeded: over ``max_bytes`` bytes, a number written with more
            than `MAX_NUMBER_CHARS` characters, nesting deeper than `MAX_DEPTH`, more than
            `MAX_PARAMETERS` parameters.
        OSError: the file cannot be read (missing, a folder, no permission); it names the file.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.json"
        >>> save(MLP(2, [1], seed=0), path, metadata={"epochs": 5})
        >>> load_checkpoint(path).metadata
        {'epochs': 5}
    """
    source = os.fspath(path)
    with open(source, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _fail(source, f"the file is larger than the limit of {max_bytes} bytes")
    return from_dict(_parse(raw, source), source)


def load(path: str | os.PathLike[str]) -> MLP:
    """Read the model from a checkpoint file (see `load_checkpoint` for the errors).

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.json"
        >>> save(MLP(3, [2, 1], activation="tanh", seed=0), path)
        >>> load(path)
        MLP of [Layer of [TanhNeuron(3), TanhNeuron(3)], Layer of [LinearNeuron(2)]]
    """
    return load_checkpoint(path).model
