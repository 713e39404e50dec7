"""Benchmark: the batched moons step at every width, against hand NumPy, PyTorch and JAX, in one run.

    python bench/widths.py            # from the repository root, about 1-3 minutes
    python bench/widths.py --quick    # fewer rounds, a smoke test

The step is the moons step of bench/engine.py (hinge loss + 1e-4 L2, plain
SGD, full batch), for the five networks of issue 18's table. Columns, each
the median milliseconds per step over interleaved rounds (every round times
every row and column once, so load changes hit all of them alike):

* ours, in fit: one step of ``fit(model, X, y, loss="hinge", l2=1e-4,
  epochs=100, batch_size=None, batched=True)``, the call's time / 100 (the
  length of a demo's training; the parameters stay in arrays between the
  steps of one call, and what a call costs once, reading and writing back
  the Values, is then a hundredth of it: the next column shows it whole);
* ours, fit per call: one ``fit(..., epochs=1)`` call, everything a user's
  call does (checks, look-ups, reading the weights from the Values, the
  step, writing weights and gradients back into the Values);
* ours, Trainer.step: one ``trainer.step()`` of a kept `Trainer` (what the
  playground calls; the Values are brought up to date after every step);

* hand NumPy: bench/engine.py's step written out with arrays (float64, its
  learning-rate schedule), with the BLAS on one thread as our replay runs it;
* PyTorch eager float64 and float32, one thread (``torch.set_num_threads(1)``);
* JAX ``jit`` float64 (the compiled reference), skipped with a note when JAX
  is not installed.

The first call of ``fit(..., batched=True)`` records and schedules the graph:
its time is listed too. After the table, ``predict(model, X)`` on each row's
batch while nothing was written (any Parameter written anywhere, e.g. by
another model's training, makes the next call read its weights again).
NumPy's BLAS thread count is printed (threadpoolctl).
Timings are noisy on a shared machine: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

from micrograd_mlp import MLP, SGD, fit, predict
from micrograd_mlp.batched.program import one_blas_thread
from micrograd_mlp.data import make_moons
from micrograd_mlp.train import Trainer

ALPHA = 1e-4
LR = 0.05
IN_FIT = 100  # epochs (full-batch steps) of the "ours, in fit" call
ROWS = [("MLP(2, [16, 16, 1])", [16, 16, 1], 100), ("MLP(2, [64, 64, 1])", [64, 64, 1], 100),
        ("MLP(2, [256, 256, 1])", [256, 256, 1], 100), ("MLP(2, [16, 16, 1])", [16, 16, 1], 1000),
        ("MLP(2, [64]*4 + [1])", [64, 64, 64, 64, 1], 100)]  # fmt: skip


def data(n):
    X, y = make_moons(n, noise=0.1, seed=1)
    return X, y, np.where(y > 0, 1.0, -1.0)


# the hand-written NumPy step and the weights as arrays, as bench/engine.py has them
_spec = importlib.util.spec_from_file_location("bench_engine", Path(__file__).with_name("engine.py"))
E = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(E)
layer_arrays = E.numpy_arrays


def numpy_runner(model, X, labels):
    """bench/engine.py's NumPy step (micrograd's schedule, restarted every 100 steps), on one BLAS thread."""
    layers, count = layer_arrays(model), [0]

    def step():
        count[0] += 1
        with one_blas_thread():
            return E.numpy_step(layers, X, labels, count[0] % 100)

    return step


def torch_runner(torch, model, X, labels, dtype):
    layers = [(torch.tensor(w, dtype=dtype, requires_grad=True), torch.tensor(b, dtype=dtype, requires_grad=True))
              for w, b in layer_arrays(model)]  # fmt: skip
    params = [t for pair in layers for t in pair]
    X_t, y_t = torch.tensor(X, dtype=dtype), torch.tensor(labels, dtype=dtype)

    def step():
        h = X_t
        for i, (w, b) in enumerate(layers):
            h = h @ w + b
            if i < len(layers) - 1:
                h = torch.relu(h)
        loss = torch.relu(1.0 - y_t * h[:, 0]).mean() + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        return loss

    return step


def jax_runner(jax, jnp, model, X, labels):
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in layer_arrays(model)]
    X_j, y_j = jnp.asarray(X), jnp.asarray(labels)

    def loss_of(params):
        h = X_j
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        penalty = sum((w * w).sum() + (b * b).sum() for w, b in params)
        return jax.nn.relu(1.0 - y_j * h[:, 0]).mean() + ALPHA * penalty

    @jax.jit
    def update(params):
        loss, grads = jax.value_and_grad(loss_of)(params)
        return loss, jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

    state = {"params": params}

    def step():
        loss, state["params"] = update(state["params"])
        loss.block_until_ready()
        return loss

    step()  # compile
    return step


def timed(function: Callable[[], object], steps: int, per_call: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        function()
    return (time.perf_counter() - start) / steps / per_call * 1e3


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    pools = [f"{p.get('internal_api')} {p.get('num_threads')} threads" for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(pools) or "no BLAS pool found"


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and steps (a smoke test)")
    args = parser.parse_args(argv)
    rounds, steps = (2, 3) if args.quick else (5, 10)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
    except ImportError:
        jax = None
    columns = ["ours, in fit", "ours, fit per call", "ours, Trainer.step", "hand NumPy"]
    columns += ["PyTorch float64", "PyTorch float32"] if torch is not None else []
    columns += ["JAX jit float64"] if jax is not None else []
    runners: List[Dict[str, Callable[[], object]]] = []
    first_call = []
    for name, sizes, n in ROWS:
        X, y, labels = data(n)
        model = MLP(2, sizes, seed=0, fused=True)
        row: Dict[str, Callable[[], object]] = {}
        start = time.perf_counter()
        fit(model, X, y, loss="hinge", l2=ALPHA, lr=LR, epochs=1, batch_size=None, shuffle=False, batched=True,
            verbose=False)  # fmt: skip
        first_call.append((time.perf_counter() - start) * 1e3)
        optimizer = SGD(model.parameters(), lr=LR)

        def ours(epochs, model=model, X=X, y=y, optimizer=optimizer):
            fit(model, X, y, loss="hinge", optimizer=optimizer, l2=ALPHA, epochs=epochs, batch_size=None,
                shuffle=False, batched=True, verbose=False)  # fmt: skip

        row["ours, in fit"] = lambda ours=ours: ours(IN_FIT)
        row["ours, fit per call"] = lambda ours=ours: ours(1)
        trainer_model = MLP(2, sizes, seed=0, fused=True)
        trainer = Trainer(trainer_model, X, y, loss="hinge", l2=ALPHA, lr=LR, batch_size=None, shuffle=False,
                          batched=True)  # fmt: skip
        row["ours, Trainer.step"] = trainer.step
        row["hand NumPy"] = numpy_runner(model, X, labels)
        if torch is not None:
            row["PyTorch float64"] = torch_runner(torch, model, X, labels, torch.float64)
            row["PyTorch float32"] = torch_runner(torch, model, X, labels, torch.float32)
        if jax is not None:
            row["JAX jit float64"] = jax_runner(jax, jnp, model, X, labels)
        runners.append(row)
    times: List[Dict[str, List[float]]] = [{c: [] for c in columns} for _ in ROWS]
    for _ in range(rounds):
        for row, measured in zip(runners, times):
            for column in columns:
                if column == "ours, in fit":
                    measured[column].append(timed(row[column], max(1, steps // 5), per_call=IN_FIT))
                else:
                    measured[column].append(timed(row[column], steps))
    print(f"# bench/widths.py: the moons step (hinge + {ALPHA:g} L2, SGD, full batch), "
          f"median ms per step of {rounds} interleaved rounds of {steps} steps")  # fmt: skip
    print(f"# NumPy BLAS: {blas_threads()} (ours and hand NumPy run it on 1); PyTorch: {'1 thread' if torch is not None else 'not installed'}; "
          f"JAX: {'jit, float64, CPU' if jax is not None else 'not installed (pip install -e .[bench]): column skipped'}")
    with open("/proc/loadavg") if sys.platform.startswith("linux") else open(__file__) as f:
        print(f"# load average: {f.read().split()[:3] if sys.platform.startswith('linux') else 'n/a'}")
    ratios = ["ours in fit / PyTorch float64", "fit per call / PyTorch float64"] if torch is not None else []
    header = ["network, batch"] + columns + ratios + ["first call"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for (name, _, n), measured, first in zip(ROWS, times, first_call):
        medians = {c: statistics.median(v) for c, v in measured.items()}
        cells = [f"{name}, {n:,}"] + [f"{medians[c]:.3g} ms" for c in columns]
        if torch is not None:
            cells.append(f"{medians['ours, in fit'] / medians['PyTorch float64']:.2f}")
            cells.append(f"{medians['ours, fit per call'] / medians['PyTorch float64']:.2f}")
        cells.append(f"{first:.0f} ms")
        print("| " + " | ".join(cells) + " |")
    print()
    calls = 2 * steps
    print(f"predict(model, X) on each row's batch, nothing written since the last call (after a first call "
          f"that records; median ms of {rounds} rounds of {calls} calls in a row):")  # fmt: skip
    for name, sizes, n in ROWS:
        X = data(n)[0]
        model = MLP(2, sizes, seed=0, fused=True)
        predict(model, X)
        per_call = statistics.median(timed(lambda: predict(model, X), calls) for _ in range(rounds))
        print(f"  {name}, {n:,}: {per_call:.3g} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
