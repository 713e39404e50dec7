"""The `micrograd-mlp` command (also `python -m micrograd_mlp`).

    micrograd-mlp demo                      # all three demos, pictures in ./micrograd-out
    micrograd-mlp demo classification --dataset spiral --hidden 32,32 --epochs 200
    micrograd-mlp check                     # autograd against the slides' NumPy backprop

Bad arguments stop with a one-line message and exit code 2, as argparse does.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from . import __version__, check, demos
from .plots import MissingDemoExtra

DEMO_CHOICES = (*demos.DEMOS, "all")


def layer_sizes(text: str) -> List[int]:
    """Parse ``--hidden 16,16`` into ``[16, 16]``.

    >>> layer_sizes("16, 8")
    [16, 8]
    """
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() and int(part) > 0 for part in parts):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of layer sizes; give positive whole numbers "
            "separated by commas, one per hidden layer, e.g. --hidden 16,16"
        )
    return [int(part) for part in parts]


def positive_int(text: str) -> int:
    """A whole number > 0 (epochs, sizes)."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a whole number > 0, got {text!r}")
    return number


def positive_float(text: str) -> float:
    """A number > 0 (learning rates)."""
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number > 0.0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, e.g. 0.05, got {text!r}")
    return number


def output_folder(text: str) -> str:
    """A folder to write into: it may not exist yet, but must not be a file."""
    if Path(text).exists() and not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder; give a folder for the pictures")
    return text


def _sizes(hidden: Sequence[int]) -> str:
    return ",".join(map(str, hidden))


def _add_demo_command(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser(
        "demo",
        help="draw backprop: the chain rule, regression, classification",
        description=(
            "Run the demos and write their pictures. chain-rule: one tanh neuron's graph "
            "before and after backward(), a page that steps through backward, and the "
            "chain rule for each input and weight. regression: a linear MLP against a "
            "ReLU MLP on polynomial data, as in the slides. classification: a decision "
            "boundary learned on two moons (or circles, xor, spiral)."
        ),
    )
    epochs = ", ".join(f"{name} {count}" for name, count in demos.CLASSIFICATION_EPOCHS.items())
    demo.add_argument("which", nargs="?", choices=DEMO_CHOICES, default="all",
                      help="which demo to run (default: all)")  # fmt: skip
    demo.add_argument("--out", type=output_folder, metavar="DIR", default="micrograd-out",
                      help="folder for the pictures, created if needed (default: micrograd-out)")  # fmt: skip
    demo.add_argument("--epochs", type=positive_int, metavar="N",
                      help=f"training epochs (default: regression {demos.REGRESSION_EPOCHS}; "
                           f"classification {epochs})")  # fmt: skip
    demo.add_argument("--lr", type=positive_float, metavar="RATE",
                      help=f"learning rate (default: regression {demos.REGRESSION_LR} with SGD, "
                           f"classification {demos.CLASSIFICATION_LR} with Adam)")  # fmt: skip
    demo.add_argument("--hidden", type=layer_sizes, metavar="SIZES",
                      help=f"hidden layer sizes, e.g. 16,16 (default: regression "
                           f"{_sizes(demos.REGRESSION_HIDDEN)}, classification "
                           f"{_sizes(demos.CLASSIFICATION_HIDDEN)})")  # fmt: skip
    demo.add_argument("--activation", choices=demos.ACTIVATIONS, default="relu",
                      help="hidden activation of the non-linear nets (default: relu)")  # fmt: skip
    demo.add_argument("--seed", type=int, default=demos.DEFAULT_SEED,
                      help=f"seed of the data and initial weights (default: {demos.DEFAULT_SEED})")  # fmt: skip
    demo.add_argument("--dataset", choices=demos.DATASETS, default="moons",
                      help="classification data set (default: moons)")  # fmt: skip
    demo.add_argument("--quiet", action="store_true",
                      help="no narration or progress bars; print only the paths written")  # fmt: skip
    demo.set_defaults(run=run_demo)


def _add_check_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check",
        help="check autograd against the slides' NumPy backprop and finite differences",
        description="Compare autograd with the slides' hand-derived gradients.",
    )
    check.configure_parser(parser)
    parser.set_defaults(run=check.command)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; `micrograd-mlp --help` prints it."""
    parser = argparse.ArgumentParser(
        prog="micrograd-mlp",
        description="Backpropagation you can see, check and teach.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo_command(commands)
    _add_check_command(commands)
    return parser


def run_demo(args: argparse.Namespace) -> int:
    """Run the chosen demos; print what each wrote.

    Exit code 1, with a one-line reason, when a plotting package is missing,
    the folder cannot be written, or training diverges (too large a learning rate).
    """
    names = demos.DEMOS if args.which == "all" else (args.which,)
    say: Callable[[str], None] = (lambda text: None) if args.quiet else print
    settings = {
        "epochs": args.epochs,
        "lr": args.lr,
        "hidden": args.hidden,
        "activation": args.activation,
        "seed": args.seed,
        "dataset": args.dataset,
    }
    for name in names:
        try:
            result = demos.run(name, args.out, quiet=args.quiet, **settings)
        except MissingDemoExtra as error:
            print(f"micrograd-mlp demo {name}: {error}", file=sys.stderr)
            return 1
        except BrokenPipeError:
            raise  # our stdout was closed, not the folder: see main()
        except OSError as error:  # e.g. a folder we may not write into
            print(f"micrograd-mlp demo {name}: cannot write the pictures: {error}", file=sys.stderr)
            return 1
        except (FloatingPointError, OverflowError) as error:
            print(f"micrograd-mlp demo {name}: {error}. Lower the learning rate with --lr.",
                  file=sys.stderr)  # fmt: skip
            return 1
        say(f"{name}: wrote {len(result.files)} files in {result.seconds:.1f} s")
        for path in result.files:
            print(f"  {path}" if not args.quiet else path)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except BrokenPipeError:
        # Piped into a reader that stopped early (`| head`): stop quietly, as
        # Unix tools do; point stdout at devnull so Python's exit flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
