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
"""

import importlib

from .explain import explain  # the function takes its module's name: bound now, before anything imports the module

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
    **dict.fromkeys(["MLP", "Layer", "Neuron", "Module", "save", "load", "load_into", "ModelFileError"], "nn"),
    **dict.fromkeys(["mse", "binary_cross_entropy", "bce_with_logits", "hinge", "l2", "softmax",
                     "cross_entropy"], "losses"),
    **dict.fromkeys(["SGD", "Adam", "AdamW", "linear_decay", "step_decay"], "optim"),
    **dict.fromkeys(["fit", "Trainer", "History", "TrainingDiverged", "LossExploding", "predict", "predict_proba", "predict_classes",
                     "evaluate", "accuracy", "confusion"], "train"),
    **dict.fromkeys(["confusion_matrix"], "classify"),
    **dict.fromkeys(["make_moons", "make_circles", "make_xor", "make_spiral", "make_polynomial", "make_cubic",
                     "make_spiral3", "make_yinyang", "load_digits", "train_test_split"], "data"),
    **dict.fromkeys(["gradcheck", "gradcheck_model", "compare"], "check"),
    **dict.fromkeys(["to_value_mlp", "from_value_mlp"], "reference"),
    **dict.fromkeys(["draw_dot", "draw_mlp"], "viz"),
    **dict.fromkeys(["render", "render_svg", "find_dot", "GraphvizNotFound"], "rendering"),
    **dict.fromkeys(["backward_steps", "explain"], "explain"),
    **dict.fromkeys(["backward_frames", "save_frames", "stepper_html"], "stepper"),
    **dict.fromkeys(["parse_expression", "ExpressionError"], "expression"),
    **dict.fromkeys(["make_exercise", "check_answer", "Exercise", "Feedback"], "practice"),
    **dict.fromkeys(["trace", "Tape", "ReplayError"], "batched"),
    **dict.fromkeys(["to_torch", "from_torch"], "torch_bridge"),
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
