"""The lab's graph: every node and edge of an expression, its backward pass step by step.

Everything here drives the library; nothing re-derives a gradient: the graph
of a typed expression (`parse_expression`) with data, grad and the local
derivative on every edge, the backward pass one node at a time
(`backward_steps`) with its arithmetic in words, and `explain(node, root)`.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List

from ....engine import Value, topological_order
from ....teaching import practice
from ....teaching.explain import backward_steps, explain, local_derivative, node_names, number
from ....teaching.expression import expression_names, parse_expression
from . import drawing

__all__ = ["graph_payload", "expression_payload", "name_values", "json_safe", "REST_OP", "DEFAULT_VALUE"]

DEFAULT_VALUE = 1.0  # a name typed without a value yet starts here
REST_OP = "rest"  # op of the node that stands for the rest of the network (inside_payload)


def _kind(node: Value, root: Value) -> str:
    if node is root:
        return "output"
    if node.parents:
        return "op"
    return "name" if node.label else "constant"


def _rule(node: Value, names: Dict[Value, str]) -> str:
    if node.op == REST_OP:
        return "the rest of the network and the loss, as one node: its local derivative is dloss/d(this neuron)"
    return practice.local_rule(node, names)


def _words(step, names: Dict[Value, str], root_name: str) -> str:
    """A backward step's arithmetic in sentences (the step's text says it in symbols)."""
    if step.index == 0:
        return (f"Start: every grad is set to 0, then d{root_name}/d{root_name} = 1, "
                f"so {root_name}.grad is 1.0.")  # fmt: skip
    node = step.node
    sentences = [f"At {step.name} ({node.op}) the upstream grad d{root_name}/d{step.name} is "
                 f"{number(step.upstream)}; it is final, because every node that uses "
                 f"{step.name} came after it in the forward pass and was visited already."]  # fmt: skip
    for k, update in enumerate(step.updates):
        # its formula in the graph's names too ("dmul1/dx1 = w1 = -3.0"), as explain writes it
        local = local_derivative(node, k, names)
        shown = f"{local.formula} = " if node.op != REST_OP and not local.is_number else ""
        sentences.append(
            f"The local derivative d{step.name}/d{update.name} = {shown}{number(update.local_grad)}, so "
            f"{update.name}.grad grows by {number(step.upstream)} × {number(update.local_grad)} = "
            f"{number(update.contribution)}, from {number(update.grad_before)} to {number(update.grad_after)}."
        )
    return " ".join(sentences)


def graph_payload(root: Value, show_grad: bool = True, draw: bool = True, defer_drawing: bool = False) -> Dict[str, Any]:
    """The JSON the lab page draws and steps: nodes, edges, backward steps, SVG.

    Node ids are ``n0, n1, ...`` in topological order, the ids `draw_dot`
    gives the same nodes, so the page finds each node and edge in the SVG.
    With ``show_grad`` the backward pass is run (``.grad`` is filled, as
    ``root.backward()`` would) and every step is listed with the grads after
    it; without, nothing about the gradients is sent (practice). With
    ``defer_drawing`` the DOT text is left in ``"dot"`` for `drawing.finish`
    to lay out later, outside the engine lock.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> graph = graph_payload(a * b + a, draw=False)
    >>> [(node["name"], node["grad"]) for node in graph["nodes"]]
    [('a', -2.0), ('b', 2.0), ('mul1', 1.0), ('add1', 1.0)]
    >>> graph["steps"][2]["text"].splitlines()[1]
    '  a.grad += 1.0 * -3.0 = -3.0  (1.0 -> -2.0)'
    """
    order = topological_order(root)
    names = node_names(order)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    edges: List[Dict[str, Any]] = []
    edge_ids: Dict[Value, List[str]] = {}
    for child in order:
        for parent, local_grad in zip(child.parents, child.local_grads):
            edge_id = f"e{len(edges)}"
            edges.append({"id": edge_id, "parent": ids[parent], "child": ids[child], "local_grad": local_grad})
            edge_ids.setdefault(child, []).append(edge_id)
    steps: List[Dict[str, Any]] = []
    if show_grad:
        for node in order:  # start from zero, as a fresh backward() does for the leaves too
            node.grad = 0.0
        for step in backward_steps(root):
            steps.append({
                "index": step.index,
                "node": ids[step.node],
                "name": step.name,
                "upstream": step.upstream,
                "text": str(step),
                "words": _words(step, names, names[root]),
                "updates": [
                    {"edge": edge_id, "parent": ids[update.parent], "name": update.name,
                     "local_grad": update.local_grad, "contribution": update.contribution,
                     "grad_before": update.grad_before, "grad_after": update.grad_after}
                    for edge_id, update in zip(edge_ids.get(step.node, []), step.updates)
                ],
                "grads": [node.grad for node in order],
            })  # fmt: skip
    nodes = []
    for node in order:
        entry = {"id": ids[node], "name": names[node], "label": node.label, "op": node.op,
                 "kind": _kind(node, root), "data": node.data, "rule": _rule(node, names)}  # fmt: skip
        if show_grad:
            entry["grad"] = node.grad
            entry["explain"] = explain(node, root)
        nodes.append(entry)
    graph = json_safe({"root": ids[root], "root_name": names[root], "nodes": nodes, "edges": edges, "steps": steps})
    if draw:
        drawing.attach_source(graph, root, show_grad)
    return graph if defer_drawing else drawing.finish(graph)


def json_safe(value: Any) -> Any:
    """Infinite and NaN numbers as the text "inf", "-inf", "nan": JSON has no such numbers.

    They happen: sqrt(x) = x ** 0.5 at x = 0 has an infinite local derivative,
    and a model that diverged has NaN weights.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


def name_values(text: str, values: Dict[str, float]) -> Dict[str, float]:
    """A value for every name of `text`: the given one, else `DEFAULT_VALUE`."""
    return {name: values.get(name, DEFAULT_VALUE) for name in expression_names(text)}


def expression_payload(text: str, values: Dict[str, float], draw: bool = True,
                       defer_drawing: bool = False) -> Dict[str, Any]:  # fmt: skip
    """Parse, backpropagate and describe an expression for the page.

    Names without a value start at `DEFAULT_VALUE`. Raises `ExpressionError`.

    >>> payload = expression_payload("a*b + c", {"a": 2, "b": -3}, draw=False)
    >>> payload["values"], payload["graph"]["root_name"]
    ({'a': 2, 'b': -3, 'c': 1.0}, 'out')
    """
    named = name_values(text, values)
    root = parse_expression(text, **named)
    if not root.label:
        root.label = "out"  # "dout/da" reads better than "dadd1/da"
    return {"expression": text, "values": named, "names": list(named),
            "graph": graph_payload(root, draw=draw, defer_drawing=defer_drawing)}  # fmt: skip
