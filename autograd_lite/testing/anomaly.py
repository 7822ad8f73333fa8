"""detect_anomaly(): stop at the first op whose value or gradient is NaN or infinite."""

from __future__ import annotations

import linecache
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ..engine import Value
from ..modes import MODE, using

__all__ = ["detect_anomaly", "AnomalyError"]

# Frames from these files are the library's own; the creating line is the first frame outside.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared in a forward value or a backward gradient.

    The message names the op, its inputs and the source line that created the node.
    """


def _user_frame(frame: FrameType | None) -> FrameType | None:
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return frame


def _origin_of(frame: FrameType | None) -> str:
    user = _user_frame(frame)
    if user is None:
        return "<unknown line>"
    filename, lineno = user.f_code.co_filename, user.f_lineno
    text = linecache.getline(filename, lineno).strip()
    where = f'File "{filename}", line {lineno}, in {user.f_code.co_name}'
    return f"{where}: {text}" if text else where


def _describe_inputs(node: Value) -> str:
    if not node.parents:
        return "no inputs"
    return ", ".join(p.describe() for p in node.parents)


def _record(node: Value) -> None:
    # The hook runs inside engine.make_node, called from a Value method; start above it.
    node.origin = _origin_of(sys._getframe(1))
    if not math.isfinite(node.data):
        raise AnomalyError(
            f"op {node.op!r} produced {node.data!r} in the forward pass from inputs "
            f"[{_describe_inputs(node)}]; the node was created at {node.origin}"
        )


def _created(node: Value) -> str:
    return node.origin or "an unknown line (it was created outside detect_anomaly())"


def _check_backward(node: Value, g: float) -> None:
    name = f"op {node.op!r}" if node.op else f"leaf {node.describe()}"
    if not math.isfinite(g):
        raise AnomalyError(
            f"{name} received the gradient {g!r} in backward(); the node was created at "
            f"{_created(node)}"
        )
    for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
        term = g * local
        if not math.isfinite(term):
            raise AnomalyError(
                f"backward through {name} gives {term!r} for its input {i} "
                f"({parent.describe()}): incoming gradient {g!r} times local derivative "
                f"{local!r}; inputs [{_describe_inputs(node)}]; the node was created at "
                f"{_created(node)}"
            )


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `AnomalyError` at the first NaN/inf value or gradient, naming op, inputs and line.

    While active, every new node records the source line that created it (in ``node.origin``)
    and is checked for a finite value; ``backward()`` checks every gradient and every
    contribution ``grad * local derivative`` sent to a parent. Outside the block nothing is
    recorded or checked, so normal code pays nothing. (``backward(create_graph=True)`` is not
    checked.)

    Example:
        >>> x = Value(1000.0)
        >>> with detect_anomaly():  # doctest: +ELLIPSIS
        ...     y = x.exp()
        Traceback (most recent call last):
          ...
        autograd_lite.testing.anomaly.AnomalyError: op 'exp' produced inf ... y = x.exp()
    """
    mode = MODE.get()
    previous = mode.on_backward

    def check(node: Value, g: float) -> None:
        _check_backward(node, g)
        if previous is not None:
            previous(node, g)

    with using(hooks=(*mode.hooks, _record), on_backward=check):
        yield
