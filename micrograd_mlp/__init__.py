"""micrograd_mlp: backpropagation you can see, check and teach.

>>> from micrograd_mlp import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad          # dy/dx = 2x + 3
7.0
"""

from .engine import NonFiniteError, Value, dot, is_grad_enabled, max_of, no_grad, topological_order
from .nn import MLP, Layer, ModelFileError, Module, Neuron, load, load_into, save
from .losses import bce_with_logits, binary_cross_entropy, cross_entropy, hinge, l2, mse, softmax
from .optim import SGD, Adam, AdamW, linear_decay, step_decay
from .batched import ReplayError, Tape, trace
from .train import History, TrainingDiverged, accuracy, confusion, evaluate, fit, predict, predict_classes, predict_proba
from .classify import confusion_matrix
from .data import (
    load_digits, make_circles, make_cubic, make_moons, make_polynomial, make_spiral, make_spiral3, make_xor,
    make_yinyang, train_test_split,
)
from .check import compare, gradcheck, gradcheck_model
from .reference import from_value_mlp, to_value_mlp
from .explain import backward_steps, explain
from .rendering import GraphvizNotFound, find_dot, render, render_svg
from .viz import draw_dot, draw_mlp
from .stepper import backward_frames, save_frames, stepper_html
from .expression import ExpressionError, parse_expression
from .practice import Exercise, Feedback, check_answer, make_exercise
from .torch_bridge import from_torch, to_torch

__version__ = "0.1.0"

__all__ = [
    "Value",
    "no_grad",
    "is_grad_enabled",
    "dot",
    "max_of",
    "topological_order",
    "NonFiniteError",
    "MLP", "Layer", "Neuron", "Module", "save", "load", "load_into", "ModelFileError",
    "mse", "binary_cross_entropy", "bce_with_logits", "hinge", "l2", "softmax", "cross_entropy",
    "SGD", "Adam", "AdamW", "linear_decay", "step_decay",
    "trace", "Tape", "ReplayError",
    "fit", "History", "TrainingDiverged", "predict", "predict_proba", "predict_classes", "evaluate", "accuracy",
    "confusion", "confusion_matrix",
    "make_moons", "make_circles", "make_xor", "make_spiral", "make_polynomial", "make_cubic",
    "make_spiral3", "make_yinyang", "load_digits",
    "train_test_split",
    "reference", "gradcheck", "gradcheck_model", "compare", "to_value_mlp", "from_value_mlp",
    "draw_dot", "draw_mlp", "render", "render_svg", "find_dot", "GraphvizNotFound",
    "backward_steps", "explain", "backward_frames", "save_frames", "stepper_html",
    "parse_expression", "ExpressionError", "make_exercise", "check_answer", "Exercise", "Feedback",
    "to_torch", "from_torch",
]
