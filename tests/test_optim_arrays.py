"""Optimizers on arrays (what a batched run uses) equal the scalar optimizers, bit for bit, state carried."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import missing

from micrograd_mlp import MLP, Value
from micrograd_mlp.batched import program as replay_program
from micrograd_mlp.data import make_cubic, make_moons
from micrograd_mlp.optim import SGD, Adam, AdamW, Optimizer, linear_decay, step_decay
from micrograd_mlp.train import Trainer, TrainingDiverged, fit

OPTIMIZERS = {
    "sgd": lambda params: SGD(params, lr=0.1),
    "momentum": lambda params: SGD(params, lr=0.05, momentum=0.9),
    "adam": lambda params: Adam(params, lr=0.01),
    "adamw": lambda params: AdamW(params, lr=0.01, weight_decay=0.1),
    "sgd, linear decay": lambda params: SGD(params, lr=linear_decay(0.2, 0.01, 5)),
    "adam, step decay": lambda params: Adam(params, lr=step_decay(0.05, 0.5, every=2)),
}

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(OPTIMIZERS)), start=st.lists(finite, min_size=1, max_size=6),
       data=st.data(), scalar_first=st.integers(0, 3), arrays=st.integers(1, 4))  # fmt: skip
def test_array_steps_equal_scalar_steps_bit_for_bit_with_state_carried(name, start, data, scalar_first, arrays):
    steps = scalar_first + arrays + 2
    grads = [data.draw(st.lists(finite, min_size=len(start), max_size=len(start))) for _ in range(steps)]
    # one optimizer all scalar; the other scalar, then on arrays, then scalar again
    plain = [Value(v) for v in start]
    mixed = [Value(v) for v in start]
    plain_opt, mixed_opt = OPTIMIZERS[name](plain), OPTIMIZERS[name](mixed)
    for k, grad in enumerate(grads):
        for p, g in zip(plain, grad):
            p.grad = g
        plain_opt.step()
        if scalar_first <= k < scalar_first + arrays:
            if k == scalar_first:
                numbers, state = np.array([p.data for p in mixed]), mixed_opt.state_arrays()
            numbers, state = mixed_opt.array_step(numbers, np.array(grad), state)
            if k == scalar_first + arrays - 1:  # back to the Values and the optimizer's lists
                for p, d in zip(mixed, numbers.tolist()):
                    p.data = d
                mixed_opt.keep_state_arrays(state)
        else:
            for p, g in zip(mixed, grad):
                p.grad = g
            mixed_opt.step()
    assert [p.data for p in mixed] == [p.data for p in plain]
    assert mixed_opt.steps == plain_opt.steps == steps
    for state_name in plain_opt.state_names:
        assert getattr(mixed_opt, state_name) == getattr(plain_opt, state_name)


def test_a_non_finite_gradient_or_weight_changes_nothing():
    opt = SGD([Value(1.0), Value(2.0)], lr=1e308)
    data = np.array([1.0, 2.0])
    assert opt.array_step(data, np.array([0.5, math.inf]), opt.state_arrays()) is None
    assert opt.array_step(data, np.array([0.5, -10.0]), opt.state_arrays()) is None  # 2 + 1e309 = inf
    assert data.tolist() == [1.0, 2.0] and opt.steps == 0


def test_an_optimizer_without_an_array_update_says_so():
    class SignSGD(Optimizer):
        def _update(self, lr):
            for p in self.params:
                p.data -= lr * (p.grad > 0) - lr * (p.grad < 0)

    assert not SignSGD([Value(1.0)], lr=0.1).works_on_arrays
    assert SGD([Value(1.0)], lr=0.1).works_on_arrays and Adam([Value(1.0)]).works_on_arrays


# ------------------------------------------------------------ batched fit on arrays


def weights(model):
    return [p.data for p in model.parameters()]


def grads(model):
    return [p.grad for p in model.parameters()]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_batched_fit_on_arrays_equals_the_scalar_engine_across_calls(name, l2, monkeypatch):
    X, y = make_moons(24, seed=3)
    # the step through the Values is not taken: every step runs on the arrays
    monkeypatch.setattr(replay_program.FitProgram, "step", lambda *args: pytest.fail("stepped the Values"))
    runs = {}
    for batched in (False, True):
        model = MLP(2, [6, 6, 1], seed=0, fused=True)
        optimizer = OPTIMIZERS[name](model.parameters())
        seen = []
        for call in range(2):  # the optimizer's state carried from one fit call to the next
            fit(model, X, y, loss="hinge", optimizer=optimizer, l2=l2, epochs=2, batch_size=8, seed=call,
                batched=batched, verbose=False, callback=lambda e, m, h: seen.append(weights(m)))  # fmt: skip
        state = {k: getattr(optimizer, k) for k in optimizer.state_names}
        runs[batched] = (weights(model), grads(model), seen, optimizer.steps, state)
    scalar, replayed = runs[False], runs[True]
    assert replayed[0] == pytest.approx(scalar[0], rel=1e-12, abs=1e-12)
    assert replayed[1] == pytest.approx(scalar[1], rel=1e-9, abs=1e-12)  # the last step's gradients
    assert len(replayed[2]) == 4  # every callback saw the Values up to date
    for a, b in zip(replayed[2], scalar[2]):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12)
    assert replayed[3] == scalar[3] == 12
    for key in scalar[4]:
        assert replayed[4][key] == pytest.approx(scalar[4][key], rel=1e-9, abs=1e-15)


def test_a_run_on_arrays_writes_the_values_back_and_reads_them_again():
    X, y = make_cubic(12, seed=0)
    model = MLP(1, [4, 1], seed=0, fused=True)
    trainer = Trainer(model, X, y, lr=0.05, batch_size=4, shuffle=False, batched=True)
    trainer.epoch(sync=False)
    assert trainer.program.live  # the Values are behind the arrays now
    trainer.sync()
    assert not trainer.program.live
    reference = MLP(1, [4, 1], seed=0, fused=True)
    fit(reference, X, y, lr=0.05, batch_size=4, shuffle=False, epochs=1, verbose=False)
    assert weights(model) == pytest.approx(weights(reference), rel=1e-12)
    model.layers[1].neurons[0].b.data = 3.0  # changed by hand: trained from there
    reference.layers[1].neurons[0].b.data = 3.0
    trainer.epoch()
    fit(reference, X, y, lr=0.05, batch_size=4, shuffle=False, epochs=1, verbose=False)
    assert weights(model) == pytest.approx(weights(reference), rel=1e-12)


def test_a_diverging_run_on_arrays_keeps_the_weights_of_before_the_bad_step():
    model = MLP(1, [1], "linear", seed=0, fused=True)
    model.layers[0].neurons[0].w[0].data = 4.0
    X = [[1.0], [1.0]]
    with pytest.raises(TrainingDiverged, match=r"parameter L1\.N1\.w1 would become -inf") as caught:
        fit(model, X, [0.0, 0.0], lr=1e308, epochs=1, batch_size=None, batched=True, verbose=False)
    assert caught.value.node is model.layers[0].neurons[0].w[0]
    assert model.layers[0].neurons[0].w[0].data == 4.0


def test_an_optimizer_without_arrays_or_on_part_of_the_model_still_trains_batched():
    X, y = make_moons(12, seed=0)

    class HalfSGD(SGD):  # an optimizer of a user's own: only the scalar update
        _update_arrays = Optimizer._update_arrays

    results = []
    for batched in (False, True):
        model = MLP(2, [4, 1], seed=0, fused=True)
        fit(model, X, y, loss="hinge", optimizer=HalfSGD(model, lr=0.1), epochs=2, batch_size=4, seed=0,
            batched=batched, verbose=False)  # fmt: skip
        part = MLP(2, [4, 1], seed=0, fused=True)
        fit(part, X, y, loss="hinge", optimizer=SGD(part.layers[1].parameters(), lr=0.1), epochs=2, batch_size=4,
            seed=0, batched=batched, verbose=False)  # fmt: skip
        results.append((weights(model), weights(part)))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-12)
    assert results[1][1] == pytest.approx(results[0][1], rel=1e-12)


def test_one_blas_thread_puts_the_users_setting_back():
    import threadpoolctl  # installed with the package (install_requires)

    def numpy_blas_threads():  # NumPy's own BLAS (torch may bring another, which the replay does not use)
        return [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas" and "numpy" in p["filepath"]]  # fmt: skip

    before = numpy_blas_threads()
    if not before:
        missing("a NumPy BLAS library that threadpoolctl can see", "NumPy's wheels from PyPI bring OpenBLAS")
    with replay_program.one_blas_thread():
        with replay_program.one_blas_thread():  # nested: the inner block changes nothing
            inner = numpy_blas_threads()
        inside = numpy_blas_threads()
    assert inner == inside == [1] * len(before)
    assert numpy_blas_threads() == before
    # a fit with a callback: the user's code runs with the user's setting, and it is back after
    X, y = make_moons(10, seed=0)
    seen = []
    fit(MLP(2, [3, 1], seed=0, fused=True), X, y, loss="hinge", epochs=2, batch_size=None, batched=True,
        verbose=False, callback=lambda *args: seen.append(numpy_blas_threads()))  # fmt: skip
    assert seen == [before, before] and numpy_blas_threads() == before


def test_an_interrupted_batched_fit_leaves_the_values_of_the_steps_it_took(monkeypatch):
    X, y = make_moons(12, seed=0)
    model, reference = MLP(2, [4, 1], seed=0, fused=True), MLP(2, [4, 1], seed=0, fused=True)
    optimizer = Adam(model, lr=0.05)
    real_step, calls = Adam.array_step, []

    def interrupted(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C during the third step
        return real_step(self, *args)

    monkeypatch.setattr(Adam, "array_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=5, batch_size=6, shuffle=False, batched=True,
            verbose=False)  # fmt: skip
    monkeypatch.undo()
    reference_optimizer = Adam(reference, lr=0.05)
    fit(reference, X, y, loss="hinge", optimizer=reference_optimizer, epochs=1, batch_size=6, shuffle=False,
        verbose=False)  # two steps: one epoch of two batches  # fmt: skip
    assert weights(model) == pytest.approx(weights(reference), rel=1e-12)
    assert optimizer.steps == reference_optimizer.steps == 2
    assert optimizer.m == pytest.approx(reference_optimizer.m, rel=1e-9, abs=1e-15)
