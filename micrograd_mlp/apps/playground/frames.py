"""What the page draws: a session's state turned into JSON-ready numbers (a "frame").

A frame is everything one redraw of the playground needs: the data points,
the curves so far, the network's weights and the boundary (or, for the cubic,
the fitted curve). Non-finite numbers become None (JSON has no NaN), and
numbers are rounded, which keeps a frame small.

Every function takes the session (`session.Session`) whose state it draws;
``Session.frame()`` is `build_frame`:

>>> grid_points([0.0, 1.0, 0.0, 1.0], 2).tolist()   # row by row from the top, as a canvas draws
[[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import numpy as np

from ...engine import no_grad
from ...labels import input_labels, neuron_label
from ...train import predict

Session = Any  # a `session.Session` (not imported: session imports this module)

__all__ = ["build_frame", "boundary", "curve", "network", "neuron_info", "grid_points", "rounded", "finite_or_none"]


def rounded(values: Any, digits: int = 4) -> List[Optional[float]]:
    """Numbers as a flat list, rounded; NaN and infinities (not JSON) become None.

    >>> rounded([[0.123456, float("nan")], [2, float("inf")]], 3)
    [0.123, None, 2.0, None]
    """
    numbers = np.round(np.ravel(np.asarray(values, dtype=float)), digits)  # one NumPy call, not one per number
    finite = np.isfinite(numbers)
    if finite.all():
        return numbers.tolist()
    return [v if ok else None for v, ok in zip(numbers.tolist(), finite.tolist())]


def finite_or_none(x: float) -> Optional[float]:
    return float(x) if math.isfinite(x) else None


def confidence(outputs: np.ndarray, loss: str) -> np.ndarray:
    """Model outputs as a number in [-1, 1]: the sign is the class, the size how sure."""
    if loss == "bce":  # probabilities
        return 2.0 * outputs - 1.0
    if loss == "bce_logits":  # logits z: 2 * sigmoid(z) - 1 = tanh(z / 2)
        return np.tanh(outputs / 2.0)
    return np.tanh(outputs)  # hinge scores: past +-1 the hinge is satisfied


def build_frame(session: Session) -> Dict[str, Any]:
    """Everything the page draws for ``session``, as JSON-ready numbers."""
    with session.lock:
        session.version += 1
        points = session.points_json()
        frame: Dict[str, Any] = {
            "version": session.version,
            "epoch": session.epoch,
            "settings": session.settings,
            "regression": session.regression,
            "error": session.error,
            "warning": session.warning,
            "bounds": session.bounds,
            "train": points["train"],
            "test": points["test"],
            "curves": {name: [finite_or_none(v) for v in values] for name, values in session.curves.items()},
            "network": network(session),
        }
        if session.error is None:
            if session.regression:
                frame["curve"] = curve(session)
            else:
                frame["boundary"] = boundary(session)
        return frame


def grid_points(bounds: List[float], size: int) -> np.ndarray:
    """The size x size points of the input plane, row by row from the top."""
    x0, x1, y0, y1 = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y1, y0, size))  # top row first, as a canvas draws
    return np.column_stack([gx.ravel(), gy.ravel()])


def boundary(session: Session) -> Dict[str, Any]:
    """The model's confidence in class 1 on a grid over the plane, in [-1, 1]."""
    size = session.settings["grid"]
    outputs = predict(session.model, grid_points(session.bounds, size))
    return {"size": size, "values": rounded(confidence(outputs, session.settings["loss"]), 3)}


def curve(session: Session, count: int = 100) -> Dict[str, Any]:
    """The fitted curve y = f(x) across the data (regression)."""
    xs = np.linspace(session.bounds[0], session.bounds[1], count)
    return {"x": rounded(xs), "y": rounded(predict(session.model, xs.reshape(-1, 1)))}


def network(session: Session) -> List[List[Dict[str, Any]]]:
    """Every neuron's incoming weights and bias, layer by layer (for the drawing)."""
    return [
        [{"w": rounded([w.data for w in n.w]), "b": rounded([n.b.data])[0]} for n in layer.neurons]
        for layer in session.model.layers
    ]


def neuron_info(session: Session, layer: int, neuron: int, size: int = 25) -> Dict[str, Any]:
    """Look inside one neuron: weights, bias, their current gradients, where it fires.

    The gradients are those of the last batch trained on (training leaves them
    on the parameters). ``fires`` is the neuron's output on a size x size grid
    (one input: on ``size`` points of a line).
    """
    with session.lock:
        session.check_neuron(layer, neuron)
        model = session.model
        unit = model.layers[layer].neurons[neuron]
        if session.regression:
            points = np.linspace(session.bounds[0], session.bounds[1], size).reshape(-1, 1)
        else:
            points = grid_points(session.bounds, size)
        with no_grad():  # forward only, through the library's own layers
            fires = []
            for row in points.tolist():
                x: List[Any] = row
                for below in model.layers[:layer]:
                    x = below.forward(x)
                fires.append(unit(x).data)
        return {
            "layer": layer,
            "neuron": neuron,
            "name": neuron_label(layer + 1, neuron + 1),  # labels count from 1, the indices above from 0
            "activation": unit.activation,
            "w": [finite_or_none(w.data) for w in unit.w],
            "b": finite_or_none(unit.b.data),
            "grad_w": [finite_or_none(w.grad) for w in unit.w],
            "grad_b": finite_or_none(unit.b.grad),
            "inputs": input_labels(layer + 1, len(unit.w)),  # labels count from 1: "x1", "L1.N3"
            "fires": {"size": size, "values": rounded(fires, 3), "line": session.regression},
        }
