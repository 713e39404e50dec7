"""Small datasets for regression and classification (two classes or more), as NumPy arrays.

Every maker returns ``X`` of shape ``(n, d)`` (float64) and ``y`` of shape
``(n,)``. Classification labels are ``0``/``1`` (ints); `to_pm1` turns them
into the ``-1``/``+1`` that the hinge loss wants, and `to_01` turns them
back. A ``seed`` makes the data reproducible.

>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> X.shape, y.shape, sorted(set(y.tolist()))
((100, 2), (100,), [0, 1])
>>> to_pm1(np.array([0, 1, 1])).tolist()
[-1, 1, 1]
"""

from __future__ import annotations

import math
import numbers
from typing import Optional, Sequence, Tuple

import numpy as np

from .extras import install_command

__all__ = [
    "make_moons",
    "make_circles",
    "make_xor",
    "make_spiral",
    "make_polynomial",
    "make_cubic",
    "make_spiral3",
    "make_yinyang",
    "load_digits",
    "MissingDigitsExtra",
    "DIGITS_INSTALL_HINT",
    "train_test_split",
    "to_pm1",
    "to_01",
    "DATASETS",
]

Dataset = Tuple[np.ndarray, np.ndarray]


def _check_n(n: int, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an int >= {minimum}, got {n!r}")
    return int(n)


def _check_noise(noise: float) -> float:
    # Python and NumPy numbers (np.float32 is no float, but is a numbers.Real)
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not (
        math.isfinite(noise) and noise >= 0
    ):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def _shuffle_and_add_noise(
    X: np.ndarray, y: np.ndarray, noise: float, random_state: np.random.RandomState
) -> Dataset:
    # sklearn's order of random draws: a shuffle of the indices, then the noise.
    order = np.arange(len(X))
    random_state.shuffle(order)
    X, y = X[order], y[order]
    if noise > 0:
        X = X + random_state.normal(scale=noise, size=X.shape)
    return X, y


def make_moons(n: int = 100, noise: float = 0.1, seed: Optional[int] = None) -> Dataset:
    """Two interleaving half circles ("two moons"), labels 0 (upper) and 1 (lower).

    Written from scikit-learn's ``make_moons`` formula and its order of random
    draws (``RandomState(seed)``: shuffle, then Gaussian noise of std ``noise``).

    >>> X, y = make_moons(4, noise=0.0, seed=0)
    >>> sorted(X[y == 0].round(3).tolist())   # the upper moon: ends of the unit half circle
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    n = _check_n(n, 2)
    noise = _check_noise(noise)
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.append(np.cos(outer), 1 - np.cos(inner)),
            np.append(np.sin(outer), 1 - np.sin(inner) - 0.5),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])
    return _shuffle_and_add_noise(X, y, noise, np.random.RandomState(seed))


def make_circles(
    n: int = 100, noise: float = 0.05, seed: Optional[int] = None, factor: float = 0.5
) -> Dataset:
    """A small circle (label 1, radius ``factor``) inside a unit circle (label 0).

    scikit-learn's ``make_circles`` formula and order of random draws.

    >>> X, y = make_circles(8, noise=0.0, seed=0)
    >>> np.hypot(X[:, 0], X[:, 1]).round(3)[np.argsort(y)].tolist()
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    """
    n = _check_n(n, 2)
    noise = _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (the inner radius), got {factor!r}")
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack(
        [
            np.append(np.cos(outer), np.cos(inner) * factor),
            np.append(np.sin(outer), np.sin(inner) * factor),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])
    return _shuffle_and_add_noise(X, y, noise, np.random.RandomState(seed))


def make_xor(n: int = 200, noise: float = 0.0, seed: Optional[int] = None, padding: float = 0.05) -> Dataset:
    """TensorFlow Playground's XOR: uniform points in [-1, 1]^2, label 1 where x1*x2 > 0.

    Points are kept ``padding`` away from the axes (as the Playground does) so
    the classes have a margin; then Gaussian noise of std ``noise`` is added.

    >>> X, y = make_xor(200, seed=0)
    >>> bool(np.all((X[:, 0] * X[:, 1] > 0) == (y == 1)))
    True
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    X = X + np.where(X >= 0, padding, -padding)  # push away from the axes
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_spiral(n: int = 200, noise: float = 0.0, seed: Optional[int] = None, turns: float = 1.75) -> Dataset:
    """TensorFlow Playground's two interleaved spirals, labels 0 and 1, radius up to 1.

    Point i of a class sits at radius r = i / n_class and angle
    2*pi*turns*r (+ pi for class 0).

    >>> X, y = make_spiral(100, seed=0)
    >>> X.shape, int(y.sum())
    ((100, 2), 50)
    """
    n = _check_n(n, 2)
    noise = _check_noise(noise)
    rng = np.random.RandomState(seed)
    X_parts, y_parts = [], []
    for label, count, delta in ((1, n // 2, 0.0), (0, n - n // 2, np.pi)):
        r = np.arange(count) / count
        angle = 2 * np.pi * turns * r + delta
        X_parts.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        y_parts.append(np.full(count, label, dtype=int))
    return _shuffle_and_add_noise(np.vstack(X_parts), np.concatenate(y_parts), noise, rng)


def make_spiral3(n: int = 300, noise: float = 0.2, seed: Optional[int] = None, classes: int = 3) -> Dataset:
    """The classic spiral with several arms (CS231n's), one class per arm: labels 0, 1, 2.

    Arm ``j`` holds ``n / classes`` points at radius r in [0, 1] and angle
    ``4j + 4r`` (radians) plus Gaussian noise of std ``noise`` on the angle; a
    straight line cannot separate any two arms.

    >>> X, y = make_spiral3(300, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    n = _check_n(n, 1)
    noise = _check_noise(noise)
    classes = _check_n(classes, 2)
    if n < classes:
        raise ValueError(f"n={n} points cannot fill {classes} spiral arms; give n >= {classes}")
    rng = np.random.RandomState(seed)
    X_parts, y_parts = [], []
    for label in range(classes):
        count = n // classes + (1 if label < n % classes else 0)
        r = np.linspace(0.0, 1.0, count)
        angle = np.linspace(4.0 * label, 4.0 * (label + 1), count) + rng.normal(scale=noise, size=count)
        X_parts.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        y_parts.append(np.full(count, label, dtype=int))
    X, y = np.vstack(X_parts), np.concatenate(y_parts)
    order = rng.permutation(n)
    return X[order], y[order]


def _yinyang_class(x: np.ndarray, y: np.ndarray, r_small: float, r_big: float) -> np.ndarray:
    """0 yin, 1 yang, 2 the two dots, for points of the disc of radius r_big centred at (r_big, r_big)."""
    d_right = np.hypot(x - 1.5 * r_big, y - r_big)
    d_left = np.hypot(x - 0.5 * r_big, y - r_big)
    is_yin = (d_right <= r_small) | ((d_left > r_small) & (d_left <= 0.5 * r_big)) | (
        (y > r_big) & (d_right > 0.5 * r_big)
    )
    is_dot = (d_right < r_small) | (d_left < r_small)
    return np.where(is_dot, 2, np.where(is_yin, 0, 1))


def make_yinyang(n: int = 300, seed: Optional[int] = None, r_small: float = 0.1, r_big: float = 0.5) -> Dataset:
    """The yin-yang: three classes (0 yin, 1 yang, 2 the dots) in a disc, in [-2, 2]^2.

    Kriener et al.'s data set, as EurekaLabs' micrograd trains it: points are
    drawn uniformly in the disc until each class has a third of them (sample
    ``i`` belongs to class ``i % 3``), so the small dots are as well
    represented as the large halves.

    >>> X, y = make_yinyang(30, seed=0)
    >>> X.shape, np.bincount(y).tolist(), bool(np.all(np.hypot(*X.T) <= 2))
    ((30, 2), [10, 10, 10], True)
    """
    n = _check_n(n, 1)
    if not 0 < r_small < r_big / 2:
        raise ValueError(f"need 0 < r_small < r_big / 2, got r_small={r_small!r}, r_big={r_big!r}")
    rng = np.random.RandomState(seed)
    wanted = np.arange(n) % 3
    found: list = [[] for _ in range(3)]
    while any(len(found[c]) < np.sum(wanted == c) for c in range(3)):
        # Draw in bulk and keep what lands in the disc; the dots are small, so
        # this repeats a few times until every class has its share.
        x, y = rng.uniform(0.0, 2 * r_big, size=(2, 4 * n + 64))
        inside = np.hypot(x - r_big, y - r_big) <= r_big
        for xi, yi, c in zip(x[inside], y[inside], _yinyang_class(x[inside], y[inside], r_small, r_big)):
            found[c].append((xi, yi))
    taken = [0, 0, 0]
    points = []
    for c in wanted:
        points.append(found[c][taken[c]])
        taken[c] += 1
    X = (np.array(points) / r_big - 1.0) * 2.0  # the disc, scaled to radius 2 about the origin
    return X, wanted.astype(int)


class MissingDigitsExtra(ImportError):
    """scikit-learn (which ships the handwritten digits) is not installed; says how to get it.

    The command fits how the library was installed (`extras.install_command`):
    ``pip install -e ".[digits]"`` in a clone, ``pip install "micrograd_mlp[digits]"``
    from a package index.

    >>> str(MissingDigitsExtra()).split(": ", 1)[1].startswith("pip install")
    True
    """

    def __init__(self) -> None:
        super().__init__(f"the handwritten digits come with scikit-learn, which is not installed: {install_command('digits')}")


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The UCI handwritten digits (1,797 images of 8x8 pixels, classes 0-9), split for training.

    Returns ``X_train, X_test, y_train, y_test``: every row is an image's 64
    pixels, row by row, scaled from scikit-learn's 0..16 to [0, 1]; labels are
    the digits. The split is fixed by ``seed`` (`train_test_split`, a quarter
    held out by default: 1,348 to train, 449 to test). Needs scikit-learn
    (``pip install "micrograd_mlp[digits]"``), which ships the data: no download.

    >>> X_train, X_test, y_train, y_test = load_digits()
    >>> X_train.shape, X_test.shape, float(X_train.max()), sorted(set(y_test.tolist())) == list(range(10))
    ((1348, 64), (449, 64), 1.0, True)
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as error:
        raise MissingDigitsExtra() from error
    digits = sklearn_digits()
    X = digits.data.astype(float) / 16.0
    y = digits.target.astype(int)
    return train_test_split(X, y, test_fraction, seed=seed)


def make_polynomial(
    n: int = 100,
    coefficients: Sequence[float] = (0.0, -1.0, 0.0, 1.0),
    noise: float = 0.05,
    seed: Optional[int] = None,
    low: float = -1.5,
    high: float = 1.5,
) -> Dataset:
    """1-D regression data y = c0 + c1*x + c2*x^2 + ... + Gaussian noise, x sorted.

    The slides' "polynomial regression" set: no straight line fits it, which
    is why the MLP needs a non-linearity. ``X`` has shape ``(n, 1)``.

    >>> X, y = make_polynomial(5, coefficients=(1.0, 2.0), noise=0.0, seed=0)
    >>> bool(np.allclose(y, 1 + 2 * X[:, 0]))
    True
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    if not low < high:
        raise ValueError(f"need low < high, got low={low!r}, high={high!r}")
    if len(coefficients) == 0:
        raise ValueError("coefficients must hold at least one number (c0)")
    rng = np.random.RandomState(seed)
    x = np.sort(rng.uniform(low, high, size=n))
    # np.polyval wants the highest power first.
    y = np.polyval(list(coefficients)[::-1], x)
    if noise > 0:
        y = y + rng.normal(scale=noise, size=n)
    return x.reshape(-1, 1), y


def make_cubic(n: int = 100, noise: float = 0.05, seed: Optional[int] = None) -> Dataset:
    """The cubic y = x^3 - x on [-1.5, 1.5] (two bends), plus noise; see `make_polynomial`.

    >>> X, y = make_cubic(3, noise=0.0, seed=0)
    >>> bool(np.allclose(y, X[:, 0] ** 3 - X[:, 0]))
    True
    """
    return make_polynomial(n, (0.0, -1.0, 0.0, 1.0), noise, seed)


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25, seed: Optional[int] = None
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (sklearn's order).

    >>> X, y = make_moons(100, seed=0)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=0)
    >>> len(X_train), len(X_test)
    (80, 20)
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    n_test = int(round(len(X) * test_fraction))
    if n_test == 0 or n_test == len(X):
        raise ValueError(
            f"test_fraction={test_fraction} of {len(X)} samples leaves an empty train or test set"
        )
    order = np.random.RandomState(seed).permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def to_pm1(y: np.ndarray) -> np.ndarray:
    """0/1 labels as -1/+1 (for `hinge`); -1/+1 labels pass through.

    >>> to_pm1([0, 1, 1]).tolist()
    [-1, 1, 1]
    """
    y = np.asarray(y)
    values = set(np.unique(y).tolist())
    if values <= {-1, 1}:
        return y.astype(int)
    if not values <= {0, 1}:
        raise ValueError(f"to_pm1 needs labels 0/1 or -1/+1, got {sorted(values)}")
    return 2 * y.astype(int) - 1


def to_01(y: np.ndarray) -> np.ndarray:
    """-1/+1 labels as 0/1 (for cross-entropy); 0/1 labels pass through.

    >>> to_01([-1, 1, 1]).tolist()
    [0, 1, 1]
    """
    y = np.asarray(y)
    values = set(np.unique(y).tolist())
    if values <= {0, 1}:
        return y.astype(int)
    if not values <= {-1, 1}:
        raise ValueError(f"to_01 needs labels -1/+1 or 0/1, got {sorted(values)}")
    return (y.astype(int) + 1) // 2


# Classification sets by name, for the demos' --dataset option.
DATASETS = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
}

# Sets of three classes by name, for the multiclass demo.
MULTICLASS_DATASETS = {
    "spiral3": make_spiral3,
    "yinyang": make_yinyang,
}
