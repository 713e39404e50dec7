"""The playground guards itself as Jupyter's server does (micrograd_mlp/apps/playground/guard.py).

Tried as an attacker would: a foreign page's Origin, a rebound DNS name in
Host, a text/plain POST, a body with no Content-Length that never ends, no
token on the network; and the headers every answer carries.
"""

import socket
import time

import pytest
from optional import require

require("starlette")
require("httpx")  # starlette's TestClient drives the app through httpx
from starlette.testclient import TestClient, WebSocketDenialResponse  # noqa: E402

from micrograd_mlp.apps.playground import server  # noqa: E402
from micrograd_mlp.apps.playground.guard import GuardConfig, is_loopback  # noqa: E402

JSON = {"content-type": "application/json"}
SMALL = {"dataset": "xor", "points": 20, "hidden": [2], "grid": 10}


def client_for(guard=None, base="http://127.0.0.1:8000", **options):
    return TestClient(server.create_app(guard=guard, **options), base_url=base, headers=JSON)


@pytest.fixture
def client():
    with client_for() as test_client:
        yield test_client


def refusal(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]


# ------------------------------------------------------------------ Host (DNS rebinding)

@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"])
def test_loopback_hosts_are_answered(client, host):
    assert client.get("/api/limits", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "", "localhost.:1"])
def test_a_foreign_host_is_refused_with_a_reason(client, host):
    message = refusal(client.get("/api/limits", headers={"host": host}), 403)
    assert "is not one this playground answers to" in message and "--allow-host" in message
    assert refusal(client.get("/", headers={"host": host}), 403)


def test_allow_host_adds_a_name_and_star_any():
    with client_for(GuardConfig.for_address("127.0.0.1", allow_hosts=["class.example"])) as c:
        assert c.get("/api/limits", headers={"host": "class.example:8000"}).status_code == 200
        assert c.get("/api/limits", headers={"host": "other.example"}).status_code == 403
    with client_for(GuardConfig.for_address("127.0.0.1", allow_hosts=["*"])) as c:
        assert c.get("/api/limits", headers={"host": "hub.example.org"}).status_code == 200


def test_the_bound_address_is_a_host_and_loopback_is_told_apart():
    config = GuardConfig.for_address("192.168.1.20")
    assert config.host_allowed("192.168.1.20:8000") and not config.host_allowed("192.168.1.21")
    assert [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "192.168.1.20")] == [
        True, True, True, False, False]  # fmt: skip


# ------------------------------------------------------------------ Origin (other web pages)

def test_a_foreign_page_can_neither_post_nor_open_the_socket(client):
    evil = {"origin": "http://evil.example"}
    message = refusal(client.post("/api/sessions", json=SMALL, headers=evil), 403)
    assert "http://evil.example" in message and "--allow-origin" in message
    assert len(client.app.state.playground.store) == 0  # nothing was made
    sid = client.post("/api/sessions", json=SMALL).json()["session"]
    with pytest.raises(WebSocketDenialResponse) as denied:
        with client.websocket_connect(f"ws://127.0.0.1:8000/ws/{sid}", headers=evil):
            pass
    assert denied.value.status_code == 403 and "evil.example" in denied.value.json()["error"]
    for origin in ("null", "file://", "http://127.0.0.1:8001", "http://127.0.0.1"):
        assert client.post(f"/api/sessions/{sid}/step", headers={"origin": origin}).status_code == 403, origin


def test_the_pages_own_origin_is_let_in(client):
    same = {"origin": "http://127.0.0.1:8000"}
    sid = client.post("/api/sessions", json=SMALL, headers=same).json()["session"]
    with client.websocket_connect(f"ws://127.0.0.1:8000/ws/{sid}", headers=same) as socket_:
        socket_.send_json({"action": "step"})
        assert socket_.receive_json()["epoch"] == 1


def test_allow_origin_lets_one_more_page_in():
    config = GuardConfig.for_address("127.0.0.1", allow_origins=["https://hub.example.org/"])
    with client_for(config) as c:
        assert c.post("/api/sessions", json=SMALL, headers={"origin": "https://hub.example.org"}).status_code == 200
        assert c.post("/api/sessions", json=SMALL, headers={"origin": "https://other.example"}).status_code == 403


def test_behind_a_proxy_host_and_origin_are_the_proxys_and_agree():
    """jupyter-server-proxy forwards the browser's Host and Origin (the Jupyter server's)."""
    config = GuardConfig.for_address("127.0.0.1", allow_hosts=["*"], token="s3cret")
    with client_for(config, base="http://hub.example.org") as c:
        proxied = {"host": "hub.example.org", "origin": "https://hub.example.org",
                   "authorization": "token s3cret"}  # fmt: skip
        assert c.post("/api/sessions", json=SMALL, headers=proxied).status_code == 200
        assert c.post("/api/sessions", json=SMALL, headers={**proxied, "authorization": ""}).status_code == 403
        sid = c.post("/api/sessions", json=SMALL, headers=proxied).json()["session"]
        with c.websocket_connect(f"ws://hub.example.org/ws/{sid}", headers=proxied) as socket_:
            socket_.send_json({"action": "step"})
            assert socket_.receive_json()["epoch"] == 1
        with pytest.raises(WebSocketDenialResponse):  # the same socket without the proxy's token
            with c.websocket_connect(f"ws://hub.example.org/ws/{sid}", headers={**proxied, "authorization": ""}):
                pass


# ------------------------------------------------------------------ bodies

@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None])
def test_a_post_that_is_not_json_is_415(client, kind):
    headers = {"content-type": kind} if kind else {"content-type": ""}
    message = refusal(client.post("/api/sessions", content=b'{"lr": 0.1}', headers=headers), 415)
    assert "Content-Type: application/json" in message
    assert refusal(client.post("/api/lab/graph", content=b'{"expression": "a"}', headers=headers), 415)


def test_json_with_a_charset_is_json(client):
    response = client.post("/api/sessions", content=b"{}", headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200


def test_a_declared_huge_body_is_refused_before_it_is_read(client):
    message = refusal(client.post("/api/lab/graph", content=b"{}", headers={"content-length": "300000000"}), 413)
    assert "more than" in message


def test_a_body_without_length_is_cut_at_the_limit_not_read_to_its_end():
    """A real uvicorn: a chunked body that would never end gets its 413 after about the limit."""
    uvicorn = require("uvicorn")
    from lab_support import Server

    running = Server(server.create_app())
    try:
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as conn:
            conn.sendall(b"POST /api/lab/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
            chunk = b"1000\r\n" + b" " * 4096 + b"\r\n"
            sent, answer = 0, b""
            conn.setblocking(False)
            deadline = time.monotonic() + 30
            while sent < 50_000_000 and time.monotonic() < deadline:
                try:
                    answer += conn.recv(65536)
                    if answer:
                        break
                except BlockingIOError:
                    pass
                try:
                    conn.send(chunk)
                    sent += 4096
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    time.sleep(0.01)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # the 413 came while the client was still sending (what it sent beyond the
        # limit sat in the kernel's socket buffers, a few MB on loopback)
        assert sent < 20_000_000
    finally:
        running.stop()
    assert uvicorn


# ------------------------------------------------------------------ the join token

@pytest.fixture
def with_token():
    config = GuardConfig.for_address("0.0.0.0", allow_hosts=["127.0.0.1"], token="join-me", port=8000)
    with client_for(config) as c:
        yield c


def test_on_the_network_nothing_opens_without_the_token(with_token):
    for path in ("/", "/lab", "/static/app.js", "/api/limits"):
        assert "join token" in refusal(with_token.get(path), 403)
    assert refusal(with_token.get("/?token=wrong"), 403)
    with pytest.raises(WebSocketDenialResponse):
        with with_token.websocket_connect("ws://127.0.0.1:8000/ws/x"):
            pass


def test_the_token_link_sets_a_cookie_that_lets_the_page_work(with_token):
    page = with_token.get("/?token=join-me")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("micrograd-playground-token-8000=join-me;")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # the cookie now carries the token: API, assets and the socket, as the page's own requests
    sid = with_token.post("/api/sessions", json=SMALL).json()["session"]
    assert with_token.get("/static/app.js").status_code == 200
    with with_token.websocket_connect(f"ws://127.0.0.1:8000/ws/{sid}") as socket_:
        socket_.send_json({"action": "step"})
        assert socket_.receive_json()["epoch"] == 1


def test_the_token_in_an_authorization_header(with_token):
    assert with_token.get("/api/limits", headers={"authorization": "token join-me"}).status_code == 200
    assert with_token.get("/api/limits", headers={"authorization": "Bearer join-me"}).status_code == 200
    assert with_token.get("/api/limits", headers={"authorization": "token nope"}).status_code == 403


# ------------------------------------------------------------------ headers on every answer

@pytest.mark.parametrize("path", ["/", "/lab", "/static/app.js", "/lab/static/lab.js", "/api/limits", "/nothing"])
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_refusals_carry_them_too(client):
    headers = client.get("/api/limits", headers={"host": "evil.example"}).headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_no_page_has_inline_script_or_handlers():
    import re

    for name in ("index.html", "lab.html"):
        page = (server.STATIC / name).read_text()
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []  # every script is a file
        assert not re.search(r"\son[a-z]+\s*=", page), name  # no onclick=... attributes
        assert 'src="/' not in page and 'href="/' not in page  # relative: works under any prefix
    for name in ("app.js", "lab.js"):
        script = (server.STATIC / name).read_text()
        assert "eval(" not in script and "new Function" not in script
        assert not re.search(r"""(fetch|api)\(\s*["'`]/""", script)  # every URL relative to the page
