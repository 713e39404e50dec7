"""micrograd 0.1.0's layout and behaviour, on this library's engine.

Karpathy's micrograd notebooks run unchanged but for the import::

    from micrograd.engine import Value              # becomes
    from micrograd_mlp.micrograd.engine import Value
    from micrograd.nn import Neuron, Layer, MLP     # becomes
    from micrograd_mlp.micrograd.nn import Neuron, Layer, MLP

The classes keep micrograd's signatures (``Neuron(nin, nonlin=True)``,
``Layer(nin, nout, **kwargs)``, ``MLP(nin, nouts)``), its reprs and its
initialisation: every weight is ``random.uniform(-1, 1)`` drawn from Python's
global `random`, in micrograd's order, so after ``random.seed(1337)`` the
weights, and so every loss of micrograd's ``demo.ipynb``, are micrograd's.

They are this library's `Neuron`, `Layer` and `MLP` underneath, so
`draw_mlp`, `fit`, `save` and the notebook `Playground` take them too.

>>> import random
>>> from micrograd_mlp.micrograd.nn import MLP
>>> random.seed(1337)
>>> model = MLP(2, [16, 16, 1])
>>> len(model.parameters())
337
"""

from . import engine, nn
from .engine import Value
from .nn import MLP, Layer, Module, Neuron

__all__ = ["engine", "nn", "Value", "Module", "Neuron", "Layer", "MLP"]
