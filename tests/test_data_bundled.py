"""load_dataset: the classic datasets inside scikit-learn's wheel, as plain lists."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograd_lite.data import DATASETS, load_dataset

SHAPES = {"iris": (150, 4, 3), "wine": (178, 13, 3), "breast_cancer": (569, 30, 2)}
SHAPES["digits"] = (1797, 64, 10)


@pytest.mark.parametrize("name", DATASETS)
def test_each_dataset_loads_as_plain_lists(name: str) -> None:
    pytest.importorskip(
        "sklearn", reason="scikit-learn is not installed (pip install 'autograd-lite[sklearn]')"
    )
    X, y = load_dataset(name)
    n, features, classes = SHAPES[name]
    assert len(X) == len(y) == n
    assert all(len(row) == features and all(type(v) is float for v in row) for row in X)
    assert all(type(label) is int for label in y) and sorted(set(y)) == list(range(classes))


def test_the_digits_are_pixel_values() -> None:
    pytest.importorskip(
        "sklearn", reason="scikit-learn is not installed (pip install 'autograd-lite[sklearn]')"
    )
    X, _ = load_dataset("digits")
    assert {v for row in X for v in row} <= {float(k) for k in range(17)}


def test_an_unknown_name_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of iris, wine, breast_cancer, digits"):
        load_dataset("mnist")


def test_without_scikit_learn_one_line_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from autograd_lite.data import load_dataset\n"
        "try:\n    load_dataset('iris')\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "load_dataset('iris') reads the copy inside scikit-learn: "
        "pip install 'autograd-lite[sklearn]' (or pip install scikit-learn)"
    )
