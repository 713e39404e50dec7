"""Training and using a model: `fit`, the incremental `Trainer`, `predict` and friends.

The parts, each a module a student can read alone:

* `arguments`: every argument checked, before a weight changes;
* `objective`: the loss, its targets and the L2 penalty, in one place;
* `trainer`: `Trainer` (one step or one epoch at a time), `History`,
  `TrainingDiverged`, `LossExploding`;
* `fitting`: `fit`, a loop over `Trainer.epoch` with a progress bar, a
  callback and early stopping;
* `evaluation`: `predict`, `predict_proba`, `predict_classes`, `evaluate`,
  `accuracy`, `confusion`.

>>> from micrograd_mlp import MLP
>>> from micrograd_mlp.data import make_cubic
>>> X, y = make_cubic(40, seed=0)
>>> model = MLP(1, [8, 1], "tanh", seed=0)
>>> history = fit(model, X, y, loss="mse", lr=0.05, epochs=20, seed=0, verbose=False)
>>> len(history.loss), history.loss[-1] < history.loss[0]
(20, True)
"""

from .evaluation import accuracy, confusion, evaluate, predict, predict_classes, predict_proba
from .fitting import fit, redraws_in_place
from .objective import LossFunction
from .trainer import History, LossExploding, Trainer, TrainingDiverged

__all__ = ["fit", "Trainer", "History", "predict", "predict_proba", "predict_classes", "evaluate", "accuracy",
           "confusion", "TrainingDiverged", "LossExploding"]  # fmt: skip
