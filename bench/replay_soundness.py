"""Soundness of batched replay: data-dependent model code is refused or trained exactly as scalar.

    python bench/replay_soundness.py          # from the repository root, about 10 seconds

Each kind of model code below is trained twice from the same weights and the
same random seeds: ``fit(..., batched=False)`` (the scalar engine) and
``fit(..., batched=True)``. The verdict is "refused" (batched raised
`ReplayError`, whose first words are shown), "equal to scalar" (losses and
weights equal to 1e-12 relative) or "differs" (a silent wrong answer: a bug).
tests/test_batched_soundness.py runs `verdicts()` and asserts no "differs".
The second part measures the spot check's share of a batched moons step.
"""

from __future__ import annotations

import math
import random
import sys
import time
import types
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from micrograd_mlp import MLP, SGD, Value, fit, max_of  # noqa: E402
from micrograd_mlp import batched  # noqa: E402
from micrograd_mlp.batched import ReplayError  # noqa: E402
from micrograd_mlp.data import make_moons, to_pm1  # noqa: E402

SCALE = 1.0  # a global a model reads (changed between two fit calls below)
CALLS = 0  # a global call counter


class Model:
    """A user's model around an MLP: each kind below overrides `forward`."""

    def __init__(self) -> None:
        self.net = MLP(2, [6, 1], seed=3)

    def parameters(self) -> List[Value]:
        return self.net.parameters()

    def __call__(self, x: List[Any]) -> Value:
        return self.forward(x)

    def forward(self, x: List[Any]) -> Value:
        return self.net(x)


class IfOnData(Model):  # the recorded sample's branch would be taken for every sample
    def forward(self, x):
        out = self.net(x)
        return out * 2.0 if out.data < 1 else out


class BranchOnWeight(Model):  # flips as training moves the weight
    def forward(self, x):
        out = self.net(x)
        return out * 3.0 if self.net.parameters()[0].data > 0.2 else out


class MaxOfData(Model):
    def forward(self, x):
        out = self.net(x)
        return out * max(out.data, 0.5)


class FloatAsConstant(Model):
    def forward(self, x):
        out = self.net(x)
        return out + float(out) * 0.1


class DataLoopCount(Model):
    def forward(self, x):
        out = self.net(x)
        for _ in range(int(abs(out.data) * 3)):
            out = out * 0.9
        return out


class RandomDropout(Model):
    def forward(self, x):
        return self.net([xi * (random.random() > 0.3) for xi in x])


class NumpyDropout(Model):
    def forward(self, x):
        return self.net([xi * float(np.random.rand() > 0.3) for xi in x])


class OwnGeneratorDropout(Model):
    def __init__(self):
        super().__init__()
        self.rng = np.random.default_rng(0)

    def forward(self, x):
        return self.net([xi * float(self.rng.random() > 0.3) for xi in x])


class CallCounter(Model):  # behaves differently after 50 calls (a warm-up)
    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.net(x) * (0.5 if self.calls > 50 else 1.0)


class GlobalCounter(Model):
    def forward(self, x):
        global CALLS
        CALLS += 1
        return self.net(x) * (0.5 if CALLS > 50 else 1.0)


class AbsOfData(Model):
    def forward(self, x):
        out = self.net(x)
        return out * abs(out.data)


class AbsViaPython(Model):  # abs() of a Value: the engine has no __abs__, both engines refuse
    def forward(self, x):
        return abs(self.net(x))


class CompareValues(Model):  # `a > b` of Values: both engines refuse
    def forward(self, x):
        out = self.net(x)
        return out * 2.0 if out > 0 else out


class RoundOfData(Model):
    def forward(self, x):
        out = self.net(x)
        return out * round(out.data + 2)


class DataArithmetic(Model):
    def forward(self, x):
        out = self.net(x)
        return out + Value(out.data ** 2)


class MathOnData(Model):
    def forward(self, x):
        out = self.net(x)
        return out * math.exp(-out.data)


class NumpyOnData(Model):
    def forward(self, x):
        out = self.net(x)
        return out * float(np.tanh(out.data))


class LocalGradsBranch(Model):
    def forward(self, x):
        out = self.net(x)
        return out * 2.0 if out.local_grads and out.local_grads[0] > 0 else out


class WeightNormFromData(Model):  # a constant made from the parameters' numbers
    def forward(self, x):
        norm = math.sqrt(sum(p.data ** 2 for p in self.net.parameters()))
        return self.net(x) * (1.0 / norm)


class WritesData(Model):  # clips a weight inside forward
    def forward(self, x):
        w = self.net.parameters()[0]
        w.data = min(w.data, 0.5)
        return self.net(x)


class ReadsGlobalScale(Model):  # SCALE changes between two fit calls
    def forward(self, x):
        return self.net(x) * SCALE


def scale() -> float:
    return SCALE


class ReadsGlobalViaHelper(Model):  # ... read by a helper function
    def forward(self, x):
        return self.net(x) * scale()


SETTINGS = types.ModuleType("settings")  # ... read as a module's attribute
SETTINGS.SCALE = 1.0


class ReadsModuleAttribute(Model):
    def forward(self, x):
        return self.net(x) * SETTINGS.SCALE


class AttributeFlag(Model):  # the user flips an attribute between two fit calls
    def __init__(self):
        super().__init__()
        self.temperature = 1.0

    def forward(self, x):
        return self.net(x) * (1.0 / self.temperature)


class GraphOps(Model):  # the right way: choices made by the graph's own ops
    def forward(self, x):
        out = self.net(x)
        return max_of([out, out * 0.5]) + (x[0] * out).relu()


def branching_loss(outputs, targets):
    total = Value(0.0)
    for o, t in zip(outputs, targets):
        total = total + ((1.0 - o * t).relu() if o.data < 2 else (o - t) ** 2)
    return total * (1.0 / len(outputs))


def mean_hinge(outputs, targets):
    total = Value(0.0)
    for o, t in zip(outputs, targets):
        total = total + (1.0 - o * t).relu()
    return total * (1.0 / len(outputs))


def float32_weights() -> Model:
    model = Model()
    model.net.parameters()[4].data = np.float32(model.net.parameters()[4].data)
    return model


def float16_weights() -> Model:
    model = Model()
    model.net.parameters()[2].data = np.float16(model.net.parameters()[2].data)
    return model


# kind -> (make the model, loss, what to do between the two fit calls, inputs' dtype)
KINDS: Dict[str, Tuple[Callable[[], Any], Any, Callable[[Any], None], Any]] = {
    "if x.data < 1 in forward (samples agree)": (IfOnData, "hinge", None, float),
    "branch on a weight that flips in training": (BranchOnWeight, "hinge", None, float),
    "Python max() of .data": (MaxOfData, "hinge", None, float),
    "float(x) used as a constant": (FloatAsConstant, "hinge", None, float),
    "loop count from the data": (DataLoopCount, "hinge", None, float),
    "custom loss branching on the output": (Model, branching_loss, None, float),
    "random dropout (random module)": (RandomDropout, "hinge", None, float),
    "dropout with np.random": (NumpyDropout, "hinge", None, float),
    "dropout with the model's own Generator": (OwnGeneratorDropout, "hinge", None, float),
    "call counter on the model": (CallCounter, "hinge", None, float),
    "global call counter": (GlobalCounter, "hinge", None, float),
    "abs() of .data": (AbsOfData, "hinge", None, float),
    "abs() of a Value via Python": (AbsViaPython, "hinge", None, float),
    "comparison of Values": (CompareValues, "hinge", None, float),
    "round() of .data": (RoundOfData, "hinge", None, float),
    ".data arithmetic into a new Value": (DataArithmetic, "hinge", None, float),
    "math.exp of .data": (MathOnData, "hinge", None, float),
    "NumPy on .data": (NumpyOnData, "hinge", None, float),
    "branch on .local_grads": (LocalGradsBranch, "hinge", None, float),
    "constant from the weights' numbers": (WeightNormFromData, "hinge", None, float),
    "writes a weight's .data in forward": (WritesData, "hinge", None, float),
    "global read, changed between fit calls": (ReadsGlobalScale, "hinge", lambda m: globals().update(SCALE=2.5), float),
    "global read by a helper, changed between calls": (ReadsGlobalViaHelper, "hinge", lambda m: globals().update(SCALE=2.5), float),
    "module attribute, changed between fit calls": (ReadsModuleAttribute, "hinge", lambda m: setattr(SETTINGS, "SCALE", 2.5), float),
    "attribute flag, changed between fit calls": (AttributeFlag, "hinge", lambda m: setattr(m, "temperature", 3.0), float),
    "float32 weight": (float32_weights, "hinge", None, float),
    "float16 weight": (float16_weights, "hinge", None, float),
    "float32 inputs": (Model, "hinge", None, np.float32),
    "float16 inputs": (Model, "hinge", None, np.float16),
    "custom loss, a mean (no branch)": (Model, mean_hinge, None, float),
    "graph ops only (relu, max_of)": (GraphOps, "hinge", None, float),
}


def _train(make: Callable[[], Any], loss: Any, between: Any, dtype: Any, flag: bool) -> Tuple[list, list]:
    global SCALE, CALLS
    SCALE, CALLS = 1.0, 0
    SETTINGS.SCALE = 1.0
    random.seed(0)
    np.random.seed(0)
    X, y = make_moons(24, seed=0)
    X = X.astype(dtype)
    y = to_pm1(y)
    model = make()
    optimizer = SGD(model.parameters(), lr=0.2)
    losses = []
    for half in range(2):
        history = fit(model, X, y, loss=loss, optimizer=optimizer, epochs=3, batch_size=8, seed=half,
                      verbose=False, batched=flag)  # fmt: skip
        losses += history.loss
        if between is not None and half == 0:
            between(model)
    return losses, [p.data for p in model.parameters()]


def _equal(a: list, b: list) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-12 * scale))


def verdict(make: Callable[[], Any], loss: Any, between: Any, dtype: Any) -> Tuple[str, str]:
    """("refused" | "equal to scalar" | "differs", detail) for one kind of model code."""
    try:
        scalar = _train(make, loss, between, dtype, False)
    except Exception as err:  # noqa: BLE001 - the scalar engine refuses it too
        scalar = None
        scalar_error = f"{type(err).__name__}"
    try:
        replayed = _train(make, loss, between, dtype, True)
    except ReplayError as err:
        note = "" if scalar is not None else f" (the scalar engine raises {scalar_error} too)"
        return "refused", str(err) + note
    if scalar is None:
        return "differs", f"the scalar engine raised {scalar_error}, the replay trained"
    if _equal(replayed[0], scalar[0]) and _equal(replayed[1], scalar[1]):
        return "equal to scalar", ""
    return "differs", f"losses {replayed[0][-1]!r} vs {scalar[0][-1]!r}"


def verdicts() -> Dict[str, Tuple[str, str]]:
    return {kind: verdict(*spec) for kind, spec in KINDS.items()}


def check_share(width: int = 16, steps: int = 400) -> Tuple[float, int, float]:
    """(spot check time / replayed step time, checks run, ms per step) on the moons step."""
    X, y = make_moons(100, seed=0)
    y = to_pm1(y)
    model = MLP(2, [width, width, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    program = batched.fit_program(model, "hinge", 1e-4, optimizer, X, y)
    check = program.spot_check
    check.earned, check.seconds, check.checks = 0.0, 0.0, 0
    on_arrays = program.begin(optimizer)  # the path fit takes: parameters as arrays
    step = program.array_step if on_arrays else program.step
    start = time.perf_counter()
    for _ in range(steps):
        step(X, y, optimizer)
    total = time.perf_counter() - start
    if on_arrays:
        program.end(optimizer)
    return check.seconds / (total - check.seconds), check.checks, 1e3 * total / steps


def main() -> None:
    import os

    print(f"load average {os.getloadavg()[0]:.2f}; python bench/replay_soundness.py")
    print(f"{'kind of model code':<46} verdict")
    results = verdicts()
    for kind, (word, detail) in results.items():
        shown = detail if len(detail) <= 100 else detail[:97] + "..."
        print(f"{kind:<46} {word}" + (f"  [{shown}]" if detail else ""))
    counts = {w: sum(1 for v, _ in results.values() if v == w) for w in ("refused", "equal to scalar", "differs")}
    print(f"{len(results)} kinds: " + ", ".join(f"{n} {w}" for w, n in counts.items()))
    print()
    for width in (16, 64):
        share, checks, ms = check_share(width)
        print(f"spot check on the moons step, MLP(2, [{width}, {width}, 1]), 100 points: {checks} checks in 400 steps, "
              f"{100 * share:.1f}% of the replay's time (a step: {ms:.2f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
