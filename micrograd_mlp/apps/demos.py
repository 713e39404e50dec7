"""The three demos of `micrograd-mlp demo`, retelling the slides in pictures.

* `chain_rule`: one neuron ``tanh(x1*w1 + x2*w2 + b)``, its graph before and
  after ``backward()``, a page stepping through backward, and the chain rule
  for every input and weight written out with numbers.
* `regression`: "a linear combination of linear functions is a linear
  function: we need non linearity!" A linear MLP (the slides' ``MLP``) and a
  ReLU MLP (``MLPrelu``) fit the same cubic with per-sample SGD; the line
  stays straight, the ReLU net bends.
* `classification`: a decision boundary learned on two moons (or circles,
  xor, spiral), with a held-out test set.

Each demo writes its pictures into a folder and returns a `DemoResult`
(files written, headline numbers, the trained models). Pictures need the
``demos`` extra (matplotlib, Pillow); graph drawings need Graphviz's ``dot``,
and without it are written as ``.dot`` text with a hint on how to install it.

>>> import tempfile
>>> result = chain_rule(tempfile.mkdtemp(), quiet=True)
>>> round(result.metrics["d o / d w1"], 4)   # x1 * (1 - tanh(n)^2) = 2 * 0.5
1.0
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import numpy as np

from .. import data
from ..engine import Value
from ..nn import MLP
from ..optim import SGD, Adam, linear_decay
from ..teaching import plots
from ..teaching.explain import explain
from ..teaching.stepper import stepper_html
from ..teaching.viz import draw_dot, draw_mlp
from ..train import History, accuracy, evaluate, fit, predict
from .demo_output import (
    DEFAULT_SEED, DemoOutput, DemoResult, check_epochs, classifier_curves, decay_schedule, diverging_with_given_lr,
    epoch_title, hidden_sizes, keep_classifier, mesh, snapshot_epochs, stop_if_blown_up,
)  # fmt: skip

__all__ = ["DemoResult", "chain_rule", "regression", "classification", "run", "DEMOS"]

DEMOS = ("chain-rule", "regression", "classification")
# More classes (demos_multiclass): not in `demo all`, which stays the three above;
# digits needs the digits extra (scikit-learn).
MORE_DEMOS = ("spiral3", "digits")
DATASETS = tuple(data.DATASETS)
ACTIVATIONS = ("relu", "tanh", "sigmoid")

# Default settings, chosen so that all three demos run in well under a minute
# on two cores and moons reach 100% train / >= 95% test accuracy.
REGRESSION_EPOCHS, REGRESSION_LR, REGRESSION_HIDDEN = 100, 0.03, (16,)
CLASSIFICATION_LR, CLASSIFICATION_HIDDEN = 0.02, (16, 16)
# The spiral needs many more passes than the other sets to wind its boundary round.
CLASSIFICATION_EPOCHS = {"moons": 60, "circles": 60, "xor": 60, "spiral": 150}
BATCH_SIZE = 20


# ------------------------------------------------------------- chain rule


def chain_rule(out: Union[str, Path] = "micrograd-out", *, quiet: bool = False) -> DemoResult:
    """One tanh neuron, backpropagated in pictures (micrograd's example numbers).

    Writes ``chain_rule_before.svg`` (forward pass, grads 0),
    ``chain_rule_steps.html`` (backward one step at a time),
    ``chain_rule_after.svg`` (every grad filled in) and ``chain_rule.txt``
    (the chain rule for each input and weight, with numbers). Without Graphviz
    the two graphs are written as ``.dot`` text and there is no stepper page.
    """
    output = DemoOutput("chain-rule", out, quiet)
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    # b is chosen so that n = 0.8814 and tanh(n) = 1/sqrt(2): d o/d n = 1 - o^2 = 0.5
    b = Value(6.8813735870195432, label="b")
    # Short names that can be read aloud ("d o by d p1"), each defined in the text:
    # p1, p2 the weighted inputs, s their sum, n the neuron's input, o its output.
    p1 = x1 * w1
    p1.label = "p1"
    p2 = x2 * w2
    p2.label = "p2"
    s = p1 + p2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"

    weights = (w1, w2, b)  # drawn green as parameters; x1, x2 grey as inputs

    output.say("chain-rule: the neuron o = tanh(x1*w1 + x2*w2 + b)")
    output.drawing(draw_dot(o, params=weights), "chain_rule_before")
    # The stepper runs the backward pass itself (one frame per node), filling
    # the grads exactly as o.backward() would; calling both would double them.
    if output.can_draw():
        output.keep(stepper_html(o, output.folder / "chain_rule_steps.html", params=weights,
                                 title="Backpropagating o = tanh(x1*w1 + x2*w2 + b)"))  # fmt: skip
    else:
        output.say("chain-rule: no stepper page: its frames are pictures laid out by Graphviz")
        o.backward()
    output.drawing(draw_dot(o, params=weights), "chain_rule_after")

    leaves = (x1, w1, x2, w2, b)
    derivations = [explain(leaf, o) for leaf in leaves]
    # On screen the first line of each derivation; the file has every "where" step.
    output.say("\n".join("  " + text.splitlines()[0] for text in derivations))
    heading = (f"o = tanh(x1*w1 + x2*w2 + b) = {o.data:.4f}, computed as p1 = x1 * w1, p2 = x2 * w2, "
               f"s = p1 + p2, n = s + b, o = tanh(n); the chain rule for each input and weight:")  # fmt: skip
    output.text("\n\n".join([heading, *derivations]), "chain_rule")
    output.result.metrics = {f"d o / d {leaf.label}": leaf.grad for leaf in leaves}
    return output.done()


# -------------------------------------------------------------- regression


def regression(
    out: Union[str, Path] = "micrograd-out",
    *,
    epochs: int = REGRESSION_EPOCHS,
    lr: float = REGRESSION_LR,
    hidden: Sequence[int] = REGRESSION_HIDDEN,
    activation: str = "relu",
    seed: int = DEFAULT_SEED,
    samples: int = 80,
    frames: int = 25,
    quiet: bool = False,
) -> DemoResult:
    """A linear MLP against a non-linear one on the cubic y = x^3 - x, as in the slides.

    Both nets have the same hidden sizes, initial-weight seed and per-sample
    SGD on the same 0.5*(y_hat - y)^2 loss, exactly the slides' ``fit``: one
    sample at a time in the data's order, no shuffling (the weights equal those
    of `reference.MLPrelu.fit` and, for the linear net, the corrected
    `reference.MLP.fit`). Writes ``regression_fits.png`` (both fits at epochs 1, 10%, 50% and
    100% of training: "Epoch 50" of the slides at the default 100),
    ``regression_fit.gif`` (the fits over training) and ``regression_loss.png``.

    >>> import tempfile
    >>> result = regression(tempfile.mkdtemp(), epochs=2, samples=12, frames=2, quiet=True)
    >>> sorted(result.metrics)
    ['linear MLP final loss', 'relu MLP final loss']
    """
    if activation == "linear":
        raise ValueError(
            "the regression demo compares a linear MLP with a non-linear one; "
            "give activation='relu', 'tanh' or 'sigmoid'"
        )
    hidden = hidden_sizes(hidden)
    if not hidden:
        raise ValueError(
            "the regression demo needs a hidden layer: without one both nets are the same "
            "straight line; give e.g. hidden=(16,)"
        )
    check_epochs(epochs)
    plots.require_demo_extras()
    output = DemoOutput("regression", out, quiet)
    X, y = data.make_cubic(samples, seed=seed)
    line_x = np.linspace(X.min(), X.max(), 200).reshape(-1, 1)
    nets = {
        "linear MLP": MLP(1, [*hidden, 1], "linear", seed=seed, fused=True),
        f"{activation} MLP": MLP(1, [*hidden, 1], activation, seed=seed, fused=True),
    }
    wanted = set(snapshot_epochs(epochs, frames))
    panels = sorted({1, max(1, epochs // 10), max(1, epochs // 2), epochs})
    fits: Dict[int, Dict[str, np.ndarray]] = {e: {} for e in sorted(wanted | set(panels))}

    for name, net in nets.items():
        output.say(f"regression: training the {name} {[1, *hidden, 1]} on y = x^3 - x, per-sample SGD")
        fits[0][name] = predict(net, line_x)

        # name=name binds this loop's name now, not the last one when called
        def record(epoch: int, model: MLP, history: History, name: str = name) -> None:
            if epoch + 1 in fits:
                fits[epoch + 1][name] = predict(model, line_x)
            output.epoch_done(epoch, epochs, history, name)

        # The slides' fit: one sample at a time, in the data's order (no shuffling).
        with diverging_with_given_lr(lr, epochs):
            history = fit(net, X, y, loss="mse", optimizer=SGD(net.parameters(), lr=lr), epochs=epochs,
                          batch_size=1, shuffle=False, callback=record, verbose=output.bars)  # fmt: skip
        # (no batched=True here: a replay pays per batch, and per-sample SGD has batches of one,
        # where the scalar graph of this small net is cheaper: 0.23 ms against 0.4 ms CPU a step)
        output.result.histories[name] = history
        # the mean loss over the last epoch's samples, each as it was trained on
        output.result.metrics[f"{name} final loss"] = history.loss[-1]

    def snapshot(epoch: int) -> tuple:
        return (epoch_title(epoch), fits[epoch])

    output.png(plots.fits_figure(X[:, 0], y, line_x[:, 0], [snapshot(e) for e in panels]),
               "regression_fits")  # fmt: skip
    animation = [
        plots.figure_to_image(plots.fits_figure(X[:, 0], y, line_x[:, 0], [snapshot(e)]))
        for e in output.frames(sorted(wanted))
    ]
    output.gif(animation, "regression_fit")
    losses = {name: history.loss for name, history in output.result.histories.items()}
    title = "training loss, 0.5 (y_hat - y)^2"
    output.png(plots.curves_figure({title: losses}, log_y=[title]), "regression_loss")
    output.result.models = nets
    output.result.data = {"X": X, "y": y}
    return output.done()


# ---------------------------------------------------------- classification


def classification(
    out: Union[str, Path] = "micrograd-out",
    *,
    dataset: str = "moons",
    epochs: Optional[int] = None,
    lr: float = CLASSIFICATION_LR,
    hidden: Sequence[int] = CLASSIFICATION_HIDDEN,
    activation: str = "relu",
    seed: int = DEFAULT_SEED,
    samples: int = 200,
    frames: int = 20,
    resolution: int = 60,
    quiet: bool = False,
) -> DemoResult:
    """Learn a decision boundary on a 2-D toy set, checked on held-out points.

    A quarter of the points are kept back as a test set. The net outputs a
    logit (class 1 when > 0), trained with binary cross-entropy on logits and
    Adam in mini-batches of 20, its learning rate falling linearly to 1/20.
    Writes ``classification_boundary.png``, ``classification_training.gif``
    (the boundary over training), ``classification_curves.png`` (loss and
    accuracy, train and test) and ``classification_network.svg`` (the net).

    >>> import tempfile
    >>> result = classification(tempfile.mkdtemp(), dataset="xor", epochs=1, samples=24,
    ...                         hidden=(3,), frames=2, resolution=8, quiet=True)
    >>> [path.name for path in result.files][:2]
    ['classification_boundary.png', 'classification_training.gif']
    """
    if dataset not in data.DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    epochs = check_epochs(CLASSIFICATION_EPOCHS[dataset] if epochs is None else epochs)
    hidden = hidden_sizes(hidden)
    if resolution < 2:
        raise ValueError(f"resolution is the boundary grid's points per side, at least 2; got {resolution!r}")
    plots.require_demo_extras()
    output = DemoOutput("classification", out, quiet)
    X, y = data.DATASETS[dataset](samples, seed=seed)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.25, seed=seed)
    model = MLP(2, [*hidden, 1], activation, seed=seed, fused=True)
    steps = epochs * math.ceil(len(X_train) / BATCH_SIZE)
    optimizer = Adam(model.parameters(), lr=linear_decay(lr, lr / 20, steps))

    coarse = mesh(X, max(2, resolution // 2))  # the GIF's frames: half the grid, a quarter the cost
    snapshots = {epoch: None for epoch in snapshot_epochs(epochs, frames)}
    snapshots[0] = _scores(model, *coarse)

    initial_loss = evaluate(model, X_train, y_train, "bce_logits")

    def record(epoch: int, model: MLP, history: History) -> None:
        stop_if_blown_up(history, initial_loss, epoch, steps // epochs)
        if epoch + 1 in snapshots:
            snapshots[epoch + 1] = _scores(model, *coarse)
        output.epoch_done(epoch, epochs, history, dataset)

    output.say(f"classification: training an MLP {[2, *hidden, 1]} ({activation}) on "
               f"{len(X_train)} {dataset} points, {len(X_test)} kept for testing")  # fmt: skip
    with diverging_with_given_lr(lr, epochs, decay_schedule(lr)):
        history = fit(model, X_train, y_train, loss="bce_logits", optimizer=optimizer,
                      epochs=epochs, batch_size=BATCH_SIZE, seed=seed, val=(X_test, y_test),
                      callback=record, verbose=output.bars, batched=True)  # fmt: skip
    train_accuracy = accuracy(model, X_train, y_train)
    test_accuracy = accuracy(model, X_test, y_test)
    output.say(f"classification: train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%}")

    def boundary(grid: tuple, scores: np.ndarray, title: str, limit: Optional[float] = None):
        return plots.boundary_figure(*grid, scores, X_train, y_train, title, X_test, y_test, limit=limit)

    fine = mesh(X, resolution)
    title = f"{dataset}: train {train_accuracy:.0%}, test {test_accuracy:.0%} after {epochs} epochs"
    # One colour scale for every frame and the final picture: a shade means the same logit
    # all through training.
    limit = plots.colour_limit(list(snapshots.values()))
    output.png(boundary(fine, _scores(model, *fine), title, limit), "classification_boundary")
    animation = [
        plots.figure_to_image(boundary(coarse, snapshots[epoch], f"{dataset}, {epoch_title(epoch)}", limit))
        for epoch in output.frames(sorted(snapshots))
    ]
    output.gif(animation, "classification_training")
    output.png(classifier_curves(history, "binary cross-entropy"), "classification_curves")
    try:
        network = draw_mlp(model, title=f"trained on {dataset}")
    except ValueError as too_big:  # a network too big for dot to lay out: keep the rest
        print(f"note: no drawing of the network. {too_big}", file=sys.stderr)
    else:
        output.drawing(network, "classification_network")
    keep_classifier(output, model, history, (X_train, X_test, y_train, y_test), train_accuracy, test_accuracy)
    return output.done()


def _scores(model: MLP, grid_x: np.ndarray, grid_y: np.ndarray) -> np.ndarray:
    """The model's logit at every grid point (predict runs under no_grad: no graph)."""
    return predict(model, np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)



# ------------------------------------------------------------------ runner


def run(
    name: str,
    out: Union[str, Path] = "micrograd-out",
    *,
    epochs: Optional[int] = None,
    lr: Optional[float] = None,
    hidden: Optional[Sequence[int]] = None,
    activation: str = "relu",
    seed: int = DEFAULT_SEED,
    dataset: str = "moons",
    quiet: bool = False,
) -> DemoResult:
    """Run one demo by its command-line name; None settings keep the demo's defaults.

    ``spiral3`` and ``digits`` are in `demos_multiclass`; ``dataset`` of
    ``spiral3`` is ``"spiral3"`` (its default, also when "moons" is passed) or ``"yinyang"``.

    >>> import tempfile
    >>> round(run("chain-rule", tempfile.mkdtemp(), quiet=True).metrics["d o / d b"], 4)
    0.5
    """
    if name == "chain-rule":
        return chain_rule(out, quiet=quiet)
    given = {"epochs": epochs, "lr": lr, "hidden": hidden}
    settings = {key: value for key, value in given.items() if value is not None}
    settings.update(activation=activation, seed=seed, quiet=quiet)
    if name == "regression":
        return regression(out, **settings)
    if name == "classification":
        return classification(out, dataset=dataset, **settings)
    if name in MORE_DEMOS:
        from . import demos_multiclass  # it builds on this module

        if name == "spiral3":
            return demos_multiclass.spiral3(out, dataset="spiral3" if dataset == "moons" else dataset, **settings)
        return demos_multiclass.digits(out, **settings)
    raise ValueError(f"unknown demo {name!r}; choose one of {', '.join(DEMOS + MORE_DEMOS)}")
