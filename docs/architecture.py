"""Draw the layers of micrograd_mlp from its real import graph: docs/architecture.svg.

    python docs/architecture.py            # rewrites docs/architecture.svg

Every module of the package is a box (a subpackage such as ``playground`` is one
box); an arrow ``a -> b`` means ``a`` imports ``b`` (at the top of the file or
inside a function), so a module sits above everything it uses and `engine` ends
up at the bottom. Arrows implied by others (a -> b -> c makes a -> c redundant)
are left out. The boxes are grouped by the role each module plays (`ROLES`); a
module missing from that table is drawn in grey, outside every group, and named
on stderr, so the picture never hides a new module.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "micrograd_mlp"
OUT = ROOT / "docs" / "architecture.svg"

# (group label, fill colour, modules), from the apps at the top to the engine at the bottom.
ROLES = [
    ("apps", "#fde2e4", ["cli", "demos", "demos_multiclass", "demo_output", "playground", "widgets", "notebook",
                         "micrograd"]),
    ("fast path", "#e2ece9", ["batched"]),
    ("seeing and teaching", "#fff1c1", ["viz", "viz_network", "dot_parts", "colours", "rendering", "explain",
                                       "stepper", "expression", "practice", "plots"]),
    ("training and checking", "#dfe7fd", ["train", "trainer", "check", "reference", "data", "classify",
                                         "torch_bridge"]),
    ("networks, losses, optimizers", "#e8dff5", ["nn", "labels", "losses", "optim"]),
    ("engine", "#d8f3dc", ["engine", "ops", "edges", "grad_mode", "parameter"]),
    ("shared helpers", "#eeeeee", ["files", "extras", "validate"]),
]  # fmt: skip


def module_names():
    """Top-level module or subpackage names of the package (``__init__``/``__main__`` left out)."""
    names = {path.stem for path in PACKAGE.glob("*.py")} | {
        path.parent.name for path in PACKAGE.glob("*/__init__.py")
    }
    return sorted(names - {"__init__", "__main__"})


def imports_of(path, names, package_parts):
    """The package's modules that the file at `path` imports, by top-level name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's own package
                base = list(package_parts[: len(package_parts) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "micrograd_mlp":
                parts = node.module.split(".")
            else:
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from . import a, b (or from micrograd_mlp import a)
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "micrograd_mlp" and len(parts) > 1:
                    found.add(parts[1])
    return found & set(names)


def import_graph():
    """{module: set of modules it imports}, subpackages folded into one node each."""
    names = module_names()
    graph = {name: set() for name in names}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).with_suffix("").parts
        if relative[0] in ("__init__", "__main__"):
            continue
        package_parts = ("micrograd_mlp",) + relative[:-1]  # the package the file is in
        owner = relative[0]
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

    role_of = {name: (label, colour) for label, colour, names in ROLES for name in names}
    dot = graphviz.Digraph("architecture", graph_attr={
        "rankdir": "TB", "fontname": "Helvetica", "fontsize": "13", "nodesep": "0.25", "ranksep": "0.45",
        "label": "an arrow a -> b: a imports b (implied arrows left out); drawn by python docs/architecture.py",
        "labelloc": "b", "fontcolor": "#555555"})  # fmt: skip
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="14", fillcolor="white")
    dot.attr("edge", color="#777777", arrowsize="0.6")
    for label, colour, names in ROLES:
        present = [name for name in names if name in graph]
        if not present:
            continue
        with dot.subgraph(name=f"cluster_{label.replace(' ', '_').replace(',', '')}") as group:
            group.attr(label=label, style="rounded,filled", fillcolor=colour, color=colour, fontsize="15")
            for name in present:
                shown = name + "/" if (PACKAGE / name).is_dir() else name
                group.node(name, shown)
    unplaced = [name for name in graph if name not in role_of]
    for name in unplaced:
        dot.node(name, name, fillcolor="#dddddd")
    for a, b in reduced(graph):
        dot.edge(a, b)
    return dot, unplaced


def main():
    sys.path.insert(0, str(ROOT))
    from micrograd_mlp.rendering import render

    dot, unplaced = draw(import_graph())
    render(dot, OUT)
    for name in unplaced:
        print(f"architecture.py: {name} has no role in ROLES; it is drawn in grey", file=sys.stderr)
    print(OUT)


if __name__ == "__main__":
    main()
