"""Binary classification: an MLP learns to separate two moons.

Trains MLP(2, [16, 16, 1]) on three quarters of the points and tests it on
the rest; draws the decision boundary, its evolution over training (GIF), the
loss and accuracy curves and the trained network:

    python demos/classification.py [OUT_DIR] [DATASET]   # moons, circles, xor or spiral

The same as `micrograd-mlp demo classification --dataset DATASET`; the steps
are in micrograd_mlp/apps/demos.py (`classification`).
"""

import sys

from micrograd_mlp.apps.demos import classification

out = sys.argv[1] if len(sys.argv) > 1 else "micrograd-out"
dataset = sys.argv[2] if len(sys.argv) > 2 else "moons"
result = classification(out, dataset=dataset)
for name, value in result.metrics.items():
    print(f"{name}: {value:.1%}")
print(*result.files, sep="\n")
