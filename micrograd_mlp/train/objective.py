"""What training minimises, in one place: the loss, its targets and the L2 penalty.

An `Objective` is built once per training run from ``loss`` and ``l2``. It
knows which targets the loss wants (0/1 or -1/+1 labels, class indices), how
to score a batch (the scalar engine's loss, plus ``l2 * sum(p * p)``) and how
to count right answers. The scalar trainer and the batched replay
(`micrograd_mlp.batched.FitProgram`, given the prepared targets and the
checked ``l2``) both train on what it prepared, so a rule about targets or the
penalty is written once.

>>> from micrograd_mlp import MLP
>>> objective = Objective(MLP(2, [3, 1], seed=0), "hinge", l2=1e-4)
>>> objective.labels(np.array([0.0, 1.0, 1.0])).tolist()     # hinge wants -1/+1
[-1.0, 1.0, 1.0]
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..classify import classes_from_scores
from ..engine import Value
from ..losses import LOSSES, cross_entropy, l2 as l2_penalty
from .arguments import check_class_data, check_data, check_l2

__all__ = ["Objective", "LossFunction", "THRESHOLDS", "check_output_matches_loss", "loss_value", "resolve_loss",
           "is_multiclass"]  # fmt: skip

LossFunction = Callable[[Any, Any], Value]

# Where the decision boundary of each classification loss lies: bce reads
# probabilities (class 1 when p > 0.5), the others read scores (class 1 when > 0).
THRESHOLDS = {"bce": 0.5, "bce_logits": 0.0, "hinge": 0.0}


def resolve_loss(loss: Union[str, LossFunction]) -> Tuple[LossFunction, Optional[float]]:
    """The loss function and, for a two-class loss, its decision threshold."""
    if callable(loss):
        return loss, None
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(
            f"unknown loss {loss!r:.40}; choose one of {', '.join(map(repr, LOSSES))} or pass a "
            "function loss(outputs, targets) -> Value"
        )
    return LOSSES[loss], THRESHOLDS.get(loss)


def is_multiclass(loss: Any) -> bool:
    """Is this the k-class loss, whose targets are class indices (one per sample)?"""
    return loss == "cross_entropy" or loss is cross_entropy


def loss_value(loss: Any) -> Value:
    """What a loss function returned, if it is a Value; else a clear error."""
    if not isinstance(loss, Value):
        raise TypeError(
            f"the loss function returned {type(loss).__name__} {loss!r:.40}, not a Value; build "
            "the loss from the outputs with Value operations (e.g. sum((o - t) ** 2 for ...)) "
            "so that backward() reaches the weights"
        )
    return loss


def class_count(model: Any) -> Optional[int]:
    """The number of classes of a model trained with cross_entropy: its outputs (at least 2)."""
    k = model.nouts[-1] if hasattr(model, "nouts") else None
    if k is not None and k < 2:
        raise ValueError(
            "loss='cross_entropy' needs one output per class (k >= 2), but the model has one "
            "output: build it as MLP(nin, [..., k]) for k classes, or for two classes keep one "
            "output and use loss='bce_logits'"
        )
    return k


def labels_for(loss_name: str, y: np.ndarray) -> np.ndarray:
    """Accept 0/1 or -1/+1 labels for any two-class loss; give each what it needs."""
    values = set(np.unique(y).tolist())
    if not (values <= {0.0, 1.0} or values <= {-1.0, 1.0}):
        raise ValueError(
            f"loss={loss_name!r} is for two classes: labels must be 0/1 or -1/+1, got "
            f"{sorted(values)[:6]}; for regression use loss='mse'"
        )
    positive = y > 0
    return np.where(positive, 1.0, -1.0) if loss_name == "hinge" else positive.astype(float)


def check_output_matches_loss(model: Any, loss: Any) -> None:
    """Catch the classic mix-ups of sigmoid outputs and cross-entropy losses."""
    last = model.layers[-1].activation if hasattr(model, "layers") else None
    if loss == "bce" and last not in (None, "sigmoid"):
        raise ValueError(
            f"loss='bce' needs probabilities but the model's output layer is {last!r}: build it "
            "with output_activation='sigmoid', or use loss='bce_logits' on the linear output"
        )
    if is_multiclass(loss) and last not in (None, "linear"):
        raise ValueError(
            f"loss='cross_entropy' applies the softmax to the logits itself, but the model's output "
            f"layer is {last!r}: build it with output_activation='linear' (the default)"
        )
    if loss == "bce_logits" and last == "sigmoid":
        raise ValueError(
            "loss='bce_logits' applies the sigmoid itself, but the model already ends in a "
            "sigmoid: use output_activation='linear' (recommended, numerically stable) or loss='bce'"
        )


class Objective:
    """The loss of a training run, its targets and its L2 weight (see the module's docstring).

    ``loss`` is a name from `micrograd_mlp.losses.LOSSES` or a function
    ``loss(outputs, targets) -> Value``; ``l2`` the weight of ``l2 * sum(p * p)``.
    """

    def __init__(self, model: Any, loss: Union[str, LossFunction], l2: float = 0.0) -> None:
        self.loss = loss
        self.function, self.threshold = resolve_loss(loss)
        self.multiclass = is_multiclass(loss)
        self.classes = class_count(model) if self.multiclass else None
        self.l2 = check_l2(l2)
        self.model = model

    @property
    def classifies(self) -> bool:
        """Does this loss train a classifier (so History records accuracy)?"""
        return self.threshold is not None or self.multiclass

    def prepare(self, X: Any, y: Any, what: str = "X") -> Tuple[np.ndarray, np.ndarray]:
        """Checked inputs and the targets this loss trains on (labels converted, class indices)."""
        model = self.model
        if self.multiclass:
            if self.classes is None:  # a model without nouts: classes from the labels
                labels = np.asarray(y)
                return check_data(model, X, labels.astype(float) if labels.dtype.kind in "iuf" else labels, what)
            return check_class_data(model, X, y, self.classes, what)
        k = model.nouts[-1] if hasattr(model, "nouts") else None
        if self.threshold is not None and k is not None and k >= 2 and np.ndim(y) == 1:
            raise ValueError(
                f"loss={self.loss!r} is for two classes and a model with one output, but this model has {k} "
                f"outputs: for {k} classes use loss='cross_entropy' with labels 0 to {k - 1}"
            )
        X, y = check_data(model, X, y, what)
        return X, self.labels(y)

    def labels(self, y: np.ndarray) -> np.ndarray:
        """Targets as the loss wants them: 0/1 for bce, -1/+1 for hinge, unchanged otherwise."""
        return labels_for(self.loss, y) if self.threshold is not None else y

    # ------------------------------------------------- the scalar engine

    def batch_loss(self, outputs: List[Any], targets: List[Any]) -> Value:
        """The data loss of a batch (outputs: Values; targets: numbers)."""
        return loss_value(self.function(outputs, targets))

    def total(self, data_loss: Value, params: Sequence[Value]) -> Value:
        """What a step minimises: the data loss plus ``l2 * sum(p * p)`` over ``params``."""
        return data_loss + l2_penalty(params, self.l2) if self.l2 else data_loss

    def correct(self, scores: np.ndarray, labels: np.ndarray) -> int:
        """How many samples the scores classify right (0 for a regression loss)."""
        if self.threshold is not None:
            return int(np.sum((scores > self.threshold) == (labels.reshape(scores.shape) > 0)))
        if self.multiclass:
            return int(np.sum(classes_from_scores(scores) == labels))
        return 0
