"""Inside one neuron of a training model: its scalar graph for one input, and that point's loss.

The playground's "Inside this neuron" link shows this in the lab: the neuron's
weighted sum and activation node by node (micrograd's graph), then the loss,
with the rest of the network collapsed into one node whose local derivative
comes from a full backward pass of the real model.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

from .... import losses as _losses
from ....engine import Value, no_grad
from ....labels import input_labels, neuron_label, parameter_label
from ....nn import ACTIVATIONS
from .graph import REST_OP, graph_payload

__all__ = ["inside_payload", "LossError", "MAX_INSIDE_INPUTS"]

MAX_INSIDE_INPUTS = 64  # a neuron with more inputs is no longer a readable picture


class LossError(ValueError):
    """An unknown loss name, or a target that loss cannot take (inside_payload)."""


def _loss_function(name: str, target: Any):
    """(loss function, target it takes): the binary losses accept 0/1 or -1/+1 labels."""
    key = name.lower().replace("-", "_")
    if key == "mse":
        return _losses.mse, target
    if key in ("hinge", "svm"):
        return _losses.hinge, _labels(target, {0.0: -1.0})
    if key in ("bce_logits", "bce_with_logits", "logits"):
        return _losses.bce_with_logits, _labels(target, {-1.0: 0.0})
    if key in ("bce", "binary_cross_entropy"):
        return _losses.binary_cross_entropy, _labels(target, {-1.0: 0.0})
    if key in ("cross_entropy", "ce"):  # k logits, a class index
        return _softmax_cross_entropy, target
    raise LossError(f"unknown loss {name!r}; choose mse, hinge, bce_logits, bce or cross_entropy")


def _softmax_cross_entropy(prediction: Any, target: Any) -> Value:
    """cross_entropy for one sample: `prediction` is the list of k logits, target its class."""
    if isinstance(target, bool) or not float(target).is_integer():
        raise ValueError(f"cross_entropy needs a class index as target, got {target!r}")
    logits = prediction if isinstance(prediction, list) else [prediction]
    return _losses.cross_entropy([logits], [int(target)])

def _labels(target: Any, mapping: Dict[float, float]) -> Any:
    if isinstance(target, (list, tuple)):
        return [mapping.get(float(t), float(t)) for t in target]
    return mapping.get(float(target), float(target))

def _inputs_of(model, layer: int, x: Sequence[float]) -> List[float]:
    """The numbers that reach layer `layer` for input x (no graph is built)."""
    values = [float(v) for v in x]
    with no_grad():
        for earlier in model.layers[:layer]:
            values = [neuron(values).data for neuron in earlier.neurons]
    return values

def _loss_and_upstream(model, layer: int, neuron: int, x, loss_fn, target) -> tuple:
    """(the point's loss, dloss/d(neuron output)) from the whole network at its weights.

    A full forward and backward on the real model; its parameters' grads are
    put back afterwards, so a training session sees them as they were.
    """
    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        values: List[Any] = [float(v) for v in x]
        chosen = None
        for depth, each in enumerate(model.layers):
            values = [unit(values) for unit in each.neurons]
            if depth == layer:
                chosen = values[neuron]
        prediction = values[0] if len(values) == 1 else values
        total = loss_fn(prediction, target)
        total.backward()
        return total.data, chosen.grad
    finally:
        for p, grad in zip(params, saved):
            p.grad = grad

def _check_index(what: str, index: object, size: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise IndexError(f"{what} must be a whole number from 0 to {size - 1}, got {index!r}")
    return index

def inside_payload(model, layer: int, neuron: int, x: list, target: Any = None, loss: Optional[str] = None,
                   defer_drawing: bool = False) -> dict:
    """The scalar graph of one neuron for one input, in the lab's JSON shape.

    ``layer`` and ``neuron`` are list indices (from 0); the drawing's labels
    count from 1. The neuron's inputs (``x1, x2, ...`` in the first layer, the
    previous layer's outputs ``L1.N3, ...`` deeper in) are leaves with the
    numbers that reach it; its weights and bias are leaves with their current values; the
    weighted sum is built from ``*`` and ``+`` (micrograd's graph), then the
    activation. With a `target` and a `loss` name (mse, hinge, bce_logits,
    bce) the graph goes on to that point's loss: drawn in full when the
    neuron is the network's only output, otherwise the rest of the network is
    ONE node (op ``rest``) whose data is the loss and whose local derivative is
    dloss/d(neuron output) from a full backward pass of the real model. So
    the grads shown are the real gradients of that point's loss. The model's
    weights and grads are left as they were.

    Raises IndexError for a layer, neuron or input of the wrong size,
    `LossError` for an unknown loss or a target it cannot take.

    >>> from ....nn import MLP
    >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
    >>> payload = inside_payload(model, 0, 1, [0.5, -1.0], target=1.0, loss="mse")
    >>> payload["title"]
    "Inside L1.N2 (model.layers[0].neurons[1]) for x = [0.5, -1.0], and this point's mse loss (target 1.0) through the rest of the network"
    >>> [node["name"] for node in payload["graph"]["nodes"] if node["kind"] == "output"]
    ['loss']
    """
    layers = getattr(model, "layers", None)
    if not layers:
        raise TypeError(f"inside_payload needs an MLP, got {type(model).__name__}")
    layer = _check_index("layer", layer, len(layers))
    neuron = _check_index("neuron", neuron, len(layers[layer].neurons))
    unit = layers[layer].neurons[neuron]
    nin = len(layers[0].neurons[0].w)
    try:
        x = [float(v) for v in x]
    except (TypeError, ValueError):
        raise IndexError(f"x must be a list of {nin} numbers, got {x!r:.80}") from None
    if len(x) != nin or not all(math.isfinite(v) for v in x):
        raise IndexError(f"x must be a list of {nin} finite numbers, got {x!r:.80}")
    if len(unit.w) > MAX_INSIDE_INPUTS:
        raise IndexError(f"this neuron has {len(unit.w)} inputs, more than {MAX_INSIDE_INPUTS} to draw readably")

    name = neuron_label(layer + 1, neuron + 1)
    numbers_in = _inputs_of(model, layer, x)
    inputs = [Value(v, label=label) for v, label in zip(numbers_in, input_labels(layer + 1, len(numbers_in)))]
    weights = [Value(w.data, label=w.label or parameter_label(layer + 1, neuron + 1, i))
               for i, w in enumerate(unit.w, start=1)]  # fmt: skip
    bias = Value(unit.b.data, label=unit.b.label or parameter_label(layer + 1, neuron + 1))
    # micrograd's neuron, node for node: b + w1*x1 + w2*x2 + ...
    pre_activation = sum((wi * xi for wi, xi in zip(weights, inputs)), bias)
    out = ACTIVATIONS[unit.activation](pre_activation)
    if out is pre_activation:  # a linear neuron: its output is the sum itself
        out = pre_activation * 1.0
    out.label = name
    root = out
    # labels count layers and neurons from 1, the code from 0
    title = f"Inside {name} (model.layers[{layer}].neurons[{neuron}]) for x = {x}"
    if target is not None and loss:
        loss_fn, target_used = _loss_function(str(loss), target)
        is_whole_output = layer == len(layers) - 1 and len(layers[-1].neurons) == 1
        try:
            if is_whole_output:
                root = loss_fn(out, target_used)  # the loss itself, node by node
                title += f", and the {loss} loss (target {target})"
            else:
                total, upstream = _loss_and_upstream(model, layer, neuron, x, loss_fn, target_used)
                root = Value(total)
                root.op = REST_OP
                root.parents = (out,)
                root.local_grads = (upstream,)
                title += f", and this point's {loss} loss (target {target}) through the rest of the network"
        except (TypeError, ValueError) as error:
            raise LossError(f"the {loss} loss cannot take target {target!r}: {error}") from None
        root.label = "loss"
    payload = {"title": title, "expression": None, "values": {}, "names": [],
               "graph": graph_payload(root, defer_drawing=defer_drawing)}  # fmt: skip
    return payload
