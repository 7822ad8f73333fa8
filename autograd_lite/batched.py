"""Batched replay: a compiled tape run once over many samples, each slot a NumPy or torch vector.

`Compiled.batched` returns a `Batched`. Calling it with one column of numbers per argument of
the traced function replays the tape with every slot that depends on an argument held as a
vector over the samples. Slots that depend only on ``params`` and constants (a regularisation
term, say) are the same for every sample, so they stay Python floats and go through the op
table's own float functions. The chain rule runs backwards over the same tape; a gradient that
flows from a per-sample slot into a shared one is summed over the samples on the way, so each
parameter receives the sum over the batch of its per-sample gradients.

**The batched backend's dictionary** (`FORMS`): for each op of `autograd_lite.ops`, the array
version of its forward and local derivatives. Where the op's own function is plain arithmetic
(``mul``, ``add``, ``tanh_local`` = ``1 - out * out``, the fused ``dot``), the entry says
``None`` and the op's own function is called on arrays, so there is one formula, not two. Only
ops whose functions branch on a number or call ``math`` get an array version here, written with
``xp.where`` so that NaN takes the same branch as in the scalar op. An op missing from the
dictionary (a user's own ``Op``) is refused when the replay is built: "op X has no batched form".

Per-sample results equal the scalar replay's: bit for bit for elementwise ops; ``sum`` adds left
to right instead of rounding once (``math.fsum``), and parameter gradients are summed in a
different order, so those agree to about 1e-15 relative.

Each op is one array operation (about a microsecond in NumPy, more in torch): on small batches
the generated scalar replay is faster. See ``benchmarks/`` for the measured numbers.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from . import ops
from .op import DomainError, Op

__all__ = ["Batched", "FORMS", "form_of", "BACKENDS"]

BACKENDS = ("numpy", "torch")

Fn = Callable[..., Any]
# forward(xp, *inputs), local(xp, *inputs, out), domain(xp, *inputs) -> mask of bad samples;
# None for forward or local means: the op's own function runs on arrays as it is.
Form = tuple[Fn | None, Fn | None, Fn | None]


def _sigmoid(xp: Any, x: Any) -> Any:
    # The scalar op's two branches at once: exp only ever sees -|x| (no overflow at +-800).
    e = xp.exp(-abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _maximum(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(a >= b, a, xp.where(b > a, b, xp.nan))


def _minimum(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(a <= b, a, xp.where(b < a, b, xp.nan))


def _max_local(xp: Any, a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    tie = a == b
    return (
        xp.where(a < b, 0.0, xp.where(tie, 0.5, 1.0)),
        xp.where(b < a, 0.0, xp.where(tie, 0.5, 1.0)),
    )


def _min_local(xp: Any, a: Any, b: Any, out: Any) -> tuple[Any, ...]:
    tie = a == b
    return (
        xp.where(a > b, 0.0, xp.where(tie, 0.5, 1.0)),
        xp.where(b > a, 0.0, xp.where(tie, 0.5, 1.0)),
    )


def _pow_local(xp: Any, x: Any, y: Any, out: Any) -> tuple[Any, ...]:
    # ops.power_of_value_local, branch by branch: dx = 0 at y = 0 where 1/x is not finite
    # (x = 0, subnormal or nan); dy = 0 at x = 0 for y >= 0 and nan for a negative base.
    dx = xp.where((y == 0) & ~(abs(1.0 / x) < math.inf), 0.0, y * x ** (y - 1))
    dy = xp.where((x == 0) & (y >= 0), 0.0, out * xp.log(abs(x)))
    return (dx, xp.where(x < 0, xp.nan, dy))


def _pow_domain(xp: Any, x: Any, y: Any) -> Any:
    return ((x == 0) & (y < 0)) | ((x < 0) & (y != xp.floor(y)))


def _left_to_right(xp: Any, *xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


FORMS: dict[Op, Form] = {
    ops.ADD: (None, None, None),
    ops.SUB: (None, None, None),
    ops.MUL: (None, None, None),
    ops.NEG: (None, None, None),
    ops.DIV: (lambda xp, a, b: a / b, None, lambda xp, a, b: b == 0),
    ops.POW: (lambda xp, x, y: x**y, _pow_local, _pow_domain),
    ops.EXP: (lambda xp, x: xp.exp(x), None, None),
    ops.LOG: (lambda xp, x: xp.log(x), None, lambda xp, x: x <= 0),
    ops.SQRT: (lambda xp, x: xp.sqrt(x), None, lambda xp, x: x < 0),
    ops.TANH: (lambda xp, x: xp.tanh(x), None, None),
    ops.SIGMOID: (_sigmoid, None, None),
    ops.SIN: (lambda xp, x: xp.sin(x), lambda xp, x, out: (xp.cos(x),), None),
    ops.COS: (lambda xp, x: xp.cos(x), lambda xp, x, out: (-xp.sin(x),), None),
    ops.RELU: (
        lambda xp, x: xp.where(x <= 0, 0.0, x),
        lambda xp, x, out: (xp.where(x <= 0, 0.0, 1.0),),
        None,
    ),
    ops.ABS: (
        lambda xp, x: abs(x),
        lambda xp, x, out: (xp.where(x > 0, 1.0, xp.where(x < 0, -1.0, 0.0)),),
        None,
    ),
    ops.MAX: (_maximum, _max_local, None),
    ops.MIN: (_minimum, _min_local, None),
    ops.SUM: (_left_to_right, None, None),
    ops.DOT: (None, None, None),
    ops.AFFINE: (None, None, None),
}
"""The batched backend's dictionary: op -> (forward, local, domain) on arrays (see above)."""


def _power_exponent(op: Op) -> float | None:
    """``k`` if ``op`` is ``ops.power(k)`` (read from its forward's closure), else None."""
    if getattr(op.forward, "__qualname__", "") != "power.<locals>.forward":
        return None
    k = inspect.getclosurevars(op.forward).nonlocals.get("k")
    return float(k) if isinstance(k, (int, float)) else None


def form_of(op: Op) -> Form:
    """The array form of ``op``: its `FORMS` entry, or one made for ``ops.power(k)``.

    Raises:
        NotImplementedError: the op has no batched form (a user-defined `Op`).

    Example:
        >>> form_of(ops.MUL)
        (None, None, None)
        >>> form_of(ops.power(2.0))[1] is None   # k * x ** (k - 1) runs on arrays as it is
        True
    """
    if op in FORMS:
        return FORMS[op]
    k = _power_exponent(op)
    if k is not None:
        integer = float(k).is_integer()

        def domain(xp: Any, x: Any) -> Any:
            bad = x == 0 if k < 0 else x != x  # x != x: all False (NaN propagates, no error)
            return bad if integer else bad | (x < 0)

        return (lambda xp, x: x**k, None, domain)
    raise NotImplementedError(
        f"op {op.name!r} has no batched form; add its array version to "
        "autograd_lite.batched.FORMS, or use the scalar replay"
    )


class _Xp:
    """The few array functions the forms use, for one backend (NumPy or torch) and device."""

    def __init__(self, backend: str, device: Any) -> None:
        if backend == "numpy":
            try:
                import numpy
            except ImportError:
                raise ImportError(
                    'batched(backend="numpy") needs NumPy: pip install numpy'
                ) from None

            self.lib: Any = numpy
            self.asarray: Callable[[Any], Any] = lambda x: numpy.asarray(x, dtype=numpy.float64)
        elif backend == "torch":
            try:
                import torch
            except ImportError:
                raise ImportError(
                    'batched(backend="torch") needs PyTorch: pip install "autograd-lite[torch]"'
                ) from None
            self.lib = torch
            self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
            self.asarray = lambda x: torch.as_tensor(x, dtype=torch.float64, device=self.device)
        else:
            raise ValueError(f"batched(backend={backend!r}): choose one of {', '.join(BACKENDS)}")
        if backend == "numpy" and device not in (None, "cpu"):
            raise ValueError(f"batched(backend='numpy') runs on the CPU, not device={device!r}")
        self.backend = backend
        # A sum over the samples: a float with NumPy (the shared part of the graph then runs on
        # floats), a 0-d tensor with torch (no wait for the device).
        self.total: Callable[[Any], Any] = (
            (lambda a: float(a.sum())) if backend == "numpy" else (lambda a: a.sum())
        )
        self.nan = float("nan")
        for name in ("exp", "log", "sqrt", "tanh", "sin", "cos", "floor"):
            setattr(self, name, getattr(self.lib, name))

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        if self.backend == "torch" and isinstance(a, float) and isinstance(b, float):
            a = self.asarray(a)  # two Python floats would give torch's default float32
        return self.lib.where(cond, a, b)

    def full(self, n: int, value: Any) -> Any:
        return self.asarray([float(value)] * n)

    def ones(self, n: int) -> Any:
        return self.full(n, 1.0)


class Batched:
    """A compiled tape replayed over a batch (see `autograd_lite.batched` and `Compiled.batched`).

    Calling it with one column (a sequence or 1-D array of ``n`` numbers) per argument returns
    ``(values, grads)``: the ``n`` values of ``f`` and, per argument, the ``n`` per-sample
    derivatives, as arrays of the backend. Every ``params`` Value's ``.grad`` receives the sum
    over the samples of d f / d param. ``aux`` holds the aux values, one array per Value.
    """

    # `compiled` is a `Compiled` (not imported: `compile` imports this module for its method).
    def __init__(self, compiled: Any, backend: str = "numpy", device: Any = None) -> None:
        self.compiled = compiled
        self.xp = _Xp(backend, device)
        self.aux: list[Any] = []
        self._program: list[tuple[Op, Form, tuple[int, ...], int, bool, _Key]] | None = None
        self._keys_of: dict[int, list[tuple[int, ...]]] = {}

    def _build(self) -> None:
        c = self.compiled
        n_args = c.n_args or 0
        batched = [False] * c._slots
        batched[:n_args] = [True] * n_args
        needs = set(range(n_args + len(c.params)))
        program = []
        for op, ins, o in c.tape:
            form = form_of(op)  # refuses an op without an array form, before any work
            batched[o] = any(batched[i] for i in ins)
            if not needs.isdisjoint(ins):
                needs.add(o)
            key = _neuron_inputs(op, ins, batched)
            for i in key or ():
                if key is not None and key not in self._keys_of.setdefault(i, []):
                    self._keys_of[i].append(key)
            program.append((op, form, ins, o, batched[o], key))
        self._batched, self._needs, self._program = batched, needs, program

    def __call__(self, *columns: Any) -> tuple[Any, list[Any]]:
        """Replay forward and backward over the samples; see the class docstring."""
        xp, c = self.xp, self.compiled
        cols = [xp.asarray(col) for col in columns]
        if any(col.ndim != 1 for col in cols) or len({len(col) for col in cols}) > 1:
            raise ValueError(
                "batched replay takes one 1-D column of numbers per argument, all the same length"
            )
        n = len(cols[0]) if cols else 1
        if n == 0:
            raise ValueError("batched replay needs at least one sample")
        if c.n_args is None:
            try:
                c._trace([float(col[0]) for col in cols])
            except (ValueError, ZeroDivisionError) as error:  # the engine's or the tracer's
                raise type(error)(f"batched replay, sample 0: {error}") from None
        if c.n_args != len(cols):
            raise TypeError(
                f"compiled {c._name()} was traced with {c.n_args} arguments, got {len(cols)}"
            )
        if self._program is None:
            self._build()
        vals: list[Any] = [0.0] * c._slots
        vals[: len(cols)] = cols
        vals[len(cols) : len(cols) + len(c.params)] = [p.data for p in c.params]
        for i, value in c._constants:
            vals[i] = value
        ctx = _quiet(xp)
        with ctx:
            self._forward(vals, cols)
            grads = self._backward(vals, n)
        for k, p in enumerate(c.params, start=len(cols)):
            p.grad += 0.0 if grads[k] is None else float(grads[k])
        root = vals[c._root]
        out = root if self._batched[c._root] else xp.full(n, root)
        self.aux = _regroup(
            [vals[i] if self._batched[i] else xp.full(n, vals[i]) for i in c._aux_slots],
            c._aux_shape,
        )
        arg_grads = [xp.full(n, 0.0) if g is None else g for g in grads[: len(cols)]]
        return out, arg_grads

    def _forward(self, vals: list[Any], cols: Sequence[Any]) -> None:
        xp = self.xp
        self._stacks: dict[tuple[int, ...], Any] = {}
        for op, (forward, _, domain), ins, o, batched, key in self._program or ():
            if key is not None:
                vals[o] = self._neuron_forward(op, vals, ins, key)
                continue
            args = [vals[i] for i in ins]
            if not batched:
                try:
                    vals[o] = op.forward(*args)
                except DomainError:
                    self._raise_for_sample(0, cols)
                continue
            if forward is None:
                vals[o] = op.forward(*args)
                continue
            args = _as_arrays(xp, args)
            if domain is not None:
                bad = domain(xp, *args)
                if bool(bad.any()):
                    self._raise_for_sample(int(bad.reshape(-1).nonzero()[0][0]), cols)
            vals[o] = forward(xp, *args)

    def _backward(self, vals: list[Any], n: int) -> list[Any]:
        """The chain rule over the tape; a per-sample gradient entering a shared slot is summed."""
        xp, c, batched, needs = self.xp, self.compiled, self._batched, self._needs
        grads: list[Any] = [None] * c._slots
        grads[c._root] = xp.ones(n) if batched[c._root] else float(n)
        self._pending: dict[tuple[int, ...], Any] = {}
        keys_of, total = self._keys_of, xp.total
        for op, (_, local, _), ins, o, is_batched, key in reversed(self._program or ()):
            if o in keys_of:
                self._flush(o, grads)
            go = grads[o]
            if o not in needs or go is None:
                continue
            if key is not None:
                self._neuron_backward(op, go, ins, key, grads, vals)
                continue
            args = [vals[i] for i in ins]
            if not is_batched or local is None:
                ds = op.local(*args, vals[o])
            else:
                ds = local(xp, *_as_arrays(xp, args), vals[o])
            for i, d in zip(ins, ds):
                if i not in needs:
                    continue
                share = go if type(d) is float and d == 1.0 else go * d
                if is_batched and not batched[i]:
                    share = total(share)
                grads[i] = share if grads[i] is None else grads[i] + share
        for i in range(len(grads)):  # the arguments: no op made them, nothing flushed them yet
            self._flush(i, grads)
        return grads

    # -- a neuron (dot, dot+b) with shared weights and per-sample inputs, as one matmul ---------
    # Its inputs are stacked into a (k, n) matrix, once per call for all the neurons of a layer
    # (they read the same slots); the gradients for those inputs are summed in one (k, n)
    # matrix per layer and handed to the slots just before the backward pass reaches the op
    # that made them (all their consumers have sent theirs by then). Matrix products add in
    # another order than the scalar ``sum``: results agree to about 1e-15, not bit for bit.

    def _neuron_forward(self, op: Op, vals: list[Any], ins: tuple[int, ...], key: Any) -> Any:
        xp, k = self.xp, len(key)
        x = self._stacks.get(key)
        if x is None:
            x = self._stacks[key] = xp.lib.stack([vals[i] for i in key])
        out = xp.asarray([vals[i] for i in ins[:k]]) @ x
        return out + vals[ins[-1]] if op is ops.AFFINE else out

    def _neuron_backward(
        self, op: Op, go: Any, ins: tuple[int, ...], key: Any, grads: list[Any], vals: list[Any]
    ) -> None:
        xp, k, needs = self.xp, len(key), self._needs
        weights = ins[:k]
        if not needs.isdisjoint(weights):
            for i, g in zip(weights, (self._stacks[key] @ go).tolist()):
                if i in needs:
                    grads[i] = g if grads[i] is None else grads[i] + g
        share = xp.asarray([vals[i] for i in weights])[:, None] * go
        pending = self._pending.get(key)
        self._pending[key] = share if pending is None else pending + share
        if op is ops.AFFINE and ins[-1] in needs:
            b = ins[-1]
            g = go if self._batched[b] else xp.total(go)
            grads[b] = g if grads[b] is None else grads[b] + g

    def _flush(self, slot: int, grads: list[Any]) -> None:
        for key in self._keys_of.get(slot, ()):
            rows = self._pending.pop(key, None)
            if rows is not None:
                for i, row in zip(key, rows):
                    grads[i] = row if grads[i] is None else grads[i] + row

    def _raise_for_sample(self, i: int, cols: Sequence[Any]) -> None:
        """Raise the engine's error for sample ``i`` (it names the op and the value)."""
        try:
            self.compiled.replay_eagerly([float(col[i]) for col in cols])
        except (ValueError, ZeroDivisionError) as error:
            raise type(error)(f"batched replay, sample {i}: {error}") from None
        raise ValueError(f"batched replay, sample {i}: an op has no real value there")

    def __repr__(self) -> str:
        return f"Batched({self.compiled!r}, backend={self.xp.backend!r})"


_Key = tuple[int, ...] | None


def _neuron_inputs(op: Op, ins: tuple[int, ...], batched: list[bool]) -> _Key:
    """The input slots of a dot / dot+b with shared weights and per-sample inputs, else None."""
    if op is not ops.DOT and op is not ops.AFFINE:
        return None
    k = (len(ins) - (op is ops.AFFINE)) // 2
    weights, inputs = ins[:k], ins[k : 2 * k]
    if any(batched[i] for i in weights) or not all(batched[i] for i in inputs):
        return None
    return inputs


def _as_arrays(xp: _Xp, args: list[Any]) -> list[Any]:
    """Shared inputs (floats) as 0-d arrays, for the forms that call ``xp`` functions on them."""
    return [a if hasattr(a, "ndim") else xp.asarray(a) for a in args]


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _quiet(xp: _Xp) -> Any:
    """Silence NumPy where IEEE gives inf or nan (exp overflow, 0 * inf), as the scalar replay."""
    return xp.lib.errstate(all="ignore") if xp.backend == "numpy" else _Null()


def _regroup(flat: list[Any], shape: list[int | None]) -> list[Any]:
    out: list[Any] = []
    k = 0
    for size in shape:
        out.append(flat[k] if size is None else flat[k : k + size])
        k += 1 if size is None else size
    return out
