"""Real data: an MLP reads scikit-learn's 8x8 handwritten digits (ten classes).

Trains MLP(64, [32, 10]) with softmax cross-entropy on 1,348 digits and tests it
on the other 449 (a fixed split); draws the test set's confusion matrix, the
test digits it gets wrong, and the curves. Needs scikit-learn:
pip install "micrograd_mlp[digits]".

    python demos/digits.py [OUT_DIR]

The same as `micrograd-mlp demo digits`; the steps are in
micrograd_mlp/apps/demos_multiclass.py (`digits`).
"""

import sys

from micrograd_mlp.apps.demos_multiclass import digits

out = sys.argv[1] if len(sys.argv) > 1 else "micrograd-out"
result = digits(out)
for name, value in result.metrics.items():
    print(f"{name}: {value:.1f} s" if name.endswith("seconds") else f"{name}: {value:.1%}")
print(*result.files, sep="\n")
