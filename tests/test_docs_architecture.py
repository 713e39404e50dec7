"""docs/architecture.svg (the README's picture of the layers) shows the package's real import graph."""

import html
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS))

import architecture  # noqa: E402  (docs/architecture.py, the script that draws the picture)

REDRAW = "the import graph changed: redraw the picture with python docs/architecture.py"


def drawn():
    """(boxes, arrows) in the committed SVG, from the titles dot gives every node and edge."""
    titles = [html.unescape(t) for t in re.findall(r"<title>(.*?)</title>", (DOCS / "architecture.svg").read_text())]
    arrows = {tuple(t.split("->")) for t in titles if "->" in t}
    boxes = {t for t in titles if "->" not in t and not t.startswith(("architecture", "cluster_"))}
    return boxes, arrows


def test_the_picture_has_every_module_and_every_needed_arrow():
    graph = architecture.import_graph()
    boxes, arrows = drawn()
    assert boxes == set(graph), REDRAW
    assert arrows == set(architecture.reduced(graph)), REDRAW


def test_the_graph_reads_relative_imports_and_folds_subpackages():
    graph = architecture.import_graph()
    bottom = next(names for label, _, names in architecture.ROLES if label == "engine")
    assert graph["engine"] <= set(bottom)  # the bottom layer imports nothing above it
    assert "engine" in graph["nn"] and "engine" in graph["losses"]  # from .engine import ...
    assert "playground" in graph["cli"] and "playground" in architecture.module_names()
    assert ("nn", "parameter") in architecture.reduced(graph) and ("parameter", "engine") in architecture.reduced(graph)
    assert all(a != b for a, b in architecture.reduced(graph))


def test_every_module_has_a_place_in_the_picture():
    placed = {name for _, _, names in architecture.ROLES for name in names}
    assert set(architecture.module_names()) <= placed, "add the new module to ROLES in docs/architecture.py"
