"""The autograd engine: `Value`, one float that remembers how it was made.

Every operation creates a new `Value` and records three things next to the
result of the forward computation:

* ``parents``     - the `Value`s it was computed from,
* ``op``          - the name of the operation (``"+"``, ``"*"``, ``"tanh"``, ...),
* ``local_grads`` - d(result)/d(parent) for each parent, evaluated right now.

Because the local derivative is stored as a number when the node is built, each
op below states its forward value and its local derivative side by side, and
`backward()` is nothing but the chain rule applied in reverse topological order:

    parent.grad += node.grad * local_grad        (for every edge node <- parent)

No closures are kept per node (so no reference cycles for Python's garbage
collector to chase) and nothing recurses, so graphs of any depth work.

How the edges are stored (speed and memory, not maths). Read ``parents`` and
``local_grads`` as tuples; inside, a node keeps one or two parents and their
local derivatives in its own slots, and only a node with three or more parents
(a fused `dot`) keeps tuples. Python's garbage collector scans every container
object again and again while a graph grows; a tuple per node doubled the
objects it scans, and measured (bench/engine.py) made a training step about
2 to 2.5x slower and each node about 50 bytes bigger.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterable, Iterator, Sequence, Union

__all__ = ["Value", "no_grad", "is_grad_enabled", "dot", "max_of", "NonFiniteError"]

Number = Union[int, float]
Operand = Union["Value", int, float]

# Local derivatives that many ops share: passing one of these tuples to
# _result() saves building a new one per node.
_NO_PARENTS: tuple = ()
_PARENTS_DONE = object()  # stack marker in topological_order()
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)
_MINUS_ONE = (-1.0,)
_ONE = (1.0,)
_ZERO = (0.0,)
# Marks a leaf made by an op inside no_grad() (kept in a leaf's unused
# _left_grad slot, so no node grows): backward() from it would do nothing.
_NOT_RECORDED = "made inside no_grad()"

_grad_enabled = True


def is_grad_enabled() -> bool:
    """True unless we are inside a `no_grad()` block.

    >>> with no_grad():
    ...     print(is_grad_enabled())
    False
    """
    return _grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Compute plain numbers without recording a graph.

    Inside the block every op returns a leaf `Value` (no parents), so nothing
    can be backpropagated and no memory is spent on the graph. Use it for
    evaluation, plotting decision boundaries, or updating weights.

    >>> x = Value(3.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents
    ()

    Also works as a decorator: ``@no_grad()``. (A single global switch, like
    micrograd's simplicity; it is not thread-local.)
    """
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


def _to_float(data: object) -> float:
    """Accept Python numbers, bools and NumPy scalars; refuse anything else loudly."""
    if isinstance(data, (float, int)):  # bool is an int
        try:
            return float(data)
        except OverflowError:  # only an int can be too big for a float
            raise OverflowError(
                f"Value() got an int of {data.bit_length()} bits, too large for a float "
                "(the largest is about 1.8e308). Scale it down first."
            ) from None
    if isinstance(data, Value):
        raise TypeError(
            f"Value() got a Value ({data!r}); it is already a Value. "
            "Use it directly, or Value(v.data) for a detached copy (see also v.detach())."
        )
    # NumPy scalars (np.float32, np.int64, np.bool_, 0-d arrays) expose a dtype.
    kind = getattr(getattr(data, "dtype", None), "kind", None)
    if kind in ("b", "i", "u", "f") and getattr(data, "ndim", None) == 0:
        return float(data)  # type: ignore[arg-type]
    shown = repr(data)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise TypeError(
        f"Value() needs one real number (int, float, bool or NumPy scalar), "
        f"got {type(data).__name__} {shown}. "
        "Convert it first, e.g. Value(float(text)), or make one Value per element of a list."
    )


def _result(data: float, op: str, parents: tuple, local_grads: tuple) -> "Value":
    """Make the output node of an op (or a plain leaf when grads are off)."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _grad_enabled:
        out.op = op
        _link(out, parents, local_grads)
    else:
        out.op = ""
        _link(out, _NO_PARENTS, _NO_PARENTS)
        out._left_grad = _NOT_RECORDED  # read only by backward(), see there
    return out


def _link(node: "Value", parents: tuple, local_grads: tuple) -> None:
    """Store the edges: one or two parents in slots, three or more in tuples."""
    count = len(parents)
    # Tuples also keep whatever a user assigned to .parents / .local_grads
    # as it was given, even with mismatched lengths (backward zips them).
    if count > 2 or count != len(local_grads):  # `_left is None`: read the tuples
        node._left = node._right = None
        node._left_grad = node._right_grad = 0.0
        node._many_parents, node._many_grads = parents, local_grads
        return
    node._many_parents = node._many_grads = _NO_PARENTS
    if count == 2:
        node._left, node._right = parents
        node._left_grad, node._right_grad = local_grads
    elif count == 1:
        node._left, node._right = parents[0], None
        node._left_grad, node._right_grad = local_grads[0], 0.0
    else:
        node._left = node._right = None
        node._left_grad = node._right_grad = 0.0


def _lift(other: Operand) -> "Value":
    """Numbers on either side of an op become constant leaves of the graph."""
    return other if isinstance(other, Value) else Value(other)


_POW_NAMES: dict = {}


def _pow_name(exponent: float) -> str:
    # One shared string per exponent (e.g. "**2"), not one per node.
    # The name must give the exponent back exactly (batched.py replays "**<n>"
    # from it): ``:g`` when it round-trips ("**2", "**-1.5"), repr otherwise
    # ("**0.3333333333333333", where ``:g`` would say "**0.333333").
    name = _POW_NAMES.get(exponent)
    if name is None:
        short = f"{exponent:g}"
        name = _POW_NAMES[exponent] = "**" + (short if float(short) == exponent else repr(exponent))
    return name


def _power_rule(base: float, n: float, out: float) -> float:
    """d(x^n)/dx = n * x^(n-1), where ``out`` is x^n already computed."""
    try:
        return n * base ** (n - 1.0)
    except OverflowError:
        # |x| < 1, so x^(n-1) can overflow although x^n did not: the slope is
        # really that steep, so give +-inf (check_finite() finds it), not an error.
        return n * (out / base)


class Value:
    """One scalar in a computation graph, with its gradient.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + 1          # forward: builds the graph
    >>> c.backward()           # reverse: fills .grad by the chain rule
    >>> c.data, a.grad, b.grad
    (-5.0, -3.0, 2.0)

    Attributes:
        data: the float value.
        grad: d(root)/d(this node) after ``root.backward()``; starts at 0.0.
        label: a name shown in drawings and error messages.
        op: name of the operation that made this node ("" for a leaf).
        parents: the nodes this one was computed from (a tuple; a node used
            twice, as in ``x * x``, appears twice).
        local_grads: d(this node)/d(parent) for each entry of ``parents``.
    """

    # The edges live in the last six slots (see the module docstring);
    # `parents` and `local_grads` below present them as tuples.
    __slots__ = (
        "data", "grad", "label", "op",
        "_left", "_right", "_left_grad", "_right_grad", "_many_parents", "_many_grads",
    )  # fmt: skip

    data: float
    grad: float
    label: str
    op: str

    def __init__(self, data: Union[Number, object], label: str = "") -> None:
        self.data = _to_float(data)
        self.grad = 0.0
        self.label = str(label)
        self.op = ""
        _link(self, _NO_PARENTS, _NO_PARENTS)

    def _as_tuple(self, first: object, second: object, many: tuple) -> tuple:
        # (first, second) for two parents, (first,) for one; otherwise the
        # tuple itself: a dot node's edges, or () for a leaf.
        if self._right is not None:
            return (first, second)
        if self._left is not None:
            return (first,)
        return many

    @property
    def parents(self) -> tuple:
        """The nodes this one was computed from, e.g. ``(x, x)`` for ``x * x``."""
        return self._as_tuple(self._left, self._right, self._many_parents)

    @parents.setter
    def parents(self, parents: Iterable["Value"]) -> None:
        _link(self, tuple(parents), self.local_grads)

    @property
    def local_grads(self) -> tuple:
        """d(this node)/d(parent) for each entry of ``parents``."""
        return self._as_tuple(self._left_grad, self._right_grad, self._many_grads)

    @local_grads.setter
    def local_grads(self, local_grads: Iterable[float]) -> None:
        _link(self, self.parents, tuple(local_grads))

    # ------------------------------------------------------------------ ops
    # Each op: forward value, then (in the same call) the local derivative
    # d(out)/d(parent) for every parent.

    def __add__(self, other: Operand) -> "Value":
        other = _lift(other)
        # d(a+b)/da = 1, d(a+b)/db = 1
        return _result(self.data + other.data, "+", (self, other), _ONE_ONE)

    def __mul__(self, other: Operand) -> "Value":
        other = _lift(other)
        # d(a*b)/da = b, d(a*b)/db = a
        return _result(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __sub__(self, other: Operand) -> "Value":
        other = _lift(other)
        # d(a-b)/da = 1, d(a-b)/db = -1
        return _result(self.data - other.data, "-", (self, other), _ONE_MINUS_ONE)

    def __truediv__(self, other: Operand) -> "Value":
        other = _lift(other)
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"division by zero: {self!r} / {other!r}{other._made_by()}. "
                "Keep the denominator away from 0, e.g. add a small epsilon to it"
            )
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b
        # (a / b, not a * (1/b): the latter rounds twice, so 49 / 49 would not be 1)
        quotient = self.data / other.data
        return _result(quotient, "/", (self, other), (1.0 / other.data, -quotient / other.data))

    def __neg__(self) -> "Value":
        # d(-a)/da = -1
        return _result(-self.data, "neg", (self,), _MINUS_ONE)

    def __pow__(self, exponent: Operand) -> "Value":
        if isinstance(exponent, Value):
            return self._pow_value(exponent)
        base, n = self.data, _to_float(exponent)
        if base < 0.0 and not n.is_integer():
            raise ValueError(
                f"{self!r} ** {exponent}: a negative base with a non-integer exponent "
                "has no real result. Use an integer exponent, or make the base positive first"
            )
        if base == 0.0 and n < 0.0:
            raise ZeroDivisionError(
                f"{self!r} ** {exponent}: zero to a negative power divides by zero. "
                "Keep the base away from 0, e.g. add a small epsilon to it"
            )
        try:
            out = base**n
        except OverflowError:
            raise OverflowError(
                f"{self!r} ** {exponent} overflows a float (above about 1.8e308); bring the base closer to 1"
            ) from None
        if n == 0.0:
            local = 0.0
        elif base == 0.0 and n < 1.0:
            local = math.inf  # e.g. sqrt at 0: the tangent is vertical
        else:
            local = _power_rule(base, n, out)
        return _result(out, _pow_name(n), (self,), (local,))

    def _pow_value(self, exponent: "Value") -> "Value":
        base = self.data
        if base <= 0.0:
            raise ValueError(
                f"{self!r} ** {exponent!r}: with a Value exponent the base must be > 0, "
                "because d(a^b)/db = a^b * ln(a) needs ln(a). Use a number exponent "
                "(x ** 2) if the exponent is fixed."
            )
        try:
            out = base**exponent.data
        except OverflowError:
            raise OverflowError(
                f"{self!r} ** {exponent!r} overflows a float (above about 1.8e308); "
                "bring the base closer to 1 or the exponent closer to 0"
            ) from None
        # d(a^b)/da = b * a^(b-1),  d(a^b)/db = a^b * ln(a)
        return _result(
            out,
            "**",
            (self, exponent),
            (_power_rule(base, exponent.data, out), out * math.log(base)),
        )

    def relu(self) -> "Value":
        """max(0, x).

        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        x = self.data
        # relu(x) = max(0, x); d/dx = 1 if x > 0 else 0 (NaN stays NaN)
        return _result(0.0 if x <= 0.0 else x, "relu", (self,), _ONE if x > 0.0 else _ZERO)

    def tanh(self) -> "Value":
        """Hyperbolic tangent, between -1 and 1.

        >>> Value(0.0).tanh().data
        0.0
        """
        t = math.tanh(self.data)
        # d tanh(x)/dx = 1 - tanh(x)^2
        return _result(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> "Value":
        """1 / (1 + e^-x), between 0 and 1, without overflow for any x.

        >>> Value(0.0).sigmoid().data, Value(-1000.0).sigmoid().data
        (0.5, 0.0)
        """
        x = self.data
        # Two algebraically equal forms, each safe from exp overflow on its side.
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        # d sigmoid(x)/dx = sigmoid(x) * (1 - sigmoid(x))
        return _result(s, "sigmoid", (self,), (s * (1.0 - s),))

    def softplus(self) -> "Value":
        """log(1 + e^x), smooth relu, without overflow for any x.

        >>> round(Value(0.0).softplus().data, 6), Value(1000.0).softplus().data
        (0.693147, 1000.0)
        """
        x = self.data
        e = math.exp(-abs(x))  # never overflows: its argument is <= 0
        # softplus(x) = log(1 + e^x) = max(x, 0) + log(1 + e^-|x|)
        out = (x if x > 0.0 else 0.0) + math.log1p(e)
        # d softplus(x)/dx = e^x / (1 + e^x) = sigmoid(x), in its two stable forms
        slope = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
        return _result(out, "softplus", (self,), (slope,))

    def exp(self) -> "Value":
        """e^x; an `OverflowError` naming this node above x of about 709.78.

        >>> Value(0.0).exp().data
        1.0
        """
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data!r}) overflows a float (exp is finite only up to about 709.78) "
                f"at node {self!r}{self._made_by()}. Scale the input down, or use "
                "a numerically stable form (e.g. sigmoid(), bce_with_logits)."
            ) from None
        # d e^x/dx = e^x
        return _result(e, "exp", (self,), (e,))

    def log(self) -> "Value":
        """Natural logarithm; a `ValueError` naming this node for x <= 0.

        >>> Value(1.0).log().data
        0.0
        """
        x = self.data
        if x <= 0.0:  # (NaN is no bad input here: it flows on, as through every op)
            raise ValueError(
                f"log of a non-positive number: log({x!r}) at node {self!r}{self._made_by()}. "
                "log is defined only for x > 0; clip the input (e.g. max(x, 1e-12)) "
                "or compute the loss from logits."
            )
        # d ln(x)/dx = 1/x
        return _result(math.log(x), "log", (self,), (1.0 / x,))

    # Numbers on the left: 2 + x, 2 - x, 2 * x, 2 / x, 2 ** x.
    def __radd__(self, other: Number) -> "Value":
        return _lift(other) + self

    def __rsub__(self, other: Number) -> "Value":
        return _lift(other) - self

    def __rmul__(self, other: Number) -> "Value":
        return _lift(other) * self

    def __rtruediv__(self, other: Number) -> "Value":
        return _lift(other) / self

    def __rpow__(self, other: Number) -> "Value":
        return _lift(other) ** self

    # ------------------------------------------------------------- backward

    def backward(self) -> None:
        """Fill ``.grad`` of every node this one depends on, by the chain rule.

        Leaves accumulate (call ``zero_grad`` between training steps, as in
        PyTorch); intermediate nodes are reset first, so calling ``backward()``
        twice gives leaves exactly twice the gradient.

        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward(); x.grad
        6.0

        A result computed inside `no_grad()` has no graph behind it, so
        ``backward()`` on it is a `RuntimeError` saying so (as in PyTorch),
        not a silent no-op.
        """
        if self._left_grad is _NOT_RECORDED and self._left is None and not self._many_parents:
            raise RuntimeError(
                f"{self!r} was computed inside no_grad(), so no graph was recorded and "
                "backward() cannot reach the Values it came from. Compute it outside the "
                "no_grad() block to get gradients."
            )
        order = topological_order(self)
        for node in order:
            if node._left is not None or node._many_parents:  # not a leaf
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            upstream = node.grad
            # chain rule on every edge: dL/dparent += dL/dnode * dnode/dparent
            # (the same as zip(node.parents, node.local_grads), read from the slots)
            if node._left is not None:
                node._left.grad += upstream * node._left_grad
                if node._right is not None:
                    node._right.grad += upstream * node._right_grad
            elif node._many_parents:
                for parent, local_grad in zip(node._many_parents, node._many_grads):
                    parent.grad += upstream * local_grad

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this node and every node it depends on.

        >>> x = Value(3.0); y = x * x; y.backward()
        >>> y.zero_grad(); x.grad
        0.0
        """
        for node in topological_order(self):
            node.grad = 0.0

    def detach(self) -> "Value":
        """A new leaf with the same data and label, cut from the graph.

        >>> y = Value(3.0) * 2
        >>> y.detach().parents, y.detach().data
        ((), 6.0)
        """
        return Value(self.data, label=self.label)

    def check_finite(self) -> "Value":
        """Find the first node whose data or grad is NaN or infinite.

        Walks the graph in the order it was computed and raises
        `NonFiniteError` naming the earliest node whose ``data`` is not
        finite (where a forward pass blew up), otherwise the first node in
        backward order whose ``grad`` is not finite. Returns ``self`` when all
        is finite, so it can be chained: ``loss.check_finite().backward()``.

        >>> x = Value(1e308)
        >>> y = (x * 10) + 1
        >>> try:
        ...     y.check_finite()
        ... except NonFiniteError as err:
        ...     print(err.field, err.node.op, err.node.data)
        data * inf
        """
        order = topological_order(self)
        for node in order:
            if not math.isfinite(node.data):
                raise NonFiniteError(node, "data")
        for node in reversed(order):
            if not math.isfinite(node.grad):
                raise NonFiniteError(node, "grad")
        return self

    # -------------------------------------------------------------- helpers

    def _made_by(self) -> str:
        if not self.parents:
            return ""
        inputs = ", ".join(repr(p) for p in self.parents)
        return f" made by {self.op!r} from {inputs}"

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return float(self.data)

    def __bool__(self) -> bool:
        # `if value:` would branch on this one forward pass's number, a branch a
        # recorded graph cannot replay, and was True even for Value(0.0).
        raise TypeError(
            f"the truth value of {self!r} is ambiguous: compare its .data instead, "
            "e.g. `if value.data > 0:` (or `value.data != 0`)"
        )

    # micrograd's names, so its drawing code and habits keep working.
    @property
    def _prev(self) -> set:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op


_new_value = object.__new__


class NonFiniteError(FloatingPointError):
    """Raised by `Value.check_finite`; ``.node`` is the offending node.

    ``.field`` says which number is not finite, ``"data"`` or ``"grad"``.

    >>> x = Value(1e200, label="x")
    >>> loss = (x * x) * 0.5                 # x * x overflows to inf
    >>> try:
    ...     loss.check_finite()
    ... except NonFiniteError as err:
    ...     print(err.field, err.node.op, err.node.data)
    data * inf
    """

    def __init__(self, node: Value, field: str) -> None:
        self.node = node
        self.field = field
        number = getattr(node, field)
        where = node._made_by() or " (a leaf: an input or parameter)"
        hint = (
            "the forward pass overflowed or took an undefined value here"
            if field == "data"
            else "the backward pass overflowed here; try a smaller learning rate or inputs"
        )
        super().__init__(f"{field} is {number!r} at node {node!r}{where}; {hint}")


def topological_order(root: Value) -> list:
    """Every node `root` depends on, each after all of its parents (no recursion).

    An explicit stack replaces the recursive depth-first search, so a chain of
    a million ops needs no raised recursion limit.

    >>> x = Value(2.0, label="x")
    >>> square = x * x
    >>> order = topological_order(square + 1)   # x and the constant 1 come first
    >>> [node.op for node in order[-2:]], len(order)
    (['*', '+'], 4)
    """
    order: list = []
    visited: set = set()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())  # all its parents are already in `order`
        elif node not in visited:
            visited.add(node)
            # Below its parents goes a marker, then the node itself: they pop
            # once every parent is placed. (A marker object, not a (node, flag)
            # tuple per push: a deep graph would fill the stack with tuples that
            # the garbage collector then scans again and again.)
            stack.append(node)
            stack.append(_PARENTS_DONE)
            # node.parents, read from the slots as backward() does (the
            # property would build a tuple per node; this loop is the hot one)
            if node._left is not None:
                if node._left not in visited:
                    stack.append(node._left)
                if node._right is not None and node._right not in visited:
                    stack.append(node._right)
            else:
                for parent in node._many_parents:
                    if parent not in visited:
                        stack.append(parent)
    return order


def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """``bias + sum(w * x)`` as ONE node with a parent per weight, input and bias.

    The fused form of a neuron's pre-activation: same value and gradients as
    building it from ``*`` and ``+``, but one node instead of 2n+1, which
    makes MLP graphs much smaller to draw and faster to run. Plain numbers
    (e.g. the data fed to the first layer) are constants, not parents.

    >>> w = [Value(2.0), Value(-1.0)]
    >>> out = dot(w, [3.0, 4.0], bias=Value(0.5))
    >>> out.backward(); out.data, w[0].grad, w[1].grad
    (2.5, 3.0, 4.0)
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot() needs as many weights as inputs, got {len(weights)} weights "
            f"and {len(inputs)} inputs"
        )
    parents: list = []
    local_grads: list = []
    total = bias.data if isinstance(bias, Value) else _to_float(bias)
    for w, x in zip(weights, inputs):
        w_data = w.data if isinstance(w, Value) else _to_float(w)
        x_data = x.data if isinstance(x, Value) else _to_float(x)
        total += w_data * x_data
        # d(sum w*x)/dw_i = x_i and d/dx_i = w_i
        if isinstance(w, Value):
            parents.append(w)
            local_grads.append(x_data)
        if isinstance(x, Value):
            parents.append(x)
            local_grads.append(w_data)
    if isinstance(bias, Value):
        parents.append(bias)  # d/db = 1
        local_grads.append(1.0)
    out = _result(total, "dot", tuple(parents), tuple(local_grads))
    if _dot_recorder is not None:
        _dot_recorder(out, weights, inputs, bias)
    return out


# While batched.trace() records a function, it sets this to a callable that is
# told every dot node's exact (weight, input) pairing and bias: parents and
# local_grads alone cannot always say which parents were multiplied together.
_dot_recorder = None


def max_of(values: Sequence["Value"]) -> Value:
    """The largest of several `Value`s, as ONE node (op ``"max"``).

    Its local derivative is 1 for the (first) largest parent and 0 for every
    other one: the same rule as ``relu``, which is ``max(0, x)``. Stable
    softmax and cross-entropy subtract it from the logits (see `losses`), and
    because it is an op of the graph, a graph replayed on other data takes the
    maximum of *that* data (`batched`), not of the data it was recorded with.

    >>> a, b, c = Value(1.0), Value(5.0), Value(-2.0)
    >>> m = max_of([a, b, c])
    >>> m.backward(); m.data, a.grad, b.grad, c.grad
    (5.0, 0.0, 1.0, 0.0)
    """
    parents = tuple(_lift(v) for v in values)
    if not parents:
        raise ValueError("max_of() needs at least one Value; got an empty list")
    datas = [p.data for p in parents]
    if any(math.isnan(x) for x in datas):  # NaN flows on, as through every op
        return _result(math.nan, "max", parents, tuple(math.nan for _ in parents))
    largest = max(range(len(datas)), key=datas.__getitem__)  # the first largest
    # max(x_1, ..., x_n) = x_k for the largest k; d/dx_k = 1, d/dx_i = 0 otherwise
    local_grads = tuple(1.0 if i == largest else 0.0 for i in range(len(parents)))
    return _result(datas[largest], "max", parents, local_grads)
