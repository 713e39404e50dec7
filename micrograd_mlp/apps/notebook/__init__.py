"""Live views inside a notebook: the playground and the backward stepper as widgets.

Both are anywidget widgets (JupyterLab 4, Notebook 7, VS Code, Colab), their
script and style shipped in this package (no CDN, no network), computed by the
kernel's own engine. In a notebook cell::

    from micrograd_mlp.apps.notebook import Playground, Stepper
    Playground(X, y)        # train on your points: play, pause, step, click a neuron
    Stepper(loss)           # the backward pass of any Value, one node at a time

`Playground` drives the same `Session` as the playground server
(`micrograd_mlp.apps.playground.session`); `Stepper` shows the lab's
`graph_payload`. Needs the ``notebook`` extra: ``pip install "micrograd_mlp[notebook]"``.
"""

from .playground import Playground
from .stepper import Stepper

__all__ = ["Playground", "Stepper"]
