"""How a `Value` keeps its edges: speed and memory, not maths.

A node's edges are its parents and the local derivative along each one. Read
them as two tuples, ``node.parents`` and ``node.local_grads``; this module is
how they are stored, and nothing in it changes a number.

Why not simply two tuples per node? Python's cyclic garbage collector scans
every container object again and again while a graph grows (a graph of
Values holds no cycles, but the collector cannot know that without looking).
A node holding two tuples is three such objects instead of one, and the
collector's work grows with them: a training step of the micrograd demo
network is about twice as slow that way (the figures are in bench/README.md,
"The edge slots"). So a node keeps its one or two parents and their local
derivatives in four slots of its own (``_left``, ``_right`` and their
``_grad``); only a node with three or more parents (a fused `dot`, `max_of`)
keeps two tuples.

`EdgeSlots` is the base class of `engine.Value`. Its two fast readers serve
the engine's two hot loops: `add_to_parent_grads` (one node's chain-rule
step, `Value._backward`) and `push_parents` (`topological_order`).
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["EdgeSlots", "NO_EDGES"]

NO_EDGES: tuple = ()


class EdgeSlots:
    """A node's parents and local derivatives, in slots (see the module docstring)."""

    __slots__ = ("_left", "_right", "_left_grad", "_right_grad", "_many_parents", "_many_grads")

    def set_edges(self, parents: tuple, local_grads: tuple) -> None:
        """Store the edges: one or two parents in slots, three or more in the tuples."""
        count = len(parents)
        # The tuples also keep whatever a user assigned to .parents / .local_grads
        # as it was given, even with mismatched lengths (backward zips them).
        if count > 2 or count != len(local_grads):  # `_left is None`: read the tuples
            self._left = self._right = None
            self._left_grad = self._right_grad = 0.0
            self._many_parents, self._many_grads = parents, local_grads
            return
        self._many_parents = self._many_grads = NO_EDGES
        if count == 2:
            self._left, self._right = parents
            self._left_grad, self._right_grad = local_grads
        elif count == 1:
            self._left, self._right = parents[0], None
            self._left_grad, self._right_grad = local_grads[0], 0.0
        else:
            self._left = self._right = None
            self._left_grad = self._right_grad = 0.0

    def _pair(self, first: object, second: object, many: tuple) -> tuple:
        # (first, second) for two parents, (first,) for one; otherwise the
        # tuple itself: a dot node's edges, or () for a leaf.
        if self._right is not None:
            return (first, second)
        if self._left is not None:
            return (first,)
        return many

    @property
    def parents(self) -> tuple:
        """The nodes this one was computed from, e.g. ``(x, x)`` for ``x * x``."""
        return self._pair(self._left, self._right, self._many_parents)

    @parents.setter
    def parents(self, parents: Iterable) -> None:
        self.set_edges(tuple(parents), self.local_grads)

    @property
    def local_grads(self) -> tuple:
        """d(this node)/d(parent) for each entry of ``parents``."""
        return self._pair(self._left_grad, self._right_grad, self._many_grads)

    @local_grads.setter
    def local_grads(self, local_grads: Iterable[float]) -> None:
        self.set_edges(self.parents, tuple(local_grads))

    def is_leaf(self) -> bool:
        """True for a node without parents (an input, a parameter, a constant)."""
        return self._left is None and not self._many_parents

    def add_to_parent_grads(self, upstream: float) -> None:
        """``parent.grad += upstream * local_grad`` on every edge, a zero local grad skipped.

        What ``for parent, local_grad in zip(self.parents, self.local_grads)``
        does, read from the slots: building the two tuples for every node made
        a backward pass about 2.5x slower (bench/README.md, "The edge slots").
        """
        left = self._left
        if left is not None:
            if self._left_grad != 0.0:
                left.grad += upstream * self._left_grad
            right = self._right
            if right is not None and self._right_grad != 0.0:
                right.grad += upstream * self._right_grad
        else:
            for parent, local_grad in zip(self._many_parents, self._many_grads):
                if local_grad != 0.0:
                    parent.grad += upstream * local_grad

    def push_parents(self, stack: list, visited: set) -> None:
        """Push every parent not yet visited (topological_order's inner loop)."""
        left = self._left
        if left is not None:
            if left not in visited:
                stack.append(left)
            right = self._right
            if right is not None and right not in visited:
                stack.append(right)
        else:
            for parent in self._many_parents:
                if parent not in visited:
                    stack.append(parent)
