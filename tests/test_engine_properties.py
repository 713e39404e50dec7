"""Property tests: random expressions, their gradients against finite differences.

Hypothesis builds a random program step by step: each step applies an op to
nodes made earlier (so nodes are reused, as in x * x or diamonds) or to plain
numbers on either side. An op is only applied where it is smooth, away from
kinks (relu at 0) and poles (x / 0, log 0), so a central finite difference of
the forward pass is a fair reference for the gradient `backward()` computes.
The same program is also run on plain floats with `math`, to check forward
values against an independent implementation.
"""

import math

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from micrograd_mlp import Value, dot, no_grad, topological_order

LIMIT = 50.0  # keep every intermediate this small, so the gradients stay moderate
MARGIN = 0.25  # distance kept from a pole: denominators, log and power bases
KINK = 0.05  # distance kept from relu's kink at 0


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# name -> (op on Values, same op on floats, where it is smooth and small)
UNARY = {
    "neg": (lambda a: -a, lambda a: -a, lambda a: True),
    "relu": (lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: abs(a) > KINK),
    "tanh": (lambda a: a.tanh(), math.tanh, lambda a: True),
    "sigmoid": (lambda a: a.sigmoid(), sigmoid, lambda a: True),
    "exp": (lambda a: a.exp(), math.exp, lambda a: a < 3.0),
    "log": (lambda a: a.log(), math.log, lambda a: a > MARGIN),
    "**2": (lambda a: a**2, lambda a: a**2, lambda a: abs(a) < 7.0),
    "**3": (lambda a: a**3, lambda a: a**3, lambda a: abs(a) < 3.6),
    "**0.5": (lambda a: a**0.5, lambda a: a**0.5, lambda a: a > MARGIN),
    "**-1": (lambda a: a**-1, lambda a: 1.0 / a, lambda a: abs(a) > MARGIN),
}

# name -> (op, where it is smooth and small, given both operand values)
BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: True),
    "-": (lambda a, b: a - b, lambda a, b: True),
    "*": (lambda a, b: a * b, lambda a, b: abs(a * b) < LIMIT),
    "/": (lambda a, b: a / b, lambda a, b: abs(b) > MARGIN and abs(a / b) < LIMIT),
    "**": (lambda a, b: a**b, lambda a, b: a > MARGIN and abs(b) < 3.0 and a**b < LIMIT),
}

numbers = st.floats(-3.0, 3.0, allow_nan=False)


@st.composite
def programs(draw):
    """A random program: leaf values and steps ("unary", name, i) / ("binary", name, left, right).

    An operand is ("node", index) into everything made so far, or ("number", x).
    """
    leaves = draw(st.lists(numbers, min_size=1, max_size=3))
    values = list(leaves)
    steps = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(UNARY)))
            index = draw(st.integers(0, len(values) - 1))
            _, float_op, smooth = UNARY[name]
            if smooth(values[index]):
                steps.append(("unary", name, index))
                values.append(float_op(values[index]))
        else:
            name = draw(st.sampled_from(sorted(BINARY)))
            left, right = draw(operand(len(values))), draw(operand(len(values)))
            if left[0] == "number" and right[0] == "number":
                continue  # numbers alone make no node
            a, b = (values[o[1]] if o[0] == "node" else o[1] for o in (left, right))
            op, smooth = BINARY[name]
            if smooth(a, b) and abs(op(a, b)) < LIMIT:
                steps.append(("binary", name, left, right))
                values.append(op(a, b))
    return leaves, steps


def operand(count):
    return st.one_of(st.tuples(st.just("node"), st.integers(0, count - 1)), st.tuples(st.just("number"), numbers))


def run(leaves, steps, lift, unary_index):
    """Replay a program; ``lift`` makes leaves, ``unary_index`` picks Value (0) or float (1) ops."""
    nodes = [lift(x) for x in leaves]
    relu_inputs = []
    for step in steps:
        if step[0] == "unary":
            _, name, index = step
            if name == "relu":
                relu_inputs.append(float(nodes[index]))
            nodes.append(UNARY[name][unary_index](nodes[index]))
        else:
            _, name, left, right = step
            a, b = (nodes[o[1]] if o[0] == "node" else o[1] for o in (left, right))
            nodes.append(BINARY[name][0](a, b))
    return nodes, relu_inputs


def finite_difference(leaves, steps, i, h=1e-6):
    """Central difference of the program's output in leaf i, on plain floats."""
    step = h * max(1.0, abs(leaves[i]))
    plus, minus = list(leaves), list(leaves)
    plus[i] += step
    minus[i] -= step
    (plus_nodes, plus_kinks), (minus_nodes, minus_kinks) = (run(p, steps, float, 1) for p in (plus, minus))
    # a relu input that changes sign across the step makes the difference meaningless
    assume(all((p > 0) == (m > 0) for p, m in zip(plus_kinks, minus_kinks)))
    return (plus_nodes[-1] - minus_nodes[-1]) / (2 * step)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_expression_gradients_match_finite_differences(program):
    leaves, steps = program
    nodes, _ = run(leaves, steps, Value, 0)
    float_nodes, _ = run(leaves, steps, float, 1)
    out = nodes[-1]
    out.backward()
    assert out.data == pytest.approx(float_nodes[-1], rel=1e-12, abs=1e-12)
    for i in range(len(leaves)):
        numeric = finite_difference(leaves, steps, i)
        assert nodes[i].grad == pytest.approx(numeric, rel=1e-5, abs=1e-6), (i, steps)


def grad_scales(out):
    """For every node, the sum of |upstream * local_grad| over the edges that feed its grad.

    A grad is a sum of such terms, so rounding can move it by a few ulps of
    this scale, not of the grad itself: 4e-200 + 1 - 1 is 0, not 4e-200.
    """
    scale = {id(out): 1.0}
    for node in reversed(topological_order(out)):
        upstream = scale.get(id(node), 0.0)
        for parent, local_grad in zip(node.parents, node.local_grads):
            if local_grad != 0.0 and upstream != 0.0:  # the engine's zero rule
                scale[id(parent)] = scale.get(id(parent), 0.0) + abs(upstream * local_grad)
    return scale


@settings(max_examples=100, deadline=None)
@given(programs())
@example(([1.0, 0.0, 4.271317725365816e-200],  # x0 - x0 + x0 * x2: 1 - 1 cancels, the tiny term is lost
          [("binary", "-", ("node", 0), ("node", 0)), ("binary", "*", ("node", 0), ("node", 2)),
           ("binary", "+", ("node", 3), ("node", 4))]))
def test_backward_twice_doubles_every_leaf_and_keeps_intermediates(program):
    leaves, steps = program
    nodes, _ = run(leaves, steps, Value, 0)
    out = nodes[-1]
    out.backward()
    first = [node.grad for node in nodes]
    scale = grad_scales(out)
    out.backward()
    for node, grad in zip(nodes, first):
        if node.parents:
            assert node.grad == grad  # recomputed from scratch, not accumulated
        else:
            # the second pass adds the same terms again, onto the first pass's sum: equal to
            # twice it up to the rounding of those terms (a few ulps of their scale)
            tolerance = 1e-14 * abs(2 * grad) + 8 * math.ulp(scale.get(id(node), 0.0)) + 1e-300
            assert abs(node.grad - 2 * grad) <= tolerance


@settings(max_examples=100, deadline=None)
@given(programs())
def test_topological_order_and_no_grad_forward(program):
    leaves, steps = program
    nodes, _ = run(leaves, steps, Value, 0)
    order = topological_order(nodes[-1])
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order) and order[-1] is nodes[-1]
    for node in order:
        assert all(position[id(parent)] < position[id(node)] for parent in node.parents)
    with no_grad():
        plain, _ = run(leaves, steps, Value, 0)
    assert plain[-1].data == nodes[-1].data and plain[-1].parents == ()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(numbers, numbers, st.booleans()), min_size=1, max_size=6),
    numbers,
)
@example(pairs=[(0.3, 1.5, True), (-1.2, 2.0, False), (0.7, -0.5, True)], bias_value=0.1)
def test_dot_matches_the_unfused_sum(pairs, bias_value):
    """dot() has the value and gradients of bias + w0*x0 + w1*x1 + ... built op by op."""
    weights = [Value(w) for w, _, _ in pairs]
    # some inputs are Values (hidden layers), some plain numbers (data)
    inputs = [Value(x) if is_value else x for _, x, is_value in pairs]
    bias = Value(bias_value)
    fused = dot(weights, inputs, bias).tanh()
    fused.backward()
    params = weights + [x for x in inputs if isinstance(x, Value)] + [bias]
    fused_grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    unfused = bias
    for w, x in zip(weights, inputs):
        unfused = unfused + w * x
    unfused = unfused.tanh()
    unfused.backward()
    assert fused.data == pytest.approx(unfused.data, rel=1e-12, abs=1e-12)
    assert fused_grads == pytest.approx([p.grad for p in params], rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(programs())
def test_backward_is_each_nodes_own_step_in_reverse_topological_order(program):
    """The lecture's walk by hand (o.grad = 1; o._backward(); n._backward(); ...) is backward()."""
    leaves, steps = program
    nodes, _ = run(leaves, steps, Value, 0)
    out = nodes[-1]
    out.backward()
    automatic = [node.grad for node in topological_order(out)]
    order = topological_order(out)
    for node in order:
        node.grad = 0.0
    out.grad = 1.0
    for node in reversed(order):
        node._backward()
    assert [node.grad for node in order] == automatic  # bit for bit
