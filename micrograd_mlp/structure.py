"""Counting changes to what a network is made of: its lists of parts and its settings.

A `Parameter` counts writes of its number (`parameter.writes`). What a model
*is* changes another way, by assignment: ``neuron.w[0] = Value(0.5)``,
``layer.neurons.append(...)``, ``neuron.activation = "tanh"``. A `Tracked`
object counts every attribute it is given and a `TrackedList` every change
of its items, on one stamp (`changes`). Code that keeps something worked out
from a model (the batched `predict` keeps the recorded program and which
Values it reads) knows it still holds when the stamp has not moved, without
listing the model's tens of thousands of parameters again.

>>> parts = TrackedList([1, 2])
>>> before = changes()
>>> parts.append(3)
>>> changes() != before, parts
(True, [1, 2, 3])

`fully_tracked` says whether a whole model is built from them (a model
unpickled from an older version holds plain lists: changes to those are not
counted, so nothing may be kept for it).
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

__all__ = ["changes", "Tracked", "TrackedList", "counts_changes", "fully_tracked"]

_tickets = itertools.count(1)  # (next() on it is atomic: two threads never get the same ticket)
_latest = [0]


def changes() -> int:
    """A stamp that moves whenever any `Tracked` object or `TrackedList` changes (compare it, do not subtract)."""
    return _latest[0]


def _changed() -> None:
    _latest[0] = next(_tickets)


class Tracked:
    """A mixin: setting or deleting any attribute counts as a change (`changes`)."""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        _changed()

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        _changed()


class TrackedList(list):
    """A list whose every change of items counts (`changes`); otherwise a plain list.

    >>> w = TrackedList([0.5]); before = changes()
    >>> w[0] = 0.25; changes() != before, w + [1.0], type(w + [1.0]).__name__
    (True, [0.25, 1.0], 'list')
    """

    __slots__ = ()


def _counted(method: Callable) -> Callable:
    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        _changed()
        return result

    counted.__name__, counted.__doc__ = method.__name__, method.__doc__
    return counted


# every method of list that changes its items ("+=" and "*=" included)
for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert", "pop", "remove",
              "clear", "sort", "reverse"):  # fmt: skip
    setattr(TrackedList, _name, _counted(getattr(list, _name)))


def counts_changes(items: Any) -> bool:
    """Is every change of this list counted? (An optimizer's ``params`` is a `TrackedList`.)

    >>> counts_changes(TrackedList()), counts_changes([])
    (True, False)
    """
    return type(items) is TrackedList


def fully_tracked(part: Any, depth: int = 0) -> bool:
    """Is every list in ``part`` (a `Tracked` object) and in the parts it holds a `TrackedList`?

    >>> class Box(Tracked):
    ...     def __init__(self, items): self.items = items
    >>> fully_tracked(Box(TrackedList([Box(TrackedList())]))), fully_tracked(Box(TrackedList([Box([])])))
    (True, False)
    """
    if not isinstance(part, Tracked) or depth > 8:
        return False
    for value in vars(part).values():
        if isinstance(value, list):
            if not isinstance(value, TrackedList):
                return False
            if any(isinstance(item, Tracked) and not fully_tracked(item, depth + 1) for item in value):
                return False
        elif isinstance(value, Tracked) and not fully_tracked(value, depth + 1):
            return False
    return True
