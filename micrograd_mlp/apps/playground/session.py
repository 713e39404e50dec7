"""One browser tab's training session, in plain Python (no web server needed).

A `Session` holds what one tab trains: the data (split into train and test),
the `MLP`, the optimizer and the curves so far. Its settings are checked by
`settings.validate_settings`; what the page draws of it (a "frame") is built by
`frames`. The web server only turns requests into calls of this class, so tests
and the notebook widgets drive everything here directly:

>>> session = Session({"dataset": "xor", "points": 40, "hidden": [4]})
>>> frame = session.tick()          # one epoch of training, then the new boundary
>>> frame["epoch"], len(frame["curves"]["train_loss"])
(1, 1)
>>> frame = session.update({"lr": 0.1})   # settings change live (a bad one: SettingsError)

The numbers on the page all come from the library itself: `data` makes the
points, a `Trainer` trains (`train_one_epoch`, the one place that trains), `predict`
draws the boundary, `check_finite` names where a diverging run blew up.
"""

from __future__ import annotations

import math
import re
from collections import deque
from typing import Any, Dict, Optional

import numpy as np

from ... import batched, data
from ...engine import NonFiniteError
from ...losses import LOSSES, l2 as l2_penalty
from ...nn import MLP
from ...optim import SGD, Adam
from ...train import LossExploding, Trainer
from . import frames
from .engine_lock import ENGINE_LOCK
from .settings import (  # re-exported: these were importable from here before settings.py existed
    CLASSIFICATION_LOSSES,
    DATA_SETTINGS,
    DATASETS,
    DEFAULTS,
    HIDDEN_ACTIVATIONS,
    LIMITS,
    MODEL_SETTINGS,
    OPTIMIZERS,
    REGRESSION_SETS,
    SettingsError,
    validate_settings,
)

__all__ = ["Session", "train_one_epoch", "ENGINE_LOCK", "SettingsError", "LIMITS", "DEFAULTS", "validate_settings",
           "CLASSIFICATION_LOSSES", "DATASETS", "HIDDEN_ACTIVATIONS", "OPTIMIZERS"]


def train_one_epoch(trainer: Trainer, seed: int) -> Dict[str, float]:
    """The single place the playground trains: one epoch of the library's `Trainer`; its numbers.

    The session keeps its own bounded curves, so the trainer's history keeps
    only its last epoch: a tab that plays for hours holds no growing list.
    """
    numbers = trainer.epoch(seed=seed)
    history = trainer.history
    for values in (history.loss, history.accuracy, history.val_loss, history.val_accuracy, history.lr):
        del values[:-1]
    return numbers


def _make_optimizer(model: MLP, settings: Dict[str, Any]) -> Any:
    name, lr = settings["optimizer"], settings["lr"]
    if name == "adam":
        return Adam(model.parameters(), lr=lr)
    return SGD(model.parameters(), lr=lr, momentum=0.9 if name == "momentum" else 0.0)


class Session:
    """What one tab trains: data, model, optimizer, curves. Thread-safe.

    >>> s = Session({"dataset": "cubic", "hidden": [8], "points": 30})
    >>> s.settings["loss"]
    'mse'
    >>> frame = s.tick()                 # regression: the fitted curve, no accuracy
    >>> frame["epoch"], len(frame["curve"]["y"]), frame["curves"]["train_acc"]
    (1, 100, [])
    """

    def __init__(self, settings: Optional[Dict[str, Any]] = None, *, data: Optional[tuple] = None,
                 model: Optional[MLP] = None) -> None:  # fmt: skip
        """``data=(X, y)`` and ``model`` train the caller's own points and network (the
        notebook's `Playground`) instead of those the settings make; reset then restores
        the model's weights as given. Arrays are trusted here: the caller checks them."""
        self.lock = ENGINE_LOCK  # shared by every engine user of this process: see engine_lock
        self.settings = validate_settings(settings or {})
        self.own_data = data
        self.own_model = None if model is None else (model, [p.data for p in model.parameters()])
        self.model: Optional[MLP] = None
        # Counts every change; a frame carries it, so the page can drop a frame
        # that arrives after a newer one (a socket frame overtaken by a step).
        self.version = 0
        self.error: Optional[str] = None
        self._points: Optional[Dict[str, Any]] = None  # the data as JSON numbers, made once per data set
        with self.lock:
            self._make_data()
            self._make_model()

    # -- building -------------------------------------------------------

    def _make_data(self) -> None:
        s = self.settings
        if self.own_data is not None:
            X, y = self.own_data
        elif s["dataset"] == "cubic":
            X, y = data.make_cubic(s["points"], noise=s["noise"], seed=s["seed"])
        else:
            X, y = data.DATASETS[s["dataset"]](s["points"], noise=s["noise"], seed=s["seed"])
        self.X_train, self.X_test, self.y_train, self.y_test = data.train_test_split(
            X, y.astype(float), s["test_fraction"], seed=s["seed"]
        )
        self._points = None
        low, high = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * (high - low) + 0.1
        self.bounds = [float(v) for v in np.ravel(np.column_stack([low - pad, high + pad]))]

    def _make_model(self) -> None:
        s = self.settings
        nin = self.X_train.shape[1]
        output = "sigmoid" if s["loss"] == "bce" else "linear"
        self.close()  # the old model's cached replay programs go with it
        if self.own_model is not None:
            self.model, weights = self.own_model
            for parameter, weight in zip(self.model.parameters(), weights):
                parameter.data, parameter.grad = weight, 0.0
        else:
            self.model = MLP(nin, s["hidden"] + [1], s["activation"], output, seed=s["seed"])
        self.optimizer = _make_optimizer(self.model, s)
        self.trainer: Optional[Trainer] = None  # made at the first tick, again when what it holds changes
        self.epoch = 0
        self.error = None
        self.warning: Optional[str] = None  # the Trainer's LossExploding, said once, in the page's epochs
        self.curves = {name: deque(maxlen=LIMITS["history"])
                       for name in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}  # fmt: skip

    def close(self) -> None:
        """Free what the library caches for this session's model (batched replay's programs)."""
        if self.model is not None:
            batched.forget(self.model)

    @property
    def regression(self) -> bool:
        return self.settings["dataset"] in REGRESSION_SETS

    # -- controls -------------------------------------------------------

    def update(self, changes: Any) -> Dict[str, Any]:
        """Apply new settings (validated first; a bad one changes nothing); a new frame."""
        with self.lock:
            new = validate_settings(changes, self.settings)
            changed = {key for key in new if new[key] != self.settings[key]}
            fixed = (set() if self.own_data is None else {"dataset", "points", "noise"}) | (
                set() if self.own_model is None else {"hidden", "activation"})  # fmt: skip
            if changed & fixed:
                raise SettingsError(
                    f"{', '.join(sorted(changed & fixed))} cannot change here: this playground trains "
                    "the data and model it was given; make a new one to change them"
                )
            old, self.settings = self.settings, new
            if changed & set(DATA_SETTINGS):
                self._make_data()
                self._make_model()
            elif changed & set(MODEL_SETTINGS):
                self._make_model()
            elif "optimizer" in changed:
                self.optimizer = _make_optimizer(self.model, new)
            elif "lr" in changed:
                self.optimizer.lr = new["lr"]  # keep Adam's moments: a live change of pace
            if changed & {"lr", "optimizer", "l2", "batch_size"}:
                self.error = None  # a new rate may cure a divergence: let play resume
                self.warning = None
                self.trainer = None  # the next tick starts a fresh epoch with these settings
            return self.frame()

    def reset(self) -> Dict[str, Any]:
        """New initial weights and empty curves; the same data and settings."""
        with self.lock:
            self._make_model()
            return self.frame()

    def tick(self) -> Dict[str, Any]:
        """Train one epoch and return the new frame; a diverging run pauses with a message."""
        with self.lock:
            if self.error:
                return self.frame()
            s = self.settings
            try:
                if self.trainer is None:
                    self.trainer = Trainer(self.model, self.X_train, self.y_train, loss=s["loss"],
                                           optimizer=self.optimizer, batch_size=s["batch_size"], l2=s["l2"],
                                           val=(self.X_test, self.y_test), batched=True)  # fmt: skip
                # a new, reproducible order every epoch (the one fit(seed=seed + epoch) gave)
                numbers = train_one_epoch(self.trainer, s["seed"] + self.epoch)
                train_loss, test_loss = numbers["loss"], numbers["val_loss"]
                if not (math.isfinite(train_loss) and math.isfinite(test_loss)):
                    raise FloatingPointError(f"the loss became {train_loss:.3g} (train), {test_loss:.3g} (test)")
            except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError) as err:
                self.error = self._diverged(err)
                self.trainer = None
                return self.frame()
            self._note_warning()
            self.epoch += 1
            self.curves["epoch"].append(self.epoch)
            self.curves["train_loss"].append(train_loss)
            self.curves["test_loss"].append(test_loss)
            if not self.regression:
                self.curves["train_acc"].append(numbers["accuracy"])
                self.curves["test_acc"].append(numbers["val_accuracy"])
            return self.frame()

    def _note_warning(self) -> None:
        """Keep the Trainer's LossExploding (once) for the page, counted in the session's epochs."""
        if self.warning is None and self.trainer is not None and self.trainer.warnings:
            seen = self.trainer.warnings[-1]
            # the trainer counts from its own start (it is made anew after a change); the tab from 0
            self.warning = str(LossExploding(self.epoch, seen.loss, seen.first_loss, seen.lr))

    def _diverged(self, err: BaseException) -> str:
        """The message shown when training blew up, naming the first non-finite node."""
        # the trainer counts its own epochs (from 0, and anew after a change); the session knows the real one
        where = re.sub(r"^training diverged in epoch \d+(, step \d+ of \d+)?: ", "", str(err))
        if "node" not in where:
            # Rebuild the loss of the whole train set and let check_finite find
            # the earliest node whose data (or grad) is NaN or infinite.
            try:
                outputs = [self.model(row) for row in self.X_train.tolist()]
                targets = self.y_train.tolist()
                if self.settings["loss"] == "hinge":
                    targets = [1.0 if t > 0 else -1.0 for t in targets]
                total = LOSSES[self.settings["loss"]](outputs, targets)
                if self.settings["l2"]:
                    total = total + l2_penalty(self.model.parameters(), self.settings["l2"])
                self.model.zero_grad()
                total.backward()
                total.check_finite()
            except NonFiniteError as found:
                where = f"{err} | check_finite: {found}"
            except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError) as other:
                if str(other) not in where:
                    where = f"{err} | {type(other).__name__}: {other}"
        return (
            f"Training diverged at epoch {self.epoch + 1} and is paused: {where}. "
            "Lower the learning rate (or press reset)."
        )

    # -- what the page draws (built by `frames`) --------------------------

    def frame(self) -> Dict[str, Any]:
        """Everything the page draws, as JSON-ready numbers (see `frames.build_frame`)."""
        return frames.build_frame(self)

    def neuron(self, layer: int, neuron: int, size: int = 25) -> Dict[str, Any]:
        """Look inside one neuron (see `frames.neuron_info`).

        >>> s = Session({"dataset": "xor", "hidden": [3], "points": 20})
        >>> info = s.neuron(0, 2)
        >>> len(info["w"]), info["activation"], len(info["fires"]["values"])
        (2, 'tanh', 625)
        """
        return frames.neuron_info(self, layer, neuron, size)

    def points_json(self) -> Dict[str, Any]:
        """The train and test points as JSON numbers; made once per data set, not per frame."""
        if self._points is None:
            self._points = {"train": {"x": frames.rounded(self.X_train), "y": frames.rounded(self.y_train)},
                            "test": {"x": frames.rounded(self.X_test), "y": frames.rounded(self.y_test)}}  # fmt: skip
        return self._points

    def check_neuron(self, layer: Any, neuron: Any) -> None:
        """Raise `SettingsError` unless (layer, neuron) names a neuron of the model."""
        layers = self.model.layers
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(layers):
            raise SettingsError(f"layer must be 0 to {len(layers) - 1}, got {layer!r:.20}")
        count = len(layers[layer].neurons)
        if isinstance(neuron, bool) or not isinstance(neuron, int) or not 0 <= neuron < count:
            raise SettingsError(f"layer {layer} has neurons 0 to {count - 1}, got {neuron!r:.20}")

    def point(self, index: Any) -> tuple:
        """Training point ``index`` as (x, target), for the chain-rule lab."""
        count = len(self.X_train)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise SettingsError(f"point must be a training point index from 0 to {count - 1}, got {index!r:.20}")
        return self.X_train[index].tolist(), float(self.y_train[index])
