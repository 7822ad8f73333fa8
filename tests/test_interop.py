"""to_torch / from_torch against the scalar engine: same outputs and gradients in float64."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.nn import MLP, Layer, Neuron

# The activations to_torch carries over (PyTorch layers with the same definition).
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
from autograd_lite.interop import from_torch, to_torch  # noqa: E402

TOL = 1e-12


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(b))


def outputs(model: Any, x: list[float]) -> list[Value]:
    out = model(x)
    return [out] if isinstance(out, Value) else out


@st.composite
def models(draw: st.DrawFn) -> tuple[Any, int]:
    nin = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["mlp", "layer", "neuron"]))
    seed = draw(st.integers(0, 10**6))
    act = draw(st.sampled_from(ACTIVATIONS))
    if kind == "neuron":
        return Neuron(nin, activation=act, seed=seed), nin
    if kind == "layer":
        return Layer(nin, draw(st.integers(1, 4)), activation=act, seed=seed), nin
    # Hidden layers of one neuron are left out: the next Layer cannot take their single
    # Value (nn.Layer returns a Value, not a list, for nout == 1; as micrograd does).
    sizes = [*draw(st.lists(st.integers(2, 5), max_size=2)), draw(st.integers(1, 3))]
    final = draw(st.sampled_from(ACTIVATIONS))
    model = MLP(nin, sizes, activation=act, final_activation=final, seed=seed)
    for p in model.parameters():  # nonzero biases, so that a bias mix-up shows
        if p.label == "b":
            p.data = draw(st.floats(-1, 1))
    return model, nin


def batch(nin: int) -> st.SearchStrategy[list[list[float]]]:
    row = st.lists(st.floats(-3, 3), min_size=nin, max_size=nin)
    return st.lists(row, min_size=1, max_size=4)


def check_same(model: Any, module: Any, xs: list[list[float]], weights: list[float]) -> None:
    """Outputs per sample, and the gradient of sum_k weights[k] * out[k] over the batch."""
    model.zero_grad()
    module.zero_grad()
    ours = []
    for x in xs:
        out = outputs(model, x)
        ours.append([v.data for v in out])
        loss = sum((c * v for c, v in zip(weights, out)), Value(0.0))
        loss.backward()
    theirs = module(torch.tensor(xs, dtype=torch.float64))
    assert theirs.dtype == torch.float64
    assert theirs.shape == (len(xs), len(ours[0]))
    for row, their_row in zip(ours, theirs.tolist()):
        assert all(map(close, their_row, row)), (row, their_row)
    (theirs * torch.tensor(weights[: theirs.shape[1]], dtype=torch.float64)).sum().backward()
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    torch_grads = [
        g
        for lin in linears
        for wrow, b in zip(lin.weight.grad.tolist(), lin.bias.grad.tolist())
        for g in (*wrow, b)
    ]
    our_grads = [p.grad for p in model.parameters()]  # micrograd's order: w1..wn, b per neuron
    assert len(our_grads) == len(torch_grads)
    assert all(map(close, torch_grads, our_grads)), (our_grads, torch_grads)


@given(st.data())
def test_to_torch_gives_the_same_outputs_and_parameter_gradients(data: st.DataObject) -> None:
    model, nin = data.draw(models())
    xs = data.draw(batch(nin))
    weights = data.draw(st.lists(st.floats(-2, 2), min_size=5, max_size=5))
    check_same(model, to_torch(model), xs, weights)


@given(st.data())
def test_from_torch_round_trip_gives_the_same_model(data: st.DataObject) -> None:
    model, nin = data.draw(models())
    back = from_torch(to_torch(model))
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    ours = [n.activation for layer in _layers(model) for n in layer]
    assert [n.activation for layer in back.layers for n in layer.neurons] == ours
    for x in data.draw(batch(nin)):
        assert [v.data for v in outputs(back, x)] == [v.data for v in outputs(model, x)]


def _layers(model: Any) -> list[list[Neuron]]:
    if isinstance(model, MLP):
        return [layer.neurons for layer in model.layers]
    return [model.neurons] if isinstance(model, Layer) else [[model]]


@given(st.data())
def test_from_torch_keeps_a_torch_model_s_meaning(data: st.DataObject) -> None:
    torch.manual_seed(data.draw(st.integers(0, 1000)))
    nin = data.draw(st.integers(1, 4))
    sizes = [*data.draw(st.lists(st.integers(2, 4), max_size=2)), data.draw(st.integers(1, 3))]
    acts = [torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.Identity, None]
    layers: list[Any] = []
    for a, b in zip([nin, *sizes], sizes):
        layers.append(torch.nn.Linear(a, b, dtype=torch.float64))
        act = data.draw(st.sampled_from(acts))
        if act is not None:
            layers.append(act())
    module = torch.nn.Sequential(*layers)
    weights = data.draw(st.lists(st.floats(-2, 2), min_size=5, max_size=5))
    check_same(from_torch(module), module, data.draw(batch(nin)), weights)


def test_weight_order_and_micrograd_nonlin_are_carried_over() -> None:
    model = MLP(3, [2, 1], seed=0)  # micrograd: ReLU hidden layers, linear output
    module = to_torch(model)
    assert [type(m).__name__ for m in module] == ["Linear", "ReLU", "Linear"]
    first = model.layers[0].neurons[1]
    assert module[0].weight[1, 2].item() == first.w[2].data
    assert module[0].bias[1].item() == first.b.data
    n = Neuron(2, nonlin=False, seed=0)
    assert [type(m).__name__ for m in to_torch(n)] == ["Linear"]
    final = MLP(2, [2, 1], activation="tanh", final_activation="sigmoid", seed=0)
    assert [type(m).__name__ for m in to_torch(final)] == ["Linear", "Tanh", "Linear", "Sigmoid"]


def test_to_torch_copies_the_weights() -> None:
    model = MLP(2, [2, 1], seed=0)
    module = to_torch(model)
    with torch.no_grad():
        module[0].weight.add_(1.0)
    assert model.layers[0].neurons[0].w[0].data != module[0].weight[0, 0].item()
    assert to_torch(model, dtype=torch.float32)[0].weight.dtype == torch.float32


def test_from_torch_gives_zero_bias_for_a_linear_without_one() -> None:
    module = torch.nn.Linear(2, 1, bias=False, dtype=torch.float64)
    back = from_torch(module)
    assert back.layers[0].neurons[0].b.data == 0.0
    x = [0.5, -1.5]
    assert close(back(x).data, module(torch.tensor([x], dtype=torch.float64)).item())


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (lambda: [torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)], r"layer 1 \(Dropout"),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.GELU()], r"GELU.*not supported"),
        (lambda: [torch.nn.ReLU(), torch.nn.Linear(2, 3)], "does not directly follow"),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()], "does not direct"),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], "takes 4 inputs"),
        (lambda: [], "no Linear layer"),
        (lambda: [torch.nn.Linear(2, 1), torch.nn.Linear(1, 1)], "hidden Linear layer has one"),
    ],
)
def test_from_torch_names_what_it_cannot_convert(layers: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*layers()))


def test_bad_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="Sequential"):
        from_torch(torch.nn.ReLU())
    with pytest.raises(TypeError, match="MLP, Layer or Neuron"):
        to_torch(torch.nn.Linear(2, 1))  # type: ignore[arg-type]
    layer = Layer(2, 2, seed=0)
    layer.neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match="mixes activations"):
        to_torch(layer)


def test_importing_interop_without_torch_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "try:\n    import autograd_lite.interop\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        'autograd_lite.interop needs PyTorch: pip install "autograd-lite[torch]"'
    )


def test_an_activation_torch_has_no_layer_for_here_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"layer 1 uses the activation 'gelu'"):
        to_torch(MLP(2, [3, 1], activation="gelu", seed=0))
