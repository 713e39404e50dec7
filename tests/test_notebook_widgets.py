"""`micrograd_mlp.apps.notebook`: the Playground and Stepper widgets, in Python and in JupyterLab.

The Python tests drive the widgets as the page would (messages, the synced
``playing`` trait); the browser test opens the demo notebook in a real
JupyterLab with Debian's chromium, runs it, presses play and watches.
"""

import os
import random
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("anywidget", reason="the notebook extra: pip install -e '.[notebook]'")

from micrograd_mlp import MLP, Value, make_moons  # noqa: E402
from micrograd_mlp.micrograd import nn as micrograd_nn  # noqa: E402
from micrograd_mlp.apps.notebook import Playground, Stepper  # noqa: E402
from micrograd_mlp.apps.playground.session import Session, SettingsError  # noqa: E402

from jupyter_support import CHROMIUM, CHROMIUM_ARGS, ROOT, jupyter_server, server_log  # noqa: E402

STATIC = ROOT / "micrograd_mlp" / "apps" / "notebook" / "static"


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def moons(n=60, seed=0):
    return make_moons(n, noise=0.1, seed=seed)


# ------------------------------------------------------------------ Playground, from Python

def test_playground_trains_through_the_servers_session():
    X, y = moons()
    playground = Playground(X, y, hidden=[6], lr=0.05, seed=3)
    # the same numbers as the server's Session given the same points and settings
    session = Session({"hidden": [6], "lr": 0.05, "seed": 3}, data=(X, y.astype(float)))
    for _ in range(4):
        playground.step()
        expected = session.tick()
    frame = playground.frame
    assert frame["epoch"] == expected["epoch"] == 4
    assert frame["curves"] == expected["curves"]
    assert frame["boundary"] == expected["boundary"]
    assert frame["curves"]["train_loss"][-1] < frame["curves"]["train_loss"][0]
    # the points shown are the caller's own (split into train and test)
    shown = np.array(frame["train"]["x"] + frame["test"]["x"]).reshape(-1, 2)
    assert sorted(map(tuple, np.round(shown, 4))) == sorted(map(tuple, np.round(X, 4)))


def test_playground_trains_a_micrograd_model_and_reset_restores_its_weights():
    X, y = moons(40, seed=1)
    y_pm = 2 * y - 1  # micrograd's -1/+1 labels
    random.seed(1337)
    model = micrograd_nn.MLP(2, [8, 1])
    first = [p.data for p in model.parameters()]
    playground = Playground(X, y_pm, model=model, loss="hinge", optimizer="sgd", lr=0.1, batch_size=None)
    assert playground.model is model
    playground.step(3)
    assert [p.data for p in model.parameters()] != first
    assert playground.frame["settings"]["loss"] == "hinge"
    playground.reset()
    assert [p.data for p in model.parameters()] == first
    assert playground.frame["epoch"] == 0 and playground.frame["curves"]["train_loss"] == []


def test_playground_regression_on_one_input_draws_the_fitted_curve():
    x = np.linspace(-1, 1, 30)
    playground = Playground(x, x**3, hidden=[4], lr=0.05)
    frame = playground.step(2).frame
    assert frame["regression"] and frame["settings"]["loss"] == "mse"
    assert len(frame["curve"]["x"]) == 100 and "boundary" not in frame


def test_play_thread_trains_until_paused_and_sends_the_last_frame():
    X, y = moons()
    playground = Playground(X, y, hidden=[4], lr=0.05)
    sent = []
    playground.observe(lambda change: sent.append(change["new"]["epoch"]), names="frame")
    running = []
    playground.observe(lambda change: running.append(change["new"]), names="running")
    playground.playing = True  # what the page's Play button sets
    wait_until(lambda: playground.session.epoch >= 5)
    playground.playing = False
    playground._thread.join(timeout=30)
    assert not playground._thread.is_alive() and running == [True, False]
    final = playground.session.epoch
    assert final >= 5 and sent and sent[-1] == final  # nothing trained is left unshown
    assert sent == sorted(sent)
    time.sleep(0.2)
    assert playground.session.epoch == final  # paused means paused


def test_page_messages_step_reset_settings_and_neuron():
    X, y = moons()
    playground = Playground(X, y, hidden=[3], lr=0.05)
    playground._on_message(playground, {"type": "step"}, [])
    assert playground.frame["epoch"] == 1
    playground._on_message(playground, {"type": "settings", "changes": {"lr": 0.2}}, [])
    assert playground.frame["settings"]["lr"] == 0.2 and playground.message == ""
    playground._on_message(playground, {"type": "settings", "changes": {"lr": "fast"}}, [])
    assert playground.message == "lr must be a number, got 'fast'"
    playground._on_message(playground, {"type": "neuron", "layer": 0, "neuron": 2}, [])
    assert playground.neuron["layer"] == 0 and playground.neuron["neuron"] == 2
    assert len(playground.neuron["fires"]["values"]) == 25 * 25
    assert playground.neuron["w"] == [w.data for w in playground.model.layers[0].neurons[2].w]
    playground._on_message(playground, {"type": "neuron", "layer": 5, "neuron": 0}, [])
    assert playground.message == "layer must be 0 to 1, got 5"
    playground._on_message(playground, {"type": "reset"}, [])
    assert playground.frame["epoch"] == 0 and playground.message == ""


def test_playground_refuses_bad_input_with_the_fix():
    X, y = moons(20)
    with pytest.raises(ValueError, match=r"2 inputs \(a boundary\) or the line of 1 input.*shape \(20, 3\)"):
        Playground(np.hstack([X, X[:, :1]]), y)
    with pytest.raises(ValueError, match="two classes, 0/1 or -1/\\+1"):
        Playground(X, np.arange(20.0))
    with pytest.raises(ValueError, match=r"one target per row of X \(20\)"):
        Playground(X, y[:5])
    with pytest.raises(TypeError, match="give both X and y"):
        Playground(X)
    with pytest.raises(ValueError, match="must take 2 input"):
        Playground(X, y, model=MLP(3, [4, 1], seed=0))
    with pytest.raises(TypeError, match="model must be an MLP"):
        Playground(X, y, model="MLP")
    with pytest.raises(ValueError, match="hidden shape a new model; with model=... the playground trains yours"):
        Playground(X, y, model=MLP(2, [4, 1], seed=0), hidden=[8])
    with pytest.raises(ValueError, match=r"dataset and noise make points; you gave yours \(X, y\)"):
        Playground(X, y, dataset="xor", noise=0.3)
    with pytest.raises(SettingsError, match="unknown optimizer 'rmsprop'"):
        Playground(X, y, optimizer="rmsprop")
    playground = Playground(X, y, model=MLP(2, [4, 1], seed=0))
    with pytest.raises(SettingsError, match="hidden cannot change here"):
        playground.update(hidden=[8])
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        playground.step(0)


def test_playground_without_data_uses_the_settings_dataset():
    playground = Playground(dataset="xor", points=40, hidden=[4])
    assert playground.frame["settings"]["dataset"] == "xor"
    assert len(playground.frame["train"]["y"]) + len(playground.frame["test"]["y"]) == 40


# ------------------------------------------------------------------ Stepper

def test_stepper_steps_the_backward_pass_of_any_value():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    loss = (a * b + c) * a
    stepper = Stepper(loss)
    steps = stepper.graph["steps"]
    assert len(steps) == 4  # the start, then one per op node: *, +, *
    by_name = {node["name"]: node for node in stepper.graph["nodes"]}
    # the grads after the last step are backward()'s: dloss/da = 2ab + c, dloss/db = a^2
    assert (a.grad, b.grad, c.grad) == (-2.0, 4.0, 2.0)
    assert by_name["a"]["grad"] == -2.0 and by_name["b"]["grad"] == 4.0
    assert steps[1]["updates"][0]["grad_after"] == steps[1]["updates"][0]["contribution"]
    assert stepper.graph["svg"] and "<svg" in stepper.graph["svg"]
    assert stepper.step == 0 and Stepper(loss, step=99).step == 3


def test_stepper_refuses_what_it_cannot_step():
    with pytest.raises(TypeError, match="needs the Value to backpropagate from"):
        Stepper(3.0)
    x = Value(1.0)
    big = x
    for _ in range(400):
        big = big * 1.0
    with pytest.raises(ValueError, match="400 steps, more than 300"):
        Stepper(big)


def test_assets_ship_in_the_package_and_load_nothing_from_the_network():
    for name in ("common.js", "playground.js", "playground.css", "stepper.js", "stepper.css"):
        text = (STATIC / name).read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
        assert "import " not in text or name.endswith(".css")  # no module pulled in from anywhere
    assert Playground._esm.endswith((STATIC / "playground.js").read_text())
    assert Playground._esm.startswith((STATIC / "common.js").read_text())
    assert Stepper._css == (STATIC / "stepper.css").read_text()


# ------------------------------------------------------------------ the demo notebook, headless

def test_demo_notebook_runs_headless(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "demos" / "in_a_notebook.ipynb", as_version=4)
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))  # the kernel's
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=180,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    printed = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    # the lecture's manual walk: L = (a*b + c) * f at a=2, b=-3, c=10, f=-2
    assert "dL/da = 6.0, dL/db = -4.0, dL/dc = -2.0, dL/df = 4.0" in printed
    assert "epoch 10: train loss" in printed
    widgets = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]  # fmt: skip
    assert len(widgets) == 3  # the Stepper, the Playground, and the Stepper inside one of its neurons


# ------------------------------------------------------------------ in JupyterLab, in chromium

@pytest.fixture
def lab_folder(tmp_path):
    """The notebook server's root: a copy of the demo notebook (the server's log lands beside it)."""
    shutil.copy(ROOT / "demos" / "in_a_notebook.ipynb", tmp_path / "demo.ipynb")
    return tmp_path


def accept_dialogs(page, wait_ms=15_000):
    """Press the default button of a dialog JupyterLab may open (the kernel to start)."""
    from playwright.sync_api import TimeoutError as NoDialog

    try:
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=wait_ms)
    except NoDialog:
        pass


def plane_pixels(page):
    return page.eval_on_selector(".mgp-plane", "canvas => canvas.toDataURL()")


def shown_epoch(page):
    return int(page.get_attribute(".mgp", "data-epoch"))


def test_widgets_in_jupyterlab_in_chromium(lab_folder):
    sync_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("jupyterlab")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    # docs/ when asked (MICROGRAD_SCREENSHOTS=1, as the playground's browser test), else a temporary folder
    shots = ROOT / "docs" if os.environ.get("MICROGRAD_SCREENSHOTS") == "1" else lab_folder
    with jupyter_server(lab_folder, "lab") as (url, token), sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{url}/lab/tree/demo.ipynb?token={token}", timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            accept_dialogs(page)  # "Select Kernel" (Python 3), if JupyterLab asks
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            # the last cell trained 10 epochs from Python; the widget shows them
            page.wait_for_selector("text=epoch 10: train loss", timeout=180_000)
            page.wait_for_function("document.querySelector('.mgp') && document.querySelector('.mgp').dataset.epoch === '10'",
                                   timeout=60_000)  # fmt: skip
            page.locator(".mgp").scroll_into_view_if_needed()
            before = plane_pixels(page)
            page.click(".mgp-play")
            page.wait_for_selector(".mgp.playing", timeout=30_000)
            page.wait_for_function("Number(document.querySelector('.mgp').dataset.epoch) >= 25", timeout=120_000)
            page.click(".mgp-play")  # now Pause
            page.wait_for_selector(".mgp:not(.playing)[data-running='false']", timeout=60_000)
            after_epoch = shown_epoch(page)  # the kernel's thread has stopped and sent its last frame
            assert after_epoch >= 25
            assert plane_pixels(page) != before  # the boundary moved
            assert page.text_content(".mgp-epoch") == f"epoch {after_epoch}"
            page.click(".mgp-step")  # paused means paused: one step is one more epoch
            page.wait_for_function(f"document.querySelector('.mgp').dataset.epoch === '{after_epoch + 1}'",
                                   timeout=60_000)  # fmt: skip
            # click a neuron: its weights and gradients come from the kernel
            page.locator(".mgp-network circle.neuron").nth(3).click()
            page.wait_for_selector(".mgp-neuron table", timeout=60_000)
            assert page.text_content(".mgp-neuron h4").startswith("L1.N4 (relu)")
            rows = page.locator(".mgp-neuron table tr td:first-child").all_text_contents()
            assert rows == ["x1", "x2", "bias"]  # the inputs' labels, counted from 1 as the neuron's
            page.locator(".mgp").screenshot(path=str(shots / "notebook_playground.png"))
            # the stepper: one step forward shows the first chain-rule step
            stepper = page.locator(".mgs").first  # L = (a*b + c) * f; the last is inside a neuron
            stepper.scroll_into_view_if_needed()
            assert stepper.locator(".mgs-counter").text_content() == "step 0 of 3"
            assert page.locator(".mgs").last.locator(".mgs-title").text_content().startswith("Inside L1.N4 (model.layers[0].neurons[3]) for x = ")
            stepper.locator(".mgs-next").click()
            page.wait_for_selector(".mgs[data-step='1']", timeout=30_000)
            text = stepper.locator(".mgs-text").text_content()
            assert "d.grad += 1.0 * -2.0 = -2.0" in text and "f.grad += 1.0 * 4.0 = 4.0" in text
            assert stepper.locator(".mgs-graph g.current").count() >= 1
            stepper.screenshot(path=str(shots / "notebook_stepper.png"))
            assert errors == [], errors
        finally:
            browser.close()
    assert "Traceback" not in server_log(lab_folder, "lab")


def test_stepper_widget_and_lab_page_draw_a_step_with_one_script():
    from starlette.testclient import TestClient

    from lab_support import make_app

    shared = (ROOT / "micrograd_mlp" / "apps" / "playground" / "static" / "backward_step.js").read_text()
    assert "function drawBackwardStep(" in shared and shared in Stepper._esm
    client = TestClient(make_app())
    page = client.get("/lab").text
    assert page.index('src="lab/static/backward_step.js"') < page.index('src="lab/static/lab.js"')
    served = client.get("/lab/static/backward_step.js")
    assert served.status_code == 200 and served.text == shared
    assert "drawBackwardStep(" in (ROOT / "micrograd_mlp" / "apps" / "playground" / "static" / "lab.js").read_text()


def test_inside_a_neuron_steps_its_backward_pass_to_the_points_loss():
    X, y = moons(30)
    playground = Playground(X, y, hidden=[3], lr=0.05).step(2)
    weights = [p.data for p in playground.model.parameters()]
    stepper = playground.inside(0, 2, point=4)
    x, _ = playground.session.point(4)
    assert stepper.title.startswith(f"Inside L1.N3 (model.layers[0].neurons[2]) for x = {x}") and "bce_logits loss" in stepper.title
    names = [node["name"] for node in stepper.graph["nodes"]]
    assert "loss" in names and stepper.graph["steps"][0]["index"] == 0 and len(stepper.graph["steps"]) > 3
    # the neuron's weight leaves carry the real gradient of that point's loss
    unit = playground.model.layers[0].neurons[2]
    by_label = {node["label"]: node for node in stepper.graph["nodes"] if node["label"]}
    assert by_label[unit.w[0].label]["data"] == unit.w[0].data
    assert [p.data for p in playground.model.parameters()] == weights  # looking changes nothing
    from micrograd_mlp.losses import LOSSES

    x, target = playground.session.point(4)
    playground.model.zero_grad()
    LOSSES["bce_logits"]([playground.model(x)], [target]).backward()
    for w in (*unit.w, unit.b):
        assert by_label[w.label]["grad"] == pytest.approx(w.grad, rel=1e-12, abs=1e-15)
    with pytest.raises(SettingsError, match="layer 0 has neurons 0 to 2, got 3"):
        playground.inside(0, 3)
