"""The demos with more than two classes: `spiral3` and `digits`.

* `spiral3`: three interleaved spiral arms (or the yin-yang), one class each,
  learned with softmax cross-entropy: a 3-colour map of the regions, a GIF of
  them over training, loss and accuracy curves.
* `digits`: real data: scikit-learn's 1,797 handwritten digits (8x8 pixels),
  ten classes, a fixed train/test split: the confusion matrix of the test set
  and the test digits it gets wrong.

Both are `micrograd-mlp demo spiral3` and `micrograd-mlp demo digits`, and
return a `DemoResult` like the other demos.

>>> import tempfile
>>> result = spiral3(tempfile.mkdtemp(), epochs=1, samples=30, hidden=(4,), frames=2, resolution=8, quiet=True)
>>> [path.name for path in result.files]
['spiral3_regions.png', 'spiral3_training.gif', 'spiral3_curves.png']
"""

from __future__ import annotations

import math
import numbers
import time
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from .. import data
from ..nn import MLP
from ..optim import Adam, linear_decay
from ..teaching import plots
from ..train import History, accuracy, confusion, fit, predict_classes, predict_proba
from .demo_output import (
    DEFAULT_SEED, DemoOutput, DemoResult, check_epochs, classifier_curves, decay_schedule, diverging_with_given_lr,
    epoch_title, keep_classifier, mesh, snapshot_epochs,
)  # fmt: skip

__all__ = ["spiral3", "digits", "MULTICLASS_DEMOS", "MULTICLASS_EPOCHS"]

MULTICLASS_DEMOS = ("spiral3", "digits")
MULTICLASS_DATASETS = tuple(data.MULTICLASS_DATASETS)
CLASS_NAMES = {"spiral3": ("arm 0", "arm 1", "arm 2"), "yinyang": ("yin", "yang", "dots")}

# spiral3 / yin-yang: Adam in mini-batches, the learning rate falling linearly to 1/20
MULTICLASS_EPOCHS = {"spiral3": 60, "yinyang": 60}
MULTICLASS_LR, MULTICLASS_HIDDEN, MULTICLASS_BATCH = 0.02, (16, 16), 20

# digits: MLP(64, [32, 10]) reaches about 96% on the test set in 6 epochs, trained by
# batched replay in a few seconds (`python bench/digits.py` measures it).
DIGITS_EPOCHS, DIGITS_LR, DIGITS_HIDDEN, DIGITS_BATCH = 6, 0.03, (32,), 16
MISTAKES_SHOWN = 24


def _probabilities(model: MLP, grid_x: np.ndarray, grid_y: np.ndarray) -> np.ndarray:
    """softmax of the model's logits at every grid point, shape grid.shape + (k,)."""
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    return predict_proba(model, points).reshape(*grid_x.shape, -1)


def spiral3(
    out: Union[str, Path] = "micrograd-out",
    *,
    dataset: str = "spiral3",
    epochs: Optional[int] = None,
    lr: float = MULTICLASS_LR,
    hidden: Sequence[int] = MULTICLASS_HIDDEN,
    activation: str = "relu",
    seed: int = DEFAULT_SEED,
    samples: int = 300,
    frames: int = 12,
    resolution: int = 80,
    quiet: bool = False,
) -> DemoResult:
    """Three classes on the plane: the classic 3-arm spiral (or ``dataset="yinyang"``).

    An ``MLP(2, [*hidden, 3])`` outputs three logits; `fit` trains it with
    ``loss="cross_entropy"`` (softmax, then the log-loss of the true class),
    a quarter of the points held out. Writes ``spiral3_regions.png`` (each
    region in its class's colour, faint where the softmax is unsure),
    ``spiral3_training.gif`` and ``spiral3_curves.png`` (for the yin-yang the
    files start with ``yinyang_``).
    """
    if dataset not in data.MULTICLASS_DATASETS:
        raise ValueError(f"unknown dataset {dataset!r} for three classes; choose one of {', '.join(MULTICLASS_DATASETS)}")
    epochs = check_epochs(MULTICLASS_EPOCHS[dataset] if epochs is None else epochs)
    if resolution < 2:
        raise ValueError(f"resolution is the grid's points per side, at least 2; got {resolution!r}")
    plots.require_demo_extras()
    output = DemoOutput("spiral3", out, quiet)
    X, y = data.MULTICLASS_DATASETS[dataset](samples, seed=seed)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.25, seed=seed)
    model = MLP(2, [*hidden, 3], activation, seed=seed, fused=True)
    steps = epochs * math.ceil(len(X_train) / MULTICLASS_BATCH)
    optimizer = Adam(model.parameters(), lr=linear_decay(lr, lr / 20, steps))
    names = CLASS_NAMES[dataset]

    coarse = mesh(X, max(2, resolution // 2))
    snapshots = {epoch: None for epoch in snapshot_epochs(epochs, frames)}
    snapshots[0] = _probabilities(model, *coarse)

    def record(epoch: int, model: MLP, history: History) -> None:
        if epoch + 1 in snapshots:
            snapshots[epoch + 1] = _probabilities(model, *coarse)
        output.epoch_done(epoch, epochs, history, dataset)

    output.say(f"spiral3: training an MLP {[2, *hidden, 3]} ({activation}) with softmax cross-entropy on "
               f"{len(X_train)} {dataset} points of 3 classes, {len(X_test)} kept for testing")  # fmt: skip
    with diverging_with_given_lr(lr, epochs, decay_schedule(lr)):
        history = fit(model, X_train, y_train, loss="cross_entropy", optimizer=optimizer, epochs=epochs,
                      batch_size=MULTICLASS_BATCH, seed=seed, val=(X_test, y_test), callback=record,
                      verbose=output.bars, batched=True)  # fmt: skip
    train_accuracy, test_accuracy = accuracy(model, X_train, y_train), accuracy(model, X_test, y_test)
    output.say(f"spiral3: train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%}")

    def regions(grid: tuple, probabilities: np.ndarray, title: str):
        return plots.multiclass_boundary_figure(*grid, probabilities, X_train, y_train, title,
                                                X_test, y_test, class_names=names)  # fmt: skip

    fine = mesh(X, resolution)
    title = f"{dataset}: train {train_accuracy:.0%}, test {test_accuracy:.0%} after {epochs} epochs"
    output.png(regions(fine, _probabilities(model, *fine), title), f"{dataset}_regions")
    animation = [
        plots.figure_to_image(regions(coarse, snapshots[epoch], f"{dataset}, {epoch_title(epoch)}"))
        for epoch in output.frames(sorted(snapshots))
    ]
    output.gif(animation, f"{dataset}_training")
    output.png(classifier_curves(history, "softmax cross-entropy"), f"{dataset}_curves")
    keep_classifier(output, model, history, (X_train, X_test, y_train, y_test), train_accuracy, test_accuracy)
    return output.done()


def digits(
    out: Union[str, Path] = "micrograd-out",
    *,
    epochs: int = DIGITS_EPOCHS,
    lr: float = DIGITS_LR,
    hidden: Sequence[int] = DIGITS_HIDDEN,
    activation: str = "relu",
    seed: int = DEFAULT_SEED,
    train_samples: Optional[int] = None,
    quiet: bool = False,
) -> DemoResult:
    """Real handwritten digits: ten classes, 64 pixels in, a fixed train/test split.

    `data.load_digits` (scikit-learn's 1,797 8x8 images, pixels scaled to
    [0, 1]; 1,348 to train, 449 to test) trains an ``MLP(64, [*hidden, 10])``
    of fused neurons with softmax cross-entropy and Adam, trained by batched replay. Writes
    ``digits_confusion.png`` (the test set's confusion matrix),
    ``digits_mistakes.png`` (test digits it gets wrong, with what it said)
    and ``digits_curves.png``. ``train_samples`` trains on the first n
    training images only (the tests use it for a quick run); ``seed`` sets the
    initial weights and the order of samples, never the split. Needs
    scikit-learn: without it, `data.MissingDigitsExtra` says how to install it.

    >>> import tempfile
    >>> result = digits(tempfile.mkdtemp(), epochs=1, train_samples=40, hidden=(4,), quiet=True)
    >>> [path.name for path in result.files]
    ['digits_confusion.png', 'digits_mistakes.png', 'digits_curves.png']
    """
    check_epochs(epochs)
    if train_samples is not None and (
        isinstance(train_samples, bool) or not isinstance(train_samples, numbers.Integral) or train_samples < 1
    ):
        raise ValueError(f"train_samples must be a whole number >= 1 (or None: all), got {train_samples!r}")
    plots.require_demo_extras()
    X_train, X_test, y_train, y_test = data.load_digits()  # before any output: a missing extra writes nothing
    if train_samples is not None:
        X_train, y_train = X_train[: int(train_samples)], y_train[: int(train_samples)]
    output = DemoOutput("digits", out, quiet)
    model = MLP(64, [*hidden, 10], activation, seed=seed, fused=True)
    steps = epochs * math.ceil(len(X_train) / DIGITS_BATCH)
    optimizer = Adam(model.parameters(), lr=linear_decay(lr, lr / 20, steps))

    def record(epoch: int, model: MLP, history: History) -> None:
        output.epoch_done(epoch, epochs, history, "digits")

    output.say(f"digits: training an MLP {[64, *hidden, 10]} ({activation}, {model.num_parameters()} "
               f"parameters) on {len(X_train)} handwritten digits, {len(X_test)} kept for testing")  # fmt: skip
    started = time.perf_counter()
    # batched replay: one sample's graph recorded once, replayed over each batch with NumPy
    with diverging_with_given_lr(lr, epochs, decay_schedule(lr)):
        history = fit(model, X_train, y_train, loss="cross_entropy", optimizer=optimizer, epochs=epochs,
                      batch_size=DIGITS_BATCH, seed=seed, val=(X_test, y_test), callback=record,
                      verbose=output.bars, batched=True)  # fmt: skip
    training_seconds = time.perf_counter() - started
    predicted = predict_classes(model, X_test)
    matrix = confusion(model, X_test, y_test)
    train_accuracy = accuracy(model, X_train, y_train)
    test_accuracy = float(np.trace(matrix) / matrix.sum())
    output.say(f"digits: train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%} "
               f"({len(y_test) - int(np.trace(matrix))} of {len(y_test)} test digits wrong), "
               f"training took {training_seconds:.1f} s")  # fmt: skip

    output.png(plots.confusion_figure(matrix, title=f"{len(y_test)} test digits: {test_accuracy:.1%} right"),
               "digits_confusion")  # fmt: skip
    wrong = np.flatnonzero(predicted != y_test)
    if len(wrong):
        shown = wrong[:MISTAKES_SHOWN]
        title = f"{len(wrong)} of {len(y_test)} test digits misclassified (true as predicted)"
    else:
        shown = np.arange(min(MISTAKES_SHOWN, len(y_test)))
        title = "no test digit misclassified: the first ones (true as predicted)"
    output.png(plots.digits_figure(X_test[shown], y_test[shown], predicted[shown], title), "digits_mistakes")
    output.png(classifier_curves(history, "softmax cross-entropy"), "digits_curves")
    keep_classifier(output, model, history, (X_train, X_test, y_train, y_test), train_accuracy, test_accuracy)
    output.result.metrics["training seconds"] = training_seconds
    output.result.data["confusion"] = matrix
    return output.done()
