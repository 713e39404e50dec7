"""The playground's HTTP and WebSocket API, through Starlette's test client.

Every control of the page, and every bad input the issue lists, with the
status code and the message the page shows.
"""

import json
import math
import re

import numpy as np
import pytest

from optional import require

require("httpx")  # starlette's TestClient drives the app through httpx
TestClient = require("starlette.testclient").TestClient

from micrograd_mlp import MLP, data, predict  # noqa: E402
from micrograd_mlp.train import LossExploding  # noqa: E402
from micrograd_mlp.apps.playground import server  # noqa: E402
from micrograd_mlp.apps.playground.session import LIMITS, Session  # noqa: E402
from micrograd_mlp.apps.playground.store import SessionStore  # noqa: E402
from micrograd_mlp.apps.playground.frames import grid_points  # noqa: E402

# Small settings keep each scalar-engine epoch short.
SMALL = {"points": 40, "hidden": [4], "grid": 10}


JSON = {"content-type": "application/json"}  # what the page sends with every request


def local_client(**options):
    """A test client as the page is one: on this machine's address, sending JSON."""
    return TestClient(server.create_app(**options), base_url="http://127.0.0.1", headers=JSON)


@pytest.fixture
def client():
    with local_client() as test_client:
        yield test_client


def session_of(client, sid):
    """The `Session` object behind ``sid`` (the app trains in this process in tests)."""
    return client.app.state.playground.host.sessions[sid]


def entry_of(client, sid):
    return client.app.state.playground.store.entries[sid]


def new_session(client, **settings):
    response = client.post("/api/sessions", json={**SMALL, **settings})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["session"], body["frame"]


def change(client, sid, **settings):
    return client.post(f"/api/sessions/{sid}/settings", json=settings)


def error_of(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]
    assert "Traceback" not in message
    return message


# ------------------------------------------------------------ the page and its assets

def test_the_page_and_its_assets_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "micrograd playground" in page.text
    assert 'href="lab"' in page.text and "Chain rule lab" in page.text  # relative: any path prefix
    for asset, kind in [("app.js", "javascript"), ("style.css", "css")]:
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
    # offline: nothing is loaded from another host
    for text in (page.text, client.get("/static/app.js").text, client.get("/static/style.css").text):
        assert "http://" not in text.replace("http://127.0.0.1", "") and "https://" not in text


def test_limits_are_stated(client):
    body = client.get("/api/limits").json()
    assert body["limits"]["max_neurons"] == LIMITS["max_neurons"] == 32
    assert body["datasets"] == ["moons", "circles", "xor", "spiral", "cubic"]
    assert set(body["losses"]) == {"bce_logits", "hinge", "bce", "mse"}
    assert body["optimizers"] == ["sgd", "momentum", "adam"]


# ------------------------------------------------------------ a session and a frame

def test_a_new_session_draws_the_library_data_and_model(client):
    sid, frame = new_session(client, dataset="moons", seed=3, test_fraction=0.25)
    X, y = data.make_moons(40, noise=0.1, seed=3)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.25, seed=3)
    assert frame["epoch"] == 0 and frame["error"] is None
    assert np.allclose(np.reshape(frame["train"]["x"], (-1, 2)), X_train, atol=1e-4)
    assert frame["test"]["y"] == y_test.astype(float).tolist()
    # the network drawn is the library's MLP(2, [4, 1]) with seed 3
    model = MLP(2, [4, 1], "tanh", seed=3)
    assert frame["network"][0][1]["w"] == [round(w.data, 4) for w in model.layers[0].neurons[1].w]
    assert [len(layer) for layer in frame["network"]] == [4, 1]
    # the boundary is predict() on the grid, as a confidence tanh(z/2) in [-1, 1]
    session = session_of(client, sid)
    z = predict(model, grid_points(session.bounds, 10))
    assert frame["boundary"]["size"] == 10
    assert np.allclose(frame["boundary"]["values"], np.tanh(z / 2), atol=1e-3)


def test_step_trains_one_epoch_with_fit(client):
    sid, _ = new_session(client, optimizer="sgd", lr=0.1, batch_size=None)
    frames = [client.post(f"/api/sessions/{sid}/step").json() for _ in range(3)]
    assert [f["epoch"] for f in frames] == [1, 2, 3]
    curves = frames[-1]["curves"]
    assert curves["epoch"] == [1, 2, 3]
    assert len(curves["train_loss"]) == len(curves["test_loss"]) == len(curves["train_acc"]) == 3
    assert all(0.0 <= a <= 1.0 for a in curves["train_acc"] + curves["test_acc"])
    # full-batch SGD with a small rate: the loss falls
    assert curves["train_loss"][2] < curves["train_loss"][0]


def test_reset_gives_new_weights_and_empty_curves(client):
    sid, first = new_session(client)
    client.post(f"/api/sessions/{sid}/step")
    frame = client.post(f"/api/sessions/{sid}/reset").json()
    assert frame["epoch"] == 0 and frame["curves"]["train_loss"] == []
    assert frame["network"] == first["network"]  # the same seed: the same initial weights


# ------------------------------------------------------------ every control

@pytest.mark.parametrize("dataset", ["moons", "circles", "xor", "spiral"])
def test_each_classification_dataset(client, dataset):
    sid, _ = new_session(client)
    frame = change(client, sid, dataset=dataset).json()
    X, _ = data.DATASETS[dataset](40, noise=0.1, seed=0)
    assert frame["settings"]["dataset"] == dataset and not frame["regression"]
    assert len(frame["train"]["y"]) + len(frame["test"]["y"]) == 40
    shown = np.sort(np.reshape(frame["train"]["x"] + frame["test"]["x"], (-1, 2))[:, 0])
    assert np.allclose(shown, np.sort(X[:, 0]), atol=1e-4)


def test_cubic_is_regression_with_mse_and_a_fitted_curve(client):
    sid, _ = new_session(client)
    frame = change(client, sid, dataset="cubic").json()
    assert frame["regression"] and frame["settings"]["loss"] == "mse"
    assert "boundary" not in frame and len(frame["curve"]["x"]) == len(frame["curve"]["y"]) == 100
    session = session_of(client, sid)
    assert session.model.nin == 1
    assert np.allclose(frame["curve"]["y"], predict(session.model, np.reshape(frame["curve"]["x"], (-1, 1))), atol=1e-3)
    frame = client.post(f"/api/sessions/{sid}/step").json()
    assert frame["curves"]["train_acc"] == [] and len(frame["curves"]["train_loss"]) == 1
    # back to a classification set: the loss goes back to bce_logits
    assert change(client, sid, dataset="xor").json()["settings"]["loss"] == "bce_logits"


@pytest.mark.parametrize(
    "setting, value",
    [("points", 60), ("noise", 0.3), ("test_fraction", 0.5), ("seed", 7)],
)
def test_data_controls_make_new_data(client, setting, value):
    sid, before = new_session(client)
    client.post(f"/api/sessions/{sid}/step")
    frame = change(client, sid, **{setting: value}).json()
    assert frame["settings"][setting] == value
    assert frame["epoch"] == 0  # new data, new model
    if setting == "points":
        assert len(frame["train"]["y"]) + len(frame["test"]["y"]) == 60
    elif setting == "test_fraction":
        assert len(frame["test"]["y"]) == 20
    else:
        assert frame["train"]["x"] != before["train"]["x"]


def test_layers_add_remove_and_neurons(client):
    sid, _ = new_session(client)
    frame = change(client, sid, hidden=[4, 6]).json()
    assert [len(layer) for layer in frame["network"]] == [4, 6, 1]
    frame = change(client, sid, hidden=[3]).json()
    assert [len(layer) for layer in frame["network"]] == [3, 1]
    frame = change(client, sid, hidden=[]).json()  # no hidden layer: a linear model
    assert [len(layer) for layer in frame["network"]] == [1]
    top = [LIMITS["max_neurons"]] * LIMITS["max_layers"]
    assert change(client, sid, hidden=top).json()["settings"]["hidden"] == top


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_each_activation(client, activation):
    sid, _ = new_session(client)
    change(client, sid, activation=activation)
    info = client.get(f"/api/sessions/{sid}/neuron?layer=0&neuron=0").json()
    assert info["activation"] == activation
    assert client.post(f"/api/sessions/{sid}/step").json()["epoch"] == 1


@pytest.mark.parametrize("loss, output", [("bce_logits", "linear"), ("hinge", "linear"), ("bce", "sigmoid")])
def test_each_classification_loss_and_its_output(client, loss, output):
    sid, _ = new_session(client)
    frame = change(client, sid, loss=loss).json()
    session = session_of(client, sid)
    assert session.model.layers[-1].activation == output
    values = np.array(frame["boundary"]["values"])
    assert np.all(np.abs(values) <= 1.0)
    frame = client.post(f"/api/sessions/{sid}/step").json()
    assert math.isfinite(frame["curves"]["train_loss"][0])


@pytest.mark.parametrize("name, kind, momentum", [("sgd", "SGD", 0.0), ("momentum", "SGD", 0.9), ("adam", "Adam", None)])
def test_each_optimizer(client, name, kind, momentum):
    sid, _ = new_session(client)
    change(client, sid, optimizer=name, lr=0.05)
    optimizer = session_of(client, sid).optimizer
    assert type(optimizer).__name__ == kind and optimizer.lr == 0.05
    if momentum is not None:
        assert optimizer.momentum == momentum


def test_lr_changes_live_without_a_new_model(client):
    sid, _ = new_session(client, optimizer="adam")
    client.post(f"/api/sessions/{sid}/step")
    session = session_of(client, sid)
    optimizer = session.optimizer
    frame = change(client, sid, lr=0.001).json()
    assert frame["epoch"] == 1 and session.optimizer is optimizer and optimizer.lr == 0.001
    assert optimizer.steps > 0  # Adam's moments kept


def test_batch_size_l2_and_grid(client):
    sid, _ = new_session(client, optimizer="sgd")
    session = session_of(client, sid)
    change(client, sid, batch_size=None)
    client.post(f"/api/sessions/{sid}/step")
    assert session.optimizer.steps == 1  # full batch: one step per epoch
    change(client, sid, batch_size=10)
    client.post(f"/api/sessions/{sid}/step")
    assert session.optimizer.steps == 1 + 3  # 30 train points in batches of 10
    frame = change(client, sid, l2=0.01, grid=20).json()
    assert frame["settings"]["l2"] == 0.01 and len(frame["boundary"]["values"]) == 400


def test_a_float_that_is_whole_counts_as_an_int(client):
    # JavaScript sends 16 as 16 and sometimes 16.0; both mean 16
    sid, _ = new_session(client)
    assert change(client, sid, batch_size=16.0).json()["settings"]["batch_size"] == 16


# ------------------------------------------------------------ look inside a neuron

def test_neuron_panel_shows_weights_bias_gradients_and_where_it_fires(client):
    sid, _ = new_session(client, hidden=[3, 2])
    client.post(f"/api/sessions/{sid}/step")
    session = session_of(client, sid)
    info = client.get(f"/api/sessions/{sid}/neuron?layer=1&neuron=1").json()
    unit = session.model.layers[1].neurons[1]
    assert info["w"] == [w.data for w in unit.w] and info["b"] == unit.b.data
    assert info["grad_w"] == [w.grad for w in unit.w] and info["grad_b"] == unit.b.grad
    assert any(g != 0.0 for g in info["grad_w"])
    assert info["inputs"] == ["L1.N1", "L1.N2", "L1.N3"]  # layers[0]'s outputs, labelled from 1
    assert info["name"] == "L2.N2" and (info["layer"], info["neuron"]) == (1, 1)
    # where it fires, at one grid point, recomputed by hand through the layers
    point = grid_points(session.bounds, info["fires"]["size"])[7].tolist()
    hidden = [n(point).data for n in session.model.layers[0].neurons]
    expected = math.tanh(sum(w.data * h for w, h in zip(unit.w, hidden)) + unit.b.data)
    assert info["fires"]["values"][7] == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("query", ["layer=2&neuron=0", "layer=0&neuron=4", "layer=-1&neuron=0",
                                   "layer=a&neuron=0", "neuron=0"])  # fmt: skip
def test_neuron_bad_indices_are_400(client, query):
    sid, _ = new_session(client)  # layers: L0 has 4 neurons, L1 (output) 1
    message = error_of(client.get(f"/api/sessions/{sid}/neuron?{query}"), 400)
    assert "layer" in message or "neuron" in message


def test_inside_answers_with_the_labs_payload_for_this_sessions_model(client):
    sid, _ = new_session(client)
    response = client.get(f"/api/sessions/{sid}/inside?layer=0&neuron=1&point=2")
    assert response.status_code == 200
    from micrograd_mlp.apps.playground import lab

    session = session_of(client, sid)
    x, target = session.point(2)
    assert response.json() == json.loads(json.dumps(lab.inside_payload(session.model, 0, 1, x, target, "bce_logits")))
    assert error_of(client.get(f"/api/sessions/{sid}/inside?layer=0&neuron=9&point=0"), 400)
    assert error_of(client.get(f"/api/sessions/{sid}/inside?layer=0&neuron=0&point=999"), 400)


def test_inside_of_an_unknown_session_is_404(client):
    assert error_of(client.get("/api/sessions/nope/inside?layer=0&neuron=0&point=0"), 404)


# ------------------------------------------------------------ bad input: 4xx JSON, a clear message

@pytest.mark.parametrize(
    "settings, words",
    [
        ({"dataset": "mnist"}, "unknown dataset 'mnist'"),
        ({"activation": "gelu"}, "unknown activation 'gelu'"),
        ({"loss": "focal"}, "unknown loss 'focal'"),
        ({"loss": "mse"}, "classification set"),
        ({"dataset": "cubic", "loss": "hinge"}, "regression set"),
        ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'"),
        ({"hidden": [4] * (LIMITS["max_layers"] + 1)}, "at most 6 hidden layers"),
        ({"hidden": [LIMITS["max_neurons"] + 1]}, "from 1 to 32"),
        ({"hidden": [0]}, "from 1 to 32"),
        ({"hidden": "8,8"}, "list of layer sizes"),
        ({"hidden": [2.5]}, "whole number"),
        ({"points": LIMITS["max_points"] + 1}, "points must be a whole number from 10 to 500"),
        ({"points": 5}, "from 10 to 500"),
        ({"points": True}, "whole number"),
        ({"grid": LIMITS["max_grid"] + 1}, "grid must be a whole number from 10 to 60"),
        ({"lr": "fast"}, "lr must be a number, got 'fast'"),
        ({"lr": None}, "lr must be a number"),
        ({"lr": 0}, "greater than 0"),
        ({"lr": -1}, "greater than 0"),
        ({"lr": 1e7}, "between 0 and 1e+06"),
        ({"noise": -0.1}, "noise must be between"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": "all"}, "batch_size must be a whole number"),
        ({"l2": 2}, "l2 must be between"),
        ({"seed": -1}, "seed"),
        ({"epochs": 5}, "unknown setting 'epochs'"),
    ],
)
def test_bad_settings_are_400_with_a_message(client, settings, words):
    # on a new session...
    assert words in error_of(client.post("/api/sessions", json={**SMALL, **settings}), 400)
    # ...and on a live one, which keeps its settings
    sid, frame = new_session(client)
    assert words in error_of(change(client, sid, **settings), 400)
    assert client.post(f"/api/sessions/{sid}/step").json()["settings"] == frame["settings"]


@pytest.mark.parametrize("body", ['{"lr": NaN}', '{"lr": Infinity}', '{"lr": -Infinity}'])
def test_nan_and_infinite_learning_rates_are_400(client, body):
    sid, _ = new_session(client)
    message = error_of(client.post(f"/api/sessions/{sid}/settings", content=body), 400)
    assert "finite number" in message


@pytest.mark.parametrize("body", ["{lr: 0.1}", '{"lr": 0.1', "\xff\xfe", "[" * 100_000])
def test_malformed_json_is_400(client, body):
    sid, _ = new_session(client)
    response = client.post(f"/api/sessions/{sid}/settings", content=body.encode("latin-1")[:10_000])
    assert "JSON" in error_of(response, 400) or "nested" in response.json()["error"]


@pytest.mark.parametrize("body", ["[1, 2]", '"moons"', "3"])
def test_json_that_is_no_object_is_400(client, body):
    assert "JSON object" in error_of(client.post("/api/sessions", content=body), 400)


def test_oversized_json_is_413(client):
    sid, _ = new_session(client)
    body = json.dumps({"lr": 0.1, "pad": "x" * LIMITS["max_body_bytes"]})
    assert "larger than" in error_of(client.post(f"/api/sessions/{sid}/settings", content=body), 413)
    # also when the body comes in chunks without a Content-Length
    chunks = iter([b'{"lr": 0.1, "pad": "', b"x" * LIMITS["max_body_bytes"], b'"}'])
    assert "larger than" in error_of(client.post("/api/sessions", content=chunks), 413)


def test_unknown_session_and_path_are_404_and_wrong_method_405(client):
    assert "no session" in error_of(client.post("/api/sessions/nope/step"), 404)
    assert "no session" in error_of(change(client, "nope", lr=0.1), 404)
    assert "no session" in error_of(client.get("/api/sessions/nope/neuron?layer=0&neuron=0"), 404)
    assert error_of(client.get("/api/nothing"), 404)
    assert error_of(client.get("/static/missing.js"), 404)
    assert error_of(client.get("/api/sessions/nope/step"), 405)


# ------------------------------------------------------------ divergence pauses with a message

def test_a_huge_learning_rate_pauses_with_the_first_non_finite_node(client):
    sid, _ = new_session(client, optimizer="sgd", lr=1e6, hidden=[16, 16], activation="linear", batch_size=None)
    for _ in range(30):
        frame = client.post(f"/api/sessions/{sid}/step").json()
        if frame["error"]:
            break
    assert frame["error"].startswith("Training diverged at epoch ")
    assert "check_finite" in frame["error"] and "node" in frame["error"] and "Lower the learning rate" in frame["error"]
    assert "boundary" not in frame  # no canvas of NaN: the page shows the message
    epoch = frame["epoch"]
    again = client.post(f"/api/sessions/{sid}/step").json()  # stays paused
    assert again["epoch"] == epoch and again["error"] == frame["error"]
    # a smaller rate clears it; reset starts over
    assert change(client, sid, lr=0.01).json()["error"] is None
    assert client.post(f"/api/sessions/{sid}/reset").json()["error"] is None


def test_an_exploding_loss_is_shown_once_and_cleared_by_a_new_rate(client):
    # issue 16.7: the Trainer's LossExploding reaches the page, in the tab's own epochs (from 1)
    sid, first = new_session(client, dataset="moons", points=60, hidden=[4], loss="hinge", optimizer="sgd", lr=1e4)
    assert first["warning"] is None
    with pytest.warns(LossExploding):
        frame = client.post(f"/api/sessions/{sid}/step").json()
    assert frame["error"] is None and frame["epoch"] == 1
    assert re.fullmatch(r"the loss rose to \S+ in epoch 1, more than 1,000 times its first value \(\S+, before "
                        r"training\): the learning rate is probably too large \(lr=1e\+04\): try lr=1e\+03 or smaller",
                        frame["warning"])
    later = client.post(f"/api/sessions/{sid}/step").json()
    assert later["warning"] == frame["warning"]  # said once, kept while the rate stays
    assert change(client, sid, lr=0.01).json()["warning"] is None


def test_regression_divergence_names_the_overflowing_operation(client):
    sid, _ = new_session(client, dataset="cubic", optimizer="sgd", lr=1e6)
    for _ in range(40):
        frame = client.post(f"/api/sessions/{sid}/step").json()
        if frame["error"]:
            break
    assert "diverged" in frame["error"] and "overflow" in frame["error"] and "curve" not in frame


# ------------------------------------------------------------ the live stream

def test_websocket_play_pause_step(client):
    sid, _ = new_session(client)
    with client.websocket_connect(f"ws://127.0.0.1/ws/{sid}") as socket:
        socket.send_json({"action": "play"})
        epochs = [socket.receive_json()["epoch"] for _ in range(3)]
        assert epochs == [1, 2, 3]
        socket.send_json({"action": "pause"})
        # frames already under way may still arrive; then it stops
        session = session_of(client, sid)
        socket.send_json({"action": "step"})
        while True:
            frame = socket.receive_json()
            if frame["epoch"] == session.epoch:
                break
        assert not entry_of(client, sid).playing
        assert frame["curves"]["epoch"][-1] == frame["epoch"] >= 4


def test_websocket_bad_messages_get_an_error_not_a_close(client):
    sid, _ = new_session(client)
    with client.websocket_connect(f"ws://127.0.0.1/ws/{sid}") as socket:
        for text, words in [("not json", "not valid JSON"), ('{"action": "fly"}', "unknown message"),
                            ("[]", "unknown message"), ("x" * (LIMITS["max_body_bytes"] + 1), "at most"),
                            ('{"action": "play", "n": %s}' % ("9" * 5000), "too large"),
                            ("[" * 5000 + "]" * 5000, "nested too deeply")]:  # fmt: skip
            socket.send_text(text)
            assert words in socket.receive_json()["error"]
        socket.send_bytes(b'{"action": "step"}')
        assert "binary messages are not understood" in socket.receive_json()["error"]
        socket.send_json({"action": "step"})
        assert socket.receive_json()["epoch"] == 1


def test_websocket_to_an_unknown_session(client):
    with client.websocket_connect("ws://127.0.0.1/ws/nope") as socket:
        assert "no session" in socket.receive_json()["error"]


def test_closing_the_socket_mid_stream_frees_only_that_session(client):
    sid_a, _ = new_session(client)
    sid_b, _ = new_session(client)
    with client.websocket_connect(f"ws://127.0.0.1/ws/{sid_a}") as socket:
        socket.send_json({"action": "play"})
        socket.receive_json()
    # closed while playing: its session is gone, the other one trains on
    assert "no session" in error_of(client.post(f"/api/sessions/{sid_a}/step"), 404)
    assert client.post(f"/api/sessions/{sid_b}/step").json()["epoch"] == 1
    assert client.get("/").status_code == 200


def test_a_bug_while_playing_stops_that_tab_with_a_message(client, monkeypatch):
    sid_a, _ = new_session(client)
    sid_b, _ = new_session(client)
    broken = session_of(client, sid_a)
    monkeypatch.setattr(broken, "tick", lambda: {}["no such key"])
    with client.websocket_connect(f"ws://127.0.0.1/ws/{sid_a}") as socket:
        socket.send_json({"action": "play"})
        assert socket.receive_json()["error"] == "internal error: KeyError: 'no such key'"
        assert not entry_of(client, sid_a).playing
    assert client.post(f"/api/sessions/{sid_b}/step").json()["epoch"] == 1


def test_tabs_in_parallel_threads_train_exactly_as_one_alone():
    """The engine's no_grad is process-wide: a boundary drawn (under no_grad) in one
    thread must never switch off the graph another tab is training in."""
    import threading

    from micrograd_mlp import is_grad_enabled

    def losses_alone():
        session = Session({**SMALL, "hidden": [6, 6], "points": 60})
        return [session.tick()["curves"]["train_loss"][-1] for _ in range(4)]

    expected = losses_alone()
    results, others = [], [Session({**SMALL, "dataset": "xor"}) for _ in range(3)]

    def busy(session):
        for _ in range(6):
            session.neuron(0, 0)
            session.tick()

    threads = [threading.Thread(target=lambda: results.append(losses_alone()))]
    threads += [threading.Thread(target=busy, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] and is_grad_enabled()


def test_two_tabs_train_independently(client):
    sid_a, _ = new_session(client, dataset="xor")
    sid_b, _ = new_session(client, dataset="circles", hidden=[2])
    with client.websocket_connect(f"ws://127.0.0.1/ws/{sid_a}") as a, client.websocket_connect(f"ws://127.0.0.1/ws/{sid_b}") as b:
        a.send_json({"action": "play"})
        b.send_json({"action": "step"})
        frame_b = b.receive_json()
        frames_a = [a.receive_json() for _ in range(3)]
        a.send_json({"action": "pause"})
    assert frame_b["epoch"] == 1 and frame_b["settings"]["dataset"] == "circles"
    assert [f["epoch"] for f in frames_a] == [1, 2, 3] and frames_a[0]["settings"]["dataset"] == "xor"


# ------------------------------------------------------------ sessions are bounded

def test_sessions_are_bounded_and_idle_ones_expire():
    store = SessionStore(max_sessions=3)
    ids = [store.add()[0].sid for _ in range(5)]
    assert len(store) == 3 and store.get(ids[0]) is None and store.get(ids[4]) is not None
    store = SessionStore(idle_seconds=1e-9)
    old = store.add()[0].sid
    _, gone = store.add()
    assert store.get(old) is None and [e.sid for e in gone] == [old]


def test_an_expired_session_is_freed_in_its_worker_too(client):
    old, _ = new_session(client)
    client.app.state.playground.store.idle_seconds = 1e-9
    new_session(client)
    assert old not in client.app.state.playground.host.sessions
    assert "no session" in error_of(client.post(f"/api/sessions/{old}/step"), 404)


def test_a_full_store_of_connected_tabs_refuses_a_new_one_with_503():
    with local_client(max_sessions=2) as client:
        sid_a, _ = new_session(client)
        sid_b, _ = new_session(client)
        with client.websocket_connect(f"ws://127.0.0.1/ws/{sid_a}") as a, client.websocket_connect(f"ws://127.0.0.1/ws/{sid_b}") as b:
            message = error_of(client.post("/api/sessions", json=SMALL), 503)
            assert "2 tabs are already training here" in message
            a.send_json({"action": "step"})
            b.send_json({"action": "step"})
            assert a.receive_json()["epoch"] == b.receive_json()["epoch"] == 1
        # their sockets closed: their places are free again
        assert client.post("/api/sessions", json=SMALL).status_code == 200
        assert len(client.app.state.playground.store) == 1 == len(client.app.state.playground.host.sessions)


def test_idle_sessions_are_freed_even_when_no_request_comes():
    import time

    with local_client() as client:
        state = client.app.state.playground
        state.SWEEP_SECONDS, state.store.idle_seconds = 0.05, 0.2
        sid, _ = new_session(client)
        deadline = time.monotonic() + 30
        while sid in state.host.sessions and time.monotonic() < deadline:
            time.sleep(0.05)  # no request meanwhile: the sweeper frees it
        assert sid not in state.host.sessions and len(state.store) == 0


def test_a_connected_tab_never_expires():
    store = SessionStore()
    watched, unwatched = store.add()[0], store.add()[0]
    watched.socket = object()  # what the WebSocket handler does while open
    store.idle_seconds = 1e-9
    store.add()
    assert store.get(watched.sid) is not None and store.get(unwatched.sid) is None


def test_look_inside_after_divergence_is_json_not_a_crash(client):
    sid, _ = new_session(client, optimizer="sgd", lr=1e6, hidden=[16, 16], activation="linear", batch_size=None)
    for _ in range(30):
        if client.post(f"/api/sessions/{sid}/step").json()["error"]:
            break
    for layer, unit in [(0, 0), (1, 15), (2, 0)]:
        response = client.get(f"/api/sessions/{sid}/neuron?layer={layer}&neuron={unit}")
        assert response.status_code == 200
        info = response.json()
        assert all(v is None or math.isfinite(v) for v in info["w"] + info["grad_w"] + info["fires"]["values"])


def test_curves_keep_a_bounded_history(monkeypatch):
    monkeypatch.setitem(LIMITS, "history", 3)
    session = Session({**SMALL, "points": 10, "hidden": [2]})
    for _ in range(5):
        session.tick()
    assert session.frame()["curves"]["epoch"] == [3, 4, 5]


def test_the_page_asks_the_server_for_everything():
    # the playground trains in Python: the page holds no model or engine of its own
    script = (server.STATIC / "app.js").read_text()
    assert "backward" not in script and "Math.tanh" not in script


# ------------------------------------------------------------ the command line

from cli_support import run_cli  # noqa: E402


@pytest.fixture
def no_serving(monkeypatch):
    """serve() binds and prints, but uvicorn does not run forever."""
    import uvicorn

    ran = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: ran.append(sockets[0].getsockname()))
    return ran


def test_playground_command_prints_the_address_bound_to_localhost(capsys, no_serving):
    code, out, err = run_cli(capsys, "playground", "--port", "0", "--no-browser")
    host, port = no_serving[0]
    assert code == 0 and host == "127.0.0.1" and port > 0
    assert out.strip() == f"Playground running at http://127.0.0.1:{port}/  (Ctrl-C stops it)"
    assert "warning" not in err


def test_host_0000_warns_and_the_browser_opens(capsys, no_serving, monkeypatch):
    import threading
    import webbrowser

    opened = threading.Event()
    urls = []
    monkeypatch.setattr(webbrowser, "open", lambda url: (urls.append(url), opened.set()))
    code, out, err = run_cli(capsys, "playground", "--host", "0.0.0.0", "--port", "0", "--workers", "0")
    assert code == 0 and no_serving[0][0] == "0.0.0.0"
    assert err.startswith("warning: --host 0.0.0.0 lets other computers on the network open the playground")
    # on the network, a join token, printed in the address (as Jupyter does)
    token = re.search(r"\?token=([\w-]{32})  ", out).group(1)
    assert opened.wait(10) and urls == [f"http://127.0.0.1:{no_serving[0][1]}/?token={token}"]


def test_a_port_in_use_is_one_clear_line(capsys, no_serving):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli(capsys, "playground", "--port", str(port), "--no-browser")
    assert code == 1 and not no_serving
    assert err.startswith(f"micrograd-mlp playground: cannot listen on 127.0.0.1:{port} (") and "--port" in err


def test_bad_port_is_an_argument_error(capsys):
    code, _, err = run_cli(capsys, "playground", "--port", "70000")
    assert code == 2 and "must be a whole number from 0 to 65535" in err


def test_without_the_extra_one_line_says_what_to_install(capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    code, out, err = run_cli(capsys, "playground", "--no-browser")
    assert code == 1 and out == ""
    assert err == 'micrograd-mlp playground: uvicorn is missing; pip install -e ".[playground]"\n'


def test_the_core_library_does_not_import_the_web_framework():
    import subprocess
    import sys

    code = "import sys, micrograd_mlp, micrograd_mlp.apps.cli; print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_a_non_editable_install_ships_the_page(tmp_path):
    """pip install (not -e) into a folder: the static files come along and are served."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "source"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    shutil.copytree(root / "micrograd_mlp", source / "micrograd_mlp", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    static = target / "micrograd_mlp" / "apps" / "playground" / "static"
    assert sorted(p.name for p in static.iterdir()) == sorted(p.name for p in server.STATIC.iterdir())
    check = (
        "from starlette.testclient import TestClient; import micrograd_mlp.apps.playground.server as s; "
        "c = TestClient(s.create_app(), base_url='http://127.0.0.1'); print(s.__file__); print(c.get('/').status_code, c.get('/static/app.js').status_code)"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}).stdout  # fmt: skip
    where, statuses = out.strip().splitlines()
    assert where.startswith(str(target)) and statuses == "200 200"


# ------------------------------------------------------------ properties

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st  # noqa: E402

from micrograd_mlp.apps.playground.session import SettingsError, validate_settings  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(list(LIMITS) + ["dataset", "points", "hidden", "lr", "loss", "grid", "seed"]),
                       json_values, max_size=4))  # fmt: skip
def test_any_json_settings_are_valid_or_one_settings_error(changes):
    try:
        settings = validate_settings(changes)
    except SettingsError as err:
        assert str(err) and "Traceback" not in str(err)
        return
    assert settings["points"] <= LIMITS["max_points"] and len(settings["hidden"]) <= LIMITS["max_layers"]


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dataset=st.sampled_from(["moons", "circles", "xor", "spiral", "cubic"]),
    hidden=st.lists(st.integers(1, 3), max_size=2),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    loss=st.sampled_from(["bce_logits", "hinge", "bce"]),
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
    lr=st.floats(1e-4, 1e6),
    batch_size=st.none() | st.integers(1, 40),
    l2=st.floats(0, 1),
    noise=st.floats(0, 1),
)
def test_any_valid_settings_train_to_a_json_frame(dataset, hidden, activation, loss, optimizer, lr, batch_size, l2, noise):
    session = Session({"dataset": dataset, "points": 12, "grid": 10, "hidden": hidden, "activation": activation,
                       "loss": "mse" if dataset == "cubic" else loss, "optimizer": optimizer, "lr": lr,
                       "batch_size": batch_size, "l2": l2, "noise": noise})  # fmt: skip
    for _ in range(2):
        frame = session.tick()
    json.dumps(frame, allow_nan=False)  # never NaN on the wire
    assert frame["error"] is None or frame["error"].startswith("Training diverged at epoch")
    json.dumps(session.neuron(0, 0), allow_nan=False)


# ------------------------------------------------------------ one socket per session; slow work apart

def test_a_second_socket_is_refused_and_its_close_frees_nothing(client):
    sid, _ = new_session(client)
    with client.websocket_connect(f"ws://127.0.0.1/ws/{sid}") as first:
        with client.websocket_connect(f"ws://127.0.0.1/ws/{sid}") as second:
            assert "already open in another tab" in second.receive_json()["error"]
        # the second one closed: the first still owns a living session
        first.send_json({"action": "step"})
        assert first.receive_json()["epoch"] == 1
        assert client.post(f"/api/sessions/{sid}/step").json()["epoch"] == 2
    assert "no session" in error_of(client.post(f"/api/sessions/{sid}/step"), 404)  # the owner's close frees it


def test_a_slow_drawing_never_holds_up_a_tabs_training(client, monkeypatch):
    """Graphviz runs with the engine lock free: a tab steps while a drawing is still being laid out."""
    import threading

    from micrograd_mlp.apps.playground.lab import drawing

    sid, _ = new_session(client)
    real, entered, gate = drawing.render, threading.Event(), threading.Event()

    def slow_render(source):
        entered.set()
        gate.wait(60)
        return real(source)

    monkeypatch.setattr(drawing, "render", slow_render)
    answers = []
    drawing_thread = threading.Thread(
        target=lambda: answers.append(client.post("/api/lab/graph", json={"expression": "a*b + c"})))
    drawing_thread.start()
    try:
        assert entered.wait(30)
        assert client.post(f"/api/sessions/{sid}/step").json()["epoch"] == 1  # while the drawing waits
    finally:
        gate.set()
        drawing_thread.join(60)
    assert answers[0].status_code == 200 and [s["name"] for s in answers[0].json()["graph"]["steps"]] == [
        "out", "out", "mul1"]  # fmt: skip


def test_resets_and_deleted_sessions_leave_nothing_behind(client):
    """Each reset drops the old model's replay programs; a deleted session is gone from its worker."""
    import gc
    import weakref

    sid, _ = new_session(client)
    client.post(f"/api/sessions/{sid}/step")
    old = weakref.ref(session_of(client, sid).model)
    client.post(f"/api/sessions/{sid}/reset")
    client.post(f"/api/sessions/{sid}/step")
    gc.collect()
    assert old() is None  # the old model (and what the replay cached for it) is freed
    model = weakref.ref(session_of(client, sid).model)
    client.delete(f"/api/sessions/{sid}")
    gc.collect()
    assert model() is None and sid not in client.app.state.playground.host.sessions


def test_sessions_in_worker_processes_and_a_dead_worker_is_replaced():
    """--workers: the sessions train in other processes; one killed is a 503, then a fresh one serves."""
    import os
    import signal
    import time

    with local_client(workers=1) as client:
        sid, frame = new_session(client)
        assert frame["epoch"] == 0 and client.post(f"/api/sessions/{sid}/step").json()["epoch"] == 1
        worker = client.app.state.playground.host.pool[0]
        killed = worker.process
        assert killed.pid != os.getpid()
        os.kill(killed.pid, signal.SIGKILL)
        lost = client.post(f"/api/sessions/{sid}/step")  # 503 if the death is seen now, 404 once replaced
        assert lost.status_code in (503, 404) and "reload the page" in error_of(lost, lost.status_code)
        deadline = time.monotonic() + 30  # (os.kill returns before the process is gone: wait for its successor)
        while (worker.process is killed or not worker.process.is_alive()) and time.monotonic() < deadline:
            time.sleep(0.05)
        sid, frame = new_session(client)  # a new worker process answers
        assert client.post(f"/api/sessions/{sid}/step").json()["epoch"] == 1
        client.app.state.playground.host.close()


def test_a_request_sent_as_the_worker_dies_goes_to_its_successor():
    """A request whose send finds the worker dead is sent again to the fresh one, not refused."""
    import os
    import signal

    with local_client(workers=1) as client:
        worker = client.app.state.playground.host.pool[0]
        killed = worker.process
        os.kill(killed.pid, signal.SIGKILL)
        killed.join(30)  # dead, perhaps not yet noticed by the reader: the send fails, or the reader restarted
        sid, frame = new_session(client)
        assert frame["epoch"] == 0 and worker.process is not killed and worker.process.is_alive()
        assert client.post(f"/api/sessions/{sid}/step").json()["epoch"] == 1
        client.app.state.playground.host.close()
