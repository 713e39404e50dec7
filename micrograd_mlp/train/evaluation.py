"""Using a trained model: its outputs, classes, probabilities, loss and accuracy on data.

None of these builds a graph: `predict` replays the model's recorded program
over all rows at once (`micrograd_mlp.batched`), or runs the scalar engine
under `no_grad` when the model cannot be replayed.

>>> from micrograd_mlp import MLP
>>> model = MLP(1, [1], "linear", seed=0)
>>> model.layers[0].neurons[0].w[0].data = 2.0      # y = 2x
>>> predict(model, [[1.0], [-3.0]]).tolist()
[2.0, -6.0]
"""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from .. import batched as replay
from ..classify import classes_from_scores, probabilities_from_scores
from ..classify import confusion_matrix as _confusion_matrix
from ..engine import no_grad
from .arguments import check_class_data, check_data
from .objective import LossFunction, Objective

__all__ = ["predict", "predict_proba", "predict_classes", "evaluate", "accuracy", "confusion", "mean_loss", "right_fraction", "numbers_of"]


def numbers_of(outputs: Any) -> np.ndarray:
    """Model outputs (Values, or lists of Values) as a float array."""
    return np.array([[o.data for o in out] if isinstance(out, list) else out.data for out in outputs])


def predict(model: Any, X: Any) -> np.ndarray:
    """The model's raw outputs for every row of ``X`` (no graph is built).

    Shape ``(n,)`` for a one-output model, ``(n, nout)`` otherwise. For a
    classifier these are **logits** (scores), neither classes nor
    probabilities: `predict_classes` gives the classes, `predict_proba` the
    probabilities.

    >>> from micrograd_mlp import MLP
    >>> predict(MLP(2, [3, 1], seed=0), [[0.0, 0.0], [1.0, 2.0]]).shape
    (2,)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_samples, n_inputs); got shape {X.shape}")
    # One replay of the recorded graph over all rows (a 200x200 grid is one call);
    # None when the scalar engine must answer (empty X, NaN, a model that branches).
    replayed = replay.predict(model, X)
    if replayed is not None:
        return replayed
    with no_grad():
        return numbers_of([model(row) for row in X.tolist()])


def predict_proba(model: Any, X: Any) -> np.ndarray:
    """Class probabilities for every row of ``X``: softmax of k outputs, sigmoid of one.

    A k-output model (trained with ``cross_entropy``) gives shape ``(n, k)``,
    each row summing to 1. A one-output model gives shape ``(n,)``: the
    probability of class 1, ``sigmoid(logit)`` (what ``bce_logits`` trains), or
    the output itself when the model already ends in a sigmoid.

    >>> from micrograd_mlp import MLP
    >>> probs = predict_proba(MLP(2, [4, 3], seed=0), [[0.0, 1.0], [1.0, -1.0]])
    >>> probs.shape, probs.sum(axis=1).round(12).tolist()
    ((2, 3), [1.0, 1.0])
    """
    scores = predict(model, X)
    if scores.ndim == 1 and _last_activation(model) == "sigmoid":
        return scores
    return probabilities_from_scores(scores)


def predict_classes(model: Any, X: Any, threshold: Optional[float] = None) -> np.ndarray:
    """The predicted class (an int) of every row of ``X``, shape ``(n,)``.

    k outputs: the index of the largest output (0..k-1). One output: 1 when it
    exceeds ``threshold`` (default 0.5 for a sigmoid output layer, 0 for
    logits and scores), else 0.

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [2], "linear", seed=0)
    >>> model.layers[0].neurons[1].w[0].data = 5.0    # output 1 grows fastest with x
    >>> predict_classes(model, [[-1.0], [1.0]]).tolist()
    [0, 1]
    """
    scores = predict(model, X)
    if threshold is None:
        threshold = 0.5 if _last_activation(model) == "sigmoid" else 0.0
    return classes_from_scores(scores, threshold)


def _last_activation(model: Any) -> str:
    return model.layers[-1].activation if hasattr(model, "layers") else "linear"


def confusion(model: Any, X: Any, y: Any) -> np.ndarray:
    """The confusion matrix of ``model`` on ``(X, y)``: ``matrix[true class, predicted class]``.

    k x k for a k-output model, 2 x 2 for one output (labels 0/1 or -1/+1);
    the diagonal counts the right answers.

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [2], "linear", seed=0)
    >>> model.layers[0].neurons[1].w[0].data = 5.0
    >>> confusion(model, [[-1.0], [1.0], [2.0]], [0, 1, 0]).tolist()
    [[1, 1], [0, 1]]
    """
    k = model.nouts[-1] if hasattr(model, "nouts") else None
    if k is not None and k >= 2:
        X, labels = check_class_data(model, X, y, k)
    else:
        X, labels = check_data(model, X, y)
        labels = (labels > 0).astype(int)
        k = 2
    return _confusion_matrix(labels, predict_classes(model, X), classes=k)


def evaluate(model: Any, X: Any, y: Any, loss: Union[str, LossFunction] = "mse") -> float:
    """The mean loss of ``model`` on the whole of ``(X, y)`` (no graph is built).

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [1], "linear", seed=0)
    >>> model.layers[0].neurons[0].w[0].data = 2.0      # y = 2x
    >>> evaluate(model, [[1.0], [2.0]], [0.0, 1.0])     # (0.5 * 2^2 + 0.5 * 3^2) / 2
    3.25
    """
    objective = Objective(model, loss)
    return mean_loss(model, objective, *objective.prepare(X, y))


def mean_loss(model: Any, objective: Objective, X: np.ndarray, y: np.ndarray) -> float:
    """The data loss of ``model`` on checked data ``(X, y)`` (targets as ``objective.prepare`` gives them)."""
    if isinstance(objective.loss, str):
        # the outputs by replay, then the loss of those numbers (the same value, to rounding)
        return objective.function(predict(model, X), y).data
    with no_grad():
        return objective.batch_loss([model(row) for row in X.tolist()], y.tolist()).data


def right_fraction(model: Any, objective: Objective, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of checked data ``(X, y)`` that ``model`` classifies right, by ``objective``'s rule."""
    return objective.correct(predict(model, X), y) / y.size


def accuracy(model: Any, X: Any, y: Any, threshold: Optional[float] = None) -> float:
    """Fraction of samples classified right.

    A k-output model: ``y`` holds class indices 0..k-1 and the predicted class
    is the largest output (argmax). One output: labels may be 0/1 or -1/+1 and
    a sample is class 1 when the output exceeds ``threshold``: by default 0.5
    for a sigmoid output layer (probabilities) and 0 otherwise (logits/scores).

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [1], output_activation="sigmoid", seed=0)
    >>> model.layers[0].neurons[0].w[0].data = 1.0
    >>> accuracy(model, [[-2.0], [3.0], [1.0]], [0, 1, 0])
    0.6666666666666666
    """
    k = model.nouts[-1] if hasattr(model, "nouts") else None
    if k is not None and k >= 2 and np.ndim(y) == 1:
        X, labels = check_class_data(model, X, y, k)
        return float(np.mean(predict_classes(model, X) == labels))
    X, y = check_data(model, X, y)
    if threshold is None:
        threshold = 0.5 if _last_activation(model) == "sigmoid" else 0.0
    scores = predict(model, X)
    return int(np.sum((scores > threshold) == (y.reshape(scores.shape) > 0))) / y.size
