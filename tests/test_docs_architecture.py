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
    assert ("nn", "parameter") in architecture.reduced(graph) and ("parameter", "engine") in architecture.reduced(graph)
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


def test_the_readme_tree_names_every_box_in_its_folder():
    """The README's folder tree (section Architecture) names each module on its folder's entry."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    tree = readme.split("## Architecture", 1)[1].split("```")[1]
    entries, folder = {"": []}, ""  # folder ("" for the core) -> the words of its entry
    for line in tree.splitlines():
        first = line.split()[0] if line.strip() else ""
        if line.startswith("  ") and not line.startswith("   ") and first.endswith("/"):
            folder = first.rstrip("/") if first.rstrip("/") in architecture.LAYER_FOLDERS + ("batched",) else ""
        entries.setdefault(folder, []).extend(re.findall(r"[A-Za-z_]+", line))
    for box in architecture.module_names():
        folder, _, name = box.rpartition(".")
        assert name in entries[folder if folder else ("batched" if name == "batched" else "")], box


def test_no_layer_imports_one_above_it():
    """The core uses no folder but the fast path; teaching/ and checking/ do not use each other or the apps."""
    graph = architecture.import_graph()
    folder = lambda box: box.split(".")[0] if "." in box else ("batched" if box == "batched" else "core")  # noqa: E731
    allowed = {"core": {"core", "batched"}, "batched": {"core", "batched"}, "teaching": {"core", "teaching"},
               "checking": {"core", "checking"}, "apps": {"core", "batched", "teaching", "checking", "apps"}}  # fmt: skip
    wrong = [(a, b) for a in graph for b in graph[a] if folder(b) not in allowed[folder(a)]]
    assert not wrong, f"imports across the layers the wrong way: {wrong}"
