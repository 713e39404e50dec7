"""The autograd engine: `Value`, one float that remembers how it was made.

Every operation makes a new `Value` and records, next to its result:

* ``parents``     - the `Value`s it was computed from,
* ``op``          - the name of the operation (``"+"``, ``"*"``, ``"tanh"``, ...),
* ``local_grads`` - d(result)/d(parent) for each parent, evaluated right now.

What each op computes, and its local derivatives, are written once, side by
side, in the table of ops (`micrograd_mlp.ops`); this module applies them to
floats. `backward()` is then nothing but the chain rule, node by node in
reverse topological order (`Value._backward`):

    parent.grad += node.grad * local_grad        (for every edge node <- parent)

No closures are kept per node and nothing recurses, so graphs of any depth work.
"""

from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence, Union

from .edges import NO_EDGES, EdgeSlots
from .grad_mode import GRAD_MODE, RECORDING, is_grad_enabled, no_grad, recording, set_grad_enabled
from .ops import LEAF, SCALAR, TABLE, Op, op_named, power

__all__ = [
    "Value", "no_grad", "set_grad_enabled", "is_grad_enabled", "recording",
    "dot", "max_of", "topological_order", "to_float", "NonFiniteError",
]  # fmt: skip

Number = Union[int, float]
Operand = Union["Value", int, float]

# The entries of the table of ops that Value applies (see micrograd_mlp/ops.py).
_ADD, _SUB, _MUL, _DIV, _NEG, _POW = (TABLE[k] for k in ("+", "-", "*", "/", "neg", "**"))
_RELU, _TANH, _SIGMOID, _SOFTPLUS, _EXP, _LOG = (TABLE[k] for k in ("relu", "tanh", "sigmoid", "softplus", "exp", "log"))
_DOT, _MAX = TABLE["dot"], TABLE["max"]


class Value(EdgeSlots):
    """One scalar in a computation graph, with its gradient.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + 1          # forward: builds the graph
    >>> c.backward()           # reverse: fills .grad by the chain rule
    >>> c.data, a.grad, b.grad
    (-5.0, -3.0, 2.0)

    micrograd's form ``Value(data, (a, b), '+')`` makes a node by hand; its
    local derivatives come from the table of ops when the op is one of them.
    Code may also hang its own attributes on a node (``p.m`` of an optimizer).

    Attributes:
        data: the float value.
        grad: d(root)/d(this node) after ``root.backward()``; starts at 0.0.
        label: a name shown in drawings and error messages.
        op: name of the operation that made this node ("" for a leaf).
        operation: that operation's entry in the table of ops (`ops.Op`).
        parents: the nodes this one was computed from (a tuple; a node used
            twice, as in ``x * x``, appears twice).
        local_grads: d(this node)/d(parent) for each entry of ``parents``.
    """

    # (`EdgeSlots` stores parents and local_grads: see micrograd_mlp/edges.py)
    __slots__ = ("data", "grad", "label", "operation", "__dict__")

    data: float
    grad: float
    label: str
    operation: Op

    def __init__(self, data: Union[Number, object], _children: Iterable["Value"] = (), _op: str = "",
                 label: str = "") -> None:  # fmt: skip
        if isinstance(_children, str):  # Value(2.0, "a"): this library's old second argument, the label
            _children, label = (), _children
        self.data = to_float(data)
        self.grad = 0.0
        self.label = str(label)
        self.operation = op_named(_op) if _op else LEAF
        parents = tuple(_children)
        self.set_edges(parents, _hand_made_grads(self, parents) if parents else NO_EDGES)

    @property
    def op(self) -> str:
        """The name of the op that made this node: ``"+"``, ``"**2"``, ``""`` for a leaf."""
        return self.operation.name

    @op.setter
    def op(self, name: str) -> None:
        self.operation = op_named(name)

    # ------------------------------------------------------------------ ops
    # The maths of each op is its entry in the table (ops.TABLE): here each
    # op only checks its input and applies the entry to this node's float.

    def __add__(self, other: Operand) -> "Value":
        return _apply2(_ADD, self, _lift(other))

    def __mul__(self, other: Operand) -> "Value":
        return _apply2(_MUL, self, _lift(other))

    def __sub__(self, other: Operand) -> "Value":
        return _apply2(_SUB, self, _lift(other))

    def __truediv__(self, other: Operand) -> "Value":
        other = _lift(other)
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"division by zero: {self!r} / {other!r}{other._made_by()}. "
                "Keep the denominator away from 0, e.g. add a small epsilon to it"
            )
        # (a / b, not a * (1/b): the latter rounds twice, so 49 / 49 would not be 1)
        return _apply2(_DIV, self, other)

    def __neg__(self) -> "Value":
        return _apply1(_NEG, self)

    def __pow__(self, exponent: Operand) -> "Value":
        if isinstance(exponent, Value):
            return self._pow_value(exponent)
        base, n = self.data, to_float(exponent)
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
        op = power(n)  # the exponent is the op's own number, passed after the input
        try:
            out = op.value(SCALAR, base, n)
        except OverflowError:
            raise OverflowError(
                f"{self!r} ** {exponent} overflows a float (above about 1.8e308); bring the base closer to 1"
            ) from None
        return _node(out, op, (self,), op.local_grads(SCALAR, out, base, n))

    def _pow_value(self, exponent: "Value") -> "Value":
        if self.data <= 0.0:
            raise ValueError(
                f"{self!r} ** {exponent!r}: with a Value exponent the base must be > 0, "
                "because d(a^b)/db = a^b * ln(a) needs ln(a). Use a number exponent "
                "(x ** 2) if the exponent is fixed."
            )
        try:
            return _apply2(_POW, self, exponent)
        except OverflowError:
            raise OverflowError(
                f"{self!r} ** {exponent!r} overflows a float (above about 1.8e308); "
                "bring the base closer to 1 or the exponent closer to 0"
            ) from None

    def relu(self) -> "Value":
        """max(0, x).

        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        return _apply1(_RELU, self)

    def tanh(self) -> "Value":
        """Hyperbolic tangent, between -1 and 1.

        >>> Value(0.0).tanh().data
        0.0
        """
        return _apply1(_TANH, self)

    def sigmoid(self) -> "Value":
        """1 / (1 + e^-x), between 0 and 1, without overflow for any x.

        >>> Value(0.0).sigmoid().data, Value(-1000.0).sigmoid().data
        (0.5, 0.0)
        """
        return _apply1(_SIGMOID, self)

    def softplus(self) -> "Value":
        """log(1 + e^x), smooth relu, without overflow for any x.

        >>> round(Value(0.0).softplus().data, 6), Value(1000.0).softplus().data
        (0.693147, 1000.0)
        """
        return _apply1(_SOFTPLUS, self)

    def exp(self) -> "Value":
        """e^x; an `OverflowError` naming this node above x of about 709.78.

        >>> Value(0.0).exp().data
        1.0
        """
        try:
            return _apply1(_EXP, self)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data!r}) overflows a float (exp is finite only up to about 709.78) "
                f"at node {self!r}{self._made_by()}. Scale the input down, or use "
                "a numerically stable form (e.g. sigmoid(), bce_with_logits)."
            ) from None

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
        return _apply1(_LOG, self)

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

        A zero never multiplies an infinity: where a local derivative (or a
        node's grad) is exactly 0, that edge passes nothing down, so
        ``relu(x) ** 0.5`` at x = -1 gives ``x.grad == 0``, not NaN (as PyTorch).
        """
        if self.operation is _UNRECORDED and self.is_leaf() and not self.local_grads:
            raise RuntimeError(
                f"{self!r} was computed inside no_grad(), so no graph was recorded and "
                "backward() cannot reach the Values it came from. Compute it outside the "
                "no_grad() block to get gradients."
            )
        order = topological_order(self)
        for node in order:
            if not node.is_leaf():
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            node._backward()

    def _backward(self) -> None:
        """This node's own step of the chain rule: pass its grad on to its parents.

        Each parent's grad += local derivative x this node's grad (a leaf has
        no parents: nothing to do). `backward` calls it on every node, last
        made first; the lecture's walk by hand works too:

        >>> a = Value(2.0); b = Value(-3.0); o = a * b
        >>> o.grad = 1.0; o._backward(); a.grad, b.grad
        (-3.0, 2.0)
        """
        upstream = self.grad
        if upstream != 0.0:  # the zero rule (ops.chain): a zero passes nothing, not even 0 x inf
            # chain rule on every edge, dL/dparent += dL/dnode * dnode/dparent, i.e.
            #     for parent, local_grad in zip(self.parents, self.local_grads):
            #         if local_grad != 0.0:  (the zero rule again)
            #             parent.grad += upstream * local_grad
            self.add_to_parent_grads(upstream)

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
        if self.is_leaf():
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
        return self.operation.name


def _lift(other: Operand) -> Value:
    """Numbers on either side of an op become constant leaves of the graph."""
    return other if isinstance(other, Value) else Value(other)


def _apply1(op: Op, x: Value) -> Value:
    """The node ``op(x)``: the table's value, and its local derivative, at x's float."""
    a = x.data
    out = op.value(SCALAR, a)
    return _node(out, op, (x,), op.local_grads(SCALAR, out, a))


def _apply2(op: Op, x: Value, y: Value) -> Value:
    """The node ``op(x, y)``."""
    a, b = x.data, y.data
    out = op.value(SCALAR, a, b)
    return _node(out, op, (x, y), op.local_grads(SCALAR, out, a, b))


# A node made by an op inside no_grad(): a leaf that remembers why it is one.
_UNRECORDED = Op("", 0, None, None)


def _node(data: float, op: Op, parents: tuple, local_grads: tuple, operands: Optional[tuple] = None) -> Value:
    """The output node of an op: with its edges when recording, else a plain leaf."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    mode = GRAD_MODE.get()
    if mode is RECORDING or mode.enabled:  # (RECORDING: the usual mode, checked first as it is cheapest)
        out.operation = op
        out.set_edges(parents, local_grads)
        if mode.hook is not None:
            mode.hook(out, parents if operands is None else operands)
    else:
        out.operation = _UNRECORDED
        out.set_edges(NO_EDGES, NO_EDGES)
    return out


_new_value = object.__new__  # a node without Value.__init__'s checks: the op made its float


def _hand_made_grads(node: Value, parents: tuple) -> tuple:
    """Local derivatives of ``Value(data, (a, b), '+')``, from the table of ops."""
    op = node.operation
    if op.local_grads is None or op.arity != len(parents):
        raise ValueError(
            f"Value({node.data!r}, {len(parents)} children, {op.name!r}): the engine does not know the "
            f"derivative of {op.name!r} with {len(parents)} inputs, so backward() could not go through "
            f"this node. Use an op of the table ({', '.join(k for k in TABLE if k != '**n')}, '**<number>') "
            "with its number of inputs, or build the node with that op (e.g. a * b)"
        )
    inputs = [p.data for p in parents]
    return tuple(op.local_grads(SCALAR, node.data, *inputs, *op.constants))


_PARENTS_PLACED = object()  # a marker on topological_order's stack


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
        if node is _PARENTS_PLACED:
            order.append(stack.pop())  # all its parents are already in `order`
        elif node not in visited:
            visited.add(node)
            # Below its parents goes a marker, then the node itself: they pop
            # once every parent is placed.
            stack.append(node)
            stack.append(_PARENTS_PLACED)
            node.push_parents(stack, visited)  # its parents not yet visited
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
    w_data = [w.data if isinstance(w, Value) else to_float(w) for w in weights]
    x_data = [x.data if isinstance(x, Value) else to_float(x) for x in inputs]
    b_data = bias.data if isinstance(bias, Value) else to_float(bias)
    out = _DOT.value(SCALAR, w_data, x_data, b_data)
    if not is_grad_enabled():  # inside no_grad(): a leaf, no edges to gather (a wide layer has thousands)
        return _node(out, _DOT, NO_EDGES, NO_EDGES)
    d_weights, d_inputs, d_bias = _DOT.local_grads(SCALAR, out, w_data, x_data, b_data)
    # Only Values are parents, in the order w_0, x_0, w_1, x_1, ..., bias.
    parents: list = []
    local_grads: list = []
    for w, x, dw, dx in zip(weights, inputs, d_weights, d_inputs):
        if isinstance(w, Value):
            parents.append(w)
            local_grads.append(dw)
        if isinstance(x, Value):
            parents.append(x)
            local_grads.append(dx)
    if isinstance(bias, Value):
        parents.append(bias)
        local_grads.append(d_bias)
    return _node(out, _DOT, tuple(parents), tuple(local_grads), (weights, inputs, bias))


def max_of(values: Sequence[Operand]) -> Value:
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
    out = _MAX.value(SCALAR, datas)
    return _node(out, _MAX, parents, _MAX.local_grads(SCALAR, out, datas), (parents,))


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


def to_float(data: object) -> float:
    """Accept Python numbers, bools and NumPy scalars; refuse anything else loudly.

    >>> to_float(3), to_float(True)
    (3.0, 1.0)
    """
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
