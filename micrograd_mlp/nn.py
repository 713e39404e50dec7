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

import json
import math
import numbers
import os
import random
import stat
import sys
from itertools import chain
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from .engine import Value, dot
from .files import atomic_write
from .labels import input_label, layer_label, neuron_label, parameter_label
from .parameter import Parameter
from .structure import Tracked, TrackedList

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "save", "load", "load_into", "ModelFileError"]

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


# ------------------------------------------------------------ save and load

FORMAT = "micrograd_mlp.MLP"
VERSION = 1


def _layer_activation(layer: Layer, l: int) -> str:
    names = {neuron.activation for neuron in layer.neurons}
    if names != {layer.activation}:
        raise ValueError(
            f"layer {layer_label(l + 1)} mixes activations {sorted(names)}; save() stores one activation "
            "per layer, set layer.activation and every neuron.activation to the same name"
        )
    return layer.activation


def save(model: MLP, path: Union[str, os.PathLike]) -> None:
    """Write the architecture and every weight of ``model`` to a JSON file.

    Floats are written with ``repr``, so `load` gives bit-identical weights.
    The file holds no labels: each weight has its place (layer, neuron,
    input), so files saved before labels counted from 1 (when ``L1.N1.w1``
    read ``L0.N0.w0``) load unchanged, every weight where it was.
    The file is written to a temporary file first and then moved into place,
    so a crash never leaves half a file behind.

    >>> import os, tempfile
    >>> model = MLP(2, [3, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> save(model, path)
    >>> load(path)([0.1, 0.2]).data == model([0.1, 0.2]).data
    True
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save() needs an MLP, got {type(model).__name__}")
    weights = []
    for l, layer in enumerate(model.layers):
        weights.append([{"w": [_weight(w) for w in n.w], "b": _weight(n.b)} for n in layer.neurons])
    document = {
        "format": FORMAT,
        "version": VERSION,
        "nin": model.nin,
        "nouts": [layer.nout for layer in model.layers],
        "activations": [_layer_activation(layer, l) for l, layer in enumerate(model.layers)],
        "fused": model.fused,
        "weights": weights,
    }
    text = json.dumps(document, allow_nan=False)
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"cannot save to {path!r}: it is a folder; give a file name, e.g. "
            f"{os.path.join(path, 'model.json')!r}"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: the folder {folder!r} does not exist")
    # A temporary file in the same folder, then a rename: never half a file;
    # the mode of the file replaced, or 0o666 minus the umask for a new one.
    atomic_write(path, text, sync=True)


def _weight(p: Value) -> float:
    """A parameter's data as the Python float JSON can hold, or a clear error."""
    data = p.data
    # NumPy scalars (w.data = np.float32(0.5)) are real numbers too; json cannot write them
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        raise TypeError(
            f"cannot save: parameter {p.label or '?'} holds {type(data).__name__} {data!r:.40}, "
            "not a number; a Value's .data must be a float"
        )
    data = float(data)
    if not math.isfinite(data):
        raise ValueError(f"cannot save: parameter {p.label or '?'} is {data!r}")
    return data


class ModelFileError(ValueError):
    """A model file that cannot be read: truncated, not ours, or malformed.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> with open(path, "w") as f:
    ...     _ = f.write('{"format": "micrograd')      # cut off mid-write
    >>> try:
    ...     load(path)
    ... except ModelFileError as err:
    ...     print(type(err).__name__)
    ModelFileError
    """


# The largest model file load() reads: about 3 million weights, 3 times an
# MLP(2, [1000, 1000, 1]) (1,000 is the widest layer the demos allow). Anything
# bigger is refused before it is read, not read until memory runs out.
MAX_MODEL_FILE_BYTES = 64 * 2**20


def _short(thing: object, limit: int = 80) -> str:
    """repr(thing), cut to `limit` characters: file content quoted in an error stays short."""
    shown = repr(thing)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _read_text(path: str) -> str:
    """The file's text: a regular file only (a FIFO would block, /dev/zero never end), size-limited."""
    # O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then says what it is.
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise ModelFileError(
                f"{path!r} is not a regular file (a pipe, a device or a socket); "
                "a saved model is a .json file written by save()"
            )
        raw = file.read(MAX_MODEL_FILE_BYTES + 1)  # + 1: to tell a file that is too big
    if len(raw) > MAX_MODEL_FILE_BYTES:
        size = max(len(raw), os.path.getsize(path))
        raise ModelFileError(
            f"{path!r} is {size:,} bytes, larger than the {MAX_MODEL_FILE_BYTES:,} bytes "
            "a saved model may have (micrograd_mlp.nn.MAX_MODEL_FILE_BYTES); it is not a saved "
            "model, or raise that limit if you trust it"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ModelFileError(
            f"{path!r} is not valid JSON (not UTF-8 text: {_short(str(err), 120)}); "
            "the file is damaged or not a saved model"
        ) from None


def _read(path: Union[str, os.PathLike]) -> dict:
    """Read and fully validate a saved model (never touches any model)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}; check the path, or save(model, path) first")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder, not a model file; give the .json file's path")
    text = _read_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise ModelFileError(
            f"{path!r} is not valid JSON ({err}); the file is truncated or not a saved model"
        ) from None
    except RecursionError:
        raise ModelFileError(f"{path!r}: its JSON is nested too deeply to be a saved model") from None
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise ModelFileError(f"{path!r} holds a number that cannot be read ({_short(str(err), 120)})") from None
    try:
        _validate(document, path)
    except (TypeError, AttributeError, KeyError, RecursionError, OverflowError) as err:
        # Every shape is checked above; this is the net under those checks.
        raise ModelFileError(f"{path!r} is malformed ({type(err).__name__}: {_short(str(err), 120)})") from None
    return document


def _validate(document: Any, path: str) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(f"{path!r} is not a saved MLP: format is {_short(found)}, expected {FORMAT!r}")
    if document.get("version") != VERSION:
        raise ModelFileError(
            f"{path!r} has version {_short(document.get('version'))}; this library reads version {VERSION}"
        )
    nin, nouts = document.get("nin"), document.get("nouts")
    activations, weights = document.get("activations"), document.get("weights")
    if not _is_count(nin) or not isinstance(nouts, list) or not nouts or not all(map(_is_count, nouts)):
        raise ModelFileError(f"{path!r}: bad nin/nouts {_short(nin)}/{_short(nouts)}")
    if not isinstance(activations, list) or len(activations) != len(nouts) or not all(
        isinstance(a, str) and a in ACTIVATIONS for a in activations
    ):
        raise ModelFileError(f"{path!r}: bad activations {_short(activations)} for {len(nouts)} layers")
    if not isinstance(document.get("fused", False), bool):
        raise ModelFileError(f"{path!r}: 'fused' must be true or false, got {_short(document['fused'])}")
    if not isinstance(weights, list) or len(weights) != len(nouts):
        raise ModelFileError(f"{path!r}: expected weights for {len(nouts)} layers")
    for l, (fan_in, layer) in enumerate(zip([nin] + nouts, weights)):
        if not isinstance(layer, list) or len(layer) != nouts[l]:
            raise ModelFileError(f"{path!r}: layer {layer_label(l + 1)} should hold {_short(nouts[l])} neurons")
        for j, neuron in enumerate(layer):
            w = neuron.get("w") if isinstance(neuron, dict) else None
            b = neuron.get("b") if isinstance(neuron, dict) else None
            if not isinstance(w, list) or len(w) != fan_in or not all(map(_is_number, w + [b])):
                raise ModelFileError(
                    f"{path!r}: neuron {neuron_label(l + 1, j + 1)} needs {_short(fan_in)} finite weights 'w' and a bias 'b'"
                )


_LARGEST_INT = int(sys.float_info.max)


def _is_count(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1


def _is_number(x: object) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    # JSON ints have no size limit: one too big for a float is no weight.
    return isinstance(x, int) and not isinstance(x, bool) and abs(x) <= _LARGEST_INT


def _architecture(nin: int, nouts: list, activations: list) -> str:
    return f"nin={nin}, nouts={nouts}, activations={activations}"


def load_into(model: MLP, path: Union[str, os.PathLike]) -> MLP:
    """Copy the weights saved at ``path`` into ``model`` (same architecture).

    The whole file is read and checked before any weight changes, so on any
    error the model is left exactly as it was.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> save(MLP(2, [3, 1], seed=0), path)
    >>> model = load_into(MLP(2, [3, 1], seed=1), path)
    >>> model([0.1, 0.2]).data == MLP(2, [3, 1], seed=0)([0.1, 0.2]).data
    True
    """
    if not isinstance(model, MLP):
        raise TypeError(f"load_into() needs an MLP to copy the weights into, got {type(model).__name__}")
    return _copy_weights(_read(path), model, path)


def load(path: Union[str, os.PathLike]) -> MLP:
    """A new `MLP` with the architecture and weights saved at ``path``.

    A missing file is a `FileNotFoundError`; a truncated, foreign or damaged
    one a `ModelFileError` saying what is wrong.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> save(MLP(3, [4, 2], activation="tanh", seed=1), path)
    >>> load(path)
    MLP(3 inputs, 26 parameters)
      L1: Layer(3 -> 4, tanh)
      L2: Layer(4 -> 2, linear)
    """
    document = _read(path)
    activations = document["activations"]
    model = MLP(
        document["nin"],
        document["nouts"],
        activations[0],
        activations[-1],
        rng=random.Random(0),  # weights are overwritten below; keep the global rng untouched
        fused=bool(document.get("fused", False)),
    )
    for layer, activation in zip(model.layers, activations):
        layer.activation = activation
        for neuron in layer.neurons:
            neuron.activation = activation
    return _copy_weights(document, model, path)


def _copy_weights(document: dict, model: MLP, path: Union[str, os.PathLike]) -> MLP:
    expected = _architecture(
        model.nin, [layer.nout for layer in model.layers], [layer.activation for layer in model.layers]
    )
    found = _architecture(document["nin"], document["nouts"], document["activations"])
    if expected != found:
        raise ValueError(
            f"{os.fspath(path)!r} holds a different network: expected {expected}, found {found}; "
            "load(path) builds a new model with the saved architecture"
        )
    for layer, saved_layer in zip(model.layers, document["weights"]):
        for neuron, saved in zip(layer.neurons, saved_layer):
            for w, value in zip(neuron.w, saved["w"]):
                w.data = float(value)
            neuron.b.data = float(saved["b"])
    return model
