import numpy as np
import pytest

from micrograd_mlp.data import (
    DATASETS,
    make_circles,
    make_cubic,
    make_moons,
    make_polynomial,
    make_spiral,
    make_xor,
    to_01,
    to_pm1,
    train_test_split,
)


def test_moons_follow_sklearns_formula_without_noise():
    X, y = make_moons(10, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert len(upper) == 5 and len(lower) == 5
    # upper moon: the unit half circle; lower moon: centred at (1, 0.5), flipped
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    angles = np.linspace(0, np.pi, 5)
    np.testing.assert_allclose(np.sort(upper[:, 0]), np.sort(np.cos(angles)), atol=1e-15)
    np.testing.assert_allclose(np.sort(lower[:, 0]), np.sort(1 - np.cos(angles)), atol=1e-15)


def test_moons_use_sklearns_random_draws_shuffle_then_noise():
    X, y = make_moons(7, noise=0.2, seed=42)
    rng = np.random.RandomState(42)
    order = np.arange(7)
    rng.shuffle(order)
    outer, inner = np.linspace(0, np.pi, 3), np.linspace(0, np.pi, 4)
    base = np.c_[np.r_[np.cos(outer), 1 - np.cos(inner)], np.r_[np.sin(outer), 1 - np.sin(inner) - 0.5]]
    expected = base[order] + rng.normal(scale=0.2, size=(7, 2))
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(y, np.r_[np.zeros(3), np.ones(4)][order])


def test_circles_radii_and_labels():
    X, y = make_circles(20, noise=0.0, seed=0, factor=0.3)
    radii = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radii[y == 0], 1.0)
    np.testing.assert_allclose(radii[y == 1], 0.3)


def test_xor_labels_are_the_sign_of_the_product_and_keep_a_margin():
    X, y = make_xor(300, seed=0)
    assert np.array_equal(y == 1, X[:, 0] * X[:, 1] > 0)
    assert np.min(np.abs(X)) >= 0.05
    assert 0.3 < y.mean() < 0.7


def test_spiral_shape_radius_and_balance():
    X, y = make_spiral(101, seed=0)
    assert X.shape == (101, 2) and y.sum() == 50
    assert np.max(np.hypot(X[:, 0], X[:, 1])) < 1.0


def test_polynomial_and_cubic_regression_data():
    X, y = make_polynomial(50, coefficients=(1.0, 0.0, -2.0), noise=0.0, seed=0, low=-1, high=2)
    assert X.shape == (50, 1) and y.shape == (50,)
    assert np.all(np.diff(X[:, 0]) >= 0) and X.min() >= -1 and X.max() <= 2
    np.testing.assert_allclose(y, 1 - 2 * X[:, 0] ** 2)
    Xc, yc = make_cubic(30, noise=0.0, seed=1)
    np.testing.assert_allclose(yc, Xc[:, 0] ** 3 - Xc[:, 0])
    _, noisy = make_cubic(2000, noise=0.1, seed=1)
    Xn, clean = make_cubic(2000, noise=0.0, seed=1)
    assert np.std(noisy - clean) == pytest.approx(0.1, rel=0.1)


@pytest.mark.parametrize("maker", [make_moons, make_circles, make_xor, make_spiral, make_cubic])
def test_every_maker_is_reproducible_and_returns_the_documented_shapes(maker):
    X1, y1 = maker(40, noise=0.1, seed=3)
    X2, y2 = maker(40, noise=0.1, seed=3)
    X3, _ = maker(40, noise=0.1, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.ndim == 2 and X1.shape[0] == 40 and y1.shape == (40,)
    assert X1.dtype == np.float64


def test_registry_lists_the_classification_sets():
    assert set(DATASETS) == {"moons", "circles", "xor", "spiral"}


def test_train_test_split_partitions_the_data():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.3, seed=0)
    assert len(X_test) == 3 and len(X_train) == 7
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay with their labels
    again = train_test_split(X, y, 0.3, seed=0)
    np.testing.assert_array_equal(again[1], X_test)


def test_label_conversions():
    assert to_pm1(np.array([0, 1, 1])).tolist() == [-1, 1, 1]
    assert to_pm1(np.array([-1, 1])).tolist() == [-1, 1]
    assert to_01(np.array([-1, 1, -1])).tolist() == [0, 1, 0]
    assert to_01(np.array([0.0, 1.0])).tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"to_pm1 needs labels 0/1 or -1/\+1, got \[0, 2\]"):
        to_pm1(np.array([0, 2]))
    with pytest.raises(ValueError, match="to_01 needs labels"):
        to_01(np.array([3, 1]))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_moons(1), "n must be an int >= 2, got 1"),
        (lambda: make_moons(10, noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: make_circles(10, factor=1.5), "factor must be between 0 and 1"),
        (lambda: make_polynomial(10, coefficients=()), "coefficients must hold at least one number"),
        (lambda: make_polynomial(10, low=1, high=0), "need low < high"),
        (lambda: train_test_split(np.zeros((4, 1)), np.zeros(3)), "X has 4 samples but y has 3"),
        (lambda: train_test_split(np.zeros((4, 1)), np.zeros(4), 1.5), "test_fraction must be between 0 and 1"),
        (lambda: train_test_split(np.zeros((2, 1)), np.zeros(2), 0.1), "leaves an empty train or test set"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
