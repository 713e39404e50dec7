"""``micrograd.engine`` on this library's engine: `Value` is `micrograd_mlp.Value`.

>>> from micrograd_mlp.micrograd.engine import Value
>>> x = Value(-4.0)
>>> z = 2 * x + 2 + x
>>> z.backward(); x.grad
3.0
"""

from ..engine import Value

__all__ = ["Value"]
