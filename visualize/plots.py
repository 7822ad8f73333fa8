"""Training plots as image files: loss and accuracy curves, and a model's decision regions.

Uses matplotlib's Agg canvas directly (no pyplot, no global backend change, no window), and
writes each file atomically. The format comes from the suffix: ``.png``, ``.svg`` or ``.pdf``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from autograd_lite.files import atomic_open
from autograd_lite.train import BatchedPredictor, predict

__all__ = ["plot_history", "plot_decision_boundary", "model_outputs"]

_FORMATS = ("png", "svg", "pdf")
# Class colours: a blue and a red that read well on the light region tints, then tab10's rest.
_CLASS_COLOURS = ("#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#35978f")
_MARKERS = ("o", "s", "^", "D", "v", "P")


class _HistoryLike(Protocol):
    loss: list[float]
    accuracy: list[float]
    val_loss: list[float]
    val_accuracy: list[float]


def _matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "visualize.plots needs matplotlib: pip install matplotlib "
            "(or pip install 'autograd-lite[train]')"
        ) from None
    return Figure, FigureCanvasAgg


def _format(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in _FORMATS:
        raise ValueError(f"{os.fspath(path)}: unknown image type {suffix!r}; use one of {_FORMATS}")
    return suffix


def _save(fig: Any, canvas_class: Any, path: str | os.PathLike[str], fmt: str) -> None:
    canvas_class(fig)
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format=fmt, dpi=150, bbox_inches="tight")


def plot_history(
    history: _HistoryLike, path: str | os.PathLike[str], *, title: str = "Training"
) -> None:
    """Draw the loss (log scale) and accuracy per epoch, validation dashed when present.

    Args:
        history: a `autograd_lite.train.History` (or anything with ``loss``, ``accuracy``,
            ``val_loss`` and ``val_accuracy`` lists).
        path: where to write; ``.png``, ``.svg`` or ``.pdf``.
        title: the figure's title.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite.train import History
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "loss.png"
        >>> plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 1.0]), out)
        >>> out.read_bytes()[:4]
        b'\\x89PNG'
    """
    fmt = _format(path)
    if not history.loss:
        raise ValueError("plot_history(): the history is empty (no epochs recorded)")
    Figure, Canvas = _matplotlib()
    fig = Figure(figsize=(10, 4), layout="constrained")
    fig.suptitle(title, fontsize=14, fontweight="bold")
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = range(1, len(history.loss) + 1)
    positive = all(v > 0 for v in history.loss + history.val_loss)
    for ax, train, val, name in (
        (loss_ax, history.loss, history.val_loss, "loss"),
        (acc_ax, history.accuracy, history.val_accuracy, "accuracy"),
    ):
        ax.plot(epochs, train, color=_CLASS_COLOURS[0], linewidth=2, label=f"training {name}")
        if val:
            ax.plot(
                epochs[: len(val)],
                val,
                color=_CLASS_COLOURS[1],
                linewidth=2,
                linestyle="--",
                label=f"validation {name}",
            )
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.set_xlim(1, max(2, len(history.loss)))
    loss_ax.set_ylabel("loss" + (" (log scale)" if positive else ""))
    loss_ax.set_title(f"Loss: {history.loss[0]:.3g} \u2192 {history.loss[-1]:.3g}")
    if positive:
        loss_ax.set_yscale("log")
    acc_ax.set_ylabel("accuracy")
    acc_ax.set_ylim(-0.02, 1.02)
    acc_ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    if history.accuracy and not math.isnan(history.accuracy[-1]):
        acc_ax.set_title(f"Accuracy: final {history.accuracy[-1]:.1%}")
    loss_ax.legend(loc="upper right")
    acc_ax.legend(loc="lower right")
    _save(fig, Canvas, path, fmt)


def _grid(
    X: Sequence[Sequence[float]], steps: int, margin: float
) -> tuple[list[float], list[float]]:
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    x0, x1 = min(xs) - margin, max(xs) + margin
    y0, y1 = min(ys) - margin, max(ys) + margin
    return (
        [x0 + (x1 - x0) * i / (steps - 1) for i in range(steps)],
        [y0 + (y1 - y0) * i / (steps - 1) for i in range(steps)],
    )


def model_outputs(model: Callable[[Any], Any], points: Sequence[Sequence[float]]) -> list[Any]:
    """The model's output at each point, as numbers: one float, or a list for several outputs.

    All the points go through one batched replay of the model (`autograd_lite.train.
    BatchedPredictor`, NumPy, which matplotlib needs anyway): a 60 x 60 grid is one pass of
    array operations instead of 3,600 graphs. A model the replay cannot take (one that branches
    on data, or uses an op of its own) runs through the engine point by point, as it would
    without NumPy; the numbers are the same either way (to about 1e-15). A few points always
    go through the engine too, to catch a model that branches on ``x.data`` (which the
    tracer cannot see): on any difference, every point does.

    Example:
        >>> from autograd_lite.nn import MLP
        >>> len(model_outputs(MLP(2, [4, 1], seed=0), [[0.0, 1.0], [1.0, 0.0]]))
        2
    """
    try:
        fast = BatchedPredictor(model)(points)
    except (ImportError, ValueError, TypeError, NotImplementedError):
        return _engine_outputs(model, points)  # it raises whatever is really wrong
    # A model that reads ``x.data`` to choose a branch is traced along one path without an
    # error; a few points through the engine catch it (then all of them go that way).
    probes = sorted({0, len(points) // 3, len(points) // 2, len(points) - 1})
    slow = _engine_outputs(model, [points[i] for i in probes])
    if all(_same(fast[i], s) for i, s in zip(probes, slow)):
        return fast
    return _engine_outputs(model, points)


def _engine_outputs(model: Callable[[Any], Any], points: Sequence[Sequence[float]]) -> list[Any]:
    numbers: list[Any] = []
    for out in predict(model, points):
        if isinstance(out, list | tuple):
            numbers.append([float(v.data if hasattr(v, "data") else v) for v in out])
        else:
            numbers.append(float(out.data if hasattr(out, "data") else out))
    return numbers


def _same(a: Any, b: Any) -> bool:
    pairs = zip(a, b, strict=True) if isinstance(a, list) else [(a, b)]
    return all(math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12) or u == v for u, v in pairs)


def plot_decision_boundary(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    title: str = "Decision boundary",
    resolution: int = 60,
    margin: float = 0.5,
) -> None:
    """Colour the plane by the model's prediction and draw the data points on top.

    One output per point: the colour shows the score (blue below 0, red above) and a black
    line marks score = 0, the boundary; classes are labels <= 0 and > 0. Several outputs: each
    region takes the colour of its highest output. The grid is evaluated in one batched
    replay (see `model_outputs`).

    Args:
        model: called with ``[Value(x1), Value(x2)]``, as in training.
        X, y: 2-D points and their labels.
        path: where to write; ``.png``, ``.svg`` or ``.pdf``.
        title: the plot's title.
        resolution: grid points per axis (the model is evaluated at resolution^2 points).
        margin: how far the plot extends beyond the data.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite.nn import MLP
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "boundary.png"
        >>> X, y = [[0.0, 0.0], [1.0, 1.0]], [0, 1]
        >>> plot_decision_boundary(MLP(2, [4, 1], seed=0), X, y, out, resolution=10)
        >>> out.stat().st_size > 1000
        True
    """
    fmt = _format(path)
    _check_points(X, y, resolution)
    Figure, Canvas = _matplotlib()
    gx, gy = _grid(X, resolution, margin)
    outputs = model_outputs(model, [[a, b] for b in gy for a in gx])
    rows = [outputs[r * resolution : (r + 1) * resolution] for r in range(resolution)]
    # Size the figure to the data's aspect ratio so the colour bar matches the plot's height.
    ratio = (gy[-1] - gy[0]) / (gx[-1] - gx[0])
    fig = Figure(figsize=(8, max(3.5, min(9.0, 6.4 * ratio + 1.6))), layout="constrained")
    ax = fig.subplots()
    several = isinstance(outputs[0], list)
    if several:
        labels = _draw_regions(ax, gx, gy, rows, y)
    else:
        labels = [0, 1]
        _draw_scores(fig, ax, gx, gy, rows)
    _draw_points(ax, X, y, labels, several)
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title, fontsize=13, fontweight="bold")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=3, frameon=False)
    _save(fig, Canvas, path, fmt)


def _check_points(X: Sequence[Sequence[float]], y: Sequence[Any], resolution: int) -> None:
    if len(X) != len(y) or not X:
        raise ValueError(f"plot_decision_boundary(): {len(X)} points and {len(y)} labels")
    if any(len(p) != 2 for p in X):
        raise ValueError("plot_decision_boundary() draws 2-D data: every point needs 2 features")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")


def _draw_regions(
    ax: Any, gx: list[float], gy: list[float], rows: list[list[Any]], y: Sequence[Any]
) -> list[int]:
    """Several outputs: each grid cell tinted by the class of its highest output."""
    from matplotlib.colors import ListedColormap

    Z = [[max(range(len(v)), key=v.__getitem__) for v in row] for row in rows]
    labels = sorted({int(c) for c in y})
    k = max(max(labels), len(rows[0][0]) - 1) + 1
    tints = ListedColormap([_CLASS_COLOURS[i % len(_CLASS_COLOURS)] for i in range(k)])
    ax.contourf(gx, gy, Z, levels=[i - 0.5 for i in range(k + 1)], cmap=tints, alpha=0.25)
    return labels


def _draw_scores(fig: Any, ax: Any, gx: list[float], gy: list[float], Z: list[list[Any]]) -> None:
    """One output: the score as a diverging colour, the boundary (score = 0) in black."""
    # Clip the colour scale symmetrically so the boundary (0) sits at the neutral colour.
    span = max(1.0, min(3.0, max(abs(s) for row in Z for s in row)))
    levels = [span * (i / 10 - 1) for i in range(21)]
    clipped = [[max(-span, min(span, s)) for s in row] for row in Z]
    filled = ax.contourf(gx, gy, clipped, levels=levels, cmap="RdBu_r", alpha=0.55)
    bar = fig.colorbar(filled, ax=ax, ticks=[-span, 0, span], fraction=0.04, pad=0.02)
    bar.set_label(f"model score (clipped at \u00b1{span:g})")
    ax.contour(gx, gy, Z, levels=[0.0], colors="black", linewidths=2)
    ax.plot([], [], color="black", linewidth=2, label="decision boundary (score = 0)")


def _draw_points(
    ax: Any, X: Sequence[Sequence[float]], y: Sequence[Any], labels: list[int], several: bool
) -> None:
    """The data on top, one colour and marker per class."""
    for i, label in enumerate(labels):
        if several:
            members = [p for p, c in zip(X, y) if int(c) == label]
            name = f"class {label}"
        else:
            members = [p for p, c in zip(X, y) if (float(c) > 0) == (label == 1)]
            kinds = sorted({float(c) for c in y if (float(c) > 0) == (label == 1)})
            name = "class " + " / ".join(f"{c:g}" for c in kinds)
        if members:
            ax.scatter(
                [p[0] for p in members],
                [p[1] for p in members],
                s=36,
                c=_CLASS_COLOURS[i % len(_CLASS_COLOURS)],
                marker=_MARKERS[i % len(_MARKERS)],
                edgecolors="white",
                linewidths=0.8,
                label=name,
                zorder=3,
            )
