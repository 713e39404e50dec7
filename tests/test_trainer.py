"""The incremental Trainer: fit is a loop over it, steps and epochs, warnings, every argument checked."""

import re
import warnings

import numpy as np
import pytest

from micrograd_mlp import MLP, Value
from micrograd_mlp.data import make_cubic, make_moons, make_spiral3
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.train import History, LossExploding, Trainer, TrainingDiverged, fit


def weights(model):
    return [p.data for p in model.parameters()]


SETTINGS = [
    dict(loss="mse", batch_size=1, data="cubic"),
    dict(loss="hinge", batch_size=7, l2=1e-3, data="moons"),
    dict(loss="bce_logits", batch_size=None, data="moons", val=True),
    dict(loss="hinge", batch_size=5, data="moons", batched=True, l2=1e-4, val=True),
    dict(loss="cross_entropy", batch_size=4, data="blobs", val=True),
    dict(loss="cross_entropy", batch_size=None, data="blobs", batched=True),
]


def problem(data):
    if data == "cubic":
        X, y = make_cubic(20, seed=0)
        return MLP(1, [5, 1], seed=0), X, y
    if data == "blobs":
        X, y = make_spiral3(24, seed=0)
        return MLP(2, [5, 3], seed=0), X, y
    X, y = make_moons(24, seed=0)
    return MLP(2, [5, 1], seed=0), X, y


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: f"{s['loss']}-{s['batch_size']}-{s.get('batched', False)}")
def test_fit_is_a_loop_over_trainer_epochs(setting):
    setting = dict(setting)
    data, use_val = setting.pop("data"), setting.pop("val", False)
    model_a, X, y = problem(data)
    model_b, _, _ = problem(data)
    val = (X[:6], y[:6]) if use_val else None
    optimizer_a, optimizer_b = Adam(model_a, lr=0.02), Adam(model_b, lr=0.02)
    history = fit(model_a, X, y, optimizer=optimizer_a, epochs=3, seed=1, val=val, verbose=False, **setting)
    trainer = Trainer(model_b, X, y, optimizer=optimizer_b, seed=1, val=val, **setting)
    epochs = [trainer.epoch() for _ in range(3)]
    assert weights(model_a) == weights(model_b)
    assert trainer.history == history
    assert [e["loss"] for e in epochs] == history.loss
    assert [e["epoch"] for e in epochs] == [0, 1, 2]
    if history.accuracy:
        assert [e["accuracy"] for e in epochs] == history.accuracy
    if val is not None:
        assert [e["val_loss"] for e in epochs] == history.val_loss
    assert 0 < history.loss[-1] < history.loss[0]  # it trained: the comparison is not of two idle models


def test_steps_walk_the_epoch_batch_by_batch():
    X, y = make_moons(10, seed=0)
    model, reference = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    trainer = Trainer(model, X, y, loss="hinge", lr=0.1, batch_size=4, shuffle=False)
    losses = [trainer.step(), trainer.step()]
    assert trainer.history.epochs == 0 and trainer.steps_done == 2  # 8 of 10 samples seen
    last = trainer.step()  # the 2 left over close the epoch
    assert trainer.history.epochs == 1
    fit(reference, X, y, loss="hinge", lr=0.1, batch_size=4, shuffle=False, epochs=1, verbose=False)
    assert weights(model) == weights(reference)
    assert trainer.history.loss == [pytest.approx((4 * losses[0] + 4 * losses[1] + 2 * last) / 10, rel=1e-15)]


def test_epoch_finishes_the_epoch_under_way():
    X, y = make_cubic(9, seed=0)
    model, reference = MLP(1, [3, 1], seed=0), MLP(1, [3, 1], seed=0)
    trainer = Trainer(model, X, y, lr=0.05, batch_size=2, seed=3)
    trainer.step()
    numbers = trainer.epoch()
    assert numbers["epoch"] == 0 and trainer.steps_done == 5
    trainer.epoch()
    history = fit(reference, X, y, lr=0.05, batch_size=2, seed=3, epochs=2, verbose=False)
    assert weights(model) == weights(reference) and trainer.history.loss == history.loss


def test_an_epoch_seed_replays_fit_with_that_seed():
    # what the playground did per tick: fit(..., seed=s + epoch, epochs=1) on a kept optimizer
    X, y = make_moons(16, seed=2)
    model, reference = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    optimizer, reference_optimizer = Adam(model, lr=0.05), Adam(reference, lr=0.05)
    trainer = Trainer(model, X, y, loss="bce_logits", optimizer=optimizer, batch_size=3, batched=True)
    for epoch in range(3):
        trainer.epoch(seed=7 + epoch)
        fit(reference, X, y, loss="bce_logits", optimizer=reference_optimizer, batch_size=3, seed=7 + epoch,
            epochs=1, verbose=False, batched=True)  # fmt: skip
    assert weights(model) == weights(reference)
    assert trainer.history.epochs == 3


def test_a_weight_changed_by_hand_between_epochs_is_trained_from_there():
    X, y = make_cubic(8, seed=0)
    for batched in (False, True):
        model, reference = MLP(1, [3, 1], seed=0), MLP(1, [3, 1], seed=0)
        trainer = Trainer(model, X, y, lr=0.05, batch_size=None, batched=batched)
        trainer.epoch()
        fit(reference, X, y, lr=0.05, batch_size=None, epochs=1, verbose=False)
        model.layers[0].neurons[0].w[0].data = 2.5
        reference.layers[0].neurons[0].w[0].data = 2.5
        trainer.epoch()
        fit(reference, X, y, lr=0.05, batch_size=None, epochs=1, verbose=False)
        assert weights(model) == pytest.approx(weights(reference), rel=1e-12)


def test_a_diverging_step_names_the_trainers_epoch():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 4.0
    trainer = Trainer(model, [[1.0]], [0.0], lr=1e308)
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 1 of 1: parameter L1\.N1\.w1 would become -inf"):
        trainer.step()
    assert model.layers[0].neurons[0].w[0].data == 4.0


# ---------------------------------------------------------------- exploding loss


@pytest.mark.parametrize("loss", ["bce_logits", "hinge"])
@pytest.mark.parametrize("batch_size", [10, None])
@pytest.mark.parametrize("batched", [False, True])
def test_an_exploding_loss_is_warned_once_with_the_epoch_and_a_smaller_rate(loss, batch_size, batched):
    X, y = make_moons(40, seed=0)
    with pytest.warns(LossExploding) as seen:
        history = fit(MLP(2, [8, 1], seed=0), X, y, loss=loss, lr=1e6, epochs=8, batch_size=batch_size,
                      seed=0, verbose=False, batched=batched)  # fmt: skip
    exploding = [w for w in seen if issubclass(w.category, LossExploding)]
    assert len(exploding) == 1  # once, not once per epoch
    warning = exploding[0].message
    first = history.loss[warning.epoch]
    assert warning.loss == first and warning.lr == 1e6
    assert warning.loss > 1000 * warning.first_loss and 0.1 < warning.first_loss < 2  # the untrained model's
    assert re.fullmatch(rf"the loss rose to \S+ in epoch {warning.epoch + 1}, more than 1,000 times its first value "
                        r"\(\S+, before training\): the learning rate is probably too large \(lr=1e\+06\): "
                        r"try lr=1e\+05 or smaller", str(warning))  # fmt: skip
    assert exploding[0].filename == __file__  # it points at the fit call, not inside the library


def test_the_trainer_keeps_its_warning_for_a_page_to_show():
    X, y = make_moons(40, seed=0)
    trainer = Trainer(MLP(2, [8, 1], seed=0), X, y, loss="hinge", lr=1e6, batch_size=10, seed=0)
    with pytest.warns(LossExploding):
        trainer.epoch()
    assert len(trainer.warnings) == 1 and trainer.warnings[0].epoch == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning
        trainer.epoch()
    assert len(trainer.warnings) == 1


def test_a_loss_that_falls_or_wobbles_is_not_warned():
    X, y = make_moons(40, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossExploding)
        trainer = Trainer(MLP(2, [8, 1], seed=0), X, y, loss="hinge", lr=0.1, seed=0)
        for _ in range(5):
            trainer.epoch()
    assert trainer.warnings == [] and 0.1 < trainer.first_loss < 2


# ------------------------------------------------------------ every argument


def moons():
    X, y = make_moons(8, seed=0)
    return MLP(2, [3, 1], seed=0), X, y


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"model": None}, TypeError, r"model is None: pass the network to train, e\.g\. fit\(MLP\(2, \[8, 1\]\), X, y\)"),
        ({"model": "net"}, TypeError, r"model must be a network such as MLP\(2, \[8, 1\]\).*got str 'net'"),
        ({"X": np.zeros((8, 2)) + 1j}, TypeError, r"X holds complex numbers; .*real part \(\.real\)"),
        ({"y": np.zeros(8, dtype=complex)}, TypeError, r"X's targets holds complex numbers"),
        ({"y": np.arange(7)}, ValueError, "X has 8 samples but its targets have 7"),
        ({"loss": "mae"}, ValueError, r"unknown loss 'mae'; choose one of 'mse', .* or pass a function"),
        ({"loss": 5}, ValueError, r"unknown loss 5; choose one of"),
        ({"lr": -1.0}, ValueError, r"lr must be a finite number >= 0, got -1\.0"),
        ({"lr": "0.1"}, ValueError, r"lr must be a finite number >= 0, got '0\.1'"),
        ({"epochs": 1.5}, ValueError, r"epochs must be an int >= 0, got 1\.5"),
        ({"batch_size": "all"}, ValueError, r"batch_size must be a positive int or None \(full batch\), got 'all'"),
        ({"shuffle": "yes"}, TypeError, r"shuffle must be True or False, got str 'yes'"),
        ({"shuffle": 1}, TypeError, r"shuffle must be True or False, got int 1"),
        ({"seed": 1.5}, ValueError, r"seed must be a whole number >= 0 \(e\.g\. seed=0\) or None .*got 1\.5"),
        ({"seed": -1}, ValueError, r"seed must be a whole number >= 0"),
        ({"seed": "0"}, ValueError, r"seed must be a whole number >= 0.*got '0'"),
        ({"l2": -0.1}, ValueError, r"l2 must be a number >= 0 \(e\.g\. 1e-4\), got -0\.1"),
        ({"val": np.zeros((3, 2))}, TypeError, r"val must be a pair \(X_val, y_val\) or None, got ndarray"),
        ({"val": (np.zeros((3, 3)), np.zeros(3))}, ValueError, r"val X must have shape \(n_samples, 2\)"),
        ({"callback": 5}, TypeError, r"callback must be a function callback\(epoch, model, history\) or None, got int 5"),
        ({"verbose": "loud"}, TypeError, r"verbose must be True or False, got str 'loud'"),
        ({"batched": "x"}, TypeError, r"batched must be True or False, got str 'x'"),
        ({"patience": 0}, ValueError, r"patience must be a whole number of epochs >= 1"),
        ({"tol": -1.0}, ValueError, r"tol must be a finite number >= 0"),
        ({"optimizer": "sgd"}, TypeError, r"optimizer must be an Optimizer such as SGD\(model\.parameters\(\), lr=0\.1\)"),
    ],
)
def test_every_argument_is_checked_before_a_weight_changes(kwargs, error, message):
    model, X, y = moons()
    before = weights(model)
    arguments = dict(model=model, X=X, y=y, loss="hinge", epochs=2, verbose=False)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        fit(**arguments)
    assert weights(model) == before
    assert all(p.grad == 0.0 for p in model.parameters())


def test_an_optimizer_on_another_models_parameters_is_refused():
    model, X, y = moons()
    other = MLP(2, [3, 1], seed=1)
    before = weights(model)
    with pytest.raises(ValueError, match=r"optimizer was built on other parameters: none of its 13 parameters belongs "
                                         r"to this model, so training would change nothing\. Build it on this model, "
                                         r"e\.g\. SGD\(model\.parameters\(\), lr=\.\.\.\)"):  # fmt: skip
        fit(model, X, y, loss="hinge", optimizer=SGD(other, lr=0.1), epochs=1, verbose=False)
    assert weights(model) == before


def test_a_learning_rate_beside_an_optimizer_is_refused_not_ignored():
    model, X, y = moons()
    with pytest.raises(ValueError, match=r"lr=0\.5 would not be used: the optimizer given has its own learning rate; "
                                         r"set it there \(e\.g\. Adam\(model\.parameters\(\), lr=0\.5\)\)"):
        fit(model, X, y, loss="hinge", optimizer=Adam(model, lr=0.1), lr=0.5, epochs=1, verbose=False)


def test_an_optimizer_on_part_of_the_model_still_trains_that_part():
    model, X, y = moons()
    last = model.layers[-1].parameters()
    frozen = model.layers[0].parameters()
    before = [p.data for p in frozen]
    fit(model, X, y, loss="hinge", optimizer=SGD(last, lr=0.1), epochs=2, verbose=False)
    assert [p.data for p in frozen] == before


def test_the_trainer_checks_its_arguments_too():
    model, X, y = moons()
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        Trainer(model, X, y, shuffle="no")
    with pytest.raises(ValueError, match="seed must be a whole number"):
        Trainer(model, X, y).epoch(seed=0.5)


def test_numpy_flags_and_keras_verbose_are_taken():
    model, X, y = moons()
    history = fit(model, X, y, loss="hinge", epochs=1, shuffle=np.bool_(True), seed=np.uint32(3), verbose=0,
                  batched=np.bool_(False))  # fmt: skip
    assert isinstance(history, History) and history.epochs == 1


def test_a_model_whose_parameters_are_not_values_is_refused():
    class Strange:
        def parameters(self):
            return [1.0]

        def __call__(self, x):
            return Value(0.0)

    with pytest.raises(TypeError, match=r"model\.parameters\(\) must give Values, got float 1\.0"):
        fit(Strange(), [[0.0]], [0.0], epochs=1, verbose=False)
