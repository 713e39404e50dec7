"""Stage 1, recording: run the function once on placeholder Values and write its graph down.

`record` calls the traced function on fresh leaves (one per input, one per
target) under the engine's `recording`, which reports every op node as it is
made, with its operands (for ``dot``: how it paired weights and inputs).
`compile_nodes` then writes the graph below the results as a list of `Node`s
in topological order: tape indices instead of
Values, each leaf labelled with its kind (parameter, input, target or
constant). `signature` turns that list into plain data, so two recordings of
the same program can be compared.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .. import engine
from ..engine import Value
from ..labels import input_label
from ..ops import TABLE
from .watching import Watch

__all__ = ["ReplayError", "Node", "LEAF_KINDS", "Recording", "record", "graph_order",
           "compile_nodes", "operands", "signature"]  # fmt: skip


class ReplayError(ValueError):
    """A function that cannot be replayed over a batch, with the reason and the fix.

    >>> from micrograd_mlp.batched import trace
    >>> try:
    ...     trace(lambda x, t: x[0] if x[0].data > 0 else -x[0], [1.0])
    ... except ReplayError as err:
    ...     print(str(err)[:67])
    the traced function reads the number of a Value that depends on the
    """


LEAF_KINDS = ("param", "input", "target", "const")


class Node:
    """One node of the recorded program (tape indices, not Values)."""

    __slots__ = ("op", "parents", "space", "value", "index", "exponent", "pairs", "singles", "level", "row")

    def __init__(self, op: str, parents: Sequence[int] = (), value: float = 0.0, index: int = 0) -> None:
        self.op = op
        self.parents = parents if type(parents) in (list, tuple) else list(parents)
        self.space = "S"  # "S": shared by the batch (one number), "B": one number per sample
        self.value = value  # a constant's number
        self.index = index  # which parameter / input / target
        self.exponent = 0.0  # for "**<n>"
        # (shared empty tuples until a dot or a sum sets its own lists: two fewer lists to make
        # and free per node, and a big network records one node per scalar op)
        self.pairs: Sequence[Tuple[int, int]] = ()  # dot: (a, b) multiplied
        self.singles: Sequence[int] = ()  # dot: bias; sum: the terms
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


class Recording:
    """One run of the traced function: its roots, placeholders, every op node made (with its
    operands, in the order made) and what the watch saw."""

    __slots__ = ("roots", "x", "t", "made", "watch")

    def __init__(self, roots: List[Value], x: List[Value], t: List[Value], made: list, watch: Watch) -> None:
        self.roots, self.x, self.t, self.made, self.watch = roots, x, t, made, watch


def record(function: Callable, inputs: Sequence[float], targets: Sequence[float],
           state: Optional[Dict[str, Any]] = None, watch_reads: bool = True) -> Recording:  # fmt: skip
    """Run `function` on fresh placeholder leaves, under the engine's `recording` and a `Watch`.

    The engine tells us every op node it makes, with its operands as given
    (for ``dot``: the exact pairing of weights and inputs, numbers included),
    in the order it makes them: an order in which every node comes after the
    nodes it reads. ``state`` names what the function's behaviour may depend on
    (the model, the loss), for the watch to see changes in.
    """
    x = [Value(v, label=input_label(i)) for i, v in enumerate(inputs, start=1)]
    t = [Value(v, label=f"t{i}") for i, v in enumerate(targets, start=1)]  # targets t1, t2, ... as inputs
    made: list = []
    try:
        with engine.recording(lambda node, operands: made.append((node, operands))):
            with Watch({"the traced function": function, **(state or {})}, reads=watch_reads) as watch:
                result = function(x, t)
    except ReplayError:
        raise
    except (TypeError, AttributeError) as err:
        raise ReplayError(
            f"could not trace the function on placeholder Values: {type(err).__name__}: {err}. "
            "A replayed function must compute with Value ops only (no comparisons or if on Values)"
        ) from err
    return Recording(_as_values(result), x, t, made, watch)


def graph_order(roots: Sequence[Value]) -> List[Value]:
    """Every node below ``roots``, each after its parents: one walk for all roots (no recursion)."""
    order: List[Value] = []
    placed: set = set()
    for root in roots:
        if id(root) in placed:
            continue
        stack = [(root, False)]
        while stack:
            node, parents_done = stack.pop()
            key = id(node)
            if parents_done:
                if key not in placed:
                    placed.add(key)
                    order.append(node)
                continue
            if key in placed:
                continue
            stack.append((node, True))
            for parent in node.parents:
                if id(parent) not in placed:
                    stack.append((parent, False))
    return order


def compile_nodes(recording: Recording, params: Sequence[Value]) -> tuple:
    """The recorded graph below the roots as a list of `Node`s in topological order.

    Nodes come in the order the engine made them (a node no root depends on is
    replayed too: cheaper than a walk to find it, and harmless). A node made before the recording (e.g. a parameter-only value
    computed outside the function) is walked to its leaves with `graph_order`.
    """
    roots = recording.roots
    param_index = {id(p): i for i, p in enumerate(params)}
    input_index = {id(v): i for i, v in enumerate(recording.x)}
    target_index = {id(v): i for i, v in enumerate(recording.t)}
    position: Dict[int, int] = {}
    nodes: List[Node] = []
    constants: Dict[float, int] = {}

    def constant(number: float) -> int:
        key = float(number)
        if key not in constants or math.copysign(1.0, key) != math.copysign(1.0, nodes[constants[key]].value):
            constants[key] = len(nodes)
            nodes.append(Node("const", value=key))
        return constants[key]

    def ref(v: Any) -> int:
        if not isinstance(v, Value):
            return constant(engine.to_float(v))
        found = position.get(id(v))
        if found is not None:
            return found
        if v.is_leaf():
            return leaf(v)
        # an op node the recording did not make: a subgraph made before it
        for value in graph_order([v]):
            if id(value) not in position:
                if value.is_leaf():
                    leaf(value)
                else:
                    add(value, value.parents, value.operation, from_parents=True)
        return position[id(v)]

    def leaf(value: Value) -> int:
        key = id(value)
        if key in param_index:
            node = Node("param", index=param_index[key])
        elif key in input_index:
            node = Node("input", index=input_index[key])
        elif key in target_index:
            node = Node("target", index=target_index[key])
        else:
            node = Node("const", value=value.data)
        position[key] = len(nodes)
        nodes.append(node)
        return position[key]

    def add(value: Value, operands: tuple, op: Any, from_parents: bool = False) -> None:
        kind = op.kind
        if op.value is None or kind not in TABLE:
            raise ReplayError(
                f"cannot replay the op {op.name!r} (node {value!r}); a replay knows the ops of the table: "
                f"{', '.join(TABLE)}"
            )
        if kind == "dot":
            if from_parents:
                # The pairing of a dot node comes from the engine (it reports the operands while we
                # record), never guessed from parents and local_grads: dot([w1, 3.0], [2.0, x2]) and
                # dot([w1], [x2]) can have the same parents and local derivatives, yet differ.
                raise ReplayError(
                    "a dot node was made outside the traced function, so its pairing of weights "
                    "and inputs is unknown; build every dot inside the function you trace"
                )
            weights, inputs, bias = operands
            node = Node("dot")
            node.pairs = [(ref(w), ref(i)) for w, i in zip(weights, inputs)]
            if isinstance(bias, Value) or engine.to_float(bias) != 0.0:
                node.singles = [ref(bias)]
        elif kind == "max":
            node = Node("max", [ref(v) for v in (operands if from_parents else operands[0])])
        else:
            node = Node(kind, [ref(v) for v in operands])
            if kind == "**n":
                node.exponent = op.constants[0]
        position[id(value)] = len(nodes)
        nodes.append(node)

    # the leaves we know, first (a parameter no op reads is harmless: its row is its index; a
    # parameter listed twice, tied weights, is read from its last place, as param_index says)
    for kind, values in (("param", params), ("input", recording.x), ("target", recording.t)):
        for i, value in enumerate(values):
            position[id(value)] = len(nodes)
            nodes.append(Node(kind, index=i))
    get = position.get
    for value, operands in recording.made:
        op = value.operation
        if op.arity == 2 and op.value is not None:  # (the common case, inlined: a binary op of two Values)
            a, b = operands
            first, second = get(id(a)), get(id(b))
            node = Node(op.kind, [ref(a) if first is None else first, ref(b) if second is None else second])
            position[id(value)] = len(nodes)
            nodes.append(node)
        else:
            add(value, operands, op)
    outputs = [ref(r) for r in roots]
    return nodes, outputs


def operands(node: Node) -> List[int]:
    """Every node this one reads."""
    if node.op == "dot":
        return [i for pair in node.pairs for i in pair] + list(node.singles)
    return node.parents


def signature(nodes: List[Node], outputs: List[int]) -> tuple:
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

