"""Counting changes to what a network is made of (structure.py), and the batched predict that relies on it."""

import numpy as np
import pytest

from micrograd_mlp import MLP, Value, nn, predict
from micrograd_mlp import batched
from micrograd_mlp.nn import Neuron
from micrograd_mlp.parameter import Parameter
from micrograd_mlp.structure import Tracked, TrackedList, changes, fully_tracked

MUTATIONS = {
    "item set": lambda xs: xs.__setitem__(0, 9),
    "slice set": lambda xs: xs.__setitem__(slice(0, 1), [9, 9]),
    "item deleted": lambda xs: xs.__delitem__(0),
    "+=": lambda xs: xs.__iadd__([9]),
    "*=": lambda xs: xs.__imul__(2),
    "append": lambda xs: xs.append(9),
    "extend": lambda xs: xs.extend([9]),
    "insert": lambda xs: xs.insert(0, 9),
    "pop": lambda xs: xs.pop(),
    "remove": lambda xs: xs.remove(2),
    "clear": lambda xs: xs.clear(),
    "sort": lambda xs: xs.sort(),
    "reverse": lambda xs: xs.reverse(),
}


@pytest.mark.parametrize("how", sorted(MUTATIONS))
def test_every_change_of_a_tracked_list_is_counted_like_a_lists(how):
    tracked, plain = TrackedList([3, 1, 2]), [3, 1, 2]
    before = changes()
    MUTATIONS[how](tracked)
    MUTATIONS[how](plain)
    assert changes() != before
    assert tracked == plain and type(tracked) is TrackedList


def test_reading_a_tracked_list_or_a_model_counts_nothing():
    model = MLP(2, [3, 1], seed=0)
    before = changes()
    model([1.0, 2.0])
    model.parameters()
    list(model.layers[0].neurons[0].w) + [1]
    model.layers[0].neurons[0].w[0].data += 1.0  # a weight's number: parameter.writes counts those
    assert changes() == before


def test_setting_an_attribute_of_a_module_is_counted():
    neuron = Neuron(2)
    before = changes()
    neuron.activation = "tanh"
    assert changes() != before
    before = changes()
    del neuron.activation
    assert changes() != before


def test_a_model_is_fully_tracked_until_a_plain_list_goes_in():
    model = MLP(2, [3, 1], seed=0)
    assert fully_tracked(model)
    model.layers[1].neurons[0].w = [Parameter(0.5)] * 3  # a plain list: its later changes go uncounted
    assert not fully_tracked(model)
    assert not fully_tracked(object()) and not fully_tracked(TrackedList())


def test_tracked_parts_pickle_and_copy_as_themselves():
    import copy
    import pickle

    model = MLP(2, [3, 1], seed=0)
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert fully_tracked(clone) and type(clone.layers[0].neurons[0].w) is TrackedList
        assert clone([0.5, -1.0]).data == model([0.5, -1.0]).data


class Box(Tracked):
    def __init__(self, items):
        self.items = items


def test_fully_tracked_looks_into_nested_parts():
    assert fully_tracked(Box(TrackedList([Box(TrackedList([1.0]))])))
    assert not fully_tracked(Box(TrackedList([Box([1.0])])))
    assert not fully_tracked(Box(Box([1.0])))


# ------------------------------------------------ the batched predict keeps its tape


def scalar(model, X):
    return np.array([model(row).data for row in X.tolist()])


@pytest.fixture
def listing(monkeypatch):
    """A model whose parameters() calls are counted (the look-up the kept tape saves)."""
    model = MLP(2, [6, 5, 1], "tanh", seed=2)
    calls = []
    original = model.parameters
    model.parameters = lambda: calls.append(1) or original()
    return model, calls


CHANGES = {
    "a weight replaced": lambda m: m.layers[1].neurons[2].w.__setitem__(1, Parameter(3.0)),
    "a bias replaced": lambda m: setattr(m.layers[0].neurons[4], "b", Parameter(-2.0)),
    "an activation changed": lambda m: setattr(m.layers[1].neurons[0], "activation", "relu"),
    "a neuron swapped": lambda m: m.layers[1].neurons.reverse(),
    "fused switched": lambda m: [setattr(n, "fused", True) for layer in m.layers for n in layer.neurons],
}


def test_predict_lists_the_parameters_once_while_nothing_changes(listing):
    model, calls = listing
    X = np.random.default_rng(0).normal(size=(40, 2))
    first = predict(model, X)
    listed = len(calls)
    assert listed >= 1
    for _ in range(3):
        assert np.array_equal(predict(model, X), first)
    assert len(calls) == listed  # the kept tape: no parameters() call, no comparison
    np.testing.assert_allclose(first, scalar(model, X), rtol=1e-12)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_predict_sees_every_change_of_structure(listing, change):
    model, calls = listing
    X = np.random.default_rng(1).normal(size=(40, 2))
    before = predict(model, X)
    listed = len(calls)
    CHANGES[change](model)
    after = predict(model, X)
    assert len(calls) > listed  # looked again
    np.testing.assert_allclose(after, scalar(model, X), rtol=1e-12, atol=1e-15)
    if change != "fused switched":  # (one dot node or products and sums: the same numbers)
        assert not np.allclose(after, before)


def test_predict_sees_a_change_inside_a_plain_list_put_into_the_model():
    model = MLP(2, [4, 1], "tanh", seed=3)
    X = np.random.default_rng(2).normal(size=(30, 2))
    neuron = model.layers[0].neurons[1]
    neuron.w = list(neuron.w)  # a plain list (as in a model unpickled from before TrackedList)
    predict(model, X)
    neuron.w[0] = Value(5.0)  # not counted by any stamp
    np.testing.assert_allclose(predict(model, X), scalar(model, X), rtol=1e-12)


def test_predict_sees_a_patched_activation_or_method(monkeypatch):
    model = MLP(2, [4, 1], "tanh", seed=4)
    X = np.random.default_rng(3).normal(size=(30, 2))
    predict(model, X)
    monkeypatch.setitem(nn.ACTIVATIONS, "tanh", lambda v: v.relu())
    np.testing.assert_allclose(predict(model, X), scalar(model, X), rtol=1e-12)
    monkeypatch.undo()
    predict(model, X)
    original = nn.Neuron.__call__
    monkeypatch.setattr(nn.Neuron, "__call__", lambda self, x: original(self, x) * 2.0)
    np.testing.assert_allclose(predict(model, X), scalar(model, X), rtol=1e-12)


def test_forget_drops_the_kept_tape(listing):
    model, calls = listing
    X = np.zeros((5, 2))
    predict(model, X)
    listed = len(calls)
    batched.forget(model)
    predict(model, X)
    assert len(calls) > listed


# ------------------------------------------------ a batched fit keeps its program


def fit_both(model, optimizer, X, y, epochs=3):
    """The same fit, batched and by the scalar engine, on copies: (batched weights, scalar weights)."""
    import copy

    from micrograd_mlp import fit

    twin, twin_optimizer = copy.deepcopy((model, optimizer))
    fit(model, X, y, loss="hinge", optimizer=optimizer, l2=1e-3, epochs=epochs, batch_size=None,
        shuffle=False, batched=True, verbose=False)  # fmt: skip
    fit(twin, X, y, loss="hinge", optimizer=twin_optimizer, l2=1e-3, epochs=epochs, batch_size=None,
        shuffle=False, batched=False, verbose=False)  # fmt: skip
    return [p.data for p in model.parameters()], [p.data for p in twin.parameters()]


@pytest.fixture
def moons():
    from micrograd_mlp import SGD
    from micrograd_mlp.data import make_moons

    X, y = make_moons(40, noise=0.1, seed=5)
    model = MLP(2, [6, 6, 1], seed=5)
    return model, SGD(model.parameters(), lr=0.1), X, y


def test_a_second_fit_call_finds_its_program_without_comparing_the_parameters(moons, monkeypatch):
    from micrograd_mlp import fit

    model, optimizer, X, y = moons
    looked = []
    real = batched.program._fingerprint
    monkeypatch.setattr(batched.program, "_fingerprint", lambda *a, **k: looked.append(1) or real(*a, **k))
    for _ in range(3):
        fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=1, batch_size=None, batched=True, verbose=False)
    assert looked == [1]


OPTIMIZER_CHANGES = {
    "a weight of the model replaced": lambda m, o: m.layers[1].neurons[3].w.__setitem__(2, Parameter(0.7)),
    "the optimizer's list reordered": lambda m, o: o.params.reverse(),
    "the optimizer's list cut": lambda m, o: o.params.pop(),
    "a neuron's activation changed": lambda m, o: setattr(m.layers[0].neurons[1], "activation", "tanh"),
}


@pytest.mark.parametrize("change", sorted(OPTIMIZER_CHANGES))
def test_a_fit_after_a_change_trains_as_the_scalar_engine(moons, change):
    model, optimizer, X, y = moons
    fit_both(model, optimizer, X, y, epochs=1)  # (the program found and kept)
    OPTIMIZER_CHANGES[change](model, optimizer)
    batched_weights, scalar_weights = fit_both(model, optimizer, X, y)
    np.testing.assert_allclose(batched_weights, scalar_weights, rtol=1e-10, atol=1e-12)


def test_a_trainer_sees_its_optimizers_list_change_between_steps(moons):
    import copy

    from micrograd_mlp.train import Trainer

    model, optimizer, X, y = moons
    twin, twin_optimizer = copy.deepcopy((model, optimizer))
    trainers = [Trainer(m, X, y, loss="hinge", optimizer=o, batch_size=None, batched=b)
                for m, o, b in ((model, optimizer, True), (twin, twin_optimizer, False))]  # fmt: skip
    for trainer in trainers:
        trainer.step()
        frozen = trainer.optimizer.params.pop()  # the last bias is trained no more
        before = frozen.data
        trainer.step()
        trainer.step()
        assert frozen.data == before
    np.testing.assert_allclose([p.data for p in model.parameters()], [p.data for p in twin.parameters()],
                               rtol=1e-10, atol=1e-12)  # fmt: skip
