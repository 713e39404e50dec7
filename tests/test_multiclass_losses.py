"""softmax and cross_entropy: values against NumPy, gradients against finite differences, stability."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from micrograd_mlp import Value, cross_entropy, gradcheck, max_of, softmax


def numpy_softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def test_max_of_picks_the_largest_and_routes_the_gradient_to_it():
    a, b = Value(3.0), Value(3.0)
    m = max_of([a, b, Value(1.0)])
    m.backward()
    assert m.data == 3.0
    assert (a.grad, b.grad) == (1.0, 0.0)  # ties: the first largest


def test_max_of_empty_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        max_of([])


def test_softmax_matches_numpy_and_sums_to_one():
    z = [0.5, -1.0, 2.0, 0.0]
    probs = softmax([Value(v) for v in z])
    np.testing.assert_allclose([p.data for p in probs], numpy_softmax(z), rtol=1e-15)
    assert math.isclose(sum(p.data for p in probs), 1.0, rel_tol=1e-15)


def test_softmax_of_an_empty_list_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        softmax([])


def test_cross_entropy_value_and_gradient_are_softmax_minus_one_hot():
    rows = [[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]
    targets = [2, 1]
    logits = [[Value(v) for v in row] for row in rows]
    loss = cross_entropy(logits, targets)
    loss.backward()
    expected = np.mean([-np.log(numpy_softmax(r)[t]) for r, t in zip(rows, targets)])
    assert math.isclose(loss.data, expected, rel_tol=1e-14)
    for row, t, values in zip(rows, targets, logits):
        grad = (numpy_softmax(row) - np.eye(3)[t]) / len(rows)
        np.testing.assert_allclose([v.grad for v in values], grad, rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=5), st.data())
def test_cross_entropy_gradients_match_finite_differences(z, data):
    target = data.draw(st.integers(0, len(z) - 1))
    report = gradcheck(lambda v: cross_entropy([v], [target]), z, tol=1e-5)
    assert report.ok, str(report)


@pytest.mark.parametrize("big", [1000.0, -1000.0])
def test_cross_entropy_is_finite_for_huge_logits(big):
    logits = [Value(big), Value(0.0), Value(-big)]
    loss = cross_entropy([logits], [1])
    loss.backward()
    assert math.isfinite(loss.data) and all(math.isfinite(v.grad) for v in logits)
    assert math.isclose(loss.data, abs(big), rel_tol=1e-12)  # -log softmax = |big| - 0


@pytest.mark.parametrize(
    "targets, message",
    [([3], "class 3, but the model has 3 outputs"), ([1.5], "class index"), (["a"], "class index"), ([-1], "class -1")],
)
def test_cross_entropy_refuses_bad_targets(targets, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy([[Value(0.0), Value(1.0), Value(2.0)]], targets)


def test_cross_entropy_refuses_a_one_output_model():
    with pytest.raises(ValueError, match="one logit per class"):
        cross_entropy([Value(0.3)], [0])
