"""The table of ops: each op's value and local derivatives, written once.

Every op the engine knows is one `Op` in `TABLE`. An op is two functions side
by side, the whole of what backpropagation needs to know about it:

* ``value(m, *inputs)``            -> the output,
* ``local_grads(m, out, *inputs)`` -> d(output)/d(input), one per input.

``m`` is a small math namespace: `SCALAR` works on Python floats (the `math`
module), `ARRAY` on NumPy arrays, element by element. The formulas are the
same text for both, so the scalar engine (`engine.Value`) and the batched
replay read the very same definition (as HIPS/autograd keeps one derivative
line per primitive).

>>> TABLE["*"].value(SCALAR, 2.0, -3.0), TABLE["*"].local_grads(SCALAR, -6.0, 2.0, -3.0)
(-6.0, (-3.0, 2.0))
>>> import numpy as np
>>> TABLE["tanh"].value(ARRAY, np.array([0.0, 1.0])).round(4)
array([0.    , 0.7616])

A power with a number exponent (``x ** 2``) is the op `power(2.0)`: its
exponent is data of the op, in ``constants``, passed after the inputs
(``value(m, x, n)``), never spelled out of its name:

>>> square = power(2.0)
>>> square.name, square.kind, square.constants
('**2', '**n', (2.0,))
>>> square.value(SCALAR, 3.0, *square.constants), square.local_grads(SCALAR, 9.0, 3.0, 2.0)
(9.0, (6.0,))

``dot`` and ``max`` take sequences: ``dot``'s inputs are ``(weights, inputs,
bias)`` and its local derivatives ``(d/dweights, d/dinputs, d/dbias)``;
``max``'s input is one sequence (axis 0 of an array) and its local derivatives
one entry per element. Domain errors (log of 0, division by 0, ...) are the
engine's to explain; here NumPy's IEEE answers (inf, nan) are what ``ARRAY``
gives and ``SCALAR`` raises Python's own errors where ``math`` does.

The chain rule's zero rule, `chain`: a zero local derivative (or a zero
gradient from above) contributes exactly 0, whatever the other factor is,
so 0 x inf is never nan (PyTorch's relu backward does the same).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

__all__ = ["Op", "TABLE", "SCALAR", "ARRAY", "power", "chain", "op_named"]


class Op:
    """One primitive: its name, its value and its local derivatives.

    ``kind`` is the op's key in `TABLE` (``"**n"`` for every number power);
    ``name`` is what drawings show (``"**2"``, micrograd's ``_op``);
    ``constants`` are the op's own numbers (a power's exponent), passed to
    ``value`` and ``local_grads`` after the inputs; ``arity`` is the number of
    inputs (``None`` for ``dot`` and ``max``, which take sequences).
    """

    __slots__ = ("name", "kind", "value", "local_grads", "constants", "arity")

    def __init__(self, name: str, arity: Optional[int], value: Optional[Callable], local_grads: Optional[Callable],
                 *, kind: Optional[str] = None, constants: Tuple[float, ...] = ()) -> None:  # fmt: skip
        self.name = name
        self.kind = name if kind is None else kind
        self.arity = arity
        self.value = value
        self.local_grads = local_grads
        self.constants = constants

    @property
    def exponent(self) -> float:
        """A number power's exponent (``power(2.0).exponent == 2.0``)."""
        if self.kind != "**n":
            raise AttributeError(f"op {self.name!r} has no exponent")
        return self.constants[0]

    def forward(self, m: Any, *inputs: Any) -> Any:
        """``value(m, *inputs, *constants)``."""
        return self.value(m, *inputs, *self.constants)

    def backward(self, m: Any, out: Any, *inputs: Any) -> tuple:
        """``local_grads(m, out, *inputs, *constants)``: one derivative per input."""
        return self.local_grads(m, out, *inputs, *self.constants)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


# --------------------------------------------------------------- the maths
# Each pair: the value, then d(out)/d(input) for every input. `out` is the
# value already computed, so a derivative can reuse it (tanh, exp, /).


def _power_value(m: Any, x: Any, n: float) -> Any:
    return x**n


def _power_grads(m: Any, out: Any, x: Any, n: float) -> tuple:
    if n == 0.0:
        return (0.0,)  # x^0 = 1 is flat, even at x = 0
    # d x^n/dx = n x^(n-1); at x = 0 with n < 1 the tangent is vertical (inf)
    return (n * m.power(x, n - 1.0),)


def _dot_value(m: Any, weights: Sequence, inputs: Sequence, bias: Any) -> Any:
    return m.dot(weights, inputs, bias)  # bias + sum_i w_i * x_i


def _max_grads(m: Any, out: Any, xs: Any) -> Any:
    # 1 for the first largest input, 0 for every other (relu's rule: relu = max(0, x))
    return m.first_largest(xs)


_OPS = [
    # d(a+b)/da = 1, d(a+b)/db = 1
    Op("+", 2, lambda m, a, b: a + b, lambda m, out, a, b: (1.0, 1.0)),
    # d(a-b)/da = 1, d(a-b)/db = -1
    Op("-", 2, lambda m, a, b: a - b, lambda m, out, a, b: (1.0, -1.0)),
    # d(a*b)/da = b, d(a*b)/db = a
    Op("*", 2, lambda m, a, b: a * b, lambda m, out, a, b: (b, a)),
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b
    Op("/", 2, lambda m, a, b: a / b, lambda m, out, a, b: (1.0 / b, -out / b)),
    # d(-a)/da = -1
    Op("neg", 1, lambda m, a: -a, lambda m, out, a: (-1.0,)),
    # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b ln(a)   (a > 0: the engine checks)
    Op("**", 2, lambda m, a, b: a**b, lambda m, out, a, b: (b * m.power(a, b - 1.0), out * m.log(a))),
    # x^n for a number n, the op's constant: see power(n)
    Op("**n", 1, _power_value, _power_grads),
    # relu(x) = max(0, x): 0 for x <= 0 (NaN stays NaN); slope 1 for x > 0, else 0
    Op("relu", 1, lambda m, x: m.where(x <= 0.0, 0.0, x), lambda m, out, x: (m.step(x),)),
    # d tanh(x)/dx = 1 - tanh(x)^2
    Op("tanh", 1, lambda m, x: m.tanh(x), lambda m, out, x: (1.0 - out * out,)),
    # sigmoid(x) = 1/(1+e^-x), in a form that never overflows; slope s(1-s)
    Op("sigmoid", 1, lambda m, x: m.sigmoid(x), lambda m, out, x: (out * (1.0 - out),)),
    # softplus(x) = log(1+e^x) = max(x, 0) + log(1 + e^-|x|); slope sigmoid(x)
    Op("softplus", 1, lambda m, x: m.where(x > 0.0, x, 0.0) + m.log1p(m.exp(-m.abs(x))),
       lambda m, out, x: (m.sigmoid(x),)),  # fmt: skip
    # d e^x/dx = e^x
    Op("exp", 1, lambda m, x: m.exp(x), lambda m, out, x: (out,)),
    # d ln(x)/dx = 1/x
    Op("log", 1, lambda m, x: m.log(x), lambda m, out, x: (1.0 / x,)),
    # bias + sum w_i x_i: d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1
    Op("dot", None, _dot_value, lambda m, out, weights, inputs, bias: (inputs, weights, 1.0)),
    # max of several inputs
    Op("max", None, lambda m, xs: m.largest(xs), _max_grads),
]

#: Every op, by kind: ``TABLE["tanh"]``, ``TABLE["**n"]`` (see `power`).
TABLE: Dict[str, Op] = {op.kind: op for op in _OPS}

_POWERS: Dict[float, Op] = {}


def power(exponent: float) -> Op:
    """The op ``x ** exponent`` (one shared `Op` per exponent).

    >>> power(0.5).name, power(1 / 3).name, power(2.0) is power(2)
    ('**0.5', '**0.3333333333333333', True)
    """
    op = _POWERS.get(exponent)
    if op is None:
        n = float(exponent)
        # the shortest spelling that gives the exponent back: "**2", "**-1.5";
        # repr where :g would round ("**0.3333333333333333", not "**0.333333")
        short = f"{n:g}"
        name = "**" + (short if float(short) == n else repr(n))
        template = TABLE["**n"]
        op = _POWERS[exponent] = Op(name, 1, template.value, template.local_grads, kind="**n", constants=(n,))
    return op


def op_named(name: str) -> Op:
    """The table's op of that name, or a nameless-maths `Op` for any other name.

    Names that are not ops (a hand-made node's ``"mystery"``) get an `Op`
    whose ``value`` and ``local_grads`` are None: the engine keeps whatever
    local derivatives it was given and the replay refuses it.

    >>> op_named("+") is TABLE["+"], op_named("**2") is power(2.0), op_named("mystery").value
    (True, True, None)
    """
    op = TABLE.get(name)
    if op is not None and op.kind != "**n":
        return op
    if name.startswith("**") and name != "**":
        try:
            return power(float(name[2:]))
        except ValueError:
            pass
    return _UNKNOWN.get(name) or _UNKNOWN.setdefault(name, Op(name, None, None, None))


_UNKNOWN: Dict[str, Op] = {}
LEAF = Op("", 0, None, None)  # a leaf: an input, a parameter or a constant


# ----------------------------------------------------- the two namespaces


def _where(condition: bool, if_true: float, if_false: float) -> float:
    return if_true if condition else if_false


def _scalar_step(x: float) -> float:
    return 1.0 if x > 0.0 else 0.0


def _scalar_power(x: float, y: float) -> float:
    """x ** y, but +-inf where Python raises (overflow, 0 to a negative power), as NumPy."""
    try:
        return x**y
    except (OverflowError, ZeroDivisionError):
        odd = y.is_integer() and y % 2.0 == 1.0
        return -math.inf if odd and math.copysign(1.0, x) < 0.0 else math.inf


def _scalar_sigmoid(x: float) -> float:
    # Two algebraically equal forms, each safe from exp overflow on its side.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _scalar_dot(weights: Sequence[float], inputs: Sequence[float], bias: float) -> float:
    total = bias  # summed in order, bias first: the same rounding as b + w0*x0 + w1*x1 + ...
    for w, x in zip(weights, inputs):
        total += w * x
    return total


def _scalar_largest(xs: Sequence[float]) -> float:
    if any(x != x for x in xs):  # NaN flows on, as through every op
        return math.nan
    return max(xs)


def _scalar_first_largest(xs: Sequence[float]) -> tuple:
    if any(x != x for x in xs):
        return tuple(math.nan for _ in xs)
    largest = max(range(len(xs)), key=xs.__getitem__)  # max() keeps the first of ties
    return tuple(1.0 if i == largest else 0.0 for i in range(len(xs)))


def _scalar_chain(upstream: float, local: float) -> float:
    # the zero rule: see chain()
    return 0.0 if upstream == 0.0 or local == 0.0 else upstream * local


#: Math on Python floats (``math``); ``where`` is ``a if c else b``; ``step(x)`` is 1 for x > 0, else 0.
SCALAR = SimpleNamespace(
    exp=math.exp, log=math.log, log1p=math.log1p, tanh=math.tanh, abs=abs,
    where=_where, step=_scalar_step, power=_scalar_power, sigmoid=_scalar_sigmoid,
    dot=_scalar_dot, largest=_scalar_largest, first_largest=_scalar_first_largest,
    chain=_scalar_chain,
)  # fmt: skip


def _array_namespace() -> SimpleNamespace:
    def sigmoid(x: Any) -> Any:
        e = np.exp(-np.abs(x))  # the same two stable forms as SCALAR's
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    def dot(weights: Any, inputs: Any, bias: Any) -> Any:
        return bias + np.sum(np.asarray(weights) * np.asarray(inputs), axis=0)

    def largest(xs: Any) -> Any:
        return np.max(np.asarray(xs), axis=0)  # NaN propagates

    def first_largest(xs: Any) -> Any:
        xs = np.asarray(xs)
        index = np.arange(xs.shape[0]).reshape((-1,) + (1,) * (xs.ndim - 1))
        chosen = (index == np.argmax(xs, axis=0)).astype(float)
        return np.where(np.isnan(xs).any(axis=0), np.nan, chosen)

    def chain(upstream: Any, local: Any) -> Any:
        with np.errstate(invalid="ignore", over="ignore"):
            product = np.multiply(upstream, local)
        return np.where((np.asarray(upstream) == 0.0) | (np.asarray(local) == 0.0), 0.0, product)

    def step(x: Any) -> Any:
        # booleans, which a product reads as 1 and 0: the same products as 1.0 and 0.0, one pass less
        return np.greater(x, 0.0)

    return SimpleNamespace(
        exp=np.exp, log=np.log, log1p=np.log1p, tanh=np.tanh, abs=np.abs,
        where=np.where, step=step, power=np.power, sigmoid=sigmoid,
        dot=dot, largest=largest, first_largest=first_largest, chain=chain,
    )  # fmt: skip


def chain(m: Any, upstream: Any, local: Any) -> Any:
    """One chain-rule product, ``upstream * local``, with the zero rule.

    A zero on either side gives exactly 0: a relu that is off (local 0) masks
    even an infinite or NaN gradient from above, and a node nothing depends on
    (upstream 0) passes nothing down, even through a vertical tangent (inf).

    >>> chain(SCALAR, math.inf, 0.0), chain(SCALAR, 0.0, math.inf), chain(SCALAR, 2.0, 3.0)
    (0.0, 0.0, 6.0)
    """
    return m.chain(upstream, local)


#: Math on NumPy arrays, element by element (``where`` is ``np.where``).
ARRAY = _array_namespace()
