"""The training program: what `fit(..., batched=True)` and `predict` run, cached per model.

`FitProgram` traces one sample's ``[loss term, L2 penalty, outputs...]`` and
runs a training step by replay: forward, backward, gradients written where a
scalar ``backward()`` puts them, then the optimizer's step. `predict` replays
``model(x)`` on every row. Both keep their tapes in a cache keyed by the model
(`forget` drops them).

Parameters as arrays. Moving numbers between tens of thousands of `Value`s
and NumPy one attribute at a time would cost more than the replay itself, so
while a batched run goes the parameters live in one float array (their data,
and the last step's gradient): `FitProgram.begin` reads the Values once,
`FitProgram.array_step` replays a step and lets the optimizer update the array
(`Optimizer.array_step`: the same float operations, so the same bits), and
`FitProgram.end` writes data, gradients and the optimizer's state back. The
trainer calls ``end`` whenever a user could look (the end of every call, a
callback, a validation pass, an error), and ``begin`` again afterwards, so a
weight changed by hand in between is trained from where it was put.

Not visiting the Values when nothing changed. A model's weights are
`parameter.Parameter`s, whose every write is counted (`parameter.writes`).
``end`` keeps the array it wrote back with the stamp of that moment; the next
``begin`` takes the array again when the stamp has not moved since (no
Parameter written: the Values hold exactly those numbers), and `predict`
keeps the weights it read the same way. A model of plain Values (not
counted) is read at every call.

BLAS threads. NumPy's BLAS (OpenBLAS) may run a matrix product on several
threads; for the replay's small matrices one thread is faster, and on a
loaded machine much faster (bench/README.md). `one_blas_thread` sets one for
the replay's own calls and puts the user's setting back after.
"""

from __future__ import annotations

import contextlib
import math
import operator
import threading
import time
import weakref
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..engine import Value, dot
from ..losses import SAMPLE_TERMS
from ..parameter import Parameter, write_back, writes
from ..structure import changes, counts_changes, fully_tracked
from .checking import SpotCheck
from .recording import ReplayError
from .tape import Tape, close_enough, read_numbers, trace
from .watching import library_code, library_unpatched, runs_library_code_only, state_of

__all__ = ["FitProgram", "fit_program", "predict", "predict_tape", "forget", "PREDICT_CHUNK", "one_blas_thread",
           "read_numbers", "same_values", "counts_writes"]  # fmt: skip



class _OneBlasThread:
    """The state behind `one_blas_thread`: the controller, and how many blocks are inside it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.controller: Any = None
        self.looked = False
        self.inside = 0  # blocks running now, in any thread: the setting is put back when none is
        self.limiter: Any = None


_BLAS = _OneBlasThread()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with NumPy's BLAS on one thread; the user's setting is back after it.

    Blocks may nest (and run in several threads): the first one in sets one thread, the last one
    out puts the user's setting back, so a block inside another costs nothing. Without
    threadpoolctl (or a BLAS it knows), the block runs as it is.

    >>> with one_blas_thread():
    ...     _ = np.ones((3, 3)) @ np.ones((3, 3))
    """
    with _BLAS.lock:
        if not _BLAS.looked:
            _BLAS.looked = True
            try:
                from threadpoolctl import ThreadpoolController

                _BLAS.controller = ThreadpoolController()
            except Exception:  # noqa: BLE001 - not installed, or a BLAS it cannot read: leave it alone
                _BLAS.controller = None
        if _BLAS.controller is not None and _BLAS.inside == 0:
            _BLAS.limiter = _BLAS.controller.limit(limits=1, user_api="blas")
        _BLAS.inside += 1
    try:
        yield
    finally:
        with _BLAS.lock:
            _BLAS.inside -= 1
            if _BLAS.inside == 0 and _BLAS.limiter is not None:
                _BLAS.limiter.restore_original_limits()
                _BLAS.limiter = None


def _fingerprint(model: Any, params: List[Value], loss: Any = None) -> tuple:
    """What changes the program of a model besides which Values its parameters are: their
    number, activations and fusing, the plain numbers (flags, scales, the globals its code
    names) of a user's own model or loss, and the library's own model code (a patched
    method or activation). (Which Values: `_cached` compares them one by one.)"""
    layers = getattr(model, "layers", None)
    shape: tuple = ()
    if layers is not None:
        shape = tuple((n.activation, n.fused, len(n.w)) for layer in layers for n in getattr(layer, "neurons", ()))
    state = state_of({"model": model} if loss is None or isinstance(loss, str) else {"model": model, "loss": loss})
    return (len(params), shape, tuple(sorted(state.items(), key=lambda item: item[0])), library_code())


_CACHE: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()
_REFUSED = object()


def same_values(these: Sequence[Value], those: Sequence[Value]) -> bool:
    """The very same Value objects, in the same order (one pass in C).

    >>> a, b = Value(1.0), Value(1.0)
    >>> same_values([a, b], [a, b]), same_values([a, b], [b, a])
    (True, False)
    """
    return len(these) == len(those) and all(map(operator.is_, these, those))


def _cached(model: Any, key: tuple, values: Sequence[Sequence[Value]], make: Callable[[], Any]) -> Any:
    """The program cached for ``model`` under ``key``, made again unless it was made on these very
    ``values`` (lists of parameters). Comparing the Values one by one is cheaper than keying by
    their ids: a key of 66,000 ids would be hashed and compared at every call."""
    try:
        programs = _CACHE.setdefault(model, {})
    except TypeError:  # a model that cannot be weakly referenced: no cache
        return make()
    entry = programs.get(key)
    if entry is None or not all(map(same_values, values, entry[0])):
        if entry is None and len(programs) > 16:  # e.g. many batch widths or losses: keep the newest
            programs.pop(next(iter(programs)))
        entry = programs[key] = ([list(v) for v in values], make())
    return entry[1]


def forget(model: Any) -> None:
    """Drop the tapes cached for ``model`` (after changing its structure in place).

    >>> forget(object())
    """
    try:
        _CACHE.pop(model, None)
        _KEPT.pop(model, None)
    except TypeError:
        pass


def _distinct_row(X: np.ndarray, Y: Optional[np.ndarray] = None) -> int:
    """A second probe sample: one whose target differs from sample 0's, else whose input does."""
    if Y is not None:
        differ = np.nonzero(np.any(Y.reshape(len(Y), -1) != Y.reshape(len(Y), -1)[0], axis=1))[0]
        if differ.size:
            return int(differ[0])
    differ = np.nonzero(np.any(X != X[0], axis=1))[0]
    return int(differ[0]) if differ.size else len(X) - 1


def predict_tape(model: Any, X: np.ndarray) -> Optional[Tape]:
    """The cached tape of ``model(x)`` for rows of X's width, or None if it cannot replay.

    The library's own MLP built of tracked parts (`structure`) gets its last tape back
    while nothing in any such model changed (`structure.changes`): no listing and
    comparing of its parameters at every call.
    """
    width = X.shape[1]
    stamp = changes()  # (read before the look-up: a change during it makes the kept tape stale, not wrong)
    kept = _kept(model, ("predict", width))
    if kept is not None and kept[0] == stamp and library_unpatched():
        return kept[1]
    params = list(model.parameters())
    key = ("predict", X.shape[1], _fingerprint(model, params))

    model_ref = _weak(model)

    def make() -> Any:
        try:
            return trace(lambda x, t: model_ref()(x), X[0].tolist(), params=params, state={"model": model},
                         watch_reads=not runs_library_code_only(model, "predict"))  # fmt: skip
        except Exception:  # noqa: BLE001 - any model that cannot be replayed: the scalar engine
            return _REFUSED  # predicts (and raises its own error, if there is one)

    tape = _cached(model, key, [params], make)
    if tape is _REFUSED:
        return None
    if runs_library_code_only(model, "predict") and fully_tracked(model):
        _keep(model, ("predict", width), (stamp, tape))
    return tape


# For the library's MLP built of tracked parts (`structure`): the last predict tape and fit
# program by (kind, width, ...), with the changes() stamp they were found at
_KEPT: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()


def _kept(model: Any, key: tuple) -> Optional[tuple]:
    try:
        entries = _KEPT.get(model)
    except TypeError:  # a model that cannot be weakly referenced
        return None
    return None if entries is None else entries.get(key)


def _keep(model: Any, key: tuple, entry: tuple) -> None:
    try:
        _KEPT.setdefault(model, {})[key] = entry
    except TypeError:
        pass


PREDICT_CHUNK = 2_000_000  # numbers per replay array (16 MB), so a big grid needs no big memory


def predict(model: Any, X: Any) -> Optional[np.ndarray]:
    """``model``'s outputs on every row of X by replay, or None where the scalar engine must do it.

    None for an empty X, a non-finite input or output (the scalar engine then
    says what is wrong) or a model that cannot be replayed. Used by
    `micrograd_mlp.predict`.

    >>> from micrograd_mlp import MLP
    >>> predict(MLP(2, [4, 1], seed=0), np.zeros((3, 2))).shape
    (3,)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or len(X) == 0 or not hasattr(model, "parameters") or not np.all(np.isfinite(X)):
        return None
    if getattr(model, "nin", X.shape[1]) != X.shape[1]:
        return None  # the model's own check names the mismatch
    tape = predict_tape(model, X)
    if tape is None:
        return None
    started = time.perf_counter()
    chunk = max(1, PREDICT_CHUNK // max(tape.n_rows, 1))
    parts = []
    try:
        numbers = _weights_of(tape)  # the weights read once, for every chunk
    except ReplayError:  # a float32 weight: the scalar engine computes as the user asked
        return None
    with one_blas_thread(), tape.lock:  # (the tape's arrays are shared by every caller of this model)
        for start in range(0, len(X), chunk):
            rows = X[start : start + chunk]
            parts.append(np.stack(tape.forward(rows, None, numbers, keep=False), axis=1))
    outputs = np.concatenate(parts)
    if not np.all(np.isfinite(outputs)):
        return None
    if not _spot_checked(tape, model, X, outputs, time.perf_counter() - started):
        forget(model)  # recorded again at the next call; this one the scalar engine answers
        return None
    return outputs[:, 0] if outputs.shape[1] == 1 else outputs


def _weights_of(tape: Tape) -> np.ndarray:
    """The numbers of the tape's parameters: kept from the last call when no Parameter was written since."""
    stamp = writes()  # (before reading: a write during the read makes the copy stale, not right)
    kept = getattr(tape, "weights", None)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    numbers = read_numbers(tape.params)
    if counts_writes(tape.params):
        tape.weights = (stamp, numbers)
    return numbers


def counts_writes(params: Sequence[Value]) -> bool:
    """Is every change of these Values' numbers counted (`parameter.writes`)? True for Parameters.

    >>> from micrograd_mlp.parameter import Parameter
    >>> counts_writes([Parameter(1.0)]), counts_writes([Parameter(1.0), Value(2.0)])
    (True, False)
    """
    return set(map(type, params)) == {Parameter}


def _spot_checked(tape: Tape, model: Any, X: np.ndarray, outputs: np.ndarray, seconds: float) -> bool:
    """The predict tape's spot check (see checking.py); False when the replay no longer matches."""
    check = getattr(tape, "spot_check", None)
    if check is None:
        model_ref = _weak(model)

        def outputs_of(x: List[Value], t: List[Value]) -> List[Value]:
            out = model_ref()(x)
            return out if isinstance(out, list) else [out]

        check = tape.spot_check = SpotCheck(outputs_of, first_cost=1e-6 * tape.node_count)
    check.earn(seconds)
    if check.due():
        i = check.turn % len(X)
        try:
            check.check(X[i].tolist(), [], outputs[i].tolist())
        except ReplayError:
            return False
    return True


class FitProgram:
    """One training step of ``fit(..., batched=True)``: loss, outputs and gradients by replay.

    The traced function is ``[loss term of one sample, L2 penalty, outputs...]``:
    the term's mean over the batch plus the penalty (parameter-only, so run
    once) is the loss; the penalty's gradient is added once per step.

    >>> from micrograd_mlp import MLP, SGD
    >>> model = MLP(1, [2, 1], seed=0)
    >>> program = FitProgram(model, "mse", 0.0, model.parameters(), np.array([[1.0], [2.0]]), np.array([0.0, 1.0]))
    >>> loss, outputs = program.step(np.array([[1.0], [2.0]]), np.array([0.0, 1.0]), SGD(model.parameters(), lr=0.1))
    >>> outputs.shape
    (2,)
    """

    def __init__(self, model: Any, loss: Union[str, Callable], l2: float, opt_params: Sequence[Value],
                 X: np.ndarray, Y: np.ndarray) -> None:  # fmt: skip
        # (no reference to the model or a custom loss: the cache holds this program as long as
        # the model lives, and a program holding its model would keep it alive for ever)
        self.l2 = float(l2)
        model_ref = _weak(model)
        model_params = list(model.parameters())
        known = {id(p) for p in model_params}
        self.opt_params = list(opt_params)
        self.params = model_params + [p for p in self.opt_params if id(p) not in known]
        self.all_in_optimizer = {id(p) for p in self.params} == {id(p) for p in self.opt_params}
        self.classes = 0
        if loss == "cross_entropy":
            self.classes = int(model.nouts[-1]) if hasattr(model, "nouts") else int(np.max(Y)) + 1
            Y = np.asarray(Y).astype(int)
        targets = self.encode(Y)
        if callable(loss):
            term = _custom_term(_weak(loss))
        elif loss in SAMPLE_TERMS:
            term = SAMPLE_TERMS[loss]
        else:
            raise ReplayError(f"no replayable per-sample term for loss {loss!r}; choose one of {sorted(SAMPLE_TERMS)}")
        alpha = self.l2
        l2_params = self.opt_params

        def per_sample(x: List[Value], t: List[Value]) -> List[Value]:
            outputs = model_ref()(x)
            outputs = outputs if isinstance(outputs, list) else [outputs]
            loss_term = term(outputs, t)
            if not isinstance(loss_term, Value):
                raise ReplayError(f"the loss returned {loss_term!r:.60}, not a Value")
            roots = [loss_term]
            if alpha:
                # alpha * sum(p * p): parameter-only, so the replay runs it once per step. As ONE
                # dot node (same value, same order of additions, same gradient 2p): 2n nodes
                # to record and schedule would make the first call grow with the parameters twice.
                roots.append(alpha * dot(l2_params, l2_params))
            return roots + outputs

        started = time.perf_counter()
        state = {"model": model} if isinstance(loss, str) else {"model": model, "loss": loss}
        self.tape = trace(per_sample, X[0].tolist(), targets[0].tolist(), self.params, state=state,
                          watch_reads=not runs_library_code_only(model, loss))  # fmt: skip
        # (a first guess at a check's cost, a forward pass without graph: a fifth of the recording)
        self.spot_check = SpotCheck(per_sample, (time.perf_counter() - started) / 5)
        if callable(loss):
            second = _distinct_row(X, targets)
            _check_mean(loss, model, X[[0, second]], Y[[0, second]])
        self.n_outputs = len(self.tape.outputs) - (2 if alpha else 1)
        # the parameters as arrays while a run goes (see the module's docstring); None between runs
        self.data: Optional[np.ndarray] = None
        self.grad: Optional[np.ndarray] = None
        self.state: Any = None
        self.counts_writes = counts_writes(self.params)
        self.written_back: Optional[Tuple[int, np.ndarray]] = None
        self.matched: Optional[tuple] = None  # (changes() stamp, an optimizer's params found equal to ours)

    @property
    def live(self) -> bool:
        """Are the parameters held as arrays now (the Values behind until `end`)?"""
        return self.data is not None

    def begin(self, optimizer: Any) -> bool:
        """Read the parameters into arrays for `array_step`; False if ``optimizer`` must step the Values.

        An optimizer takes the array path when it has an array update and
        updates exactly this program's parameters, in the same order.
        """
        params = optimizer.params
        if not getattr(optimizer, "works_on_arrays", False):
            return False
        stamp, matched = changes(), self.matched  # (the list found equal last time, unchanged since: no pass)
        if not (matched is not None and matched[1] is params and matched[0] == stamp):
            if not (len(params) == len(self.params) and all(map(operator.is_, params, self.params))):
                return False
            self.matched = (stamp, params) if counts_changes(params) else None
        stamp = writes()
        if self.written_back is not None and self.written_back[0] == stamp:
            data = self.written_back[1]  # no Parameter was written since `end`: the Values hold these numbers
        else:
            data = read_numbers(self.params)
        self.data, self.grad, self.state = data, None, optimizer.state_arrays()
        return True

    def array_step(self, X: np.ndarray, Y: np.ndarray, optimizer: Any,
                   targets: Optional[np.ndarray] = None) -> Optional[Tuple[float, np.ndarray]]:  # fmt: skip
        """`step` on the arrays (after `begin`); None, with nothing changed, if a number is not finite.

        ``targets`` are ``encode(Y)`` when the caller has them already (a trainer encodes once).
        """
        with self.tape.lock:  # forward and backward on the tape's arrays, as one
            return self._array_step(X, Y, optimizer, targets)

    def _array_step(self, X: np.ndarray, Y: np.ndarray, optimizer: Any,
                    targets: Optional[np.ndarray]) -> Optional[Tuple[float, np.ndarray]]:  # fmt: skip
        started = time.perf_counter()
        batch = len(X)
        checked = targets is not None  # a trainer's encoded targets: it checked X and Y once, for every step
        targets = self.encode(Y) if targets is None else targets
        results = self.tape.forward(X, targets, self.data, keep=True, checked=checked)
        data_loss = float(np.sum(results[0])) * (1.0 / batch)
        total = data_loss + (float(results[1][0]) if self.l2 else 0.0)
        seeds = [1.0 / batch] + ([1.0 / batch] if self.l2 else []) + [0.0] * self.n_outputs
        grads = self.tape.backward(seeds, view=True)  # (kept as self.grad until `end` or the next step)
        if not math.isfinite(total):
            return None
        if self.spot_check.due():  # before the optimizer moves a weight (see checking.py)
            self._check_one(X, targets, results)
        stepped = optimizer.array_step(self.data, grads, self.state)  # None for a non-finite gradient or weight
        if stepped is None:
            return None
        self.data, self.state = stepped
        self.grad = grads
        self.spot_check.earn(time.perf_counter() - started)
        outputs = results[len(results) - self.n_outputs :]
        scores = outputs[0] if self.n_outputs == 1 else np.stack(outputs, axis=1)
        return data_loss, scores

    def _check_one(self, X: np.ndarray, targets: np.ndarray, results: List[np.ndarray]) -> None:
        """The spot check on the next sample in turn: the scalar engine against this replay."""
        i = self.spot_check.turn % len(X)
        # (the scalar engine reads the Values: they get the numbers this replay used, and the
        # write counts in the check's cost)
        prepare = (lambda: write_back(self.params, self.data.tolist())) if self.live else None
        self.spot_check.check(X[i].tolist(), targets[i].tolist(), [float(r[i]) for r in results], prepare)

    def mean_loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The mean data loss on these samples by replay, with the weights as they are (nothing changes)."""
        results = self.tape.forward(X, self.encode(Y), self.data if self.live else self.params, keep=False)
        return float(np.sum(results[0])) * (1.0 / len(X))

    def end(self, optimizer: Any) -> None:
        """Write the arrays back: each Value's data and last gradient, the optimizer's state."""
        if self.data is None:
            return
        if self.grad is None:
            write_back(self.params, self.data.tolist())
        else:
            write_back(self.params, self.data.tolist(), self.grad.tolist())
        optimizer.keep_state_arrays(self.state)
        # what the Values hold now, and the write stamp they hold it at (Parameters only: see `begin`)
        self.written_back = (writes(), self.data) if self.counts_writes else None
        self.data = self.grad = self.state = None

    def encode(self, Y: Any) -> np.ndarray:
        """Targets as one row of numbers per sample (class indices as one-hot rows)."""
        Y = np.asarray(Y)
        if self.classes:
            return np.eye(self.classes)[Y.astype(int).reshape(-1)]
        Y = Y.astype(float)
        return Y.reshape(len(Y), -1)

    def step(self, X: np.ndarray, Y: np.ndarray, optimizer: Any) -> Optional[Tuple[float, np.ndarray]]:
        """Forward, backward, update; None (nothing changed) if a number is not finite."""
        with self.tape.lock:
            return self._step(X, Y, optimizer)

    def _step(self, X: np.ndarray, Y: np.ndarray, optimizer: Any) -> Optional[Tuple[float, np.ndarray]]:
        started = time.perf_counter()
        batch = len(X)
        targets = self.encode(Y)
        results = self.tape.forward(X, targets, self.params, keep=True)
        terms = results[0]
        data_loss = float(np.sum(terms)) * (1.0 / batch)
        total = data_loss + (float(results[1][0]) if self.l2 else 0.0)
        # the mean of the per-sample terms, and the penalty once (a root is summed over the batch)
        seeds = [1.0 / batch] + ([1.0 / batch] if self.l2 else []) + [0.0] * self.n_outputs
        grads = self.tape.backward(seeds)
        if not (math.isfinite(total) and np.all(np.isfinite(grads))):
            return None  # let the scalar engine redo this batch and say what went wrong
        # where zero_grad() then backward() put them: the optimizer's parameters get their
        # gradient, any other parameter (not zeroed by the optimizer) accumulates it
        if self.all_in_optimizer:
            for p, g in zip(self.params, grads.tolist()):
                p.grad = g  # (a plain loop: one attribute store per parameter is the floor here)
        else:
            optimizer.zero_grad()
            for p, g in zip(self.params, grads.tolist()):
                p.grad += g
        if self.spot_check.due():  # before the optimizer moves a weight (see checking.py)
            self._check_one(X, targets, results)
        optimizer.step()
        self.spot_check.earn(time.perf_counter() - started)
        outputs = results[len(results) - self.n_outputs :]
        scores = outputs[0] if self.n_outputs == 1 else np.stack(outputs, axis=1)
        return data_loss, scores


def _weak(thing: Any) -> Callable[[], Any]:
    """A weak reference to ``thing`` (a strong one for what cannot be weakly referenced)."""
    try:
        return weakref.ref(thing)
    except TypeError:
        return lambda: thing


def _custom_term(loss_ref: Callable[[], Callable]) -> Callable:
    """A custom loss's per-sample term: the loss of a batch of one sample."""

    def term(outputs: List[Value], targets: List[Value]) -> Value:
        result = loss_ref()([outputs[0] if len(outputs) == 1 else outputs], [targets[0] if len(targets) == 1 else targets])
        if not isinstance(result, Value):
            raise ReplayError(f"the loss function returned {result!r:.60}, not a Value")
        return result

    return term


def _check_mean(loss: Callable, model: Any, X: np.ndarray, Y: np.ndarray) -> None:
    """batched=True takes a custom loss to be the mean of its per-sample values: check it."""
    from ..engine import no_grad

    with no_grad():
        outputs = [model(row) for row in X.tolist()]
        targets = Y.tolist()
        both = loss(outputs, targets)
        each = [loss([o], [t]) for o, t in zip(outputs, targets)]
    values = [v.data if isinstance(v, Value) else float(v) for v in [both, *each]]
    if not close_enough(values[0], (values[1] + values[2]) / 2):
        raise ReplayError(
            f"fit(..., batched=True) needs a loss that is the mean over samples of a per-sample loss; "
            f"this one gives {values[0]!r} for two samples whose own losses are {values[1]!r} and "
            f"{values[2]!r}. Divide the sum by the number of samples, or use batched=False"
        )


def fit_program(model: Any, loss: Union[str, Callable], l2: float, optimizer: Any,
                X: np.ndarray, Y: np.ndarray, params: Optional[List[Value]] = None) -> FitProgram:  # fmt: skip
    """The cached `FitProgram` of (model, loss, L2 on/off, optimizer's parameters).

    ``params`` is ``model.parameters()`` when the caller has it already.
    """
    stamp = changes()  # (read first: a change during the look-up makes the kept program stale, not wrong)
    named = ("fit", loss, float(l2), X.shape[1]) if isinstance(loss, str) else None
    kept = _kept(model, named) if named else None
    if kept is not None and kept[0] == stamp and kept[1] is optimizer.params and library_unpatched():
        return kept[2]  # nothing in the model or in the optimizer's list changed since it was found
    params = model.parameters() if params is None else params
    # a custom loss by weak reference: equal while it lives, and a new function that happens
    # to get a dead one's id() is a different key (a dead weak reference equals only itself)
    try:
        loss_key: Any = loss if isinstance(loss, str) else weakref.ref(loss)
    except TypeError:
        loss_key = loss
    key = ("fit", loss_key, float(l2), X.shape[1], len(optimizer.params), _fingerprint(model, params, loss))
    program = _cached(model, key, [params, optimizer.params],
                      lambda: FitProgram(model, loss, l2, optimizer.params, X, Y))  # fmt: skip
    if named and counts_changes(optimizer.params) and runs_library_code_only(model, loss) and fully_tracked(model):
        _keep(model, named, (stamp, optimizer.params, program))
    return program
