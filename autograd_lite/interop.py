"""to_torch / from_torch: carry an `nn` model to PyTorch and back, weights and meaning unchanged.

A `Neuron`, `Layer` or `MLP` becomes a ``torch.nn.Sequential`` of ``Linear`` layers, each followed
by the activation of its neurons (``ReLU``, ``Tanh``, ``Sigmoid``; none for ``linear``):

- neuron ``j`` of a layer is row ``j`` of ``Linear.weight`` (its ``w[i]`` is ``weight[j, i]``)
  and entry ``j`` of ``Linear.bias``;
- micrograd's ``nonlin`` (ReLU, or linear for ``nonlin=False``) and the last layer's activation
  (``final_activation``, linear by default) are carried layer by layer, as the neurons have them;
- the module works in float64 by default, so that it gives autograd_lite's outputs and
  parameter gradients to about 1e-15 (only the order of the sums in a dot product differs).

PyTorch returns one row per sample, one column per output neuron, where autograd_lite returns one
`Value` for a one-neuron layer and a list otherwise. PyTorch is an optional extra
(``pip install "autograd-lite[torch]"``); the examples are in ``tests/test_interop.py``, so that
this module's doctests need no PyTorch.
"""

from __future__ import annotations

from typing import Any

try:
    import torch
except ImportError:  # one line, naming the fix; the ImportError chain would add nothing
    raise ImportError(
        'autograd_lite.interop needs PyTorch: pip install "autograd-lite[torch]"'
    ) from None

from .nn import MLP, Layer, Neuron

__all__ = ["to_torch", "from_torch"]

_TO_TORCH: dict[str, Any] = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
}
_FROM_TORCH: dict[type, str] = {v: k for k, v in _TO_TORCH.items()}
_FROM_TORCH[torch.nn.Identity] = "linear"


def _layers_of(model: Any) -> list[list[Neuron]]:
    if isinstance(model, MLP):
        return [layer.neurons for layer in model.layers]
    if isinstance(model, Layer):
        return [model.neurons]
    if isinstance(model, Neuron):
        return [[model]]
    raise TypeError(
        f"to_torch() takes an autograd_lite MLP, Layer or Neuron, got {type(model).__name__}"
    )


def to_torch(model: MLP | Layer | Neuron, dtype: Any = None) -> Any:
    """A ``torch.nn.Sequential`` computing what ``model`` computes, with a copy of its weights.

    Args:
        model: an `MLP`, a `Layer` or a `Neuron` from `autograd_lite.nn`.
        dtype: the torch dtype of the weights; ``torch.float64`` (the default) keeps
            autograd_lite's numbers to about 1e-15.

    Returns:
        ``Sequential(Linear, activation, Linear, ...)``, one ``Linear`` per layer, each followed
        by its neurons' activation (none for ``linear``). The weights are copies: training one
        model does not change the other (use `from_torch` to come back).

    Raises:
        TypeError: ``model`` is not an `MLP`, `Layer` or `Neuron`.
        ValueError: the neurons of one layer have different activations or input sizes.

    Example:
        See ``tests/test_interop.py``; in short, with ``model = MLP(2, [3, 1], seed=0)``,
        ``to_torch(model)(torch.tensor([[1.0, -2.0]], dtype=torch.float64))[0, 0]`` equals
        ``model([1.0, -2.0]).data``.
    """
    dtype = torch.float64 if dtype is None else dtype
    modules: list[Any] = []
    for k, neurons in enumerate(_layers_of(model), start=1):
        kinds = {n.activation for n in neurons}
        sizes = {len(n.w) for n in neurons}
        if len(kinds) != 1 or len(sizes) != 1:
            raise ValueError(
                f"to_torch(): layer {k} mixes activations {sorted(kinds)} or input sizes "
                f"{sorted(sizes)}; a torch Linear layer needs one of each"
            )
        linear = torch.nn.Linear(sizes.pop(), len(neurons), dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        kind = kinds.pop()
        if kind not in _TO_TORCH and kind != "linear":
            raise ValueError(
                f"to_torch(): layer {k} uses the activation {kind!r}; it converts "
                f"{', '.join(sorted(_TO_TORCH))} and linear"
            )
        if kind != "linear":
            modules.append(_TO_TORCH[kind]())
    return torch.nn.Sequential(*modules)


def _describe(index: int, module: Any) -> str:
    return f"layer {index} ({module!r})"


def from_torch(module: Any) -> MLP:
    """An autograd_lite `MLP` with the weights and activations of a PyTorch ``Sequential``.

    Args:
        module: a ``torch.nn.Sequential`` (or a single ``Linear``) of ``Linear`` layers, each
            followed by at most one ``ReLU``, ``Tanh``, ``Sigmoid`` or ``Identity``. A ``Linear``
            without bias gets a bias of 0 (trainable here).

    Returns:
        An `MLP` whose layer ``k`` is the ``k``-th ``Linear``, its neurons' ``activation`` the
        module that follows it (``linear`` if none). The weights are copied as float64.

    Raises:
        TypeError: ``module`` is not a ``Sequential`` or ``Linear``.
        ValueError: it holds a layer that has no autograd_lite equivalent (named in the
            message), two activations in a row, an activation before the first ``Linear``,
            ``Linear`` sizes that do not chain, or a hidden ``Linear`` with one output.

    Example:
        See ``tests/test_interop.py``: ``from_torch(to_torch(model))`` computes what ``model``
        computes.
    """
    if isinstance(module, torch.nn.Linear):
        module = torch.nn.Sequential(module)
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            f"from_torch() takes a torch.nn.Sequential of Linear and activation layers, got "
            f"{type(module).__name__}"
        )
    linears: list[Any] = []
    activations: list[str] = []
    for index, child in enumerate(module):
        kind = _FROM_TORCH.get(type(child))
        if isinstance(child, torch.nn.Linear):
            if linears and child.in_features != linears[-1].out_features:
                raise ValueError(
                    f"from_torch(): {_describe(index, child)} takes {child.in_features} inputs "
                    f"but the layer before gives {linears[-1].out_features}"
                )
            linears.append(child)
            activations.append("linear")
        elif kind is None:
            raise ValueError(
                f"from_torch(): {_describe(index, child)} is not supported; autograd_lite "
                f"converts Linear layers, each followed by at most one of ReLU, Tanh, Sigmoid "
                f"or Identity"
            )
        elif not linears or _follows_activation(module, index):
            raise ValueError(
                f"from_torch(): {_describe(index, child)} does not directly follow a Linear "
                "layer; each Linear may be followed by one activation"
            )
        else:
            activations[-1] = kind
    if not linears:
        raise ValueError("from_torch(): the module has no Linear layer")
    if any(lin.out_features == 1 for lin in linears[:-1]):
        raise ValueError(
            "from_torch(): a hidden Linear layer has one output; an autograd_lite Layer of one "
            "neuron returns a single Value (as micrograd's), which the next layer cannot take"
        )
    model = MLP(linears[0].in_features, [lin.out_features for lin in linears], seed=0)
    for layer, linear, kind in zip(model.layers, linears, activations):
        weight = linear.weight.detach().double().tolist()
        bias = (
            [0.0] * len(weight) if linear.bias is None else linear.bias.detach().double().tolist()
        )
        for neuron, row, b in zip(layer.neurons, weight, bias):
            for v, x in zip(neuron.w, row):
                v.data = float(x)
            neuron.b.data = float(b)
            neuron.activation, neuron.nonlin = kind, kind != "linear"
    return model


def _follows_activation(module: Any, index: int) -> bool:
    """Whether child ``index - 1`` of ``module`` is an activation (two in a row)."""
    return index > 0 and type(module[index - 1]) in _FROM_TORCH
