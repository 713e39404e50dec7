"""Loss functions built from `Value` ops, so ``loss.backward()`` reaches every weight.

Every loss takes the model's outputs for a batch and the targets, and returns
one `Value`: the **mean over samples** of a per-sample loss. A sample's output
may be a single `Value` (one output neuron) or a list of them (several output
neurons); with several outputs the per-sample loss is the **sum over outputs**.
So ``mse`` is the slides' 0.5 * ||output - target||^2, whose gradient with
respect to the output is exactly the slides' ``grad_mse = output - target``.

>>> from micrograd_mlp import Value
>>> out = [Value(2.0), Value(0.0)]
>>> loss = mse(out, [1.0, 1.0])       # mean of 0.5*(2-1)^2 and 0.5*(0-1)^2
>>> loss.data
0.5
>>> loss.backward(); out[0].grad      # (output - target) / number of samples
0.5

A single sample may be passed without a list: ``mse(model(x), y)``. Note that
a flat list is read as samples: ``mse([a, b], [ta, tb])`` means two samples of
one output; wrap one multi-output sample as ``mse([model(x)], [y])``.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from typing import Any, Callable, Iterable, List, Sequence, Union

from .engine import Value, max_of

__all__ = ["mse", "binary_cross_entropy", "bce_with_logits", "hinge", "l2", "softmax", "cross_entropy"]

Number = Union[int, float]
Outputs = Union[Value, Number, Sequence[Any]]


def _as_samples(name: str, outputs: Outputs, targets: Any) -> List[tuple]:
    """Pair every output with its target: a list of (outputs, targets) per sample."""
    if hasattr(targets, "tolist"):  # NumPy arrays and scalars
        targets = targets.tolist()
    if hasattr(outputs, "tolist"):  # e.g. predict()'s array (no gradient flows back)
        outputs = outputs.tolist()
    if not isinstance(outputs, (list, tuple)):
        outputs, targets = [outputs], [targets]
    elif not isinstance(targets, (list, tuple)):
        raise ValueError(
            f"{name}: got {len(outputs)} outputs but a single target {targets!r}; "
            "pass one target per output"
        )
    if len(outputs) != len(targets):
        raise ValueError(f"{name}: got {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError(f"{name}: no outputs (an empty batch has no mean loss)")
    samples = []
    for i, (output, target) in enumerate(zip(outputs, targets)):
        output_row = list(output) if isinstance(output, (list, tuple)) else [output]
        target_row = list(target) if isinstance(target, (list, tuple)) else [target]
        if len(output_row) != len(target_row):
            raise ValueError(
                f"{name}: sample {i} has {len(output_row)} outputs but {len(target_row)} targets"
            )
        for t in target_row:
            if isinstance(t, bool) or not isinstance(t, (numbers.Real, Value)):
                raise TypeError(f"{name}: target of sample {i} must be a number, got {t!r:.40}")
            if not math.isfinite(_data(t)):
                raise ValueError(f"{name}: target of sample {i} is {_data(t)!r}; targets must be finite")
        samples.append((output_row, target_row))
    return samples


def _mean_over_samples(
    name: str, outputs: Outputs, targets: Any, term: Callable[[Value, float], Value]
) -> Value:
    """mean over samples of (sum over outputs of term(output, target))."""
    samples = _as_samples(name, outputs, targets)
    per_sample = [_total(term(_lift(o), _data(t)) for o, t in zip(*sample)) for sample in samples]
    return _total(per_sample) * (1.0 / len(per_sample))


def _total(values: Iterable[Value]) -> Value:
    # Like sum(), but without a leading 0 node in the graph.
    return functools.reduce(operator.add, values)


def _data(x: Union[Value, Number]) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _lift(output: Union[Value, Number]) -> Value:
    # Outputs given as plain numbers still get a loss that is a Value (with no
    # gradient to flow), so .data and .backward() work on every loss.
    return output if isinstance(output, Value) else Value(output)


def mse(outputs: Outputs, targets: Any) -> Value:
    """The slides' squared error: mean over samples of 0.5 * (output - target)^2.

    >>> mse(Value(3.0), 1.0).data
    2.0
    """
    # d/d(output) of 0.5*(output - target)^2 is (output - target): the slides' grad_mse.
    return _mean_over_samples("mse", outputs, targets, lambda o, t: 0.5 * (o - t) ** 2)


class _InfiniteLoss(ValueError, FloatingPointError):
    """A loss that would be infinite: a ValueError for whoever called the loss,
    and a FloatingPointError, so `fit` reports it as training that diverged."""


def _check_label01(name: str, t: float) -> float:
    if not 0.0 <= t <= 1.0:
        raise ValueError(
            f"{name}: targets must lie in [0, 1] (class labels 0/1), got {t!r}; "
            "for -1/+1 labels use micrograd_mlp.data.to_01(y)"
        )
    return t


def binary_cross_entropy(probs: Outputs, targets: Any) -> Value:
    """-mean(t*log(p) + (1-t)*log(1-p)) on probabilities (a sigmoid output).

    A term whose weight is zero is left out (t*log(p) when t = 0), which is
    its exact limit. A probability of exactly 0 or 1 on the wrong side (the
    sigmoid saturated in floating point) makes the loss infinite: that is a
    ``ValueError`` saying so, never a silent clamp; use
    `bce_with_logits` on a linear output instead, which cannot overflow.

    >>> round(binary_cross_entropy([Value(0.8), Value(0.4)], [1, 0]).data, 6)
    0.366985
    """

    def term(p: Value, t: float) -> Value:
        _check_label01("binary_cross_entropy", t)
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: {p.data!r} is not a probability; use an "
                "output_activation='sigmoid' model, or bce_with_logits on raw scores"
            )
        if (t > 0.0 and p.data == 0.0) or (t < 1.0 and p.data == 1.0):
            raise _InfiniteLoss(
                f"binary_cross_entropy: probability {p.data!r} with target {t!r} gives an "
                "infinite loss (log(0)); the sigmoid saturated. Train on logits with "
                "bce_with_logits (output_activation='linear'), which is numerically stable"
            )
        loss = Value(0.0)
        if t > 0.0:
            loss = loss - t * p.log()
        if t < 1.0:
            loss = loss - (1.0 - t) * (1.0 - p).log()
        return loss

    return _mean_over_samples("binary_cross_entropy", probs, targets, term)


def bce_with_logits(logits: Outputs, targets: Any) -> Value:
    """Binary cross-entropy of ``sigmoid(z)``, computed stably from the logit z.

    Per output: ``max(z, 0) - z*t + log(1 + exp(-|z|))``, which never
    overflows (exp gets a non-positive argument), and its gradient is
    ``sigmoid(z) - t``.

    >>> z = Value(1000.0)
    >>> loss = bce_with_logits(z, 0)
    >>> loss.backward(); loss.data, z.grad
    (1000.0, 1.0)
    """

    def term(z: Value, t: float) -> Value:
        _check_label01("bce_with_logits", t)
        # Branch on the sign so max(z, 0) and -|z| use the same side at z = 0,
        # which keeps the gradient sigmoid(0) - t = 0.5 - t there.
        if z.data >= 0.0:
            return z - z * t + (1.0 + (-z).exp()).log()
        return -(z * t) + (1.0 + z.exp()).log()

    return _mean_over_samples("bce_with_logits", logits, targets, term)


def hinge(scores: Outputs, labels: Any) -> Value:
    """micrograd's SVM max-margin loss: mean(relu(1 - y * score)), y in {-1, +1}.

    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data   # (0 + 0.5) / 2
    0.25
    """

    def term(s: Value, y: float) -> Value:
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge: labels must be -1 or +1, got {y!r}; "
                "convert 0/1 labels with micrograd_mlp.data.to_pm1(y)"
            )
        return (1.0 - y * s).relu()

    return _mean_over_samples("hinge", scores, labels, term)


def l2(parameters: Union[Iterable[Value], Any], alpha: float) -> Value:
    """L2 regularisation: ``alpha * sum(p * p)``, added to a loss.

    Accepts a list of parameters or anything with ``.parameters()`` (a model).

    >>> l2([Value(1.0), Value(-2.0)], alpha=0.1).data
    0.5
    """
    if hasattr(parameters, "parameters"):
        parameters = parameters.parameters()
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha >= 0.0:
        raise ValueError(f"l2: alpha must be a number >= 0, got {alpha!r}")
    if not math.isfinite(alpha):
        raise ValueError(f"l2: alpha must be finite, got {alpha!r}")
    alpha = float(alpha)  # a Python float, also from np.float32
    params = list(parameters)
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"l2: parameters must be Values, got {type(p).__name__}")
    if not params:
        raise ValueError("l2: no parameters given")
    return alpha * _total(p * p for p in params)


def softmax(logits: Sequence[Union[Value, Number]]) -> List[Value]:
    """Probabilities ``exp(z_i) / sum_j exp(z_j)`` of one sample's logits.

    The largest logit is subtracted first (as one ``max`` node, `max_of`):
    ``exp(z_i - m) / sum_j exp(z_j - m)`` is the same number, but no exp can
    overflow, so logits of 1000 work.

    >>> probs = softmax([Value(1000.0), Value(1000.0), Value(-1000.0)])
    >>> [round(p.data, 3) for p in probs]
    [0.5, 0.5, 0.0]
    """
    if isinstance(logits, Value) or not isinstance(logits, (list, tuple)) and not hasattr(logits, "tolist"):
        raise TypeError(f"softmax takes one sample's list of logits, got {type(logits).__name__}")
    logits = [_lift(z) for z in (logits.tolist() if hasattr(logits, "tolist") else logits)]
    if not logits:
        raise ValueError("softmax of an empty list: a sample needs at least one logit")
    largest = max_of(logits)
    shifted_exps = [(z - largest).exp() for z in logits]
    total = _total(shifted_exps)
    return [e / total for e in shifted_exps]


def _class_index(t: Any, classes: int, i: int) -> int:
    """A class target as an int in [0, classes), or a clear error."""
    if hasattr(t, "item") and getattr(t, "ndim", 1) == 0:  # NumPy scalars
        t = t.item()
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not float(t).is_integer():
        raise ValueError(
            f"cross_entropy: the target of sample {i} must be a class index (an integer), got {t!r:.40}"
        )
    if not 0 <= t < classes:
        raise ValueError(
            f"cross_entropy: the target of sample {i} is class {int(t)}, but the model has "
            f"{classes} outputs (classes 0 to {classes - 1})"
        )
    return int(t)


def cross_entropy(outputs: Sequence[Any], targets: Any) -> Value:
    """Softmax cross-entropy: mean over samples of ``-log softmax(z)[t]``.

    ``outputs`` is a list of samples, each a list of k logits (the k outputs of
    the last, linear layer); ``targets`` a list of class indices in ``0..k-1``.
    Per sample it is ``logsumexp(z) - z[t]`` with the largest logit subtracted
    inside the log-sum-exp (``m + log(sum exp(z_i - m))``), so logits of 1000 or
    -1000 give a finite loss and gradient. d loss / d z_i is ``softmax(z)_i - [i == t]``.

    >>> z = [[Value(2.0), Value(0.0), Value(0.0)]]
    >>> loss = cross_entropy(z, [0])
    >>> round(loss.data, 6)                     # -log(e^2 / (e^2 + 2))
    0.239545
    >>> loss.backward(); round(z[0][0].grad, 6)  # softmax - 1
    -0.213014
    """
    if hasattr(targets, "tolist"):
        targets = targets.tolist()
    if hasattr(outputs, "tolist"):
        outputs = outputs.tolist()
    if not isinstance(outputs, (list, tuple)) or not isinstance(targets, (list, tuple)):
        raise TypeError(
            "cross_entropy takes a list of samples (each a list of k logits) and a list of class "
            "indices, e.g. cross_entropy([model(x) for x in X], y)"
        )
    if len(outputs) != len(targets):
        raise ValueError(f"cross_entropy: got {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("cross_entropy: no outputs (an empty batch has no mean loss)")
    per_sample = []
    for i, (logits, t) in enumerate(zip(outputs, targets)):
        if not isinstance(logits, (list, tuple)) or len(logits) < 2:
            raise ValueError(
                f"cross_entropy: sample {i} has {1 if not isinstance(logits, (list, tuple)) else len(logits)} "
                "output; it needs one logit per class (at least 2). Build the model with k outputs, "
                "e.g. MLP(nin, [16, k]); for two classes with one output use loss='bce_logits'"
            )
        logits = [_lift(z) for z in logits]
        target = _class_index(t, len(logits), i)
        largest = max_of(logits)
        # log sum_i exp(z_i) = m + log sum_i exp(z_i - m): every exp gets an argument <= 0
        log_sum_exp = largest + _total((z - largest).exp() for z in logits).log()
        per_sample.append(log_sum_exp - logits[target])
    return _total(per_sample) * (1.0 / len(per_sample))


LOSSES = {
    "mse": mse,
    "bce": binary_cross_entropy,
    "bce_logits": bce_with_logits,
    "hinge": hinge,
    "cross_entropy": cross_entropy,
}


# ------------------------------------------------ per-sample terms for a replay
# The public losses above take targets as numbers and some branch on data
# (bce_with_logits on the sign of z, binary_cross_entropy and hinge on the
# target). A graph recorded once and replayed on other samples (batched.py)
# must be the same straight-line program for every sample, so each loss also
# has a per-sample term here that takes its targets as Values and has no
# branch on data. Each gives the same value and gradient as the public loss
# on one sample (up to rounding); the mean over samples is taken by the replay.


def mse_term(outputs: Sequence[Value], targets: Sequence[Value]) -> Value:
    """One sample's ``sum over outputs of 0.5 * (output - target)^2``, targets as Values.

    >>> mse_term([Value(3.0)], [Value(1.0)]).data
    2.0
    """
    return _total(0.5 * (o - t) ** 2 for o, t in zip(outputs, targets))


def bce_term(probs: Sequence[Value], targets: Sequence[Value]) -> Value:
    """One sample's ``-(t log p + (1 - t) log(1 - p))``, both terms always present.

    A term whose weight is 0 adds exactly 0 (``0 * log p``), as the public
    loss, which leaves it out; p = 0 or 1 gives 0 * inf = NaN, which a replay
    hands back to the scalar engine (whose loss then explains itself).

    >>> round(bce_term([Value(0.8)], [Value(1.0)]).data, 6)
    0.223144
    """
    return _total(Value(0.0) - t * p.log() - (1.0 - t) * (1.0 - p).log() for p, t in zip(probs, targets))


def bce_logits_term(logits: Sequence[Value], targets: Sequence[Value]) -> Value:
    """One sample's ``softplus(z) - z * t``: binary cross-entropy on a logit, no branch.

    ``softplus(z) = log(1 + e^z)`` is one stable op, so both signs of z run
    the same program; d/dz = sigmoid(z) - t, as for `bce_with_logits`.

    >>> z = Value(0.0)
    >>> loss = bce_logits_term([z], [Value(1.0)])
    >>> loss.backward(); round(loss.data, 6), z.grad
    (0.693147, -0.5)
    """
    return _total(z.softplus() - z * t for z, t in zip(logits, targets))


def hinge_term(scores: Sequence[Value], labels: Sequence[Value]) -> Value:
    """One sample's ``relu(1 - y * score)`` with the label y (-1 or +1) a Value.

    >>> hinge_term([Value(0.5)], [Value(1.0)]).data
    0.5
    """
    return _total((1.0 - y * s).relu() for s, y in zip(scores, labels))


def cross_entropy_term(logits: Sequence[Value], one_hot: Sequence[Value]) -> Value:
    """One sample's ``logsumexp(z) - sum_i t_i z_i`` with a one-hot target of k Values.

    ``sum_i t_i z_i`` is ``z[t]`` for a one-hot t (adding exact zeros), so the
    value and gradient are `cross_entropy`'s, without indexing by the target.

    >>> z = [Value(2.0), Value(0.0), Value(0.0)]
    >>> round(cross_entropy_term(z, [Value(1.0), Value(0.0), Value(0.0)]).data, 6)
    0.239545
    """
    largest = max_of(logits)
    log_sum_exp = largest + _total((z - largest).exp() for z in logits).log()
    return log_sum_exp - _total(t * z for z, t in zip(logits, one_hot))


SAMPLE_TERMS = {
    "mse": mse_term,
    "bce": bce_term,
    "bce_logits": bce_logits_term,
    "hinge": hinge_term,
    "cross_entropy": cross_entropy_term,
}
"""Per-sample loss terms by loss name, for a replay (see batched.py): the loss is their mean."""
