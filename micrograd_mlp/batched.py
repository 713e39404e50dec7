"""Batched replay: record the scalar graph of ONE sample, replay it on B samples with NumPy.

The graph that `Value` records for one sample is a straight-line program: a
list of ops, each reading the results of earlier ones. `trace` records it once,
with placeholder leaves for the sample's inputs (and targets), into a `Tape`.
`Tape.forward` then runs the same program with every per-sample leaf holding a
row of B numbers instead of one float, and `Tape.backward` runs the chain rule
backwards over the whole batch, summing each parameter's gradient over the
samples. This is how real frameworks get their speed, shown on a graph you can
draw with `draw_dot`.

>>> from micrograd_mlp import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> tape = trace(lambda x, t: model(x), [0.5, -1.0], params=model.parameters())
>>> outputs = tape.forward([[0.5, -1.0], [1.0, 2.0], [0.0, 0.0]])[0]
>>> bool(np.allclose(outputs, [model([0.5, -1.0]).data, model([1.0, 2.0]).data, model([0.0, 0.0]).data]))
True

Four kinds of leaves (the tape must know which is which):

* **parameters**, the leaves the model owns (``params=model.parameters()``):
  shared by every sample, read afresh at each replay, and the only leaves whose
  ``.grad`` a replay writes (where a scalar ``backward()`` puts it, so
  optimizers, ``zero_grad`` and ``check_finite`` work unchanged);
* **inputs**, the placeholders handed to the function (one row per sample);
* **targets**, more placeholders for a loss (one row per sample);
* **constants**: every other leaf, e.g. the 1.0 of ``1 - y * s``: its number is
  recorded and reused.

The schedule. Every node gets a level (1 + the deepest level of its per-sample
parents) and nodes with the same level and op run as ONE NumPy call on a 2-D
array: gather the parents' rows with index arrays, apply the op, write the
result into the group's rows ("level 3: 256 '*' -> one multiply of shape (256, B)").
The backward pass walks the groups in reverse. So the number of NumPy calls
grows with the depth of the graph and its kinds of ops, not its number of
nodes. Two rewrites keep the depth low: a chain of ``+`` (``b + w0*x0 + w1*x1
+ ...``, each partial sum used only by the next) runs as one n-ary ``sum``,
and a group of ``dot`` nodes that read the same inputs runs as one matrix
product. Nodes that depend on no per-sample leaf (parameter-only subgraphs,
e.g. an L2 penalty) are computed once per replay, not once per sample.

The rule (what can be replayed). The traced function must run the same ops
whatever the data: no Python ``if`` on ``.data``, no ``max()``/``abs()`` of
Values through Python, no ``float(v)`` or ``v.data`` turned back into a
number (it would be recorded as a constant). Use the graph's own ops for such
choices (``relu``, `max_of`, ``softplus``). `trace` checks what it can: it
records the function on two different samples and refuses (`ReplayError`)
when the two programs differ, and it compares the replay of both samples with
the scalar engine's values and gradients. A branch that both samples happen
to take the same way cannot be seen; that is the price of the rule.

Numbers. Float64 throughout; values and gradients agree with the scalar engine
to about 1e-15 relative (sums are added in another order, the matrix product
too). Where the scalar engine raises (log of a negative number, exp overflow,
division by zero), NumPy gives inf or NaN instead: the replay never hides them
(`fit` and `predict` then redo that batch with the scalar engine, so you get
its error and its message).
"""

from __future__ import annotations

import gc
import math
import operator
import weakref
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import engine
from .engine import Value, topological_order
from .losses import SAMPLE_TERMS

__all__ = ["trace", "Tape", "ReplayError"]

Rows = Union[Sequence[Sequence[float]], np.ndarray]
_DATA = operator.attrgetter("data")


class ReplayError(ValueError):
    """A function that cannot be replayed over a batch, with the reason and the fix.

    >>> try:
    ...     trace(lambda x, t: x[0] if x[0].data > 0 else -x[0], [1.0], probe2=[-1.0])
    ... except ReplayError as err:
    ...     print(str(err)[:40])
    the function runs a different program on
    """


# ------------------------------------------------------------------ tracing

_UNARY = ("neg", "relu", "tanh", "sigmoid", "exp", "log", "softplus")
_BINARY = ("+", "-", "*", "/", "**")
LEAF_KINDS = ("param", "input", "target", "const")


class _Node:
    """One node of the recorded program (tape indices, not Values)."""

    __slots__ = ("op", "parents", "space", "value", "index", "exponent", "pairs", "singles", "level", "row")

    def __init__(self, op: str, parents: Sequence[int] = (), value: float = 0.0, index: int = 0) -> None:
        self.op = op
        self.parents = list(parents)
        self.space = "S"  # "S": shared by the batch (one number), "B": one number per sample
        self.value = value  # a constant's number
        self.index = index  # which parameter / input / target
        self.exponent = 0.0  # for "**<n>"
        self.pairs: List[Tuple[int, int]] = []  # dot: (a, b) multiplied
        self.singles: List[int] = []  # dot: bias; sum: the terms
        self.level = 0
        self.row = -1


def _as_values(function_result: Any) -> List[Value]:
    """The traced function's result as a list of Values, or a clear error."""
    results = function_result if isinstance(function_result, (list, tuple)) else [function_result]
    if not results or not all(isinstance(v, Value) for v in results):
        shown = repr(function_result)
        raise ReplayError(
            f"the traced function must return a Value or a list of Values, got {shown[:60]}. "
            "Build the result from the inputs with Value ops (e.g. return model(x))"
        )
    return list(results)


def _record(function: Callable, inputs: Sequence[float], targets: Sequence[float]) -> tuple:
    """Run `function` on fresh placeholder leaves with grads on; its roots and dot pairings."""
    x = [Value(v, label=f"x{i}") for i, v in enumerate(inputs)]
    t = [Value(v, label=f"t{i}") for i, v in enumerate(targets)]
    dots: Dict[int, tuple] = {}

    def remember(out: Value, weights: Sequence, inputs_: Sequence, bias: Any) -> None:
        dots[id(out)] = (out, list(weights), list(inputs_), bias)

    was_enabled, engine._grad_enabled = engine._grad_enabled, True
    previous, engine._dot_recorder = engine._dot_recorder, remember
    try:
        result = function(x, t)
    except ReplayError:
        raise
    except (TypeError, AttributeError) as err:
        raise ReplayError(
            f"could not trace the function on placeholder Values: {type(err).__name__}: {err}. "
            "A replayed function must compute with Value ops only (no comparisons or if on Values)"
        ) from err
    finally:
        engine._grad_enabled = was_enabled
        engine._dot_recorder = previous
    return _as_values(result), x, t, dots


def _compile_nodes(roots: List[Value], params: Sequence[Value], x: list, t: list, dots: dict) -> tuple:
    """The graph below `roots` as a list of `_Node`s in topological order."""
    order: List[Value] = []
    seen: set = set()
    for root in roots:
        for node in topological_order(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    param_index = {id(p): i for i, p in enumerate(params)}
    input_index = {id(v): i for i, v in enumerate(x)}
    target_index = {id(v): i for i, v in enumerate(t)}
    position: Dict[int, int] = {}
    nodes: List[_Node] = []
    constants: Dict[float, int] = {}

    def constant(number: float) -> int:
        key = float(number)
        if key not in constants or math.copysign(1.0, key) != math.copysign(1.0, nodes[constants[key]].value):
            constants[key] = len(nodes)
            nodes.append(_Node("const", value=key))
        return constants[key]

    def ref(v: Any) -> int:
        return position[id(v)] if isinstance(v, Value) else constant(engine._to_float(v))

    for value in order:
        key = id(value)
        parents = value.parents
        if not parents:
            if key in param_index:
                node = _Node("param", index=param_index[key])
            elif key in input_index:
                node = _Node("input", index=input_index[key])
            elif key in target_index:
                node = _Node("target", index=target_index[key])
            else:
                node = _Node("const", value=value.data)
        else:
            op = value.op
            node = _Node(op, [position[id(p)] for p in parents])
            if op == "dot":
                # The pairing of a dot node comes from the engine (dot() reports it while we
                # trace), never guessed from parents and local_grads: dot([w1, 3.0], [2.0, x2])
                # and dot([w1], [x2]) can have the same parents and the same local derivatives
                # at one sample (when x2 = 2 and w1 = 3), yet are different functions.
                if key not in dots:
                    raise ReplayError(
                        "a dot node was made outside the traced function, so its pairing of weights "
                        "and inputs is unknown; build every dot inside the function you trace"
                    )
                _, weights, inputs_, bias = dots[key]
                node.pairs = [(ref(w), ref(i)) for w, i in zip(weights, inputs_)]
                bias_number = bias.data if isinstance(bias, Value) else engine._to_float(bias)
                if isinstance(bias, Value) or bias_number != 0.0:
                    node.singles = [ref(bias)]
            elif op.startswith("**") and op != "**":
                node.exponent = float(op[2:])
                node.op = "**n"
            elif op not in _UNARY and op not in _BINARY and op != "max":
                raise ReplayError(
                    f"cannot replay the op {op!r} (node {value!r}); a replay knows the engine's ops: "
                    f"{', '.join(_BINARY + _UNARY)}, **<number>, dot, max"
                )
        position[key] = len(nodes)
        nodes.append(node)
    outputs = [position[id(r)] for r in roots]
    return nodes, outputs


def _fold_sums(nodes: List[_Node], outputs: List[int]) -> None:
    """A chain of '+' whose partial sums nobody else reads becomes one n-ary 'sum'.

    (A chain of n '+' has depth n: run level by level it would be n NumPy calls.)
    """
    readers = [0] * len(nodes)
    for node in nodes:
        for p in node.parents:
            readers[p] += 1
        for a, b in node.pairs:
            readers[a] += 1
            readers[b] += 1
        if node.op == "dot":
            for s in node.singles:
                readers[s] += 1
    for o in outputs:
        readers[o] += 1
    for node in nodes:
        if node.op != "+":
            continue
        terms: Optional[List[int]] = None
        for p in node.parents:
            inner = nodes[p]
            if inner.op in ("+", "sum") and readers[p] == 1:
                inner_terms = inner.singles if inner.op == "sum" else list(inner.parents)
                inner.op, inner.singles = "folded", []  # its value is never needed on its own
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


def _operands(node: _Node) -> List[int]:
    """Every node this one reads."""
    if node.op == "dot":
        return [i for pair in node.pairs for i in pair] + node.singles
    return node.parents


def _signature(nodes: List[_Node], outputs: List[int]) -> tuple:
    """The program as plain data: two traces of the same program give the same signature."""
    described = []
    for node in nodes:
        if node.op == "const":
            described.append(("const", node.value))
        elif node.op in LEAF_KINDS:
            described.append((node.op, node.index))
        else:
            described.append((node.op, node.exponent, tuple(node.parents), tuple(node.pairs), tuple(node.singles)))
    return tuple(described), tuple(outputs)


def trace(
    function: Callable[[List[Value], List[Value]], Any],
    inputs: Sequence[float],
    targets: Sequence[float] = (),
    params: Sequence[Value] = (),
    *,
    probe2: Optional[Sequence[float]] = None,
    targets2: Optional[Sequence[float]] = None,
    rewrite: bool = True,
) -> "Tape":
    """Record ``function(x, t)`` on one sample into a `Tape` that replays it on a batch.

    ``function`` gets a list of input placeholder Values ``x`` (and target
    placeholders ``t``) and returns a Value or a list of Values (the roots).
    ``inputs``/``targets`` are the numbers of the sample to record with;
    ``params`` the parameters (their ``.grad`` is what `Tape.backward` fills).
    With ``probe2`` (and ``targets2``), the function is recorded again on that
    second sample and must give the same program, or `ReplayError` says so.
    ``rewrite=False`` keeps every '+' and '*' node as it is (no n-ary sums, no
    dots made of products): slower, but the schedule shows the graph as drawn.

    >>> w = Value(2.0)
    >>> tape = trace(lambda x, t: (w * x[0] - t[0]) ** 2, [1.0], [0.0], params=[w])
    >>> tape.forward([[1.0], [2.0]], [[0.0], [1.0]])[0]          # (2*1-0)^2, (2*2-1)^2
    array([4., 9.])
    """
    # Recording makes many small objects; Python's cycle collector would rescan
    # them again and again (a graph of Values holds no cycles): pause it meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _trace(function, inputs, targets, params, probe2, targets2, rewrite)
    finally:
        if was_enabled:
            gc.enable()


def _trace(function: Callable, inputs: Sequence[float], targets: Sequence[float], params: Sequence[Value],
           probe2: Optional[Sequence[float]], targets2: Optional[Sequence[float]], rewrite: bool) -> "Tape":  # fmt: skip
    inputs = [float(v) for v in inputs]
    targets = [float(v) for v in targets]
    params = list(params)
    roots, x, t, dots = _record(function, inputs, targets)
    nodes, outputs = _compile_nodes(roots, params, x, t, dots)
    tape = Tape(nodes, outputs, len(inputs), len(targets), len(params), [r.data for r in roots], rewrite)
    tape._probe = (inputs, targets, roots, params)
    if probe2 is not None:
        second = [float(v) for v in probe2]
        second_targets = [float(v) for v in (targets if targets2 is None else targets2)]
        roots2, x2, t2, dots2 = _record(function, second, second_targets)
        if _signature(*_compile_nodes(roots2, params, x2, t2, dots2)) != tape._signature:
            raise ReplayError(
                "the function runs a different program on different samples (it branches on data: "
                "an `if` on .data, Python's max()/abs() of Values, or a number taken out of a Value "
                "with float() or .data), so one recorded graph cannot be replayed on every sample. "
                "Use the graph's ops instead (relu, max_of, softplus), or the scalar engine "
                "(fit(..., batched=False))"
            )
        tape._check_against_scalar([(inputs, targets, roots), (second, second_targets, roots2)], params)
    return tape


# ----------------------------------------------------------------- the tape


def _index(rows: np.ndarray) -> Union[slice, np.ndarray]:
    """A slice when the rows are consecutive (a view: no copy), else the index array."""
    flat = np.asarray(rows, dtype=np.intp)
    if flat.ndim == 1 and flat.size and np.array_equal(flat, np.arange(flat[0], flat[0] + flat.size)):
        return slice(int(flat[0]), int(flat[0]) + flat.size)
    return flat


class _Scatter:
    """Adds contributions into gradient rows, correctly when a row appears twice."""

    def __init__(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.intp)
        self.shape = rows.shape
        flat = rows.reshape(-1)
        self.count = flat.size
        if np.unique(flat).size == flat.size:
            # 1-D: a slice when consecutive; n-D: the index array in its own shape, so
            # target[rows] += contribution broadcasts without copying
            self.rows, self.order = (_index(flat) if rows.ndim == 1 else rows), None
        else:  # sort once now; each call sums the runs of equal rows (np.add.reduceat)
            self.order = np.argsort(flat, kind="stable")
            self.rows, self.starts = np.unique(flat[self.order], return_index=True)

    def add(self, target: np.ndarray, contribution: np.ndarray) -> None:
        if self.order is None:  # rows all different: NumPy's in-place add broadcasts by itself
            target[self.rows] += contribution
            return
        width = target.shape[1]
        contribution = np.broadcast_to(contribution, (*self.shape, width)).reshape(self.count, width)
        target[self.rows] += np.add.reduceat(contribution[self.order], self.starts, axis=0)


class _Slot:
    """One operand position of a group: where its rows are read and its gradient goes."""

    def __init__(self, kind: str, rows: np.ndarray, batch_group: bool) -> None:
        self.kind = kind  # "B" per-sample rows, "S" shared rows
        self.rows = np.asarray(rows, dtype=np.intp)
        self.index = _index(self.rows) if self.rows.ndim == 1 else self.rows
        self.scatter = _Scatter(self.rows)
        # a shared operand of a per-sample op: its gradient is summed over the batch
        self.reduce = batch_group and kind == "S"

    def read(self, values: np.ndarray, shared: np.ndarray) -> np.ndarray:
        return (values if self.kind == "B" else shared)[self.index]

    def add_grad(self, grads: np.ndarray, shared_grads: np.ndarray, contribution: np.ndarray) -> None:
        if self.reduce:
            contribution = contribution.sum(axis=-1, keepdims=True)
        self.scatter.add(grads if self.kind == "B" else shared_grads, contribution)


_OP_WORDS = {
    "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "power", "**n": "power",
    "neg": "negate", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "exp": "exp",
    "log": "log", "softplus": "softplus", "max": "max over axis 1", "sum": "sum over axis 1",
    "dot": "sum of products",
}  # fmt: skip


class _Group:
    """Nodes of the same level and op (and operand kinds): one NumPy call forward, one backward."""

    def __init__(self, space: str, level: int, op: str, members: List[_Node], nodes: List[_Node]) -> None:
        self.space, self.level, self.op = space, level, op
        self.width = len(members)
        self.start, self.stop = members[0].row, members[-1].row + 1
        self.exponent = members[0].exponent
        batch = space == "B"
        first = members[0]
        self.saved: tuple = ()
        if op in _UNARY or op == "**n" or op in _BINARY:
            self.slots = [
                _Slot(nodes[first.parents[j]].space, [nodes[m.parents[j]].row for m in members], batch)
                for j in range(len(first.parents))
            ]
        elif op == "sum":
            self.slots = self._by_kind([[nodes[p] for p in m.singles] for m in members], batch)
        elif op == "max":
            kinds = [nodes[p].space for p in first.parents]
            self.positions = {k: [j for j, kind in enumerate(kinds) if kind == k] for k in "SB"}
            self.count = len(kinds)
            self.slots = [
                _Slot(k, [[nodes[m.parents[j]].row for j in self.positions[k]] for m in members], batch)
                for k in "SB"
                if self.positions[k]
            ]
        elif op == "dot":
            # each pair ordered shared-first; pairs grouped as (S,S), (S,B), (B,B)
            pairs = [[self._order(nodes, a, b) for a, b in m.pairs] for m in members]
            self.pair_slots = {}
            for kinds in ("SS", "SB", "BB"):
                chosen = [[(a, b) for a, b in row if a.space + b.space == kinds] for row in pairs]
                if chosen[0]:
                    self.pair_slots[kinds] = (
                        _Slot(kinds[0], [[a.row for a, _ in row] for row in chosen], batch),
                        _Slot(kinds[1], [[b.row for _, b in row] for row in chosen], batch),
                    )
            self.slots = self._by_kind([[nodes[s] for s in m.singles] for m in members], batch)
            # Same per-sample inputs in every node (a layer of neurons): one matrix product.
            self.matmul = False
            if "SB" in self.pair_slots:
                inputs = self.pair_slots["SB"][1].rows
                self.matmul = bool(np.all(inputs == inputs[0]))
                if self.matmul:
                    self.matmul_inputs = _Slot("B", inputs[0], batch)
        else:  # pragma: no cover - _compile_nodes refuses unknown ops
            raise ReplayError(f"no replay for op {op!r}")

    @staticmethod
    def _order(nodes: List[_Node], a: int, b: int) -> tuple:
        first, second = nodes[a], nodes[b]
        return (second, first) if first.space == "B" and second.space == "S" else (first, second)

    @staticmethod
    def _by_kind(terms: List[List[_Node]], batch: bool) -> List[_Slot]:
        return [
            _Slot(kind, [[t.row for t in row if t.space == kind] for row in terms], batch)
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
            how = f"one {_OP_WORDS[self.op]} of shape ({self.width}, {terms}, {columns})"
        else:
            how = f"one {_OP_WORDS[self.op]} of shape {shape}"
        name = f"{self.width} '{op}'" if self.op not in ("sum",) else f"{self.width} sums"
        return f"level {self.level}: {name} -> {how}"

    # ------------------------------------------------------------- forward

    def forward(self, values: np.ndarray, shared: np.ndarray, keep: bool) -> None:
        out = (values if self.space == "B" else shared)[self.start : self.stop]
        op = self.op
        if op == "sum":
            result = self._sum_of(self.slots, values, shared)
            out[...] = result
            return
        if op == "dot":
            self._dot_forward(out, values, shared, keep)
            return
        if op == "max":
            stacked = self._stacked(values, shared, out.shape[1])
            np.max(stacked, axis=1, out=out)
            if keep:
                self.saved = (np.argmax(stacked, axis=1),)
            return
        operands = [slot.read(values, shared) for slot in self.slots]
        a = operands[0]
        if op == "+":
            np.add(a, operands[1], out=out)
        elif op == "-":
            np.subtract(a, operands[1], out=out)
        elif op == "*":
            np.multiply(a, operands[1], out=out)
        elif op == "/":
            np.divide(a, operands[1], out=out)
        elif op == "neg":
            np.negative(a, out=out)
        elif op == "**n":
            np.power(a, self.exponent, out=out)
        elif op == "**":
            np.power(a, operands[1], out=out)
        elif op == "relu":
            # 0 for x <= 0, else x: NaN (which is not <= 0) stays NaN, as in the engine
            np.copyto(out, np.where(a <= 0.0, 0.0, a))
        elif op == "tanh":
            np.tanh(a, out=out)
        elif op == "sigmoid":
            # the engine's two stable forms: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below
            e = np.exp(-np.abs(a))
            np.copyto(out, np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)))
        elif op == "exp":
            np.exp(a, out=out)
        elif op == "log":
            np.log(a, out=out)
        elif op == "softplus":
            np.copyto(out, np.where(a > 0.0, a, 0.0) + np.log1p(np.exp(-np.abs(a))))
        if keep:
            self.saved = tuple(operands)

    def _sum_of(self, slots: List[_Slot], values: np.ndarray, shared: np.ndarray) -> np.ndarray:
        total = None
        for slot in slots:
            part = slot.read(values, shared).sum(axis=1)
            total = part if total is None else total + part
        return total

    def _stacked(self, values: np.ndarray, shared: np.ndarray, columns: int) -> np.ndarray:
        stacked = np.empty((self.width, self.count, columns))
        for slot in self.slots:
            stacked[:, self.positions[slot.kind], :] = slot.read(values, shared)
        return stacked

    def _dot_forward(self, out: np.ndarray, values: np.ndarray, shared: np.ndarray, keep: bool) -> None:
        total = None
        saved = {}
        for kinds, (left, right) in self.pair_slots.items():
            a = left.read(values, shared)
            if kinds == "SB" and self.matmul:
                b = self.matmul_inputs.read(values, shared)  # (pairs, B): the layer's inputs
                part = a[:, :, 0] @ b
            else:
                b = right.read(values, shared)
                part = np.einsum("kpb,kpb->kb", a, b) if kinds != "SB" else np.einsum("kp,kpb->kb", a[:, :, 0], b)
            saved[kinds] = (a, b)
            total = part if total is None else total + part
        if self.slots:
            singles = self._sum_of(self.slots, values, shared)
            total = singles if total is None else total + singles
        out[...] = total
        if keep:
            self.saved = (saved,)

    # ------------------------------------------------------------ backward

    def backward(self, values: np.ndarray, shared: np.ndarray, grads: np.ndarray, shared_grads: np.ndarray) -> None:
        space_values = values if self.space == "B" else shared
        upstream = (grads if self.space == "B" else shared_grads)[self.start : self.stop]
        op = self.op
        if op == "sum":
            for slot in self.slots:
                slot.add_grad(grads, shared_grads, upstream[:, None, :])
            return
        if op == "dot":
            self._dot_backward(upstream, grads, shared_grads)
            return
        if op == "max":
            (largest,) = self.saved
            # d max / d x_j = 1 for the first largest x_j, 0 for the others
            for slot in self.slots:
                positions = np.array(self.positions[slot.kind])
                chosen = positions[None, :, None] == largest[:, None, :]
                slot.add_grad(grads, shared_grads, upstream[:, None, :] * chosen)
            return
        out = space_values[self.start : self.stop]
        saved = self.saved
        a = saved[0]
        if op == "+":
            locals_ = (None, None)
        elif op == "-":
            locals_ = (None, -1.0)
        elif op == "*":
            locals_ = (saved[1], a)
        elif op == "/":
            locals_ = (1.0 / saved[1], -out / saved[1])
        elif op == "neg":
            locals_ = (-1.0,)
        elif op == "**n":
            n = self.exponent
            if n == 0.0:
                locals_ = (0.0,)
            else:
                # n * x^(n-1); at x = 0 with n < 1 the tangent is vertical (inf), as in the engine
                local = n * np.power(a, n - 1.0)
                if n < 1.0:
                    local = np.where(a == 0.0, np.inf, local)
                locals_ = (local,)
        elif op == "**":
            b = saved[1]
            locals_ = (b * np.power(a, b - 1.0), out * np.log(a))
        elif op == "relu":
            locals_ = ((a > 0.0).astype(float),)
        elif op == "tanh":
            locals_ = (1.0 - out * out,)
        elif op == "sigmoid":
            locals_ = (out * (1.0 - out),)
        elif op == "exp":
            locals_ = (out,)
        elif op == "log":
            locals_ = (1.0 / a,)
        elif op == "softplus":
            e = np.exp(-np.abs(a))
            locals_ = (np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)),)
        for slot, local in zip(self.slots, locals_):
            # chain rule, for the whole group at once: d root / d parent += upstream * local
            slot.add_grad(grads, shared_grads, upstream if local is None else upstream * local)

    def _dot_backward(self, upstream: np.ndarray, grads: np.ndarray, shared_grads: np.ndarray) -> None:
        (saved,) = self.saved
        for kinds, (left, right) in self.pair_slots.items():
            a, b = saved[kinds]
            if kinds == "SB" and self.matmul:
                # out = W @ X: dW = upstream @ X^T (summed over the batch), dX = W^T @ upstream
                left.scatter.add(shared_grads, (upstream @ b.T)[:, :, None])
                self.matmul_inputs.scatter.add(grads, a[:, :, 0].T @ upstream)
            elif kinds == "SB":
                left.scatter.add(shared_grads, np.einsum("kb,kpb->kp", upstream, b)[:, :, None])
                right.add_grad(grads, shared_grads, a * upstream[:, None, :])
            else:
                right_grad = upstream[:, None, :] * a
                left.add_grad(grads, shared_grads, upstream[:, None, :] * b)
                right.add_grad(grads, shared_grads, right_grad)
        for slot in self.slots:
            slot.add_grad(grads, shared_grads, upstream[:, None, :])


class Tape:
    """A recorded program: replay it forward and backward over a batch of samples.

    Made by `trace`. ``forward(X, T)`` returns one array per root (B numbers
    for a per-sample root); ``backward(seeds)`` the gradients of
    ``sum_i seeds[k] * root_k(sample i)`` with respect to the parameters,
    summed over the batch. `describe` and `draw` show the schedule.

    >>> w = Value(3.0)
    >>> tape = trace(lambda x, t: w * x[0] * x[0], [1.0], params=[w])
    >>> tape.forward([[1.0], [2.0]])[0]
    array([ 3., 12.])
    >>> tape.backward([1.0])            # d/dw of 1*w + 4*w
    array([5.])
    >>> print(tape.describe().splitlines()[-1])
    level 2: 1 '*' -> one multiply of shape (1, B)
    """

    def __init__(self, nodes: List[_Node], outputs: List[int], n_inputs: int, n_targets: int,
                 n_params: int, probe_outputs: List[float], rewrite: bool = True) -> None:  # fmt: skip
        self.n_inputs, self.n_targets, self.n_params = n_inputs, n_targets, n_params
        self._signature = _signature(nodes, outputs)
        self.node_count = sum(1 for n in nodes if n.op not in LEAF_KINDS)
        if rewrite:
            _fold_sums(nodes, outputs)
        live = [n for n in nodes if n.op != "folded"]
        # spaces and levels: per-sample ("B") if any operand is per-sample
        for node in live:
            if node.op in ("input", "target"):
                node.space, node.level = "B", 0
            elif node.op in ("param", "const"):
                node.space, node.level = "S", 0
            else:
                operands = [nodes[i] for i in _operands(node)]
                node.space = "B" if any(o.space == "B" for o in operands) else "S"
                same = [o.level for o in operands if o.space == node.space]
                node.level = 1 + max(same, default=0)
        # rows: inputs, targets, then the groups in schedule order; params, constants, groups
        groups: Dict[tuple, List[_Node]] = {}
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
        self.groups = [_Group(key[0], key[1], key[2], members, nodes) for key, members in ordered]
        self.n_rows, self.n_shared = next_row["B"], next_row["S"]
        self.constants = np.array([[n.value] for n in constants]).reshape(-1, 1)
        self.outputs = [(nodes[o].space, nodes[o].row) for o in outputs]
        self.probe_outputs = probe_outputs
        self._values: Optional[np.ndarray] = None
        self._shared: Optional[np.ndarray] = None
        self._kept = False

    @staticmethod
    def _group_key(node: _Node, nodes: List[_Node]) -> tuple:
        kinds: Any
        if node.op == "sum":
            kinds = tuple(sorted(nodes[p].space for p in node.singles))
        elif node.op == "dot":
            pairs = tuple(sorted("".join(sorted(nodes[a].space + nodes[b].space, reverse=True)) for a, b in node.pairs))
            kinds = (pairs, tuple(sorted(nodes[s].space for s in node.singles)))
        else:
            kinds = tuple(nodes[p].space for p in node.parents)
        return (node.space, node.level, node.op, node.exponent, kinds)

    # -------------------------------------------------------------- replay

    def _check_width(self, rows: Any, expected: int, what: str) -> np.ndarray:
        array = np.asarray(rows, dtype=float)
        if array.ndim == 1 and expected == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2 or array.shape[1] != expected:
            raise ValueError(
                f"the tape was traced with {expected} {what} per sample, so it replays a batch of shape "
                f"(B, {expected}); got shape {array.shape}"
            )
        if len(array) == 0:
            raise ValueError(f"an empty batch: no rows of {what} to replay (give at least one sample)")
        return array

    def forward(self, X: Rows, T: Optional[Rows] = None, params: Optional[Sequence[Value]] = None,
                keep: bool = True) -> List[np.ndarray]:  # fmt: skip
        """Run the program on every row of ``X`` (and ``T``); one array per root.

        ``params`` are read for their current ``.data`` (by default the ones
        given to `trace`). ``keep=True`` keeps what `backward` needs
        (``keep=False`` to only predict, with less memory).
        """
        X = self._check_width(X, self.n_inputs, "inputs")
        if self.n_targets:
            if T is None:
                raise ValueError(f"the tape was traced with {self.n_targets} targets per sample; pass T")
            T = self._check_width(T, self.n_targets, "targets")
            if len(T) != len(X):
                raise ValueError(f"{len(X)} rows of inputs but {len(T)} rows of targets")
        params = self._probe[3] if params is None else params
        if len(params) != self.n_params:
            raise ValueError(f"the tape was traced with {self.n_params} parameters, got {len(params)}")
        batch = len(X)
        if self._values is None or self._values.shape[1] != batch:
            self._values = np.empty((self.n_rows, batch))
            self._shared = np.empty((self.n_shared, 1))
            self._shared[self.n_params : self.n_params + len(self.constants)] = self.constants
        values, shared = self._values, self._shared
        values[: self.n_inputs] = X.T
        if self.n_targets:
            values[self.n_inputs : self.n_inputs + self.n_targets] = T.T
        shared[: self.n_params, 0] = list(map(_DATA, params))
        with np.errstate(all="ignore"):  # inf and NaN flow on, as in the engine; callers check
            for group in self.groups:
                group.forward(values, shared, keep)
        self._kept = keep
        return [values[row].copy() if space == "B" else np.full(batch, shared[row, 0]) for space, row in self.outputs]

    def backward(self, seeds: Sequence[float]) -> np.ndarray:
        """Gradients of ``sum over samples of sum_k seeds[k] * root_k`` for every parameter.

        Call after ``forward(..., keep=True)`` (the last one). ``seeds[k]`` is the
        weight of root k, e.g. ``1 / B`` for a mean over the batch. A root that
        is shared by the batch (it reads parameters only, e.g. a penalty) is,
        like every root, summed over the B samples: it counts B times.
        """
        if not self._kept:
            raise RuntimeError("Tape.backward() needs a forward(..., keep=True) first")
        values, shared = self._values, self._shared
        grads = np.zeros_like(values)
        shared_grads = np.zeros_like(shared)
        for (space, row), seed in zip(self.outputs, seeds):
            if seed:
                if space == "B":
                    grads[row] += seed
                else:
                    shared_grads[row] += seed * values.shape[1]
        with np.errstate(all="ignore"):
            for group in reversed(self.groups):
                group.backward(values, shared, grads, shared_grads)
        return shared_grads[: self.n_params, 0].copy()

    def _check_against_scalar(self, probes: list, params: Sequence[Value]) -> None:
        """The replay of the probe samples must match the scalar engine, or we refuse."""
        X = [p[0] for p in probes]
        T = [p[1] for p in probes] if self.n_targets else None
        replayed = self.forward(X, T, params, keep=True)
        for k, (_, _, roots) in enumerate(probes):
            for j, root in enumerate(roots):
                if not _close(replayed[j][k], root.data):
                    raise ReplayError(
                        f"the replay gives {replayed[j][k]!r} where the scalar engine gives {root.data!r} "
                        f"(root {j}, probe sample {k}); this function cannot be replayed. "
                        "Report it as a bug, and use the scalar engine meanwhile"
                    )
        saved = [p.grad for p in params]
        try:
            for p in params:
                p.grad = 0.0
            # the first root on every probe sample, and each parameter-only root once
            seeds = [1.0] + [0.0] * (len(self.outputs) - 1)
            for _, _, roots in probes:
                roots[0].backward()
            for j in range(1, len(self.outputs)):
                if self.outputs[j][0] == "S":
                    probes[0][2][j].backward()
                    seeds[j] = 1.0 / len(probes)
            scalar = np.array([p.grad for p in params])
        finally:
            for p, g in zip(params, saved):
                p.grad = g
        replay = self.backward(seeds)
        if not np.allclose(replay, scalar, rtol=1e-9, atol=1e-9 * (1.0 + np.max(np.abs(scalar), initial=0.0))):
            raise ReplayError(
                "the replayed gradients differ from the scalar engine's on the probe samples; "
                "this function cannot be replayed. Use the scalar engine (batched=False)"
            )

    # ----------------------------------------------------------- showing

    @property
    def numpy_calls(self) -> int:
        """How many groups (about one NumPy call each way) a replay runs."""
        return len(self.groups)

    def describe(self) -> str:
        """The schedule in words: one line per group, shared part first.

        >>> w = Value(0.5)
        >>> tape = trace(lambda x, t: (w * x[0]).tanh(), [1.0], params=[w])
        >>> print(tape.describe())
        2 nodes recorded -> 2 groups (about 2 NumPy calls forward, 2 backward)
        per sample (B columns):
        level 1: 1 '*' -> one multiply of shape (1, B)
        level 2: 1 'tanh' -> one tanh of shape (1, B)
        """
        lines = [
            f"{self.node_count} nodes recorded -> {len(self.groups)} groups "
            f"(about {len(self.groups)} NumPy calls forward, {len(self.groups)} backward)"
        ]
        shared = [g for g in self.groups if g.space == "S"]
        if shared:
            lines.append("once per batch (shared by every sample: parameters only):")
            lines += [g.describe() for g in shared]
        lines.append("per sample (B columns):")
        lines += [g.describe() for g in self.groups if g.space == "B"]
        return "\n".join(lines)

    def levels(self) -> List[Tuple[str, int, str, int]]:
        """The groups as ``(space, level, op, width)`` tuples, in schedule order."""
        return [(g.space, g.level, g.op if g.op != "**n" else f"**{g.exponent:g}", g.width) for g in self.groups]

    def draw(self, title: str = "", per_row: int = 12) -> Any:
        """A matplotlib figure of the schedule: one box per group, with its level, op and shape.

        Boxes run left to right in the order the replay runs them (green: once
        per batch, from parameters only; blue: one column per sample), wrapping
        after ``per_row`` levels. Needs matplotlib (the ``demos`` extra).
        """
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyBboxPatch

        by_level: Dict[tuple, List[_Group]] = {}
        for g in self.groups:
            by_level.setdefault((g.space, g.level), []).append(g)
        columns = sorted(by_level, key=lambda k: (k[0] == "B", k[1]))
        tallest = max((len(v) for v in by_level.values()), default=1)
        rows = max(1, math.ceil(len(columns) / per_row))
        across = min(len(columns), per_row) or 1
        figure = Figure(figsize=(max(6.0, 1.3 * across + 0.6), 0.7 + 1.25 * tallest * rows))
        axes = figure.add_subplot(1, 1, 1)
        colours = {"S": "#cfe8cf", "B": "#cfe0f5"}
        for i, key in enumerate(columns):
            x, band = i % per_row, (i // per_row) * (tallest + 0.6)
            for y, group in enumerate(by_level[key]):
                op = group.op if group.op != "**n" else f"**{group.exponent:g}"
                if group.op == "dot" and group.matmul:
                    pairs = group.pair_slots["SB"][0].rows.shape[1]
                    shape = f"({group.width},{pairs})@({pairs},B)"
                else:
                    shape = f"({group.width}, {'B' if group.space == 'B' else '1'})"
                top = -band - y
                axes.add_patch(FancyBboxPatch((x - 0.45, top - 0.4), 0.9, 0.8, boxstyle="round,pad=0.02",
                                              facecolor=colours[group.space], edgecolor="#555555"))  # fmt: skip
                level = f"{'P' if key[0] == 'S' else ''}{key[1]}"
                axes.text(x, top + 0.22, f"level {level}", ha="center", va="center", fontsize=7, color="#444444")
                axes.text(x, top - 0.02, f"{group.width} '{op}'", ha="center", va="center", fontsize=9)
                axes.text(x, top - 0.25, shape, ha="center", va="center", fontsize=7)
        axes.set_xlim(-0.6, across - 0.4)
        axes.set_ylim(-(rows - 1) * (tallest + 0.6) - tallest + 0.45, 0.55)
        axes.axis("off")
        axes.set_title(title or f"{self.node_count} scalar nodes recorded -> {len(self.groups)} array ops, "
                       "in order (green: once per batch, parameters only; blue: one column per sample)",
                       fontsize=9)  # fmt: skip
        figure.tight_layout()
        return figure


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# ------------------------------------------------- models: predict and fit


def _fingerprint(model: Any, params: List[Value]) -> tuple:
    """What changes the program of a model: its parameters, activations and fusing."""
    layers = getattr(model, "layers", None)
    shape: tuple = ()
    if layers is not None:
        shape = tuple((n.activation, n.fused, len(n.w)) for layer in layers for n in getattr(layer, "neurons", ()))
    return (tuple(map(id, params)), shape)


_CACHE: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()
_REFUSED = object()


def _cached(model: Any, key: tuple, make: Callable[[], Any]) -> Any:
    try:
        programs = _CACHE.setdefault(model, {})
    except TypeError:  # a model that cannot be weakly referenced: no cache
        return make()
    if key not in programs:
        if len(programs) > 16:  # e.g. many batch widths or losses: keep the newest
            programs.pop(next(iter(programs)))
        programs[key] = make()
    return programs[key]


def forget(model: Any) -> None:
    """Drop the tapes cached for ``model`` (after changing its structure in place).

    >>> forget(object())
    """
    try:
        _CACHE.pop(model, None)
    except TypeError:
        pass


def _distinct_row(X: np.ndarray, Y: Optional[np.ndarray] = None) -> int:
    """A second probe sample: one whose target differs from sample 0's, else whose input does."""
    if Y is not None:
        differ = np.nonzero(np.any(Y.reshape(len(Y), -1) != Y.reshape(len(Y), -1)[0], axis=1))[0]
        if differ.size:
            return int(differ[0])
    differ = np.nonzero(np.any(X != X[0], axis=1))[0]
    return int(differ[0]) if differ.size else len(X) - 1


def predict_tape(model: Any, X: np.ndarray) -> Optional[Tape]:
    """The cached tape of ``model(x)`` for rows of X's width, or None if it cannot replay."""
    params = model.parameters()
    key = ("predict", X.shape[1], _fingerprint(model, params))

    def make() -> Any:
        second = X[_distinct_row(X)]
        try:
            return trace(lambda x, t: model(x), X[0].tolist(), params=params, probe2=second.tolist())
        except Exception:  # noqa: BLE001 - any model that cannot be replayed: the scalar engine
            return _REFUSED  # predicts (and raises its own error, if there is one)

    tape = _cached(model, key, make)
    return None if tape is _REFUSED else tape


PREDICT_CHUNK = 2_000_000  # numbers per replay array (16 MB), so a big grid needs no big memory


def predict(model: Any, X: Any) -> Optional[np.ndarray]:
    """``model``'s outputs on every row of X by replay, or None where the scalar engine must do it.

    None for an empty X, a non-finite input or output (the scalar engine then
    says what is wrong) or a model that cannot be replayed. Used by
    `micrograd_mlp.predict`.

    >>> from micrograd_mlp import MLP
    >>> predict(MLP(2, [4, 1], seed=0), np.zeros((3, 2))).shape
    (3,)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or len(X) == 0 or not hasattr(model, "parameters") or not np.all(np.isfinite(X)):
        return None
    if getattr(model, "nin", X.shape[1]) != X.shape[1]:
        return None  # the model's own check names the mismatch
    tape = predict_tape(model, X)
    if tape is None:
        return None
    chunk = max(1, PREDICT_CHUNK // max(tape.n_rows, 1))
    parts = []
    params = model.parameters()
    for start in range(0, len(X), chunk):
        rows = X[start : start + chunk]
        parts.append(np.stack(tape.forward(rows, None, params, keep=False), axis=1))
    outputs = np.concatenate(parts)
    if not np.all(np.isfinite(outputs)):
        return None
    return outputs[:, 0] if outputs.shape[1] == 1 else outputs


class FitProgram:
    """One training step of ``fit(..., batched=True)``: loss, outputs and gradients by replay.

    The traced function is ``[loss term of one sample, L2 penalty, outputs...]``:
    the term's mean over the batch plus the penalty (parameter-only, so run
    once) is the loss; the penalty's gradient is added once per step.

    >>> from micrograd_mlp import MLP, SGD
    >>> model = MLP(1, [2, 1], seed=0)
    >>> program = FitProgram(model, "mse", 0.0, model.parameters(), np.array([[1.0], [2.0]]), np.array([0.0, 1.0]))
    >>> loss, outputs = program.step(np.array([[1.0], [2.0]]), np.array([0.0, 1.0]), SGD(model.parameters(), lr=0.1))
    >>> outputs.shape
    (2,)
    """

    def __init__(self, model: Any, loss: Union[str, Callable], l2: float, opt_params: Sequence[Value],
                 X: np.ndarray, Y: np.ndarray) -> None:  # fmt: skip
        self.model, self.loss, self.l2 = model, loss, float(l2)
        model_params = list(model.parameters())
        known = {id(p) for p in model_params}
        self.opt_params = list(opt_params)
        self.params = model_params + [p for p in self.opt_params if id(p) not in known]
        self.all_in_optimizer = {id(p) for p in self.params} == {id(p) for p in self.opt_params}
        self.classes = 0
        if loss == "cross_entropy":
            self.classes = int(model.nouts[-1]) if hasattr(model, "nouts") else int(np.max(Y)) + 1
            Y = np.asarray(Y).astype(int)
        targets = self.encode(Y)
        n_targets = targets.shape[1]
        if callable(loss):
            term = _custom_term(loss)
        elif loss in SAMPLE_TERMS:
            term = SAMPLE_TERMS[loss]
        else:
            raise ReplayError(f"no replayable per-sample term for loss {loss!r}; choose one of {sorted(SAMPLE_TERMS)}")
        alpha = self.l2
        l2_params = self.opt_params

        def per_sample(x: List[Value], t: List[Value]) -> List[Value]:
            outputs = model(x)
            outputs = outputs if isinstance(outputs, list) else [outputs]
            loss_term = term(outputs, t)
            if not isinstance(loss_term, Value):
                raise ReplayError(f"the loss returned {loss_term!r:.60}, not a Value")
            roots = [loss_term]
            if alpha:
                # alpha * sum(p * p): parameter-only, so the replay runs it once per step
                roots.append(alpha * _sum(p * p for p in l2_params))
            return roots + outputs

        second = _distinct_row(X, targets)
        self.tape = trace(per_sample, X[0].tolist(), targets[0].tolist(), self.params,
                          probe2=X[second].tolist(), targets2=targets[second].tolist())  # fmt: skip
        if callable(loss):
            _check_mean(loss, model, X[[0, second]], Y[[0, second]])
        self.n_outputs = len(self.tape.outputs) - (2 if alpha else 1)

    def encode(self, Y: Any) -> np.ndarray:
        """Targets as one row of numbers per sample (class indices as one-hot rows)."""
        Y = np.asarray(Y)
        if self.classes:
            return np.eye(self.classes)[Y.astype(int).reshape(-1)]
        Y = Y.astype(float)
        return Y.reshape(len(Y), -1)

    def step(self, X: np.ndarray, Y: np.ndarray, optimizer: Any) -> Optional[Tuple[float, np.ndarray]]:
        """Forward, backward, update; None (nothing changed) if a number is not finite."""
        batch = len(X)
        results = self.tape.forward(X, self.encode(Y), self.params, keep=True)
        terms = results[0]
        data_loss = float(np.sum(terms)) * (1.0 / batch)
        total = data_loss + (float(results[1][0]) if self.l2 else 0.0)
        # the mean of the per-sample terms, and the penalty once (a root is summed over the batch)
        seeds = [1.0 / batch] + ([1.0 / batch] if self.l2 else []) + [0.0] * self.n_outputs
        grads = self.tape.backward(seeds)
        if not (math.isfinite(total) and np.all(np.isfinite(grads))):
            return None  # let the scalar engine redo this batch and say what went wrong
        # where zero_grad() then backward() put them: the optimizer's parameters get their
        # gradient, any other parameter (not zeroed by the optimizer) accumulates it
        if self.all_in_optimizer:
            for p, g in zip(self.params, grads.tolist()):
                p.grad = g  # (a plain loop: one attribute store per parameter is the floor here)
        else:
            optimizer.zero_grad()
            for p, g in zip(self.params, grads.tolist()):
                p.grad += g
        optimizer.step()
        outputs = results[len(results) - self.n_outputs :]
        scores = outputs[0] if self.n_outputs == 1 else np.stack(outputs, axis=1)
        return data_loss, scores


def _sum(values: Any) -> Value:
    total = None
    for v in values:
        total = v if total is None else total + v
    return total


def _custom_term(loss: Callable) -> Callable:
    """A custom loss's per-sample term: the loss of a batch of one sample."""

    def term(outputs: List[Value], targets: List[Value]) -> Value:
        result = loss([outputs[0] if len(outputs) == 1 else outputs], [targets[0] if len(targets) == 1 else targets])
        if not isinstance(result, Value):
            raise ReplayError(f"the loss function returned {result!r:.60}, not a Value")
        return result

    return term


def _check_mean(loss: Callable, model: Any, X: np.ndarray, Y: np.ndarray) -> None:
    """batched=True takes a custom loss to be the mean of its per-sample values: check it."""
    from .engine import no_grad

    with no_grad():
        outputs = [model(row) for row in X.tolist()]
        targets = Y.tolist()
        both = loss(outputs, targets)
        each = [loss([o], [t]) for o, t in zip(outputs, targets)]
    values = [v.data if isinstance(v, Value) else float(v) for v in [both, *each]]
    if not _close(values[0], (values[1] + values[2]) / 2):
        raise ReplayError(
            f"fit(..., batched=True) needs a loss that is the mean over samples of a per-sample loss; "
            f"this one gives {values[0]!r} for two samples whose own losses are {values[1]!r} and "
            f"{values[2]!r}. Divide the sum by the number of samples, or use batched=False"
        )


def fit_program(model: Any, loss: Union[str, Callable], l2: float, optimizer: Any,
                X: np.ndarray, Y: np.ndarray) -> FitProgram:  # fmt: skip
    """The cached `FitProgram` of (model, loss, L2 on/off, optimizer's parameters)."""
    params = model.parameters()
    key = ("fit", loss if isinstance(loss, str) else id(loss), float(l2), X.shape[1],
           tuple(map(id, optimizer.params)), _fingerprint(model, params))  # fmt: skip
    return _cached(model, key, lambda: FitProgram(model, loss, l2, optimizer.params, X, Y))
