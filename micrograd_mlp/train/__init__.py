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
>>> from micrograd_mlp.data import make_moons
>>> trainer = Trainer(MLP(2, [4, 1], seed=0), *make_moons(20, seed=0), loss="hinge", lr=0.1, seed=0)
>>> trainer.epoch()["epoch"], trainer.history.epochs
(0, 1)
"""

from .evaluation import accuracy, confusion, evaluate, predict, predict_classes, predict_proba
from .fitting import fit, redraws_in_place
from .objective import LossFunction
from .trainer import History, LossExploding, Trainer, TrainingDiverged

__all__ = ["fit", "Trainer", "History", "predict", "predict_proba", "predict_classes", "evaluate", "accuracy",
           "confusion", "TrainingDiverged", "LossExploding"]  # fmt: skip
