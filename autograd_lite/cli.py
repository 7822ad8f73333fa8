"""The `autograd-lite` command line: small programs that show the library at work.

This is the application layer; like any user of the library it may import `visualize`, which it
does only inside the commands that draw (the library modules never do).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .console import OneLineParser, run

__all__ = ["main", "example"]


def example() -> str:
    """Run the README's first example and describe it.

    Example:
        >>> print(example().splitlines()[0])
        f = (x + y) * z at x=-2, y=5, z=-4
    """
    from .engine import Value

    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z
    f.label = "f"
    f.backward()
    return "\n".join(
        [
            "f = (x + y) * z at x=-2, y=5, z=-4",
            f"f = {f.data:g}",
            f"df/dx = {x.grad:g}   (z: the add gate passes the gradient, the multiply gate swaps)",
            f"df/dy = {y.grad:g}",
            f"df/dz = {z.grad:g}   (x + y)",
        ]
    )


# Commands that live in their own modules, imported only when run: name -> (module, help).
# Each module has ``main(argv: list[str]) -> int`` and its own argument parser.
_DELEGATED = {
    "demo": ("autograd_lite.demo", "train an MLP on toy data with plots and a checkpoint"),
    "graph": ("visualize.cli", "draw the graph of an expression (same as python -m visualize)"),
}


def _delegate(name: str) -> Callable[[list[str]], int]:
    def command(args: list[str]) -> int:
        # Inside the error policy: without the optional packages the import itself fails, and
        # that failure is reported as one line naming the extra to install.
        module = importlib.import_module(_DELEGATED[name][0])
        return int(module.main(args))

    return command


def _example(args: list[str]) -> int:
    parser = OneLineParser(
        prog="autograd-lite", description="A scalar autograd engine: examples and tools."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("example", help="back-propagate through (x + y) * z and print gradients")
    for name, (_, help_text) in _DELEGATED.items():
        commands.add_parser(name, help=help_text, add_help=False)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.parse_args(args)
    print(example())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``autograd-lite`` and ``python -m autograd_lite``.

    Every command follows `autograd_lite.console`'s policy: an error is one line on stderr and
    a non-zero exit status; ``--debug`` shows the traceback.

    Example:
        >>> main(["example"])  # doctest: +ELLIPSIS
        f = (x + y) * z at x=-2, y=5, z=-4
        ...
        0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "demo":
        from .demo import main as demo

        return demo(args[1:])  # the demo applies the same policy itself
    if args and args[0] in _DELEGATED:
        return run(f"autograd-lite {args[0]}", _delegate(args[0]), args[1:])
    return run("autograd-lite", _example, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
