"""Ctrl-C during the demos, on purpose: is any output file left empty or half-written?

Starts the three demos as a subprocess RUNS times, sends SIGINT (a Ctrl-C) after a random
3-12 s, and counts the files left: temporary ``.tmp-*`` files and empty files must be none.

    python bench/ctrl_c.py 16        # about 3 minutes on 2 cores

The children run outside any checkout (``cwd=/tmp``): ``python -c``/``-m`` put the current
folder first on ``sys.path``, which would import that folder's code instead of this one's.
"""

import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHILD = (
    "import sys, traceback\nfrom micrograd_mlp.apps import demos\n"
    "try:\n    [demos.run(n, sys.argv[1], quiet=True) for n in demos.DEMOS]\n"
    "except KeyboardInterrupt:\n    traceback.print_exc(); sys.exit(130)\n"
)


def main(runs: int, seed: int = 0) -> None:
    random.seed(seed)
    out = pathlib.Path(tempfile.mkdtemp(prefix="ctrl-c-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    codes = []
    for i in range(runs):
        with open(out / f"run{i}.err", "w") as err:
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(out / f"run{i}")], env=env, cwd=tempfile.gettempdir(),
                stdout=subprocess.DEVNULL, stderr=err,
                # a shell's background jobs ignore SIGINT; the child must not
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )  # fmt: skip
            time.sleep(random.uniform(3.0, 12.0))
            child.send_signal(signal.SIGINT)
            codes.append(child.wait())
    written = [f for f in out.rglob("*") if f.is_file() and f.suffix != ".err"]
    print(f"{runs} runs, exit codes {sorted(set(codes))}, {len(written)} files written in {out}")
    print("temporary files left:", [str(f) for f in written if f.name.startswith(".tmp-")])
    print("empty files:", [str(f) for f in written if f.stat().st_size == 0])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
