"""Where the sessions train: in this process, or spread over worker processes (both cores).

Training is pure Python, so one process trains on one core however many
threads it has (the GIL). With ``workers=N`` every session lives in one of N
worker processes (``spawn``ed, each with its own engine), and the server's
process only routes messages and writes sockets. Each worker answers its
requests one at a time, in the order they came: the tabs on one worker take
turns, one epoch each, so a class of 30 playing tabs is served fairly.

With ``workers=0`` the sessions live in the server's own process and run in
its thread pool, one at a time under the engine lock (tests; a single user).

Every answer is JSON text made where the session lives (so a frame crosses
the process boundary once, as text), or a refusal with its HTTP status.

>>> host = LocalHost()
>>> status, text, stopped = host.perform_now("create", "s1", ({"dataset": "xor", "points": 20},))
>>> status, stopped, '"epoch": 0' in text
(200, False, True)
>>> host.perform_now("tick", "nope", ())[0]
404
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import multiprocessing
import multiprocessing.util  # noqa: F401 - registers its exit handler now: it runs after ours (see _mark_exiting)
import sys
import threading
from typing import Any, Dict, List, Tuple

from starlette.concurrency import run_in_threadpool

from .engine_lock import ENGINE_LOCK
from .lab.inside import inside_payload
from .session import Session
from .web import json_text

__all__ = ["perform", "LocalHost", "ProcessHost", "make_host", "Answer"]

Answer = Tuple[int, str, bool]  # (HTTP status, JSON text or error message, whether training is stopped)


def _inside(session: Session, layer: Any, neuron: Any, point: Any) -> Dict[str, Any]:
    with session.lock:
        session.check_neuron(layer, neuron)
        x, target = session.point(point)
        # the drawing is laid out later, by the server, with no lock held
        return inside_payload(session.model, layer, neuron, x, target, session.settings["loss"], defer_drawing=True)


def perform(sessions: Dict[str, Session], op: str, sid: str, args: tuple) -> Answer:
    """Run one operation on session ``sid`` of ``sessions``; never raises.

    ops: create(settings), update(changes), reset, tick, frame, neuron(layer, neuron),
    inside(layer, neuron, point), drop.
    """
    try:
        if op == "create":
            sessions[sid] = session = Session(args[0])
            return 200, json_text(session.frame()), False
        if op == "drop":
            gone = sessions.pop(sid, None)
            if gone is not None:
                gone.close()
            return 200, "{}", True
        session = sessions.get(sid)
        if session is None:
            return 404, f"no session {sid!r:.30} (it was closed or idle too long); reload the page for a new one", True
        if op == "update":
            result = session.update(args[0])
        elif op == "reset":
            result = session.reset()
        elif op == "tick":
            result = session.tick()
        elif op == "frame":
            result = session.frame()
        elif op == "neuron":
            result = session.neuron(*args)
        elif op == "inside":
            result = _inside(session, *args)
        else:
            return 400, f"unknown operation {op!r:.30}", True
        return 200, json_text(result), session.error is not None
    except (ValueError, IndexError) as err:  # SettingsError, LossError, a bad index
        return 400, str(err), True
    except Exception as err:  # a bug of ours: one line for the page, never a traceback  # noqa: BLE001
        return 500, f"internal error: {type(err).__name__}: {err}", True


class LocalHost:
    """The sessions in this process, run in the thread pool under the engine lock."""

    workers = 1

    def __init__(self) -> None:
        self.sessions: Dict[str, Session] = {}

    def perform_now(self, op: str, sid: str, args: tuple) -> Answer:
        with ENGINE_LOCK:
            return perform(self.sessions, op, sid, args)

    async def call(self, worker: int, op: str, sid: str, *args: Any) -> Answer:
        return await run_in_threadpool(self.perform_now, op, sid, args)

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()


def worker_main(connection: Any) -> None:
    """A worker process: answer (number, op, sid, args) requests in order, until None or EOF."""
    sessions: Dict[str, Session] = {}
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if request is None:
            return
        number, op, sid, args = request
        try:
            connection.send((number, perform(sessions, op, sid, args)))
        except (OSError, KeyboardInterrupt):
            return


class _Worker:
    """One worker process; requests go down its pipe as they come, answers come back in order.

    The requests are pipelined: the worker never waits for the server between
    two epochs (under load every wake-up of a process costs milliseconds), it
    just takes the next request from its pipe. A thread reads the answers and
    hands each to the coroutine that waits for it.
    """

    def __init__(self, context: Any) -> None:
        self.context = context
        self.lock = threading.Lock()  # one writer at a time on the pipe; starts and restarts
        # request number -> (event loop, future, the connection it went down)
        self.pending: Dict[int, Tuple[Any, Any, Any]] = {}
        self.numbers = itertools.count()
        self.stopping = False
        self.start()

    def start(self) -> None:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=worker_main, args=(theirs,), daemon=True,
                                       name="micrograd-playground-worker")  # fmt: skip
        process.start()
        theirs.close()
        self.connection, self.process = ours, process  # (the new pipe first: a caller that sees the
        # new process alive finds its pipe in place)
        self.reader = threading.Thread(target=self.read, args=(ours,), daemon=True, name="playground-worker-reader")
        self.reader.start()

    def restart(self, dead: Any) -> None:
        """A fresh worker in place of the one behind the ``dead`` pipe, once, whoever notices first
        (the reader at end of file, or a caller whose send failed). Call with the lock held."""
        self.fail(dead)
        if dead is not self.connection or self.stopping or _EXITING.is_set() or sys.is_finalizing():
            return  # already replaced; or stopping, or Python exiting (multiprocessing ends the
            # daemon workers then, and a new one would find its parent gone: "EOFError: Ran out of input")
        self.start()  # (the dead pipe is closed by its reader, which may still be reading it)

    def read(self, connection: Any) -> None:
        while True:
            try:
                number, answer = connection.recv()
            except (EOFError, OSError, TypeError, ValueError):
                break
            with self.lock:
                waiting = self.pending.pop(number, None)
            if waiting is not None:
                loop, future, _ = waiting
                loop.call_soon_threadsafe(_settle, future, answer)
        with self.lock:  # died, or stopped: fail what it was asked, start afresh unless stopped
            self.restart(connection)
        if connection is not self.connection:
            connection.close()

    def fail(self, dead: Any) -> None:
        """Answer every request sent down the ``dead`` pipe: it will never be answered. (Lock held.)"""
        lost = [number for number, (_, _, sent_on) in self.pending.items() if sent_on is dead]
        answer = (503, "the training worker stopped and was restarted; reload the page", True)
        for number in lost:
            loop, future, _ = self.pending.pop(number)
            loop.call_soon_threadsafe(_settle, future, answer)

    async def call(self, request: tuple) -> Answer:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self.lock:
            number = next(self.numbers)
            for attempt in (1, 2):
                connection = self.connection
                self.pending[number] = (loop, future, connection)
                try:
                    connection.send((number, *request))
                    break
                except (OSError, ValueError):  # the worker died and nobody noticed yet
                    self.pending.pop(number, None)
                    if attempt == 2 or self.stopping:
                        return 503, "the training worker stopped; reload the page", True
                    self.restart(connection)  # then this request goes to the new worker
        return await future

    def stop(self, wait: float = 5.0) -> None:
        with self.lock:
            self.stopping = True
            try:
                self.connection.send(None)
            except (OSError, ValueError):
                pass
        self.process.join(wait)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1)
        self.connection.close()


_EXITING = threading.Event()


@atexit.register
def _mark_exiting() -> None:
    # runs before multiprocessing's own exit handler (registered earlier, so run later) ends the workers
    _EXITING.set()


def _settle(future: Any, answer: Answer) -> None:
    if not future.done():
        future.set_result(answer)


class ProcessHost:
    """The sessions spread over ``workers`` processes (both cores of a laptop, and more)."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no threads copied by fork
        self.workers = workers
        self.pool: List[_Worker] = [_Worker(context) for _ in range(workers)]

    async def call(self, worker: int, op: str, sid: str, *args: Any) -> Answer:
        return await self.pool[worker % self.workers].call((op, sid, args))

    def close(self) -> None:
        for worker in self.pool:
            worker.stop()


def make_host(workers: int) -> Any:
    """`LocalHost` for 0 workers, else a `ProcessHost` of that many processes."""
    return ProcessHost(workers) if workers > 0 else LocalHost()
