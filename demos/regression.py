"""Regression as in the slides: "a linear combination of linear functions is a
linear function. We need non linearity!"

A linear MLP (the slides' `MLP`) and a ReLU MLP (`MLPrelu`) with the same
hidden layer learn y = x^3 - x by per-sample SGD. The pictures show the line
staying straight while the ReLU net bends to the curve:

    python demos/regression.py [OUT_DIR]        # default OUT_DIR: micrograd-out

The same as `micrograd-mlp demo regression`; the steps are in
micrograd_mlp/apps/demos.py (`regression`). Try other settings, e.g.
regression(out, hidden=[64], activation="tanh", epochs=200).
"""

import sys

from micrograd_mlp.apps.demos import regression

result = regression(sys.argv[1] if len(sys.argv) > 1 else "micrograd-out")
for name, value in result.metrics.items():
    print(f"{name}: {value:.4f}")
print(*result.files, sep="\n")
