"""The playground guards itself as Jupyter's server does: no other web page can drive it.

`Guard` is an ASGI middleware in front of every route (pages, API, WebSocket):

* **Host** must be one of ours (localhost, 127.0.0.1, [::1], the bound address,
  the machine's own names when bound to every interface, ``--allow-host``):
  a page on another site that re-points its DNS name to 127.0.0.1 (DNS
  rebinding) sends its own name as Host and is refused.
* **Origin**, when a browser sends one (every fetch POST, every WebSocket),
  must be this server itself (the Host it asked for) or one of
  ``--allow-origin``: a foreign page can neither post to the API nor open the
  socket. A request without Origin is not a browser's cross-site request.
* **POST bodies** must say ``Content-Type: application/json``: a form or
  ``text/plain`` POST (the kinds a foreign page may send without asking) is
  refused even before the Origin is looked at.
* **Body size** is cut at ``max_body`` bytes as it streams in: a body without
  Content-Length is not read to its end before the 413.
* **Token** (when there is one: a non-loopback ``--host``, or behind
  JupyterHub): ``?token=...`` once (it is then kept in an HttpOnly,
  SameSite=Strict cookie), or ``Authorization: token ...``.
* **Headers** on every answer: a Content-Security-Policy that allows only the
  page's own origin (no inline script, no framing), ``nosniff``, no Referer.

Every refusal is a 4xx JSON ``{"error": reason}`` (a refused WebSocket gets
the same as its HTTP answer).

>>> config = GuardConfig.for_address("127.0.0.1")
>>> config.host_allowed("localhost:8000"), config.host_allowed("evil.example:8000")
(True, False)
>>> config.origin_allowed("http://localhost:8000", "localhost:8000")
True
>>> config.origin_allowed("http://evil.example", "localhost:8000")
False
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from .web import json_text

__all__ = ["Guard", "GuardConfig", "SECURITY_HEADERS", "is_loopback", "TOKEN_COOKIE"]

Scope = Dict[str, Any]
Message = Dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Only this page's own origin may run script, be fetched or be connected to
# ('self' covers the same-origin ws:// too); data: only for the empty favicon.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: List[Tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
    (b"referrer-policy", b"no-referrer"),  # a ?token=... never leaks in a Referer
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
TOKEN_COOKIE = "micrograd-playground-token"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine (127.x, ::1, localhost)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(host: str) -> str:
    """"LocalHost:8000" -> "localhost", "[::1]:80" -> "[::1]", "::1" -> "[::1]"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    if host.count(":") > 1:  # a bare IPv6 address
        return f"[{host}]"
    return host.split(":", 1)[0]


def _own_names() -> List[str]:
    """This machine's names and addresses, for a server bound to every interface."""
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            names.add(_host_name(str(info[4][0])))
    except OSError:
        pass
    return sorted(names)


@dataclass(frozen=True)
class GuardConfig:
    """What the guard lets in. ``"*"`` in hosts or origins lets any in (behind a trusted proxy)."""

    hosts: FrozenSet[str] = frozenset(LOOPBACK_NAMES)
    origins: FrozenSet[str] = frozenset()
    token: Optional[str] = None
    max_body: int = 20_000
    cookie: str = TOKEN_COOKIE

    @classmethod
    def for_address(cls, bound: str, allow_hosts: Iterable[str] = (), allow_origins: Iterable[str] = (),
                    token: Optional[str] = None, max_body: int = 20_000, port: Optional[int] = None) -> "GuardConfig":
        """The allowlists for a server bound to ``bound`` (as Jupyter's server builds them)."""
        hosts = set(LOOPBACK_NAMES) | {_host_name(h) for h in allow_hosts if h != "*"}
        hosts |= {"*"} if "*" in allow_hosts else set()
        if bound in ("0.0.0.0", "::", ""):
            hosts |= set(_own_names())
        else:
            hosts.add(_host_name(bound))
        origins = {o.rstrip("/").lower() if o != "*" else o for o in allow_origins}
        cookie = f"{TOKEN_COOKIE}-{port}" if port else TOKEN_COOKIE  # servers on other ports keep theirs
        return cls(frozenset(hosts), frozenset(origins), token, max_body, cookie)

    def host_allowed(self, host: Optional[str]) -> bool:
        if "*" in self.hosts:
            return True
        return bool(host) and _host_name(host) in self.hosts

    def origin_allowed(self, origin: Optional[str], host: Optional[str]) -> bool:
        if origin is None or "*" in self.origins:
            return True  # no Origin: not a browser's cross-site request
        origin = origin.strip().lower().rstrip("/")
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or not host:
            return False  # "null" (a sandboxed frame, a file:// page) and the like
        default = {"http": 80, "https": 443}[parts.scheme]
        return _with_port(parts.netloc, default) == _with_port(host.strip().lower(), default)

    def token_ok(self, given: Optional[str]) -> bool:
        return self.token is None or (given is not None and hmac.compare_digest(given.encode(), self.token.encode()))


def _with_port(netloc: str, default: int) -> str:
    """"localhost" -> "localhost:80" (with default 80): the same origin written two ways compares equal."""
    name = _host_name(netloc)
    if netloc.startswith("["):
        rest = netloc[netloc.find("]") + 1:]
    else:
        rest = "" if netloc.count(":") > 1 else netloc[len(name):]
    return f"{name}:{rest[1:] if rest.startswith(':') else default}"


def _headers(scope: Scope) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        if name not in found:  # the first of a repeated header, as Starlette reads it
            found[name] = value.decode("latin-1")
    return found


def _given_token(scope: Scope, headers: Dict[str, str], cookie: str) -> Tuple[Optional[str], bool]:
    """(the token the request carries, whether it came in the query string)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], True
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("token", "bearer") and value:
        return value.strip(), False
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no token  # noqa: BLE001
        return None, False
    return (jar[cookie].value if cookie in jar else None), False


class Guard:
    """ASGI middleware: the checks above, then ``app``; security headers on every answer."""

    def __init__(self, app: Callable, config: GuardConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        refusal, set_cookie = self._refusal(scope, headers)
        if refusal is not None:
            await self._refuse(scope, receive, send, *refusal)
            return
        extra = list(SECURITY_HEADERS)
        if set_cookie:
            extra.append((b"set-cookie", set_cookie.encode("latin-1")))
        send = _adding_headers(send, extra)
        if scope["type"] == "http":
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.config.max_body:
                await self._refuse(scope, receive, send, 413, self._too_large())
                return
            body, more = await _read_at_most(receive, self.config.max_body)
            if more:
                await self._refuse(scope, receive, send, 413, self._too_large())
                return
            receive = _replaying(body, receive)
        await self.app(scope, receive, send)

    def _too_large(self) -> str:
        return f"the request body has more than {self.config.max_body} bytes: larger than this server takes"

    def _refusal(self, scope: Scope, headers: Dict[str, str]) -> Tuple[Optional[Tuple[int, str]], Optional[str]]:
        """((status, reason) or None, a Set-Cookie value to send or None)."""
        config = self.config
        host = headers.get("host")
        if not config.host_allowed(host):
            return (403, f"Host {str(host)[:80]!r} is not one this playground answers to; open it as "
                         "http://localhost:PORT/ or start it with --allow-host NAME"), None  # fmt: skip
        if not config.origin_allowed(headers.get("origin"), host):
            return (403, f"requests from the page at {headers.get('origin', '')[:80]!r} are refused: only the "
                         "playground's own pages may use it (or start it with --allow-origin ORIGIN)"), None  # fmt: skip
        set_cookie = None
        if config.token is not None:
            given, in_query = _given_token(scope, headers, config.cookie)
            if not config.token_ok(given):
                return (403, "this playground needs its join token: open the address printed when it started "
                             "(it ends in ?token=...)"), None  # fmt: skip
            if in_query:  # once by link, then by cookie (HttpOnly: no script reads it)
                set_cookie = f"{config.cookie}={config.token}; Path=/; HttpOnly; SameSite=Strict"
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                return (415, f"a {scope['method']} body must be JSON, sent with Content-Type: application/json "
                             f"(got {media[:40] or 'none'!r})"), None  # fmt: skip
        return None, set_cookie

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
        body = json_text({"error": reason}).encode()
        start = {"status": status, "headers": [(b"content-type", b"application/json"),
                                               (b"content-length", str(len(body)).encode())] + SECURITY_HEADERS}  # fmt: skip
        if scope["type"] == "websocket":
            if "websocket.http.response" in scope.get("extensions", {}):
                await send({"type": "websocket.http.response.start", **start})
                await send({"type": "websocket.http.response.body", "body": body})
            else:  # a server without the denial-response extension: a plain refusal (HTTP 403)
                await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
            return
        await send({"type": "http.response.start", **start})
        await send({"type": "http.response.body", "body": body})


def _adding_headers(send: Send, extra: List[Tuple[bytes, bytes]]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] in ("http.response.start", "websocket.http.response.start"):
            present = {key.lower() for key, _ in message.get("headers", [])}
            message = dict(message, headers=list(message.get("headers", [])) +
                           [(k, v) for k, v in extra if k not in present])  # fmt: skip
        await send(message)

    return sending


async def _read_at_most(receive: Receive, limit: int) -> Tuple[bytes, bool]:
    """The body, and whether it went past ``limit`` (then reading stopped there)."""
    chunks: List[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive() that gives the already-read body once, then the real channel (for disconnects)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
