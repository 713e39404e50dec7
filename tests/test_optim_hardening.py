"""Optimizers given odd parameter lists (issue 13: a parameter listed twice)."""

import warnings

import pytest

from micrograd_mlp import SGD, Adam, Value


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)])  # fmt: skip
def test_a_parameter_given_twice_is_stepped_once(make):
    v, w = Value(1.0), Value(1.0)
    with pytest.warns(UserWarning, match="appears 2 times"):
        twice = make([v, v])
    once = make([w])
    v.grad = w.grad = 2.0
    twice.step()
    once.step()
    assert v.data == w.data != 1.0
    assert len(twice.params) == 1


def test_distinct_parameters_with_equal_values_are_all_kept():
    a, b = Value(1.0), Value(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(SGD([a, b], lr=0.1).params) == 2
