from micrograd_mlp import Value


def test_chain_rule_on_a_small_expression():
    x = Value(2.0, label="x")
    y = x * x + 3 * x
    y.backward()
    assert y.data == 10.0
    assert x.grad == 7.0  # 2x + 3
