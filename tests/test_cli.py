"""`micrograd-mlp`: help, argument checking with exit code 2, and running demos."""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_mlp.apps import cli, demos
from micrograd_mlp.apps.cli import main
from micrograd_mlp.apps.demos import DemoResult

from cli_support import run_cli


def test_help_lists_every_command(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    commands = re.findall(r"^    (\w+) +(\w+)", out, flags=re.MULTILINE)  # each command and its help on one line
    assert commands == [("demo", "draw"), ("check", "autograd"), ("practice", "chain"), ("playground", "train")]



def test_demo_help_lists_every_option_and_demo(capsys):
    code, out, _ = run_cli(capsys, "demo", "--help")
    assert code == 0
    for option in ("--out", "--epochs", "--lr", "--hidden", "--activation", "--seed", "--dataset", "--quiet"):
        assert option in out
    for name in ("chain-rule", "regression", "classification", "all", "moons", "circles", "xor", "spiral"):
        assert name in out


def test_no_command_prints_help(capsys):
    code, out, _ = run_cli(capsys)
    assert code == 0 and out.startswith("usage: micrograd-mlp")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "blobs"], r"argument --dataset: invalid choice: 'blobs' \(choose from 'moons', 'circles'"),
        (["--epochs", "-3"], r"argument --epochs: must be a whole number from 1 to 100000, got '-3'"),
        (["--epochs", "0"], r"argument --epochs: must be a whole number from 1 to 100000, got '0'"),
        (["--epochs", "2.5"], r"argument --epochs: must be a whole number from 1 to 100000, got '2.5'"),
        (["--epochs", "10" * 10], r"argument --epochs: must be a whole number from 1 to 100000, got '1010"),
        (["--seed", "-1"], r"argument --seed: must be a whole number from 0 to 4294967295, got '-1'"),
        (["--seed", str(2**32)], r"argument --seed: must be a whole number from 0 to 4294967295, got '4294967296'"),
        (["--seed", "abc"], r"argument --seed: must be a whole number from 0 to 4294967295, got 'abc'"),
        (["--hidden", "16,x"], r"argument --hidden: '16,x' is not a list of layer sizes; give whole numbers "
                               r"from 1 to 1000 separated by commas, one per hidden layer, e\.g\. --hidden 16,16"),
        (["--hidden", "16,,16"], r"argument --hidden: '16,,16' is not a list of layer sizes"),
        (["--hidden", "0"], r"argument --hidden: '0' is not a list of layer sizes"),
        (["--hidden", "16,1001"], r"argument --hidden: '16,1001' is not a list of layer sizes"),
        (["--out", ""], r"argument --out: is empty; give a folder for the pictures, e\.g\. --out micrograd-out"),
        (["--lr", "0"], r"argument --lr: must be a number > 0, e\.g\. 0\.05, got '0'"),
        (["--lr", "nan"], r"argument --lr: must be a number > 0"),
        (["--activation", "gelu"], r"argument --activation: invalid choice: 'gelu'"),
        (["plots"], r"argument which: invalid choice: 'plots'"),
        (["--out", __file__], r"argument --out: '.*test_cli\.py' is a file, not a folder; give a folder"),
    ],
)
def test_bad_arguments_exit_with_code_2_and_say_what_is_wrong(capsys, argv, message):
    code, out, err = run_cli(capsys, "demo", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("usage: micrograd-mlp demo")
    assert re.search("micrograd-mlp demo: error: " + message, err)


def test_layer_sizes_reads_comma_separated_positive_sizes():
    assert cli.layer_sizes("16,16") == [16, 16]
    assert cli.layer_sizes(" 8 , 4 ") == [8, 4]
    assert cli.layer_sizes("3") == [3]
    assert cli.layer_sizes("1000") == [1000]
    for bad in ("", "16;16", "-4", "1e3", "16,", "\u00b2", "1001"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a list of layer sizes"):
            cli.layer_sizes(bad)


def test_demo_settings_reach_the_demo(capsys, monkeypatch, tmp_path):
    calls = []

    def fake_run(name, out, **settings):
        calls.append((name, out, settings))
        return DemoResult(name, files=[Path(out) / f"{name}.png"], seconds=0.5)

    monkeypatch.setattr(demos, "run", fake_run)
    code, out, _ = run_cli(
        capsys, "demo", "classification", "--out", str(tmp_path), "--epochs", "7", "--lr", "0.1",
        "--hidden", "8,4", "--activation", "tanh", "--seed", "3", "--dataset", "xor",
    )  # fmt: skip
    assert code == 0
    settings = {"epochs": 7, "lr": 0.1, "hidden": [8, 4], "activation": "tanh", "seed": 3,
                "dataset": "xor", "quiet": False}  # fmt: skip
    assert calls == [("classification", str(tmp_path), settings)]
    assert out == f"classification: wrote 1 files in 0.5 s\n  {tmp_path / 'classification.png'}\n"


def test_demo_defaults_to_all_three_and_leaves_unset_settings_to_each_demo(capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(demos, "run", lambda name, out, **kw: calls.append((name, out, kw)) or DemoResult(name))
    code, _, _ = run_cli(capsys, "demo")
    assert code == 0
    assert [name for name, _, _ in calls] == ["chain-rule", "regression", "classification"]
    for _, out, settings in calls:
        assert out == "micrograd-out"
        assert settings == {"quiet": False}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["chain-rule", "--epochs", "5"], r"the chain-rule demo trains nothing, so --epochs would change nothing; drop it"),
        (["chain-rule", "--seed", "0", "--dataset", "xor"], r"the chain-rule demo trains nothing, so --seed, --dataset would"),
        (["regression", "--dataset", "xor"], r"--dataset picks the classification demo's data; the regression demo always"),
    ],
)
def test_an_option_the_chosen_demo_cannot_use_is_an_argument_error(capsys, monkeypatch, argv, message):
    monkeypatch.setattr(demos, "run", lambda *args, **kwargs: pytest.fail("no demo should run"))
    code, out, err = run_cli(capsys, "demo", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("usage: micrograd-mlp demo")
    assert re.search("micrograd-mlp demo: error: " + message, err)


def test_quiet_chain_rule_prints_only_the_paths_it_wrote(capsys, tmp_path):
    code, out, err = run_cli(capsys, "demo", "chain-rule", "--out", str(tmp_path), "--quiet")
    assert code == 0
    paths = out.splitlines()
    assert [Path(p).name for p in paths] == [
        "chain_rule_before.svg", "chain_rule_steps.html", "chain_rule_after.svg", "chain_rule.txt",
    ]  # fmt: skip
    assert all(Path(p).is_file() for p in paths)


def test_missing_matplotlib_names_the_extra_and_exits_1_after_the_chain_rule(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out, err = run_cli(capsys, "demo", "--out", str(tmp_path), "--quiet")
    assert code == 1
    assert 'micrograd-mlp demo regression: the demos draw their pictures with matplotlib' in err
    assert 'pip install -e ' in err and '[demos]"' in err  # from this clone, not from an index
    assert len(out.splitlines()) == 4  # the chain-rule demo needs no matplotlib and ran
    assert not list(tmp_path.glob("regression*"))


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "micrograd_mlp", "demo", "--epochs", "-1"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert "micrograd-mlp demo: error: argument --epochs: must be a whole number from 1 to 100000, got '-1'" in done.stderr
    done = subprocess.run([sys.executable, "-m", "micrograd_mlp", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "demo" in done.stdout


def test_a_diverging_learning_rate_is_a_one_line_error_not_a_traceback(capsys, tmp_path):
    code, out, err = run_cli(capsys, "demo", "regression", "--lr", "5", "--epochs", "2",
                             "--out", str(tmp_path), "--quiet")  # fmt: skip
    assert code == 1 and out == ""
    # epochs count from 1; the rate is the one typed (SGD here: no schedule to explain)
    assert err.startswith("micrograd-mlp demo regression: training diverged in epoch 1 of 2, step ")
    assert err.rstrip().endswith("The learning rate 5 is too large: try 0.5 or smaller (--lr 0.5).")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_folder_that_cannot_be_written_is_a_one_line_error(capsys, monkeypatch):
    def refuse(name, out, **settings):
        raise PermissionError(13, "Permission denied", out)

    monkeypatch.setattr(demos, "run", refuse)
    code, out, err = run_cli(capsys, "demo", "chain-rule", "--out", "/locked")
    assert code == 1
    assert err == "micrograd-mlp demo chain-rule: cannot write the pictures: [Errno 13] Permission denied: '/locked'\n"


def test_output_piped_into_a_reader_that_stops_ends_quietly(tmp_path):
    child = subprocess.Popen([sys.executable, "-m", "micrograd_mlp", "demo", "chain-rule", "--out", str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    child.stdout.close()  # like `| head -0`: nobody reads
    error = child.stderr.read()
    child.stderr.close()
    assert child.wait() == 1
    assert error == ""  # no BrokenPipeError traceback


def test_ctrl_c_stops_with_one_line_and_exit_code_130(capsys, monkeypatch):
    def interrupted(name, out, **settings):
        raise KeyboardInterrupt

    monkeypatch.setattr(demos, "run", interrupted)
    code, out, err = run_cli(capsys, "demo", "regression")
    assert (code, out, err) == (130, "", "micrograd-mlp: interrupted\n")


def test_output_into_a_pipe_has_plain_progress_lines_not_bar_redraws(tmp_path):
    # as `micrograd-mlp demo regression 2>&1 | cat`: stderr is no terminal
    done = subprocess.run([sys.executable, "-m", "micrograd_mlp", "demo", "regression", "--epochs", "2",
                           "--out", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert done.returncode == 0
    assert "\r" not in done.stdout
    progress = [line for line in done.stdout.splitlines() if " epoch " in line]
    assert [line.split(":")[1] for line in progress] == [
        " linear MLP epoch 1/2", " linear MLP epoch 2/2", " relu MLP epoch 1/2", " relu MLP epoch 2/2",
    ]  # fmt: skip
    assert all(re.fullmatch(r"regression: .*: loss=[0-9.e-]+", line) for line in progress)


def test_a_huge_learning_rate_is_reported_as_typed_with_the_schedule_explained(capsys, tmp_path):
    # issue 20.5: "lr=9.86e+05 in this step" and "epoch 0" were the schedule's value and fit's count
    code, out, err = run_cli(capsys, "demo", "classification", "--lr", "1e6", "--epochs", "3",
                             "--out", str(tmp_path), "--quiet")  # fmt: skip
    assert code == 1 and out == ""
    assert err.startswith("micrograd-mlp demo classification: training diverged in epoch 1 of 3, step 8 of 8: ")
    assert ("The learning rate 1e+06 (as given; the demo lowers it linearly to 5e+04 over training, so this "
            "step used ") in err
    assert err.rstrip().endswith("is too large: try 1e+05 or smaller (--lr 1e+05).")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_help_lists_every_command_on_one_line_and_the_readme_says_what_it_shows(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # a plain terminal
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    for command in ("demo", "check", "practice", "playground"):
        line = [each for each in shown.splitlines() if each.strip().startswith(command + " ")]
        assert line and len(line[0].split()) > 2, f"{command} has no one-line help in:\n{shown}"
        assert f"micrograd-mlp {command}" in shown  # and an example
    assert max(len(each) for each in shown.splitlines()) <= 80
    # the README's sentence about --help is true: every demo option it names is in demo --help
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "`micrograd-mlp --help` lists every\ncommand with one line and an example each" in readme
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    demo_help = capsys.readouterr().out
    named = readme.split("Options: `micrograd-mlp demo classification", 1)[1].split("An\noption", 1)[0]
    for option in re.findall(r"--[a-z]+", named):
        assert option in demo_help, option


def test_a_diverging_demo_says_it_in_one_line_without_a_warning_on_top(tmp_path):
    # fit's LossExploding warning would add "in epoch 0" and the schedule's rate: the demo speaks alone
    done = subprocess.run([sys.executable, "-m", "micrograd_mlp", "demo", "classification", "--lr", "1e6",
                           "--epochs", "2", "--out", str(tmp_path), "--quiet"],
                          capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "epoch 0" not in done.stderr and "in epoch 1 of 2" in done.stderr
