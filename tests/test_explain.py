"""The backward stepper and the chain-rule explanations (micrograd_mlp.teaching.explain)."""

import math

import pytest
from explain_examples import neuron
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd_mlp import Value, dot, topological_order
from micrograd_mlp.teaching.explain import backward_steps, explain, node_names, number


# ------------------------------------------------------------------ names


def test_unlabelled_nodes_are_named_after_their_op_and_counted_per_kind():
    a = Value(2.0, label="a")
    out = ((a * 3) ** 2 + a * a).tanh() / 2
    names = node_names(topological_order(out))
    by_label = sorted(name for node, name in names.items() if not node.label)
    assert by_label == ["add1", "const1", "const2", "div1", "mul1", "mul2", "pow1", "tanh1"]
    assert names[a] == "a"


def test_number_keeps_a_decimal_point_and_four_significant_digits():
    assert [number(x) for x in (3.0, -0.5, 2 / 3, 12345.0, 0.0)] == ["3.0", "-0.5", "0.6667", "1.234e+04", "0.0"]


# --------------------------------------------------------------- stepper


def test_steps_of_the_neuron_follow_backward_with_known_numbers():
    o, v = neuron()
    steps = list(backward_steps(o))
    # the start, then tanh, the two + and the two * nodes
    assert [s.index for s in steps] == list(range(6))
    # unlabelled nodes are numbered in forward (topological) order, so backward meets mul2 first
    assert [s.name for s in steps] == ["o", "o", "n", "add1", "mul2", "mul1"]
    visited = [node for node in reversed(topological_order(o)) if node.parents]
    assert [s.node for s in steps[1:]] == visited
    assert steps[0].upstream == 1.0 and steps[0].updates == ()
    tanh_step = steps[1]
    assert tanh_step.upstream == 1.0
    (to_n,) = tanh_step.updates
    assert to_n.parent is v["n"]
    assert to_n.local_grad == pytest.approx(0.5)  # 1 - tanh(n)^2 = 1 - 0.7071^2
    assert to_n.contribution == pytest.approx(0.5)
    assert (v["x1"].grad, v["w1"].grad, v["x2"].grad, v["w2"].grad, v["b"].grad) == pytest.approx(
        (-1.5, 1.0, 0.5, 0.0, 0.5)
    )


def test_a_reused_node_shows_its_gradient_accumulating():
    a = Value(3.0, label="a")
    b = a + a
    start, step = backward_steps(b)
    first, second = step.updates
    assert (first.parent, second.parent) == (a, a)
    assert (first.grad_before, first.grad_after) == (0.0, 1.0)
    assert (second.grad_before, second.grad_after) == (1.0, 2.0)
    assert str(step) == (
        "step 1: at add1 (+), upstream grad 1.0\n"
        "  a.grad += 1.0 * 1.0 = 1.0  (0.0 -> 1.0)\n"
        "  a.grad += 1.0 * 1.0 = 1.0  (1.0 -> 2.0)"
    )
    assert str(start) == "step 0: start: intermediate grads set to 0, add1.grad += 1 (dadd1/dadd1 = 1)"


def test_backward_steps_refuses_what_is_not_a_value_at_once():
    with pytest.raises(TypeError, match=r"backward_steps needs the Value to backpropagate from, got float"):
        backward_steps(3.0)


def test_grads_are_filled_as_the_steps_are_consumed():
    o, v = neuron()
    v["n"].grad = 42.0  # stale, as after an earlier backward
    steps = backward_steps(o)
    next(steps)
    assert (o.grad, v["n"].grad, v["x1"].grad) == (1.0, 0.0, 0.0)
    next(steps)
    assert v["n"].grad == pytest.approx(0.5) and v["x1"].grad == 0.0


# Random expressions: a recipe of ops over a growing pool of nodes, so nodes
# get reused, numbers appear on either side, and dot has repeated parents.
OPS = ("+", "-", "*", "/", "rsub", "rmul", "tanh", "sigmoid", "relu", "neg", "pow", "dot")


def build(leaves, recipe):
    try:
        return _build(leaves, recipe)
    except OverflowError:  # squaring again and again leaves the floats; not what is tested
        assume(False)


def _build(leaves, recipe):
    nodes = [Value(x, label=f"x{i}") for i, x in enumerate(leaves)]
    for op, i, j, c in recipe:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        made = {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: a / (1 + b * b),
            "rsub": lambda: c - a,
            "rmul": lambda: c * a,
            "tanh": a.tanh,
            "sigmoid": a.sigmoid,
            "relu": a.relu,
            "neg": lambda: -a,
            "pow": lambda: a**2,
            "dot": lambda: dot([a, b], [b, c], a),
        }[op]()
        nodes.append(made)
    return nodes[-1]


small = st.floats(-2.0, 2.0, allow_nan=False)
recipes = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 60), st.integers(0, 60), small),
                   min_size=1, max_size=30)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(small, min_size=1, max_size=4), recipes, st.integers(1, 2))
def test_stepping_gives_exactly_the_grads_of_backward(leaves, recipe, passes):
    by_backward, by_steps = build(leaves, recipe), build(leaves, recipe)
    for _ in range(passes):  # twice: leaves accumulate the same way
        by_backward.backward()
        for _ in backward_steps(by_steps):
            pass
    # repr: bit for bit, not approximately, and a nan (inf - inf) equals a nan
    expected = [repr(node.grad) for node in topological_order(by_backward)]
    got = [repr(node.grad) for node in topological_order(by_steps)]
    assert got == expected


@settings(max_examples=80, deadline=None)
@given(st.lists(small, min_size=1, max_size=4), recipes)
def test_explain_ends_with_the_gradient_backward_computes(leaves, recipe):
    root = build(leaves, recipe)
    root.backward()
    for node in topological_order(root):
        first_line = explain(node, root).splitlines()[0]
        assert first_line.endswith(" = " + number(node.grad))


# ----------------------------------------------------------------- explain


def test_explain_writes_the_chain_rule_as_by_hand():
    w1, x1 = Value(-3.0, label="w1"), Value(2.0, label="x1")
    n = w1 * x1
    n.label = "n"
    L = n * -0.5
    L.label = "L"
    assert explain(w1, L) == (
        "dL/dw1 = dL/dn * dn/dw1 = (-0.5) * x1 = (-0.5) * 2.0 = -1.0\n"
        "  where dL/dn = dL/dL * dL/dn = 1 * (-0.5) = -0.5\n"
        "  with L = n * -0.5, n = w1 * x1"
    )
    assert explain(L, L) == "the chain starts at L: dL/dL = 1.0"


def test_explain_the_neuron_of_the_issue():
    # "do/dn = do/do x do/dn = 1 x (1 - o^2) = 0.5", every factor with its source
    o, v = neuron()
    assert explain(v["n"], o) == "do/dn = do/do * do/dn = 1 * (1 - o^2) = 1 * 0.5 = 0.5\n  with o = tanh(n), n = add1 + b"
    assert explain(v["w1"], o).splitlines() == [
        "do/dw1 = do/dmul2 * dmul2/dw1 = 0.5 * x1 = 0.5 * 2.0 = 1.0",
        "  where do/dmul2 = do/dadd1 * dadd1/dmul2 = 0.5 * 1 = 0.5",
        "  where do/dadd1 = do/dn * dn/dadd1 = 0.5 * 1 = 0.5",
        "  where do/dn = do/do * do/dn = 1 * (1 - o^2) = 1 * 0.5 = 0.5",
        "  with o = tanh(n), n = add1 + b, add1 = mul2 + mul1, mul2 = x1 * w1",
    ]


def test_explain_sums_over_every_use_of_a_reused_node():
    a = Value(3.0, label="a")
    L = a * a
    L.label = "L"
    assert explain(a, L) == (
        "dL/da = dL/dL * dL/da + dL/dL * dL/da = 1 * a + 1 * a = 1 * 3.0 + 1 * 3.0 = 6.0\n  with L = a * a"
    )


def test_explain_a_reused_node_gives_each_term_its_source():
    # the issue's (a + b) * a: the first term's -3.0 is add1, the second's -1.0 is derived below
    a, b = Value(-1.0, label="a"), Value(-2.0, label="b")
    out = (a + b) * a
    out.label = "out"
    assert explain(a, out).splitlines() == [
        "dout/da = dout/dout * dout/da + dout/dadd1 * dadd1/da = 1 * add1 + (-1.0) * 1 = 1 * (-3.0) + (-1.0) * 1.0 = -4.0",
        "  where dout/dadd1 = dout/dout * dout/dadd1 = 1 * a = 1 * (-1.0) = -1.0",
        "  with out = add1 * a, add1 = a + b",
    ]


def test_explain_a_diamond_with_generated_names():
    a = Value(2.0, label="a")
    b = a * 4.0  # mul1 (const1 = 4.0)
    c = a + 1.0  # add1 (const2 = 1.0)
    out = b * c  # mul2, the root, unlabelled
    assert explain(a, out) == (
        "dmul2/da = dmul2/dmul1 * dmul1/da + dmul2/dadd1 * dadd1/da = 3.0 * 4.0 + 8.0 * 1 = 20.0\n"
        "  where dmul2/dadd1 = dmul2/dmul2 * dmul2/dadd1 = 1 * mul1 = 1 * 8.0 = 8.0\n"
        "  where dmul2/dmul1 = dmul2/dmul2 * dmul2/dmul1 = 1 * add1 = 1 * 3.0 = 3.0\n"
        "  with mul2 = mul1 * add1, mul1 = a * 4.0, add1 = a + 1.0"
    )
    out.backward()
    assert a.grad == 20.0  # d(4a(a+1))/da = 8a + 4 at a = 2


@pytest.mark.parametrize("make, formula", [
    (lambda x, y: x + y, ("1", "1")), (lambda x, y: x - y, ("1", "-1")), (lambda x, y: x * y, ("y", "x")),
    (lambda x, y: x / y, ("1 / y", "-x / y^2")), (lambda x, y: x ** y, ("y * x^(y - 1)", "f * log(x)")),
    (lambda x, y: x ** 3, ("3 * x^2",)), (lambda x, y: x ** -1, ("-1 * x^(-2)",)), (lambda x, y: x ** 2, ("2 * x",)),
    (lambda x, y: -x, ("-1",)), (lambda x, y: x.tanh(), ("1 - f^2",)), (lambda x, y: x.sigmoid(), ("f * (1 - f)",)),
    (lambda x, y: x.exp(), ("f",)), (lambda x, y: x.log(), ("1 / x",)), (lambda x, y: x.relu(), ("1",)),
    (lambda x, y: x.softplus(), ("sigmoid(x)",)),
])  # fmt: skip
def test_each_local_derivative_formula_gives_the_engines_number(make, formula):
    from explain_examples import check_written_formulas

    from micrograd_mlp.teaching.explain import local_derivative

    x, y = Value(1.5, label="x"), Value(0.5, label="y")
    f = make(x, y)
    f.label = "f"
    names = node_names(topological_order(f))
    got = tuple(local_derivative(f, i, names).formula for i in range(len(f.parents)))
    assert got == formula
    for i, parent in enumerate(f.parents):
        local = local_derivative(f, i, names)
        assert local.value == f.local_grads[i]
        assert check_written_formulas(f"local derivative df/d{names[parent]} = {local.formula}", f) == 1
        assert names[f] in local.why


@settings(max_examples=80, deadline=None)
@given(st.lists(small, min_size=1, max_size=4), recipes)
def test_every_formula_explain_writes_is_the_graphs(leaves, recipe):
    from explain_examples import check_written_formulas

    root = build(leaves, recipe)
    for node in topological_order(root):
        text = explain(node, root)
        assert check_written_formulas(text, root) == sum(1 for line in text.splitlines() if not line.startswith("  with "))


def test_explain_neither_reads_nor_changes_grad():
    o, v = neuron()
    for node in topological_order(o):
        node.grad = 42.0
    text = explain(v["x1"], o)
    assert text.splitlines()[0] == "do/dx1 = do/dmul2 * dmul2/dx1 = 0.5 * w1 = 0.5 * (-3.0) = -1.5"
    assert all(node.grad == 42.0 for node in topological_order(o))


def test_explain_refuses_a_node_the_root_does_not_depend_on():
    o, _ = neuron()
    stranger = Value(1.0, label="stranger")
    with pytest.raises(ValueError, match=r"not part of the graph of .* \(its gradient is 0\)"):
        explain(stranger, o)
    with pytest.raises(TypeError, match=r"explain\(node, root\) needs two Values, got float and Value"):
        explain(1.0, o)


def test_explain_numbers_survive_nan_and_inf():
    x = Value(math.inf, label="x")
    y = x * 0.0
    y.label = "y"
    assert explain(x, y) == "dy/dx = dy/dy * dy/dx = 1 * 0.0 = 0.0\n  with y = x * 0.0"
    assert number(math.nan) == "nan" and number(-math.inf) == "-inf"


@pytest.mark.parametrize("text", ["tanh(x1*w1 + x2*w2 + b)", "(a + b) * a", "a / b - a ** 3", "sigmoid(a * a) + exp(b)"])
def test_the_labs_step_words_state_true_formulas(text):
    # the lab's "this step" sentences name each local derivative by its formula too
    pytest.importorskip("starlette")
    from explain_examples import check_written_formulas

    from micrograd_mlp.teaching.expression import parse_expression
    from micrograd_mlp.apps.playground.lab.graph import expression_payload

    values = {"x1": 2.0, "w1": -3.0, "x2": 0.5, "w2": 1.0, "b": 1.5, "a": 0.7}
    payload = expression_payload(text, values, draw=False)
    root = parse_expression(text, **payload["values"])
    root.label = root.label or "out"
    checked = sum(check_written_formulas(step["words"], root) for step in payload["graph"]["steps"])
    assert checked >= len(payload["graph"]["edges"])
