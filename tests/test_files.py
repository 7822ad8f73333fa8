"""files: atomic writes keep the old file on failure and give new files ordinary permissions."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.files import atomic_open, write_atomic


def test_new_file_gets_the_mode_a_plain_open_would_give(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    target = write_atomic(tmp_path / "a.svg", b"<svg/>")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_replacing_keeps_the_existing_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failure_inside_the_block_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "a.txt", b"x")
    with pytest.raises(ValueError, match="mode must be"), atomic_open(tmp_path / "a.txt", "a"):
        pass


def test_a_write_deletes_the_temp_files_of_dead_writers_from_this_host_only(
    tmp_path: Path,
) -> None:
    # What a SIGKILLed save leaves: .NAME.PID@HOST.random.tmp
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    host = socket.gethostname()
    left = tmp_path / f".model.json.{dead.stdout.strip()}@{host}.abc123.tmp"
    live = tmp_path / f".model.json.{os.getpid()}@{host}.def456.tmp"  # a write in progress
    remote = tmp_path / f".model.json.{dead.stdout.strip()}@elsewhere.ghi789.tmp"
    other = tmp_path / f".other.json.{dead.stdout.strip()}@{host}.jkl012.tmp"
    for p in (left, live, remote, other):
        p.write_text("partial")
    write_atomic(tmp_path / "model.json", b"{}")
    assert not left.exists()
    assert live.exists() and remote.exists() and other.exists()
    assert (tmp_path / "model.json").read_bytes() == b"{}"
