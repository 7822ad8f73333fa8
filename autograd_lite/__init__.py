"""autograd_lite: a scalar reverse-mode automatic-differentiation engine, small enough to read.

Example:
    >>> from autograd_lite import Value
    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (-4.0, -4.0, 3.0)
"""

from __future__ import annotations

from importlib import metadata as _metadata

from .compile import compile
from .engine import Value, topological_order
from .functional import grad, hessian, jacfwd, jacobian, jvp, stop_gradient, value_and_grad, vjp
from .functions import atan2, clamp, fmod, remainder, where
from .fused import dot, vsum
from .grads import gradients, zero_grad
from .modes import Scope, enable_grad, gc_paused, is_grad_enabled, no_grad
from .op import DomainError, Op

__all__ = [
    "Value",
    "Op",
    "DomainError",
    "Scope",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "gc_paused",
    "topological_order",
    "zero_grad",
    "vsum",
    "dot",
    "grad",
    "value_and_grad",
    "gradients",
    "jvp",
    "hessian",
    "vjp",
    "jacobian",
    "jacfwd",
    "stop_gradient",
    "where",
    "atan2",
    "fmod",
    "remainder",
    "clamp",
    "compile",
]

# The version lives only in pyproject.toml; an installed package reads it from its metadata.
try:
    __version__ = _metadata.version("autograd-lite")
except _metadata.PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
