"""The chain rule on one neuron, o = tanh(x1*w1 + x2*w2 + b), in pictures.

Writes the neuron's graph before and after backward() (SVG), a page that steps
through backward one node at a time (open it in a browser, use the arrow
keys), and the chain rule for every input and weight written out with numbers:

    python demos/chain_rule.py [OUT_DIR]        # default OUT_DIR: micrograd-out

The same as `micrograd-mlp demo chain-rule`; the steps are in
micrograd_mlp/apps/demos.py (`chain_rule`), built from draw_dot, stepper_html and
explain, which you can call on any expression of your own.
"""

import sys

from micrograd_mlp.apps.demos import chain_rule

result = chain_rule(sys.argv[1] if len(sys.argv) > 1 else "micrograd-out")
print(*result.files, sep="\n")
