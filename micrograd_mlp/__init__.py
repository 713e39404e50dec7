"""micrograd_mlp: backpropagation you can see, check and teach.

>>> from micrograd_mlp import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad          # dy/dx = 2x + 3
7.0

`__all__` holds what a learner needs first. Every other public name stays
reachable as ``micrograd_mlp.NAME`` and from the module where it lives (the
table `_HOME` below), e.g. ``micrograd_mlp.trace`` is ``micrograd_mlp.batched.trace``.
A name's module is imported the first time the name is used, so
``import micrograd_mlp`` is quick and loads no optional package.

The folders show the layers (README, "Architecture"): the core at the top
(`engine`, `nn`, `losses`, `optim`, `train`, `data`, ... and `micrograd`, the
lecture's API), `teaching/` (seeing and teaching), `checking/` (gradients
against independent derivations), `batched/` (the fast path) and `apps/`.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

# `explain` is a function and its module's old name: bind the function now, and register the old
# module name, so that `import micrograd_mlp.explain` finds it and never rebinds the name to the module.
from .teaching.explain import explain
sys.modules[f"{__name__}.explain"] = sys.modules[f"{__name__}.teaching.explain"]

__version__ = "0.1.0"

# What a learner meets first: the README's first examples and Karpathy's lecture.
__all__ = [
    # a number that remembers how it was made, and the network built from them
    "Value", "no_grad", "Neuron", "Layer", "MLP",
    # losses, optimizers, training
    "mse", "binary_cross_entropy", "hinge", "cross_entropy", "SGD", "Adam", "fit", "predict", "make_moons",
    # seeing and checking the gradients
    "draw_dot", "render", "explain", "gradcheck",
    # keeping a model; chain-rule exercises
    "save", "load", "parse_expression", "make_exercise", "check_answer",
]  # fmt: skip

# Every public name, and the module it lives in (layers: bottom to top).
_HOME = {
    **dict.fromkeys(["Value", "no_grad", "is_grad_enabled", "set_grad_enabled", "dot", "max_of",
                     "topological_order", "NonFiniteError"], "engine"),
    **dict.fromkeys(["MLP", "Layer", "Neuron", "Module"], "nn"),
    **dict.fromkeys(["save", "load", "load_into", "ModelFileError"], "saving"),
    **dict.fromkeys(["mse", "binary_cross_entropy", "bce_with_logits", "hinge", "l2", "softmax",
                     "cross_entropy"], "losses"),
    **dict.fromkeys(["SGD", "Adam", "AdamW", "linear_decay", "step_decay"], "optim"),
    **dict.fromkeys(["fit", "Trainer", "History", "TrainingDiverged", "LossExploding", "predict", "predict_proba", "predict_classes",
                     "evaluate", "accuracy", "confusion"], "train"),
    **dict.fromkeys(["confusion_matrix"], "classify"),
    **dict.fromkeys(["make_moons", "make_circles", "make_xor", "make_spiral", "make_polynomial", "make_cubic",
                     "make_spiral3", "make_yinyang", "load_digits", "train_test_split"], "data"),
    **dict.fromkeys(["gradcheck", "gradcheck_model", "compare"], "checking.check"),
    **dict.fromkeys(["to_value_mlp", "from_value_mlp"], "checking.reference"),
    **dict.fromkeys(["draw_dot", "draw_mlp"], "teaching.viz"),
    **dict.fromkeys(["render", "render_svg", "find_dot", "GraphvizNotFound"], "teaching.rendering"),
    **dict.fromkeys(["backward_steps", "explain"], "teaching.explain"),
    **dict.fromkeys(["backward_frames", "save_frames", "stepper_html"], "teaching.stepper"),
    **dict.fromkeys(["parse_expression", "ExpressionError"], "teaching.expression"),
    **dict.fromkeys(["make_exercise", "check_answer", "Exercise", "Feedback"], "teaching.practice"),
    **dict.fromkeys(["trace", "Tape", "ReplayError"], "batched"),
    **dict.fromkeys(["to_torch", "from_torch"], "checking.torch_bridge"),
}  # fmt: skip


# Modules that moved into the folders of the layers (issue 21): old name -> new name, both under
# micrograd_mlp. A subpackage's modules follow it (micrograd_mlp.playground.server is
# micrograd_mlp.apps.playground.server). The old names stay, without a warning, as the SAME module
# objects (so monkeypatching, pickles and `python -m micrograd_mlp.check` keep working): code and
# notebooks written against them are users' code, and a warning on a projector teaches nothing.
_MOVED = {
    **{name: f"teaching.{name}" for name in ["viz", "viz_network", "dot_parts", "rendering", "colours", "plots",
                                              "explain", "stepper", "expression", "practice"]},
    **{name: f"checking.{name}" for name in ["check", "reference", "torch_bridge"]},
    **{name: f"apps.{name}" for name in ["cli", "demos", "demos_multiclass", "demo_output", "playground",
                                          "notebook"]},
}  # fmt: skip


def __getattr__(name: str):
    """``micrograd_mlp.NAME``: the object from its module (`_HOME`), or a submodule."""
    if name.startswith("__"):  # e.g. a tool probing for __wrapped__
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    else:
        try:
            value = importlib.import_module(f".{name}", __name__)  # micrograd_mlp.viz, .reference, ...
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise  # the submodule exists but needs something missing: say that
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # looked up once
    return value


def __dir__():
    return sorted({*globals(), *_HOME})


def _new_name(name: str) -> str:
    """Where the module called `name` lives now (`name` itself when it did not move).

    >>> _new_name("micrograd_mlp.playground.server")
    'micrograd_mlp.apps.playground.server'
    >>> _new_name("micrograd_mlp.engine")
    'micrograd_mlp.engine'
    """
    package, _, rest = name.partition(".")
    first, dot, tail = rest.partition(".")
    if package != __name__ or first not in _MOVED:
        return name
    return f"{__name__}.{_MOVED[first]}{dot}{tail}"


class _MovedSpec(importlib.machinery.ModuleSpec):
    """The spec of an old name; `parent` is the new home's, for ``python -m OLD`` (runpy sets
    ``__package__`` from it, and the module's relative imports count from there)."""

    @property
    def parent(self):
        new = self.loader_state
        return new if self.submodule_search_locations is not None else new.rpartition(".")[0]


class _OldNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old name (`_MOVED`) as the module at its new name: the same object, not a copy.

    First on ``sys.meta_path``: otherwise the path finder would find ``playground/server.py``
    through the moved package's ``__path__`` and run it a second time under the old name.
    """

    def find_spec(self, fullname, path=None, target=None):
        new = _new_name(fullname)
        if new == fullname:
            return None
        real = importlib.util.find_spec(new)  # imports the new parents only
        if real is None:
            return None
        spec = _MovedSpec(fullname, self, origin=real.origin, loader_state=new)
        spec.submodule_search_locations = real.submodule_search_locations
        return spec

    def create_module(self, spec):
        module = importlib.import_module(spec.loader_state)
        spec.real_spec = module.__spec__  # the import system sets module.__spec__ to `spec`: put it back after
        return module

    def exec_module(self, module):
        module.__spec__ = module.__spec__.real_spec  # nothing runs: the module already ran under its new name

    def get_code(self, fullname):  # python -m OLD (runpy) runs the new module's code
        return importlib.util.find_spec(_new_name(fullname)).loader.get_code(_new_name(fullname))


sys.meta_path[:] = [finder for finder in sys.meta_path  # after a reload of this package: one hook, the new one
                    if (type(finder).__module__, type(finder).__qualname__) != (__name__, "_OldNames")]
sys.meta_path.insert(0, _OldNames())
