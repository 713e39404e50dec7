"""The pieces every drawing is built from, as Graphviz text.

`Drawing` (a ``graphviz.Digraph`` that Jupyter shows through `find_dot`),
`escape` for any text inside an HTML-like label, the legend under a picture,
column headers and the invisible edges that keep a column in index order, the
signed colour of a number, and the size checks that refuse a graph ``dot``
would take minutes to lay out. `viz` (graphs of Values) and `viz_network`
(networks of neurons) both draw with them.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from typing import Dict, Iterable, List, Optional

import graphviz

from .colours import NEGATIVE_RGB, NOT_FINITE_COLOUR, POSITIVE_RGB, ink_on, mix
from .rendering import render_svg

__all__ = ["Drawing", "escape", "legend", "header", "chain", "signed_colour", "shorten", "check_size",
           "check_rankdir", "MAX_LABEL_CHARS"]  # fmt: skip

MAX_LABEL_CHARS = 1000  # characters of a name or title shown in a drawing


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose Jupyter display renders with `find_dot`.

    So a notebook shows the drawing with Graphviz's ``dot`` or, without it,
    with ``graphviz-pure``; and says how to install either when both are
    missing.

    >>> drawing = Drawing(); drawing.node("x")
    >>> isinstance(drawing, graphviz.Digraph), list(drawing._repr_mimebundle_(exclude=["image/svg+xml"]))
    (True, [])
    """

    def _repr_mimebundle_(
        self, include: Optional[Iterable[str]] = None, exclude: Optional[Iterable[str]] = None, **_
    ) -> Dict[str, str]:
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        return {"image/svg+xml": render_svg(self)} if "image/svg+xml" in wanted else {}


def escape(text: str, newline: str = "<BR/>") -> str:
    r"""Make any text safe inside a Graphviz HTML-like label.

    XML specials become entities, backslashes are doubled (dot would read
    ``\N`` as the node's name), newlines become line breaks, and characters
    XML cannot hold (control characters, lone surrogates) are shown as escapes.

    >>> print(escape('a<b> "q" \\N' + "\n" + "next\x07"))
    a&lt;b&gt; &quot;q&quot; \\N<BR/>next\\x07
    """
    shown = []
    for char in text:
        if char != "\n" and (unicodedata.category(char) in ("Cc", "Cs") or char in "\ufffe\uffff"):
            char = char.encode("unicode_escape", "backslashreplace").decode("ascii")
        shown.append(char)
    safe = html.escape("".join(shown).replace("\\", "\\\\"), quote=False)
    return safe.replace('"', "&quot;").replace("\n", newline)


def signed_colour(x: float, largest: float, strongest: float = 1.0) -> str:
    """Blue for positive, red for negative, stronger for larger |x| (up to `strongest`).

    >>> signed_colour(1.0, 1.0), signed_colour(-1.0, 1.0), signed_colour(float("nan"), 1.0)
    ('#2166ac', '#b2182b', '#ffff66')
    """
    if not math.isfinite(x):
        return NOT_FINITE_COLOUR
    strength = abs(x) / largest if largest > 0.0 else 0.0
    faintest = 0.1
    return mix(POSITIVE_RGB if x > 0 else NEGATIVE_RGB, faintest + (strongest - faintest) * strength if x else 0.0)


def legend(entries: List[tuple], note: str, title: str = "") -> str:
    """A graph label: a row of colour swatches (fill, text[, outline]) with a note, then the title.

    Drawn under the picture by dot and graphviz-pure alike (an HTML-like table).

    >>> legend([("#2166ac", "w > 0")], "edge width |w|").count("<TD")
    3
    """
    cells = ['<TD BORDER="0"><B>legend</B></TD>']
    for fill, text, *outline in entries:
        ink = ink_on(fill)  # WCAG AA: at least 4.5:1 on every swatch (white on blue and red)
        border = f' COLOR="{outline[0]}" BORDER="3"' if outline else ""
        cells.append(f'<TD BGCOLOR="{fill}"{border}><FONT COLOR="{ink}">{escape(text)}</FONT></TD>')
    cells.append(f'<TD BORDER="0">{escape(note)}</TD>')
    rows = ["<TR>" + "".join(cells) + "</TR>"]
    if title:
        left = '<BR ALIGN="LEFT"/>'  # a line break that also left-aligns the line before it
        rows.append(f'<TR><TD BORDER="0" COLSPAN="{len(cells)}" ALIGN="LEFT" BALIGN="LEFT">'
                    f'<FONT FACE="Courier">{escape(title, left)}{left}</FONT></TD></TR>')  # fmt: skip
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="4" CELLPADDING="3">'
    return "<" + table + "".join(rows) + "</TABLE>>"


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """`text`, cut to `limit` characters with a note: Graphviz's dot fails on labels
    over 16,384 characters (escaping can make a label up to 10 times longer).

    >>> shorten("abcdef", 3)
    'abc... (3 characters cut)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} characters cut)"


def check_size(count: int, what: str, limit: int, name: str, advice: str) -> None:
    """Refuse a graph with more than `limit` of something, saying what to do instead.

    >>> check_size(9, "edges", 10, "max_edges", "Draw less")     # under the limit: nothing happens
    """
    if count > limit:
        raise ValueError(
            f"this graph has {count} {what}, more than {name}={limit}; dot would take very long "
            f"to lay it out and nobody could read it. {advice}, or pass a larger {name}."
        )


def check_rankdir(rankdir: str) -> None:
    """Refuse a direction Graphviz does not know.

    >>> check_rankdir("LR")      # left to right; "TB", "RL" and "BT" are fine too
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f'rankdir must be "LR", "TB", "RL" or "BT", got {rankdir!r}')


def chain(graph: graphviz.Digraph, ids: List[str]) -> None:
    """Keep `ids` in one column, in this order (top to bottom for rankdir LR).

    Left to themselves, dot and graphviz-pure order the nodes of a column to
    cross fewest edges, and when every node meets every node (an MLP) any order
    is as good: neurons came out N2, N1, N3 and inputs x2 above x1. Invisible
    edges within a rank=same group fix the order in both programs. (Inside a
    cluster box they do not, which is why ordered columns get no boxes.)

    >>> graph = Drawing(); chain(graph, ["x1", "x2", "L1.N1"])
    >>> graph.body[-1].strip()
    '{rank=same; x1 -> x2 -> "L1.N1" [style=invis]}'
    """
    if len(ids) > 1:
        quoted = [name if re.fullmatch(r"\w+", name) else f'"{name}"' for name in ids]  # "L1.N2": a dot needs quotes
        graph.body.append("\t{rank=same; " + " -> ".join(quoted) + " [style=invis]}\n")


def header(graph: graphviz.Digraph, name: str, text: str) -> None:
    """A column's title: a node, so it is drawn over edges, not under them like a box's label.

    >>> graph = Drawing(); header(graph, "header_L1", "layer 1")
    >>> "<<B>layer 1</B>>" in graph.source
    True
    """
    graph.node(name, label=f"<<B>{escape(text)}</B>>", shape="plaintext", style="filled",
               fillcolor="#ffffff", fontsize="14")  # fmt: skip
