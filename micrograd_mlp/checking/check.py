"""Proving the gradients: finite differences, and the slides' hand-derived backprop.

Two independent checks of ``backward()``:

* `gradcheck` nudges every input by ``+-eps`` and compares the slope it measures,
  ``(f(x + eps) - f(x - eps)) / (2 eps)``, with the gradient ``backward()`` gives.
  The central difference is accurate to O(eps^2), so for smooth functions the two
  agree to about 1e-9; a wrong local derivative shows up as a large error.
* `compare` puts a `Value` MLP next to the slides' NumPy MLP
  (`micrograd_mlp.reference`) with the same weights and data, and compares autograd
  with the gradients derived by hand, parameter by parameter. It finds the slides'
  error in the linear MLP (``dldh = np.dot(dldy, self.w2.T)*self.h``): ``w1`` and
  ``b1`` disagree, by a factor ``h``.

``micrograd-mlp check`` (or ``python -m micrograd_mlp check``) runs all of it.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Type, Union

import numpy as np
from numpy.typing import ArrayLike

from .. import losses, train
from . import reference
from ..engine import Value, dot, no_grad
from ..labels import input_label
from ..nn import MLP as ValueMLP
from .reference import PARAMETER_NAMES, from_value_mlp, to_value_mlp, value_mlp_arrays

__all__ = [
    "gradcheck",
    "gradcheck_model",
    "gradcheck_ops",
    "GradcheckReport",
    "compare",
    "CompareReport",
    "compare_training",
    "command",
]


# ------------------------------------------------------------------ gradcheck


@dataclass
class GradcheckRow:
    """One input of a gradcheck: d f / d input, by backward() and by finite differences."""

    name: str
    analytic: float
    numeric: float
    relative_error: float
    ok: bool


@dataclass
class GradcheckReport:
    """What `gradcheck` found; ``str(report)`` is a table, ``report.ok`` the verdict.

    >>> report = gradcheck(lambda v: v[0] ** 2, [3.0])
    >>> report.ok, report.failures, report.rows[0].analytic
    (True, [], 6.0)
    >>> report.summary()                                # doctest: +ELLIPSIS
    '1 input, max relative error ... (tol 1e-06, eps 1e-06): ok'
    """

    rows: List[GradcheckRow]
    eps: float
    tol: float

    @property
    def ok(self) -> bool:
        """True when every input passed."""
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> List[GradcheckRow]:
        """The rows of the inputs that did not pass."""
        return [row for row in self.rows if not row.ok]

    @property
    def max_relative_error(self) -> float:
        """The largest relative error over the inputs (0 without inputs)."""
        return max((row.relative_error for row in self.rows), default=0.0)

    def summary(self) -> str:
        """One line: how many inputs, the largest error, the verdict."""
        verdict = "ok" if self.ok else f"FAILED on {len(self.failures)}"
        inputs = "input" if len(self.rows) == 1 else "inputs"
        return (
            f"{len(self.rows)} {inputs}, max relative error {self.max_relative_error:.1e} "
            f"(tol {self.tol:g}, eps {self.eps:g}): {verdict}"
        )

    def __str__(self) -> str:
        width = max([len("input")] + [len(row.name) for row in self.rows])
        lines = [
            "gradcheck: " + self.summary(),
            f"  {'input':<{width}}  {'backward()':>16}  {'finite diff.':>16}  {'rel. error':>10}  ok",
        ]
        for row in self.rows:
            lines.append(
                f"  {row.name:<{width}}  {row.analytic:>16.9g}  {row.numeric:>16.9g}  "
                f"{row.relative_error:>10.1e}  {'ok' if row.ok else 'WRONG'}"
            )
        return "\n".join(lines)


def relative_error(analytic: float, numeric: float) -> float:
    """``|a - n| / max(1, |a|, |n|)``: relative for large gradients, absolute near 0.

    (A pure relative error is meaningless when the true gradient is 0, e.g. for
    an inactive ReLU.)
    """
    return abs(analytic - numeric) / max(1.0, abs(analytic), abs(numeric))


def gradcheck(
    f: Callable[[List[Value]], Value],
    inputs: Sequence[Union[Value, float]],
    eps: float = 1e-6,
    tol: float = 1e-6,
) -> GradcheckReport:
    """Check ``backward()`` against central finite differences, input by input.

    ``f`` takes the list of input `Value`s and returns a scalar `Value`; it is
    called once with gradients on, then twice per input with the input moved by
    ``+eps`` and ``-eps``. Plain numbers in ``inputs`` become `Value`s named
    ``x1, x2, ...``. Afterwards every input holds its original ``data`` and, as
    ``grad``, the gradient ``backward()`` gave.

    >>> report = gradcheck(lambda v: v[0] * v[1] + v[0].tanh(), [2.0, -3.0])
    >>> report.ok
    True
    >>> print(report)                                  # doctest: +ELLIPSIS
    gradcheck: 2 inputs, max relative error ...e-1... (tol 1e-06, eps 1e-06): ok
      input        backward()      finite diff.  rel. error  ok
      x1          -2.92934918       -2.92934918     ...e-1...  ok
      x2                    2                 2     ...e-1...  ok

    A point where ``f`` is not differentiable (ReLU at exactly 0) cannot pass:
    the slope differs on either side.
    """
    if not (eps > 0 and math.isfinite(eps)) or not (tol > 0):
        raise ValueError(f"eps and tol must be positive numbers, got eps={eps!r}, tol={tol!r}")
    inputs = [x if isinstance(x, Value) else Value(x, label=input_label(i)) for i, x in enumerate(inputs, start=1)]
    if not inputs:
        raise ValueError("gradcheck() needs at least one input Value")
    out = f(inputs)
    if not isinstance(out, Value):
        raise TypeError(
            f"gradcheck(): f must return one scalar Value, got {type(out).__name__}. "
            "For a model with several outputs, reduce them to a loss first."
        )
    for x in inputs:
        x.grad = 0.0  # leaves accumulate: start from 0 so .grad is this backward's
    out.backward()
    analytic = [x.grad for x in inputs]

    rows = []
    for i, (x, grad) in enumerate(zip(inputs, analytic)):
        original = x.data
        # Perturb in place and re-run f: the Value objects stay the same, so any
        # graph f builds from them sees the nudged number.
        with no_grad():
            x.data = original + eps
            above = float(f(inputs))
            x.data = original - eps
            below = float(f(inputs))
        x.data = original
        numeric = (above - below) / (2.0 * eps)
        error = relative_error(grad, numeric)
        rows.append(GradcheckRow(x.label or f"inputs[{i}]", grad, numeric, error, error <= tol))
    return GradcheckReport(rows, eps, tol)


def gradcheck_model(
    model: ValueMLP,
    loss_fn: Callable[..., Value],
    X: ArrayLike,
    y: ArrayLike,
    eps: float = 1e-6,
    tol: float = 1e-6,
) -> GradcheckReport:
    """`gradcheck` of ``loss_fn([model(x) for x in X], y)`` w.r.t. every parameter.

    >>> from micrograd_mlp.losses import mse
    >>> model = ValueMLP(2, [3, 1], seed=0)
    >>> gradcheck_model(model, mse, [[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0]).ok
    True
    """
    samples = [list(x) for x in X]

    def loss_of_parameters(parameters: List[Value]) -> Value:
        return loss_fn([model(x) for x in samples], y)

    return gradcheck(loss_of_parameters, model.parameters(), eps=eps, tol=tol)


def gradcheck_ops(eps: float = 1e-6, tol: float = 1e-6) -> Dict[str, GradcheckReport]:
    """`gradcheck` of every operation of the engine, each at a generic point.

    >>> all(report.ok for report in gradcheck_ops().values())
    True
    """
    # Points away from kinks (relu at 0) and domain edges (log at 0).
    cases: Dict[str, tuple] = {
        "+": (lambda v: v[0] + v[1], [1.5, -0.7]),
        "-": (lambda v: v[0] - v[1], [1.5, -0.7]),
        "*": (lambda v: v[0] * v[1], [1.5, -0.7]),
        "/": (lambda v: v[0] / v[1], [1.5, -0.7]),
        "neg": (lambda v: -v[0], [1.5]),
        "**2": (lambda v: v[0] ** 2, [1.5]),
        "**-1.5": (lambda v: v[0] ** -1.5, [1.5]),
        "** (Value exponent)": (lambda v: v[0] ** v[1], [1.5, -0.7]),
        "relu": (lambda v: v[0].relu() + v[1].relu(), [1.5, -0.7]),
        "tanh": (lambda v: v[0].tanh(), [0.3]),
        "sigmoid": (lambda v: v[0].sigmoid() + v[1].sigmoid(), [1.5, -0.7]),
        "exp": (lambda v: v[0].exp(), [0.3]),
        "log": (lambda v: v[0].log(), [1.5]),
        "dot": (lambda v: dot(v[:2], v[2:4], v[4]), [1.5, -0.7, 0.3, 2.0, 0.1]),
        "x * x (node used twice)": (lambda v: v[0] * v[0], [1.5]),
        "numbers on the left": (lambda v: 2 - 3 / v[0] + 2 ** v[0], [1.5]),
    }
    return {name: gradcheck(f, points, eps=eps, tol=tol) for name, (f, points) in cases.items()}


# -------------------------------------------------------------------- compare


@dataclass
class ParameterRow:
    """One parameter array (w1, b1, w2 or b2): autograd against the hand-derived gradient."""

    name: str
    autograd: np.ndarray
    hand: np.ndarray
    labels: np.ndarray  # the Value labels, e.g. "L1.N3.w2", of every entry
    tol: float

    @property
    def errors(self) -> np.ndarray:
        return np.abs(self.autograd - self.hand)

    @property
    def max_abs_error(self) -> float:
        return float(self.errors.max())

    @property
    def ok(self) -> bool:
        return self.max_abs_error <= self.tol

    @property
    def worst(self) -> tuple:
        """Index of the entry with the largest error."""
        return np.unravel_index(int(np.argmax(self.errors)), self.errors.shape)


@dataclass
class CompareReport:
    """What `compare` found; ``str(report)`` is the per-parameter table.

    >>> from micrograd_mlp.reference import SlidesLinearMLP
    >>> report = compare(SlidesLinearMLP(2, 3, 1, seed=0), [[0.5, -1.0]], [[1.0]])
    >>> report.ok, report.mismatched, report.max_abs_error > 1e-3
    (False, ['w1', 'b1'], True)
    >>> print(str(report).splitlines()[0])
    SlidesLinearMLP (the slides, as written): D_in=2, H=3, D_out=1, batch of 1, tol 1e-09
    """

    title: str
    rows: List[ParameterRow]
    explanation: str
    known_slide_error: bool
    tol: float
    verbose: bool = False

    @property
    def ok(self) -> bool:
        """True when autograd and the hand-derived gradients agree everywhere."""
        return all(row.ok for row in self.rows)

    @property
    def mismatched(self) -> List[str]:
        """Names of the parameters where the two disagree, e.g. ``['w1', 'b1']``."""
        return [row.name for row in self.rows if not row.ok]

    @property
    def max_abs_error(self) -> float:
        """The largest |autograd - hand-derived| over every parameter entry."""
        return max(row.max_abs_error for row in self.rows)

    def __str__(self) -> str:
        lines = [self.title]
        header = (
            f"  {'param':<5}  {'shape':<7}  {'worst entry':<20}  {'autograd':>13}  "
            f"{'hand-derived':>13}  {'max abs err':>11}  verdict"
        )
        lines.append(header)
        for row in self.rows:
            at = row.worst
            where = f"{row.name}[{','.join(map(str, at))}] {row.labels[at]}"
            verdict = "ok" if row.ok else "MISMATCH"
            lines.append(
                f"  {row.name:<5}  {'x'.join(map(str, row.hand.shape)):<7}  {where:<20}  "
                f"{row.autograd[at]:>13.6g}  {row.hand[at]:>13.6g}  "
                f"{row.max_abs_error:>11.1e}  {verdict}"
            )
        if self.verbose:
            lines.append(f"  {'every entry':<22}  {'autograd':>13}  {'hand-derived':>13}  {'abs err':>11}")
            for row in self.rows:
                for at in np.ndindex(row.hand.shape):
                    where = f"{row.name}[{','.join(map(str, at))}] {row.labels[at]}"
                    lines.append(
                        f"    {where:<20}  {row.autograd[at]:>13.6g}  "
                        f"{row.hand[at]:>13.6g}  {row.errors[at]:>11.1e}"
                    )
        lines.append(textwrap.fill(self.explanation, width=100, initial_indent="  ", subsequent_indent="  "))
        return "\n".join(lines)


def compare(
    model_or_reference: Union[ValueMLP, reference.MLP],
    X: ArrayLike,
    Y: ArrayLike,
    *,
    reference_model: Union[None, reference.MLP, Type[reference.MLP]] = None,
    tol: float = 1e-9,
    fused: bool = False,
    verbose: bool = False,
) -> CompareReport:
    """Autograd against the slides' hand-derived gradients, parameter by parameter.

    Pass a reference model (`micrograd_mlp.reference`), and a `Value` MLP with its
    weights is built; or pass a two-layer `Value` MLP, and the reference is built
    from it (``reference_model`` may name the class, e.g. `SlidesLinearMLP`, or
    be a reference instance with the same weights). Both compute the gradient of
    the loss *summed* over the samples of ``X`` (the slides' convention): on the
    `Value` side that is ``len(X) * losses.mse(outputs, Y)`` (or
    ``binary_cross_entropy`` for `BinaryMLP`), since the library's losses are
    means. Afterwards the `Value` MLP's ``.grad`` holds those batch gradients.

    >>> from micrograd_mlp.reference import MLPrelu, SlidesLinearMLP
    >>> X, Y = [[0.5, -1.0], [1.0, 2.0]], [[1.0], [-1.0]]
    >>> compare(MLPrelu(2, 3, 1, seed=0), X, Y).ok
    True
    >>> report = compare(SlidesLinearMLP(2, 3, 1, seed=0), X, Y)
    >>> report.mismatched, report.known_slide_error
    (['w1', 'b1'], True)
    """
    if isinstance(model_or_reference, reference.MLP):
        if reference_model is not None:
            raise ValueError("pass reference_model= only with a Value MLP")
        ref = model_or_reference
        mlp = to_value_mlp(ref, fused=fused)
    else:
        mlp = model_or_reference
        ref = _reference_for(mlp, reference_model)
    x, y = ref.as_batch(X, Y)

    autograd = _autograd_gradients(mlp, ref, x, y)
    hand = ref.gradients(x, y)
    labels = value_mlp_arrays(mlp, "label")
    rows = [ParameterRow(name, autograd[name], hand[name], labels[name], tol) for name in PARAMETER_NAMES]
    D_in, H, D_out = ref.sizes
    title = (
        f"{type(ref).__name__}{' (the slides, as written)' if ref.as_written else ''}: "
        f"D_in={D_in}, H={H}, D_out={D_out}, batch of {len(x)}, tol {tol:g}"
    )
    explanation, factor_is_h = _explain(rows, mlp, ref, x, y)
    mismatched = [row.name for row in rows if not row.ok]
    known = bool(ref.as_written and mismatched == ["w1", "b1"] and factor_is_h)
    if ref.as_written:
        note = getattr(ref, "known_error", "")
        if known:
            explanation += f" KNOWN SLIDE ERROR (expected): {note}."
        else:
            explanation += f" The slides' known error ({note}) was NOT found as expected."
    return CompareReport(title, rows, explanation, known, tol, verbose)


def _reference_for(mlp, reference_model) -> reference.MLP:
    if reference_model is None or isinstance(reference_model, type):
        return from_value_mlp(mlp, reference_model)
    if not isinstance(reference_model, reference.MLP):
        raise TypeError(
            f"reference_model must be a reference model or class, got {type(reference_model).__name__}"
        )
    weights = value_mlp_arrays(mlp)
    for name, array in reference_model.parameters().items():
        if np.shape(array) != weights[name].shape or not np.array_equal(array, weights[name]):
            raise ValueError(
                f"compare() needs the same weights on both sides, but {name} differs; build one "
                "from the other with to_value_mlp(reference) or from_value_mlp(mlp)"
            )
    return reference_model


def _value_loss(ref: reference.MLP, outputs: list, targets: np.ndarray) -> Value:
    """The `Value` loss whose gradient ``ref.gradients`` derives: summed over the batch.

    The library's losses average over the samples; the references (like the
    slides) sum, so the mean is scaled back up by the number of samples.
    """
    loss_fn = getattr(losses, ref.loss_name)
    return loss_fn(outputs, targets) * len(outputs)


def _autograd_gradients(mlp, ref, x: np.ndarray, y: np.ndarray) -> Dict[str, np.ndarray]:
    mlp.zero_grad()
    loss = _value_loss(ref, [mlp(row) for row in x], y)
    loss.backward()
    return value_mlp_arrays(mlp, "grad")


def _explain(rows, mlp, ref, x, y) -> tuple:
    """A sentence saying where the gradients disagree and why, measured per sample.

    Returns (sentence, whether the hand-derived dl/dz1 is autograd's times h).
    """
    bad = [row.name for row in rows if not row.ok]
    if not bad:
        worst = max(row.max_abs_error for row in rows)
        return f"autograd = hand-derived on every parameter (max abs error {worst:.1e}).", False
    if bad != ["w1", "b1"]:
        return (
            f"autograd and hand-derived disagree on {', '.join(bad)}: the error starts at "
            "the output layer (dl/dy, the loss derivative) or earlier.",
            False,
        )
    # Only the first layer is wrong, so dl/dy and the output layer are right and
    # the error is in the step back through the hidden layer. b1's gradient of
    # one sample is exactly that step's result, dl/dz1: measure it per sample.
    ratios, hidden = [], []
    for sample, target in zip(x, y):
        hand = ref.gradients(sample, target)["b1"]
        auto = _autograd_gradients(mlp, ref, sample[None, :], target[None, :])["b1"]
        ref(sample[None, :])
        used = np.abs(auto) > 1e-12
        ratios.append(hand[used] / auto[used])
        hidden.append(ref.h[0][used])
    _autograd_gradients(mlp, ref, x, y)  # leave the batch gradients in .grad, as compare() says
    ratios, hidden = np.concatenate(ratios), np.concatenate(hidden)
    deviation = float(np.max(np.abs(ratios - hidden))) if len(ratios) else math.inf
    worst = max(row.max_abs_error for row in rows)
    where = f"w1 and b1 disagree (max abs error {worst:.3g}); w2 and b2 agree, so dl/dy is right"
    if deviation <= 1e-6 * max(1.0, float(np.max(np.abs(hidden)))):
        true_local = {"linear": "1", "relu": "relu'(z1)"}.get(ref.hidden_activation, "f1'(z1)")
        return (
            f"{where}, and in every sample the hand-derived dl/dz1 is autograd's times h, "
            f"the hidden layer's own output (deviation {deviation:.1e}): the backprop "
            f"multiplies by h where the local derivative dh/dz1 of a {ref.hidden_activation} "
            f"hidden layer is {true_local}.",
            True,
        )
    return f"{where}; the error is in the step back through the hidden layer (dh/dz1).", False


# ------------------------------------------------------------------- training


def compare_training(
    ref: reference.MLP, X: ArrayLike, Y: ArrayLike, epochs: int = 3, lr: float = 0.01
) -> Dict[str, float]:
    """Train a copy of ``ref`` (its ``fit``) and a `Value` MLP from the same start.

    The reference runs the slides' per-sample gradient descent; the `Value` MLP
    runs the library's `micrograd_mlp.train.fit` with ``batch_size=1``, no
    shuffling and plain SGD, which is the same loop. Returns the max abs
    difference of each parameter array after training (``ref`` is untouched).

    >>> from micrograd_mlp.reference import MLPrelu
    >>> X = np.linspace(-1, 1, 6)[:, None]
    >>> diffs = compare_training(MLPrelu(1, 4, 1, seed=0), X, X**2)
    >>> max(diffs.values()) < 1e-12
    True
    """
    start = ref.parameters()
    ref = type(ref).from_weights(*(start[name] for name in PARAMETER_NAMES))
    mlp = to_value_mlp(ref)
    x, y = ref.as_batch(X, Y)
    ref.fit(x, y, epochs=epochs, lr=lr)
    # One sample per step, so the library's mean loss is the slides' per-sample
    # loss, and its default SGD is the slides' w <- w - lr * dl/dw.
    train.fit(
        mlp, x, y, loss=getattr(losses, ref.loss_name), lr=lr, epochs=epochs,
        batch_size=1, shuffle=False, verbose=False,
    )
    trained = value_mlp_arrays(mlp)
    return {
        name: float(np.max(np.abs(trained[name] - array)))
        for name, array in ref.parameters().items()
    }


# ---------------------------------------------------------- the check command


# gradcheck nudges every parameter twice and reruns the whole batch each time, so
# the check's work grows as (parameters)^2 * batch: the limits on the command's
# options (cli.py) keep a typo such as --hidden 100000 from running for minutes.
# What the check costs at the defaults and at the limits: bench/README.md.
MAX_HIDDEN, MAX_INPUTS, MAX_BATCH = 16, 16, 32


def command(args: argparse.Namespace) -> int:
    """Run every check on fixed seeds and print the tables.

    The ``micrograd-mlp check`` command (its options are cli.py's).
    Returns 0 when the library is consistent: the slides' linear MLP *must*
    show its known error (and only it), everything else must agree. Returns 1
    on any library mismatch, 2 on bad options.

    >>> args = argparse.Namespace(seed=0, hidden=2, inputs=1, batch=2, verbose=False)
    >>> command(args)                                   # doctest: +ELLIPSIS
    1. Autograd against the slides' hand-derived backprop (same weights, same batch)
    ...
    All consistent: ... the slides' known error in the linear MLP (w1, b1).
    0
    """
    # np.random.default_rng refuses negative seeds with a traceback: say so first.
    for name, least in (("seed", 0), ("hidden", 1), ("inputs", 1), ("batch", 1)):
        if getattr(args, name) < least:
            print(f"check: --{name} must be at least {least}, got {getattr(args, name)}", file=sys.stderr)
            return 2
    problems = _check_references(args) + _check_ops()
    if problems:
        print("FAILED: the library is inconsistent:")
        for problem in problems:
            print("  - " + problem)
        return 1
    print(
        "All consistent: autograd = hand-derived backprop = finite differences; the only "
        "mismatch is the slides' known error in the linear MLP (w1, b1)."
    )
    return 0


def _check_references(args: argparse.Namespace) -> List[str]:
    """Print compare, gradcheck and training tables for every reference model."""
    print("1. Autograd against the slides' hand-derived backprop (same weights, same batch)\n")
    rng = np.random.default_rng([args.seed, 1])  # the data, independent of the weights
    X = rng.normal(size=(args.batch, args.inputs))
    regression_targets = rng.normal(size=(args.batch, 1))
    class_targets = (rng.random(size=(args.batch, 1)) < 0.5).astype(float)
    problems = []
    for model_class in (reference.MLP, reference.SlidesLinearMLP, reference.MLPrelu, reference.BinaryMLP):
        name = model_class.__name__
        # The same weights for every model (so the slides' linear MLP and the
        # corrected one show the same autograd column), with nonzero biases.
        weights_rng = np.random.default_rng(args.seed)
        ref = model_class(args.inputs, args.hidden, 1, rng=weights_rng)
        ref.b1 = weights_rng.normal(scale=0.1, size=ref.b1.shape)
        ref.b2 = weights_rng.normal(scale=0.1, size=ref.b2.shape)
        Y = class_targets if model_class is reference.BinaryMLP else regression_targets
        report = compare(ref, X, Y, verbose=args.verbose)
        print(report, end="\n\n")
        if ref.as_written:
            if not report.known_slide_error:
                problems.append(f"compare did not find the slides' known error in {name}")
            continue
        if not report.ok:
            problems.append(f"autograd != hand-derived for {name} on {', '.join(report.mismatched)}")

        check = gradcheck_model(to_value_mlp(ref), getattr(losses, ref.loss_name), X, Y)
        print(f"   gradcheck {name} + {ref.loss_name}: {check.summary()}")
        if args.verbose:
            print(check)
        if not check.ok:
            problems.append(f"gradcheck failed for {name}")
        worst = max(compare_training(ref, X, Y, epochs=3, lr=0.01).values())
        agree = worst <= 1e-9
        print(
            f"   3 epochs of per-sample GD, reference fit vs Value MLP: max weight "
            f"difference {worst:.1e}: {'ok' if agree else 'DIFFERENT'}\n"
        )
        if not agree:
            problems.append(f"training the reference and the Value MLP differs for {name}")
    return problems


def _check_ops() -> List[str]:
    """Print a gradcheck line for every engine op."""
    print("2. Every engine op against finite differences\n")
    problems = []
    for op, report in gradcheck_ops().items():
        print(f"   {op:<24} {report.summary()}")
        if not report.ok:
            problems.append(f"gradcheck failed for op {op}")
            print(report)
    print()
    return problems


if __name__ == "__main__":
    # The one command line is cli.py's: this old entry point says so and runs it.
    import runpy

    print("python -m micrograd_mlp.check is deprecated: run micrograd-mlp check "
          "(or python -m micrograd_mlp check)", file=sys.stderr)  # fmt: skip
    sys.argv[1:1] = ["check"]
    runpy.run_module("micrograd_mlp", run_name="__main__", alter_sys=True)
