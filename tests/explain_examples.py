"""Small hand-worked graphs shared by the stepper and explain tests."""

from micrograd_mlp import Value


def neuron():
    """micrograd's hand-worked neuron: o = tanh(x1*w1 + x2*w2 + b) with n = 0.8814.

    Returns the root and its named nodes; backward gives x1 -1.5, w1 1.0,
    x2 0.5, w2 0.0, b 0.5 (and n 0.5, since 1 - tanh(n)^2 = 0.5).
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, n=n)


# ------------------------------------------------ checking written formulas

import math  # noqa: E402
import re  # noqa: E402

from micrograd_mlp import topological_order  # noqa: E402
from micrograd_mlp.teaching.explain import node_names  # noqa: E402
from micrograd_mlp.teaching.expression import parse_expression  # noqa: E402

FRACTION = re.compile(r"\bd(\w+)/d(\w+)")
CHAIN_START = re.compile(r"(local derivative )?\bd(\w+)/d(\w+) = ")
FUNCTIONS = {"tanh", "sigmoid", "relu", "exp", "log"}


def _chain_at(text, start):
    """The text of one chain 'dX/dY = ... = ...' from `start` to where the sentence goes on."""
    depth, j = 0, start
    while j < len(text):
        char = text[j]
        if char == "(":
            if depth == 0 and text[j - 1] == " " and (text[j - 2].isalnum() or text[j - 2] == "."):
                break  # " (" after a word or a number: words in parentheses follow
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (text.startswith(("; ", ", ", ": ", ". ", "\n"), j) or text[j:] == "."):
            break
        j += 1
    return text[start:j].rstrip()


def check_written_formulas(text, root):
    """Every 'dX/dY = formula = number' in `text`, each part checked against the graph of `root`.

    dX/dY is the total gradient d root / d Y when X is the root (unless it follows
    '* ' or 'local derivative '), otherwise the local derivative on the edge Y -> X
    (the engine's ``local_grads``); names stand for their node's data. Every part of
    the chain must evaluate (only the graph's names, numbers and functions) to the
    same number. Returns how many chains were checked.
    """
    order = topological_order(root)
    names = node_names(order)
    by_name = {names[node]: node for node in order}
    grads = {node: 0.0 for node in order}  # the chain rule, independently of the library's code
    grads[root] = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += grads[node] * local
    root_name = names[root]

    def local(user, parent, seen):
        values = [l for p, l in zip(by_name[user].parents, by_name[user].local_grads) if p is by_name[parent]]
        assert values, f"d{user}/d{parent}: no such edge in the graph"
        # a parent used twice (x - x): the k-th mention in a sum is its k-th edge
        k = seen.get((user, parent), 0)
        seen[(user, parent)] = k + 1
        return values[k % len(values)]

    def fraction_value(match, is_local, seen):
        user, parent = match.group(1), match.group(2)
        assert user in by_name and parent in by_name, f"d{user}/d{parent} names a node not in the graph"
        if user == root_name and not is_local:
            return grads[by_name[parent]]
        return local(user, parent, seen)

    def evaluate(part):
        seen = {}

        def swap_fraction(match):
            before = part[: match.start()].rstrip()
            return f"({fraction_value(match, before.endswith('*'), seen)!r})"

        shown = FRACTION.sub(swap_fraction, part)

        def swap_name(match):
            word = match.group(0)
            if word in FUNCTIONS:
                return word
            assert word in by_name, f"{word!r} in {part!r} is not a name of the graph"
            return f"({by_name[word].data!r})"

        shown = re.sub(r"(?<![\w.])[A-Za-z_]\w*", swap_name, shown).replace("^", "**")
        return parse_expression(shown).data, [abs(float(x)) for x in re.findall(r"\d+\.?\d*(?:e[-+]?\d+)?", shown)]

    checked, end = 0, 0
    for match in CHAIN_START.finditer(text):
        if match.start() < end:  # a fraction inside the chain just checked
            continue
        chain = _chain_at(text, match.start(2) - 1)
        end = match.start(2) - 1 + len(chain)
        if "nan" in chain or "inf" in chain:
            continue
        head, *parts = chain.split(" = ")
        assert parts, f"nothing after {head!r} in {text!r}"
        lhs = fraction_value(FRACTION.match(head), bool(match.group(1)), {})
        for part in parts:
            value, numbers = evaluate(part)
            scale = max([1.0, *numbers]) ** 2
            assert math.isclose(value, lhs, rel_tol=5e-3, abs_tol=5e-3 * scale), (
                f"{head} = {part} gives {value}, the graph says {lhs}\n in: {text}")
        checked += 1
    return checked
