"""Any body, query or WebSocket message on any endpoint of the playground: 2xx or 4xx, never 500.

Hypothesis throws JSON of every shape at every endpoint (with the real
settings' and the lab's keys mixed in, so some requests get deep), raw bytes
that are not JSON at all, and the inputs that once gave 500s: a 4,300-digit
integer, a lone surrogate "\\ud800", nesting 5,000 deep, a binary frame.
A 4xx answer is always JSON with an "error" message.
"""

import json

import pytest
from optional import require

require("starlette")
require("httpx")  # starlette's TestClient drives the app through httpx
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from micrograd_mlp.playground import server  # noqa: E402  (the old name, the same module)
from micrograd_mlp.playground.settings import DEFAULTS  # noqa: E402

JSON = {"content-type": "application/json"}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

# The inputs that gave 500s before (issue 17), and more of their kind.
NASTY = [
    b"9" * 5000,
    b'{"points": ' + b"9" * 4301 + b"}",
    b'{"expression": "a", "values": {"a": ' + b"4" * 4000 + b"}}",
    b'{"expression": "\\ud800"}',
    b'{"dataset": "\\udfff"}',
    b'{"level": 1, "seed": 1, "answers": {"\\ud800": "\\ud800"}}',
    b"[" * 5000 + b"]" * 5000,
    b'{"a": ' * 5000 + b"1" + b"}" * 5000,
    b"\xff\xfe\x00",
    b"NaN",
    b'{"lr": NaN}',
    b'{"lr": 1e999}',
    b'{"hidden": [1e300]}',
    b'{"seed": -1}',
    b'{"expression": "' + b"(" * 300 + b"a" + b")" * 300 + b'"}',
    b'{"expression": "a**a**a**a**a**a**a**a", "values": {"a": 1000000}}',
    b"",
    b"null",
]

leaves = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**30), max_value=10**30)
          | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))  # fmt: skip
anything = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                        max_leaves=8)  # fmt: skip
settings_bodies = st.fixed_dictionaries({}, optional={key: anything for key in DEFAULTS})
lab_bodies = st.fixed_dictionaries({}, optional={
    "expression": st.text(max_size=20) | st.sampled_from(["a*b + c", "tanh(a)", "log(a)/b", "a**0.5", "relu(x"]),
    "values": st.dictionaries(st.sampled_from(["a", "b", "c", "x"]) | st.text(max_size=3), anything, max_size=3),
    "draw": anything, "level": anything | st.integers(1, 4), "seed": anything | st.integers(0, 5),
    "answers": anything | st.dictionaries(st.text(max_size=4), st.text(max_size=5), max_size=3),
})  # fmt: skip
bodies = (st.sampled_from(NASTY) | st.binary(max_size=40)
          | (anything | settings_bodies | lab_bodies).map(lambda v: json.dumps(v).encode()))  # fmt: skip
queries = st.dictionaries(st.sampled_from(["layer", "neuron", "point", "x"]),
                          st.text(max_size=8) | st.integers(-3, 5).map(str) | st.just("9" * 5000), max_size=4)  # fmt: skip


@pytest.fixture(scope="module")
def client():
    with TestClient(server.create_app(), base_url="http://127.0.0.1", headers=JSON,
                    raise_server_exceptions=False) as test_client:  # fmt: skip
        yield test_client


@pytest.fixture(scope="module")
def sid(client):
    return client.post("/api/sessions", json={"dataset": "xor", "points": 20, "hidden": [3], "grid": 10}).json()["session"]


def not_a_500(response):
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert isinstance(response.json()["error"], str)


POSTS = ["/api/sessions", "/api/sessions/{sid}/settings", "/api/sessions/{sid}/step", "/api/sessions/{sid}/reset",
         "/api/lab/graph", "/api/lab/practice/new", "/api/lab/practice/check"]  # fmt: skip
GETS = ["/api/sessions/{sid}/neuron", "/api/sessions/{sid}/inside", "/api/limits", "/", "/lab"]


@FUZZ
@given(path=st.sampled_from(POSTS), body=bodies, other_session=st.booleans())
def test_any_post_body_is_answered_without_a_500(client, sid, path, body, other_session):
    target = path.format(sid="no-such-session" if other_session else sid)
    not_a_500(client.post(target, content=body))
    if path == "/api/sessions/{sid}/settings" and not other_session:
        client.post(f"/api/sessions/{sid}/settings", json={**DEFAULTS, "points": 20, "hidden": [3], "grid": 10})


@FUZZ
@given(path=st.sampled_from(GETS), query=queries, other_session=st.booleans())
def test_any_query_is_answered_without_a_500(client, sid, path, query, other_session):
    target = path.format(sid="%ED%A0%80" if other_session else sid)  # a lone surrogate, as UTF-8 bytes
    not_a_500(client.get(target, params=query))


@FUZZ
@given(base=st.sampled_from(["/api/sessions/", "/static/", "/lab/static/", "/api/lab/", "/", "/ws/"]),
       rest=st.text(max_size=20) | st.sampled_from(["../setup.cfg", "..%2F..%2Fsetup.cfg", "%00", "app.js%00.png"]),
       method=st.sampled_from(["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]))  # fmt: skip
def test_any_path_and_method_is_answered_without_a_500(client, base, rest, method):
    from urllib.parse import quote

    response = client.request(method, base + quote(rest, safe="%./", errors="surrogatepass"))
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400 and method != "HEAD":
        assert isinstance(response.json()["error"], str)
    assert "[metadata]" not in response.text  # nothing outside static/ is ever served


messages = (st.sampled_from(NASTY).map(lambda b: b.decode("utf-8", "surrogateescape")) | st.text(max_size=30)
            | anything.map(json.dumps) | st.sampled_from(['{"action": "step"}', '{"action": "pause"}']))  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(sent=st.lists(messages | st.binary(max_size=20), min_size=1, max_size=5))
def test_any_websocket_message_gets_an_answer_and_the_socket_lives_on(client, sent):
    sid = client.post("/api/sessions", json={"dataset": "xor", "points": 20, "hidden": [2], "grid": 10}).json()["session"]
    with client.websocket_connect(f"ws://127.0.0.1/ws/{sid}") as socket:
        for message in sent:
            if isinstance(message, bytes):
                socket.send_bytes(message)
            else:
                try:
                    message.encode("utf-8")
                except UnicodeEncodeError:  # a lone surrogate cannot travel as text: send its bytes
                    socket.send_bytes(message.encode("utf-8", "surrogatepass"))
                    assert "error" in socket.receive_json()
                    continue
                socket.send_text(message)
            if message in ('{"action": "pause"}',):
                continue
            answer = socket.receive_json()
            assert "epoch" in answer or isinstance(answer["error"], str)
        socket.send_json({"action": "step"})  # still alive and training
        while "epoch" not in (answer := socket.receive_json()):
            pass
        assert answer["epoch"] >= 1
    # the socket closed: its session went with it, and only it
    assert client.post(f"/api/sessions/{sid}/step").status_code == 404
