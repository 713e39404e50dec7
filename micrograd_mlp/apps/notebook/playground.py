"""`Playground`: the live playground as a notebook widget, trained by the kernel.

The widget holds a playground `Session` (the same class the web server drives:
data, model, optimizer, curves, frames), so a tick here is a tick there. While
playing, a thread in the kernel trains epoch after epoch and sends the newest
frame to the page at most `MAX_FRAMES_PER_SECOND` times a second: training never
waits for the browser, and the browser is never flooded.

Messages from the page (anywidget's ``model.send``)::

    {"type": "step"}                         one epoch, then its frame
    {"type": "reset"}                        the model's first weights, empty curves
    {"type": "settings", "changes": {...}}   e.g. {"lr": 0.1}; a bad one sets `message`
    {"type": "neuron", "layer": l, "neuron": j}   look inside that neuron (`neuron`)

and ``playing`` (a synced trait) starts and stops the thread.
"""

from __future__ import annotations

import numbers
import threading
import time
from typing import Any, Dict, Optional

import anywidget
import numpy as np
import traitlets

from ...nn import MLP
from ..playground.lab.inside import inside_payload
from ..playground.session import Session, SettingsError
from . import assets
from .stepper import Stepper

__all__ = ["Playground", "MAX_FRAMES_PER_SECOND"]

MAX_FRAMES_PER_SECOND = 10  # the page redraws this often at most while playing


def _labels(y: np.ndarray) -> Optional[np.ndarray]:
    """Two classes as 0/1 (from 0/1, -1/+1 or booleans), or None if ``y`` is not two classes."""
    classes = set(np.unique(y).tolist())
    if classes <= {0.0, 1.0}:
        return y.astype(float)
    if classes <= {-1.0, 1.0}:
        return (y > 0).astype(float)
    return None


def _check_data(X: Any, y: Any) -> tuple:
    """(X, y as 0/1 or real targets, "classification" or "regression"), or a clear error."""
    try:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Playground(X, y) needs numbers: X of shape (n, 2), y of n labels ({err})") from None
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        raise ValueError(
            f"Playground draws the plane of 2 inputs (a boundary) or the line of 1 input (a curve); "
            f"X has shape {X.shape}. For more inputs train with micrograd_mlp.fit and plot its History"
        )
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be a 1-D array with one target per row of X ({len(X)}), got shape {y.shape}")
    if len(X) < 4:
        raise ValueError(f"Playground needs at least 4 points (some are held out for testing), got {len(X)}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X and y must be finite numbers (no NaN or infinity)")
    labels = _labels(y)
    if X.shape[1] == 2:
        if labels is None:
            raise ValueError(
                "with 2 inputs Playground classifies: y must hold two classes, 0/1 or -1/+1 "
                f"(found {len(np.unique(y))} different values)"
            )
        return X, labels, "classification"
    return X, y, "regression"


def _check_model(model: Any, nin: int) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(
            f"model must be an MLP (micrograd_mlp.MLP or micrograd_mlp.micrograd.nn.MLP), got {type(model).__name__}"
        )
    if model.nin != nin or len(model.layers[-1].neurons) != 1:
        raise ValueError(
            f"model must take {nin} input(s), one per column of X, and give 1 output; "
            f"it takes {model.nin} and gives {len(model.layers[-1].neurons)}"
        )
    return model


class Playground(anywidget.AnyWidget):
    """Train a network live in the notebook: the boundary, the curves and the network.

    >>> from micrograd_mlp import make_moons
    >>> X, y = make_moons(60, noise=0.1, seed=0)
    >>> playground = Playground(X, y, hidden=[8], lr=0.05)
    >>> playground.step(3).frame["epoch"]          # three epochs, no browser needed
    3
    >>> playground.frame["curves"]["train_loss"][-1] < playground.frame["curves"]["train_loss"][0]
    True

    Args:
        X, y: your points: 2 inputs and two classes (0/1 or -1/+1) draw a
            decision boundary; 1 input and real targets a fitted curve. Without
            them the ``dataset`` setting makes the points, as on the server.
        model: an `MLP` to train (e.g. micrograd's ``MLP(2, [16, 16, 1])`` from
            `micrograd_mlp.micrograd.nn`); without one the settings build it.
        settings: the playground's settings (`playground.settings.DEFAULTS`),
            e.g. ``lr=0.1, optimizer="sgd", hidden=[8, 8], batch_size=None``.
            A bad one is a `SettingsError` saying which and why.
    """

    _esm = assets.script("playground")
    _css = assets.style("playground")

    frame = traitlets.Dict().tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    neuron = traitlets.Dict().tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    running = traitlets.Bool(False).tag(sync=True)  # the kernel's play thread is training (read-only)

    session: Optional[Session] = None  # (set in __init__; these keep close() safe if it failed)
    _thread: Optional[threading.Thread] = None

    def __init__(self, X: Any = None, y: Any = None, model: Optional[MLP] = None, **settings: Any) -> None:
        own_data = None
        if (X is None) != (y is None):
            raise TypeError("give both X and y (your points and their targets), or neither")
        if X is not None:
            X, y, kind = _check_data(X, y)
            own_data = (X, y)
            making = sorted({"dataset", "points", "noise"} & set(settings))
            if making:
                raise ValueError(
                    f"{' and '.join(making)} make points; you gave yours (X, y): leave them out, or leave out X and y"
                )
            # the settings' regression branch (loss mse) or a classification set; only shown
            settings["dataset"] = "cubic" if kind == "regression" else "moons"
            settings["points"] = max(10, min(len(X), 500))
        if model is not None:
            nin = own_data[0].shape[1] if own_data is not None else (1 if settings.get("dataset") == "cubic" else 2)
            _check_model(model, nin)
            shaped = sorted({"hidden", "activation"} & set(settings))
            if shaped:
                raise ValueError(
                    f"{' and '.join(shaped)} shape a new model; with model=... the playground trains yours "
                    "as it is: leave them out, or leave out model="
                )
        self.session = Session(settings, data=own_data, model=model)
        super().__init__(frame=self.session.frame())
        self.on_msg(self._on_message)

    # -- from Python ------------------------------------------------------

    @property
    def model(self) -> MLP:
        """The network being trained (its weights change as it plays)."""
        return self.session.model

    def step(self, epochs: int = 1) -> "Playground":
        """Train ``epochs`` epochs now (in this thread) and show the last frame."""
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r:.40}")
        for _ in range(int(epochs)):
            frame = self.session.tick()
            if frame["error"]:
                break
        self.frame = frame
        return self

    def play(self) -> None:
        """Start training in the background; the page shows the newest frame as it comes."""
        self.playing = True

    def pause(self) -> None:
        """Stop after the epoch under way."""
        self.playing = False

    def reset(self) -> None:
        """Back to the first weights (yours, if you gave a model), empty curves."""
        self.frame = self.session.reset()

    def update(self, **changes: Any) -> None:
        """Change settings live, e.g. ``update(lr=0.1)``; a bad one is a `SettingsError`."""
        self.frame = self.session.update(changes)

    def inside(self, layer: int, neuron: int, point: int = 0) -> Stepper:
        """Step the backward pass inside one neuron for one training point, as the lab does.

        The neuron's graph at the current weights, on to that point's loss (the
        rest of the network one node whose local derivative is dloss/d(neuron));
        the server's "Inside this neuron" link shows the same payload.

        >>> from micrograd_mlp import make_xor
        >>> X, y = make_xor(20, seed=0)
        >>> Playground(X, y, hidden=[3]).inside(0, 2).title.startswith("Inside L1.N3 (model.layers[0].neurons[2]) for x = ")
        True
        """
        with self.session.lock:
            self.session.check_neuron(layer, neuron)
            x, target = self.session.point(point)
            payload = inside_payload(self.session.model, layer, neuron, x, target, self.session.settings["loss"])
        return Stepper.from_payload(payload)

    def close(self) -> None:
        """Stop playing, free the session's cached programs and close the widget."""
        if self.playing:
            self.playing = False
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.session is not None:
            self.session.close()
        super().close()

    # -- the play thread ---------------------------------------------------

    @traitlets.observe("playing")
    def _playing_changed(self, change: Dict[str, Any]) -> None:
        if change["new"] and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._play, name="micrograd_mlp-playground", daemon=True)
            self._thread.start()

    def _play(self) -> None:
        """Train while ``playing``; send at most MAX_FRAMES_PER_SECOND frames, always the last one."""
        gap = 1.0 / MAX_FRAMES_PER_SECOND
        sent_at, unsent = 0.0, None
        self.running = True
        try:
            while self.playing:
                frame = self.session.tick()
                if frame["error"]:
                    unsent = frame
                    break
                if time.monotonic() - sent_at >= gap:
                    self.frame, unsent, sent_at = frame, None, time.monotonic()
                else:
                    unsent = frame
        finally:
            if unsent is not None:
                self.frame = unsent
            self.playing = False
            self.running = False  # after the last frame: the page now shows where training stopped

    # -- from the page -----------------------------------------------------

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "step" and not self.playing:
                self.step()
            elif kind == "reset":
                self.reset()
            elif kind == "settings":
                self.update(**dict(content.get("changes") or {}))
            elif kind == "neuron":
                self.neuron = self.session.neuron(content.get("layer"), content.get("neuron"))
            self.message = ""
        except SettingsError as err:
            self.message = str(err)
