"""The public API: a learner's short `__all__`, each name explaining itself with an example,
and every name the package exported before still reachable, as the same object."""

import importlib
import inspect
import subprocess
import sys

import pytest

import micrograd_mlp

MICROGRAD_NAMES = ["Value", "MLP", "Layer", "Neuron"]

LEARNERS_NAMES = [
    "Value", "no_grad", "Neuron", "Layer", "MLP",
    "mse", "binary_cross_entropy", "hinge", "cross_entropy", "SGD", "Adam", "fit", "predict", "make_moons",
    "draw_dot", "render", "explain", "gradcheck",
    "save", "load", "parse_expression", "make_exercise", "check_answer",
]  # fmt: skip

# micrograd_mlp.__all__ before it became the learner's list (issue 21): each stays micrograd_mlp.NAME.
EXPORTED_BEFORE = [
    "Value", "no_grad", "is_grad_enabled", "dot", "max_of", "topological_order", "NonFiniteError", "MLP",
    "Layer", "Neuron", "Module", "save", "load", "load_into", "ModelFileError", "mse", "binary_cross_entropy",
    "bce_with_logits", "hinge", "l2", "softmax", "cross_entropy", "SGD", "Adam", "AdamW", "linear_decay",
    "step_decay", "trace", "Tape", "ReplayError", "fit", "History", "TrainingDiverged", "predict",
    "predict_proba", "predict_classes", "evaluate", "accuracy", "confusion", "confusion_matrix", "make_moons",
    "make_circles", "make_xor", "make_spiral", "make_polynomial", "make_cubic", "make_spiral3",
    "make_yinyang", "load_digits", "train_test_split", "reference", "gradcheck", "gradcheck_model", "compare",
    "to_value_mlp", "from_value_mlp", "draw_dot", "draw_mlp", "render", "render_svg", "find_dot",
    "GraphvizNotFound", "backward_steps", "explain", "backward_frames", "save_frames", "stepper_html",
    "parse_expression", "ExpressionError", "make_exercise", "check_answer", "Exercise", "Feedback",
    "to_torch", "from_torch",
]  # fmt: skip


def test_all_is_what_a_learner_needs_first():
    assert micrograd_mlp.__all__ == LEARNERS_NAMES
    assert 15 <= len(micrograd_mlp.__all__) <= 25
    assert set(MICROGRAD_NAMES) <= set(micrograd_mlp.__all__)
    star = {}
    exec("from micrograd_mlp import *", star)
    assert set(star) - {"__builtins__"} == set(LEARNERS_NAMES)


@pytest.mark.parametrize("name", EXPORTED_BEFORE)
def test_every_name_exported_before_is_still_the_same_object(name):
    obj = getattr(micrograd_mlp, name)
    if inspect.ismodule(obj):
        assert name == "reference"  # the one module that was in __all__ (explain is the function)
        assert obj is importlib.import_module(f"micrograd_mlp.{name}")
        return
    home = importlib.import_module(obj.__module__)
    assert home.__name__.startswith("micrograd_mlp.") and getattr(home, name) is obj
    assert name in dir(micrograd_mlp)


def test_an_unknown_name_is_an_attribute_error_and_import_loads_no_optional_package():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        micrograd_mlp.no_such_name
    code = ("import sys, micrograd_mlp.viz, micrograd_mlp.explain; import micrograd_mlp as m\n"
            "print(sorted(n for n in ('torch', 'matplotlib', 'starlette') if n in sys.modules),\n"
            "      m.explain is sys.modules['micrograd_mlp.explain'].explain)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[] True", done.stderr


@pytest.mark.parametrize("name", EXPORTED_BEFORE)  # the learner's names and all the rest
def test_every_public_name_has_a_docstring_with_an_example(name):
    obj = getattr(micrograd_mlp, name)
    doc = inspect.getdoc(obj) or ""
    assert ">>>" in doc, f"{name} needs a docstring with a tiny example"


@pytest.mark.parametrize("name", EXPORTED_BEFORE)  # the learner's names and all the rest
def test_public_functions_have_type_hints(name):
    obj = getattr(micrograd_mlp, name)
    if inspect.isfunction(obj):
        hints = inspect.signature(obj)
        missing = [p for p in hints.parameters.values()
                   if p.annotation is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert not missing, f"{name}: parameters without type hints: {[p.name for p in missing]}"
        assert hints.return_annotation is not inspect.Signature.empty, f"{name}: no return type hint"


def test_micrograd_api_works_as_micrograd_users_expect():
    from micrograd_mlp import MLP, Value

    model = MLP(3, [4, 4, 1], seed=0)
    out = model([Value(1.0), 2.0, -1.0])
    loss = (out - 1.0) ** 2
    model.zero_grad()
    loss.backward()
    params = model.parameters()
    assert len(params) == 3 * 4 + 4 + 4 * 4 + 4 + 4 + 1
    assert all(isinstance(p, Value) for p in params)
    assert any(p.grad != 0.0 for p in params)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in params)
