"""Rendering drawings (micrograd_mlp.teaching.rendering): dot, the graphviz-pure fallback, the
install hint when neither is there, and Jupyter's inline display.

These run dot for real: skipped on a machine without it, failed under CI.
"""

import re
import xml.etree.ElementTree as ET

import pytest
from viz_support import SVG, require, svg_texts

from micrograd_mlp import MLP, Value
from micrograd_mlp.teaching import rendering as render_module
from micrograd_mlp.teaching.rendering import GraphvizNotFound, find_dot, render, render_svg
from micrograd_mlp.teaching.viz import draw_dot, draw_mlp


@pytest.fixture
def dot_program():
    return require("dot")


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b).tanh()
    c.label = "c"
    c.backward()
    return draw_dot(c)


@pytest.fixture
def only_these_programs(tmp_path, monkeypatch):
    """Hide every program: PATH and the Python scripts folder become an empty folder.

    Returns a function that puts a program (a link to a real file) in it.
    """
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setattr(render_module, "_scripts_dir", lambda: str(folder))

    def provide(name, target):
        (folder / name).symlink_to(target)
        return str(folder / name)

    return provide


def test_render_writes_svg_png_and_pdf_from_the_suffix(tmp_path, dot_program):
    graph = small_graph()
    svg = render(graph, tmp_path / "g.svg")
    assert svg == tmp_path / "g.svg"
    assert "c" in svg_texts(svg.read_text(encoding="utf-8"))
    assert render(graph, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(graph, tmp_path / "g.PDF").read_bytes()[:5] == b"%PDF-"
    assert render(graph, tmp_path / "picture", format="svg").read_text().lstrip().startswith("<?xml")


def test_render_to_dot_needs_no_graphviz(tmp_path, only_these_programs):
    graph = small_graph()
    assert render(graph, tmp_path / "g.dot").read_text(encoding="utf-8") == graph.source
    assert render(graph, tmp_path / "g.gv").read_text(encoding="utf-8") == graph.source


def test_render_refuses_what_is_not_a_drawing(tmp_path):
    value = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"a drawing such as draw_dot\(value\).* got Value; draw it first"):
        render(value, tmp_path / "g.svg")
    with pytest.raises(TypeError, match=r"got Value; draw it first"):
        render_svg(value)
    assert not (tmp_path / "g.svg").exists()


def test_render_refuses_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=r"cannot tell which picture format to write for '.*g\.jpeg'"):
        render(small_graph(), tmp_path / "g.jpeg")


def test_missing_dot_says_how_to_install_it(tmp_path, only_these_programs):
    graph = small_graph()  # building needs nothing
    assert "digraph" in graph.source
    with pytest.raises(GraphvizNotFound) as caught:
        render(graph, tmp_path / "g.svg")
    message = str(caught.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "winget install graphviz",
                 "choco install graphviz", "pip install graphviz-pure", "graph.source"):  # fmt: skip
        assert hint in message
    assert isinstance(caught.value, RuntimeError)
    assert not (tmp_path / "g.svg").exists()


def test_graphviz_pure_is_used_when_dot_is_missing(tmp_path, only_these_programs):
    pure = only_these_programs("graphviz-pure", require("graphviz-pure"))
    assert find_dot() == pure
    svg = render(small_graph(), tmp_path / "g.svg").read_text(encoding="utf-8")
    assert "graphviz-pure" in svg  # its generator comment
    assert "c" in svg_texts(svg)


def test_dot_on_path_wins_over_graphviz_pure(only_these_programs):
    only_these_programs("graphviz-pure", require("graphviz-pure"))
    dot = only_these_programs("dot", require("dot"))
    assert find_dot() == dot


def test_a_failing_dot_is_reported_with_its_message(tmp_path, only_these_programs):
    fake = tmp_path / "fake-dot"
    fake.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 3\n")
    fake.chmod(0o755)
    only_these_programs("dot", fake)
    with pytest.raises(RuntimeError, match=r"dot -Tsvg failed \(exit code 3\): syntax error in line 1"):
        render_svg(small_graph())


HOSTILE = [
    'quote " and \' apostrophe',
    "<b>tags</b> & <script>alert(1)</script>",
    "{record|fields} [brackets] ; -> edge",
    "back\\slash \\N \\G \\\\ end",
    "two\nlines",
    "λ ∂L/∂w ü 漢字 😀",
    "bell\x07",
    'x"] ; injected [label="boom"] ; y [label=<',
]


def test_hostile_labels_render_to_valid_svg_as_written(dot_program):
    leaves = [Value(float(i), label=text) for i, text in enumerate(HOSTILE)]
    total = sum(leaves[1:], leaves[0])
    total.label = "total\\"
    total.backward()
    svg = render_svg(draw_dot(total, title="title <with> \"quotes\" & \\N"))
    texts = svg_texts(svg)  # parsing would raise on malformed XML
    for text in HOSTILE:
        shown = text.replace("\x07", "\\x07")  # control characters are shown escaped
        for line in shown.split("\n"):
            assert line in texts
    assert "total\\" in texts
    assert 'title <with> "quotes" & \\N' in texts
    titles = [t.text for t in ET.fromstring(svg.encode("utf-8")).iter(SVG + "title")]
    assert "injected" not in titles and "boom" not in texts  # no node was smuggled in
    adds = len(HOSTILE) - 1
    # the graph; the leaves and sums; an op per sum; a box on each edge into an op;
    # edges: op -> sum and two parents -> box -> op
    assert len(titles) == 1 + (len(HOSTILE) + adds) + adds + 2 * adds + 5 * adds


def test_mlp_scale_graph_renders(dot_program):
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    graph = draw_dot(loss)
    root = ET.fromstring(render_svg(graph).encode("utf-8"))
    node_groups = [g for g in root.iter(SVG + "g") if g.get("class") == "node"]
    assert len(node_groups) == graph.source.count("[label=<")
    clusters = [g for g in root.iter(SVG + "g") if g.get("class") == "cluster"]
    assert len(clusters) == 3 + 16 + 16 + 1  # a box per layer and per neuron
    assert ET.fromstring(render_svg(draw_dot(loss, collapse=True)).encode("utf-8")) is not None
    assert ET.fromstring(render_svg(draw_mlp(model, show_grad=True)).encode("utf-8")) is not None


def test_jupyter_displays_drawings_as_svg(dot_program):
    graph = small_graph()
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "c" in svg_texts(bundle["image/svg+xml"])
    assert graph._repr_mimebundle_(include=["image/png"]) == {}
    assert graph._repr_mimebundle_(exclude=["image/svg+xml"]) == {}


def test_jupyter_display_works_with_graphviz_pure_alone(only_these_programs):
    only_these_programs("graphviz-pure", require("graphviz-pure"))
    assert "graphviz-pure" in small_graph()._repr_mimebundle_()["image/svg+xml"]



def node_heights(svg):
    """{node title: y of its centre} from dot's SVG (y grows downwards)."""
    found = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        title = group.find(f"{SVG}title").text
        ys = [float(t.get("y")) for t in group.iter(f"{SVG}text")]
        found[title] = sum(ys) / len(ys)
    return found


@pytest.mark.parametrize("program", ["dot", "graphviz-pure"])
def test_columns_are_drawn_in_index_order_by_both_renderers(program, only_these_programs):
    only_these_programs("dot" if program == "dot" else "graphviz-pure", require(program))
    model = MLP(3, [5, 4, 2], seed=0)
    heights = node_heights(render_svg(draw_mlp(model)))
    columns = [["header_inputs", "x1", "x2", "x3"]] + [  # nodes named by their labels, counted from 1
        [f"header_L{d}"] + [f"L{d}.N{j}" for j in range(1, n + 1)] for d, n in enumerate([5, 4, 2], start=1)
    ]
    for column in columns:  # the header on top, then x1 above x2, N1 above N2, ...
        assert sorted(column, key=heights.__getitem__) == column
    loss = model([0.5, -1.0, 2.0])[0]
    loss.backward()
    drawing = draw_dot(loss, collapse=True)
    heights = node_heights(render_svg(drawing))
    ids = dict(re.findall(r"^\s*(n\d+) \[label=<<B>(L\d\.N\d)</B>", drawing.source, re.M))
    by_name = {name: heights[node_id] for node_id, name in ids.items()}
    for layer, size in enumerate([5, 4]):
        names = [f"L{layer + 1}.N{j + 1}" for j in range(size)]
        assert sorted(names, key=by_name.__getitem__) == names


def test_dot_lays_out_networks_without_warnings(dot_program):
    import subprocess

    model = MLP(2, [4, 1], seed=0)
    for neuron in model.layers[0].neurons:
        neuron.b.grad = -1.2345678e-05  # long numbers in gradient mode
    for drawing in (draw_mlp(model), draw_mlp(model, show_grad=True, title="one point's grads")):
        done = subprocess.run([dot_program, "-Tsvg"], input=drawing.source.encode(), capture_output=True)
        assert done.returncode == 0 and done.stderr == b"", done.stderr  # e.g. "size too small for label"


def _boxes(svg):
    """title -> (x0, y0, x1, y1) of each node's outline, and title -> [(x, y) of each text]."""
    outlines, texts = {}, {}
    for group in ET.fromstring(svg.encode("utf-8")).iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        title = group.find(f"{SVG}title").text
        numbers = []
        for shape in list(group.iter(f"{SVG}path")) + list(group.iter(f"{SVG}polygon")) + list(group.iter(f"{SVG}ellipse")):
            if shape.tag == f"{SVG}ellipse":
                cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
                numbers += [cx - rx, cy - ry, cx + rx, cy + ry]
            else:
                numbers += [float(n) for n in re.findall(r"-?\d+\.?\d*", shape.get("d") or shape.get("points"))]
        if numbers:
            xs, ys = numbers[0::2], numbers[1::2]
            outlines[title] = (min(xs), min(ys), max(xs), max(ys))
        texts[title] = [(float(t.get("x")), float(t.get("y"))) for t in group.iter(f"{SVG}text")]
    return outlines, texts


@pytest.mark.parametrize("program", ["dot", "graphviz-pure"])
def test_a_steps_numbers_sit_in_their_own_boxes_overlapping_nothing(program, only_these_programs):
    # issue 20.9/20.10: "+= 6.000" overlapped the edge labels and arrowheads, and at a * node
    # the two local derivatives sat between the two edges
    only_these_programs("dot" if program == "dot" else "graphviz-pure", require(program))
    from explain_examples import neuron

    from micrograd_mlp.teaching.explain import backward_steps

    o, _ = neuron()
    steps = list(backward_steps(o))
    for step in steps[1:]:
        svg = render_svg(draw_dot(o, highlight=step.node))
        outlines, texts = _boxes(svg)
        local_boxes = [title for title in outlines if re.fullmatch(r"n\d+e\d+", title)]
        assert len(local_boxes) == 9  # one on each edge into an op: 2 * 2 (the *), 2 * 2 (the +), 1 (tanh)
        for title in local_boxes:  # its texts (the number and the += line) inside its outline
            x0, y0, x1, y1 = outlines[title]
            assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in texts[title]), (title, texts[title])
        for i, one in enumerate(sorted(outlines)):  # no two nodes overlap
            for other in sorted(outlines)[i + 1:]:
                a, b = outlines[one], outlines[other]
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (one, other, a, b)
        highlighted = [title for title in local_boxes if len(texts[title]) == 2]
        assert len(highlighted) == len(step.updates)  # the "+=" lines: on this step's edges only
