"""A real Jupyter server for the tests: JupyterLab (widgets) or jupyter-server-proxy (the hub's path).

`jupyter_server(root, app)` starts ``jupyter lab`` (or ``jupyter server``) on
127.0.0.1 at a free port with a random token, its config, runtime and settings
folders inside ``root`` (nothing read from or left in the user's home), and
this checkout first on PYTHONPATH, so the kernel and the proxied playground run
this code. It yields (base URL, token) and always stops the server.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
START_TIMEOUT = 120  # seconds: JupyterLab starts slowly on a busy 2-core machine


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def jupyter_server(root, app="lab", base_url="/", config=""):
    """``config``: the text of a jupyter_server_config.py for this server only."""
    root = Path(root)
    port, token = free_port(), secrets.token_hex(16)
    state = root / ".jupyter-state"
    if config:
        (state / "config").mkdir(parents=True, exist_ok=True)
        (state / "config" / "jupyter_server_config.py").write_text(config)
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "lab-workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    command = [
        sys.executable, "-m", "jupyter", app, "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--ServerApp.base_url={base_url}",
    ]  # fmt: skip
    if os.geteuid() == 0:  # CI runs as root
        command.append("--allow-root")
    # nothing fetched from the internet: no news, no update check, no PyPI extension manager
    # (JupyterLab's server extension loads under `jupyter server` too)
    command += ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                    "--LabApp.extension_manager=readonly"]
    log = open(root / f"jupyter-{app}.log", "w+")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
                              start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}{base_url.rstrip('/')}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"jupyter {app} did not start:\n{log.read()[-3000:]}")
            time.sleep(0.5)
        yield url, token
    finally:
        # the whole process group: the server, its kernels and what it proxies
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def server_log(root, app="lab"):
    return (Path(root) / f"jupyter-{app}.log").read_text(errors="replace")
