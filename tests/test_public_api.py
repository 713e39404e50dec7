"""The public API: everything exported exists, and explains itself with an example."""

import inspect

import pytest

import micrograd_mlp

MICROGRAD_NAMES = ["Value", "MLP", "Layer", "Neuron"]


@pytest.mark.parametrize("name", micrograd_mlp.__all__)
def test_every_public_name_has_a_docstring_with_an_example(name):
    obj = getattr(micrograd_mlp, name)
    doc = inspect.getdoc(obj) or ""
    assert ">>>" in doc, f"{name} needs a docstring with a tiny example"


@pytest.mark.parametrize("name", micrograd_mlp.__all__)
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
