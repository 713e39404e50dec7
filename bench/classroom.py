"""Benchmark: a class of 30 tabs playing at once on one machine, and the lab under that load.

    python bench/classroom.py                    # 30 tabs, 20 s measured, 2 workers (~40 s)
    python bench/classroom.py --tabs 8 --seconds 10 --workers 0

Starts the real server (``micrograd-mlp playground``, uvicorn) on a free
127.0.0.1 port in a subprocess, then, from this process: ``--tabs`` WebSocket
clients each make a session with the page's default settings (moons, 200
points, MLP(2, [8, 8, 1]), Adam, batch 16, grid 30) and press play; after a
warm-up every frame each tab receives is counted for ``--seconds``. Meanwhile
a lab client asks ``api/lab/graph`` (a drawn graph of a small neuron) once a
second and times the answer. Reported: updates per second per tab (min,
median, max; the slowest as a share of the median), the total, the lab's
latency (median, max), and the load average before and after (the machine is
shared: other processes' load shows there). The clients only count frames
(they do not parse them), so they take little of the two cores from the
server; real students' browsers would run on their own machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_BODY = {"expression": "tanh(x1*w1 + x2*w2 + b)", "values": {"x1": 2, "w1": -3, "x2": 0, "w2": 1, "b": 6.88},
            "draw": True}  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def children(pid: int) -> list:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as found:
            return [int(p) for p in found.read().split()]
    except OSError:
        return []


def start_server(workers: int, tabs: int) -> tuple:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "micrograd_mlp", "playground", "--port", "0", "--no-browser",
               "--workers", str(workers), "--max-tabs", str(max(64, tabs + 1))]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r} {process.stderr.read()!r}")
    return process, int(match.group(1))


async def tab(port: int, start: asyncio.Event, stop: asyncio.Event, counts: list, index: int) -> None:
    import httpx
    from websockets.asyncio.client import connect

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"content-type": "application/json"},
                                 timeout=120) as http:  # fmt: skip
        answer = await http.post("/api/sessions", content=b"{}")
        answer.raise_for_status()
        sid = answer.json()["session"]
    async with connect(f"ws://127.0.0.1:{port}/ws/{sid}", max_size=2**24) as socket:
        await socket.send('{"action": "play"}')
        while not stop.is_set():
            try:
                await asyncio.wait_for(socket.recv(), timeout=1.0)
            except asyncio.TimeoutError:
                continue
            if start.is_set():
                counts[index] += 1
        await socket.send('{"action": "pause"}')


async def lab_client(port: int, start: asyncio.Event, stop: asyncio.Event, latencies: list) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        await start.wait()
        while not stop.is_set():
            began = time.perf_counter()
            answer = await http.post("/api/lab/graph", json=LAB_BODY)
            latencies.append(time.perf_counter() - began)
            assert answer.status_code == 200 and answer.json()["graph"]["svg"], answer.text[:200]
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - began)))


async def run(port: int, tabs: int, warmup: float, seconds: float, server_pid: int) -> tuple:
    start, stop = asyncio.Event(), asyncio.Event()
    counts = [0] * tabs
    latencies: list = []
    tasks = [asyncio.create_task(tab(port, start, stop, counts, i)) for i in range(tabs)]
    tasks.append(asyncio.create_task(lab_client(port, start, stop, latencies)))
    await asyncio.sleep(warmup)
    pids = [server_pid] + children(server_pid)
    cpu_before = [cpu_seconds(pid) for pid in pids] + [time.process_time()]
    start.set()
    began = time.perf_counter()
    await asyncio.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - began
    cpu = [(after - before) / elapsed for before, after in
           zip(cpu_before, [cpu_seconds(pid) for pid in pids] + [time.process_time()])]  # fmt: skip
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    return [c / elapsed for c in counts], latencies, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tabs", type=int, default=30, help="tabs playing at once (1 to 64)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds measured (5 to 120)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before counting")
    parser.add_argument("--workers", type=int, default=2, help="the server's training processes (0: in its own)")
    args = parser.parse_args()
    tabs, seconds = min(max(args.tabs, 1), 64), min(max(args.seconds, 5.0), 120.0)

    load_before = open("/proc/loadavg").read().split()[:3]
    process, port = start_server(args.workers, tabs)
    try:
        rates, latencies, cpu = asyncio.run(run(port, tabs, args.warmup, seconds, process.pid))
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    load_after = open("/proc/loadavg").read().split()[:3]
    median = statistics.median(rates)
    print(f"{tabs} tabs playing for {seconds:.0f} s (after {args.warmup:.0f} s warm-up), server with "
          f"--workers {args.workers}, {os.cpu_count()} cores")
    print(f"  updates per second per tab: min {min(rates):.2f}, median {median:.2f}, max {max(rates):.2f} "
          f"(slowest = {min(rates) / median:.0%} of the median); all tabs {sum(rates):.1f}/s")
    if latencies:
        print(f"  lab (api/lab/graph, drawn) under that load: median {statistics.median(latencies) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} requests")
    print(f"  CPU used (cores busy): server process {cpu[0]:.2f}, training workers "
          f"{', '.join(f'{c:.2f}' for c in cpu[1:-1]) or '-'}, these clients {cpu[-1]:.2f}")
    updates = sum(rates)
    print(f"  CPU per update (all the server's processes' CPU / updates): {sum(cpu[:-1]) / updates * 1000:.1f} ms; "
          f"{os.cpu_count()} free cores would give about {os.cpu_count() / (sum(cpu[:-1]) / updates) / tabs:.1f} "
          f"updates/s per tab (a projection, not a measurement)")  # fmt: skip
    print(f"  load average before: {' '.join(load_before)}; after: {' '.join(load_after)}")
    if "Traceback" in errors:
        print(errors[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
