"""The demo notebooks run from top to bottom in a headless kernel (small sizes)."""

import re
from pathlib import Path

import pytest
from optional import require

nbformat = require("nbformat")
NotebookClient = require("nbclient").NotebookClient

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def execute(name, folder, monkeypatch):
    monkeypatch.setenv("MICROGRAD_MLP_NOTEBOOK_SMALL", "1")  # the kernel inherits it
    notebook = nbformat.read(DEMOS / name, as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(folder)}})  # fmt: skip
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    return notebook


def outputs_of(notebook, mime):
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if mime in output.get("data", {})
    ]


def printed(notebook):
    return "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)


def test_regression_notebook_runs_and_shows_its_pictures(tmp_path, monkeypatch):
    notebook = execute("regression.ipynb", tmp_path, monkeypatch)
    written = sorted(p.name for p in (tmp_path / "micrograd-out").iterdir())
    assert written == ["regression_fit.gif", "regression_fits.png", "regression_loss.png"]
    assert len(outputs_of(notebook, "image/png")) == 2
    assert len(outputs_of(notebook, "image/gif")) == 1
    # the cell that reads the linear net's weights printed its line and checked it
    assert "linear MLP(x) = " in printed(notebook)
    line = next(text for text in printed(notebook).splitlines() if text.startswith("linear MLP(x) = "))
    assert re.fullmatch(r"linear MLP\(x\) = -?\d\.\d{4} \* x [+-] \d\.\d{4}", line), line  # not "+ +0.09"
    assert_no_progress_bars_saved(notebook)


def test_classification_notebook_runs_and_draws_the_network(tmp_path, monkeypatch):
    notebook = execute("classification.ipynb", tmp_path, monkeypatch)
    written = sorted(p.name for p in (tmp_path / "micrograd-out").iterdir())
    assert written == [
        "classification_boundary.png",
        "classification_curves.png",
        "classification_network.svg",
        "classification_training.gif",
    ]
    assert len(outputs_of(notebook, "image/png")) == 2
    assert len(outputs_of(notebook, "image/gif")) == 1
    drawings = outputs_of(notebook, "image/svg+xml")
    assert len(drawings) == 2  # the network, then the same network sized by one point's grads
    network, by_grads = (drawing["data"]["image/svg+xml"] for drawing in drawings)
    assert network.lstrip().startswith("<?xml") and network != by_grads
    assert "logit" in printed(notebook)
    # the point shown is the one the model gets most wrong, so its gradients show something
    # (the first test point had loss 0.0000 and every gradient about 1e-5)
    hardest = next(text for text in printed(notebook).splitlines() if "largest loss" in text)
    assert float(re.search(r"loss (\d+\.\d+)", hardest)[1]) > 0.05
    assert_no_progress_bars_saved(notebook)


def assert_no_progress_bars_saved(notebook):
    """An executed notebook keeps no progress-bar chunks (they made one 934 KB)."""
    streams = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
               if o.output_type == "stream"]  # fmt: skip
    text = "".join(o.text for o in streams)
    assert "\r" not in text and "it/s" not in text and "epoch/s" not in text
    assert len(text) < 2000, text[:500]


def test_to_pytorch_notebook_compares_and_trains_on_in_pytorch(tmp_path, monkeypatch):
    require("torch")
    notebook = execute("to_pytorch.ipynb", tmp_path, monkeypatch)
    text = printed(notebook)
    # the notebook asserts both gaps are below 1e-12 itself; here: it said so
    assert "largest difference of the logits" in text and "largest gradient difference" in text
    assert "the same predictions as PyTorch" in text
    assert len(outputs_of(notebook, "image/png")) == 1  # the regions of the model brought back


@pytest.mark.parametrize("name", ["regression.ipynb", "classification.ipynb", "to_pytorch.ipynb"])
def test_notebooks_are_stored_without_outputs(name):
    notebook = nbformat.read(DEMOS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.get("outputs") for cell in code)
