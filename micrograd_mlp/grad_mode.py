"""Grad mode: whether ops record a graph, for this thread and asyncio task only.

Recording is per thread and per asyncio task (a context variable), as
PyTorch's grad mode is per thread: one thread evaluating under `no_grad()`
does not switch off the graph another thread is building, and two threads'
overlapping blocks each restore their own mode. A new thread starts recording.

>>> from micrograd_mlp import Value
>>> with no_grad():
...     y = Value(3.0) * 2
>>> y.parents, is_grad_enabled()
((), True)
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Iterator, NamedTuple, Optional

__all__ = ["GradMode", "GRAD_MODE", "RECORDING", "is_grad_enabled", "set_grad_enabled", "no_grad", "recording"]


class GradMode(NamedTuple):
    """The mode ops read: record the graph? and the `recording` hook, if any."""

    enabled: bool
    hook: Optional[Callable[[Any, tuple], None]]


#: This thread's (and task's) mode; `engine` reads it once per op.
RECORDING = GradMode(True, None)  # the default: record, no hook (one shared object)
GRAD_MODE: contextvars.ContextVar = contextvars.ContextVar("micrograd_mlp_grad_mode", default=RECORDING)


def is_grad_enabled() -> bool:
    """True unless this thread (or asyncio task) is inside a `no_grad()` block.

    >>> with no_grad():
    ...     print(is_grad_enabled())
    False
    """
    return GRAD_MODE.get().enabled


class set_grad_enabled:
    """Turn graph recording on or off for this thread, as a call or a ``with`` block.

    ``set_grad_enabled(False)`` switches recording off from here on;
    ``with set_grad_enabled(flag):`` sets it for the block and restores what
    it was afterwards (PyTorch's ``torch.set_grad_enabled``).

    >>> from micrograd_mlp import Value
    >>> with set_grad_enabled(False):
    ...     (Value(2.0) * 3).parents
    ()
    >>> is_grad_enabled()
    True
    """

    def __init__(self, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            raise TypeError(f"set_grad_enabled() takes True or False, got {type(enabled).__name__} {enabled!r}")
        hook = GRAD_MODE.get().hook
        self._token = GRAD_MODE.set(RECORDING if enabled and hook is None else GradMode(enabled, hook))

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        GRAD_MODE.reset(self._token)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Compute plain numbers without recording a graph.

    Inside the block every op returns a leaf `Value` (no parents), so nothing
    can be backpropagated and no memory is spent on the graph. Use it for
    evaluation, plotting decision boundaries, or updating weights. It holds
    for this thread (and asyncio task) only; others keep recording.

    >>> from micrograd_mlp import Value
    >>> x = Value(3.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents
    ()

    Also works as a decorator: ``@no_grad()``.
    """
    with set_grad_enabled(False):
        yield


@contextlib.contextmanager
def recording(hook: Callable[[Any, tuple], None]) -> Iterator[None]:
    """Record a graph (even inside `no_grad`) and call ``hook(node, operands)`` for every op.

    ``operands`` are what the op's table entry computed from, as given:
    ``(a, b)`` for ``a + b``, ``(x,)`` for ``x ** 2`` (the exponent is in
    ``node.operation.constants``), ``(weights, inputs, bias)`` for `dot` (its
    exact pairing of weights and inputs, numbers included) and ``(values,)``
    for `max_of`. The batched replay records a function this way.

    >>> from micrograd_mlp import Value, dot
    >>> seen = []
    >>> with recording(lambda node, operands: seen.append((node.op, len(operands)))):
    ...     out = dot([Value(1.0)], [2.0], bias=0.5).tanh()
    >>> seen
    [('dot', 3), ('tanh', 1)]
    """
    token = GRAD_MODE.set(GradMode(True, hook))
    try:
        yield
    finally:
        GRAD_MODE.reset(token)
