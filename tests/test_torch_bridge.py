"""The PyTorch bridge: our forward values and every gradient against PyTorch's autograd.

PyTorch is the `torch` extra; CI installs it (CPU build), so these run there, not skip.
"""

import random
import sys
import zlib

import numpy as np
import pytest

from optional import require

torch = require("torch")  # skipped without the torch extra; under CI (which installs it) failed
F = torch.nn.functional

from micrograd_mlp import (  # noqa: E402
    MLP,
    SGD,
    Adam,
    AdamW,
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    fit,
    from_torch,
    hinge,
    mse,
    predict,
    predict_classes,
    predict_proba,
    to_torch,
)
from micrograd_mlp.data import make_spiral3  # noqa: E402
from micrograd_mlp.checking.torch_bridge import MissingTorchExtra, TorchMappingError, torch_parameter_grads  # noqa: E402

TOL = 1e-12


def as_tensor(rows):
    return torch.tensor(np.asarray(rows, dtype=float), dtype=torch.float64)


def our_outputs(model, X):
    """Per-sample outputs, each a list of Values."""
    outs = [model(row) for row in X.tolist()]
    return [o if isinstance(o, list) else [o] for o in outs]


# Each loss: (model outputs k, output activation, our loss on the outputs, torch's loss, targets maker)
def targets_for(name, rng, n, k):
    if name == "mse":
        return rng.normal(size=(n, k))
    if name in ("bce", "bce_logits"):
        return rng.randint(0, 2, size=n).astype(float)
    if name == "hinge":
        return 2.0 * rng.randint(0, 2, size=n) - 1.0
    return rng.randint(0, k, size=n)


def our_loss(name, outs, targets):
    if name == "mse":
        return mse(outs, targets.tolist())
    single = [o[0] for o in outs]
    if name == "bce":
        return binary_cross_entropy(single, targets.tolist())
    if name == "bce_logits":
        return bce_with_logits(single, targets.tolist())
    if name == "hinge":
        return hinge(single, targets.tolist())
    return cross_entropy(outs, targets.tolist())


def torch_loss(name, out, targets):
    if name == "mse":  # the slides' 0.5 * ||y - t||^2, summed over outputs, mean over samples
        return (0.5 * (out - as_tensor(targets)) ** 2).sum(dim=1).mean()
    if name == "bce":
        return F.binary_cross_entropy(out[:, 0], as_tensor(targets))
    if name == "bce_logits":
        return F.binary_cross_entropy_with_logits(out[:, 0], as_tensor(targets))
    if name == "hinge":
        return torch.relu(1.0 - as_tensor(targets) * out[:, 0]).mean()
    return F.cross_entropy(out, torch.tensor(targets, dtype=torch.long))


LOSS_SETUPS = {  # loss name: (outputs, output activation)
    "mse": (2, "linear"),
    "bce": (1, "sigmoid"),
    "bce_logits": (1, "linear"),
    "hinge": (1, "linear"),
    "cross_entropy": (4, "linear"),
}


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("loss_name", list(LOSS_SETUPS))
def test_forward_and_every_gradient_agree_with_pytorch(loss_name, activation, fused):
    k, output_activation = LOSS_SETUPS[loss_name]
    rng = np.random.RandomState(zlib.crc32(f"{loss_name} {activation}".encode()))  # the same data every run
    X = rng.normal(size=(7, 3))
    targets = targets_for(loss_name, rng, len(X), k)
    model = MLP(3, [5, 4, k], activation, output_activation, seed=1, fused=fused)
    torch_model = to_torch(model)

    outs = our_outputs(model, X)
    loss = our_loss(loss_name, outs, targets)
    model.zero_grad()
    loss.backward()
    torch_out = torch_model(as_tensor(X))
    expected = torch_loss(loss_name, torch_out, targets)
    expected.backward()

    np.testing.assert_allclose([[v.data for v in row] for row in outs], torch_out.detach().numpy(), rtol=0, atol=TOL)
    assert abs(loss.data - expected.item()) <= TOL
    rows = torch_parameter_grads(model, torch_model)
    assert len(rows) == model.num_parameters()
    worst = max(abs(ours - theirs) for _, ours, theirs in rows)
    assert worst <= TOL, f"largest gradient difference {worst:.2e}"
    assert any(abs(ours) > 1e-3 for _, ours, _ in rows)  # the comparison is not of zeros


def test_softmax_cross_entropy_gradients_agree_with_pytorch_at_extreme_logits():
    from micrograd_mlp import Value

    rows = [[1000.0, -1000.0, 0.0], [-1000.0, -999.0, -1001.0], [3.0, 3.0, 3.0]]
    targets = [1, 0, 2]
    ours = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(ours, targets)
    loss.backward()
    logits = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    expected = F.cross_entropy(logits, torch.tensor(targets))
    expected.backward()
    assert abs(loss.data - expected.item()) <= 1e-9 * abs(expected.item())
    np.testing.assert_allclose([[v.grad for v in row] for row in ours], logits.grad.numpy(), rtol=0, atol=TOL)


def test_a_model_trained_here_predicts_the_same_in_pytorch():
    X, y = make_spiral3(90, seed=0)
    model = MLP(2, [12, 3], "tanh", seed=0, fused=True)
    fit(model, X, y, loss="cross_entropy", optimizer=Adam(model, lr=0.05), epochs=15, batch_size=10, seed=0,
        verbose=False)  # fmt: skip
    torch_model = to_torch(model)
    with torch.no_grad():
        logits = torch_model(as_tensor(X))
    np.testing.assert_allclose(predict(model, X), logits.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(predict_proba(model, X), torch.softmax(logits, dim=1).numpy(), rtol=0, atol=TOL)
    assert predict_classes(model, X).tolist() == logits.argmax(dim=1).tolist()
    assert np.mean(predict_classes(model, X) == y) > 0.6  # it did learn something


def test_round_trip_is_bit_identical_and_keeps_every_layers_activation():
    model = MLP(3, [4, 5, 2], "tanh", "sigmoid", seed=3)
    model.layers[1].activation = "relu"
    for neuron in model.layers[1].neurons:
        neuron.activation = "relu"
    back = from_torch(to_torch(model))
    assert [layer.activation for layer in back.layers] == ["tanh", "relu", "sigmoid"]
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]


def test_the_copies_are_independent():
    model = MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    torch_model = to_torch(model)
    with torch.no_grad():
        torch_model[0].weight.add_(1.0)
    assert [p.data for p in model.parameters()] == before
    back = from_torch(torch_model)
    back.layers[0].neurons[0].w[0].data = 123.0
    assert torch_model[0].weight[0, 0].item() != 123.0


def test_from_torch_reads_a_float32_torch_model_and_nested_sequentials():
    torch.manual_seed(0)
    torch_model = torch.nn.Sequential(
        torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Sigmoid()), torch.nn.Identity(), torch.nn.Linear(6, 3)
    )
    model = from_torch(torch_model)
    assert [layer.activation for layer in model.layers] == ["sigmoid", "linear"]
    X = np.random.RandomState(0).normal(size=(5, 4))
    with torch.no_grad():
        expected = torch_model.double()(as_tensor(X)).numpy()
    np.testing.assert_allclose(predict(model, X), expected, rtol=0, atol=TOL)


def test_to_torch_leaves_torchs_random_state_alone():
    torch.manual_seed(7)
    to_torch(MLP(3, [8, 2], seed=0))
    after = torch.rand(3)
    torch.manual_seed(7)
    assert torch.equal(after, torch.rand(3))


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5)), r"layer 1 \(Dropout\): there is no dropout"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1)), r"layer 1 \(Softmax\): an MLP here outputs logits"),
        (lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 3)), "the first layer must be a Linear"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh()), "a second activation after ReLU"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "takes 4 inputs but the layer before gives 3"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3, bias=False)), "it has no bias"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU()), "the activations here are relu, tanh and sigmoid"),
        (lambda nn: nn.Sequential(nn.Conv1d(1, 1, 3)), r"layer 0 \(Conv1d\): only Linear, ReLU, Tanh, Sigmoid"),
        (lambda nn: nn.Sequential(), "empty model"),
        (lambda nn: nn.ReLU(), "cannot read a ReLU: from_torch reads an nn.Sequential"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.ELU())), r"layer 2 \(ELU\)"),
    ],
)
def test_from_torch_refuses_what_cannot_map_and_builds_nothing(build, message):
    torch_model = build(torch.nn)
    before = {name: tensor.clone() for name, tensor in torch_model.state_dict().items()}
    state = random.getstate()
    with pytest.raises(TorchMappingError, match=message):
        from_torch(torch_model)
    assert random.getstate() == state  # no MLP was started (building one draws weights)
    after = torch_model.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)


def test_from_torch_refuses_non_finite_weights():
    torch_model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    with torch.no_grad():
        torch_model[0].weight[1, 0] = float("nan")
    with pytest.raises(TorchMappingError, match="weight holds NaN or infinity"):
        from_torch(torch_model)


def test_to_torch_refuses_a_layer_with_mixed_activations():
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(TorchMappingError, match=r"layer L1 mixes activations \['relu', 'tanh'\]"):
        to_torch(model)
    with pytest.raises(TypeError, match="needs a micrograd_mlp MLP"):
        to_torch(torch.nn.Linear(2, 2))


def test_without_torch_the_bridge_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(MissingTorchExtra, match=r'pip install -e ".*\[torch\]"'):
        to_torch(MLP(2, [1], seed=0))
    with pytest.raises(MissingTorchExtra):
        from_torch(object())


@pytest.mark.parametrize("weight_decay", [0.0, 0.01, 0.3])
def test_adamw_takes_pytorchs_steps(weight_decay):
    rng = np.random.RandomState(0)
    start, grads = rng.normal(size=4), rng.normal(size=(6, 4))
    ours = [MLP(1, [1], seed=0).parameters()[0] for _ in range(4)]
    for p, value in zip(ours, start):
        p.data = float(value)
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    our_opt = AdamW(ours, lr=0.05, weight_decay=weight_decay)
    torch_opt = torch.optim.AdamW([theirs], lr=0.05, weight_decay=weight_decay)
    for step_grads in grads:
        for p, g in zip(ours, step_grads):
            p.grad = float(g)
        theirs.grad = torch.tensor(step_grads, dtype=torch.float64)
        our_opt.step()
        torch_opt.step()
    np.testing.assert_allclose([p.data for p in ours], theirs.detach().numpy(), rtol=0, atol=TOL)


def test_sgd_training_steps_match_pytorch_for_a_multiclass_model():
    X, y = make_spiral3(30, seed=1)
    model = MLP(2, [6, 3], "tanh", seed=0)
    torch_model = to_torch(model)
    torch_opt = torch.optim.SGD(torch_model.parameters(), lr=0.1)
    fit(model, X, y, loss="cross_entropy", optimizer=SGD(model, lr=0.1), epochs=3, batch_size=None,
        shuffle=False, verbose=False)  # fmt: skip
    for _ in range(3):
        torch_opt.zero_grad()
        F.cross_entropy(torch_model(as_tensor(X)), torch.tensor(y)).backward()
        torch_opt.step()
    np.testing.assert_allclose(
        [p.data for p in model.parameters()],
        [p.data for p in from_torch(torch_model).parameters()],
        rtol=0, atol=TOL,
    )  # fmt: skip


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None)
@given(
    st.integers(1, 4),
    st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["relu", "tanh", "sigmoid", "linear"])), min_size=1,
             max_size=3),
    st.integers(0, 2**16),
)  # fmt: skip
def test_any_mlp_goes_to_torch_and_back_unchanged(nin, layers, seed):
    model = MLP(nin, [size for size, _ in layers], seed=seed)
    for layer, (_, activation) in zip(model.layers, layers):
        layer.activation = activation
        for neuron in layer.neurons:
            neuron.activation = activation
    torch_model = to_torch(model)
    back = from_torch(torch_model)
    assert [layer.activation for layer in back.layers] == [activation for _, activation in layers]
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    X = np.random.RandomState(seed).normal(size=(3, nin))
    with torch.no_grad():
        expected = torch_model(as_tensor(X)).numpy()
    np.testing.assert_allclose(predict(model, X).reshape(expected.shape), expected, rtol=0, atol=TOL)
