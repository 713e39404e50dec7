"""Every argument of `fit` and `Trainer`, checked before a weight is touched.

Each check names the argument, what it got and how to fix it; none changes the
model. `fit` runs them all first, so a typo in the last argument never leaves a
half-trained model behind.

>>> check_seed(1.5)
Traceback (most recent call last):
ValueError: seed must be a whole number >= 0 (e.g. seed=0) or None for a fresh random order, got 1.5
>>> check_flag("shuffle", "yes")
Traceback (most recent call last):
TypeError: shuffle must be True or False, got str 'yes'
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

from ..classify import class_targets
from ..engine import Value
from ..optim import check_rate

__all__ = [
    "check_model", "check_data", "check_class_data", "check_schedule", "check_l2", "check_flag",
    "check_seed", "check_callback", "check_val", "check_optimizer", "is_whole",
]  # fmt: skip


def is_whole(x: object) -> bool:
    """A Python or NumPy integer (np.int64 is a numbers.Integral), not a bool or a float."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _shown(x: object) -> str:
    return f"{type(x).__name__} {x!r:.40}"


def check_model(model: Any) -> List[Value]:
    """The model's parameters, or a clear error when ``model`` is not a model.

    >>> check_model(None)
    Traceback (most recent call last):
    TypeError: model is None: pass the network to train, e.g. fit(MLP(2, [8, 1]), X, y)
    """
    if model is None:
        raise TypeError("model is None: pass the network to train, e.g. fit(MLP(2, [8, 1]), X, y)")
    if not callable(getattr(model, "parameters", None)) or not callable(model):
        raise TypeError(
            f"model must be a network such as MLP(2, [8, 1]) (callable on one sample, with a "
            f"parameters() method), got {_shown(model)}"
        )
    params = model.parameters()
    if type(params) is not list:  # (a list is used as it is: copying 66,000 entries is not free)
        params = list(params)
    if not params:
        raise ValueError("model has no parameters to train (model.parameters() is empty)")
    if not isinstance(params[0], Value):  # (every one is checked by the optimizer made on them)
        raise TypeError(f"model.parameters() must give Values, got {_shown(params[0])}")
    return params


def _real_array(data: Any, name: str) -> np.ndarray:
    """``data`` as a float array; complex numbers and non-numbers refused with the fix."""
    try:
        raw = np.asarray(data)
    except ValueError as err:  # ragged lists
        raise TypeError(f"{name} must be numeric (an array, or a list of rows of equal length): {err}") from None
    if raw.dtype.kind == "c":
        raise TypeError(
            f"{name} holds complex numbers; a network here computes with real numbers: pass "
            "the real part (.real) or split real and imaginary parts into two columns"
        )
    try:
        return np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric (an array, or a list of rows of numbers): {err}") from None


def check_data(model: Any, X: Any, y: Any, what: str = "X") -> Tuple[np.ndarray, np.ndarray]:
    """X as a (n, nin) float array and y as (n,) or (n, nout), or a clear error.

    >>> check_data(None, [[1.0 + 2j, 2.0]], [1.0])
    Traceback (most recent call last):
    TypeError: X holds complex numbers; a network here computes with real numbers: pass the real part (.real) or split real and imaginary parts into two columns
    """
    nin = getattr(model, "nin", None)
    n_outputs = model.nouts[-1] if hasattr(model, "nouts") else None
    X = _real_array(X, what)
    y = _real_array(y, f"{what}'s targets")
    if X.ndim != 2 or (nin is not None and X.shape[1] != nin):
        hint = " For one input feature use X.reshape(-1, 1)." if X.ndim == 1 else ""
        raise ValueError(f"{what} must have shape (n_samples, {nin}); got shape {X.shape}.{hint}")
    if len(X) == 0:
        raise ValueError(f"{what} has no samples")
    if len(y) != len(X):
        raise ValueError(f"{what} has {len(X)} samples but its targets have {len(y)}")
    if y.ndim == 2 and y.shape[1] == 1 and n_outputs == 1:
        y = y[:, 0]
    if n_outputs is not None and not (
        (y.ndim == 1 and n_outputs == 1) or (y.ndim == 2 and y.shape[1] == n_outputs)
    ):
        raise ValueError(
            f"the model has {n_outputs} outputs, so targets need shape ({len(X)},"
            f"{'' if n_outputs == 1 else ' ' + str(n_outputs)}); got {y.shape}"
        )
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError(f"{what} or its targets contain NaN or infinity")
    return X, y


def check_class_data(model: Any, X: Any, y: Any, classes: int, what: str = "X") -> Tuple[np.ndarray, np.ndarray]:
    """X as a (n, nin) float array and y as (n,) ints in 0..classes-1."""
    if np.iscomplexobj(y):
        raise TypeError(f"{what}'s targets hold complex numbers; class labels are integers 0 to {classes - 1}")
    labels = class_targets(y, classes, f"{what}'s targets")
    X, _ = check_data(None, X, labels if labels.dtype.kind in "iuf" else np.zeros(len(labels)), what)
    nin = getattr(model, "nin", None)
    if nin is not None and X.shape[1] != nin:
        raise ValueError(f"{what} must have shape (n_samples, {nin}); got shape {X.shape}")
    return X, labels


def check_schedule(epochs: Any, batch_size: Any, n: int) -> int:
    """Validate epochs and batch_size; the batch size to use (None means all n)."""
    if not is_whole(epochs) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r:.40}")
    return check_batch_size(batch_size, n)


def check_batch_size(batch_size: Any, n: int) -> int:
    """The batch size to use (None means all ``n`` samples), or a clear error."""
    if batch_size is None:
        return n
    if not is_whole(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int or None (full batch), got {batch_size!r:.40}")
    return int(batch_size)


def check_l2(l2: object) -> float:
    """The L2 weight as a Python float (NumPy numbers too), or a clear error."""
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not (math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a number >= 0 (e.g. 1e-4), got {l2!r:.40}")
    return float(l2)


def check_flag(name: str, value: object, *, numbers_too: bool = False) -> bool:
    """A switch: True or False (NumPy's too); ``numbers_too`` also takes 0 and 1 (Keras's ``verbose=0``)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if numbers_too and is_whole(value) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {_shown(value)}")


def check_seed(seed: object) -> Optional[int]:
    """None, or a whole number NumPy can seed a generator with (0 to 2**32 - 1)."""
    if seed is None:
        return None
    if not is_whole(seed) or not 0 <= seed < 2**32:
        raise ValueError(
            f"seed must be a whole number >= 0 (e.g. seed=0) or None for a fresh random order, got {seed!r:.40}"
        )
    return int(seed)


def check_callback(callback: object) -> Optional[Callable]:
    """None or a function ``callback(epoch, model, history)``."""
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be a function callback(epoch, model, history) or None, got {_shown(callback)}"
        )
    return callback


def check_val(val: object) -> Optional[Tuple[Any, Any]]:
    """None or a pair ``(X_val, y_val)``."""
    if val is None:
        return None
    if not isinstance(val, (tuple, list)) or len(val) != 2:
        raise TypeError(f"val must be a pair (X_val, y_val) or None, got {_shown(val)}")
    return val[0], val[1]


def check_optimizer(optimizer: Any, model_params: List[Value]) -> None:
    """An Optimizer that updates at least one of the model's parameters.

    An optimizer may update only part of the model (fine-tuning the last layer),
    but one built on another model's parameters would train nothing.
    """
    if not all(hasattr(optimizer, name) for name in ("step", "zero_grad", "params", "current_lr")):
        raise TypeError(
            f"optimizer must be an Optimizer such as SGD(model.parameters(), lr=0.1), got "
            f"{type(optimizer).__name__} {optimizer!r:.40}; or leave it out for plain SGD with lr="
        )
    if optimizer.params and optimizer.params[0] is model_params[0]:
        return  # the usual case, without a set of every parameter
    mine = {id(p) for p in model_params}
    if not any(id(p) in mine for p in optimizer.params):
        raise ValueError(
            f"optimizer was built on other parameters: none of its {len(optimizer.params)} parameters "
            f"belongs to this model, so training would change nothing. Build it on this model, e.g. "
            f"{type(optimizer).__name__}(model.parameters(), lr=...)"
        )
