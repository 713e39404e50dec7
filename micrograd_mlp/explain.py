"""Watching the chain rule: `backward()` one node at a time, and derivations as text.

`backward_steps` is `Value.backward` unrolled into a generator: at every node
it visits it reports the upstream gradient dL/dnode and, for every edge to a
parent, the local derivative and what was added to the parent's ``.grad``::

    parent.grad += upstream * local_grad

`explain` writes the same rule out for one node, down to the numbers:
``dL/dw1 = dL/dn * dn/dw1 = -0.5 * 2.0 = -1.0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Tuple

from .engine import Value, topological_order
from .ops import SCALAR, chain

__all__ = ["BackwardStep", "ParentUpdate", "backward_steps", "explain", "node_names"]

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


def explain(node: Value, root: Value) -> str:
    """The chain rule for d root / d node, written out with the numbers.

    The first line is the gradient of ``node`` as a sum over every edge to a
    node that uses it (two terms for ``a + a``); each ``where`` line below
    derives an upstream gradient it used, down to the root, where the chain
    starts (d root / d root = 1, said in words, not written as a factor). The numbers are
    computed fresh from the graph: ``.grad`` is neither read nor changed, so
    the text is right whether or not ``backward()`` has run.

    >>> w1, x1 = Value(-3.0, label="w1"), Value(2.0, label="x1")
    >>> n = w1 * x1; n.label = "n"
    >>> L = n * -0.5; L.label = "L"
    >>> print(explain(w1, L))
    dL/dw1 = dL/dn * dn/dw1 = -0.5 * 2.0 = -1.0
      where dL/dn = the local derivative at L, where the chain starts (dL/dL = 1) = -0.5
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
    root_name = names[root]

    # The chain starts at the root with d root / d root = 1. Written as a factor,
    # "dL/dL * dL/dn", it reads as circular, so it is said in words instead: an edge
    # into the root contributes just its local derivative. Every line still ends
    # with its number.
    start = f"d{root_name}/d{root_name} = 1"

    def derivation(each: Value) -> str:
        total = f"d{root_name}/d{names[each]}"
        if each is root:
            return f"the chain starts at {root_name}: {start}.0"
        terms = users[each]
        numbers = " + ".join(
            number(local) if user is root else f"{number(grads[user])} * {number(local)}" for user, local in terms
        )
        if len(terms) > 1:
            numbers += f" = {number(grads[each])}"
        if all(user is root for user, _ in terms):
            what = "the local derivative" if len(terms) == 1 else "the local derivatives"
            per_use = "," if len(terms) == 1 else ", one per use,"
            if len(terms) == 1:  # the total itself (0.0 + local: no "-0.0" where backward has 0.0)
                numbers = number(grads[each])
            return f"{total} = {what} at {root_name}{per_use} where the chain starts ({start}) = {numbers}"
        symbols = " + ".join(
            f"(the local derivative at {root_name}, where the chain starts: {start})" if user is root
            else f"d{root_name}/d{names[user]} * d{names[user]}/d{names[each]}"
            for user, _ in terms
        )
        if len(terms) == 1:
            numbers += f" = {number(grads[each])}"
        return f"{total} = {symbols} = {numbers}"

    lines = [derivation(node)]
    for each in sorted(_on_the_way_to_root(node, users), key=position.__getitem__):
        if each is not root:
            lines.append("  where " + derivation(each))
    return "\n".join(lines)


def _gradients(order: List[Value]) -> Tuple[Dict[Value, float], Dict[Value, list]]:
    """d root / d node for every node (root = order[-1]) and, per node, its users.

    The chain rule as in backward(), but into a dict, so .grad stays untouched.
    ``users[parent]`` lists (node, local_grad) once per edge, in the order
    backward() adds them.
    """
    grads = {each: 0.0 for each in order}
    users: Dict[Value, list] = {each: [] for each in order}
    grads[order[-1]] = 1.0
    for each in reversed(order):
        for parent, local_grad in zip(each.parents, each.local_grads):
            grads[parent] += grads[each] * local_grad
            users[parent].append((each, local_grad))
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
