"""Every file the library writes: the umask, atomic replacement, Ctrl-C, names too long (issue 13)."""

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_mlp import MLP, Value, draw_dot, files, save
from micrograd_mlp.teaching import plots, rendering, stepper


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def temporary_files(folder):
    return [name for name in os.listdir(folder) if name.startswith(".tmp-")]


def test_pictures_and_pages_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        figure = plots.curves_figure({"loss": {"train": [1.0, 0.5]}})
        written = [
            plots.save_png(figure, tmp_path / "a.png"),
            plots.save_gif([plots.figure_to_image(figure)], tmp_path / "a.gif"),
            rendering.render(draw_dot(Value(1.0)), tmp_path / "a.dot"),
            rendering.render(draw_dot(Value(1.0)), tmp_path / "a.svg"),
            stepper.stepper_html(Value(2.0) * 3, tmp_path / "a.html"),
        ]
    finally:
        os.umask(old)
    assert {path.name: mode_of(path) for path in written} == {path.name: 0o644 for path in written}


class Interrupt(KeyboardInterrupt):
    pass


def interrupted_writers(tmp_path):
    figure = plots.curves_figure({"loss": {"train": [1.0, 0.5]}})
    yield "png", lambda: plots.save_png(figure, tmp_path / "out.png")
    yield "gif", lambda: plots.save_gif([plots.figure_to_image(figure)] * 2, tmp_path / "out.gif")
    yield "svg", lambda: rendering.render(draw_dot(Value(1.0)), tmp_path / "out.svg")
    yield "dot", lambda: rendering.render(draw_dot(Value(1.0)), tmp_path / "out.dot")
    yield "html", lambda: stepper.stepper_html(Value(2.0) * 3, tmp_path / "out.html")
    yield "frames", lambda: stepper.save_frames(Value(2.0) * 3, tmp_path)
    yield "json", lambda: save(MLP(2, [2, 1], seed=0), tmp_path / "out.json")


def test_a_ctrl_c_while_writing_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    for name, write_it in interrupted_writers(tmp_path):
        for existing in tmp_path.iterdir():
            existing.write_bytes(b"old")

        def interrupt(*args, **kwargs):
            raise Interrupt()

        with monkeypatch.context() as patch:
            patch.setattr(os, "replace", interrupt)
            with pytest.raises(Interrupt):
                write_it()
        assert temporary_files(tmp_path) == [], name
        assert all(path.read_bytes() == b"old" for path in tmp_path.iterdir()), name
        write_it()  # and it works afterwards
        assert temporary_files(tmp_path) == []
        assert any(path.read_bytes() != b"old" for path in tmp_path.iterdir()), name  # it wrote something


def test_an_interrupt_inside_the_writer_removes_the_temporary_file(tmp_path):
    target = tmp_path / "a.bin"
    with pytest.raises(Interrupt):
        with files.atomic_path(target) as temporary:
            Path(temporary).write_bytes(b"half")
            raise Interrupt()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("write", [
    lambda path: save(MLP(1, [1], seed=0), path),
    lambda path: rendering.render(draw_dot(Value(1.0)), path),
    lambda path: plots.save_png(plots.curves_figure({"l": {"t": [1.0]}}), path),
])  # fmt: skip
def test_a_too_long_file_name_is_a_clear_error(tmp_path, write):
    with pytest.raises(ValueError, match=r"is 304 bytes long, longer than the 255 bytes"):
        write(tmp_path / ("n" * 300 + ".png"))


@settings(max_examples=40, deadline=None)
@given(content=st.one_of(st.binary(max_size=3000), st.text(max_size=500)),
       mode=st.sampled_from([0o600, 0o640, 0o644, 0o664, 0o400]))  # fmt: skip
def test_atomic_write_round_trips_any_content_and_keeps_the_mode(tmp_path_factory, content, mode):
    folder = tmp_path_factory.mktemp("atomic")
    path = folder / "file"
    path.write_bytes(b"old")
    os.chmod(path, mode)
    files.atomic_write(path, content)
    expected = content.encode("utf-8") if isinstance(content, str) else content
    assert path.read_bytes() == expected and mode_of(path) == mode
    assert os.listdir(folder) == ["file"]
