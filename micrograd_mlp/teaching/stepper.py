"""Backward as a film: one drawing per step of `backward_steps`.

Frame 0 shows the start (intermediate grads reset, dL/dL = 1); each later
frame outlines the node the chain rule is applied at, writes on the edges to
its parents what gets added to their grads, and shows every grad filled in
so far. `save_frames` writes them as numbered SVGs; `stepper_html` as one
page that works offline, stepped with buttons or the arrow keys. Each step
is one node's ``_backward()`` (micrograd's name for its own chain-rule step),
so a learner can make the same film by hand in a notebook.
"""

from __future__ import annotations

import contextlib
import html
import re
from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

from ..engine import Value, topological_order
from ..files import atomic_write, check_writable_path
from .explain import backward_steps
from .rendering import find_dot, render_svg
from .viz import Drawing, draw_dot

__all__ = ["backward_frames", "save_frames", "stepper_html", "MAX_STEPS"]

MAX_STEPS = 300  # a film longer than this teaches nothing and makes a huge page


def backward_frames(root: Value, **draw_options) -> List[Drawing]:
    """Run ``root``'s backward pass step by step, drawing the graph at each step.

    Mutates ``.grad`` exactly as ``root.backward()`` does. Extra keyword
    arguments go to `draw_dot` (e.g. ``rankdir="TB"``, ``color="grad"``).

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> frames = backward_frames(a * b + a)
    >>> len(frames), a.grad                     # start, the +, the *
    (3, -2.0)
    >>> "+= -3.000" in frames[2].source         # a.grad += 1.0 * b
    True
    """
    return [drawing for _, drawing in _film(root, True, draw_options)]


def _check_root(root: Value) -> None:
    if not isinstance(root, Value):
        raise TypeError(
            f"the backward stepper needs the Value to backpropagate from (e.g. the loss), "
            f"got {type(root).__name__}"
        )


def _film(root: Value, titled: bool, draw_options: dict) -> List[Tuple[str, Drawing]]:
    """(step text, drawing) per step; the text is drawn under the graph if `titled`."""
    _check_root(root)
    steps = sum(1 for node in topological_order(root) if node.parents)
    if steps > MAX_STEPS:
        raise ValueError(
            f"this backward pass has {steps} steps, more than {MAX_STEPS} frames; step through "
            "a smaller expression (one neuron, one sample), or use draw_dot for the whole graph"
        )
    film = []
    for step in backward_steps(root):
        text = str(step)
        title = text if titled else ""
        current = step.node if step.index > 0 else None  # step 0 only seeds dL/dL = 1
        film.append((text, draw_dot(root, highlight=current, title=title, **draw_options)))
    return film


def save_frames(root: Value, out_dir: Union[str, Path], **draw_options) -> List[Path]:
    """Write the frames of `backward_frames` as ``frame_000.svg``, ``frame_001.svg``, ...

    Returns the paths written. Needs Graphviz's dot (see `find_dot`).

    >>> import tempfile
    >>> a = Value(2.0, label="a")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [path.name for path in save_frames(a * a, folder)]
    ['frame_000.svg', 'frame_001.svg']
    """
    _check_root(root)
    find_dot()  # fail before any grad changes, not after drawing every frame
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with _grads_kept_on_failure(root):
        for index, frame in enumerate(backward_frames(root, **draw_options)):
            path = out_dir / f"frame_{index:03d}.svg"
            atomic_write(path, render_svg(frame))
            paths.append(path)
    return paths


@contextlib.contextmanager
def _grads_kept_on_failure(root: Value) -> Iterator[None]:
    """Put every grad back as it was if the block fails (e.g. the file cannot be
    written), so that a retry does not add the backward pass a second time."""
    order = topological_order(root)
    grads = [node.grad for node in order]
    try:
        yield
    except BaseException:
        for node, grad in zip(order, grads):
            node.grad = grad
        raise


def _inline_svg(svg: str, frame_id: str) -> str:
    """SVG from dot, ready to sit inside HTML: no XML prolog or DOCTYPE (whose
    DTD address a browser might try to fetch), ids unique to the frame."""
    start = svg.index("<svg")
    body = svg[start:]
    return re.sub(r'id="([^"]*)"', lambda m: f'id="{frame_id}_{m[1]}"', body)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
.frame {{ display: none; }}
.frame.current {{ display: block; }}
pre {{ background: #f4f4f4; padding: 0.6em; }}
svg {{ max-width: 100%; height: auto; }}
button {{ font-size: 1em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>
<button id="first" title="first step (Home)">&#x25C0;&#x25C0; first</button>
<button id="back" title="previous step (left arrow)">&#x25C0; back</button>
<span id="counter"></span>
<button id="next" title="next step (right arrow)">next &#x25B6;</button>
<button id="last" title="last step (End)">last &#x25B6;&#x25B6;</button>
</p>
{frames}
<script>
const frames = document.querySelectorAll(".frame");
const counter = document.getElementById("counter");
let current = 0;
function show(index) {{
  current = Math.max(0, Math.min(frames.length - 1, index));
  frames.forEach((frame, k) => frame.classList.toggle("current", k === current));
  counter.textContent = "step " + current + " of " + (frames.length - 1);
}}
document.getElementById("first").onclick = () => show(0);
document.getElementById("back").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
document.getElementById("last").onclick = () => show(frames.length - 1);
document.addEventListener("keydown", (event) => {{
  if (event.key === "ArrowRight" || event.key === " ") show(current + 1);
  else if (event.key === "ArrowLeft") show(current - 1);
  else if (event.key === "Home") show(0);
  else if (event.key === "End") show(frames.length - 1);
  else return;
  event.preventDefault();
}});
show(0);
</script>
</body>
</html>
"""


DEFAULT_TITLE = "Backpropagation, step by step"


def stepper_html(
    root: Value, path: Union[str, Path], title: Optional[str] = DEFAULT_TITLE, **draw_options
) -> Path:
    """Write one self-contained HTML page that steps through ``root``'s backward pass.

    Every frame is an inline SVG with its step's text above it; buttons and
    the arrow keys (Home/End too) move between them. No scripts, styles or
    fonts are loaded from anywhere, so the page works offline. Mutates
    ``.grad`` as ``root.backward()`` does, except when the page cannot be
    written: then every grad is put back, so a retry gives the same grads.
    ``title=None`` is the default title. Returns the path.

    >>> import tempfile
    >>> a = Value(2.0, label="a")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     page = stepper_html(a * a, Path(folder) / "steps.html").read_text(encoding="utf-8")
    >>> page.count('<div class="frame"'), a.grad        # the start and the *; d(a*a)/da = 2a
    (2, 4.0)
    """
    _check_root(root)
    if title is None:
        title = DEFAULT_TITLE
    if not isinstance(title, str):
        raise TypeError(f"title must be text (a str), got {type(title).__name__} {title!r:.40}")
    path = Path(check_writable_path(path))  # fail before any grad changes
    find_dot()
    parts = []
    with _grads_kept_on_failure(root):
        # The step text goes above the picture (as HTML, not in it), where it is read first.
        for index, (text, drawing) in enumerate(_film(root, False, draw_options)):
            svg = _inline_svg(render_svg(drawing), f"f{index}")
            parts.append(
                f'<div class="frame" id="frame-{index}">\n<pre>{html.escape(text)}</pre>\n{svg}</div>'
            )
        page = _PAGE.format(title=html.escape(title), frames="\n".join(parts))
        atomic_write(path, page)
    return path
