import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_mlp import MLP, Layer, Neuron, Value

NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "linear": lambda z: z,
}


def weight_matrices(model):
    """NumPy W[l] of shape (fan_in, fan_out) (the slides' w1[i, j]) and b[l]."""
    weights, biases = [], []
    for layer in model.layers:
        weights.append(np.array([[w.data for w in n.w] for n in layer.neurons]).T)
        biases.append(np.array([n.b.data for n in layer.neurons]))
    return weights, biases


def numpy_forward(model, x):
    h = np.asarray(x, dtype=float)
    for layer, w, b in zip(model.layers, *weight_matrices(model)):
        h = NUMPY_ACTIVATIONS[layer.activation](h @ w + b)
    return h


@pytest.mark.parametrize(
    "nin, nouts, expected",
    [(2, [16, 16, 1], 337), (1, [1], 2), (3, [4, 2], 3 * 4 + 4 + 4 * 2 + 2), (5, [7], 42)],
)
def test_parameter_counts(nin, nouts, expected):
    model = MLP(nin, nouts, seed=0)
    assert model.num_parameters() == expected
    assert len(model.parameters()) == expected


def test_parameters_are_ordered_layer_neuron_w_then_b_and_labelled():
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()
    assert params[:3] == model.layers[0].neurons[0].w + [model.layers[0].neurons[0].b]
    assert [p.label for p in params[:4]] == ["L1.N1.w1", "L1.N1.w2", "L1.N1.b", "L1.N2.w1"]
    assert params[-1].label == "L2.N1.b"
    assert model.layers[0].neurons[2].w[1].label == "L1.N3.w2"


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("output_activation", ["linear", "sigmoid"])
def test_forward_matches_numpy_with_the_same_weights(activation, output_activation):
    model = MLP(3, [5, 4, 2], activation, output_activation, seed=1)
    for p in model.parameters():  # non-zero biases too
        p.data += 0.1
    rng = np.random.default_rng(0)
    for x in rng.normal(size=(5, 3)):
        out = model(x.tolist())
        np.testing.assert_allclose([v.data for v in out], numpy_forward(model, x), rtol=1e-12, atol=1e-14)


def test_single_output_is_a_value_and_several_outputs_a_list():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_initialisation_follows_the_slides_scale_and_zero_bias():
    model = MLP(50, [200, 1], seed=0)
    first = np.array([w.data for n in model.layers[0].neurons for w in n.w])
    assert abs(first.mean()) < 0.01
    assert first.std() == pytest.approx(math.sqrt(2 / (50 + 200)), rel=0.02)
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_uniform_init_is_micrographs_range():
    weights = [p.data for p in MLP(10, [50], init="uniform", seed=0).parameters() if "w" in p.label]
    assert min(weights) >= -1.0 and max(weights) <= 1.0
    assert max(weights) - min(weights) > 1.8


def test_uniform_init_draws_micrographs_weights_in_micrographs_order():
    # micrograd: Neuron.w = [Value(random.uniform(-1, 1)) for _ in range(nin)], b = Value(0),
    # layer by layer, neuron by neuron; so random.seed(s) gives micrograd's exact start.
    draws = random.Random(1337)
    expected = []
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        for _ in range(nout):
            expected += [draws.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert [p.data for p in MLP(2, [16, 16, 1], init="uniform", seed=1337).parameters()] == expected
    random.seed(1337)
    assert [p.data for p in MLP(2, [16, 16, 1], init="uniform").parameters()] == expected


def test_seed_and_rng_make_weights_reproducible():
    a = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    b = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    c = [p.data for p in MLP(2, [4, 1], rng=random.Random(7)).parameters()]
    d = [p.data for p in MLP(2, [4, 1], seed=8).parameters()]
    assert a == b == c
    assert a != d


def test_seed_leaves_the_global_random_stream_alone_and_no_seed_follows_it():
    random.seed(5)
    expected_draw = random.random()
    random.seed(5)
    MLP(2, [4, 1], seed=7)  # its own generator: the user's stream does not move
    assert random.random() == expected_draw
    random.seed(11)
    first = [p.data for p in MLP(2, [4, 1]).parameters()]
    random.seed(11)
    assert [p.data for p in MLP(2, [4, 1]).parameters()] == first


def test_unfused_neuron_builds_micrographs_graph():
    neuron = Neuron(2, "linear", rng=random.Random(0))
    out = neuron([1.0, 2.0])
    assert out.op == "+"  # (b + w0*x0) + w1*x1
    fused = Neuron(2, "linear", rng=random.Random(0), fused=True)([1.0, 2.0])
    assert fused.op == "dot" and len(fused.parents) == 3


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_fused_and_unfused_give_identical_values_and_gradients(activation):
    plain = MLP(3, [6, 5, 1], activation, seed=3)
    fused = MLP(3, [6, 5, 1], activation, seed=3, fused=True)
    inputs = [Value(0.3), Value(-1.2), Value(0.8)]
    inputs_fused = [Value(0.3), Value(-1.2), Value(0.8)]
    loss = plain(inputs) ** 2
    loss_fused = fused(inputs_fused) ** 2
    loss.backward()
    loss_fused.backward()
    assert loss.data == loss_fused.data
    assert [p.grad for p in plain.parameters()] == pytest.approx(
        [p.grad for p in fused.parameters()], rel=1e-12, abs=1e-15
    )
    assert [x.grad for x in inputs] == pytest.approx([x.grad for x in inputs_fused], rel=1e-12)
    assert any(p.grad != 0.0 for p in plain.parameters())


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], "tanh", seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_accepts_tuples_numpy_arrays_and_values():
    model = MLP(2, [3, 1], seed=0)
    expected = model([0.5, -0.25]).data
    assert model((0.5, -0.25)).data == expected
    assert model(np.array([0.5, -0.25])).data == expected
    assert model(np.array([0.5, -0.25], dtype=np.float32)).data == expected
    assert model([Value(0.5), Value(-0.25)]).data == expected


def test_layer_and_neuron_are_callable_like_micrograd():
    layer = Layer(2, 3, "tanh", rng=random.Random(0))
    assert len(layer([1.0, 1.0])) == 3
    assert isinstance(Layer(2, 1, rng=random.Random(0))([1.0, 1.0]), Value)
    assert repr(Neuron(4, "sigmoid")) == "Neuron(4 inputs, sigmoid)"


def test_repr_shows_layers_and_activations():
    text = repr(MLP(2, [8, 1], "tanh", "sigmoid", seed=0))
    assert text.splitlines() == [
        "MLP(2 inputs, 33 parameters)",
        "  L1: Layer(2 -> 8, tanh)",
        "  L2: Layer(8 -> 1, sigmoid)",
    ]


def test_wrong_input_length_names_expected_and_got():
    model = MLP(3, [2, 1], seed=0)
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        model([1.0, 2.0])


@pytest.mark.parametrize(
    "bad, message",
    [
        ("abc", "got str"),
        (2.0, r"A single number goes in a list: model\(\[x\]\)"),
        ({"a": 1}, "got dict"),
        (np.zeros((4, 2)), r"array of shape \(4, 2\)"),
        ([1.0, "x"], r"x\[1\] must be a number or a Value, got str"),
        ([1.0, [2.0]], r"x\[1\] must be a number or a Value, got list"),
    ],
)
def test_wrong_input_type_is_a_clear_type_error(bad, message):
    with pytest.raises(TypeError, match=message):
        MLP(2, [2, 1], seed=0)(bad)


def test_non_finite_input_is_refused():
    with pytest.raises(ValueError, match=r"x\[0\] is nan"):
        MLP(2, [2, 1], seed=0)([float("nan"), 1.0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(nin=0, nouts=[1]), "nin must be a positive int, got 0"),
        (dict(nin=2, nouts=[]), "nouts must be a non-empty list"),
        (dict(nin=2, nouts=3), "nouts must be a non-empty list"),
        (dict(nin=2, nouts=[4, 0]), "every layer size in nouts must be a positive int, got 0"),
        (dict(nin=2, nouts=[1], activation="softmax"), "unknown activation 'softmax'; choose one of"),
        (dict(nin=2, nouts=[1], init="xavier"), "unknown init 'xavier'"),
        (dict(nin=2, nouts=[1], seed=1, rng=random.Random(1)), "either seed= or rng=, not both"),
    ],
)
def test_bad_construction_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


def test_neuron_and_layer_refuse_a_wrong_number_of_inputs():
    for fused in (False, True):
        with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
            Neuron(3, rng=random.Random(0), fused=fused)([1.0, 2.0])
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        Layer(2, 4, rng=random.Random(0))([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"a neuron takes a list of 1 numbers or Values, got float 2.0; a single number goes in a list"):
        Layer(1, 4, rng=random.Random(0))(2.0)


def test_numpy_scalars_inside_a_list_are_numbers():
    model = MLP(2, [3, 1], seed=0)
    assert model([np.float32(0.5), np.int64(2)]).data == model([0.5, 2.0]).data


@settings(max_examples=30, deadline=None)
@given(
    nin=st.integers(1, 4),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    seed=st.integers(0, 10**6),
    data=st.data(),
)
def test_fused_matches_unfused_on_any_architecture(nin, nouts, activation, seed, data):
    x = data.draw(st.lists(st.floats(-3, 3), min_size=nin, max_size=nin))
    plain = MLP(nin, nouts, activation, "tanh", seed=seed)
    fused = MLP(nin, nouts, activation, "tanh", seed=seed, fused=True)
    out_plain, out_fused = plain(x), fused(x)
    outs_plain = out_plain if isinstance(out_plain, list) else [out_plain]
    outs_fused = out_fused if isinstance(out_fused, list) else [out_fused]
    assert [o.data for o in outs_plain] == [o.data for o in outs_fused]  # same float operations
    sum(outs_plain, Value(0.0)).backward()
    sum(outs_fused, Value(0.0)).backward()
    assert [p.grad for p in plain.parameters()] == pytest.approx(
        [p.grad for p in fused.parameters()], rel=1e-12, abs=1e-15
    )


def test_unfused_first_layer_shares_one_leaf_per_input():
    from micrograd_mlp import topological_order

    model = MLP(2, [3, 1], seed=0)
    out = model([0.5, -1.5])
    leaves = [node for node in topological_order(out) if not node.parents]
    inputs = [node for node in leaves if node.label in ("x1", "x2")]
    assert sorted((node.label, node.data) for node in inputs) == [("x1", 0.5), ("x2", -1.5)]
    out.backward()
    # d out / d x_i = sum over hidden units of w2_j * relu'(z_j) * w1_ij, summed over the 3 paths
    hidden = model.layers[0].neurons
    output = model.layers[1].neurons[0]
    for i, node in enumerate(sorted(inputs, key=lambda n: n.label)):
        z = [n.b.data + n.w[0].data * 0.5 + n.w[1].data * -1.5 for n in hidden]
        expected = sum(output.w[j].data * (z[j] > 0) * hidden[j].w[i].data for j in range(3))
        assert node.grad == pytest.approx(expected, abs=1e-15)
