"""What every endpoint of the playground shares: JSON bodies in, JSON answers out, 4xx errors.

`read_json` reads a request's body (the `guard` middleware has already cut it
at its size limit) and refuses, with `Refused`, anything that is not one
JSON object: bad UTF-8, NaN, a 5,000-digit number, 5,000-deep nesting.
`json_response` writes ASCII-only JSON, so a lone surrogate such as "\\ud800"
echoed in an error message cannot fail to encode.

>>> json_response({"error": "bad \\ud800"}).body
b'{"error": "bad \\\\ud800"}'
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["Refused", "read_json", "json_response", "error_response", "json_text"]


class Refused(ValueError):
    """A request we refuse; ``status`` is the 4xx code, the message says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def json_text(value: Any) -> str:
    """JSON text that any transport can carry: ASCII only, and NaN/inf refused (a bug of ours)."""
    return json.dumps(value, allow_nan=False, ensure_ascii=True)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(json_text(value), status_code=status, media_type="application/json")


def error_response(status: int, message: str, **extra: Any) -> Response:
    return json_response({"error": message, **extra}, status)


def _refuse_constant(name: str) -> Any:
    raise Refused(f"{name} is not a number JSON allows; send a finite number")


def parse_json(data: Any, what: str = "the request body") -> Any:
    """``data`` (bytes or text) parsed as JSON, or `Refused` saying what is wrong."""
    try:
        # parse_constant: refuse NaN/Infinity, which Python's json accepts but JSON does not
        return json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise Refused(f"{what} is nested too deeply") from None
    except UnicodeDecodeError:
        raise Refused(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise Refused(f"{what} is not valid JSON: {err}") from None
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise Refused(f"{what} has a number that is too large: {str(err)[:120]}") from None


async def read_json(request: Request, limit: int, empty: Any = None) -> Any:
    """The request's JSON body (``empty`` when there is none), at most ``limit`` bytes."""
    body = b""
    async for chunk in request.stream():  # the guard has already cut it at its own limit
        body += chunk
        if len(body) > limit:
            raise Refused(f"the request body has more than {limit} bytes: larger than this endpoint takes", 413)
    if not body.strip():
        if empty is None:
            raise Refused("send a JSON object as the request body")
        return empty
    return parse_json(body)
