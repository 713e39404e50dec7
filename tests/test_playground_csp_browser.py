"""Both pages in Debian's chromium, under the server's Content-Security-Policy, under a path prefix.

The app is mounted at /user/alice/playground/ (where JupyterHub's proxy serves
it), so every asset, API call and the WebSocket must be relative to the page.
Any console error or CSP violation fails the test. Screenshots go to a
temporary folder (docs/ with MICROGRAD_SCREENSHOTS=1).
"""

import os
import tempfile
from pathlib import Path

import pytest
from optional import require

require("starlette")
require("uvicorn")
require("playwright.sync_api")

from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Mount  # noqa: E402

from lab_support import Server, need_chromium  # noqa: E402
from page_support import chromium  # noqa: E402
from micrograd_mlp.apps.playground import server as playground  # noqa: E402
from viz_support import require  # noqa: E402

PREFIX = "/user/alice/playground/"
SHOTS = (Path(__file__).resolve().parents[1] / "docs" if os.environ.get("MICROGRAD_SCREENSHOTS") == "1"
         else Path(tempfile.mkdtemp(prefix="csp-shots-")))  # fmt: skip


@pytest.fixture(scope="module")
def address():
    need_chromium()
    running = Server(Starlette(routes=[Mount(PREFIX.rstrip("/"), app=playground.create_app(workers=1))]))
    yield running.url + PREFIX
    running.stop()


@pytest.fixture(scope="module")
def browser():
    need_chromium()
    with chromium() as launched:
        yield launched


def watched_page(browser):
    """A page that records every console error, page error and CSP violation."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.add_init_script("document.addEventListener('securitypolicyviolation', (e) => "
                         "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")  # fmt: skip
    return page, problems


def test_both_pages_work_under_the_csp_and_a_path_prefix(address, browser):
    require("dot")
    page, problems = watched_page(browser)
    response = page.goto(address)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("() => frame !== null && frame.boundary !== undefined")
    page.click("#play")  # over the WebSocket at <prefix>ws/ID
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 5", timeout=120_000)
    page.click("#play")
    sockets = page.evaluate("socket.url")
    assert sockets.startswith("ws://127.0.0.1:") and PREFIX + "ws/" in sockets
    page.screenshot(path=str(SHOTS / "csp_playground.png"), full_page=True)

    # the network's first neuron, then "Inside this neuron": the lab under the same prefix
    x, y = page.evaluate(
        """() => { const c = document.getElementById('network'), box = c.getBoundingClientRect();
                   const n = nodes.find((n) => n.layer === 0 && n.neuron === 0);
                   return [box.left + n.x * box.width / c.width, box.top + n.y * box.height / c.height]; }"""
    )
    page.mouse.click(x, y)
    page.wait_for_selector("#neuron-panel:not([hidden])")
    href = page.get_attribute("#inside-link", "href")
    assert href.startswith("lab?session=")
    lab, lab_problems = watched_page(browser)
    lab.goto(address + href)
    lab.wait_for_selector("#graph svg")
    assert lab.text_content("#inside-title").startswith("Inside L1.N1 (model.layers[0].neurons[0]) for x = ")
    lab.screenshot(path=str(SHOTS / "csp_lab_inside.png"), full_page=True)

    # the lab on its own: draw, step the backward pass, a practice exercise
    lab.goto(address + "lab?expr=a*b%2Bc&values=a:2,b:-3,c:1")
    lab.wait_for_selector("#graph svg")
    lab.click("#next")
    lab.click("#tab-practice")
    lab.click("#new-exercise")
    lab.wait_for_selector("#practice-graph svg")
    lab.screenshot(path=str(SHOTS / "csp_lab_practice.png"), full_page=True)
    assert problems == [] and lab_problems == []
