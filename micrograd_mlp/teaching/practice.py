"""Chain-rule exercises: compute the gradients yourself, then see which step went wrong.

`make_exercise` picks a small expression at one of four levels (`LEVELS`)
with values that keep the arithmetic doable by hand, and hides its gradients
(the exercise's graph has never been backpropagated). `check_answer` runs the
library's own backward pass (`backward_steps`, `explain`: nothing is
re-derived here), says right or wrong for every node, and for a wrong one
names the part of the chain rule that went wrong::

    dout/dp = sum over the edges p -> u of  dout/du  *  du/dp
                                            upstream    local derivative

* ``"local"``: the upstream grad was right, the local derivative du/dp was not
  (or it was left out: the upstream passed through unchanged);
* ``"upstream"``: the grad of the node above was wrong (the error flowed down),
  or only the local derivative was written, without the upstream factor;
* ``"second_path"``: a node used twice got only one path's share: the grads
  of all its edges add up.

The same exercises run in a terminal (``micrograd-mlp practice``) and in the
playground's chain-rule lab.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

from ..engine import Value, topological_order
from .explain import backward_steps, explain, local_derivative, node_formula, node_names, number
from .expression import ExpressionError, parse_expression

__all__ = ["LEVELS", "Exercise", "Feedback", "Verdict", "make_exercise", "check_answer", "local_rule"]

LEVELS: Dict[int, str] = {
    1: "one op",
    2: "a chain",
    3: "a reused node with two paths",
    4: "a small neuron",
}

# Expressions per level; each name gets a value drawn from its pool below.
_TEMPLATES: Dict[int, Tuple[str, ...]] = {
    1: ("a * b", "a + b", "a - b", "a / b", "a ** 2", "relu(a)"),
    2: ("(a + b) * c", "(a * b + c) * d", "(a - b) ** 2", "relu(a * b - c)", "(a * b + c) ** 2"),
    3: ("a * b + a", "a * a + b", "(a + b) * a", "(a - b) * (a + c)", "a * b - a * c"),
    4: ("tanh(x1*w1 + x2*w2 + b)", "relu(x1*w1 + x2*w2 + b)", "sigmoid(x1*w1 + b)", "tanh(x1*w1 + b)"),
}
_SMALL = (-3.0, -2.0, -1.0, 1.0, 2.0, 3.0)
_POOLS: Dict[str, Tuple[float, ...]] = {
    "x1": (-1.0, 0.5, 1.0, 2.0),
    "x2": (-2.0, -1.0, 1.0, 0.5),
    "w1": (-1.0, -0.5, 0.5, 1.0),
    "w2": (-1.0, -0.5, 0.5, 1.0),
    "b": (-0.5, 0.5, 1.0),
}

# An answer counts as right within 0.5% (or 0.001): the page and the terminal
# show numbers to 4 significant digits, and students round.
REL_TOL = 5e-3
ABS_TOL = 1e-3


def _close(given: float, expected: float) -> bool:
    return math.isclose(given, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


@dataclass
class Exercise:
    """One chain-rule exercise: an expression, its values, and the grads to find.

    ``root`` is the graph (named ``out``) with its gradients still hidden
    (never backpropagated); ``asked`` lists the nodes to answer dout/dnode
    for, in the order the backward pass reaches them. Rebuilt exactly from
    ``(level, seed)``.

    >>> exercise = make_exercise(level=1, seed=2)
    >>> exercise.expression, exercise.values, exercise.asked
    ('a * b', {'a': -1.0, 'b': -2.0}, ['a', 'b'])
    >>> exercise.root.data, exercise.root.grad      # the grad is not computed yet
    (2.0, 0.0)
    """

    level: int
    seed: int
    expression: str
    values: Dict[str, float]
    root: Value
    asked: List[str]

    def forward_lines(self) -> List[str]:
        """The forward pass, one node a line: ``mul1 = a * b = -6.0``."""
        order = topological_order(self.root)
        names = node_names(order)
        # the given values first, in the order the expression names them (a, b, c), then each op
        lines = [f"{name} = {number(value)}" for name, value in self.values.items()]
        for node in order:
            if node.parents:
                lines.append(f"{names[node]} = {node_formula(node, names)} = {number(node.data)}")
        return lines

    def __str__(self) -> str:
        head = f"Level {self.level} ({LEVELS[self.level]}): out = {self.expression}"
        wanted = ", ".join(f"dout/d{name}" for name in self.asked)
        return "\n".join([head, "forward pass:", *("  " + line for line in self.forward_lines()),
                          f"find: {wanted}"])  # fmt: skip


def _check_level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        choices = ", ".join(f"{k} ({v})" for k, v in LEVELS.items())
        raise ValueError(f"level must be one of {choices}; got {level!r}")
    return level


def make_exercise(level: int = 1, seed: Optional[int] = None) -> Exercise:
    """A random exercise of the given level (1 to 4, see `LEVELS`), reproducible by `seed`.

    >>> exercise = make_exercise(level=3, seed=1)
    >>> print(exercise)
    Level 3 (a reused node with two paths): out = (a + b) * a
    forward pass:
      a = -1.0
      b = -2.0
      add1 = a + b = -3.0
      out = add1 * a = 3.0
    find: dout/dadd1, dout/db, dout/da
    """
    level = _check_level(level)
    if seed is None:
        seed = random.SystemRandom().randrange(10**6)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    rng = random.Random(f"{level}:{seed}")  # a str seed: the same exercise on every Python
    expression = rng.choice(_TEMPLATES[level])
    for _ in range(100):
        pools = _POOLS if level == 4 else {}  # a neuron's inputs, weights, bias; else small integers
        values = {name: rng.choice(pools.get(name, _SMALL)) for name in _names_of(expression)}
        root = _build(expression, values)
        if root is not None:
            break
    else:  # pragma: no cover - every template has good values in its pools
        raise RuntimeError(f"no usable values for {expression!r}")
    return Exercise(level, seed, expression, values, root, _asked(root))


def _names_of(expression: str) -> List[str]:
    from .expression import expression_names

    return expression_names(expression)


def _build(expression: str, values: Mapping[str, float]) -> Optional[Value]:
    """The graph named ``out``, or None when the values make a poor exercise."""
    try:
        root = parse_expression(expression, **values)
    except ExpressionError:  # e.g. a / 0: draw other values
        return None
    for node in topological_order(root):
        # relu at exactly 0 has no derivative to teach; the engine's choice (0) would confuse
        if node.op == "relu" and node.parents[0].data == 0.0:
            return None
    if not root.label:
        root.label = "out"
    return root


def _asked(root: Value) -> List[str]:
    """Every node but the output and the unnamed constants, in backward order."""
    order = topological_order(root)
    names = node_names(order)
    return [names[node] for node in reversed(order) if node is not root and (node.label or node.parents)]


def local_rule(node: Value, names: Optional[Dict[Value, str]] = None) -> str:
    """The rule that gives `node`'s local derivatives, in the graph's own names.

    >>> a, b = Value(-1.0, label="a"), Value(-2.0, label="b")
    >>> out = (a + b) * a; out.label = "out"
    >>> local_rule(out)
    'out = add1 * a, and the derivative of the product with respect to one factor is the other factor'
    """
    if not node.parents:
        return ""
    if names is None:
        names = node_names(topological_order(node))
    return local_derivative(node, 0, names).why


@dataclass(frozen=True)
class Verdict:
    """Right or wrong for one node, and for a wrong one what went wrong.

    ``mistake`` is "" when right, else one of "local", "upstream",
    "second_path", "missing" (no answer), "not_a_number".

    >>> feedback = check_answer(make_exercise(level=1, seed=2), {"a": -2, "b": -1})
    >>> feedback.verdicts[0].right, feedback.verdicts[0].expected    # d(a*b)/da = b
    (True, -2.0)
    """

    name: str
    given: Optional[float]
    expected: float
    right: bool
    mistake: str
    message: str


@dataclass
class Feedback:
    """What `check_answer` found: a `Verdict` per asked node and the worked steps.

    ``steps`` is the backward pass as `backward_steps` prints it, ``explanations``
    the chain rule written out (`explain`) for every asked node.

    >>> feedback = check_answer(make_exercise(level=1, seed=2), {"a": "-1", "b": "-1"})
    >>> feedback.all_right, feedback.verdicts[0].mistake          # a's grad is b, not a
    (False, 'local')
    """

    verdicts: List[Verdict]
    steps: List[str]
    explanations: Dict[str, str] = field(default_factory=dict)

    @property
    def all_right(self) -> bool:
        """True when every asked grad was right."""
        return all(verdict.right for verdict in self.verdicts)

    @property
    def score(self) -> Tuple[int, int]:
        """(right answers, asked)."""
        return sum(v.right for v in self.verdicts), len(self.verdicts)

    def __str__(self) -> str:
        right, asked = self.score
        lines = [f"{right} of {asked} right" + (": well done!" if self.all_right else "")]
        for verdict in self.verdicts:
            lines.append(f"  dout/d{verdict.name}: {verdict.message}")
        if not self.all_right:
            lines.append("worked steps (the backward pass, one node at a time):")
            lines.extend("  " + line for step in self.steps for line in step.splitlines())
            for verdict in self.verdicts:
                if not verdict.right:
                    lines.append(f"the chain rule for {verdict.name}:")
                    lines.extend("  " + line for line in self.explanations[verdict.name].splitlines())
        return "\n".join(lines)


def _read_answer(answer: object) -> Tuple[Optional[float], str]:
    """A typed answer as a number: 2, -0.5, '1/3', '-2*0.75'. (number or None, problem)."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return None, "missing"
    if isinstance(answer, bool):
        return None, "not_a_number"
    if isinstance(answer, (int, float)):
        number_ = float(answer)
    else:
        try:  # our own parser with no names: numbers and arithmetic only, never eval
            number_ = parse_expression(str(answer)[:100]).data
        except (ExpressionError, TypeError):
            return None, "not_a_number"
    if not math.isfinite(number_):
        return None, "not_a_number"
    return number_, ""


def check_answer(exercise: Exercise, answers: Mapping[str, object]) -> Feedback:
    """Check the typed grads (dout/dname per name) against the engine's backward pass.

    Answers may be numbers or text such as ``"-0.5"`` or ``"1/3"``. For each
    wrong one the verdict names which part of the chain rule went wrong.

    >>> exercise = make_exercise(level=3, seed=1)
    >>> exercise.expression, exercise.values
    ('(a + b) * a', {'a': -1.0, 'b': -2.0})
    >>> feedback = check_answer(exercise, {"add1": -1, "b": -1, "a": -3})   # a: one path only
    >>> [(v.name, v.right, v.mistake) for v in feedback.verdicts]
    [('add1', True, ''), ('b', True, ''), ('a', False, 'second_path')]
    >>> print(feedback.verdicts[2].message)
    wrong: you wrote -3.0, it is -4.0. a is used 2 times (by add1 and out), so its grad is the sum over every path: dout/da = dout/dout * dout/da + dout/dadd1 * dadd1/da = 1 * add1 + (-1.0) * 1 = 1 * (-3.0) + (-1.0) * 1.0 = -4.0. You have only part of it.
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"check_answer needs an Exercise from make_exercise(), got {type(exercise).__name__}")
    if not isinstance(answers, Mapping):
        raise TypeError(f"answers must be a dict of name -> number, e.g. {{'a': 2.0}}, got {type(answers).__name__}")
    # A fresh graph, backpropagated by the library one step at a time.
    root = _build(exercise.expression, exercise.values)
    assert root is not None  # the exercise was built from the same text and values
    steps = [str(step) for step in backward_steps(root)]
    order = topological_order(root)
    names = node_names(order)
    by_name = {names[node]: node for node in order}
    users: Dict[Value, List[Tuple[Value, float]]] = {node: [] for node in order}
    for node in order:
        for parent, local_grad in zip(node.parents, node.local_grads):
            users[parent].append((node, local_grad))
    read = {name: _read_answer(answers.get(name)) for name in exercise.asked}
    verdicts = []
    for name in exercise.asked:
        node = by_name[name]
        given, problem = read[name]
        verdicts.append(_verdict(name, node, given, problem, users[node], names, read, root))
    explanations = {name: explain(by_name[name], root) for name in exercise.asked}
    return Feedback(verdicts, steps, explanations)


def _edge(user: Value, parent: Value, names: Dict[Value, str]) -> Tuple[str, str]:
    """The local derivative on the edge parent -> user: ``dout/dadd1 = a = -1.0`` and its rule."""
    index = next(i for i, p in enumerate(user.parents) if p is parent)
    local = local_derivative(user, index, names)
    text = f"d{names[user]}/d{names[parent]} = {local.formula}"
    if not local.is_number:  # a formula in names: its number too
        text += f" = {number(local.value)}"
    return text, local.why


def _verdict(name, node, given, problem, edges, names, read, root) -> Verdict:
    expected = node.grad
    top = names[root]
    if problem == "missing":
        return Verdict(name, None, expected, False, "missing", f"no answer; it is {number(expected)}")
    if problem:
        return Verdict(name, None, expected, False, "not_a_number",
                       f"that is no number; type one such as -0.5 or 1/3. It is {number(expected)}")  # fmt: skip
    if _close(given, expected):
        return Verdict(name, given, expected, True, "", f"right ({number(expected)})")
    start = f"wrong: you wrote {number(given)}, it is {number(expected)}."
    # The chain rule for this node as the library writes it (explain's first line).
    chain = explain(node, root).splitlines()[0]
    contributions = [user.grad * local for user, local in edges]
    user_names = [names[user] for user, _ in edges]

    # 1. A node used more than once: did the answer keep only some of its paths?
    if len(edges) > 1:
        for size in range(1, len(edges)):
            for subset in itertools.combinations(range(len(edges)), size):
                if _close(given, sum(contributions[i] for i in subset)):
                    return Verdict(name, given, expected, False, "second_path", (
                        f"{start} {name} is used {len(edges)} times (by {' and '.join(user_names)}), so "
                        f"its grad is the sum over every path: {chain}. You have only part of it."))  # fmt: skip

    # 2. A wrong answer above this node flows down the chain: fix that one first.
    wrong_above = []
    for user, _ in edges:
        user_given, user_problem = read.get(names[user], (None, "not asked"))
        if user is not root and not user_problem and not _close(user_given, user.grad):
            wrong_above.append((user, user_given))
    if wrong_above:
        user, user_given = wrong_above[0]
        carried = _close(given, sum(
            (dict(wrong_above).get(u, u.grad) if u is not root else 1.0) * l for u, l in edges))  # fmt: skip
        how = ("You applied the chain rule right, but to the wrong upstream grad"
               if carried else "The upstream grad it builds on is wrong too")  # fmt: skip
        return Verdict(name, given, expected, False, "upstream", (
            f"{start} {how}: you wrote {number(user_given)} for d{top}/d{names[user]}, which should be "
            f"{number(user.grad)}; fix that one first. Then {chain}."))  # fmt: skip

    # 3. The upstream grads are right: the local derivative (or the product) is not.
    if len(edges) == 1:
        user, local = edges[0]
        upstream = user.grad
        link, why = _edge(user, node, names)
        if _close(given, local) and not _close(upstream, 1.0):
            return Verdict(name, given, expected, False, "upstream", (
                f"{start} You wrote only the local derivative {link}; multiply it by the upstream grad "
                f"d{top}/d{names[user]} = {number(upstream)}: {chain}."))  # fmt: skip
        if user is root:  # the upstream is dout/dout = 1: the grad is the local derivative itself
            return Verdict(name, given, expected, False, "local", (
                f"{start} Right below the output the upstream grad is d{top}/d{top} = 1, so "
                f"d{top}/d{name} is the local derivative itself: {link} ({why})."))  # fmt: skip
        if _close(given, upstream) and not _close(local, 1.0):
            return Verdict(name, given, expected, False, "local", (
                f"{start} You passed the upstream grad (d{top}/d{names[user]} = {number(upstream)}) through "
                f"unchanged; multiply it by the local derivative {link} ({why}): {chain}."))  # fmt: skip
        implied = f", where your answer means {number(given / upstream)} for it" if upstream else ""
        return Verdict(name, given, expected, False, "local", (
            f"{start} The upstream grad is right (d{top}/d{names[user]} = {number(upstream)}); the local "
            f"derivative is {link} ({why}){implied}. So {chain}."))  # fmt: skip
    parts = "; ".join("the local derivative {} ({})".format(*_edge(user, node, names))
                      for user in dict.fromkeys(u for u, _ in edges))  # fmt: skip
    return Verdict(name, given, expected, False, "local", (
        f"{start} Check the local derivatives on its {len(edges)} edges: {parts}. "
        f"Then add upstream times local over the edges: {chain}."))  # fmt: skip


def exercise_answers(exercise: Exercise) -> Dict[str, float]:
    """The right answers (for teachers and tests), from the library's backward pass.

    >>> exercise_answers(make_exercise(level=1, seed=2))
    {'a': -2.0, 'b': -1.0}
    """
    root = _build(exercise.expression, exercise.values)
    assert root is not None
    root.backward()
    order = topological_order(root)
    names = node_names(order)
    by_name = {names[node]: node for node in order}
    return {name: by_name[name].grad for name in exercise.asked}


def ask_in_terminal(exercise: Exercise, read_line=input, say=print, again: bool = False) -> Optional[Feedback]:
    """Ask each grad of `exercise` with `read_line` (input()), then print the feedback.

    With ``again`` (a person at a terminal) a typo that is not a number is asked
    again instead of counted wrong. Returns None when the input ends before
    any answer (Ctrl-D, an empty pipe).

    >>> answers = iter(["-2", "-1"])
    >>> feedback = ask_in_terminal(make_exercise(1, seed=2), lambda prompt: next(answers), lambda text: None)
    >>> feedback.all_right
    True
    """
    say(str(exercise))
    answers: Dict[str, str] = {}
    for name in exercise.asked:
        try:
            answers[name] = read_line(f"dout/d{name} = ")
            while again and _read_answer(answers[name])[1] == "not_a_number":
                answers[name] = read_line(f"that is no number (type one such as -0.5 or 1/3); dout/d{name} = ")
        except (EOFError, StopIteration):
            if not answers:
                return None
            say("(input ended: the rest count as unanswered)")
            break
    feedback = check_answer(exercise, answers)
    say(str(feedback))
    return feedback

