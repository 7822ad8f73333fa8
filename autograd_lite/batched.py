"""Batched replay: a compiled tape run once over many samples, each slot a NumPy or torch vector.

`Compiled.batched` returns a `Batched`. Calling it with one column of numbers per argument of
the traced function replays the tape with every slot that depends on an argument held as a
vector over the samples. Slots that depend only on ``params`` and constants (a regularisation
term, say) are the same for every sample, so they stay Python floats and go through the op
table's own float functions. The chain rule runs backwards over the same tape; a gradient that
flows from a per-sample slot into a shared one is summed over the samples on the way, so each
parameter receives the sum over the batch of its per-sample gradients.

Each op's array version comes from `autograd_lite.forms` (``FORMS``, re-exported here): the op's
own functions where they are plain arithmetic, an ``xp.where`` form where they branch or call
``math``. An op without one (a user's own ``Op``) is refused by name before any work.

Per-sample results equal the scalar replay's: bit for bit for elementwise ops; ``sum`` adds left
to right instead of rounding once (``math.fsum``), and parameter gradients are summed in a
different order, so those agree to about 1e-15 relative.

Each op is one array operation (about a microsecond in NumPy, more in torch): on small batches
the generated scalar replay is faster. See ``benchmarks/`` for the measured numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import ops
from .forms import BACKENDS, FORMS, Form, Xp, form_of
from .grouping import regroup
from .op import DomainError, Op

__all__ = ["Batched", "FORMS", "form_of", "BACKENDS"]


class Batched:
    """A compiled tape replayed over a batch (see `autograd_lite.batched` and `Compiled.batched`).

    Calling it with one column (a sequence or 1-D array of ``n`` numbers) per argument returns
    ``(values, grads)``: the ``n`` values of ``f`` and, per argument, the ``n`` per-sample
    derivatives, as arrays of the backend. Every ``params`` Value's ``.grad`` receives the sum
    over the samples of d f / d param. ``aux`` holds the aux values, one array per Value.
    ``grad=False`` runs the forward pass only.
    """

    # `compiled` is a `Compiled` (not imported: `compile` imports this module for its method).
    def __init__(self, compiled: Any, backend: str = "numpy", device: Any = None) -> None:
        self.compiled = compiled
        self.xp = Xp(backend, device)
        self.aux: list[Any] = []
        self._program: list[tuple[Op, Form, tuple[int, ...], int, bool, _Key]] | None = None
        self._keys_of: dict[int, list[tuple[int, ...]]] = {}

    def _build(self) -> None:
        c = self.compiled
        n_args = c.n_args or 0
        self._layout = c.layout
        batched = [False] * self._layout.slots
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

    def __call__(self, *columns: Any, grad: bool = True) -> tuple[Any, list[Any]]:
        """Replay forward and backward over the samples; see the class docstring.

        With ``grad=False`` only the forward pass runs (an evaluation): the per-sample
        derivatives come back as an empty list and no ``.grad`` is touched.

        Example:
            >>> from autograd_lite import Value, compile
            >>> w = Value(2.0)
            >>> b = compile(lambda x: w * x, params=[w]).batched("numpy")
            >>> values, grads = b([1.0, 3.0], grad=False)
            >>> values.tolist(), grads, w.grad
            ([2.0, 6.0], [], 0.0)
        """
        xp, c = self.xp, self.compiled
        cols = self._columns(columns)
        n = len(cols[0]) if cols else 1
        layout = self._layout
        vals: list[Any] = [0.0] * layout.slots
        vals[: len(cols)] = cols
        vals[len(cols) : len(cols) + len(c.params)] = [p.data for p in c.params]
        for i, value in layout.constants:
            vals[i] = value
        with _quiet(xp):
            self._forward(vals, cols)
            grads = self._backward(vals, n) if grad else []
        for k, p in enumerate(c.params if grad else (), start=len(cols)):
            p.grad += 0.0 if grads[k] is None else float(grads[k])
        root = vals[layout.root]
        out = root if self._batched[layout.root] else xp.full(n, root)
        self.aux = regroup(
            [vals[i] if self._batched[i] else xp.full(n, vals[i]) for i in layout.aux_slots],
            layout.aux_shape,
        )
        arg_grads = [xp.full(n, 0.0) if g is None else g for g in grads[: len(cols)]]
        return out, arg_grads

    def _columns(self, columns: Sequence[Any]) -> list[Any]:
        """The columns as arrays, checked; the tape traced on the first sample if need be."""
        xp, c = self.xp, self.compiled
        cols = [xp.asarray(col) for col in columns]
        if any(col.ndim != 1 for col in cols) or len({len(col) for col in cols}) > 1:
            raise ValueError(
                "batched replay takes one 1-D column of numbers per argument, all the same length"
            )
        if cols and len(cols[0]) == 0:
            raise ValueError("batched replay needs at least one sample")
        if c.n_args is None:
            try:
                c.trace(*(float(col[0]) for col in cols))
            except (ValueError, ZeroDivisionError) as error:  # the engine's or the tracer's
                raise type(error)(f"batched replay, sample 0: {error}") from None
        if c.n_args != len(cols):
            raise TypeError(
                f"compiled {c.name} was traced with {c.n_args} arguments, got {len(cols)}"
            )
        if self._program is None:
            self._build()
        return cols

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
        xp, batched, needs, root = self.xp, self._batched, self._needs, self._layout.root
        grads: list[Any] = [None] * self._layout.slots
        grads[root] = xp.ones(n) if batched[root] else float(n)
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


def _as_arrays(xp: Xp, args: list[Any]) -> list[Any]:
    """Shared inputs (floats) as 0-d arrays, for the forms that call ``xp`` functions on them."""
    return [a if hasattr(a, "ndim") else xp.asarray(a) for a in args]


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _quiet(xp: Xp) -> Any:
    """Silence NumPy where IEEE gives inf or nan (exp overflow, 0 * inf), as the scalar replay."""
    return xp.lib.errstate(all="ignore") if xp.backend == "numpy" else _Null()
