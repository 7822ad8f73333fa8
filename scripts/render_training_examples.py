"""Regenerate the demo's images in docs/images/ (run: python scripts/render_training_examples.py).

Runs ``autograd-lite demo`` with its defaults into a temporary folder and copies what it drew:
demo_loss.png, demo_decision_boundary.png and demo_neuron_graph.svg. The demo is seeded, so the
images change only when the code does.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from autograd_lite.demo import main as demo
from autograd_lite.files import atomic_open

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
COPIES = {
    "loss.png": "demo_loss.png",
    "decision_boundary.png": "demo_decision_boundary.png",
    "neuron_graph.svg": "demo_neuron_graph.svg",
}


def run() -> int:
    """Run the default demo and copy its images into docs/images/ (each copy atomic)."""
    with tempfile.TemporaryDirectory() as folder:
        status = demo(["--out", folder])
        if status != 0:
            return status
        missing = [name for name in COPIES if not (Path(folder) / name).exists()]
        if missing:
            print(f"the demo did not write {missing}; see the messages above", file=sys.stderr)
            return 1
        IMAGES.mkdir(parents=True, exist_ok=True)
        for source, target in COPIES.items():
            with (
                open(Path(folder) / source, "rb") as src,
                atomic_open(IMAGES / target, "wb") as dst,
            ):
                shutil.copyfileobj(src, dst)
            print(f"wrote {IMAGES / target}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
