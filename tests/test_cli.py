"""The command line: `autograd-lite` / `python -m autograd_lite`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd_lite.cli import main
from autograd_lite.console import install_hint, run


def test_default_command_prints_the_example_and_its_gradients(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "df/dx = -4" in out and "df/dy = -4" in out and "df/dz = 3" in out


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lite"], capture_output=True, text=True, check=True
    )
    assert "f = -12" in done.stdout


def test_graph_without_graphviz_names_the_extra_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [m for m in sys.modules if m == "visualize" or m.startswith("visualize.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "graphviz", None)  # as if it were not installed
    assert main(["graph", "x * 2", "--at", "x=1"]) == 0  # the gradients need no graphviz
    assert "x" in capsys.readouterr().out
    assert main(["graph", "x * 2", "--at", "x=1", "-o", "g.svg"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert 'pip install "autograd-lite[viz]"' in err


def test_unknown_commands_and_options_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["nope"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("autograd-lite: error: argument COMMAND")


def test_os_errors_name_the_file_and_ctrl_c_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def missing(args: list[str]) -> int:
        Path("/nonexistent/model.json").read_text()
        return 0

    def interrupted(args: list[str]) -> int:
        raise KeyboardInterrupt

    assert run("tool", missing, []) == 1
    assert capsys.readouterr().err == (
        "tool: error: /nonexistent/model.json: No such file or directory\n"
    )
    assert run("tool", interrupted, []) == 130
    assert capsys.readouterr().err == "tool: interrupted\n"


def test_sigterm_unwinds_like_ctrl_c(capsys: pytest.CaptureFixture[str]) -> None:
    def terminated(args: list[str]) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
        return 0

    assert run("tool", terminated, []) == 130
    assert capsys.readouterr().err == "tool: interrupted (terminated)\n"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_install_hints_name_the_extra() -> None:
    assert install_hint("graphviz") == 'pip install "autograd-lite[viz]"'
    assert install_hint("tqdm.auto") == 'pip install "autograd-lite[train]"'
    assert install_hint("matplotlib.figure") == 'pip install "autograd-lite[train]"'
