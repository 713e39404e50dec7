"""Turning a drawing's DOT text into SVG or PNG with Graphviz's ``dot``.

Building a drawing needs no program; laying it out does. `find_dot` looks for
Graphviz's ``dot`` on PATH, then for ``graphviz-pure`` (a dot-compatible
binary from the PyPI wheel of that name, which needs nothing else installed),
and otherwise raises `GraphvizNotFound` saying how to install Graphviz.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Optional, Union

import graphviz

from ..files import atomic_write, check_writable_path

__all__ = ["GraphvizNotFound", "find_dot", "render", "render_svg"]

_FORMATS = ("svg", "png", "pdf")
_SOURCE_FORMATS = ("dot", "gv")


class GraphvizNotFound(RuntimeError):
    """Neither Graphviz's ``dot`` nor ``graphviz-pure`` could be found.

    >>> print(str(GraphvizNotFound()).splitlines()[1])
      Debian/Ubuntu: sudo apt-get install graphviz
    """

    def __init__(self) -> None:
        super().__init__(
            "Graphviz's `dot` program is not on PATH (nor is graphviz-pure), so the drawing "
            "cannot be laid out as a picture. Install Graphviz:\n"
            "  Debian/Ubuntu: sudo apt-get install graphviz\n"
            "  macOS:         brew install graphviz\n"
            "  Windows:       winget install graphviz  (or: choco install graphviz), "
            "then open a new terminal\n"
            "  or anywhere:   pip install graphviz-pure\n"
            "The drawing itself needs none of these: graph.source is its DOT text "
            "(render(graph, 'graph.dot') saves it)."
        )


def _scripts_dir() -> str:
    # Where pip puts console scripts for this Python: a venv's bin/ is found
    # even when the venv is not activated (so not on PATH).
    return sysconfig.get_path("scripts")


def find_dot() -> str:
    """The path of the program that lays out drawings.

    ``dot`` on PATH first, then ``graphviz-pure`` on PATH or next to this
    Python; raises `GraphvizNotFound` (with install instructions) otherwise.

    >>> Path(find_dot()).name in ("dot", "graphviz-pure")   # with the dev extra, one is there
    True
    """
    found = (
        shutil.which("dot")
        or shutil.which("graphviz-pure")
        or shutil.which("graphviz-pure", path=_scripts_dir())
    )
    if not found:
        raise GraphvizNotFound()
    return found


def _source(graph: graphviz.Digraph) -> str:
    # Any graphviz object (Digraph, Graph, Source) has its DOT text in .source.
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(
            f"expected a drawing such as draw_dot(value) or draw_mlp(model), got "
            f"{type(graph).__name__}; draw it first, e.g. render(draw_dot(loss), 'graph.svg')"
        )
    return source


def _run_dot(source: str, fmt: str) -> bytes:
    program = find_dot()
    result = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"{program} -T{fmt} failed (exit code {result.returncode}): {message}")
    return result.stdout


def render_svg(graph: graphviz.Digraph) -> str:
    """The drawing as SVG text (needs dot or graphviz-pure).

    >>> render_svg(graphviz.Digraph(body=["a -> b"])).lstrip().startswith("<?xml")
    True
    """
    return _run_dot(_source(graph), "svg").decode("utf-8")


def render(graph: graphviz.Digraph, path: Union[str, Path], format: Optional[str] = None) -> Path:
    """Write the drawing to `path` as SVG, PNG or PDF; returns the path.

    The format comes from the file's suffix unless given. ``.dot`` / ``.gv``
    write the DOT text itself, which needs no Graphviz at all.

    >>> import tempfile, graphviz
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = render(graphviz.Digraph(), Path(folder) / "empty.dot")
    ...     written.read_text()
    'digraph {\\n}\\n'
    """
    source = _source(graph)
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    check_writable_path(path)  # a bad name fails before dot runs
    # Written whole or not at all (a temporary file, then a rename; see files.py).
    if fmt in _SOURCE_FORMATS:
        atomic_write(path, source)
        return path
    if fmt not in _FORMATS:
        raise ValueError(
            f"cannot tell which picture format to write for {str(path)!r}; give the file a "
            f"suffix among .svg, .png, .pdf, .dot, or pass format= (one of svg, png, pdf, dot)"
        )
    atomic_write(path, _run_dot(source, fmt))
    return path
