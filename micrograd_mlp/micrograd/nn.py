"""``micrograd.nn``: `Module`, `Neuron`, `Layer`, `MLP` with micrograd 0.1.0's signatures.

Each class is this library's own (`micrograd_mlp.nn`) set up as micrograd
sets it up: a ReLU neuron unless ``nonlin=False``, the last layer of an `MLP`
linear, every weight ``random.uniform(-1, 1)`` from Python's global `random`
(weights of neuron 0, then neuron 1, ... layer by layer; biases start at 0
and draw nothing), and micrograd's reprs.

>>> import random
>>> random.seed(0)
>>> Layer(2, 3)
Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)]
>>> MLP(3, [4, 1])
MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3)], Layer of [LinearNeuron(4)]]
"""

from __future__ import annotations

import numbers
from typing import List, Sequence

from .. import nn as _nn
from ..labels import parameter_label
from ..nn import Module

__all__ = ["Module", "Neuron", "Layer", "MLP"]


def _activation(nonlin: bool) -> str:
    return "relu" if nonlin else "linear"


class Neuron(_nn.Neuron):
    """micrograd's neuron: ``relu(b + sum(w_i * x_i))``, or linear with ``nonlin=False``.

    >>> import random; random.seed(1)
    >>> n = Neuron(2, nonlin=False)
    >>> n, n.b.data, -1 <= n.w[0].data <= 1
    (LinearNeuron(2), 0.0, True)
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        # rng=None is the global `random` module: random.seed(...) decides the weights
        super().__init__(nin, _activation(nonlin), init="uniform")

    @property
    def nonlin(self) -> bool:
        """True for a ReLU neuron; set it to switch (as micrograd's attribute does)."""
        return self.activation != "linear"

    @nonlin.setter
    def nonlin(self, nonlin: bool) -> None:
        self.activation = _activation(nonlin)

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(_nn.Layer):
    """``nout`` micrograd neurons; keyword arguments go to each `Neuron` (``nonlin=``).

    >>> import random; random.seed(1)
    >>> Layer(3, 1, nonlin=False)
    Layer of [LinearNeuron(3)]
    """

    def __init__(self, nin: int, nout: int, **kwargs) -> None:
        if isinstance(nout, bool) or not isinstance(nout, numbers.Integral) or nout < 1:
            raise ValueError(f"nout must be a positive int (the number of neurons), got {nout!r:.60}")
        self.neurons: List[Neuron] = [Neuron(nin, **kwargs) for _ in range(nout)]
        self.activation = _activation(kwargs.get("nonlin", True))
        self.label_parameters(1)

    def label_parameters(self, layer: int) -> None:
        """Label the parameters as the library does, counted from 1, so drawings say which weight is which.

        >>> Layer(2, 3, nonlin=False).neurons[2].w[1].label    # MLP numbers its layers 1, 2, ...
        'L1.N3.w2'
        """
        for j, neuron in enumerate(self.neurons, start=1):
            for i, w in enumerate(neuron.w, start=1):
                w.label = parameter_label(layer, j, i)
            neuron.b.label = parameter_label(layer, j)

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(_nn.MLP):
    """micrograd's MLP: ReLU hidden layers, a linear last layer, uniform(-1, 1) weights.

    >>> import random; random.seed(1337)
    >>> model = MLP(2, [16, 16, 1])
    >>> len(model.parameters()), model.layers[2]
    (337, Layer of [LinearNeuron(16)])
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if not isinstance(nouts, (list, tuple)) or not nouts:
            raise ValueError(
                f"nouts must be a non-empty list of layer sizes, e.g. MLP(2, [16, 16, 1]); got {nouts!r:.60}"
            )
        sizes = [nin] + list(nouts)
        self.layers: List[Layer] = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]
        self.nin = sizes[0]
        self.nouts = list(nouts)
        self.fused = False
        for number, layer in enumerate(self.layers, start=1):
            layer.label_parameters(number)

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
