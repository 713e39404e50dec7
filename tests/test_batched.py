"""Batched replay: the same numbers as the scalar engine, summed over the same samples."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from optional import require
from hypothesis import strategies as st

from micrograd_mlp import MLP, SGD, Adam, Value, dot, fit, linear_decay, max_of, predict
from micrograd_mlp import batched
from micrograd_mlp.batched import ReplayError, trace
from micrograd_mlp.data import make_cubic, make_moons, to_pm1, train_test_split
from micrograd_mlp.losses import (
    SAMPLE_TERMS,
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2,
    mse,
)

RTOL = 1e-12


def assert_close(replayed, scalar, what=""):
    """Equal to 1e-12 relative to the largest magnitude (an exact 0 may come out as 1e-17)."""
    replayed, scalar = np.asarray(replayed, float), np.asarray(scalar, float)
    assert replayed.shape == scalar.shape, what
    scale = max(1.0, float(np.max(np.abs(scalar), initial=0.0)))
    assert np.max(np.abs(replayed - scalar), initial=0.0) <= RTOL * scale, (what, replayed, scalar)


def scalar_sum(function, params, X, T):
    """The scalar engine, sample by sample: each root's values, and d(sum of root 0)/d params."""
    for p in params:
        p.grad = 0.0
    values = []
    for x, t in zip(X, T):
        roots = function([Value(v) for v in x], [Value(v) for v in t])
        roots = roots if isinstance(roots, list) else [roots]
        roots[0].backward()
        values.append([r.data for r in roots])
    grads = np.array([p.grad for p in params])
    for p in params:
        p.grad = 0.0
    return np.array(values), grads


def replay_sum(function, params, X, T):
    tape = trace(function, X[0], T[0], params, probe2=X[-1], targets2=T[-1])
    outputs = tape.forward(X, T if len(T[0]) else None, params)
    grads = tape.backward([1.0] + [0.0] * (len(outputs) - 1))
    return np.stack(outputs, axis=1), grads, tape


# ------------------------------------------------------- random programs

UNARY = ["neg", "relu", "tanh", "sigmoid", "exp", "log", "softplus", "**2", "**3", "**0.5", "**-1", "**1/3"]
BINARY = ["+", "-", "*", "/", "**", "+c", "c*", "c/"]


def apply_unary(op, a):
    # arguments kept in each op's domain whatever the data: positive for log, sqrt, x^-1
    if op == "neg":
        return -a
    if op in ("relu", "tanh", "sigmoid", "softplus"):
        return getattr(a, op)()
    if op == "exp":
        return a.tanh().exp()
    if op == "log":
        return (a * a + 0.5).log()
    if op == "**2":
        return (a.tanh() * 2) ** 2  # (bounded: twelve squarings in a row would overflow)
    if op == "**3":
        return a.tanh() ** 3
    if op == "**0.5":
        return (a * a + 0.25) ** 0.5
    if op == "**-1":
        return (a * a + 1.0) ** -1
    return (a * a + 0.5) ** (1 / 3)  # "**0.3333333333333333": must replay the exact exponent


def apply_binary(op, a, b, c):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b.tanh()
    if op == "/":
        return a / (b * b + 1.0)
    if op == "**":
        return (a * a + 0.5) ** b.tanh()
    if op == "+c":
        return c + a
    if op == "c*":
        return c * a
    return c / (a * a + 2.0)


step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(UNARY), st.integers(0, 99)),
    st.tuples(st.just("b"), st.sampled_from(BINARY), st.integers(0, 99), st.integers(0, 99),
              st.floats(-2, 2, allow_nan=False)),  # fmt: skip
    st.tuples(st.just("dot"), st.lists(st.tuples(st.integers(-1, 99), st.integers(-1, 99)), min_size=1, max_size=4),
              st.integers(-2, 99), st.floats(-2, 2, allow_nan=False)),  # fmt: skip
    st.tuples(st.just("max"), st.lists(st.integers(0, 99), min_size=1, max_size=4)),
    st.tuples(st.just("sum"), st.lists(st.integers(0, 99), min_size=2, max_size=5)),
)


def program(steps, params):
    """A per-sample function built from `steps`, over inputs x, targets t and params."""

    def function(x, t):
        pool = list(x) + list(t) + list(params)
        leaves = len(pool)
        for s in steps:
            pick = lambda i: pool[i % len(pool)]  # noqa: E731
            if s[0] == "u":
                pool.append(apply_unary(s[1], pick(s[2])))
            elif s[0] == "b":
                pool.append(apply_binary(s[1], pick(s[2]), pick(s[3]), s[4]))
            elif s[0] == "dot":
                # -1 picks a plain number: a constant inside the dot node
                weights = [s[3] if i < 0 else pick(i) for i, _ in s[1]]
                inputs = [0.5 if j < 0 else pick(j) for _, j in s[1]]
                bias = 0.0 if s[2] == -2 else (1.5 if s[2] == -1 else pick(s[2]))
                pool.append(dot(weights, inputs, bias))
            elif s[0] == "max":
                pool.append(max_of([pick(i) for i in s[1]]))
            else:
                total = pick(s[1][0])
                for i in s[1][1:]:
                    total = total + pick(i)
                pool.append(total)
        # every op made reaches the first root, so every one is checked
        total = pool[-1] * 0.1
        for v in pool[leaves:]:
            total = total + v.tanh()
        return [total, *pool[-3:]]

    return function


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=12),
    data=st.lists(st.floats(-2, 2, allow_nan=False), min_size=5 * 3, max_size=5 * 3),
    weights=st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=3, max_size=3),
)
def test_random_programs_of_every_op_replay_like_the_scalar_engine(steps, data, weights):
    params = [Value(w) for w in weights]
    X = np.array(data).reshape(5, 3)[:, :2].tolist()
    T = np.array(data).reshape(5, 3)[:, 2:].tolist()
    function = program(steps, params)
    scalar_values, scalar_grads = scalar_sum(function, params, X, T)
    replayed, grads, _ = replay_sum(function, params, X, T)
    assert_close(replayed, scalar_values, "values")
    assert_close(grads, scalar_grads, "gradients summed over the batch")


def test_every_op_is_replayed():
    # one program that uses every op at least once, so no op is left to chance
    params = [Value(0.3), Value(-0.7), Value(1.1)]
    steps = [("u", op, k) for k, op in enumerate(UNARY)] + [("b", op, k, k + 1, 0.7) for k, op in enumerate(BINARY)]
    steps += [("dot", [(3, 0), (-1, 1), (4, -1)], 5, 0.5), ("max", [0, 1, 5]), ("sum", [1, 2, 3, 4])]
    X = [[0.5, -1.0], [1.5, 0.25], [-0.3, 2.0], [0.0, 0.0]]
    T = [[0.2], [-1.0], [0.7], [1.0]]
    function = program(steps, params)
    scalar_values, scalar_grads = scalar_sum(function, params, X, T)
    replayed, grads, tape = replay_sum(function, params, X, T)
    assert_close(replayed, scalar_values)
    assert_close(grads, scalar_grads)
    ops = {op for _, _, op, _ in tape.levels()}
    for op in ["neg", "relu", "tanh", "sigmoid", "exp", "log", "softplus", "**2", "**", "/", "max", "dot"]:
        assert op in ops, op


# ------------------------------------------------------------- dot pairing


def test_dot_pairing_is_taken_from_the_engine_not_guessed():
    # dot([w, 3.0], [2.0, x]) at x = 2, w = 3 has the same parents (w, x) and the same
    # local derivatives (2, 3) as dot([w], [x]): only the recorded pairing tells them apart.
    w = Value(3.0)
    tape = trace(lambda x, t: dot([w, 3.0], [2.0, x[0]]), [2.0], params=[w])
    out = tape.forward([[2.0], [5.0], [-1.0]], None, [w])[0]
    np.testing.assert_array_equal(out, [3 * 2 + 3 * 2, 3 * 2 + 3 * 5, 3 * 2 - 3])
    assert tape.backward([1.0]).tolist() == [6.0]  # d/dw = 2 for each of 3 samples
    product = trace(lambda x, t: dot([w], [x[0]]), [2.0], params=[w])
    assert product.forward([[5.0]], None, [w])[0].tolist() == [15.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda x, w: dot([w[0], w[0]], [x[0], x[0]]),  # the same Values twice
        lambda x, w: dot([x[0], x[1]], [x[1], x[0]], w[1]),  # input times input, Value bias
        lambda x, w: dot([w[0], w[1]], [w[1], w[0]], x[0]),  # parameters only, input bias
        lambda x, w: dot([2.0, w[0]], [x[0], 1.0], 1.0),  # constants on both sides, constant bias
        lambda x, w: dot([w[0], x[0]], [1.0, 1.0]),  # a "bias-like" pair: w * 1.0
        lambda x, w: dot([w[0]], [w[0] * x[0]], 0.0) + dot([x[1]], [x[1]], -0.5),
    ],
)
def test_dot_corner_cases(make):
    params = [Value(0.8), Value(-1.3)]
    X = [[1.0, 2.0], [2.0, 1.0], [-0.5, 3.0], [1.0, 2.0]]
    T = [[]] * 4
    function = lambda x, t: make(x, params)  # noqa: E731
    scalar_values, scalar_grads = scalar_sum(function, params, X, T)
    replayed, grads, _ = replay_sum(function, params, X, T)
    assert_close(replayed, scalar_values)
    assert_close(grads, scalar_grads)


def test_pow_names_give_the_exponent_back_exactly():
    x = Value(2.0)
    assert (x ** (1 / 3)).op == "**" + repr(1 / 3)
    assert (x**2).op == "**2" and (x**-1.5).op == "**-1.5"
    tape = trace(lambda v, t: v[0] ** (1 / 3), [2.0])
    assert tape.forward([[5.0]])[0][0] == 5.0 ** (1 / 3)


# ------------------------------------------------------------------- MLPs


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("loss", ["mse", "bce", "bce_logits", "hinge", "cross_entropy"])
def test_mlp_losses_outputs_and_gradients_match_the_scalar_engine(fused, activation, loss):
    rng = np.random.RandomState(3)
    n, k = 12, 3 if loss == "cross_entropy" else 1
    X = rng.randn(n, 2)
    output = "sigmoid" if loss == "bce" else "linear"
    model = MLP(2, [5, 4, k], activation, output_activation=output, seed=1, fused=fused)
    y = {
        "mse": rng.randn(n),
        "bce": rng.randint(0, 2, n).astype(float),
        "bce_logits": rng.randint(0, 2, n).astype(float),
        "hinge": rng.choice([-1.0, 1.0], n),
        "cross_entropy": rng.randint(0, 3, n),
    }[loss]
    public = {"mse": mse, "bce": binary_cross_entropy, "bce_logits": bce_with_logits, "hinge": hinge,
              "cross_entropy": cross_entropy}[loss]  # fmt: skip
    params = model.parameters()
    outputs = [model(row) for row in X.tolist()]
    scalar_loss = public(outputs, y.tolist()) + l2(params, 1e-3)
    model.zero_grad()
    scalar_loss.backward()
    scalar_grads = np.array([p.grad for p in params])
    scalar_outputs = np.array([[o.data for o in out] if isinstance(out, list) else [out.data] for out in outputs])

    program = batched.FitProgram(model, loss, 1e-3, params, X, y)
    model.zero_grad()
    results = program.tape.forward(X, program.encode(y), params)
    replayed_loss = np.sum(results[0]) / n + results[1][0]
    grads = program.tape.backward([1.0 / n, 1.0 / n] + [0.0] * k)
    assert_close(replayed_loss, scalar_loss.data, "loss")
    assert_close(np.stack(results[2:], axis=1), scalar_outputs, "outputs")
    assert_close(grads, scalar_grads, "parameter gradients")


def test_replay_writes_gradients_where_backward_puts_them():
    X, y = make_moons(30, seed=2)
    model = MLP(2, [6, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.0)  # lr 0: look at the gradients only
    program = batched.FitProgram(model, "hinge", 1e-4, optimizer.params, X, to_pm1(y))
    program.step(X, to_pm1(y).astype(float), optimizer)
    replayed = [p.grad for p in model.parameters()]
    model.zero_grad()
    (hinge([model(row) for row in X.tolist()], to_pm1(y).tolist()) + l2(model, 1e-4)).backward()
    assert_close(replayed, [p.grad for p in model.parameters()])
    optimizer.zero_grad()  # the optimizer clears what the replay wrote, as after backward()
    assert {p.grad for p in model.parameters()} == {0.0}


def test_a_layer_stores_its_gradients_only_where_it_is_the_first_to_write_them():
    # A layer's backward stores its matrix products straight into the gradient rows when no
    # group reached them before in the pass; a residual read of the hidden layer (a later
    # group, so earlier in the backward pass) means its inputs' rows must be added to.
    model = MLP(2, [4, 4, 3], seed=3)  # (three outputs: a one-row layer's dX is an outer product, never stored)
    first, second, last = model.layers
    params = model.parameters()
    rng = np.random.RandomState(0)
    X, T = rng.randn(9, 2).tolist(), [[] for _ in range(9)]

    def plain(x, t):
        return last(second(first(x)))

    def residual(x, t):
        hidden = second(first(x))
        out = last(hidden)
        return [out[0] * hidden[0], out[1], out[2]]  # hidden[0] read after the last layer: first in the backward pass

    stored = {}
    for name, function in (("plain", plain), ("residual", residual)):
        outputs, grads, tape = replay_sum(function, params, X, T)
        scalar_outputs, scalar_grads = scalar_sum(function, params, X, T)
        assert_close(outputs, scalar_outputs, name)
        assert_close(grads, scalar_grads, name)
        layers = [g for g in tape.groups if g.is_layer]
        stored[name] = [g.stores for g in layers]
    # (weights, inputs) of the three layers, first to last
    assert stored["plain"] == [(True, True), (True, True), (True, True)]
    assert stored["residual"] == [(True, True), (True, True), (True, False)]


def test_a_parameters_gradient_is_added_never_stored_so_it_is_never_minus_zero():
    # relu's slope at a negative weight is 0; times a negative upstream that product is -0.0.
    # The scalar engine adds it to 0.0 (giving 0.0): the replay must not store it as it is.
    w = Value(-1.0)
    tape = trace(lambda x, t: w.relu() * x[0], [-2.0], params=[w])
    tape.forward([[-2.0], [-3.0]], None, [w])
    (grad,) = tape.backward([1.0]).tolist()
    w.grad = 0.0
    for x in (-2.0, -3.0):
        (w.relu() * x).backward()
    assert grad == w.grad == 0.0 and math.copysign(1.0, grad) == math.copysign(1.0, w.grad) == 1.0


# ------------------------------------------------- fit(batched=True)


def weights(model):
    return np.array([p.data for p in model.parameters()])


@pytest.mark.parametrize(
    "settings_",
    [
        dict(loss="mse", hidden=[8], activation="tanh", batch_size=1, epochs=3),
        dict(loss="mse", hidden=[8], activation="relu", batch_size=7, epochs=5, l2=1e-3),
        dict(loss="hinge", hidden=[8, 8], activation="relu", batch_size=16, epochs=4, l2=1e-4),
        dict(loss="bce", hidden=[6], activation="tanh", batch_size=None, epochs=5, output="sigmoid"),
        dict(loss="bce_logits", hidden=[6], activation="sigmoid", batch_size=10, epochs=4, fused=True),
    ],
)
def test_fit_batched_gives_the_same_history_and_weights(settings_):
    s = dict(settings_)
    regression = s["loss"] == "mse"
    X, y = make_cubic(40, seed=0) if regression else make_moons(40, seed=0)
    runs = {}
    for flag in (False, True):
        model = MLP(X.shape[1], [*s["hidden"], 1], s["activation"], output_activation=s.get("output", "linear"),
                    seed=0, fused=s.get("fused", False))  # fmt: skip
        history = fit(model, X, y, loss=s["loss"], lr=0.05, epochs=s["epochs"], batch_size=s["batch_size"],
                      seed=1, l2=s.get("l2", 0.0), val=(X[:10], y[:10]), verbose=False, batched=flag)  # fmt: skip
        runs[flag] = (history, weights(model))
    (h0, w0), (h1, w1) = runs[False], runs[True]
    for name in ("loss", "val_loss", "lr"):
        assert_close(getattr(h1, name), getattr(h0, name), name)
    assert h1.accuracy == h0.accuracy and h1.val_accuracy == h0.val_accuracy
    assert_close(w1, w0, "weights")


def test_the_classification_demos_training_run_is_the_same_batched():
    # the demo's settings: fused MLP(2, [16, 16, 1]), bce on logits, Adam with a decaying lr
    X, y = make_moons(80, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, seed=0)
    runs = {}
    for flag in (False, True):
        model = MLP(2, [16, 16, 1], "relu", seed=0, fused=True)
        optimizer = Adam(model.parameters(), lr=linear_decay(0.02, 0.001, 6 * 3))
        history = fit(model, X_train, y_train, loss="bce_logits", optimizer=optimizer, epochs=6, batch_size=20,
                      seed=0, val=(X_test, y_test), verbose=False, batched=flag)  # fmt: skip
        grid = np.column_stack([np.linspace(-2, 3, 50), np.linspace(-1.5, 2, 50)])
        with_replay = predict(model, grid)
        batched.forget(model)
        runs[flag] = (history, weights(model), with_replay)
    assert_close(runs[True][0].loss, runs[False][0].loss)
    assert_close(runs[True][0].val_loss, runs[False][0].val_loss)
    assert_close(runs[True][1], runs[False][1])
    assert_close(runs[True][2], runs[False][2])


def test_a_diverging_batched_fit_raises_the_scalar_engines_error():
    X, y = make_cubic(20, seed=0)
    errors = {}
    for flag in (False, True):
        model = MLP(1, [8, 1], "relu", seed=0)
        with pytest.raises((OverflowError, FloatingPointError)) as caught:
            fit(model, X, y * 1e100, loss="mse", lr=1e100, epochs=20, batch_size=5, seed=0, verbose=False,
                    batched=flag)
        errors[flag] = (type(caught.value), str(caught.value))
    assert errors[True] == errors[False]
    assert "training diverged in epoch" in errors[True][1]


def test_repeated_one_epoch_fits_reuse_the_recorded_tape(monkeypatch):
    X, y = make_moons(30, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.01)
    calls = []
    real_trace = batched.trace
    monkeypatch.setattr(batched.program, "trace", lambda *a, **k: calls.append(1) or real_trace(*a, **k))
    for _ in range(5):
        fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=1, batched=True, verbose=False)
        predict(model, np.zeros((7, 2)))
    assert len(calls) == 2  # one tape for training, one for predict
    for neuron in model.layers[0].neurons:  # a change of program: recorded again
        neuron.activation = "tanh"
    fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=1, batched=True, verbose=False)
    assert len(calls) == 3
    fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=1, l2=1e-3, batched=True, verbose=False)
    assert len(calls) == 4


# ------------------------------------------------------------ predict


@pytest.mark.parametrize("fused", [False, True])
def test_predict_on_a_grid_is_one_replay_equal_to_the_scalar_engine(fused, monkeypatch):
    model = MLP(2, [16, 16, 3], "tanh", seed=4, fused=fused)
    axis = np.linspace(-2, 2, 40)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(axis, axis)])
    monkeypatch.setattr(batched.program, "PREDICT_CHUNK", 20_000)  # several chunks, one call
    replayed = predict(model, grid)
    scalar = np.array([[o.data for o in model(row)] for row in grid.tolist()])
    assert replayed.shape == (1600, 3)
    assert_close(replayed, scalar)


def test_predict_keeps_the_scalar_engines_errors():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        predict(model, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="x\\[1\\] is nan"):
        predict(model, [[0.0, 1.0], [0.0, float("nan")]])
    assert predict(model, np.zeros((0, 2))).shape == (0,)


def test_a_model_that_branches_still_predicts_through_the_scalar_engine():
    class Branchy:
        nin = 1

        def __init__(self):
            self.w = Value(2.0)

        def parameters(self):
            return [self.w]

        def __call__(self, x):
            x = [v if isinstance(v, Value) else Value(v) for v in x]
            return self.w * x[0] if x[0].data > 0 else -x[0]

    out = predict(Branchy(), [[1.0], [-3.0]])
    assert out.tolist() == [2.0, 3.0]


# --------------------------------------------------------------- bad input


def test_width_mismatch_and_an_empty_batch_are_clear_errors():
    w = Value(1.0)
    tape = trace(lambda x, t: w * x[0] + x[1], [1.0, 2.0], params=[w])
    with pytest.raises(ValueError, match=r"traced with 2 inputs per sample.*\(B, 2\); got shape \(3, 3\)"):
        tape.forward(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="empty batch"):
        tape.forward(np.zeros((0, 2)))


def test_nan_in_a_batch_goes_through_as_in_the_scalar_engine():
    w = Value(0.5)
    tape = trace(lambda x, t: (w * x[0]).relu() + x[1], [1.0, 2.0], params=[w])
    out = tape.forward([[1.0, 1.0], [math.nan, 1.0]], None, [w])[0]
    assert out[0] == 1.5 and math.isnan(out[1])
    # relu's local derivative at NaN is 0 and the table's zero rule masks what comes through it,
    # in the replay as in the scalar engine: the NaN sample adds 0 to w's gradient
    w.grad = 0.0
    for row in ([1.0, 1.0], [math.nan, 1.0]):
        ((w * row[0]).relu() + row[1]).backward()
    assert tape.backward([1.0])[0] == w.grad == 1.0
    scalar = (w * Value(math.nan)).relu() + 1.0
    with pytest.raises(FloatingPointError):
        scalar.check_finite()  # the scalar engine's NaN value, found the same way


def test_a_function_that_returns_no_value_is_refused():
    with pytest.raises(ReplayError, match="must return a Value or a list of Values, got 3.0"):
        trace(lambda x, t: 3.0, [1.0])
    with pytest.raises(ReplayError, match="must return a Value"):
        trace(lambda x, t: [x[0], "label"], [1.0])


def test_a_branching_function_is_refused():
    def branchy(x, t):
        return x[0] * 2 if x[0].data > 0 else x[0] * 3

    with pytest.raises(ReplayError, match=r"depends on the sample \(\.data at test_batched.py:\d+ in branchy\)"):
        trace(branchy, [1.0], probe2=[-1.0])
    with pytest.raises(ReplayError, match="depends on the sample"):  # seen even when both samples agree
        trace(branchy, [1.0], probe2=[2.0])

    def reads_a_number(x, t):  # float(x) is recorded as a constant: a different one per sample
        return Value(float(x[0])) * 2

    with pytest.raises(ReplayError, match=r"depends on the sample \(float\(\) at"):
        trace(reads_a_number, [1.0])

    def compares(x, t):
        return x[0] if x[0] > 0 else -x[0]

    with pytest.raises(ReplayError, match="Value ops only"):
        trace(compares, [1.0])


def test_public_bce_with_logits_would_branch_but_its_replayable_term_does_not():
    with pytest.raises(ReplayError, match=r"depends on the sample \(\.data at losses.py"):
        trace(lambda x, t: bce_with_logits(x[0], 1.0), [1.0], probe2=[-1.0])
    tape = trace(lambda x, t: SAMPLE_TERMS["bce_logits"]([x[0]], t), [1.0], [1.0], probe2=[-1.0], targets2=[0.0])
    z = [3.0, -2.0, 0.0, 40.0, -800.0]
    t = [1.0, 1.0, 0.0, 0.0, 1.0]
    expected = [bce_with_logits(Value(zi), ti).data for zi, ti in zip(z, t)]
    assert_close(tape.forward(np.c_[z], np.c_[t])[0], expected)


def test_custom_losses_are_replayed_when_they_are_a_mean_and_refused_otherwise():
    X, y = make_cubic(24, seed=0)

    def mean_abs_like(outputs, targets):  # a mean over samples of a smooth per-sample loss
        total = Value(0.0)
        for o, t in zip(outputs, targets):
            total = total + ((o - t) ** 2 + 1.0) ** 0.5
        return total * (1.0 / len(outputs))

    def summed(outputs, targets):
        return sum(((o - t) ** 2 for o, t in zip(outputs, targets)), Value(0.0))

    def branchy(outputs, targets):
        return sum((o - t if t > 0 else t - o for o, t in zip(outputs, targets)), Value(0.0)) * (1 / len(outputs))

    runs = []
    for flag in (False, True):
        model = MLP(1, [6, 1], "tanh", seed=0)
        history = fit(model, X, y, loss=mean_abs_like, lr=0.05, epochs=3, batch_size=8, seed=0,
                      verbose=False, batched=flag)  # fmt: skip
        runs.append((history.loss, weights(model)))
    assert_close(runs[1][0], runs[0][0])
    assert_close(runs[1][1], runs[0][1])
    with pytest.raises(ReplayError, match="mean over samples"):
        fit(MLP(1, [4, 1], seed=0), X, y, loss=summed, epochs=1, verbose=False, batched=True)
    with pytest.raises(ReplayError, match="Value ops only"):  # its targets are Values while it is traced
        fit(MLP(1, [4, 1], seed=0), X, y, loss=branchy, epochs=1, verbose=False, batched=True)


# ------------------------------------------------------- the schedule shown


def test_the_moons_network_is_a_short_array_program():
    model = MLP(2, [16, 16, 1], seed=0)
    X, y = make_moons(20, seed=0)
    program = batched.FitProgram(model, "hinge", 1e-4, model.parameters(), X, to_pm1(y))
    text = program.tape.describe()
    assert "level 3: 16 'dot' -> one matrix product (16, 16) @ (16, B)" in text
    assert "once per batch" in text  # the L2 penalty, from parameters only
    assert program.tape.numpy_calls <= 12
    # the same depth, whatever the width: the number of groups does not grow with size
    wide = MLP(2, [64, 64, 1], seed=0)
    assert batched.FitProgram(wide, "hinge", 1e-4, wide.parameters(), X, to_pm1(y)).tape.numpy_calls == program.tape.numpy_calls


def test_the_schedule_draws_as_a_figure(tmp_path):
    require("matplotlib")
    model = MLP(2, [4, 1], seed=0)
    tape = trace(lambda x, t: model(x), [0.0, 1.0], params=model.parameters())
    figure = tape.draw()
    labels = [text.get_text() for text in figure.axes[0].texts]
    assert "4 'dot'" in labels and "4 'relu'" in labels and "(4,2)@(2,B)" in labels
    figure.savefig(tmp_path / "schedule.png")
    assert (tmp_path / "schedule.png").stat().st_size > 1000


def test_softplus_states_its_value_and_slope():
    for x in (-800.0, -3.0, 0.0, 2.5, 800.0):
        v = Value(x)
        out = v.softplus()
        out.backward()
        assert out.data == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))), rel=1e-15)
        assert v.grad == pytest.approx(1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0, rel=1e-12, abs=1e-300)
    h = 1e-6  # central differences away from the extremes
    for x in (-2.0, 0.3, 1.7):
        v = Value(x)
        v.softplus().backward()
        numeric = (math.log1p(math.exp(x + h)) - math.log1p(math.exp(x - h))) / (2 * h)
        assert v.grad == pytest.approx(numeric, rel=1e-8)


def test_fit_batched_with_several_outputs_is_the_same():
    rng = np.random.RandomState(0)
    X, Y = rng.randn(30, 3), rng.randn(30, 2)
    runs = []
    for flag in (False, True):
        model = MLP(3, [5, 2], "tanh", seed=2)
        history = fit(model, X, Y, loss="mse", lr=0.1, epochs=3, batch_size=8, seed=0, verbose=False, batched=flag)
        runs.append((history.loss, weights(model)))
    assert_close(runs[1][0], runs[0][0])
    assert_close(runs[1][1], runs[0][1])


def test_nodes_the_tracer_cannot_know_are_refused_clearly():
    w = Value(2.0)
    outside = dot([w], [Value(3.0)])  # a dot made before tracing: its pairing was never reported
    with pytest.raises(ReplayError, match="dot node was made outside the traced function"):
        trace(lambda x, t: outside * x[0], [1.0], params=[w])
    odd = Value(1.0) * 2
    odd.op = "mystery"
    with pytest.raises(ReplayError, match="cannot replay the op 'mystery'"):
        trace(lambda x, t: odd + x[0], [1.0])


def test_tracing_inside_no_grad_still_records_and_predicts():
    from micrograd_mlp import no_grad

    model = MLP(2, [4, 1], seed=0)
    grid = np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
    with no_grad():
        replayed = predict(model, grid)
        scalar = np.array([model(row).data for row in grid.tolist()])
    assert_close(replayed, scalar)


def test_the_zero_rule_holds_in_the_replay_as_in_the_engine():
    # relu(x) ** 0.5 at x < 0: the power's slope at 0 is infinite, relu's is 0: the gradient is 0
    w = Value(1.0)
    tape = trace(lambda x, t: (w * x[0]).relu() ** 0.5, [1.0], params=[w])
    tape.forward([[-1.0], [4.0]], None, [w])
    w.grad = 0.0
    for x in (-1.0, 4.0):
        ((w * x).relu() ** 0.5).backward()
    assert tape.backward([1.0])[0] == w.grad == 1.0  # d/dw sqrt(4w) = 1 at w = 1; the x = -1 sample adds 0


@pytest.mark.filterwarnings("ignore:SGD. 1 parameter")  # (the optimizer says it updates it once)
def test_tied_weights_listed_twice_train_as_in_the_scalar_engine():
    class Tied:
        def __init__(self):
            self.net = MLP(2, [3, 1], seed=0)

        def parameters(self):  # the first weight twice, as a model sharing it might list it
            return [self.net.parameters()[0]] + self.net.parameters()

        def __call__(self, x):
            return self.net(x)

    X, y = make_moons(20, seed=0)
    runs = []
    for flag in (False, True):
        model = Tied()
        history = fit(model, X, to_pm1(y), loss="hinge", lr=0.1, epochs=3, seed=0, verbose=False, batched=flag)
        runs.append(history.loss + [p.data for p in model.net.parameters()])
    assert_close(runs[1], runs[0])


# ------------------------------------------------- weights kept while no Parameter is written


def test_predict_reads_the_weights_again_only_after_a_write(monkeypatch):
    model = MLP(2, [8, 1], "tanh", seed=1)
    X = np.random.default_rng(0).normal(size=(50, 2))
    reads = []
    real = batched.program.read_numbers
    monkeypatch.setattr(batched.program, "read_numbers", lambda values: reads.append(len(values)) or real(values))
    first = predict(model, X)
    second = predict(model, X)
    assert reads == [33] and np.array_equal(first, second)  # the second call visits no Value
    model.layers[0].neurons[2].w[1].data += 0.5  # a student's own change
    third = predict(model, X)
    assert reads == [33, 33]
    assert_close(third, np.array([model(row).data for row in X.tolist()]))
    assert not np.allclose(third, first)


def test_a_fit_call_reuses_the_weights_it_wrote_back_unless_one_was_changed(monkeypatch):
    X, y = make_moons(40, seed=0)
    model, reference = MLP(2, [6, 1], seed=0), MLP(2, [6, 1], seed=0)
    reads = []
    real = batched.program.read_numbers
    monkeypatch.setattr(batched.program, "read_numbers", lambda values: reads.append(len(values)) or real(values))
    # (the stamp counts writes to every Parameter: the reference trains after, not in between)
    for net, batched_ in ((model, True), (reference, False)):
        for epoch in range(3):
            if epoch == 2:  # changed by hand between calls: trained from there
                net.layers[1].neurons[0].b.data = 0.75
            fit(net, X, y, loss="hinge", lr=0.1, epochs=1, batch_size=None, verbose=False, batched=batched_)
    assert reads == [25, 25]  # the first call, and the one after the change: not the second
    assert [p.data for p in model.parameters()] == pytest.approx([p.data for p in reference.parameters()], rel=1e-12)


def test_plain_value_models_are_read_at_every_call(monkeypatch):
    class Plain:  # a user's own model of plain Values: their writes are not counted
        nin = 1

        def __init__(self):
            self.w = [Value(0.5), Value(-0.25)]

        def __call__(self, x):
            return (self.w[0] * x[0] + self.w[1]).tanh()

        def parameters(self):
            return self.w

    model = Plain()
    reads = []
    real = batched.program.read_numbers
    monkeypatch.setattr(batched.program, "read_numbers", lambda values: reads.append(len(values)) or real(values))
    X = np.linspace(-1, 1, 7).reshape(-1, 1)
    predict(model, X)
    model.w[0].data = 2.0  # not counted: so every call reads
    assert_close(predict(model, X), np.tanh(2.0 * X[:, 0] - 0.25))
    assert reads == [2, 2]


def test_threads_predicting_with_one_model_share_its_tape_safely():
    # the cached tape's arrays are shared: without its lock, batches of other widths from another
    # thread crashed the replay or mixed into each other's answers
    import threading

    model = MLP(2, [32, 32, 1], seed=0)
    rng = np.random.default_rng(0)
    batches = [rng.normal(size=(n, 2)) for n in (50, 80, 50, 80)]
    expected = [np.array([model(row).data for row in X.tolist()]) for X in batches]
    wrong, errors = [], []

    def work(i):
        try:
            for _ in range(300):
                out = predict(model, batches[i])
                if not np.allclose(out, expected[i], rtol=1e-12, atol=1e-12):
                    wrong.append(i)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(repr(err))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and wrong == []
