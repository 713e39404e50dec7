"""micrograd_mlp.labels: the one numbering (from 1) of layers, neurons, weights and inputs, made and read back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_mlp import MLP, gradcheck, save
from micrograd_mlp.checking.check import gradcheck_model
from micrograd_mlp.labels import (
    ParameterLabel, input_label, input_labels, layer_label, neuron_label, parameter_label, parse_parameter_label,
)  # fmt: skip
from micrograd_mlp.losses import mse
from micrograd_mlp.micrograd import Layer as MicrogradLayer
from micrograd_mlp.micrograd import MLP as MicrogradMLP
from micrograd_mlp.teaching.viz import draw_dot, draw_mlp

numbers = st.integers(1, 10**6)


@given(numbers, numbers, st.none() | numbers)
def test_a_label_reads_back_as_the_numbers_it_was_made_from(layer, neuron, weight):
    label = parameter_label(layer, neuron, weight)
    assert parse_parameter_label(label) == ParameterLabel(layer, neuron, weight)
    assert label.startswith(neuron_label(layer, neuron) + ".") and label.startswith(layer_label(layer) + ".N")


@pytest.mark.parametrize("text", ["x1", "L1.N1", "L1.N1.w", "L1.N1.c", "L0.N1.w1", "L1.N0.b", "L1.N1.w0",
                                  "L01.N1.b", " L1.N1.b", "L1.N1.b ", "l1.n1.b", "L1.N1.w1.b", ""])  # fmt: skip
def test_anything_else_is_not_a_parameter_label(text):
    assert parse_parameter_label(text) is None


@pytest.mark.parametrize("make, args", [(layer_label, (0,)), (neuron_label, (1, 0)), (parameter_label, (1, 1, 0)),
                                        (input_label, (-1,)), (input_labels, (0, 2)), (parameter_label, (1.0, 1))])  # fmt: skip
def test_a_number_from_0_is_refused_with_the_fix(make, args):
    with pytest.raises(ValueError, match=r"numbers in labels count from 1, got .*; for the list index i use i \+ 1"):
        make(*args)


def test_the_inputs_of_a_neuron_are_the_inputs_or_the_layer_before():
    assert input_labels(1, 3) == ["x1", "x2", "x3"]
    assert input_labels(3, 2) == ["L2.N1", "L2.N2"]


@pytest.mark.parametrize("make", [MLP, MicrogradMLP])
def test_every_parameter_of_a_model_carries_its_place_counted_from_1(make):
    model = make(2, [3, 1])
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            assert [w.label for w in neuron.w] == [f"L{l + 1}.N{j + 1}.w{i + 1}" for i in range(len(neuron.w))]
            assert parse_parameter_label(neuron.b.label) == (l + 1, j + 1, None)
    assert model.layers[0].neurons[1].w[0].label == "L1.N2.w1"


def test_a_student_sees_one_numbering_in_drawings_checks_and_errors():
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    out = model([0.5, -1.0])
    out.backward()
    source = draw_dot(out).source
    assert "<B>L1.N2.w1</B>" in source and "<B>L2.N1.b</B>" in source and "<B>x1</B>" in source
    assert "L0." not in source and "<B>x0</B>" not in source
    assert 'label="L1.N2"' in source  # the box around that neuron
    network = draw_mlp(model).source
    assert '"L1.N2" -> "L2.N1"' in network and "x2 -> \"L1.N1\"" in network
    report = gradcheck_model(model, mse, [[0.5, -1.0]], [1.0])
    assert [row.name for row in report.rows][-3:] == ["L2.N1.w1", "L2.N1.w2", "L2.N1.b"]
    assert "L2.N1.b" in str(report)
    assert [row.name for row in gradcheck(lambda v: v[0] * v[1], [2.0, 3.0]).rows] == ["x1", "x2"]
    model.layers[0].neurons[0].w[1].data = float("nan")
    with pytest.raises(ValueError, match=r"cannot save: parameter L1\.N1\.w2 is nan"):
        save(model, "never-written.json")
    assert repr(model).splitlines()[1:] == ["  L1: Layer(2 -> 2, tanh)", "  L2: Layer(2 -> 1, linear)"]


def test_a_micrograd_layer_on_its_own_numbers_its_neurons_too():
    layer = MicrogradLayer(2, 3)
    assert [n.b.label for n in layer.neurons] == ["L1.N1.b", "L1.N2.b", "L1.N3.b"]  # not three L1.N1's
