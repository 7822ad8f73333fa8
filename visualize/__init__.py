"""Draw autograd_lite computational graphs: to DOT, to SVG/PNG/PDF, and step by step.

Example:
    >>> from autograd_lite import Value
    >>> x = Value(1.0, label="x"); y = (x * 2).tanh(); y.backward()
    >>> "x | data 1 | grad 0.1413" in draw_dot(y).source
    True
"""

from __future__ import annotations

from .dot import draw_dot
from .explore import Explorer, explore
from .render import Drawing, RenderError, has_system_dot, render, to_bytes, write_atomic
from .steps import backward_steps, render_backward_steps
from .style import format_number, record_text

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
]
