"""The playground behind Jupyter's proxy and login, as each student's server on JupyterHub runs it.

A real Jupyter server with jupyter-server-proxy, under a hub-like prefix
(``/user/student/``), finds this package's entry point; in chromium, JupyterLab's
launcher tile opens ``/user/student/playground/`` through it, and it plays. The playground's own port
answers only requests that come through the proxy (which adds the token).
"""

import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the playground extra")
pytest.importorskip("jupyter_server_proxy", reason="the jupyterhub extra: pip install -e '.[jupyterhub]'")

from micrograd_mlp.apps.playground.jupyter_proxy import setup_playground  # noqa: E402

from jupyter_support import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, jupyter_server, server_log  # noqa: E402

PREFIX = "/user/student/"  # where JupyterHub puts a student's server


def registered():
    return [ep for ep in metadata.entry_points(group="jupyter_serverproxy_servers") if ep.name == "playground"]


# A checkout that is on PYTHONPATH but not pip-installed has no entry points: then the server
# is told the same thing in its config (the test above fails under CI, where pip installs it).
SAME_AS_ENTRY_POINT = """
from micrograd_mlp.apps.playground.jupyter_proxy import setup_playground
c.ServerProxy.servers = {"playground": setup_playground()}
"""


def test_entry_point_is_registered_for_jupyter_server_proxy():
    found = registered()
    if not found and not os.environ.get("CI"):
        pytest.skip("this checkout is not pip-installed (pip install -e . registers the entry point)")
    assert len(found) == 1, "pip install -e . registers setup.cfg's entry points"
    assert found[0].value == "micrograd_mlp.apps.playground.jupyter_proxy:setup_playground"
    assert found[0].load() is setup_playground


def test_each_start_has_its_own_token():
    first, second = setup_playground(), setup_playground()
    assert first["environment"]["MICROGRAD_PLAYGROUND_TOKEN"] != second["environment"]["MICROGRAD_PLAYGROUND_TOKEN"]
    assert len(first["environment"]["MICROGRAD_PLAYGROUND_TOKEN"]) >= 40
    assert "{port}" in first["command"] and first["absolute_url"] is False
    assert Path(first["launcher_entry"]["icon_path"]).read_text().startswith("<svg")


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_the_playground_port_refuses_whoever_did_not_come_through_the_proxy(tmp_path):
    """The command and environment the proxy uses, started here: no token, no playground."""
    config = setup_playground()
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in config["command"]]
    env = dict(os.environ, **config["environment"], PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.2)
        status, body = get(url + "api/limits")
        assert status == 403 and "join token" in json.loads(body)["error"]
        # a rebinding page's Host with the right token would still need the token: it has none
        assert get(url + "api/limits", {"Host": "evil.example"})[0] == 403
        proxied = config["request_headers_override"]
        assert get(url + "api/limits", proxied)[0] == 200
        assert get(url + "api/limits", {**proxied, "Host": "hub.example.edu"})[0] == 200  # any hub's name
    finally:
        server.terminate()
        server.communicate(timeout=20)


def test_playground_through_jupyter_server_proxy_in_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    folder = tmp_path  # the server's root, its log and a screenshot to look at (pytest keeps the last few)
    shots = folder
    config = "" if registered() else SAME_AS_ENTRY_POINT
    with jupyter_server(folder, "server", base_url=PREFIX, config=config) as (url, token):
        # Jupyter's own login guards the proxy: no token, no playground
        assert get(f"{url}/playground/")[0] in (302, 403) or "login" in get(f"{url}/playground/")[1]
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                problems = []
                # log in to JupyterLab (a hub logs its users in the same way: a cookie); its launcher
                # has the entry point's tile, which opens the playground in a new tab (the first
                # request starts it: the proxy waits for its port)
                lab = page
                lab.goto(f"{url}/lab?token={token}", timeout=120_000)
                tile = lab.locator(".jp-LauncherCard", has_text="Backprop playground")
                tile.wait_for(timeout=120_000)
                assert "Backprop playground" in (tile.get_attribute("title") or tile.text_content())
                with lab.context.expect_page(timeout=120_000) as opened:
                    tile.click()
                page = opened.value
                page.on("pageerror", lambda error: problems.append(str(error)))
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.wait_for_load_state(timeout=120_000)
                assert page.url.startswith(f"{url}/playground/"), page.url
                page.wait_for_function("() => typeof frame !== 'undefined' && frame !== null && frame.boundary !== undefined",
                                       timeout=120_000)  # fmt: skip
                before = page.eval_on_selector("#boundary", "canvas => canvas.toDataURL()")
                page.click("#play")  # frames come over the WebSocket, through the proxy
                page.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 5",
                                       timeout=120_000)  # (a function: the page's CSP forbids eval)
                page.click("#play")
                assert page.eval_on_selector("#boundary", "canvas => canvas.toDataURL()") != before
                page.screenshot(path=str(shots / "hub_playground.png"))
                # the lab is a sibling page under the same prefix
                page.goto(f"{url}/playground/lab")
                page.wait_for_selector("#graph svg", timeout=60_000)
                assert problems == [], problems
            finally:
                browser.close()
    log = server_log(folder, "server")
    assert re.search(r"playground", log) and "Traceback" not in log
