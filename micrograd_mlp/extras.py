"""How to install an optional extra, said the way this copy of the library was installed.

A hint such as ``pip install "micrograd_mlp[digits]"`` asks a package index
for the library; from a clone of the repository (an editable install, or the
source folder on ``PYTHONPATH``) that is the wrong command: the extra comes
from the clone, ``pip install -e ".[digits]"``. `install_command` looks at how
the imported package got here: pip records an install from a folder or a URL
in the distribution's ``direct_url.json`` (PEP 610); with no such record it
came from an index.

>>> install_command("digits") in (
...     'pip install "micrograd_mlp[digits]"', 'pip install -e ".[digits]"'
... ) or "[digits]" in install_command("digits")
True
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["install_command"]

DISTRIBUTION = "micrograd_mlp"
# The folder holding the imported package: a clone's root when it has the project files.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _folder_command(folder: Path, extra: str, editable: bool) -> str:
    """``pip install -e ".[extra]"`` from inside `folder`, else with its full path."""
    try:
        here = Path.cwd().resolve() == folder.resolve()
    except OSError:  # the working folder was deleted
        here = False
    where = "." if here else str(folder)
    return f'pip install{" -e" if editable else ""} "{where}[{extra}]"'


def _is_clone(folder: Path) -> bool:
    """Is `folder` the root of a copy of this project's sources (not site-packages)?"""
    return (folder / "setup.cfg").is_file() and (folder / DISTRIBUTION / "__init__.py").is_file()


def _recorded_url(distribution: metadata.Distribution) -> dict:
    """What pip recorded about where the distribution came from (PEP 610), or {}."""
    try:
        record = json.loads(distribution.read_text("direct_url.json") or "{}")
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def install_command(extra: str) -> str:
    """The pip command that adds `extra` to this installation of micrograd_mlp.

    * a clone's sources (an editable install, or the folder on ``PYTHONPATH``):
      ``pip install -e ".[extra]"``, with the clone's full path when the
      working folder is another one;
    * installed from a folder, an archive or a git URL (pip's
      ``direct_url.json``): that same source again;
    * from a package index: ``pip install "micrograd_mlp[extra]"``.
    """
    if _is_clone(_SOURCE_ROOT):
        return _folder_command(_SOURCE_ROOT, extra, editable=True)
    try:
        record = _recorded_url(metadata.distribution(DISTRIBUTION))
    except metadata.PackageNotFoundError:
        record = {}
    url = str(record.get("url", ""))
    if url.startswith("file://") and "dir_info" in record:
        folder = Path(unquote(urlparse(url).path))
        return _folder_command(folder, extra, editable=bool(record["dir_info"].get("editable")))
    if url:
        return f'pip install "{DISTRIBUTION}[{extra}] @ {url}"'
    return f'pip install "{DISTRIBUTION}[{extra}]"'
