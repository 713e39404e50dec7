"""Stage 2, scheduling: lay the recorded nodes out as rows of arrays, grouped by level and op.

Every node gets a level (1 + the deepest level of its operands in the same
space) and a space: "B" (one number per sample, a row of B columns) when it
reads an input or a target, else "S" (shared by the batch: parameters,
constants and what is computed from them only, e.g. an L2 penalty). Nodes of
the same space, level and op form a `Group`: one NumPy call forward, one
backward. Its `Slot`s say, for each operand position, which rows it reads and
where its gradient goes.

Two rewrites first (`fold_sums`) keep the depth, and so the number of calls,
low: a chain of ``+`` whose partial sums nobody else reads becomes one n-ary
``sum``, and a sum of products read only by that sum becomes a ``dot`` (a
layer of such dots reading the same inputs then runs as one matrix product).
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from ..ops import TABLE, power
from .recording import LEAF_KINDS, Node, ReplayError, operands

__all__ = ["fold_sums", "Schedule", "Group", "Slot", "Scatter", "Grid", "as_index", "OP_WORDS"]


def fold_sums(nodes: List[Node], outputs: List[int]) -> None:
    """A chain of '+' whose partial sums nobody else reads becomes one n-ary 'sum'.

    (A chain of n '+' has depth n: run level by level it would be n NumPy calls.)
    """
    # how many nodes read each node (one count in C over every parent list, then the dots)
    read = list(chain.from_iterable([node.parents for node in nodes]))
    for node in nodes:
        if node.op == "dot":
            read.extend(chain.from_iterable(node.pairs))
            read.extend(node.singles)
    read.extend(outputs)
    readers = np.bincount(np.array(read, dtype=np.intp), minlength=len(nodes)).tolist()
    for node in nodes:
        if node.op != "+":
            continue
        terms: Optional[List[int]] = None
        for p in node.parents:
            inner = nodes[p]
            if inner.op in ("+", "sum") and readers[p] == 1:
                inner_terms = inner.singles if inner.op == "sum" else list(inner.parents)
                inner.op, inner.singles = "folded", ()  # its value is never needed on its own
                # take the inner list over (copying it at every link of a chain of n
                # would cost n^2 / 2: 2 billion entries for a 66,000-term L2 penalty)
                if terms is None:
                    terms = inner_terms
                else:
                    terms.extend(inner_terms)
            elif terms is None:
                terms = [p]
            else:
                terms.append(p)
        if len(terms) > 2:
            node.op, node.singles, node.parents = "sum", terms, terms
    # A sum of products read only by the sum is a dot: b + w0*x0 + w1*x1 + ... of an
    # unfused neuron then runs as the fused neuron does (a layer: one matrix product).
    for node in nodes:
        if node.op not in ("+", "sum"):
            continue
        terms = node.singles if node.op == "sum" else node.parents
        products = [p for p in terms if nodes[p].op == "*" and readers[p] == 1]
        if not products:
            continue
        node.pairs = [(nodes[p].parents[0], nodes[p].parents[1]) for p in products]
        folded = set(products)
        node.singles = [p for p in terms if p not in folded]
        for p in products:
            nodes[p].op = "folded"
        node.op, node.parents = "dot", []



class Schedule:
    """The nodes as rows and groups: per-sample rows (inputs, targets, groups), shared rows
    (parameters, constants, groups), and the groups in the order a replay runs them."""

    def __init__(self, nodes: List[Node], outputs: List[int], n_inputs: int, n_targets: int, n_params: int,
                 rewrite: bool = True) -> None:  # fmt: skip
        if rewrite:
            fold_sums(nodes, outputs)
        live = [n for n in nodes if n.op != "folded"]
        # spaces and levels: per-sample ("B") if any operand is per-sample
        for node in live:
            if node.op in ("input", "target"):
                node.space, node.level = "B", 0
            elif node.op in ("param", "const"):
                node.space, node.level = "S", 0
            else:
                reads = [nodes[i] for i in operands(node)]
                node.space = "B" if any(o.space == "B" for o in reads) else "S"
                same = [o.level for o in reads if o.space == node.space]
                node.level = 1 + max(same, default=0)
        # rows: inputs, targets, then the groups in schedule order; params, constants, groups
        groups: Dict[tuple, List[Node]] = {}
        for node in live:
            if node.op not in LEAF_KINDS:
                groups.setdefault(self._group_key(node, nodes), []).append(node)
        constants = [n for n in live if n.op == "const"]
        for node in live:
            if node.op == "input":
                node.row = node.index
            elif node.op == "target":
                node.row = n_inputs + node.index
            elif node.op == "param":
                node.row = node.index
        for i, node in enumerate(constants):
            node.row = n_params + i
        next_row = {"B": n_inputs + n_targets, "S": n_params + len(constants)}
        ordered = sorted(groups.items(), key=lambda item: (item[0][0] == "B", item[0][1], str(item[0][2:])))
        for key, members in ordered:
            for node in members:
                node.row = next_row[key[0]]
                next_row[key[0]] += 1
        self.groups = [Group(key[0], key[1], key[2], members, nodes) for key, members in ordered]
        self.n_rows, self.n_shared = next_row["B"], next_row["S"]
        self.constants = np.array([[n.value] for n in constants]).reshape(-1, 1)
        self.outputs = [(nodes[o].space, nodes[o].row) for o in outputs]
        mark_first_writers(self.groups, self.outputs, self.n_rows, self.n_shared)

    @staticmethod
    def _group_key(node: Node, nodes: List[Node]) -> tuple:
        kinds: Any
        if node.op == "sum":
            kinds = tuple(sorted(nodes[p].space for p in node.singles))
        elif node.op == "dot":
            # how many pairs of each kind (shared x shared, shared x per-sample, per-sample x per-sample)
            shared_pairs = mixed_pairs = 0
            for a, b in node.pairs:
                first, second = nodes[a].space, nodes[b].space
                if first != second:
                    mixed_pairs += 1
                elif first == "S":
                    shared_pairs += 1
            pairs = (shared_pairs, mixed_pairs, len(node.pairs) - shared_pairs - mixed_pairs)
            kinds = (pairs, tuple(sorted(nodes[s].space for s in node.singles)))
        else:
            kinds = tuple(nodes[p].space for p in node.parents)
        return (node.space, node.level, node.op, node.exponent, kinds)


def mark_first_writers(groups: List["Group"], outputs: List[Tuple[str, int]], n_rows: int, n_shared: int) -> None:
    """Find the layers (`Group.stores`) and the table ops' operands (`Slot.stores`) that are the
    first, in a backward pass, to put a gradient into their rows.

    A backward pass zeroes the gradient arrays and then each group adds its share, so a
    product is made into a temporary and added. The first to reach those rows can store
    its product straight into them instead. Groups run backwards from the last. The
    output rows hold their seeds before any group runs. A slot that names a row twice is
    not a first writer.
    """
    written = {"B": np.zeros(n_rows, dtype=bool), "S": np.zeros(n_shared, dtype=bool)}
    for space, row in outputs:
        written[space][row] = True

    def first_to_write(slot: Slot) -> bool:
        rows, seen = slot.rows.reshape(-1), written[slot.kind]
        first = not seen[rows].any() and np.unique(rows).size == rows.size
        seen[rows] = True
        return bool(first)

    for group in reversed(groups):
        if group.is_layer:  # in the order the layer's backward writes: weights, inputs, bias
            weights, inputs = group.pair_slots["SB"][0], group.matmul_inputs
            group.stores = (first_to_write(weights), first_to_write(inputs))
        elif group.op not in ("sum", "max", "dot"):  # an op of the table: its operands in order
            for slot in group.slots:
                # (per-sample rows only: a parameter's gradient is always added, 0.0 + x, so it is
                # never the -0.0 a product can be, e.g. a negative upstream times relu's 0)
                slot.stores = first_to_write(slot) and slot.kind == "B"
        for slot in group.all_slots():
            first_to_write(slot)


def as_index(rows: np.ndarray) -> Union[slice, np.ndarray]:
    """A slice when the rows are consecutive (a view: no copy), else the index array."""
    flat = np.asarray(rows, dtype=np.intp)
    if flat.ndim == 1 and flat.size and np.array_equal(flat, np.arange(flat[0], flat[0] + flat.size)):
        return slice(int(flat[0]), int(flat[0]) + flat.size)
    return flat


class Grid:
    """Rows ``base + i * step + j`` (i < n, j < k): a layer's weight matrix in the parameter rows.

    Read and written as a strided VIEW of the array (no gather, no scatter): neuron i's
    weights are consecutive, and the neurons follow each other ``step`` rows apart.

    >>> grid = Grid.of(np.array([[1, 2], [4, 5]]))
    >>> grid.view(np.arange(8.0).reshape(8, 1))[:, :, 0].tolist()
    [[1.0, 2.0], [4.0, 5.0]]
    """

    def __init__(self, base: int, step: int, n: int, k: int) -> None:
        self.base, self.step, self.n, self.k = base, step, n, k

    @staticmethod
    def of(rows: np.ndarray) -> Optional["Grid"]:
        """The grid these 2-D rows form, or None (rows that overlap or are not evenly laid out)."""
        if rows.ndim != 2 or rows.size == 0:
            return None
        n, k = rows.shape
        base = int(rows[0, 0])
        step = int(rows[1, 0] - rows[0, 0]) if n > 1 else k
        if step < k or base < 0:
            return None
        expected = base + step * np.arange(n)[:, None] + np.arange(k)[None, :]
        return Grid(base, step, n, k) if np.array_equal(rows, expected) else None

    def view(self, array: np.ndarray) -> np.ndarray:
        """The rows as an (n, k, columns) view of ``array`` (writes go to ``array``)."""
        end = self.base + self.n * self.step
        if end <= len(array):  # (slicing and a reshape: cheaper than as_strided)
            return array[self.base : end].reshape(self.n, self.step, array.shape[1])[:, : self.k]
        rows, columns = array.strides
        return np.lib.stride_tricks.as_strided(array[self.base :], shape=(self.n, self.k, array.shape[1]),
                                               strides=(self.step * rows, rows, columns))  # fmt: skip


class Scatter:
    """Adds contributions into gradient rows, correctly when a row appears twice."""

    def __init__(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.intp)
        self.shape = rows.shape
        flat = rows.reshape(-1)
        self.count = flat.size
        self.grid = Grid.of(rows)
        if self.grid is not None:  # a weight matrix: an in-place add on a view
            self.order = None
        elif np.unique(flat).size == flat.size:
            # 1-D: a slice when consecutive; n-D: the index array in its own shape, so
            # target[rows] += contribution broadcasts without copying
            self.rows, self.order = (as_index(flat) if rows.ndim == 1 else rows), None
        else:  # sort once now; each call sums the runs of equal rows (np.add.reduceat)
            self.order = np.argsort(flat, kind="stable")
            self.rows, self.starts = np.unique(flat[self.order], return_index=True)

    def add(self, target: np.ndarray, contribution: np.ndarray) -> None:
        if self.grid is not None:
            view = self.grid.view(target)
            view += contribution
            return
        if self.order is None:  # rows all different: NumPy's in-place add broadcasts by itself
            target[self.rows] += contribution
            return
        width = target.shape[1]
        contribution = np.broadcast_to(contribution, (*self.shape, width)).reshape(self.count, width)
        target[self.rows] += np.add.reduceat(contribution[self.order], self.starts, axis=0)


class Slot:
    """One operand position of a group: where its rows are read and its gradient goes.

    `bind` points the slot at a replay's arrays once (when they are made, i.e.
    for a new batch width): a weight matrix or a run of consecutive rows is then
    a ready-made view, so a step neither recomputes views nor gathers them.
    """

    def __init__(self, kind: str, rows: np.ndarray, batch_group: bool) -> None:
        self.kind = kind  # "B" per-sample rows, "S" shared rows
        self.rows = np.asarray(rows, dtype=np.intp)
        self.index = as_index(self.rows) if self.rows.ndim == 1 else self.rows
        self.scatter = Scatter(self.rows)
        self.grid = self.scatter.grid  # a weight matrix: read as a view, not gathered
        # a shared operand of a per-sample op: its gradient is summed over the batch
        self.reduce = batch_group and kind == "S"
        self.source: Any = None  # the bound arrays (values or shared; their gradients)
        self.grad_target: Any = None
        self.view: Any = None  # the rows as a view of `source` (None: gathered at each read)
        self.grad_view: Any = None  # where a gradient adds in place (None: through `scatter`)
        self.stores = False  # the first to write its gradient rows in a backward pass (`mark_first_writers`)

    def bind(self, values: np.ndarray, shared: np.ndarray, grads: Optional[np.ndarray],
             shared_grads: Optional[np.ndarray]) -> None:  # fmt: skip
        """Views of the rows in ``values``/``shared`` and, unless None (a forward only), in their gradients."""
        per_sample = self.kind == "B"
        self.source = values if per_sample else shared
        self.grad_target = grads if per_sample else shared_grads
        self.view = self.grad_view = None
        if self.grid is not None:
            self.view = self.grid.view(self.source)
            if self.grad_target is not None:
                self.grad_view = self.grid.view(self.grad_target)
        elif isinstance(self.index, slice):  # consecutive rows, each once
            self.view = self.source[self.index]
            if self.grad_target is not None:
                self.grad_view = self.grad_target[self.index]

    def read(self) -> np.ndarray:
        view = self.view
        return view if view is not None else self.source[self.index]

    def add_grad(self, contribution: np.ndarray) -> None:
        """Add a group's gradient contribution (one column per sample) into this slot's rows."""
        self.add_summed(contribution.sum(axis=-1, keepdims=True) if self.reduce else contribution)

    def add_summed(self, contribution: np.ndarray) -> None:
        """Add a contribution already summed over the batch (or per sample, for a per-sample slot)."""
        if self.grad_view is not None:
            self.grad_view += contribution
        else:
            self.scatter.add(self.grad_target, contribution)


OP_WORDS = {
    "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "power", "**n": "power",
    "neg": "negate", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "exp": "exp",
    "log": "log", "softplus": "softplus", "max": "max over axis 1", "sum": "sum over axis 1",
    "dot": "sum of products",
}  # fmt: skip



class Group:
    """Nodes of the same level and op (and operand kinds): one NumPy call forward, one backward."""

    def __init__(self, space: str, level: int, op: str, members: List[Node], nodes: List[Node]) -> None:
        self.space, self.level, self.op = space, level, op
        self.width = len(members)
        self.start, self.stop = members[0].row, members[-1].row + 1
        self.exponent = members[0].exponent
        batch = space == "B"
        first = members[0]
        self.saved: tuple = ()
        self.out: Any = None  # this group's rows of the bound arrays (see `bind`)
        self.upstream: Any = None
        self.layer: Optional[tuple] = None  # a layer's W @ X + b as views (see `bind`)
        self.squares: Optional[tuple] = None  # a sum of squares' rows as views (see `bind`)
        # a layer's (weights, inputs): is it the first to write their gradient rows? (`mark_first_writers`)
        self.stores = (False, False)
        if op not in ("sum", "max", "dot"):  # an op of the table on its own inputs
            self.table_op = power(self.exponent) if op == "**n" else TABLE[op]
            self.slots = [
                Slot(nodes[first.parents[j]].space, [nodes[m.parents[j]].row for m in members], batch)
                for j in range(len(first.parents))
            ]
        elif op == "sum":
            self.slots = self._by_kind([[nodes[p] for p in m.singles] for m in members], batch)
        elif op == "max":
            kinds = [nodes[p].space for p in first.parents]
            self.positions = {k: [j for j, kind in enumerate(kinds) if kind == k] for k in "SB"}
            self.count = len(kinds)
            self.slots = [
                Slot(k, [[nodes[m.parents[j]].row for j in self.positions[k]] for m in members], batch)
                for k in "SB"
                if self.positions[k]
            ]
        elif op == "dot":
            # each pair ordered shared-first; pairs grouped as (S,S), (S,B), (B,B)
            split = []  # per member: kinds -> (rows of the left factors, rows of the right ones)
            for m in members:
                rows: Dict[str, tuple] = {"SS": ([], []), "SB": ([], []), "BB": ([], [])}
                for a, b in m.pairs:
                    first, second = nodes[a], nodes[b]
                    if first.space == "B" and second.space == "S":
                        first, second = second, first
                    left, right = rows[first.space + second.space]
                    left.append(first.row)
                    right.append(second.row)
                split.append(rows)
            self.pair_slots = {}
            for kinds in ("SS", "SB", "BB"):
                if split[0][kinds][0]:
                    self.pair_slots[kinds] = (
                        Slot(kinds[0], [rows[kinds][0] for rows in split], batch),
                        Slot(kinds[1], [rows[kinds][1] for rows in split], batch),
                    )
            self.slots = self._by_kind([[nodes[s] for s in m.singles] for m in members], batch)
            # Same per-sample inputs in every node (a layer of neurons): one matrix product.
            self.matmul = False
            if "SB" in self.pair_slots:
                inputs = self.pair_slots["SB"][1].rows
                self.matmul = bool(np.all(inputs == inputs[0]))
                if self.matmul:
                    self.matmul_inputs = Slot("B", inputs[0], batch)
        else:  # pragma: no cover - compile_nodes refuses unknown ops
            raise ReplayError(f"no replay for op {op!r}")
        # (what the fast kernels need that the layout alone decides: worked out once, not at each bind)
        self.is_layer = self._is_layer()
        self.sum_of_squares = self._is_sum_of_squares()

    def bind(self, values: np.ndarray, shared: np.ndarray, grads: Optional[np.ndarray],
             shared_grads: Optional[np.ndarray]) -> None:  # fmt: skip
        """Point the group and its slots at a replay's arrays (once per batch width, see `Slot.bind`);
        ``grads`` None: for forward passes only (a backward binds them first)."""
        per_sample = self.space == "B"
        self.out = (values if per_sample else shared)[self.start : self.stop]
        gradients = grads if per_sample else shared_grads
        self.upstream = None if gradients is None else gradients[self.start : self.stop]
        for slot in self.all_slots():
            slot.bind(values, shared, grads, shared_grads)
        self.layer = self._as_layer()
        self.squares = self._as_sum_of_squares()

    def all_slots(self) -> List[Slot]:
        """Every slot of the group."""
        slots = list(self.slots)
        for pair in getattr(self, "pair_slots", {}).values():
            slots.extend(pair)
        if getattr(self, "matmul", False):
            slots.append(self.matmul_inputs)
        return slots

    def _is_sum_of_squares(self) -> bool:
        if not (self.op == "dot" and list(self.pair_slots) == ["SS"] and not self.slots and self.width == 1):
            return False
        left, right = self.pair_slots["SS"]
        return bool(np.array_equal(left.rows, right.rows))

    def _as_sum_of_squares(self) -> Optional[tuple]:
        """``sum(p * p)`` over rows read in place (an L2 penalty): the rows' view and their gradients'."""
        if not self.sum_of_squares:
            return None
        left = self.pair_slots["SS"][0]
        if left.view is None:
            return None
        flat = left.view.view()
        try:
            flat.shape = (-1,)  # a view or nothing: a copy would go stale after the first step
        except AttributeError:
            return None
        return flat, left.grad_view  # (its gradient's view: None while bound for forward passes only)

    def _is_layer(self) -> bool:
        if not (self.op == "dot" and self.matmul and list(self.pair_slots) == ["SB"] and len(self.slots) == 1):
            return False
        bias = self.slots[0]
        return bias.kind == "S" and bias.rows.shape[1] == 1

    def _as_layer(self) -> Optional[tuple]:
        """A layer's ``W @ X + b`` as 2-D views, when the group is exactly that (the usual dot).

        (weights, inputs, bias) and their gradients' views (None while bound for forward
        passes only), or None: a layer whose every weight, input and bias is read (and its
        gradient added) in place runs as one matrix product and one add, nothing gathered.
        """
        if not self.is_layer:
            return None
        weights, inputs, bias = self.pair_slots["SB"][0], self.matmul_inputs, self.slots[0]
        if weights.view is None or inputs.view is None or bias.view is None:
            return None
        # (a slot with a view has its gradient's view too, once gradients are bound)
        w_grad, x_grad, b_grad = weights.grad_view, inputs.grad_view, bias.grad_view
        return (weights.view[:, :, 0], None if w_grad is None else w_grad[:, :, 0], inputs.view, x_grad,
                bias.view[:, :, 0], None if b_grad is None else b_grad[:, :, 0])  # fmt: skip

    @staticmethod
    def _by_kind(terms: List[List[Node]], batch: bool) -> List[Slot]:
        return [
            Slot(kind, [[t.row for t in row if t.space == kind] for row in terms], batch)
            for kind in "SB"
            if any(t.space == kind for t in terms[0])
        ]

    def describe(self) -> str:
        """e.g. "level 3: 256 '*' -> one multiply of shape (256, B)"."""
        columns = "B" if self.space == "B" else "1"
        shape = f"({self.width}, {columns})"
        op = {"**n": f"**{self.exponent:g}"}.get(self.op, self.op)
        if self.op == "dot" and self.matmul:
            pairs = self.pair_slots["SB"][0].rows.shape[1]
            how = f"one matrix product ({self.width}, {pairs}) @ ({pairs}, {columns})"
        elif self.op in ("dot", "sum", "max"):
            terms = sum(slot.rows.shape[1] for slot in self.slots) + sum(
                pair[0].rows.shape[1] for pair in getattr(self, "pair_slots", {}).values()
            )
            how = f"one {OP_WORDS[self.op]} of shape ({self.width}, {terms}, {columns})"
        else:
            how = f"one {OP_WORDS[self.op]} of shape {shape}"
        name = f"{self.width} '{op}'" if self.op not in ("sum",) else f"{self.width} sums"
        return f"level {self.level}: {name} -> {how}"

