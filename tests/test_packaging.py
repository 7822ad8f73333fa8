"""The distribution: the wheel carries every file of the source packages, with the right metadata.

CI hands these tests the wheel it built (``AUTOGRAD_LITE_WHEEL``) and, because it runs the suite
from a copy outside the checkout, where the checkout is (``AUTOGRAD_LITE_SOURCE``). Run from a
checkout with neither set, they build a wheel of the checkout themselves.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from email.message import Message
from email.parser import Parser
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

import pytest

import autograd_lite
from autograd_lite.cli import main

# The repository's top-level packages: those that ship, and those that stay out on purpose.
SHIPPED = ("autograd_lite", "visualize")
NOT_SHIPPED = ("tests", "benchmarks")


def _find_source() -> Path | None:
    root = Path(os.environ.get("AUTOGRAD_LITE_SOURCE", Path(__file__).resolve().parent.parent))
    if (root / "pyproject.toml").is_file() and (root / "autograd_lite").is_dir():
        return root
    return None


@pytest.fixture(scope="module")
def source() -> Path:
    root = _find_source()
    if root is None:
        pytest.skip("no source tree next to the tests; set AUTOGRAD_LITE_SOURCE to a checkout")
    return root


def _ignored(path: Path) -> bool:
    return any(part == "__pycache__" or part.startswith(".") for part in path.parts) or (
        path.suffix in {".pyc", ".pyo"}
    )


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("AUTOGRAD_LITE_WHEEL")
    if given:
        path = Path(given)
        assert path.is_file(), f"AUTOGRAD_LITE_WHEEL={given} is not a file"
        return path
    pytest.importorskip(
        "setuptools", minversion="77", reason="building a wheel needs setuptools (the [dev] extra)"
    )
    # Build from a copy: an in-tree build leaves build/lib behind, whose stale modules would
    # then ship in the next wheel and hide the very omission this file looks for.
    tree = tmp_path_factory.mktemp("tree") / "src"
    shutil.copytree(
        source,
        tree,
        ignore=shutil.ignore_patterns(
            ".*", "__pycache__", "build", "dist", "*.egg-info", "mutants"
        ),
    )
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    done = subprocess.run(
        [*pip_wheel, "-w", str(out), str(tree)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}{done.stderr}"
    (built,) = out.glob("autograd_lite-*.whl")
    return built


def _wheel_metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


def _project_version(source: Path) -> str:
    # A regex rather than tomllib, which Python 3.10 lacks.
    text = (source / "pyproject.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    assert match, "pyproject.toml has no version line"
    return match.group(1)


def test_the_wheel_holds_every_file_of_the_source_packages_and_nothing_else(
    source: Path, wheel: Path
) -> None:
    expected = {
        path.relative_to(source).as_posix()
        for package in SHIPPED
        for path in (source / package).rglob("*")
        if path.is_file() and not _ignored(path.relative_to(source))
    }
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if ".dist-info/" not in n}
    missing, extra = sorted(expected - shipped), sorted(shipped - expected)
    assert not missing, f"{wheel.name} lacks source files: {missing}"
    assert not extra, f"{wheel.name} has files that are not in the source packages: {extra}"


def test_every_package_of_the_repository_ships_or_is_left_out_on_purpose(source: Path) -> None:
    packages = {p.parent.name for p in source.glob("*/__init__.py")}
    unknown = sorted(packages - set(SHIPPED) - set(NOT_SHIPPED))
    assert not unknown, f"decide whether these packages ship (SHIPPED/NOT_SHIPPED): {unknown}"


def test_every_package_in_the_wheel_is_marked_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    packages = {n.rsplit("/", 1)[0] for n in names if n.endswith("/__init__.py")}
    assert set(SHIPPED) <= packages
    untyped = sorted(p for p in packages if f"{p}/py.typed" not in names)
    assert not untyped, f"packages without py.typed: {untyped}"


def test_the_metadata_names_the_license_the_pythons_ci_tests_and_no_required_dependency(
    source: Path, wheel: Path
) -> None:
    meta = _wheel_metadata(wheel)
    assert meta["Name"] == "autograd-lite"
    assert meta["Version"] == _project_version(source)
    assert meta["License-Expression"] == "MIT"
    # The engine needs only the standard library: every dependency belongs to an extra.
    assert all("extra ==" in r for r in meta.get_all("Requires-Dist") or [])
    assert {"viz", "train", "demo", "dev"} <= set(meta.get_all("Provides-Extra") or [])
    ci = (source / ".ci" / "run").read_text()
    match = re.search(r"^PYTHONS=\(([^)]*)\)", ci, re.MULTILINE)
    assert match, ".ci/run has no PYTHONS=(...) line"
    tested = match.group(1).split()
    prefix = "Programming Language :: Python :: "
    declared = [
        c[len(prefix) :]
        for c in meta.get_all("Classifier") or []
        if re.fullmatch(r"3\.\d+", c[len(prefix) :])
    ]
    assert declared == tested, f"classifiers say {declared}, .ci/run tests {tested}"
    assert meta["Requires-Python"] == f">={tested[0]}"


def test_the_version_is_the_installed_metadata_or_says_it_is_unknown() -> None:
    try:
        installed = metadata.version("autograd-lite")
    except metadata.PackageNotFoundError:
        installed = "0+unknown"
    assert autograd_lite.__version__ == installed
    # Without metadata (a source tree on sys.path), the fallback rather than an ImportError.
    code = (
        "import importlib.metadata as m\n"
        "def missing(name): raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import autograd_lite; print(autograd_lite.__version__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "0+unknown\n"


def test_the_command_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"autograd-lite {autograd_lite.__version__}\n"


@pytest.mark.skipif(
    not os.environ.get("AUTOGRAD_LITE_WHEEL"), reason="only where CI installed the wheel"
)
def test_the_suite_imports_the_installed_wheel_not_the_source() -> None:
    dist = metadata.distribution("autograd-lite")
    # A source tree's autograd_lite.egg-info would also answer, listing the source files.
    assert dist.read_text("WHEEL") is not None, "autograd-lite's metadata is not a wheel's"
    installed = {str(f.locate().resolve()) for f in dist.files or []}
    source = _find_source()
    for package in SHIPPED:  # found, not imported: visualize needs the [viz] extra
        spec = find_spec(package)
        assert spec is not None and spec.origin is not None, f"{package} is not importable"
        where = Path(spec.origin).resolve()
        assert str(where) in installed, f"{package} is {where}, not the wheel's"
        assert source is None or not where.is_relative_to(source.resolve()), where
