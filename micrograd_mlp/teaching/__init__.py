"""Seeing and teaching: the tools that show what backprop did.

Graph drawings (`viz`, `rendering`, `colours`), training plots (`plots`), the
chain rule in words and frames (`explain`, `stepper`), expressions and exercises
(`expression`, `practice`). A layer above the core (engine, nn, train); the apps use it.
"""
