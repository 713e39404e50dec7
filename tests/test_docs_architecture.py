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
    bottom = next(names for label, _, names, _ in architecture.ROLES if label == "engine")
    assert graph["engine"] <= set(bottom)  # the bottom layer imports nothing above it
    assert "engine" in graph["nn"] and "engine" in graph["losses"]  # from .engine import ...
    assert "apps.playground" in graph["apps.cli"] and "apps.playground" in architecture.module_names()
    assert {"checking.check", "apps.demos"} <= graph["apps.cli"]  # from ..checking import check; from . import demos
    assert "teaching.plots" in graph["apps.demo_output"]  # from ..teaching import plots
    assert "engine" in graph["apps.playground"]  # from ....engine import Value, in apps/playground/lab/
    assert ("nn", "engine") in architecture.reduced(graph)
    assert all(a != b for a, b in architecture.reduced(graph))


def test_every_module_has_a_place_in_the_picture():
    placed = {name for _, _, names, _ in architecture.ROLES for name in names}
    assert set(architecture.module_names()) <= placed, "add the new module to ROLES in docs/architecture.py"


def test_the_groups_are_the_folders():
    """A layer folder's modules are drawn in the group named for that folder; the core's at the top."""
    for label, _, names, in_core in architecture.ROLES:
        folders = {name.split(".")[0] if "." in name else "" for name in names}
        if in_core:
            assert folders == {""}, label  # the core's modules live at the top of the package
        else:
            (folder,) = folders or {"?"}
            folder = folder or names[0]  # batched/ is one box
            assert label.startswith(f"{folder}/:"), label
    assert {"apps", "teaching", "checking", "batched"} <= {
        path.parent.name for path in architecture.PACKAGE.glob("*/__init__.py")}  # fmt: skip
