"""The lab in a real browser: type, slide, step, practise (Playwright + Debian chromium).

Screenshots go to docs/ (lab_expression.png, lab_stepper.png, lab_practice.png,
lab_inside.png) when MICROGRAD_SCREENSHOTS=1, else to a temporary folder.
"""

import os
from pathlib import Path

import pytest
from optional import require

require("uvicorn")
require("playwright.sync_api")

from lab_support import Server, make_app  # noqa: E402
from page_support import chromium  # noqa: E402
from lab_support import need_chromium as _need_chromium  # noqa: E402
from viz_support import require  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def server():
    require("dot")
    _need_chromium()
    running = Server(make_app())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    _need_chromium()
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    errors = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    if os.environ.get("MICROGRAD_SCREENSHOTS") == "1":
        return DOCS
    return tmp_path_factory.mktemp("shots")


def node_text(page, name):
    """The lines of the value box titled `name` in the drawn graph."""
    return page.evaluate(
        """(name) => {
            for (const group of document.querySelectorAll('#graph g.node')) {
              const texts = [...group.querySelectorAll('text')].map((t) => t.textContent);
              if (texts[0] === name) return texts;
            }
            return null;
        }""",
        name,
    )


def test_type_slide_step_and_explain(server, page, shots):
    page.goto(server.url + "/lab?expr=a&values=a:1")  # (plain /lab opens micrograd's neuron)
    page.wait_for_selector("#graph svg")
    page.fill("#expr", "(a*b + c) ** 2")
    page.click("#draw")
    page.wait_for_selector("#slider-c")
    assert page.locator("#sliders .slider").count() == 3
    # a = b = c = 1: out = (1*1 + 1)^2 = 4, dout/da = 2*(ab + c)*b = 4
    page.wait_for_function("() => document.querySelector('#counter').textContent === 'step 3 of 3'")
    assert node_text(page, "a")[2] == "grad 4.000"
    # move a's slider to 2 (keyboard: 10 steps of 0.1): the grad of b = 2*(ab + c)*a changes to 12
    page.evaluate("document.querySelector('#graph svg').dataset.mark = 'first layout'")
    page.focus("#slider-a")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#box-a').value === '2'")
    page.wait_for_function(
        """() => [...document.querySelectorAll('#graph g.node')].some((g) => {
               const t = [...g.querySelectorAll('text')].map((e) => e.textContent);
               return t[0] === 'b' && t[2] === 'grad 12.00'; })"""
    )
    assert node_text(page, "a")[1] == "data 2.000"
    # new values, same expression: the numbers were written into the same picture (no new layout)
    assert page.evaluate("document.querySelector('#graph svg').dataset.mark") == "first layout"
    assert "values=a%3A2" in page.url and "expr=" in page.url  # the state is in the URL
    page.screenshot(path=str(shots / "lab_expression.png"), full_page=True)

    # step the backward pass from the start to the end
    page.click("#first")
    assert page.text_content("#counter") == "step 0 of 3"
    assert node_text(page, "b")[2] == "grad 0.000"
    assert "every grad is set to 0" in page.text_content("#step-words")
    page.click("#next")
    assert page.text_content("#counter") == "step 1 of 3"
    assert page.locator("#graph g.current").count() == 2  # the node's box and its op circle
    assert page.locator("#graph text.plus").count() == 1  # += written on the one edge into **2
    page.click("#next")
    page.screenshot(path=str(shots / "lab_stepper.png"), full_page=True)
    page.click("#next")
    assert page.text_content("#counter") == "step 3 of 3"
    assert "b.grad grows by" in page.text_content("#step-words")
    assert node_text(page, "b")[2] == "grad 12.00"
    page.click("#next")  # past the end stays at the end
    assert page.text_content("#counter") == "step 3 of 3"

    # explain a clicked node
    page.locator("#graph g.node", has_text="data 2.000").first.click()
    assert "dout/da = " in page.text_content("#explain")

    # a shared link opens the same graph
    link = page.url
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("#graph svg")
    assert other.input_value("#expr") == "(a*b + c) ** 2" and other.input_value("#box-a") == "2"
    other.close()


def test_bad_input_keeps_the_graph_and_shows_the_message(server, page):
    page.goto(server.url + "/lab?expr=a%2Fb&values=a:1,b:2")
    page.wait_for_selector("#graph svg")
    before = page.inner_html("#graph")
    hostile = "</script><img src=x onerror=alert(1)>"
    page.fill("#expr", hostile)
    with page.expect_response("**/api/lab/graph"):
        page.click("#draw")
    page.wait_for_selector("#error:not([hidden])")
    assert "unexpected character '<' at position 0" in page.text_content("#error")
    assert page.inner_html("#graph") == before
    assert page.locator("img").count() == 0
    # the same text arriving in a shared link is only ever text in the page
    page.goto(server.url + "/lab?expr=%3C%2Fscript%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&values=%3Cb%3E:1")
    page.wait_for_selector("#error:not([hidden])")
    assert page.input_value("#expr") == hostile
    assert page.locator("img").count() == 0 and page.locator("#sliders .slider").count() == 0
    # a link whose values divide by zero: the message, and a slider to fix it
    page.goto(server.url + "/lab?expr=log(a)%2Fb&values=a:2,b:0")
    page.wait_for_selector("#error:not([hidden])")
    assert "divides by zero" in page.text_content("#error")
    page.fill("#box-b", "0.5")
    page.wait_for_selector("#graph svg")
    assert page.is_hidden("#error")
    page.goto(server.url + "/lab?expr=a%2Fb&values=a:1,b:2")
    page.wait_for_selector("#graph svg")
    # division by zero at these values: a message, the graph kept
    page.fill("#expr", "a/b")
    with page.expect_response("**/api/lab/graph"):
        page.click("#draw")
    page.wait_for_selector("#error[hidden]", state="attached")
    page.fill("#box-b", "0")
    page.wait_for_selector("#error:not([hidden])")
    assert "divides by zero" in page.text_content("#error")
    assert page.locator("#graph svg").count() == 1


def test_practice_right_and_wrong(server, page, shots):
    # level 3, seed 1: out = (a + b) * a with a = -1, b = -2
    page.goto(server.url + "/lab?mode=practice&level=3&seed=1")
    page.wait_for_selector("#answer-a")
    assert "out = (a + b) * a" in page.text_content("#exercise")
    assert "grad " not in page.inner_html("#practice-graph")  # the grads are hidden
    page.fill("#answer-add1", "-1")
    page.fill("#answer-b", "-1")
    page.fill("#answer-a", "-3")  # only one of a's two paths
    page.click("#check")
    page.wait_for_selector("#verdicts li")
    assert page.text_content("#score") == "2 of 3 right"
    assert "right" in page.get_attribute("#verdict-b", "class")
    assert "wrong" in page.get_attribute("#verdict-a", "class")
    assert "sum over every path" in page.text_content("#verdict-a")
    assert ("dout/da = dout/dout * dout/da + dout/dadd1 * dadd1/da = 1 * add1 + (-1.0) * 1"
            in page.text_content("#verdict-a pre"))
    assert "step 2: at add1 (+)" in page.text_content("#worked")
    # in the revealed graph, a's box and the boxes on its two edges (the two terms of its sum)
    assert page.locator("#practice-graph g.node.wrong").count() == 3
    assert page.locator("#practice-graph g.node.wrong text", has_text="data").count() == 1
    page.screenshot(path=str(shots / "lab_practice.png"), full_page=True)
    page.fill("#answer-a", "-4")
    page.click("#check")
    page.wait_for_function("() => document.querySelector('#score').textContent.includes('well done')")
    assert page.text_content("#score") == "3 of 3 right: well done!"
    # a new exercise at another level
    page.select_option("#level", "4")
    page.click("#new-exercise")
    page.wait_for_function("() => document.querySelector('#exercise').textContent.startsWith('Level 4')")
    assert "level=4" in page.url
    # the expression tab works when the page was opened on the practice tab
    page.click("#tab-expression")
    page.wait_for_selector("#graph svg")
    assert page.is_hidden("#view-practice")


def test_inside_a_neuron_from_the_playground_link(server, page, shots):
    page.goto(server.url + "/lab?session=test&layer=0&neuron=1&point=0")
    page.wait_for_selector("#graph svg")
    assert page.text_content("#inside-title").startswith("Inside L1.N2 (model.layers[0].neurons[1]) for x = [0.5, -1.0]")
    assert page.is_hidden("#expr-form")
    names = page.locator("#graph svg g.node text").all_text_contents()
    assert {"x1", "x2", "L1.N2.w1", "L1.N2.w2", "L1.N2.b"} <= set(names)  # counted from 1, as the title
    assert not [name for name in names if name.startswith(("L0", "x0"))]
    page.click("#last")
    steps = page.text_content("#counter")
    page.click("#first")
    page.click("#next")
    assert "at loss (rest)" in page.text_content("#step-text")
    page.click("#last")
    assert page.text_content("#counter") == steps
    page.screenshot(path=str(shots / "lab_inside.png"), full_page=True)
    page.goto(server.url + "/lab?session=nope")
    page.wait_for_selector("#error:not([hidden])")
    assert "no such session" in page.text_content("#error")
