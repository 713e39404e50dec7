"""Stage 3, replay: the array kernels, one NumPy call per group forward and one backward.

`forward(group, keep)` computes a whole `Group` at once: it reads the
operands' rows (per sample, shape (rows, B); shared by the batch, shape
(rows, 1)), applies the op and writes the group's rows. `backward(group)` is
the chain rule for the same group: ``upstream * local derivative``, added into
each operand's gradient rows (summed over the batch for a shared operand). The
group and its slots were bound to the replay's arrays beforehand
(`Group.bind`), so a kernel works on ready-made views.

An op of the table (``+``, ``tanh``, ``**n``, ...) runs its `ops.TABLE` entry
with `ops.ARRAY`: the very value and local derivatives the scalar engine runs
with `ops.SCALAR`, so a fix to an op is made once; ``max`` too, on its inputs
stacked. Two kinds of group have their own kernel because they gather many
inputs per node: ``sum`` (a folded chain of ``+``: each input's local
derivative is 1) and ``dot`` (the table's ``bias + sum w_i x_i``; a layer's
dots that share their inputs run as one matrix product: d/dW = upstream @
X^T and d/dX = W^T @ upstream are the table's (inputs, weights) derivatives,
summed over the batch).

The zero rule (`ops.chain`: 0 x inf is 0, not NaN) costs a test per product,
so a backward pass first runs with plain products (``careful=False``). A NaN
such a product makes flows on into every parameter gradient below it (NaN
times or plus anything is NaN), so a pass whose parameter gradients hold no
NaN gave exactly what the careful pass gives; `Tape.backward` runs the careful
pass only when they do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import ARRAY, TABLE
from .scheduling import Group

__all__ = ["forward", "backward", "chain"]


def forward(group: Group, keep: bool) -> None:
    out = group.out
    op = group.op
    if op == "sum":
        out[...] = _sum_of(group)
        return
    if op == "dot":
        _dot_forward(group, out, keep)
        return
    if op == "max":
        # the table's max on arrays: its inputs stacked on axis 0, (inputs, nodes, B)
        inputs = _stacked(group, out.shape[1])
        np.copyto(out, TABLE["max"].value(ARRAY, inputs))
        if keep:
            group.saved = (inputs,)
        return
    # an op of the table, on the whole group at once: the same value function as the scalar engine's
    operands = [slot.read() for slot in group.slots]
    table_op = group.table_op
    np.copyto(out, table_op.value(ARRAY, *operands, *table_op.constants))
    if keep:
        group.saved = tuple(operands)


def _sum_of(group: Group) -> np.ndarray:
    total = None
    for slot in group.slots:
        part = slot.read().sum(axis=1)
        total = part if total is None else total + part
    return total


def _stacked(group: Group, columns: int) -> np.ndarray:
    stacked = np.empty((group.count, group.width, columns))
    for slot in group.slots:  # a slot's rows: (nodes, its inputs, B)
        stacked[group.positions[slot.kind]] = np.moveaxis(slot.read(), 1, 0)
    return stacked


def _dot_forward(group: Group, out: np.ndarray, keep: bool) -> None:
    if group.layer is not None:  # a layer, W @ X + b, read in place (see `Group.bind`)
        weights, _, inputs, _, bias, _ = group.layer
        np.matmul(weights, inputs, out=out)
        out += bias
        return
    if group.squares is not None:  # sum(p * p) of rows read in place, e.g. an L2 penalty
        numbers = group.squares[0]
        out[0, 0] = np.dot(numbers, numbers)
        return
    total = None
    saved = {}
    for kinds, (left, right) in group.pair_slots.items():
        a = left.read()
        if kinds == "SB" and group.matmul:
            b = group.matmul_inputs.read()  # (pairs, B): the layer's inputs
            part = a[:, :, 0] @ b
        else:
            b = right.read()
            part = np.einsum("kpb,kpb->kb", a, b) if kinds != "SB" else np.einsum("kp,kpb->kb", a[:, :, 0], b)
        saved[kinds] = (a, b)
        total = part if total is None else total + part
    if group.slots:
        singles = _sum_of(group)
        total = singles if total is None else total + singles
    out[...] = total
    if keep:
        group.saved = (saved,)


# ------------------------------------------------------------ backward


def backward(group: Group, careful: bool = True) -> None:
    upstream = group.upstream
    op = group.op
    if op == "sum":
        for slot in group.slots:
            slot.add_grad(upstream[:, None, :])
        return
    if op == "dot":
        _dot_backward(group, upstream)
        return
    if op == "max":
        (inputs,) = group.saved
        # the table's local derivatives: 1 for the first largest input, 0 for the others
        chosen = TABLE["max"].local_grads(ARRAY, group.out, inputs)  # (inputs, nodes, B)
        for slot in group.slots:
            local = np.moveaxis(chosen[group.positions[slot.kind]], 0, 1)  # (nodes, its inputs, B)
            slot.add_grad(chain(upstream[:, None, :], local, careful))
        return
    table_op = group.table_op
    # the table's local derivatives, d out / d input for every input, as arrays (or plain numbers)
    locals_ = table_op.local_grads(ARRAY, group.out, *group.saved, *table_op.constants)
    for slot, local in zip(group.slots, locals_):
        # chain rule, for the whole group at once: d root / d input += upstream * local
        if slot.stores and not careful and slot.grad_view is not None and not isinstance(local, float):
            np.multiply(upstream, local, out=slot.grad_view)  # the first to reach these rows: stored
        else:
            slot.add_grad(chain(upstream, local, careful))


def chain(upstream: np.ndarray, local: Any, careful: bool = True) -> np.ndarray:
    """``upstream * local``; ``careful`` applies the table's zero rule (a zero on either side gives 0, never NaN).

    The product is computed plainly; a careful product applies the rule
    (`ops.ARRAY.chain`) only where it is NaN, so it costs one test more.

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
    if careful and np.isnan(product).any():
        return ARRAY.chain(upstream, local)
    return product


def _product_into(target: np.ndarray, left: np.ndarray, right: np.ndarray, store: bool) -> None:
    """``target += left @ right``; stored in place when nothing was added to ``target`` yet in
    this pass (its rows hold the zeros the pass began with): no temporary, no add."""
    if store:
        np.matmul(left, right, out=target)  # (BLAS sums from +0.0, as 0.0 + the product would)
    else:
        target += left @ right


def _dot_backward(group: Group, upstream: np.ndarray) -> None:
    if group.layer is not None:
        # out = W @ X + b: dW = upstream @ X^T and db = upstream's row sums (summed over the batch),
        # dX = W^T @ upstream
        weights, weights_grad, inputs, inputs_grad, _, bias_grad = group.layer
        store_weights, store_inputs = group.stores
        _product_into(weights_grad, upstream, inputs.T, store_weights)
        if len(weights) == 1:  # one row of weights (an output layer): dX is an outer product, cheaper broadcast
            inputs_grad += weights.T * upstream
        else:
            _product_into(inputs_grad, weights.T, upstream, store_inputs)
        bias_grad += upstream.sum(axis=1, keepdims=True)
        return
    if group.squares is not None:  # d/dp sum(p * p) = 2p
        numbers, numbers_grad = group.squares
        numbers_grad += (2.0 * upstream[0, 0]) * numbers.reshape(numbers_grad.shape)
        return
    (saved,) = group.saved
    for kinds, (left, right) in group.pair_slots.items():
        a, b = saved[kinds]
        if kinds == "SB" and group.matmul:
            # out = W @ X: dW = upstream @ X^T (summed over the batch), dX = W^T @ upstream
            left.add_summed((upstream @ b.T)[:, :, None])
            group.matmul_inputs.add_grad(a[:, :, 0].T @ upstream)
        elif kinds == "SB":
            left.add_summed(np.einsum("kb,kpb->kp", upstream, b)[:, :, None])
            right.add_grad(a * upstream[:, None, :])
        else:
            right_grad = upstream[:, None, :] * a
            left.add_grad(upstream[:, None, :] * b)
            right.add_grad(right_grad)
    for slot in group.slots:
        slot.add_grad(upstream[:, None, :])
