"""Values used wrongly say so (issue 13: backward after no_grad, the truth value of a Value)."""

import pytest

from micrograd_mlp import MLP, Value, draw_dot, fit, no_grad
from micrograd_mlp.teaching import viz
from micrograd_mlp.data import make_moons


def test_backward_on_a_result_computed_inside_no_grad_says_so():
    x = Value(3.0)
    with no_grad():
        y = x * x
    with pytest.raises(RuntimeError, match=r"computed inside no_grad\(\).*no graph was recorded"):
        y.backward()
    assert x.grad == 0.0


def test_backward_on_a_plain_leaf_still_works():
    x = Value(3.0)
    x.backward()
    assert x.grad == 1.0


def test_a_value_has_no_truth_value():
    with pytest.raises(TypeError, match=r"compare its \.data"):
        bool(Value(0.0))
    with pytest.raises(TypeError, match="ambiguous"):
        Value(2.0) or Value(3.0)


def test_the_library_never_asks_a_value_for_its_truth_value():
    """Demos, training, drawings and explanations run with bool(Value) an error."""
    from micrograd_mlp import explain
    from micrograd_mlp.teaching.explain import backward_steps

    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    out = (x * w + 1).tanh()
    out.backward()
    explain(w, out)
    list(backward_steps((x * w).relu()))
    draw_dot(out, collapse=True)
    viz.draw_mlp(MLP(2, [2, 1], seed=0))
    fit(MLP(2, [3, 1], seed=0), *make_moons(8, seed=0), loss="hinge", epochs=1, l2=1e-4, verbose=False)
