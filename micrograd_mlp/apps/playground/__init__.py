"""The playground: train a network live in the browser, on this library's own engine.

``micrograd-mlp playground`` starts a local web server (Starlette + uvicorn,
the ``playground`` extra) and opens the page. The parts, model apart from
state apart from page (as TensorFlow Playground keeps them):

* `settings`: the settings a page may send, their limits and validation;
* `session`: one tab's training state (data, model, optimizer, curves), plain
  Python, no web framework: the notebook widgets drive it too;
* `frames`: what the page draws of a session, as JSON-ready numbers;
* `engine_lock`: the one lock the engine's users in a process share;
* `store` and `workers`: which sessions live, and the processes they train in;
* `guard`: Host, Origin, token, body size and security headers (as Jupyter's server);
* `web`: JSON in and out, 4xx errors; `server`: the handlers and `serve`;
* `lab`: the chain-rule lab (graph, drawing, inside a neuron, practice, endpoints).

>>> from micrograd_mlp.apps.playground.session import Session
>>> Session({"dataset": "circles", "points": 20, "hidden": [2]}).settings["loss"]
'bce_logits'
"""
