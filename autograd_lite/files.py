"""Writing files atomically: a reader never sees half a file, a failure keeps the old one."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_open", "write_atomic"]


def _mode_for(target: str) -> int:
    # mkstemp makes the file private (0o600); give it the mode a plain open() would have had:
    # the existing file's mode, or 0o666 minus the process umask.
    try:
        return os.stat(target).st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success it replaces ``path`` in one step.

    If anything fails inside the block, the temporary file is deleted and an existing ``path``
    is left untouched, so a crash mid-write never leaves a half-written file behind. When
    ``path`` is a symlink, the file it points to is replaced and the link is kept. An `OSError`
    from the write names ``path``, not the temporary file.

    A process killed outright (SIGKILL, power loss) cannot clean up: it may leave a hidden
    ``.NAME.PID@HOST.*.tmp`` file beside ``path``, never a damaged ``path``. The next write of
    ``path`` from the same host deletes those whose process is gone; a file from another host,
    or from a process still running, is left alone (it may be a write in progress).

    Example:
        >>> import pathlib, tempfile
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
        >>> with atomic_open(target) as f:
        ...     _ = f.write("done")
        >>> target.read_text()
        'done'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open() mode must be 'w' or 'wb', got {mode!r}")
    # Through a symlink, replace the file it points to: replacing the link itself would turn it
    # into a plain file and leave its target with the old contents.
    target = os.path.realpath(path) if os.path.islink(path) else os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {target}: the folder {folder} does not exist")
    _sweep(folder, f".{os.path.basename(target)}.")
    temp, prefix = "", f".{os.path.basename(target)}.{os.getpid()}@{_HOST}."
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
        encoding = "utf-8" if mode == "w" else None
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except BaseException as exc:
        if temp:
            with contextlib.suppress(OSError):
                os.remove(temp)
        if isinstance(exc, OSError) and _is_ours(exc.filename, folder, prefix):
            # The temporary file is an implementation detail: name the file being written.
            raise _naming(exc, target) from exc
        raise


_HOST = socket.gethostname()


def _sweep(folder: str, stem: str) -> None:
    """Delete the temporary files of earlier writes of this name whose process has died."""
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if not (name.startswith(stem) and name.endswith(".tmp")):
                continue
            owner = name[len(stem) : -len(".tmp")].rpartition(".")[0]  # PID@HOST
            pid, _, host = owner.partition("@")
            if host == _HOST and pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(folder, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _is_ours(filename: Any, folder: str, prefix: str) -> bool:
    """Whether an error's file is the temporary file (or none, or its folder)."""
    if filename is None:
        return True
    name = os.path.abspath(os.fsdecode(filename))
    return name == folder or (
        os.path.dirname(name) == folder and os.path.basename(name).startswith(prefix)
    )


def _naming(exc: OSError, target: str) -> OSError:
    if exc.errno is None:
        return OSError(f"cannot write {target}: {exc}")
    return OSError(exc.errno, f"cannot write {target}: {exc.strerror or exc}")


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see `atomic_open`) and return the path.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_atomic(folder / "a.txt", b"hi").read_bytes()
        b'hi'
    """
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)
