"""The playground's settings: their defaults, limits and validation (no training here).

`validate_settings` checks every value a page sends and raises `SettingsError`
with a message meant for the page; nothing is changed when one is bad.

>>> validate_settings({"dataset": "cubic"})["loss"]
'mse'
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional

from ...nn import ACTIVATIONS

__all__ = ["LIMITS", "DEFAULTS", "DATASETS", "CLASSIFICATION_SETS", "REGRESSION_SETS", "CLASSIFICATION_LOSSES",
           "OPTIMIZERS", "HIDDEN_ACTIVATIONS", "DATA_SETTINGS", "MODEL_SETTINGS", "SettingsError",
           "validate_settings", "whole_number"]

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
    "max_sessions": 64,  # tabs alive at once (a class); the idle ones go first
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


def whole_number(name: str, value: Any, low: int, high: int) -> int:
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
    micrograd_mlp.apps.playground.settings.SettingsError: lr must be a number, got 'fast'
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
    s["points"] = whole_number("points", s["points"], L["min_points"], L["max_points"])
    s["noise"] = _number("noise", s["noise"], 0.0, L["max_noise"])
    s["test_fraction"] = _number("test_fraction", s["test_fraction"], 0.1, 0.9)
    hidden = s["hidden"]
    if not isinstance(hidden, list):
        raise SettingsError(f"hidden must be a list of layer sizes such as [8, 8], got {hidden!r:.40}")
    if len(hidden) > L["max_layers"]:
        raise SettingsError(f"at most {L['max_layers']} hidden layers, got {len(hidden)}")
    s["hidden"] = [whole_number("neurons per layer", n, 1, L["max_neurons"]) for n in hidden]
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
        s["batch_size"] = whole_number("batch_size", s["batch_size"], 1, L["max_points"])
    s["l2"] = _number("l2", s["l2"], 0.0, L["max_l2"])
    s["seed"] = whole_number("seed", s["seed"], 0, L["max_seed"])
    s["grid"] = whole_number("grid", s["grid"], L["min_grid"], L["max_grid"])
    return s
