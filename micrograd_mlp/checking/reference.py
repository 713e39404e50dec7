"""The slide deck's NumPy MLPs, with their backpropagation derived by hand.

These are the models of "The Multilayer Perceptron" slides, written the way the
slides derive them, so the autograd engine can be checked against them
(`micrograd_mlp.check.compare`):

* `MLP`           - two layers, linear hidden layer, linear output, 0.5 * squared error;
                    the backprop *corrected* (see below).
* `SlidesLinearMLP` - the same model with the slides' backprop **as written**.
* `MLPrelu`       - ReLU hidden layer (the slides' version is correct).
* `BinaryMLP`     - ReLU hidden layer, sigmoid output, binary cross-entropy: the
                    "Binary Classification" model the deck announces but does not show.

The forward pass of all of them, for a batch ``x`` of shape (N, D_in)::

    z1    = x @ w1 + b1          # w1[i, j]: weight from input i to hidden unit j
    h     = f1(z1)               # f1 = identity (MLP) or relu (MLPrelu, BinaryMLP)
    y_hat = h @ w2 + b2
    y     = f2(y_hat)            # f2 = identity, or sigmoid (BinaryMLP)

The slides' error. The linear `MLP.fit` of the slides backpropagates through the
hidden layer with ``dldh = np.dot(dldy, self.w2.T) * self.h``. For a linear hidden
layer ``h = z1``, so ``dh/dz1 = 1`` and the factor should be 1, not ``h``. (The
factor ``reluPrime(self.h)`` of `MLPrelu` is right: it *is* d relu(z1)/dz1.)
`SlidesLinearMLP` keeps the formula as written; `check.compare` finds it.

Batch convention. ``gradients(X, Y)`` returns the gradient of the loss *summed*
over the samples of the batch, ``L = sum_n l(x_n, t_n)``, where the per-sample loss
sums over the outputs, ``l = sum_k 0.5 * (y_k - t_k)^2`` (or the binary
cross-entropy). This is what the slides compute: ``np.dot(self.h.T, dldy)`` sums
over the batch, and ``dldy.mean(axis=0) * batch_size`` is that same sum. For one
sample with one output, ``l`` is exactly the slides' ``loss``; the slides *report*
``.mean()`` over the outputs, but their ``grad_mse`` is the gradient of the sum.

>>> import numpy as np
>>> X, Y = np.array([[0.5, -1.0]]), np.array([[2.0]])
>>> slides, corrected = SlidesLinearMLP(2, 3, 1, seed=0), MLP(2, 3, 1, seed=0)
>>> bool(np.allclose(slides.gradients(X, Y)["w2"], corrected.gradients(X, Y)["w2"]))
True
>>> bool(np.allclose(slides.gradients(X, Y)["w1"], corrected.gradients(X, Y)["w1"]))
False
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Type

import numpy as np
from numpy.typing import ArrayLike

from ..nn import MLP as ValueMLP

__all__ = [
    "MLP",
    "SlidesLinearMLP",
    "MLPrelu",
    "BinaryMLP",
    "mse",
    "grad_mse",
    "binary_cross_entropy",
    "relu",
    "relu_prime",
    "sigmoid",
    "to_value_mlp",
    "from_value_mlp",
    "value_mlp_arrays",
]

PARAMETER_NAMES = ("w1", "b1", "w2", "b2")


# ------------------------------------------------------------- slide functions


def mse(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The slides' per-element loss ``0.5 * (output - target)^2``.

    >>> mse(np.array([3.0, 0.0]), np.array([1.0, 1.0]))
    array([2. , 0.5])
    """
    return 0.5 * (output - target) ** 2


def grad_mse(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    """dl/d output of `mse`: the 0.5 cancels the 2 of the square.

    >>> grad_mse(np.array([3.0, 0.0]), np.array([1.0, 1.0]))
    array([ 2., -1.])
    """
    return output - target


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), element-wise.

    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    return np.maximum(0, x)


def relu_prime(h: np.ndarray) -> np.ndarray:
    """The slides' ``reluPrime``: 1 where the unit is active, else 0.

    Evaluated on ``h = relu(z)`` as in the slides; ``h > 0`` exactly when
    ``z > 0``, so it is d relu(z)/dz (0 at z = 0, as the autograd engine).

    >>> relu_prime(relu(np.array([-2.0, 0.0, 3.0])))
    array([0., 0., 1.])
    """
    return (h > 0).astype(float)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), without overflow for large negative x.

    >>> sigmoid(np.array([0.0, -1000.0, 1000.0]))
    array([0.5, 0. , 1. ])
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def binary_cross_entropy(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per-element ``-(t log p + (1 - t) log(1 - p))`` on probabilities.

    >>> binary_cross_entropy(np.array([0.5, 0.9]), np.array([1.0, 0.0])).round(4)
    array([0.6931, 2.3026])
    """
    return -(t * np.log(p) + (1.0 - t) * np.log(1.0 - p))


# ---------------------------------------------------------------------- models


class MLP:
    """The slides' two-layer MLP with a linear hidden layer (backprop corrected).

    Same initialisation as the slides, normal with scale sqrt(2 / (fan_in +
    fan_out)) and zero biases, drawn from ``np.random.default_rng(seed)``.

    >>> model = MLP(2, 3, 1, seed=0)
    >>> model.w1.shape, model.b1.shape, model.w2.shape, model.b2.shape
    ((2, 3), (3,), (3, 1), (1,))
    >>> grads = model.gradients([[1.0, 2.0]], [[0.5]])   # hand-derived, no update
    >>> sorted(grads), grads["w1"].shape
    (['b1', 'b2', 'w1', 'w2'], (2, 3))
    """

    #: activations, named as `micrograd_mlp.nn.MLP` names them (used by the converters)
    hidden_activation = "linear"
    output_activation = "linear"
    #: the `micrograd_mlp.losses` function with the same per-sample loss
    loss_name = "mse"
    #: True only for the slides' formulas kept as written, known to be wrong
    as_written = False

    def __init__(
        self,
        D_in: int,
        H: int,
        D_out: int,
        *,
        seed: Optional[int] = None,
        rng: Optional[np.random.Generator] = None,
    ) -> None:
        for name, size in (("D_in", D_in), ("H", H), ("D_out", D_out)):
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise ValueError(f"{name} must be a positive integer, got {size!r}")
        if rng is None:
            rng = np.random.default_rng(seed)
        elif seed is not None:
            raise ValueError("pass seed= or rng=, not both")
        self.w1 = rng.normal(loc=0.0, scale=np.sqrt(2 / (D_in + H)), size=(D_in, H))
        self.b1 = np.zeros(H)
        self.w2 = rng.normal(loc=0.0, scale=np.sqrt(2 / (H + D_out)), size=(H, D_out))
        self.b2 = np.zeros(D_out)

    @classmethod
    def from_weights(cls, w1: ArrayLike, b1: ArrayLike, w2: ArrayLike, b2: ArrayLike) -> "MLP":
        """A model with exactly these weights (copied, as float64 arrays).

        >>> m = MLP.from_weights([[1.0, -1.0]], [0.0, 0.5], [[2.0], [1.0]], [0.1])
        >>> m([[3.0]])
        array([[3.6]])
        """
        w1, w2 = np.array(w1, dtype=float), np.array(w2, dtype=float)
        b1, b2 = np.array(b1, dtype=float), np.array(b2, dtype=float)
        if w1.ndim != 2 or w2.ndim != 2:
            raise ValueError(
                f"w1 and w2 must be 2-D (inputs x units), got shapes {w1.shape} and {w2.shape}"
            )
        D_in, H = w1.shape
        D_out = w2.shape[1]
        expected = {"b1": (H,), "w2": (H, D_out), "b2": (D_out,)}
        for name, array in (("b1", b1), ("w2", w2), ("b2", b2)):
            if array.shape != expected[name]:
                raise ValueError(
                    f"{name} has shape {array.shape}, but w1 of shape {w1.shape} "
                    f"needs {name} of shape {expected[name]}"
                )
        model = cls(D_in, H, D_out, seed=0)
        model.w1, model.b1, model.w2, model.b2 = w1, b1, w2, b2
        return model

    @property
    def sizes(self) -> Tuple[int, int, int]:
        """(D_in, H, D_out).

        >>> MLP(2, 3, 1, seed=0).sizes
        (2, 3, 1)
        """
        return (self.w1.shape[0], self.w1.shape[1], self.w2.shape[1])

    def parameters(self) -> Dict[str, np.ndarray]:
        """The weights by name: ``{"w1": ..., "b1": ..., "w2": ..., "b2": ...}``.

        >>> {name: array.shape for name, array in MLP(2, 3, 1, seed=0).parameters().items()}
        {'w1': (2, 3), 'b1': (3,), 'w2': (3, 1), 'b2': (1,)}
        """
        return {name: getattr(self, name) for name in PARAMETER_NAMES}

    # --- the pieces that differ between the models

    def hidden(self, z1: np.ndarray) -> np.ndarray:
        """h = f1(z1); here the identity.

        >>> MLP(1, 2, 1, seed=0).hidden(np.array([-1.0, 2.0]))
        array([-1.,  2.])
        """
        return z1

    def hidden_grad(self) -> np.ndarray:
        """dh/dz1 at the last forward pass: 1 for a linear layer.

        >>> model = MLP.from_weights([[1.0, -1.0]], [0.0, 0.0], [[1.0], [1.0]], [0.0])
        >>> _ = model([[2.0]])
        >>> model.hidden_grad()
        array([[1., 1.]])
        """
        return np.ones_like(self.h)

    def final_activation(self, x: np.ndarray) -> np.ndarray:
        """y = f2(y_hat); here the identity (regression), as in the slides.

        >>> MLP(1, 2, 1, seed=0).final_activation(np.array([-3.0]))
        array([-3.])
        """
        return x

    def loss(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Per-element loss of the outputs (the slides' ``mse``).

        >>> MLP(1, 2, 1, seed=0).loss(np.array([[3.0]]), np.array([[1.0]]))
        array([[2.]])
        """
        return mse(output, target)

    def grad_loss(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dl/dy_hat: the error at the output layer's pre-activation.

        >>> MLP(1, 2, 1, seed=0).grad_loss(np.array([[3.0]]), np.array([[1.0]]))
        array([[2.]])
        """
        return grad_mse(output, target)

    # --- forward, backward, training

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """Forward pass of a batch (N, D_in); also keeps ``z1`` and ``h``.

        >>> model = MLP.from_weights([[1.0, -1.0]], [0.0, 0.5], [[2.0], [1.0]], [0.1])
        >>> model([[3.0], [0.0]])
        array([[3.6],
               [0.6]])
        >>> model.h                                 # the hidden layer of each sample
        array([[ 3. , -2.5],
               [ 0. ,  0.5]])
        """
        self.z1 = np.dot(x, self.w1) + self.b1
        self.h = self.hidden(self.z1)
        y_hat = np.dot(self.h, self.w2) + self.b2
        return self.final_activation(y_hat)

    def total_loss(self, X: ArrayLike, Y: ArrayLike) -> float:
        """L = sum over samples and outputs of the per-element loss (see module doc).

        >>> model = MLP.from_weights([[1.0]], [0.0], [[1.0]], [0.0])   # y = x
        >>> model.total_loss([[1.0], [2.0]], [[0.0], [0.0]])           # 0.5 * (1 + 4)
        2.5
        """
        x, y = self.as_batch(X, Y)
        return float(self.loss(self(x), y).sum())

    def gradients(self, X: ArrayLike, Y: ArrayLike) -> Dict[str, np.ndarray]:
        """Hand-derived dL/d(w1, b1, w2, b2) for one sample or a batch; no update.

        ``L`` is summed over the batch (the slides' convention, see the module doc).
        X: (N, D_in) or one sample (D_in,); Y: (N, D_out), (N,) when D_out = 1, or
        one sample.

        >>> model = MLP.from_weights([[1.0]], [0.0], [[2.0]], [0.0])   # y = 2x
        >>> grads = model.gradients([[1.0], [3.0]], [0.0, 0.0])       # dl/dy = 2x
        >>> grads["w2"], grads["b1"]                                  # sum of dl/dy*h, dl/dy*w2
        (array([[20.]]), array([16.]))
        >>> model.w2                                                  # not updated
        array([[2.]])
        """
        x, y = self.as_batch(X, Y)
        y_pred = self(x)
        # dl/dy: the error at the output (y_hat, before the final activation)
        dldy = self.grad_loss(y_pred, y)
        # dl/dw2 = dl/dy * dy/dw2, with dy/dw2 = h; the product sums over the batch
        grad_w2 = np.dot(self.h.T, dldy)
        # dl/db2 = dl/dy * dy/db2, with dy/db2 = 1
        # (slides: dldy.mean(axis=0) * self.h.shape[0], the same sum over the batch)
        grad_b2 = dldy.sum(axis=0)
        # dl/dh = dl/dy * dy/dh, with dy/dh = w2; then * dh/dz1 through the
        # hidden activation, so (as in the slides) `dldh` ends up holding dl/dz1
        dldh = np.dot(dldy, self.w2.T) * self.hidden_grad()
        # dl/dw1 = dl/dy * dy/dh * dh/dz1 * dz1/dw1, with dz1/dw1 = x
        grad_w1 = np.dot(x.T, dldh)
        # dl/db1 = dl/dz1 * dz1/db1, with dz1/db1 = 1
        grad_b1 = dldh.sum(axis=0)
        return {"w1": grad_w1, "b1": grad_b1, "w2": grad_w2, "b2": grad_b2}

    def fit(self, X: ArrayLike, Y: ArrayLike, epochs: int = 100, lr: float = 0.001) -> List[float]:
        """Per-sample gradient descent, exactly as the slides' ``fit``.

        Returns the mean per-sample loss of each epoch (the slides' ``loss``,
        computed before each update, which the slides compute and discard).

        >>> model = MLPrelu(1, 8, 1, seed=0)
        >>> X = np.linspace(-1, 1, 20)[:, None]
        >>> history = model.fit(X, X**2, epochs=50, lr=0.05)
        >>> history[-1] < history[0]
        True
        """
        X, Y = self.as_batch(X, Y)
        history = []
        for _ in range(epochs):
            losses = []
            for x, y in zip(X, Y):
                x, y = x[None, :], y[None, :]  # add batch dimension
                losses.append(self.loss(self(x), y).mean())
                grads = self.gradients(x, y)
                # Update (GD): w <- w - lr * dl/dw
                self.w1 = self.w1 - lr * grads["w1"]
                self.b1 = self.b1 - lr * grads["b1"]
                self.w2 = self.w2 - lr * grads["w2"]
                self.b2 = self.b2 - lr * grads["b2"]
            history.append(float(np.mean(losses)))
        return history

    def as_batch(self, X: ArrayLike, Y: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
        """X as an (N, D_in) and Y as an (N, D_out) float array, or a clear error.

        >>> x, y = MLP(2, 3, 1, seed=0).as_batch([1.0, 2.0], 0.5)   # one sample
        >>> x.shape, y.shape
        ((1, 2), (1, 1))
        """
        # Y of shape (N,) against y_pred of shape (N, 1) would broadcast to an
        # (N, N) error matrix without a word: reshape Y to (N, D_out) first.
        D_in, _, D_out = self.sizes
        x = np.asarray(X, dtype=float)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != D_in:
            raise ValueError(
                f"X must have shape (N, {D_in}) or ({D_in},) for a model with D_in={D_in}, "
                f"got shape {np.shape(X)}"
            )
        y = np.asarray(Y, dtype=float)
        if y.size != x.shape[0] * D_out:
            raise ValueError(
                f"Y must hold {D_out} target(s) per sample for {x.shape[0]} sample(s) "
                f"(shape ({x.shape[0]}, {D_out})), got shape {np.shape(Y)}"
            )
        return x, y.reshape(x.shape[0], D_out)

    def __repr__(self) -> str:
        D_in, H, D_out = self.sizes
        return f"{type(self).__name__}(D_in={D_in}, H={H}, D_out={D_out})"


class SlidesLinearMLP(MLP):
    """The slides' linear `MLP` with its backprop **as written** (known to be wrong).

    The slides compute ``dldh = np.dot(dldy, self.w2.T)*self.h``: they multiply
    the error reaching the hidden layer by ``h`` itself. For the linear hidden
    layer ``h = z1`` the local derivative dh/dz1 is 1, so ``grad_w1`` and
    ``grad_b1`` come out scaled by ``h`` (``grad_w2``, ``grad_b2`` are right).
    Kept so the check can show the difference; do not train with it.

    >>> ok, slides = MLP(2, 2, 1, seed=1), SlidesLinearMLP(2, 2, 1, seed=1)
    >>> x, t = [[0.5, -1.0]], [[1.0]]
    >>> bool(np.allclose(ok.gradients(x, t)["w2"], slides.gradients(x, t)["w2"]))
    True
    >>> bool(np.allclose(ok.gradients(x, t)["w1"], slides.gradients(x, t)["w1"]))
    False
    """

    as_written = True
    known_error = (
        "the slides multiply the backpropagated error by self.h "
        "(dldh = np.dot(dldy, self.w2.T)*self.h), but a linear hidden layer "
        "h = x @ w1 + b1 has local derivative dh/dz1 = 1"
    )

    def hidden_grad(self) -> np.ndarray:
        """The slides' factor ``self.h`` where dh/dz1 = 1 belongs (THE SLIDES' ERROR, kept on purpose).

        >>> model = SlidesLinearMLP.from_weights([[1.0, -1.0]], [0.0, 0.0], [[1.0], [1.0]], [0.0])
        >>> _ = model([[2.0]])
        >>> model.hidden_grad()                     # h itself, not 1
        array([[ 2., -2.]])
        """
        return self.h


class MLPrelu(MLP):
    """The slides' `MLPrelu`: ReLU hidden layer, linear output, 0.5 * squared error.

    The slides' backprop for it is correct and is the one used here. (The slides
    use ``grad_b1 = dldh`` and ``grad_b2 = dldy``, which is the sum over a batch
    of one sample; here they are summed, so a batch works too.)

    >>> model = MLPrelu.from_weights([[1.0, -1.0]], [0.0, 0.0], [[2.0], [3.0]], [0.0])
    >>> model([[2.0]])        # only the first hidden unit is active
    array([[4.]])
    >>> model.gradients([[2.0]], [[1.0]])["w1"]   # dl/dy = 3; 3 * w2 * relu'(z1) * x
    array([[12.,  0.]])
    """

    hidden_activation = "relu"

    def hidden(self, z1: np.ndarray) -> np.ndarray:
        """h = relu(z1).

        >>> MLPrelu(1, 2, 1, seed=0).hidden(np.array([-1.0, 2.0]))
        array([0., 2.])
        """
        return relu(z1)

    def hidden_grad(self) -> np.ndarray:
        """dh/dz1 = reluPrime(self.h), as in the slides.

        >>> model = MLPrelu.from_weights([[1.0, -1.0]], [0.0, 0.0], [[1.0], [1.0]], [0.0])
        >>> _ = model([[2.0]])
        >>> model.hidden_grad()
        array([[1., 0.]])
        """
        return relu_prime(self.h)


class BinaryMLP(MLPrelu):
    """Binary classifier: ReLU hidden layer, sigmoid output, binary cross-entropy.

    The deck's "Binary Classification" model. With ``p = sigmoid(z)`` and
    ``l = -(t log p + (1 - t) log(1 - p))``::

        dl/dp = (p - t) / (p (1 - p))    dp/dz = p (1 - p)    =>    dl/dz = p - t

    so the hand-derived backprop is the regression one with ``dldy = p - t``.
    Targets are 0 or 1 (any value in [0, 1] works for the loss).

    >>> model = BinaryMLP.from_weights([[1.0]], [0.0], [[0.0]], [0.0])
    >>> model([[1.0]])        # a zero logit: p = 0.5
    array([[0.5]])
    >>> model.gradients([[1.0]], [[1.0]])["b2"]   # dl/dz = p - t
    array([-0.5])
    """

    output_activation = "sigmoid"
    loss_name = "binary_cross_entropy"

    def final_activation(self, x: np.ndarray) -> np.ndarray:
        """p = sigmoid(z), the probability of class 1.

        >>> BinaryMLP(1, 2, 1, seed=0).final_activation(np.array([0.0]))
        array([0.5])
        """
        return sigmoid(x)

    def loss(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Binary cross-entropy of the probabilities ``output``.

        >>> BinaryMLP(1, 2, 1, seed=0).loss(np.array([[0.5]]), np.array([[1.0]])).round(4)
        array([[0.6931]])
        """
        return binary_cross_entropy(output, target)

    def grad_loss(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dl/dz at the logit: p - t (the sigmoid's derivative cancels).

        >>> BinaryMLP(1, 2, 1, seed=0).grad_loss(np.array([[0.8]]), np.array([[1.0]])).round(4)
        array([[-0.2]])
        """
        # dl/dz = dl/dp * dp/dz = (p - t) / (p (1 - p)) * p (1 - p) = p - t
        return output - target

    def predict_proba(self, x: ArrayLike) -> np.ndarray:
        """The probability of class 1 for every row of ``x``, shape (N,): the sigmoid output.

        >>> BinaryMLP.from_weights([[1.0]], [0.0], [[1.0]], [0.0]).predict_proba([[0.0], [2.0]]).round(4)
        array([0.5   , 0.8808])
        """
        return self(np.atleast_2d(np.asarray(x, dtype=float)))[:, 0]

    def predict(self, x: ArrayLike) -> np.ndarray:
        """The predicted class (0 or 1) of every row of ``x``: 1 where the probability is > 0.5.

        >>> BinaryMLP.from_weights([[1.0]], [0.0], [[1.0]], [-1.0]).predict([[0.5], [3.0]])
        array([0, 1])
        """
        return (self.predict_proba(x) > 0.5).astype(int)


# ------------------------------------------------------------------ converters

# (hidden activation, output activation) -> the reference class with that forward pass
_REFERENCE_CLASSES = {
    ("linear", "linear"): MLP,
    ("relu", "linear"): MLPrelu,
    ("relu", "sigmoid"): BinaryMLP,
}


def to_value_mlp(reference: MLP, *, fused: bool = False) -> ValueMLP:
    """A `micrograd_mlp.nn.MLP` of `Value`s holding exactly the reference's weights.

    ``w1[i, j]`` becomes ``mlp.layers[0].neurons[j].w[i]`` (input i to hidden unit j),
    ``b1[j]`` becomes ``mlp.layers[0].neurons[j].b``, and likewise for layer 1.

    >>> ref = MLPrelu(2, 3, 1, seed=0)
    >>> mlp = to_value_mlp(ref)
    >>> mlp.layers[0].neurons[2].w[1].data == float(ref.w1[1, 2])
    True
    >>> abs(mlp([0.5, -0.25]).data - float(ref([[0.5, -0.25]])[0, 0])) < 1e-12
    True
    """
    if not isinstance(reference, MLP):
        raise TypeError(
            f"to_value_mlp() needs a reference model (micrograd_mlp.reference.MLP, MLPrelu, "
            f"BinaryMLP, ...), got {type(reference).__name__}"
        )
    D_in, H, D_out = reference.sizes
    mlp = ValueMLP(
        D_in,
        [H, D_out],
        activation=reference.hidden_activation,
        output_activation=reference.output_activation,
        seed=0,
        fused=fused,
    )
    for layer, w, b in ((mlp.layers[0], reference.w1, reference.b1),
                        (mlp.layers[1], reference.w2, reference.b2)):
        for j, neuron in enumerate(layer.neurons):
            for i, weight in enumerate(neuron.w):
                weight.data = float(w[i, j])
            neuron.b.data = float(b[j])
    return mlp


def from_value_mlp(mlp: ValueMLP, reference_class: Optional[Type[MLP]] = None) -> MLP:
    """A NumPy reference model holding exactly the weights of a two-layer `Value` MLP.

    The class follows from the activations: linear/linear -> `MLP`, relu/linear ->
    `MLPrelu`, relu/sigmoid -> `BinaryMLP`; pass ``reference_class`` to choose
    another one with the same forward pass (e.g. `SlidesLinearMLP`).

    >>> mlp = ValueMLP(2, [4, 1], seed=0)
    >>> ref = from_value_mlp(mlp)
    >>> ref
    MLPrelu(D_in=2, H=4, D_out=1)
    >>> float(ref.w1[1, 3]) == mlp.layers[0].neurons[3].w[1].data
    True
    """
    layers = getattr(mlp, "layers", None)
    if layers is None:
        raise TypeError(
            f"from_value_mlp() needs a micrograd_mlp.nn.MLP, got {type(mlp).__name__}"
        )
    if len(layers) != 2:
        raise ValueError(
            f"the slides' reference models have exactly one hidden layer (2 layers), "
            f"this MLP has {len(layers)}; build it as MLP(nin, [hidden, nout])"
        )
    activations = (_layer_activation(layers[0]), _layer_activation(layers[1]))
    matching = _REFERENCE_CLASSES.get(activations)
    if reference_class is None:
        reference_class = matching
    if reference_class is None or (
        (reference_class.hidden_activation, reference_class.output_activation) != activations
    ):
        supported = ", ".join(f"{h}/{o}" for h, o in _REFERENCE_CLASSES)
        raise ValueError(
            f"no reference model for hidden/output activations {activations[0]}/{activations[1]}"
            + (f" in {reference_class.__name__}" if reference_class else "")
            + f"; the references cover {supported}"
        )
    arrays = value_mlp_arrays(mlp)
    return reference_class.from_weights(*(arrays[name] for name in PARAMETER_NAMES))


def value_mlp_arrays(mlp: ValueMLP, field: str = "data") -> Dict[str, np.ndarray]:
    """``w1, b1, w2, b2`` of a two-layer `Value` MLP as NumPy arrays of one field.

    ``field`` is ``"data"``, ``"grad"`` or ``"label"``; arrays are laid out as the
    references' (``w1[i, j]`` is neuron j's weight of input i).

    >>> str(value_mlp_arrays(ValueMLP(2, [3, 1], seed=0), "label")["w1"][1, 2])
    'L1.N3.w2'
    """
    if field not in ("data", "grad", "label"):
        raise ValueError(f"field must be 'data', 'grad' or 'label', got {field!r}")
    arrays: Dict[str, np.ndarray] = {}
    for number, layer in zip("12", mlp.layers):
        # Neuron j holds the weights *into* unit j, so the neurons are the columns.
        weights = [[getattr(w, field) for w in neuron.w] for neuron in layer.neurons]
        arrays["w" + number] = np.array(weights).T
        arrays["b" + number] = np.array([getattr(neuron.b, field) for neuron in layer.neurons])
    return arrays


def _layer_activation(layer) -> str:
    names = {neuron.activation for neuron in layer.neurons}
    if len(names) != 1:
        raise ValueError(f"a layer mixes activations {sorted(names)}; the references cannot")
    return names.pop()
