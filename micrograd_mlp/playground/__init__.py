"""The playground: train a network live in the browser, on this library's own engine.

``micrograd-mlp playground`` starts a local web server (Starlette + uvicorn,
the ``playground`` extra) and opens the page. `session` is the pure-Python
part (one tab's data, model, optimizer and curves) and needs no web framework;
`server` is the Starlette app around it.

>>> from micrograd_mlp.playground.session import Session
>>> Session({"dataset": "circles", "points": 20, "hidden": [2]}).settings["loss"]
'bce_logits'
"""
