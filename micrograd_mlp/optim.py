"""Optimizers: turn the gradients left by ``backward()`` into new weights.

An optimizer only changes ``p.data``; it never builds graph nodes. Its learning
rate is a number or a schedule: any callable ``lr(step_index) -> float``, with
``step_index`` counting calls of ``step()`` from 0.

>>> from micrograd_mlp import Value
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward()      # dL/dw = 2w = 2
>>> opt.step(); w.data      # 1 - 0.1 * 2
0.8

The usual loop (as micrograd's demo, with ``opt.zero_grad()`` in place of
``model.zero_grad()``)::

    for k in range(steps):
        loss = ...              # forward
        opt.zero_grad()
        loss.backward()
        opt.step()

Arrays. A batched replay (`micrograd_mlp.batched`) keeps the parameters in one
NumPy array while it trains; `Optimizer.array_step` is the same update on that
array (the same float operations, element by element, so the same bits), and
`Optimizer.state_arrays` / `Optimizer.keep_state_arrays` move the optimizer's
state (momentum, Adam's moments) between its lists and arrays.

>>> import numpy as np
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> data = np.array([1.0])
>>> new_data, new_state = opt.array_step(data, np.array([2.0]), opt.state_arrays())
>>> new_data.tolist(), opt.steps
([0.8], 1)
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from .engine import Value, to_float
from .structure import TrackedList

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "linear_decay", "step_decay", "check_rate"]

Schedule = Callable[[int], float]
LearningRate = Union[float, Schedule]
State = Dict[str, np.ndarray]


class Optimizer:
    """What SGD and Adam share: the parameters, the learning rate, the step count.

    A new optimizer subclasses this and writes ``_update(lr)``:

    >>> class SignSGD(Optimizer):
    ...     def _update(self, lr):
    ...         for p in self.params:
    ...             p.data -= lr * (p.grad > 0) - lr * (p.grad < 0)
    >>> w = Value(1.0); w.grad = -3.0
    >>> SignSGD([w], lr=0.5).step(); w.data
    1.5
    """

    def __init__(self, params: Union[Iterable[Value], Any], lr: LearningRate) -> None:
        if hasattr(params, "parameters"):  # a model
            params = params.parameters()
        # (a TrackedList: a batched fit knows the list is the one it matched, unchanged: `structure`)
        self.params: List[Value] = TrackedList(_unique(list(params), type(self).__name__))
        if not self.params:
            raise ValueError(f"{type(self).__name__} got no parameters to optimize")
        if not callable(lr):
            lr = check_rate(lr, "lr")
        self.lr = lr
        self.steps = 0

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` will use."""
        if callable(self.lr):
            return check_rate(self.lr(self.steps), f"lr({self.steps}) from the schedule")
        return self.lr

    def zero_grad(self) -> None:
        """Set the ``.grad`` of every parameter to 0, as ``model.zero_grad()`` does."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its ``.grad``."""
        lr = self.current_lr()
        params = self.params
        # A Value's data and grad are Python floats; one set by hand to a NumPy
        # scalar (w.data = np.float32(0.5)) would turn every later update into
        # NumPy arithmetic, and save() could not write it. A sum is fast (it runs
        # in C) and is a Python float only when every term is (a NumPy scalar
        # makes it NumPy's; all ints, an int), finite only when every term is.
        if type(sum([p.data for p in params])) is not float:
            for p in params:
                p.data = to_float(p.data)
        grads_total = sum([p.grad for p in params])
        if type(grads_total) is not float or not math.isfinite(grads_total):
            for p in params:
                p.grad = to_float(p.grad)
                if not math.isfinite(p.grad):
                    # Checked before any update, so the weights stay as they were.
                    raise FloatingPointError(
                        f"gradient of parameter {p.label or '?'} is {p.grad!r}; not stepping. "
                        "Try a smaller learning rate or inputs (Value.check_finite finds where it began)"
                    )
        self._update(lr)
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError

    # ------------------------------------------------- on arrays (batched replay)

    # the names of the per-parameter lists an optimizer keeps (e.g. "velocity")
    state_names: Tuple[str, ...] = ()

    @property
    def works_on_arrays(self) -> bool:
        """Does this optimizer have an array update (else a replay steps it through the Values)?"""
        return type(self)._update_arrays is not Optimizer._update_arrays

    def state_arrays(self) -> State:
        """The optimizer's per-parameter state as float64 arrays, in ``params`` order."""
        return {name: np.array(getattr(self, name), dtype=float) for name in self.state_names}

    def keep_state_arrays(self, state: State) -> None:
        """Take state arrays back into the optimizer's lists (what `step` reads next)."""
        for name in self.state_names:
            setattr(self, name, state[name].tolist())

    def array_step(self, data: np.ndarray, grad: np.ndarray, state: State) -> Optional[Tuple[np.ndarray, State]]:
        """`step` on parameters held as arrays: the new data and state, or None if a number is not finite.

        ``data`` and ``grad`` are float64 arrays in ``params`` order; they and
        ``state`` are left unchanged (the caller keeps the result only when it
        is finite). Counts a step, as `step` does, only when it returns a result.
        """
        lr = self.current_lr()
        if not all_finite(grad):
            return None
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is checked for just below
            new_data, new_state = self._update_arrays(data, grad, lr, state)
        if not all_finite(new_data):
            return None
        self.steps += 1
        return new_data, new_state

    def _update_arrays(self, data: np.ndarray, grad: np.ndarray, lr: float, state: State) -> Tuple[np.ndarray, State]:
        raise NotImplementedError


def _unique(params: list, who: str) -> List[Value]:
    """The parameters, each once: one listed twice would be stepped twice per step."""
    kinds = set(map(type, params))  # (passes in C: a model's list may hold 66,000 weights)
    if all(issubclass(kind, Value) and kind.__eq__ is object.__eq__ and kind.__hash__ is object.__hash__
           for kind in kinds) and len(set(params)) == len(params):
        return params  # Values compare and hash by identity: a set of them drops only repeats
    seen: set = set()
    unique = []
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"{who} needs Values (e.g. model.parameters()), got {type(p).__name__}")
        if id(p) not in seen:  # by identity: two weights may well hold equal numbers
            seen.add(id(p))
            unique.append(p)
    if len(unique) < len(params):
        repeated = next(p for p in unique if sum(q is p for q in params) > 1)
        times = sum(q is repeated for q in params)
        warnings.warn(
            f"{who}: {len(params) - len(unique)} parameter(s) listed more than once (e.g. "
            f"{repeated.label or repeated!r} appears {times} times); each is updated once per step",
            UserWarning,
            stacklevel=4,
        )
    return unique


def _is_real(x: object) -> bool:
    # Python and NumPy numbers (np.float32, np.int64 register as numbers.Real);
    # bool is an int, but True as a learning rate is a mistake, not 1.0.
    return isinstance(x, numbers.Real) and not isinstance(x, bool)  # (np.bool_ is no Real)


def check_rate(lr: object, name: str = "lr") -> float:
    """A learning rate as a float: a finite number >= 0 (Python or NumPy), not a bool or a string.

    >>> check_rate("0.1")
    Traceback (most recent call last):
    ValueError: lr must be a finite number >= 0, got '0.1'
    """
    try:
        usable = _is_real(lr) and math.isfinite(lr) and lr >= 0
    except OverflowError:  # an int beyond any float, e.g. 10**400
        usable = False
    if not usable:
        raise ValueError(f"{name} must be a finite number >= 0, got {lr!r}")
    return float(lr)


def all_finite(numbers: np.ndarray) -> bool:
    """Is every number finite? One sum first: an inf or a NaN anywhere makes the sum non-finite,
    and a finite sum (the usual case) needs no second pass and no array of booleans.

    >>> all_finite(np.array([1.0, -2.0])), all_finite(np.array([1.0, np.nan])), all_finite(np.array([1e308, 1e308]))
    (True, False, True)
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(numbers.sum()):
            return True
    return bool(np.isfinite(numbers).all())  # (finite numbers whose sum overflows, or a real inf/NaN)


class SGD(Optimizer):
    """Gradient descent ``w <- w - lr * dL/dw`` (the slides' update), with optional momentum.

    With momentum (PyTorch's form): ``v <- momentum * v + grad``, ``w <- w - lr * v``.

    >>> w = Value(1.0); w.grad = 2.0
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> opt.step(); opt.step(); round(w.data, 12)   # v = 2, then 0.9*2 + 2 = 3.8
    0.42
    """

    def __init__(self, params: Union[Iterable[Value], Any], lr: LearningRate, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not (_is_real(momentum) and 0.0 <= momentum < 1.0):
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [0.0] * len(self.params)

    @property
    def state_names(self) -> Tuple[str, ...]:  # type: ignore[override]
        # without momentum the velocity is never read: nothing to carry between batched calls
        return ("velocity",) if self.momentum else ()

    def _update(self, lr: float) -> None:
        if self.momentum == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        for i, p in enumerate(self.params):
            self.velocity[i] = self.momentum * self.velocity[i] + p.grad
            p.data -= lr * self.velocity[i]

    def _update_arrays(self, data: np.ndarray, grad: np.ndarray, lr: float, state: State) -> Tuple[np.ndarray, State]:
        if self.momentum == 0.0:
            new_data = lr * grad  # data - lr * grad, in one new array
            return np.subtract(data, new_data, out=new_data), state
        velocity = self.momentum * state["velocity"] + grad
        return data - lr * velocity, {"velocity": velocity}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): per-parameter steps from running gradient moments.

    ``m <- b1*m + (1-b1)*g``, ``v <- b2*v + (1-b2)*g^2``, then with the bias
    corrections ``m_hat = m / (1 - b1^t)``, ``v_hat = v / (1 - b2^t)``:
    ``w <- w - lr * m_hat / (sqrt(v_hat) + eps)``.

    >>> w = Value(1.0); w.grad = 0.5
    >>> opt = Adam([w], lr=0.1)
    >>> opt.step(); round(w.data, 6)   # the first step moves by about lr
    0.9
    """

    def __init__(
        self,
        params: Union[Iterable[Value], Any],
        lr: LearningRate = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2
                and all(_is_real(b) and 0.0 <= b < 1.0 for b in betas)):
            raise ValueError(f"betas must be two numbers in [0, 1), e.g. (0.9, 0.999); got {betas!r}")
        if not (_is_real(eps) and 0.0 < eps < math.inf):
            raise ValueError(f"eps must be a finite number > 0, e.g. 1e-8; got {eps!r}")
        self.betas = (float(betas[0]), float(betas[1]))  # Python floats, also from NumPy
        self.eps = float(eps)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    state_names = ("m", "v")

    def _update(self, lr: float) -> None:
        beta1, beta2 = self.betas
        t = self.steps + 1
        correction1 = 1.0 - beta1**t
        correction2 = 1.0 - beta2**t
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = beta1 * self.m[i] + (1.0 - beta1) * g
            self.v[i] = beta2 * self.v[i] + (1.0 - beta2) * g * g
            m_hat = self.m[i] / correction1
            v_hat = self.v[i] / correction2
            p.data -= lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def _update_arrays(self, data: np.ndarray, grad: np.ndarray, lr: float, state: State) -> Tuple[np.ndarray, State]:
        # the scalar update's operations in the same order, element by element
        beta1, beta2 = self.betas
        t = self.steps + 1
        correction1 = 1.0 - beta1**t
        correction2 = 1.0 - beta2**t
        m = beta1 * state["m"] + (1.0 - beta1) * grad
        v = beta2 * state["v"] + (1.0 - beta2) * grad * grad
        return data - lr * (m / correction1) / (np.sqrt(v / correction2) + self.eps), {"m": m, "v": v}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Every step first shrinks each weight towards 0, ``w <- w - lr * weight_decay * w``,
    then takes the Adam step. Unlike an L2 term added to the loss (``fit(l2=...)``),
    the decay is not divided by Adam's ``sqrt(v_hat)``, so every weight decays at the
    same rate whatever the size of its gradients.

    >>> w = Value(1.0); w.grad = 0.0
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> opt.step(); w.data      # 1 - 0.1 * 0.5 * 1, and no Adam move (gradient 0)
    0.95
    """

    def __init__(
        self,
        params: Union[Iterable[Value], Any],
        lr: LearningRate = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps)
        if not (_is_real(weight_decay) and 0.0 <= weight_decay < math.inf):
            raise ValueError(f"weight_decay must be a finite number >= 0, e.g. 0.01; got {weight_decay!r}")
        self.weight_decay = float(weight_decay)

    def _update(self, lr: float) -> None:
        # Decoupled: the decay uses the weight before this step, never the gradient.
        shrink = 1.0 - lr * self.weight_decay
        for p in self.params:
            p.data *= shrink
        super()._update(lr)

    def _update_arrays(self, data: np.ndarray, grad: np.ndarray, lr: float, state: State) -> Tuple[np.ndarray, State]:
        return super()._update_arrays(data * (1.0 - lr * self.weight_decay), grad, lr, state)


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """A learning rate going linearly from ``start`` to ``end`` over ``steps`` steps, then ``end``.

    micrograd's demo schedule ``1.0 - 0.9 * k / 100`` is ``linear_decay(1.0, 0.1, 100)``.

    >>> schedule = linear_decay(1.0, 0.1, 100)
    >>> [round(schedule(k), 12) for k in (0, 50, 100, 500)]
    [1.0, 0.55, 0.1, 0.1]
    """
    start, end = check_rate(start, "start"), check_rate(end, "end")
    steps = int(steps)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")

    def lr(step_index: int) -> float:
        # Same float operations as micrograd's 1.0 - 0.9*k/100, for identical runs.
        return start - (start - end) * min(step_index, steps) / steps

    return lr


def step_decay(start: float, factor: float, every: int) -> Schedule:
    """A learning rate multiplied by ``factor`` every ``every`` steps.

    >>> schedule = step_decay(0.1, 0.5, every=10)
    >>> schedule(0), schedule(9), schedule(10), schedule(25)
    (0.1, 0.1, 0.05, 0.025)
    """
    start = check_rate(start, "start")
    if not (_is_real(factor) and 0.0 < factor <= 1.0):
        raise ValueError(f"factor must be a number in (0, 1], got {factor!r}")
    if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
        raise ValueError(f"every must be a positive int, got {every!r}")
    factor, every = float(factor), int(every)

    def lr(step_index: int) -> float:
        return start * factor ** (step_index // every)

    return lr
