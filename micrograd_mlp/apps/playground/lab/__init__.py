"""The chain-rule lab of the playground: the page ``lab`` and its JSON API, one module per feature.

Everything here drives the library; nothing re-derives a gradient:

* the graph of a typed expression (`parse_expression`) with data, grad and
  the local derivative on every edge, drawn by `draw_dot` + `render_svg`;
* the backward pass one node at a time (`backward_steps`), each step with
  the grads after it and its arithmetic in words;
* `explain(node, root)` for every node;
* practice exercises (`practice.make_exercise` / `check_answer`);
* `inside_payload`: one neuron of a training model (or that point's loss,
  with the rest of the network collapsed into one node) in the same shape.

The modules: `graph` (an expression's graph and backward steps), `drawing`
(Graphviz, outside the engine lock), `inside` (one neuron of a training model),
`exercises` (practice), `endpoints` (the HTTP handlers and their `routes`).

Routes (`routes`, mounted by the playground's app; relative to its root)::

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

from .drawing import RENDER_TIMEOUT
from .exercises import check_payload, exercise_payload
from .graph import DEFAULT_VALUE, expression_payload, graph_payload
from .inside import MAX_INSIDE_INPUTS, LossError, inside_payload
from .endpoints import MAX_BODY, MAX_VALUE, STATIC, routes

__all__ = ["routes", "inside_payload", "graph_payload", "expression_payload", "exercise_payload", "check_payload",
           "LossError", "STATIC", "MAX_BODY", "MAX_VALUE", "DEFAULT_VALUE", "MAX_INSIDE_INPUTS", "RENDER_TIMEOUT"]
