"""Writers never destroy what is not a regular file (issue 16.5), and write through symbolic links."""

import os
import socket
import stat

import pytest

from micrograd_mlp import MLP, save
from micrograd_mlp import files


def snapshot(path):
    """What a special file is: its kind, inode and mode (a replaced one would differ)."""
    info = os.lstat(path)
    return stat.S_IFMT(info.st_mode), info.st_ino, info.st_mode


def leftovers(folder):
    return [name for name in os.listdir(folder) if name.startswith(".tmp-")]


def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def unix_socket(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    return path, server


WRITERS = {
    "atomic_write": lambda path: files.atomic_write(path, "text"),
    "atomic_path": lambda path: files.atomic_path(path).__enter__(),
    "save": lambda path: save(MLP(2, [2, 1], seed=0), path),
}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_fifo_is_refused_and_left_as_it_is(tmp_path, writer):
    path = fifo(tmp_path)
    before = snapshot(path)
    with pytest.raises(ValueError, match=rf"cannot write to '{path}': it is a named pipe \(FIFO\), not a regular "
                                         r"file, and is left as it is; give the name of a file"):  # fmt: skip
        WRITERS[writer](path)
    assert snapshot(path) == before and stat.S_ISFIFO(os.lstat(path).st_mode)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_a_socket_is_refused_and_left_as_it_is(tmp_path, writer):
    path, server = unix_socket(tmp_path)
    try:
        before = snapshot(path)
        with pytest.raises(ValueError, match=r"it is a socket, not a regular file, and is left as it is"):
            WRITERS[writer](path)
        assert snapshot(path) == before
    finally:
        server.close()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_is_refused_and_left_as_it_is(tmp_path, writer):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "inside.txt").write_text("kept")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        WRITERS[writer](folder)
    assert (folder / "inside.txt").read_text() == "kept"
    assert leftovers(tmp_path) == []


def test_a_device_is_refused_before_anything_is_written():
    # only the check runs on /dev/null: it raises before a temporary file could be made in /dev
    before = snapshot("/dev/null")
    with pytest.raises(ValueError, match=r"cannot write to '/dev/null': it is a character device, not a regular file"):
        files.check_writable_path("/dev/null")
    assert snapshot("/dev/null") == before


def test_a_link_to_a_fifo_is_refused_and_both_stay(tmp_path):
    target = fifo(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(ValueError, match="named pipe"):
        files.atomic_write(link, "text")
    assert os.path.islink(link) and stat.S_ISFIFO(os.stat(link).st_mode)


def test_a_link_to_a_file_is_written_through(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    files.atomic_write(link, "new")
    assert os.path.islink(link) and target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_something_put_in_place_during_the_write_is_not_replaced(tmp_path):
    path = tmp_path / "late"
    with pytest.raises(ValueError, match="named pipe"):
        with files.atomic_path(path) as temporary:
            with open(temporary, "w") as file:
                file.write("x")
            os.mkfifo(path)  # appears between the first check and the rename
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert leftovers(tmp_path) == []


def test_a_regular_file_is_still_replaced(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    save(MLP(2, [2, 1], seed=0), path)
    assert path.read_text().startswith("{")
