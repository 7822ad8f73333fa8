"""Re-execute the notebooks in place so their committed outputs match the code.

Usage: python scripts/run_notebooks.py [notebooks/NAME.ipynb ...]   (default: all of them)

Each notebook runs top to bottom in a fresh kernel with its own folder as the working
directory; it is saved only if every cell succeeded, through a temporary file and os.replace,
and only if no output mentions a path of this machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 120  # seconds; each notebook is meant to finish in under a minute


def machine_paths() -> list[str]:
    """Strings that would tie a committed output to this machine."""
    return sorted({str(ROOT), str(Path.home()), tempfile.gettempdir() + os.sep}, key=len)


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    text = nbformat.writes(nb)
    leaks = [p for p in machine_paths() if p in text]
    if leaks:
        raise SystemExit(f"{path.name}: outputs mention machine-specific paths {leaks}; not saved")
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: {run(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
