"""Seeing and teaching: the tools that show what backprop did.

Graph and network drawings (`viz`, `viz_network`, with `dot_parts`, `rendering`,
`colours`), training plots (`plots`), the chain rule in words and frames (`explain`,
`stepper`), expressions and exercises (`expression`, `practice`). A layer above the
core (engine, nn, train), beside `checking/`; the apps use it.
"""
