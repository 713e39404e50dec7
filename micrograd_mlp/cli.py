"""The `micrograd-mlp` command (also `python -m micrograd_mlp`)."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from .engine import Value


def chain_rule_example() -> None:
    """Print the gradients of one small neuron, computed by backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "out"
    out.backward()
    print("out = tanh(x1*w1 + x2*w2 + b) =", round(out.data, 4))
    for leaf in (x1, w1, x2, w2, b):
        print(f"  d out / d {leaf.label:<2} = {leaf.grad: .4f}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="micrograd-mlp",
        description="Backpropagation you can see, check and teach.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="run the demos")
    demo.set_defaults(run=lambda args: chain_rule_example() or 0)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
