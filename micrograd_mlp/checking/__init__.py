"""Checking: is a gradient right? Against derivations made without our engine.

`check` compares against the slides' hand-derived NumPy backprop (`reference`)
and finite differences; `torch_bridge` against PyTorch. A layer above the core,
beside `teaching/` and apart from it: the seeing tools show gradients, these prove them.
"""
