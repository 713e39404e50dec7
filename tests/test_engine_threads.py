"""Grad mode is per thread and per asyncio task, as PyTorch's is per thread.

Real threads: one sits inside `no_grad()` (and enters and leaves it over and
over) while another builds graphs; every gradient of the second must be right,
and no block may leave recording off for anyone else.
"""

import asyncio
import threading

import pytest

from micrograd_mlp import Value, is_grad_enabled, no_grad
from micrograd_mlp.engine import recording, set_grad_enabled


def build_and_check(n, results, errors):
    """Build n small graphs; record whether every gradient came out right."""
    for i in range(n):
        try:
            x = Value(float(i % 7) + 1.0)
            y = (x * x + 3 * x).tanh() * 0 + x * x  # d/dx of x^2 = 2x
            y.backward()
            results.append(x.grad == 2.0 * x.data and len(y.parents) == 2)
        except Exception as err:  # noqa: BLE001 - any error is a failure of isolation
            errors.append(err)


def test_one_thread_in_no_grad_does_not_switch_off_another_threads_graph():
    stop = threading.Event()
    inside = threading.Event()
    leaked = []

    def evaluator():
        while not stop.is_set():
            with no_grad():
                inside.set()
                y = Value(2.0) * 3
                leaked.append(bool(y.parents) or is_grad_enabled())

    thread = threading.Thread(target=evaluator)
    thread.start()
    inside.wait(5)
    results, errors = [], []
    try:
        build_and_check(3000, results, errors)
    finally:
        stop.set()
        thread.join(10)
    assert errors == [] and len(results) == 3000 and all(results)
    assert leaked and not any(leaked)  # and the evaluator really recorded nothing
    assert is_grad_enabled()


def test_overlapping_blocks_in_two_threads_restore_each_threads_own_mode():
    # A enters, B enters, A leaves, B leaves: with one global switch, B's exit
    # restored A's "off" and left gradients off for good.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with no_grad():
            a_in.set()
            b_in.wait(5)
        seen["a after"] = is_grad_enabled()
        a_out.set()

    def thread_b():
        a_in.wait(5)
        with no_grad():
            b_in.set()
            a_out.wait(5)
            seen["b inside, after a left"] = is_grad_enabled()
        seen["b after"] = is_grad_enabled()
        seen["b records"] = len((Value(1.0) + 1).parents) == 2

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"a after": True, "b inside, after a left": False, "b after": True, "b records": True}
    assert is_grad_enabled()


def test_a_new_thread_records_even_when_its_creator_is_inside_no_grad():
    found = []
    with no_grad():
        thread = threading.Thread(target=lambda: found.append((is_grad_enabled(), len((Value(1.0) * 2).parents))))
        thread.start()
        thread.join(10)
        assert not is_grad_enabled()
    assert found == [(True, 2)]


def test_asyncio_tasks_each_have_their_own_mode():
    async def evaluate(started, release):
        with no_grad():
            started.set()
            await release.wait()  # the other task runs while this one is inside no_grad
            return Value(2.0) * 3

    async def train(started, release):
        await started.wait()
        assert is_grad_enabled()
        x = Value(3.0)
        y = x * x
        y.backward()
        release.set()
        return x.grad

    async def main():
        started, release = asyncio.Event(), asyncio.Event()
        evaluated, grad = await asyncio.gather(evaluate(started, release), train(started, release))
        return evaluated.parents, grad, is_grad_enabled()

    assert asyncio.run(main()) == ((), 6.0, True)


def test_set_grad_enabled_as_a_block_and_as_a_call():
    with set_grad_enabled(False):
        assert not is_grad_enabled() and (Value(1.0) + 1).parents == ()
        with set_grad_enabled(True):
            assert is_grad_enabled() and len((Value(1.0) + 1).parents) == 2
        assert not is_grad_enabled()
    assert is_grad_enabled()

    def worker(out):
        set_grad_enabled(False)  # a call: stays off in this thread only
        out.append(((Value(1.0) * 2).parents, is_grad_enabled()))

    out = []
    thread = threading.Thread(target=worker, args=(out,))
    thread.start()
    thread.join(10)
    assert out == [((), False)] and is_grad_enabled()
    with pytest.raises(TypeError, match="set_grad_enabled\\(\\) takes True or False, got str 'no'"):
        set_grad_enabled("no")


def test_recording_hook_sees_only_its_own_threads_ops():
    seen = []
    other_ready, other_done = threading.Event(), threading.Event()

    def other():
        other_ready.wait(5)
        Value(5.0).tanh()  # made in another thread: not reported
        other_done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with no_grad():
        with recording(lambda node, operands: seen.append((node.op, operands))):
            x = Value(2.0)
            y = x * 3
            other_ready.set()
            other_done.wait(5)
            z = y**2
    thread.join(10)
    assert [op for op, _ in seen] == ["*", "**2"]
    assert seen[0][1][0] is x and seen[0][1][1].data == 3.0 and seen[1][1] == (y,)
    assert z.parents == (y,)  # recorded although the block is inside no_grad()
    assert is_grad_enabled()
