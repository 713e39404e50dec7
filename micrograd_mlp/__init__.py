"""micrograd_mlp: backpropagation you can see, check and teach.

>>> from micrograd_mlp import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad          # dy/dx = 2x + 3
7.0
"""

from .engine import NonFiniteError, Value, dot, is_grad_enabled, no_grad, topological_order
from .nn import MLP, Layer, Neuron, load, load_into, save
from .check import compare, gradcheck, gradcheck_model
from .reference import from_value_mlp, to_value_mlp

__version__ = "0.1.0"

__all__ = [
    "Value",
    "no_grad",
    "is_grad_enabled",
    "dot",
    "topological_order",
    "NonFiniteError",
    "MLP", "Layer", "Neuron", "save", "load", "load_into",
    "reference", "gradcheck", "gradcheck_model", "compare", "to_value_mlp", "from_value_mlp",
]
