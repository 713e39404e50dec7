"""Tests for the autograd engine: values, gradients, graph shape and error messages.

Gradients are checked two independent ways: against derivatives worked out by
hand, and against central finite differences of the forward pass.
"""

import math
import sys

import numpy as np
import pytest
from optional import require

from micrograd_mlp import NonFiniteError, Value, dot, is_grad_enabled, no_grad, topological_order


def numeric_gradient(f, inputs, i, h=1e-6):
    """Central difference (f(x+h) - f(x-h)) / 2h in input ``i``, forward values only."""
    step = h * max(1.0, abs(inputs[i]))
    plus = list(inputs)
    minus = list(inputs)
    plus[i] += step
    minus[i] -= step
    with no_grad():
        rise = f(*map(Value, plus)).data - f(*map(Value, minus)).data
    return rise / (2 * step)


def gradients(f, inputs):
    """Build f on fresh leaves, backpropagate, return (output value, leaf grads)."""
    leaves = [Value(x) for x in inputs]
    out = f(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


# ----------------------------------------------------------------- every op

# (name, function, inputs, expected value, expected gradients by hand)
HAND_CASES = [
    ("a+b", lambda a, b: a + b, (2.0, -3.0), -1.0, [1.0, 1.0]),
    ("a-b", lambda a, b: a - b, (2.0, -3.0), 5.0, [1.0, -1.0]),
    ("a*b", lambda a, b: a * b, (2.0, -3.0), -6.0, [-3.0, 2.0]),
    # d(a/b)/da = 1/b = 0.25, d(a/b)/db = -a/b^2 = -3/16
    ("a/b", lambda a, b: a / b, (3.0, 4.0), 0.75, [0.25, -0.1875]),
    ("-a", lambda a: -a, (2.5,), -2.5, [-1.0]),
    ("a**2", lambda a: a**2, (3.0,), 9.0, [6.0]),
    ("a**3", lambda a: a**3, (-2.0,), -8.0, [12.0]),
    ("a**0.5", lambda a: a**0.5, (4.0,), 2.0, [0.25]),
    ("a**-1", lambda a: a**-1, (4.0,), 0.25, [-0.0625]),
    ("a**0", lambda a: a**0, (4.0,), 1.0, [0.0]),
    # a^b = 2^3 = 8; d/da = b*a^(b-1) = 12; d/db = a^b*ln(a) = 8 ln 2
    ("a**b", lambda a, b: a**b, (2.0, 3.0), 8.0, [12.0, 8.0 * math.log(2.0)]),
    ("relu(+)", lambda a: a.relu(), (1.5,), 1.5, [1.0]),
    ("relu(-)", lambda a: a.relu(), (-1.5,), 0.0, [0.0]),
    ("relu(0)", lambda a: a.relu(), (0.0,), 0.0, [0.0]),  # micrograd's convention at the kink
    ("tanh", lambda a: a.tanh(), (0.5,), math.tanh(0.5), [1.0 - math.tanh(0.5) ** 2]),
    ("sigmoid", lambda a: a.sigmoid(), (0.0,), 0.5, [0.25]),
    ("exp", lambda a: a.exp(), (1.0,), math.e, [math.e]),
    ("log", lambda a: a.log(), (4.0,), math.log(4.0), [0.25]),
    # numbers on either side
    ("2+a", lambda a: 2 + a, (1.5,), 3.5, [1.0]),
    ("2-a", lambda a: 2 - a, (1.5,), 0.5, [-1.0]),
    ("a-2", lambda a: a - 2, (1.5,), -0.5, [1.0]),
    ("3*a", lambda a: 3 * a, (1.5,), 4.5, [3.0]),
    ("1/a", lambda a: 1 / a, (4.0,), 0.25, [-0.0625]),
    ("a/4", lambda a: a / 4, (3.0,), 0.75, [0.25]),
    ("2**a", lambda a: 2**a, (3.0,), 8.0, [8.0 * math.log(2.0)]),
    ("a**b(number b)", lambda a: a**1.5, (4.0,), 8.0, [3.0]),
]


@pytest.mark.parametrize("name, f, inputs, value, expected", HAND_CASES, ids=[c[0] for c in HAND_CASES])
def test_op_value_and_gradient_by_hand(name, f, inputs, value, expected):
    out, grads = gradients(f, inputs)
    assert out == pytest.approx(value, rel=1e-15)
    assert grads == pytest.approx(expected, rel=1e-15, abs=1e-300)


# (name, function, inputs) away from kinks and poles
FD_CASES = [
    ("a+b", lambda a, b: a + b, (0.7, -1.3)),
    ("a-b", lambda a, b: a - b, (0.7, -1.3)),
    ("a*b", lambda a, b: a * b, (0.7, -1.3)),
    ("a/b", lambda a, b: a / b, (0.7, -1.3)),
    ("-a", lambda a: -a, (0.7,)),
    ("a**2", lambda a: a**2, (-1.3,)),
    ("a**3", lambda a: a**3, (0.7,)),
    ("a**0.5", lambda a: a**0.5, (0.7,)),
    ("a**-2", lambda a: a**-2, (-1.3,)),
    ("a**b", lambda a, b: a**b, (0.7, -1.3)),
    ("relu", lambda a: a.relu(), (0.7,)),
    ("relu-", lambda a: a.relu(), (-0.7,)),
    ("tanh", lambda a: a.tanh(), (-1.3,)),
    ("sigmoid", lambda a: a.sigmoid(), (-1.3,)),
    ("sigmoid+", lambda a: a.sigmoid(), (2.1,)),
    ("exp", lambda a: a.exp(), (-1.3,)),
    ("log", lambda a: a.log(), (0.7,)),
    ("2-a", lambda a: 2 - a, (0.7,)),
    ("1/a", lambda a: 1 / a, (-1.3,)),
    ("2**a", lambda a: 2**a, (-1.3,)),
    ("a**b, b a Value", lambda a, b: (a * a + 1) ** b, (0.7, -1.3)),
    ("x**Value", lambda a, b: a ** (b * 2), (1.7, 0.4)),
    ("mixed", lambda a, b: (a * b + 3 / a - 2**b).tanh() * (a - 0.5).exp() / (b * b + 1).log(), (0.7, -1.3)),
]


@pytest.mark.parametrize("name, f, inputs", FD_CASES, ids=[c[0] for c in FD_CASES])
def test_op_gradient_matches_finite_differences(name, f, inputs):
    _, grads = gradients(f, inputs)
    for i, grad in enumerate(grads):
        assert grad == pytest.approx(numeric_gradient(f, inputs, i), rel=1e-6, abs=1e-9)


def test_forward_values_match_math():
    x = Value(0.3)
    assert (x.tanh()).data == math.tanh(0.3)
    assert (x.exp()).data == math.exp(0.3)
    assert (x.log()).data == math.log(0.3)
    assert (x.sigmoid()).data == pytest.approx(1 / (1 + math.exp(-0.3)), rel=1e-15)
    assert (Value(-0.3).sigmoid()).data == pytest.approx(1 / (1 + math.exp(0.3)), rel=1e-15)
    assert (Value(2.0) ** Value(0.5)).data == math.sqrt(2.0)


def test_division_is_exact_float_division():
    # a * (1/b) rounds twice: 49 * (1/49) == 0.9999999999999999
    assert (Value(49.0) / 49).data == 1.0
    assert (Value(1.0) / Value(3.0)).data == 1.0 / 3.0
    assert (0.0 / Value(1e-320)).data == 0.0


def test_sigmoid_does_not_overflow_at_extremes():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_power_edge_gradients():
    root = Value(0.0) ** 0.5
    root.backward()
    assert root.data == 0.0 and root.local_grads == (math.inf,)  # vertical tangent
    square = Value(0.0) ** 2
    assert square.local_grads == (0.0,)
    # x^-1023.5 fits in a float at x = 0.5 but its slope does not: -inf, not an error
    steep = Value(0.5) ** -1023.5
    assert math.isfinite(steep.data) and steep.local_grads == (-math.inf,)
    steep_value_exponent = Value(0.5) ** Value(-1023.5)
    assert steep_value_exponent.local_grads[0] == -math.inf


def test_op_names_parents_and_local_grads():
    a, b = Value(2.0), Value(5.0)
    cases = {
        "+": a + b,
        "-": a - b,
        "*": a * b,
        "/": a / b,
        "**": a**b,
    }
    for op, node in cases.items():
        assert node.op == op and node.parents == (a, b)
    assert (-a).op == "neg"
    assert (a**2).op == "**2" and (a**0.5).op == "**0.5" and (a**-1).op == "**-1"
    for name in ("relu", "tanh", "sigmoid", "exp", "log"):
        node = getattr(a, name)()
        assert node.op == name and node.parents == (a,)
    assert (a * b).local_grads == (5.0, 2.0)
    assert (a + b).local_grads == (1.0, 1.0)
    assert (a - b).local_grads == (1.0, -1.0)


def test_numbers_become_constant_leaves():
    x = Value(2.0)
    for node in (x + 3, 3 + x, x * 3, 3 * x, x - 3, 3 - x, x / 3, 3 / x, 3**x):
        (constant,) = [p for p in node.parents if p is not x]
        assert constant.data == 3.0 and constant.parents == () and constant.op == ""
    # 3 - x is (3) - x, not -(x - 3): the constant is the left parent
    assert (3 - x).parents[1] is x and (3 - x).local_grads == (1.0, -1.0)


# ---------------------------------------------------------- reuse, diamonds


def test_node_used_twice_gets_both_paths():
    x = Value(3.0)
    square = x * x
    assert square.parents == (x, x)
    square.backward()
    assert x.grad == 6.0  # 2x

    y = Value(3.0)
    double = y + y
    double.backward()
    assert y.grad == 2.0


def test_diamond_sums_every_path():
    x = Value(2.0)
    a = x * 3  # 6
    b = x + 1  # 3
    top = a * b  # 18 = (3x)(x+1) -> d/dx = 6x + 3 = 15
    top.backward()
    assert top.data == 18.0
    assert x.grad == 15.0
    assert a.grad == 3.0 and b.grad == 6.0


def test_shared_intermediate_in_a_deep_diamond():
    x = Value(0.5)
    shared = x.tanh()
    left = shared * shared
    right = shared.exp()
    top = left + right * shared  # t^2 + t e^t with t = tanh x
    top.backward()
    t = math.tanh(0.5)
    d_top_dt = 2 * t + math.exp(t) + t * math.exp(t)
    assert shared.grad == pytest.approx(d_top_dt, rel=1e-14)
    assert x.grad == pytest.approx(d_top_dt * (1 - t * t), rel=1e-14)


def test_topological_order_puts_parents_first_and_root_last():
    x, y = Value(1.0), Value(2.0)
    a = x * y
    b = a + x
    root = b * a
    order = topological_order(root)
    assert order[-1] is root
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


# ----------------------------------------------------------- deep graphs


def test_million_op_chain_with_default_recursion_limit():
    assert sys.getrecursionlimit() < 10_000  # the default (1000), not raised
    n = 1_000_000
    x = Value(1.0)
    factor = Value(1.0 + 1e-7)
    y = x
    for _ in range(n):
        y = y * factor
    y.backward()
    # y = x * f^n: dy/dx = f^n, dy/df = n x f^(n-1)
    assert y.data == pytest.approx((1.0 + 1e-7) ** n, rel=1e-9)
    assert x.grad == pytest.approx((1.0 + 1e-7) ** n, rel=1e-9)
    assert factor.grad == pytest.approx(n * (1.0 + 1e-7) ** (n - 1), rel=1e-9)
    assert len(topological_order(y)) == n + 2
    y.zero_grad()
    assert x.grad == 0.0 and factor.grad == 0.0


# ---------------------------------------------------------- backward twice


def test_backward_twice_doubles_leaves_and_does_not_triple_intermediates():
    x = Value(1.0)
    y = x * 2
    z = y * 3
    z.backward()
    assert (x.grad, y.grad, z.grad) == (6.0, 3.0, 1.0)
    z.backward()
    # Leaves accumulate, as two separate calls would: exactly twice.
    # micrograd gives y.grad == 6 and x.grad == 18 here (three times), because
    # y keeps its old gradient and feeds it into the second pass as well.
    assert x.grad == 12.0
    assert y.grad == 3.0 and z.grad == 1.0


def test_zero_grad_clears_the_whole_graph():
    x, w = Value(2.0), Value(-1.0)
    loss = (x * w).tanh()
    loss.backward()
    assert x.grad != 0.0 and w.grad != 0.0
    loss.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(loss))


def test_backward_on_a_leaf_accumulates_one():
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


# -------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "bad, shown",
    [("abc", "str 'abc'"), (None, "NoneType None"), ([1], r"list \[1\]"), (1 + 2j, r"complex \(1\+2j\)")],
)
def test_value_rejects_non_numbers(bad, shown):
    with pytest.raises(TypeError, match=rf"Value\(\) needs one real number .*got {shown}\. Convert it first"):
        Value(bad)


def test_value_rejects_arrays_and_values():
    with pytest.raises(TypeError, match=r"got ndarray array\(\[1\., 2\.\]\)"):
        Value(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"Value\(\) got a Value .*v\.detach\(\)"):
        Value(Value(1.0))


def test_value_rejects_int_too_big_for_a_float():
    with pytest.raises(OverflowError, match=r"Value\(\) got an int of 1329 bits, too large for a float"):
        Value(10**400)


def test_ops_with_a_non_number_say_what_was_given():
    with pytest.raises(TypeError, match=r"got str 'a'"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match=r"got NoneType None"):
        Value(1.0) ** None


def test_long_bad_input_is_shortened_in_the_message():
    with pytest.raises(TypeError, match=r"got list \[0, 1, 2, .*\.\.\.\. Convert"):
        Value(list(range(100)))


@pytest.mark.parametrize("x", [0.0, -2.0])
def test_log_of_non_positive_is_a_value_error(x):
    node = Value(x, label="p")
    with pytest.raises(ValueError, match=rf"log of a non-positive number: log\({x!r}\) at node Value\(data={x!r}, grad=0.0, label='p'\)"):
        node.log()


def test_log_error_names_the_op_that_made_the_node():
    a = Value(1.0, label="a")
    with pytest.raises(ValueError, match=r"made by '-' from Value\(data=1.0, grad=0.0, label='a'\)"):
        (a - a).log()


@pytest.mark.parametrize("make", [lambda x: x / 0, lambda x: x / Value(0.0), lambda x: 1 / (x - x)])
def test_division_by_zero(make):
    with pytest.raises(ZeroDivisionError, match=r"division by zero: Value\(data=.*\) / Value\(data=0.0.*Keep the denominator away from 0"):
        make(Value(3.0))


def test_division_by_zero_names_the_op_that_made_the_denominator():
    x = Value(3.0, label="x")
    with pytest.raises(ZeroDivisionError, match=r"/ Value\(data=0.0, grad=0.0\) made by '-' from Value\(data=3.0, grad=0.0, label='x'\)"):
        1 / (x - x)


def test_exp_overflow_names_the_node():
    big = Value(1000.0, label="logit")
    with pytest.raises(OverflowError, match=r"exp\(1000.0\) overflows a float .* at node Value\(data=1000.0, grad=0.0, label='logit'\)"):
        big.exp()
    made = Value(500.0) * 2
    with pytest.raises(OverflowError, match=r"made by '\*' from Value\(data=500.0"):
        made.exp()


@pytest.mark.parametrize("base", [0.0, -2.0])
def test_non_positive_base_with_value_exponent(base):
    with pytest.raises(ValueError, match=r"with a Value exponent the base must be > 0.*Use a number exponent"):
        Value(base) ** Value(2.0)
    with pytest.raises(ValueError, match=r"base must be > 0"):
        base ** Value(2.0)


def test_negative_base_with_fractional_number_exponent():
    with pytest.raises(ValueError, match=r"Value\(data=-8.0, grad=0.0\) \*\* 0.5: a negative base with a non-integer exponent has no real result\. Use an integer exponent, or make the base positive first"):
        Value(-8.0) ** 0.5
    assert (Value(-2.0) ** 3.0).data == -8.0  # integer-valued exponents are fine


def test_zero_to_a_negative_power():
    with pytest.raises(ZeroDivisionError, match=r"zero to a negative power divides by zero\. Keep the base away from 0"):
        Value(0.0) ** -1


def test_power_overflow():
    with pytest.raises(OverflowError, match=r"\*\* 2 overflows a float \(above about 1.8e308\); bring the base closer to 1"):
        Value(1e200) ** 2
    with pytest.raises(OverflowError, match=r"\*\* Value\(data=2000.0.*overflows a float.*bring the base closer to 1 or the exponent closer to 0"):
        Value(10.0) ** Value(2000.0)


def test_dot_length_mismatch():
    with pytest.raises(ValueError, match=r"dot\(\) needs as many weights as inputs, got 2 weights and 3 inputs"):
        dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


# ---------------------------------------------------- accepted odd numbers


@pytest.mark.parametrize(
    "number, expected",
    [
        (True, 1.0),
        (False, 0.0),
        (np.float32(0.5), 0.5),
        (np.float64(-1.5), -1.5),
        (np.int64(7), 7.0),
        (np.bool_(True), 1.0),
        (np.array(2.5), 2.5),
        (3, 3.0),
    ],
)
def test_booleans_and_numpy_scalars_are_numbers(number, expected):
    v = Value(number)
    assert type(v.data) is float and v.data == expected
    assert (v * number).data == expected * expected
    assert (number * v).data == expected * expected
    assert (Value(2.0) + number).data == 2.0 + expected


def test_nan_and_inf_inputs_are_allowed_and_propagate():
    nan = Value(float("nan"))
    inf = Value(float("inf"))
    assert math.isnan((nan * 2 + 1).data)
    assert math.isnan(nan.relu().data)
    assert (inf + 1).data == math.inf
    assert inf.tanh().data == 1.0
    assert (-inf).exp().data == 0.0
    assert math.isnan(nan.log().data)  # not "log of a non-positive number"
    assert math.isnan((nan ** Value(2.0)).data)
    with pytest.raises(NonFiniteError, match="data is nan at node Value\\(data=nan"):
        (nan.log() + 1).check_finite()


# -------------------------------------------------- no_grad and detach


def test_no_grad_records_no_parents():
    x = Value(3.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        z = dot([x], [2.0], bias=x)
    assert is_grad_enabled()
    for node in (y, z):
        assert node.parents == () and node.op == "" and node.local_grads == ()
    assert y.data == 10.0 and z.data == 9.0
    with pytest.raises(RuntimeError, match=r"computed inside no_grad\(\), so no graph was recorded"):
        y.backward()  # nothing links y to x: say so, as PyTorch does
    assert x.grad == 0.0


def test_no_grad_nests():
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()  # the inner block must not turn grads back on
        assert (Value(1.0) + 1).parents == ()
    assert is_grad_enabled()


def test_no_grad_restores_on_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()
    assert len((Value(1.0) + 1).parents) == 2


def test_no_grad_as_decorator():
    @no_grad()
    def evaluate(x):
        assert not is_grad_enabled()
        return x * 2

    out = evaluate(Value(1.5))
    assert out.data == 3.0 and out.parents == ()
    assert is_grad_enabled()


def test_detach_cuts_the_graph():
    x = Value(2.0, label="x")
    y = x * 3
    cut = y.detach()
    assert cut is not y and cut.data == 6.0 and cut.parents == () and cut.op == ""
    named = x.detach()
    assert named.label == "x"
    out = cut * x
    out.backward()
    assert x.grad == 6.0  # only the direct path; none through y
    assert y.grad == 0.0


# ------------------------------------------------------------ check_finite


def test_check_finite_returns_self_when_all_is_finite():
    x = Value(0.5)
    loss = (x * 2).tanh()
    assert loss.check_finite() is loss
    loss.backward()
    assert loss.check_finite().backward is not None


def test_check_finite_finds_the_first_bad_forward_node():
    x = Value(1e308, label="x")
    blown = x * 10  # inf: the first non-finite node
    nan = blown - blown  # nan, later in forward order
    out = nan + 1
    with pytest.raises(NonFiniteError) as info:
        out.check_finite()
    err = info.value
    assert err.node is blown and err.field == "data"
    assert isinstance(err, FloatingPointError)
    assert "data is inf at node Value(data=inf, grad=0.0) made by '*' from Value(data=1e+308" in str(err)
    assert "the forward pass overflowed" in str(err)


def test_check_finite_finds_a_bad_leaf():
    x = Value(float("nan"), label="input")
    with pytest.raises(NonFiniteError, match=r"data is nan at node .*label='input'\) \(a leaf: an input or parameter\)"):
        (x * 2).check_finite()


def test_check_finite_finds_a_bad_gradient_when_data_is_finite():
    c, d = Value(1e300, label="c"), Value(1e-300, label="d")
    product = c * d  # 1.0
    out = product * 1e300  # 1e300, finite
    out.backward()
    assert d.grad == math.inf  # 1e300 * 1e300
    with pytest.raises(NonFiniteError, match=r"grad is inf at node Value\(data=1e-300, grad=inf, label='d'\).*smaller learning rate") as info:
        out.check_finite()
    assert info.value.node is d and info.value.field == "grad"


# ------------------------------------------------------ repr and compat


def test_repr_and_float():
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0.0)"
    assert repr(Value(1, label="w1")) == "Value(data=1.0, grad=0.0, label='w1')"
    assert float(Value(0.25)) == 0.25


def test_micrograd_names():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c._op == "*"
    assert c._prev == {a, b}
    assert (a * a)._prev == {a}
    assert a._prev == set() and a._op == ""


# -------------------------------------------------------------------- dot


def test_dot_is_one_node_with_a_parent_per_value():
    w = [Value(2.0), Value(-1.0)]
    x = [Value(3.0), 4.0]
    out = dot(w, x, bias=0.5)
    assert out.op == "dot" and out.data == 2.5
    assert out.parents == (w[0], x[0], w[1])  # the number 4.0 and bias 0.5 are constants
    assert out.local_grads == (3.0, 2.0, 4.0)


def test_dot_with_a_reused_value():
    x = Value(3.0)
    out = dot([x], [x])  # x * x
    out.backward()
    assert out.data == 9.0 and x.grad == 6.0


def test_backward_twice_through_a_dot_node():
    w = [Value(1.0), Value(2.0), Value(3.0)]
    fused = dot(w, [4.0, 5.0, 6.0], bias=Value(0.5))  # three+ parents: kept in tuples
    out = fused * 2
    out.backward()
    out.backward()
    assert fused.grad == 2.0  # recomputed, not 4
    assert [p.grad for p in w] == [16.0, 20.0, 24.0]  # 2 * 2 * x_i


# ------------------------------------------------- editing a node's edges


def test_assigned_local_grads_are_used_by_backward():
    # Teachers break a derivative on purpose to show gradcheck catching it.
    x = Value(2.0)
    y = x.tanh()
    y.local_grads = (5.0,)
    assert y.local_grads == (5.0,) and y.parents == (x,)
    y.backward()
    assert x.grad == 5.0

    a, b = Value(1.0), Value(2.0)
    product = a * b
    product.local_grads = [10.0, 20.0]
    product.backward()
    assert (a.grad, b.grad) == (10.0, 20.0)


def test_assigned_parents_and_mismatched_edges_are_kept_as_given():
    x, y = Value(3.0), Value(4.0)
    with no_grad():
        leaf = x * y
    leaf.local_grads = (1.0,)  # more local grads than parents: stored, nothing to propagate
    assert leaf.parents == () and leaf.local_grads == (1.0,)
    leaf.backward()
    assert x.grad == 0.0

    node = x + 1
    node.parents = (y, x)
    assert node.parents == (y, x) and node.local_grads == (1.0, 1.0)
    node.backward()
    assert (x.grad, y.grad) == (1.0, 1.0)


# ------------------------------------------- no 0 x inf: the zero rule, vs PyTorch


def torch_grads(f, inputs):
    torch = require("torch")
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    f(*leaves).backward()
    return [leaf.grad.item() for leaf in leaves]


def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b or a == pytest.approx(b, rel=1e-14)


# (name, our function, PyTorch's, inputs) at the kinks, where 0 x inf and inf - inf lurk
KINK_CASES = [
    ("relu(x)**0.5 at -1", lambda x: x.relu() ** 0.5, lambda x: x.relu() ** 0.5, (-1.0,)),
    ("relu(x)**0.5 at 0", lambda x: x.relu() ** 0.5, lambda x: x.relu() ** 0.5, (0.0,)),
    ("relu(x)**0.5 at 4", lambda x: x.relu() ** 0.5, lambda x: x.relu() ** 0.5, (4.0,)),
    ("relu at 0", lambda x: x.relu(), lambda x: x.relu(), (0.0,)),
    ("relu at -0.0", lambda x: x.relu(), lambda x: x.relu(), (-0.0,)),
    ("relu at 1e-300", lambda x: x.relu(), lambda x: x.relu(), (1e-300,)),
    ("relu at -1e-300", lambda x: x.relu(), lambda x: x.relu(), (-1e-300,)),
    ("x**0.5 at 0", lambda x: x**0.5, lambda x: x**0.5, (0.0,)),
    ("x**1.5 at 0", lambda x: x**1.5, lambda x: x**1.5, (0.0,)),
    ("x**0 at 0", lambda x: x**0, lambda x: x**0, (0.0,)),
    ("x**2 at 0", lambda x: x**2, lambda x: x**2, (0.0,)),
    ("log near 0", lambda x: x.log(), lambda x: x.log(), (1e-300,)),
    ("log of relu**2 near 0", lambda x: (x.relu() ** 2 + 1e-300).log(), lambda x: (x.relu() ** 2 + 1e-300).log(), (1e-160,)),
    ("(-2)**3", lambda x: x**3, lambda x: x**3, (-2.0,)),
    ("(-2)**-2", lambda x: x**-2, lambda x: x**-2, (-2.0,)),
    ("(-0.5)**-3", lambda x: x**-3, lambda x: x**-3, (-0.5,)),
    ("tanh saturated", lambda x: x.tanh(), lambda x: x.tanh(), (40.0,)),
    ("tanh saturated -", lambda x: x.tanh(), lambda x: x.tanh(), (-40.0,)),
    ("sigmoid saturated", lambda x: x.sigmoid(), lambda x: x.sigmoid(), (40.0,)),
    ("sigmoid saturated -", lambda x: x.sigmoid(), lambda x: x.sigmoid(), (-800.0,)),
    ("tanh saturated times a big number", lambda x: x.tanh() * 1e308, lambda x: x.tanh() * 1e308, (40.0,)),
]


@pytest.mark.parametrize("name, ours, theirs, inputs", KINK_CASES, ids=[c[0] for c in KINK_CASES])
def test_gradients_at_kinks_match_pytorch_float64(name, ours, theirs, inputs):
    expected = torch_grads(theirs, inputs)
    _, grads = gradients(ours, inputs)
    assert all(same_float(g, e) for g, e in zip(grads, expected)), (grads, expected)
    assert not any(math.isnan(g) for g in grads)


def test_max_ties_match_pytorch_max_over_a_dimension():
    torch = require("torch")
    from micrograd_mlp import max_of

    for values in ([1.0, 3.0, 3.0], [2.0, 2.0], [-1.0, 5.0, 5.0, 5.0]):
        leaves = [Value(v) for v in values]
        max_of(leaves).backward()
        t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        t.max(dim=0).values.backward()  # the index-based max (torch.max(t) splits ties)
        assert [leaf.grad for leaf in leaves] == t.grad.tolist()


def test_a_zero_local_derivative_masks_inf_and_nan_from_above():
    x = Value(-1.0)
    y = x.relu() ** 0.5  # relu's local derivative is 0, the power's is inf at 0
    y.backward()
    assert x.grad == 0.0 and y.parents[0].grad == math.inf  # PyTorch: the same
    # a max that did not pick x passes nothing, even an inf
    a, b = Value(0.0), Value(1.0)
    from micrograd_mlp import max_of

    top = max_of([a.relu() ** 0.5, b])
    top.backward()
    assert a.grad == 0.0 and b.grad == 1.0


def test_a_zero_gradient_from_above_is_not_turned_into_nan_by_a_vertical_tangent():
    # 0 * sqrt(x) at x = 0: the result does not depend on x; PyTorch gives nan (0 x inf)
    x = Value(0.0)
    y = (x**0.5) * 0.0 + x
    y.backward()
    assert x.grad == 1.0


def test_inf_minus_inf_stays_nan_where_the_derivative_is_really_undefined():
    # sqrt(x) - sqrt(x) at 0: +inf and -inf meet, as in PyTorch (nan): the engine does not invent 0
    x = Value(0.0)
    (x**0.5 - x**0.5).backward()
    assert math.isnan(x.grad)
    assert math.isnan(torch_grads(lambda t: t**0.5 - t**0.5, (0.0,))[0])


# --------------------------------------- micrograd's lecture and its Value's habits


def test_the_lectures_manual_walk_with_underscore_backward():
    # nn-zero-to-hero, micrograd lecture: one neuron, backpropagated by hand
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(0.5, rel=1e-9)
    n._backward()
    b._backward()  # a leaf: nothing to do
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    grads = [x1.grad, w1.grad, x2.grad, w2.grad, b.grad]
    assert grads == pytest.approx([-1.5, 1.0, 0.5, 0.0, 0.5], rel=1e-9)
    # and backward() is the same walk, in reverse topological order
    for v in (x1, x2, w1, w2, b):
        v.grad = 0.0
    o.backward()
    assert [x1.grad, w1.grad, x2.grad, w2.grad, b.grad] == pytest.approx(grads, rel=1e-15)


def test_micrograds_constructor_form_makes_a_node_with_the_tables_derivatives():
    a, b = Value(2.0), Value(-3.0)
    total = Value(a.data + b.data, (a, b), "+")
    product = Value(a.data * b.data, _children=(a, b), _op="*", label="ab")
    square = Value(a.data**2, [a], "**2")
    assert (total.op, total._op, total.parents, total.local_grads) == ("+", "+", (a, b), (1.0, 1.0))
    assert product.local_grads == (-3.0, 2.0) and product.label == "ab" and product._prev == {a, b}
    assert square.local_grads == (4.0,) and square.operation.exponent == 2.0
    out = total * product + square
    out.backward()
    # d/da of (a+b)ab + a^2 = ab + (a+b)b + 2a = -6 + 3 + 4; d/db = ab + (a+b)a = -6 - 2
    assert (a.grad, b.grad) == (1.0, -8.0)


def test_the_label_still_works_as_keyword_and_as_the_old_second_argument():
    assert Value(1.0, label="w").label == "w"
    assert Value(1.0, "w").label == "w" and Value(1.0, "w").parents == ()
    assert Value(1.0, (), "", "w").label == "w"


def test_a_hand_made_node_with_an_op_the_engine_cannot_differentiate_is_refused_clearly():
    a = Value(2.0)
    with pytest.raises(ValueError, match=r"does not know the derivative of 'mystery' with 1 inputs.*e\.g\. a \* b"):
        Value(5.0, (a,), "mystery")
    with pytest.raises(ValueError, match="derivative of '\\+' with 1 inputs"):
        Value(5.0, (a,), "+")


def test_user_code_may_hang_its_own_attributes_on_a_node():
    # EurekaLabs' micrograd: AdamW keeps p.m and p.v, its drawing sets _vis_color
    p = Value(0.5)
    p.m, p.v = 0.0, 0.0
    p.grad = 0.2
    p.m = 0.9 * p.m + 0.1 * p.grad
    p.v = 0.999 * p.v + 0.001 * p.grad**2
    assert (p.m, p.v) == pytest.approx((0.02, 4e-5))
    node = p * 2
    setattr(node, "_vis_color", "red")
    assert node._vis_color == "red" and node.data == 1.0
    assert not hasattr(Value(1.0), "m")  # nothing is shared between nodes
    with pytest.raises(AttributeError):
        Value(1.0).m


def test_the_op_name_is_settable_and_the_operation_follows():
    x = Value(2.0)
    y = x * 3
    y.op = "shown as"  # a drawing may rename a node (the lab does)
    assert y.op == "shown as" and y.operation.value is None and y.local_grads == (3.0, 2.0)
    y.backward()
    assert x.grad == 3.0


def test_the_step_by_step_backward_applies_the_zero_rule_too():
    # explain.backward_steps promises the same grads as backward(), bit for bit
    from micrograd_mlp.teaching.explain import backward_steps

    for build in (lambda x: x.relu() ** 0.5, lambda x: (x**0.5) * 0.0 + x, lambda x: x**0.5 - x**0.5):
        for start in (-1.0, 0.0):
            stepped, whole = Value(start), Value(start)
            try:
                root = build(stepped)
            except ValueError:
                continue  # sqrt of a negative number
            for _ in backward_steps(root):
                pass
            build(whole).backward()
            assert same_float(stepped.grad, whole.grad), (start, stepped.grad, whole.grad)
