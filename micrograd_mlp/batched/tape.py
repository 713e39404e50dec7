"""The tape: `trace` runs the three stages in a row, and `Tape` replays the result on a batch.

`trace` records the function (`recording`), lays it out (`scheduling`), and,
given a second probe sample, records again and checks that the program is the
same and that the replay of both samples agrees with the scalar engine.
`Tape.forward` and `Tape.backward` run the groups' kernels (`replay`) in
order, then in reverse; `describe` and `draw` show the schedule.
"""

from __future__ import annotations

import gc
import math
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..engine import Value
from ..parameter import data_of
from . import replay
from .recording import LEAF_KINDS, Node, Recording, ReplayError, compile_nodes, record, signature
from .scheduling import Group, Schedule
from .watching import verdict

__all__ = ["trace", "Tape", "close_enough", "check_parameter_numbers", "read_numbers", "Rows"]

Rows = Union[Sequence[Sequence[float]], np.ndarray]


def trace(
    function: Callable[[List[Value], List[Value]], Any],
    inputs: Sequence[float],
    targets: Sequence[float] = (),
    params: Sequence[Value] = (),
    *,
    probe2: Optional[Sequence[float]] = None,
    targets2: Optional[Sequence[float]] = None,
    rewrite: bool = True,
    state: Optional[Dict[str, Any]] = None,
    watch_reads: bool = True,
) -> "Tape":
    """Record ``function(x, t)`` on one sample into a `Tape` that replays it on a batch.

    ``function`` gets a list of input placeholder Values ``x`` (and target
    placeholders ``t``) and returns a Value or a list of Values (the roots).
    ``inputs``/``targets`` are the numbers of the sample to record with;
    ``params`` the parameters (their ``.grad`` is what `Tape.backward` fills).
    With ``probe2`` (and ``targets2``), the function is recorded again on that
    second sample and must give the same program, or `ReplayError` says so.
    ``rewrite=False`` keeps every '+' and '*' node as it is (no n-ary sums, no
    dots made of products): slower, but the schedule shows the graph as drawn.
    ``state`` names what the function's behaviour may depend on (the model, a
    loss) for the watch to see changes in; ``watch_reads=False`` skips noting
    reads of numbers, for code known to read none (`watching.runs_library_code_only`).

    >>> w = Value(2.0)
    >>> tape = trace(lambda x, t: (w * x[0] - t[0]) ** 2, [1.0], [0.0], params=[w])
    >>> tape.forward([[1.0], [2.0]], [[0.0], [1.0]])[0]          # (2*1-0)^2, (2*2-1)^2
    array([4., 9.])
    """
    # Recording makes many small objects; Python's cycle collector would rescan
    # them again and again (a graph of Values holds no cycles): pause it meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _trace(function, inputs, targets, params, probe2, targets2, rewrite, state, watch_reads)
    finally:
        if was_enabled:
            gc.enable()


def _trace(function: Callable, inputs: Sequence[float], targets: Sequence[float], params: Sequence[Value],
           probe2: Optional[Sequence[float]], targets2: Optional[Sequence[float]], rewrite: bool,
           state: Optional[Dict[str, Any]], watch_reads: bool = True) -> "Tape":  # fmt: skip
    inputs = [float(v) for v in inputs]
    targets = [float(v) for v in targets]
    params = list(params)
    check_parameter_numbers(params)
    first = _recorded(function, inputs, targets, params, state, watch_reads)
    nodes, outputs = compile_nodes(first, params)
    tape = Tape(nodes, outputs, len(inputs), len(targets), len(params), [r.data for r in first.roots], rewrite,
                signed=probe2 is not None)  # fmt: skip
    tape.params = params
    if probe2 is not None:
        second = [float(v) for v in probe2]
        second_targets = [float(v) for v in (targets if targets2 is None else targets2)]
        again = _recorded(function, second, second_targets, params, state, watch_reads)
        if signature(*compile_nodes(again, params)) != tape._signature:
            raise ReplayError(
                "the function runs a different program on different samples (it branches on data: "
                "an `if` on .data, Python's max()/abs() of Values, or a number taken out of a Value "
                "with float() or .data), so one recorded graph cannot be replayed on every sample. "
                "Use the graph's ops instead (relu, max_of, softplus), or the scalar engine "
                "(fit(..., batched=False))"
            )
        tape._check_against_scalar([(inputs, targets, first.roots), (second, second_targets, again.roots)], params)
    else:
        # values only: the gradients come from the same table of ops as the engine's, and a
        # scalar backward() over the whole recorded graph would cost as much as recording it
        tape._check_against_scalar([(inputs, targets, first.roots)], params, gradients=False)
    return tape


def _recorded(function: Callable, inputs: List[float], targets: List[float], params: List[Value],
              state: Optional[Dict[str, Any]], watch_reads: bool) -> Recording:  # fmt: skip
    """One watched recording, refused (`ReplayError`) when the watch saw what a replay cannot repeat."""
    recording = record(function, inputs, targets, state, watch_reads)
    reason = verdict(recording.watch, recording.x + recording.t, params)
    if reason is not None:
        raise ReplayError(reason)
    return recording


def read_numbers(values: Sequence[Value]) -> np.ndarray:
    """The ``.data`` of every Value, as one float array; `ReplayError` for a number that is not a
    Python float or int (a float32 weight: see `check_parameter_numbers`).

    >>> read_numbers([Value(1.5), Value(-2.0)]).tolist()
    [1.5, -2.0]
    """
    numbers = data_of(values)  # (passes in C, no Python loop)
    check_parameter_numbers(values, numbers)
    return np.array(numbers, dtype=float)


def check_parameter_numbers(params: Sequence[Value], numbers: Optional[Sequence[Any]] = None) -> None:
    """Refuse a parameter whose number is not a Python float (or int): the replay computes in float64.

    The scalar engine computes with whatever a parameter holds, e.g. in float32
    for ``w.data = np.float32(0.5)``; the replay's arrays are float64, so the two
    would differ. (Inputs are no problem: ``fit`` and ``predict`` read them as float64.)
    ``numbers`` are the parameters' ``.data`` when the caller has read them already.

    >>> import numpy as np
    >>> w = Value(0.5); w.data = np.float32(0.5)
    >>> try:
    ...     check_parameter_numbers([Value(1.0), w])
    ... except ReplayError as err:
    ...     print(str(err)[:57])
    params[1] holds a numpy.float32 (0.5), not a Python float
    """
    numbers = data_of(params) if numbers is None else numbers
    if set(map(type, numbers)) <= {float, int}:
        return
    for i, (p, number) in enumerate(zip(params, numbers)):
        if not isinstance(number, (float, int)):  # (np.float64 is a float: it computes as one)
            name = f" ({p.label})" if p.label else ""
            raise ReplayError(
                f"params[{i}]{name} holds a {type(number).__module__}.{type(number).__name__} ({number}), "
                "not a Python float: the scalar engine computes with it in that precision, the batched "
                "replay in float64, so the two would train differently. Convert the weights first, "
                "e.g. `for p in model.parameters(): p.data = float(p.data)`, or use fit(..., batched=False)"
            )


class Tape:
    """A recorded program: replay it forward and backward over a batch of samples.

    Made by `trace`. ``forward(X, T)`` returns one array per root (B numbers
    for a per-sample root); ``backward(seeds)`` the gradients of
    ``sum_i seeds[k] * root_k(sample i)`` with respect to the parameters,
    summed over the batch. `describe` and `draw` show the schedule.

    >>> w = Value(3.0)
    >>> tape = trace(lambda x, t: w * x[0] * x[0], [1.0], params=[w])
    >>> tape.forward([[1.0], [2.0]])[0]
    array([ 3., 12.])
    >>> tape.backward([1.0])            # d/dw of 1*w + 4*w
    array([5.])
    >>> print(tape.describe().splitlines()[-1])
    level 2: 1 '*' -> one multiply of shape (1, B)
    """

    def __init__(self, nodes: List[Node], outputs: List[int], n_inputs: int, n_targets: int,
                 n_params: int, probe_outputs: List[float], rewrite: bool = True, signed: bool = True) -> None:  # fmt: skip
        self.n_inputs, self.n_targets, self.n_params = n_inputs, n_targets, n_params
        # the program as plain data, to compare with a second recording (before the rewrites change it)
        self._signature = signature(nodes, outputs) if signed else None
        self.node_count = sum(1 for n in nodes if n.op not in LEAF_KINDS)
        layout = Schedule(nodes, outputs, n_inputs, n_targets, n_params, rewrite)
        self.groups: List[Group] = layout.groups
        self.n_rows, self.n_shared = layout.n_rows, layout.n_shared
        self.constants = layout.constants
        self.outputs = layout.outputs
        self.probe_outputs = probe_outputs
        self._values: Optional[np.ndarray] = None
        self._shared: Optional[np.ndarray] = None
        self._grads: Optional[np.ndarray] = None
        self._shared_grads: Optional[np.ndarray] = None
        self._kept = False
        # One replay at a time: its arrays are the tape's own. Hold it around a forward AND the
        # backward that reads it (`FitProgram` and `predict` do), when threads share the tape.
        self.lock = threading.RLock()

    # -------------------------------------------------------------- replay

    def _check_width(self, rows: Any, expected: int, what: str) -> np.ndarray:
        array = np.asarray(rows, dtype=float)
        if array.ndim == 1 and expected == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2 or array.shape[1] != expected:
            raise ValueError(
                f"the tape was traced with {expected} {what} per sample, so it replays a batch of shape "
                f"(B, {expected}); got shape {array.shape}"
            )
        if len(array) == 0:
            raise ValueError(f"an empty batch: no rows of {what} to replay (give at least one sample)")
        return array

    def forward(self, X: Rows, T: Optional[Rows] = None, params: Optional[Sequence[Value]] = None,
                keep: bool = True, checked: bool = False) -> List[np.ndarray]:  # fmt: skip
        """Run the program on every row of ``X`` (and ``T``); one array per root.

        ``params`` are read for their current ``.data`` (by default the ones
        given to `trace`), or are one float array of their numbers. ``keep=True`` keeps what `backward` needs
        (``keep=False`` to only predict, with less memory). ``checked=True``: X and T are
        float arrays of the right shapes already (a trainer checks its data once, not at every step).
        """
        if checked:
            with self.lock:
                return self._run(X, T, params, keep)
        X = self._check_width(X, self.n_inputs, "inputs")
        if self.n_targets:
            if T is None:
                raise ValueError(f"the tape was traced with {self.n_targets} targets per sample; pass T")
            T = self._check_width(T, self.n_targets, "targets")
            if len(T) != len(X):
                raise ValueError(f"{len(X)} rows of inputs but {len(T)} rows of targets")
        params = self.params if params is None else params
        if len(params) != self.n_params:
            raise ValueError(f"the tape was traced with {self.n_params} parameters, got {len(params)}")
        with self.lock:
            return self._run(X, T, params, keep)

    def _run(self, X: np.ndarray, T: Optional[np.ndarray], params: Any, keep: bool) -> List[np.ndarray]:
        batch = len(X)
        if self._values is None or self._values.shape[1] != batch:
            self._allocate(batch)
        values, shared = self._values, self._shared
        values[: self.n_inputs] = X.T
        if self.n_targets:
            values[self.n_inputs : self.n_inputs + self.n_targets] = T.T
        # the parameters' numbers: read from the Values, or given as one array (a FitProgram's)
        shared[: self.n_params, 0] = params if isinstance(params, np.ndarray) else read_numbers(params)
        with np.errstate(all="ignore"):  # inf and NaN flow on, as in the engine; callers check
            for group in self.groups:
                replay.forward(group, keep)
        self._kept = keep
        return [values[row].copy() if space == "B" else np.full(batch, shared[row, 0]) for space, row in self.outputs]

    def backward(self, seeds: Sequence[float], view: bool = False) -> np.ndarray:
        """Gradients of ``sum over samples of sum_k seeds[k] * root_k`` for every parameter.

        Call after ``forward(..., keep=True)`` (the last one). ``seeds[k]`` is the
        weight of root k, e.g. ``1 / B`` for a mean over the batch. A root that
        is shared by the batch (it reads parameters only, e.g. a penalty) is,
        like every root, summed over the B samples: it counts B times.
        ``view=True`` returns the tape's own array, valid until the next backward
        (a training step reads it once: no copy of every gradient per step).
        """
        if not self._kept:
            raise RuntimeError("Tape.backward() needs a forward(..., keep=True) first")
        with self.lock:
            gradients = self._backward(seeds, careful=False)
            if np.isnan(gradients.sum()):  # perhaps a 0 x inf: again, with the zero rule (see replay.py)
                gradients = self._backward(seeds, careful=True)
            return gradients if view else gradients.copy()

    def _backward(self, seeds: Sequence[float], careful: bool) -> np.ndarray:
        grads, shared_grads = self._gradient_arrays()
        grads.fill(0.0)
        shared_grads.fill(0.0)
        for (space, row), seed in zip(self.outputs, seeds):
            if seed:
                if space == "B":
                    grads[row] += seed
                else:
                    shared_grads[row] += seed * grads.shape[1]
        with np.errstate(all="ignore"):
            for group in reversed(self.groups):
                replay.backward(group, careful)
        return shared_grads[: self.n_params, 0]

    def _allocate(self, batch: int) -> None:
        """The replay's arrays for batches of this width, and the groups bound to them (for a forward)."""
        self._values = np.empty((self.n_rows, batch))
        self._shared = np.empty((self.n_shared, 1))
        self._shared[self.n_params : self.n_params + len(self.constants)] = self.constants
        self._grads = self._shared_grads = None  # made by the first backward at this width
        for group in self.groups:
            group.bind(self._values, self._shared, None, None)

    def _gradient_arrays(self) -> Tuple[np.ndarray, np.ndarray]:
        """The gradient arrays for this batch width, made and bound at the first backward."""
        if self._grads is None:
            self._grads, self._shared_grads = np.zeros_like(self._values), np.zeros_like(self._shared)
            for group in self.groups:
                group.bind(self._values, self._shared, self._grads, self._shared_grads)
        return self._grads, self._shared_grads

    def _check_against_scalar(self, probes: list, params: Sequence[Value], gradients: bool = True) -> None:
        """The replay of the probe samples must match the scalar engine, or we refuse."""
        X = [p[0] for p in probes]
        T = [p[1] for p in probes] if self.n_targets else None
        replayed = self.forward(X, T, params, keep=gradients)
        for k, (_, _, roots) in enumerate(probes):
            for j, root in enumerate(roots):
                if not close_enough(replayed[j][k], root.data):
                    raise ReplayError(
                        f"the replay gives {replayed[j][k]!r} where the scalar engine gives {root.data!r} "
                        f"(root {j}, probe sample {k}); this function cannot be replayed. "
                        "Report it as a bug, and use the scalar engine meanwhile"
                    )
        if not gradients:
            return
        saved = [p.grad for p in params]
        try:
            for p in params:
                p.grad = 0.0
            # the first root on every probe sample, and each parameter-only root once
            seeds = [1.0] + [0.0] * (len(self.outputs) - 1)
            for _, _, roots in probes:
                roots[0].backward()
            for j in range(1, len(self.outputs)):
                if self.outputs[j][0] == "S":
                    probes[0][2][j].backward()
                    seeds[j] = 1.0 / len(probes)
            scalar = np.array([p.grad for p in params])
        finally:
            for p, g in zip(params, saved):
                p.grad = g
        replay = self.backward(seeds)
        if not np.allclose(replay, scalar, rtol=1e-9, atol=1e-9 * (1.0 + np.max(np.abs(scalar), initial=0.0))):
            raise ReplayError(
                "the replayed gradients differ from the scalar engine's on the probe samples; "
                "this function cannot be replayed. Use the scalar engine (batched=False)"
            )

    # ----------------------------------------------------------- showing

    @property
    def numpy_calls(self) -> int:
        """How many groups (about one NumPy call each way) a replay runs."""
        return len(self.groups)

    def describe(self) -> str:
        """The schedule in words: one line per group, shared part first.

        >>> w = Value(0.5)
        >>> tape = trace(lambda x, t: (w * x[0]).tanh(), [1.0], params=[w])
        >>> print(tape.describe())
        2 nodes recorded -> 2 groups (about 2 NumPy calls forward, 2 backward)
        per sample (B columns):
        level 1: 1 '*' -> one multiply of shape (1, B)
        level 2: 1 'tanh' -> one tanh of shape (1, B)
        """
        lines = [
            f"{self.node_count} nodes recorded -> {len(self.groups)} groups "
            f"(about {len(self.groups)} NumPy calls forward, {len(self.groups)} backward)"
        ]
        shared = [g for g in self.groups if g.space == "S"]
        if shared:
            lines.append("once per batch (shared by every sample: parameters only):")
            lines += [g.describe() for g in shared]
        lines.append("per sample (B columns):")
        lines += [g.describe() for g in self.groups if g.space == "B"]
        return "\n".join(lines)

    def levels(self) -> List[Tuple[str, int, str, int]]:
        """The groups as ``(space, level, op, width)`` tuples, in schedule order."""
        return [(g.space, g.level, g.op if g.op != "**n" else f"**{g.exponent:g}", g.width) for g in self.groups]

    def draw(self, title: str = "", per_row: int = 12) -> Any:
        """A matplotlib figure of the schedule: one box per group, with its level, op and shape.

        Boxes run left to right in the order the replay runs them (green: once
        per batch, from parameters only; blue: one column per sample), wrapping
        after ``per_row`` levels. Needs matplotlib (the ``demos`` extra).
        """
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyBboxPatch

        by_level: Dict[tuple, List[Group]] = {}
        for g in self.groups:
            by_level.setdefault((g.space, g.level), []).append(g)
        columns = sorted(by_level, key=lambda k: (k[0] == "B", k[1]))
        tallest = max((len(v) for v in by_level.values()), default=1)
        rows = max(1, math.ceil(len(columns) / per_row))
        across = min(len(columns), per_row) or 1
        figure = Figure(figsize=(max(6.0, 1.3 * across + 0.6), 0.7 + 1.25 * tallest * rows))
        axes = figure.add_subplot(1, 1, 1)
        colours = {"S": "#cfe8cf", "B": "#cfe0f5"}
        for i, key in enumerate(columns):
            x, band = i % per_row, (i // per_row) * (tallest + 0.6)
            for y, group in enumerate(by_level[key]):
                op = group.op if group.op != "**n" else f"**{group.exponent:g}"
                if group.op == "dot" and group.matmul:
                    pairs = group.pair_slots["SB"][0].rows.shape[1]
                    shape = f"({group.width},{pairs})@({pairs},B)"
                else:
                    shape = f"({group.width}, {'B' if group.space == 'B' else '1'})"
                top = -band - y
                axes.add_patch(FancyBboxPatch((x - 0.45, top - 0.4), 0.9, 0.8, boxstyle="round,pad=0.02",
                                              facecolor=colours[group.space], edgecolor="#555555"))  # fmt: skip
                level = f"{'P' if key[0] == 'S' else ''}{key[1]}"
                axes.text(x, top + 0.22, f"level {level}", ha="center", va="center", fontsize=7, color="#444444")
                axes.text(x, top - 0.02, f"{group.width} '{op}'", ha="center", va="center", fontsize=9)
                axes.text(x, top - 0.25, shape, ha="center", va="center", fontsize=7)
        axes.set_xlim(-0.6, across - 0.4)
        axes.set_ylim(-(rows - 1) * (tallest + 0.6) - tallest + 0.45, 0.55)
        axes.axis("off")
        axes.set_title(title or f"{self.node_count} scalar nodes recorded -> {len(self.groups)} array ops, "
                       "in order (green: once per batch, parameters only; blue: one column per sample)",
                       fontsize=9)  # fmt: skip
        figure.tight_layout()
        return figure


def close_enough(a: float, b: float) -> bool:
    """Equal to 1e-9 relative (NaN equals NaN): how a replay is checked against the scalar engine."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))

