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
import numbers
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
from tqdm import tqdm

from . import data, plots
from .engine import Value
from .explain import explain
from .files import atomic_write
from .nn import MLP
from .optim import SGD, Adam, linear_decay
from .rendering import GraphvizNotFound, find_dot, render
from .stepper import stepper_html
from .train import History, TrainingDiverged, accuracy, evaluate, fit, predict, redraws_in_place
from .viz import draw_dot, draw_mlp

__all__ = ["DemoResult", "chain_rule", "regression", "classification", "run", "DEMOS"]

DEMOS = ("chain-rule", "regression", "classification")
# More classes (demos_multiclass): not in `demo all`, which stays the three above;
# digits needs the digits extra (scikit-learn).
MORE_DEMOS = ("spiral3", "digits")
DATASETS = tuple(data.DATASETS)
ACTIVATIONS = ("relu", "tanh", "sigmoid")
DEFAULT_SEED = 0

# Default settings, chosen so that all three demos run in well under a minute
# on two cores and moons reach 100% train / >= 95% test accuracy.
REGRESSION_EPOCHS, REGRESSION_LR, REGRESSION_HIDDEN = 100, 0.03, (16,)
CLASSIFICATION_LR, CLASSIFICATION_HIDDEN = 0.02, (16, 16)
# The spiral needs many more passes than the other sets to wind its boundary round.
CLASSIFICATION_EPOCHS = {"moons": 60, "circles": 60, "xor": 60, "spiral": 150}
BATCH_SIZE = 20


@dataclass
class DemoResult:
    """What a demo wrote and found.

    ``files`` are the paths written, in order; ``metrics`` the headline numbers
    (final losses, accuracies); ``models`` and ``histories`` the trained
    networks and their training records, by name, and ``data`` the arrays
    they were trained and tested on, to explore further.

    >>> DemoResult("regression").files
    []
    """

    name: str
    files: List[Path] = field(default_factory=list)
    metrics: Dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    models: Dict[str, MLP] = field(default_factory=dict)
    histories: Dict[str, History] = field(default_factory=dict)
    data: Dict[str, np.ndarray] = field(default_factory=dict)


_SAID: set = set()  # notes already printed in this process: each is said once per run


def _say_once(note: str) -> bool:
    """True the first time `note` comes up in this process, False after."""
    if note in _SAID:
        return False
    _SAID.add(note)
    return True


def _renderer_name(program: str) -> str:
    if Path(program).name.startswith("graphviz-pure"):
        return "graphviz-pure (Graphviz's dot is not installed; its layouts can differ a little)"
    return "Graphviz's dot"


class _Output:
    """Writes a demo's files into one folder, narrating unless quiet."""

    def __init__(self, name: str, folder: Union[str, Path], quiet: bool) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.quiet = quiet
        self.result = DemoResult(name)
        self.started = time.perf_counter()
        self.dot_missing = False
        # A progress bar redraws its line with carriage returns: right on a terminal
        # or in Jupyter, but a log file or a pipe would keep every redraw, so there
        # the demo prints one plain line per quarter of training instead.
        self.bars = not quiet and redraws_in_place(sys.stderr)

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def epoch_done(self, epoch: int, epochs: int, history: History, what: str) -> None:
        """Without live bars (a log, a pipe), say how training goes at each quarter."""
        quarters = {math.ceil(epochs * k / 4) for k in (1, 2, 3, 4)}
        if self.quiet or self.bars or epoch + 1 not in quarters:
            return
        print(f"{self.result.name}: {what} epoch {epoch + 1}/{epochs}: {history.summary()}",
              file=sys.stderr, flush=True)  # fmt: skip

    def frames(self, epochs: Sequence[int]) -> Iterable[int]:
        """`epochs`, with a bar while their GIF frames are drawn (live bars only)."""
        return tqdm(epochs, desc="drawing frames", unit="frame", disable=not self.bars, leave=False)

    def keep(self, path: Path) -> Path:
        self.result.files.append(path)
        return path

    def can_draw(self) -> bool:
        """Is Graphviz's dot (or graphviz-pure) there to lay out drawings?

        Says once per run (per process, not per demo) which program it is or, when
        there is none, how to install one.
        """
        try:
            program = find_dot()
        except GraphvizNotFound as missing:
            if _say_once("no renderer"):
                print(f"note: writing drawings as .dot text instead of SVG. {missing}", file=sys.stderr)
            self.dot_missing = True
            return False
        if not self.quiet and _say_once(f"renderer {program}"):
            self.say(f"drawings laid out by {_renderer_name(program)} ({program})")
        return True

    def drawing(self, graph, name: str) -> Path:
        """An SVG of a Graphviz drawing, or its ``.dot`` text when dot is missing."""
        suffix = "svg" if self.can_draw() else "dot"
        return self.keep(render(graph, self.folder / f"{name}.{suffix}"))

    def png(self, figure, name: str) -> Path:
        return self.keep(plots.save_png(figure, self.folder / f"{name}.png"))

    def gif(self, frames: list, name: str) -> Path:
        return self.keep(plots.save_gif(frames, self.folder / f"{name}.gif"))

    def text(self, text: str, name: str) -> Path:
        path = self.folder / f"{name}.txt"
        atomic_write(path, text + "\n")
        return self.keep(path)

    def done(self) -> DemoResult:
        self.result.seconds = time.perf_counter() - self.started
        return self.result


# ------------------------------------------------------------- chain rule


def chain_rule(out: Union[str, Path] = "micrograd-out", *, quiet: bool = False) -> DemoResult:
    """One tanh neuron, backpropagated in pictures (micrograd's example numbers).

    Writes ``chain_rule_before.svg`` (forward pass, grads 0),
    ``chain_rule_steps.html`` (backward one step at a time),
    ``chain_rule_after.svg`` (every grad filled in) and ``chain_rule.txt``
    (the chain rule for each input and weight, with numbers). Without Graphviz
    the two graphs are written as ``.dot`` text and there is no stepper page.
    """
    output = _Output("chain-rule", out, quiet)
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    # b is chosen so that n = 0.8814 and tanh(n) = 1/sqrt(2): d o/d n = 1 - o^2 = 0.5
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1w1x2w2"
    n = x1w1x2w2 + b
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
    heading = f"o = tanh(x1*w1 + x2*w2 + b) = {o.data:.4f}; the chain rule for each input and weight:"
    output.text("\n\n".join([heading, *derivations]), "chain_rule")
    output.result.metrics = {f"d o / d {leaf.label}": leaf.grad for leaf in leaves}
    return output.done()


# -------------------------------------------------------------- regression


def _check_epochs(epochs: int) -> int:
    # Python or NumPy integers (np.int64 is a numbers.Integral), as fit takes them
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r:.40}")
    return int(epochs)


def _hidden_sizes(hidden: Sequence[int]) -> List[int]:
    """Hidden layer sizes as a list (a tuple, a list or a 1-D NumPy array)."""
    return list(hidden.tolist() if hasattr(hidden, "tolist") else hidden)


def _snapshot_epochs(epochs: int, count: int) -> List[int]:
    """`count` epochs from 0 to `epochs`, denser early, where the fit changes fastest."""
    spaced = np.geomspace(1, epochs + 1, count) - 1
    return sorted({int(round(e)) for e in spaced} | {0, epochs})


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
    hidden = _hidden_sizes(hidden)
    if not hidden:
        raise ValueError(
            "the regression demo needs a hidden layer: without one both nets are the same "
            "straight line; give e.g. hidden=(16,)"
        )
    _check_epochs(epochs)
    plots.require_demo_extras()
    output = _Output("regression", out, quiet)
    X, y = data.make_cubic(samples, seed=seed)
    line_x = np.linspace(X.min(), X.max(), 200).reshape(-1, 1)
    nets = {
        "linear MLP": MLP(1, [*hidden, 1], "linear", seed=seed, fused=True),
        f"{activation} MLP": MLP(1, [*hidden, 1], activation, seed=seed, fused=True),
    }
    wanted = set(_snapshot_epochs(epochs, frames))
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
        history = fit(net, X, y, loss="mse", optimizer=SGD(net.parameters(), lr=lr), epochs=epochs,
                      batch_size=1, shuffle=False, callback=record, verbose=output.bars)  # fmt: skip
        # (no batched=True here: a replay pays per batch, and per-sample SGD has batches of one,
        # where the scalar graph of this small net is cheaper: 0.23 ms against 0.4 ms CPU a step)
        output.result.histories[name] = history
        # the mean loss over the last epoch's samples, each as it was trained on
        output.result.metrics[f"{name} final loss"] = history.loss[-1]

    def snapshot(epoch: int) -> tuple:
        return (f"Epoch {epoch}", fits[epoch])

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


def _mesh(points: np.ndarray, resolution: int) -> tuple:
    """A square grid of `resolution`^2 points covering `points` with a margin."""
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.15 * (high - low)
    axes = [np.linspace(low[i] - margin[i], high[i] + margin[i], resolution) for i in (0, 1)]
    return np.meshgrid(*axes)


def _scores(model: MLP, grid_x: np.ndarray, grid_y: np.ndarray) -> np.ndarray:
    """The model's logit at every grid point (predict runs under no_grad: no graph)."""
    return predict(model, np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)


# Adam moves each weight by about lr per step, so a huge learning rate gives huge
# but finite weights and losses (no NaN for fit to catch) and a coin-toss boundary.
BLOWN_UP = 1000.0  # an epoch's loss this many times the untrained loss


def _stop_if_blown_up(history: History, initial_loss: float, epoch: int, steps: int) -> None:
    """Stop a demo whose training loss exploded, with the error `fit` gives for NaN."""
    if history.loss[-1] > BLOWN_UP * max(initial_loss, 1e-3):
        diverged = TrainingDiverged(
            f"the mean training loss rose from {initial_loss:.3g} before training to "
            f"{history.loss[-1]:.3g}, more than {BLOWN_UP:g} times"
        )
        diverged.epoch, diverged.step, diverged.steps, diverged.lr = epoch, steps, steps, history.lr[-1]
        raise diverged


# The classifier demos (here and in demos_multiclass) draw the same curves and
# return the same fields, so that one test or notebook cell reads any of them.


def _classifier_curves(history: History, loss: str):
    """Loss (log scale) and accuracy per epoch, train against test."""
    title = f"loss ({loss})"
    curves = {
        title: {"train": history.loss, "test": history.val_loss},
        "accuracy": {"train": history.accuracy, "test": history.val_accuracy},
    }
    return plots.curves_figure(curves, log_y=[title])


def _keep_classifier(output: "_Output", model: MLP, history: History, split: tuple, train_accuracy: float,
                     test_accuracy: float) -> None:  # fmt: skip
    """Store a classifier demo's result; `split` is (X_train, X_test, y_train, y_test)."""
    X_train, X_test, y_train, y_test = split
    output.result.metrics = {"train accuracy": train_accuracy, "test accuracy": test_accuracy}
    output.result.models = {"classifier": model}
    output.result.histories = {"classifier": history}
    output.result.data = {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


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
    epochs = _check_epochs(CLASSIFICATION_EPOCHS[dataset] if epochs is None else epochs)
    hidden = _hidden_sizes(hidden)
    if resolution < 2:
        raise ValueError(f"resolution is the boundary grid's points per side, at least 2; got {resolution!r}")
    plots.require_demo_extras()
    output = _Output("classification", out, quiet)
    X, y = data.DATASETS[dataset](samples, seed=seed)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.25, seed=seed)
    model = MLP(2, [*hidden, 1], activation, seed=seed, fused=True)
    steps = epochs * math.ceil(len(X_train) / BATCH_SIZE)
    optimizer = Adam(model.parameters(), lr=linear_decay(lr, lr / 20, steps))

    coarse = _mesh(X, max(2, resolution // 2))  # the GIF's frames: half the grid, a quarter the cost
    snapshots = {epoch: None for epoch in _snapshot_epochs(epochs, frames)}
    snapshots[0] = _scores(model, *coarse)

    initial_loss = evaluate(model, X_train, y_train, "bce_logits")

    def record(epoch: int, model: MLP, history: History) -> None:
        _stop_if_blown_up(history, initial_loss, epoch, steps // epochs)
        if epoch + 1 in snapshots:
            snapshots[epoch + 1] = _scores(model, *coarse)
        output.epoch_done(epoch, epochs, history, dataset)

    output.say(f"classification: training an MLP {[2, *hidden, 1]} ({activation}) on "
               f"{len(X_train)} {dataset} points, {len(X_test)} kept for testing")  # fmt: skip
    history = fit(model, X_train, y_train, loss="bce_logits", optimizer=optimizer,
                  epochs=epochs, batch_size=BATCH_SIZE, seed=seed, val=(X_test, y_test),
                  callback=record, verbose=output.bars, batched=True)  # fmt: skip
    train_accuracy = accuracy(model, X_train, y_train)
    test_accuracy = accuracy(model, X_test, y_test)
    output.say(f"classification: train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%}")

    def boundary(grid: tuple, scores: np.ndarray, title: str):
        return plots.boundary_figure(*grid, scores, X_train, y_train, title, X_test, y_test)

    fine = _mesh(X, resolution)
    title = f"{dataset}: train {train_accuracy:.0%}, test {test_accuracy:.0%} after {epochs} epochs"
    output.png(boundary(fine, _scores(model, *fine), title), "classification_boundary")
    animation = [
        plots.figure_to_image(boundary(coarse, snapshots[epoch], f"{dataset}, epoch {epoch}"))
        for epoch in output.frames(sorted(snapshots))
    ]
    output.gif(animation, "classification_training")
    output.png(_classifier_curves(history, "binary cross-entropy"), "classification_curves")
    try:
        network = draw_mlp(model, title=f"trained on {dataset}")
    except ValueError as too_big:  # a network too big for dot to lay out: keep the rest
        print(f"note: no drawing of the network. {too_big}", file=sys.stderr)
    else:
        output.drawing(network, "classification_network")
    _keep_classifier(output, model, history, (X_train, X_test, y_train, y_test), train_accuracy, test_accuracy)
    return output.done()


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
