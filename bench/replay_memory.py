"""Memory of batched training: 1,000 models trained with batched=True and dropped, memory flat.

    python bench/replay_memory.py            # from the repository root, 1-5 minutes
    python bench/replay_memory.py --models 200

Each model is MLP(2, [16, 16, 1]) trained for 2 epochs on 100 two-moons points
(hinge, L2 1e-4, one predict() of the data afterwards), then dropped. Printed
every 100 models: the process's resident memory (VmRSS) and how many of the
models trained so far are still alive (weak references). Before the fix each
cached program held its model, so every model stayed alive.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import weakref
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from micrograd_mlp import MLP, fit, predict  # noqa: E402
from micrograd_mlp.data import make_moons, to_pm1  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=1000)
    args = parser.parse_args()
    X, y = make_moons(100, seed=0)
    y = to_pm1(y)
    alive = []
    print(f"load average {os.getloadavg()[0]:.2f}; python bench/replay_memory.py --models {args.models}")
    print(f"{'models':>7} {'RSS MiB':>8} {'still alive':>12}")
    for k in range(1, args.models + 1):
        model = MLP(2, [16, 16, 1], seed=k)
        fit(model, X, y, loss="hinge", lr=0.05, l2=1e-4, epochs=2, verbose=False, batched=True)
        predict(model, X)
        alive.append(weakref.ref(model))
        del model
        if k % 100 == 0 or k == 10:
            gc.collect()
            print(f"{k:>7} {rss_mib():>8.1f} {sum(r() is not None for r in alive):>12}")


if __name__ == "__main__":
    main()
