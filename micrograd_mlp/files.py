"""Writing output files safely: whole or not at all, with the mode a user expects.

Every file the library writes (saved models, pictures, GIFs, SVG, HTML, DOT
text) goes through `atomic_write` or `atomic_path`:

* the bytes go to a temporary file ``.tmp-*`` in the same folder, which is
  then renamed over the target with ``os.replace``. A rename within a folder
  is atomic, so a reader, a crash or a Ctrl-C sees either the old file or the
  new one, never half a file (a 0-byte PNG after an interrupted demo).
* whatever goes wrong, the temporary file is removed (also on
  ``KeyboardInterrupt``), so no ``.tmp-*`` files pile up.
* the new file gets the mode of the file it replaces, or for a new file the
  usual ``0o666`` minus the umask, as ``open(path, "w")`` would give; the
  temporary file alone would be readable by its owner only (``0o600``).
* only a regular file is ever replaced: a folder, a named pipe (FIFO), a
  device or a socket at the target is refused with an error and left as it
  is (a rename would put a file in its place: run as root, in place of a
  system device). A symbolic link is written through: the file it points
  to is replaced, the link stays.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
>>> atomic_write(path, "hello\\n")
>>> open(path).read()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator, Union

__all__ = ["atomic_write", "atomic_path", "check_writable_path", "refuse_unless_regular"]

PathLike = Union[str, "os.PathLike[str]"]


def _current_umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: str) -> int:
    """The permission bits the finished file should get."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)  # keep an existing file's mode
    except OSError:
        return 0o666 & ~_current_umask()  # a new file, as open(path, "w") makes it


def check_writable_path(path: PathLike) -> str:
    """``path`` as a string, or a clear error when it cannot name a file to write.

    Refuses a folder, a named pipe, a device or a socket already there, a
    missing parent folder, and a name longer than the file system allows
    (usually 255 bytes), before any work is done.

    >>> check_writable_path("/dev/null")
    Traceback (most recent call last):
    ValueError: cannot write to '/dev/null': it is a character device, not a regular file, and is left as it is; give the name of a file

    >>> check_writable_path("x" * 300 + ".png")
    Traceback (most recent call last):
    ValueError: the file name 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is 304 bytes long, longer than the 255 bytes this file system allows; choose a shorter name
    """
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    folder = os.path.dirname(os.path.abspath(path)) or "."
    limit = _name_limit(folder)
    for part in Path(path).parts:
        size = len(os.fsencode(part))
        if size > limit:
            shown = part if len(part) <= 40 else part[:40] + "..."
            raise ValueError(
                f"the file name {shown!r} is {size} bytes long, longer than the {limit} bytes "
                "this file system allows; choose a shorter name"
            )
    refuse_unless_regular(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write to {path!r}: the folder {folder!r} does not exist")
    return path


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def refuse_unless_regular(path: str) -> None:
    """Raise unless ``path`` is missing or a regular file (through symbolic links)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing (or a dangling link): a new file is made
        return
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"cannot write to {path!r}: it is a folder; give a file name inside it")
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise ValueError(
        f"cannot write to {path!r}: it is {kind}, not a regular file, and is left as it is; give the name of a file"
    )


def _name_limit(folder: str) -> int:
    while folder and not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    try:
        return os.pathconf(folder or ".", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows) or unknown
        return 255


@contextlib.contextmanager
def atomic_path(path: PathLike, suffix: str = "") -> Iterator[str]:
    """A temporary path to write to; on success it is renamed to ``path``.

    For writers that need a path (matplotlib's ``savefig``, Pillow's ``save``).
    If the block raises (even ``KeyboardInterrupt``), the temporary file is
    removed and ``path`` is left as it was.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.bin")
    >>> with atomic_path(path) as temporary:
    ...     with open(temporary, "wb") as file:
    ...         _ = file.write(b"\\x00\\x01")
    >>> os.path.getsize(path), [name for name in os.listdir(os.path.dirname(path)) if name.startswith(".tmp-")]
    (2, [])
    """
    path = check_writable_path(path)
    if os.path.islink(path):  # write through the link: the file it points to is replaced
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = _mode_for(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix or Path(path).suffix)
    try:
        os.close(handle)
        yield temporary
        os.chmod(temporary, mode)
        refuse_unless_regular(path)  # again: something else may have been put there meanwhile
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def atomic_write(path: PathLike, content: Union[str, bytes], *, sync: bool = False) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` all at once.

    ``sync=True`` also flushes the data to disk before the rename (what
    `micrograd_mlp.save` does for models, which are worth the wait).

    >>> import os, stat, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "page.html")
    >>> atomic_write(path, "<p>one</p>"); os.chmod(path, 0o640)
    >>> atomic_write(path, b"<p>two</p>")
    >>> open(path).read(), oct(stat.S_IMODE(os.stat(path).st_mode))
    ('<p>two</p>', '0o640')
    """
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as file:
            file.write(data)
            if sync:
                file.flush()
                os.fsync(file.fileno())
