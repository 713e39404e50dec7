"""The playground's web server: module-level handlers over one `AppState`.

Starlette (with uvicorn) is a small, maintained ASGI framework with WebSockets
built in, and a test client that needs no running server. Every path is
relative to the playground's root (``/``, or ``/user/NAME/playground/`` behind
JupyterHub), and `guard.Guard` stands in front of all of them::

    GET  ./                                  the page (static/index.html)
    GET  api/limits                          the stated limits and choices
    POST api/sessions                        {settings} -> {"session": id, "frame": ...}
    POST api/sessions/{sid}/settings         {changes}  -> frame (new data/model if needed)
    POST api/sessions/{sid}/step             one epoch  -> frame
    POST api/sessions/{sid}/reset            new weights -> frame
    GET  api/sessions/{sid}/neuron?layer=&neuron=         look inside one neuron
    GET  api/sessions/{sid}/inside?layer=&neuron=&point=  the chain-rule lab's payload
    DELETE api/sessions/{sid}
    WS   ws/{sid}    {"action": "play" | "pause" | "step"}; the server sends frames
    lab, api/lab/...                         the chain-rule lab (`lab`)

The sessions train in `workers` (worker processes, or this process); the
`store` knows which are alive. One WebSocket per session: a second is refused,
and only the socket that owns a session frees it when it closes. Every error
is a 4xx JSON ``{"error": message}`` the page shows; one tab's failure never
stops the others.

>>> app = create_app()
>>> sorted(route.path for route in app.routes if route.path.startswith("/api/sessions/"))[:2]
['/api/sessions/{sid}', '/api/sessions/{sid}/inside']
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any, Iterable, Optional

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import lab
from .lab.endpoints import then_draw
from .guard import Guard, GuardConfig, is_loopback
from .settings import CLASSIFICATION_LOSSES, DATASETS, DEFAULTS, HIDDEN_ACTIVATIONS, LIMITS, OPTIMIZERS
from .store import Entry, SessionStore, TooManySessions
from .web import Refused, error_response, json_response, json_text, parse_json, read_json
from .workers import make_host

STATIC = Path(__file__).parent / "static"
MAX_BODY = max(LIMITS["max_body_bytes"], lab.MAX_BODY)  # the guard's cut; each endpoint checks its own

__all__ = ["create_app", "serve", "AppState", "STATIC"]


class AppState:
    """What the handlers share: the store of sessions and the host they train on."""

    SWEEP_SECONDS = 30.0  # how often idle sessions are looked for, even when no request comes

    def __init__(self, host: Any, store: SessionStore) -> None:
        self.host = host
        self.store = store
        self.sweeper: Optional[asyncio.Task] = None

    def watch(self) -> None:
        """Start the sweeper (once, from the first request: it needs the server's event loop)."""
        if self.sweeper is None or self.sweeper.done():
            self.sweeper = asyncio.get_running_loop().create_task(self.sweep())

    async def sweep(self) -> None:
        while True:
            await asyncio.sleep(self.SWEEP_SECONDS)
            await self.free(self.store.expire())

    def entry(self, sid: str) -> Entry:
        entry = self.store.get(sid)
        if entry is None:
            raise Refused(f"no session {sid!r:.30} (it was closed or idle too long); reload the page for a new one", 404)
        return entry

    async def call(self, sid: str, op: str, *args: Any) -> tuple:
        """(JSON text, stopped) of ``op`` on session ``sid``; `Refused` with the status otherwise."""
        self.watch()
        await self.free(self.store.expire())
        entry = self.entry(sid)
        status, text, stopped = await self.host.call(entry.worker, op, sid, *args)
        if status != 200:
            if status == 404 or status == 503:  # the worker lost it (restarted): forget it here too
                self.store.remove(sid)
            raise Refused(text, status)
        return text, stopped

    async def create(self, settings: Any) -> tuple:
        """A new session: (its id, its first frame as JSON text)."""
        self.watch()
        try:
            entry, gone = self.store.add()
        except TooManySessions as err:
            raise Refused(str(err), 503) from None
        await self.free(gone)
        status, text, _ = await self.host.call(entry.worker, "create", entry.sid, settings)
        if status != 200:
            self.store.remove(entry.sid)
            await self.host.call(entry.worker, "drop", entry.sid)
            raise Refused(text, status)
        return entry.sid, text

    async def remove(self, sid: str) -> None:
        entry = self.store.remove(sid)
        if entry is not None:
            entry.playing = False
            await self.host.call(entry.worker, "drop", sid)

    async def free(self, gone: Iterable[Entry]) -> None:
        """Tell the workers to drop the sessions the store let go (expired or pushed out)."""
        for entry in gone:
            entry.playing = False
            await self.host.call(entry.worker, "drop", entry.sid)


def state_of(request: Any) -> AppState:
    return request.app.state.playground


def frame_response(text: str) -> Response:
    return Response(text, media_type="application/json")


async def refusals(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return error_response(exc.status, str(exc))


def _int_param(request: Request, name: str, default: Optional[int] = None) -> int:
    text = request.query_params.get(name)
    if text is None:
        if default is None:
            raise Refused(f"missing query parameter {name}, e.g. ?{name}=0")
        return default
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 9):
        raise Refused(f"{name} must be a whole number, got {text[:20]!r}")
    return int(text)


# ------------------------------------------------------------------ handlers

async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


async def limits(request: Request) -> Response:
    return json_response({
        "limits": LIMITS, "defaults": DEFAULTS, "datasets": list(DATASETS),
        "activations": list(HIDDEN_ACTIVATIONS), "losses": list(CLASSIFICATION_LOSSES) + ["mse"],
        "optimizers": list(OPTIMIZERS),
    })  # fmt: skip


async def create(request: Request) -> Response:
    settings = await read_json(request, LIMITS["max_body_bytes"], empty={})
    sid, text = await state_of(request).create(settings)
    return frame_response(f'{{"session": {json_text(sid)}, "frame": {text}}}')


async def settings(request: Request) -> Response:
    changes = await read_json(request, LIMITS["max_body_bytes"])
    text, _ = await state_of(request).call(request.path_params["sid"], "update", changes)
    return frame_response(text)


async def step(request: Request) -> Response:
    text, _ = await state_of(request).call(request.path_params["sid"], "tick")
    return frame_response(text)


async def reset(request: Request) -> Response:
    text, _ = await state_of(request).call(request.path_params["sid"], "reset")
    return frame_response(text)


async def neuron(request: Request) -> Response:
    layer, unit = _int_param(request, "layer"), _int_param(request, "neuron")
    text, _ = await state_of(request).call(request.path_params["sid"], "neuron", layer, unit)
    return frame_response(text)


async def inside(request: Request) -> Response:
    layer, unit = _int_param(request, "layer"), _int_param(request, "neuron")
    point = _int_param(request, "point", 0)
    text, _ = await state_of(request).call(request.path_params["sid"], "inside", layer, unit, point)
    return json_response(await then_draw(parse_json(text)))  # Graphviz here, no lock held


async def delete(request: Request) -> Response:
    await state_of(request).remove(request.path_params["sid"])
    return json_response({"deleted": True})


async def not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, f"nothing at {request.url.path[:80]!r}")


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(405, f"{request.method} is not allowed on {request.url.path[:80]!r}")


async def server_error(request: Request, exc: Exception) -> Response:
    # A bug of ours: one line to the page, never a traceback; other tabs go on.
    return error_response(500, f"internal error: {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------ the socket

def _action(message: Any) -> tuple:
    """(action, or None and what is wrong) of one WebSocket message."""
    text = message.get("text")
    if text is None:
        return None, "binary messages are not understood; send JSON text such as {\"action\": \"play\"}"
    if len(text) > LIMITS["max_body_bytes"]:
        return None, f"a message has at most {LIMITS['max_body_bytes']} characters"
    try:
        data = parse_json(text, "the message")
    except Refused as err:
        return None, str(err)
    action = data.get("action") if isinstance(data, dict) else None
    if action not in ("play", "pause", "step"):
        return None, f"unknown message {text[:60]!r}; send {{\"action\": \"play\"|\"pause\"|\"step\"}}"
    return action, None


async def stream(websocket: WebSocket) -> None:
    """Play/pause/step over one socket; the session dies with the socket that owns it."""
    state = state_of(websocket)
    sid = websocket.path_params["sid"]
    entry = state.store.get(sid)
    await websocket.accept()
    if entry is None or entry.socket is not None:
        reason = (f"no session {sid!r:.30}; reload the page" if entry is None else
                  "this session is already open in another tab or window; reload this page for a session of its own")  # fmt: skip
        await websocket.send_text(json_text({"error": reason}))
        await websocket.close(code=4404 if entry is None else 4409)
        return
    owner = entry.socket = object()
    player: Optional[asyncio.Task] = None

    async def send(text: str) -> None:
        await websocket.send_text(text)

    async def play() -> None:
        loop = asyncio.get_running_loop()
        while entry.playing:
            started = loop.time()
            try:
                text, stopped = await state.call(sid, "tick")
            except Refused as err:
                text, stopped = json_text({"error": str(err)}), True
            if stopped:  # diverged (the frame says why) or gone
                entry.playing = False
            await send(text)
            # At most max_frames_per_second (a browser redrawing faster only falls
            # behind, and pause would seem late); always a pause in between, so
            # that pause and settings get in.
            spare = 1.0 / LIMITS["max_frames_per_second"] - (loop.time() - started)
            await asyncio.sleep(max(0.005, spare))

    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            action, problem = _action(message)
            if problem:
                await send(json_text({"error": problem}))
            elif action == "play":
                entry.playing = True
                if player is None or player.done():
                    player = asyncio.create_task(play())
            elif action == "pause":
                entry.playing = False
            elif action == "step":
                entry.playing = False
                if player is not None:
                    await player  # finish the epoch under way first
                try:
                    text, _ = await state.call(sid, "tick")
                except Refused as err:
                    text = json_text({"error": str(err)})
                await send(text)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the tab closed (maybe mid-stream)
    finally:
        entry.playing = False
        if player is not None:
            player.cancel()
            try:
                await player
            except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                pass
        if entry.socket is owner:  # only the owner's close frees the session
            entry.socket = None
            await state.remove(sid)


ROUTES = [
    Route("/", index),
    Route("/api/limits", limits),
    Route("/api/sessions", create, methods=["POST"]),
    Route("/api/sessions/{sid}", delete, methods=["DELETE"]),
    Route("/api/sessions/{sid}/settings", settings, methods=["POST"]),
    Route("/api/sessions/{sid}/step", step, methods=["POST"]),
    Route("/api/sessions/{sid}/reset", reset, methods=["POST"]),
    Route("/api/sessions/{sid}/neuron", neuron),
    Route("/api/sessions/{sid}/inside", inside),
    WebSocketRoute("/ws/{sid}", stream),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
    *lab.routes,  # the chain-rule lab: lab and api/lab/...
]


def create_app(max_sessions: Optional[int] = None, idle_seconds: Optional[float] = None, workers: int = 0,
               guard: Optional[GuardConfig] = None) -> Starlette:  # fmt: skip
    """The playground's app, with its own sessions, behind `guard.Guard`.

    ``workers``: worker processes that train (0: this process). ``guard``: who
    may use it (default: this machine only, no token, as ``serve`` on 127.0.0.1).
    """
    host = make_host(workers)
    app = Starlette(
        routes=ROUTES,
        exception_handlers={Refused: refusals, 404: not_found, 405: method_not_allowed, 500: server_error},
    )
    app.state.playground = AppState(host, SessionStore(max_sessions, idle_seconds, host.workers))
    app.add_middleware(Guard, config=guard or GuardConfig.for_address("127.0.0.1", max_body=MAX_BODY))
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True, *,
          allow_hosts: Iterable[str] = (), allow_origins: Iterable[str] = (), token: Optional[str] = None,
          no_token: bool = False, workers: Optional[int] = None, max_tabs: Optional[int] = None) -> int:
    """Bind ``host:port``, print the address, open the browser, serve until Ctrl-C.

    Port 0 picks a free port (the printed address says which). A host other
    than this machine's loopback needs a join token, made here and printed in
    the address (as Jupyter does), unless ``no_token``; ``token`` (or the
    environment's MICROGRAD_PLAYGROUND_TOKEN) sets it. Returns the exit code.
    """
    import socket
    import sys
    import threading
    import webbrowser

    import uvicorn

    token = token or os.environ.get("MICROGRAD_PLAYGROUND_TOKEN") or None
    if no_token:
        token = None
    elif token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
    if not is_loopback(host):
        print(f"warning: --host {host} lets other computers on the network open the playground and run "
              "training on this machine; use it only on a network you trust"
              + ("" if token else " (and --no-token lets them in without the join token)"),
              file=sys.stderr)  # fmt: skip
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        print(f"micrograd-mlp playground: cannot listen on {host}:{port} ({err.strerror}); "
              "try another --port", file=sys.stderr)  # fmt: skip
        return 1
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/" + (f"?token={token}" if token else "")
    print(f"Playground running at {url}  (Ctrl-C stops it)", flush=True)
    if host in ("0.0.0.0", "::"):  # the address other computers use: this machine's IPv4 one, if it has one
        names = sorted(GuardConfig.for_address(host).hosts - {"localhost", "127.0.0.1", "[::1]"},
                       key=lambda name: (not name.replace(".", "").isdigit(), name.startswith("127."), name))  # fmt: skip
        if names:
            print(f"  other computers open it at http://{names[0]}:{port}/" + (f"?token={token}" if token else ""),
                  flush=True)  # fmt: skip
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    config = GuardConfig.for_address(host, allow_hosts, allow_origins, token, MAX_BODY, port)
    app = create_app(max_sessions=max_tabs, workers=workers, guard=config)
    uvicorn_config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="off",
                                    ws_max_size=4 * LIMITS["max_body_bytes"])  # a bigger message closes that socket only
    server = uvicorn.Server(uvicorn_config)
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        app.state.playground.host.close()
    return 0
