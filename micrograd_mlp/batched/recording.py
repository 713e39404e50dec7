"""Stage 1, recording: run the function once on placeholder Values and write its graph down.

`record` calls the traced function on fresh leaves (one per input, one per
target) with gradients on, and learns from the engine how every ``dot`` node
paired its weights and inputs. `compile_nodes` then writes the graph below the
results as a list of `Node`s in topological order: tape indices instead of
Values, each leaf labelled with its kind (parameter, input, target or
constant). `signature` turns that list into plain data, so two recordings of
the same program can be compared.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .. import engine
from ..engine import Value, topological_order

__all__ = ["ReplayError", "Node", "LEAF_KINDS", "UNARY_OPS", "BINARY_OPS", "record", "compile_nodes",
           "operands", "signature"]  # fmt: skip


class ReplayError(ValueError):
    """A function that cannot be replayed over a batch, with the reason and the fix.

    >>> from micrograd_mlp.batched import trace
    >>> try:
    ...     trace(lambda x, t: x[0] if x[0].data > 0 else -x[0], [1.0], probe2=[-1.0])
    ... except ReplayError as err:
    ...     print(str(err)[:40])
    the function runs a different program on
    """


UNARY_OPS = ("neg", "relu", "tanh", "sigmoid", "exp", "log", "softplus")
BINARY_OPS = ("+", "-", "*", "/", "**")
LEAF_KINDS = ("param", "input", "target", "const")


class Node:
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


def record(function: Callable, inputs: Sequence[float], targets: Sequence[float]) -> tuple:
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


def compile_nodes(roots: List[Value], params: Sequence[Value], x: list, t: list, dots: dict) -> tuple:
    """The graph below `roots` as a list of `Node`s in topological order."""
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
    nodes: List[Node] = []
    constants: Dict[float, int] = {}

    def constant(number: float) -> int:
        key = float(number)
        if key not in constants or math.copysign(1.0, key) != math.copysign(1.0, nodes[constants[key]].value):
            constants[key] = len(nodes)
            nodes.append(Node("const", value=key))
        return constants[key]

    def ref(v: Any) -> int:
        return position[id(v)] if isinstance(v, Value) else constant(engine._to_float(v))

    for value in order:
        key = id(value)
        parents = value.parents
        if not parents:
            if key in param_index:
                node = Node("param", index=param_index[key])
            elif key in input_index:
                node = Node("input", index=input_index[key])
            elif key in target_index:
                node = Node("target", index=target_index[key])
            else:
                node = Node("const", value=value.data)
        else:
            op = value.op
            node = Node(op, [position[id(p)] for p in parents])
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
            elif op not in UNARY_OPS and op not in BINARY_OPS and op != "max":
                raise ReplayError(
                    f"cannot replay the op {op!r} (node {value!r}); a replay knows the engine's ops: "
                    f"{', '.join(BINARY_OPS + UNARY_OPS)}, **<number>, dot, max"
                )
        position[key] = len(nodes)
        nodes.append(node)
    outputs = [position[id(r)] for r in roots]
    return nodes, outputs



def operands(node: Node) -> List[int]:
    """Every node this one reads."""
    if node.op == "dot":
        return [i for pair in node.pairs for i in pair] + node.singles
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

