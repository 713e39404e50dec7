"""The playground behind Jupyter's own proxy and login: each student's JupyterLab starts it.

JupyterHub gives every student their own Jupyter server; with
jupyter-server-proxy installed there, this package's entry point
(``jupyter_serverproxy_servers``: ``playground``) puts a "Backprop playground"
tile in JupyterLab's launcher. Opening it starts ``micrograd-mlp playground``
on a free loopback port, and Jupyter proxies ``<base_url>/playground/`` to it,
behind the student's Jupyter login. The playground's pages use only relative
URLs, so they work under any such prefix (``/user/NAME/playground/``).

Who may reach it: the browser talks to Jupyter's address (Host and Origin are
the hub's, unknown in advance, hence ``--allow-host *``; the Origin must still
equal that Host); the playground itself only answers requests that carry a
token made fresh at each start, which Jupyter's proxy adds to every request
(``Authorization: token ...``). So the playground's own port, open on the
loopback, is useless to anyone who did not come through the student's login.

>>> config = setup_playground()
>>> config["command"][1:4], config["launcher_entry"]["title"]
(['-m', 'micrograd_mlp', 'playground'], 'Backprop playground')
>>> config["request_headers_override"]["Authorization"] == "token " + config["environment"]["MICROGRAD_PLAYGROUND_TOKEN"]
True
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any, Dict

__all__ = ["setup_playground", "ICON"]

ICON = Path(__file__).with_name("static") / "launcher-icon.svg"


def setup_playground() -> Dict[str, Any]:
    """jupyter-server-proxy's description of how to start and reach the playground."""
    token = secrets.token_urlsafe(32)
    return {
        # {port} is filled in by jupyter-server-proxy: a free port, on 127.0.0.1
        # --workers 0: one student's server trains in one process (no worker pool per student)
        "command": [sys.executable, "-m", "micrograd_mlp", "playground", "--host", "127.0.0.1", "--port", "{port}",
                    "--no-browser", "--allow-host", "*", "--workers", "0"],  # fmt: skip
        "environment": {"MICROGRAD_PLAYGROUND_TOKEN": token},
        "request_headers_override": {"Authorization": "token " + token},
        "timeout": 60,  # seconds to start (a busy class server is slow)
        "absolute_url": False,  # the playground sees paths below its own root
        "new_browser_tab": True,  # its pages refuse to be framed (frame-ancestors 'none')
        "launcher_entry": {"enabled": True, "title": "Backprop playground", "icon_path": str(ICON),
                           "category": "Notebook"},  # fmt: skip
    }
