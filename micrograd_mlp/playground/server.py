"""The playground's web server: a Starlette app around `session.Session`.

Starlette (with uvicorn) is a small, maintained ASGI framework with WebSockets
built in, and a test client that needs no running server. The HTTP API:

    GET  /                                   the page (static/index.html)
    GET  /api/limits                         the stated limits and choices
    POST /api/sessions                       {settings} -> {"session": id, "frame": ...}
    POST /api/sessions/{sid}/settings        {changes}  -> frame (new data/model if needed)
    POST /api/sessions/{sid}/step            one epoch  -> frame
    POST /api/sessions/{sid}/reset           new weights -> frame
    GET  /api/sessions/{sid}/neuron?layer=&neuron=         look inside one neuron
    GET  /api/sessions/{sid}/inside?layer=&neuron=&point=  the chain-rule lab's payload
    DELETE /api/sessions/{sid}
    WS   /ws/{sid}   {"action": "play" | "pause" | "step"}; the server sends frames

Every error is a 4xx JSON ``{"error": message}`` the page shows; a closed
socket frees its session; one tab's failure never stops the others.

>>> app = create_app()
>>> sorted(route.path for route in app.routes if route.path.startswith("/api/sessions/"))[:2]
['/api/sessions/{sid}', '/api/sessions/{sid}/inside']
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Optional

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import lab
from .session import (
    CLASSIFICATION_LOSSES,
    DATASETS,
    DEFAULTS,
    HIDDEN_ACTIVATIONS,
    LIMITS,
    OPTIMIZERS,
    Session,
    SessionStore,
    SettingsError,
    TooManySessions,
)

STATIC = Path(__file__).parent / "static"

__all__ = ["create_app", "STATIC"]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _no_nan(frame: Any) -> Response:
    # NaN is not JSON: the session already turns non-finite numbers into None,
    # and allow_nan=False makes any that slipped through a loud failure in tests.
    return Response(json.dumps(frame, allow_nan=False), media_type="application/json")


async def _json_body(request: Request) -> Any:
    """The request's JSON body, or SettingsError/_TooLarge with what is wrong."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > LIMITS["max_body_bytes"]:
        raise _TooLarge()
    body = b""
    async for chunk in request.stream():  # a lying or absent Content-Length: count ourselves
        body += chunk
        if len(body) > LIMITS["max_body_bytes"]:
            raise _TooLarge()
    if not body.strip():
        return {}
    try:
        # parse_constant: refuse NaN/Infinity, which Python's json accepts but JSON does not
        return json.loads(body, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SettingsError(f"the request body is not valid JSON: {err}") from None
    except RecursionError:
        raise SettingsError("the request body is nested too deeply") from None


def _refuse_constant(name: str) -> Any:
    raise SettingsError(f"{name} is not a number JSON allows; send a finite number")


class _TooLarge(Exception):
    pass


def _int_param(request: Request, name: str, default: Optional[int] = None) -> int:
    text = request.query_params.get(name)
    if text is None:
        if default is None:
            raise SettingsError(f"missing query parameter {name}, e.g. ?{name}=0")
        return default
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {text!r:.20}") from None


def create_app(max_sessions: Optional[int] = None, idle_seconds: Optional[float] = None) -> Starlette:
    """The playground's Starlette app, with its own store of sessions."""
    store = SessionStore(max_sessions, idle_seconds)

    def session_or_404(sid: str) -> Session:
        session = store.get(sid)
        if session is None:
            raise LookupError(
                f"no session {sid!r:.30} (it was closed or idle too long); reload the page for a new one"
            )
        return session

    async def guarded(request: Request, work: Any) -> Response:
        """Run ``work()`` in a thread; turn every expected failure into a 4xx JSON error."""
        try:
            return _no_nan(await run_in_threadpool(work))
        except LookupError as err:
            return _error(404, str(err.args[0]))
        except TooManySessions as err:
            return _error(503, str(err))
        except ValueError as err:  # SettingsError, or the lab refusing an input
            return _error(400, str(err))

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def limits(request: Request) -> Response:
        return JSONResponse({
            "limits": LIMITS, "defaults": DEFAULTS, "datasets": list(DATASETS),
            "activations": list(HIDDEN_ACTIVATIONS), "losses": list(CLASSIFICATION_LOSSES) + ["mse"],
            "optimizers": list(OPTIMIZERS),
        })  # fmt: skip

    async def read_body(request: Request) -> Any:
        try:
            return await _json_body(request)
        except _TooLarge:
            raise SettingsError(f"the request body is larger than {LIMITS['max_body_bytes']} bytes") from None

    async def create(request: Request) -> Response:
        try:
            settings = await read_body(request)
        except SettingsError as err:
            return _error(413 if "larger than" in str(err) else 400, str(err))

        def work() -> Any:
            sid = store.create(settings)
            return {"session": sid, "frame": store.get(sid).frame()}

        return await guarded(request, work)

    async def settings(request: Request) -> Response:
        try:
            changes = await read_body(request)
        except SettingsError as err:
            return _error(413 if "larger than" in str(err) else 400, str(err))
        return await guarded(request, lambda: session_or_404(request.path_params["sid"]).update(changes))

    async def step(request: Request) -> Response:
        return await guarded(request, lambda: session_or_404(request.path_params["sid"]).tick())

    async def reset(request: Request) -> Response:
        return await guarded(request, lambda: session_or_404(request.path_params["sid"]).reset())

    async def neuron(request: Request) -> Response:
        def work() -> Any:
            session = session_or_404(request.path_params["sid"])
            return session.neuron(_int_param(request, "layer"), _int_param(request, "neuron"))

        return await guarded(request, work)

    async def inside(request: Request) -> Response:
        def work() -> Any:
            session = session_or_404(request.path_params["sid"])
            layer, unit = _int_param(request, "layer"), _int_param(request, "neuron")
            with session.lock:
                session._check_neuron(layer, unit)
                x, target = session.point(_int_param(request, "point", 0))
                return lab.inside_payload(session.model, layer, unit, x, target, session.settings["loss"])

        return await guarded(request, work)

    async def delete(request: Request) -> Response:
        store.remove(request.path_params["sid"])
        return JSONResponse({"deleted": True})

    async def stream(websocket: WebSocket) -> None:
        """Play/pause/step over one socket; the session dies with it."""
        sid = websocket.path_params["sid"]
        session = store.get(sid)
        if session is None:
            await websocket.accept()
            await websocket.send_json({"error": f"no session {sid!r:.30}; reload the page"})
            await websocket.close(code=4404)
            return
        session.sockets += 1  # watched: it does not expire while the socket is open
        player: Optional[asyncio.Task] = None

        async def send(frame: Any) -> None:
            await websocket.send_text(json.dumps(frame, allow_nan=False))

        async def play() -> None:
            # Each epoch runs in a worker thread, so the server keeps answering
            # other tabs (and this tab's pause) while the engine computes.
            loop = asyncio.get_running_loop()
            while session.playing:
                started = loop.time()
                try:
                    frame = await run_in_threadpool(session.tick)
                except Exception as err:  # a bug of ours: say so in the page, stop this tab only
                    session.playing = False
                    frame = {"error": f"internal error, training stopped: {type(err).__name__}: {err}"}
                await send(frame)
                # At most max_frames_per_second (a browser redrawing faster only
                # falls behind, and pause would seem late); and always a pause
                # in between, so that pause/settings get in.
                spare = 1.0 / LIMITS["max_frames_per_second"] - (loop.time() - started)
                await asyncio.sleep(max(0.005, spare))

        try:
            await websocket.accept()
            while True:
                text = await websocket.receive_text()
                try:
                    message = json.loads(text) if len(text) <= LIMITS["max_body_bytes"] else None
                    action = message.get("action") if isinstance(message, dict) else None
                except json.JSONDecodeError:
                    action = None
                if action == "play":
                    session.playing = session.error is None
                    if session.error:
                        await send({"error": session.error})
                    if session.playing and (player is None or player.done()):
                        player = asyncio.create_task(play())
                elif action == "pause":
                    session.playing = False
                elif action == "step":
                    session.playing = False
                    if player is not None:
                        await player  # finish the epoch under way first
                    await send(await run_in_threadpool(session.tick))
                else:
                    await send({"error": f"unknown message {text!r:.60}; send {{\"action\": \"play\"|\"pause\"|\"step\"}}"})
        except (WebSocketDisconnect, RuntimeError):
            pass  # the tab closed (maybe mid-stream): stop and free its session
        finally:
            session.sockets -= 1
            session.playing = False
            if player is not None:
                player.cancel()
                try:
                    await player
                except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                    pass
            store.remove(sid)

    routes = [
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
    ]
    routes = list(lab.routes) + routes  # the chain-rule lab: /lab and /api/lab/...

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(404, f"nothing at {request.url.path}")

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return _error(405, f"{request.method} is not allowed on {request.url.path}")

    async def server_error(request: Request, exc: Exception) -> Response:
        # A bug of ours: one line to the page, never a traceback; other tabs go on.
        return _error(500, f"internal error: {type(exc).__name__}: {exc}")

    app = Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: method_not_allowed, 500: server_error},
    )
    app.state.store = store
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True) -> int:
    """Bind ``host:port``, print the address, open the browser, serve until Ctrl-C.

    Port 0 picks a free port (the printed address says which). Returns the exit code.
    """
    import socket
    import sys
    import threading
    import webbrowser

    import uvicorn

    if host in ("0.0.0.0", "::"):
        print(
            f"warning: --host {host} lets every computer on the network open the playground "
            "and run training on this machine; use it only on a network you trust",
            file=sys.stderr,
        )
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
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    print(f"Playground running at {url}  (Ctrl-C stops it)", flush=True)
    config = uvicorn.Config(create_app(), log_level="warning", ws="websockets-sansio", lifespan="off",
                            ws_max_size=4 * LIMITS["max_body_bytes"])  # a bigger message closes that socket only
    server = uvicorn.Server(config)
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])
    return 0
