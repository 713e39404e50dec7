"""Benchmark: this engine against micrograd 0.1.0 on the same work, in one run.

    python bench/engine.py            # from the repository root, ~1-2 minutes
    python bench/engine.py --quick    # fewer repeats, for a smoke test

Measures, with Python's garbage collector ON (as users have it):

1. build + backward cost per node of a chain ``x = x * c + d`` (c, d shared
   leaf Values, so every op makes exactly one node in both libraries);
2. memory per node of a 10^5-node chain (tracemalloc);
3. depth: micrograd's recursive backward at the default recursion limit, ours
   on a 10^6-op chain;
4. one full-batch training step of MLP(2, [16, 16, 1]) on 100 two-moons points
   with micrograd's demo loss (SVM max-margin hinge + 1e-4 L2), same data and
   same initial weights in both libraries; ours unfused (micrograd's graph,
   one node per op) and fused (one ``dot`` node per neuron), and a vectorised
   NumPy forward + backward of the same step as a floor.

micrograd's backward recurses once per graph level, so its runs use a raised
recursion limit inside a thread with a 512 MB stack (its chains fail at about
1,000 levels otherwise, as section 3 shows).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from types import SimpleNamespace

import numpy as np
from micrograd import nn as mg_nn
from micrograd.engine import Value as MGValue

from micrograd_mlp import Value, no_grad, topological_order
from micrograd_mlp.data import make_moons, to_pm1
from micrograd_mlp.losses import hinge, l2
from micrograd_mlp.nn import MLP

OURS = SimpleNamespace(name="ours", Value=Value, no_grad=no_grad, topological_order=topological_order, MLP=MLP, hinge=hinge, l2=l2)
ENGINES = [OURS]  # --before REF adds the engine as it was at REF

ROOT = Path(__file__).resolve().parent.parent
ALPHA = 1e-4  # micrograd demo's L2 strength
SIZES = [16, 16, 1]
N_POINTS = 100


# ------------------------------------------------------- an older engine


def load_before(ref):
    """The package as it was at git ref `ref`, imported as `micrograd_mlp_before`.

    So the engine before and after a change run side by side in ONE process
    (the same load, the same data): ``--before main``.
    """
    folder = Path(tempfile.mkdtemp(prefix="engine-before-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "micrograd_mlp"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "micrograd_mlp").rename(folder / "micrograd_mlp_before")
    sys.path.insert(0, str(folder))
    package = importlib.import_module("micrograd_mlp_before")
    return SimpleNamespace(
        name=f"before ({ref})",
        Value=package.Value,
        topological_order=package.topological_order,
        no_grad=package.no_grad,
        MLP=importlib.import_module("micrograd_mlp_before.nn").MLP,
        hinge=importlib.import_module("micrograd_mlp_before.losses").hinge,
        l2=importlib.import_module("micrograd_mlp_before.losses").l2,
    )


# ------------------------------------------------------------------ chains


def build_chain(value_class, n_ops):
    """x = x * c + d repeated: n_ops op nodes plus three leaves (x0, c, d)."""
    c, d = value_class(0.999), value_class(0.001)
    x = value_class(1.0)
    for _ in range(n_ops // 2):
        x = x * c + d
    return x


def count_micrograd_nodes(root):
    seen, stack = {root}, [root]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def count_nodes(root):
    return count_micrograd_nodes(root)  # every engine here has micrograd's _prev


def time_chain(value_class, n_ops, repeats, count=True):
    """Seconds of each build + backward + drop, and the node count."""
    nodes = count_nodes(build_chain(value_class, n_ops)) if count else None
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        root = build_chain(value_class, n_ops)
        root.backward()
        del root
        times.append(time.perf_counter() - start)
    return times, nodes


def memory_per_node(value_class, n_ops):
    """tracemalloc bytes per node: after building, and after backward (grads set)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build_chain(value_class, n_ops)
    built = tracemalloc.get_traced_memory()[0]
    root.backward()
    after_backward = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = count_nodes(root)
    del root
    gc.collect()
    return (built - before) / nodes, (after_backward - before) / nodes


def micrograd_depth_at_default_limit():
    """The first chain length (in ops) whose micrograd backward raises RecursionError."""
    for n_ops in (250, 500, 1000, 2000, 4000):
        try:
            build_chain(MGValue, n_ops).backward()
        except RecursionError:
            return n_ops
    return None


# ---------------------------------------------------------------- training


def moons():
    X, y = make_moons(N_POINTS, noise=0.1, seed=1)
    return X.tolist(), to_pm1(y).astype(float).tolist()


def learning_rate(k):
    return 1.0 - 0.9 * k / 100  # micrograd demo's schedule


def our_step(model, X, labels, k, engine=OURS):
    """One full-batch step as a user of this library writes it."""
    scores = [model(x) for x in X]
    loss = engine.hinge(scores, labels) + engine.l2(model, ALPHA)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate(k) * p.grad
    return loss


def micrograd_step(model, X, labels, k):
    """micrograd's demo.ipynb step, verbatim apart from names."""
    inputs = [list(map(MGValue, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum((p * p for p in model.parameters()))
    loss = data_loss + reg_loss
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate(k) * p.grad
    return loss


def numpy_arrays(model):
    """Weights (nin, nout) and biases (nout,) of every layer of our MLP."""
    return [
        (
            np.array([[n.w[i].data for n in layer.neurons] for i in range(len(layer.neurons[0].w))]),
            np.array([n.b.data for n in layer.neurons]),
        )
        for layer in model.layers
    ]


def numpy_step(layers, X, labels, k):
    """The same step vectorised: forward, hand-derived backward, update in place."""
    activations = [X]
    for i, (w, b) in enumerate(layers):
        z = activations[-1] @ w + b
        activations.append(np.maximum(z, 0.0) if i < len(layers) - 1 else z)
    scores = activations[-1][:, 0]
    margins = 1.0 - labels * scores
    loss = np.maximum(margins, 0.0).mean() + ALPHA * sum((w * w).sum() + (b * b).sum() for w, b in layers)
    # d loss / d score = -y / N where the margin is active (relu'(m) = 1 for m > 0)
    upstream = (-(labels * (margins > 0.0)) / len(labels))[:, None]
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        w, b = layers[i]
        grads.append((activations[i].T @ upstream + 2 * ALPHA * w, upstream.sum(0) + 2 * ALPHA * b))
        if i:
            upstream = (upstream @ w.T) * (activations[i] > 0.0)
    for (w, b), (grad_w, grad_b) in zip(layers, reversed(grads)):
        w -= learning_rate(k) * grad_w
        b -= learning_rate(k) * grad_b
    return loss


def copy_weights(ours, theirs):
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        q.data = p.data


def time_steps(step, model, X, labels, steps, *extra, first=0):
    """Per-step seconds over `steps` consecutive steps (as a training loop runs them)."""
    times, losses = [], []
    for k in range(first, first + steps):
        start = time.perf_counter()
        loss = step(model, X, labels, k, *extra)
        times.append(time.perf_counter() - start)
        losses.append(float(loss) if isinstance(loss, (float, np.floating)) else loss.data)
    return times, losses


# ------------------------------------------------------------------ report


def in_big_stack(function, *args):
    """Run function(*args) in a thread with room for micrograd's recursion."""
    result = {}
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(2_000_000)
    threading.stack_size(512 * 1024 * 1024)
    try:
        thread = threading.Thread(target=lambda: result.setdefault("value", function(*args)))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(old_limit)
    return result["value"]


def report_chains(scale):
    print("1. build + backward of the chain x = x * c + d (median per run)")
    print(f"{'ops':>9} {'engine':>22} {'nodes':>9} {'ns/node':>9} {'mg / this':>10}")
    per_node = {}
    for n_ops, repeats in ((10**3, 200), (10**4, 30), (10**5, 7)):
        repeats = max(3, int(repeats * scale))
        # Our engines interleaved, one run each in turn (so a change in the
        # machine's load hits both), and before micrograd: right after it (its
        # cyclic garbage churns the heap) any engine measured slower.
        nodes = {e.name: count_nodes(build_chain(e.Value, n_ops)) for e in ENGINES}
        times = {e.name: [] for e in ENGINES}
        for _ in range(repeats):
            for engine in ENGINES:
                times[engine.name] += time_chain(engine.Value, n_ops, 1, count=False)[0]
        rows = [(e, nodes[e.name], statistics.median(times[e.name]) / nodes[e.name] * 1e9) for e in ENGINES]
        gc.collect()
        theirs, their_nodes = in_big_stack(time_chain, MGValue, n_ops, repeats)
        gc.collect()
        theirs_ns = statistics.median(theirs) / their_nodes * 1e9
        print(f"{n_ops:>9,} {'micrograd':>22} {their_nodes:>9,} {theirs_ns:>9.0f} {'1.0x':>10}")
        for engine, nodes, ns in rows:
            if engine is OURS:
                per_node[n_ops] = ns
            print(f"{'':>9} {engine.name:>22} {nodes:>9,} {ns:>9.0f} {theirs_ns / ns:>9.1f}x")
    deep_seconds, deep_nodes = time_chain(Value, 10**6, 1)
    deep_ns = deep_seconds[0] / deep_nodes * 1e9
    print(f"{10**6:>9,} {'ours':>22} {deep_nodes:>9,} {deep_ns:>9.0f}   (micrograd not run: ~0.7 GB)")
    print(f"ours: per-node cost at 10^5 is {per_node[10**5] / per_node[10**3]:.2f}x, "
          f"at 10^6 {deep_ns / per_node[10**3]:.2f}x the cost at 10^3\n")


def report_memory():
    print("2. memory per node, 10^5-op chain (tracemalloc bytes / node)")
    theirs_built, theirs_after = in_big_stack(memory_per_node, MGValue, 10**5)
    print(f"{'':>22} {'built':>8} {'+ backward':>11} {'micrograd/this':>15}")
    print(f"{'micrograd':>22} {theirs_built:>8.0f} {theirs_after:>11.0f}")
    for engine in ENGINES:
        built, after = memory_per_node(engine.Value, 10**5)
        print(f"{engine.name:>22} {built:>8.0f} {after:>11.0f} {theirs_built / built:>14.1f}x")
    print()


def report_depth():
    print(f"3. depth at Python's default recursion limit ({sys.getrecursionlimit()})")
    failing = micrograd_depth_at_default_limit()
    print(f"micrograd: RecursionError at a chain of {failing} ops; "
          "ours: 10^6 ops in section 1 without raising the limit\n")


def report_training(scale):
    print(f"4. one full-batch training step, MLP(2, {SIZES}) on {N_POINTS} two-moons points, "
          "hinge + 1e-4 L2 (median per step)")
    X, labels = moons()
    steps = max(4, int(10 * scale))
    rows = []
    first_losses = {}
    for fused in (False, True):
        # our engines interleaved step by step, so a change in load hits both
        models, times, losses = {}, {}, {}
        for engine in ENGINES:
            model = models[engine.name] = engine.MLP(2, SIZES, init="uniform", seed=0, fused=fused)
            root = engine.hinge([model(x) for x in X], labels) + engine.l2(model, ALPHA)
            rows.append((engine.name, fused, len(engine.topological_order(root))))
            del root
            times[engine.name], losses[engine.name] = [], []
        gc.collect()
        for k in range(steps * (2 if fused else 1)):
            for engine in ENGINES:
                seconds, loss = time_steps(our_step, models[engine.name], X, labels, 1, engine, first=k)
                times[engine.name] += seconds
                losses[engine.name] += loss
        for i, (name, row_fused, nodes) in enumerate(rows):
            if row_fused == fused:
                label = f"{name}, {'fused' if fused else 'unfused'}"
                rows[i] = (label, statistics.median(times[name]), nodes)
                first_losses[label] = losses[name][0]

    reference = MLP(2, SIZES, init="uniform", seed=0)
    theirs = mg_nn.MLP(2, SIZES)
    copy_weights(reference, theirs)
    nodes = count_micrograd_nodes(micrograd_step(theirs, X, labels, 0))
    copy_weights(reference, theirs)  # undo that step's update
    gc.collect()
    micrograd_steps = steps
    times, losses = in_big_stack(time_steps, micrograd_step, theirs, X, labels, micrograd_steps)
    micrograd_time = statistics.median(times)
    first_losses["micrograd"] = losses[0]
    weights_after = [p.data for p in theirs.parameters()]

    layers = numpy_arrays(reference)
    gc.collect()
    times, losses = time_steps(numpy_step, layers, np.array(X), np.array(labels), 100)
    numpy_time = statistics.median(times)
    first_losses["NumPy"] = losses[0]

    print(f"{'':>30} {'ms/step':>9} {'nodes/step':>11} {'vs micrograd':>13}")
    print(f"{'micrograd':>30} {micrograd_time * 1e3:>9.1f} {nodes:>11,} {'1.0x':>13}")
    for name, seconds, node_count in rows:
        print(f"{name:>30} {seconds * 1e3:>9.1f} {node_count:>11,} {micrograd_time / seconds:>12.1f}x")
    print(f"{'NumPy':>30} {numpy_time * 1e3:>9.3f} {'-':>11} {micrograd_time / numpy_time:>12.0f}x")
    print("first-step loss: " + ", ".join(f"{k} {v:.15f}" for k, v in first_losses.items()))
    gap = max(abs(v - first_losses["micrograd"]) for v in first_losses.values())
    print(f"largest difference from micrograd's first loss: {gap:.1e} "
          f"({'agree' if gap <= 1e-9 else 'DISAGREE'} to 1e-9)")
    check = MLP(2, SIZES, init="uniform", seed=0)
    for k in range(micrograd_steps):
        our_step(check, X, labels, k)
    drift = max(abs(p.data - q) for p, q in zip(check.parameters(), weights_after))
    print(f"weights after {micrograd_steps} identical steps differ from micrograd's by at most {drift:.1e}")


def time_op(engine, op, n, grad_off):
    """Best of 5: seconds per op of `op(a, b)` made and dropped n times."""
    a, b = engine.Value(0.5), engine.Value(0.25)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        if grad_off:
            with engine.no_grad():
                for _ in range(n):
                    op(a, b)
        else:
            for _ in range(n):
                op(a, b)
        best = min(best, time.perf_counter() - start)
    return best / n


def report_ops(scale):
    print("5. cost of one op (node made and dropped; best of 5): grad mode is read once per op")
    n = max(20_000, int(200_000 * scale))
    ops = {"a * b": lambda a, b: a * b, "a + b": lambda a, b: a + b, "a.tanh()": lambda a, b: a.tanh(),
           "a ** 2": lambda a, b: a**2}
    header = f"{'op':>10} {'grads':>6}" + "".join(f" {e.name + ' ns':>18}" for e in ENGINES)
    print(header + (f" {'after / before':>15}" if len(ENGINES) > 1 else ""))
    for label, op in ops.items():
        for grad_off in (False, True):
            costs = [time_op(engine, op, n, grad_off) for engine in ENGINES]
            line = f"{label:>10} {'off' if grad_off else 'on':>6}" + "".join(f" {c * 1e9:>18.0f}" for c in costs)
            if len(costs) > 1:
                line += f" {costs[0] / costs[1]:>14.2f}x"
            print(line)
    # What per-thread grad mode adds to every op: one ContextVar read instead
    # of one module-global read.
    import timeit

    from micrograd_mlp.grad_mode import GRAD_MODE

    number = max(200_000, int(2_000_000 * scale))
    namespace = {"GRAD_MODE": GRAD_MODE, "flag": True}
    per_thread = min(timeit.repeat("GRAD_MODE.get().enabled", globals=namespace, number=number, repeat=5)) / number
    one_global = min(timeit.repeat("flag", globals=namespace, number=number, repeat=5)) / number
    print(f"grad mode read per op: per thread (ContextVar.get().enabled) {per_thread * 1e9:.0f} ns, "
          f"one global (before) {one_global * 1e9:.0f} ns: {(per_thread - one_global) * 1e9:.0f} ns more per op\n")


def report_attributes():
    print("6. bytes per node when user code hangs its own attributes on it (AdamW's p.m and p.v)")
    for engine in ENGINES:
        for extra in ((), ("m",), ("m", "v")):
            gc.collect()
            nodes = [engine.Value(float(i)) for i in range(10**5)]
            tracemalloc.start()
            start = tracemalloc.get_traced_memory()[0]
            try:
                for name in extra:
                    for node in nodes:
                        setattr(node, name, 0.5)
            except AttributeError:
                tracemalloc.stop()
                print(f"{engine.name:>22}, with .{' .'.join(extra)}: refused (AttributeError)")
                break
            added = tracemalloc.get_traced_memory()[0] - start
            tracemalloc.stop()
            size = sys.getsizeof(engine.Value(1.0))
            del nodes
            shown = "no attribute" if not extra else "with ." + ", .".join(extra)
            print(f"{engine.name:>22}, {shown:>16}: node object {size} bytes, "
                  f"+{added / 10**5:.0f} bytes per node for the attributes")
    print()


SECTIONS = {"chains": report_chains, "memory": report_memory, "depth": report_depth, "training": report_training,
            "ops": report_ops, "attributes": report_attributes}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke test)")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run only these sections")
    parser.add_argument("--before", metavar="REF",
                        help="also run the engine as it was at this git ref (e.g. main), side by side")
    args = parser.parse_args(argv)
    scale = 0.2 if args.quick else 1.0
    if args.before:
        ENGINES.append(load_before(args.before))
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, micrograd 0.1.0; "
          f"gc enabled: {gc.isenabled()}, thresholds {gc.get_threshold()}\n")
    for name in args.only or SECTIONS:
        section = SECTIONS[name]
        if name in ("chains", "training", "ops"):
            section(scale)
        else:
            section()


if __name__ == "__main__":
    main()
