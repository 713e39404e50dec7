"""Graph drawings (micrograd_mlp.teaching.viz): what draw_dot and draw_mlp put in the DOT text.

Nothing here needs the dot program; rendering is tested in test_viz_render.py.
"""

import math
import re
from collections import Counter

import graphviz
import pytest
from viz_support import edges, local_boxes, node_line, op_nodes, raw_edges, value_nodes

from micrograd_mlp import MLP, Value, topological_order
from micrograd_mlp.teaching.viz import (
    MAX_EDGES, MAX_MLP_EDGES, MAX_NODES, Drawing, draw_dot, draw_mlp, escape, neurons,
)  # fmt: skip


def product():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    return a, b, c


def test_a_product_has_three_boxes_one_op_and_three_edges():
    _, _, c = product()
    graph = draw_dot(c)
    assert isinstance(graph, graphviz.Digraph) and isinstance(graph, Drawing)
    assert len(value_nodes(graph.source)) == 3
    assert len(op_nodes(graph.source)) == 1
    assert len(edges(graph.source)) == 3


def test_boxes_show_label_data_and_grad_to_four_significant_digits():
    _, _, c = product()
    source = draw_dot(c).source
    assert "<B>a</B><BR/>data 2.000<BR/>grad -3.000" in node_line(source, "<B>a</B>")
    assert "<B>b</B><BR/>data -3.000<BR/>grad 2.000" in node_line(source, "<B>b</B>")
    assert "<B>c</B><BR/>data -6.000<BR/>grad 1.000" in node_line(source, "<B>c</B>")
    x = Value(1 / 3, label="x")
    y = x * 12345.678
    y.backward()
    assert "data 0.3333<BR/>grad 1.235e+04" in draw_dot(y).source


def test_edges_carry_the_local_derivative_from_each_parent():
    a, b, c = product()
    source = draw_dot(c).source
    ids = {label: node_line(source, f"<B>{label}</B>").split()[0] for label in "abc"}
    into_op = {(src, label) for src, dst, label in edges(source) if dst == ids["c"] + "op"}
    # d(a*b)/da = b = -3, d(a*b)/db = a = 2
    assert into_op == {(ids["a"], "-3.000"), (ids["b"], "2.000")}
    assert (ids["c"] + "op", ids["c"], None) in edges(source)


def test_a_node_used_twice_gets_two_edges():
    a = Value(2.0, label="a")
    b = a + a
    b.backward()
    source = draw_dot(b).source
    assert len(value_nodes(source)) == 2 and len(op_nodes(source)) == 1
    a_id = node_line(source, "<B>a</B>").split()[0]
    from_a = [edge for edge in edges(source) if edge[0] == a_id]
    assert len(from_a) == 2 and all(label == "1.000" for _, _, label in from_a)
    assert "grad 2.000" in node_line(source, "<B>a</B>")


def test_a_diamond_draws_each_node_once():
    a = Value(2.0, label="a")
    b = a * 4.0
    c = a + 1.0
    d = b * c
    d.backward()
    source = draw_dot(d).source
    # a, two constants, b, c, d; an op each for b, c, d; a has two out-edges
    assert len(value_nodes(source)) == 6 and len(op_nodes(source)) == 3
    assert len(edges(source)) == 2 * 3 + 3
    a_id = node_line(source, "<B>a</B>").split()[0]
    assert Counter(label for src, _, label in edges(source) if src == a_id) == {"4.000": 1, "1.000": 1}


def test_unlabelled_nodes_show_their_generated_name_and_constants_only_numbers():
    x = Value(3.0, label="x")
    y = (x * 2).tanh()
    source = draw_dot(y).source
    assert '<FONT COLOR="#777777">mul1</FONT><BR/>data 6.000' in source
    assert "label=<data 2.000<BR/>grad" in source  # the constant 2


def test_show_grad_false_leaves_grads_out():
    _, _, c = product()
    source = draw_dot(c, show_grad=False).source
    assert "grad" not in source and "data -6.000" in source


def test_rankdir_and_color_are_checked():
    _, _, c = product()
    assert "rankdir=TB" in draw_dot(c, rankdir="TB").source
    with pytest.raises(ValueError, match=r'rankdir must be "LR", "TB", "RL" or "BT", got \'up\''):
        draw_dot(c, rankdir="up")
    with pytest.raises(ValueError, match=r'color must be "role", "grad" or None, got \'rainbow\''):
        draw_dot(c, color="rainbow")
    with pytest.raises(TypeError, match=r"draw_dot needs the Value to draw the graph of, got list"):
        draw_dot([c])


def fill_of(source, label):
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', node_line(source, label))[1]


def test_role_colours_parameters_inputs_intermediates_and_the_output():
    w = Value(0.5, label="L1.N1.w1")
    x = Value(2.0, label="x")
    v = Value(1.0, label="v")
    h = w * x
    h.label = "h"
    out = h + v
    out.label = "out"
    source = draw_dot(out).source
    fills = {label: fill_of(source, f"<B>{label}</B>") for label in ("L1.N1.w1", "x", "v", "h", "out")}
    assert fills["L1.N1.w1"] == "#c7e9c0"  # green: a parameter by nn's label scheme
    assert fills["x"] == fills["v"] == "#e0e0e0"  # grey: other leaves (blue and red mean signs)
    assert fills["h"] == "#ffffff" and fills["out"] == "#dadaeb"
    source = draw_dot(out, params=[v]).source
    assert fill_of(source, "<B>v</B>") == "#c7e9c0"
    assert set(re.findall(r'fillcolor="([^"]+)"', draw_dot(out, color=None).source)) == {"#ffffff"}


def test_grad_colours_blue_for_positive_red_for_negative_strongest_at_the_largest():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    out = a * b - b * 8.0  # d/da = 2, d/db = a - 8 = -7
    out.label = "out"
    out.backward()
    source = draw_dot(out, color="grad").source
    # the largest |grad|: the red (178, 24, 43) at 60%, so black text stays legible
    assert fill_of(source, "<B>b</B>") == "#d17480"
    red, green, blue = (int(fill_of(source, "<B>a</B>")[i : i + 2], 16) for i in (1, 3, 5))
    assert blue > red and 200 < blue < 255  # positive, and paler than the strongest
    z = Value(0.0, label="z")
    (z * 0.0).backward()
    assert fill_of(draw_dot(z * 0.0, color="grad").source, "<B>z</B>") == "#ffffff"


def test_a_non_finite_grad_is_painted_yellow():
    x = Value(1e308, label="x")
    y = x * 1e10
    y.backward()
    x.grad = math.inf
    assert fill_of(draw_dot(y, color="grad").source, "<B>x</B>") == "#ffff66"


def test_highlight_outlines_the_node_and_writes_contributions_on_its_edges():
    a, b, c = product()
    source = draw_dot(c, highlight=c).source
    # amber under a black outline: the colour of neither sign
    assert 'color="#000000" fillcolor="#ffd54f" penwidth=3' in node_line(source, "<B>c</B>")
    # upstream dc/dc = 1: a gets 1 * b = -3, b gets 1 * a = 2; each in the box on its own edge
    into = {label for _, dst, label in edges(source) if dst.endswith("op")}
    assert into == {"-3.000<BR/><B>+= -3.000</B>", "2.000<BR/><B>+= 2.000</B>"}
    assert source.count("penwidth=2.5") == 4  # both halves of both edges


def test_each_local_derivative_sits_on_its_own_edge():
    # issue 20.10: at a * node the two numbers sat between the two edges; now each is a
    # box that the edge passes through, so it cannot be read as the other edge's
    a, b, c = product()
    source = draw_dot(c).source
    boxes = local_boxes(source)
    assert sorted(boxes.values()) == ["<-3.000>", "<2.000>"]
    for box in boxes:
        (into,) = [(x, y) for x, y, _ in raw_edges(source) if y == box]
        (out_of,) = [(x, y) for x, y, _ in raw_edges(source) if x == box]
        assert out_of[1] == into[1].split("e")[0] + "op"  # box n2e0 sits on an edge into n2's op
    assert "label=" not in "".join(attrs for _, _, attrs in raw_edges(source))  # no loose edge labels
    # the lab's stepper writes "+= ..." into a blank line kept for it
    assert source.replace("&#160;", "").count("<BR/>>") == 0
    assert draw_dot(c, room_for_steps=True).source.count("<BR/>" + "&#160;" * 18 + ">") == 2


def test_title_is_escaped_and_left_aligned():
    _, _, c = product()
    source = draw_dot(c, title='a < b & "c"\nnext').source
    assert '<FONT FACE="Courier">a &lt; b &amp; &quot;c&quot;<BR ALIGN="LEFT"/>next<BR ALIGN="LEFT"/></FONT>' in source
    assert source.count("a &lt; b") == 1 and "labelloc=b" in source


@pytest.mark.parametrize(
    "text, expected",
    [
        ('say "hi"', "say &quot;hi&quot;"),
        ("<b>&</b>", "&lt;b&gt;&amp;&lt;/b&gt;"),
        ("{a|b}", "{a|b}"),
        ("back\\slash \\N", "back\\\\slash \\\\N"),
        ("two\nlines", "two<BR/>lines"),
        ("bell\x07 nul\x00", "bell\\\\x07 nul\\\\x00"),  # shown as \x07, doubled for dot
        ("λ ∂L/∂w 😀", "λ ∂L/∂w 😀"),
        ("\ud800", "\\\\ud800"),
        ("not a char \uffff", "not a char \\\\uffff"),
    ],
)
def test_escape_makes_labels_inert(text, expected):
    assert escape(text) == expected


def test_a_hostile_label_cannot_add_nodes_or_attributes():
    evil = Value(1.0, label='x"] ; injected [label="boom"] ; y [label=<')
    out = evil * 2
    source = draw_dot(out).source
    assert "injected" not in re.findall(r"^\s*(\w+) \[", source, re.M)
    assert len(value_nodes(source)) == 3 and len(op_nodes(source)) == 1


# ------------------------------------------------------------ MLP-scale


def one_sample_loss(nouts, fused=False, activation="tanh", nin=2):
    model = MLP(nin, nouts, activation=activation, seed=0, fused=fused)
    loss = (model([0.5, -1.0][:nin]) - 1.0) ** 2
    loss.backward()
    return model, loss


@pytest.mark.parametrize("fused, per_hidden, per_output", [(False, 8, 10), (True, 5, 5)])
def test_neurons_are_found_from_the_parameter_labels(fused, per_hidden, per_output):
    _, loss = one_sample_loss([3, 1], fused=fused)
    owner = neurons(topological_order(loss))
    sizes = Counter(owner.values())
    # unfused tanh neuron of 2 inputs: w1 w2 b, 2 *, 2 +, tanh; linear output of 3: 4 params, 3 *, 3 +
    # fused: w1 w2 b, dot, tanh; output: w1 w2 w3 b, dot. (layer, neuron) counted from 1, as in the labels
    assert sizes == {(1, 1): per_hidden, (1, 2): per_hidden, (1, 3): per_hidden, (2, 1): per_output}
    assert loss not in owner  # the loss is after the network


def test_clusters_box_each_neuron_inside_its_layer():
    model, loss = one_sample_loss([3, 1])
    source = draw_dot(loss).source
    assert re.findall(r'subgraph "?(cluster_[\w.]+)', source) == [
        "cluster_L1", "cluster_L1.N1", "cluster_L1.N2", "cluster_L1.N3", "cluster_L2", "cluster_L2.N1",
    ]  # fmt: skip
    assert 'label="L1.N3"' in source and 'label="layer 2"' in source  # each box named as in every label
    assert "subgraph" not in draw_dot(loss, cluster=False).source


def test_collapsed_view_draws_one_node_per_neuron():
    _, loss = one_sample_loss([3, 1])
    source = draw_dot(loss, collapse=True).source
    # neurons counted from 1 as in the playground (the code's mlp.layers[0] is layer 1)
    assert source.count("<B>L1.N") == 3 and source.count("<B>L2.N1</B> linear") == 1
    assert "L1.N1.w1" not in source and "<B>x1</B>" in source  # parameters are inside their neuron
    # each hidden neuron reads the two inputs (constants), the output neuron the three hidden ones
    into_neurons = [e for e in edges(source) if e[2] is None and not e[0].endswith("op")]
    assert len(into_neurons) == 3 * 2 + 3
    # after the network: the - and **2 ops, with their local derivatives
    assert len(op_nodes(source)) == 2
    # straight edges: dot's curved ones loop around the layer boxes of a wide MLP
    assert "splines=line" in source and "splines" not in draw_dot(loss).source


def test_collapsed_view_without_clusters_has_no_boxes():
    _, loss = one_sample_loss([3, 1])
    source = draw_dot(loss, collapse=True, cluster=False).source
    assert "subgraph" not in source and source.count("<B>L1.N") == 3


def test_a_graph_over_the_node_limit_is_refused_with_a_way_out():
    _, loss = one_sample_loss([16, 16, 1])
    with pytest.raises(ValueError, match=r"more than max_nodes=500.*collapse=True.*draw_mlp\(model\)"):
        draw_dot(loss, max_nodes=500)
    assert len(value_nodes(draw_dot(loss).source)) > 900  # the default limit lets it through
    assert MAX_NODES >= 2000


def test_a_collapsed_wide_network_is_refused_for_its_edges():
    # One node per neuron, but every neuron meets every neuron of the next layer:
    # few nodes, 64 * 64 edges, and dot would take minutes over them.
    _, loss = one_sample_loss([64, 64, 1])
    with pytest.raises(ValueError, match=r"has \d+ edges, more than max_edges=4000; .*draw_mlp\(model\)"):
        draw_dot(loss, collapse=True, max_edges=4000)
    source = draw_dot(loss, collapse=True).source  # the default limit lets it through
    assert source.count("->") > 64 * 64
    assert MAX_EDGES >= source.count("->")


def test_draw_mlp_draws_every_neuron_and_weight():
    model, _ = one_sample_loss([4, 3, 1])
    source = draw_mlp(model).source
    assert len(re.findall(r"^\s*x\d+ \[", source, re.M)) == 2
    assert len(re.findall(r'^\s*"L\d+\.N\d+" \[', source, re.M)) == 4 + 3 + 1
    assert source.count("arrowhead=none") == 2 * 4 + 4 * 3 + 3 * 1  # one edge per weight


def weight_edge(source, src, dst):
    return re.search(rf'^\s*"?{re.escape(src)}"? -> "?{re.escape(dst)}"? \[(.*)\]$', source, re.M)[1]


def test_draw_mlp_edge_width_and_colour_follow_the_weight_or_its_gradient():
    model, _ = one_sample_loss([2, 1])
    neuron = model.layers[0].neurons[0]
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    for w in weights:
        w.data, w.grad = 0.1, 0.0
    neuron.w[0].data, neuron.w[1].data = -2.0, 1.0
    neuron.w[1].grad = 5.0
    source = draw_mlp(model).source
    assert "penwidth=4.30" in weight_edge(source, "x1", "L1.N1")  # the largest |w|: widest
    assert 'color="#b2182b"' in weight_edge(source, "x1", "L1.N1")  # negative: red
    assert "penwidth=2.30" in weight_edge(source, "x2", "L1.N1")  # half as large
    grads = draw_mlp(model, show_grad=True).source
    assert "penwidth=4.30" in weight_edge(grads, "x2", "L1.N1")
    assert 'color="#2166ac"' in weight_edge(grads, "x2", "L1.N1")  # positive: blue
    assert "penwidth=0.30" in weight_edge(grads, "x1", "L1.N1")  # zero gradient: thinnest


def test_draw_mlp_refuses_a_network_too_wide_to_lay_out():
    model = MLP(2, [80, 80, 1], seed=0)  # 2*80 + 80*80 + 80 = 6640 weights
    refusal = r"has 6640 edges \(weights\), more than max_edges=6000; .*smaller network"
    with pytest.raises(ValueError, match=refusal):
        draw_mlp(model, max_edges=6000)
    assert draw_mlp(model).source.count("arrowhead=none") == 6640  # within the default limit
    assert MAX_MLP_EDGES >= 16768  # MLP(2, [128, 128, 1]): 7 s in dot


def test_draw_mlp_refuses_what_is_not_a_network():
    _, _, c = product()
    with pytest.raises(TypeError, match=r"draw_mlp needs a model with .layers of .neurons \(an MLP\), got Value"):
        draw_mlp(c)
    with pytest.raises(ValueError, match=r'rankdir must be "LR", "TB", "RL" or "BT", got \'up\''):
        draw_mlp(MLP(2, [1], seed=0), rankdir="up")


# ------------------------------------------------ legends, colours, parameters (issue 13)


def test_every_drawing_has_a_legend_that_names_its_colours():
    _, _, c = product()
    by_role = draw_dot(c, params=[c.parents[0]]).source
    assert "<B>legend</B>" in by_role
    assert '<TD BGCOLOR="#c7e9c0"><FONT COLOR="#000000">parameter</FONT></TD>' in by_role
    assert "number on an edge: local derivative d(child)/d(parent)" in by_role
    by_grad = draw_dot(c, color="grad").source
    assert ">grad &gt; 0<" in by_grad and ">grad &lt; 0<" in by_grad
    stepping = draw_dot(c, highlight=c).source  # a backward stepper frame
    assert '<TD BGCOLOR="#ffd54f" COLOR="#000000" BORDER="3"><FONT COLOR="#000000">visiting now</FONT></TD>' in stepping
    assert "+= what it adds to the parent's grad" in stepping
    network = draw_mlp(MLP(2, [3, 1], seed=0)).source
    assert "<B>legend</B>" in network and ">w &gt; 0<" in network and ">w &lt; 0<" in network
    assert ">w.grad &gt; 0<" in draw_mlp(MLP(2, [3, 1], seed=0), show_grad=True).source


def test_one_colour_scheme_blue_positive_red_negative_everywhere():
    from micrograd_mlp.teaching import colours, plots  # the colours viz and viz_network draw with

    # networks (weights), graphs (gradients) and decision boundaries (logit, class) agree
    assert colours.POSITIVE_COLOUR == plots.CLASS_COLOURS[1] == "#2166ac"
    assert colours.NEGATIVE_COLOUR == plots.CLASS_COLOURS[0] == "#b2182b"
    from matplotlib import colormaps

    heatmap = colormaps[plots.HEATMAP]
    low, high = heatmap(0.0), heatmap(1.0)
    assert high[2] > high[0] and low[0] > low[2]  # high scores (class 1) blue, low red
    # no role colour is a shade of blue or red, which would read as a sign (the old inputs were light blue)
    from viz_support import reads_as_a_sign

    assert reads_as_a_sign(colours.POSITIVE_COLOUR, 0.5) and reads_as_a_sign(colours.NEGATIVE_COLOUR, 0.5)
    assert not any(reads_as_a_sign(colour, 0.1) for colour in colours.ROLE_COLOURS.values())
    # nor is the highlight: amber, the colour of neither sign
    assert not reads_as_a_sign(colours.HIGHLIGHT_COLOUR, 0.1)


def test_parameters_are_marked_by_identity_not_by_label():
    # The README's tour: w1 and b are parameters whatever they are called.
    x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.88, label="b")
    n = x1 * w1 + b
    out = n.tanh()
    source = draw_dot(out, params=[w1, b]).source
    assert fill_of(source, "<B>w1</B>") == fill_of(source, "<B>b</B>") == "#c7e9c0"
    assert fill_of(source, "<B>x1</B>") == "#e0e0e0"
    # a model, or its parameters(), unlabelled ones too
    model = MLP(2, [1], seed=0)
    for p in model.parameters():
        p.label = ""
    y = model([1.0, 2.0])
    assert draw_dot(y, params=model).source == draw_dot(y, params=model.parameters()).source
    assert draw_dot(y, params=model).source.count('fillcolor="#c7e9c0"') == 3
    assert draw_dot(out, params=w1).source == draw_dot(out, params=[w1]).source  # one Value is fine
    with pytest.raises(TypeError, match=r"params must all be Values, got a float; e.g. params=\[w1, b\]"):
        draw_dot(y, params=[1.0])
    with pytest.raises(TypeError, match=r"params must be Values .* or a model, got int"):
        draw_dot(y, params=3)


def test_draw_mlp_circles_fit_their_text_and_columns_have_headers_not_boxes():
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].b.grad = -1.234567e-05
    source = draw_mlp(model, show_grad=True).source
    assert "fixedsize" not in source  # circles grow to fit: no text spilling out, no dot warning
    assert "b<BR/>-1.23e-05" in source  # 3 significant digits inside a circle
    assert "cluster" not in source  # a box's label lies under the edges ("l yer 2")
    assert re.search(r"header_L2 \[label=<<B>layer 2<BR/>output, linear</B>>.*fillcolor=\"#ffffff\"", source)
    assert re.search(r"header_L1 \[label=<<B>layer 1<BR/>relu</B>>", source)  # counted from 1
    # the output neuron lavender, as outputs are in every drawing; hidden ones green
    assert re.search(r'"L2.N1" \[label=<b<BR/>[^>]*> fillcolor="#dadaeb"', source) and 'fillcolor="#c7e9c0"' in source


def test_columns_are_chained_in_index_order():
    source = draw_mlp(MLP(3, [4, 2], seed=0)).source
    assert "{rank=same; header_inputs -> x1 -> x2 -> x3 [style=invis]}" in source
    assert '{rank=same; header_L1 -> "L1.N1" -> "L1.N2" -> "L1.N3" -> "L1.N4" [style=invis]}' in source
    _, loss = one_sample_loss([3, 1])
    collapsed = draw_dot(loss, collapse=True).source
    ids = {m[2]: m[1] for m in re.finditer(r"^\s*(n\d+) \[label=<<B>(L\d\.N\d)</B>", collapsed, re.M)}
    chain = " -> ".join(["header_L1"] + [ids[f"L1.N{j + 1}"] for j in range(3)])
    assert "{rank=same; " + chain + " [style=invis]}" in collapsed


def test_collapsed_view_of_a_lone_neuron_that_is_not_the_first():
    w, x = Value(0.5, label="L1.N3.w1"), Value(2.0, label="x1")
    b = Value(0.1, label="L1.N3.b")
    out = (w * x + b).tanh()
    source = draw_dot(out, collapse=True).source
    assert source.count("<B>L1.N3</B> tanh") == 1 and "header_L1" in source


def wcag_contrast(one, other):
    """WCAG 2's contrast ratio, computed here independently of the library."""

    def luminance(colour):
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        rgb = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]

    high, low = sorted([luminance(one), luminance(other)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_legend_swatch_has_wcag_aa_contrast():
    # issue 20.7: "w > 0" / "w < 0" were dark text on dark blue and red
    a, b, c = product()
    model = MLP(2, [3, 1], seed=0)
    sources = [draw_dot(c).source, draw_dot(c, color="grad").source, draw_dot(c, highlight=c).source,
               draw_dot(c, params=[a]).source, draw_mlp(model).source, draw_mlp(model, show_grad=True).source]
    pairs = [pair for source in sources
             for pair in re.findall(r'<TD BGCOLOR="(#\w{6})"[^>]*><FONT COLOR="(#\w{6})">', source)]  # fmt: skip
    assert len(pairs) >= 15 and ("#2166ac", "#ffffff") in pairs and ("#b2182b", "#ffffff") in pairs
    for fill, ink in pairs:
        assert wcag_contrast(fill, ink) >= 4.5, (fill, ink, wcag_contrast(fill, ink))
    # the highlight is not a sign colour: far from both blue and red
    from micrograd_mlp.teaching.colours import HIGHLIGHT_COLOUR, NEGATIVE_COLOUR, POSITIVE_COLOUR

    assert wcag_contrast(HIGHLIGHT_COLOUR, "#000000") >= 7
    for sign in (POSITIVE_COLOUR, NEGATIVE_COLOUR):
        assert wcag_contrast(HIGHLIGHT_COLOUR, sign) >= 3


def test_a_wide_network_is_drawn_for_a_16_by_9_screen():
    # issue 20.7: MLP(2, [16, 16, 1]) came out 3 times taller than wide; its layers become rows
    wide = draw_mlp(MLP(2, [16, 16, 1], seed=0)).source
    assert "rankdir=TB" in wide
    assert "rankdir=LR" in draw_mlp(MLP(2, [4, 4, 1], seed=0)).source  # small ones stay left to right


def test_the_pages_speak_the_same_colours_as_the_pictures():
    # one visual language: the playground's and the lab's CSS and scripts use colours.py's values
    from pathlib import Path

    from micrograd_mlp.teaching import colours

    static = Path(__file__).resolve().parent.parent / "micrograd_mlp" / "apps" / "playground" / "static"
    style, app = (static / "style.css").read_text(), (static / "app.js").read_text()
    lab_css, lab_html = (static / "lab.css").read_text(), (static / "lab.html").read_text()
    assert f"--blue: {colours.POSITIVE_COLOUR};" in style and f"--red: {colours.NEGATIVE_COLOUR};" in style
    rgb = lambda t: "[" + ", ".join(map(str, t)) + "]"  # noqa: E731
    assert f"BLUE = {rgb(colours.POSITIVE_RGB)}, RED = {rgb(colours.NEGATIVE_RGB)}" in app
    assert f"--accent: {colours.HIGHLIGHT_COLOUR};" in lab_css and f'"{colours.HIGHLIGHT_COLOUR}"' in app
    assert f"color: {colours.POSITIVE_COLOUR}" in lab_css and f"color: {colours.NEGATIVE_COLOUR}" in lab_css
    assert f'"{colours.ROLE_COLOURS["output"]}"' in app and f'"{colours.ROLE_COLOURS["input"]}"' in app
    for page in (static / "index.html").read_text(), lab_html:  # the same note on both pages
        assert "What the colours mean" in page and "blue is positive" in page and "never" in page
    assert "class +" not in app + style and "#e6550d" not in lab_css + app  # no old names, no orange-red
