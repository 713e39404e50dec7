"""A `Parameter`: a Value that a model owns, whose every change of number is counted.

A model's weights are read very often and written in few places: an
optimizer's step, a batched fit handing its arrays back, `load`, a student's
own ``p.data -= lr * p.grad``. Counting the writes (`writes`) lets code that
keeps a copy of the numbers (the batched `predict`) know its copy is still
right without visiting tens of thousands of Values again: when no Parameter
was written since the copy was made, none has changed.

>>> w = Parameter(0.5, label="w")
>>> before = writes()
>>> w.data -= 0.25
>>> writes() != before, w.data
(True, 0.25)

A Parameter is a Value in every other way (``isinstance(w, Value)``): reading
its number costs what a Value's does; a write costs one counter step more.
"""

from __future__ import annotations

import itertools
from typing import Any

from .engine import Value

__all__ = ["Parameter", "writes"]

_NUMBER = vars(Value)["data"]  # where a Value keeps its number (a slot of the class)
_tickets = itertools.count(1)  # (next() on it is atomic: two threads never get the same ticket)
_latest = [0]


def writes() -> int:
    """A stamp that changes whenever any Parameter's number is set (compare it, do not subtract).

    Each write takes a fresh ticket after the number is stored, so a stamp read
    before copying the numbers differs from every stamp after a later write.
    """
    return _latest[0]


def _set_number(parameter: Any, number: Any) -> None:
    _NUMBER.__set__(parameter, number)
    _latest[0] = next(_tickets)


class Parameter(Value):
    """A Value a model trains: its weights and biases (`nn.Neuron` makes them)."""

    __slots__ = ()

    # reading: the slot's own getter (C, no Python frame); writing: stored, then counted
    data = property(_NUMBER.__get__, _set_number, doc="the float value (every change is counted: `writes`)")
