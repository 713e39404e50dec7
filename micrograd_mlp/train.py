"""Training loop: ``fit`` a model to data, plus ``predict`` and ``accuracy``.

One training step is the slides' recipe: compute the output, the loss, the
gradient of the loss with respect to every parameter (``backward()``), and
update the parameters (``optimizer.step()``). ``batch_size=1`` is the slides'
per-sample gradient descent; ``batch_size=None`` is one full-batch step per
epoch (micrograd's demo).

>>> from micrograd_mlp import MLP
>>> from micrograd_mlp.data import make_cubic
>>> X, y = make_cubic(40, seed=0)
>>> model = MLP(1, [8, 1], "tanh", seed=0)
>>> history = fit(model, X, y, loss="mse", lr=0.05, epochs=20, seed=0, verbose=False)
>>> len(history.loss), history.loss[-1] < history.loss[0]
(20, True)
"""

from __future__ import annotations

import contextlib
import gc
import math
import numbers
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, Tuple, Union

import numpy as np

from . import batched as _batched
from .classify import class_targets, classes_from_scores, probabilities_from_scores
from .classify import confusion_matrix as _confusion_matrix
from .engine import NonFiniteError, Value, no_grad
from .losses import LOSSES, cross_entropy, l2 as l2_penalty
from .optim import SGD, Optimizer

__all__ = ["fit", "History", "predict", "predict_proba", "predict_classes", "evaluate", "accuracy", "confusion", "TrainingDiverged"]

LossFunction = Callable[[Any, Any], Value]

# Where the decision boundary of each classification loss lies: bce reads
# probabilities (class 1 when p > 0.5), the others read scores (class 1 when > 0).
THRESHOLDS = {"bce": 0.5, "bce_logits": 0.0, "hinge": 0.0}


@dataclass
class History:
    """Per-epoch training record, returned by `fit`.

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


class TrainingDiverged(FloatingPointError, OverflowError):
    """Training blew up: a loss, an output, a gradient or a weight became NaN or infinite.

    `fit` raises it right after the step where that happened, instead of
    carrying on with NaN weights. ``epoch`` (from 0) and ``step`` (from 1,
    within the epoch) say where, ``node`` is the first non-finite node of the
    step's graph (`Value.check_finite`) or the parameter that became
    non-finite, ``lr`` the learning rate of that step. The model keeps the
    weights it had before that step. A `FloatingPointError` (and an
    `OverflowError`), so code catching those still catches it.

    >>> from micrograd_mlp import MLP
    >>> from micrograd_mlp.data import make_moons
    >>> try:
    ...     fit(MLP(2, [8, 1], seed=0), *make_moons(40, seed=0), loss="hinge", lr=1e6, seed=0, verbose=False)
    ... except TrainingDiverged as err:
    ...     print(err.epoch, err.step, f"{err.lr:g}")
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
            where += f" in epoch {self.epoch}, step {self.step} of {self.steps}"
        if self.lr is None:
            hint = "A smaller learning rate usually helps."
        elif self.lr > 0:
            hint = (f"The learning rate is probably too large (lr={self.lr:.3g} in this step): "
                    f"try {self.lr / 10:.3g} or smaller.")  # fmt: skip
        else:
            hint = "Check the inputs and the loss function."
        return f"{where}: {self.reason}. {hint}"


def _first_non_finite(roots: List[Value]) -> Optional[NonFiniteError]:
    """The error `check_finite` gives for the first root whose graph holds NaN/inf."""
    for root in roots:
        try:
            root.check_finite()
        except NonFiniteError as found:
            return found
    return None


def _diverged(reason: str, roots: List[Value]) -> TrainingDiverged:
    found = _first_non_finite(roots)
    if found is None:
        return TrainingDiverged(reason)
    return TrainingDiverged(f"{reason}; first non-finite node: {found}", found.node)


def _loss_value(loss: Any) -> Value:
    if not isinstance(loss, Value):
        raise TypeError(
            f"the loss function returned {type(loss).__name__} {loss!r:.40}, not a Value; build "
            "the loss from the outputs with Value operations (e.g. sum((o - t) ** 2 for ...)) "
            "so that backward() reaches the weights"
        )
    return loss


def _check_data(model: Any, X: Any, y: Any, what: str = "X") -> Tuple[np.ndarray, np.ndarray]:
    """X as a (n, nin) float array and y as (n,) or (n, nout), or a clear error."""
    nin = getattr(model, "nin", None)
    n_outputs = model.nouts[-1] if hasattr(model, "nouts") else None
    try:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what} and its targets must be numeric arrays (or lists of rows): {err}") from None
    if X.ndim != 2 or (nin is not None and X.shape[1] != nin):
        hint = " For one input feature use X.reshape(-1, 1)." if X.ndim == 1 else ""
        raise ValueError(f"{what} must have shape (n_samples, {nin}); got shape {X.shape}.{hint}")
    if len(X) == 0:
        raise ValueError(f"{what} has no samples")
    if len(y) != len(X):
        raise ValueError(f"{what} has {len(X)} samples but its targets have {len(y)}")
    if y.ndim == 2 and y.shape[1] == 1 and n_outputs == 1:
        y = y[:, 0]
    if n_outputs is not None and not (
        (y.ndim == 1 and n_outputs == 1) or (y.ndim == 2 and y.shape[1] == n_outputs)
    ):
        raise ValueError(
            f"the model has {n_outputs} outputs, so targets need shape ({len(X)},"
            f"{'' if n_outputs == 1 else ' ' + str(n_outputs)}); got {y.shape}"
        )
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError(f"{what} or its targets contain NaN or infinity")
    return X, y


def _labels_for(loss_name: str, y: np.ndarray) -> np.ndarray:
    """Accept 0/1 or -1/+1 labels for any classification loss; give each what it needs."""
    values = set(np.unique(y).tolist())
    if not (values <= {0.0, 1.0} or values <= {-1.0, 1.0}):
        raise ValueError(
            f"loss={loss_name!r} is for two classes: labels must be 0/1 or -1/+1, got "
            f"{sorted(values)[:6]}; for regression use loss='mse'"
        )
    positive = y > 0
    return np.where(positive, 1.0, -1.0) if loss_name == "hinge" else positive.astype(float)


def _is_multiclass(loss: Any) -> bool:
    """Is this the k-class loss, whose targets are class indices (one per sample)?"""
    return loss == "cross_entropy" or loss is cross_entropy


def _class_count(model: Any) -> int:
    """The number of classes of a model trained with cross_entropy: its outputs (at least 2)."""
    k = model.nouts[-1] if hasattr(model, "nouts") else None
    if k is not None and k < 2:
        raise ValueError(
            "loss='cross_entropy' needs one output per class (k >= 2), but the model has one "
            "output: build it as MLP(nin, [..., k]) for k classes, or for two classes keep one "
            "output and use loss='bce_logits'"
        )
    return k


def _check_class_data(model: Any, X: Any, y: Any, what: str = "X") -> Tuple[np.ndarray, np.ndarray]:
    """X as a (n, nin) float array and y as (n,) ints in 0..k-1 for a k-output model."""
    k = _class_count(model)
    labels = class_targets(y, k, f"{what}'s targets") if k is not None else np.asarray(y)
    X, _ = _check_data(None, X, labels if labels.dtype.kind in "iuf" else np.zeros(len(labels)), what)
    nin = getattr(model, "nin", None)
    if nin is not None and X.shape[1] != nin:
        raise ValueError(f"{what} must have shape (n_samples, {nin}); got shape {X.shape}")
    return X, labels


def _check_two_class_loss_fits(model: Any, loss: Any, threshold: Optional[float], y: Any) -> None:
    """A two-class loss on a k-output model with one label per sample: point to cross_entropy."""
    k = model.nouts[-1] if hasattr(model, "nouts") else None
    if threshold is not None and k is not None and k >= 2 and np.ndim(y) == 1:
        raise ValueError(
            f"loss={loss!r} is for two classes and a model with one output, but this model has {k} "
            f"outputs: for {k} classes use loss='cross_entropy' with labels 0 to {k - 1}"
        )


def _resolve_loss(loss: Union[str, LossFunction]) -> Tuple[LossFunction, Optional[float]]:
    if callable(loss):
        return loss, None
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(map(repr, LOSSES))} or pass a function")
    return LOSSES[loss], THRESHOLDS.get(loss)


def _step(
    model: Any, rows: list, targets: list, loss_fn: LossFunction, optimizer: Optimizer, l2: float
) -> Tuple[float, np.ndarray]:
    """One optimizer step on a batch: forward, loss, backward, update.

    Returns plain numbers (the batch loss and the outputs), so the batch's graph
    is freed as soon as this returns, before the next one is built. Raises
    `TrainingDiverged` (without epoch and step: `fit` adds them) when the loss,
    an output, a gradient or an updated weight is NaN or infinite; the weights
    are then as before the step. The checks read only the loss, the outputs and
    the parameters; the graph is walked only once something is wrong.
    """
    with _cycle_collector_paused():
        outputs = [model(row) for row in rows]
        data_loss = _loss_value(loss_fn(outputs, targets))
        total = data_loss + l2_penalty(optimizer.params, l2) if l2 else data_loss
        optimizer.zero_grad()
        total.backward()
        scores = _numbers(outputs)
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


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    # A graph of Values holds no reference cycles (nodes keep no closures), so
    # reference counting alone frees it. Python's cycle collector would instead
    # rescan the tens of thousands of fresh nodes of a full batch again and
    # again while they are made: pausing it makes such a step 2-3x faster.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _numbers(outputs: List[Any]) -> np.ndarray:
    """Model outputs (Values, or lists of Values) as a float array."""
    return np.array([[o.data for o in out] if isinstance(out, list) else out.data for out in outputs])


def _check_output_matches_loss(model: Any, loss: Any) -> None:
    """Catch the classic mix-ups of sigmoid outputs and cross-entropy losses."""
    last = model.layers[-1].activation if hasattr(model, "layers") else None
    if loss == "bce" and last not in (None, "sigmoid"):
        raise ValueError(
            f"loss='bce' needs probabilities but the model's output layer is {last!r}: build it "
            "with output_activation='sigmoid', or use loss='bce_logits' on the linear output"
        )
    if _is_multiclass(loss) and last not in (None, "linear"):
        raise ValueError(
            f"loss='cross_entropy' applies the softmax to the logits itself, but the model's output "
            f"layer is {last!r}: build it with output_activation='linear' (the default)"
        )
    if loss == "bce_logits" and last == "sigmoid":
        raise ValueError(
            "loss='bce_logits' applies the sigmoid itself, but the model already ends in a "
            "sigmoid: use output_activation='linear' (recommended, numerically stable) or loss='bce'"
        )


def _correct(scores: np.ndarray, labels: np.ndarray, threshold: float) -> int:
    """How many scores fall on the same side of the threshold as their labels."""
    return int(np.sum((scores > threshold) == (labels.reshape(scores.shape) > 0)))


def fit(
    model: Any,
    X: Any,
    y: Any,
    loss: Union[str, LossFunction] = "mse",
    optimizer: Optional[Optimizer] = None,
    *,
    lr: float = 0.01,
    epochs: int = 100,
    batch_size: Optional[int] = 1,
    shuffle: bool = True,
    seed: Optional[int] = None,
    l2: float = 0.0,
    val: Optional[Tuple[Any, Any]] = None,
    callback: Optional[Callable[[int, Any, History], None]] = None,
    verbose: bool = True,
    batched: bool = False,
    patience: Optional[int] = None,
    tol: float = 0.0,
) -> History:
    """Train ``model`` on ``(X, y)`` and return its `History`.

    Args:
        model: an `MLP` (anything with ``parameters()`` that maps one sample to outputs).
        X: shape ``(n, nin)``; y: shape ``(n,)`` (or ``(n, nout)`` for several outputs).
        loss: ``"mse"`` (regression), ``"bce"`` (sigmoid output), ``"bce_logits"``
            (linear output), ``"hinge"``, ``"cross_entropy"`` (k >= 2 classes: a model
            with k linear outputs, y the class indices 0..k-1, shape ``(n,)``), or a
            function ``loss(outputs, targets) -> Value``.
            The two-class losses take labels 0/1 or -1/+1 and convert them.
        optimizer: default ``SGD(model.parameters(), lr=lr)``.
        lr: learning rate of the default optimizer.
        epochs: passes over the data.
        batch_size: samples per step; 1 is per-sample SGD (the slides), ``None``
            or ``len(X)`` one full-batch step per epoch.
        shuffle / seed: visit samples in a new random order each epoch (reproducible with seed).
        l2: weight of an L2 penalty ``l2 * sum(p*p)`` added to every step's loss.
        val: optional ``(X_val, y_val)`` evaluated after each epoch.
        callback: ``callback(epoch, model, history)`` after every epoch
            (``epoch`` counts from 0), e.g. to draw a frame.
        verbose: show a tqdm progress bar on stderr when it is a terminal (or
            in Jupyter), none in logs and pipes; False for silence everywhere.
        batched: record one sample's graph once and replay it on each batch
            with NumPy (`micrograd_mlp.batched`): the same History and weights
            (to rounding, about 1e-15), many times faster. Raises `ReplayError`
            for a model or loss that cannot be replayed (one that branches on data).
        patience: early stopping: stop when the validation loss (the training
            loss without ``val``) has not improved for ``patience`` epochs in a row.
        tol: what counts as an improvement: a fall of more than ``tol`` below the
            best loss so far. ``tol`` without ``patience`` is the slides' "repeat
            until convergence": stop at the first epoch that improves by ``tol`` or less.

    >>> from micrograd_mlp import MLP
    >>> from micrograd_mlp.data import make_moons
    >>> X, y = make_moons(40, seed=0)
    >>> model = MLP(2, [8, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", epochs=3, seed=0, verbose=False)
    >>> len(history.loss), len(history.accuracy)
    (3, 3)
    """
    loss_fn, threshold = _resolve_loss(loss)
    _check_output_matches_loss(model, loss)
    multiclass = _is_multiclass(loss)
    stopper = _EarlyStopping(patience, tol)  # checked before any training
    if multiclass:
        X, y = _check_class_data(model, X, y)
    else:
        _check_two_class_loss_fits(model, loss, threshold, y)
        X, y = _check_data(model, X, y)
    l2 = _check_l2(l2)
    if threshold is not None:
        y = _labels_for(loss, y)
    val_data = None
    if val is not None:
        if multiclass:
            val_data = _check_class_data(model, *val, what="val X")
        else:
            X_val, y_val = _check_data(model, *val, what="val X")
            val_data = (X_val, _labels_for(loss, y_val) if threshold is not None else y_val)
    n = len(X)
    batch_size = _check_schedule(epochs, batch_size, n)
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=lr)
    elif not all(hasattr(optimizer, name) for name in ("step", "zero_grad", "params", "current_lr")):
        raise TypeError(
            f"optimizer must be an Optimizer such as SGD(model.parameters(), lr=0.1), got "
            f"{type(optimizer).__name__} {optimizer!r:.40}; or leave it out for plain SGD with lr="
        )
    rows, targets = X.tolist(), y.tolist()
    # the recorded program (cached per model, loss and L2 on/off), or None for the scalar engine
    program = _batched.fit_program(model, loss, l2, optimizer, X, y) if batched else None
    # (seeding a generator from the OS costs about 1 ms: only when it is used; seed=None
    # draws from NumPy's global generator, as random as a fresh one)
    order_rng = (np.random.RandomState(seed) if seed is not None else np.random) if shuffle else None
    history = History()
    epoch_range = _progress(int(epochs), verbose)
    for epoch in epoch_range:
        order = order_rng.permutation(n) if shuffle else np.arange(n)
        loss_sum, correct = 0.0, 0
        steps = -(-n // batch_size)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size].tolist()
            lr_used = optimizer.current_lr()
            try:
                result = program.step(X[batch], y[batch], optimizer) if program is not None else None
                if result is None:  # scalar engine (or a replay that met inf/NaN: let the engine explain)
                    result = _step(model, [rows[i] for i in batch], [targets[i] for i in batch], loss_fn, optimizer, l2)
                batch_loss, scores = result
            except (OverflowError, FloatingPointError) as err:
                # One error for every way of blowing up, saying where in training.
                diverged = err if isinstance(err, TrainingDiverged) else TrainingDiverged(str(err))
                diverged.epoch, diverged.step, diverged.steps = epoch, start // batch_size + 1, steps
                diverged.lr = lr_used
                if diverged is err:
                    raise
                raise diverged from err
            loss_sum += batch_loss * len(batch)
            if threshold is not None:
                correct += _correct(scores, y[batch], threshold)
            elif multiclass:
                correct += int(np.sum(classes_from_scores(scores) == y[batch]))
        history.loss.append(loss_sum / n)
        history.lr.append(lr_used)
        if threshold is not None or multiclass:
            history.accuracy.append(correct / len(y) if multiclass else correct / y.size)
        if val_data is not None:
            history.val_loss.append(evaluate(model, *val_data, loss))
            if threshold is not None:
                history.val_accuracy.append(_accuracy(model, *val_data, threshold))
            elif multiclass:
                history.val_accuracy.append(accuracy(model, *val_data))
        if verbose:
            epoch_range.set_postfix_str(history.summary())
        if callback is not None:
            callback(epoch, model, history)
        if stopper.should_stop(history.val_loss[-1] if val_data is not None else history.loss[-1]):
            history.stopped_early = epoch + 1 < epochs
            break
    return history


class _EarlyStopping:
    """Counts epochs without an improvement of more than `tol`; says when to stop."""

    def __init__(self, patience: Optional[int], tol: float) -> None:
        if patience is not None and (isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1):
            raise ValueError(f"patience must be a whole number of epochs >= 1 (or None: no early stopping), got {patience!r}")
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not 0.0 <= tol < float("inf"):
            raise ValueError(f"tol must be a finite number >= 0 (the smallest fall in loss that counts), got {tol!r}")
        # tol alone: stop at the first epoch that does not improve by more than tol
        self.patience = patience if patience is not None else (1 if tol > 0 else None)
        self.tol = float(tol)
        self.best = float("inf")
        self.epochs_without_improvement = 0

    def should_stop(self, loss: float) -> bool:
        if self.patience is None:
            return False
        if loss < self.best - self.tol:
            self.best, self.epochs_without_improvement = loss, 0
        else:
            self.best = min(self.best, loss)
            self.epochs_without_improvement += 1
        return self.epochs_without_improvement >= self.patience


def _is_whole(x: object) -> bool:
    # Python and NumPy integers (np.int64 is a numbers.Integral), not bools or floats
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_schedule(epochs: int, batch_size: Optional[int], n: int) -> int:
    """Validate epochs and batch_size; the batch size to use (None means all n)."""
    if not _is_whole(epochs) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r:.40}")
    if batch_size is None:
        return n
    if not _is_whole(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int or None (full batch), got {batch_size!r:.40}")
    return int(batch_size)


def _check_l2(l2: object) -> float:
    """The L2 weight as a Python float (NumPy numbers too), or a clear error."""
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not (math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a number >= 0 (e.g. 1e-4), got {l2!r:.40}")
    return float(l2)


def _progress(epochs: int, verbose: bool) -> Any:
    if not verbose:
        return range(epochs)
    try:
        import ipywidgets  # noqa: F401  (without it tqdm.auto only warns and prints text)

        from tqdm.auto import tqdm  # the notebook widget in Jupyter, text on a terminal
    except ImportError:
        from tqdm import tqdm

    # No bar in a log file or a pipe, where every redraw would add a line.
    return tqdm(range(epochs), desc="training", unit="epoch", disable=not redraws_in_place(sys.stderr))


def redraws_in_place(stream: object) -> bool:
    """Is `stream` a terminal or a Jupyter output, where a progress bar can redraw its line?

    (Jupyter's stderr is no terminal, but a notebook shows a redrawn bar well.)

    >>> import io
    >>> redraws_in_place(io.StringIO())   # a file, a pipe, a captured log
    False
    """
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return bool(is_terminal) or type(stream).__module__.startswith("ipykernel")


def predict(model: Any, X: Any) -> np.ndarray:
    """The model's raw outputs for every row of ``X`` (no graph is built).

    Shape ``(n,)`` for a one-output model, ``(n, nout)`` otherwise. For a
    classifier these are **logits** (scores), neither classes nor
    probabilities: `predict_classes` gives the classes, `predict_proba` the
    probabilities.

    >>> from micrograd_mlp import MLP
    >>> predict(MLP(2, [3, 1], seed=0), [[0.0, 0.0], [1.0, 2.0]]).shape
    (2,)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_samples, n_inputs); got shape {X.shape}")
    # One replay of the recorded graph over all rows (a 200x200 grid is one call);
    # None when the scalar engine must answer (empty X, NaN, a model that branches).
    replayed = _batched.predict(model, X)
    if replayed is not None:
        return replayed
    with no_grad():
        return _numbers([model(row) for row in X.tolist()])


def predict_proba(model: Any, X: Any) -> np.ndarray:
    """Class probabilities for every row of ``X``: softmax of k outputs, sigmoid of one.

    A k-output model (trained with ``cross_entropy``) gives shape ``(n, k)``,
    each row summing to 1. A one-output model gives shape ``(n,)``: the
    probability of class 1, ``sigmoid(logit)`` (what ``bce_logits`` trains), or
    the output itself when the model already ends in a sigmoid.

    >>> from micrograd_mlp import MLP
    >>> probs = predict_proba(MLP(2, [4, 3], seed=0), [[0.0, 1.0], [1.0, -1.0]])
    >>> probs.shape, probs.sum(axis=1).round(12).tolist()
    ((2, 3), [1.0, 1.0])
    """
    scores = predict(model, X)
    if scores.ndim == 1 and _last_activation(model) == "sigmoid":
        return scores
    return probabilities_from_scores(scores)


def predict_classes(model: Any, X: Any, threshold: Optional[float] = None) -> np.ndarray:
    """The predicted class (an int) of every row of ``X``, shape ``(n,)``.

    k outputs: the index of the largest output (0..k-1). One output: 1 when it
    exceeds ``threshold`` (default 0.5 for a sigmoid output layer, 0 for
    logits and scores), else 0.

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [2], "linear", seed=0)
    >>> model.layers[0].neurons[1].w[0].data = 5.0    # output 1 grows fastest with x
    >>> predict_classes(model, [[-1.0], [1.0]]).tolist()
    [0, 1]
    """
    scores = predict(model, X)
    if threshold is None:
        threshold = 0.5 if _last_activation(model) == "sigmoid" else 0.0
    return classes_from_scores(scores, threshold)


def _last_activation(model: Any) -> str:
    return model.layers[-1].activation if hasattr(model, "layers") else "linear"


def confusion(model: Any, X: Any, y: Any) -> np.ndarray:
    """The confusion matrix of ``model`` on ``(X, y)``: ``matrix[true class, predicted class]``.

    k x k for a k-output model, 2 x 2 for one output (labels 0/1 or -1/+1);
    the diagonal counts the right answers.

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [2], "linear", seed=0)
    >>> model.layers[0].neurons[1].w[0].data = 5.0
    >>> confusion(model, [[-1.0], [1.0], [2.0]], [0, 1, 0]).tolist()
    [[1, 1], [0, 1]]
    """
    k = model.nouts[-1] if hasattr(model, "nouts") else None
    if k is not None and k >= 2:
        X, labels = _check_class_data(model, X, y)
    else:
        X, labels = _check_data(model, X, y)
        labels = (labels > 0).astype(int)
        k = 2
    return _confusion_matrix(labels, predict_classes(model, X), classes=k)


def evaluate(model: Any, X: Any, y: Any, loss: Union[str, LossFunction] = "mse") -> float:
    """The mean loss of ``model`` on the whole of ``(X, y)`` (no graph is built).

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [1], "linear", seed=0)
    >>> model.layers[0].neurons[0].w[0].data = 2.0      # y = 2x
    >>> evaluate(model, [[1.0], [2.0]], [0.0, 1.0])     # (0.5 * 2^2 + 0.5 * 3^2) / 2
    3.25
    """
    loss_fn, threshold = _resolve_loss(loss)
    X, y = _check_class_data(model, X, y) if _is_multiclass(loss) else _check_data(model, X, y)
    if threshold is not None:
        y = _labels_for(loss, y)
    if isinstance(loss, str):
        # the outputs by replay, then the loss of those numbers (the same value, to rounding)
        return loss_fn(predict(model, X), y).data
    with no_grad():
        return _loss_value(loss_fn([model(row) for row in X.tolist()], y.tolist())).data


def _accuracy(model: Any, X: np.ndarray, y: np.ndarray, threshold: float) -> float:
    return _correct(predict(model, X), y, threshold) / y.size


def accuracy(model: Any, X: Any, y: Any, threshold: Optional[float] = None) -> float:
    """Fraction of samples classified right.

    A k-output model: ``y`` holds class indices 0..k-1 and the predicted class
    is the largest output (argmax). One output: labels may be 0/1 or -1/+1 and
    a sample is class 1 when the output exceeds ``threshold``: by default 0.5
    for a sigmoid output layer (probabilities) and 0 otherwise (logits/scores).

    >>> from micrograd_mlp import MLP
    >>> model = MLP(1, [1], output_activation="sigmoid", seed=0)
    >>> model.layers[0].neurons[0].w[0].data = 1.0
    >>> accuracy(model, [[-2.0], [3.0], [1.0]], [0, 1, 0])
    0.6666666666666666
    """
    k = model.nouts[-1] if hasattr(model, "nouts") else None
    if k is not None and k >= 2 and np.ndim(y) == 1:
        X, labels = _check_class_data(model, X, y)
        return float(np.mean(predict_classes(model, X) == labels))
    X, y = _check_data(model, X, y)
    if threshold is None:
        last = model.layers[-1].activation if hasattr(model, "layers") else "linear"
        threshold = 0.5 if last == "sigmoid" else 0.0
    return _accuracy(model, X, y, threshold)
