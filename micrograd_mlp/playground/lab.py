"""The chain-rule lab of the playground: the page ``/lab`` and its JSON API.

Everything here drives the library; nothing re-derives a gradient:

* the graph of a typed expression (`parse_expression`) with data, grad and
  the local derivative on every edge, drawn by `draw_dot` + `render_svg`;
* the backward pass one node at a time (`backward_steps`), each step with
  the grads after it and its arithmetic in words;
* `explain(node, root)` for every node;
* practice exercises (`practice.make_exercise` / `check_answer`);
* `inside_payload`: one neuron of a training model (or that point's loss,
  with the rest of the network collapsed into one node) in the same shape.

Routes (`routes`, mounted by the playground's app)::

    GET  /lab                       the page (static/lab.html)
    GET  /lab/static/lab.js|lab.css its script and style
    POST /api/lab/graph             {"expression": "a*b + c", "values": {"a": 2}, "draw": true}
                                    (draw false: the numbers without a new picture, for a
                                    page that already shows this expression's layout)
    POST /api/lab/practice/new      {"level": 1..4, "seed": int or null}
    POST /api/lab/practice/check    {"level": .., "seed": .., "answers": {"a": "-3"}}

Bad input is a 4xx JSON ``{"error": message, ...}`` (a parse error also has
``position`` and ``caret``), never a traceback.
"""

from __future__ import annotations

import html
import json
import math
import re
import subprocess
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from .. import losses as _losses
from .. import practice
from ..engine import Value, no_grad, topological_order
from ..explain import backward_steps, explain, node_names, number
from ..expression import ExpressionError, expression_names, parse_expression
from .session import ENGINE_LOCK
from ..nn import ACTIVATIONS
from ..rendering import GraphvizNotFound, find_dot
from ..viz import draw_dot

__all__ = ["routes", "inside_payload", "graph_payload", "expression_payload", "LossError"]

STATIC = Path(__file__).with_name("static")
MAX_BODY = 20_000  # bytes of a request body; an expression is at most 400 characters
DEFAULT_VALUE = 1.0  # a name typed without a value yet starts here
MAX_VALUE = 1e6  # slider and box values beyond this are refused (|value|)
MAX_INSIDE_INPUTS = 64  # a neuron with more inputs is no longer a readable picture
RENDER_TIMEOUT = 20  # seconds Graphviz may take to lay out one graph

# Laying out a graph runs Graphviz in a subprocess: two at a time, so a class of
# students dragging sliders cannot start dozens of them on a small machine.
_RENDERS = threading.BoundedSemaphore(2)

_REST = "rest"  # op of the node that stands for the rest of the network in inside_payload

class LossError(ValueError):
    """An unknown loss name, or a target that loss cannot take (inside_payload)."""

# ---------------------------------------------------------------- payloads

def _kind(node: Value, root: Value) -> str:
    if node is root:
        return "output"
    if node.parents:
        return "op"
    return "name" if node.label else "constant"

def _rule(node: Value, names: Dict[Value, str]) -> str:
    if node.op == _REST:
        return "the rest of the network and the loss, as one node: its local derivative is dloss/d(this neuron)"
    return practice.local_rule(node, names)

def _words(step, names: Dict[Value, str], root_name: str) -> str:
    """A backward step's arithmetic in sentences (the step's text says it in symbols)."""
    if step.index == 0:
        return (f"Start: every grad is set to 0, then d{root_name}/d{root_name} = 1, "
                f"so {root_name}.grad is 1.0.")  # fmt: skip
    node = step.node
    sentences = [f"At {step.name} ({node.op}) the upstream grad d{root_name}/d{step.name} is "
                 f"{number(step.upstream)}; it is final, because every node that uses "
                 f"{step.name} came after it in the forward pass and was visited already."]  # fmt: skip
    for update in step.updates:
        sentences.append(
            f"The local derivative d{step.name}/d{update.name} is {number(update.local_grad)}, so "
            f"{update.name}.grad grows by {number(step.upstream)} × {number(update.local_grad)} = "
            f"{number(update.contribution)}, from {number(update.grad_before)} to {number(update.grad_after)}."
        )
    return " ".join(sentences)

def _render(source: str) -> str:
    """Graphviz's SVG for DOT text, as `render_svg`, but given up after `RENDER_TIMEOUT` s."""
    program = find_dot()
    with _RENDERS:
        done = subprocess.run([program, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                              timeout=RENDER_TIMEOUT)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{program} failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return done.stdout.decode("utf-8")


def _svg(root: Value, show_grad: bool) -> Dict[str, Optional[str]]:
    """draw_dot's picture as inline SVG (no XML prolog), or the reason there is none."""
    try:
        drawing = draw_dot(root, show_grad=show_grad)
        # Bound the network-simplex passes that place nodes: a node used many times
        # (a*a*a*...) took dot 80 s with the default and 3 s with this, same picture for
        # ordinary graphs.
        drawing.attr(nslimit="1")
        svg = _render(drawing.source)
    except GraphvizNotFound as error:
        return {"svg": None, "svg_error": str(error)}
    except subprocess.TimeoutExpired:
        return {"svg": None, "svg_error": (
            f"laying out this graph took more than {RENDER_TIMEOUT} s, so there is no picture; "
            "the steps below are still right. A smaller expression draws quickly")}  # fmt: skip
    except (RuntimeError, ValueError, OSError) as error:  # dot failed, or the graph is over draw_dot's limits
        return {"svg": None, "svg_error": str(error)}
    svg = svg[svg.index("<svg"):].replace(' id="', ' id="lab-')  # ids unique to the lab on the page
    return {"svg": svg, "svg_error": None}


_SVG_GROUP = re.compile(r'<g id="(lab-(?:node|edge)\d+)" class="(?:node|edge)">\s*<title>([^<]*)</title>')


def _svg_ids(svg: str) -> Dict[str, List[str]]:
    """SVG group ids by their title ("n3", "n3op", "n0->n3op"), in the order dot made them.

    Graphviz numbers nodes and edges in the order the drawing defines them, and
    draw_dot defines a node's edges in the order of its parents, so the k-th
    edge between two nodes in our list is the k-th group with that title.
    """
    found: Dict[str, List[str]] = {}
    for group_id, title in _SVG_GROUP.findall(svg):
        found.setdefault(html.unescape(title), []).append(group_id)
    for ids in found.values():
        ids.sort(key=lambda group_id: int(re.sub(r"\D", "", group_id)))
    return found

def graph_payload(root: Value, show_grad: bool = True, draw: bool = True) -> Dict[str, Any]:
    """The JSON the lab page draws and steps: nodes, edges, backward steps, SVG.

    Node ids are ``n0, n1, ...`` in topological order, the ids `draw_dot`
    gives the same nodes, so the page finds each node and edge in the SVG.
    With ``show_grad`` the backward pass is run (``.grad`` is filled, as
    ``root.backward()`` would) and every step is listed with the grads after
    it; without, nothing about the gradients is sent (practice).

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> graph = graph_payload(a * b + a, draw=False)
    >>> [(node["name"], node["grad"]) for node in graph["nodes"]]
    [('a', -2.0), ('b', 2.0), ('mul1', 1.0), ('add1', 1.0)]
    >>> graph["steps"][2]["text"].splitlines()[1]
    '  a.grad += 1.0 * -3.0 = -3.0  (1.0 -> -2.0)'
    """
    order = topological_order(root)
    names = node_names(order)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    edges: List[Dict[str, Any]] = []
    edge_ids: Dict[Value, List[str]] = {}
    for child in order:
        for parent, local_grad in zip(child.parents, child.local_grads):
            edge_id = f"e{len(edges)}"
            edges.append({"id": edge_id, "parent": ids[parent], "child": ids[child], "local_grad": local_grad})
            edge_ids.setdefault(child, []).append(edge_id)
    steps: List[Dict[str, Any]] = []
    if show_grad:
        for node in order:  # start from zero, as a fresh backward() does for the leaves too
            node.grad = 0.0
        for step in backward_steps(root):
            steps.append({
                "index": step.index,
                "node": ids[step.node],
                "name": step.name,
                "upstream": step.upstream,
                "text": str(step),
                "words": _words(step, names, names[root]),
                "updates": [
                    {"edge": edge_id, "parent": ids[update.parent], "name": update.name,
                     "local_grad": update.local_grad, "contribution": update.contribution,
                     "grad_before": update.grad_before, "grad_after": update.grad_after}
                    for edge_id, update in zip(edge_ids.get(step.node, []), step.updates)
                ],
                "grads": [node.grad for node in order],
            })  # fmt: skip
    nodes = []
    for node in order:
        entry = {"id": ids[node], "name": names[node], "label": node.label, "op": node.op,
                 "kind": _kind(node, root), "data": node.data, "rule": _rule(node, names)}  # fmt: skip
        if show_grad:
            entry["grad"] = node.grad
            entry["explain"] = explain(node, root)
        nodes.append(entry)
    graph = {"root": ids[root], "root_name": names[root], "nodes": nodes, "edges": edges, "steps": steps}
    graph.update(_svg(root, show_grad) if draw else {"svg": None, "svg_error": None})
    # Where each node and edge is in the picture, for the page's highlights and clicks.
    groups = _svg_ids(graph["svg"] or "")
    for node in nodes:
        node["svg"] = (groups.get(node["id"]) or [None])[0]
        node["svg_op"] = (groups.get(node["id"] + "op") or [None])[0]
    seen: Dict[str, int] = {}
    for edge in edges:
        title = f"{edge['parent']}->{edge['child']}op"
        k = seen[title] = seen.get(title, -1) + 1
        matches = groups.get(title) or []
        edge["svg"] = matches[k] if k < len(matches) else None
    return _json_safe(graph)


def _json_safe(value: Any) -> Any:
    """Infinite and NaN numbers as the text "inf", "-inf", "nan": JSON has no such numbers.

    They happen: sqrt(x) = x ** 0.5 at x = 0 has an infinite local derivative,
    and a model that diverged has NaN weights.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value

def _name_values(text: str, values: Dict[str, float]) -> Dict[str, float]:
    """A value for every name of `text`: the given one, else `DEFAULT_VALUE`."""
    return {name: values.get(name, DEFAULT_VALUE) for name in expression_names(text)}

def expression_payload(text: str, values: Dict[str, float], draw: bool = True) -> Dict[str, Any]:
    """Parse, backpropagate and describe an expression for the page.

    Names without a value start at `DEFAULT_VALUE`. Raises `ExpressionError`.

    >>> payload = expression_payload("a*b + c", {"a": 2, "b": -3}, draw=False)
    >>> payload["values"], payload["graph"]["root_name"]
    ({'a': 2, 'b': -3, 'c': 1.0}, 'out')
    """
    named = _name_values(text, values)
    root = parse_expression(text, **named)
    if not root.label:
        root.label = "out"  # "dout/da" reads better than "dadd1/da"
    return {"expression": text, "values": named, "names": list(named),
            "graph": graph_payload(root, draw=draw)}  # fmt: skip

# ---------------------------------------------------------------- inside a neuron

def _loss_function(name: str, target: Any):
    """(loss function, target it takes): the binary losses accept 0/1 or -1/+1 labels."""
    key = name.lower().replace("-", "_")
    if key == "mse":
        return _losses.mse, target
    if key in ("hinge", "svm"):
        return _losses.hinge, _labels(target, {0.0: -1.0})
    if key in ("bce_logits", "bce_with_logits", "logits"):
        return _losses.bce_with_logits, _labels(target, {-1.0: 0.0})
    if key in ("bce", "binary_cross_entropy"):
        return _losses.binary_cross_entropy, _labels(target, {-1.0: 0.0})
    if key in ("cross_entropy", "ce"):  # k logits, a class index
        return _softmax_cross_entropy, target
    raise LossError(f"unknown loss {name!r}; choose mse, hinge, bce_logits, bce or cross_entropy")


def _softmax_cross_entropy(prediction: Any, target: Any) -> Value:
    """cross_entropy for one sample: `prediction` is the list of k logits, target its class."""
    if isinstance(target, bool) or not float(target).is_integer():
        raise ValueError(f"cross_entropy needs a class index as target, got {target!r}")
    logits = prediction if isinstance(prediction, list) else [prediction]
    return _losses.cross_entropy([logits], [int(target)])

def _labels(target: Any, mapping: Dict[float, float]) -> Any:
    if isinstance(target, (list, tuple)):
        return [mapping.get(float(t), float(t)) for t in target]
    return mapping.get(float(target), float(target))

def _inputs_of(model, layer: int, x: Sequence[float]) -> List[float]:
    """The numbers that reach layer `layer` for input x (no graph is built)."""
    values = [float(v) for v in x]
    with no_grad():
        for earlier in model.layers[:layer]:
            values = [neuron(values).data for neuron in earlier.neurons]
    return values

def _loss_and_upstream(model, layer: int, neuron: int, x, loss_fn, target) -> tuple:
    """(the point's loss, dloss/d(neuron output)) from the whole network at its weights.

    A full forward and backward on the real model; its parameters' grads are
    put back afterwards, so a training session sees them as they were.
    """
    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        values: List[Any] = [float(v) for v in x]
        chosen = None
        for depth, each in enumerate(model.layers):
            values = [unit(values) for unit in each.neurons]
            if depth == layer:
                chosen = values[neuron]
        prediction = values[0] if len(values) == 1 else values
        total = loss_fn(prediction, target)
        total.backward()
        return total.data, chosen.grad
    finally:
        for p, grad in zip(params, saved):
            p.grad = grad

def _check_index(what: str, index: object, size: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise IndexError(f"{what} must be a whole number from 0 to {size - 1}, got {index!r}")
    return index

def inside_payload(model, layer: int, neuron: int, x: list, target: Any = None, loss: Optional[str] = None) -> dict:
    """The scalar graph of one neuron for one input, in the lab's JSON shape.

    The neuron's inputs (``x0, x1, ...`` for layer 0, the previous layer's
    outputs ``L0.N2, ...`` deeper in) are leaves with the numbers that reach
    it; its weights and bias are leaves with their current values; the
    weighted sum is built from ``*`` and ``+`` (micrograd's graph), then the
    activation. With a `target` and a `loss` name (mse, hinge, bce_logits,
    bce) the graph goes on to that point's loss: drawn in full when the
    neuron is the network's only output, otherwise the rest of the network is
    ONE node (op ``rest``) whose data is the loss and whose local derivative is
    dloss/d(neuron output) from a full backward pass of the real model. So
    the grads shown are the real gradients of that point's loss. The model's
    weights and grads are left as they were.

    Raises IndexError for a layer, neuron or input of the wrong size,
    `LossError` for an unknown loss or a target it cannot take.

    >>> from ..nn import MLP
    >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
    >>> payload = inside_payload(model, 0, 1, [0.5, -1.0], target=1.0, loss="mse")
    >>> payload["title"]
    "Inside L0.N1 for x = [0.5, -1.0], and this point's mse loss (target 1.0) through the rest of the network"
    >>> [node["name"] for node in payload["graph"]["nodes"] if node["kind"] == "output"]
    ['loss']
    """
    layers = getattr(model, "layers", None)
    if not layers:
        raise TypeError(f"inside_payload needs an MLP, got {type(model).__name__}")
    layer = _check_index("layer", layer, len(layers))
    neuron = _check_index("neuron", neuron, len(layers[layer].neurons))
    unit = layers[layer].neurons[neuron]
    nin = len(layers[0].neurons[0].w)
    try:
        x = [float(v) for v in x]
    except (TypeError, ValueError):
        raise IndexError(f"x must be a list of {nin} numbers, got {x!r:.80}") from None
    if len(x) != nin or not all(math.isfinite(v) for v in x):
        raise IndexError(f"x must be a list of {nin} finite numbers, got {x!r:.80}")
    if len(unit.w) > MAX_INSIDE_INPUTS:
        raise IndexError(f"this neuron has {len(unit.w)} inputs, more than {MAX_INSIDE_INPUTS} to draw readably")

    name = f"L{layer}.N{neuron}"
    numbers_in = _inputs_of(model, layer, x)
    prefix = "x" if layer == 0 else f"L{layer - 1}.N"
    inputs = [Value(v, label=f"{prefix}{i}") for i, v in enumerate(numbers_in)]
    weights = [Value(w.data, label=w.label or f"{name}.w{i}") for i, w in enumerate(unit.w)]
    bias = Value(unit.b.data, label=unit.b.label or f"{name}.b")
    # micrograd's neuron, node for node: b + w0*x0 + w1*x1 + ...
    pre_activation = sum((wi * xi for wi, xi in zip(weights, inputs)), bias)
    out = ACTIVATIONS[unit.activation](pre_activation)
    if out is pre_activation:  # a linear neuron: its output is the sum itself
        out = pre_activation * 1.0
    out.label = name
    root = out
    title = f"Inside {name} for x = {x}"
    if target is not None and loss:
        loss_fn, target_used = _loss_function(str(loss), target)
        is_whole_output = layer == len(layers) - 1 and len(layers[-1].neurons) == 1
        try:
            if is_whole_output:
                root = loss_fn(out, target_used)  # the loss itself, node by node
                title += f", and the {loss} loss (target {target})"
            else:
                total, upstream = _loss_and_upstream(model, layer, neuron, x, loss_fn, target_used)
                root = Value(total)
                root.op = _REST
                root.parents = (out,)
                root.local_grads = (upstream,)
                title += f", and this point's {loss} loss (target {target}) through the rest of the network"
        except (TypeError, ValueError) as error:
            raise LossError(f"the {loss} loss cannot take target {target!r}: {error}") from None
        root.label = "loss"
    payload = {"title": title, "expression": None, "values": {}, "names": [],
               "graph": graph_payload(root)}  # fmt: skip
    return payload

# ---------------------------------------------------------------- HTTP

def _error(message: str, status: int = 400, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)

async def _json_body(request: Request) -> Any:
    """The request's JSON object, or a JSONResponse saying what is wrong with it."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error(f"the request has {len(body)} bytes, more than {MAX_BODY}", 413)
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _error("the request body is not valid JSON")
    if not isinstance(data, dict):
        return _error("the request body must be a JSON object")
    return data

def _read_values(raw: Any) -> Dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("values must be an object of name -> number, e.g. {\"a\": 2}")
    values: Dict[str, float] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"the value of {str(name)[:20]!r} must be a number, got {json.dumps(value)[:20]}")
        if not math.isfinite(value) or abs(value) > MAX_VALUE:
            raise ValueError(f"the value of {str(name)[:20]!r} must be a finite number of at most {MAX_VALUE:g} in size")
        values[str(name)] = value
    return values

def _expression_error(error: ExpressionError) -> JSONResponse:
    return _error(str(error), 400, reason=error.reason, position=error.position, caret=error.caret())

async def page(request: Request) -> Response:
    return FileResponse(STATIC / "lab.html", media_type="text/html; charset=utf-8")

_ASSETS = {"lab.js": "text/javascript; charset=utf-8", "lab.css": "text/css; charset=utf-8"}

async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _ASSETS:  # only our two files, never a path into the package
        return _error(f"no such file: {name[:40]}", 404)
    return FileResponse(STATIC / name, media_type=_ASSETS[name])

async def _with_engine(function, *args: Any) -> Any:
    """Run `function` in a worker thread while holding the playground's engine lock.

    The engine's `no_grad` is one switch for the whole process, not per thread:
    a graph built here while a training tab predicts under no_grad in another
    thread would silently have no parents. So every engine user of the server
    (training tabs and the lab alike) takes its turn under one lock.
    """

    def locked() -> Any:
        with ENGINE_LOCK:
            return function(*args)

    return await run_in_threadpool(locked)


async def graph_endpoint(request: Request) -> Response:
    data = await _json_body(request)
    if isinstance(data, Response):
        return data
    text = data.get("expression")
    if not isinstance(text, str):
        return _error("send the expression as a string: {\"expression\": \"a*b + c\"}")
    draw = data.get("draw", True)
    if not isinstance(draw, bool):
        return _error("draw must be true or false")
    try:
        values = _read_values(data.get("values"))
    except ValueError as error:
        return _error(str(error))
    try:
        return JSONResponse(await _with_engine(expression_payload, text, values, draw))
    except ExpressionError as error:
        response = _expression_error(error)
    try:  # the names still get their boxes, so a value that divides by zero can be changed
        named = await _with_engine(_name_values, text, values)
    except ExpressionError:
        return response
    body = json.loads(response.body)
    body.update(names=list(named), values=named)
    return JSONResponse(body, status_code=400)

def _level_and_seed(data: dict) -> tuple:
    level = data.get("level", 1)
    seed = data.get("seed")
    if isinstance(level, bool) or not isinstance(level, int) or level not in practice.LEVELS:
        raise ValueError(f"level must be 1, 2, 3 or 4, got {json.dumps(level)[:20]}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32):
        raise ValueError(f"seed must be a whole number from 0 to {2**32 - 1}, got {json.dumps(seed)[:20]}")
    return level, seed

def _exercise_payload(exercise: practice.Exercise) -> dict:
    return {"level": exercise.level, "level_name": practice.LEVELS[exercise.level], "seed": exercise.seed,
            "expression": exercise.expression, "values": exercise.values, "asked": exercise.asked,
            "forward": exercise.forward_lines(), "graph": graph_payload(exercise.root, show_grad=False)}  # fmt: skip

async def _practice_request(request: Request) -> Any:
    """(body, level, seed) of a practice request, or the JSONResponse saying what is wrong."""
    data = await _json_body(request)
    if isinstance(data, Response):
        return data
    try:
        level, seed = _level_and_seed(data)
    except ValueError as error:
        return _error(str(error))
    return data, level, seed

async def practice_new(request: Request) -> Response:
    parsed = await _practice_request(request)
    if isinstance(parsed, Response):
        return parsed
    _, level, seed = parsed
    return JSONResponse(await _with_engine(lambda: _exercise_payload(practice.make_exercise(level, seed))))

def _check(level: int, seed: int, answers: dict) -> dict:
    exercise = practice.make_exercise(level, seed)
    feedback = practice.check_answer(exercise, answers)
    root = parse_expression(exercise.expression, **exercise.values)
    root.label = exercise.root.label
    right, asked = feedback.score
    return {
        "level": level, "seed": seed, "all_right": feedback.all_right, "right": right, "asked": asked,
        "verdicts": [{"name": v.name, "given": v.given, "expected": v.expected, "right": v.right,
                      "mistake": v.mistake, "message": v.message} for v in feedback.verdicts],
        "steps": feedback.steps, "explanations": feedback.explanations,
        "graph": graph_payload(root),
    }  # fmt: skip

async def practice_check(request: Request) -> Response:
    parsed = await _practice_request(request)
    if isinstance(parsed, Response):
        return parsed
    data, level, seed = parsed
    if seed is None:
        return _error("send the seed of the exercise being checked")
    answers = data.get("answers")
    if not isinstance(answers, dict) or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) and len(str(v)) <= 100 for v in answers.values()
    ):  # fmt: skip
        return _error("answers must be an object of node name -> number or short text, e.g. {\"a\": \"-3\"}")
    return JSONResponse(await _with_engine(_check, level, seed, answers))

routes = [
    Route("/lab", page, methods=["GET"]),
    Route("/lab/static/{name}", asset, methods=["GET"]),
    Route("/api/lab/graph", graph_endpoint, methods=["POST"]),
    Route("/api/lab/practice/new", practice_new, methods=["POST"]),
    Route("/api/lab/practice/check", practice_check, methods=["POST"]),
]
