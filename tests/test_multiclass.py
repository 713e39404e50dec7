"""More than two classes: fit with cross_entropy, class outputs, early stopping, AdamW, data, demos."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optional import require

Image = require("PIL.Image")

from micrograd_mlp import (
    MLP,
    AdamW,
    Layer,
    Neuron,
    Value,
    accuracy,
    confusion,
    confusion_matrix,
    cross_entropy,
    evaluate,
    fit,
    load_digits,
    make_spiral3,
    make_yinyang,
    predict,
    predict_classes,
    predict_proba,
    softmax,
)
from micrograd_mlp.data import MissingDigitsExtra
from micrograd_mlp.checking.reference import BinaryMLP


def weights(model):
    return [p.data for p in model.parameters()]


def numpy_softmax(rows):
    e = np.exp(rows - rows.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ------------------------------------------------------------------ fit


def test_fit_with_cross_entropy_learns_three_classes():
    X, y = make_spiral3(120, seed=0)
    model = MLP(2, [16, 3], "tanh", seed=0, fused=True)
    optimizer = AdamW(model, lr=0.05, weight_decay=1e-4)
    history = fit(model, X, y, loss="cross_entropy", optimizer=optimizer, epochs=40, batch_size=10, seed=0,
                  verbose=False)  # fmt: skip
    assert len(history.accuracy) == 40
    assert history.loss[-1] < 0.2 * history.loss[0]  # 0.98 -> 0.15 measured
    assert history.accuracy[-1] > 0.9 and accuracy(model, X, y) > 0.9  # 0.94 and 0.95


def test_history_accuracy_is_the_argmax_accuracy_before_each_step():
    X, y = make_spiral3(30, seed=2)
    model = MLP(2, [5, 3], seed=1)
    expected_accuracy = float(np.mean(predict(model, X).argmax(axis=1) == y))
    expected_loss = cross_entropy([model(row) for row in X.tolist()], y.tolist()).data
    history = fit(model, X, y, loss="cross_entropy", epochs=1, batch_size=None, verbose=False)
    assert history.accuracy == [expected_accuracy]
    assert history.loss == [pytest.approx(expected_loss, rel=1e-14)]


def test_fit_with_cross_entropy_and_validation_and_integral_float_or_numpy_labels():
    X, y = make_spiral3(60, seed=0)
    model = MLP(2, [4, 3], seed=0)
    history = fit(model, X, y.astype(float), loss="cross_entropy", epochs=2, val=(X[:9], list(y[:9])),
                  verbose=False)  # fmt: skip
    assert len(history.val_loss) == len(history.val_accuracy) == 2
    assert history.val_loss[-1] == pytest.approx(evaluate(model, X[:9], y[:9], "cross_entropy"), rel=1e-14)
    assert history.val_accuracy[-1] == accuracy(model, X[:9], y[:9])


def test_cross_entropy_as_a_function_is_the_same_as_by_name():
    X, y = make_spiral3(24, seed=0)
    a, b = MLP(2, [4, 3], seed=0), MLP(2, [4, 3], seed=0)
    ha = fit(a, X, y, loss="cross_entropy", epochs=2, seed=0, verbose=False)
    hb = fit(b, X, y, loss=cross_entropy, epochs=2, seed=0, verbose=False)
    assert ha.loss == hb.loss and ha.accuracy == hb.accuracy and weights(a) == weights(b)


@pytest.mark.parametrize(
    "labels, message",
    [
        ([0, 1, 3, 0], r"label 3 \(sample 2\) is not a class of a model with 3 outputs; labels must be 0 to 2"),
        ([0, 1, -1, 0], r"label -1 \(sample 2\) is not a class"),
        ([0, 1.5, 2, 0], r"label 1.5 \(sample 1\) is not a class index; labels must be integers 0 to 2"),
        ([0, 1, True, 0], r"label True \(sample 2\) is not a class index"),
        (["a", "b", "c", "a"], "is not a class index"),
        (np.eye(3)[[0, 1, 2, 0]], r"one-hot rows of shape \(4, 3\); .* pass y.argmax\(axis=1\)"),
        ([0, 1, float("nan"), 0], "nan .* is not a class index"),
    ],
)
def test_bad_class_targets_are_refused_before_any_training(labels, message):
    model = MLP(2, [3, 3], seed=0)
    before = weights(model)
    with pytest.raises(ValueError, match=message):
        fit(model, np.zeros((4, 2)), labels, loss="cross_entropy", epochs=1, verbose=False)
    assert weights(model) == before


def test_bad_validation_labels_are_refused_before_any_training():
    model = MLP(2, [3, 3], seed=0)
    before = weights(model)
    with pytest.raises(ValueError, match=r"val X's targets: label 7"):
        fit(model, np.zeros((4, 2)), [0, 1, 2, 0], loss="cross_entropy", val=(np.zeros((1, 2)), [7]), verbose=False)
    assert weights(model) == before


def test_a_one_output_or_sigmoid_output_model_is_refused_for_cross_entropy():
    with pytest.raises(ValueError, match=r"one output per class \(k >= 2\).*loss='bce_logits'"):
        fit(MLP(2, [3, 1], seed=0), np.zeros((2, 2)), [0, 1], loss="cross_entropy", verbose=False)
    with pytest.raises(ValueError, match="applies the softmax to the logits itself.*'sigmoid'"):
        fit(MLP(2, [3, 3], output_activation="sigmoid", seed=0), np.zeros((2, 2)), [0, 1], loss="cross_entropy",
            verbose=False)  # fmt: skip


@pytest.mark.parametrize("loss", ["bce_logits", "hinge"])
def test_a_two_class_loss_on_a_k_output_model_points_to_cross_entropy(loss):
    with pytest.raises(ValueError, match=f"loss='{loss}' is for two classes.*3 outputs.*loss='cross_entropy'"):
        fit(MLP(2, [3, 3], seed=0), np.zeros((3, 2)), [0, 1, 2], loss=loss, verbose=False)


def test_wrong_input_width_for_cross_entropy_says_the_shape():
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\); got shape \(2, 5\)"):
        fit(MLP(2, [3, 3], seed=0), np.zeros((2, 5)), [0, 1], loss="cross_entropy", verbose=False)


# --------------------------------------------------- classes and probabilities


def test_predict_proba_is_the_softmax_of_the_logits_and_classes_their_argmax():
    model = MLP(3, [5, 4], seed=0)
    X = np.random.RandomState(0).normal(size=(6, 3))
    logits = predict(model, X)
    np.testing.assert_allclose(predict_proba(model, X), numpy_softmax(logits), rtol=1e-14)
    np.testing.assert_allclose([[p.data for p in softmax(model(x))] for x in X], numpy_softmax(logits), rtol=1e-14)
    assert predict_classes(model, X).tolist() == logits.argmax(axis=1).tolist()


def test_binary_predict_proba_and_classes():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    X = [[-2.0], [0.0], [3.0]]
    np.testing.assert_allclose(predict_proba(model, X), [1 / (1 + math.exp(2)), 0.5, 1 / (1 + math.exp(-3))])
    assert predict_classes(model, X).tolist() == [0, 0, 1]
    assert predict_classes(model, X, threshold=-3.0).tolist() == [1, 1, 1]
    assert confusion(model, X, [-1, 1, 1]).tolist() == [[1, 0], [1, 1]]  # -1/+1 labels: rows 0 and 1
    sigmoid_model = MLP(1, [1], "linear", "sigmoid", seed=0)
    sigmoid_model.layers[0].neurons[0].w[0].data = 1.0
    np.testing.assert_allclose(predict_proba(sigmoid_model, X), predict(sigmoid_model, X))  # already probabilities
    assert predict_classes(sigmoid_model, X).tolist() == [0, 0, 1]  # threshold 0.5


def test_predict_proba_is_stable_for_huge_logits():
    model = MLP(1, [3], "linear", seed=0)
    for j, w in enumerate((1000.0, -1000.0, 0.0)):
        model.layers[0].neurons[j].w[0].data = w
    probs = predict_proba(model, [[1.0], [-1.0]])
    np.testing.assert_allclose(probs, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], atol=1e-300)


def test_accuracy_and_confusion_for_k_classes():
    model = MLP(1, [3], "linear", seed=0)
    for j, (w, b) in enumerate(((-1.0, 0.0), (0.0, 0.5), (1.0, 0.0))):  # class 0 for x < -0.5, 2 for x > 0.5
        model.layers[0].neurons[j].w[0].data, model.layers[0].neurons[j].b.data = w, b
    X, y = [[-2.0], [-1.0], [0.0], [0.2], [1.0], [3.0]], [0, 1, 1, 1, 2, 2]
    assert predict_classes(model, X).tolist() == [0, 0, 1, 1, 2, 2]
    assert accuracy(model, X, y) == pytest.approx(5 / 6)
    assert confusion(model, X, y).tolist() == [[1, 0, 0], [1, 2, 0], [0, 0, 2]]
    with pytest.raises(ValueError, match="label 5"):
        accuracy(model, X, [0, 1, 1, 1, 2, 5])


def test_confusion_matrix_counts_and_refusals():
    assert confusion_matrix([2, 0, 2, 1], [2, 0, 1, 1]).tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert confusion_matrix([-1, 1, 1], [1, 1, -1]).tolist() == [[0, 1], [1, 1]]
    assert confusion_matrix([0], [0], classes=4).shape == (4, 4)
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="label 4"):
        confusion_matrix([0, 4], [0, 1], classes=3)


def test_binary_reference_model_predicts_classes_and_probabilities():
    model = BinaryMLP.from_weights([[1.0]], [0.0], [[2.0]], [-1.0])  # p = sigmoid(2 relu(x) - 1)
    x = [[0.0], [0.4], [2.0]]
    np.testing.assert_allclose(model.predict_proba(x), [1 / (1 + math.exp(1)), 1 / (1 + math.exp(0.2)),
                                                        1 / (1 + math.exp(-3))])  # fmt: skip
    assert model.predict(x).tolist() == [0, 0, 1]


# ------------------------------------------------------------ early stopping


def test_patience_stops_when_the_validation_loss_stops_improving():
    X, y = make_spiral3(30, seed=0)
    model = MLP(2, [4, 3], seed=0)
    # lr=0: nothing changes, so the loss never improves after the first epoch
    history = fit(model, X, y, loss="cross_entropy", lr=0.0, epochs=50, patience=3, val=(X, y), verbose=False)
    assert history.epochs == 4 and history.stopped_early


def test_tol_alone_is_the_slides_repeat_until_convergence():
    X, y = make_spiral3(30, seed=0)
    history = fit(MLP(2, [8, 3], seed=0), X, y, loss="cross_entropy", lr=0.05, epochs=500, tol=1e-3,
                  batch_size=None, verbose=False)  # fmt: skip
    assert history.stopped_early and history.epochs < 500
    falls = -np.diff(history.loss)
    assert falls[-1] <= 1e-3 and np.all(falls[:-1] > 1e-3)  # stopped at the first small step


def test_no_early_stop_while_improving_and_the_flag_stays_false():
    X, y = make_spiral3(30, seed=0)
    history = fit(MLP(2, [8, 3], seed=0), X, y, loss="cross_entropy", lr=0.05, epochs=5, patience=2,
                  batch_size=None, verbose=False)  # fmt: skip
    assert history.epochs == 5 and not history.stopped_early


@pytest.mark.parametrize("kwargs, message", [
    ({"patience": 0}, "patience must be a whole number of epochs >= 1"),
    ({"patience": 1.5}, "patience must be"),
    ({"tol": -0.1}, "tol must be a finite number >= 0"),
    ({"tol": float("inf")}, "tol must be"),
])  # fmt: skip
def test_bad_early_stopping_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(MLP(2, [2, 1], seed=0), np.zeros((2, 2)), [0.0, 1.0], verbose=False, **kwargs)


# --------------------------------------------------------- optim and modules


def test_adamw_decays_weights_independently_of_the_gradient():
    w = Value(2.0)
    opt = AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = 0.0
    opt.step()
    assert w.data == pytest.approx(2.0 * (1 - 0.05))
    with pytest.raises(ValueError, match="weight_decay must be a finite number >= 0"):
        AdamW([w], weight_decay=-1.0)


def test_neuron_and_layer_have_parameters_and_zero_grad_like_micrograds_module():
    layer = Layer(2, 3, activation="tanh")
    neuron = layer.neurons[0]
    out = sum(layer([1.0, -2.0]), Value(0.0))
    out.backward()
    assert any(p.grad != 0.0 for p in layer.parameters())
    neuron.zero_grad()
    assert all(p.grad == 0.0 for p in neuron.parameters())
    assert any(p.grad != 0.0 for p in layer.parameters())
    layer.zero_grad()
    assert all(p.grad == 0.0 for p in layer.parameters())
    assert isinstance(Neuron(2), type(MLP(2, [1])).__mro__[1])  # one shared base class, Module


# --------------------------------------------------------------------- data


def test_spiral3_is_balanced_reproducible_and_three_arms():
    X, y = make_spiral3(301, seed=5)
    assert np.bincount(y).tolist() == [101, 100, 100]
    X2, y2 = make_spiral3(301, seed=5)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    clean, labels = make_spiral3(30, noise=0.0, seed=0)
    radius, angle = np.hypot(*clean.T), np.arctan2(clean[:, 0], clean[:, 1])
    # arm j at radius r has angle 4j + 4r (mod 2 pi)
    np.testing.assert_allclose(np.cos(angle - 4 * labels - 4 * radius)[radius > 0], 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="cannot fill 3 spiral arms"):
        make_spiral3(2)


def test_yinyang_classes_follow_the_picture():
    X, y = make_yinyang(300, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.all(np.hypot(*X.T) <= 2.0 + 1e-12)
    # the dots (class 2) sit within r_small = 0.1 (0.4 scaled) of (+-1, 0)
    dots = X[y == 2]
    assert np.all(np.minimum(np.hypot(dots[:, 0] - 1, dots[:, 1]), np.hypot(dots[:, 0] + 1, dots[:, 1])) < 0.4)
    # far from the dots, the top half is yin (0) and the bottom half yang (1)
    far = np.minimum(np.hypot(X[:, 0] - 1, X[:, 1]), np.hypot(X[:, 0] + 1, X[:, 1])) > 1.05
    assert set(y[far & (X[:, 1] > 0)].tolist()) == {0} and set(y[far & (X[:, 1] < 0)].tolist()) == {1}


def test_load_digits_is_scaled_and_split_the_same_every_time():
    X_train, X_test, y_train, y_test = load_digits()
    assert X_train.shape == (1348, 64) and X_test.shape == (449, 64)
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    again = load_digits()
    assert np.array_equal(again[1], X_test) and np.array_equal(again[3], y_test)
    assert np.bincount(y_train, minlength=10).min() > 100


def test_without_scikit_learn_the_digits_say_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(MissingDigitsExtra, match=r'pip install -e ".*\[digits\]"'):
        load_digits()


# -------------------------------------------------------------------- demos


@pytest.mark.slow
def test_digits_demo_learns_at_a_small_size(tmp_path):
    from micrograd_mlp.apps.demos_multiclass import digits

    result = digits(tmp_path, train_samples=200, epochs=4, quiet=True)
    assert result.metrics["test accuracy"] >= 0.75  # 0.81 measured; the full demo reaches 0.967
    assert result.data["confusion"].sum() == 449 and result.data["confusion"].shape == (10, 10)
    assert [p.name for p in result.files] == ["digits_confusion.png", "digits_mistakes.png", "digits_curves.png"]
    for path in result.files:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width >= 300


def test_spiral3_demo_writes_regions_gif_and_curves(tmp_path):
    from micrograd_mlp.apps.demos_multiclass import spiral3

    result = spiral3(tmp_path, dataset="yinyang", epochs=2, samples=36, hidden=(6,), frames=3, resolution=10,
                     quiet=True)  # fmt: skip
    assert [p.name for p in result.files] == ["yinyang_regions.png", "yinyang_training.gif", "yinyang_curves.png"]
    with Image.open(tmp_path / "yinyang_training.gif") as gif:
        assert gif.n_frames == 3
    with pytest.raises(ValueError, match="unknown dataset 'moons' for three classes"):
        spiral3(tmp_path, dataset="moons")


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "micrograd_mlp", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("args, message", [
    (["demo", "spiral3", "--dataset", "moons"], "the spiral3 demo has three classes"),
    (["demo", "classification", "--dataset", "yinyang"], "run micrograd-mlp demo spiral3 --dataset yinyang"),
    (["demo", "digits", "--dataset", "spiral3"], "does not apply to the digits demo"),
])  # fmt: skip
def test_cli_refuses_a_dataset_the_demo_cannot_use(args, message):
    finished = run_cli(*args)
    assert finished.returncode == 2 and message in finished.stderr


def test_cli_digits_without_scikit_learn_is_one_line_and_exit_1(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    # a sitecustomize that makes `import sklearn` fail, as on a machine without the extra
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['sklearn'] = None\n")
    import os

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(blocker), *sys.path]))
    finished = subprocess.run([sys.executable, "-m", "micrograd_mlp", "demo", "digits", "--out", "out"],
                              capture_output=True, text=True, env=env, cwd=tmp_path)  # fmt: skip
    ROOT_FOLDER = Path(__file__).resolve().parent.parent
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines() == [
        'micrograd-mlp demo digits: the handwritten digits come with scikit-learn, which is not installed: '
        f'pip install -e "{ROOT_FOLDER}[digits]"'  # run from a clone (not its folder): the clone's extra
    ]
    assert not (tmp_path / "out").exists()  # nothing written


# ---------------------------------------------------------------- properties

from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from micrograd_mlp.classify import classes_from_scores, probabilities_from_scores  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 6), st.integers(2, 5)), elements=st.floats(-1e4, 1e4)))
def test_probabilities_sum_to_one_and_keep_the_argmax(scores):
    probs = probabilities_from_scores(scores)
    assert np.all(np.isfinite(probs)) and np.all((probs >= 0) & (probs <= 1))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    # the class of the largest logit has the largest probability (ties and underflow aside)
    chosen = probs[np.arange(len(scores)), classes_from_scores(scores)]
    assert np.all(chosen == probs.max(axis=1))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=30))
def test_confusion_matrix_counts_every_pair_once(pairs):
    truth, guess = (list(column) for column in zip(*pairs))
    matrix = confusion_matrix(truth, guess, classes=4)
    assert matrix.sum() == len(pairs)
    assert np.trace(matrix) == sum(t == g for t, g in pairs)
    assert matrix.sum(axis=1).tolist() == np.bincount(truth, minlength=4).tolist()


def test_run_dispatches_spiral3_and_its_yinyang(tmp_path):
    from micrograd_mlp.apps import demos

    result = demos.run("spiral3", tmp_path, epochs=1, hidden=[4], quiet=True)
    assert result.name == "spiral3" and result.files[0].name == "spiral3_regions.png"
    assert result.models["classifier"].nouts == [4, 3]
    result = demos.run("spiral3", tmp_path, epochs=1, hidden=[4], dataset="yinyang", quiet=True)
    assert result.files[0].name == "yinyang_regions.png"


@pytest.mark.parametrize("script, small", [
    ("spiral3", dict(epochs=1, samples=24, hidden=(3,), frames=2, resolution=8)),
    ("digits", dict(epochs=1, train_samples=30, hidden=(4,))),
])  # fmt: skip
def test_demo_scripts_run_the_library_demo_and_print_what_it_wrote(tmp_path, monkeypatch, capsys, script, small):
    import runpy
    from pathlib import Path

    from micrograd_mlp.apps import demos_multiclass

    full_size = getattr(demos_multiclass, script)
    monkeypatch.setattr(demos_multiclass, script, lambda out, **kw: full_size(out, **kw, **small, quiet=True))
    monkeypatch.setattr(sys, "argv", [f"{script}.py", str(tmp_path)])
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "demos" / f"{script}.py"), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    written = [Path(line) for line in lines if line.startswith(str(tmp_path))]
    assert len(written) == 3 and all(p.is_file() for p in written)
    assert any(line.startswith("test accuracy: ") for line in lines)
