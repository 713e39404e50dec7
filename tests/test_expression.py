"""parse_expression: every supported form builds the graph the engine would, hostile text never runs."""

import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_mlp
from micrograd_mlp import Value, topological_order
from micrograd_mlp.teaching.expression import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NODES,
    ExpressionError,
    expression_names,
    parse_expression,
)


def leaves(root):
    return {node.label: node for node in topological_order(root) if not node.parents and node.label}


# (text, values, forward value, {name: gradient}) computed by hand
SUPPORTED = [
    ("a + b", dict(a=2, b=-3), -1.0, dict(a=1.0, b=1.0)),
    ("a - b", dict(a=2, b=-3), 5.0, dict(a=1.0, b=-1.0)),
    ("a * b", dict(a=2, b=-3), -6.0, dict(a=-3.0, b=2.0)),
    ("a / b", dict(a=3, b=-2), -1.5, dict(a=-0.5, b=-0.75)),
    ("a ** 2", dict(a=3), 9.0, dict(a=6.0)),
    ("a ** -1", dict(a=2), 0.5, dict(a=-0.25)),
    ("a ** 0.5", dict(a=4), 2.0, dict(a=0.25)),
    ("a ** b", dict(a=2, b=3), 8.0, dict(a=12.0, b=8 * math.log(2))),
    ("2 ** a", dict(a=3), 8.0, dict(a=8 * math.log(2))),
    ("-a", dict(a=2), -2.0, dict(a=-1.0)),
    ("-a ** 2", dict(a=3), -9.0, dict(a=-6.0)),  # as in Python: -(a**2)
    ("(a + b) * c", dict(a=1, b=2, c=4), 12.0, dict(a=4.0, b=4.0, c=3.0)),
    ("a + b * c", dict(a=1, b=2, c=4), 9.0, dict(a=1.0, b=4.0, c=2.0)),
    ("a - b - c", dict(a=1, b=2, c=4), -5.0, dict(a=1.0, b=-1.0, c=-1.0)),  # left to right
    ("a / b / c", dict(a=8, b=2, c=2), 2.0, dict(a=0.25, b=-1.0, c=-1.0)),
    ("relu(a)", dict(a=-1.5), 0.0, dict(a=0.0)),
    ("relu(a)", dict(a=1.5), 1.5, dict(a=1.0)),
    ("tanh(a)", dict(a=0.5), math.tanh(0.5), dict(a=1 - math.tanh(0.5) ** 2)),
    ("sigmoid(a)", dict(a=0.0), 0.5, dict(a=0.25)),
    ("exp(a)", dict(a=1.0), math.e, dict(a=math.e)),
    ("log(a)", dict(a=4.0), math.log(4), dict(a=0.25)),
    ("a*a", dict(a=3), 9.0, dict(a=6.0)),  # one leaf, two paths
    ("a*b + a", dict(a=2, b=-3), -4.0, dict(a=-2.0, b=2.0)),
    ("2.5 * a + .5 + 1e1", dict(a=2), 15.5, dict(a=2.5)),
    ("  x1 *\tw_2\n", dict(x1=2, w_2=3), 6.0, dict(x1=3.0, w_2=2.0)),
]


@pytest.mark.parametrize("text, values, expected, grads", SUPPORTED)
def test_every_supported_form_gives_the_right_value_and_gradients(text, values, expected, grads):
    out = parse_expression(text, **values)
    out.backward()
    assert out.data == pytest.approx(expected, rel=1e-12)
    found = leaves(out)
    assert set(found) == set(grads)
    for name, grad in grads.items():
        assert found[name].grad == pytest.approx(grad, rel=1e-12, abs=1e-15), name


def test_the_neuron_matches_the_same_graph_built_by_hand():
    out = parse_expression("tanh(x1*w1 + x2*w2 + b)", x1=2.0, w1=-3.0, x2=0.0, w2=1.0, b=6.8813735870195432)
    x1, w1, x2, w2, b = (Value(v) for v in (2.0, -3.0, 0.0, 1.0, 6.8813735870195432))
    hand = (x1 * w1 + x2 * w2 + b).tanh()
    out.backward()
    hand.backward()
    found = leaves(out)
    assert out.data == hand.data
    assert [found[n].grad for n in ("x1", "w1", "x2", "w2", "b")] == [v.grad for v in (x1, w1, x2, w2, b)]
    # the same ops in the same order as the engine builds them
    assert [n.op for n in topological_order(out) if n.parents] == [n.op for n in topological_order(hand) if n.parents]


def test_a_repeated_name_is_one_shared_leaf_with_two_edges():
    out = parse_expression("a*a", a=3.0)
    assert out.parents[0] is out.parents[1]
    assert out.parents[0].label == "a"


def test_a_negative_number_is_one_constant_and_exponents_are_plain_numbers():
    out = parse_expression("-3 * a ** 2", a=2.0)
    assert [n.op for n in topological_order(out) if n.parents] == ["**2", "*"]
    assert out.parents[0].data == -3.0


def test_expression_names_in_order_without_functions():
    assert expression_names("tanh(x*w) + log(x) + b") == ["x", "w", "b"]


# ------------------------------------------------------------------ rejections

HOSTILE = [
    ("</script>", 0, "unexpected character '<'"),
    ("\"a\"", 0, "quotes are not allowed"),
    ("'a'", 0, "quotes are not allowed"),
    ("__import__('os')", 0, "starts with '_'"),
    ("__import__('os').system('touch /tmp/lab_pwned')", 0, "starts with '_'"),
    ("().__class__", 2, "attribute access"),
    ("a.__class__", 1, "attribute access"),
    ("x.real", 1, "attribute access"),
    ("a.b.c", 1, "attribute access"),
    ("lambda: 1", 0, "Python syntax"),
    ("(lambda a: a)(1)", 1, "Python syntax"),
    ("[x for x in a]", 0, "no lists"),
    ("(x for x in a)", 3, "Python syntax"),
    ("{1: 2}", 0, "no lists"),
    ("a ** 99999", 5, "too large"),
    ("a ** 2 ** 2 ** 2 ** 2", 10, "too large"),  # 2 ** 2 ** 2 = 16 at position 10
    ("2 ** 1000", 5, "too large"),
    ("eval(a)", 0, "unknown function 'eval'"),
    ("exec(a)", 0, "unknown function 'exec'"),
    ("open(a)", 0, "unknown function 'open'"),
    ("print(a)", 0, "unknown function 'print'"),
    ("sqrt(a)", 0, "unknown function 'sqrt'"),
    ("tanh(a, b)", 6, "one argument"),
    ("a if a else b", 2, "Python syntax"),
    ("a; b", 1, "unexpected character ';'"),
    ("a = 1", 2, "unexpected character '='"),
    ("a < b", 2, "unexpected character '<'"),
    ("a @ b", 2, "unexpected character '@'"),
    ("a % b", 2, "'%'"),
    ("a ^ 2", 2, "write x ** 2"),
    ("2a", 1, "write the multiplication out"),
    ("a b", 2, "expected an operator"),
    ("tanh", 0, "is a function"),
    ("tanh()", 0, "needs an argument"),
    ("()", 0, "empty parentheses"),
    ("(a + b", 6, "')' to close the '(' at position 0"),
    ("a + b)", 5, "expected an operator"),
    ("a +", 3, "but the expression ends"),
    ("", 0, "empty"),
    ("+a", 0, "unary '+'"),
    ("a" * (MAX_NAME_LENGTH + 1), 0, "more than 12"),
    ("1e999 * a", 0, "too large for a float"),
    ("a\x00", 1, "control or space"),
    ("a × b", 2, "unexpected character '×'"),
]


@pytest.mark.parametrize("text, position, words", HOSTILE)
def test_hostile_and_wrong_input_is_rejected_with_the_position(text, position, words):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, a=1.0, b=2.0, x=1.0)
    error = caught.value
    assert isinstance(error, ValueError)
    assert words in error.reason
    assert error.position == position
    if text.strip():
        caret_line = str(error).splitlines()[-1]
        assert caret_line == "  " + " " * position + "^"


def test_nothing_is_run(tmp_path, monkeypatch):
    # The text of a shell command in every hostile shape: the file must never appear.
    target = tmp_path / "pwned"
    for text in (f"__import__('os').system('touch {target}')", f"().__class__.__base__('touch {target}')",
                 f"a.system('touch {target}')", f"lambda: open('{target}', 'w')"):
        with pytest.raises(ExpressionError):
            parse_expression(text, a=1.0)
    assert not target.exists()
    # and the parser calls none of Python's evaluators (a method such as re.compile is fine)
    source = Path(micrograd_mlp.teaching.expression.__file__).read_text()
    assert not re.findall(r"(?<![\w.])(eval|exec|compile|__import__|getattr|ast)\(", source)


def test_deep_nesting_is_refused_before_python_recursion_matters():
    for text in ("(" * 5000 + "a" + ")" * 5000, "-" * 5000 + "a", "tanh(" * 5000 + "a" + ")" * 5000):
        with pytest.raises(ExpressionError, match=f"more than {MAX_DEPTH} levels") as caught:
            parse_expression(text[:MAX_LENGTH] if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1], a=1.0)
        assert caught.value.position is not None
    parse_expression("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH, a=1.0)  # the limit itself is fine


def test_size_limits():
    with pytest.raises(ExpressionError, match=f"more than {MAX_LENGTH}"):
        parse_expression("a+" * 300 + "a", a=1.0)
    with pytest.raises(ExpressionError, match=f"more than {MAX_NODES} nodes") as caught:
        parse_expression("+".join(["a"] * 120), a=1.0)
    assert caught.value.position is not None
    assert parse_expression("+".join(["a"] * 50), a=1.0).data == 50.0
    assert parse_expression(f"a ** {MAX_EXPONENT}", a=1.0).data == 1.0


@pytest.mark.parametrize("text, values, position, words", [
    ("a / b", dict(a=1.0, b=0.0), 2, "divides by zero"),
    ("a / (b - b)", dict(a=1.0, b=2.0), 2, "divides by zero"),
    ("log(a - b)", dict(a=1.0, b=2.0), 0, "log needs a number > 0"),
    ("log(a)", dict(a=0.0), 0, "log needs a number > 0"),
    ("a ** 0.5", dict(a=-4.0), 2, "fractional power"),
    ("a ** b", dict(a=-2.0, b=2.0), 2, "base must be > 0"),
    ("exp(a)", dict(a=1000.0), 0, "overflows"),
    ("a * a * a * a", dict(a=1e100), 10, "overflowed"),
])
def test_engine_errors_at_these_values_become_messages(text, values, position, words):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, **values)
    assert words in caught.value.reason
    assert caught.value.position == position
    assert "Traceback" not in str(caught.value) and "Value(" not in str(caught.value)


def test_missing_and_bad_values_are_named():
    with pytest.raises(ExpressionError, match="no value for the name 'b'.*pass b=") as caught:
        parse_expression("a * b", a=1.0)
    assert caught.value.position == 4
    with pytest.raises(ExpressionError, match="finite"):
        parse_expression("a", a=float("nan"))
    with pytest.raises(ExpressionError, match="must be a number"):
        parse_expression("a", a="two")
    with pytest.raises(TypeError, match="as a str"):
        parse_expression(3)


# ------------------------------------------------------------------ property: random expressions

NAMES = ("a", "b", "c")
VALUES = dict(a=0.7, b=-1.3, c=2.1)


@st.composite
def trees(draw, depth=0):
    """(text, the same computation on Values built directly)."""
    if depth > 3 or draw(st.booleans()) and depth > 0:
        if draw(st.booleans()):
            name = draw(st.sampled_from(NAMES))
            return name, lambda leaves: leaves[name]
        number = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))
        return str(number), lambda leaves: Value(number)
    kind = draw(st.sampled_from(["+", "-", "*", "tanh", "sigmoid", "neg", "sq"]))
    left_text, left = draw(trees(depth + 1))
    if kind in ("tanh", "sigmoid"):
        return f"{kind}({left_text})", lambda leaves: getattr(left(leaves), kind)()
    if kind == "neg":
        return f"-({left_text})", lambda leaves: -left(leaves)
    if kind == "sq":
        return f"({left_text}) ** 2", lambda leaves: left(leaves) ** 2
    right_text, right = draw(trees(depth + 1))
    ops = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}
    return f"({left_text}) {kind} ({right_text})", lambda leaves: ops[kind](left(leaves), right(leaves))


@settings(max_examples=60, deadline=None)
@given(trees())
def test_random_expressions_match_the_engine(tree):
    text, build = tree
    out = parse_expression(text, **VALUES)
    direct_leaves = {name: Value(value, label=name) for name, value in VALUES.items()}
    direct = build(direct_leaves)
    if not isinstance(direct, Value) or not direct.parents and not direct.label:
        return  # a bare constant
    out.backward()
    direct.backward()
    assert out.data == pytest.approx(direct.data, rel=1e-12, abs=1e-12)
    found = leaves(out)
    for name, leaf in direct_leaves.items():
        assert (found[name].grad if name in found else 0.0) == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abx1()+-*/.^_'\"<>[]{}:,;=@ 0123456789e tanhrelusigmodxplg", max_size=60))
def test_any_text_is_a_value_or_an_expression_error(text):
    # Never another exception (no IndexError, no RecursionError, no engine traceback).
    try:
        out = parse_expression(text, a=0.5, b=-2.0, x=3.0, x1=0.0)
    except ExpressionError as error:
        assert error.reason
        assert error.position is None or 0 <= error.position <= len(text)
    else:
        assert isinstance(out, Value) and math.isfinite(out.data)


TOKENS = ["a", "b", "x", "1", "0", "2.5", "(", ")", "+", "-", "*", "/", "**", " ", "tanh(", "log(", "exp(",
          "relu(", "sigmoid(", "-1", "10"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_any_sequence_of_tokens_is_a_value_or_an_expression_error(text):
    try:
        out = parse_expression(text, a=0.5, b=-2.0, x=3.0)
    except ExpressionError as error:
        assert error.reason and error.position is not None and 0 <= error.position <= len(text)
    else:
        out.backward()  # a parsed graph always backpropagates
        assert math.isfinite(out.data)
