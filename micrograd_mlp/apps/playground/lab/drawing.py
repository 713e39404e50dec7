"""The lab's pictures: `draw_dot` for a graph, laid out by Graphviz, outside the engine lock.

Making the DOT text reads the graph's Values, so it happens where the graph is
built (under the engine lock); laying it out is a Graphviz subprocess that can
take a second, so `finish` runs it afterwards, with the lock free: a drawing
never stalls another tab's training.

>>> from ....engine import Value
>>> graph = {"nodes": [], "edges": []}
>>> attach_source(graph, Value(2.0, label="a") * 3)
>>> graph["dot"].startswith("digraph")
True
"""

from __future__ import annotations

import html
import re
import subprocess
import threading
from typing import Any, Dict, List, Optional

from ....engine import Value
from ....teaching.rendering import GraphvizNotFound, find_dot
from ....teaching.viz import draw_dot

__all__ = ["attach_source", "finish", "render", "RENDER_TIMEOUT"]

RENDER_TIMEOUT = 20  # seconds Graphviz may take to lay out one graph

# Graphviz runs in a subprocess: two at a time, so a class of students dragging
# sliders cannot start dozens of them on a small machine.
_RENDERS = threading.BoundedSemaphore(2)


def render(source: str) -> str:
    """Graphviz's SVG for DOT text, given up after `RENDER_TIMEOUT` s (subprocess.TimeoutExpired)."""
    program = find_dot()
    with _RENDERS:
        done = subprocess.run([program, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                              timeout=RENDER_TIMEOUT)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{program} failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return done.stdout.decode("utf-8")


def attach_source(graph: Dict[str, Any], root: Value, show_grad: bool = True) -> None:
    """Put draw_dot's DOT text of ``root`` in ``graph["dot"]`` (or why there is none)."""
    try:
        drawing = draw_dot(root, show_grad=show_grad, room_for_steps=show_grad)
        # Bound the network-simplex passes that place nodes: a node used many
        # times (a*a*a*...) is otherwise very slow to lay out; ordinary graphs
        # come out the same.
        drawing.attr(nslimit="1")
        graph["dot"] = drawing.source
    except ValueError as error:  # over draw_dot's limits
        graph["dot"], graph["svg_error"] = None, str(error)


def finish(graph: Dict[str, Any]) -> Dict[str, Any]:
    """Lay out ``graph["dot"]`` (if any) into ``graph["svg"]`` and find each node and edge in it.

    Needs no lock: it reads only the JSON payload, never a Value.
    """
    source = graph.pop("dot", None)
    graph.setdefault("svg", None)
    graph.setdefault("svg_error", None)
    if source is not None:
        graph.update(_svg(source))
    groups = _svg_ids(graph["svg"] or "")
    for node in graph["nodes"]:
        node["svg"] = (groups.get(node["id"]) or [None])[0]
        node["svg_op"] = (groups.get(node["id"] + "op") or [None])[0]
    # The k-th edge into a node is drawn as the small box "n3e<k>" sitting on it
    # (draw_dot), holding its local derivative; the stepper writes "+= ..." in it.
    seen: Dict[str, int] = {}
    for edge in graph["edges"]:
        k = seen[edge["child"]] = seen.get(edge["child"], -1) + 1
        edge["svg"] = (groups.get(f"{edge['child']}e{k}") or [None])[0]
    return graph


def _svg(source: str) -> Dict[str, Optional[str]]:
    """The SVG of DOT text (no XML prolog), or the reason there is none."""
    try:
        svg = render(source)
    except GraphvizNotFound as error:
        return {"svg": None, "svg_error": str(error)}
    except subprocess.TimeoutExpired:
        return {"svg": None, "svg_error": (
            f"laying out this graph took more than {RENDER_TIMEOUT} s, so there is no picture; "
            "the steps below are still right. A smaller expression draws quickly")}  # fmt: skip
    except (RuntimeError, ValueError, OSError) as error:  # dot failed
        return {"svg": None, "svg_error": str(error)}
    svg = svg[svg.index("<svg"):].replace(' id="', ' id="lab-')  # ids unique to the lab on the page
    return {"svg": svg, "svg_error": None}


_SVG_GROUP = re.compile(r'<g id="(lab-(?:node|edge)\d+)" class="(?:node|edge)">\s*<title>([^<]*)</title>')


def _svg_ids(svg: str) -> Dict[str, List[str]]:
    """SVG group ids by their title ("n3", "n3op", "n0->n3op"), in the order dot made them.

    Graphviz numbers nodes and edges in the order the drawing defines them, and
    draw_dot defines a node's edges in the order of its parents, so the k-th
    edge between two nodes in our list is the k-th group with that title.
    """
    found: Dict[str, List[str]] = {}
    for group_id, title in _SVG_GROUP.findall(svg):
        found.setdefault(html.unescape(title), []).append(group_id)
    for ids in found.values():
        ids.sort(key=lambda group_id: int(re.sub(r"\D", "", group_id)))
    return found
