"""What every demo shares: its output folder, its result, and the classifier demos' pieces.

`demos` (chain rule, regression, two-class classification) and
`demos_multiclass` (spiral3, digits) both build on this module, which
imports neither of them:

* `DemoOutput` writes a demo's files into one folder and narrates;
  `DemoResult` is what the demo returns;
* `check_epochs`, `hidden_sizes`, `snapshot_epochs`, `epoch_title` (frames
  and titles count epochs from 1, as the playground does: "before training",
  then "after epoch 1", ...);
* `mesh` (the grid a boundary is drawn on), `classifier_curves`,
  `keep_classifier`;
* `stop_if_blown_up` and `DemoDiverged`: a learning rate that makes training
  blow up ends the demo with the rate as it was given, the schedule that
  changed it, and the epoch counted from 1.
"""

from __future__ import annotations

import math
import numbers
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

import numpy as np
from tqdm import tqdm

from ..files import atomic_write
from ..nn import MLP
from ..teaching import plots
from ..teaching.rendering import GraphvizNotFound, find_dot, render
from ..train import History, LossExploding, TrainingDiverged, redraws_in_place

DEFAULT_SEED = 0  # of the data and the initial weights, in every demo

__all__ = [
    "DEFAULT_SEED",
    "DemoResult", "DemoOutput", "DemoDiverged", "check_epochs", "hidden_sizes", "snapshot_epochs", "epoch_title",
    "mesh", "classifier_curves", "keep_classifier", "stop_if_blown_up", "say_once", "diverging_with_given_lr",
    "decay_schedule",
]  # fmt: skip


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


SAID: set = set()  # notes already printed in this process: each is said once per run


def say_once(note: str) -> bool:
    """True the first time `note` comes up in this process, False after."""
    if note in SAID:
        return False
    SAID.add(note)
    return True


def _renderer_name(program: str) -> str:
    if Path(program).name.startswith("graphviz-pure"):
        return "graphviz-pure (Graphviz's dot is not installed; its layouts can differ a little)"
    return "Graphviz's dot"


class DemoOutput:
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
            if say_once("no renderer"):
                print(f"note: writing drawings as .dot text instead of SVG. {missing}", file=sys.stderr)
            self.dot_missing = True
            return False
        if not self.quiet and say_once(f"renderer {program}"):
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


def check_epochs(epochs: int) -> int:
    # Python or NumPy integers (np.int64 is a numbers.Integral), as fit takes them
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r:.40}")
    return int(epochs)


def hidden_sizes(hidden: Sequence[int]) -> List[int]:
    """Hidden layer sizes as a list (a tuple, a list or a 1-D NumPy array)."""
    return list(hidden.tolist() if hasattr(hidden, "tolist") else hidden)


def snapshot_epochs(epochs: int, count: int) -> List[int]:
    """`count` epochs from 0 to `epochs`, denser early, where the fit changes fastest."""
    spaced = np.geomspace(1, epochs + 1, count) - 1
    return sorted({int(round(e)) for e in spaced} | {0, epochs})


def epoch_title(epochs_done: int) -> str:
    """A frame's caption: epochs count from 1, as in the playground and the progress lines.

    >>> epoch_title(0), epoch_title(1), epoch_title(60)
    ('before training', 'after epoch 1', 'after epoch 60')
    """
    return "before training" if epochs_done == 0 else f"after epoch {epochs_done}"


def mesh(points: np.ndarray, resolution: int) -> tuple:
    """A square grid of `resolution`^2 points covering `points` with a margin."""
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.15 * (high - low)
    axes = [np.linspace(low[i] - margin[i], high[i] + margin[i], resolution) for i in (0, 1)]
    return np.meshgrid(*axes)


# Adam moves each weight by about lr per step, so a huge learning rate gives huge
# but finite weights and losses (no NaN for fit to catch) and a coin-toss boundary.
BLOWN_UP = 1000.0  # an epoch's loss this many times the untrained loss


def stop_if_blown_up(history: History, initial_loss: float, epoch: int, steps: int) -> None:
    """Stop a demo whose training loss exploded, with the error `fit` gives for NaN."""
    if history.loss[-1] > BLOWN_UP * max(initial_loss, 1e-3):
        diverged = TrainingDiverged(
            f"the mean training loss rose from {initial_loss:.3g} before training to "
            f"{history.loss[-1]:.3g}, more than {BLOWN_UP:g} times"
        )
        diverged.epoch, diverged.step, diverged.steps, diverged.lr = epoch, steps, steps, history.lr[-1]
        raise diverged


class DemoDiverged(TrainingDiverged):
    """A demo's training blew up: `TrainingDiverged`, told with the learning rate as it was given.

    The demos lower the learning rate over training (a schedule), so the rate
    of the step that blew up is not the one typed: the message gives both, and
    counts the epoch from 1 (``epoch`` itself stays `fit`'s, from 0).

    >>> found = TrainingDiverged("the loss became inf")
    >>> found.epoch, found.step, found.steps, found.lr = 0, 8, 8, 9.86e5
    >>> print(DemoDiverged(found, lr=1e6, epochs=60, schedule="the demo lowers it linearly to 5e+04"))
    training diverged in epoch 1 of 60, step 8 of 8: the loss became inf. The learning rate 1e+06 (as given; the demo lowers it linearly to 5e+04, so this step used 9.86e+05) is too large: try 1e+05 or smaller (--lr 1e+05)
    """

    def __init__(self, found: TrainingDiverged, lr: float, epochs: int, schedule: str = "") -> None:
        super().__init__(found.reason, found.node)
        self.epoch, self.step, self.steps, self.lr = found.epoch, found.step, found.steps, found.lr
        self.given_lr, self.epochs, self.schedule = lr, epochs, schedule

    def __str__(self) -> str:
        where = "training diverged"
        if self.epoch is not None:
            where += f" in epoch {self.epoch + 1} of {self.epochs}, step {self.step} of {self.steps}"
        rate = f"The learning rate {self.given_lr:g}"
        if self.schedule and self.lr is not None and self.lr != self.given_lr:
            rate += f" (as given; {self.schedule}, so this step used {self.lr:.3g})"
        smaller = f"{self.given_lr / 10:.3g}"
        return f"{where}: {self.reason}. {rate} is too large: try {smaller} or smaller (--lr {smaller})"


@contextmanager
def diverging_with_given_lr(lr: float, epochs: int, schedule: str = "") -> Iterator[None]:
    """Turn a `TrainingDiverged` raised inside into a `DemoDiverged` naming `lr` as given.

    `fit`'s `LossExploding` warning is silenced inside: a demo stops at the same
    1,000-fold rise (`stop_if_blown_up`) and says so in one line, with the rate as
    typed, where the warning would name the schedule's rate and count epochs from 0.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LossExploding)
            yield
    except DemoDiverged:
        raise
    except TrainingDiverged as found:
        raise DemoDiverged(found, lr, epochs, schedule) from found


def decay_schedule(lr: float) -> str:
    """How the demos' `linear_decay` changes the learning rate, in words."""
    return f"the demo lowers it linearly to {lr / 20:.3g} over training"


# The classifier demos (here and in demos_multiclass) draw the same curves and
# return the same fields, so that one test or notebook cell reads any of them.


def classifier_curves(history: History, loss: str):
    """Loss (log scale) and accuracy per epoch, train against test."""
    title = f"loss ({loss})"
    curves = {
        title: {"train": history.loss, "test": history.val_loss},
        "accuracy": {"train": history.accuracy, "test": history.val_accuracy},
    }
    return plots.curves_figure(curves, log_y=[title])


def keep_classifier(output: "DemoOutput", model: MLP, history: History, split: tuple, train_accuracy: float,
                     test_accuracy: float) -> None:  # fmt: skip
    """Store a classifier demo's result; `split` is (X_train, X_test, y_train, y_test)."""
    X_train, X_test, y_train, y_test = split
    output.result.metrics = {"train accuracy": train_accuracy, "test accuracy": test_accuracy}
    output.result.models = {"classifier": model}
    output.result.histories = {"classifier": history}
    output.result.data = {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


