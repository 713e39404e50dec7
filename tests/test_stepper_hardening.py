"""The stepper page when writing fails or the title is odd (issue 13)."""

import os

import pytest

from micrograd_mlp import Value
from micrograd_mlp.teaching import stepper


def test_a_failed_stepper_write_leaves_the_grads_as_they_were(tmp_path, monkeypatch):
    a = Value(2.0, label="a")
    out = a * a

    def fail(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", fail)
        with pytest.raises(PermissionError):
            stepper.stepper_html(out, tmp_path / "steps.html")
    assert a.grad == 0.0 and out.grad == 0.0
    stepper.stepper_html(out, tmp_path / "steps.html")  # the retry
    assert a.grad == 4.0


def test_save_frames_that_fail_leave_the_grads_as_they_were(tmp_path, monkeypatch):
    a = Value(2.0, label="a")
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(PermissionError(13, "no")))
    with pytest.raises(PermissionError):
        stepper.save_frames(a * a, tmp_path)
    assert a.grad == 0.0


def test_stepper_title_none_is_the_default_title(tmp_path):
    page = stepper.stepper_html(Value(2.0) * 3, tmp_path / "steps.html", title=None).read_text()
    assert "<title>Backpropagation, step by step</title>" in page
    with pytest.raises(TypeError, match="title must be text"):
        stepper.stepper_html(Value(2.0) * 3, tmp_path / "steps.html", title=3)
