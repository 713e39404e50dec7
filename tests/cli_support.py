"""The helper the command-line tests share: run `micrograd-mlp` in-process."""

from micrograd_mlp.apps import cli


def run_cli(capsys, *argv):
    """(exit code, stdout, stderr) of main(argv), whether it returns or exits."""
    try:
        code = cli.main(list(argv))
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err
