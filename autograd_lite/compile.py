"""compile(f): trace a function of `Value` s once into a flat tape, then replay it on floats.

The tape is the graph ``f`` built, in topological order, with each node reduced to its op-table
entry, the slots of its inputs and the slot of its output. A replay runs each entry's ``forward``
and ``local`` (the same `ops` entries the eager engine uses, so results are identical) on
floats, then the chain rule backwards: no `Value`, no scope, no sort. This is the project's one
fast path, kept apart from the engine on purpose: the tape is turned into straight-line Python
once (`Compiled._generate`), with each op's formula pasted in from the op's own source (see
`inline`) and the chain rule's skip condition from `engine.nothing_to_send`, so a replay of a
training step makes almost no calls. The reference replay (`Compiled.replay_eagerly`) runs the
tape through the engine itself; it gives the error messages. Replays run no mode hooks: use
eager mode under ``detect_anomaly()``.

A training step (what ``fit(..., compile=True)`` does)::

    step = compile(lambda: loss_of(model, X, y), params=model.parameters())
    for epoch in range(epochs):
        model.zero_grad()
        loss, _ = step()      # adds d loss / d p into p.grad for every parameter
        optimizer.step()      # reads p.grad, writes p.data; the next step() reads p.data

The limitation is the one every tracer has (JAX's ``jit`` too): the tape records the path ``f``
took for the traced inputs. Branching on data (``if x > 0``, ``float(x)``, ``x.item()``) would
freeze one branch, so it raises `TracingError` while tracing; write the choice as an op
(``x.relu()``, ``a.max(b)``, ``abs(x)``), whose derivative the tape re-evaluates every call.
Reading ``x.data`` directly cannot be detected: don't, inside a compiled function.
"""

from __future__ import annotations

import builtins
import hashlib
import types
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import inline, ops
from .engine import Value, is_number, make_node, nothing_to_send, topological_order
from .grads import gradients
from .grouping import regroup
from .modes import MODE, using
from .op import DomainError, Op

if TYPE_CHECKING:
    from .batched import Batched

__all__ = ["compile", "Compiled", "Layout", "TracingError"]

# One tape entry: the op, its input slots, its output slot.
_Entry = tuple[Op, tuple[int, ...], int]


class TracingError(ValueError):
    """The traced function did something a fixed tape cannot replay (e.g. branched on data)."""


@dataclass(frozen=True)
class Layout:
    """Where a traced tape keeps its numbers, for replays written outside `compile` (batched).

    Slots ``0 .. n_args - 1`` hold the arguments and the next ``len(params)`` the parameters;
    every tape entry writes one slot. Read-only: a replay fills its own list of ``slots``
    numbers, it never changes the tape.

    Attributes:
        slots: how many slots the tape uses.
        root: the slot of the traced function's result.
        constants: ``(slot, number)`` for every Value the function read but did not make.
        aux_slots: the slots of the ``aux`` Values, flattened.
        aux_shape: how `autograd_lite.grouping.regroup` cuts them back into ``aux``'s shape.

    Example:
        >>> f = compile(lambda x: x * 2.0 + 1.0)
        >>> _ = f(3.0); layout = f.layout
        >>> layout.slots, layout.root, [number for _, number in layout.constants]
        (5, 4, [2.0, 1.0])
    """

    slots: int
    root: int
    constants: tuple[tuple[int, float], ...]
    aux_slots: tuple[int, ...]
    aux_shape: tuple[int | None, ...]


class Compiled:
    """A function of `Value` s traced into a tape; call it with floats (see `compile`)."""

    def __init__(
        self, f: Callable[..., Any], params: Sequence[Value] = (), has_aux: bool = False
    ) -> None:
        if not callable(f):
            raise TypeError(f"compile() takes a function, got {type(f).__name__}")
        self.f = f
        self.params = list(params)
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"compile(params=...) takes Values, got {type(p).__name__}")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("compile(params=...) lists the same Value twice")
        self.has_aux = has_aux
        self.aux: list[Any] = []
        self._aux_slots: list[int] = []
        self._aux_shape: list[int | None] = []
        self.n_args: int | None = None
        self.tape: list[_Entry] = []
        self._slots = 0
        self._constants: list[tuple[int, float]] = []
        self._root = 0
        self._leaf_slots: list[int] = []
        self._template: list[float] = []
        self._run: Callable[..., tuple[float, list[float], list[float]]] | None = None

    def __call__(self, *args: float) -> tuple[float, list[float]]:
        """Run ``f`` forward and backward on new numbers.

        Returns ``(value, grads)``: ``f(*args)`` and d f / d arg for each argument. The gradient
        of every ``params`` Value (read at its current ``.data``) is added into its ``.grad``,
        exactly as ``f(...).backward()`` would; zero them between steps. The first call traces.

        Example:
            >>> w = Value(3.0)
            >>> step = compile(lambda x: (w * x - 1.0) ** 2, params=[w])
            >>> step(1.0), w.grad
            ((4.0, [12.0]), 4.0)
        """
        for i, a in enumerate(args):
            if not is_number(a) or isinstance(a, bool):
                raise TypeError(
                    f"compiled {self._name()}: argument {i} must be a number, got {a!r}"
                )
        if self.n_args is None:
            self._trace(args)
        elif len(args) != self.n_args:
            raise TypeError(
                f"compiled {self._name()} was traced with {self.n_args} arguments, got {len(args)}"
            )
        return self._replay(args)

    def _name(self) -> str:
        return getattr(self.f, "__name__", repr(self.f))

    @property
    def name(self) -> str:
        """The traced function's name, as errors spell it.

        Example:
            >>> compile(abs).name
            'abs'
        """
        return self._name()

    def trace(self, *args: float) -> None:
        """Record the tape on these numbers now, if no call has yet (nothing is replayed).

        Raises:
            TracingError: as a first call would (the function branched on data, ...).

        Example:
            >>> f = compile(lambda x: x * x)
            >>> f.trace(3.0); len(f.tape)
            1
        """
        if self.n_args is None:
            self._trace([float(a) for a in args])

    @property
    def layout(self) -> Layout:
        """Where the tape keeps its numbers (see `Layout`); traced first if need be.

        Raises:
            TracingError: not traced yet (call it, or `trace`, once).

        Example:
            >>> f = compile(lambda x: x + 1.0); f.trace(0.0); f.layout.root
            2
        """
        if self.n_args is None:
            raise TracingError(f"compiled {self._name()} has not been traced yet; call it once")
        return Layout(
            self._slots,
            self._root,
            tuple(self._constants),
            tuple(self._aux_slots),
            tuple(self._aux_shape),
        )

    def _trace(self, args: Sequence[float]) -> None:
        inputs = [Value(float(a)) for a in args]
        made: set[Value] = set()

        def refuse(node: Value, how: str) -> None:
            raise TracingError(
                f"compile(): {self._name()} used {how} on {node.describe()} while being traced. "
                "The tape records one path through the function, so control flow that depends "
                "on data cannot be compiled. Write the choice as an op (x.relu(), a.max(b), "
                "abs(x)) or call the function without compile()."
            )

        with using(grad=True, hooks=(*MODE.get().hooks, made.add), on_read=refuse):
            out = self.f(*inputs)
        aux: list[Any] = []
        if self.has_aux:
            if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], list)):
                raise TypeError(
                    f"compile(has_aux=True): {self._name()} must return (loss, [aux values])"
                )
            out, aux = out
        if not isinstance(out, Value):
            raise TypeError(f"compile(): {self._name()} must return a Value, got {out!r}")
        slot: dict[Value, int] = {v: i for i, v in enumerate([*inputs, *self.params])}
        tape: list[_Entry] = []
        constants: list[tuple[int, float]] = []
        for node in topological_order(out):
            if node in slot:
                continue
            slot[node] = len(slot)
            if node not in made:  # made before the call and not a param: a constant
                constants.append((slot[node], node.data))
            elif node.parents and node.rule is not None:
                tape += _entries(node.rule, tuple(slot[p] for p in node.parents), slot, node)
            else:
                raise TracingError(
                    f"compile(): {self._name()} made {node.describe()} under no_grad(); its "
                    "inputs are not recorded, so a replay could not recompute it. Compute it "
                    "outside the function and pass it in, or drop the no_grad()."
                )
        shape, aux_slots = _flatten_aux(aux, slot, self._name())
        # Only now, so that a failed trace leaves the object untraced (the next call retries).
        self._aux_shape, self._aux_slots = shape, aux_slots
        self.tape, self._constants, self._slots, self._root = tape, constants, len(slot), slot[out]
        self.n_args = len(inputs)
        self._run = self._generate()

    def _generate(self) -> Callable[..., tuple[float, list[float], list[float]]]:
        """The tape as straight-line Python: slots become local variables.

        An op whose ``forward`` (or ``local``) is one return expression is pasted in as that
        expression, its local derivatives evaluated in the backward pass only where a gradient
        flows; any other op is called. Both give the op table's floats exactly.
        """
        namespace: dict[str, Any] = dict(vars(ops))
        names: dict[int, str] = {}

        def name(fn: Callable[..., Any]) -> str:
            if id(fn) not in names:
                names[id(fn)] = f"op{len(names)}"
                namespace[names[id(fn)]] = fn
            return names[id(fn)]

        made = {o for _, _, o in self.tape}
        self._leaf_slots = [i for i in range(self._slots) if i not in made]
        constants = dict(self._constants)
        # Arguments and params hold the first slots; each call fills them in, in this order.
        self._template = [constants.get(i, 0.0) for i in self._leaf_slots]
        leaves = [f"v{i}" for i in self._leaf_slots]
        # Only slots that depend on an argument or a param need a gradient; constants don't.
        needs = set(range((self.n_args or 0) + len(self.params)))
        for _, ins, o in self.tape:
            if not needs.isdisjoint(ins):
                needs.add(o)
        lines = ["def replay(leaves):", f"    {', '.join(leaves)}, = leaves" if leaves else ""]
        local_sources: dict[int, tuple[str, ...]] = {}
        for op, ins, o in self.tape:
            args = [f"v{i}" for i in ins]
            value = inline.expression(op.forward, args, namespace)
            if value is None:
                value = f"{name(op.forward)}({', '.join(args)})"
            lines.append(f"    v{o} = {value}")
            if o not in needs:
                continue
            derivatives = inline.items(op.local, [*args, f"v{o}"], namespace)
            if derivatives is None:  # called, and unpacked into locals: no indexing later
                derivatives = tuple(f"d{o}_{k}" for k in range(len(ins)))
                call = f"{name(op.local)}({', '.join(args)}, v{o})"
                lines.append(f"    {', '.join(derivatives)}, = {call}")
            local_sources[o] = derivatives
        lines += self._backward_lines(needs, local_sources, namespace)
        source = "\n".join(lines)
        return types.FunctionType(
            _replay_code(source, f"<compiled {self._name()}>"), namespace, "replay"
        )

    def _backward_lines(
        self, needs: set[int], local_sources: dict[int, tuple[str, ...]], namespace: Any
    ) -> list[str]:
        """The chain rule over the tape, backwards, as lines of the replay."""
        grads = [f"g{i}" for i in range(self._slots)]
        lines = [f"    {' = '.join(grads[k : k + 200])} = 0.0" for k in range(0, len(grads), 200)]
        lines.append(f"    g{self._root} = 1.0")
        for _, ins, o in reversed(self.tape):
            if o not in needs:
                continue
            edges = [(i, d) for i, d in zip(ins, local_sources[o]) if i in needs]
            code = [f"g{i} += g{o}" if d == "1.0" else f"g{i} += g{o} * ({d})" for i, d in edges]
            if len(code) <= 2:  # a test would cost more than the zeros it saves
                lines += [f"    {c}" for c in code]
                continue
            locals_ = ", ".join(d for _, d in edges)
            skip = inline.expression(nothing_to_send, [f"g{o}", f"({locals_},)"], namespace)
            lines.append(f"    if not ({skip}):")
            lines += [f"        {c}" for c in code]
        wanted = ", ".join(grads[: (self.n_args or 0) + len(self.params)])
        aux = ", ".join(f"v{i}" for i in self._aux_slots)
        lines.append(f"    return v{self._root}, [{wanted}], [{aux}]")
        return lines

    def _replay(self, args: Sequence[float]) -> tuple[float, list[float]]:
        n = len(args)
        leaves = self._template[:]
        leaves[:n] = map(float, args)
        leaves[n : n + len(self.params)] = [p.data for p in self.params]
        try:
            value, grads, aux = self._run(leaves)  # type: ignore[misc]
        except DomainError:
            self.replay_eagerly(args)  # it raises the engine's error, naming the op and value
            raise
        for k, p in enumerate(self.params, start=n):
            p.grad += grads[k]
        self.aux = regroup(aux, self._aux_shape)
        return value, grads[:n]

    def replay_eagerly(self, args: Sequence[float]) -> tuple[float, list[float]]:
        """The reference replay: the tape run through the engine (nodes, the chain rule).

        It returns what a call returns (and sets ``aux``), without touching any ``.grad``. The
        generated code must agree with it to the last bit (a test checks); its errors name the
        op and the value.

        Example:
            >>> f = compile(lambda x: x * x + 1.0)
            >>> f(3.0) == f.replay_eagerly([3.0])
            True
        """
        if self.n_args is None:
            raise TracingError(f"compiled {self._name()} has not been traced yet; call it once")
        nodes = [Value(0.0) for _ in range(self._slots)]
        for i, x in enumerate([*map(float, args), *(p.data for p in self.params)]):
            nodes[i] = Value(x)
        for i, c in self._constants:
            nodes[i] = Value(c)
        with using(grad=True, hooks=(), on_read=None):
            for op, ins, o in self.tape:
                nodes[o] = make_node(op, tuple(nodes[i] for i in ins))
        grads = gradients(nodes[self._root], nodes[: len(args)])
        self.aux = regroup([nodes[i].data for i in self._aux_slots], self._aux_shape)
        return nodes[self._root].data, grads

    def batched(self, backend: str = "numpy", device: Any = None) -> Batched:
        """This function replayed over a batch: each argument a column of numbers.

        Args:
            backend: ``"numpy"`` or ``"torch"`` (float64 throughout).
            device: for torch, where the vectors live (``"cuda"`` when available by default).

        Returns:
            A `Batched`: ``batched(*columns)`` returns ``(values, grads)``, one array of ``n``
            values and one array of per-sample derivatives per argument; each ``params``
            Value's ``.grad`` receives the sum over the samples. The tape is the one a scalar
            call traces (traced on the first sample if not yet), so ``values[i]`` and
            ``grads[k][i]`` equal ``self(*sample_i)``'s. On small batches the scalar replay
            is faster (one array operation per op costs more than a float one): measured on
            MLP(2, [16, 16, 1]), 1.2 ms against 0.09 ms for one sample, break-even between
            10 and 30 samples, 2.4 ms against 168 ms for 1,000.

        Raises:
            ValueError: an unknown backend.
            NotImplementedError: (when called) an op has no batched form.

        Example:
            >>> w = Value(2.0)
            >>> f = compile(lambda x: (w * x).relu(), params=[w])
            >>> values, (dx,) = f.batched("numpy")([1.0, -1.0, 3.0])
            >>> values.tolist(), dx.tolist(), w.grad   # w.grad = 1 + 0 + 3
            ([2.0, 0.0, 6.0], [2.0, 0.0, 2.0], 4.0)
        """
        from .batched import Batched

        return Batched(self, backend, device)

    def __repr__(self) -> str:
        size = "not traced yet" if self.n_args is None else f"{len(self.tape)} ops"
        return f"Compiled({self._name()}, {size})"


_REPLAY_CODE: weakref.WeakValueDictionary[bytes, types.CodeType] = weakref.WeakValueDictionary()


def _entries(op: Op, inputs: tuple[int, ...], slot: dict[Value, int], node: Value) -> list[_Entry]:
    """The tape entries of one node: a fused op (``relu(dot+b)``) as its two parts, each of
    which the replay can paste in, with a slot of its own for the inner result."""
    if op.parts is None:
        return [(op, inputs, slot[node])]
    inner, outer = op.parts
    middle = slot[Value(0.0)] = len(slot)  # a key no other node has: the slot is the point
    return [(inner, inputs, middle), (outer, (middle,), slot[node])]


def _replay_code(source: str, filename: str) -> types.CodeType:
    """The code of the ``replay`` function defined in ``source``, shared by live replays.

    Python's compiler is most of a trace's cost (0.7 of 0.9 s for W1). The source depends only
    on the graph's shape (numbers live in the leaves), so replays of one shape, such as
    `fit`'s equal-sized batches, share one code object. It is held weakly, so it goes with the
    last replay that uses it; the key is a SHA-256 of the source, so no false hit.
    """
    key = hashlib.sha256(f"{filename}\n{source}".encode()).digest()
    code = _REPLAY_CODE.get(key)
    if code is None:
        module = builtins.compile(source, filename, "exec")
        code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
        _REPLAY_CODE[key] = code
    return code


def _flatten_aux(
    aux: list[Any], slot: dict[Value, int], name: str
) -> tuple[list[int | None], list[int]]:
    """The slots of the aux Values (each a Value or a list of them) and how to regroup them."""
    shape: list[int | None] = []
    slots: list[int] = []
    for item in aux:
        group = item if isinstance(item, (list, tuple)) else [item]
        shape.append(None if group is not item else len(group))
        for v in group:
            if not isinstance(v, Value) or v not in slot:
                raise TracingError(
                    f"compile(has_aux=True): {name} returned an aux item {v!r} that the loss "
                    "does not depend on; return only Values the loss was computed from"
                )
            slots.append(slot[v])
    return shape, slots


def compile(
    f: Callable[..., Any], *, params: Sequence[Value] = (), has_aux: bool = False
) -> Compiled:
    """Trace ``f`` on its first call into a tape; every call replays it on floats.

    Args:
        f: a function of ``n`` `Value` s returning a `Value` (a loss). It may also read
            ``params`` (model weights) from its closure.
        params: leaf Values that ``f`` uses and that change between calls (e.g.
            ``model.parameters()``): each call reads their ``.data`` and adds their gradient
            into ``.grad``. Any other Value ``f`` reads from outside is frozen at trace time.
        has_aux: ``f`` returns ``(loss, aux)``, ``aux`` a list of Values (or of lists of
            Values, such as a model's outputs) the loss depends on; after each call
            ``compiled.aux`` holds their numbers, in the same shape (as JAX's ``has_aux``).

    Returns:
        A `Compiled`; ``compiled(*floats)`` returns ``(value, grads)``.

    Raises:
        TracingError: ``f`` branches on data (``<``, ``float()``, ``item()`` on a `Value`).

    Example:
        >>> from autograd_lite import Value
        >>> f = compile(lambda x, y: (x * y + y.exp()).tanh())
        >>> value, (dx, dy) = f(0.5, -1.0)
        >>> x, y = Value(0.5), Value(-1.0); z = (x * y + y.exp()).tanh(); z.backward()
        >>> (value, dx, dy) == (z.data, x.grad, y.grad)
        True
        >>> def loss_and_square(x):
        ...     square = x * x
        ...     return square * 3.0, [square]
        >>> g = compile(loss_and_square, has_aux=True)
        >>> g(2.0), g.aux
        ((12.0, [12.0]), [4.0])
    """
    return Compiled(f, params, has_aux)
