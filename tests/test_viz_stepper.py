"""Backward as frames (micrograd_mlp.teaching.stepper): drawings per step, SVG files, one HTML page."""

import re
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from explain_examples import neuron
from optional import require_program
from viz_support import require, svg_texts

from micrograd_mlp import Value
from micrograd_mlp.teaching import rendering
from micrograd_mlp.teaching.explain import backward_steps
from micrograd_mlp.teaching.rendering import GraphvizNotFound
from micrograd_mlp.teaching.stepper import MAX_STEPS, backward_frames, save_frames, stepper_html


def test_one_frame_per_step_with_the_current_node_outlined():
    o, nodes = neuron()
    frames = backward_frames(o)
    twin, twin_nodes = neuron()
    steps = [str(step) for step in backward_steps(twin)]
    assert len(frames) == len(steps) == 6  # the start, tanh, two +, two *
    for frame, text in zip(frames, steps):
        assert text.splitlines()[0] in frame.source
    # the start has nothing to outline; every later frame outlines the node of its step
    assert [frame.source.count("penwidth=3") for frame in frames] == [0, 1, 1, 1, 1, 1]
    assert "<BR/>+= " not in frames[0].source  # no contributions on edges yet
    assert [v.grad for v in nodes.values()] == [v.grad for v in twin_nodes.values()]
    assert (nodes["x1"].grad, nodes["w1"].grad) == pytest.approx((-1.5, 1.0))
    # frame 0: only the root's grad is set so far; frame 1: n has received 0.5
    assert "<B>n</B><BR/>data 0.8814<BR/>grad 0.000" in frames[0].source
    assert "<B>n</B><BR/>data 0.8814<BR/>grad 0.5000" in frames[1].source
    assert "+= 0.5000" in frames[1].source


def test_frames_pass_drawing_options_on():
    o, _ = neuron()
    assert all("rankdir=TB" in f.source for f in backward_frames(o, rankdir="TB"))


def test_too_many_steps_are_refused_before_any_grad_changes():
    x = Value(1.0, label="x")
    out = x
    for _ in range(MAX_STEPS + 1):
        out = out * 1.0
    with pytest.raises(ValueError, match=rf"{MAX_STEPS + 1} steps, more than {MAX_STEPS} frames"):
        backward_frames(out)
    assert x.grad == 0.0


def test_the_stepper_refuses_what_is_not_a_value(tmp_path):
    message = r"the backward stepper needs the Value to backpropagate from \(e.g. the loss\), got float"
    with pytest.raises(TypeError, match=message):
        backward_frames(3.0)
    with pytest.raises(TypeError, match=message):
        stepper_html(3.0, tmp_path / "steps.html")
    assert not (tmp_path / "steps.html").exists()


def test_without_graphviz_nothing_is_written_and_no_grad_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(rendering, "_scripts_dir", lambda: str(tmp_path))
    o, nodes = neuron()
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        save_frames(o, tmp_path / "frames")
    with pytest.raises(GraphvizNotFound, match="brew install graphviz"):
        stepper_html(o, tmp_path / "steps.html")
    assert o.grad == 0.0 and nodes["x1"].grad == 0.0
    assert not (tmp_path / "frames").exists() and not (tmp_path / "steps.html").exists()
    assert len(backward_frames(o)) == 6  # the drawings themselves need no Graphviz


def test_save_frames_writes_numbered_svgs(tmp_path):
    require("dot")
    o, _ = neuron()
    paths = save_frames(o, tmp_path / "frames")
    assert [p.name for p in paths] == [f"frame_{i:03d}.svg" for i in range(6)]
    for path in paths:
        assert "o" in svg_texts(path.read_text(encoding="utf-8"))


class PageReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.frames, self.ids, self.scripts, self.links = 0, [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "frame":
            self.frames += 1
        if "id" in attrs:
            self.ids.append(attrs["id"])
        for name in ("src", "href"):
            if name in attrs:
                self.links.append(attrs[name])
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def test_the_page_holds_every_frame_and_needs_no_network(tmp_path):
    require("dot")
    o, _ = neuron()
    path = stepper_html(o, tmp_path / "steps.html", title="A <neuron>")
    page = path.read_text(encoding="utf-8")
    twin, _ = neuron()
    steps = [str(step) for step in backward_steps(twin)]
    reader = PageReader()
    reader.feed(page)
    assert reader.frames == len(steps) == page.count("<svg") == 6  # the neuron's six backward steps
    for text in steps:
        assert f"<pre>{text.replace('>', '&gt;')}</pre>" in page
    assert "<title>A &lt;neuron&gt;</title>" in page
    # Offline: nothing loaded from anywhere; the only URLs are XML namespace names.
    assert reader.links == []
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "<!DOCTYPE svg" not in page and "<?xml" not in page
    assert len(reader.ids) == len(set(reader.ids))  # each frame's SVG ids made unique
    script = "".join(reader.scripts)
    for handler in ('addEventListener("keydown"', '"ArrowRight"', '"ArrowLeft"', '"Home"', '"End"'):
        assert handler in script
    for button in ("first", "back", "next", "last"):
        assert f'id="{button}"' in page and f'getElementById("{button}").onclick' in script


def test_each_inline_svg_is_well_formed(tmp_path):
    require("dot")
    o, _ = neuron()
    page = stepper_html(o, tmp_path / "steps.html").read_text(encoding="utf-8")
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 6  # one per backward step of the neuron: a page without them must not pass
    for svg in svgs:
        ET.fromstring(svg.encode("utf-8"))


def test_keys_and_buttons_step_through_the_page_in_a_browser(tmp_path):
    """Optional: runs where a headless Chromium is installed (not a project dependency)."""
    browser = require_program("chromium", "apt-get install chromium")
    require("dot")
    o, _ = neuron()
    page = stepper_html(o, tmp_path / "steps.html").read_text(encoding="utf-8")
    # Press keys and buttons from a script, then record which frame is shown.
    probe = """<script>
    for (const key of ["ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft", "End", "ArrowRight"])
      document.dispatchEvent(new KeyboardEvent("keydown", {key}));
    document.getElementById("back").click();
    document.getElementById("back").click();
    const shown = document.querySelectorAll(".frame.current");
    document.body.dataset.shown = shown.length + " " + shown[0].id + " / " + counter.textContent;
    </script></body>"""
    probed = tmp_path / "probe.html"
    probed.write_text(page.replace("</body>", probe), encoding="utf-8")
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # End goes to the last frame (5), right stays there, two clicks on back: frame 3
    assert 'data-shown="1 frame-3 / step 3 of 5"' in result.stdout
