"""``fit``: train a model for some epochs, with a progress bar, a callback and early stopping.

One training step is the slides' recipe: compute the output, the loss, the
gradient of the loss with respect to every parameter (``backward()``), and
update the parameters (``optimizer.step()``). ``batch_size=1`` is the slides'
per-sample gradient descent; ``batch_size=None`` is one full-batch step per
epoch (micrograd's demo). `fit` is a loop over `Trainer.epoch`.

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
import numbers
import sys
from typing import Any, Callable, Optional, Tuple, Union

from ..batched.program import one_blas_thread
from ..optim import Optimizer
from .arguments import check_callback, check_flag, is_whole
from .objective import LossFunction
from .trainer import DEFAULT_LR, History, Trainer

__all__ = ["fit", "EarlyStopping", "progress_bar", "redraws_in_place"]


def fit(
    model: Any,
    X: Any,
    y: Any,
    loss: Union[str, LossFunction] = "mse",
    optimizer: Optional[Optimizer] = None,
    *,
    lr: float = DEFAULT_LR,
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
        lr: learning rate of the default optimizer (with ``optimizer``, set the rate there).
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
    # Every argument is checked before a weight changes: the loop's here, the rest by the Trainer.
    if not is_whole(epochs) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r:.40}")
    callback = check_callback(callback)
    verbose = check_flag("verbose", verbose, numbers_too=True)
    stopper = EarlyStopping(patience, tol)
    trainer = Trainer(model, X, y, loss, optimizer, lr=lr, batch_size=batch_size, shuffle=shuffle, seed=seed,
                      l2=l2, val=val, batched=batched)  # fmt: skip
    history = trainer.history
    epoch_range = progress_bar(int(epochs), verbose)
    # NumPy's BLAS on one thread for the whole loop (each epoch's own switch then costs nothing),
    # unless a callback runs between epochs: the user's code keeps the user's setting
    with one_blas_thread() if callback is None else contextlib.nullcontext():
        try:
            for epoch in epoch_range:
                # a batched run keeps its parameters in arrays between epochs nobody looks at
                trainer.epoch(sync=callback is not None)
                if verbose:
                    epoch_range.set_postfix_str(history.summary())
                if callback is not None:
                    callback(epoch, model, history)
                if stopper.should_stop(history.val_loss[-1] if trainer.val is not None else history.loss[-1]):
                    history.stopped_early = epoch + 1 < epochs
                    break
        finally:
            trainer.sync()  # the Values up to date when fit returns, or raises
    return history


class EarlyStopping:
    """Counts epochs without an improvement of more than `tol`; says when to stop.

    >>> stopper = EarlyStopping(patience=2, tol=0.0)
    >>> [stopper.should_stop(loss) for loss in (1.0, 0.5, 0.6, 0.7)]
    [False, False, False, True]
    """

    def __init__(self, patience: Optional[int], tol: float) -> None:
        if patience is not None and (not is_whole(patience) or patience < 1):
            raise ValueError(f"patience must be a whole number of epochs >= 1 (or None: no early stopping), got {patience!r}")
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0.0 <= tol < float("inf"):
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


def progress_bar(epochs: int, verbose: bool) -> Any:
    """``range(epochs)``, wrapped in a tqdm bar when ``verbose`` and stderr can redraw one."""
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


