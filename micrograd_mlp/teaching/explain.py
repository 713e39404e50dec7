"""Watching the chain rule: `backward()` one node at a time, and derivations as text.

`backward_steps` is `Value.backward` unrolled into a generator: at every node
it visits it reports the upstream gradient dL/dnode and, for every edge to a
parent, the local derivative and what was added to the parent's ``.grad``::

    parent.grad += upstream * local_grad

`explain` writes the same rule out for one node as a student would by hand,
each local derivative as its formula in the graph's own names
(`local_derivative`), then the numbers:
``dL/dw1 = dL/dn * dn/dw1 = (-0.5) * x1 = (-0.5) * 2.0 = -1.0``.

One step of `backward_steps` is what ``node._backward()`` does to a single
node, as in Karpathy's lecture: ``o.grad = 1.0; o._backward(); n._backward()``
walks the same steps by hand, in the same reverse topological order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Tuple

from ..engine import Value, topological_order
from ..ops import SCALAR, chain

__all__ = [
    "BackwardStep", "LocalDerivative", "ParentUpdate", "backward_steps", "explain", "local_derivative",
    "node_formula", "node_names", "number",
]

# Unlabelled nodes are named after their op, e.g. "mul1", "tanh2", "const3".
_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "": "const"}


def node_names(order: List[Value]) -> Dict[Value, str]:
    """A readable name for every node: its label, or one made from its op.

    Unlabelled nodes are numbered per kind in the order given (use
    `topological_order`, so names are the same every time).

    >>> a = Value(2.0, label="a")
    >>> out = (a * 3).tanh()
    >>> list(node_names(topological_order(out)).values())
    ['const1', 'a', 'mul1', 'tanh1']
    """
    names: Dict[Value, str] = {}
    counts: Dict[str, int] = {}
    for node in order:
        if node.label:
            names[node] = node.label
            continue
        word = "pow" if node.op.startswith("**") else _OP_WORDS.get(node.op, node.op)
        counts[word] = counts.get(word, 0) + 1
        names[node] = f"{word}{counts[word]}"
    return names


def number(x: float) -> str:
    """A float for a derivation: 4 significant digits, and "2.0" rather than "2".

    >>> number(2.0), number(-0.5), number(1 / 3), number(1e-7)
    ('2.0', '-0.5', '0.3333', '1e-07')
    """
    text = f"{x:.4g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


@dataclass(frozen=True)
class ParentUpdate:
    """What one edge node <- parent adds to the parent's gradient.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> start, step = backward_steps(a * b)
    >>> update = step.updates[0]                        # the edge to a
    >>> update.name, update.local_grad, update.contribution, update.grad_after
    ('a', -3.0, -3.0, -3.0)
    """

    parent: Value
    name: str
    local_grad: float  # d node / d parent
    contribution: float  # upstream * local_grad, added to parent.grad
    grad_before: float
    grad_after: float


@dataclass(frozen=True)
class BackwardStep:
    """The chain rule applied at one node during `backward_steps`.

    ``upstream`` is dL/dnode, already final when the node is visited (every
    node that uses it came later in the forward pass, so earlier here).
    ``updates`` has one entry per edge, so a parent used twice (``a * a``)
    appears twice and its second entry shows the accumulation.

    >>> a = Value(3.0, label="a")
    >>> start, step = backward_steps(a * a)
    >>> step.index, step.name, step.upstream, [u.grad_after for u in step.updates]
    (1, 'mul1', 1.0, [3.0, 6.0])
    """

    index: int  # 0 is the start (the seed dL/dL = 1), then 1, 2, ...
    node: Value
    name: str
    upstream: float
    updates: Tuple[ParentUpdate, ...]

    def __str__(self) -> str:
        if self.index == 0:
            return (
                f"step 0: start: intermediate grads set to 0, {self.name}.grad += 1"
                f" (d{self.name}/d{self.name} = 1)"
            )
        head = f"step {self.index}: at {self.name} ({self.node.op}), upstream grad {number(self.upstream)}"
        lines = [head]
        for update in self.updates:
            # Printed from the step, not the update, so the upstream is exact.
            lines.append(
                f"  {update.name}.grad += {number(self.upstream)} * {number(update.local_grad)}"
                f" = {number(update.contribution)}"
                f"  ({number(update.grad_before)} -> {number(update.grad_after)})"
            )
        return "\n".join(lines)


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """`root.backward()`, one node at a time, saying what each step adds.

    Like ``backward()`` it mutates ``.grad`` as it goes (so a drawing made
    between steps shows the gradients filled in so far). Step 0 is the start:
    intermediate grads reset to 0 and ``root.grad`` gets 1 added (dL/dL = 1).
    Then comes one step per node with parents, in the order ``backward()``
    visits them (leaves are visited too but do nothing, so they get no step).
    Consumed to the end it leaves exactly the same grads as ``backward()``,
    bit for bit; stopping early leaves them half filled.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a          # a is used twice: its grad accumulates
    >>> for step in backward_steps(c):
    ...     print(step)
    step 0: start: intermediate grads set to 0, add1.grad += 1 (dadd1/dadd1 = 1)
    step 1: at add1 (+), upstream grad 1.0
      mul1.grad += 1.0 * 1.0 = 1.0  (0.0 -> 1.0)
      a.grad += 1.0 * 1.0 = 1.0  (0.0 -> 1.0)
    step 2: at mul1 (*), upstream grad 1.0
      a.grad += 1.0 * -3.0 = -3.0  (1.0 -> -2.0)
      b.grad += 1.0 * 2.0 = 2.0  (0.0 -> 2.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps needs the Value to backpropagate from, got {type(root).__name__}")
    return _steps(root)  # checked now, run lazily: nothing changes until the first step is asked for


def _steps(root: Value) -> Iterator[BackwardStep]:
    order = topological_order(root)
    names = node_names(order)
    # The same start as Value.backward: fresh intermediate grads, seed dL/dL = 1.
    for node in order:
        if node.parents:
            node.grad = 0.0
    root.grad += 1.0
    yield BackwardStep(0, root, names[root], root.grad, ())
    index = 0
    for node in reversed(order):
        if not node.parents:
            continue
        upstream = node.grad
        updates = []
        for parent, local_grad in zip(node.parents, node.local_grads):
            before = parent.grad
            # upstream * local_grad, but a zero on either side gives 0 (never 0 x inf), as backward()
            contribution = chain(SCALAR, upstream, local_grad)
            parent.grad += contribution
            updates.append(
                ParentUpdate(parent, names[parent], local_grad, contribution, before, parent.grad)
            )
        index += 1
        yield BackwardStep(index, node, names[node], upstream, tuple(updates))


def _shown(node: Value, names: Dict[Value, str]) -> str:
    """A parent as it appears in a formula: its name, or the number of an unnamed constant."""
    return names[node] if (node.label or node.parents) else number(node.data)


def node_formula(node: Value, names: Dict[Value, str]) -> str:
    """How `node` was computed from its parents, in the graph's own names.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> out = (a * b + 1).tanh()
    >>> names = node_names(topological_order(out))
    >>> node_formula(out, names), node_formula(out.parents[0], names)
    ('tanh(add1)', 'mul1 + 1.0')
    """
    shown = [_shown(p, names) for p in node.parents]
    if node.op in ("+", "-", "*", "/", "**") and len(shown) == 2:
        return f"{shown[0]} {node.op} {shown[1]}"
    if node.op.startswith("**"):
        return f"{shown[0]} ** {node.op[2:]}"
    if node.op == "neg":
        return f"-{shown[0]}"
    if node.op == "dot":
        return f"dot({', '.join(shown)})"
    return f"{node.op}({', '.join(shown)})"


@dataclass(frozen=True)
class LocalDerivative:
    """d node / d parent on one edge, as a formula in the graph's own names.

    ``formula`` is what a student writes by hand (``"1 - o^2"``, ``"w1"``,
    ``"1 / b"``); put the nodes' values into it and it gives ``value``, the
    engine's ``local_grads`` entry for that edge. ``why`` says, in the graph's
    names, which rule gives it.

    >>> n = Value(0.5, label="n")
    >>> o = n.tanh(); o.label = "o"
    >>> step = local_derivative(o, 0, node_names(topological_order(o)))
    >>> step.formula, round(step.value, 4)
    ('1 - o^2', 0.7864)
    >>> step.why
    'o = tanh(n), and the slope of tanh is 1 minus its output squared'
    """

    formula: str
    value: float
    why: str

    @property
    def is_number(self) -> bool:
        """Is the formula a plain number ("1", "-1", "2.5"), which its value says already?"""
        try:
            float(self.formula)
        except ValueError:
            return False
        return True


def _power(base: str, exponent: float) -> str:
    """``base^exponent`` written by hand: ``x`` for 1, ``x^2``, ``x^(-0.5)``."""
    if exponent == 1.0:
        return base
    shown = number(exponent).removesuffix(".0")
    return f"{base}^{shown}" if exponent > 0 else f"{base}^({shown})"


def local_derivative(node: Value, index: int, names: Dict[Value, str]) -> LocalDerivative:
    """The local derivative d node / d node.parents[index], with its formula and rule.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> out = a * b; out.label = "out"
    >>> names = node_names(topological_order(out))
    >>> local_derivative(out, 0, names)
    LocalDerivative(formula='b', value=-3.0, why='out = a * b, and the derivative of the product with respect to one factor is the other factor')
    """
    parents = node.parents
    value = node.local_grads[index]
    me, it = names[node], _shown(parents[index], names)
    made = f"{me} = {node_formula(node, names)}"
    op = node.op
    formula = number(value)  # for an op with no rule below: the number itself
    why = f"{made}: the engine's local derivative of {op}"
    if op == "+":
        formula, why = "1", f"{made} passes its grad unchanged to each term"
    elif op == "-":
        formula = "1" if index == 0 else "-1"
        why = f"{made}: +1 for the first term, -1 for the term taken away"
    elif op == "*":
        formula = _shown(parents[1 - index], names)
        why = f"{made}, and the derivative of the product with respect to one factor is the other factor"
    elif op == "/":
        top, bottom = _shown(parents[0], names), _shown(parents[1], names)
        formula = f"1 / {bottom}" if index == 0 else f"-{top} / {bottom}^2"
        why = f"{made}: 1 / {bottom} for the numerator, -{top} / {bottom}^2 for the denominator"
    elif op == "**":
        base, exponent = _shown(parents[0], names), _shown(parents[1], names)
        formula = f"{exponent} * {base}^({exponent} - 1)" if index == 0 else f"{me} * log({base})"
        why = f"{made}: {exponent} * {base}^({exponent} - 1) for the base, {me} * log({base}) for the exponent"
    elif op.startswith("**"):
        n = float(op[2:])
        if n in (0.0, 1.0):
            formula = number(n).removesuffix(".0")
        else:
            formula = f"{number(n).removesuffix('.0')} * {_power(it, n - 1.0)}"
        why = f"{made}, and by the power rule the exponent comes down and drops by one"
    elif op == "neg":
        formula, why = "-1", f"{made} flips the sign"
    elif op == "relu":
        above = parents[0].data > 0.0
        formula = "1" if above else "0"
        why = (f"{made} passes the grad only where its input is above 0; here {it} = "
               f"{number(parents[0].data)}")  # fmt: skip
    elif op == "tanh":
        formula, why = f"1 - {me}^2", f"{made}, and the slope of tanh is 1 minus its output squared"
    elif op == "sigmoid":
        formula = f"{me} * (1 - {me})"
        why = f"{made}, and the slope of sigmoid is its output times 1 minus its output"
    elif op == "softplus":
        formula, why = f"sigmoid({it})", f"{made}, and the slope of softplus is the sigmoid of its input"
    elif op == "exp":
        formula, why = me, f"{made} is its own slope"
    elif op == "log":
        formula, why = f"1 / {it}", f"{made}, and the slope of log is 1 over its input"
    elif op == "max":
        formula = "1" if value == 1.0 else "0"
        why = f"{made}: 1 for the largest input, 0 for the others"
    elif op == "dot":
        why = f"{made}: each weight's slope is its input, each input's its weight, the bias's 1"
    return LocalDerivative(formula, value, why)


def _factor(text: str) -> str:
    """A term of a product: in parentheses when it is a sum or negative, ``(1 - o^2)``, ``(-3.0)``."""
    return f"({text})" if (" " in text or text.startswith("-")) else text


def explain(node: Value, root: Value) -> str:
    """The chain rule for d root / d node, written out as by hand, with the numbers.

    The first line is the gradient of ``node`` as a sum over every edge to a
    node that uses it (two terms when it is used twice): upstream times local
    derivative, first in symbols, then with each local derivative's formula
    (`local_derivative`), then in numbers. Each ``where`` line below derives an
    upstream gradient it used, down to the root, where the chain starts
    (d root / d root = 1); the last line says how each node named in the text
    was computed. The numbers are computed fresh from the graph: ``.grad`` is
    neither read nor changed, so the text is right whether or not
    ``backward()`` has run.

    >>> w1, x1 = Value(-3.0, label="w1"), Value(2.0, label="x1")
    >>> n = w1 * x1; n.label = "n"
    >>> L = n * -0.5; L.label = "L"
    >>> print(explain(w1, L))
    dL/dw1 = dL/dn * dn/dw1 = (-0.5) * x1 = (-0.5) * 2.0 = -1.0
      where dL/dn = dL/dL * dL/dn = 1 * (-0.5) = -0.5
      with L = n * -0.5, n = w1 * x1
    """
    if not isinstance(node, Value) or not isinstance(root, Value):
        raise TypeError(
            f"explain(node, root) needs two Values, got {type(node).__name__} and "
            f"{type(root).__name__}; e.g. explain(w1, loss)"
        )
    order = topological_order(root)
    position = {each: i for i, each in enumerate(order)}
    if node not in position:
        raise ValueError(
            f"{node!r} is not part of the graph of {root!r}, so the root does not depend "
            "on it (its gradient is 0). Pass the output the node was used to compute."
        )
    names = node_names(order)
    grads, users = _gradients(order)
    top = names[root]
    mentioned: set = {node}

    def derivation(each: Value) -> str:
        total = f"d{top}/d{names[each]}"
        if each is root:
            return f"the chain starts at {top}: {total} = 1.0"
        symbols, formulas, numbers, locals_ = [], [], [], []
        for user, index in users[each]:
            mentioned.add(user)
            local = local_derivative(user, index, names)
            locals_.append(local)
            upstream = "1" if user is root else _factor(number(grads[user]))
            symbols.append(f"d{top}/d{names[user]} * d{names[user]}/d{names[each]}")
            formulas.append(f"{upstream} * {_factor(local.formula)}")
            numbers.append(f"{upstream} * {_factor(number(local.value))}")
        parts = [total, " + ".join(symbols), " + ".join(formulas)]
        if not all(local.is_number for local in locals_):
            parts.append(" + ".join(numbers))
        parts.append(number(grads[each]))
        return " = ".join(parts)

    lines = [derivation(node)]
    for each in sorted(_on_the_way_to_root(node, users), key=position.__getitem__):
        if each is not root:
            lines.append("  where " + derivation(each))
    computed = [each for each in sorted(mentioned, key=position.__getitem__, reverse=True) if each.parents]
    if computed and node is not root:
        lines.append("  with " + ", ".join(f"{names[each]} = {node_formula(each, names)}" for each in computed))
    return "\n".join(lines)


def _gradients(order: List[Value]) -> Tuple[Dict[Value, float], Dict[Value, list]]:
    """d root / d node for every node (root = order[-1]) and, per node, its users.

    The chain rule as in backward(), but into a dict, so .grad stays untouched.
    ``users[parent]`` lists (node, index of parent in node.parents) once per
    edge, in the order backward() adds them.
    """
    grads = {each: 0.0 for each in order}
    users: Dict[Value, list] = {each: [] for each in order}
    grads[order[-1]] = 1.0
    for each in reversed(order):
        for parent, local_grad in zip(each.parents, each.local_grads):
            grads[parent] += grads[each] * local_grad
        for index, parent in enumerate(each.parents):
            users[parent].append((each, index))
    return grads, users


def _on_the_way_to_root(node: Value, users: Dict[Value, list]) -> set:
    """Every node that uses `node`, directly or not (the paths up to the root)."""
    found: set = set()
    stack = [user for user, _ in users[node]]
    while stack:
        each = stack.pop()
        if each not in found:
            found.add(each)
            stack.extend(user for user, _ in users[each])
    return found
