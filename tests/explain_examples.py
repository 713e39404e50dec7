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
