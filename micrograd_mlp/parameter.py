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

A Parameter is a Value in every other way (``isinstance(w, Value)``). Reading
its number goes through a property, a little slower than a Value's slot (the
scalar engine's moons step: about 3% unfused, 9% fused, bench/README.md); a
write costs one counter step more. `data_of` and `write_back` read and write
many at once straight through the slot.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any, Iterable, List, Optional, Sequence

from .engine import Value

__all__ = ["Parameter", "writes", "data_of", "write_back"]

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


def data_of(values: Sequence[Value]) -> List[Any]:
    """The ``.data`` of many Values (Parameters or not), read straight from the slot, in C.

    >>> data_of([Parameter(1.5), Value(-2.0)])
    [1.5, -2.0]
    """
    return list(map(_NUMBER.__get__, values))


def write_back(values: Sequence[Value], numbers: Iterable[Any], grads: Optional[Iterable[Any]] = None) -> None:
    """Set the ``.data`` (and ``.grad``) of many Values at once, counted as ONE write.

    What a batched fit does when it hands its arrays back: a Parameter's own
    setter (a Python call per write) would cost several times the store itself
    for tens of thousands of weights. The stamp moves once, after every store.

    >>> w = [Parameter(0.0), Parameter(0.0)]
    >>> before = writes()
    >>> write_back(w, [0.5, 2.0], [1.0, -1.0])
    >>> [(v.data, v.grad) for v in w], writes() != before
    ([(0.5, 1.0), (2.0, -1.0)], True)
    """
    # (the slot's own setter mapped in C: a Python loop calling it costs a third more)
    deque(map(_NUMBER.__set__, values, numbers), maxlen=0)
    if grads is not None:
        for value, grad in zip(values, grads):
            value.grad = grad
    _latest[0] = next(_tickets)

