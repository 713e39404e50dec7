"""`micrograd_mlp.micrograd`: micrograd 0.1.0's layout, signatures, reprs and numbers on our engine.

The reference is micrograd itself (the `micrograd` package, dev extra), run in
the same test: its demo notebook's recipe (moons, MLP(2, [16, 16, 1]), SVM
loss + L2, decaying SGD) re-created here, and its engine checks re-done
against PyTorch.
"""

import gc
import random

import numpy as np
import pytest

from micrograd_mlp.micrograd import engine as our_engine
from micrograd_mlp.micrograd import nn as our_nn
import micrograd_mlp

micrograd_engine = pytest.importorskip("micrograd.engine", reason="micrograd is in the dev extra")
micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd is in the dev extra")

# What micrograd's demo.ipynb prints (its published outputs): step 0 and step 99.
DEMO_FIRST = (0.8958441028683222, 0.5)
DEMO_LAST = (0.010978370135492717, 1.0)


def moons_demo(Value, MLP, steps, reference=False):
    """The demo's recipe, step by step: [(total loss, accuracy)] per step, and the model."""
    from sklearn.datasets import make_moons

    np.random.seed(1337)  # the demo seeds both: NumPy makes the moons,
    random.seed(1337)  # Python's random draws the weights
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # labels -1 / +1 for the hinge
    if reference:  # same numbers as plain floats: micrograd is far faster on them
        X, y = X.tolist(), y.tolist()
    model = MLP(2, [16, 16, 1])
    history = []
    if not reference:
        return [demo_step(Value, model, X, y, k) for k in range(steps)], model
    # micrograd's closures make every node part of a reference cycle: the collector,
    # left to itself, rescans the growing graph again and again (minutes per run).
    # Off during a step, one collection after it: the same numbers, far sooner.
    gc.disable()
    try:
        for k in range(steps):
            history.append(demo_step(Value, model, X, y, k))
            gc.collect()
    finally:
        gc.enable()
    return history, model


def demo_step(Value, model, X, y, k):
    """One step of the demo: forward, SVM loss + L2, backward, SGD at a decaying rate."""
    scores = [model([Value(x0), Value(x1)]) for x0, x1 in X]
    margins = [(1 + -target * score).relu() for target, score in zip(y, scores)]
    data_loss = sum(margins) * (1.0 / len(margins))
    total = data_loss + 1e-4 * sum(p * p for p in model.parameters())
    hits = [(target > 0) == (score.data > 0) for target, score in zip(y, scores)]
    model.zero_grad()
    total.backward()
    rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= rate * p.grad
    return float(total.data), sum(hits) / len(hits)


def test_same_initial_weights_and_reprs_as_micrograd():
    random.seed(7)
    theirs = micrograd_nn.MLP(3, [4, 4, 1])
    random.seed(7)
    ours = our_nn.MLP(3, [4, 4, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)
    assert repr(ours).startswith("MLP of [Layer of [ReLUNeuron(3), ")
    assert repr(ours.layers[-1]) == "Layer of [LinearNeuron(4)]"
    random.seed(3)
    assert repr(our_nn.Neuron(2)) == "ReLUNeuron(2)" and repr(our_nn.Neuron(5, nonlin=False)) == "LinearNeuron(5)"
    random.seed(3)
    layer, their_layer = our_nn.Layer(2, 3, nonlin=False), None
    random.seed(3)
    their_layer = micrograd_nn.Layer(2, 3, nonlin=False)
    assert repr(layer) == repr(their_layer) == "Layer of [LinearNeuron(2), LinearNeuron(2), LinearNeuron(2)]"
    assert [p.data for p in layer.parameters()] == [p.data for p in their_layer.parameters()]


def test_classes_are_the_librarys_own():
    random.seed(0)
    model = our_nn.MLP(2, [3, 1])
    assert isinstance(model, micrograd_mlp.MLP) and isinstance(model.layers[0], micrograd_mlp.Layer)
    assert isinstance(model.layers[0].neurons[0], micrograd_mlp.Neuron)
    assert isinstance(model, our_nn.Module) and our_nn.Module is micrograd_mlp.Module
    assert our_engine.Value is micrograd_mlp.Value
    # the library's tools read it: names on the weights, predict on an array
    assert model.layers[1].neurons[0].w[2].label == "L2.N1.w3"
    outputs = micrograd_mlp.predict(model, np.array([[0.5, -1.0], [1.0, 2.0]]))
    assert outputs.tolist() == [model([0.5, -1.0]).data, model([1.0, 2.0]).data]


def test_nonlin_switches_like_micrograds_attribute():
    random.seed(0)
    neuron = our_nn.Neuron(2)
    neuron.w[0].data, neuron.w[1].data = 1.0, 1.0
    assert neuron([-1.0, -2.0]).data == 0.0  # ReLU clips
    neuron.nonlin = False
    assert neuron([-1.0, -2.0]).data == -3.0 and repr(neuron) == "LinearNeuron(2)"


def test_bad_sizes_explain_themselves():
    with pytest.raises(ValueError, match=r"nouts must be a non-empty list.*MLP\(2, \[16, 16, 1\]\)"):
        our_nn.MLP(2, 16)
    with pytest.raises(ValueError, match="nout must be a positive int"):
        our_nn.Layer(2, 0)
    with pytest.raises(ValueError, match="nin must be a positive int"):
        our_nn.Neuron(0)


def test_demo_notebook_numbers_match_micrograd_run_alongside():
    """micrograd's demo, ours all 100 steps; micrograd itself the first 30 (it is slow) in the same test."""
    ours, model = moons_demo(our_engine.Value, our_nn.MLP, 100)
    theirs, _ = moons_demo(micrograd_engine.Value, micrograd_nn.MLP, 30, reference=True)
    for k, ((our_loss, our_acc), (their_loss, their_acc)) in enumerate(zip(ours, theirs)):
        # micrograd sums a leaf's grads in the order of a set of nodes: last-bit differences
        assert our_loss == pytest.approx(their_loss, rel=1e-12, abs=1e-15), f"step {k}"
        assert our_acc == their_acc, f"step {k}"
    # and the numbers the demo notebook prints, to the last digits
    assert ours[0] == pytest.approx(DEMO_FIRST, rel=1e-12)
    assert ours[99] == pytest.approx(DEMO_LAST, rel=1e-12)
    assert repr(model).count("ReLUNeuron(16)") == 16 and len(model.parameters()) == 337


# ---------------------------------------------- micrograd's engine checks, against PyTorch

def sanity_expression(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def more_ops_expression(a, b, relu):
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + relu(b + a)
    d = d + 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def test_engine_sanity_check_against_torch():
    torch = pytest.importorskip("torch")
    x = our_engine.Value(-4.0)
    y = sanity_expression(x)
    y.backward()
    xt = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    yt = sanity_expression(xt)
    yt.backward()
    assert y.data == yt.item() == -20.0
    assert x.grad == xt.grad.item() == 46.0


def test_engine_more_ops_against_torch_with_in_place_adds():
    torch = pytest.importorskip("torch")
    a, b = our_engine.Value(-4.0), our_engine.Value(2.0)
    # micrograd's own test writes c += ...: augmented assignment builds new nodes here too
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    g = (c - d) ** 2 / 2.0
    g += 10.0 / ((c - d) ** 2)
    g.backward()
    at = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    bt = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    gt = more_ops_expression(at, bt, torch.relu)
    gt.backward()
    assert g.data == pytest.approx(gt.item(), abs=1e-9)
    assert a.grad == pytest.approx(at.grad.item(), abs=1e-9)
    assert b.grad == pytest.approx(bt.grad.item(), abs=1e-9)
    assert (g.data, a.grad, b.grad) == pytest.approx((24.70408163265306, 138.83381924198252, 645.5772594752186))


# ---------------------------------------------- the lecture's manual walk, and optimizer state on parameters

def lecture_neuron(Value):
    """The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), with b chosen so that o = 1/sqrt(2)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return (x1, x2, w1, w2, b), (o, n, x1w1x2w2, x2w2, x1w1)


def test_the_lectures_manual_walk_with_backward_steps_by_hand():
    leaves, nodes = lecture_neuron(our_engine.Value)
    o = nodes[0]
    o.grad = 1.0
    for node in nodes:  # from the output back: o, n, the sum, x2*w2, x1*w1
        node._backward()
    for leaf in leaves:
        leaf._backward()  # a leaf's step does nothing
    by_hand = [leaf.grad for leaf in leaves]
    assert by_hand == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5], abs=1e-12)  # d o / d(x1, x2, w1, w2, b)
    # the same as backward() in one call, to the last bit
    leaves_again, (o_again, *_) = lecture_neuron(our_engine.Value)
    o_again.backward()
    assert [leaf.grad for leaf in leaves_again] == by_hand


def test_micrograds_constructor_form_and_attributes_set_by_user_code():
    Value = our_engine.Value
    a, b = Value(2.0), Value(-3.0)
    c = Value(a.data + b.data, (a, b), "+")  # micrograd's Value(data, _children, _op)
    assert c._prev == {a, b} and c._op == "+"
    setattr(c, "_vis_color", "red")  # a drawing helper's colour tag
    assert c._vis_color == "red"


class StateOnParametersAdamW:
    """AdamW in the style of EurekaLabs' micrograd: its moments live on each parameter as p.m, p.v."""

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01):
        self.parameters, self.lr, self.betas, self.eps, self.weight_decay = list(parameters), lr, betas, eps, weight_decay
        self.t = 0
        for p in self.parameters:
            p.m, p.v = 0.0, 0.0

    def step(self):
        self.t += 1
        beta1, beta2 = self.betas
        for p in self.parameters:
            p.m = beta1 * p.m + (1 - beta1) * p.grad
            p.v = beta2 * p.v + (1 - beta2) * p.grad**2
            m_hat, v_hat = p.m / (1 - beta1**self.t), p.v / (1 - beta2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)


def test_adamw_keeping_its_state_on_parameters_matches_torch():
    torch = pytest.importorskip("torch")
    from micrograd_mlp import to_torch

    random.seed(5)
    model = our_nn.MLP(2, [4, 1])
    net = to_torch(model)  # float64, the same weights
    X = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8], [1.0, 1.0]]
    y = [1.0, -1.0, 0.5, 0.0]
    ours = StateOnParametersAdamW(model.parameters())
    theirs = torch.optim.AdamW(net.parameters(), lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01)
    for _ in range(5):
        loss = sum((model(x) - t) ** 2 for x, t in zip(X, y)) * (1.0 / len(X))
        model.zero_grad()
        loss.backward()
        ours.step()
        torch_loss = ((net(torch.tensor(X, dtype=torch.float64)).squeeze(1) - torch.tensor(y, dtype=torch.float64)) ** 2).mean()
        theirs.zero_grad()
        torch_loss.backward()
        theirs.step()
        assert loss.data == pytest.approx(torch_loss.item(), rel=1e-12)
    linears = [layer for layer in net if isinstance(layer, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        for j, neuron in enumerate(layer.neurons):
            assert [w.data for w in neuron.w] == pytest.approx(linear.weight[j].tolist(), abs=1e-12)
            assert neuron.b.data == pytest.approx(linear.bias[j].item(), abs=1e-12)
    assert all(hasattr(p, "m") and hasattr(p, "v") for p in model.parameters())
