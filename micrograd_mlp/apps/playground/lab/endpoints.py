"""The lab's HTTP endpoints (mounted by the playground's app).

Each builds its graph with the engine lock held (`engine_lock`), then lets
Graphviz lay out the picture with the lock free, in a worker thread, so a slow
drawing never holds up a training tab. Bad input is a 4xx JSON
``{"error": message, ...}``, never a traceback.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable, Dict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ....teaching.expression import ExpressionError
from ..engine_lock import ENGINE_LOCK
from ..web import Refused, error_response, json_response, read_json
from . import drawing
from .exercises import check_answers_shape, check_payload, exercise_payload, level_and_seed
from .graph import expression_payload, name_values

__all__ = ["routes", "with_engine", "then_draw", "STATIC", "MAX_BODY", "MAX_VALUE"]

STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_BODY = 20_000  # bytes of a request body; an expression is at most 400 characters
MAX_VALUE = 1e6  # slider and box values beyond this are refused (|value|)


async def with_engine(function: Callable, *args: Any) -> Any:
    """``function(*args)`` in a worker thread, holding the engine lock (see `engine_lock`)."""

    def locked() -> Any:
        with ENGINE_LOCK:
            return function(*args)

    return await run_in_threadpool(locked)


async def then_draw(payload: Dict[str, Any]) -> Dict[str, Any]:
    """Lay out ``payload["graph"]``'s deferred drawing in a worker thread, with no lock held."""
    await run_in_threadpool(drawing.finish, payload["graph"])
    return payload


async def _object_body(request: Request) -> Dict[str, Any]:
    data = await read_json(request, MAX_BODY, empty={})
    if not isinstance(data, dict):
        raise Refused("the request body must be a JSON object")
    return data


def _read_values(raw: Any) -> Dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise Refused("values must be an object of name -> number, e.g. {\"a\": 2}")
    values: Dict[str, float] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Refused(f"the value of {name[:20]!r} must be a number, got {json.dumps(value)[:20]}")
        # an int is compared before isfinite, which cannot take a 4,000-digit one
        if abs(value) > MAX_VALUE or not math.isfinite(value):
            raise Refused(f"the value of {name[:20]!r} must be a finite number of at most {MAX_VALUE:g} in size")
        values[name] = value
    return values


async def page(request: Request) -> Response:
    return FileResponse(STATIC / "lab.html", media_type="text/html; charset=utf-8")


_ASSETS = {"lab.js": "text/javascript; charset=utf-8", "lab.css": "text/css; charset=utf-8",
           "backward_step.js": "text/javascript; charset=utf-8"}  # (shared with the notebook's Stepper)


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _ASSETS:  # only our own files, never a path into the package
        return error_response(404, f"no such file: {name[:40]!r}")
    return FileResponse(STATIC / name, media_type=_ASSETS[name])


async def graph_endpoint(request: Request) -> Response:
    try:
        data = await _object_body(request)
        text = data.get("expression")
        if not isinstance(text, str):
            raise Refused("send the expression as a string: {\"expression\": \"a*b + c\"}")
        draw = data.get("draw", True)
        if not isinstance(draw, bool):
            raise Refused("draw must be true or false")
        values = _read_values(data.get("values"))
    except Refused as error:
        return error_response(error.status, str(error))
    try:
        return json_response(await then_draw(await with_engine(expression_payload, text, values, draw, True)))
    except ExpressionError as error:
        body = {"error": str(error), "reason": error.reason, "position": error.position, "caret": error.caret()}
    try:  # the names still get their boxes, so a value that divides by zero can be changed
        named = await with_engine(name_values, text, values)
        body.update(names=list(named), values=named)
    except ExpressionError:
        pass
    return json_response(body, 400)


async def practice_new(request: Request) -> Response:
    try:
        level, seed = level_and_seed(await _object_body(request))
    except Refused as error:
        return error_response(error.status, str(error))
    except ValueError as error:
        return error_response(400, str(error))
    return json_response(await then_draw(await with_engine(exercise_payload, level, seed, True)))


async def practice_check(request: Request) -> Response:
    try:
        data = await _object_body(request)
        level, seed = level_and_seed(data)
        if seed is None:
            raise Refused("send the seed of the exercise being checked")
        answers = check_answers_shape(data.get("answers"))
    except Refused as error:
        return error_response(error.status, str(error))
    except ValueError as error:
        return error_response(400, str(error))
    return json_response(await then_draw(await with_engine(check_payload, level, seed, answers, True)))


routes = [
    Route("/lab", page, methods=["GET"]),
    Route("/lab/static/{name}", asset, methods=["GET"]),
    Route("/api/lab/graph", graph_endpoint, methods=["POST"]),
    Route("/api/lab/practice/new", practice_new, methods=["POST"]),
    Route("/api/lab/practice/check", practice_check, methods=["POST"]),
]
