"""Batched replay is sound: data-dependent code is refused or trained exactly as scalar; nothing leaks."""

import gc
import importlib.util
import os
import threading
import time
import weakref
from pathlib import Path

import numpy as np
import pytest

from micrograd_mlp import MLP, SGD, Value, fit, predict
from micrograd_mlp import batched
from micrograd_mlp.batched.checking import SpotCheck
from micrograd_mlp.batched import ReplayError, checking, trace
from micrograd_mlp.data import make_moons, to_pm1

_spec = importlib.util.spec_from_file_location("replay_soundness", Path(__file__).parents[1] / "bench" / "replay_soundness.py")
soundness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(soundness)


@pytest.fixture(scope="module")
def verdicts():
    return soundness.verdicts()


def test_no_kind_of_data_dependent_code_trains_silently_wrong(verdicts):
    assert len(verdicts) >= 12
    wrong = {kind: detail for kind, (word, detail) in verdicts.items() if word not in ("refused", "equal to scalar")}
    assert not wrong


@pytest.mark.parametrize("kind, reason", [
    ("if x.data < 1 in forward (samples agree)", "depends on the sample (.data at replay_soundness.py"),
    ("branch on a weight that flips in training", "computed from the parameters (.data at"),
    ("Python max() of .data", "depends on the sample"),
    ("float(x) used as a constant", "depends on the sample (float() at"),
    ("loop count from the data", "depends on the sample"),
    ("custom loss branching on the output", "depends on the sample (.data at replay_soundness.py"),
    ("random dropout (random module)", "drew random numbers from Python's `random` module"),
    ("dropout with np.random", "NumPy's global generator"),
    ("dropout with the model's own Generator", "changed a random generator as it ran: model.rng"),
    ("call counter on the model", "changed state as it ran: model.calls 0 -> 1"),
    ("global call counter", "CALLS 0 -> 1"),
    ("branch on .local_grads", "(.local_grads at"),
    ("constant from the weights' numbers", "computed from the parameters"),
    ("writes a weight's .data in forward", "changes a Value's number while it runs"),
    ("float32 weight", "params[4] (L1.N2.w2) holds a numpy.float32"),
    ("float16 weight", "params[2] (L1.N1.b) holds a numpy.float16"),
])  # fmt: skip
def test_each_kind_is_refused_for_its_reason(verdicts, kind, reason):
    word, detail = verdicts[kind]
    assert word == "refused" and reason in detail, (word, detail)


@pytest.mark.parametrize("kind", [
    "global read, changed between fit calls", "global read by a helper, changed between calls",
    "module attribute, changed between fit calls", "attribute flag, changed between fit calls",
    "float32 inputs", "float16 inputs", "custom loss, a mean (no branch)", "graph ops only (relu, max_of)",
])  # fmt: skip
def test_state_changed_between_calls_and_low_precision_inputs_train_as_scalar(verdicts, kind):
    assert verdicts[kind][0] == "equal to scalar"


def test_the_refusal_names_the_fix():
    model = MLP(2, [3, 1], seed=0)

    def branchy(x, t):
        out = model(x)
        return out if out.data > 0 else -out

    with pytest.raises(ReplayError) as caught:
        trace(branchy, [0.5, 0.5], params=model.parameters())
    message = str(caught.value)
    assert "in branchy" in message and "relu, max_of" in message and "batched=False" in message


def test_a_read_of_a_constant_is_fine():
    w = Value(2.0)
    half = Value(0.5)
    tape = trace(lambda x, t: w * x[0] * (3.0 if half.data > 0 else 1.0), [1.0], params=[w])
    assert tape.forward([[1.0], [2.0]])[0].tolist() == [6.0, 12.0]


class Scaled:
    """A model whose output is scaled by an environment variable: invisible to the recording's watch."""

    nin = 2

    def __init__(self):
        self.net = MLP(2, [4, 1], seed=1)

    def parameters(self):
        return self.net.parameters()

    def __call__(self, x):
        return self.net(x) * float(os.environ.get("MICROGRAD_TEST_SCALE", "1"))


def test_the_spot_check_catches_what_the_recording_cannot_see(monkeypatch):
    # os.environ is read through a module the watch does not follow: only the spot check sees it
    monkeypatch.setattr(checking, "CHECK_SHARE", 1e9)  # check at every step
    monkeypatch.setenv("MICROGRAD_TEST_SCALE", "1")
    X, y = make_moons(16, seed=0)
    model = Scaled()
    fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=2, verbose=False, batched=True)
    before = [p.data for p in model.parameters()]
    monkeypatch.setenv("MICROGRAD_TEST_SCALE", "3")
    with pytest.raises(ReplayError, match="spot check: the batched replay gives"):
        fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=1, verbose=False, batched=True)
    assert [p.data for p in model.parameters()] == before  # refused before a weight moved
    batched.forget(model)
    fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=1, verbose=False, batched=True)  # re-recorded


def test_predict_falls_back_to_the_scalar_engine_when_its_spot_check_fails(monkeypatch):
    monkeypatch.setattr(checking, "CHECK_SHARE", 1e9)
    monkeypatch.setenv("MICROGRAD_TEST_SCALE", "1")
    X, _ = make_moons(16, seed=0)
    model = Scaled()
    first = predict(model, X)
    monkeypatch.setenv("MICROGRAD_TEST_SCALE", "3")
    scalar = np.array([model(row).data for row in X.tolist()])
    assert np.allclose(predict(model, X), scalar, rtol=1e-12) and np.allclose(scalar, 3 * first, rtol=1e-12)


def test_the_spot_check_runs_at_its_share_of_the_time():
    X, y = make_moons(40, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    program = batched.fit_program(model, "hinge", 1e-4, optimizer, X, to_pm1(y))
    check = program.spot_check
    check.earned = 0.0
    program.step(X, to_pm1(y), optimizer)
    assert check.checks == 0  # not earned yet
    check.earned = check.cost  # due now
    program.step(X, to_pm1(y), optimizer)
    assert check.checks == 1 and check.turn == 1 and check.seconds > 0


def test_the_watch_is_gone_after_recording_and_other_threads_are_not_watched():
    original = Value.__dict__["data"]
    seen = []
    stop = threading.Event()

    def other_thread():
        v = Value(1.0)
        while not stop.is_set():
            seen.append(v.data > 0)  # a user's read in another thread: not this recording's

    worker = threading.Thread(target=other_thread)
    worker.start()
    try:
        w = Value(0.5)
        for _ in range(20):
            trace(lambda x, t: (w * x[0]).tanh(), [1.0], params=[w])
    finally:
        stop.set()
        worker.join()
    assert Value.__dict__["data"] is original and seen


# ------------------------------------------------------------------ no leaks


def _train_and_drop(loss):
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    the_loss = loss(model) if callable(loss) else loss
    fit(model, X, to_pm1(y), loss=the_loss, lr=0.1, epochs=2, l2=1e-4, verbose=False, batched=True)
    predict(model, X)
    return weakref.ref(model)


@pytest.mark.parametrize("loss", ["hinge", lambda model: (lambda o, t: sum(((oi - ti) ** 2 for oi, ti in zip(o, t)), Value(0.0)) * (1.0 / len(o)) + 0.0 * model.parameters()[0])])  # fmt: skip
def test_a_model_trained_batched_is_freed_when_dropped(loss):
    # (the second loss closes over its model, as a user's lambda may)
    refs = [_train_and_drop(loss) for _ in range(5)]
    gc.collect()
    assert [r() for r in refs] == [None] * 5


def test_the_cache_keeps_at_most_17_programs_per_model():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    for k in range(25):
        fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=1, l2=1e-4 * (k + 1), verbose=False, batched=True)
    assert len(batched.program._CACHE[model]) <= 17


def test_float32_and_float16_inputs_give_the_scalar_result():
    X, y = make_moons(24, seed=0)
    for dtype in (np.float32, np.float16):
        results = []
        for flag in (False, True):
            model = MLP(2, [5, 1], seed=0)
            history = fit(model, X.astype(dtype), to_pm1(y), loss="hinge", lr=0.1, epochs=2, seed=0, verbose=False, batched=flag)
            results.append(history.loss + [p.data for p in model.parameters()])
        assert np.allclose(results[0], results[1], rtol=1e-12, atol=1e-12)


def test_a_float32_weight_is_refused_by_name_and_the_scalar_path_still_trains_it():
    X, y = make_moons(24, seed=0)
    model = MLP(2, [5, 1], seed=0)
    model.layers[0].neurons[0].w[1].data = np.float32(0.25)
    with pytest.raises(ReplayError, match=r"params\[1\] \(L1\.N1\.w2\) holds a numpy\.float32 \(0\.25\)"):
        fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=1, verbose=False, batched=True)
    fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=1, verbose=False, batched=False)


def test_a_patched_library_method_is_watched_again(monkeypatch):
    from micrograd_mlp import nn
    from micrograd_mlp.batched.watching import runs_library_code_only

    model = MLP(2, [3, 1], seed=0)
    assert runs_library_code_only(model, "hinge")
    original = nn.Neuron.__call__

    def peeking(self, x):
        out = original(self, x)
        return out * 2.0 if out.data > 0 else out

    monkeypatch.setattr(nn.Neuron, "__call__", peeking)
    assert not runs_library_code_only(model, "hinge")
    X, y = make_moons(16, seed=0)
    with pytest.raises(ReplayError, match="depends on the sample"):
        fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=1, verbose=False, batched=True)


def test_a_spot_checks_cost_counts_the_work_it_needs_first():
    # A training program writes the replay's numbers into the Values before the scalar engine
    # reads them: that write is part of the check's price (at width 256 about a fifth of it),
    # so it counts toward the share the checks may take.
    check = SpotCheck(lambda x, t: [x[0] * 2.0], first_cost=1.0)
    check.check([3.0], [], [6.0], prepare=lambda: time.sleep(0.02))
    assert check.cost >= 0.02 and check.seconds >= 0.02 and check.checks == 1
