"""How long `micrograd-mlp demo` takes, as a new user would see it: the README's demo table.

Runs each demo (and all three together) as a separate process, the way the README's first
command does, several times; prints the median wall time, the CPU time (user + sys) and the
load average before each run, so a figure taken on a busy machine can be told apart.

    python3 -m venv .venv && .venv/bin/pip install -q -e ".[demos]"
    .venv/bin/python bench/demo_times.py            # 3 runs of each, pictures to a temp folder
    .venv/bin/python bench/demo_times.py --runs 5 --demos all

A fair figure needs a quiet machine: a load average (1 min) well under the number of cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

DEMOS = ("chain-rule", "regression", "classification", "all")


def run_once(demo: str, out: str) -> tuple:
    """(wall seconds, CPU seconds of the child, 1-minute load average before) for one run."""
    command = [sys.executable, "-m", "micrograd_mlp", "demo", *([] if demo == "all" else [demo]),
               "--quiet", "--out", out]  # fmt: skip
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--demos", nargs="+", choices=DEMOS, default=list(DEMOS))
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        results = {demo: [] for demo in args.demos}
        for run in range(args.runs):  # demos interleaved, so a change of load hits them all
            for demo in args.demos:
                results[demo].append(run_once(demo, os.path.join(folder, f"{demo}-{run}")))
    print(f"{'demo':<15} {'wall median':>11} {'CPU median':>10}  runs (wall s / load before)")
    for demo, runs in results.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        detail = ", ".join(f"{wall:.1f}/{load:.1f}" for wall, _, load in runs)
        print(f"{demo:<15} {statistics.median(walls):>10.1f}s {statistics.median(cpus):>9.1f}s  {detail}")


if __name__ == "__main__":
    main()
