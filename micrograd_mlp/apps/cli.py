"""The `micrograd-mlp` command (also `python -m micrograd_mlp`).

    micrograd-mlp demo                      # all three demos, pictures in ./micrograd-out
    micrograd-mlp demo classification --dataset spiral --hidden 32,32 --epochs 200
    micrograd-mlp demo spiral3              # three classes; --dataset yinyang
    micrograd-mlp demo digits               # real handwritten digits (the digits extra)
    micrograd-mlp check                     # autograd against the slides' NumPy backprop
    micrograd-mlp practice --level 3        # chain-rule exercises, checked as you type
    micrograd-mlp playground                # train live in the browser (the playground extra)

Bad arguments stop with a one-line message and exit code 2, as argparse does.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from .. import __version__
from ..checking import check
from ..data import MULTICLASS_DATASETS, MissingDigitsExtra
from ..extras import install_command
from ..teaching.plots import MissingDemoExtra
from . import demos
from .demo_output import DemoDiverged

DEMO_CHOICES = (*demos.DEMOS, "all", *demos.MORE_DEMOS)

# The end of `micrograd-mlp --help`: one example per command, as in the README.
EXAMPLES = """examples:
  micrograd-mlp demo                   three demos, pictures in ./micrograd-out
  micrograd-mlp demo classification --dataset spiral --hidden 32,32
  micrograd-mlp demo spiral3           three classes; demo digits: real digits
  micrograd-mlp check                  autograd against the slides' backprop
  micrograd-mlp practice --level 3     type each gradient, see what went wrong
  micrograd-mlp playground             the playground and the chain-rule lab

Every option of a command: micrograd-mlp demo --help (or check, practice...)"""
TRAINING_OPTIONS = ("epochs", "lr", "hidden", "activation", "seed", "dataset")


# Beyond these a scalar engine takes hours (an epoch of the demos takes 0.03-0.1 s
# at the default sizes, and a step's cost grows with the square of the width):
# the limits turn a typo such as --epochs 1000000 into an error, not a hang.
MAX_EPOCHS = 100_000
MAX_LAYER_SIZE = 1000
MAX_NAME_BYTES = 255  # one file or folder name, on Linux, macOS and Windows file systems


def layer_sizes(text: str) -> List[int]:
    """Parse ``--hidden 16,16`` into ``[16, 16]``.

    >>> layer_sizes("16, 8")
    [16, 8]
    """
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdecimal() and 0 < int(part) <= MAX_LAYER_SIZE for part in parts):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of layer sizes; give whole numbers from 1 to "
            f"{MAX_LAYER_SIZE} separated by commas, one per hidden layer, e.g. --hidden 16,16"
        )
    return [int(part) for part in parts]


def _whole_number(text: str, low: int, high: int) -> int:
    """`text` as an int in [low, high], or the argparse error that says so: every
    whole-number option of every command is refused in the same words."""
    try:
        number = int(text)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}, got {text!r}")
    return number


def epoch_count(text: str) -> int:
    """The number of epochs: a whole number from 1 to `MAX_EPOCHS`.

    >>> epoch_count("60")
    60
    """
    return _whole_number(text, 1, MAX_EPOCHS)


def seed_number(text: str) -> int:
    """A seed for NumPy's generator, which takes 0 to 2**32 - 1.

    >>> seed_number("0")
    0
    """
    return _whole_number(text, 0, 2**32 - 1)


def positive_float(text: str) -> float:
    """A number > 0 (learning rates).

    >>> positive_float("0.05")
    0.05
    """
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number > 0.0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, e.g. 0.05, got {text!r}")
    return number


def output_folder(text: str) -> str:
    """A folder to write into: it may not exist yet, but must not be a file.

    >>> output_folder("micrograd-out")
    'micrograd-out'
    """
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a folder for the pictures, e.g. --out micrograd-out")
    for part in Path(text).parts:
        size = len(os.fsencode(part))
        if size > MAX_NAME_BYTES:  # the OS would refuse it later, with a traceback
            shown = part if len(part) <= 40 else part[:40] + "..."
            raise argparse.ArgumentTypeError(
                f"the folder name {shown!r} is {size} bytes long, longer than the "
                f"{MAX_NAME_BYTES} bytes file systems allow; choose a shorter name"
            )
    try:
        is_file = Path(text).exists() and not Path(text).is_dir()
    except OSError as error:  # e.g. a path too long as a whole
        raise argparse.ArgumentTypeError(f"cannot be used as a folder: {error.strerror or error}") from None
    if is_file:
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder; give a folder for the pictures")
    return text


def _sizes(hidden: Sequence[int]) -> str:
    return ",".join(map(str, hidden))


def _add_demo_command(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser(
        "demo",
        help="draw backprop: chain rule, regression, classification, more",
        description=(
            "Run the demos and write their pictures. chain-rule: one tanh neuron's graph "
            "before and after backward(), a page that steps through backward, and the "
            "chain rule for each input and weight. regression: a linear MLP against a "
            "ReLU MLP on polynomial data, as in the slides. classification: a decision "
            "boundary learned on two moons (or circles, xor, spiral). Not in 'all': "
            "spiral3, three classes with softmax cross-entropy (or --dataset yinyang); "
            "digits, 8x8 handwritten digits, ten classes (needs scikit-learn)."
        ),
    )
    epochs = ", ".join(f"{name} {count}" for name, count in demos.CLASSIFICATION_EPOCHS.items())
    demo.add_argument("which", nargs="?", choices=DEMO_CHOICES, default="all",
                      help="which demo to run (default: all)")  # fmt: skip
    demo.add_argument("--out", type=output_folder, metavar="DIR", default="micrograd-out",
                      help="folder for the pictures, created if needed (default: micrograd-out)")  # fmt: skip
    demo.add_argument("--epochs", type=epoch_count, metavar="N",
                      help=f"training epochs (default: regression {demos.REGRESSION_EPOCHS}; "
                           f"classification {epochs})")  # fmt: skip
    demo.add_argument("--lr", type=positive_float, metavar="RATE",
                      help=f"learning rate (default: regression {demos.REGRESSION_LR} with SGD, "
                           f"classification {demos.CLASSIFICATION_LR} with Adam)")  # fmt: skip
    demo.add_argument("--hidden", type=layer_sizes, metavar="SIZES",
                      help=f"hidden layer sizes, e.g. 16,16 (default: regression "
                           f"{_sizes(demos.REGRESSION_HIDDEN)}, classification "
                           f"{_sizes(demos.CLASSIFICATION_HIDDEN)})")  # fmt: skip
    demo.add_argument("--activation", choices=demos.ACTIVATIONS,
                      help="hidden activation of the non-linear nets (default: relu)")  # fmt: skip
    demo.add_argument("--seed", type=seed_number,
                      help=f"seed of the data and initial weights (default: {demos.DEFAULT_SEED})")  # fmt: skip
    demo.add_argument("--dataset", choices=(*demos.DATASETS, *MULTICLASS_DATASETS),
                      help="data set: classification's (default: moons) or spiral3's "
                           "(spiral3 or yinyang; default: spiral3)")  # fmt: skip
    demo.add_argument("--quiet", action="store_true",
                      help="no narration or progress bars; print only the paths written")  # fmt: skip
    # Settings left at None are not passed on, so each demo keeps its own defaults,
    # and an option given to a demo it cannot change (see run_demo) can be told apart.
    demo.set_defaults(run=run_demo, usage_error=demo.error)


def _add_check_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check",
        help="autograd against the slides' NumPy backprop",
        description="Compare autograd with the slides' hand-derived gradients.",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and data (default 0)")
    parser.add_argument("--hidden", type=lambda text: _whole_number(text, 1, check.MAX_HIDDEN), default=4,
                        help=f"hidden units H, 1 to {check.MAX_HIDDEN} (default 4)")  # fmt: skip
    parser.add_argument("--inputs", type=lambda text: _whole_number(text, 1, check.MAX_INPUTS), default=3,
                        help=f"input dimension D_in, 1 to {check.MAX_INPUTS} (default 3)")  # fmt: skip
    parser.add_argument("--batch", type=lambda text: _whole_number(text, 1, check.MAX_BATCH), default=8,
                        help=f"samples in the batch, 1 to {check.MAX_BATCH} (default 8)")  # fmt: skip
    parser.add_argument("--verbose", "-v", action="store_true", help="print every entry and every gradcheck row")
    parser.set_defaults(run=check.command)


def _level(text: str) -> int:
    return _whole_number(text, 1, 4)


def _add_practice_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "practice",
        help="chain-rule exercises, checked as you type",
        description=(
            "Practise the chain rule: a small expression with its forward pass is shown, "
            "you type dout/dnode for each node (numbers such as -0.5 or 1/3), and each answer "
            "is checked against the engine, with the worked backward steps when one is wrong. "
            "Levels: 1 one op, 2 a chain, 3 a reused node with two paths, 4 a small neuron."
        ),
    )
    parser.add_argument("--level", type=_level, default=1, help="difficulty 1 to 4 (default: 1)")
    parser.add_argument("--seed", type=seed_number, help="the exercise's seed, to hand out the same one")
    parser.add_argument("--count", type=lambda text: _whole_number(text, 1, 100), default=1,
                        metavar="N", help="how many exercises in a row (default: 1)")  # fmt: skip
    parser.set_defaults(run=run_practice)


def run_practice(args: argparse.Namespace) -> int:
    """Ask the exercises on standard input (a terminal, or answers piped in).

    Exit code 1 when the input ends before the first answer.

    >>> import contextlib, io, sys
    >>> args = build_parser().parse_args(["practice", "--level", "1", "--seed", "2"])
    >>> with contextlib.redirect_stdout(io.StringIO()) as printed:
    ...     sys.stdin, saved = io.StringIO("-2\\n-1\\n"), sys.stdin
    ...     try:
    ...         code = run_practice(args)
    ...     finally:
    ...         sys.stdin = saved
    >>> code, "2 of 2 right: well done!" in printed.getvalue()
    (0, True)
    """
    from ..teaching import practice  # only this command needs it

    # Piped answers: input() would write its prompt with no newline; say it on a line instead.
    interactive = sys.stdin.isatty()
    read_line = input if interactive else (lambda prompt: _read_piped(prompt))
    for round_ in range(args.count):
        seed = args.seed + round_ if args.seed is not None else None
        exercise = practice.make_exercise(args.level, seed)
        print(f"exercise {round_ + 1} of {args.count} (seed {exercise.seed})" if args.count > 1
              else f"(seed {exercise.seed}: --seed {exercise.seed} gives this exercise again)")  # fmt: skip
        if practice.ask_in_terminal(exercise, read_line, print, again=interactive) is None:
            print("micrograd-mlp practice: no answer on standard input; type the gradients "
                  "at the prompts, or pipe them in one a line", file=sys.stderr)  # fmt: skip
            return 1
    return 0


def _read_piped(prompt: str) -> str:
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    print(prompt + line.strip())
    return line


def port_number(text: str) -> int:
    """A TCP port, 0 (any free port) to 65535.

    >>> port_number("8000")
    8000
    """
    return _whole_number(text, 0, 65535)


def _add_playground_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "playground",
        help="train a network live in the browser",
        description="Start a local web server with the playground page and open it in the browser.",
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only; "
                             "0.0.0.0 opens it to the network)")  # fmt: skip
    parser.add_argument("--port", type=port_number, default=8000, help="port (default 8000; 0: any free port)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    # Who may use it, as Jupyter's server decides (see micrograd_mlp/apps/playground/guard.py).
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also answer to this Host name (repeatable; '*': any, e.g. behind a proxy)")  # fmt: skip
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="also let pages from this origin use it, e.g. https://hub.example.org (repeatable)")  # fmt: skip
    tokens = parser.add_mutually_exclusive_group()
    tokens.add_argument("--token", default=None,
                        help="the join token (default: a random one when --host is not this computer; "
                             "or MICROGRAD_PLAYGROUND_TOKEN)")  # fmt: skip
    tokens.add_argument("--no-token", action="store_true",
                        help="no join token even on the network (anyone who can reach it may use it)")  # fmt: skip
    parser.add_argument("--workers", type=lambda text: _whole_number(text, 0, 64), default=None,
                        help="processes that train the tabs (default: 2 on a 2-core machine; 0: in the server's own)")  # fmt: skip
    parser.add_argument("--max-tabs", type=lambda text: _whole_number(text, 1, 1000), default=None,
                        help="sessions alive at once (default 64)")  # fmt: skip
    parser.set_defaults(run=run_playground)


def run_playground(args: argparse.Namespace) -> int:
    """Serve the playground; without its extra, say how to install it (exit 1)."""
    try:
        # Imported here, so the rest of the library never needs a web framework.
        import uvicorn  # noqa: F401
        import websockets  # noqa: F401  (uvicorn's WebSocket protocol)

        from .playground.server import serve
    except ImportError as error:
        print(f"micrograd-mlp playground: {error.name or error} is missing; {install_command('playground')}",
              file=sys.stderr)  # fmt: skip
        return 1
    return serve(args.host, args.port, open_browser=not args.no_browser, allow_hosts=args.allow_host,
                 allow_origins=args.allow_origin, token=args.token, no_token=args.no_token,
                 workers=args.workers, max_tabs=args.max_tabs)  # fmt: skip


class _CommandsHelp(argparse.RawDescriptionHelpFormatter):
    """The top-level help: the examples as written, and each command's help on its own line."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog)
        # argparse sizes the name column from the options, not the commands: make room
        # for "playground" so its help does not drop to the next line
        self._action_max_length = 16


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; `micrograd-mlp --help` prints it.

    >>> build_parser().parse_args(["demo", "classification", "--hidden", "8,8"]).hidden
    [8, 8]
    """
    parser = argparse.ArgumentParser(
        prog="micrograd-mlp",
        description="Backpropagation you can see, check and teach.",
        epilog=EXAMPLES,
        formatter_class=_CommandsHelp,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands",
                                     description="each with its own options: micrograd-mlp COMMAND --help")  # fmt: skip
    _add_demo_command(commands)
    _add_check_command(commands)
    _add_practice_command(commands)
    _add_playground_command(commands)
    return parser


def run_demo(args: argparse.Namespace) -> int:
    """Run the chosen demos; print what each wrote.

    An option the chosen demo cannot use (``chain-rule --epochs 5``,
    ``regression --dataset xor``) is an argument error, exit code 2. Exit code 1, with a one-line reason, when a plotting package is missing,
    the folder cannot be written, or training diverges (too large a learning rate).

    >>> import contextlib, io, tempfile
    >>> args = build_parser().parse_args(["demo", "chain-rule", "--quiet", "--out", tempfile.mkdtemp()])
    >>> with contextlib.redirect_stdout(io.StringIO()) as printed:
    ...     code = run_demo(args)
    >>> code, [line.rsplit("/", 1)[-1] for line in printed.getvalue().splitlines()][:2]
    (0, ['chain_rule_before.svg', 'chain_rule_steps.html'])
    """
    given = {name: getattr(args, name) for name in TRAINING_OPTIONS if getattr(args, name) is not None}
    if args.which == "chain-rule" and given:
        options = ", ".join(f"--{name}" for name in given)
        args.usage_error(f"the chain-rule demo trains nothing, so {options} would change nothing; "
                         "drop it, or run the regression or classification demo")  # fmt: skip
    if args.which == "regression" and "dataset" in given:
        args.usage_error("--dataset picks the classification demo's data; the regression demo always fits y = x^3 - x")
    three_classes = given.get("dataset") in MULTICLASS_DATASETS
    if args.which == "digits" and "dataset" in given:
        args.usage_error("--dataset does not apply to the digits demo; it always trains on the handwritten digits")
    if args.which == "spiral3" and "dataset" in given and not three_classes:
        args.usage_error(f"the spiral3 demo has three classes: --dataset {' or '.join(MULTICLASS_DATASETS)}; "
                         f"{given['dataset']} has two, run the classification demo for it")  # fmt: skip
    if args.which in ("classification", "all") and three_classes:
        args.usage_error(f"{given['dataset']} has three classes: run micrograd-mlp demo spiral3 --dataset {given['dataset']}")
    names = demos.DEMOS if args.which == "all" else (args.which,)
    say: Callable[[str], None] = (lambda text: None) if args.quiet else print
    for name in names:
        try:
            result = demos.run(name, args.out, quiet=args.quiet, **given)
        except (MissingDemoExtra, MissingDigitsExtra) as error:
            print(f"micrograd-mlp demo {name}: {error}", file=sys.stderr)
            return 1
        except BrokenPipeError:
            raise  # our stdout was closed, not the folder: see main()
        except OSError as error:  # e.g. a folder we may not write into
            print(f"micrograd-mlp demo {name}: cannot write the pictures: {error}", file=sys.stderr)
            return 1
        except (FloatingPointError, OverflowError) as error:
            reason = " ".join(str(error).split()).rstrip(".")  # one line, whatever the message
            hint = "" if isinstance(error, DemoDiverged) else " Lower the learning rate with --lr."
            print(f"micrograd-mlp demo {name}: {reason}.{hint}", file=sys.stderr)
            return 1
        say(f"{name}: wrote {len(result.files)} files in {result.seconds:.1f} s")
        for path in result.files:
            print(f"  {path}" if not args.quiet else path)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the console script; returns the exit code.

    Argument errors exit through argparse (`SystemExit` with code 2).

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as said:
    ...     main(["demo", "--epochs", "0"])
    Traceback (most recent call last):
    SystemExit: 2
    >>> said.getvalue().splitlines()[-1]
    "micrograd-mlp demo: error: argument --epochs: must be a whole number from 1 to 100000, got '0'"
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:  # Ctrl-C: the files written so far stay; no traceback
        print("micrograd-mlp: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT, what shells report for a Ctrl-C
    except BrokenPipeError:
        # Piped into a reader that stopped early (`| head`): stop quietly, as
        # Unix tools do; point stdout at devnull so Python's exit flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
