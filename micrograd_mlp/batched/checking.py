"""The spot check: now and then, one sample of a replayed step is recomputed by the scalar engine.

The watch (`watching`) refuses what it can see while recording. What it cannot
see (a global the user changes between two ``fit`` calls, code that reaches
the numbers by a road nobody thought of) would make the recorded program
stale. So a training program recomputes one sample of a step with the scalar
engine (forward only, no graph) and compares it with the replay, before the
optimizer moves a weight: equal to 1e-9 relative, or `ReplayError`.

Its price is kept to a share of the replay's own time: each replayed step
earns ``CHECK_SHARE`` of its duration, and a check runs when the earnings
cover its measured cost (the first estimate: the recording's time). The
sample checked rotates through the batch. ``bench/replay_soundness.py``
measures the share on the moons step.
"""

from __future__ import annotations

import time
from typing import Callable, List, Optional, Sequence

from ..engine import Value, no_grad
from .recording import ReplayError
from .tape import close_enough

__all__ = ["CHECK_SHARE", "SpotCheck"]

CHECK_SHARE = 0.1  # at most this share of the replayed steps' time goes to checking


class SpotCheck:
    """Decides when to check, and checks one sample's roots against the scalar engine.

    >>> check = SpotCheck(lambda x, t: [x[0] * 2.0], first_cost=1.0)
    >>> check.earn(5.0); check.due()           # 0.1 * 5 s earned, a check costs about 1 s
    False
    >>> check.earn(6.0); check.due()
    True
    >>> check.check([3.0], [], [6.0]); check.checks
    1
    """

    def __init__(self, per_sample: Callable[[List[Value], List[Value]], Sequence[Value]], first_cost: float) -> None:
        self.per_sample = per_sample
        self.cost = max(float(first_cost), 1e-6)
        self.earned = 0.0
        self.turn = 0  # which sample of the batch is checked next
        self.checks = 0
        self.seconds = 0.0  # spent checking, in all
        self._unpaid = 0.0  # checking time inside the step being timed (it earns nothing)

    def earn(self, step_seconds: float) -> None:
        """Credit a replayed step's time (less the checking done in it) at ``CHECK_SHARE``."""
        self.earned += CHECK_SHARE * max(step_seconds - self._unpaid, 0.0)
        self._unpaid = 0.0

    def due(self) -> bool:
        return self.earned >= self.cost

    def check(self, inputs: Sequence[float], targets: Sequence[float], replayed: Sequence[float],
              prepare: Optional[Callable[[], None]] = None) -> None:  # fmt: skip
        """Recompute one sample with the scalar engine; `ReplayError` if a root differs.

        ``prepare``: work the check needs first, counted in its cost (a training
        program writes the numbers its replay used into the Values).
        """
        start = time.perf_counter()
        if prepare is not None:
            prepare()
        with no_grad():
            roots = self.per_sample([Value(float(v)) for v in inputs], [Value(float(v)) for v in targets])
        for k, (root, number) in enumerate(zip(roots, replayed)):
            scalar = root.data if isinstance(root, Value) else float(root)
            if not close_enough(float(number), scalar):
                raise ReplayError(
                    f"spot check: the batched replay gives {float(number)!r} where the scalar engine gives "
                    f"{scalar!r} (root {k} of sample {list(inputs)!r:.60}). The model no longer computes what "
                    "was recorded: it depends on something that changed since (a global, an attribute, "
                    "a weight's branch). Call micrograd_mlp.batched.forget(model) after such a change, "
                    "or train with fit(..., batched=False)"
                )
        spent = time.perf_counter() - start
        self.cost = spent
        self.earned -= spent
        self.seconds += spent
        self._unpaid += spent
        self.checks += 1
        self.turn += 1
