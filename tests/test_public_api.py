"""The public API: a learner's short `__all__`, each name explaining itself with an example,
and every name the package exported before still reachable, as the same object."""

import importlib
import inspect
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from optional import require

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


# The layout (issue 21): modules moved into teaching/, checking/ and apps/. Every old name
# (micrograd_mlp._MOVED) keeps working as the same module object, with no warning.
PACKAGE = Path(micrograd_mlp.__file__).parent
MOVED = sorted(micrograd_mlp._MOVED.items())


def moved_submodules():
    """(old, new) for every module inside a moved package, e.g. playground.lab.inside."""
    pairs = []
    for old, new in MOVED:
        folder = PACKAGE.joinpath(*new.split("."))
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
            inner = path.relative_to(folder).with_suffix("").parts
            if inner[-1] == "__init__":
                inner = inner[:-1]
            if inner:
                pairs.append((".".join((old, *inner)), ".".join((new, *inner))))
    return pairs


@pytest.mark.parametrize("old, new", MOVED + moved_submodules())
def test_an_old_module_name_gives_the_same_module_as_the_new_one(old, new):
    try:
        module = importlib.import_module(f"micrograd_mlp.{new}")
    except ModuleNotFoundError as missing:  # the playground needs starlette: the optional rule
        require(missing.name)
        raise
    assert importlib.import_module(f"micrograd_mlp.{old}") is module
    assert sys.modules[f"micrograd_mlp.{old}"] is module
    # The import system did not rename the real module to the old name.
    assert module.__name__ == module.__spec__.name == f"micrograd_mlp.{new}"
    assert module.__spec__.origin == module.__file__ and Path(module.__file__).is_file()
    parent, _, child = old.rpartition(".")
    holder = importlib.import_module(f"micrograd_mlp.{parent}" if parent else "micrograd_mlp")
    if old != "explain":  # micrograd_mlp.explain is the function (test_every_name_exported_before...)
        assert getattr(holder, child) is module
    assert not PACKAGE.joinpath(*old.split(".")).with_suffix(".py").exists()  # no stub left behind
    if "." not in old:
        assert not (PACKAGE / old).exists()


def test_the_moved_table_points_at_modules_that_exist():
    for old, new in MOVED:
        assert old not in new.split(".")[:-1] and new.endswith(old)
        assert importlib.util.find_spec(f"micrograd_mlp.{new}") is not None


def test_from_an_old_name_import_and_the_old_name_of_a_moved_subpackage():
    from micrograd_mlp.playground.lab import inside  # apps/playground/lab/inside.py
    from micrograd_mlp.reference import SlidesLinearMLP
    from micrograd_mlp.teaching import viz
    from micrograd_mlp.viz import draw_dot

    assert inside is importlib.import_module("micrograd_mlp.apps.playground.lab.inside")
    assert draw_dot is viz.draw_dot is micrograd_mlp.draw_dot
    assert SlidesLinearMLP is importlib.import_module("micrograd_mlp.checking.reference").SlidesLinearMLP
    assert micrograd_mlp.explain is importlib.import_module("micrograd_mlp.explain").explain  # still the function


def test_monkeypatching_through_an_old_name_patches_the_real_module(monkeypatch):
    from micrograd_mlp.teaching import rendering

    def no_dot():
        calls.append("find_dot")
        raise rendering.GraphvizNotFound()

    calls = []
    monkeypatch.setattr("micrograd_mlp.rendering.find_dot", no_dot)  # the old name of teaching/rendering.py
    assert rendering.find_dot is no_dot
    with pytest.raises(rendering.GraphvizNotFound):  # render_svg, in the real module, calls the fake
        micrograd_mlp.render_svg(micrograd_mlp.draw_dot(micrograd_mlp.Value(2.0, label="x")))
    assert calls == ["find_dot"]
    monkeypatch.undo()
    assert rendering.find_dot is not no_dot and rendering.find_dot.__module__ == "micrograd_mlp.teaching.rendering"


def test_pickles_still_load_models_values_and_names_pickled_under_the_old_module_names():
    import pickle

    from micrograd_mlp import MLP, Value
    from micrograd_mlp.checking.reference import SlidesLinearMLP

    model = MLP(2, [3, 1], seed=0)
    copy = pickle.loads(pickle.dumps(model))
    assert [p.data for p in copy.parameters()] == [p.data for p in model.parameters()]
    x = Value(3.0, label="x")
    assert pickle.loads(pickle.dumps(x)).data == 3.0
    slides = SlidesLinearMLP(3, 4, 1, seed=0)  # the slides' NumPy network, from checking/reference.py
    old = pickle.dumps(slides, protocol=2).replace(b"micrograd_mlp.checking.reference", b"micrograd_mlp.reference")
    assert b"cmicrograd_mlp.reference\n" in old  # as a pickle made before the move names the class
    again = pickle.loads(old)
    assert type(again) is SlidesLinearMLP and all((getattr(again, k) == getattr(slides, k)).all() for k in ("w1", "w2"))
    assert pickle.loads(b"cmicrograd_mlp.viz\ndraw_dot\n.") is micrograd_mlp.draw_dot


def test_old_names_work_with_warnings_as_errors_and_as_python_dash_m():
    code = ("import micrograd_mlp.viz, micrograd_mlp.check, micrograd_mlp.notebook, micrograd_mlp.playground.session\n"
            "import micrograd_mlp.teaching.viz as new\n"
            "print(micrograd_mlp.viz is new, micrograd_mlp.viz.__name__)")  # fmt: skip
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["True", "micrograd_mlp.teaching.viz"] and done.stderr == "", done.stderr
    old = subprocess.run([sys.executable, "-W", "error", "-m", "micrograd_mlp.cli", "--version"],
                         capture_output=True, text=True)  # fmt: skip
    assert old.stdout.strip() == f"micrograd-mlp {micrograd_mlp.__version__}", old.stderr
