"""The demos under abuse (issue 13): atomic text files, NumPy numbers as settings."""

from pathlib import Path

import numpy as np


def test_demo_text_files_are_written_atomically(tmp_path, monkeypatch):
    from micrograd_mlp.apps import demo_output

    calls = []
    monkeypatch.setattr(demo_output, "atomic_write", lambda path, text, **kw: calls.append(Path(path).name), raising=True)
    demo_output.DemoOutput("x", tmp_path, quiet=True).text("hello", "note")
    assert calls == ["note.txt"]


def test_demos_take_numpy_settings(tmp_path):
    from micrograd_mlp.apps import demos

    result = demos.regression(tmp_path, epochs=np.int64(1), hidden=np.array([3]), lr=np.float32(0.01),
                              samples=np.int64(6), frames=np.int64(2), quiet=True)  # fmt: skip
    assert len(result.histories["linear MLP"].loss) == 1
