"""The batched-replay lesson runs from top to bottom in a headless kernel (small sizes)."""

from pathlib import Path

from optional import require

nbformat = require("nbformat")
NotebookClient = require("nbclient").NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "demos" / "batched_replay.ipynb"


def test_batched_replay_notebook_goes_from_the_graph_to_the_array_program(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROGRAD_MLP_NOTEBOOK_SMALL", "1")  # the kernel inherits it
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOK.parent.parent))  # this checkout's package
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=180,
                            resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs)
    assert "one matrix product (16, 16) @ (16, B)" in text  # the rewritten schedule
    assert "256 '*' -> one multiply of shape (256, B)" in text  # the graph as drawn
    assert "largest gradient difference: " in text and "e-1" in text.split("largest gradient difference: ")[1][:8]
    assert "ReplayError: the traced function reads the number of a Value that depends on the sample" in text
    scalar = text.split("scalar engine: ")[1].split("\n")[0].split()
    replayed = text.split("replay       : ")[1].split("\n")[0].split()
    assert abs(float(scalar[0]) - float(replayed[0])) < 1e-15 and scalar[0].startswith("0.46211715726")  # tanh(0.5)
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    svgs = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert len(pictures) >= 2 and svgs  # the schedule, the boundary; the tiny graph
