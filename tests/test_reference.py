"""The slides' NumPy MLPs: hand-derived gradients against finite differences, the
slides' own code, and the conversion to and from `Value` MLPs."""

import numpy as np
import pytest

from micrograd_mlp.nn import MLP as ValueMLP
from micrograd_mlp.checking.reference import (
    MLP,
    BinaryMLP,
    MLPrelu,
    SlidesLinearMLP,
    from_value_mlp,
    to_value_mlp,
    value_mlp_arrays,
)

CORRECT = (MLP, MLPrelu, BinaryMLP)


def random_model(cls, D_in, H, D_out, seed):
    """A reference model with random weights and nonzero biases."""
    rng = np.random.default_rng(seed)
    model = cls(D_in, H, D_out, rng=rng)
    model.b1 = rng.normal(scale=0.3, size=H)
    model.b2 = rng.normal(scale=0.3, size=D_out)
    return model


def batch(cls, N, D_in, D_out, seed):
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(N, D_in))
    if cls is BinaryMLP:
        return X, (rng.random(size=(N, D_out)) < 0.5).astype(float)
    return X, rng.normal(size=(N, D_out))


def numeric_gradients(model, X, Y, eps=1e-6):
    """Central differences of the summed NumPy loss, entry by entry (no autograd)."""
    grads = {}
    for name, array in model.parameters().items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            above = model.total_loss(X, Y)
            array[index] = original - eps
            below = model.total_loss(X, Y)
            array[index] = original
            grad[index] = (above - below) / (2 * eps)
        grads[name] = grad
    return grads


# ------------------------------------------------------- hand-derived gradients


@pytest.mark.parametrize("cls", CORRECT)
@pytest.mark.parametrize("D_in, H, D_out, N", [(1, 3, 1, 1), (3, 5, 1, 7), (4, 2, 2, 5)])
def test_corrected_gradients_match_finite_differences(cls, D_in, H, D_out, N):
    model = random_model(cls, D_in, H, D_out, seed=D_in * 10 + H)
    X, Y = batch(cls, N, D_in, D_out, seed=H)
    hand = model.gradients(X, Y)
    numeric = numeric_gradients(model, X, Y)
    for name in ("w1", "b1", "w2", "b2"):
        assert hand[name].shape == model.parameters()[name].shape
        np.testing.assert_allclose(hand[name], numeric[name], atol=1e-7, rtol=1e-7)


def test_the_slides_linear_backprop_is_wrong_on_the_first_layer_only():
    # Finite differences, independent of the autograd engine, settle it.
    model = random_model(SlidesLinearMLP, 3, 4, 1, seed=5)
    X, Y = batch(SlidesLinearMLP, 6, 3, 1, seed=5)
    as_written = model.gradients(X, Y)
    numeric = numeric_gradients(model, X, Y)
    np.testing.assert_allclose(as_written["w2"], numeric["w2"], atol=1e-7)
    np.testing.assert_allclose(as_written["b2"], numeric["b2"], atol=1e-7)
    assert np.abs(as_written["w1"] - numeric["w1"]).max() > 0.1
    assert np.abs(as_written["b1"] - numeric["b1"]).max() > 0.1


def test_the_slides_factor_is_h_for_one_sample():
    slides = random_model(SlidesLinearMLP, 2, 3, 1, seed=2)
    corrected = MLP.from_weights(slides.w1, slides.b1, slides.w2, slides.b2)
    x, t = np.array([0.7, -1.2]), np.array([0.4])
    h = np.dot(x, slides.w1) + slides.b1  # the linear hidden layer's output
    wrong, right = slides.gradients(x, t), corrected.gradients(x, t)
    np.testing.assert_allclose(wrong["b1"], right["b1"] * h, rtol=1e-14)
    np.testing.assert_allclose(wrong["w1"], np.outer(x, right["b1"] * h), rtol=1e-14)


def test_relu_gradient_by_hand():
    model = MLPrelu.from_weights([[1.0, -1.0], [0.5, 2.0]], [0.1, 0.0], [[2.0], [3.0]], [0.5])
    x, t = [1.0, 1.0], [2.0]
    # z1 = [1.6, 1.0], h = [1.6, 1.0], y = 3.2 + 3.0 + 0.5 = 6.7, dl/dy = 4.7
    grads = model.gradients(x, t)
    np.testing.assert_allclose(grads["b2"], [4.7])
    np.testing.assert_allclose(grads["w2"], [[4.7 * 1.6], [4.7 * 1.0]])
    np.testing.assert_allclose(grads["b1"], [4.7 * 2.0, 4.7 * 3.0])
    # z1 = [-1.4, -1.0]: inactive units pass no gradient back, y = b2 = 0.5
    inactive = model.gradients([-1.0, -1.0], [0.0])
    np.testing.assert_array_equal(inactive["b1"], [0.0, 0.0])
    np.testing.assert_array_equal(inactive["w2"], [[0.0], [0.0]])
    np.testing.assert_array_equal(inactive["b2"], [0.5])


def test_binary_output_error_is_p_minus_t():
    model = random_model(BinaryMLP, 2, 3, 1, seed=9)
    x = np.array([[0.3, -0.8]])
    p = model(x)[0, 0]
    assert 0.0 < p < 1.0
    np.testing.assert_allclose(model.gradients(x, [[1.0]])["b2"], [p - 1.0], rtol=1e-14)
    np.testing.assert_allclose(model.gradients(x, [[0.0]])["b2"], [p], rtol=1e-14)


@pytest.mark.parametrize("cls", CORRECT)
def test_batch_gradient_is_the_sum_of_per_sample_gradients(cls):
    model = random_model(cls, 3, 4, 1, seed=1)
    X, Y = batch(cls, 5, 3, 1, seed=1)
    whole = model.gradients(X, Y)
    per_sample = [model.gradients(x, y) for x, y in zip(X, Y)]
    assert sorted(whole) == ["b1", "b2", "w1", "w2"]
    for name, grad in whole.items():
        np.testing.assert_allclose(grad, sum(g[name] for g in per_sample), rtol=1e-12)


def test_flat_targets_are_not_broadcast_into_a_matrix():
    model = random_model(MLP, 2, 3, 1, seed=4)
    X, Y = batch(MLP, 4, 2, 1, seed=4)
    flat, column = model.gradients(X, Y.ravel()), model.gradients(X, Y)
    assert sorted(flat) == sorted(column) == ["b1", "b2", "w1", "w2"]
    for name in flat:
        np.testing.assert_array_equal(flat[name], column[name])


# --------------------------------------------------------- the slides' own code


class SlidesMLP:
    """The deck's linear MLP and its `fit`, copied verbatim (weights set by the test)."""

    def __call__(self, x):
        self.h = np.dot(x, self.w1) + self.b1
        y_hat = np.dot(self.h, self.w2) + self.b2
        return self.final_activation(y_hat)

    def final_activation(self, x):
        return x

    def loss(self, output, target):
        return 0.5 * (output - target) ** 2

    def grad_loss(self, output, target):
        return output - target

    def fit(self, X, Y, epochs=100, lr=0.001):
        for e in range(epochs):
            for x, y in zip(X, Y):
                x = x[None, :]
                y_pred = self(x)
                loss = self.loss(y_pred, y).mean()
                dldy = self.grad_loss(y_pred, y)
                grad_w2 = np.dot(self.h.T, dldy)
                grad_b2 = dldy.mean(axis=0) * self.h.shape[0]
                dldh = np.dot(dldy, self.w2.T) * self.h
                grad_w1 = np.dot(x.T, dldh)
                grad_b1 = dldh.mean(axis=0) * x.shape[0]
                self.w1 = self.w1 - lr * grad_w1
                self.b1 = self.b1 - lr * grad_b1
                self.w2 = self.w2 - lr * grad_w2
                self.b2 = self.b2 - lr * grad_b2


class SlidesMLPrelu(SlidesMLP):
    """The deck's `MLPrelu`, copied verbatim."""

    def __call__(self, x):
        self.h = np.maximum(0, np.dot(x, self.w1) + self.b1)
        y_hat = np.dot(self.h, self.w2) + self.b2
        return self.final_activation(y_hat)

    def fit(self, X, Y, epochs=100, lr=0.001):
        for e in range(epochs):
            for x, y in zip(X, Y):
                x = x[None, :]
                y_pred = self(x)
                loss = self.loss(y_pred, y).mean()
                dldy = self.grad_loss(y_pred, y)
                grad_w2 = np.dot(self.h.T, dldy)
                grad_b2 = dldy
                dldh = np.dot(dldy, self.w2.T) * (self.h > 0)
                grad_w1 = np.dot(x.T, dldh)
                grad_b1 = dldh
                self.w1 = self.w1 - lr * grad_w1
                self.b1 = self.b1 - lr * grad_b1
                self.w2 = self.w2 - lr * grad_w2
                self.b2 = self.b2 - lr * grad_b2


@pytest.mark.parametrize("ours, theirs", [(SlidesLinearMLP, SlidesMLP), (MLPrelu, SlidesMLPrelu)])
def test_fit_is_the_slides_fit(ours, theirs):
    model = random_model(ours, 2, 5, 1, seed=3)
    slides = theirs()
    slides.w1, slides.b1, slides.w2, slides.b2 = (a.copy() for a in model.parameters().values())
    X = np.linspace(-1, 1, 12)[:, None] * np.array([1.0, -0.5])
    Y = X[:, :1] ** 2
    start = model.w1.copy()
    model.fit(X, Y, epochs=4, lr=0.01)
    slides.fit(X, Y, epochs=4, lr=0.01)
    assert np.abs(model.w1 - start).max() > 1e-3  # it did train
    for name, array in model.parameters().items():
        # the slides' MLPrelu turns b1 into shape (1, H): compare the numbers
        np.testing.assert_allclose(array, np.reshape(getattr(slides, name), array.shape), rtol=1e-12)


def test_corrected_linear_fit_differs_from_the_slides():
    model = random_model(MLP, 2, 5, 1, seed=3)
    slides = SlidesMLP()
    slides.w1, slides.b1, slides.w2, slides.b2 = (a.copy() for a in model.parameters().values())
    X = np.linspace(-1, 1, 12)[:, None] * np.array([1.0, -0.5])
    model.fit(X, 2 * X[:, :1], epochs=2, lr=0.01)
    slides.fit(X, 2 * X[:, :1], epochs=2, lr=0.01)
    np.testing.assert_allclose(model.w2, slides.w2, atol=1e-1)  # close but ...
    assert np.abs(model.w1 - slides.w1).max() > 1e-4  # ... the first layer moved differently


def test_fit_lowers_the_loss_and_reports_it_per_epoch():
    model = MLPrelu(1, 16, 1, seed=0)
    X = np.linspace(-1, 1, 30)[:, None]
    history = model.fit(X, X**2, epochs=60, lr=0.05)
    assert len(history) == 60
    assert history[-1] < 0.25 * history[0]


# ------------------------------------------------------------------ init, errors


def test_initialisation_is_the_slides_scale_and_reproducible():
    model = MLP(3, 4, 2, seed=7)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(model.w1, rng.normal(0.0, np.sqrt(2 / 7), size=(3, 4)))
    np.testing.assert_array_equal(model.w2, rng.normal(0.0, np.sqrt(2 / 6), size=(4, 2)))
    np.testing.assert_array_equal(model.b1, np.zeros(4))
    np.testing.assert_array_equal(MLP(3, 4, 2, seed=7).w1, model.w1)
    big = MLP(200, 300, 1, seed=0)
    assert abs(big.w1.std() - np.sqrt(2 / 500)) < 0.005


def test_bad_input_is_a_clear_error():
    model = MLP(2, 3, 1, seed=0)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\) or \(2,\) .* got shape \(4, 3\)"):
        model.gradients(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"Y must hold 1 target\(s\) per sample for 4 sample\(s\)"):
        model.gradients(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="H must be a positive integer, got 0"):
        MLP(2, 0, 1)
    with pytest.raises(ValueError, match="pass seed= or rng=, not both"):
        MLP(2, 3, 1, seed=0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"b1 has shape \(2,\), but w1 of shape \(2, 3\) needs b1 of shape \(3,\)"):
        MLP.from_weights(np.zeros((2, 3)), np.zeros(2), np.zeros((3, 1)), np.zeros(1))


# ------------------------------------------------------------------- converters


@pytest.mark.parametrize("cls", CORRECT)
@pytest.mark.parametrize("fused", [False, True])
def test_value_mlp_has_the_same_weights_and_outputs(cls, fused):
    ref = random_model(cls, 3, 4, 2, seed=11)
    mlp = to_value_mlp(ref, fused=fused)
    assert [layer.activation for layer in mlp.layers] == [ref.hidden_activation, ref.output_activation]
    for i in range(3):
        for j in range(4):
            assert mlp.layers[0].neurons[j].w[i].data == ref.w1[i, j]
    assert mlp.layers[1].neurons[1].b.data == ref.b2[1]
    X, _ = batch(cls, 5, 3, 2, seed=0)
    expected = ref(X)
    for x, row in zip(X, expected):
        np.testing.assert_allclose([o.data for o in mlp(x)], row, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    "activation, output_activation, cls",
    [("linear", "linear", MLP), ("relu", "linear", MLPrelu), ("relu", "sigmoid", BinaryMLP)],
)
def test_round_trip_value_to_reference_and_back(activation, output_activation, cls):
    mlp = ValueMLP(3, [5, 1], activation, output_activation, seed=1)
    ref = from_value_mlp(mlp)
    assert type(ref) is cls
    back = value_mlp_arrays(to_value_mlp(ref))
    assert sorted(back) == sorted(value_mlp_arrays(mlp)) == ["b1", "b2", "w1", "w2"]
    for name, array in value_mlp_arrays(mlp).items():
        np.testing.assert_array_equal(back[name], array)
        np.testing.assert_array_equal(ref.parameters()[name], array)


def test_from_value_mlp_can_pick_the_slides_class():
    mlp = ValueMLP(2, [3, 1], "linear", seed=0)
    assert type(from_value_mlp(mlp, SlidesLinearMLP)) is SlidesLinearMLP


def test_from_value_mlp_refuses_what_no_reference_computes():
    with pytest.raises(ValueError, match="exactly one hidden layer .* this MLP has 3"):
        from_value_mlp(ValueMLP(2, [3, 3, 1], seed=0))
    with pytest.raises(ValueError, match="no reference model for hidden/output activations tanh/linear"):
        from_value_mlp(ValueMLP(2, [3, 1], "tanh", seed=0))
    with pytest.raises(ValueError, match="relu/linear in SlidesLinearMLP"):
        from_value_mlp(ValueMLP(2, [3, 1], seed=0), SlidesLinearMLP)
    with pytest.raises(TypeError, match="needs a micrograd_mlp.nn.MLP, got list"):
        from_value_mlp([1, 2])
    with pytest.raises(TypeError, match="needs a reference model .* got MLP"):
        to_value_mlp(ValueMLP(2, [3, 1], seed=0))
