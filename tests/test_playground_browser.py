"""The playground in a real browser: Playwright for Python driving Debian's chromium.

The real server (`micrograd-mlp playground`, uvicorn) runs in a subprocess on a
free 127.0.0.1 port. The test presses play and watches the epoch counter rise
and the train loss fall below 0.35 (from about 0.5 at the start), the boundary
change, then changes the data set and the layers, pauses and steps once, clicks
a neuron, and types a bad learning rate. Its screenshots go to docs/ with
MICROGRAD_SCREENSHOTS=1 (as the lab's do), otherwise to a temporary folder.
"""

import os
import tempfile
from pathlib import Path

import page_support
import pytest
from page_support import CHROMIUM, ROOT

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

DOCS = ROOT / "docs"


def _shots_folder():
    """docs/ when asked (MICROGRAD_SCREENSHOTS=1), so a test run leaves the README's pictures alone."""
    if os.environ.get("MICROGRAD_SCREENSHOTS") == "1":
        return DOCS
    return Path(tempfile.mkdtemp(prefix="playground-shots-"))


SHOTS = _shots_folder()
LOSS_BELOW = 0.35  # moons, MLP(2, [8, 8, 1]), Adam 0.03: about 0.5 at epoch 1
address, browser = page_support.address, page_support.browser  # the fixtures: one server, one chromium
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")


def epoch(page):
    return int(page.text_content("#epoch"))


def canvas_pixels(page, selector):
    return page.eval_on_selector(selector, "canvas => canvas.toDataURL()")


def test_play_watch_change_step_and_look_inside(address, browser):
    page = browser.new_page(viewport={"width": 1700, "height": 1000})
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(address)
    page.wait_for_function("() => document.getElementById('limits').textContent.includes('32 neurons')")
    page.wait_for_function("() => frame !== null && frame.boundary !== undefined")
    assert epoch(page) == 0
    assert page.get_attribute("#lab-link", "href") == "lab"  # relative: works under any path prefix
    before = canvas_pixels(page, "#boundary")

    # play: the counter rises, the loss falls below the stated value, the boundary bends
    page.click("#play")
    page.wait_for_function(
        f"() => Number(document.getElementById('epoch').textContent) >= 3 && "
        f"Number(document.getElementById('train-loss').textContent) < {LOSS_BELOW}",
        timeout=180_000,
    )
    assert canvas_pixels(page, "#boundary") != before
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 12", timeout=180_000)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "playground.png"), full_page=True)

    # pause: the counter stops; one step: one more epoch, and no frame after it
    page.click("#play")
    assert "Play" in page.text_content("#play")
    with page.expect_response(lambda r: r.url.endswith("/step")) as answer:
        page.click("#step")
    stepped = answer.value.json()["epoch"]
    assert stepped >= 13  # the epochs played, plus at most one under way when paused, plus this one
    page.wait_for_function(f"() => Number(document.getElementById('epoch').textContent) === {stepped}")
    page.wait_for_timeout(3000)
    assert epoch(page) == stepped  # paused: nothing more comes

    # click a neuron of the first hidden layer: its panel and the lab link
    x, y = page.evaluate(
        """() => { const c = document.getElementById('network'), box = c.getBoundingClientRect();
                   const n = nodes.find((n) => n.layer === 0 && n.neuron === 2);
                   return [box.left + n.x * box.width / c.width, box.top + n.y * box.height / c.height]; }"""
    )
    page.mouse.click(x, y)
    page.wait_for_selector("#neuron-panel:not([hidden])")
    assert page.text_content("#neuron-title") == "Neuron L1.N3: layer 1, neuron 3 (tanh)"  # counted from 1
    assert page.locator("#neuron-table tbody tr td:first-child").all_text_contents() == ["x1", "x2", "bias"]
    page.fill("#point", "5")
    page.dispatch_event("#point", "change")
    sid = page.evaluate("sid")
    assert page.get_attribute("#inside-link", "href") == f"lab?session={sid}&layer=0&neuron=2&point=5"
    page.screenshot(path=str(SHOTS / "playground_neuron.png"), full_page=True)

    # "Inside this neuron" opens the chain-rule lab on this tab's model, neuron and point
    inside = browser.new_page(viewport={"width": 1400, "height": 1000})
    inside.goto(address + page.get_attribute("#inside-link", "href"))
    inside.wait_for_selector("#graph svg")
    assert inside.text_content("#inside-title").startswith("Inside L1.N3 (model.layers[0].neurons[2]) for x = ")
    inside.close()

    # layers: add one, then one more neuron in the first
    page.click("#add-layer")
    page.wait_for_function("() => frame.network.length === 4")
    page.click("#layers .layer:first-child button[aria-label^='one neuron more']")
    page.wait_for_function("() => frame.settings.hidden[0] === 9")
    assert page.evaluate("frame.settings.hidden") == [9, 8, 8]
    page.click("#remove-layer")
    page.wait_for_function("() => frame.network.length === 3")

    # a bad learning rate: the server's message on the page, the old value back
    page.fill("#lr", "abc")
    page.dispatch_event("#lr", "change")
    page.wait_for_selector("#message:not([hidden])")
    assert "lr must be a number, got 'abc'" in page.text_content("#message")
    assert page.input_value("#lr") == "0.03"

    # the data set: the cubic regression draws its fitted curve
    page.select_option("#dataset", "cubic")
    page.wait_for_function("() => frame.regression === true && frame.curve !== undefined")
    assert page.input_value("#loss") == "mse" and page.is_hidden("#acc-stats")
    page.click("#play")
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 5", timeout=180_000)
    page.click("#play")
    # pausing refreshes the open neuron panel (now a neuron of the cubic's model)
    page.wait_for_function("() => Number(document.querySelector('#neuron-table tbody td:nth-child(3)').textContent) !== 0")
    page.screenshot(path=str(SHOTS / "playground_regression.png"), full_page=True)
    assert problems == []


def test_a_diverging_run_pauses_with_a_message(address, browser):
    page = browser.new_page(viewport={"width": 1700, "height": 1000})
    page.goto(address)
    page.wait_for_function("() => frame !== null")
    page.evaluate(
        """() => change({optimizer: 'sgd', activation: 'linear', batch_size: null, lr: 1000000,
                         hidden: [16, 16], points: 100})"""
    )
    page.wait_for_function("() => frame.settings.lr === 1000000")
    page.click("#play")
    page.wait_for_selector("#message:not([hidden])", timeout=180_000)
    message = page.text_content("#message")
    assert message.startswith("Training diverged at epoch") and "check_finite" in message
    assert "Play" in page.text_content("#play")  # paused
    page.screenshot(path=str(SHOTS / "playground_diverged.png"), full_page=True)


def test_two_tabs_train_independently(address, browser):
    first, second = browser.new_page(), browser.new_page()
    for page in (first, second):
        page.goto(address)
        page.wait_for_function("() => frame !== null && sid !== null")
    assert first.evaluate("sid") != second.evaluate("sid")
    second.select_option("#dataset", "xor")
    second.wait_for_function("() => frame.settings.dataset === 'xor'")
    first.click("#play")
    first.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 2", timeout=120_000)
    first.click("#play")
    assert epoch(second) == 0 and first.evaluate("frame.settings.dataset") == "moons"
    second.click("#step")
    second.wait_for_function("() => Number(document.getElementById('epoch').textContent) === 1")
    first.close()  # its socket closes: the other tab goes on
    second.click("#step")
    second.wait_for_function("() => Number(document.getElementById('epoch').textContent) === 2")
