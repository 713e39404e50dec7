"""The incremental trainer: one optimizer step, or one epoch, at a time.

A `Trainer` checks the model, the data and every setting once, when it is
made; then each `Trainer.step` is one update on the next batch (the slides'
recipe: outputs, loss, ``backward()``, ``optimizer.step()``) and each
`Trainer.epoch` one pass over the data, recorded in ``trainer.history``.
`micrograd_mlp.fit` is a loop over ``trainer.epoch()``; a live view (the
playground, a notebook widget, a demo drawing frames) keeps one Trainer and
calls ``epoch()`` per frame instead of calling ``fit(..., epochs=1)`` again.

>>> from micrograd_mlp import MLP
>>> from micrograd_mlp.data import make_moons
>>> X, y = make_moons(40, seed=0)
>>> trainer = Trainer(MLP(2, [8, 1], seed=0), X, y, loss="hinge", lr=0.1, seed=0)
>>> first = trainer.epoch()                 # one pass over the 40 samples
>>> sorted(first)
['accuracy', 'epoch', 'loss', 'lr']
>>> loss = trainer.step()                   # one update on the next sample
>>> trainer.history.epochs, trainer.steps_done
(1, 41)
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from ..batched.program import fit_program, one_blas_thread
from ..engine import NonFiniteError, Value, no_grad
from ..optim import SGD, Optimizer
from .arguments import check_batch_size, check_flag, check_model, check_optimizer, check_rate, check_seed, check_val
from .evaluation import mean_loss, numbers_of, right_fraction
from .objective import LossFunction, Objective, check_output_matches_loss

__all__ = ["Trainer", "History", "TrainingDiverged", "LossExploding", "EXPLODING_FACTOR"]

# The learning rate of the default optimizer, SGD (the default of `fit` and `Trainer`).
DEFAULT_LR = 0.01
# How many times its first value the loss may grow before `LossExploding` is warned.
EXPLODING_FACTOR = 1000.0
# The first value: the loss before the first step on this many samples (or all, if fewer).
FIRST_LOSS_SAMPLES = 32


@dataclass
class History:
    """Per-epoch training record, returned by `fit` (and kept by a `Trainer`).

    ``loss[e]`` is the mean data loss (without the L2 term) over the samples
    of epoch ``e``, each measured when it was trained on, as Keras reports it;
    ``accuracy[e]`` likewise, for classification losses only (with
    ``cross_entropy``, the class is the argmax of the k outputs). With
    ``val=(X_val, y_val)``, ``val_loss``/``val_accuracy`` are measured after
    the epoch. ``lr[e]`` is the learning rate of the epoch's last step.
    ``stopped_early`` says whether early stopping (``patience``/``tol`` of
    `fit`) ended training before ``epochs``.

    >>> history = History(loss=[0.5, 0.25], accuracy=[0.75, 1.0])
    >>> history
    History(2 epochs, last: loss=0.25, accuracy=1)
    """

    loss: List[float] = field(default_factory=list)
    accuracy: List[float] = field(default_factory=list)
    val_loss: List[float] = field(default_factory=list)
    val_accuracy: List[float] = field(default_factory=list)
    lr: List[float] = field(default_factory=list)
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        """How many epochs were recorded."""
        return len(self.loss)

    def summary(self) -> str:
        """The last epoch's numbers, e.g. ``"loss=0.0123, accuracy=0.98"``."""
        parts = []
        for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}={values[-1]:.4g}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs)"
        return f"History({self.epochs} epochs, last: {self.summary()})"


def lr_hint(lr: Optional[float]) -> str:
    """What to try when training blows up at learning rate ``lr``."""
    if lr is None:
        return "A smaller learning rate usually helps."
    if lr > 0:
        return f"The learning rate is probably too large (lr={lr:.3g} in this step): try {lr / 10:.3g} or smaller."
    return "Check the inputs and the loss function."


class TrainingDiverged(FloatingPointError, OverflowError):
    """Training blew up: a loss, an output, a gradient or a weight became NaN or infinite.

    `fit` (and `Trainer`) raise it right after the step where that happened,
    instead of carrying on with NaN weights. ``epoch`` (from 0) and ``step``
    (from 1, within the epoch) say where (the message counts epochs from 1), ``node`` is the first non-finite node
    of the step's graph (`Value.check_finite`) or the parameter that became
    non-finite, ``lr`` the learning rate of that step. The model keeps the
    weights it had before that step. A `FloatingPointError` (and an
    `OverflowError`), so code catching those still catches it.

    >>> from micrograd_mlp import MLP, fit
    >>> from micrograd_mlp.data import make_moons
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:   # LossExploding comes first
    ...     try:
    ...         fit(MLP(2, [8, 1], seed=0), *make_moons(40, seed=0), loss="hinge", lr=1e6, seed=0, verbose=False)
    ...     except TrainingDiverged as err:
    ...         print(err.epoch, err.step, f"{err.lr:g}")
    3 37 1e+06
    """

    def __init__(self, reason: str, node: Optional[Value] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.node = node
        self.epoch: Optional[int] = None
        self.step: Optional[int] = None
        self.steps: Optional[int] = None
        self.lr: Optional[float] = None

    def __str__(self) -> str:
        where = "training diverged"
        if self.epoch is not None:
            # .epoch counts from 0 (an index into History); people count from 1
            where += f" in epoch {self.epoch + 1}, step {self.step} of {self.steps}"
        return f"{where}: {self.reason}. {lr_hint(self.lr)}"


class LossExploding(UserWarning):
    """Warned once per run when an epoch's loss grows past 1,000 times its first value.

    The first value is the loss before training, measured on the first batch
    (at least 32 samples, or all there are). The weights are still finite
    (else `TrainingDiverged` is raised), but training is going the wrong way,
    almost always because the learning rate is too large. ``epoch`` (from 0,
    as `TrainingDiverged`'s; the message counts from 1, as people do),
    ``loss``, ``first_loss`` and ``lr`` say what was seen. A `Trainer` also
    keeps it in ``trainer.warnings`` (for a page to show).

    >>> print(LossExploding(epoch=2, loss=5e4, first_loss=0.7, lr=1e6))
    the loss rose to 5e+04 in epoch 3, more than 1,000 times its first value (0.7, before training): the learning rate is probably too large (lr=1e+06): try lr=1e+05 or smaller
    """

    def __init__(self, epoch: int, loss: float, first_loss: float, lr: float) -> None:
        advice = (f"the learning rate is probably too large (lr={lr:.3g}): try lr={lr / 10:.3g} or smaller"
                  if lr > 0 else "check the inputs, the targets and the loss function")  # fmt: skip
        super().__init__(
            f"the loss rose to {loss:.3g} in epoch {epoch + 1}, more than {EXPLODING_FACTOR:,.0f} times its "
            f"first value ({first_loss:.3g}, before training): {advice}"
        )
        self.epoch, self.loss, self.first_loss, self.lr = epoch, loss, first_loss, lr


def _diverged(reason: str, roots: List[Value]) -> TrainingDiverged:
    """A TrainingDiverged naming the first non-finite node below ``roots`` (walked only now)."""
    for root in roots:
        try:
            root.check_finite()
        except NonFiniteError as found:
            return TrainingDiverged(f"{reason}; first non-finite node: {found}", found.node)
    return TrainingDiverged(reason)


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a graph is built (and put its state back after).

    A graph of Values holds no reference cycles (nodes keep no closures), so
    reference counting alone frees it; the cycle collector would instead
    rescan the many fresh nodes of a full batch again and again while they
    are made (see bench/README.md for what that costs).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scalar_step(model: Any, rows: list, targets: list, objective: Objective,
                optimizer: Optimizer) -> Tuple[float, np.ndarray]:  # fmt: skip
    """One optimizer step on a batch with the scalar engine: forward, loss, backward, update.

    Returns plain numbers (the batch loss and the outputs), so the batch's graph
    is freed as soon as this returns, before the next one is built. Raises
    `TrainingDiverged` (without epoch and step: the `Trainer` adds them) when
    the loss, an output, a gradient or an updated weight is NaN or infinite;
    the weights are then as before the step. The checks read only the loss,
    the outputs and the parameters; the graph is walked only once something
    is wrong.
    """
    with cycle_collector_paused():
        outputs = [model(row) for row in rows]
        data_loss = objective.batch_loss(outputs, targets)
        total = objective.total(data_loss, optimizer.params)
        optimizer.zero_grad()
        total.backward()
        scores = numbers_of(outputs)
        # An infinite output can leave a finite loss with a zero gradient
        # (hinge: relu(1 - y * inf) = 0); inf - inf in a loss is NaN.
        if not np.all(np.isfinite(scores)):
            bad = float(scores[~np.isfinite(scores)].flat[0])
            raise _diverged(f"an output is {bad!r}", _flat(outputs))
        if not math.isfinite(total.data):
            raise _diverged(f"the loss is {total.data!r}", [total])
        before = [p.data for p in optimizer.params]
        try:
            optimizer.step()  # refuses a non-finite gradient before changing any weight
        except FloatingPointError as refused:
            raise _diverged("a gradient is not finite", [total]) from refused
        # (a sum is inf or NaN when a term is, and runs in C; an overflowing sum
        # of finite weights is checked one by one before anything is said)
        if not math.isfinite(sum([p.data for p in optimizer.params])) and not all(
            math.isfinite(p.data) for p in optimizer.params
        ):
            p, old = next((p, old) for p, old in zip(optimizer.params, before) if not math.isfinite(p.data))
            new = p.data
            for q, kept in zip(optimizer.params, before):
                q.data = kept
            raise TrainingDiverged(
                f"parameter {p.label or repr(p)} would become {new!r} (from {old!r}, "
                f"gradient {p.grad!r}); the weights are kept as before this step",
                p,
            )
        return data_loss.data, scores


def _flat(outputs: List[Any]) -> List[Value]:
    return [o for out in outputs for o in (out if isinstance(out, list) else [out]) if isinstance(o, Value)]


def _stacklevel_outside_this_package() -> int:
    """The ``stacklevel`` of the first caller outside micrograd_mlp.train, for a warning."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


class Trainer:
    """Train ``model`` on ``(X, y)`` one step or one epoch at a time.

    The arguments are `fit`'s (without ``epochs``, ``callback``, ``verbose``
    and early stopping, which belong to the loop around it), all checked here,
    before any weight changes. Then:

    * ``step()``: one optimizer step on the next batch; returns its loss.
    * ``epoch(seed=None)``: the rest of the epoch under way (a whole one when
      none is); returns the epoch's numbers, e.g. ``{"epoch": 0, "loss": ...,
      "accuracy": ..., "lr": ...}`` (and ``val_loss``/``val_accuracy`` with
      ``val``), the same numbers ``history`` appends. ``seed`` shuffles this
      epoch with ``np.random.RandomState(seed)`` instead of the trainer's own
      generator (what ``fit(..., seed=seed, epochs=1)`` would do).
    * ``history``: the `History` so far; ``warnings``: the `LossExploding`
      warnings raised so far (at most one), e.g. for a page to show;
      ``steps_done``: the optimizer steps taken.

    The model, the optimizer (its state: momentum, Adam's moments, the step
    count of a schedule) and the data stay the same from call to call; to
    change the data, the loss, ``l2`` or ``batch_size``, make a new Trainer on
    the same model and optimizer. Weights changed by hand between calls are
    trained on from where they were put.

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [4, 1], seed=0)
    >>> trainer = Trainer(model, [[0.0], [0.5], [1.0]], [0.0, 0.25, 1.0], lr=0.1, shuffle=False)
    >>> [round(trainer.epoch()["loss"], 4) for _ in range(3)]
    [0.3662, 0.1888, 0.1386]
    >>> trainer
    Trainer(3 epochs, 9 steps, last: loss=0.1386)
    """

    def __init__(
        self,
        model: Any,
        X: Any,
        y: Any,
        loss: Union[str, LossFunction] = "mse",
        optimizer: Optional[Optimizer] = None,
        *,
        lr: float = DEFAULT_LR,
        batch_size: Optional[int] = 1,
        shuffle: bool = True,
        seed: Optional[int] = None,
        l2: float = 0.0,
        val: Optional[Tuple[Any, Any]] = None,
        batched: bool = False,
    ) -> None:
        params = check_model(model)
        self.objective = objective = Objective(model, loss, l2)
        check_output_matches_loss(model, loss)
        self.X, self.y = objective.prepare(X, y)
        val = check_val(val)
        self.val = objective.prepare(*val, what="val X") if val is not None else None
        self.batch_size = check_batch_size(batch_size, len(self.X))
        self.shuffle = check_flag("shuffle", shuffle)
        seed = check_seed(seed)
        batched = check_flag("batched", batched)
        lr = check_rate(lr, "lr")
        if optimizer is None:
            optimizer = SGD(params, lr=lr)
        else:
            check_optimizer(optimizer, params)
            if lr != DEFAULT_LR:  # a rate that would silently not be used
                raise ValueError(
                    f"lr={lr:g} would not be used: the optimizer given has its own learning rate; set it there "
                    f"(e.g. {type(optimizer).__name__}(model.parameters(), lr={lr:g})) or leave optimizer out"
                )
        self.model, self.optimizer = model, optimizer
        self._targets_encoded: Optional[np.ndarray] = None  # y as the replay's target rows (made when first needed)
        # the recorded program (cached per model, loss and L2 on/off), or None for the scalar engine
        self.program = fit_program(model, loss, objective.l2, optimizer, self.X, self.y, params) if batched else None
        # (seeding a generator from the OS costs about 1 ms: only when it is used; seed=None
        # draws from NumPy's global generator, as random as a fresh one)
        self._order_rng: Any = (np.random.RandomState(seed) if seed is not None else np.random) if self.shuffle else None
        self.history = History()
        self.warnings: List[LossExploding] = []
        self.steps_done = 0
        # the epoch under way: its order (None: in order), whether one is under way, how far, its sums
        self._order: Optional[np.ndarray] = None
        self._in_epoch = False
        self._position = 0
        self._loss_sum, self._correct, self._lr = 0.0, 0, optimizer.current_lr()
        self.first_loss: Optional[float] = None  # the loss before training (see LossExploding)

    def __repr__(self) -> str:
        done = f"{self.history.epochs} epochs, {self.steps_done} steps"
        return f"Trainer({done}, last: {self.history.summary()})" if self.history.epochs else f"Trainer({done})"

    @property
    def samples(self) -> int:
        """How many training samples one epoch visits."""
        return len(self.X)

    def _start_epoch(self, seed: Optional[int]) -> None:
        n = len(self.X)
        if seed is not None:
            order = np.random.RandomState(check_seed(seed)).permutation(n)
        else:
            order = self._order_rng.permutation(n) if self.shuffle else None
        self._order, self._in_epoch = order, True
        self._position, self._loss_sum, self._correct = 0, 0.0, 0

    def _batch(self, start: int, stop: int) -> Any:
        """Rows start..stop of this epoch's order: a slice (a view of X, no copy) when in order."""
        return slice(start, stop) if self._order is None else self._order[start:stop]

    def step(self) -> float:
        """One optimizer step on the next batch; its mean data loss (without the L2 term).

        Raises `TrainingDiverged` when a number becomes NaN or infinite (the
        weights are then those of before this step).
        """
        try:
            with one_blas_thread():
                return self._step()
        finally:
            self.sync()

    def sync(self) -> None:
        """Bring the model's Values (data and grad) and the optimizer's state up to date.

        A batched run holds the parameters as arrays between steps; `step` and
        `epoch` call this before they return, so there is no need to call it
        unless ``epoch(sync=False)`` was used.
        """
        if self.program is not None:
            self.program.end(self.optimizer)

    def _step(self) -> float:
        if not self._in_epoch:
            self._start_epoch(None)
        n, size = len(self.X), self.batch_size
        start = self._position
        stop = min(start + size, n)
        batch = self._batch(start, stop)
        optimizer = self.optimizer
        lr_used = optimizer.current_lr()
        if self.first_loss is None and stop - start < min(n, FIRST_LOSS_SAMPLES):
            self.first_loss = self._loss_before_training(self._batch(start, start + FIRST_LOSS_SAMPLES))
        program = self.program
        X, y = self.X[batch], self.y[batch]
        try:
            result = None
            if program is not None:
                if program.live or program.begin(optimizer):  # the parameters as arrays
                    if self._targets_encoded is None:  # once per Trainer, not once per step
                        self._targets_encoded = program.encode(self.y)
                    result = program.array_step(X, y, optimizer, self._targets_encoded[batch])
                    if result is None:
                        program.end(optimizer)  # the Values as before this step, for the scalar engine
                else:
                    result = program.step(X, y, optimizer)
            if result is None:  # scalar engine (or a replay that met inf/NaN: let the engine explain)
                result = scalar_step(self.model, X.tolist(), y.tolist(), self.objective, optimizer)
            batch_loss, scores = result
        except (OverflowError, FloatingPointError) as err:
            # One error for every way of blowing up, saying where in training.
            diverged = err if isinstance(err, TrainingDiverged) else TrainingDiverged(str(err))
            diverged.epoch, diverged.step, diverged.steps = self.history.epochs, start // size + 1, -(-n // size)
            diverged.lr = lr_used
            if diverged is err:
                raise
            raise diverged from err
        self.steps_done += 1
        if self.first_loss is None:  # this batch is large enough: its loss was taken before the update
            self.first_loss = batch_loss
        self._loss_sum += batch_loss * (stop - start)
        if self.objective.classifies:
            self._correct += self.objective.correct(scores, y)
        self._lr = lr_used
        self._position = stop
        if self._position >= n:
            self._finish_epoch()
        return batch_loss

    def epoch(self, seed: Optional[int] = None, *, sync: bool = True) -> Dict[str, float]:
        """Train to the end of the epoch under way (a whole epoch when none is); its numbers.

        ``sync=False`` leaves a batched run's parameters in its arrays (the
        Values behind) until `sync` or the next call that syncs: what `fit`
        does between epochs nobody looks at.
        """
        try:
            with one_blas_thread():
                if not self._in_epoch:
                    self._start_epoch(seed)
                done = self.history.epochs
                while self.history.epochs == done:
                    self._step()
        except BaseException:
            self.sync()
            raise
        if sync:
            self.sync()
        return self.last_epoch()

    def last_epoch(self) -> Dict[str, float]:
        """The numbers of the last finished epoch, as ``epoch()`` returns them."""
        history = self.history
        numbers: Dict[str, float] = {"epoch": history.epochs - 1}
        for name in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
            values = getattr(history, name)
            if values:
                numbers[name] = values[-1]
        return numbers

    def _finish_epoch(self) -> None:
        history, objective = self.history, self.objective
        history.loss.append(self._loss_sum / len(self.X))
        history.lr.append(self._lr)
        if objective.classifies:
            history.accuracy.append(self._correct / self.y.size)
        if self.val is not None:
            self.sync()  # predict reads the Values
            history.val_loss.append(mean_loss(self.model, objective, *self.val))
            if objective.classifies:
                history.val_accuracy.append(right_fraction(self.model, objective, *self.val))
        self._order, self._in_epoch = None, False
        self._warn_if_exploding()

    def _loss_before_training(self, rows: Any) -> float:
        """The data loss on these samples now (NaN when it cannot be computed: no warning then)."""
        try:
            if self.program is not None:  # the training program's own replay: no other tape to record
                return self.program.mean_loss(self.X[rows], self.y[rows])
            with no_grad():  # the scalar engine, as the steps: no replay recorded for this
                outputs = [self.model(row) for row in self.X[rows].tolist()]
                return self.objective.batch_loss(outputs, self.y[rows].tolist()).data
        except (ArithmeticError, ValueError):
            return math.nan

    def _warn_if_exploding(self) -> None:
        losses = self.history.loss
        first, latest = self.first_loss, losses[-1]
        if self.warnings or first is None or not first > 0 or not latest > EXPLODING_FACTOR * first:
            return
        warning = LossExploding(epoch=len(losses) - 1, loss=latest, first_loss=first, lr=self._lr)
        self.warnings.append(warning)
        warnings.warn(warning, stacklevel=_stacklevel_outside_this_package())
