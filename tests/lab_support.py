"""A small app around the lab's routes for the tests (the playground mounts them for real).

It also serves /api/sessions/{sid}/inside the way the playground does: inside_payload
on a session's model and one of its training points.
"""

import socket
import threading
import time

from optional import require, require_program

Starlette = require("starlette.applications").Starlette
JSONResponse = require("starlette.responses").JSONResponse
Route = require("starlette.routing").Route

from micrograd_mlp.nn import MLP
from micrograd_mlp.apps.playground import lab

MODEL = MLP(2, [3, 1], activation="tanh", seed=1)
POINTS = [([0.5, -1.0], 1.0), ([1.5, 0.25], -1.0)]


async def inside(request):
    if request.path_params["sid"] != "test":
        return JSONResponse({"error": "no such session"}, status_code=404)
    try:
        layer, neuron, point = (int(request.query_params.get(k, "0")) for k in ("layer", "neuron", "point"))
        x, target = POINTS[point]
        return JSONResponse(lab.inside_payload(MODEL, layer, neuron, x, target, "mse"))
    except (ValueError, IndexError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)


def make_app():
    return Starlette(routes=[*lab.routes, Route("/api/sessions/{sid}/inside", inside)])


class Server:
    """uvicorn on a free 127.0.0.1 port, in a thread; stopped by stop()."""

    def __init__(self, app):
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


from page_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  Debian's chromium and how the tests start it


def need_chromium():
    """Skip without Debian's chromium; under CI (CI=true) fail instead: CI must run the browser tests."""
    require_program(CHROMIUM, "apt-get install chromium (Debian's; Playwright drives it)")
