"""The command line: `autograd-lite` / `python -m autograd_lite`."""

from __future__ import annotations

import subprocess
import sys

from autograd_lite.cli import main


def test_default_command_prints_the_example_and_its_gradients(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "df/dx = -4" in out and "df/dy = -4" in out and "df/dz = 3" in out


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lite"], capture_output=True, text=True, check=True
    )
    assert "f = -12" in done.stdout
