"""Drawing a network as layers of neurons with Graphviz.

`draw_mlp` draws inputs, neurons and weights: a column per layer, an edge per
weight sized and coloured by the weight (or its gradient), each neuron's bias
inside its circle. (`viz` draws the graph of Values behind one number.)
"""

from __future__ import annotations

import math

from .colours import NEGATIVE_COLOUR, POSITIVE_COLOUR, ROLE_COLOURS
from .dot_parts import Drawing, chain, check_rankdir, check_size, header, legend, shorten, signed_colour
from ..labels import input_label, layer_label, neuron_label
from ..nn import MLP

__all__ = ["draw_mlp", "MAX_MLP_EDGES", "MLP_COLUMN"]

# A collapsed MLP(2, [128, 128, 1]) graph took dot minutes; draw_mlp's plain
# straight edges lay out faster: 16768 in 7 s, 32940 in 29 s.
MAX_MLP_EDGES = 20000
MLP_COLUMN = 8  # more neurons than this in a layer, and layers become rows (see draw_mlp)


def draw_mlp(
    model: MLP, show_grad: bool = False, rankdir: str = "auto", title: str = "", max_edges: int = MAX_MLP_EDGES
) -> Drawing:
    """Draw a network as layers of neurons, edges sized and coloured by weight.

    Edge width grows with |weight| (or |weight.grad| with ``show_grad``),
    blue for positive, red for negative; each neuron shows its bias (or its
    gradient). Columns keep their order top to bottom (x1 above x2, N1 above
    N2) under a header naming the layer (counted from 1, as in every label)
    and its activation; the output layer's neurons are lavender, as outputs are
    in every drawing; and a legend
    under the picture says what colours and widths mean. Works with `micrograd_mlp.nn.MLP`
    or anything with ``.layers``, ``layer.neurons``, ``neuron.w``, ``neuron.b``.
    A network with more than ``max_edges`` weights is refused (dot would take long).
    ``rankdir="auto"`` lays it out left to right when every column has at most
    `MLP_COLUMN` neurons, else top to bottom (layers as rows), so a wide network
    fits a 16:9 projector instead of making a picture three times taller than wide.

    >>> graph = draw_mlp(MLP(2, [3, 1], seed=0))
    >>> graph.source.count("arrowhead=none")            # an edge per weight: 2 * 3 + 3 * 1
    9
    """
    if rankdir != "auto":
        check_rankdir(rankdir)
    layers = list(getattr(model, "layers", ()))
    if not layers or not all(getattr(layer, "neurons", None) for layer in layers):
        raise TypeError(
            f"draw_mlp needs a model with .layers of .neurons (an MLP), got {type(model).__name__}; "
            "to draw the graph of a Value use draw_dot(value)"
        )
    nin = len(layers[0].neurons[0].w)
    pick = (lambda w: w.grad) if show_grad else (lambda w: w.data)
    values = [pick(w) for layer in layers for neuron in layer.neurons for w in neuron.w]
    check_size(len(values), "edges (weights)", max_edges, "max_edges", "Draw a smaller network")
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)

    # Wider gaps between columns for taller ones, so the picture is not a thin strip.
    tallest = max(nin, *(len(layer.neurons) for layer in layers))
    if rankdir == "auto":
        rankdir = "LR" if tallest <= MLP_COLUMN else "TB"
    # Left to right, wider gaps between taller columns; top to bottom, rows a fixed gap apart.
    ranksep = max(1.4, 0.16 * tallest) if rankdir in ("LR", "RL") else 1.2
    graph = Drawing(
        graph_attr={"rankdir": rankdir, "ranksep": f"{ranksep:.2f}", "nodesep": "0.25",
                    "splines": "line", "outputorder": "edgesfirst"},  # fmt: skip
        # Circles grow to fit their text (fixedsize would let long numbers spill out
        # and make dot warn "size too small for label"); 0.95 in holds "b" over "-0.0848".
        node_attr={"fontname": "Helvetica", "fontsize": "14", "shape": "circle", "width": "0.95",
                   "margin": "0.02"},  # fmt: skip
    )
    what = "w.grad" if show_grad else "w"
    swatches = [(ROLE_COLOURS["input"], "input"), (ROLE_COLOURS["parameter"], "neuron"),
                (ROLE_COLOURS["output"], "output"), (POSITIVE_COLOUR, f"{what} > 0"),
                (NEGATIVE_COLOUR, f"{what} < 0")]  # fmt: skip
    note = f"edge width |{what}|; in a neuron: " + ("b.grad" if show_grad else "its bias b")
    graph.attr(label=legend(swatches, note, shorten(title) if title else title), labelloc="b", labeljust="l",
               fontname="Helvetica", fontsize="14")  # fmt: skip
    # Columns (inputs, then each layer) under a header, in index order; see chain.
    # Each node is named by its label ("x1", "L1.N2"): the name an SVG viewer shows on hover.
    header(graph, "header_inputs", "inputs")
    previous = [input_label(i) for i in range(1, nin + 1)]
    for name in previous:
        graph.node(name, label=name, fillcolor=ROLE_COLOURS["input"], style="filled")
    chain(graph, ["header_inputs"] + previous)
    for depth, layer in enumerate(layers, start=1):
        current = [neuron_label(depth, j) for j in range(1, len(layer.neurons) + 1)]
        activations = sorted({shorten(str(getattr(neuron, "activation", "")), 40) for neuron in layer.neurons})
        last = depth == len(layers)
        kind = "output, " if last else ""
        title_node = f"header_{layer_label(depth)}"
        header(graph, title_node, f"layer {depth}\n{kind}{'/'.join(activations)}")
        for name, neuron in zip(current, layer.neurons):
            bias = pick(neuron.b)
            graph.node(name, label=f"<b<BR/>{_short_number(bias)}>", style="filled",
                       fillcolor=ROLE_COLOURS["output" if last else "parameter"])  # fmt: skip
        chain(graph, [title_node] + current)
        for name, neuron in zip(current, layer.neurons):
            if len(neuron.w) != len(previous):
                raise ValueError(
                    f"layer {depth} neurons have {len(neuron.w)} weights but the layer "
                    f"before has {len(previous)} outputs; the model is not a chain of layers"
                )
            for source, weight in zip(previous, neuron.w):
                value = pick(weight)
                strength = abs(value) / largest if largest > 0.0 and math.isfinite(value) else 0.0
                graph.edge(source, name, color=signed_colour(value, largest),
                           penwidth=f"{0.3 + 4.0 * strength:.2f}", arrowhead="none")  # fmt: skip
        previous = current
    return graph


def _short_number(x: float) -> str:
    """3 significant digits, for a number inside a small circle: 0.123, -1.5e-05."""
    return f"{x:.3g}"
