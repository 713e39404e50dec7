"""Watching the recording: what the traced code does that one recorded program cannot repeat.

A replay runs the program recorded on one sample for every sample and every
step. That is only right when the traced code runs the same ops whatever the
numbers are. Python code can break this in ways the graph never shows:

* it **reads a number** out of a Value and uses it as a Python number: ``if
  x.data < 1``, ``max(o.data for o in out)``, ``float(x)``, ``math.exp(x.data)``,
  ``np.tanh(x.data)``, ``range(int(x.data))``, ``x.local_grads`` ...;
* it **draws random numbers** (dropout): a replay would reuse one draw;
* it **changes state** as it runs (a call counter, a cache, a global): the
  scalar engine would see the state move from call to call, a replay not.

`Watch` notices all three while `record` runs the function, without slowing
the scalar engine the rest of the time: during the call it swaps ``Value.data``,
``Value.local_grads`` and ``Value.__float__`` for versions that note who reads
them (reads by the engine's own ops, which the replay repeats on arrays, do
not count), then puts the originals back. It compares the random generators'
states and the state reachable from the model and the loss (numbers,
generators, small arrays, the globals their code names) before and after.
The tape then refuses (`ReplayError`) a read of a number that depends on the
sample or on the parameters, any draw and any change, saying where.

Reads only of constants (``Value(2.0).data``) are fine: they are the same on
every sample and every step.
"""

from __future__ import annotations

import random
import sys
import threading
import types
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..engine import Value
from ..parameter import Parameter

__all__ = ["Watch", "state_of", "describe_frame", "verdict", "runs_library_code_only", "library_unpatched", "library_code"]

_local = threading.local()  # the Watch of this thread's recording, if any
_swap_lock = threading.Lock()
_swapped = 0  # how many recordings (in any thread) have the watching versions in place
_originals: Dict[Tuple[type, str], Any] = {}
_own: Dict[Tuple[type, str], bool] = {}  # was the attribute the class's own (not inherited)?
# the classes whose number-revealing attributes are swapped, and which ones: a Parameter keeps
# its number behind its own ``data`` (it counts writes), and inherits the rest from Value
_WATCHED = ((Value, ("data", "local_grads", "__float__")), (Parameter, ("data",)))


def describe_frame(frame: Any) -> str:
    """``file.py:12 in forward``: where the traced code did something."""
    code = frame.f_code
    return f"{code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno} in {code.co_name}"


def _trusted_globals() -> set:
    """The engine's modules: their reads of .data are the ops themselves (the replay repeats them)."""
    return {
        id(module.__dict__)
        for name, module in list(sys.modules.items())
        if module is not None and (name == "micrograd_mlp.engine" or name.startswith(("micrograd_mlp.engine.", "micrograd_mlp.ops", "micrograd_mlp.edges")))
    }


_trusted: set = set()  # ids of the engine modules' globals, filled while any watch is on


def _note(obj: Any, how: str, frame: Any) -> None:
    watch = getattr(_local, "watch", None)
    if watch is not None:
        watch.reads.append((obj, how, describe_frame(frame)))


def _watching_versions(cls: type) -> Dict[str, Any]:
    """Replacements for a class's number-revealing attributes that note untrusted callers.

    The engine's own ops read ``.data`` all the time; the first test (is the
    caller an engine module?) is the whole cost for them.
    """
    versions: Dict[str, Any] = {}
    getframe, trusted = sys._getframe, _trusted
    data = _originals.get((cls, "data"))
    if data is not None and hasattr(data, "__get__") and hasattr(data, "__set__"):
        read, write = data.__get__, data.__set__

        def get_data(obj: Any) -> Any:
            frame = getframe(1)
            if id(frame.f_globals) not in trusted:
                _note(obj, ".data", frame)
            return read(obj, Value)

        def set_data(obj: Any, number: Any) -> None:
            frame = getframe(1)
            if id(frame.f_globals) not in trusted:
                watch = getattr(_local, "watch", None)
                if watch is not None:
                    watch.writes.append((obj, describe_frame(frame)))
            write(obj, number)

        versions["data"] = property(get_data, set_data)
    local_grads = _originals.get((cls, "local_grads"))
    if isinstance(local_grads, property):
        read_local_grads = local_grads.__get__

        def get_local_grads(obj: Any) -> Any:
            frame = getframe(1)
            if id(frame.f_globals) not in trusted:
                _note(obj, ".local_grads", frame)
            return read_local_grads(obj, Value)

        versions["local_grads"] = property(get_local_grads, local_grads.fset)
    as_float = _originals.get((cls, "__float__"))
    if as_float is not None:

        def __float__(obj: Any) -> float:
            _note(obj, "float()", getframe(1))
            return as_float(obj)

        versions["__float__"] = __float__
    return versions


def _swap_in() -> None:
    global _swapped
    with _swap_lock:
        if _swapped == 0:
            _trusted.clear()
            _trusted.update(_trusted_globals())
            for cls, names in _WATCHED:
                for name in names:
                    # (looked up along the classes it inherits from: local_grads may live in a base)
                    _originals[cls, name] = next((vars(k)[name] for k in cls.__mro__ if name in vars(k)), None)
                    _own[cls, name] = name in vars(cls)
            for cls, _ in _WATCHED:
                for name, version in _watching_versions(cls).items():
                    setattr(cls, name, version)
        _swapped += 1


def _swap_out() -> None:
    global _swapped
    with _swap_lock:
        _swapped -= 1
        if _swapped == 0:
            for (cls, name), original in _originals.items():
                if _own[cls, name]:
                    setattr(cls, name, original)
                elif name in vars(cls):
                    delattr(cls, name)  # the base class's own is found again
            _originals.clear()


# ------------------------------------------------------------------ state


_NUMBERS = (int, float, complex, bool, str, bytes, type(None), np.generic)


def _globals_named(function: Any) -> Dict[str, Any]:
    """The module globals a function's code names (its counters, flags, scales)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return {}
    module_globals = getattr(function, "__globals__", {})
    named = {}
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions and comprehensions
        if isinstance(const, types.CodeType):
            names.update(const.co_names)
    for name in names:
        if name in module_globals:
            named[name] = module_globals[name]
    for name, item in list(named.items()):
        if isinstance(item, types.ModuleType):  # settings.SCALE: the module's attributes the code names
            for attribute in names:
                number = getattr(item, attribute, None)
                if isinstance(number, _NUMBERS):
                    named[f"{name}.{attribute}"] = number
    return named


def _library_class(kind: type) -> bool:
    """A class the library defines at the top of one of its modules (not a user's, not a doctest's)."""
    module = getattr(kind, "__module__", "") or ""
    return module.startswith("micrograd_mlp") and getattr(sys.modules.get(module), kind.__name__, None) is kind


def state_of(roots: Dict[str, Any]) -> Dict[str, Any]:
    """Plain numbers, random states and small arrays reachable from ``roots``, by path.

    Values are skipped (their numbers are the parameters, which the tape reads
    at every replay); so are modules, classes of the library and big arrays.
    Functions contribute their closure cells and the globals their code names.

    >>> class Counter:
    ...     def __init__(self): self.calls = 0
    >>> c = Counter(); before = state_of({"model": c}); c.calls += 1
    >>> before == state_of({"model": c}), before
    (False, {'model.calls': 0})
    """
    found: Dict[str, Any] = {}
    seen: set = set()

    def walk(obj: Any, path: str, depth: int) -> None:
        kind = type(obj)
        if kind is Value or depth > 8 or isinstance(obj, Value):
            return
        if isinstance(obj, _NUMBERS):
            found[path] = obj
            return
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, random.Random):
            found[path] = obj.getstate()
        elif isinstance(obj, np.random.Generator):
            found[path] = repr(obj.bit_generator.state)
        elif isinstance(obj, np.random.RandomState):
            found[path] = repr(obj.get_state(legacy=False))
        elif isinstance(obj, np.ndarray):
            found[path] = obj.tobytes() if obj.size <= 4096 else (obj.shape, obj.dtype.str)
        elif kind in (list, tuple, set, frozenset):
            if obj and set(map(type, obj)) == {Value}:
                return  # a list of parameters
            for i, item in enumerate(obj):
                walk(item, f"{path}[{i}]", depth + 1)
        elif kind is dict:
            for key, item in list(obj.items()):
                walk(item, f"{path}[{key!r}]", depth + 1)
        elif isinstance(obj, (types.FunctionType, types.MethodType)):
            function = getattr(obj, "__func__", obj)
            if isinstance(obj, types.MethodType):
                walk(obj.__self__, f"{path}.__self__", depth + 1)
            for i, cell in enumerate(function.__closure__ or ()):
                try:
                    walk(cell.cell_contents, f"{path}<closure {i}>", depth + 1)
                except ValueError:  # an empty cell
                    pass
            if not function.__module__ or not function.__module__.startswith("micrograd_mlp"):
                for name, item in _globals_named(function).items():
                    walk(item, f"{function.__module__}.{name}", depth + 1)
        elif isinstance(obj, (types.ModuleType, type)):
            return
        else:
            if _library_class(kind):
                return  # the library's own objects (an MLP, its layers): no hidden state
            # a user's classes: their own attributes, and the globals their methods name
            for cls in kind.__mro__:
                if cls is object or _library_class(cls) or getattr(cls, "__module__", "") == "builtins":
                    continue
                for name, item in list(vars(cls).items()):
                    if isinstance(item, _NUMBERS) and not name.startswith("__"):
                        found[f"{cls.__qualname__}.{name}"] = item
                    elif isinstance(item, types.FunctionType):
                        for gname, gitem in _globals_named(item).items():
                            walk(gitem, f"{item.__module__}.{gname}", depth + 1)
            attributes = getattr(obj, "__dict__", None)
            if attributes is not None:
                for name, item in list(attributes.items()):
                    walk(item, f"{path}.{name}", depth + 1)
            for name in getattr(kind, "__slots__", ()):
                if isinstance(name, str) and hasattr(obj, name):
                    walk(getattr(obj, name), f"{path}.{name}", depth + 1)

    for name, root in roots.items():
        walk(root, name, 0)
    return found


def _global_random_states() -> Tuple[Any, Any]:
    return random.getstate(), repr(np.random.get_state(legacy=False))


# ------------------------------------------------------------ library code


def _library_code() -> Dict[Any, Any]:
    from .. import nn

    methods = {(cls, name): vars(cls)[name] for cls in (nn.MLP, nn.Layer, nn.Neuron)
               for name in ("__call__", "forward") if name in vars(cls)}  # fmt: skip
    return {"classes": (nn.MLP, nn.Layer, nn.Neuron), "methods": methods, "activations": dict(nn.ACTIVATIONS)}


_LIBRARY = _library_code()  # (taken at import, before any user code could patch them)


def runs_library_code_only(model: Any, loss: Any) -> bool:
    """Is the traced code only the library's own MLP and a named loss (code that reads no number)?

    Then the watch need not note reads (the costly part of watching a big
    network): the library's `MLP`, `Layer` and `Neuron`, with their own methods
    and activations, and the per-sample loss terms read no Value's number.
    Any subclass, patched method or custom activation or loss is watched.

    >>> from micrograd_mlp import MLP
    >>> runs_library_code_only(MLP(2, [3, 1]), "hinge"), runs_library_code_only(MLP(2, [3, 1]), len)
    (True, False)
    """
    mlp, layer, neuron = _LIBRARY["classes"]
    if not isinstance(loss, str) or type(model) is not mlp or not library_unpatched():
        return False
    activations = _LIBRARY["activations"]
    for each in model.layers:
        if type(each) is not layer:
            return False
        for unit in each.neurons:
            if type(unit) is not neuron or activations.get(unit.activation) is None:
                return False
    return True


def library_code() -> tuple:
    """The methods of `MLP`, `Layer` and `Neuron` and the activations, as they are now.

    A patch of a class or of ``nn.ACTIVATIONS`` changes what every model computes,
    and no model's own attributes show it: a program's cache key holds this.

    >>> library_code() == library_code()
    True
    """
    from .. import nn

    methods = tuple(getattr(cls, name) for cls, name in _LIBRARY["methods"])
    return methods + tuple(sorted(nn.ACTIVATIONS.items(), key=lambda item: item[0]))


def library_unpatched() -> bool:
    """Are the methods of `MLP`, `Layer` and `Neuron` and the activations still those of import time?

    >>> library_unpatched()
    True
    """
    if any(getattr(cls, name) is not method for (cls, name), method in _LIBRARY["methods"].items()):
        return False
    from .. import nn

    return all(nn.ACTIVATIONS.get(name) is function for name, function in _LIBRARY["activations"].items())


# ------------------------------------------------------------------ watch


class Watch:
    """Notices, during one call of the traced function, reads of numbers, draws and changes.

    >>> w = Value(2.0)
    >>> with Watch() as watch:
    ...     y = w * 3.0
    ...     if y.data > 1:          # a Python branch on a number of the graph
    ...         z = y + 1.0
    >>> [(how, read is y) for read, how, where in watch.reads]
    [('.data', True)]
    """

    def __init__(self, state_roots: Optional[Dict[str, Any]] = None, reads: bool = True) -> None:
        self.state_roots = dict(state_roots or {})
        self.watch_reads = reads  # False: only draws and changes (see runs_library_code_only)
        self.reads: List[Tuple[Value, str, str]] = []
        self.writes: List[Tuple[Value, str]] = []
        self.changes: List[str] = []
        self._previous: Optional[Watch] = None

    def __enter__(self) -> "Watch":
        self._state = state_of(self.state_roots)
        self._random = _global_random_states()
        self._previous = getattr(_local, "watch", None)
        if self.watch_reads:
            _swap_in()
        _local.watch = self
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.watch = self._previous
        if self.watch_reads:
            _swap_out()
        if self._random[0] != random.getstate():
            self.changes.append("it drew random numbers from Python's `random` module")
        if self._random[1] != repr(np.random.get_state(legacy=False)):
            self.changes.append("it drew random numbers from NumPy's global generator (np.random)")
        after = state_of(self.state_roots)
        for path in sorted(set(self._state) | set(after)):
            if self._state.get(path, _MISSING) != after.get(path, _MISSING):
                what = "a random generator" if _looks_random(after.get(path, self._state.get(path))) else "state"
                self.changes.append(
                    f"it changed {what} as it ran: {path} "
                    f"{_shown(self._state.get(path, _MISSING))} -> {_shown(after.get(path, _MISSING))}"
                )


_MISSING = object()


def _looks_random(state: Any) -> bool:
    return isinstance(state, tuple) and len(state) == 3 or (isinstance(state, str) and "bit_generator" in state)


def _shown(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_FIX = (
    "Compute it with the graph's own ops instead (relu, max_of, softplus, tanh, ... keep the choice "
    "inside the graph), or train with the scalar engine: fit(..., batched=False)"
)


def verdict(watch: Watch, placeholders: Sequence[Value], params: Sequence[Value]) -> Optional[str]:
    """Why the recording cannot be replayed (a `ReplayError` message), or None when it can.

    A read is harmless when the number read depends on neither a placeholder
    (the sample) nor a parameter: then it is the same on every replay.
    """
    if watch.changes:
        return (
            f"the traced function cannot be replayed: {watch.changes[0]}. A replay runs the program "
            "recorded once for every sample and step, so it would not draw or count again as the "
            "scalar engine does. Keep the model's forward pass free of random draws and side effects "
            "(e.g. apply dropout outside fit), or train with fit(..., batched=False)"
        )
    if watch.writes:
        value, where = watch.writes[0]
        return (
            f"the traced function changes a Value's number while it runs (.data = ... at {where}); "
            "a replay would not repeat that. Make the change outside the forward pass, or use batched=False"
        )
    if not watch.reads:
        return None
    sample = {id(v) for v in placeholders}
    parameter = {id(p) for p in params}
    depends: Dict[int, str] = {}  # id -> "sample", "parameters" or ""

    def dependence(value: Value) -> str:
        # what the number of `value` depends on, by one walk over its ancestors
        stack, order = [value], []
        while stack:
            node = stack.pop()
            if id(node) in depends:
                continue
            depends[id(node)] = "?"
            order.append(node)
            stack.extend(p for p in node.parents if id(p) not in depends)
        for node in reversed(order):
            key = id(node)
            if key in sample:
                depends[key] = "sample"
            elif key in parameter:
                depends[key] = "parameters"
            else:
                kinds = {depends.get(id(p), "") for p in node.parents}
                depends[key] = "sample" if "sample" in kinds else "parameters" if "parameters" in kinds else ""
        return depends[id(value)]

    for value, how, where in watch.reads:
        on = dependence(value)
        if on == "sample":
            return (
                f"the traced function reads the number of a Value that depends on the sample ({how} at {where}) "
                "and uses it as a plain Python number: an `if`, max(), float(), math or NumPy on it, or a loop "
                "count. One recorded program is replayed on every sample, so it would follow the recorded "
                f"sample only. {_FIX}"
            )
        if on == "parameters":
            return (
                f"the traced function reads the number of a Value computed from the parameters ({how} at {where}) "
                "and uses it as a plain Python number: training changes the parameters, so a branch or a "
                f"constant made from it would go stale in the recorded program. {_FIX}"
            )
    return None
