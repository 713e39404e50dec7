"""The names a network's values carry: one numbering, counted from 1.

A drawing, a gradient check, an error message and the playground page all call
the first layer "layer 1" and its third neuron ``L1.N3``, so a student never
meets two numberings of one thing. Code indexes from 0, as Python lists do:

    ==============  =============================================
    label           the Value in code
    ==============  =============================================
    ``x2``          the second input, ``x[1]``
    ``L1.N3``       the output of ``mlp.layers[0].neurons[2]``
    ``L1.N3.w2``    ``mlp.layers[0].neurons[2].w[1]``
    ``L1.N3.b``     ``mlp.layers[0].neurons[2].b``
    ==============  =============================================

This module is the only place that writes or reads these labels: `nn` names
its parameters with it, `viz` groups a graph into neurons by reading them back.
(Before labels counted from 1 they read ``L0.N2.w0``; saved model files never
held labels, so files from then load unchanged.)
"""

from __future__ import annotations

import re
from typing import List, NamedTuple, Optional

__all__ = ["ParameterLabel", "layer_label", "neuron_label", "parameter_label", "input_label", "input_labels",
           "parse_parameter_label"]  # fmt: skip

_PARAMETER = re.compile(r"L([1-9]\d*)\.N([1-9]\d*)\.(?:w([1-9]\d*)|b)")


class ParameterLabel(NamedTuple):
    """Where a parameter sits, every number counted from 1; ``weight`` is None for the bias.

    >>> label = ParameterLabel(layer=1, neuron=3, weight=2)     # mlp.layers[0].neurons[2].w[1]
    >>> parameter_label(*label)
    'L1.N3.w2'
    """

    layer: int
    neuron: int
    weight: Optional[int] = None


def _number(what: str, n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} numbers in labels count from 1, got {n!r}; for the list index i use i + 1")
    return n


def layer_label(layer: int) -> str:
    """A layer's name, as `MLP`'s repr shows it.

    >>> layer_label(1)      # mlp.layers[0]
    'L1'
    """
    return f"L{_number('layer', layer)}"


def neuron_label(layer: int, neuron: int) -> str:
    """A neuron's name, which its output carries.

    >>> neuron_label(1, 3)      # mlp.layers[0].neurons[2]
    'L1.N3'
    """
    return f"{layer_label(layer)}.N{_number('neuron', neuron)}"


def parameter_label(layer: int, neuron: int, weight: Optional[int] = None) -> str:
    """A weight's label (``weight`` counted from 1), or with ``weight=None`` the bias's.

    >>> parameter_label(1, 3, 2), parameter_label(2, 1)   # layers[0].neurons[2].w[1], layers[1].neurons[0].b
    ('L1.N3.w2', 'L2.N1.b')
    """
    part = "b" if weight is None else f"w{_number('weight', weight)}"
    return f"{neuron_label(layer, neuron)}.{part}"


def input_label(number: int) -> str:
    """An input's label.

    >>> input_label(1)      # x[0], the first number a model reads
    'x1'
    """
    return f"x{_number('input', number)}"


def input_labels(layer: int, count: int) -> List[str]:
    """The labels of the ``count`` values a neuron of ``layer`` reads.

    >>> input_labels(1, 2), input_labels(2, 3)    # the inputs, then the layer before's outputs
    (['x1', 'x2'], ['L1.N1', 'L1.N2', 'L1.N3'])
    """
    if _number("layer", layer) == 1:
        return [input_label(i) for i in range(1, count + 1)]
    return [neuron_label(layer - 1, j) for j in range(1, count + 1)]


def parse_parameter_label(label: str) -> Optional[ParameterLabel]:
    """Read a `parameter_label` back; None for any other label.

    >>> parse_parameter_label("L1.N3.w2"), parse_parameter_label("L2.N1.b")
    (ParameterLabel(layer=1, neuron=3, weight=2), ParameterLabel(layer=2, neuron=1, weight=None))
    >>> parse_parameter_label("x1") is None, parse_parameter_label("L0.N0.w0") is None   # 0: not a label of ours
    (True, True)
    """
    match = _PARAMETER.fullmatch(label)
    if match is None:
        return None
    return ParameterLabel(int(match[1]), int(match[2]), None if match[3] is None else int(match[3]))
