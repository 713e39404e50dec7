"""Tests for the table of ops: one definition, read on floats and on NumPy arrays.

Each op's local derivatives are checked against central finite differences of
its own value function (an independent check of the table), its array form
against its float form element by element, and the engine against the table.
"""

import math

import numpy as np
import pytest

from micrograd_mlp import Value, dot, max_of
from micrograd_mlp.ops import ARRAY, LEAF, SCALAR, TABLE, Op, chain, op_named, power

# kind -> inputs where the op is smooth (away from kinks and poles)
POINTS = {
    "+": [(0.7, -1.3), (2.0, 5.0)],
    "-": [(0.7, -1.3), (-2.0, 5.0)],
    "*": [(0.7, -1.3), (3.0, 0.25)],
    "/": [(0.7, -1.3), (3.0, 4.0)],
    "neg": [(0.7,), (-2.5,)],
    "**": [(0.7, -1.3), (2.0, 3.0)],
    "relu": [(0.7,), (-0.7,)],
    "tanh": [(-1.3,), (0.5,)],
    "sigmoid": [(-1.3,), (2.1,)],
    "softplus": [(-1.3,), (2.1,)],
    "exp": [(-1.3,), (0.9,)],
    "log": [(0.7,), (4.0,)],
}
ELEMENTWISE = list(POINTS)


def finite_difference(op, inputs, i, h=1e-6):
    plus, minus = list(inputs), list(inputs)
    plus[i] += h
    minus[i] -= h
    return (op.forward(SCALAR, *plus) - op.forward(SCALAR, *minus)) / (2 * h)


@pytest.mark.parametrize("kind", ELEMENTWISE)
def test_local_grads_match_finite_differences_of_the_value(kind):
    op = TABLE[kind]
    for inputs in POINTS[kind]:
        out = op.forward(SCALAR, *inputs)
        grads = op.backward(SCALAR, out, *inputs)
        assert len(grads) == op.arity == len(inputs)
        for i, grad in enumerate(grads):
            assert grad == pytest.approx(finite_difference(op, inputs, i), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("exponent", [2.0, 3.0, 0.5, -1.0, -1.5, 1 / 3])
def test_power_local_grad_matches_finite_differences(exponent):
    op = power(exponent)
    for x in (0.7, 2.5):
        out = op.forward(SCALAR, x)
        assert out == x**exponent
        (grad,) = op.backward(SCALAR, out, x)
        assert grad == pytest.approx(finite_difference(op, [x], 0), rel=1e-6)


@pytest.mark.parametrize("kind", ELEMENTWISE)
def test_the_array_form_gives_the_float_form_element_by_element(kind):
    op = TABLE[kind]
    columns = list(zip(*POINTS[kind]))  # input j over every point
    arrays = [np.array(column) for column in columns]
    out = op.forward(ARRAY, *arrays)
    grads = op.backward(ARRAY, out, *arrays)
    for k, inputs in enumerate(POINTS[kind]):
        scalar_out = op.forward(SCALAR, *inputs)
        assert out[k] == pytest.approx(scalar_out, rel=1e-15)
        for array_grad, scalar_grad in zip(grads, op.backward(SCALAR, scalar_out, *inputs)):
            assert np.broadcast_to(array_grad, out.shape)[k] == pytest.approx(scalar_grad, rel=1e-14)


def test_array_power_and_kinks_agree_with_floats():
    x = np.array([-2.0, -0.0, 0.0, 0.5, 3.0])
    square = power(2.0)
    assert list(square.forward(ARRAY, x)) == [square.forward(SCALAR, float(v)) for v in x]
    relu = TABLE["relu"]
    out = relu.forward(ARRAY, x)
    assert list(out) == [0.0, 0.0, 0.0, 0.5, 3.0]
    assert list(relu.backward(ARRAY, out, x)[0]) == [0.0, 0.0, 0.0, 1.0, 1.0]
    # sqrt at 0: a vertical tangent in both forms
    root = power(0.5)
    with np.errstate(divide="ignore"):
        (array_grad,) = root.backward(ARRAY, root.forward(ARRAY, np.array([0.0, 4.0])), np.array([0.0, 4.0]))
    assert list(array_grad) == [math.inf, 0.25]
    assert root.backward(SCALAR, 0.0, 0.0) == (math.inf,)


def test_sigmoid_and_softplus_never_overflow_in_either_form():
    x = np.array([-1000.0, 0.0, 1000.0])
    assert list(TABLE["sigmoid"].forward(ARRAY, x)) == [0.0, 0.5, 1.0]
    assert [TABLE["sigmoid"].forward(SCALAR, float(v)) for v in x] == [0.0, 0.5, 1.0]
    assert TABLE["softplus"].forward(ARRAY, x)[2] == 1000.0 == TABLE["softplus"].forward(SCALAR, 1000.0)


def test_dot_table_entry_on_floats_and_arrays():
    op = TABLE["dot"]
    assert op.forward(SCALAR, [2.0, -1.0], [3.0, 4.0], 0.5) == 2.5
    assert op.backward(SCALAR, 2.5, [2.0, -1.0], [3.0, 4.0], 0.5) == ([3.0, 4.0], [2.0, -1.0], 1.0)
    # arrays: operands along axis 0, two samples in the columns
    weights = np.array([[2.0, 2.0], [-1.0, -1.0]])
    inputs = np.array([[3.0, 1.0], [4.0, 0.0]])
    assert list(op.forward(ARRAY, weights, inputs, 0.5)) == [2.5, 2.5]


def test_max_table_entry_picks_the_first_largest_on_floats_and_arrays():
    op = TABLE["max"]
    assert op.forward(SCALAR, [1.0, 3.0, 3.0]) == 3.0
    assert op.backward(SCALAR, 3.0, [1.0, 3.0, 3.0]) == (0.0, 1.0, 0.0)
    xs = np.array([[1.0, 5.0], [3.0, 5.0], [3.0, -1.0]])  # two samples (columns), ties in both
    assert list(op.forward(ARRAY, xs)) == [3.0, 5.0]
    assert op.backward(ARRAY, None, xs).tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    nan = op.backward(ARRAY, None, np.array([[1.0], [math.nan]]))
    assert np.isnan(nan).all() and all(math.isnan(g) for g in op.backward(SCALAR, math.nan, [1.0, math.nan]))


def test_power_is_one_shared_op_per_exponent_with_the_exponent_as_data():
    assert power(2.0) is power(2) and power(2.0) is not power(3.0)
    assert (power(2.0).name, power(2.0).kind, power(2.0).constants, power(2.0).exponent) == ("**2", "**n", (2.0,), 2.0)
    assert power(1 / 3).name == "**0.3333333333333333" and power(1 / 3).exponent == 1 / 3
    assert power(-1.5).name == "**-1.5"
    with pytest.raises(AttributeError, match="'tanh' has no exponent"):
        TABLE["tanh"].exponent


def test_op_named_finds_table_ops_and_makes_unknown_ones():
    assert op_named("tanh") is TABLE["tanh"] and op_named("**0.5") is power(0.5)
    assert op_named("**") is TABLE["**"]  # the Value-exponent power, two inputs
    mystery = op_named("mystery")
    assert isinstance(mystery, Op) and mystery.value is None and op_named("mystery") is mystery
    assert LEAF.kind == "" and LEAF.arity == 0


def test_the_zero_rule_in_both_forms():
    assert chain(SCALAR, math.inf, 0.0) == 0.0
    assert chain(SCALAR, math.nan, 0.0) == 0.0
    assert chain(SCALAR, 0.0, math.inf) == 0.0
    assert chain(SCALAR, 2.0, -3.0) == -6.0
    assert math.isinf(chain(SCALAR, 2.0, math.inf))
    upstream = np.array([math.inf, 0.0, 2.0, math.nan])
    local = np.array([0.0, math.inf, -3.0, 1.0])
    result = chain(ARRAY, upstream, local)
    assert result[:3].tolist() == [0.0, 0.0, -6.0] and math.isnan(result[3])


# ------------------------------------------------- the engine reads the table


ENGINE_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "neg": lambda a: -a,
    "**": lambda a, b: a**b,
    "relu": lambda a: a.relu(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "softplus": lambda a: a.softplus(),
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
}


@pytest.mark.parametrize("kind", ELEMENTWISE)
def test_every_value_op_is_its_table_entry(kind):
    op = TABLE[kind]
    for inputs in POINTS[kind]:
        node = ENGINE_OPS[kind](*map(Value, inputs))
        assert node.operation is op and node.op == op.name
        out = op.forward(SCALAR, *inputs)
        assert node.data == out and node.local_grads == tuple(op.backward(SCALAR, out, *inputs))


def test_value_power_dot_and_max_are_their_table_entries():
    x = Value(3.0)
    cube = x**3
    assert cube.operation is power(3.0) and cube.operation.exponent == 3.0 and cube.op == "**3"
    w = [Value(2.0), Value(-1.0)]
    fused = dot(w, [3.0, 4.0], bias=0.5)
    assert fused.operation is TABLE["dot"] and fused.data == TABLE["dot"].forward(SCALAR, [2.0, -1.0], [3.0, 4.0], 0.5)
    largest = max_of([Value(1.0), Value(3.0), Value(3.0)])
    assert largest.operation is TABLE["max"] and largest.local_grads == (0.0, 1.0, 0.0)
    assert Value(1.0).operation is LEAF
