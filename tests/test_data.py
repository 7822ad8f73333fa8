"""Toy datasets (shapes, geometry, determinism), splitting, batching and CSV loading errors."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from autograd_lite.data import (
    CSVError,
    batches,
    load_csv,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

GENERATORS = [
    lambda seed: make_moons(50, noise=0.1, random_state=seed),
    lambda seed: make_circles(50, noise=0.1, random_state=seed),
    lambda seed: make_blobs(50, centers=3, random_state=seed),
    lambda seed: make_spirals(50, noise=0.1, random_state=seed),
    lambda seed: make_xor(50, noise=0.1, random_state=seed),
]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_deterministic_for_a_seed_and_differ_across_seeds(make) -> None:  # type: ignore[no-untyped-def]
    X, y = make(3)
    assert (X, y) == make(3)
    assert make(4)[0] != X
    assert len(X) == len(y) == 50
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)


def test_moons_without_noise_lie_on_their_two_arcs() -> None:
    X, y = make_moons(41, random_state=0)
    assert y.count(0) == 20 and y.count(1) == 21
    for (a, b), label in zip(X, y):
        if label == 0:  # upper arc: the unit circle's top half
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower arc: centred at (1, 0.5), bottom half
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_noise_moves_points_by_about_its_size() -> None:
    clean, _ = make_moons(400, random_state=1)
    noisy, _ = make_moons(400, noise=0.2, random_state=1)
    # Same shuffle order (same seed), so the differences are the noise: std close to 0.2.
    diffs = [n - c for p, q in zip(noisy, clean) for n, c in zip(p, q)]
    std = math.sqrt(sum(d * d for d in diffs) / len(diffs))
    assert 0.17 < std < 0.23


def test_circles_radii_and_labels() -> None:
    X, y = make_circles(20, factor=0.3, random_state=0)
    for p, label in zip(X, y):
        assert math.hypot(*p) == pytest.approx(0.3 if label == 1 else 1.0)


def test_blobs_gather_around_given_centres() -> None:
    centres = [[0.0, 0.0], [10.0, -10.0]]
    X, y = make_blobs(40, centers=centres, cluster_std=0.5, random_state=0)
    for p, label in zip(X, y):
        assert math.dist(p, centres[label]) < 3.0
    assert y.count(0) == y.count(1) == 20


def test_spiral_arms_grow_outwards_and_are_balanced() -> None:
    X, y = make_spirals(30, n_classes=3, random_state=0)
    assert [y.count(k) for k in range(3)] == [10, 10, 10]
    assert max(math.hypot(*p) for p in X) == pytest.approx(1.0)


def test_xor_labels_follow_the_sign_rule() -> None:
    X, y = make_xor(200, random_state=2)
    assert all((a * b < 0) == (label == 1) for (a, b), label in zip(X, y))
    assert 60 < sum(y) < 140


@pytest.mark.parametrize(("call", "message"), [
    (lambda: make_moons(1), "n_samples must be an int >= 2"),
    (lambda: make_moons(10, noise=-1), "noise must be a finite number >= 0"),
    (lambda: make_circles(10, factor=1.5), "factor must be between 0 and 1"),
    (lambda: make_spirals(10, n_classes=1), "n_classes"),
    (lambda: make_blobs(10, cluster_std=-1), "cluster_std"),
])  # fmt: skip
def test_generator_arguments_are_checked(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


def test_train_test_split_partitions_deterministically() -> None:
    X, y = [[float(i)] for i in range(20)], list(range(20))
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=5)
    assert (len(X_tr), len(X_te)) == (15, 5)
    assert sorted(y_tr + y_te) == y
    assert [p[0] for p in X_te] == [float(v) for v in y_te]
    assert train_test_split(X, y, test_size=0.25, random_state=5)[1] == X_te
    assert train_test_split(X, y, test_size=3, shuffle=False)[3] == [17, 18, 19]
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, y, test_size=1.0)


def test_batches_cover_everything_once() -> None:
    X, y = list(range(10)), [v * 10 for v in range(10)]
    chunks = list(batches(X, y, 4, shuffle=True, rng=random.Random(0)))
    assert [len(xb) for xb, _ in chunks] == [4, 4, 2]
    assert sorted(v for xb, _ in chunks for v in xb) == X
    assert all(b == [10 * a for a in xb] for xb, b in chunks)
    assert list(batches(X, y)) == [(X, y)]
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(X, y, 0))


# -- CSV ------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text(text)
    return path


def test_csv_without_header_takes_the_last_column_as_target(tmp_path: Path) -> None:
    # The banknote-authentication layout: four features, then the class.
    path = write(tmp_path, "3.6216,8.6661,-2.8073,-0.44699,0\n\n-1.3971,3.3191,-1.3927,-1.9948,1\n")
    X, y = load_csv(path)
    assert X == [[3.6216, 8.6661, -2.8073, -0.44699], [-1.3971, 3.3191, -1.3927, -1.9948]]
    assert y == [0, 1] and all(type(v) is int for v in y)


def test_csv_with_header_and_a_named_or_numbered_target(tmp_path: Path) -> None:
    path = write(tmp_path, "price,size,rooms\n1.5,2,3\n2.5,4,5\n")
    assert load_csv(path, target="price") == ([[2.0, 3.0], [4.0, 5.0]], [1.5, 2.5])
    assert load_csv(path, target=1) == ([[1.5, 3.0], [2.5, 5.0]], [2, 4])


@pytest.mark.parametrize(("text", "target", "message"), [
    ("", -1, "the file is empty"),
    ("\n  \n", -1, "the file is empty"),
    ("1,2,0\n3,4\n", -1, "line 2 has 2 columns, expected 3"),
    ("a,b,c\n1,2,0\n3,x,1\n", -1, "line 3, column 'b': 'x' is not a number"),
    ("1,2,0\n3,nan,1\n", -1, "line 2, column 2: 'nan' is not a finite number"),
    ("a,b,c\n1,2,0\n", "label", "no column 'label' in the header"),
    ("1,2,0\n", "label", "names a column, but the file has no header"),
    ("a,b,c\n", -1, "a header but no data rows"),
    ("1,2,0\n", 5, "target=5 is not a column"),
    # A first row with a typo or an empty cell is data, not a header to drop silently.
    ("1.5,x3,0\n3,4,1\n", -1, "line 1 mixes numbers and text ('x3')"),
    ("1,,0\n3,4,1\n", -1, "line 1, column 2: '' is not a number"),
    ("a,,c\n1,2,0\n", -1, "line 1 looks like a header but has an empty cell"),
    ("1,2,0\n3,4,1\n5," + "9" * 200_000 + ",1\n", -1, "line 3: field larger than field limit"),
    ("1,2,0\n3,\"4\0\",1\n", -1, "line 2"),
    ("1,2,0\n3," + "1" * 101 + ",1\n", -1, "line 2, column 2: a cell of 101 characters is too"),
    ("1," * 10_001 + "0\n", -1, "line 1 has 10002 columns; the limit is 10000"),
])  # fmt: skip
def test_bad_csv_files_get_errors_naming_line_and_problem(
    tmp_path: Path, text: str, target: int | str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CSVError, match=__import__("re").escape(message)) as info:
        load_csv(path, target=target)
    assert str(path) in str(info.value)


def test_a_byte_order_mark_is_not_a_header(tmp_path: Path) -> None:
    # Excel's "CSV UTF-8" starts with a BOM; the first row used to be taken as a header.
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf1.5,2,0\n3,4,1\n")
    assert load_csv(path) == ([[1.5, 2.0], [3.0, 4.0]], [0, 1])
    path.write_bytes(b"\xef\xbb\xbfsize,class\n2,0\n4,1\n")
    assert load_csv(path, target="size") == ([[0.0], [1.0]], [2, 4])


def test_header_can_be_stated_when_the_guess_cannot_tell(tmp_path: Path) -> None:
    path = write(tmp_path, "x,2019,class\n1,2,0\n3,4,1\n")
    with pytest.raises(CSVError, match="pass header=True"):
        load_csv(path)
    assert load_csv(path, header=True, target="2019") == ([[1.0, 0.0], [3.0, 1.0]], [2, 4])
    data = write(tmp_path, "1,2,0\n3,4,1\n")
    assert load_csv(data, header=True) == ([[3.0, 4.0]], [1])
    assert load_csv(data, header=False) == ([[1.0, 2.0], [3.0, 4.0]], [0, 1])


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,0\n" * 100)
    with pytest.raises(CSVError, match=f"{path}: the file is larger than the limit of 500 bytes"):
        load_csv(path, max_bytes=500)
    assert len(load_csv(path, max_bytes=600)[0]) == 100
