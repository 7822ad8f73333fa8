"""The `autograd-lite` command line: small programs that show the library at work.

This is the application layer; like any user of the library it may import `visualize`, which it
does only inside the commands that draw (the library modules never do).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``autograd-lite`` and ``python -m autograd_lite``.

    Example:
        >>> main(["example"])  # doctest: +ELLIPSIS
        f = (x + y) * z at x=-2, y=5, z=-4
        ...
        0
    """
    parser = argparse.ArgumentParser(
        prog="autograd-lite", description="A scalar autograd engine: examples and tools."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("example", help="back-propagate through (x + y) * z and print gradients")
    args = parser.parse_args(argv)
    if args.command in (None, "example"):
        print(example())
        return 0
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover (argparse exits first)
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
