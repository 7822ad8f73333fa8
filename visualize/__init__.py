"""Draw autograd_lite computational graphs: to DOT, to SVG/PNG/PDF, step by step, interactively.

Without the ``graphviz`` package, ``visualize.plots`` (matplotlib only) and ``python -m
visualize`` (which prints gradients before it draws) still work; drawing fails with one line
naming the extra to install.

Example:
    >>> from autograd_lite import Value
    >>> from visualize import draw_dot
    >>> x = Value(1.0, label="x"); y = (x * 2).tanh(); y.backward()
    >>> "x | data 1 | grad 0.1413" in draw_dot(y).source
    True
"""

from __future__ import annotations

from typing import Any

from .style import format_number, record_text

try:
    from .dot import draw_dot
    from .explore import Explorer, explore
    from .output import render
    from .render import Drawing, RenderError, has_system_dot, to_bytes, write_atomic
    from .steps import backward_steps, render_backward_steps
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess test
    if exc.name != "graphviz":
        raise

__all__ = [
    "draw_dot",
    "explore",
    "Explorer",
    "render",
    "render_backward_steps",
    "backward_steps",
    "to_bytes",
    "write_atomic",
    "has_system_dot",
    "format_number",
    "record_text",
    "Drawing",
    "RenderError",
    "MissingExtra",
]


class MissingExtra(ModuleNotFoundError):
    """An optional package is missing; the message names the extra that installs it."""


def __getattr__(name: str) -> Any:
    # Reached only for names the imports above could not define: graphviz is missing.
    if name in __all__:
        raise MissingExtra(
            f'visualize.{name} needs the graphviz package: pip install "autograd-lite[viz]"',
            name="graphviz",
        )
    raise AttributeError(f"module 'visualize' has no attribute {name!r}")
