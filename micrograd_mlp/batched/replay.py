"""Stage 3, replay: the array kernels, one NumPy call per group forward and one backward.

`forward(group, ...)` computes a whole `Group` at once: it gathers the
operands' rows (``values`` per sample, shape (rows, B); ``shared`` once per
batch, shape (rows, 1)), applies the op and writes the group's rows.
`backward(group, ...)` is the chain rule for the same group: ``upstream *
local derivative``, added into each operand's gradient rows (summed over the
batch for a shared operand). Each op's maths is the engine's, on arrays.
"""

from __future__ import annotations

from typing import List

import numpy as np

from .scheduling import Group, Slot

__all__ = ["forward", "backward"]


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
    operands = [slot.read(values, shared) for slot in group.slots]
    a = operands[0]
    if op == "+":
        np.add(a, operands[1], out=out)
    elif op == "-":
        np.subtract(a, operands[1], out=out)
    elif op == "*":
        np.multiply(a, operands[1], out=out)
    elif op == "/":
        np.divide(a, operands[1], out=out)
    elif op == "neg":
        np.negative(a, out=out)
    elif op == "**n":
        np.power(a, group.exponent, out=out)
    elif op == "**":
        np.power(a, operands[1], out=out)
    elif op == "relu":
        # 0 for x <= 0, else x: NaN (which is not <= 0) stays NaN, as in the engine
        np.copyto(out, np.where(a <= 0.0, 0.0, a))
    elif op == "tanh":
        np.tanh(a, out=out)
    elif op == "sigmoid":
        # the engine's two stable forms: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below
        e = np.exp(-np.abs(a))
        np.copyto(out, np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)))
    elif op == "exp":
        np.exp(a, out=out)
    elif op == "log":
        np.log(a, out=out)
    elif op == "softplus":
        np.copyto(out, np.where(a > 0.0, a, 0.0) + np.log1p(np.exp(-np.abs(a))))
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
            slot.add_grad(grads, shared_grads, upstream[:, None, :] * chosen)
        return
    out = space_values[group.start : group.stop]
    saved = group.saved
    a = saved[0]
    if op == "+":
        locals_ = (None, None)
    elif op == "-":
        locals_ = (None, -1.0)
    elif op == "*":
        locals_ = (saved[1], a)
    elif op == "/":
        locals_ = (1.0 / saved[1], -out / saved[1])
    elif op == "neg":
        locals_ = (-1.0,)
    elif op == "**n":
        n = group.exponent
        if n == 0.0:
            locals_ = (0.0,)
        else:
            # n * x^(n-1); at x = 0 with n < 1 the tangent is vertical (inf), as in the engine
            local = n * np.power(a, n - 1.0)
            if n < 1.0:
                local = np.where(a == 0.0, np.inf, local)
            locals_ = (local,)
    elif op == "**":
        b = saved[1]
        locals_ = (b * np.power(a, b - 1.0), out * np.log(a))
    elif op == "relu":
        locals_ = ((a > 0.0).astype(float),)
    elif op == "tanh":
        locals_ = (1.0 - out * out,)
    elif op == "sigmoid":
        locals_ = (out * (1.0 - out),)
    elif op == "exp":
        locals_ = (out,)
    elif op == "log":
        locals_ = (1.0 / a,)
    elif op == "softplus":
        e = np.exp(-np.abs(a))
        locals_ = (np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)),)
    for slot, local in zip(group.slots, locals_):
        # chain rule, for the whole group at once: d root / d parent += upstream * local
        slot.add_grad(grads, shared_grads, upstream if local is None else upstream * local)

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

