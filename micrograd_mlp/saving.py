"""Saving and loading an `MLP`: its architecture and every weight in one JSON file.

``save(model, path)`` writes the file atomically (a crash never leaves half a
file); ``load(path)`` builds the model it describes; ``load_into(model, path)``
copies the weights into a model of the same architecture. A file that is not
one of ours, is damaged, or describes a different model is refused with a
`ModelFileError` that says which and where. (`micrograd_mlp.nn` re-exports
these names, where they lived before.)
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
import stat
import sys
from typing import Any, Union

from .engine import Value
from .files import atomic_write
from .labels import layer_label, neuron_label
from .nn import ACTIVATIONS, MLP, Layer

__all__ = ["save", "load", "load_into", "ModelFileError"]


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
            "a saved model may have (micrograd_mlp.saving.MAX_MODEL_FILE_BYTES); it is not a saved "
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
