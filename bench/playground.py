"""Benchmark: the playground's view updates per second, and its memory over many steps.

    python bench/playground.py              # from the repository root, a few minutes
    python bench/playground.py --quick      # fewer updates and steps, a smoke test

1. Updates per second. One view update is what the server does for every frame
   while a tab plays: one epoch of ``fit`` on the train points, the test loss and
   accuracy, the boundary (``predict`` on the grid x grid points), the network's
   weights, and the frame as JSON. Measured for MLP(2, [16, 16, 1]) on 200 moons
   points (150 train, 50 test), tanh, Adam, at the default grid of 30 x 30, for
   mini-batches of 16 and one full batch per epoch; twice: calling
   ``Session.tick`` directly, and through the real app's WebSocket (Starlette's
   test client: play, receive N frames, pause).
2. Memory of one playing tab. A session ticks for an hour-equivalent of steps (36,000 updates, an
   hour at the 10 updates/s the issue targets), on a small model so that it
   finishes in minutes; the process's resident memory (RSS) is sampled as it
   goes. The curves keep their last ``LIMITS['history']`` points, so after that
   many updates nothing should grow: the figure is the RSS growth per step
   from then on.
3. Memory per reset and per session (issue 17): one tab presses Reset then Step
   1,000 times; then 500 sessions are made, stepped once and deleted. The RSS
   growth of the server's process over each run is the figure (target: under
   10 MiB each); nothing per reset or per session should be kept.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from micrograd_mlp.apps.playground.frames import boundary  # noqa: E402
from micrograd_mlp.apps.playground.session import LIMITS, Session  # noqa: E402

JSON = {"content-type": "application/json"}  # what the page sends


def test_client():
    """The real app in this process (Starlette's test client), addressed as the page does."""
    from starlette.testclient import TestClient

    from micrograd_mlp.apps.playground.server import create_app

    return TestClient(create_app(), base_url="http://127.0.0.1", headers=JSON)


def rss_bytes() -> int:
    """Resident memory of this process (Linux /proc; psutil elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import psutil

        return psutil.Process().memory_info().rss


def updates_per_second_direct(settings: dict, updates: int) -> tuple:
    """(updates per wall-clock second, per CPU second of this process)."""
    session = Session(settings)
    session.tick()  # warm up
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(updates):
        json.dumps(session.tick(), allow_nan=False)
    return updates / (time.perf_counter() - started), updates / (time.process_time() - cpu)


def breakdown(settings: dict, repeats: int) -> dict:
    """CPU seconds of each part of one update (median of ``repeats``)."""
    from micrograd_mlp.apps.playground.session import train_one_epoch
    from micrograd_mlp.train import Trainer

    session = Session(settings)
    s = session.settings

    def trainer(val):  # the session's own Trainer, with and without the test set
        return Trainer(session.model, session.X_train, session.y_train, loss=s["loss"], optimizer=session.optimizer,
                       batch_size=s["batch_size"], l2=s["l2"], val=val, batched=True)  # fmt: skip

    plain, with_test = trainer(None), trainer((session.X_test, session.y_test))
    parts = {"train epoch (Trainer)": [], "test loss + accuracy (Trainer's val)": [], "boundary (predict on grid)": []}
    for _ in range(repeats):
        cpu = time.process_time()
        train_one_epoch(plain, 0)
        parts["train epoch (Trainer)"].append(time.process_time() - cpu)
        cpu = time.process_time()
        train_one_epoch(with_test, 0)
        parts["test loss + accuracy (Trainer's val)"].append(
            time.process_time() - cpu - parts["train epoch (Trainer)"][-1]
        )
        cpu = time.process_time()
        boundary(session)
        parts["boundary (predict on grid)"].append(time.process_time() - cpu)
    return {name: statistics.median(values) for name, values in parts.items()}


def updates_per_second_socket(settings: dict, updates: int) -> float:
    with test_client() as client:
        sid = client.post("/api/sessions", json=settings).json()["session"]
        with client.websocket_connect(f"ws://127.0.0.1/ws/{sid}") as socket:
            socket.send_json({"action": "step"})
            socket.receive_json()  # warm up
            socket.send_json({"action": "play"})
            socket.receive_json()
            started = time.perf_counter()
            for _ in range(updates):
                socket.receive_json()
            seconds = time.perf_counter() - started
            socket.send_json({"action": "pause"})
    return updates / seconds


def memory_over_steps(steps: int, every: int) -> list:
    """(step, RSS bytes) of the server process while one tab plays ``steps`` updates.

    The app runs in this process (Starlette's test client), so the RSS holds
    the server, its session store and the WebSocket machinery.
    """
    small = {"dataset": "xor", "points": 20, "hidden": [3], "grid": 10, "batch_size": None}
    samples = []
    with test_client() as client:
        sid = client.post("/api/sessions", json=small).json()["session"]
        with client.websocket_connect(f"ws://127.0.0.1/ws/{sid}") as socket:
            socket.send_json({"action": "play"})
            for step in range(1, steps + 1):
                socket.receive_json()
                if step % every == 0:
                    gc.collect()
                    samples.append((step, rss_bytes()))
                    print(f"  after {step:6d} updates: RSS {samples[-1][1] / 2**20:7.1f} MiB", flush=True)
            socket.send_json({"action": "pause"})
    return samples


def speed(updates: int) -> None:
    print(f"\n1. View updates per second, MLP(2, [16, 16, 1]) on 200 moons points, grid 30 x 30, "
          f"the first {updates} updates of a new session\n")
    print("| batch | Session.tick (wall) | Session.tick (per CPU s) | WebSocket (wall) |")
    print("|---|---|---|---|")
    for batch in (16, None):
        settings = {"hidden": [16, 16], "points": 200, "batch_size": batch, "grid": 30}
        wall, cpu = updates_per_second_direct(settings, updates)
        socket = updates_per_second_socket(settings, updates)
        label = "full (150)" if batch is None else str(batch)
        print(f"| {label} | {wall:.2f} /s | {cpu:.2f} /s | {socket:.2f} /s |", flush=True)
    print("\nWhere an update's time goes (CPU seconds, batch 16):\n")
    for name, seconds in breakdown({"hidden": [16, 16], "points": 200, "batch_size": 16}, updates).items():
        print(f"  {name:34s} {seconds:.3f} s")


def memory(steps: int) -> None:
    every = max(steps // 18, 1)
    print(f"\n2. Memory of one session over {steps} updates (curves keep {LIMITS['history']} points)\n")
    samples = memory_over_steps(steps, every)
    settled = [(s, r) for s, r in samples if s >= 2 * LIMITS["history"]]
    if len(settled) >= 2:
        slope = np.polyfit([s for s, _ in settled], [r for _, r in settled], 1)[0]
        spread = max(r for _, r in settled) - min(r for _, r in settled)
        print(f"\n  from update {settled[0][0]} on: {slope:+.2f} bytes per update (least squares), "
              f"RSS range {spread / 2**10:.0f} KiB; median RSS "
              f"{statistics.median(r for _, r in settled) / 2**20:.1f} MiB")  # fmt: skip


def growth(label: str, runs: int, one: "callable", every: int) -> float:
    """RSS growth (bytes) over ``runs`` calls of ``one(i)`` after a warm-up of 20; prints samples."""
    for i in range(20):
        one(i)
    gc.collect()
    start = rss_bytes()
    for i in range(1, runs + 1):
        one(i)
        if i % every == 0:
            gc.collect()
            print(f"  {label} {i:5d}: RSS {rss_bytes() / 2**20:7.1f} MiB", flush=True)
    gc.collect()
    return rss_bytes() - start


def resets_and_sessions(resets: int, sessions: int) -> None:
    print("\n3. Memory per reset and per session (the default settings: moons, MLP(2, [8, 8, 1]))\n")
    with test_client() as client:
        sid = client.post("/api/sessions", json={}).json()["session"]

        def reset_and_step(i: int) -> None:
            assert client.post(f"/api/sessions/{sid}/reset").status_code == 200
            assert client.post(f"/api/sessions/{sid}/step").status_code == 200

        grown = growth("Reset+Step", resets, reset_and_step, max(resets // 5, 1))
        print(f"  {resets} Reset+Step on one tab: RSS grew {grown / 2**20:+.1f} MiB\n")

        def make_step_delete(i: int) -> None:
            new = client.post("/api/sessions", json={"seed": i}).json()["session"]
            assert client.post(f"/api/sessions/{new}/step").status_code == 200
            assert client.delete(f"/api/sessions/{new}").status_code == 200

        grown = growth("sessions", sessions, make_step_delete, max(sessions // 5, 1))
        print(f"  {sessions} sessions made, stepped and deleted: RSS grew {grown / 2**20:+.1f} MiB")
        print(f"  sessions alive at the end: {len(client.app.state.playground.store)} in the store, "
              f"{len(client.app.state.playground.host.sessions)} in the trainer")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer updates and steps")
    parser.add_argument("--only", choices=["speed", "memory", "sessions"], help="run one section")
    parser.add_argument("--steps", type=int, help="updates of the memory run (default 36000; --quick 4000)")
    args = parser.parse_args()
    # (updates of a new session each way: 10 took 30 ms, too short to time; a session's update
    # also grows slowly with its epochs, as its loss curve gets longer)
    updates = 20 if args.quick else 200
    steps = args.steps or (4000 if args.quick else 36_000)

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} cores")
    if args.only in (None, "speed"):
        speed(updates)
    if args.only in (None, "memory"):
        memory(steps)
    if args.only in (None, "sessions"):
        resets_and_sessions(100 if args.quick else 1000, 50 if args.quick else 500)


if __name__ == "__main__":
    main()
