"""Benchmark: batched replay against the scalar engine, micrograd 0.1.0 and hand-written NumPy.

    python bench/batched.py            # from the repository root, about 1-2 minutes
    python bench/batched.py --quick    # fewer repeats, a smoke test

In one run, with Python's garbage collector on as users have it:

1. the moons step of bench/engine.py (MLP(2, [16, 16, 1]), hinge + 1e-4 L2,
   100 points, full batch, micrograd's learning-rate schedule): micrograd 0.1.0,
   our scalar engine (unfused and fused), the batched replay (unfused and fused;
   the bare step, and a whole ``fit(..., epochs=1, batched=True)`` call as the
   playground makes it) and the same step written by hand in NumPy;
2. a 200x200 decision-boundary grid: ``predict(model, grid)`` (one replay)
   against the NumPy forward pass on the same grid and the scalar engine;
3. the step for widths 16, 64 and 256 (MLP(2, [w, w, 1])): the replay runs
   the same number of groups (NumPy calls) at every width;
4. the first batched ``fit`` call at widths 16, 64 and 256 (recording, the
   watch, the check against the scalar engine, scheduling: ``--first-call``
   runs only this part), and the second call beside it.

The losses of the first step and the weights after the timed steps are
compared with the scalar engine's (they agree to about 1e-15).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from micrograd_mlp import MLP, SGD, batched, fit, predict
from micrograd_mlp.batched import FitProgram, forget

# the moons step, its NumPy version and micrograd's, exactly as bench/engine.py has them
_spec = importlib.util.spec_from_file_location("bench_engine", Path(__file__).with_name("engine.py"))
E = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(E)


def median_ms(function, repeats):
    times = []
    for k in range(repeats):
        start = time.perf_counter()
        function(k)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


class Schedule:
    """micrograd's learning-rate schedule 1 - 0.9 k / 100 as an lr function for our optimizers."""

    def __call__(self, step):
        return E.learning_rate(step % 100)  # (repeated timing runs restart the schedule: it turns negative after 111)


def batched_program(model, X, labels):
    optimizer = SGD(model.parameters(), lr=Schedule())
    program = FitProgram(model, "hinge", E.ALPHA, optimizer.params, X, labels)
    return program, optimizer


def report_step(repeats):
    print(f"1. one full-batch step, MLP(2, {E.SIZES}) on {E.N_POINTS} two-moons points, hinge + 1e-4 L2 (median)")
    X_list, labels_list = E.moons()
    X, labels = np.array(X_list), np.array(labels_list)
    rows = []

    reference = MLP(2, E.SIZES, init="uniform", seed=0)
    layers = E.numpy_arrays(reference)
    numpy_ms = median_ms(lambda k: E.numpy_step(layers, X, labels, k % 100), repeats * 20)

    theirs = E.mg_nn.MLP(2, E.SIZES)
    E.copy_weights(reference, theirs)
    micrograd_ms = E.in_big_stack(median_ms, lambda k: E.micrograd_step(theirs, X_list, labels_list, k), 3)
    rows.append(("micrograd 0.1.0", micrograd_ms))

    first_losses, final_weights = {}, {}
    for fused in (False, True):
        name = "fused" if fused else "unfused"
        model = MLP(2, E.SIZES, init="uniform", seed=0, fused=fused)
        steps = repeats if fused else max(3, repeats // 3)
        gc.collect()
        rows.append((f"scalar, {name}", median_ms(lambda k: E.our_step(model, X_list, labels_list, k), steps)))
        scalar = MLP(2, E.SIZES, init="uniform", seed=0, fused=fused)
        first_losses[f"scalar {name}"] = E.our_step(scalar, X_list, labels_list, 0).data
        for k in range(1, 10):
            E.our_step(scalar, X_list, labels_list, k)
        final_weights[f"scalar {name}"] = [p.data for p in scalar.parameters()]

        model = MLP(2, E.SIZES, init="uniform", seed=0, fused=fused)
        program, optimizer = batched_program(model, X, labels)
        penalty = E.ALPHA * sum(p.data * p.data for p in model.parameters())  # before the step
        first_losses[f"batched {name}"] = program.step(X, labels, optimizer)[0] + penalty
        for _ in range(1, 10):
            program.step(X, labels, optimizer)
        final_weights[f"batched {name}"] = [p.data for p in model.parameters()]
        gc.collect()
        rows.append((f"batched, {name}", median_ms(lambda k: program.step(X, labels, optimizer), repeats * 10)))

        model = MLP(2, E.SIZES, init="uniform", seed=0, fused=fused)
        optimizer = SGD(model.parameters(), lr=0.1)
        fit(model, X, labels, loss="hinge", optimizer=optimizer, epochs=1, batch_size=None, l2=E.ALPHA,
            shuffle=False, verbose=False, batched=True)  # fmt: skip  (records the tape once)
        rows.append((f"fit(epochs=1), {name}", median_ms(
            lambda k: fit(model, X, labels, loss="hinge", optimizer=optimizer, epochs=1, batch_size=None,
                          l2=E.ALPHA, shuffle=False, verbose=False, batched=True), repeats * 10)))  # fmt: skip

    print(f"{'':>24} {'ms/step':>9} {'vs NumPy':>9} {'vs micrograd':>13}")
    for name, ms in rows:
        print(f"{name:>24} {ms:>9.3f} {ms / numpy_ms:>8.1f}x {micrograd_ms / ms:>12.0f}x faster")
    print(f"{'NumPy by hand':>24} {numpy_ms:>9.3f} {1.0:>8.1f}x {micrograd_ms / numpy_ms:>12.0f}x faster")
    print("first-step loss: " + ", ".join(f"{k} {v:.15f}" for k, v in first_losses.items()))
    for name in ("unfused", "fused"):
        drift = max(abs(a - b) for a, b in zip(final_weights[f"scalar {name}"], final_weights[f"batched {name}"]))
        print(f"weights after 10 steps, batched vs scalar ({name}): differ by at most {drift:.1e}")
    print()


def numpy_forward(layers, X):
    h = X
    for i, (w, b) in enumerate(layers):
        z = h @ w + b
        h = np.maximum(z, 0.0) if i < len(layers) - 1 else z
    return h[:, 0]


def report_grid(repeats):
    print("2. a 200x200 boundary grid (40,000 points), MLP(2, [16, 16, 1]), one predict() call (median)")
    axis = np.linspace(-2.0, 3.0, 200)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(axis, axis)])
    model = MLP(2, E.SIZES, init="uniform", seed=0)
    layers = E.numpy_arrays(model)
    numpy_ms = median_ms(lambda k: numpy_forward(layers, grid), repeats * 5)
    print(f"{'':>24} {'ms':>9} {'vs NumPy':>9}")
    for fused in (False, True):
        model = MLP(2, E.SIZES, init="uniform", seed=0, fused=fused)
        name = "fused" if fused else "unfused"
        start = time.perf_counter()
        predict(model, grid[:2])
        first = (time.perf_counter() - start) * 1e3
        ms = median_ms(lambda k: predict(model, grid), repeats)
        print(f"{'predict, ' + name:>24} {ms:>9.2f} {ms / numpy_ms:>8.1f}x   (first call, with the trace: {first:.1f} ms)")
        replayed = predict(model, grid)
        forget(model)
        sample = grid[:: 40]  # the scalar engine on 1,000 points, scaled to 40,000
        start = time.perf_counter()
        from micrograd_mlp.engine import no_grad

        with no_grad():
            scalar = np.array([model(row).data for row in sample.tolist()])
        scalar_ms = (time.perf_counter() - start) * 1e3 * 40
        print(f"{'scalar engine, ' + name:>24} {scalar_ms:>9.0f} {scalar_ms / numpy_ms:>8.0f}x   "
              f"(1,000 points x 40); replay vs scalar: max difference {np.max(np.abs(replayed[::40] - scalar)):.1e}")
    print(f"{'NumPy forward':>24} {numpy_ms:>9.2f} {1.0:>8.1f}x")
    print(f"NumPy vs replay: max difference {np.max(np.abs(numpy_forward(layers, grid) - replayed)):.1e}\n")


def report_widths(repeats):
    print("3. one step at growing width, MLP(2, [w, w, 1]), 100 points, hinge + 1e-4 L2 (median)")
    X_list, labels_list = E.moons()
    X, labels = np.array(X_list), np.array(labels_list)
    print(f"{'width':>6} {'parameters':>11} {'nodes':>8} {'groups':>7} {'unfused ms':>11} {'fused ms':>9} "
          f"{'NumPy ms':>9} {'unfused/NumPy':>14} {'fused/NumPy':>12}")  # fmt: skip
    for width in (16, 64, 256):
        sizes = [width, width, 1]
        times, groups, nodes = {}, 0, 0
        for fused in (False, True):
            model = MLP(2, sizes, init="uniform", seed=0, fused=fused)
            program, optimizer = batched_program(model, X, labels)
            groups, nodes = program.tape.numpy_calls, max(nodes, program.tape.node_count)
            gc.collect()
            times[fused] = median_ms(lambda k: program.step(X, labels, optimizer), max(3, repeats * (4 if width < 256 else 1)))
        layers = E.numpy_arrays(MLP(2, sizes, init="uniform", seed=0))
        numpy_ms = median_ms(lambda k: E.numpy_step(layers, X, labels, k % 100), repeats * 10)
        parameters = MLP(2, sizes, seed=0).num_parameters()
        print(f"{width:>6} {parameters:>11,} {nodes:>8,} {groups:>7} {times[False]:>11.3f} {times[True]:>9.3f} "
              f"{numpy_ms:>9.3f} {times[False] / numpy_ms:>13.1f}x {times[True] / numpy_ms:>11.1f}x")  # fmt: skip
    print("(nodes: the unfused graph of one sample plus the L2 penalty; groups: NumPy calls each way)\n")


def report_first_call():
    print("4. the first batched call: fit(model, X, y, loss='hinge', l2=1e-4, epochs=1, batch_size=None, "
          "batched=True) on a new MLP(2, [w, w, 1]), 100 points: it records, checks and schedules the graph")
    X_list, labels_list = E.moons()
    X, labels = np.array(X_list), np.array(labels_list)
    fit(MLP(2, [2, 1], seed=0), X, labels, loss="hinge", epochs=1, verbose=False, batched=True)  # warm up imports
    print(f"{'width':>6} {'nodes':>8} {'unfused first s':>16} {'(CPU s)':>8} {'then ms':>8} {'fused first s':>14} "
          f"{'(CPU s)':>8} {'then ms':>8}")  # fmt: skip
    for width in (16, 64, 256):
        cells = []
        for fused in (False, True):
            model = MLP(2, [width, width, 1], init="uniform", seed=0, fused=fused)
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            fit(model, X, labels, loss="hinge", l2=E.ALPHA, epochs=1, batch_size=None, shuffle=False,
                verbose=False, batched=True)  # fmt: skip
            first = time.perf_counter() - start
            first_cpu = time.process_time() - cpu
            start = time.perf_counter()
            fit(model, X, labels, loss="hinge", l2=E.ALPHA, epochs=1, batch_size=None, shuffle=False,
                verbose=False, batched=True)  # fmt: skip
            cells.append((first, first_cpu, 1e3 * (time.perf_counter() - start)))
            if not fused:
                nodes = batched.fit_program(model, "hinge", E.ALPHA, SGD(model.parameters(), lr=0.1), X, labels).tape.node_count
        (u, u_cpu, u_then), (f, f_cpu, f_then) = cells
        print(f"{width:>6} {nodes:>8,} {u:>16.3f} {u_cpu:>8.3f} {u_then:>8.2f} {f:>14.3f} {f_cpu:>8.3f} {f_then:>8.2f}")
    print("(nodes: the unfused graph of one sample, the L2 penalty as one dot node; CPU s: this process's CPU "
          "time, less sensitive to a loaded machine than the wall clock; then: the second call)\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke test)")
    parser.add_argument("--first-call", action="store_true", help="only section 4, the first batched call")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 10
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, micrograd 0.1.0; gc enabled: {gc.isenabled()}; "
          f"load average {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    if not args.first_call:
        report_step(repeats)
        report_grid(repeats)
        report_widths(repeats)
    report_first_call()


if __name__ == "__main__":
    main()
