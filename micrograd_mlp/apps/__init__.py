"""The apps, the top layer: what people run rather than import.

The command line (`cli`, ``python -m micrograd_mlp``), the demos (`demos`,
`demos_multiclass`, `demo_output`), the browser playground and chain-rule lab
(`playground/`), and the notebook widgets (`notebook/`). They only use the layers below.
"""
