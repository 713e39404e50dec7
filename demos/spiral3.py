"""Three classes: an MLP with three outputs learns the arms of a spiral (or the yin-yang).

Trains MLP(2, [16, 16, 3]) with softmax cross-entropy on three quarters of the
points and tests it on the rest; draws each class's region (faint where the
softmax is unsure), their evolution over training (GIF) and the curves:

    python demos/spiral3.py [OUT_DIR] [DATASET]   # spiral3 or yinyang

The same as `micrograd-mlp demo spiral3 --dataset DATASET`; the steps are in
micrograd_mlp/apps/demos_multiclass.py (`spiral3`).
"""

import sys

from micrograd_mlp.apps.demos_multiclass import spiral3

out = sys.argv[1] if len(sys.argv) > 1 else "micrograd-out"
dataset = sys.argv[2] if len(sys.argv) > 2 else "spiral3"
result = spiral3(out, dataset=dataset)
for name, value in result.metrics.items():
    print(f"{name}: {value:.1%}")
print(*result.files, sep="\n")
