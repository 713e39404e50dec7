"""Time the digits demo (`micrograd-mlp demo digits`): wall clock and CPU, with the machine's load.

    python bench/digits.py              # the demo at its defaults, once
    python bench/digits.py --repeat 3   # three runs: the figures vary with the load

On a shared machine the wall-clock time depends on what else runs; the CPU
time (of this process) does much less, so both are printed, with the load
average before and after. Not part of the test suite (no timed assertions).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from micrograd_mlp.apps.demos_multiclass import DIGITS_EPOCHS, DIGITS_HIDDEN, digits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"digits demo: MLP(64, [{', '.join(map(str, DIGITS_HIDDEN))}, 10]), {DIGITS_EPOCHS} epochs, "
          f"{os.cpu_count()} cores")  # fmt: skip
    for run in range(args.repeat):
        load_before = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        result = digits(tempfile.mkdtemp(), quiet=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"run {run + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU (training {result.metrics['training seconds']:.1f} s "
              f"wall), test accuracy {result.metrics['test accuracy']:.1%}, load average "
              f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
