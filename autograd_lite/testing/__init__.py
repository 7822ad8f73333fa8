"""Tools for testing gradients: finite differences, gradcheck, anomaly detection, PyTorch checks.

The hypothesis strategies live in `autograd_lite.testing.strategies` (they need hypothesis).

Example:
    >>> from autograd_lite.testing import gradcheck
    >>> gradcheck(lambda x: x.sin() * x, [0.3]).passed
    True
"""

from __future__ import annotations

from .anomaly import AnomalyError, detect_anomaly
from .gradcheck import GradcheckEntry, GradcheckError, GradcheckReport, gradcheck
from .model_check import gradcheck_model as gradcheck_model
from .numerical import numerical_grad
from .torch_compare import TorchComparison, compare_with_torch

__all__ = [
    "numerical_grad",
    "gradcheck",
    "GradcheckReport",
    "GradcheckEntry",
    "GradcheckError",
    "detect_anomaly",
    "AnomalyError",
    "compare_with_torch",
    "TorchComparison",
]
