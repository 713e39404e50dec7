"""What the browser tests of the pages share: the real server on a free port, and chromium.

`playground_server()` runs ``micrograd-mlp playground --port 0`` (uvicorn) in a
subprocess and yields its address; `chromium()` launches Debian's chromium through
Playwright (its own browser download is not reachable here). A test module takes
them as the fixtures ``address`` and ``browser`` (``from page_support import
address, browser``), one server and one browser per module.
"""

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@contextlib.contextmanager
def playground_server():
    """The address ("http://127.0.0.1:PORT/") of a real playground server, stopped after."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    server = subprocess.Popen(
        [sys.executable, "-m", "micrograd_mlp", "playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    line = server.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        server.kill()
        pytest.fail(f"the server did not start: {line!r} {server.stderr.read()!r}")
    yield match.group(0)
    server.terminate()
    _, errors = server.communicate(timeout=20)
    assert "Traceback" not in errors, errors


@contextlib.contextmanager
def chromium():
    """Debian's chromium, driven by Playwright."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def wait_until(page, expression: str, timeout: float = 30.0) -> None:
    """Poll a JavaScript expression until it is true.

    Playwright's ``wait_for_function`` builds its predicate with ``new Function``,
    which the pages' Content-Security-Policy (script-src 'self', no 'unsafe-eval')
    refuses; ``page.evaluate`` goes through the DevTools protocol, which CSP does not
    govern, so the pages are tested under their real policy.
    """
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def address():
    """The playground's address, one server for the test module."""
    with playground_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, one for the test module."""
    with chromium() as launched:
        yield launched
