"""The way out to PyTorch: carry an `MLP` across (`to_torch`) and back (`from_torch`).

A student who outgrows a scalar engine keeps the network: `to_torch` gives a
``torch.nn.Sequential`` of ``Linear`` layers and activations in float64 with
exactly the same weights, so it computes the same outputs and, with the same
loss, the same gradients (the tests check both to 1e-12). The weight layout::

    mlp.layers[l].neurons[j].w[i]  ==  torch_model[<Linear of layer l>].weight[j, i]
    mlp.layers[l].neurons[j].b     ==  torch_model[<Linear of layer l>].bias[j]

(PyTorch's ``Linear`` stores one row per output neuron, the same as our neurons.)

`from_torch` reads such a ``Sequential`` back into an `MLP`: ``Linear`` layers,
each followed by at most one ``ReLU``, ``Tanh`` or ``Sigmoid`` (none: linear).
Anything else (a convolution, dropout, a softmax layer, a custom ``forward``) is
refused with the reason, before anything is built.

PyTorch is the optional extra ``torch`` (``pip install "micrograd_mlp[torch]"``);
this module imports it only when called.

>>> from micrograd_mlp import MLP
>>> model = MLP(2, [3, 2], activation="tanh", seed=0)
>>> torch_model = to_torch(model)
>>> torch_model
Sequential(
  (0): Linear(in_features=2, out_features=3, bias=True)
  (1): Tanh()
  (2): Linear(in_features=3, out_features=2, bias=True)
)
>>> import torch
>>> ours = [v.data for v in model([0.5, -1.0])]
>>> theirs = torch_model(torch.tensor([[0.5, -1.0]], dtype=torch.float64))[0].tolist()
>>> max(abs(a - b) for a, b in zip(ours, theirs)) < 1e-15
True
>>> from_torch(torch_model)([0.5, -1.0])[1].data == model([0.5, -1.0])[1].data
True
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from ..extras import install_command
from ..labels import layer_label
from ..nn import MLP

if TYPE_CHECKING:  # torch is an optional dependency
    import torch

__all__ = ["to_torch", "from_torch", "torch_parameter_grads", "MissingTorchExtra", "TORCH_INSTALL_HINT", "TorchMappingError"]

TORCH_INSTALL_HINT = 'pip install "micrograd_mlp[torch]"'

# our activation name -> the name of the torch.nn module computing it ("linear": none)
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}

# torch layers people put in a Sequential that have no place in our MLP, and why
REFUSAL_HINTS = {
    "Softmax": "an MLP here outputs logits; drop the Softmax (cross_entropy and predict_proba apply it)",
    "LogSoftmax": "an MLP here outputs logits; drop the LogSoftmax (cross_entropy applies it)",
    "Dropout": "there is no dropout here; drop it (in eval mode it changes nothing)",
    "Flatten": "our MLP takes flat inputs; drop the Flatten and flatten the data (X.reshape(len(X), -1))",
    "LeakyReLU": "the activations here are relu, tanh and sigmoid",
    "GELU": "the activations here are relu, tanh and sigmoid",
    "BatchNorm1d": "there is no batch normalisation here",
}


class MissingTorchExtra(ImportError):
    """PyTorch is not installed; the message says how to get it.

    >>> "[torch]" in str(MissingTorchExtra()).rsplit(": ", 1)[1]    # as `extras.install_command` says
    True
    """

    def __init__(self) -> None:
        super().__init__(f"the PyTorch bridge needs PyTorch, which is not installed: {install_command('torch')}")


class TorchMappingError(ValueError):
    """A model that cannot be carried across exactly; the message says which part and why.

    >>> import torch
    >>> try:
    ...     from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)))
    ... except TorchMappingError as err:
    ...     print(str(err).split(":")[0])
    cannot read layer 1 (Dropout)
    """


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise MissingTorchExtra() from error
    return torch


def _layer_activation(layer: Any, l: int) -> str:
    names = {neuron.activation for neuron in layer.neurons}
    if names != {layer.activation}:
        raise TorchMappingError(
            f"layer {layer_label(l + 1)} mixes activations {sorted(names)} across its neurons; a torch Linear layer "
            "is followed by one activation for all of them"
        )
    return layer.activation


def to_torch(mlp: MLP) -> "torch.nn.Sequential":
    """A float64 ``torch.nn.Sequential`` computing exactly what ``mlp`` computes.

    One ``Linear`` per layer (``weight[j, i]`` is neuron j's weight from input i),
    followed by ``ReLU``/``Tanh``/``Sigmoid`` unless the layer is linear. The
    copies are independent: training one leaves the other as it was. Torch's
    random generator is not used.

    >>> from micrograd_mlp import MLP
    >>> torch_model = to_torch(MLP(2, [4, 1], seed=0))
    >>> [type(m).__name__ for m in torch_model], torch_model[0].weight.dtype
    (['Linear', 'ReLU', 'Linear'], torch.float64)
    """
    torch = _torch()
    if not isinstance(mlp, MLP):
        raise TypeError(f"to_torch() needs a micrograd_mlp MLP, got {type(mlp).__name__}")
    activations = [_layer_activation(layer, l) for l, layer in enumerate(mlp.layers)]  # checked first
    modules: List[Any] = []
    for layer, activation in zip(mlp.layers, activations):
        # skip_init: no random initial weights (they are overwritten, and the
        # user's torch.manual_seed sequence stays as it was)
        linear = torch.nn.utils.skip_init(torch.nn.Linear, layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)


def _flat_layers(module: Any, torch: Any) -> List[Any]:
    """The layers of a Sequential, nested Sequentials opened up; a lone Linear as one layer."""
    if type(module) is torch.nn.Linear:
        return [module]
    if type(module) is not torch.nn.Sequential:
        raise TorchMappingError(
            f"cannot read a {type(module).__name__}: from_torch reads an nn.Sequential of Linear layers, "
            "each followed by at most one ReLU, Tanh or Sigmoid (a custom forward() cannot be read)"
        )
    layers = []
    for child in module:
        layers.extend(_flat_layers(child, torch) if type(child) is torch.nn.Sequential else [child])
    return layers


def _read_plan(module: Any, torch: Any) -> List[Tuple[Any, str]]:
    """Every (Linear, activation name) pair, or a `TorchMappingError` naming the first problem."""
    by_type = {getattr(torch.nn, name): ours for ours, name in TORCH_ACTIVATIONS.items()}
    plan: List[List[Any]] = []
    for index, layer in enumerate(_flat_layers(module, torch)):
        kind = type(layer)
        where = f"cannot read layer {index} ({kind.__name__})"
        if kind is torch.nn.Identity:
            continue  # computes nothing: the same as a linear activation
        if kind is torch.nn.Linear:
            if layer.bias is None:
                raise TorchMappingError(
                    f"{where}: it has no bias, and every neuron here has one; build it with bias=True "
                    "(and zero the bias, layer.bias.data.zero_(), for the same outputs)"
                )
            if plan and layer.in_features != plan[-1][0].out_features:
                raise TorchMappingError(
                    f"{where}: it takes {layer.in_features} inputs but the layer before gives "
                    f"{plan[-1][0].out_features} outputs"
                )
            for name, tensor in (("weight", layer.weight), ("bias", layer.bias)):
                if not tensor.dtype.is_floating_point or tensor.is_complex():
                    raise TorchMappingError(f"{where}: its {name} has dtype {tensor.dtype}; floats are needed")
                if not bool(torch.isfinite(tensor).all()):
                    raise TorchMappingError(f"{where}: its {name} holds NaN or infinity")
            plan.append([layer, "linear"])
            continue
        if kind in by_type:
            if not plan:
                raise TorchMappingError(f"{where}: the first layer must be a Linear (an MLP starts with weights)")
            if plan[-1][1] != "linear":
                raise TorchMappingError(
                    f"{where}: a second activation after {TORCH_ACTIVATIONS[plan[-1][1]]}; a layer here "
                    "has one activation"
                )
            plan[-1][1] = by_type[kind]
            continue
        reason = REFUSAL_HINTS.get(
            kind.__name__, "only Linear, ReLU, Tanh, Sigmoid and Identity map onto micrograd_mlp's MLP"
        )
        raise TorchMappingError(f"{where}: {reason}")
    if not plan:
        raise TorchMappingError("cannot read an empty model: it has no Linear layer")
    return [(linear, activation) for linear, activation in plan]


def from_torch(module: "torch.nn.Module", *, fused: bool = False) -> MLP:
    """An `MLP` of `Value`s with the weights and activations of a torch ``Sequential``.

    The module is read and checked completely before anything is built: on a
    `TorchMappingError` (what does not map, and why) no model exists, and the
    torch module is never changed. float32 weights are widened to float64
    exactly. ``fused`` as for `MLP`.

    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> torch_model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> model = from_torch(torch_model)
    >>> model
    MLP(2 inputs, 51 parameters)
      L1: Layer(2 -> 8, relu)
      L2: Layer(8 -> 3, linear)
    >>> model.layers[1].neurons[2].w[7].data == torch_model[2].weight[2, 7].item()
    True
    """
    torch = _torch()
    plan = _read_plan(module, torch)
    nin = plan[0][0].in_features
    nouts = [linear.out_features for linear, _ in plan]
    activations = [activation for _, activation in plan]
    weights = [
        (linear.weight.detach().double().tolist(), linear.bias.detach().double().tolist()) for linear, _ in plan
    ]
    # Build only now that everything is read. A private generator: the weights
    # are overwritten below, and the user's global random state stays untouched.
    mlp = MLP(nin, nouts, activations[0], activations[-1], rng=random.Random(0), fused=fused)
    for layer, activation, (weight, bias) in zip(mlp.layers, activations, weights):
        layer.activation = activation
        for j, neuron in enumerate(layer.neurons):
            neuron.activation = activation
            for i, w in enumerate(neuron.w):
                w.data = float(weight[j][i])
            neuron.b.data = float(bias[j])
    return mlp


def torch_parameter_grads(mlp: MLP, torch_model: "torch.nn.Sequential") -> List[Tuple[str, float, Optional[float]]]:
    """Pairs every parameter's ``.grad`` here with the same parameter's grad in `to_torch`'s copy.

    Returns ``(label, ours, theirs)`` for each weight and bias, in the order of
    ``mlp.parameters()`` (``theirs`` is None if torch has no grad yet); the
    notebook uses it to put the two side by side.

    >>> from micrograd_mlp import MLP
    >>> import torch
    >>> model = MLP(1, [1], "linear", seed=0)
    >>> torch_model = to_torch(model)
    >>> model([2.0]).backward(); torch_model(torch.tensor([[2.0]], dtype=torch.float64)).sum().backward()
    >>> torch_parameter_grads(model, torch_model)
    [('L1.N1.w1', 2.0, 2.0), ('L1.N1.b', 1.0, 1.0)]
    """
    torch = _torch()
    linears = [m for m in torch_model if type(m) is torch.nn.Linear]
    if len(linears) != len(mlp.layers):
        raise ValueError(f"the torch model has {len(linears)} Linear layers, the MLP {len(mlp.layers)}")
    rows = []
    for layer, linear in zip(mlp.layers, linears):
        weight_grad = None if linear.weight.grad is None else linear.weight.grad.tolist()
        bias_grad = None if linear.bias.grad is None else linear.bias.grad.tolist()
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                rows.append((w.label, w.grad, None if weight_grad is None else weight_grad[j][i]))
            rows.append((neuron.b.label, neuron.b.grad, None if bias_grad is None else bias_grad[j]))
    return rows

