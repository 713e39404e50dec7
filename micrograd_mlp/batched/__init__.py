"""Batched replay: record the scalar graph of ONE sample, replay it on B samples with NumPy.

The graph that `Value` records for one sample is a straight-line program: a
list of ops, each reading the results of earlier ones. `trace` records it once,
with placeholder leaves for the sample's inputs (and targets), into a `Tape`.
`Tape.forward` then runs the same program with every per-sample leaf holding a
row of B numbers instead of one float, and `Tape.backward` runs the chain rule
backwards over the whole batch, summing each parameter's gradient over the
samples. This is how real frameworks get their speed, shown on a graph you can
draw with `draw_dot`.

>>> from micrograd_mlp import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> tape = trace(lambda x, t: model(x), [0.5, -1.0], params=model.parameters())
>>> outputs = tape.forward([[0.5, -1.0], [1.0, 2.0], [0.0, 0.0]])[0]
>>> bool(np.allclose(outputs, [model([0.5, -1.0]).data, model([1.0, 2.0]).data, model([0.0, 0.0]).data]))
True

Four kinds of leaves (the tape must know which is which):

* **parameters**, the leaves the model owns (``params=model.parameters()``):
  shared by every sample, read afresh at each replay, and the only leaves whose
  ``.grad`` a replay writes (where a scalar ``backward()`` puts it, so
  optimizers, ``zero_grad`` and ``check_finite`` work unchanged);
* **inputs**, the placeholders handed to the function (one row per sample);
* **targets**, more placeholders for a loss (one row per sample);
* **constants**: every other leaf, e.g. the 1.0 of ``1 - y * s``: its number is
  recorded and reused.

The schedule. Every node gets a level (1 + the deepest level of its per-sample
parents) and nodes with the same level and op run as ONE NumPy call on a 2-D
array: gather the parents' rows with index arrays, apply the op, write the
result into the group's rows ("level 3: 256 '*' -> one multiply of shape (256, B)").
The backward pass walks the groups in reverse. So the number of NumPy calls
grows with the depth of the graph and its kinds of ops, not its number of
nodes. Two rewrites keep the depth low: a chain of ``+`` (``b + w0*x0 + w1*x1
+ ...``, each partial sum used only by the next) runs as one n-ary ``sum``,
and a group of ``dot`` nodes that read the same inputs runs as one matrix
product. Nodes that depend on no per-sample leaf (parameter-only subgraphs,
e.g. an L2 penalty) are computed once per replay, not once per sample.

The rule (what can be replayed), and how it is enforced. The traced function
must run the same ops whatever the numbers: a replay runs the program
recorded on one sample for every sample and every step. Python code can break
that without the graph showing it, so the replay is sound by three checks,
each refusing with a `ReplayError` that says where and what to write instead:

1. **While recording, a watch** (`watching`) notes every read of a Value's
   number by code outside the engine (``x.data``, ``float(x)``,
   ``x.local_grads``: behind every ``if``, Python ``max()``, ``round()``,
   ``math``/NumPy on a number, a data-dependent loop count), every write of
   ``.data``, every random draw (Python's ``random``, ``np.random``, a
   generator the model holds) and every change of state reachable from the
   model and the loss (a call counter, a global the code names). A read of a
   number that depends on the sample or on the parameters is refused, and so
   are draws and changes; a read of a constant is fine. The scalar engine is
   not slowed: the watch swaps ``Value.data`` for a noting property only
   while a recording runs, and the engine's own reads cost one frame test.
2. **The cache key holds what the program depends on** besides the graph:
   the plain numbers of a user's model and loss and the globals their code
   names, so a flag or a scale changed between two ``fit`` calls is
   recorded again (equal to scalar), never replayed stale.
3. **A spot check** (`checking`): now and then, one sample of a replayed
   step is recomputed by the scalar engine before the optimizer moves a
   weight; a difference is refused (in `predict`: the scalar engine answers
   that call and the program is recorded again at the next). It costs at most ``CHECK_SHARE`` (10%) of
   the replay's time, and catches what the first two cannot see (state
   reached through a road nobody followed). ``bench/replay_soundness.py``
   tries 31 kinds of data-dependent code: each is refused or equal to scalar.

A weight holding a NumPy float32 (the scalar engine then computes in float32)
is refused by name; inputs of any float dtype are read as float64 by both.
`trace` checks the replay of the recorded sample against the scalar engine's
values; with ``probe2`` it also records a second sample, compares the two
programs and the gradients.

Numbers. Float64 throughout; values and gradients agree with the scalar engine
to about 1e-15 relative (sums are added in another order, the matrix product
too), and the table's zero rule holds in both (a zero local derivative masks
an infinite gradient from above: relu(x) ** 0.5 at x < 0 gives 0). Where the scalar engine raises (log of a negative number, exp overflow,
division by zero), NumPy gives inf or NaN instead: the replay never hides them
(`fit` and `predict` then redo that batch with the scalar engine, so you get
its error and its message).

The package, one stage per module (read them in this order):

* `recording`: run the function on placeholder Values under the engine's
  ``recording`` hook, write its graph down as a list of nodes (`ReplayError`
  lives here); `watching`: what the recording must refuse;
* `scheduling`: the rewrites, then levels, rows and groups;
* `replay`: the array kernels, one NumPy call per group each way: the op
  table's entries (`micrograd_mlp.ops`) on arrays, the scalar engine's very
  definitions;
* `tape`: `trace` (the three stages in a row, with the checks) and `Tape`;
* `program`: what ``fit(..., batched=True)`` and ``predict`` run, cached per
  model (the cache holds no model: dropping a model frees its programs);
  `checking`: the spot check.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - the docstring's example uses it

from .program import PREDICT_CHUNK, FitProgram, fit_program, forget, predict, predict_tape
from .recording import LEAF_KINDS, ReplayError
from .tape import Rows, Tape, trace

__all__ = ["trace", "Tape", "ReplayError"]
