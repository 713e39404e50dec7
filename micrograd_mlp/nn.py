"""Neurons, layers and the multilayer perceptron, built only from `Value`s.

The structure is micrograd's and is public, so a teacher can read or set any
single weight::

    mlp.layers[l].neurons[j].w[i]   # weight from input i to neuron j of layer l
    mlp.layers[l].neurons[j].b      # bias of that neuron

A neuron computes ``act(b + w1*x1 + w2*x2 + ...)`` (the slides' perceptron,
``f(w_0 + w_1 x_1 + ... + w_m x_m)``). By default that sum is built from ``+``
and ``*`` nodes exactly as micrograd does; ``fused=True`` builds it as one
``dot`` node with a parent per weight, input and bias: same numbers and
gradients, a much smaller graph.

Parameter labels (shown in drawings, checks and error messages) count from 1,
as the pictures and the playground do (see `micrograd_mlp.labels`, the one
place that writes and reads them): ``"L1.N4.w2"`` is
``mlp.layers[0].neurons[3].w[1]`` and ``"L1.N4.b"`` its bias; inputs are
``x1, x2, ...``.
"""

from __future__ import annotations

import math
import numbers
import random
import sys
from itertools import chain
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from .engine import Value, dot
from .labels import input_label, layer_label, parameter_label
from .parameter import Parameter
from .structure import Tracked, TrackedList

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "save", "load", "load_into", "ModelFileError"]

_SAVING = ("save", "load", "load_into", "ModelFileError")  # in `saving` now, still importable from here


def __getattr__(name: str) -> Any:
    # (`saving` builds on this module: asked for here, as before, its names come from the
    # package's face, which loads `saving` when one is first used)
    if name in _SAVING:
        import micrograd_mlp

        return getattr(micrograd_mlp, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

Input = Union[Sequence[Union[float, Value]], Any]  # list, tuple or 1-D NumPy array
Output = Union[Value, List[Value]]


def _linear(v: Value) -> Value:
    return v


ACTIVATIONS: Dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": _linear,
}


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}"
        )
    return activation


def _check_size(name: str, size: object) -> int:
    # Python and NumPy integers (np.int64 registers as numbers.Integral), as
    # PyTorch takes them; not bools, and not floats, even 4.0.
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"{name} must be a positive int, got {size!r:.60}")
    return int(size)


def _layer_sizes(nouts: object) -> List[int]:
    """``nouts`` as a list of Python ints: from a list, a tuple or a 1-D NumPy array."""
    if hasattr(nouts, "ndim") and hasattr(nouts, "tolist"):  # a NumPy array
        nouts = nouts.tolist() if nouts.ndim == 1 else None
    if not isinstance(nouts, (list, tuple, range)) or len(nouts) == 0:
        raise ValueError(
            f"nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1]; got {nouts!r:.60}"
        )
    return [_check_size("every layer size in nouts", n) for n in nouts]


def _make_rng(seed: Optional[int], rng: Optional[random.Random]) -> Any:
    if seed is not None and rng is not None:
        raise ValueError("pass either seed= or rng=, not both")
    if rng is not None:
        return rng
    if seed is not None:
        # random.Random refuses NumPy ints ("supported seed types are ...") and
        # takes floats and text; a seed is a whole number, as in NumPy and PyTorch.
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be a whole number such as 0, got {type(seed).__name__} {seed!r:.40}")
        return random.Random(int(seed))
    # Like micrograd: the global `random` module, so random.seed(...) works too.
    return random


class Module(Tracked):
    """What `Neuron`, `Layer` and `MLP` share, as micrograd's ``Module``: ``parameters()`` and ``zero_grad()``.

    >>> neuron = Neuron(2, rng=random.Random(0))
    >>> neuron([1.0, 2.0]).backward(); neuron.zero_grad()
    >>> [p.grad for p in neuron.parameters()]
    [0.0, 0.0, 0.0]
    """

    def parameters(self) -> List[Value]:
        """Every weight and bias of this part of the network (none for the base class)."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (before the next ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One perceptron: ``act(b + sum(w_i * x_i))``.

    >>> n = Neuron(2, activation="tanh", rng=random.Random(0))
    >>> len(n.w), n.b.data, n.activation
    (2, 0.0, 'tanh')
    >>> n.w[0].data, n.w[1].data = 1.0, -2.0
    >>> n([3.0, 1.0]).data == math.tanh(1.0)
    True

    Args:
        nin: number of inputs.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"``.
        rng: a ``random.Random`` (default: the global ``random`` module).
        init: ``"normal"`` draws w ~ N(0, sqrt(2 / (fan_in + fan_out))) as the
            slides do; ``"uniform"`` is micrograd's U(-1, 1). Biases start at 0.
        fused: build the weighted sum as one ``dot`` node.
        fan_out: the number of neurons in this neuron's layer (for the
            ``"normal"`` scale; `Layer` passes it).
        layer, number: where the neuron sits, counted from 1, for its
            parameters' labels: ``layer=1, number=4`` labels them ``L1.N4.w1``,
            ..., ``L1.N4.b``.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        rng: Optional[random.Random] = None,
        init: str = "normal",
        fused: bool = False,
        fan_out: int = 1,
        layer: int = 1,
        number: int = 1,
    ) -> None:
        nin = _check_size("nin", nin)
        self.activation = _check_activation(activation)
        self.fused = bool(fused)
        rng = _make_rng(None, rng)
        if init == "normal":
            # The slides' (Glorot) scale keeps the variance of activations
            # roughly constant from layer to layer.
            scale = math.sqrt(2.0 / (nin + fan_out))
            weights = [rng.gauss(0.0, scale) for _ in range(nin)]
        elif init == "uniform":
            weights = [rng.uniform(-1.0, 1.0) for _ in range(nin)]
        else:
            raise ValueError(f"unknown init {init!r}; choose 'normal' or 'uniform'")
        # Parameters: Values whose writes are counted (`parameter.writes`), so a replay's copy of
        # the weights knows when it is stale
        # (its lists are TrackedLists, and a Module counts each attribute set: `structure`)
        self.w: List[Value] = TrackedList(
            Parameter(wi, label=parameter_label(layer, number, i)) for i, wi in enumerate(weights, start=1)
        )
        self.b: Value = Parameter(0.0, label=parameter_label(layer, number))

    def __call__(self, x: Sequence[Union[float, Value]]) -> Value:
        try:
            count = len(x)
        except TypeError:  # a bare number: say so here, not from deep inside zip()
            raise TypeError(
                f"a neuron takes a list of {len(self.w)} numbers or Values, got "
                f"{type(x).__name__} {x!r:.60}; a single number goes in a list: [x]"
            ) from None
        if count != len(self.w):  # zip() would silently drop the extra inputs
            raise ValueError(f"this neuron expected {len(self.w)} inputs, got {count}")
        if self.fused:
            pre_activation = dot(self.w, x, self.b)
        else:
            # micrograd's graph: b + w1*x1 + w2*x2 + ... one node per + and *
            pre_activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return ACTIVATIONS[self.activation](pre_activation)

    def parameters(self) -> List[Value]:
        """The weights, then the bias: ``len(Neuron(3).parameters()) == 4``."""
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)} inputs, {self.activation})"


class Layer(Module):
    """``nout`` neurons that all read the same inputs.

    >>> layer = Layer(3, 2, activation="tanh", rng=random.Random(0), number=2)
    >>> layer
    Layer(3 -> 2, tanh)
    >>> layer.neurons[1].w[2].label     # labels count from 1, code from 0
    'L2.N2.w3'

    Calling a layer returns a list of `Value`s, or a single `Value` when it has
    one neuron (as in micrograd). ``number`` (counted from 1, as `MLP` numbers
    its layers) goes into its parameters' labels.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        rng: Optional[random.Random] = None,
        init: str = "normal",
        fused: bool = False,
        number: int = 1,
    ) -> None:
        nout = _check_size("nout", nout)
        self.activation = _check_activation(activation)
        self.neurons: List[Neuron] = TrackedList(
            Neuron(nin, activation, rng=rng, init=init, fused=fused, fan_out=nout, layer=number, number=j)
            for j in range(1, nout + 1)
        )

    @property
    def nin(self) -> int:
        """Inputs each neuron reads: ``Layer(3, 2).nin == 3``."""
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        """Neurons, so outputs: ``Layer(3, 2).nout == 2``."""
        return len(self.neurons)

    def forward(self, x: Sequence[Union[float, Value]]) -> List[Value]:
        """The outputs of every neuron, always as a list."""
        return [neuron(x) for neuron in self.neurons]

    def __call__(self, x: Sequence[Union[float, Value]]) -> Output:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> List[Value]:
        """Every neuron's weights and bias, neuron by neuron.

        >>> len(Layer(3, 2).parameters())   # 2 neurons * (3 weights + 1 bias)
        8
        """
        # (micrograd's nested list comprehension, in C: it runs at every batched fit and predict call)
        return list(chain.from_iterable(neuron.parameters() for neuron in self.neurons))

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {self.activation})"


class MLP(Module):
    """A multilayer perceptron: layers of neurons, each feeding the next.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> model.num_parameters()
    337
    >>> model
    MLP(2 inputs, 337 parameters)
      L1: Layer(2 -> 16, relu)
      L2: Layer(16 -> 16, relu)
      L3: Layer(16 -> 1, linear)
    >>> y = model([0.5, -1.0])    # one output neuron: a Value
    >>> y.backward()              # gradients now sit on model.parameters()

    Args:
        nin: number of inputs.
        nouts: number of neurons of every layer, the last being the output.
        activation: activation of the hidden layers.
        output_activation: activation of the last layer (``"linear"`` for
            regression or logits, ``"sigmoid"`` for probabilities).
        seed / rng: make the initial weights reproducible (not both).
        init: ``"normal"`` (the slides) or ``"uniform"`` (micrograd); see `Neuron`.
            ``"uniform"`` draws in micrograd's order, so after ``random.seed(s)``
            (or with ``seed=s``) the weights equal micrograd's ``MLP`` after
            ``random.seed(s)``.
        fused: every neuron's weighted sum as one ``dot`` node.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed: Optional[int] = None,
        rng: Optional[random.Random] = None,
        init: str = "normal",
        fused: bool = False,
    ) -> None:
        nin = _check_size("nin", nin)
        nouts = _layer_sizes(nouts)
        _check_activation(activation)
        _check_activation(output_activation)
        rng = _make_rng(seed, rng)
        sizes = [nin] + nouts
        self.layers: List[Layer] = TrackedList(
            Layer(
                sizes[l],
                sizes[l + 1],
                output_activation if l == len(nouts) - 1 else activation,
                rng=rng,
                init=init,
                fused=fused,
                number=l + 1,
            )
            for l in range(len(nouts))
        )
        self.nin = nin
        self.nouts = TrackedList(nouts)
        self.fused = bool(fused)

    def __call__(self, x: Input) -> Output:
        x = _check_input(x, self.nin)
        if not self.layers[0].neurons[0].fused:
            # One leaf per input, shared by every neuron of the first layer
            # (micrograd makes a fresh constant per neuron): fewer nodes, and a
            # drawing shows each input once, labelled x1, x2, ...
            x = [xi if isinstance(xi, Value) else Value(xi, label=input_label(i)) for i, xi in enumerate(x, start=1)]
        for layer in self.layers:
            x = layer.forward(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> List[Value]:
        """Every weight and bias: layer by layer, neuron by neuron, w then b."""
        return list(chain.from_iterable(layer.parameters() for layer in self.layers))

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (before the next ``backward()``).

        >>> model = MLP(2, [3, 1], seed=0)
        >>> model([1.0, 2.0]).backward(); model.zero_grad()
        >>> {p.grad for p in model.parameters()}
        {0.0}
        """
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many weights and biases: ``MLP(2, [3, 1]).num_parameters() == 13``."""
        return sum(len(neuron.w) + 1 for layer in self.layers for neuron in layer.neurons)

    def __repr__(self) -> str:
        lines = [f"MLP({self.nin} inputs, {self.num_parameters()} parameters)"]
        lines += [f"  {layer_label(l)}: {layer!r}" for l, layer in enumerate(self.layers, start=1)]
        return "\n".join(lines)


_LARGEST_INT = int(sys.float_info.max)  # ints beyond this are no float


def _check_input(x: Input, nin: int) -> list:
    """One sample as a list of numbers/Values, or a clear error."""
    if hasattr(x, "ndim") and hasattr(x, "tolist"):  # NumPy array
        if x.ndim != 1:
            raise TypeError(
                f"model(x) takes one sample, a 1-D array of {nin} numbers; got an array of "
                f"shape {x.shape}. For many samples use [model(row) for row in X] "
                "or micrograd_mlp.predict(model, X)."
            )
        x = x.tolist()
    elif isinstance(x, (list, tuple)):
        x = list(x)
    else:
        raise TypeError(
            f"model(x) takes one sample as a list, tuple or 1-D NumPy array of {nin} numbers "
            f"or Values; got {type(x).__name__} {x!r:.60}. A single number goes in a list: model([x])."
        )
    if len(x) != nin:
        raise ValueError(f"model(x) expected {nin} inputs, got {len(x)}: {x!r:.80}")
    for i, xi in enumerate(x):
        if isinstance(xi, Value):
            continue
        if not isinstance(xi, numbers.Real):  # int, float, bool, NumPy scalars
            raise TypeError(
                f"model(x): x[{i}] must be a number or a Value, got {type(xi).__name__} {xi!r:.40}"
            )
        if isinstance(xi, numbers.Integral) and abs(int(xi)) > _LARGEST_INT:
            raise ValueError(
                f"model(x): x[{i}] is an int of {int(xi).bit_length()} bits, too large for a float "
                "(the largest is about 1.8e308); scale the inputs down"
            )
        if not math.isfinite(xi):
            raise ValueError(f"model(x): x[{i}] is {xi!r}; inputs must be finite numbers")
    return x
