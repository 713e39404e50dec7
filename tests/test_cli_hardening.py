"""The command line under abuse (issue 13): one-line errors, sizes and names beyond the limits."""

import pytest
from cli_support import run_cli


def test_the_demo_command_exits_1_with_one_line_when_training_diverges(capsys, tmp_path):
    code, out, err = run_cli(capsys, "demo", "classification", "--lr", "1e6", "--epochs", "3",
                             "--out", str(tmp_path), "--quiet")  # fmt: skip
    assert code == 1, err
    assert err.startswith("micrograd-mlp demo classification: training diverged in epoch")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--lr" in err


@pytest.mark.parametrize("option, value, limit", [("--hidden", "100000", 16), ("--inputs", "1000000000", 16),
                                                  ("--batch", "10000000", 32), ("--inputs", "1e9", 16)])  # fmt: skip
def test_check_refuses_sizes_beyond_its_limits(capsys, option, value, limit):
    code, out, err = run_cli(capsys, "check", option, value)
    assert code == 2 and out == ""
    assert f"argument {option}: must be a whole number from 1 to {limit}, got '{value}'" in err


def test_a_too_long_output_folder_name_is_an_argument_error(capsys):
    code, out, err = run_cli(capsys, "demo", "chain-rule", "--out", "d" * 300)
    assert code == 2 and "Traceback" not in err
    assert "argument --out: the folder name 'dddd" in err and "300 bytes" in err
