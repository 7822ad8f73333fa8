"""Neural-network building blocks with micrograd's API: Module, Neuron, Layer, MLP."""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from . import ops
from .engine import Value
from .lean import neuron_node
from .modes import SCOPE, Frame

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]

Input = Value | float | int
Output = Value | list[Value]

# Each activation is one op of the table, applied to the neuron's fused pre-activation; the
# ones with a parameter use PyTorch's default (elu alpha 1, leaky_relu slope 0.01).
_ACTIVATION_OPS = {
    "relu": ops.RELU,
    "tanh": ops.TANH,
    "sigmoid": ops.SIGMOID,
    "linear": None,
    "softplus": ops.SOFTPLUS,
    "gelu": ops.GELU,
    "gelu_tanh": ops.GELU_TANH,
    "elu": ops.elu(1.0),
    "leaky_relu": ops.leaky_relu(0.01),
    "silu": ops.SILU,
    "softsign": ops.SOFTSIGN,
    "hardtanh": ops.hardtanh(-1.0, 1.0),
}
ACTIVATIONS = tuple(_ACTIVATION_OPS)
# A neuron is one node: its activation fused onto its weighted sum (a linear one is just that).
_NEURON_OPS = {
    name: ops.AFFINE if act is None else ops.neuron(act) for name, act in _ACTIVATION_OPS.items()
}
_NEURON_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
_NEURON_NAMES |= {"softplus": "Softplus", "gelu": "GELU", "gelu_tanh": "GELUTanh", "elu": "ELU"}
_NEURON_NAMES |= {"leaky_relu": "LeakyReLU", "silu": "SiLU", "softsign": "Softsign"}
_NEURON_NAMES |= {"hardtanh": "Hardtanh"}


def _check_activation(owner: str, parameter: str, name: object) -> None:
    if name not in _ACTIVATION_OPS:
        raise ValueError(
            f"{owner}({parameter}={name!r}): unknown activation {name!r}; choose one of "
            f"{', '.join(ACTIVATIONS)}"
        )


def _make_rng(seed: int | None, rng: random.Random | None) -> Any:
    if seed is not None and rng is not None:
        raise ValueError("pass either seed or rng, not both")
    if rng is not None:
        return rng
    # Without a seed the global `random` module is used, as micrograd does, so that
    # random.seed(1337) followed by MLP(...) gives micrograd's weights.
    return random.Random(seed) if seed is not None else random


_get_scope, _set_scope, _reset_scope = SCOPE.get, SCOPE.set, SCOPE.reset


class _Values(list[Value]):
    """A list of Values only: `Layer` lifts its inputs once, so its neurons need not check."""

    __slots__ = ()


class Module:
    """Base class: parameters(), zero_grad(), and a call that records its scope for drawings.

    Subclasses implement ``forward``; calling the module runs ``forward`` with the nodes it makes
    tagged by the module's name (``Layer 1 / Neuron 3``) so `visualize` can cluster them.

    Example:
        >>> MLP(2, [3, 1], seed=0).zero_grad()
    """

    _name: str = ""

    def parameters(self) -> list[Value]:
        """The trainable values, in a fixed order.

        Example:
            >>> len(Neuron(3, seed=0).parameters())
            4
        """
        return []

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (call before each backward() when training).

        Example:
            >>> n = Neuron(2, seed=0); n.w[0].grad = 5.0; n.zero_grad(); n.w[0].grad
            0.0
        """
        for p in self.parameters():
            p.grad = 0.0
            p.grad_value = None

    def forward(self, x: Any) -> Any:
        """Compute the output; subclasses override this (not ``__call__``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def __call__(self, x: Any) -> Any:
        # What modes.enter_scope does, inlined: this runs once per neuron per example.
        token = _set_scope([self, _get_scope(), None])
        try:
            return self.forward(x)
        finally:
            _reset_scope(token)

    def scope_label(self) -> tuple[str, str]:
        """The name and kind its calls are drawn under (``("Neuron 3", "Neuron")``).

        Example:
            >>> MLP(2, [3, 1], seed=0).layers[0].neurons[2].scope_label()
            ('Neuron 3', 'Neuron')
        """
        kind = type(self).__name__
        return self._name or kind, kind


class Neuron(Module):
    """One unit: ``activation(w . x + b)``, as one node (`ops.neuron`).

    Args:
        nin: number of inputs.
        nonlin: micrograd's switch: True for ReLU, False for linear.
        activation: a name in `ACTIVATIONS` (overrides ``nonlin``): ``relu``, ``tanh``,
            ``sigmoid``, ``linear``, ``softplus``, ``gelu``, ``gelu_tanh``, ``elu``,
            ``leaky_relu``, ``silu``, ``softsign`` or ``hardtanh``.
        seed / rng: where the initial weights (uniform in [-1, 1]) come from.

    Example:
        >>> n = Neuron(2, activation="tanh", seed=1)
        >>> y = n([1.0, -1.0]); y.op, len(y.parents)
        ('tanh(dot+b)', 5)
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"Neuron(nin=...) needs a positive int, got {nin!r}")
        if activation is None:
            activation = "relu" if nonlin else "linear"
        _check_activation("Neuron", "activation", activation)
        draw = _make_rng(seed, rng)
        # Labelled so that a drawing tells the weights and the bias apart.
        self.w = [Value(draw.uniform(-1, 1), label=f"w{i}") for i in range(1, nin + 1)]
        self.b = Value(0, label="b")
        self.activation = activation
        self.nonlin = activation != "linear"

    def forward(self, x: Sequence[Input]) -> Value:
        return self._node(x, None)

    def __call__(self, x: Sequence[Input]) -> Value:
        # A neuron makes one node, so its module call is given to that node directly: no scope
        # is entered and left around it (which cost more than the node). Numbers it lifts
        # belong to the caller's scope, outside the neuron, where drawings put inputs.
        frame: Frame = [self, _get_scope(), None]
        if type(x) is _Values and len(x) == len(self.w):  # a Layer's inputs, lifted: no checks
            return neuron_node(_NEURON_OPS[self.activation], self.w, x, self.b, frame)
        return self._node(x, frame)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.forward is not Neuron.forward:  # a forward of its own: scope it like any module
            cls.__call__ = Module.__call__  # type: ignore[method-assign]

    def _node(self, x: Sequence[Input], frame: Frame | None) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        inputs: Sequence[Value] = x  # type: ignore[assignment]  # checked just below
        if type(x) is not _Values and not all(map(isinstance, x, repeat(Value))):
            inputs = [v if isinstance(v, Value) else Value(v) for v in x]
        # What activation(dot(self.w, x, self.b)) makes, minus its checks and as one node.
        return neuron_node(_NEURON_OPS[self.activation], self.w, inputs, self.b, frame)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{_NEURON_NAMES[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns a list (or one Value when nout == 1).

    Example:
        >>> len(Layer(3, 4, seed=0)([1.0, 2.0, 3.0]))
        4
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"Layer(nout=...) needs a positive int, got {nout!r}")
        if kwargs.get("activation") is not None:
            _check_activation("Layer", "activation", kwargs["activation"])
        draw = _make_rng(seed, rng)
        self.neurons = [Neuron(nin, rng=draw, **kwargs) for _ in range(nout)]
        for j, neuron in enumerate(self.neurons, start=1):
            neuron._name = f"Neuron {j}"

    def forward(self, x: Sequence[Input]) -> Output:
        # Numbers become leaves once here, not once per neuron: one input node feeds them all.
        values = _Values([v if isinstance(v, Value) else Value(v) for v in x])
        out = [n(values) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: hidden layers with ``activation``, the last one linear.

    Args:
        nin: number of inputs.
        nouts: the size of each layer, the last one being the output.
        activation: hidden-layer activation (``relu`` as micrograd, or any of `ACTIVATIONS`).
        final_activation: the output layer's (``linear`` as micrograd, or ``sigmoid`` etc.).
        seed / rng: reproducible initialisation.

    Example:
        >>> model = MLP(2, [2, 1], seed=0)
        >>> model
        MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]
        >>> len(MLP(2, [16, 16, 1]).parameters())
        337
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        final_activation: str = "linear",
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not nouts:
            raise ValueError("MLP(nouts=...) needs at least one layer size")
        # Checked here, not only per neuron: with one layer the hidden activation is never
        # given to a neuron, and a typo in it would pass unnoticed.
        _check_activation("MLP", "activation", activation)
        _check_activation("MLP", "final_activation", final_activation)
        draw = _make_rng(seed, rng)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                rng=draw,
                activation=activation if i != len(nouts) - 1 else final_activation,
            )
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers, start=1):
            layer._name = f"Layer {i}"

    def forward(self, x: Any) -> Output:
        for layer in self.layers:
            x = layer(x)
        return x  # type: ignore[no-any-return]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
