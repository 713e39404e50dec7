import io
import sys

import numpy as np
import pytest

from micrograd_mlp import MLP, Value
from micrograd_mlp.data import make_cubic, make_moons, train_test_split
from micrograd_mlp.losses import mse
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.train import History, accuracy, evaluate, fit, predict


def weights(model):
    return [p.data for p in model.parameters()]


def test_per_sample_sgd_equals_a_hand_written_loop():
    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]])
    y = np.array([1.0, -0.5, 0.25])
    model = MLP(2, [4, 1], "tanh", seed=0)
    reference = MLP(2, [4, 1], "tanh", seed=0)
    fit(model, X, y, loss="mse", lr=0.1, epochs=2, shuffle=False, verbose=False)
    for _ in range(2):
        for x, target in zip(X.tolist(), y.tolist()):
            loss = 0.5 * (reference(x) - target) ** 2  # the slides' per-sample update
            reference.zero_grad()
            loss.backward()
            for p in reference.parameters():
                p.data -= 0.1 * p.grad
    assert weights(model) == weights(reference)


def test_full_batch_step_uses_the_mean_loss_over_the_batch():
    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]])
    y = np.array([1.0, -0.5, 0.25])
    model = MLP(2, [3, 1], "relu", seed=1)
    reference = MLP(2, [3, 1], "relu", seed=1)
    history = fit(model, X, y, lr=0.2, epochs=1, batch_size=None, shuffle=False, verbose=False)
    loss = mse([reference(x) for x in X.tolist()], y.tolist())
    loss.backward()
    for p in reference.parameters():
        p.data -= 0.2 * p.grad
    assert weights(model) == weights(reference)
    assert history.loss == [loss.data]


def test_mini_batches_step_once_per_batch_on_the_batch_mean():
    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]])
    y = np.array([1.0, -0.5, 0.25])
    model = MLP(2, [3, 1], "tanh", seed=2)
    reference = MLP(2, [3, 1], "tanh", seed=2)
    history = fit(model, X, y, lr=0.3, epochs=1, batch_size=2, shuffle=False, verbose=False)
    batch_losses = []
    for rows in ([0, 1], [2]):  # the last batch holds what is left
        loss = mse([reference(X[i].tolist()) for i in rows], y[rows].tolist())
        reference.zero_grad()
        loss.backward()
        for p in reference.parameters():
            p.data -= 0.3 * p.grad
        batch_losses.append(loss.data * len(rows))
    assert weights(model) == weights(reference)
    assert history.loss == [pytest.approx(sum(batch_losses) / 3, rel=1e-15)]


@pytest.mark.parametrize("batch_size", [1, 3, None])
def test_history_loss_and_accuracy_are_the_epochs_measurements(batch_size):
    # lr=0 keeps the weights fixed, so what fit measured while training must
    # equal the loss and accuracy of the model on the whole set.
    X, y = make_moons(10, noise=0.3, seed=1)
    model = MLP(2, [4, 1], seed=1)
    history = fit(model, X, y, loss="bce_logits", lr=0.0, epochs=2, batch_size=batch_size,
                  seed=0, verbose=False)
    assert history.loss == [pytest.approx(evaluate(model, X, y, "bce_logits"), rel=1e-12)] * 2
    assert history.accuracy == [accuracy(model, X, y)] * 2
    assert 0.0 < history.accuracy[0] < 1.0  # a measurement, not a constant


def test_shuffle_is_reproducible_with_a_seed():
    X, y = make_moons(20, seed=0)
    runs = []
    for seed in (3, 3, 4):
        model = MLP(2, [4, 1], seed=0)
        fit(model, X, y, loss="bce_logits", lr=0.1, epochs=2, seed=seed, verbose=False)
        runs.append(weights(model))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.mark.slow
def test_two_moons_reaches_95_percent():
    X, y = make_moons(120, noise=0.1, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
    model = MLP(2, [8, 8, 1], seed=0, fused=True)
    history = fit(model, X_train, y_train, loss="bce_logits", lr=0.1, epochs=30, seed=0,
                  val=(X_test, y_test), verbose=False)
    assert accuracy(model, X_train, y_train) >= 0.95
    assert accuracy(model, X_test, y_test) >= 0.95
    assert history.val_accuracy[-1] == accuracy(model, X_test, y_test)
    assert history.loss[-1] < history.loss[0] / 5


@pytest.mark.parametrize("loss", ["hinge", "bce"])
def test_other_classification_losses_learn_moons(loss):
    X, y = make_moons(60, noise=0.1, seed=1)
    output = "sigmoid" if loss == "bce" else "linear"
    model = MLP(2, [8, 1], output_activation=output, seed=0, fused=True)
    history = fit(model, X, y, loss=loss, lr=0.1, epochs=20, seed=0, verbose=False)
    assert history.accuracy[-1] >= 0.85
    assert accuracy(model, X, y) >= 0.85


def test_cubic_regression_mse_drops_below_bound_where_a_line_cannot():
    X, y = make_cubic(60, noise=0.05, seed=0)
    design = np.c_[X, np.ones(len(X))]
    line = np.linalg.lstsq(design, y, rcond=None)[0]
    best_line_loss = 0.5 * np.mean((design @ line - y) ** 2)
    assert best_line_loss > 0.1

    relu = MLP(1, [16, 1], "relu", seed=0, fused=True)
    history = fit(relu, X, y, loss="mse", lr=0.02, epochs=100, seed=0, verbose=False)
    final = 0.5 * np.mean((predict(relu, X) - y) ** 2)
    assert final < 0.01  # the stated bound: under a tenth of the best straight line
    assert history.loss[-1] < 0.01

    linear = MLP(1, [16, 1], "linear", seed=0, fused=True)
    fit(linear, X, y, loss="mse", lr=0.01, epochs=20, seed=0, verbose=False)
    assert 0.5 * np.mean((predict(linear, X) - y) ** 2) >= best_line_loss - 1e-12


def test_history_records_every_epoch_and_callback_sees_it():
    X, y = make_moons(20, seed=0)
    seen = []

    def callback(epoch, model, history):
        seen.append((epoch, history.epochs, history.accuracy[-1]))

    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.01),
                  epochs=3, callback=callback, verbose=False, val=(X[:5], y[:5]))
    assert isinstance(history, History)
    assert [s[:2] for s in seen] == [(0, 1), (1, 2), (2, 3)]
    assert len(history.loss) == len(history.accuracy) == len(history.val_loss) == 3
    assert history.lr == [0.01] * 3
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    assert repr(history).startswith("History(3 epochs, last: loss=")


def test_regression_history_has_no_accuracy():
    X, y = make_cubic(10, seed=0)
    history = fit(MLP(1, [3, 1], seed=0), X, y, epochs=2, verbose=False)
    assert len(history.loss) == 2 and history.accuracy == []


def test_l2_penalty_shrinks_weights():
    X, y = make_cubic(20, seed=0)
    plain, decayed = MLP(1, [8, 1], seed=0), MLP(1, [8, 1], seed=0)
    fit(plain, X, y, lr=0.05, epochs=5, seed=0, verbose=False)
    fit(decayed, X, y, lr=0.05, epochs=5, seed=0, l2=0.05, verbose=False)
    norm = lambda m: sum(w * w for w in weights(m))
    assert norm(decayed) < norm(plain)


def test_custom_loss_function_and_optimizer():
    X = np.array([[1.0], [2.0]])
    y = np.array([2.0, 4.0])
    model = MLP(1, [1], "linear", seed=0)

    def absolute_error(outputs, targets):
        return sum(((o - t) ** 2) ** 0.5 for o, t in zip(outputs, targets)) * (1.0 / len(outputs))

    fit(model, X, y, loss=absolute_error, optimizer=SGD(model, lr=0.05, momentum=0.5),
        epochs=60, seed=0, verbose=False)
    assert predict(model, X) == pytest.approx([2.0, 4.0], abs=0.2)


def test_multi_output_model_trains_on_two_column_targets():
    X = np.array([[0.0], [1.0]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    model = MLP(1, [4, 2], "tanh", seed=0)
    history = fit(model, X, y, lr=0.2, epochs=50, seed=0, verbose=False)
    assert predict(model, X).shape == (2, 2)
    assert history.loss[-1] < history.loss[0]


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, as an interactive session's is."""

    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_and_quiet_when_asked(monkeypatch, capsys):
    X, y = make_cubic(5, seed=0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(MLP(1, [2, 1], seed=0), X, y, epochs=2, verbose=True)
    assert "training" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert "loss=" in terminal.getvalue()  # the epoch's numbers ride on the bar
    terminal.seek(0)
    terminal.truncate()
    fit(MLP(1, [2, 1], seed=0), X, y, epochs=2, verbose=False)
    assert terminal.getvalue() == ""
    assert capsys.readouterr().out == ""


class JupyterStderr(io.StringIO):
    """Like ipykernel's OutStream: not a terminal, but a notebook redraws the bar well."""

    __module__ = "ipykernel.iostream"

    def isatty(self):
        return False


def test_progress_bar_in_jupyter(monkeypatch):
    X, y = make_cubic(5, seed=0)
    notebook = JupyterStderr()
    monkeypatch.setattr(sys, "stderr", notebook)
    fit(MLP(1, [2, 1], seed=0), X, y, epochs=2, verbose=True)
    assert "training" in notebook.getvalue() and "2/2" in notebook.getvalue()


def test_no_progress_bar_in_logs_and_pipes(capsys):
    # pytest's captured stderr is not a terminal, like a CI log or `2> file`:
    # tqdm would write a line per redraw there, so verbose=True stays silent.
    X, y = make_cubic(5, seed=0)
    fit(MLP(1, [2, 1], seed=0), X, y, epochs=2, verbose=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_predict_and_accuracy():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 2.0
    assert predict(model, [[1.0], [-3.0]]).tolist() == [2.0, -6.0]
    assert accuracy(model, [[1.0], [-3.0], [2.0]], [1, 0, 0]) == pytest.approx(2 / 3)
    assert accuracy(model, [[1.0], [-3.0], [2.0]], [1, -1, 1]) == 1.0
    assert accuracy(model, [[1.0], [-3.0]], [1, 1], threshold=5.0) == 0.0


@pytest.mark.parametrize(
    "X, y, kwargs, error, message",
    [
        (np.zeros(4), np.zeros(4), {}, ValueError, r"X must have shape \(n_samples, 2\); got shape \(4,\)"),
        (np.zeros((4, 3)), np.zeros(4), {}, ValueError, r"shape \(n_samples, 2\); got shape \(4, 3\)"),
        (np.zeros((4, 2)), np.zeros(3), {}, ValueError, "X has 4 samples but its targets have 3"),
        (np.zeros((4, 2)), np.zeros((4, 2)), {}, ValueError, r"the model has 1 outputs, so targets need shape \(4,\)"),
        (np.full((2, 2), np.nan), np.zeros(2), {}, ValueError, "contain NaN or infinity"),
        ([["a", "b"]], [1], {}, TypeError, "must be numeric"),
        (np.zeros((4, 2)), np.array([0, 1, 2, 1]), {"loss": "bce_logits"}, ValueError,
         "labels must be 0/1 or -1/\\+1, got \\[0.0, 1.0, 2.0\\]"),
        (np.zeros((4, 2)), np.zeros(4), {"loss": "cross_entropy"}, ValueError,
         r"needs one output per class \(k >= 2\), but the model has one output"),
        (np.zeros((4, 2)), np.zeros(4), {"epochs": -1}, ValueError, "epochs must be an int >= 0"),
        (np.zeros((4, 2)), np.zeros(4), {"batch_size": 0}, ValueError, "batch_size must be a positive int or None"),
        (np.zeros((0, 2)), np.zeros(0), {}, ValueError, "X has no samples"),
    ],
)
def test_bad_data_and_arguments(X, y, kwargs, error, message):
    with pytest.raises(error, match=message):
        fit(MLP(2, [2, 1], seed=0), X, y, verbose=False, **kwargs)


def test_divergence_is_reported_with_the_epoch_and_weights_stay_finite():
    # forward finite (0.5 * (1e150)^2), but dL/dw = 1e150 * x = 1e150 * 1e200 overflows
    X = np.array([[1e200]])
    y = np.array([0.0])
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1e-50
    with pytest.raises(FloatingPointError, match=r"training diverged in epoch 1, step 1 of 1: a gradient is not "
                                                 r"finite; first non-finite node: grad is inf at node .*'L1\.N1\.w1'"):
        fit(model, X, y, epochs=1, verbose=False)
    assert weights(model) == [1e-50, 0.0]


def test_overflow_in_the_forward_pass_names_the_epoch():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1e80
    with pytest.raises(OverflowError, match=r"training diverged in epoch 1, step 1 of 1: .*overflows"):
        fit(model, [[1e80]], [0.0], epochs=1, verbose=False)  # (1e160) ** 2 in the loss


def test_fit_accepts_value_free_plain_lists():
    history = fit(MLP(2, [2, 1], seed=0), [[0.0, 1.0], [1.0, 0.0]], [0.5, -0.5], epochs=1, verbose=False)
    assert len(history.loss) == 1 and isinstance(history.loss[0], float)
    assert not isinstance(history.loss[0], Value)


def test_sigmoid_and_cross_entropy_mix_ups_are_caught():
    X, y = make_moons(10, seed=0)
    with pytest.raises(ValueError, match="loss='bce' needs probabilities but the model's output layer is 'linear'"):
        fit(MLP(2, [3, 1], seed=0), X, y, loss="bce", verbose=False)
    with pytest.raises(ValueError, match="loss='bce_logits' applies the sigmoid itself"):
        fit(MLP(2, [3, 1], output_activation="sigmoid", seed=0), X, y, loss="bce_logits", verbose=False)


def test_fit_restores_the_cycle_collector_state_even_after_an_error():
    import gc

    X, y = make_cubic(4, seed=0)
    assert gc.isenabled()
    fit(MLP(1, [2, 1], seed=0), X, y, epochs=1, verbose=False)
    assert gc.isenabled()

    def failing_loss(outputs, targets):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fit(MLP(1, [2, 1], seed=0), X, y, loss=failing_loss, epochs=1, verbose=False)
    assert gc.isenabled()
    gc.disable()
    try:
        fit(MLP(1, [2, 1], seed=0), X, y, epochs=1, verbose=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_evaluate_converts_labels_like_fit():
    from micrograd_mlp.losses import hinge
    from micrograd_mlp.train import evaluate

    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    expected = hinge([model(x) for x in X.tolist()], (2 * y - 1).tolist()).data
    assert evaluate(model, X, y, "hinge") == expected
    assert evaluate(model, X, 2 * y - 1, "hinge") == expected
