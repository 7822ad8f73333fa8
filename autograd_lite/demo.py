"""`autograd-lite demo`: train an MLP from scratch on toy 2-D data and write plots and a checkpoint.

The application layer: it uses the library like any user would, and imports `visualize` (for
the plots and the neuron graph) only when it writes them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import checkpoint
from .console import OneLineParser, UsageError, deferred_interrupts, install_hint, run
from .data import DATASETS as BUNDLED
from .data import (
    Dataset,
    load_dataset,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
)
from .engine import Value
from .losses import accuracy, hinge, l2, softmax_cross_entropy
from .nn import ACTIVATIONS, MLP
from .optim import SGD, Adam, Optimizer, linear_decay
from .train import History, evaluate_model, fit, predict

__all__ = ["main", "DATASETS", "BUNDLED", "build_parser"]

# name -> (generator(n, noise, seed), default noise). Every set has two classes, labels 0 and 1.
# The classic sets of `BUNDLED` (iris, wine, breast_cancer, digits) come from scikit-learn.
DATASETS: dict[str, tuple[Callable[[int, float, int], Dataset], float]] = {
    "moons": (lambda n, noise, seed: make_moons(n, noise=noise, random_state=seed), 0.1),
    "circles": (
        lambda n, noise, seed: make_circles(n, noise=noise, factor=0.5, random_state=seed),
        0.08,
    ),
    "spirals": (lambda n, noise, seed: make_spirals(n, noise=noise, random_state=seed), 0.02),
    "xor": (lambda n, noise, seed: make_xor(n, noise=noise, random_state=seed), 0.0),
    "blobs": (
        lambda n, noise, seed: make_blobs(
            n, centers=[[-1, -1], [1, 1]], cluster_std=noise, random_state=seed
        ),
        0.6,
    ),
}
OUTPUTS = ("model.json", "loss.png", "decision_boundary.png", "neuron_graph.svg")
L2_ALPHA = 1e-4  # micrograd's demo: a little weight decay keeps the margin smooth
DEFAULT_LR = {"sgd": 1.0, "adam": 0.05}


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of ints"
        ) from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: give layer sizes >= 1, e.g. 16,16")
    return sizes


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at least 1")
    return value


def _samples(text: str) -> int:
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text!r}: need at least 2 points, one per class")
    return value


MAX_NOISE = 100.0  # the toy sets live in [-2, 2]^2; far beyond this the points are pure noise


def _noise(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= MAX_NOISE:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r}: give a number from 0 to {MAX_NOISE:g}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number > 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The demo's command-line options.

    Example:
        >>> build_parser().parse_args([]).hidden
        [16, 16]
    """
    parser = OneLineParser(
        prog="autograd-lite demo",
        description="Train MLP(2, [16, 16, 1]) from scratch on a toy 2-D data set (max-margin "
        "loss + L2, full-batch SGD with a linearly decaying rate, as micrograd's demo) and write "
        "loss.png, decision_boundary.png, neuron_graph.svg and model.json. The classic data "
        "sets (iris, wine, breast_cancer, digits; with scikit-learn installed) are "
        "standardised; with more than two classes the network ends in one output per class "
        "and trains on softmax cross-entropy.",
        epilog="The files are moved into --out together at the end: an interrupted run leaves "
        "the previous run's set. Exit status: 0 done, 1 failed, 2 bad option, 130 interrupted "
        "(after Ctrl-C during training, what was learned is saved), 141 output pipe closed.",
    )
    parser.add_argument(
        "--dataset",
        choices=[*sorted(DATASETS), *BUNDLED],
        default="moons",
        help="the toy problem (default moons), or a classic data set (pip install "
        "'autograd-lite[sklearn]')",
    )
    parser.add_argument(
        "--samples",
        type=_samples,
        default=None,
        help="toy points, at least 2 (default 100; a classic set uses all its samples)",
    )
    parser.add_argument(
        "--noise",
        type=_noise,
        default=None,
        help=f"noise, 0 to {MAX_NOISE:g} (default per data set)",
    )
    parser.add_argument("--hidden", type=_sizes, default=[16, 16], help="hidden sizes (16,16)")
    parser.add_argument(
        "--activation", choices=[a for a in ACTIVATIONS if a != "linear"], default="relu"
    )
    parser.add_argument("--epochs", type=_positive_int, default=100, help="default 100")
    parser.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (default: sgd 1.0 decaying to a tenth, adam 0.05)",
    )
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd", help="default sgd")
    parser.add_argument(
        "--batch-size", type=_positive_int, default=None, help="samples per step (default: all)"
    )
    parser.add_argument("--seed", type=int, default=0, help="data, weights and order (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        help="output folder (default ./demo-output/)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only errors")
    parser.add_argument(
        "--debug", action="store_true", help="show the Python traceback of an error"
    )
    return parser


def _neuron_graph(model: MLP, x: Sequence[float]) -> tuple[Value, int]:
    """One first-layer neuron on one input, after back-propagating the model's score."""
    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]
    hidden = model.layers[0](inputs)
    hidden = hidden if isinstance(hidden, list) else [hidden]
    out: Any = hidden
    for layer in model.layers[1:]:
        out = layer(out)
    score = out if isinstance(out, Value) else out[0]
    model.zero_grad()  # training leaves its last step's gradients on the weights
    score.backward()
    # Show a neuron that is active and matters for this point, so its gradients are not all 0.
    pick = next((k for k, h in enumerate(hidden) if h.data > 0 and h.grad != 0), 0)
    hidden[pick].label = f"neuron {pick + 1}"
    return hidden[pick], pick


def _write_graph(model: MLP, x: Sequence[float], folder: Path, report: _Report) -> None:
    name = "neuron_graph.svg"
    try:
        from visualize import draw_dot, render
    except ImportError as exc:
        report.skip(name, exc)
        return
    root, pick = _neuron_graph(model, x)
    try:
        render(draw_dot(root), folder / name)
    except Exception as exc:  # rendering is optional: report it and keep the other outputs
        report.skip(name, exc)
        return
    where = ", ".join(f"{v:.3g}" for v in x)
    score = "score" if len(model.layers[-1].neurons) == 1 else "logit 1"  # _neuron_graph's root
    report.wrote(
        name, f"layer 1, neuron {pick + 1} at x = ({where}); grads are d {score} / d value"
    )


def _write_plots(
    model: MLP,
    history: History,
    X: list[list[float]],
    y: list[int],
    folder: Path,
    title: str,
    report: _Report,
) -> None:
    names = "loss.png, decision_boundary.png"
    try:
        from visualize.plots import plot_decision_boundary, plot_history

        plot_history(history, folder / "loss.png", title=f"Training on {title}")
        report.wrote("loss.png")
        if len(X[0]) != 2:
            report.skipped.append(
                f"skipped decision_boundary.png: it draws 2-D data, this has {len(X[0])} features"
            )
            return
        acc = accuracy(predict(model, X), y)
        plot_decision_boundary(
            model,
            X,
            y,
            folder / "decision_boundary.png",
            title=f"{title}: training accuracy {acc:.0%}",
        )
        report.wrote("decision_boundary.png")
    except ImportError as exc:  # matplotlib is imported when the first plot is drawn
        report.skip(names, exc)


class _Report:
    """The files a run wrote (with a note each) and the ones it had to skip, and why."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.skipped: list[str] = []

    def wrote(self, name: str, note: str = "") -> None:
        self.files[name] = note

    def skip(self, names: str, why: BaseException) -> None:
        if isinstance(why, ImportError) and why.name:
            reason = f"the optional package {why.name!r} is not installed: {install_hint(why.name)}"
        else:
            reason = str(why)
        self.skipped.append(f"skipped {names}: {reason}")


class _Staging:
    """A run's files go to a hidden folder inside ``out`` and are moved into ``out`` together.

    Interrupted (Ctrl-C, SIGTERM, an error) before `commit`, the folder is deleted and ``out``
    keeps the previous run's complete set. `commit` moves the files with interrupts held back
    and deletes the previous run's files that this run did not make, so ``out`` never mixes
    two runs. Only SIGKILL or a power loss can leave a ``.partial-*`` folder behind (harmless,
    safe to delete) or, during the few renames of `commit`, a mix.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(dir=out, prefix=".partial-"))

    def commit(self, names: Sequence[str]) -> None:
        with deferred_interrupts():
            for name in names:
                os.replace(self.folder / name, self.out / name)
            for name in OUTPUTS:
                if name not in names:
                    (self.out / name).unlink(missing_ok=True)
            self.folder.rmdir()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.created:
            with contextlib.suppress(OSError):
                self.out.rmdir()  # only if empty: it was made for this run


def _check_out(out: Path) -> None:
    """Refuse an output folder that cannot be written, before any training."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: no permission to write in {existing}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit status (see `autograd_lite.console` for the statuses).

    Example:
        >>> import tempfile
        >>> main(["--epochs", "2", "--samples", "20", "--quiet", "--out", tempfile.mkdtemp()])
        0
    """
    return run("autograd-lite demo", _demo, argv)


@dataclass
class _Setup:
    """Everything a run trains with, built from the options before any training."""

    X: list[list[float]]
    labels: list[int]
    noise: float | None  # None: a classic data set
    lr: float
    model: MLP
    optimizer: Optimizer
    rate: str  # the optimizer and its learning rate, in words
    classes: int = 2

    @property
    def targets(self) -> list[int]:
        """Class indices for softmax cross-entropy; +-1 for the max-margin loss (two classes)."""
        return self.labels if self.classes > 2 else [1 if c == 1 else -1 for c in self.labels]

    @property
    def loss_name(self) -> str:
        return "softmax cross-entropy" if self.classes > 2 else "max-margin (hinge)"

    def loss(self, outputs: list[Any], targets: list[Any]) -> Value:
        fit_term = softmax_cross_entropy if self.classes > 2 else hinge
        return fit_term(outputs, targets) + l2(self.model.parameters(), L2_ALPHA)


def _data(args: argparse.Namespace) -> tuple[list[list[float]], list[int], float | None]:
    """The samples, their labels, and the noise (None for a classic set)."""
    if args.dataset in BUNDLED:
        if args.noise is not None or args.samples is not None:
            raise UsageError(
                f"--noise and --samples shape the toy data sets; {args.dataset} is used whole"
            )
        X, labels = load_dataset(args.dataset)
        return _standardised(X), labels, None
    make, default_noise = DATASETS[args.dataset]
    noise = default_noise if args.noise is None else args.noise
    X, labels = make(100 if args.samples is None else args.samples, noise, args.seed)
    return X, labels, noise


def _standardised(X: list[list[float]]) -> list[list[float]]:
    """Each feature shifted and scaled to mean 0 and spread 1 (a constant one left at 0).

    Features on scales from 0.01 to 1000 (breast_cancer) would otherwise need a learning rate
    per feature; this is what scikit-learn's StandardScaler does.
    """
    n = len(X)
    means = [sum(column) / n for column in zip(*X)]
    spreads = [
        (sum((v - m) ** 2 for v in column) / n) ** 0.5 or 1.0 for column, m in zip(zip(*X), means)
    ]
    return [[(v - m) / s for v, m, s in zip(row, means, spreads)] for row in X]


def _setup(args: argparse.Namespace) -> _Setup:
    X, labels, noise = _data(args)
    classes = len(set(labels))
    outputs = classes if classes > 2 else 1
    model = MLP(len(X[0]), [*args.hidden, outputs], activation=args.activation, seed=args.seed)
    lr = args.lr or DEFAULT_LR[args.optimizer]
    optimizer: Optimizer
    if args.optimizer == "sgd":
        optimizer = SGD(model.parameters(), lr=linear_decay(lr, lr / 10, args.epochs))
        rate = f"SGD, rate {lr:g} decaying linearly to {lr / 10:g}"
    else:
        optimizer = Adam(model.parameters(), lr=lr)
        rate = f"Adam, rate {lr:g}"
    return _Setup(X, labels, noise, lr, model, optimizer, rate, classes)


def _train(args: argparse.Namespace, job: _Setup) -> History:
    try:
        return fit(
            job.model,
            job.X,
            job.targets,
            loss=job.loss,
            optimizer=job.optimizer,
            epochs=args.epochs,
            batch_size=args.batch_size,
            progress=not args.quiet,
            seed=args.seed,
        )
    except (FloatingPointError, OverflowError) as exc:
        raise ArithmeticError(
            f"training diverged ({exc}); try a smaller --lr (it was {job.lr:g})"
            + (" or less --noise" if job.noise is not None and job.noise > 1 else "")
        ) from None


def _title(args: argparse.Namespace, job: _Setup) -> str:
    if job.noise is None:
        return f"{args.dataset} ({len(job.X)} samples, {len(job.X[0])} features, standardised)"
    return f"{args.dataset} ({len(job.X)} points, noise {job.noise:g})"


def _demo(arguments: list[str]) -> int:
    args = build_parser().parse_args(arguments)
    out: Path = args.out
    _check_out(out)
    job = _setup(args)
    say = (lambda *a: None) if args.quiet else print
    title = _title(args, job)
    n_params = len(job.model.parameters())
    sizes = [len(layer.neurons) for layer in job.model.layers]
    say(
        f"Training MLP({len(job.X[0])}, {sizes}) [{args.activation}, {n_params} parameters] "
        f"on {title}"
    )
    say(
        f"  loss: {job.loss_name} + L2 {L2_ALPHA:g}; {job.rate}; {args.epochs} epochs; "
        f"seed {args.seed}"
    )
    staging = _Staging(out)
    try:
        start = time.perf_counter()
        history = _train(args, job)
        seconds = time.perf_counter() - start
        final_loss, final_acc = evaluate_model(job.model, job.X, job.targets, job.loss, accuracy)
        if history.stopped == "interrupted":
            print(f"Stopped by Ctrl-C after {len(history)} epochs; saving what was learned.")
        say(
            # The plot's last point is the loss during the last epoch, before its update; this
            # is the trained model's, so the two may differ in the last digits.
            f"Done in {seconds:.1f} s ({len(history)} epochs): the trained model's loss "
            f"{final_loss:.4f}, training accuracy {final_acc:.1%} "
            f"({round(final_acc * len(job.X))}/{len(job.X)})"
        )
        report = _Report()
        checkpoint.save(
            job.model,
            staging.folder / "model.json",
            optimizer=job.optimizer,
            metadata=_metadata(args, job, history, final_loss, final_acc),
        )
        report.wrote("model.json")
        if len(history):
            _write_plots(job.model, history, job.X, job.labels, staging.folder, title, report)
        _write_graph(job.model, job.X[0], staging.folder, report)
        staging.commit(list(report.files))
    except BaseException:
        staging.discard()
        raise
    say("Wrote:")
    for name, note in report.files.items():
        say(f"  {out / name}" + (f"  ({note})" if note else ""))
    for line in report.skipped:
        print(f"  {line}", file=sys.stderr)
    where = os.fspath(out / "model.json")
    say(f"Load the model again with: autograd_lite.checkpoint.load({where!r})")
    return 130 if history.stopped == "interrupted" else 0


def _metadata(
    args: argparse.Namespace,
    job: _Setup,
    history: History,
    final_loss: float,
    final_acc: float,
) -> dict[str, Any]:
    """What the run was and what it reached: the same options and seed give the same bytes, so
    nothing here depends on the clock or on where the files go."""
    series = {k: v for k, v in history.as_dict().items() if k != "time"}
    return {
        "dataset": args.dataset,
        "samples": len(job.X),
        "noise": job.noise,
        "seed": args.seed,
        "epochs": len(history),
        "loss": final_loss,
        "accuracy": final_acc,
        "history": series,
        "options": {
            "hidden": args.hidden,
            "activation": args.activation,
            "epochs": args.epochs,
            "optimizer": args.optimizer,
            "lr": job.lr,
            "batch_size": args.batch_size,
        },
    }
