"""gradcheck, compare and `micrograd-mlp check`: autograd against finite
differences and against the slides' hand-derived backprop."""

import math
import subprocess
import sys

import numpy as np
import pytest

from micrograd_mlp import nn
from micrograd_mlp.apps import cli
from micrograd_mlp.checking.check import (
    command,
    compare,
    compare_training,
    gradcheck,
    gradcheck_model,
    gradcheck_ops,
)
from micrograd_mlp.engine import Value
from micrograd_mlp.losses import binary_cross_entropy, mse
from micrograd_mlp.nn import MLP as ValueMLP
from micrograd_mlp.checking.reference import MLP, BinaryMLP, MLPrelu, SlidesLinearMLP, to_value_mlp
from test_reference import batch, random_model


def with_wrong_local_grad(original, wrong):
    """An op that computes the right value but stores a wrong local derivative."""

    def op(*args):
        out = original(*args)
        out.local_grads = wrong(out)
        return out

    return op


# ----------------------------------------------------------------- gradcheck


def test_gradcheck_passes_on_every_real_op():
    reports = gradcheck_ops()
    assert {"+", "-", "*", "/", "neg", "**2", "relu", "tanh", "sigmoid", "exp", "log", "dot"} <= set(reports)
    for op, report in reports.items():
        assert report.ok, f"{op}\n{report}"
        assert report.max_relative_error < 1e-8


def test_gradcheck_reports_both_gradients():
    report = gradcheck(lambda v: v[0] * v[1] + v[0].tanh(), [2.0, -3.0])
    x0, x1 = report.rows
    assert (x0.name, x1.name) == ("x1", "x2")
    assert x0.analytic == pytest.approx(-3.0 + 1.0 - math.tanh(2.0) ** 2, abs=1e-15)
    assert x1.analytic == 2.0
    assert x0.numeric == pytest.approx(x0.analytic, abs=1e-8)
    assert x0.relative_error == abs(x0.analytic - x0.numeric) / max(1.0, abs(x0.analytic), abs(x0.numeric))
    assert report.ok and x0.ok and x1.ok


def test_gradcheck_leaves_inputs_as_they_were_with_their_gradient():
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    a.grad = 100.0  # stale gradient from elsewhere must not leak into the check
    report = gradcheck(lambda v: v[0] ** 2 * v[1], [a, b])
    assert report.ok
    assert (a.data, b.data) == (1.5, -0.5)
    assert (a.grad, b.grad) == (2 * 1.5 * -0.5, 1.5**2)
    assert [row.name for row in report.rows] == ["a", "b"]


@pytest.mark.parametrize(
    "op, wrong, f, point",
    [
        # d tanh/dx stored as 1 - t instead of 1 - t^2
        ("tanh", lambda out: (1.0 - out.data,), lambda v: v[0].tanh(), [0.4]),
        # d(a*b)/da and d(a*b)/db swapped
        ("__mul__", lambda out: out.local_grads[::-1], lambda v: v[0] * v[1], [1.5, -0.7]),
        # d exp/dx stored as 1
        ("exp", lambda out: (1.0,), lambda v: (v[0] * 2).exp(), [0.3]),
    ],
)
def test_gradcheck_catches_a_wrong_op_derivative(monkeypatch, op, wrong, f, point):
    monkeypatch.setattr(Value, op, with_wrong_local_grad(getattr(Value, op), wrong))
    report = gradcheck(f, point)
    assert not report.ok
    assert report.failures
    assert report.max_relative_error > 1e-2
    assert "WRONG" in str(report)
    assert "FAILED on" in str(report).splitlines()[0]


def test_gradcheck_fails_at_a_relu_kink():
    # one-sided slopes 0 and 1: the central difference measures 0.5
    report = gradcheck(lambda v: v[0].relu(), [0.0])
    assert report.rows[0].numeric == pytest.approx(0.5)
    assert not report.ok


def test_gradcheck_errors_are_clear():
    with pytest.raises(TypeError, match="f must return one scalar Value, got list"):
        gradcheck(lambda v: [v[0]], [1.0])
    with pytest.raises(ValueError, match="eps and tol must be positive numbers, got eps=0"):
        gradcheck(lambda v: v[0], [1.0], eps=0)
    with pytest.raises(ValueError, match="needs at least one input Value"):
        gradcheck(lambda v: Value(1.0), [])


@pytest.mark.parametrize(
    "activation, output_activation, loss, targets",
    [("relu", "linear", mse, [0.5, -1.0, 2.0]), ("tanh", "sigmoid", binary_cross_entropy, [1, 0, 1])],
)
def test_gradcheck_model_on_a_whole_mlp(activation, output_activation, loss, targets):
    model = ValueMLP(2, [4, 3, 1], activation, output_activation, seed=3)
    X = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.8]]
    report = gradcheck_model(model, loss, X, targets)
    assert len(report.rows) == model.num_parameters()
    assert report.rows[0].name == "L1.N1.w1"
    assert report.ok, str(report)


def test_gradcheck_model_catches_a_wrong_activation_derivative(monkeypatch):
    # nn looks activations up in its table, so patch the entry there
    wrong_sigmoid = with_wrong_local_grad(Value.sigmoid, lambda out: (out.data,))
    monkeypatch.setitem(nn.ACTIVATIONS, "sigmoid", wrong_sigmoid)
    model = ValueMLP(2, [3, 1], "sigmoid", seed=0)
    report = gradcheck_model(model, mse, [[0.5, -1.0], [1.0, 2.0]], [1.0, 0.0])
    assert not report.ok
    failing = {row.name for row in report.failures}
    assert failing and all(name.startswith("L1.") for name in failing)  # only behind the sigmoid


# ------------------------------------------------------------------- compare


@pytest.mark.parametrize("cls", [MLP, MLPrelu, BinaryMLP])
@pytest.mark.parametrize("D_in, H, N", [(1, 3, 2), (2, 5, 4), (4, 16, 9)])
def test_autograd_equals_the_corrected_references(cls, D_in, H, N):
    for D_out in (1, 2) if cls is not BinaryMLP else (1,):
        ref = random_model(cls, D_in, H, D_out, seed=D_in + 7 * H)
        X, Y = batch(cls, N, D_in, D_out, seed=H)
        report = compare(ref, X, Y)
        assert report.ok, str(report)
        assert report.max_abs_error <= 1e-9
        assert report.mismatched == []
        assert not report.known_slide_error
        # the compared numbers really are the hand-derived ones, and not all 0
        np.testing.assert_array_equal(report.rows[0].hand, ref.gradients(X, Y)["w1"])
        assert np.abs(report.rows[0].autograd).max() > 1e-3


@pytest.mark.parametrize("fused", [False, True])
def test_compare_from_a_value_mlp(fused):
    mlp = ValueMLP(3, [6, 1], seed=4, fused=fused)
    X, Y = batch(MLPrelu, 5, 3, 1, seed=0)
    report = compare(mlp, X, Y)
    assert report.title.startswith("MLPrelu: D_in=3, H=6, D_out=1, batch of 5")
    assert report.ok


def test_the_slides_linear_mlp_is_a_mismatch_on_w1_and_b1_only():
    slides = random_model(SlidesLinearMLP, 3, 4, 1, seed=1)
    X, Y = batch(MLP, 6, 3, 1, seed=1)
    report = compare(slides, X, Y)
    assert not report.ok
    assert report.mismatched == ["w1", "b1"]
    assert report.known_slide_error
    corrected = MLP.from_weights(slides.w1, slides.b1, slides.w2, slides.b2).gradients(X, Y)
    as_written = slides.gradients(X, Y)
    by_name = {row.name: row for row in report.rows}
    for name in ("w1", "b1"):  # "by how much": the gap to the correct gradient
        expected = np.abs(as_written[name] - corrected[name]).max()
        assert by_name[name].max_abs_error == pytest.approx(expected, rel=1e-9)
        assert expected > 0.1
    assert by_name["w2"].max_abs_error <= 1e-9 and by_name["b2"].max_abs_error <= 1e-9
    text = str(report)
    assert text.count("MISMATCH") == 2
    assert "hand-derived dl/dz1 is autograd's times h" in text
    assert "local derivative dh/dz1 of a linear hidden layer is 1" in text
    assert "KNOWN SLIDE ERROR (expected)" in text
    assert "*self.h" in text


def test_compare_can_use_the_slides_class_on_a_value_mlp():
    mlp = ValueMLP(2, [3, 1], "linear", seed=2)
    report = compare(mlp, [[1.0, -2.0], [0.5, 0.5]], [0.3, -0.1], reference_model=SlidesLinearMLP)
    assert report.mismatched == ["w1", "b1"] and report.known_slide_error


def test_compare_names_a_library_error_it_was_not_told_about(monkeypatch):
    wrong_relu = with_wrong_local_grad(Value.relu, lambda out: (2.0,) if out.data > 0 else (0.0,))
    monkeypatch.setitem(nn.ACTIVATIONS, "relu", wrong_relu)
    ref = random_model(MLPrelu, 2, 5, 1, seed=0)
    X, Y = batch(MLPrelu, 4, 2, 1, seed=0)
    report = compare(ref, X, Y)
    assert report.mismatched == ["w1", "b1"]
    assert not report.known_slide_error
    assert "error is in the step back through the hidden layer" in report.explanation


def test_verbose_compare_lists_every_entry():
    ref = random_model(MLPrelu, 2, 3, 1, seed=0)
    text = str(compare(ref, [[0.1, 0.2]], [[1.0]], verbose=True))
    for label in ("w1[1,2] L1.N3.w2", "b1[0] L1.N1.b", "w2[2,0] L2.N1.w3", "b2[0] L2.N1.b"):
        assert label in text


def test_compare_errors_are_clear():
    mlp = ValueMLP(2, [3, 1], seed=0)
    other = random_model(MLPrelu, 2, 3, 1, seed=99)
    with pytest.raises(ValueError, match="needs the same weights on both sides, but w1 differs"):
        compare(mlp, [[1.0, 2.0]], [0.0], reference_model=other)
    with pytest.raises(ValueError, match="pass reference_model= only with a Value MLP"):
        compare(other, [[1.0, 2.0]], [0.0], reference_model=other)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        compare(other, [[1.0, 2.0, 3.0]], [0.0])


# ------------------------------------------------------------------ training


@pytest.mark.parametrize("cls", [MLP, MLPrelu, BinaryMLP])
def test_training_reference_and_value_mlp_gives_the_same_weights(cls):
    ref = random_model(cls, 2, 6, 1, seed=5)
    X, Y = batch(cls, 10, 2, 1, seed=5)
    start = {name: array.copy() for name, array in ref.parameters().items()}
    diffs = compare_training(ref, X, Y, epochs=4, lr=0.05)
    assert set(diffs) == {"w1", "b1", "w2", "b2"}
    assert max(diffs.values()) <= 1e-9
    # ref itself is not trained (a copy is), so the call can be repeated
    for name, array in ref.parameters().items():
        np.testing.assert_array_equal(array, start[name])


def test_training_by_hand_with_sgd_matches_the_slides_fit():
    # The same thing spelled out: per-sample SGD on the Value MLP, fit on the reference.
    from micrograd_mlp.optim import SGD

    ref = random_model(MLPrelu, 1, 5, 1, seed=8)
    mlp = to_value_mlp(ref)
    X = np.linspace(-1, 1, 8)[:, None]
    Y = X**3
    before = mlp.layers[0].neurons[0].w[0].data
    ref.fit(X, Y, epochs=3, lr=0.1)
    optimizer = SGD(mlp.parameters(), lr=0.1)
    for _ in range(3):
        for x, y in zip(X, Y):
            optimizer.zero_grad()
            mse(mlp(x), float(y[0])).backward()  # one sample: the slides' 0.5 * (y - t)^2
            optimizer.step()
    assert mlp.layers[0].neurons[0].w[0].data != before
    for j in range(5):
        assert mlp.layers[0].neurons[j].w[0].data == pytest.approx(ref.w1[0, j], abs=1e-12)
        assert mlp.layers[1].neurons[0].w[j].data == pytest.approx(ref.w2[j, 0], abs=1e-12)


# ----------------------------------------------------------------------- CLI


def main(argv):
    """`micrograd-mlp check ARGV`, in-process: its exit code."""
    return cli.main(["check", *argv])


def run(capsys, argv):
    code = main(argv)
    return code, capsys.readouterr().out


def test_check_command_passes_and_flags_the_slides(capsys):
    code, out = run(capsys, [])
    assert code == 0
    assert "SlidesLinearMLP (the slides, as written)" in out
    assert out.count("MISMATCH") == 2
    assert "KNOWN SLIDE ERROR (expected)" in out
    for name in ("MLP", "MLPrelu", "BinaryMLP"):
        assert f"gradcheck {name} + " in out
    assert out.count("reference fit vs Value MLP") == 3
    assert "relu" in out and "dot" in out
    assert "WRONG" not in out and "FAILED" not in out
    assert out.rstrip().endswith("the only mismatch is the slides' known error in the linear MLP (w1, b1).")


def test_check_command_options(capsys):
    args = cli.build_parser().parse_args(["check", "--seed", "3", "--hidden", "6", "--inputs", "2", "--batch", "5", "-v"])
    assert command(args) == 0
    out = capsys.readouterr().out
    assert "D_in=2, H=6, D_out=1, batch of 5" in out
    assert "w1[1,5] L1.N6.w2" in out  # verbose: every entry
    assert "L2.N1.b" in out


def test_check_command_fails_on_a_library_mismatch(capsys, monkeypatch):
    wrong_relu = with_wrong_local_grad(Value.relu, lambda out: (0.5,) if out.data > 0 else (0.0,))
    monkeypatch.setitem(nn.ACTIVATIONS, "relu", wrong_relu)
    code, out = run(capsys, [])
    assert code == 1
    assert "FAILED: the library is inconsistent" in out
    assert "autograd != hand-derived for MLPrelu on w1, b1" in out
    assert "gradcheck failed for MLPrelu" in out


def test_check_command_fails_when_the_slide_error_goes_unnoticed(capsys, monkeypatch):
    monkeypatch.setattr(SlidesLinearMLP, "hidden_grad", MLP.hidden_grad)
    code, out = run(capsys, [])
    assert code == 1
    assert "compare did not find the slides' known error in SlidesLinearMLP" in out


def test_check_command_rejects_bad_sizes_and_seeds(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--hidden", "0"])
    assert stop.value.code == 2
    assert "argument --hidden: must be a whole number from 1 to 16, got '0'" in capsys.readouterr().err
    assert main(["--seed", "-1"]) == 2  # NumPy would raise deep inside default_rng
    assert "--seed must be at least 0, got -1" in capsys.readouterr().err


def test_the_console_command_runs_the_check_and_returns_its_exit_code():
    # The installed `micrograd-mlp check`, as a learner runs it: the real exit code.
    ok = subprocess.run([sys.executable, "-m", "micrograd_mlp", "check"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "KNOWN SLIDE ERROR (expected)" in ok.stdout and ok.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "micrograd_mlp", "check", "--seed", "-2"],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip() == "check: --seed must be at least 0, got -2"


def test_the_old_python_m_micrograd_mlp_check_points_to_the_one_command_and_still_runs_it():
    old = subprocess.run([sys.executable, "-m", "micrograd_mlp.check", "--hidden", "2", "--batch", "2"],
                         capture_output=True, text=True)  # fmt: skip
    assert old.returncode == 0, old.stderr
    assert old.stderr.strip() == (
        "python -m micrograd_mlp.check is deprecated: run micrograd-mlp check (or python -m micrograd_mlp check)"
    )
    assert "KNOWN SLIDE ERROR (expected)" in old.stdout and "H=2" in old.stdout
    bad = subprocess.run([sys.executable, "-m", "micrograd_mlp.check", "--hidden", "99"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage: micrograd-mlp check" in bad.stderr


def test_compare_leaves_the_batch_gradients_on_the_value_mlp():
    mlp = ValueMLP(2, [3, 1], "linear", seed=2)
    X, Y = [[1.0, -2.0], [0.5, 0.5]], [0.3, -0.1]
    compare(mlp, X, Y, reference_model=SlidesLinearMLP)  # also runs the per-sample diagnosis
    grads = [p.grad for p in mlp.parameters()]
    mlp.zero_grad()
    (mse([mlp(x) for x in X], Y) * 2).backward()
    assert grads == [p.grad for p in mlp.parameters()]
