"""`Stepper`: step the backward pass of any `Value` inside the notebook, as the lab does.

The payload is the lab's own (`playground.lab.graph_payload`: the graph drawn
by `draw_dot`, every step of `backward_steps` with its arithmetic in symbols and
in words, the grads after each step, `explain` for every node); the widget only
shows it, one step at a time, with buttons or the arrow keys.
"""

from __future__ import annotations

from typing import Any, Dict, Union

import anywidget
import traitlets

from ...engine import Value, topological_order
from ...teaching.stepper import MAX_STEPS
from ..playground.lab.graph import graph_payload
from . import assets

__all__ = ["Stepper"]


class Stepper(anywidget.AnyWidget):
    """The backward pass of ``root``, one chain-rule step per click (runs ``root.backward()``).

    >>> from micrograd_mlp import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> stepper = Stepper(a * b + a)
    >>> len(stepper.graph["steps"]), a.grad      # start, the +, the *
    (3, -2.0)
    >>> stepper.step                              # it opens at the start
    0

    Args:
        root: the `Value` to backpropagate from (e.g. a loss); its ``.grad``
            and those of every node it depends on are filled, as ``backward()`` does.
            (A graph payload made already is taken as it is: see `from_payload`.)
        step: the step shown first (0: the start, before any chain-rule step).
        title: a line shown above the graph.
    """

    _esm = assets.script("stepper")
    _css = assets.style("stepper")

    graph = traitlets.Dict().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, root: Union[Value, Dict[str, Any]], step: int = 0, **kwargs: Any) -> None:
        if isinstance(root, dict) and "steps" in root:  # a payload made already (from_payload)
            graph = root
        else:
            graph = self._payload(root)
        step = max(0, min(int(step), len(graph["steps"]) - 1))
        super().__init__(graph=graph, step=step, **kwargs)

    @classmethod
    def from_payload(cls, payload: Dict[str, Any], step: int = 0) -> "Stepper":
        """A stepper over a lab payload made elsewhere, e.g. `lab.inside_payload` (``Playground.inside``)."""
        return cls(payload["graph"], step=step, title=payload.get("title", ""))

    @staticmethod
    def _payload(root: Any) -> Dict[str, Any]:
        if not isinstance(root, Value):
            raise TypeError(
                f"Stepper needs the Value to backpropagate from (e.g. the loss), got {type(root).__name__}"
            )
        steps = sum(1 for node in topological_order(root) if node.parents)
        if steps > MAX_STEPS:
            raise ValueError(
                f"this backward pass has {steps} steps, more than {MAX_STEPS}; step through a smaller "
                "expression (one neuron, one sample), or draw the whole graph with draw_dot"
            )
        return graph_payload(root)
