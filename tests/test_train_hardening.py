"""Training that goes wrong stops with a clear error (issue 13: divergence, wrong settings, NumPy numbers as settings)."""

import math

import numpy as np
import pytest

import micrograd_mlp
from micrograd_mlp import MLP, SGD, Adam, TrainingDiverged, Value, fit
from micrograd_mlp.data import make_cubic, make_moons
from micrograd_mlp.losses import l2
from micrograd_mlp.train import evaluate


def moons_model(loss):
    return MLP(2, [8, 1], output_activation="sigmoid" if loss == "bce" else "linear", seed=0)


@pytest.mark.parametrize("loss", ["bce_logits", "hinge", "mse", "bce"])
def test_every_loss_stops_when_training_diverges(loss):
    model = moons_model(loss)
    with pytest.raises(TrainingDiverged) as caught:
        fit(model, *make_moons(40, seed=0), loss=loss, lr=1e6, epochs=5, seed=0, verbose=False)
    err = caught.value
    message = str(err)
    assert message.startswith(f"training diverged in epoch {err.epoch + 1}, step {err.step}")
    assert "\n" not in message
    assert "learning rate" in message and "1e+06" in message
    assert isinstance(err, FloatingPointError)  # old `except FloatingPointError` still works
    assert err.epoch in (0, 1, 2, 3, 4) and err.step >= 1
    # the model is left with the weights of before the step that blew up: finite, usable
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_an_infinite_output_is_caught_even_when_the_loss_is_finite():
    # hinge's relu(1 - y * inf) is 0 with a zero gradient: the loss alone looks fine
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1e300
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 1 of 1: an output is inf.*first non-finite node: data is inf"):
        fit(model, [[1e10]], [1], loss="hinge", epochs=1, verbose=False)


def test_inf_minus_inf_in_bce_logits_is_caught():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1e300
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 1 of 1: "):
        fit(model, [[1e10]], [0], loss="bce_logits", epochs=1, verbose=False)


def test_a_parameter_that_becomes_inf_after_the_update_is_named():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 4.0  # output 4, so d loss / d w = 4 * 1
    with pytest.raises(TrainingDiverged, match=r"parameter L1\.N1\.w1 would become -inf") as caught:
        fit(model, [[1.0]], [0.0], loss="mse", lr=1e308, epochs=1, verbose=False)
    assert caught.value.node is model.layers[0].neurons[0].w[0]
    assert model.layers[0].neurons[0].w[0].data == 4.0  # put back as before the step


def test_a_custom_loss_that_goes_nan_is_caught():
    def nan_loss(outputs, targets):
        return outputs[0] * float("nan")

    with pytest.raises(TrainingDiverged, match=r"the loss is nan.*first non-finite node"):
        fit(MLP(1, [1], seed=0), [[1.0]], [0.0], loss=nan_loss, epochs=1, verbose=False)


def test_training_diverged_is_exported_and_documented():
    assert micrograd_mlp.TrainingDiverged is TrainingDiverged  # not in the learner's __all__, still exported
    assert ">>>" in TrainingDiverged.__doc__


def test_numpy_numbers_are_training_settings():
    X, y = make_cubic(20, seed=0)
    history = fit(MLP(1, [4, 1], seed=0), X, y, lr=np.float32(0.05), epochs=np.int64(2),
                  batch_size=np.int64(5), l2=np.float32(1e-4), seed=np.int64(0), verbose=False)  # fmt: skip
    assert len(history.loss) == 2
    SGD([Value(1.0)], lr=np.float64(0.1), momentum=np.float32(0.5))
    Adam([Value(1.0)], lr=np.float32(0.1), betas=(np.float32(0.9), np.float64(0.99)), eps=np.float32(1e-8))
    assert l2([Value(2.0)], np.float32(0.5)).data == 2.0
    assert make_moons(6, noise=np.float32(0.1), seed=0)[0].shape == (6, 2)


@pytest.mark.parametrize("kwargs, message", [({"epochs": 2.0}, "epochs must be an int >= 0, got 2.0"),
                                             ({"batch_size": np.float64(2)}, "batch_size must be a positive int"),
                                             ({"lr": "0.1"}, r"lr must be a finite number >= 0, got '0\.1'"),
                                             ({"l2": np.array([0.1])}, "l2 must be a number >= 0")])  # fmt: skip
def test_settings_of_the_wrong_kind_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(MLP(1, [2, 1], seed=0), [[0.0]], [0.0], verbose=False, **kwargs)


def test_a_loss_function_must_return_a_value():
    with pytest.raises(TypeError, match=r"the loss function returned float 0\.0, not a Value"):
        fit(MLP(1, [1], seed=0), [[1.0]], [0.0], loss=lambda outputs, targets: 0.0, epochs=1, verbose=False)
    with pytest.raises(TypeError, match=r"the loss function returned float"):
        evaluate(MLP(1, [1], seed=0), [[1.0]], [0.0], loss=lambda outputs, targets: 0.0)


def test_an_optimizer_must_be_an_optimizer():
    with pytest.raises(TypeError, match=r"optimizer must be an Optimizer such as SGD\(model\.parameters\(\), lr=0\.1\), got str 'sgd'"):
        fit(MLP(1, [1], seed=0), [[1.0]], [0.0], optimizer="sgd", epochs=1, verbose=False)
