"""Stage 3, replay: the array kernels, one NumPy call per group forward and one backward.

`forward(group, ...)` computes a whole `Group` at once: it gathers the
operands' rows (``values`` per sample, shape (rows, B); ``shared`` once per
batch, shape (rows, 1)), applies the op and writes the group's rows.
`backward(group, ...)` is the chain rule for the same group: ``upstream *
local derivative``, added into each operand's gradient rows (summed over the
batch for a shared operand). An op of the table (``+``, ``tanh``, ``**n``, ...)
runs its `ops.TABLE` entry with `ops.ARRAY`: the very value and local
derivatives the scalar engine runs with `ops.SCALAR`, so a fix to an op is made
once. Four kinds of group have their own kernel because they gather many inputs
per node: ``sum`` (a folded chain of ``+``), ``dot`` (its pairs as a matrix
product when a layer shares its inputs: d/dW = upstream @ X^T, d/dX = W^T @
upstream, the table's (inputs, weights) derivatives summed), and ``max`` (1 for
the first largest, the table's ``first_largest``).
"""

from __future__ import annotations

from typing import Any, List

import numpy as np

from ..ops import ARRAY
from .scheduling import Group, Slot

__all__ = ["forward", "backward", "chain"]


def forward(group: Group, values: np.ndarray, shared: np.ndarray, keep: bool) -> None:
    out = (values if group.space == "B" else shared)[group.start : group.stop]
    op = group.op
    if op == "sum":
        result = _sum_of(group, group.slots, values, shared)
        out[...] = result
        return
    if op == "dot":
        _dot_forward(group, out, values, shared, keep)
        return
    if op == "max":
        stacked = _stacked(group, values, shared, out.shape[1])
        np.max(stacked, axis=1, out=out)
        if keep:
            group.saved = (np.argmax(stacked, axis=1),)
        return
    # an op of the table, on the whole group at once: the same value function as the scalar engine's
    operands = [slot.read(values, shared) for slot in group.slots]
    table_op = group.table_op
    np.copyto(out, table_op.value(ARRAY, *operands, *table_op.constants))
    if keep:
        group.saved = tuple(operands)


def _sum_of(group: Group, slots: List[Slot], values: np.ndarray, shared: np.ndarray) -> np.ndarray:
    total = None
    for slot in slots:
        part = slot.read(values, shared).sum(axis=1)
        total = part if total is None else total + part
    return total


def _stacked(group: Group, values: np.ndarray, shared: np.ndarray, columns: int) -> np.ndarray:
    stacked = np.empty((group.width, group.count, columns))
    for slot in group.slots:
        stacked[:, group.positions[slot.kind], :] = slot.read(values, shared)
    return stacked


def _dot_forward(group: Group, out: np.ndarray, values: np.ndarray, shared: np.ndarray, keep: bool) -> None:
    total = None
    saved = {}
    for kinds, (left, right) in group.pair_slots.items():
        a = left.read(values, shared)
        if kinds == "SB" and group.matmul:
            b = group.matmul_inputs.read(values, shared)  # (pairs, B): the layer's inputs
            part = a[:, :, 0] @ b
        else:
            b = right.read(values, shared)
            part = np.einsum("kpb,kpb->kb", a, b) if kinds != "SB" else np.einsum("kp,kpb->kb", a[:, :, 0], b)
        saved[kinds] = (a, b)
        total = part if total is None else total + part
    if group.slots:
        singles = _sum_of(group, group.slots, values, shared)
        total = singles if total is None else total + singles
    out[...] = total
    if keep:
        group.saved = (saved,)


# ------------------------------------------------------------ backward


def backward(group: Group, values: np.ndarray, shared: np.ndarray, grads: np.ndarray, shared_grads: np.ndarray) -> None:
    space_values = values if group.space == "B" else shared
    upstream = (grads if group.space == "B" else shared_grads)[group.start : group.stop]
    op = group.op
    if op == "sum":
        for slot in group.slots:
            slot.add_grad(grads, shared_grads, upstream[:, None, :])
        return
    if op == "dot":
        _dot_backward(group, upstream, grads, shared_grads)
        return
    if op == "max":
        (largest,) = group.saved
        # d max / d x_j = 1 for the first largest x_j, 0 for the others
        for slot in group.slots:
            positions = np.array(group.positions[slot.kind])
            chosen = positions[None, :, None] == largest[:, None, :]
            slot.add_grad(grads, shared_grads, chain(upstream[:, None, :], chosen))
        return
    out = space_values[group.start : group.stop]
    table_op = group.table_op
    # the table's local derivatives, d out / d input for every input, as arrays (or plain numbers)
    locals_ = table_op.local_grads(ARRAY, out, *group.saved, *table_op.constants)
    for slot, local in zip(group.slots, locals_):
        # chain rule, for the whole group at once: d root / d input += upstream * local
        slot.add_grad(grads, shared_grads, chain(upstream, local))


def chain(upstream: np.ndarray, local: Any) -> np.ndarray:
    """``upstream * local`` with the table's zero rule (a zero on either side gives 0, never NaN).

    The product is computed plainly; only where it is NaN is the rule applied
    (`ops.ARRAY.chain`), so the common case costs one multiply.

    >>> with np.errstate(invalid="ignore"):   # (a replay runs under np.errstate(all="ignore"))
    ...     chain(np.array([[np.inf, 2.0]]), np.array([[0.0, 3.0]])).tolist()
    [[0.0, 6.0]]
    """
    if isinstance(local, float):
        if local == 1.0:
            return upstream
        if local == 0.0:
            return np.zeros_like(upstream)
    product = upstream * local
    if np.isnan(product).any():
        return ARRAY.chain(upstream, local)
    return product


def _dot_backward(group: Group, upstream: np.ndarray, grads: np.ndarray, shared_grads: np.ndarray) -> None:
    (saved,) = group.saved
    for kinds, (left, right) in group.pair_slots.items():
        a, b = saved[kinds]
        if kinds == "SB" and group.matmul:
            # out = W @ X: dW = upstream @ X^T (summed over the batch), dX = W^T @ upstream
            left.scatter.add(shared_grads, (upstream @ b.T)[:, :, None])
            group.matmul_inputs.scatter.add(grads, a[:, :, 0].T @ upstream)
        elif kinds == "SB":
            left.scatter.add(shared_grads, np.einsum("kb,kpb->kp", upstream, b)[:, :, None])
            right.add_grad(grads, shared_grads, a * upstream[:, None, :])
        else:
            right_grad = upstream[:, None, :] * a
            left.add_grad(grads, shared_grads, upstream[:, None, :] * b)
            right.add_grad(grads, shared_grads, right_grad)
    for slot in group.slots:
        slot.add_grad(grads, shared_grads, upstream[:, None, :])

