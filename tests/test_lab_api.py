"""The lab's JSON API: its numbers are the library's, bad input is a 4xx with a message."""

import json
import re

import pytest

from optional import require

require("httpx")  # starlette's TestClient drives the app through httpx
TestClient = require("starlette.testclient").TestClient

from lab_support import MODEL, POINTS, make_app  # noqa: E402
from micrograd_mlp import losses  # noqa: E402
from micrograd_mlp.engine import topological_order  # noqa: E402
from micrograd_mlp.teaching.explain import backward_steps, explain, node_names  # noqa: E402
from micrograd_mlp.teaching.expression import parse_expression  # noqa: E402
from micrograd_mlp.nn import MLP  # noqa: E402
from micrograd_mlp.apps.playground import lab  # noqa: E402
from viz_support import require  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def graph_of(client, expression, values):
    response = client.post("/api/lab/graph", json={"expression": expression, "values": values})
    assert response.status_code == 200, response.text
    return response.json()


EXPRESSIONS = [
    ("tanh(x1*w1 + x2*w2 + b)", dict(x1=2.0, w1=-3.0, x2=0.0, w2=1.0, b=6.8813735870195432)),
    ("(a*b + c) ** 2 / d", dict(a=2.0, b=-3.0, c=10.0, d=-2.0)),
    ("a*a + b*a - a/b", dict(a=1.5, b=-0.5)),
    ("sigmoid(exp(a) - log(b)) * relu(a - 1)", dict(a=1.25, b=3.0)),
]


@pytest.mark.parametrize("expression, values", EXPRESSIONS)
def test_the_pages_numbers_are_the_librarys(client, expression, values):
    require("dot")
    payload = graph_of(client, expression, values)
    graph = payload["graph"]
    # The library, directly: parse, name the output, step backward, explain.
    root = parse_expression(expression, **values)
    root.label = "out"
    order = topological_order(root)
    names = node_names(order)
    steps = list(backward_steps(root))
    assert [node["name"] for node in graph["nodes"]] == [names[node] for node in order]
    assert [node["data"] for node in graph["nodes"]] == [node.data for node in order]
    assert [node["grad"] for node in graph["nodes"]] == [node.grad for node in order]
    assert [node["explain"] for node in graph["nodes"]] == [explain(node, root) for node in order]
    library_edges = [(names[parent], names[child], local)
                     for child in order for parent, local in zip(child.parents, child.local_grads)]  # fmt: skip
    by_id = {node["id"]: node["name"] for node in graph["nodes"]}
    assert [(by_id[e["parent"]], by_id[e["child"]], e["local_grad"]) for e in graph["edges"]] == library_edges
    assert [step["text"] for step in graph["steps"]] == [str(step) for step in steps]
    assert [step["upstream"] for step in graph["steps"]] == [step.upstream for step in steps]
    for sent, step in zip(graph["steps"], steps):
        assert [(u["name"], u["local_grad"], u["contribution"], u["grad_after"]) for u in sent["updates"]] == [
            (u.name, u.local_grad, u.contribution, u.grad_after) for u in step.updates
        ]
    # the grads after the last step are the final ones; after step 0 only the output's is set
    assert graph["steps"][-1]["grads"] == [node.grad for node in order]
    assert graph["steps"][0]["grads"] == [1.0 if node is root else 0.0 for node in order]
    svg = graph["svg"]
    for edge in graph["edges"]:  # the boxes on the edges hold those local derivatives, found where the page looks
        group = re.search(rf'<g id="{edge["svg"]}" class="node">.*?<text[^>]*>([^<]*)</text>', svg, re.S)
        assert group.group(1).replace("&#45;", "-") == f"{edge['local_grad']:#.4g}"
    for node in graph["nodes"]:
        assert re.search(rf'<g id="{node["svg"]}" class="node">\s*<title>{node["id"]}</title>', svg)


def test_new_values_without_a_new_picture(client):
    drawn = graph_of(client, "a * b + a", {"a": 2, "b": 3})["graph"]
    response = client.post("/api/lab/graph", json={"expression": "a * b + a", "values": {"a": -1, "b": 3},
                                                   "draw": False})  # fmt: skip
    graph = response.json()["graph"]
    assert graph["svg"] is None and graph["svg_error"] is None
    assert [n["name"] for n in graph["nodes"]] == [n["name"] for n in drawn["nodes"]]  # same shape, same ids
    assert [n["grad"] for n in graph["nodes"] if n["name"] == "a"] == [4.0]  # b + 1
    assert client.post("/api/lab/graph", json={"expression": "a", "draw": "no"}).status_code == 400


def test_a_layout_that_takes_too_long_is_a_message_not_a_hang(client, monkeypatch):
    require("dot")
    monkeypatch.setattr(lab.drawing, "RENDER_TIMEOUT", 0.0001)
    graph = graph_of(client, "tanh(a*b + c)", {})["graph"]
    assert graph["svg"] is None and "took more than" in graph["svg_error"]
    assert len(graph["steps"]) == 4  # the numbers are all there


def test_infinite_and_nan_numbers_are_sent_as_text(client):
    graph = graph_of(client, "a ** 0.5", {"a": 0})["graph"]  # sqrt at 0: a vertical tangent
    assert [e["local_grad"] for e in graph["edges"]] == ["inf"]
    assert [n["grad"] for n in graph["nodes"] if n["name"] == "a"] == ["inf"]
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = float("nan")  # a diverged model
    payload = lab.inside_payload(model, 1, 0, [1.0, 1.0], 1.0, "mse")
    json.dumps(payload, allow_nan=False)  # what Starlette's JSONResponse does
    assert "nan" in [n["data"] for n in payload["graph"]["nodes"]]


def test_an_error_at_these_values_still_names_the_boxes(client):
    response = client.post("/api/lab/graph", json={"expression": "log(a) / b", "values": {"a": 2, "b": 0}})
    assert response.status_code == 400
    assert response.json()["names"] == ["a", "b"] and response.json()["values"] == {"a": 2, "b": 0}
    response = client.post("/api/lab/graph", json={"expression": "a.b", "values": {}})
    assert response.status_code == 400 and "names" not in response.json()


def test_names_get_default_values_and_unknown_values_are_ignored(client):
    payload = graph_of(client, "a * b", {"a": 2, "zzz": 5})
    assert payload["values"] == {"a": 2, "b": 1.0}
    assert payload["names"] == ["a", "b"]


@pytest.mark.parametrize("expression, position, words", [
    ("a * (b +", 8, "but the expression ends"),
    ("foo(a)", 0, "unknown function 'foo'"),
    ("</script><script>alert(1)</script>", 0, "unexpected character '<'"),
    ("__import__('os').system('ls')", 0, "starts with '_'"),
    ("().__class__", 2, "attribute access"),
    ("a" * 13, 0, "more than 12"),
    ("+".join(["a"] * 150), 119, "more than 60 nodes"),
    ("a / (b - b)", 2, "divides by zero"),
    ("log(a - 2)", 0, "log needs a number > 0"),
])
def test_bad_expressions_are_400_with_the_position(client, expression, position, words):
    response = client.post("/api/lab/graph", json={"expression": expression, "values": {"a": 1, "b": 1}})
    assert response.status_code == 400
    body = response.json()
    assert words in body["error"] and body["position"] == position
    assert body["caret"].splitlines()[1] == "  " + " " * position + "^"
    assert "Traceback" not in response.text


@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "not valid JSON"),
    (b"[1, 2]", 400, "JSON object"),
    (json.dumps({"values": {}}).encode(), 400, "expression as a string"),
    (json.dumps({"expression": 5}).encode(), 400, "expression as a string"),
    (json.dumps({"expression": "a", "values": {"a": "x"}}).encode(), 400, "must be a number"),
    (json.dumps({"expression": "a", "values": {"a": 1e300}}).encode(), 400, "at most"),
    (json.dumps({"expression": "a", "values": [1]}).encode(), 400, "object of name"),
    (b'{"expression": "a", "values": {"a": NaN}}', 400, "finite"),
    (json.dumps({"expression": "a" * 30000}).encode(), 413, "more than"),
])
def test_malformed_requests_are_4xx_json(client, body, status, words):
    response = client.post("/api/lab/graph", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert words in response.json()["error"]


def test_page_and_assets(client):
    page = client.get("/lab")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="lab/static/lab.js">' in page.text  # relative: any path prefix
    assert client.get("/lab/static/lab.js").status_code == 200
    assert client.get("/lab/static/lab.css").headers["content-type"].startswith("text/css")
    for sneaky in ("lab.html", "..%2Flab.py", "index.html", "%2E%2E/lab.py"):
        assert client.get(f"/lab/static/{sneaky}").status_code == 404


def test_the_page_inserts_text_only_as_text():
    # The only innerHTML is the server's SVG; every message goes through textContent.
    script = (lab.STATIC / "lab.js").read_text()
    assignments = re.findall(r"\.innerHTML\s*=\s*([^;]+);", script)
    assert assignments == ["graph.svg"]
    assert "insertAdjacentHTML" not in script and "document.write" not in script and "eval(" not in script


def test_practice_new_hides_the_grads_and_check_reveals_them(client):
    response = client.post("/api/lab/practice/new", json={"level": 3, "seed": 1})
    exercise = response.json()
    assert exercise["expression"] == "(a + b) * a" and exercise["asked"] == ["add1", "b", "a"]
    nodes = exercise["graph"]["nodes"]
    assert len(nodes) == 4 and all("grad" not in node and "explain" not in node for node in nodes)
    assert exercise["graph"]["steps"] == []
    if exercise["graph"]["svg"]:
        assert "grad " not in exercise["graph"]["svg"]
    right = client.post("/api/lab/practice/check", json={"level": 3, "seed": 1,
                                                        "answers": {"add1": "-1", "b": -1, "a": "-4"}}).json()  # fmt: skip
    assert right["all_right"] and right["right"] == 3
    wrong = client.post("/api/lab/practice/check", json={"level": 3, "seed": 1,
                                                        "answers": {"add1": "-1", "b": -1, "a": "-3"}}).json()  # fmt: skip
    assert not wrong["all_right"]
    assert [v["mistake"] for v in wrong["verdicts"]] == ["", "", "second_path"]
    assert wrong["steps"][2].startswith("step 2: at add1 (+)")
    assert [n["grad"] for n in wrong["graph"]["nodes"] if n["name"] == "a"] == [-4.0]


def test_practice_random_seed_and_bad_requests(client):
    exercise = client.post("/api/lab/practice/new", json={"level": 2}).json()
    assert isinstance(exercise["seed"], int) and exercise["level"] == 2
    for body, words in [({"level": 7}, "level must be"), ({"level": "1"}, "level must be"),
                        ({"level": 1, "seed": -3}, "seed must be"), ({"level": 1, "seed": 2.5}, "seed must be")]:  # fmt: skip
        response = client.post("/api/lab/practice/new", json=body)
        assert response.status_code == 400 and words in response.json()["error"]
    for body, words in [({"level": 1}, "send the seed"), ({"level": 1, "seed": 2, "answers": [1]}, "answers must"),
                        ({"level": 1, "seed": 2, "answers": {"a": {"b": 1}}}, "answers must"),
                        ({"level": 1, "seed": 2, "answers": {"a": "9" * 200}}, "answers must")]:  # fmt: skip
        response = client.post("/api/lab/practice/check", json=body)
        assert response.status_code == 400 and words in response.json()["error"]


# ------------------------------------------------------------------ inside a neuron


def full_model_grads(model, x, target, loss):
    """dloss/dparameter of the real model for one point (grads zeroed first)."""
    model.zero_grad()
    total = loss(model(x), target)
    total.backward()
    grads = {p.label: p.grad for p in model.parameters()}
    model.zero_grad()
    return total.data, grads


@pytest.mark.parametrize("layer, neuron", [(0, 0), (0, 2), (1, 0), (2, 0)])
def test_inside_a_neuron_gives_the_models_true_gradients(layer, neuron):
    model = MLP(2, [3, 2, 1], activation="tanh", seed=4)
    x, target = [0.3, -1.2], 0.7
    for p in model.parameters():
        p.grad = 0.125  # whatever a training session left there must stay
    payload = lab.inside_payload(model, layer, neuron, x, target, "mse")
    assert all(p.grad == 0.125 for p in model.parameters())
    total, grads = full_model_grads(model, x, target, losses.mse)
    nodes = {node["name"]: node for node in payload["graph"]["nodes"]}
    assert nodes["loss"]["data"] == pytest.approx(total, rel=1e-12)
    unit = model.layers[layer].neurons[neuron]
    for parameter in unit.parameters():
        assert nodes[parameter.label]["data"] == parameter.data
        assert nodes[parameter.label]["grad"] == pytest.approx(grads[parameter.label], rel=1e-9, abs=1e-15)
    # the neuron's own inputs are the numbers that reach it, labelled from 1 as the parameters are
    inputs = sorted(n["name"] for n in payload["graph"]["nodes"] if n["kind"] == "name" and not n["name"].endswith(
        ".b") and ".w" not in n["name"])  # fmt: skip
    assert inputs == {0: ["x1", "x2"], 1: ["L1.N1", "L1.N2", "L1.N3"], 2: ["L2.N1", "L2.N2"]}[layer]
    assert sorted(p.label for p in unit.parameters())[0] == f"L{layer + 1}.N{neuron + 1}.b"
    if layer < 2:
        rest = [n for n in payload["graph"]["nodes"] if n["op"] == "rest"]
        assert len(rest) == 1 and "rest of the network" in rest[0]["rule"]
    else:
        assert not [n for n in payload["graph"]["nodes"] if n["op"] == "rest"]  # the loss, node by node


def test_inside_without_a_loss_is_the_neuron_output_and_bad_input_is_an_error():
    model = MLP(2, [3, 1], activation="relu", seed=2)
    payload = lab.inside_payload(model, 0, 1, [1.0, 2.0])
    root = [n for n in payload["graph"]["nodes"] if n["kind"] == "output"][0]
    assert root["name"] == "L1.N2"
    leaves = {n["name"] for n in payload["graph"]["nodes"] if n["kind"] != "output" and not n["op"]}
    assert {"x1", "x2", "L1.N2.w1", "L1.N2.w2", "L1.N2.b"} <= leaves
    assert root["data"] == pytest.approx(model.layers[0].neurons[1]([1.0, 2.0]).data)
    with pytest.raises(IndexError, match="layer must be a whole number from 0 to 1"):
        lab.inside_payload(model, 2, 0, [1.0, 2.0])
    with pytest.raises(IndexError, match="neuron"):
        lab.inside_payload(model, 0, 3, [1.0, 2.0])
    with pytest.raises(IndexError, match="2 finite numbers"):
        lab.inside_payload(model, 0, 0, [1.0])
    with pytest.raises(lab.LossError, match="unknown loss"):
        lab.inside_payload(model, 0, 0, [1.0, 2.0], 1.0, "mae")
    # hinge takes 0/1 labels as -1/+1, the logits loss takes -1/+1 as 0/1
    assert lab.inside_payload(model, 1, 0, [1.0, 2.0], 0, "hinge")["graph"]["steps"]
    assert lab.inside_payload(model, 0, 0, [1.0, 2.0], -1, "bce_logits")["graph"]["steps"]


def test_inside_a_multiclass_network_with_cross_entropy():
    model = MLP(2, [4, 3], activation="relu", seed=5)
    x, target = [0.4, -0.9], 2
    payload = lab.inside_payload(model, 1, 0, x, target, "cross_entropy")
    total, grads = full_model_grads(model, x, [target], lambda out, t: losses.cross_entropy([out], t))
    nodes = {node["name"]: node for node in payload["graph"]["nodes"]}
    assert nodes["loss"]["data"] == pytest.approx(total, rel=1e-12)
    for parameter in model.layers[1].neurons[0].parameters():
        assert nodes[parameter.label]["grad"] == pytest.approx(grads[parameter.label], rel=1e-9, abs=1e-15)
    with pytest.raises(lab.LossError, match="class index"):
        lab.inside_payload(model, 1, 0, x, 0.5, "cross_entropy")


def test_the_inside_endpoint_of_the_test_app(client):
    payload = client.get("/api/sessions/test/inside?layer=0&neuron=1&point=1").json()
    assert payload["title"].startswith("Inside L1.N2 (model.layers[0].neurons[1]) for x = [1.5, 0.25]")
    expected = lab.inside_payload(MODEL, 0, 1, POINTS[1][0], POINTS[1][1], "mse")
    assert payload["graph"]["nodes"] == expected["graph"]["nodes"]
    assert client.get("/api/sessions/test/inside?layer=5").status_code == 400
