"""Drawing computation graphs and networks with Graphviz.

`draw_dot` draws the graph behind a `Value`: a box per value (label, data,
grad), a circle per op, and on every edge parent -> op, in a small box sitting
on the edge itself, the local derivative d(child)/d(parent) (so at a ``*`` the
two numbers can never be mistaken for each other's). The picture states the
chain rule:

    grad(parent) = sum over its edges of grad(child) * number on the edge

`draw_mlp` (from `viz_network`) draws a network as layers of neurons. Both return a
`graphviz.Digraph` built as text: ``.source`` never needs the ``dot``
program; `render` and Jupyter's inline display do (see `find_dot`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Dict, Iterable, List, Optional, Tuple

import graphviz

from .colours import HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, NEGATIVE_RGB, NOT_FINITE_COLOUR, POSITIVE_RGB, ROLE_COLOURS, mix
from .dot_parts import Drawing, chain, check_rankdir, check_size, escape, header, legend, shorten, signed_colour
from ..engine import Value, topological_order
from .explain import node_names
from ..labels import layer_label, neuron_label, parse_parameter_label
from .viz_network import MAX_MLP_EDGES, draw_mlp

__all__ = [
    "Drawing", "draw_dot", "draw_mlp", "escape", "neurons", "MAX_NODES", "MAX_EDGES", "MAX_MLP_EDGES",
]  # fmt: skip

MAX_NODES = 2000  # value + op nodes; beyond this dot takes long and the picture is unreadable
# A collapsed MLP(2, [64, 64, 1]) has ~4300 edges and takes dot ~5 s; with [128, 128]
# (16773 edges) dot ran for minutes (draw_mlp's straight edges: see viz_network).
MAX_EDGES = 5000
# A collapsed graph is drawn much smaller than it is, but grouping its nodes into
# neurons takes time too: beyond this many times max_nodes values it is refused.
COLLAPSE_FACTOR = 50

_ACTIVATIONS = frozenset({"tanh", "relu", "sigmoid"})

# One colour scheme for every picture (see colours.py): signs blue and red, roles
# green, grey, white and lavender, "look here" amber under a black outline.
_LOCAL_BOX = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#999999",
              "fontsize": "11", "height": "0.2", "width": "0.3", "margin": "0.04,0.02"}  # fmt: skip
_ROLE_NAMES = {"parameter": "parameter", "input": "input", "intermediate": "computed", "output": "output"}


def _number(x: float) -> str:
    return f"{x:#.4g}"  # 4 significant digits, trailing zeros kept: 2.000, -0.5000


def _parameter_set(params: object) -> set:
    """`params` as a set of Values: one, a list of them, or a model (its ``parameters()``)."""
    if isinstance(params, Value):
        return {params}
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    try:
        found = list(params)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"params must be Values (e.g. model.parameters(), or [w1, b]) or a model, got "
            f"{type(params).__name__}"
        ) from None
    wrong = [type(p).__name__ for p in found if not isinstance(p, Value)]
    if wrong:
        raise TypeError(
            f"params must all be Values, got a {wrong[0]}; e.g. params=[w1, b] or params=model.parameters()"
        )
    return set(found)


def _role(node: Value, root: Value, params: set) -> str:
    if node is root:
        return "output"
    if node.parents:
        return "intermediate"
    if node in params or parse_parameter_label(node.label):
        return "parameter"
    return "input"


def neurons(order: List[Value]) -> Dict[Value, Tuple[int, int]]:
    """Which neuron (layer, neuron), counted from 1, each node belongs to, read from nn's labels.

    A neuron owns its parameters ("L1.N4.w2", "L1.N4.b"), every node computed
    from them until one has summed all of them (the pre-activation), and then
    the activation (tanh, relu, sigmoid) applied to that. When a node mixes
    neurons, the deepest layer wins: ``w * h`` belongs to the neuron of ``w``,
    not of the previous layer's output ``h``.

    >>> from micrograd_mlp.nn import MLP
    >>> model = MLP(2, [1], activation="tanh", output_activation="tanh", seed=0)
    >>> out = model([1.0, 2.0])
    >>> owner = neurons(topological_order(out * 3))   # the * 3 is after the network
    >>> sorted(node.op or node.label for node in owner)   # 2 weights, b, 2 *, 2 +, tanh
    ['*', '*', '+', '+', 'L1.N1.b', 'L1.N1.w1', 'L1.N1.w2', 'tanh']
    >>> set(owner.values())
    {(1, 1)}
    """
    owner: Dict[Value, Tuple[int, int]] = {}
    summed: Dict[Value, frozenset] = {}  # parameters of its neuron a node depends on
    for node in order:
        parsed = parse_parameter_label(node.label)
        if parsed and not node.parents:
            owner[node] = (parsed.layer, parsed.neuron)
            summed[node] = frozenset([node])
    sizes = Counter(owner.values())
    for node in order:
        if not node.parents or node in owner:
            continue
        reached: Dict[Tuple[int, int], frozenset] = {}
        for parent in node.parents:
            key = owner.get(parent)
            if key is None:
                continue
            complete = len(summed[parent]) == sizes[key]
            # A finished neuron passes itself on only to its activation.
            if complete and (parent.op in _ACTIVATIONS or node.op not in _ACTIVATIONS):
                continue
            reached[key] = reached.get(key, frozenset()) | summed[parent]
        if not reached:
            continue
        deepest = max(layer for layer, _ in reached)
        keys = [key for key in reached if key[0] == deepest]
        if len(keys) == 1:  # two neurons of one layer meet only after the network (a loss)
            owner[node] = keys[0]
            summed[node] = reached[keys[0]]
    return owner


def _neuron_outputs(order: List[Value], owner: Dict[Value, Tuple[int, int]]) -> Dict[tuple, Value]:
    outputs: Dict[tuple, Value] = {}
    for node in order:  # the last node of each neuron in order is its output
        if node in owner:
            outputs[owner[node]] = node
    return outputs


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    *,
    color: Optional[str] = "role",
    params: Iterable[Value] = (),
    cluster: bool = True,
    collapse: bool = False,
    highlight: Optional[Value] = None,
    room_for_steps: bool = False,
    title: str = "",
    max_nodes: int = MAX_NODES,
    max_edges: int = MAX_EDGES,
) -> Drawing:
    """Draw the graph that computed `root`, with data, grads and local derivatives.

    Args:
        rankdir: "LR" (left to right, as micrograd) or "TB" (top to bottom).
        show_grad: also write each node's ``.grad``.
        color: "role" fills parameters green, other leaves (inputs,
            constants) grey, the root lavender; "grad" fills by the sign of the
            gradient (blue > 0, red < 0, as signs are in every picture),
            stronger for larger |grad|; None leaves everything white. A legend
            under the drawing says which is which.
        params: the Values to draw as parameters, whatever their labels:
            ``params=[w1, b]`` (or one Value), ``params=model.parameters()`` or the model
            itself (leaves labelled the way `micrograd_mlp.nn` labels
            weights, "L1.N4.w2", always are).
        cluster: box the nodes of each neuron and layer of an nn MLP (in
            the collapsed view, a header over each layer instead: inside boxes
            dot and graphviz-pure would reorder the neurons).
        collapse: draw each neuron of an nn MLP as one node (its output),
            each layer's neurons in index order, top to bottom.
        highlight: a node to outline, with the contribution upstream * local
            derivative written on the edges to its parents (used by the
            backward stepper's frames).
        room_for_steps: give every local derivative's box a blank second
            line, where a page stepping through backward writes "+= ...".
        title: a caption drawn under the graph, below the legend (every
            drawing has one: what the colours and edge numbers mean).
        max_nodes, max_edges: refuse larger graphs (dot would take long to
            lay them out; a collapsed wide MLP has few nodes but many edges).

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> c.backward()
    >>> graph = draw_dot(c)
    >>> graph.source.count("->")   # a -> box -> *, b -> box -> *, * -> c (a box: the local derivative)
    5
    >>> "data 2.000<BR/>grad -3.000" in graph.source  # a: dc/da = b = -3
    True
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_dot needs the Value to draw the graph of, got {type(root).__name__}; "
            "for a list of outputs draw their sum or each one, for a model use draw_mlp(model)"
        )
    check_rankdir(rankdir)
    if color not in ("role", "grad", None):
        raise ValueError(f'color must be "role", "grad" or None, got {color!r}')
    # Count first, with a walk that stops at the limit: a huge graph is refused
    # in milliseconds, before naming and grouping its nodes takes seconds. Without
    # collapse every value is drawn, so more values than max_nodes is too many;
    # a collapsed graph may shrink a lot, but not from beyond COLLAPSE_FACTOR times.
    walk_limit = max_nodes * (COLLAPSE_FACTOR if collapse else 1)
    if _count_values(root, walk_limit) > walk_limit:
        limit_name = f"{COLLAPSE_FACTOR} * max_nodes" if collapse else "max_nodes"
        raise ValueError(
            f"this graph has more than {walk_limit} values, more than {limit_name}={walk_limit}; "
            "dot would take very long to lay it out and nobody could read it. "
            + ("" if collapse else "Draw it with draw_dot(root, collapse=True) (one node per neuron), ")
            + "draw a smaller graph (one sample, one neuron), draw the network with "
            "draw_mlp(model), or pass a larger max_nodes."
        )
    param_set = _parameter_set(params)
    order = topological_order(root)
    names = node_names(order)
    owner = neurons(order) if (cluster or collapse) else {}
    outputs = _neuron_outputs(order, owner)
    # In the collapsed view a neuron is drawn as its output node; edges to
    # any other node of the neuron go to that node instead.
    shown_as = {node: outputs[owner[node]] if collapse and node in owner else node for node in order}
    shown = [node for node in order if shown_as[node] is node]
    whole_neurons = {node for node in shown if collapse and node in owner}
    ops = sum(1 for node in shown if node.parents and node not in whole_neurons)
    count = len(shown) + ops
    check_size(count, "nodes (values and ops)", max_nodes, "max_nodes", (
        "Draw it with draw_dot(root, collapse=True) (one node per neuron), draw the network "
        "with draw_mlp(model), build the model with fused neurons"
    ))  # fmt: skip
    incoming = _incoming(order, owner, shown_as, whole_neurons)
    edge_count = ops + sum(len(edges) for edges in incoming.values())
    check_size(edge_count, "edges", max_edges, "max_edges", (
        "Draw the network with draw_mlp(model) (straight edges, laid out faster), draw a smaller network"
    ))  # fmt: skip
    ids = {node: f"n{i}" for i, node in enumerate(shown)}
    largest_grad = max((abs(n.grad) for n in shown if math.isfinite(n.grad)), default=0.0)

    def add_value(graph: graphviz.Digraph, node: Value) -> None:
        if color == "grad":
            fill = signed_colour(node.grad, largest_grad, strongest=0.6)  # pale: text stays legible
        else:
            fill = ROLE_COLOURS[_role(node, root, param_set)] if color == "role" else "#ffffff"
        style = {"fillcolor": fill, "shape": "box", "style": "rounded,filled"}
        if node is highlight:
            style.update(fillcolor=HIGHLIGHT_COLOUR, color=HIGHLIGHT_OUTLINE, penwidth="3")
        neuron = owner[node] if node in whole_neurons else None
        graph.node(ids[node], label=_box_label(node, names[node], neuron, show_grad), **style)
        if node.parents and neuron is None:
            graph.node(ids[node] + "op", label=f"<{escape(shorten(node.op, 40))}>", shape="circle", margin="0.02")
            graph.edge(ids[node] + "op", ids[node])

    graph = Drawing(
        graph_attr={"rankdir": rankdir, "newrank": "true", "outputorder": "edgesfirst"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10"},
    )
    if collapse:
        # Layer to layer, every neuron meets every neuron: curved splines through
        # the layer boxes loop far around the picture; straight lines stay readable.
        graph.attr(splines="line", ranksep="1.2")
    if color == "grad":
        swatches = [(mix(POSITIVE_RGB, 0.6), "grad > 0"), (mix(NEGATIVE_RGB, 0.6), "grad < 0"),
                    (NOT_FINITE_COLOUR, "not finite")]  # fmt: skip
    elif color == "role":
        used = {_role(node, root, param_set) for node in shown}
        swatches = [(ROLE_COLOURS[role], _ROLE_NAMES[role]) for role in ROLE_COLOURS if role in used]
    else:
        swatches = []
    note = "box: data, grad" if show_grad else "box: data"
    note += "; number on an edge: local derivative d(child)/d(parent)"
    if highlight is not None:
        swatches.append((HIGHLIGHT_COLOUR, "visiting now", HIGHLIGHT_OUTLINE))
        note += "; += what it adds to the parent's grad"
    graph.attr(label=legend(swatches, note, shorten(title) if title else title), labelloc="b", labeljust="l",
               fontname="Helvetica", fontsize="11")  # fmt: skip
    _place_nodes(graph, shown, owner if cluster else {}, collapse, add_value)
    if collapse:
        _keep_in_order(graph, ids, order, owner, whole_neurons, incoming, cluster)
    for node in shown:
        target = ids[node] if node in whole_neurons else ids[node] + "op"
        for k, (source, local_grad) in enumerate(incoming[node]):
            if local_grad is None:  # into a collapsed neuron: many paths, no single number
                graph.edge(ids[source], target)
                continue
            # The local derivative in a small box ON the edge (node "n3e0": edge 0 into n3),
            # not an edge label, which dot and graphviz-pure put beside the line, where two
            # edges meeting at one op leave it unclear which number is whose.
            box = f"{ids[node]}e{k}"
            rows = [_number(local_grad)]
            line: Dict[str, str] = {}
            style = dict(_LOCAL_BOX)
            if node is highlight:
                # At a backward step, node.grad is the upstream dL/dnode.
                rows.append(f"<B>+= {_number(node.grad * local_grad)}</B>")
                style.update(fillcolor=HIGHLIGHT_COLOUR, color=HIGHLIGHT_OUTLINE, penwidth="2")
                line = {"color": HIGHLIGHT_OUTLINE, "penwidth": "2.5"}
            elif room_for_steps:
                rows.append("&#160;" * 18)  # a blank line, wide enough for the lab's "+= -0.1234"
            graph.node(box, label="<" + "<BR/>".join(rows) + ">", **style)
            graph.edge(ids[source], box, arrowhead="none", **line)
            graph.edge(box, target, **line)
    return graph


def _count_values(root: Value, limit: int) -> int:
    """The number of value nodes behind `root`, counting no further than limit + 1."""
    seen = {root}
    stack = [root]
    while stack and len(seen) <= limit:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def _box_label(node: Value, name: str, neuron: Optional[Tuple[int, int]], show_grad: bool) -> str:
    """The HTML-like label of a value's box: its name, data and grad."""
    if neuron is not None:  # a collapsed neuron, drawn as its output
        activation = node.op if node.op in _ACTIVATIONS else "linear"
        rows = [f"<B>{neuron_label(*neuron)}</B> {activation}"]
    elif node.label:
        rows = [f"<B>{escape(shorten(name))}</B>"]
    elif node.parents:
        rows = [f'<FONT COLOR="#777777">{escape(shorten(name))}</FONT>']  # a generated name, in grey
    else:
        rows = []  # an unlabelled constant: its data says it all
    rows.append(f"data {_number(node.data)}")
    if show_grad:
        rows.append(f"grad {_number(node.grad)}")
    return "<" + "<BR/>".join(rows) + ">"


def _place_nodes(graph, shown, owner, collapse, add_value) -> None:
    """Add every node, each neuron's in a box inside its layer's box.

    Collapsed neurons are single nodes, so they get only the layer boxes.
    """
    by_layer: Dict[int, Dict[int, List[Value]]] = {}
    for node in shown:
        if node in owner:
            layer, index = owner[node]
            by_layer.setdefault(layer, {}).setdefault(index, []).append(node)
        else:
            add_value(graph, node)
    if collapse:  # one node per neuron: no boxes (see _keep_in_order), headers instead
        for layer in sorted(by_layer):
            for index, members in sorted(by_layer[layer].items()):
                for node in members:
                    add_value(graph, node)
        return
    for layer in sorted(by_layer):
        with graph.subgraph(name=f"cluster_{layer_label(layer)}") as layer_box:
            layer_box.attr(label=f"layer {layer}", style="dashed", color="#999999")
            for index, members in sorted(by_layer[layer].items()):
                name = neuron_label(layer, index)
                with layer_box.subgraph(name=f"cluster_{name}") as neuron_box:
                    neuron_box.attr(label=name, style="rounded", color="#bbbbbb")
                    for node in members:
                        add_value(neuron_box, node)


def _keep_in_order(graph, ids, order, owner, whole_neurons, incoming, cluster) -> None:
    """Collapsed view: each layer's neurons in index order, under a header when clustered."""
    by_layer: Dict[int, Dict[int, str]] = {}
    for node in whole_neurons:
        layer, index = owner[node]
        by_layer.setdefault(layer, {})[index] = ids[node]
    for layer, members in sorted(by_layer.items()):
        column = [members[index] for index in sorted(members)]
        if cluster:
            title_node = f"header_{layer_label(layer)}"
            header(graph, title_node, f"layer {layer}")
            column.insert(0, title_node)
        chain(graph, column)
    if by_layer:  # the inputs of the first layer's first neuron, in order (x1, x2, ...)
        first_key = (min(by_layer), min(by_layer[min(by_layer)]))
        first = next(node for node in whole_neurons if owner[node] == first_key)
        sources = [source for source, _ in incoming[first]]
        if sources and all(not source.parents for source in sources):
            sources.sort(key=lambda source: _natural(source.label))  # x1, x2, ..., x10
            chain(graph, [ids[source] for source in sources])


def _natural(text: str) -> list:
    """Sort key that puts "x2" before "x10"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _incoming(order, owner, shown_as, whole_neurons) -> Dict[Value, List[Tuple[Value, Optional[float]]]]:
    """The edges drawn into each shown node (its op): (source node, local derivative or None)."""
    edges: Dict[Value, List[Tuple[Value, Optional[float]]]] = {}
    # A collapsed neuron gets one unlabelled edge per outside node any of its members reads.
    outside: Dict[tuple, Dict[Value, None]] = {}  # a dict keeps first-seen order, unlike a set
    for node in order:
        if node in whole_neurons or shown_as[node] is not node:
            key = owner[node]
            for parent in node.parents:
                if owner.get(parent) != key:
                    outside.setdefault(key, {})[shown_as[parent]] = None
        else:
            edges[node] = [(shown_as[p], g) for p, g in zip(node.parents, node.local_grads)]
    for node in whole_neurons:
        edges[node] = [(source, None) for source in outside.get(owner[node], {})]
    return edges

