"""Loss functions built from `Value` operations (so gradients flow), plus `l2` and `accuracy`.

Every loss takes ``outputs`` (one model output per sample: a `Value`, or a list of them for
several outputs) and ``targets`` (one per sample) and returns the mean over the samples as a
single `Value`, ready for ``backward()``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

from .engine import Value
from .fused import dot, vsum

__all__ = [
    "mse",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "hinge",
    "softmax_cross_entropy",
    "l2",
    "accuracy",
]

Scalar: TypeAlias = "Value | float"
Output: TypeAlias = "Value | float | Sequence[Value | float]"

# log(p) is clamped at -100 as PyTorch's BCELoss does, so p = 0 gives a large finite loss.
_LOG_FLOOR = math.exp(-100.0)


def _lift(x: Any, where: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(float(x))
    raise TypeError(f"{where}: expected a Value or a number, got {type(x).__name__} {x!r}")


def _number(x: Any, where: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{where}: expected a number, got {type(x).__name__} {x!r}")


def _pairs(name: str, outputs: Sequence[Any], targets: Sequence[Any]) -> list[tuple[Any, Any]]:
    if isinstance(outputs, Value) or not isinstance(outputs, Sequence):
        raise TypeError(f"{name}(): outputs must be a list with one output per sample")
    if not isinstance(targets, Sequence) or isinstance(targets, str):
        raise TypeError(f"{name}(): targets must be a list with one target per sample")
    if len(outputs) != len(targets):
        raise ValueError(f"{name}(): {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError(f"{name}(): no samples (outputs and targets are empty)")
    return list(zip(outputs, targets))


def _scalar(name: str, i: int, out: Any) -> Value:
    if isinstance(out, Sequence):
        if len(out) != 1:
            raise ValueError(
                f"{name}(): sample {i} has {len(out)} outputs; this loss needs one per sample "
                "(use softmax_cross_entropy for several classes)"
            )
        out = out[0]
    return _lift(out, f"{name}() output of sample {i}")


def mse(outputs: Sequence[Output], targets: Sequence[Any]) -> Value:
    """Mean squared error over every output element (PyTorch's ``reduction='mean'``).

    Example:
        >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data
        2.5
    """
    terms: list[Value] = []
    for i, (out, tgt) in enumerate(_pairs("mse", outputs, targets)):
        outs = list(out) if isinstance(out, Sequence) else [out]
        tgts = list(tgt) if isinstance(tgt, Sequence) else [tgt]
        if len(outs) != len(tgts):
            raise ValueError(f"mse(): sample {i} has {len(outs)} outputs but {len(tgts)} targets")
        for o, t in zip(outs, tgts):
            diff = _lift(o, f"mse() output of sample {i}") - _number(t, f"mse() target {i}")
            terms.append(diff * diff)
    return vsum(terms) / len(terms)


def _binary_target(name: str, i: int, t: Any) -> float:
    y = _number(t, f"{name}() target {i}")
    if not 0.0 <= y <= 1.0:
        raise ValueError(f"{name}(): target {i} is {y!r}; it must be in [0, 1] (a probability)")
    return y


def binary_cross_entropy(probabilities: Sequence[Output], targets: Sequence[Any]) -> Value:
    """Mean of ``-(y log p + (1 - y) log(1 - p))`` for probabilities p (e.g. a sigmoid output).

    ``log`` is clamped at -100 as in PyTorch, so p = 0 or 1 gives a large but finite loss.
    Prefer `binary_cross_entropy_with_logits` on raw scores: it is exact for any score.

    Example:
        >>> round(binary_cross_entropy([Value(0.8), Value(0.4)], [1, 0]).data, 6)
        0.366985
    """
    terms = []
    for i, (out, tgt) in enumerate(_pairs("binary_cross_entropy", probabilities, targets)):
        p = _scalar("binary_cross_entropy", i, out)
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy(): output {i} is {p.data!r}, not a probability in [0, 1]; "
                "apply .sigmoid() first, or use binary_cross_entropy_with_logits on raw scores"
            )
        y = _binary_target("binary_cross_entropy", i, tgt)
        log_p = p.max(_LOG_FLOOR).log()
        log_q = (1.0 - p).max(_LOG_FLOOR).log()
        terms.append(-(y * log_p + (1.0 - y) * log_q))
    return vsum(terms) / len(terms)


def binary_cross_entropy_with_logits(logits: Sequence[Output], targets: Sequence[Any]) -> Value:
    """Binary cross-entropy on raw scores z, in the form that never overflows.

    ``-(y log s(z) + (1 - y) log(1 - s(z)))`` equals ``max(z, 0) - z y + log(1 + e^-|z|)``:
    the exponent is never positive, so z = +-1000 is fine. The gradient is ``s(z) - y``
    everywhere; at z = 0 the two kinks cancel because the max gate splits a tie evenly.

    Example:
        >>> round(binary_cross_entropy_with_logits([Value(0.0)], [1]).data, 6)  # log 2
        0.693147
    """
    terms = []
    for i, (out, tgt) in enumerate(_pairs("binary_cross_entropy_with_logits", logits, targets)):
        z = _scalar("binary_cross_entropy_with_logits", i, out)
        y = _binary_target("binary_cross_entropy_with_logits", i, tgt)
        terms.append(z.max(0.0) - z * y + (1.0 + (-abs(z)).exp()).log())
    return vsum(terms) / len(terms)


def hinge(scores: Sequence[Output], targets: Sequence[Any]) -> Value:
    """The SVM max-margin loss: mean of ``relu(1 - y * score)``, as in micrograd's demo.

    Targets are +1 for the positive class and -1 (or 0, read as -1) for the negative one, so
    labels from `autograd_lite.data` work as they are.

    Example:
        >>> hinge([Value(2.0), Value(0.5)], [1, -1]).data
        0.75
    """
    terms = []
    for i, (out, tgt) in enumerate(_pairs("hinge", scores, targets)):
        s = _scalar("hinge", i, out)
        y = _number(tgt, f"hinge() target {i}")
        if y not in (-1.0, 0.0, 1.0):
            raise ValueError(f"hinge(): target {i} is {y!r}; use +1 and -1 (or 1 and 0)")
        sign = 1.0 if y > 0 else -1.0
        terms.append((1.0 - sign * s).relu())
    return vsum(terms) / len(terms)


def softmax_cross_entropy(logits: Sequence[Sequence[Scalar]], targets: Sequence[int]) -> Value:
    """Cross-entropy of softmax(logits) against integer classes, averaged over samples.

    Per sample ``log(sum_k e^{z_k}) - z_y``, with the log-sum-exp shifted by m = max z:
    ``m + log(sum_k e^{z_k - m})``. Every exponent is <= 0 and the sum is >= 1, so logits of
    +-1000 are fine. m is taken as a constant: the exact gradient of log-sum-exp does not depend
    on it (it is softmax(z) either way), so no gradient needs to flow through the shift.

    Example:
        >>> z = [Value(1000.0), Value(-1000.0), Value(0.0)]
        >>> loss = softmax_cross_entropy([z], [0]); loss.backward()
        >>> loss.data, z[0].grad, z[1].grad
        (0.0, 0.0, 0.0)
    """
    terms = []
    for i, (row, tgt) in enumerate(_pairs("softmax_cross_entropy", logits, targets)):
        if isinstance(row, Value) or not isinstance(row, Sequence) or len(row) < 2:
            raise ValueError(
                f"softmax_cross_entropy(): sample {i} needs a list of at least 2 logits, "
                f"got {row!r}"
            )
        zs = [_lift(z, f"softmax_cross_entropy() logit of sample {i}") for z in row]
        whole = isinstance(tgt, numbers.Integral) or (isinstance(tgt, float) and tgt.is_integer())
        if isinstance(tgt, bool) or not whole:
            raise TypeError(
                f"softmax_cross_entropy(): target {i} must be a class index, got {tgt!r}"
            )
        k = int(tgt)
        if not 0 <= k < len(zs):
            raise ValueError(
                f"softmax_cross_entropy(): target {i} is class {k}, but there are {len(zs)} "
                f"logits (classes 0..{len(zs) - 1})"
            )
        m = max(z.data for z in zs)
        if not math.isfinite(m):
            raise ValueError(f"softmax_cross_entropy(): sample {i} has a non-finite logit {m!r}")
        lse = vsum([(z - m).exp() for z in zs]).log() + m
        terms.append(lse - zs[k])
    return vsum(terms) / len(terms)


def l2(parameters: Iterable[Value], alpha: float = 1e-4) -> Value:
    """The regulariser ``alpha * sum p^2`` as one fused node (its gradient is ``2 alpha p``).

    Add it to a loss: ``hinge(scores, y) + l2(model.parameters())``.

    Example:
        >>> l2([Value(1.0), Value(-2.0)], alpha=0.5).data
        2.5
    """
    params = list(parameters)
    if not params:
        raise ValueError("l2(): no parameters given")
    # dot(p, p) lists each p twice as a parent, so backward adds p + p = 2p: the exact gradient.
    return alpha * dot(params, params)


def accuracy(outputs: Sequence[Output], targets: Sequence[Any], threshold: float = 0.0) -> float:
    """The fraction of samples classified right.

    One output per sample: the prediction is positive when ``output > threshold`` (0 for scores
    and logits, use 0.5 for probabilities) and a target is positive when it is > 0, so labels
    may be 1/0 or 1/-1. Several outputs per sample: the prediction is the index of the largest.

    Example:
        >>> accuracy([Value(2.0), Value(-1.0), Value(0.5)], [1, -1, 0])
        0.6666666666666666
        >>> accuracy([[0.1, 0.7, 0.2]], [1])
        1.0
    """
    right = 0
    pairs = _pairs("accuracy", outputs, targets)
    for i, (out, tgt) in enumerate(pairs):
        if isinstance(out, Sequence) and len(out) > 1:
            scores = [_number(o, f"accuracy() output of sample {i}") for o in out]
            right += scores.index(max(scores)) == int(_number(tgt, f"accuracy() target {i}"))
        else:
            s = _number(out[0] if isinstance(out, Sequence) else out, "accuracy() output")
            right += (s > threshold) == (_number(tgt, f"accuracy() target {i}") > 0)
    return right / len(pairs)
