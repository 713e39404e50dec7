"""From a model's raw outputs to classes and probabilities, and how right they are.

A classifier's last layer is linear: it outputs **logits** (scores), not
classes and not probabilities. This module turns those numbers (plain NumPy
arrays, e.g. from `micrograd_mlp.predict`) into what a student asks for:

* one output (two classes): the class is 1 when the logit is > 0 (a sigmoid
  output: when the probability is > 0.5); the probability is ``sigmoid(logit)``.
* k >= 2 outputs (k classes): the class is the index of the largest logit
  (argmax); the probabilities are ``softmax(logits)``, which sum to 1.

>>> scores = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 3.0]])
>>> classes_from_scores(scores).tolist()
[0, 2]
>>> probabilities_from_scores(scores).sum(axis=1).round(12).tolist()
[1.0, 1.0]
>>> confusion_matrix([0, 2, 2], [0, 2, 1], classes=3).tolist()
[[1, 0, 0], [0, 0, 0], [0, 1, 1]]
"""

from __future__ import annotations

import numbers
from typing import Any, Optional

import numpy as np

__all__ = ["class_targets", "classes_from_scores", "probabilities_from_scores", "confusion_matrix"]


def class_targets(y: Any, classes: int, who: str = "targets") -> np.ndarray:
    """Class labels as an int array of shape (n,), each in ``0..classes-1``, or a clear error.

    Integers (Python or NumPy) and whole floats such as ``2.0`` are accepted;
    ``1.5``, ``True``, strings, one-hot rows and labels out of range are not.

    >>> class_targets([0, 2, 1.0], classes=3).tolist()
    [0, 2, 1]
    >>> class_targets([0, 3], classes=3)
    Traceback (most recent call last):
    ValueError: targets: label 3 (sample 1) is not a class of a model with 3 outputs; labels must be 0 to 2
    """
    if isinstance(y, (list, tuple)):  # NumPy would quietly turn True into 1
        for i, label in enumerate(y):
            if isinstance(label, (bool, np.bool_)):
                raise ValueError(f"{who}: label {label!r} (sample {i}) is not a class index; labels must be "
                                 f"integers 0 to {classes - 1}")  # fmt: skip
    array = np.asarray(y)
    if array.dtype == bool:
        raise ValueError(f"{who}: labels are booleans, not class indices; pass integers 0 to {classes - 1}, e.g. y.astype(int)")
    if array.ndim == 2 and array.shape[1] == classes and array.shape[0] > 0:
        raise ValueError(
            f"{who}: got one-hot rows of shape {array.shape}; cross_entropy takes one class index per "
            "sample, shape (n,): pass y.argmax(axis=1)"
        )
    if array.ndim != 1:
        raise ValueError(f"{who}: class labels need shape (n,), one class index per sample; got shape {array.shape}")
    for i, label in enumerate(array.tolist()):
        if isinstance(label, bool) or not isinstance(label, numbers.Real) or not float(label).is_integer():
            raise ValueError(
                f"{who}: label {label!r:.40} (sample {i}) is not a class index; labels must be "
                f"integers 0 to {classes - 1}"
            )
        if not 0 <= label < classes:
            raise ValueError(
                f"{who}: label {int(label)} (sample {i}) is not a class of a model with {classes} "
                f"outputs; labels must be 0 to {classes - 1}"
            )
    return array.astype(int)


def _scores(scores: Any) -> np.ndarray:
    scores = np.asarray(scores, dtype=float)
    if scores.ndim not in (1, 2):
        raise ValueError(f"scores need shape (n,) (one output) or (n, k) (k outputs); got {scores.shape}")
    return scores


def classes_from_scores(scores: Any, threshold: float = 0.0) -> np.ndarray:
    """The predicted class of every sample: argmax of k outputs, or ``score > threshold`` for one.

    For one output, ``threshold`` is 0 for logits and scores (bce_logits,
    hinge) and 0.5 for probabilities (a sigmoid output layer).

    >>> classes_from_scores([-0.3, 0.2]).tolist(), classes_from_scores([[0.1, 0.9]]).tolist()
    ([0, 1], [1])
    """
    scores = _scores(scores)
    if scores.ndim == 1:
        return (scores > threshold).astype(int)
    return np.argmax(scores, axis=1)  # ties: the first largest, as PyTorch and max_of


def probabilities_from_scores(scores: Any) -> np.ndarray:
    """Probabilities from logits: ``sigmoid`` of one output (of class 1), ``softmax`` of k outputs.

    Both are computed stably: the softmax subtracts each row's largest logit
    first, the sigmoid never exponentiates a positive number.

    >>> probabilities_from_scores([0.0, 1000.0, -1000.0]).tolist()
    [0.5, 1.0, 0.0]
    >>> probabilities_from_scores([[1000.0, 1000.0]]).tolist()
    [[0.5, 0.5]]
    """
    scores = _scores(scores)
    if scores.ndim == 1:
        small = np.exp(-np.abs(scores))  # exp of a number <= 0 cannot overflow
        return np.where(scores >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def confusion_matrix(y_true: Any, y_pred: Any, classes: Optional[int] = None) -> np.ndarray:
    """Counts ``matrix[true class, predicted class]``: the diagonal is right, the rest are mistakes.

    ``classes`` defaults to one more than the largest label seen. Labels may
    be 0/1 or -1/+1 for two classes (-1 counts as class 0).

    >>> confusion_matrix([1, 1, 0, 0], [1, 0, 0, 0]).tolist()
    [[2, 0], [1, 1]]
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"confusion_matrix needs two label arrays of the same shape (n,); got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size and set(np.unique(np.concatenate([y_true, y_pred])).tolist()) <= {-1, 1}:
        y_true, y_pred = (y_true > 0).astype(int), (y_pred > 0).astype(int)
    if classes is None:
        classes = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    y_true = class_targets(y_true, classes, "confusion_matrix: y_true")
    y_pred = class_targets(y_pred, classes, "confusion_matrix: y_pred")
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix
