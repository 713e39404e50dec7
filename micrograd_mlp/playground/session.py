"""One browser tab's training session, in plain Python (no web server needed).

A `Session` holds what one tab trains: the data (split into train and test),
the `MLP`, the optimizer and the curves so far. The web server only turns
requests into calls of this class and its answers into JSON, so tests can
drive everything here directly:

>>> session = Session({"dataset": "xor", "points": 40, "hidden": [4]})
>>> frame = session.tick()          # one epoch of fit(), then the new boundary
>>> frame["epoch"], len(frame["curves"]["train_loss"])
(1, 1)

Every setting is validated by `validate_settings`, which raises `SettingsError`
with a message meant for the page. The numbers on the page all come from the
library itself: `data` makes the points, `fit` trains, `predict` draws the
boundary, `check_finite` names where a diverging run blew up.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from collections import deque
from typing import Any, Dict, List, Optional

import numpy as np

from .. import data
from ..engine import NonFiniteError, no_grad
from ..losses import LOSSES, l2 as l2_penalty
from ..nn import ACTIVATIONS, MLP
from ..optim import SGD, Adam
from ..train import fit, predict

__all__ = ["ENGINE_LOCK", "Session", "SessionStore", "SettingsError", "TooManySessions", "LIMITS", "DEFAULTS", "validate_settings"]

# ------------------------------------------------------------------ limits
# The scalar engine builds one node per + and *: these keep a tick well under
# a second on a 2-core machine, and a typo (1000 neurons) an error, not a hang.
LIMITS = {
    "max_layers": 6,  # hidden layers
    "max_neurons": 32,  # neurons per hidden layer
    "min_points": 10,
    "max_points": 500,  # before the train/test split
    "min_grid": 10,
    "max_grid": 60,  # boundary heatmap: grid x grid model evaluations per view
    "max_noise": 1.0,
    "max_lr": 1e6,  # absurd rates are allowed on purpose: the page shows divergence
    "max_l2": 1.0,
    "max_seed": 2**32 - 1,
    "max_sessions": 16,  # tabs alive at once; the idle ones go first
    "idle_seconds": 600,  # a session nobody touched this long is freed
    "max_body_bytes": 16_384,  # a request body larger than this is refused
    "history": 2000,  # points kept per curve (older ones are dropped)
    "max_frames_per_second": 30,  # a playing tab gets at most this many frames
}

CLASSIFICATION_SETS = ("moons", "circles", "xor", "spiral")
REGRESSION_SETS = ("cubic",)
DATASETS = CLASSIFICATION_SETS + REGRESSION_SETS
CLASSIFICATION_LOSSES = ("bce_logits", "hinge", "bce")
OPTIMIZERS = ("sgd", "momentum", "adam")
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS)

DEFAULTS: Dict[str, Any] = {
    "dataset": "moons",
    "points": 200,
    "noise": 0.1,
    "test_fraction": 0.25,
    "hidden": [8, 8],
    "activation": "tanh",
    "loss": "bce_logits",
    "optimizer": "adam",
    "lr": 0.03,
    "batch_size": 16,  # None: one full-batch step per epoch
    "l2": 0.0,
    "seed": 0,
    "grid": 30,
}

# Which settings need new data, a new model, a new optimizer; the rest
# (batch_size, l2, grid, lr) apply to the next tick as they are.
DATA_SETTINGS = ("dataset", "points", "noise", "test_fraction", "seed")
MODEL_SETTINGS = ("hidden", "activation", "loss")


# One lock for ALL sessions. The engine's `no_grad` is a process-wide switch
# (micrograd's simplicity, not thread-local): if one tab's `predict` (under
# no_grad) ran in one thread while another tab's `fit` ran in another, the
# training graph would silently not be built, and two overlapping no_grad
# blocks can even leave gradients off for good. Pure-Python training gets no
# speed from threads anyway (the GIL), so tabs take turns, one engine call each.
ENGINE_LOCK = threading.RLock()


class SettingsError(ValueError):
    """A setting the page sent that we cannot use; the message says which and why.

    >>> try:
    ...     validate_settings({"dataset": "mnist"})
    ... except SettingsError as err:
    ...     print(err)
    unknown dataset 'mnist'; choose one of moons, circles, xor, spiral, cubic
    """


def _number(name: str, value: Any, low: float, high: float) -> float:
    # JSON gives int or float; bool is an int in Python but no number here.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"{name} must be a number, got {value!r:.40}")
    if not math.isfinite(value):
        raise SettingsError(f"{name} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JavaScript has one number type: 16.0 is 16
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{name} must be a whole number, got {value!r:.40}")
    if not low <= value <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}, got {value}")
    return value


def _choice(name: str, value: Any, choices: tuple) -> str:
    if value not in choices:
        raise SettingsError(f"unknown {name} {value!r:.40}; choose one of {', '.join(choices)}")
    return value


def validate_settings(changes: Any, current: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """``current`` (default `DEFAULTS`) updated with ``changes``, every value checked.

    Raises `SettingsError` naming the first bad setting; nothing is changed then.

    >>> validate_settings({"hidden": [4, 4], "lr": 0.1})["hidden"]
    [4, 4]
    >>> validate_settings({"lr": "fast"})
    Traceback (most recent call last):
    micrograd_mlp.playground.session.SettingsError: lr must be a number, got 'fast'
    """
    if not isinstance(changes, dict):
        raise SettingsError(f"settings must be a JSON object like {{\"lr\": 0.1}}, got {type(changes).__name__}")
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r:.40}; the settings are {', '.join(DEFAULTS)}")
    s = dict(current or DEFAULTS)
    s["hidden"] = list(s["hidden"])
    s.update(changes)
    L = LIMITS
    s["dataset"] = _choice("dataset", s["dataset"], DATASETS)
    s["points"] = _whole("points", s["points"], L["min_points"], L["max_points"])
    s["noise"] = _number("noise", s["noise"], 0.0, L["max_noise"])
    s["test_fraction"] = _number("test_fraction", s["test_fraction"], 0.1, 0.9)
    hidden = s["hidden"]
    if not isinstance(hidden, list):
        raise SettingsError(f"hidden must be a list of layer sizes such as [8, 8], got {hidden!r:.40}")
    if len(hidden) > L["max_layers"]:
        raise SettingsError(f"at most {L['max_layers']} hidden layers, got {len(hidden)}")
    s["hidden"] = [_whole("neurons per layer", n, 1, L["max_neurons"]) for n in hidden]
    s["activation"] = _choice("activation", s["activation"], HIDDEN_ACTIVATIONS)
    if s["dataset"] in REGRESSION_SETS:
        if "loss" not in changes:
            s["loss"] = "mse"  # switching to the cubic switches the loss along with it
        if s["loss"] != "mse":
            raise SettingsError(f"{s['dataset']} is a regression set: its loss is mse, not {s['loss']!r:.40}")
    else:
        if "loss" not in changes and s["loss"] == "mse":
            s["loss"] = "bce_logits"  # back from the cubic to a classification set
        if s["loss"] == "mse":
            raise SettingsError(
                f"{s['dataset']} is a classification set: choose the loss bce_logits, hinge or bce "
                "(mse is for the cubic regression)"
            )
        s["loss"] = _choice("loss", s["loss"], CLASSIFICATION_LOSSES)
    s["optimizer"] = _choice("optimizer", s["optimizer"], OPTIMIZERS)
    lr = s["lr"]
    if isinstance(lr, (int, float)) and not isinstance(lr, bool) and math.isfinite(lr) and lr <= 0:
        raise SettingsError(f"lr must be greater than 0, got {lr!r}")
    s["lr"] = _number("lr", lr, 0.0, L["max_lr"])
    if s["batch_size"] is not None:
        s["batch_size"] = _whole("batch_size", s["batch_size"], 1, L["max_points"])
    s["l2"] = _number("l2", s["l2"], 0.0, L["max_l2"])
    s["seed"] = _whole("seed", s["seed"], 0, L["max_seed"])
    s["grid"] = _whole("grid", s["grid"], L["min_grid"], L["max_grid"])
    return s


# ----------------------------------------------------------- training

def train_one_epoch(model: MLP, X: np.ndarray, y: np.ndarray, settings: Dict[str, Any], optimizer: Any,
                    epoch: int, val: Any) -> Any:
    """The single place the playground trains: one epoch of the library's `fit`."""
    return fit(
        model, X, y,
        loss=settings["loss"],
        optimizer=optimizer,
        epochs=1,
        batch_size=settings["batch_size"],
        l2=settings["l2"],
        seed=settings["seed"] + epoch,  # a new, reproducible order every epoch
        val=val,
        verbose=False,
        batched=True,  # one sample's graph recorded once, replayed over the batch with NumPy
    )  # fmt: skip


def _make_optimizer(model: MLP, settings: Dict[str, Any]) -> Any:
    name, lr = settings["optimizer"], settings["lr"]
    if name == "adam":
        return Adam(model.parameters(), lr=lr)
    return SGD(model.parameters(), lr=lr, momentum=0.9 if name == "momentum" else 0.0)


def _confidence(outputs: np.ndarray, loss: str) -> np.ndarray:
    """Model outputs as a number in [-1, 1]: the sign is the class, the size how sure."""
    if loss == "bce":  # probabilities
        return 2.0 * outputs - 1.0
    if loss == "bce_logits":  # logits z: 2 * sigmoid(z) - 1 = tanh(z / 2)
        return np.tanh(outputs / 2.0)
    return np.tanh(outputs)  # hinge scores: past +-1 the hinge is satisfied


def _rounded(values: Any, digits: int = 4) -> List[float]:
    # Fewer digits, a smaller frame; NaN/inf are not JSON, so they become None.
    return [round(float(v), digits) if math.isfinite(v) else None for v in np.ravel(values)]


def _finite_or_none(x: float) -> Optional[float]:
    return float(x) if math.isfinite(x) else None


class Session:
    """What one tab trains: data, model, optimizer, curves. Thread-safe.

    >>> s = Session({"dataset": "cubic", "hidden": [8], "points": 30})
    >>> s.settings["loss"]
    'mse'
    >>> frame = s.tick()                 # regression: the fitted curve, no accuracy
    >>> frame["epoch"], len(frame["curve"]["y"]), frame["curves"]["train_acc"]
    (1, 100, [])
    """

    def __init__(self, settings: Optional[Dict[str, Any]] = None) -> None:
        self.lock = ENGINE_LOCK  # shared by every session: see ENGINE_LOCK
        self.settings = validate_settings(settings or {})
        self.last_used = time.monotonic()
        self.sockets = 0  # open WebSockets: a tab that is watching never expires
        # Counts every change; a frame carries it, so the page can drop a frame
        # that arrives after a newer one (a socket frame overtaken by a step).
        self.version = 0
        self.playing = False
        self.error: Optional[str] = None
        with self.lock:
            self._make_data()
            self._make_model()

    # -- building -------------------------------------------------------

    def _make_data(self) -> None:
        s = self.settings
        if s["dataset"] == "cubic":
            X, y = data.make_cubic(s["points"], noise=s["noise"], seed=s["seed"])
        else:
            X, y = data.DATASETS[s["dataset"]](s["points"], noise=s["noise"], seed=s["seed"])
        self.X_train, self.X_test, self.y_train, self.y_test = data.train_test_split(
            X, y.astype(float), s["test_fraction"], seed=s["seed"]
        )
        low, high = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * (high - low) + 0.1
        self.bounds = [float(v) for v in np.ravel(np.column_stack([low - pad, high + pad]))]

    def _make_model(self) -> None:
        s = self.settings
        nin = self.X_train.shape[1]
        output = "sigmoid" if s["loss"] == "bce" else "linear"
        self.model = MLP(nin, s["hidden"] + [1], s["activation"], output, seed=s["seed"])
        self.optimizer = _make_optimizer(self.model, s)
        self.epoch = 0
        self.error = None
        self.curves = {name: deque(maxlen=LIMITS["history"])
                       for name in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}  # fmt: skip

    @property
    def regression(self) -> bool:
        return self.settings["dataset"] in REGRESSION_SETS

    # -- controls -------------------------------------------------------

    def update(self, changes: Any) -> Dict[str, Any]:
        """Apply new settings (validated first; a bad one changes nothing); a new frame."""
        with self.lock:
            new = validate_settings(changes, self.settings)
            old, self.settings = self.settings, new
            changed = {key for key in new if new[key] != old[key]}
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
            return self.frame()

    def reset(self) -> Dict[str, Any]:
        """New initial weights and empty curves; the same data and settings."""
        with self.lock:
            self._make_model()
            return self.frame()

    def tick(self) -> Dict[str, Any]:
        """Train one epoch and return the new frame; a diverging run pauses with a message."""
        with self.lock:
            self.last_used = time.monotonic()
            if self.error:
                return self.frame()
            s = self.settings
            val = (self.X_test, self.y_test)
            try:
                history = train_one_epoch(
                    self.model, self.X_train, self.y_train, s, self.optimizer, self.epoch, val
                )
                train_loss, test_loss = history.loss[0], history.val_loss[0]
                if not (math.isfinite(train_loss) and math.isfinite(test_loss)):
                    raise FloatingPointError(f"the loss became {train_loss:.3g} (train), {test_loss:.3g} (test)")
            except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError) as err:
                self.playing = False
                self.error = self._diverged(err)
                return self.frame()
            self.epoch += 1
            self.curves["epoch"].append(self.epoch)
            self.curves["train_loss"].append(history.loss[0])
            self.curves["test_loss"].append(history.val_loss[0])
            if not self.regression:
                self.curves["train_acc"].append(history.accuracy[0])
                self.curves["test_acc"].append(history.val_accuracy[0])
            return self.frame()

    def _diverged(self, err: BaseException) -> str:
        """The message shown when training blew up, naming the first non-finite node."""
        # fit counts epochs per call (always 0 here); the session knows the real one
        where = re.sub(r"^training diverged in epoch \d+: ", "", str(err))
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

    # -- what the page draws -------------------------------------------

    def frame(self) -> Dict[str, Any]:
        """Everything the page draws, as JSON-ready numbers."""
        with self.lock:
            self.version += 1
            frame: Dict[str, Any] = {
                "version": self.version,
                "epoch": self.epoch,
                "settings": self.settings,
                "regression": self.regression,
                "error": self.error,
                "bounds": self.bounds,
                "train": {"x": _rounded(self.X_train), "y": _rounded(self.y_train)},
                "test": {"x": _rounded(self.X_test), "y": _rounded(self.y_test)},
                "curves": {name: [_finite_or_none(v) for v in values] for name, values in self.curves.items()},
                "network": self.network(),
            }
            if self.error is None:
                if self.regression:
                    frame["curve"] = self.curve()
                else:
                    frame["boundary"] = self.boundary()
            return frame

    def grid_points(self, size: int) -> np.ndarray:
        """The size x size points of the input plane, row by row from the top."""
        x0, x1, y0, y1 = self.bounds
        xs = np.linspace(x0, x1, size)
        ys = np.linspace(y1, y0, size)  # top row first, as a canvas draws
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def boundary(self) -> Dict[str, Any]:
        """The model's confidence in class 1 on a grid over the plane, in [-1, 1]."""
        size = self.settings["grid"]
        outputs = predict(self.model, self.grid_points(size))
        return {"size": size, "values": _rounded(_confidence(outputs, self.settings["loss"]), 3)}

    def curve(self, count: int = 100) -> Dict[str, Any]:
        """The fitted curve y = f(x) across the data (regression)."""
        xs = np.linspace(self.bounds[0], self.bounds[1], count)
        return {"x": _rounded(xs), "y": _rounded(predict(self.model, xs.reshape(-1, 1)))}

    def network(self) -> List[List[Dict[str, Any]]]:
        """Every neuron's incoming weights and bias, layer by layer (for the drawing)."""
        return [
            [{"w": _rounded([w.data for w in n.w]), "b": _rounded([n.b.data])[0]} for n in layer.neurons]
            for layer in self.model.layers
        ]

    def _check_neuron(self, layer: Any, neuron: Any) -> None:
        layers = self.model.layers
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(layers):
            raise SettingsError(f"layer must be 0 to {len(layers) - 1}, got {layer!r:.20}")
        count = len(layers[layer].neurons)
        if isinstance(neuron, bool) or not isinstance(neuron, int) or not 0 <= neuron < count:
            raise SettingsError(f"layer {layer} has neurons 0 to {count - 1}, got {neuron!r:.20}")

    def neuron(self, layer: int, neuron: int, size: int = 25) -> Dict[str, Any]:
        """Look inside one neuron: weights, bias, their current gradients, where it fires.

        The gradients are those of the last batch trained on (``fit`` leaves
        them on the parameters). ``fires`` is the neuron's output on a
        size x size grid (one input: on ``size`` points of a line).

        >>> s = Session({"dataset": "xor", "hidden": [3], "points": 20})
        >>> info = s.neuron(0, 2)
        >>> len(info["w"]), info["activation"], len(info["fires"]["values"])
        (2, 'tanh', 625)
        """
        with self.lock:
            self._check_neuron(layer, neuron)
            unit = self.model.layers[layer].neurons[neuron]
            if self.regression:
                points = np.linspace(self.bounds[0], self.bounds[1], size).reshape(-1, 1)
            else:
                points = self.grid_points(size)
            with no_grad():  # forward only, through the library's own layers
                fires = []
                for row in points.tolist():
                    x: List[Any] = row
                    for below in self.model.layers[:layer]:
                        x = below.forward(x)
                    fires.append(unit(x).data)
            return {
                "layer": layer,
                "neuron": neuron,
                "activation": unit.activation,
                "w": [_finite_or_none(w.data) for w in unit.w],
                "b": _finite_or_none(unit.b.data),
                "grad_w": [_finite_or_none(w.grad) for w in unit.w],
                "grad_b": _finite_or_none(unit.b.grad),
                "inputs": [f"x{i}" for i in range(len(unit.w))] if layer == 0
                else [f"L{layer - 1}.N{i}" for i in range(len(unit.w))],
                "fires": {"size": size, "values": _rounded(fires, 3), "line": self.regression},
            }

    def point(self, index: Any) -> tuple:
        """Training point ``index`` as (x, target), for the chain-rule lab."""
        count = len(self.X_train)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise SettingsError(f"point must be a training point index from 0 to {count - 1}, got {index!r:.20}")
        return self.X_train[index].tolist(), float(self.y_train[index])


class TooManySessions(RuntimeError):
    """Every session slot is taken by a tab with an open connection."""


class SessionStore:
    """The live sessions by id, at most ``LIMITS['max_sessions']``; idle ones expire.

    A session whose tab is connected (``session.sockets > 0``) never expires;
    when the store is full, the least recently used unconnected session goes,
    and if every one is connected a new one is refused (`TooManySessions`).

    >>> store = SessionStore(max_sessions=2)
    >>> a, b = store.create({}), store.create({})
    >>> c = store.create({})            # full: the least recently used one goes
    >>> store.get(a) is None, len(store)
    (True, 2)
    """

    def __init__(self, max_sessions: Optional[int] = None, idle_seconds: Optional[float] = None) -> None:
        self.max_sessions = max_sessions or LIMITS["max_sessions"]
        self.idle_seconds = idle_seconds or LIMITS["idle_seconds"]
        self.sessions: Dict[str, Session] = {}
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.sessions)

    def create(self, settings: Any) -> str:
        """A new session (settings validated first); its id."""
        session = Session(settings)
        with self.lock:
            self.expire()
            while len(self.sessions) >= self.max_sessions:
                unconnected = [sid for sid, s in self.sessions.items() if s.sockets == 0]
                if not unconnected:
                    raise TooManySessions(
                        f"{self.max_sessions} tabs are already training here (the limit); "
                        "close one and reload this page"
                    )
                oldest = min(unconnected, key=lambda sid: self.sessions[sid].last_used)
                del self.sessions[oldest]
            sid = secrets.token_urlsafe(9)
            self.sessions[sid] = session
        return sid

    def get(self, sid: str) -> Optional[Session]:
        with self.lock:
            session = self.sessions.get(sid)
            if session is not None:
                session.last_used = time.monotonic()
            return session

    def remove(self, sid: str) -> None:
        with self.lock:
            self.sessions.pop(sid, None)

    def expire(self) -> None:
        """Free the sessions idle longer than ``idle_seconds`` (call with the lock held)."""
        now = time.monotonic()
        idle = [sid for sid, s in self.sessions.items() if s.sockets == 0 and now - s.last_used > self.idle_seconds]
        for sid in idle:
            del self.sessions[sid]
