"""fit(): learning XOR and moons, the History, progress bar rules, callbacks and Ctrl-C."""

from __future__ import annotations

import gc
import io
import math
import sys
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.data import make_moons, make_xor
from autograd_lite.losses import accuracy, binary_cross_entropy_with_logits, hinge, l2
from autograd_lite.nn import MLP
from autograd_lite.optim import SGD, Adam, linear_decay
from autograd_lite.train import (
    BatchedPredictor,
    History,
    early_stopping,
    evaluate_model,
    fit,
    predict,
)

SQUARE = ([[0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-1.0, 0.0]], [1, 1, -1, -1])


def small_fit(**options: Any) -> tuple[MLP, History]:
    model = MLP(2, [4, 1], seed=1)
    settings: dict[str, Any] = {
        "loss": hinge,
        "optimizer": SGD(model.parameters(), lr=0.1),
        "epochs": 5,
        "progress": False,
    }
    settings.update(options)
    return model, fit(model, *SQUARE, **settings)


def test_fit_learns_xor() -> None:
    X, y = make_xor(60, random_state=0)
    model = MLP(2, [8, 1], activation="tanh", seed=0)
    loss = binary_cross_entropy_with_logits
    opt = Adam(model.parameters(), lr=0.05)
    history = fit(model, X, y, loss=loss, optimizer=opt, epochs=60, batch_size=20, progress=False)
    assert evaluate_model(model, X, y, loss, accuracy)[1] >= 0.95
    assert history.loss[-1] < history.loss[0] / 3


def test_fit_learns_moons_to_full_accuracy() -> None:
    X, y = make_moons(60, noise=0.1, random_state=0)
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    history = fit(
        model, X, y,
        loss=lambda out, t: hinge(out, t) + l2(params),
        optimizer=SGD(params, lr=linear_decay(1.0, 0.1, 60)),
        epochs=60, progress=False,
    )  # fmt: skip
    assert accuracy(predict(model, X), y) == 1.0
    assert history.lr[0] == 1.0 and history.lr[-1] < 0.2


def test_history_records_every_epoch_and_validation() -> None:
    _, h = small_fit(epochs=4, val=SQUARE)
    assert h.epoch == [1, 2, 3, 4]
    for series in (h.loss, h.accuracy, h.val_loss, h.val_accuracy, h.lr, h.time):
        assert len(series) == 4
    assert all(t >= 0 for t in h.time) and h.stopped == ""
    assert h.as_dict()["loss"] == h.loss


def test_fit_is_repeatable_for_a_seed() -> None:
    X, y = make_moons(20, noise=0.1, random_state=0)

    def once(seed: int) -> list[float]:
        model = MLP(2, [4, 1], seed=0)
        opt = SGD(model.parameters(), lr=0.1)
        h = fit(model, X, y, loss=hinge, optimizer=opt, epochs=3, batch_size=5, seed=seed,
                progress=False)  # fmt: skip
        return h.loss

    assert once(0) == once(0)
    assert once(0) != once(1)  # the batch order is shuffled by the seed


def test_validation_uses_no_graph_and_does_not_change_gradients() -> None:
    model, _ = small_fit(epochs=1)
    grads = [p.grad for p in model.parameters()]
    evaluate_model(model, *SQUARE, hinge, accuracy)
    assert [p.grad for p in model.parameters()] == grads
    out = predict(model, SQUARE[0])
    assert all(o._prev == () for o in out)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_appears_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm", reason="tqdm is not installed (pip install tqdm)")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    small_fit(epochs=3, progress=True)
    assert "loss=" in terminal.getvalue() and "3/3" in terminal.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    small_fit(epochs=3, progress=True)
    assert pipe.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", terminal := FakeTerminal())
    small_fit(epochs=3, progress=False)
    assert terminal.getvalue() == ""


def test_missing_tqdm_warns_and_trains_anyway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    with pytest.warns(UserWarning, match=r'pip install "autograd-lite\[train\]"'):
        _, h = small_fit(epochs=2, progress=True)
    assert len(h) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small_fit(epochs=1, progress=False)


def test_ctrl_c_returns_the_epochs_completed() -> None:
    def interrupt(epoch: int, history: History) -> None:
        if epoch == 3:
            raise KeyboardInterrupt

    _, h = small_fit(epochs=10, callbacks=[interrupt])
    assert h.epoch == [1, 2, 3] and h.stopped == "interrupted"


def test_ctrl_c_inside_an_epoch_drops_that_epoch_only() -> None:
    calls = []

    def loss(outputs: list[Any], targets: list[Any]) -> Value:
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return hinge(outputs, targets)

    _, h = small_fit(epochs=10, loss=loss, val=SQUARE)
    # Each epoch calls the loss twice (training, then validation): the 4th call is epoch 2's
    # validation, so epoch 2 is dropped whole and every series keeps exactly epoch 1.
    assert h.epoch == [1] and h.stopped == "interrupted"
    for series in (h.loss, h.accuracy, h.val_loss, h.val_accuracy, h.lr, h.time):
        assert len(series) == 1


def test_the_metric_gets_detached_outputs_with_the_models_numbers() -> None:
    model = MLP(2, [3, 2], seed=2)  # two outputs per sample: lists of Values
    X = SQUARE[0]
    before = [[o.data for o in model(x)] for x in X]  # one full batch: outputs before the step
    seen: list[Any] = []

    def metric(outputs: list[Any], targets: list[Any]) -> float:
        seen.extend(outputs)
        return 0.0

    opt = SGD(model.parameters(), lr=0.1)
    fit(model, X, [0, 1, 0, 1], loss=lambda o, t: o[0][0] * 1.0, optimizer=opt, epochs=1,
        metric=metric, shuffle=False, progress=False)  # fmt: skip
    assert [[o.data for o in out] for out in seen] == before
    assert all(o._prev == () for out in seen for o in out)


def test_an_epoch_keeps_no_graph_alive() -> None:
    model = MLP(2, [4, 1], seed=1)
    X, y = make_moons(20, noise=0.1, random_state=0)
    alive: list[int] = []

    def count(epoch: int, history: History) -> None:
        alive.append(sum(type(o) is Value for o in gc.get_objects()))

    before = sum(type(o) is Value for o in gc.get_objects())
    opt = SGD(model.parameters(), lr=0.1)
    fit(model, X, y, loss=hinge, optimizer=opt, epochs=2, batch_size=5, callbacks=[count],
        progress=False)  # fmt: skip
    # After an epoch only its detached outputs remain: one Value per sample, no graph.
    assert alive == [before + len(X)] * 2


@pytest.mark.parametrize("enabled", [True, False])
def test_fit_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    def failing(outputs: list[Any], targets: list[Any]) -> Value:
        raise RuntimeError("a loss that fails")

    (gc.enable if enabled else gc.disable)()
    try:
        small_fit(epochs=2)
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError, match="a loss that fails"):
            small_fit(loss=failing)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_callback_returning_true_stops_training() -> None:
    _, h = small_fit(epochs=10, callbacks=[lambda epoch, history: epoch == 2])
    assert len(h) == 2 and h.stopped == "callback"


def test_early_stopping_waits_for_patience() -> None:
    stop = early_stopping(patience=2, monitor="val_accuracy")
    assert stop(3, History(val_accuracy=[0.5, 0.6, 0.6])) is False
    assert stop(4, History(val_accuracy=[0.5, 0.6, 0.6, 0.55])) is True
    assert stop(4, History(val_accuracy=[0.5, 0.6, 0.6, 0.7])) is False


def test_a_diverging_loss_raises_a_clear_error() -> None:
    with pytest.raises(FloatingPointError, match="the loss became nan in epoch 1"):
        small_fit(loss=lambda o, t: hinge(o, t) * math.nan)


@pytest.mark.parametrize(("options", "message"), [
    ({"epochs": 0}, "epochs"),
    ({"loss": "hinge"}, "loss"),
    ({"val": ([[0.0, 1.0]], [1, 0])}, "val X has 1 samples but 2 labels"),
])  # fmt: skip
def test_bad_arguments_are_rejected(options: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        small_fit(**options)


@pytest.mark.parametrize(("X", "y", "message"), [
    ([[0.0, 1.0], [math.nan, 2.0]], [1, 0], r"X\[1\]\[0\] is nan; the data must be finite"),
    ([[0.0, math.inf], [1.0, 2.0]], [1, 0], r"X\[0\]\[1\] is inf"),
    ([[0.0, "a"], [1.0, 2.0]], [1, 0], r"X\[0\]\[1\] is 'a', not a number"),
    ([[0.0, 1.0], [1.0, 2.0]], [1.0, math.nan], r"y\[1\] is nan; targets must be finite"),
])  # fmt: skip
def test_non_finite_data_is_named_not_blamed_on_the_learning_rate(
    X: list[list[Any]], y: list[Any], message: str
) -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), progress=False)


def test_ragged_rows_are_rejected() -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match=r"X\[1\] has 3 features, X\[0\] has 2"):
        fit(model, [[0.0, 1.0], [1.0, 2.0, 3.0]], [1, 0], loss=hinge,
            optimizer=SGD(model.parameters(), lr=0.1), progress=False)  # fmt: skip


# -- fit(compile=True): the same training, replayed on floats ---------------------------------


def _train(compile: bool, **options: Any) -> tuple[MLP, History]:
    X, y = make_moons(40, noise=0.1, random_state=1)
    model = MLP(2, [6, 6, 1], seed=2)
    settings: dict[str, Any] = {
        "loss": lambda o, t: hinge(o, t) + l2(model.parameters()),
        "optimizer": Adam(model.parameters(), lr=0.05),
        "epochs": 6,
        "progress": False,
        "shuffle": False,
    }
    settings.update(options)
    return model, fit(model, X, y, compile=compile, **settings)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_compiled_training_gives_exactly_the_eager_numbers(batch_size: int | None) -> None:
    eager_model, eager = _train(False, batch_size=batch_size)
    compiled_model, compiled = _train(True, batch_size=batch_size)
    assert compiled.loss == eager.loss
    assert compiled.accuracy == eager.accuracy
    assert [p.data for p in compiled_model.parameters()] == [
        p.data for p in eager_model.parameters()
    ]


def test_compiled_full_batch_training_learns_moons() -> None:
    X, y = make_moons(100, noise=0.1, random_state=0)
    model = MLP(2, [16, 16, 1], seed=0)
    opt = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, 60))
    history = fit(
        model,
        X,
        y,
        loss=lambda o, t: hinge(o, t) + l2(model.parameters()),
        optimizer=opt,
        epochs=60,
        progress=False,
        compile=True,
    )
    assert history.final("accuracy") >= 0.95


def test_compiled_training_with_class_index_targets_and_several_outputs() -> None:
    from autograd_lite.losses import softmax_cross_entropy

    X = [[0.0, 1.0], [1.0, 0.0], [-1.0, 0.0], [0.5, 0.5]]
    y = [0, 1, 2, 1]
    histories = []
    for compile in (False, True):
        model = MLP(2, [5, 3], seed=4)
        opt = SGD(model.parameters(), lr=0.1)
        histories.append(
            fit(model, X, y, loss=softmax_cross_entropy, optimizer=opt, epochs=4,
                progress=False, shuffle=False, compile=compile)
        )  # fmt: skip
    assert histories[0].loss == histories[1].loss
    assert histories[0].accuracy == histories[1].accuracy


def test_compiled_training_needs_a_model_with_parameters() -> None:
    w = Value(0.5)

    def model(x: list[Value]) -> Value:
        return x[0] * w

    opt = SGD([w], lr=0.1)
    with pytest.raises(TypeError, match=r"compile=True\) needs a model with parameters"):
        fit(model, *SQUARE, loss=hinge, optimizer=opt, progress=False, compile=True)


def test_compiled_training_warns_when_batches_never_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_lite import train

    monkeypatch.setattr(train._CompiledSteps, "LIMIT", 2)
    with pytest.warns(UserWarning, match="traced more than 2 different batches"):
        _train(True, batch_size=4, shuffle=True, epochs=2)


def test_compiled_training_of_a_model_that_branches_on_data_says_what_to_do() -> None:
    from autograd_lite.compile import TracingError

    class Branching(MLP):
        def forward(self, x: Any) -> Any:
            out = super().forward(x)
            return out if out > 0 else out * 2  # a choice made on data: not traceable

    model = Branching(2, [3, 1], seed=0)
    with pytest.raises(TracingError, match=r"^fit\(compile=True\).*used > on Value.*compile=False"):
        fit(model, *SQUARE, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=2, progress=False, compile=True)  # fmt: skip


# -- the batched replay for evaluation ---------------------------------------------------------

ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", "elu", "leaky_relu", "softplus", "silu"]


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(ACTIVATIONS),
    # hidden layers of 2 or more (a Layer of one neuron returns a lone Value), outputs 1 to 3
    st.tuples(st.lists(st.integers(2, 5), max_size=2), st.integers(1, 3)),
    st.integers(0, 1000),
    st.lists(st.lists(st.floats(-3, 3), min_size=3, max_size=3), min_size=1, max_size=12),
)
def test_batched_predictions_equal_the_engine_sample_by_sample(
    activation: str, layers: tuple[list[int], int], seed: int, X: list[list[float]]
) -> None:
    pytest.importorskip("numpy", reason="the batched replay needs NumPy")
    model = MLP(3, [*layers[0], layers[1]], activation=activation, seed=seed)
    fast = BatchedPredictor(model)(X)
    slow = predict(model, X)
    for got, out in zip(fast, slow, strict=True):
        expected = [v.data for v in out] if isinstance(out, list) else [out.data]
        got = got if isinstance(got, list) else [got]
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-12)
    assert all(p.grad == 0.0 for p in model.parameters())  # evaluation touches no gradient


def test_one_predictor_follows_the_weights_as_they_train() -> None:
    pytest.importorskip("numpy", reason="the batched replay needs NumPy")
    model = MLP(2, [3, 1], seed=0)
    predictor = BatchedPredictor(model)
    before = predictor(SQUARE[0])
    for p in model.parameters():
        p.data += 0.25
    after = predictor(SQUARE[0])
    assert after != before
    assert after == pytest.approx([o.data for o in predict(model, SQUARE[0])], rel=1e-12)
    assert predictor([]) == []


def test_fit_compiled_validates_with_one_batched_replay(monkeypatch: Any) -> None:
    pytest.importorskip("numpy", reason="the batched replay needs NumPy")
    X, y = make_moons(40, noise=0.1, random_state=0)
    Xv, yv = make_moons(30, noise=0.1, random_state=1)
    model = MLP(2, [6, 1], activation="tanh", seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    import autograd_lite.train as train

    def no_scalar_predict(*args: Any) -> Any:
        raise AssertionError("the validation pass went through the engine, sample by sample")

    monkeypatch.setattr(train, "predict", no_scalar_predict)
    h = fit(model, X, y, loss=hinge, optimizer=opt, epochs=3, val=(Xv, yv), progress=False,
            compile=True)  # fmt: skip
    monkeypatch.undo()
    loss, acc = evaluate_model(model, Xv, yv, hinge, accuracy)
    # The last epoch's validation was measured with the weights the model has now.
    assert h.val_loss[-1] == pytest.approx(loss, rel=1e-12) and h.val_accuracy[-1] == acc


def test_fit_compiled_without_numpy_validates_through_the_engine(monkeypatch: Any) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "numpy" else real(name, *a)
    )
    model, h = small_fit(compile=True, val=SQUARE)
    monkeypatch.undo()
    assert h.val_loss[-1] == pytest.approx(evaluate_model(model, *SQUARE, hinge)[0], rel=1e-12)
