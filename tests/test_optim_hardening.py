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


def test_values_that_compare_equal_are_still_distinct_parameters():
    # The check compares by identity: a Value subclass whose == says "equal" (as a user's
    # symbolic Value might) must not make two different weights one.
    class Symbolic(Value):
        def __eq__(self, other):
            return True

        def __hash__(self):
            return 7  # every one in the same bucket, all "equal"

    class Unhashable(Value):
        def __eq__(self, other):
            return NotImplemented  # (defining __eq__ alone makes a class unhashable)

    for kind in (Symbolic, Unhashable):
        a, b = kind(1.0), kind(2.0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            kept = SGD([a, b], lr=0.1).params
        assert len(kept) == 2 and kept[0] is a and kept[1] is b
        with pytest.warns(UserWarning, match="appears 2 times"):
            kept = SGD([a, b, a], lr=0.1).params
        assert len(kept) == 2 and kept[0] is a and kept[1] is b


def test_a_parameter_list_of_something_else_names_what_it_got():
    with pytest.raises(TypeError, match="SGD needs Values .* got float"):
        SGD([Value(1.0), 0.5], lr=0.1)
