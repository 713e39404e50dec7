"""Helpers for the drawing tests: requiring Graphviz, reading DOT text and SVG."""

import re
import shutil
import sysconfig
import xml.etree.ElementTree as ET

from optional import install_hint, missing

SVG = "{http://www.w3.org/2000/svg}"


def _locate(program: str):
    if program == "graphviz-pure":
        # The dev extra installs it next to this Python. (A PATH entry may be a
        # version manager's shim, which cannot run once a test hides PATH.)
        return shutil.which(program, path=sysconfig.get_path("scripts"))
    return shutil.which(program)


# Looked up once, before any test hides PATH.
_INSTALLED = {program: _locate(program) for program in ("dot", "graphviz-pure")}
FIXES = {"dot": "apt-get install graphviz", "graphviz-pure": install_hint("graphviz-pure", "demos")}


def require(program: str) -> str:
    """The path of `program` ("dot" or "graphviz-pure"); skip the test
    without it, but fail under CI.

    CI installs Graphviz (and the dev extra's graphviz-pure) so that the
    render tests run for real there; a silent skip would hide a broken setup.
    """
    found = _INSTALLED[program]
    if found:
        return found
    missing(program, FIXES[program])


def value_nodes(source: str) -> list:
    """Ids of the value boxes in a draw_dot source (op nodes end in "op")."""
    return re.findall(r"^\s*(n\d+) \[label=", source, re.M)


def op_nodes(source: str) -> list:
    return re.findall(r"^\s*(n\d+op) \[label=", source, re.M)


def edges(source: str) -> list:
    """(from, to, label or None) for every edge, in order."""
    found = re.findall(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M)
    return [(a, b, (re.search(r"label=([^ \]]+)", attrs) or [None, None])[1]) for a, b, attrs in found]


def node_line(source: str, label_text: str) -> str:
    """The one source line of the node whose label contains `label_text`."""
    lines = [line for line in source.splitlines() if label_text in line and "->" not in line]
    assert len(lines) == 1, lines
    return lines[0]


def svg_texts(svg: str) -> list:
    """Parse SVG (raising if it is not well-formed XML) and return all its text lines."""
    root = ET.fromstring(svg.encode("utf-8"))
    return [("".join(t.itertext())) for t in root.iter(SVG + "text")]


def reads_as_a_sign(colour, min_saturation):
    """Is `colour` a blue or a red (hue near the sign colours'), saturated enough to be read as one?"""
    import colorsys

    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, saturation, _ = colorsys.rgb_to_hsv(red, green, blue)
    degrees = hue * 360
    near_red, near_blue = degrees >= 335 or degrees <= 15, 190 <= degrees <= 235
    return saturation >= min_saturation and (near_red or near_blue)

