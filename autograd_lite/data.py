"""Small datasets as plain lists: toy 2-D problems, splitting, mini-batches, and CSV loading.

Generators follow scikit-learn's arguments (``n_samples``, ``noise``, ``random_state``) and
return ``(X, y)``: ``X`` a list of ``[x1, x2]`` points, ``y`` a list of int class labels. The
same ``random_state`` always gives the same data.
"""

from __future__ import annotations

import csv
import importlib
import io
import math
import os
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

__all__ = [
    "make_moons",
    "make_circles",
    "make_blobs",
    "make_spirals",
    "make_xor",
    "train_test_split",
    "batches",
    "load_csv",
    "CSVError",
    "load_dataset",
    "DATASETS",
]

Dataset: TypeAlias = tuple[list[list[float]], list[int]]


def _check(n_samples: int, noise: float, least: int = 1, name: str = "noise") -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < least:
        raise ValueError(f"n_samples must be an int >= {least}, got {n_samples!r}")
    if not isinstance(noise, (int, float)) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {noise!r}")


def _linspace(start: float, stop: float, n: int, endpoint: bool = True) -> list[float]:
    if n == 1:
        return [start]
    step = (stop - start) / (n - 1 if endpoint else n)
    return [start + i * step for i in range(n)]


def _finish(points: list[list[float]], labels: list[int], noise: float, rng: Any) -> Dataset:
    # Shuffle (as scikit-learn does by default) so the classes are not in two blocks, then jitter.
    order = list(range(len(points)))
    rng.shuffle(order)
    X = [[c + rng.gauss(0.0, noise) if noise else c for c in points[i]] for i in order]
    return X, [labels[i] for i in order]


def make_moons(
    n_samples: int = 100, *, noise: float = 0.0, random_state: int | None = None
) -> Dataset:
    """Two interleaving half circles: class 0 the upper arc, class 1 the lower one.

    Example:
        >>> X, y = make_moons(6, random_state=0)
        >>> len(X), sorted(y)
        (6, [0, 0, 0, 1, 1, 1])
    """
    _check(n_samples, noise, least=2)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    upper = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_out)]
    lower = [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_in)]
    return _finish(upper + lower, [0] * n_out + [1] * n_in, noise, random.Random(random_state))


def make_circles(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    factor: float = 0.8,
    random_state: int | None = None,
) -> Dataset:
    """A circle of radius ``factor`` (class 1) inside one of radius 1 (class 0).

    Example:
        >>> X, y = make_circles(4, factor=0.5, random_state=0)
        >>> sorted(round(math.hypot(*p), 6) for p in X)
        [0.5, 0.5, 1.0, 1.0]
    """
    _check(n_samples, noise, least=2)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1, got {factor!r}")
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer = [[math.cos(t), math.sin(t)] for t in _linspace(0, 2 * math.pi, n_out, False)]
    inner = [
        [factor * math.cos(t), factor * math.sin(t)] for t in _linspace(0, 2 * math.pi, n_in, False)
    ]
    return _finish(outer + inner, [0] * n_out + [1] * n_in, noise, random.Random(random_state))


def make_blobs(
    n_samples: int = 100,
    *,
    centers: int | Sequence[Sequence[float]] = 2,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-5.0, 5.0),
    random_state: int | None = None,
) -> Dataset:
    """Gaussian clusters, one class each: ``centers`` given, or that many drawn in ``center_box``.

    Example:
        >>> X, y = make_blobs(9, centers=[[0, 0], [5, 5], [-5, 5]], cluster_std=0.1, random_state=1)
        >>> sorted(set(y)), len(X[0])
        ([0, 1, 2], 2)
    """
    _check(n_samples, cluster_std, name="cluster_std")
    rng = random.Random(random_state)
    if isinstance(centers, int) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(f"centers must be >= 1, got {centers}")
        lo, hi = center_box
        middles = [[rng.uniform(lo, hi), rng.uniform(lo, hi)] for _ in range(centers)]
    elif isinstance(centers, Sequence):
        middles = [[float(c) for c in centre] for centre in centers]
        if not middles or len({len(m) for m in middles}) != 1:
            raise ValueError("centers must be a count or a non-empty list of same-length points")
    else:
        raise TypeError(f"centers must be a count or a list of points, got {centers!r}")
    points, labels = [], []
    for i in range(n_samples):
        k = i % len(middles)
        points.append(list(middles[k]))
        labels.append(k)
    return _finish(points, labels, cluster_std, rng)


def make_spirals(
    n_samples: int = 100,
    *,
    n_classes: int = 2,
    turns: float = 1.0,
    noise: float = 0.0,
    random_state: int | None = None,
) -> Dataset:
    """Interleaved spiral arms from the centre outwards, one class each (CS231n's toy problem).

    Example:
        >>> X, y = make_spirals(10, n_classes=2, random_state=0)
        >>> len(X), sorted(set(y))
        (10, [0, 1])
    """
    _check(n_samples, noise, least=n_classes)
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
        raise ValueError(f"n_classes must be an int >= 2, got {n_classes!r}")
    points, labels = [], []
    for k in range(n_classes):
        n = n_samples // n_classes + (k < n_samples % n_classes)
        for r in _linspace(0.05, 1.0, n):
            angle = 2 * math.pi * (turns * r + k / n_classes)
            points.append([r * math.cos(angle), r * math.sin(angle)])
            labels.append(k)
    return _finish(points, labels, noise, random.Random(random_state))


def make_xor(
    n_samples: int = 100, *, noise: float = 0.0, random_state: int | None = None
) -> Dataset:
    """Points uniform in the square [-1, 1]^2; class 1 where x1 and x2 have different signs.

    The labels come from the clean points; ``noise`` then moves the points.

    Example:
        >>> X, y = make_xor(50, random_state=0)
        >>> all((a * b < 0) == (label == 1) for (a, b), label in zip(X, y))
        True
    """
    _check(n_samples, noise)
    rng = random.Random(random_state)
    points = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n_samples)]
    labels = [int(a * b < 0) for a, b in points]
    return _finish(points, labels, noise, rng)


def train_test_split(
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    test_size: float = 0.25,
    shuffle: bool = True,
    random_state: int | None = None,
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a fraction in (0, 1) or a number of samples.

    Example:
        >>> data = list(range(8))
        >>> X_tr, X_te, y_tr, y_te = train_test_split(data, data, random_state=0)
        >>> len(X_tr), len(X_te), sorted(X_tr + X_te) == data, X_te == y_te
        (6, 2, True, True)
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split(): {len(X)} samples in X but {len(y)} labels in y")
    n = len(X)
    if isinstance(test_size, float) and 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    elif isinstance(test_size, int) and not isinstance(test_size, bool) and test_size > 0:
        n_test = test_size
    else:
        raise ValueError(
            f"test_size must be a fraction in (0, 1) or a count > 0, got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size!r} leaves {n - n_test} of {n} samples to train on")
    order = list(range(n))
    if shuffle:
        random.Random(random_state).shuffle(order)
    train, test = order[: n - n_test], order[n - n_test :]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def batches(
    X: Sequence[Any],
    y: Sequence[Any],
    batch_size: int | None = None,
    *,
    shuffle: bool = False,
    rng: random.Random | None = None,
) -> Iterator[tuple[list[Any], list[Any]]]:
    """Yield ``(X_batch, y_batch)`` pairs of ``batch_size`` samples (the last may be smaller).

    ``batch_size=None`` gives the whole set as one batch.

    Example:
        >>> [xb for xb, yb in batches([1, 2, 3, 4, 5], "abcde", 2)]
        [[1, 2], [3, 4], [5]]
    """
    if len(X) != len(y):
        raise ValueError(f"batches(): {len(X)} samples in X but {len(y)} labels in y")
    size = len(X) if batch_size is None else batch_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    order = list(range(len(X)))
    if shuffle:
        (rng or random.Random()).shuffle(order)
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        yield [X[i] for i in chunk], [y[i] for i in chunk]


class CSVError(ValueError):
    """A CSV file `load_csv` cannot read: the message names the file, the line and the problem."""


MAX_CSV_BYTES = 256 * 2**20  # far above any table a scalar engine trains on in reasonable time
MAX_COLUMNS = 10_000
MAX_NUMBER_CHARS = 100  # longer than any float's shortest repr, or a sensible hand-typed one


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _to_float(cell: str, where: str) -> float:
    if len(cell) > MAX_NUMBER_CHARS:
        raise CSVError(f"{where}: a cell of {len(cell)} characters is too long for a number")
    try:
        value = float(cell)
    except ValueError:
        raise CSVError(f"{where}: {cell.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise CSVError(f"{where}: {cell.strip()!r} is not a finite number")
    return value


def _read_rows(name: str, delimiter: str, max_bytes: int) -> list[tuple[int, list[str]]]:
    """The non-blank rows of the file with their line numbers (a BOM is not part of a cell)."""
    with open(name, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise CSVError(f"{name}: the file is larger than the limit of {max_bytes} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CSVError(f"{name}: not a UTF-8 text file ({exc.reason})") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise CSVError(
                    f"{name}: line {reader.line_num} has {len(row)} columns; the limit is "
                    f"{MAX_COLUMNS}"
                )
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        # Oversized fields, NUL characters, bad quoting: name the line the reader got to.
        raise CSVError(f"{name}: line {max(reader.line_num, 1)}: {exc}") from None
    return rows


def _split_header(
    name: str, rows: list[tuple[int, list[str]]], header: bool | None
) -> list[str] | None:
    """Decide whether the first row is a header: given, or guessed when ``header`` is None."""
    line, first = rows[0]
    if header is None:
        texts = [cell for cell in first if cell.strip() and not _is_number(cell)]
        if not texts:
            return None
        # A header has no numbers, so a row that mixes the two is data with a typo or a
        # header with a numeric name: guessing either way would lose or invent a row.
        if any(_is_number(cell) for cell in first):
            raise CSVError(
                f"{name}: line {line} mixes numbers and text ({texts[0].strip()!r}); fix the "
                "cell if it is data, or pass header=True if it is a header"
            )
        if any(not cell.strip() for cell in first):
            raise CSVError(
                f"{name}: line {line} looks like a header but has an empty cell; name every "
                "column, or pass header=False if it is data"
            )
    elif not header:
        return None
    return [cell.strip() for cell in first]


def load_csv(
    path: str | os.PathLike[str],
    *,
    target: int | str = -1,
    delimiter: str = ",",
    header: bool | None = None,
    max_bytes: int = MAX_CSV_BYTES,
) -> tuple[list[list[float]], list[float]]:
    """Read a numeric table: every column but ``target`` becomes a feature.

    ``header=None`` (the default) reads the first row as a header when none of its cells is a
    number, and refuses a first row that mixes numbers and text (a typo in the data, or a
    header with a numeric name: pass ``header=True`` or ``False`` to say which). ``target`` is
    a column name (header needed) or a position (``-1``, the last column, by default). A UTF-8
    byte-order mark and blank lines are skipped. Labels that are whole numbers come back as
    ints.

    The UCI banknote authentication file used in lecture notes
    (``data_banknote_authentication.txt``) is this format without a header: four float features
    per row (variance, skewness, curtosis and entropy of a wavelet-transformed image) and a
    0/1 class last, e.g. ``3.6216,8.6661,-2.8073,-0.44699,0``. ``load_csv(path)`` reads it as
    ``X`` rows of four floats and ``y`` ints (the header test sees numbers in the first row).

    Raises:
        CSVError: (a ``ValueError``) naming the file, the line and the problem: a cell that is
            not a finite number, a ragged row, no data, a file over ``max_bytes``, more than
            `MAX_COLUMNS` columns, a cell over `MAX_NUMBER_CHARS` characters, or bad CSV.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.csv"
        >>> _ = path.write_text("variance,skewness,class\\n3.6,8.7,0\\n-1.4,3.3,1\\n")
        >>> load_csv(path, target="class")
        ([[3.6, 8.7], [-1.4, 3.3]], [0, 1])
        >>> rows = "3.6216,8.6661,-2.8073,-0.44699,0\\n-1.3971,3.3191,-1.3927,-1.9948,1\\n"
        >>> _ = path.write_text(rows)
        >>> load_csv(path)  # the banknote format: no header, four features, the class last
        ([[3.6216, 8.6661, -2.8073, -0.44699], [-1.3971, 3.3191, -1.3927, -1.9948]], [0, 1])
    """
    name = os.fspath(path)
    rows = _read_rows(name, delimiter, max_bytes)
    if not rows:
        raise CSVError(f"{name}: the file is empty (no rows)")
    first_line, first = rows[0]
    names = _split_header(name, rows, header)
    if names is not None:
        rows = rows[1:]
    width = len(first)
    if isinstance(target, str):
        if names is None:
            raise CSVError(f"{name}: target={target!r} names a column, but the file has no header")
        if target not in names:
            raise CSVError(
                f"{name}: no column {target!r} in the header {names} (line {first_line})"
            )
        column = names.index(target)
    elif isinstance(target, int) and not isinstance(target, bool) and -width <= target < width:
        column = target % width
    else:
        raise CSVError(f"{name}: target={target!r} is not a column (the table has {width})")
    if width < 2:
        raise CSVError(f"{name}: line {first_line} has 1 column; need features and a target")
    if not rows:
        raise CSVError(f"{name}: the file has a header but no data rows")
    X: list[list[float]] = []
    labels: list[float] = []
    for line, row in rows:
        if len(row) != width:
            raise CSVError(f"{name}: line {line} has {len(row)} columns, expected {width}")
        cells = []
        for j, cell in enumerate(row):
            col = repr(names[j]) if names else str(j + 1)
            cells.append(_to_float(cell, f"{name}: line {line}, column {col}"))
        labels.append(cells.pop(column))
        X.append(cells)
    if all(v.is_integer() for v in labels):
        whole: list[float] = [int(v) for v in labels]
        return X, whole
    return X, labels


DATASETS = ("iris", "wine", "breast_cancer", "digits")
"""The classic datasets `load_dataset` reads from inside scikit-learn's wheel."""


def load_dataset(name: str) -> tuple[list[list[float]], list[int]]:
    """A small classic dataset, read from the copy inside scikit-learn's wheel (no download).

    Args:
        name: ``"iris"`` (150 flowers, 4 features, 3 classes), ``"wine"`` (178, 13, 3),
            ``"breast_cancer"`` (569, 30, 2) or ``"digits"`` (1,797 8x8 images as 64 pixel
            values 0-16, 10 classes).

    Returns:
        ``(X, y)`` as plain lists: ``X`` one list of floats per sample, ``y`` int class labels
        from 0, in scikit-learn's order (iris and wine are sorted by class: shuffle, e.g. with
        `train_test_split`, before splitting).

    Raises:
        ValueError: an unknown name.
        ImportError: scikit-learn is not installed (one line saying how to install it).

    Example:
        >>> X, y = load_dataset("iris")  # doctest: +SKIP
        >>> len(X), len(X[0]), sorted(set(y))  # doctest: +SKIP
        (150, 4, [0, 1, 2])
        >>> load_dataset("mnist")
        Traceback (most recent call last):
        ValueError: load_dataset('mnist'): choose one of iris, wine, breast_cancer, digits
    """
    if name not in DATASETS:
        raise ValueError(f"load_dataset({name!r}): choose one of {', '.join(DATASETS)}")
    try:  # imported by name: scikit-learn has no type information for mypy to read
        datasets = importlib.import_module("sklearn.datasets")
    except ImportError:
        raise ImportError(
            f"load_dataset({name!r}) reads the copy inside scikit-learn: "
            "pip install 'autograd-lite[sklearn]' (or pip install scikit-learn)"
        ) from None
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return [[float(v) for v in row] for row in X.tolist()], [int(v) for v in y.tolist()]
