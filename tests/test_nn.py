"""nn: micrograd's Module/Neuron/Layer/MLP API, activations, seeding and training."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from autograd_lite import Value, no_grad
from autograd_lite.nn import ACTIVATIONS, MLP, Layer, Module, Neuron
from tests.oracles import central_gradient, close


def test_mlp_structure_and_parameter_order_follow_micrograd() -> None:
    model = MLP(3, [4, 4, 1], seed=0)
    assert len(model.layers) == 3
    assert [len(layer.neurons) for layer in model.layers] == [4, 4, 1]
    params = model.parameters()
    assert len(params) == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    first = model.layers[0].neurons[0]
    assert params[:4] == [*first.w, first.b]
    assert params[-1] is model.layers[-1].neurons[0].b
    assert repr(model.layers[-1]) == "Layer of [LinearNeuron(4)]"
    assert str(model).startswith("MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3)")


def test_parameters_are_labelled_for_drawings() -> None:
    layer = MLP(3, [2, 1], seed=0).layers[0]
    assert [[p.label for p in n.parameters()] for n in layer.neurons] == [
        ["w1", "w2", "w3", "b"]
    ] * 2


def test_hidden_layers_use_relu_and_the_last_layer_is_linear() -> None:
    model = MLP(2, [3, 1], seed=1)
    out = model([0.5, -1.0])
    assert out._op == "dot+b"
    assert all(n.activation == "relu" for n in model.layers[0].neurons)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_is_accepted_by_name_and_applies_its_op(activation: str) -> None:
    x = [0.5, -1.5]
    for model in (Neuron(2, activation=activation, seed=3), Layer(2, 1, activation=activation)):
        y = model(x)
        neuron = model if isinstance(model, Neuron) else model.neurons[0]
        pre = neuron.w[0].data * 0.5 - 1.5 * neuron.w[1].data + neuron.b.data
        assert y.data == pytest.approx(_apply(activation, Value(pre)).data, rel=1e-12)  # type: ignore[union-attr]
    mlp = MLP(2, [3, 1], activation=activation, final_activation=activation, seed=0)
    assert {n.activation for layer in mlp.layers for n in layer.neurons} == {activation}
    mlp(x).backward()  # type: ignore[union-attr]


def _apply(activation: str, v: Value) -> Value:
    """The activation as a Value method (the independent spelling)."""
    if activation == "linear":
        return v
    if activation == "gelu_tanh":
        return v.gelu("tanh")
    return getattr(v, activation)()  # type: ignore[no-any-return]


@pytest.mark.parametrize("make", [
    lambda: Neuron(2, activation="swish"),
    lambda: Layer(2, 3, activation="swish"),
    lambda: MLP(2, [3, 1], activation="swish"),
    lambda: MLP(2, [3, 1], final_activation="swish"),
], ids=["Neuron", "Layer", "MLP", "MLP-final"])  # fmt: skip
def test_an_unknown_activation_is_a_value_error_listing_every_choice(make: Any) -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of") as info:
        make()
    assert all(name in str(info.value) for name in ACTIVATIONS)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_activation_choice(activation: str) -> None:
    n = Neuron(2, activation=activation, seed=3)
    y = n([1.0, 2.0])
    pre = n.w[0].data + 2 * n.w[1].data + n.b.data
    expected = {
        "relu": max(pre, 0.0),
        "tanh": math.tanh(pre),
        "sigmoid": 1 / (1 + math.exp(-pre)),
        "linear": pre,
    }[activation]
    assert y.data == pytest.approx(expected, rel=1e-12)


def test_unknown_activation_and_bad_sizes_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="positive int"):
        Neuron(0)
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of relu, tanh"):
        Neuron(2, activation="swish")
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        Neuron(2, seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="either seed or rng"):
        MLP(2, [1], seed=1, rng=random.Random(1))


@pytest.mark.parametrize("options", [
    {"activation": "swish"}, {"final_activation": "softmax"}, {"activation": "ReLU"},
])  # fmt: skip
def test_mlp_refuses_an_unknown_activation_even_when_no_neuron_uses_it(
    options: dict[str, str],
) -> None:
    # MLP(2, [1]) has no hidden layer, so its hidden activation never reaches a Neuron.
    name, value = next(iter(options.items()))
    with pytest.raises(ValueError, match=rf"MLP\({name}='{value}'\).*relu, tanh, sigmoid, linear"):
        MLP(2, [1], **options)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=rf"{name}='{value}'"):
        MLP(2, [3, 1], **options)  # type: ignore[arg-type]


def test_seed_makes_initialisation_reproducible() -> None:
    a = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    b = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    c = [p.data for p in MLP(2, [4, 1], seed=8).parameters()]
    assert a == b != c


def test_global_random_seed_gives_micrograds_draws() -> None:
    random.seed(1337)
    ours = [p.data for p in MLP(2, [3, 1]).parameters()]
    random.seed(1337)
    expected = []
    for nin, nout in ((2, 3), (3, 1)):
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert ours == expected


def test_layer_of_one_neuron_returns_a_value_and_wider_layers_a_list() -> None:
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert len(Layer(2, 3, seed=0)([1.0, 2.0])) == 3


def test_mlp_gradients_match_central_differences() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=5)
    params = model.parameters()
    x = [0.3, -0.8]
    out = model(x)
    out.backward()
    analytic = [p.grad for p in params]

    def f(*ws: float) -> float:
        with no_grad():
            for p, w in zip(params, ws):
                p.data = w
            return model(x).data

    start = [p.data for p in params]
    numeric = central_gradient(f, start)
    for p, w in zip(params, start):
        p.data = w
    for a, n in zip(analytic, numeric):
        assert close(a, n)


def test_zero_grad_clears_parameters() -> None:
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_module_call_records_a_scope_path_for_drawing() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    path = [s.name for s in out.scope.path()]  # type: ignore[union-attr]
    assert path == ["MLP", "Layer 2", "Neuron 1"]
    assert Value(1.0).scope is None


def test_module_subclass_without_forward_says_what_to_implement() -> None:
    class Empty(Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty must implement forward"):
        Empty()(1.0)


def test_micrograd_style_training_loop_reduces_the_loss() -> None:
    rng = random.Random(0)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    ys = [1.0 if a * b > 0 else -1.0 for a, b in xs]
    model = MLP(2, [8, 8, 1], seed=2)

    def loss() -> Value:
        scores = [model(x) for x in xs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
        return sum(losses) * (1.0 / len(losses))  # type: ignore[no-any-return]

    first = loss()
    value = first
    for _ in range(30):
        model.zero_grad()
        value = loss()
        value.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    assert loss().data < 0.6 * first.data


class _Probe(Module):
    """A module whose forward reports the engine mode it runs under."""

    def forward(self, x: Value) -> Value:
        y = x * 2.0
        float(y)  # a data read, seen by the mode's on_read hook
        y.backward()  # seen by the mode's on_backward hook
        return y


def test_a_module_call_keeps_every_other_part_of_the_mode() -> None:
    from autograd_lite.modes import using

    made: list[Value] = []
    read: list[str] = []
    stepped: list[float] = []
    with using(
        hooks=(made.append,),
        on_read=lambda node, how: read.append(how),
        on_backward=lambda node, g: stepped.append(g),
    ):
        out = _Probe()(Value(1.5))
    assert out in made
    assert read == ["float()"]
    assert stepped and stepped[0] == 1.0
    with no_grad():
        assert _Probe()(Value(1.5))._prev == ()


def test_scope_repr_names_the_path() -> None:
    out = MLP(2, [1], seed=0)([1.0, 2.0])
    assert repr(out.scope) == "Scope('MLP / Layer 1 / Neuron 1', kind='Neuron')"


def test_nn_does_not_import_checkpoint() -> None:
    # Saving is checkpoint.save(model, path): nn stays below checkpoint, with no import circle.
    import ast
    import inspect

    from autograd_lite import nn

    tree = ast.parse(inspect.getsource(nn))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom | ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any("checkpoint" in name for name in imported)
    assert not hasattr(nn.Module, "save") and not hasattr(nn.MLP, "load")
