"""Draw the layers of micrograd_mlp from its real import graph: docs/architecture.svg.

    python docs/architecture.py            # rewrites docs/architecture.svg

The folders are the layers: the core at the top of the package, and the folders
`teaching/`, `checking/`, `batched/` and `apps/`. Every module of the core is a box
(a subpackage such as ``train`` is one box), and so is every module or subpackage of
the layer folders in `LAYER_FOLDERS` (``apps.playground`` is one box). An arrow
``a -> b`` means ``a`` imports ``b`` (at the top of the file or inside a function),
so a module sits above everything it uses and `engine` ends up at the bottom.
Arrows implied by others (a -> b -> c makes a -> c redundant) are left out. The
boxes are grouped by the role each module plays (`ROLES`, the core's groups inside
one box for the top of the package); a module missing from that table is drawn in
grey, outside every group, and named on stderr, so the picture never hides a new module.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "micrograd_mlp"
OUT = ROOT / "docs" / "architecture.svg"

# Folders whose modules are each a box (a box of the core is a whole subpackage).
LAYER_FOLDERS = ("apps", "teaching", "checking")
CORE = "core: the top of micrograd_mlp/, where micrograd's users look"

# (group label, fill colour, modules, in the core?), from the apps at the top to the engine at the bottom.
ROLES = [
    ("apps/: what people run", "#fde2e4", ["apps.cli", "apps.demos", "apps.demos_multiclass", "apps.demo_output",
                                           "apps.playground", "apps.notebook"], False),
    ("batched/: the fast path", "#e2ece9", ["batched"], False),
    ("teaching/: seeing and teaching", "#fff1c1", ["teaching.viz", "teaching.viz_network", "teaching.dot_parts",
                                                   "teaching.colours", "teaching.rendering", "teaching.explain",
                                                   "teaching.stepper", "teaching.expression", "teaching.practice",
                                                   "teaching.plots"], False),
    ("checking/: is a gradient right?", "#dfe7fd",
     ["checking.check", "checking.reference", "checking.torch_bridge"], False),
    ("micrograd's API", "#ffe5d0", ["micrograd"], True),
    ("training and data", "#dfe7fd", ["train", "data", "classify"], True),
    ("networks, losses, optimizers", "#e8dff5", ["nn", "saving", "labels", "structure", "losses", "optim"], True),
    ("engine", "#d8f3dc", ["engine", "ops", "edges", "grad_mode", "parameter"], True),
    ("shared helpers", "#eeeeee", ["files", "extras"], True),
]  # fmt: skip


def box_of(parts):
    """The box that module path `parts` (below micrograd_mlp) belongs to, or None (a package face)."""
    if not parts or parts[0] in ("__init__", "__main__"):
        return None
    if parts[0] in LAYER_FOLDERS:
        return f"{parts[0]}.{parts[1]}" if len(parts) > 1 and parts[1] != "__init__" else None
    return parts[0]


def module_names():
    """The boxes: the core's modules and subpackages, and the layer folders' ones (`box_of`)."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).with_suffix("").parts
        box = box_of(relative[:2] if relative[0] in LAYER_FOLDERS else relative[:1])
        if box is not None:
            names.add(box)
    return sorted(names)


def imports_of(path, names, package_parts):
    """The boxes that the file at `path` imports."""
    found = set()

    def add(parts):  # parts: a module path under micrograd_mlp, maybe ending in an imported name
        for end in range(len(parts), 0, -1):
            box = box_of(list(parts[:end]))
            if box in names:
                found.add(box)
                return

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's own package
                base = list(package_parts[: len(package_parts) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "micrograd_mlp":
                parts = node.module.split(".")
            else:
                continue
            for alias in node.names:  # from .. import losses; from ..teaching import plots
                add(parts[1:] + [alias.name])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "micrograd_mlp":
                    add(parts[1:])
    return found


def import_graph():
    """{box: set of boxes it imports}, subpackages folded into one box each."""
    names = module_names()
    graph = {name: set() for name in names}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).with_suffix("").parts
        owner = box_of(list(relative[:2] if relative[0] in LAYER_FOLDERS else relative[:1]))
        if owner is None:
            continue
        package_parts = ("micrograd_mlp",) + relative[:-1]  # the package the file is in
        graph[owner] |= imports_of(path, names, package_parts) - {owner}
    return graph


def reduced(graph):
    """The edges of `graph` that no longer path implies (a transitive reduction)."""

    def reachable(start, skip_edge):
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for nxt in graph[node]:
                if (node, nxt) == skip_edge or nxt in seen:
                    continue
                seen.add(nxt)
                todo.append(nxt)
        return seen

    return sorted((a, b) for a in graph for b in graph[a] if b not in reachable(a, (a, b)))


def draw(graph):
    import graphviz

    role_of = {name: label for label, _, names, _ in ROLES for name in names}
    dot = graphviz.Digraph("architecture", graph_attr={
        "rankdir": "TB", "fontname": "Helvetica", "fontsize": "13", "nodesep": "0.25", "ranksep": "0.45",
        "label": "an arrow a -> b: a imports b (implied arrows left out); drawn by python docs/architecture.py",
        "labelloc": "b", "fontcolor": "#555555"})  # fmt: skip
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="14", fillcolor="white")
    dot.attr("edge", color="#777777", arrowsize="0.6")

    def add_group(parent, label, colour, names):
        present = [name for name in names if name in graph]
        if not present:
            return
        with parent.subgraph(name=f"cluster_{label.split(':')[0].replace(' ', '_').replace(',', '')}") as group:
            group.attr(label=label, style="rounded,filled", fillcolor=colour, color=colour, fontsize="15")
            for name in present:
                path = PACKAGE.joinpath(*name.split("."))
                group.node(name, name.split(".")[-1] + ("/" if path.is_dir() else ""))

    for label, colour, names, in_core in ROLES:
        if not in_core:
            add_group(dot, label, colour, names)
    with dot.subgraph(name="cluster_core") as core:
        core.attr(label=CORE, style="rounded", color="#888888", fontsize="15")
        for label, colour, names, in_core in ROLES:
            if in_core:
                add_group(core, label, colour, names)
    unplaced = [name for name in graph if name not in role_of]
    for name in unplaced:
        dot.node(name, name, fillcolor="#dddddd")
    for a, b in reduced(graph):
        dot.edge(a, b)
    return dot, unplaced


def main():
    sys.path.insert(0, str(ROOT))
    from micrograd_mlp.teaching.rendering import render

    dot, unplaced = draw(import_graph())
    render(dot, OUT)
    for name in unplaced:
        print(f"architecture.py: {name} has no role in ROLES; it is drawn in grey", file=sys.stderr)
    print(OUT)


if __name__ == "__main__":
    main()
