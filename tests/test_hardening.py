"""Issue 13, items 1-11: what breaking the library on purpose found, each fixed with a test.

Silent or wrong results (divergence, duplicate parameters, file modes, NumPy
scalars in .data, backward after no_grad, truth values of Values), damaged
model files, oversized input, interrupted writes, and NumPy numbers as
arguments.
"""

import json
import math
import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

import micrograd_mlp
from micrograd_mlp import (
    MLP, SGD, Adam, ModelFileError, TrainingDiverged, Value, draw_dot, fit, load, no_grad, save,
)  # fmt: skip
from micrograd_mlp import files, nn, plots, rendering, stepper, viz
from micrograd_mlp.data import make_cubic, make_moons
from micrograd_mlp.losses import l2
from micrograd_mlp.train import evaluate

from cli_support import run_cli


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def temporary_files(folder):
    return [name for name in os.listdir(folder) if name.startswith(".tmp-")]


# ------------------------------------------------ 1. training that diverges


def moons_model(loss):
    return MLP(2, [8, 1], output_activation="sigmoid" if loss == "bce" else "linear", seed=0)


@pytest.mark.parametrize("loss", ["bce_logits", "hinge", "mse", "bce"])
def test_every_loss_stops_when_training_diverges(loss):
    model = moons_model(loss)
    with pytest.raises(TrainingDiverged) as caught:
        fit(model, *make_moons(40, seed=0), loss=loss, lr=1e6, epochs=5, seed=0, verbose=False)
    err = caught.value
    message = str(err)
    assert message.startswith(f"training diverged in epoch {err.epoch}, step {err.step}")
    assert "\n" not in message
    assert "learning rate" in message and "1e+06" in message
    assert isinstance(err, FloatingPointError)  # old `except FloatingPointError` still works
    assert err.epoch in (0, 1, 2, 3, 4) and err.step >= 1
    # the model is left with the weights of before the step that blew up: finite, usable
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_an_infinite_output_is_caught_even_when_the_loss_is_finite():
    # hinge's relu(1 - y * inf) is 0 with a zero gradient: the loss alone looks fine
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1e300
    with pytest.raises(TrainingDiverged, match=r"epoch 0, step 1 of 1: an output is inf.*first non-finite node: data is inf"):
        fit(model, [[1e10]], [1], loss="hinge", epochs=1, verbose=False)


def test_inf_minus_inf_in_bce_logits_is_caught():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1e300
    with pytest.raises(TrainingDiverged, match=r"epoch 0, step 1 of 1: "):
        fit(model, [[1e10]], [0], loss="bce_logits", epochs=1, verbose=False)


def test_a_parameter_that_becomes_inf_after_the_update_is_named():
    model = MLP(1, [1], "linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 4.0  # output 4, so d loss / d w = 4 * 1
    with pytest.raises(TrainingDiverged, match=r"parameter L0\.N0\.w0 would become -inf") as caught:
        fit(model, [[1.0]], [0.0], loss="mse", lr=1e308, epochs=1, verbose=False)
    assert caught.value.node is model.layers[0].neurons[0].w[0]
    assert model.layers[0].neurons[0].w[0].data == 4.0  # put back as before the step


def test_a_custom_loss_that_goes_nan_is_caught():
    def nan_loss(outputs, targets):
        return outputs[0] * float("nan")

    with pytest.raises(TrainingDiverged, match=r"the loss is nan.*first non-finite node"):
        fit(MLP(1, [1], seed=0), [[1.0]], [0.0], loss=nan_loss, epochs=1, verbose=False)


def test_the_demo_command_exits_1_with_one_line_when_training_diverges(capsys, tmp_path):
    code, out, err = run_cli(capsys, "demo", "classification", "--lr", "1e6", "--epochs", "3",
                             "--out", str(tmp_path), "--quiet")  # fmt: skip
    assert code == 1, err
    assert err.startswith("micrograd-mlp demo classification: training diverged in epoch")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--lr" in err


def test_training_diverged_is_exported_and_documented():
    assert "TrainingDiverged" in micrograd_mlp.__all__
    assert ">>>" in TrainingDiverged.__doc__


# ----------------------------------------- 2. a parameter listed twice


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)])  # fmt: skip
def test_a_parameter_given_twice_is_stepped_once(make):
    v, w = Value(1.0), Value(1.0)
    with pytest.warns(UserWarning, match="appears 2 times"):
        twice = make([v, v])
    once = make([w])
    v.grad = w.grad = 2.0
    twice.step()
    once.step()
    assert v.data == w.data != 1.0
    assert len(twice.params) == 1


def test_distinct_parameters_with_equal_values_are_all_kept():
    a, b = Value(1.0), Value(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(SGD([a, b], lr=0.1).params) == 2


# ----------------------------------------------------- 3. file modes


def test_save_honours_the_umask_and_keeps_an_existing_mode(tmp_path):
    path = tmp_path / "model.json"
    old = os.umask(0o022)
    try:
        save(MLP(2, [2, 1], seed=0), path)
        assert mode_of(path) == 0o644
        os.chmod(path, 0o640)
        save(MLP(2, [2, 1], seed=1), path)
        assert mode_of(path) == 0o640
        os.umask(0o077)
        save(MLP(2, [2, 1], seed=0), tmp_path / "private.json")
        assert mode_of(tmp_path / "private.json") == 0o600
    finally:
        os.umask(old)


def test_pictures_and_pages_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        figure = plots.curves_figure({"loss": {"train": [1.0, 0.5]}})
        written = [
            plots.save_png(figure, tmp_path / "a.png"),
            plots.save_gif([plots.figure_to_image(figure)], tmp_path / "a.gif"),
            rendering.render(draw_dot(Value(1.0)), tmp_path / "a.dot"),
            rendering.render(draw_dot(Value(1.0)), tmp_path / "a.svg"),
            stepper.stepper_html(Value(2.0) * 3, tmp_path / "a.html"),
        ]
    finally:
        os.umask(old)
    assert {path.name: mode_of(path) for path in written} == {path.name: 0o644 for path in written}


# ------------------------------------------- 4. NumPy scalars as .data


def test_numpy_scalar_weights_save_and_step_as_python_floats(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    w = model.layers[0].neurons[0].w[0]
    w.data = np.float32(0.5)
    save(model, tmp_path / "model.json")
    assert load(tmp_path / "model.json").layers[0].neurons[0].w[0].data == 0.5
    w.grad = np.float32(1.0)
    SGD([w], lr=0.25).step()
    assert type(w.data) is float and w.data == 0.25


def test_save_refuses_a_weight_that_is_not_a_number(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].b.data = "0.5"
    with pytest.raises(TypeError, match=r"parameter L0\.N1\.b holds str '0\.5'"):
        save(model, tmp_path / "model.json")


# ------------------------------------------ 5. backward after no_grad


def test_backward_on_a_result_computed_inside_no_grad_says_so():
    x = Value(3.0)
    with no_grad():
        y = x * x
    with pytest.raises(RuntimeError, match=r"computed inside no_grad\(\).*no graph was recorded"):
        y.backward()
    assert x.grad == 0.0


def test_backward_on_a_plain_leaf_still_works():
    x = Value(3.0)
    x.backward()
    assert x.grad == 1.0


# -------------------------------------------------- 6. truth value


def test_a_value_has_no_truth_value():
    with pytest.raises(TypeError, match=r"compare its \.data"):
        bool(Value(0.0))
    with pytest.raises(TypeError, match="ambiguous"):
        Value(2.0) or Value(3.0)


def test_the_library_never_asks_a_value_for_its_truth_value():
    """Demos, training, drawings and explanations run with bool(Value) an error."""
    from micrograd_mlp import explain
    from micrograd_mlp.explain import backward_steps

    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    out = (x * w + 1).tanh()
    out.backward()
    explain(w, out)
    list(backward_steps((x * w).relu()))
    draw_dot(out, collapse=True)
    viz.draw_mlp(MLP(2, [2, 1], seed=0))
    fit(MLP(2, [3, 1], seed=0), *make_moons(8, seed=0), loss="hinge", epochs=1, l2=1e-4, verbose=False)


# ---------------------------------------------- 7. damaged model files


@pytest.fixture
def model_document(tmp_path):
    path = tmp_path / "model.json"
    save(MLP(2, [2, 1], seed=0), path)
    return json.loads(path.read_text())


def write(tmp_path, text):
    path = tmp_path / "damaged.json"
    path.write_text(text)
    return path


def test_deeply_nested_json_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="nested too deeply"):
        load(write(tmp_path, "[" * 100_000 + "]" * 100_000))


def test_activations_of_the_wrong_type_are_a_model_file_error(tmp_path, model_document):
    model_document["activations"] = [["relu"], "linear"]
    with pytest.raises(ModelFileError, match="bad activations"):
        load(write(tmp_path, json.dumps(model_document)))


def test_a_5000_digit_number_is_a_model_file_error(tmp_path, model_document):
    text = json.dumps(model_document).replace('"nin": 2', '"nin": ' + "9" * 5000)
    with pytest.raises(ModelFileError) as caught:
        load(write(tmp_path, text))
    assert len(str(caught.value)) < 600


def test_a_huge_list_is_cut_in_the_message(tmp_path, model_document):
    model_document["nin"] = list(range(1_000_000))
    with pytest.raises(ModelFileError) as caught:
        load(write(tmp_path, json.dumps(model_document)))
    assert len(str(caught.value)) < 600 and "..." in str(caught.value)


@pytest.mark.parametrize("field, bad", [("weights", [[{"w": [[1.0], 2.0], "b": 0.0}]] * 2),
                                        ("weights", [[["w"]], [[]]]), ("nouts", [[2], 1]),
                                        ("nouts", {"a": 1}), ("fused", "yes")])  # fmt: skip
def test_odd_shapes_anywhere_are_model_file_errors(tmp_path, model_document, field, bad):
    model_document[field] = bad
    with pytest.raises(ModelFileError):
        load(write(tmp_path, json.dumps(model_document)))


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code = (f"from micrograd_mlp import load\ntry:\n    load({str(fifo)!r})\n"
            f"except Exception as e:\n    print(type(e).__name__, e)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(micrograd_mlp.__file__).parents[1])})  # fmt: skip
    assert done.stdout.startswith("ModelFileError") and "not a regular file" in done.stdout


def test_a_device_is_refused():
    with pytest.raises(ModelFileError, match="not a regular file"):
        load("/dev/zero")


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(nn, "MAX_MODEL_FILE_BYTES", 1000)
    path = write(tmp_path, " " * 1001)
    with pytest.raises(ModelFileError, match=r"1,001 bytes.*larger than the 1,000 bytes"):
        load(path)


# ----------------------------------------- 8. every output file atomic


class Interrupt(KeyboardInterrupt):
    pass


def interrupted_writers(tmp_path):
    figure = plots.curves_figure({"loss": {"train": [1.0, 0.5]}})
    yield "png", lambda: plots.save_png(figure, tmp_path / "out.png")
    yield "gif", lambda: plots.save_gif([plots.figure_to_image(figure)] * 2, tmp_path / "out.gif")
    yield "svg", lambda: rendering.render(draw_dot(Value(1.0)), tmp_path / "out.svg")
    yield "dot", lambda: rendering.render(draw_dot(Value(1.0)), tmp_path / "out.dot")
    yield "html", lambda: stepper.stepper_html(Value(2.0) * 3, tmp_path / "out.html")
    yield "frames", lambda: stepper.save_frames(Value(2.0) * 3, tmp_path)
    yield "json", lambda: save(MLP(2, [2, 1], seed=0), tmp_path / "out.json")


def test_a_ctrl_c_while_writing_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    for name, write_it in interrupted_writers(tmp_path):
        for existing in tmp_path.iterdir():
            existing.write_bytes(b"old")

        def interrupt(*args, **kwargs):
            raise Interrupt()

        with monkeypatch.context() as patch:
            patch.setattr(os, "replace", interrupt)
            with pytest.raises(Interrupt):
                write_it()
        assert temporary_files(tmp_path) == [], name
        assert all(path.read_bytes() == b"old" for path in tmp_path.iterdir()), name
        write_it()  # and it works afterwards
        assert temporary_files(tmp_path) == []


def test_an_interrupt_inside_the_writer_removes_the_temporary_file(tmp_path):
    target = tmp_path / "a.bin"
    with pytest.raises(Interrupt):
        with files.atomic_path(target) as temporary:
            Path(temporary).write_bytes(b"half")
            raise Interrupt()
    assert os.listdir(tmp_path) == []


def test_demo_text_files_are_written_atomically(tmp_path, monkeypatch):
    from micrograd_mlp import demo_output

    calls = []
    monkeypatch.setattr(demo_output, "atomic_write", lambda path, text, **kw: calls.append(Path(path).name), raising=True)
    demo_output.DemoOutput("x", tmp_path, quiet=True).text("hello", "note")
    assert calls == ["note.txt"]


# ---------------------------------------------------- 9. oversized input


@pytest.mark.parametrize("option, value, limit", [("--hidden", "100000", 16), ("--inputs", "1000000000", 16),
                                                  ("--batch", "10000000", 32), ("--inputs", "1e9", 16)])  # fmt: skip
def test_check_refuses_sizes_beyond_its_limits(capsys, option, value, limit):
    code, out, err = run_cli(capsys, "check", option, value)
    assert code == 2 and out == ""
    assert f"argument {option}: must be a whole number from 1 to {limit}, got '{value}'" in err


def test_draw_dot_counts_before_any_other_work(monkeypatch):
    x = Value(1.0)
    for _ in range(3000):
        x = x + 1.0
    long_chain = x
    for _ in range(50_000):
        long_chain = long_chain + 1.0

    def not_now(*args):
        raise AssertionError("named or grouped the nodes of a graph it is going to refuse")

    monkeypatch.setattr(viz, "node_names", not_now)
    monkeypatch.setattr(viz, "neurons", not_now)
    monkeypatch.setattr(viz, "topological_order", not_now)
    with pytest.raises(ValueError, match=r"more than 2000 values, more than max_nodes=2000"):
        draw_dot(x)
    with pytest.raises(ValueError, match=r"more than 100000 values, more than 50 \* max_nodes=100000"):
        draw_dot(long_chain, collapse=True)


def test_long_labels_are_shortened_in_drawings():
    x = Value(1.0, label="x" * 20_000)
    y = x * 2
    y.label = "<&>" * 10_000
    source = draw_dot(y, title="t" * 20_000).source
    assert max(len(line) for line in source.splitlines()) < 16_384
    assert "characters cut" in source


# ------------------------------------- 10. long names and stepper_html


def test_a_too_long_output_folder_name_is_an_argument_error(capsys):
    code, out, err = run_cli(capsys, "demo", "chain-rule", "--out", "d" * 300)
    assert code == 2 and "Traceback" not in err
    assert "argument --out: the folder name 'dddd" in err and "300 bytes" in err


@pytest.mark.parametrize("write", [
    lambda path: save(MLP(1, [1], seed=0), path),
    lambda path: rendering.render(draw_dot(Value(1.0)), path),
    lambda path: plots.save_png(plots.curves_figure({"l": {"t": [1.0]}}), path),
])  # fmt: skip
def test_a_too_long_file_name_is_a_clear_error(tmp_path, write):
    with pytest.raises(ValueError, match=r"is 304 bytes long, longer than the 255 bytes"):
        write(tmp_path / ("n" * 300 + ".png"))


def test_a_failed_stepper_write_leaves_the_grads_as_they_were(tmp_path, monkeypatch):
    a = Value(2.0, label="a")
    out = a * a

    def fail(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", fail)
        with pytest.raises(PermissionError):
            stepper.stepper_html(out, tmp_path / "steps.html")
    assert a.grad == 0.0 and out.grad == 0.0
    stepper.stepper_html(out, tmp_path / "steps.html")  # the retry
    assert a.grad == 4.0


def test_save_frames_that_fail_leave_the_grads_as_they_were(tmp_path, monkeypatch):
    a = Value(2.0, label="a")
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(PermissionError(13, "no")))
    with pytest.raises(PermissionError):
        stepper.save_frames(a * a, tmp_path)
    assert a.grad == 0.0


def test_stepper_title_none_is_the_default_title(tmp_path):
    page = stepper.stepper_html(Value(2.0) * 3, tmp_path / "steps.html", title=None).read_text()
    assert "<title>Backpropagation, step by step</title>" in page
    with pytest.raises(TypeError, match="title must be text"):
        stepper.stepper_html(Value(2.0) * 3, tmp_path / "steps.html", title=3)


# --------------------------------------------- 11. NumPy numbers as arguments


def test_numpy_integers_are_seeds():
    same = [p.data for p in MLP(2, [3, 1], seed=np.int64(7)).parameters()]
    assert same == [p.data for p in MLP(2, [3, 1], seed=7).parameters()]
    with pytest.raises(TypeError, match=r"seed must be a whole number such as 0, got float 1\.5"):
        MLP(2, [3, 1], seed=1.5)


def test_numpy_integers_are_layer_sizes():
    model = MLP(np.int64(2), np.array([4, 1]), seed=0)
    assert model.nouts == [4, 1] and all(type(n) is int for n in [model.nin, *model.nouts])
    assert MLP(2, (np.int32(3), np.uint8(1)), seed=0).num_parameters() == 13


@pytest.mark.parametrize("nouts, message", [([4.5, 1], r"every layer size in nouts must be a positive int, got 4\.5"),
                                            (np.array([[4, 1]]), "nouts must be a non-empty list of layer sizes"),
                                            (np.array([]), "nouts must be a non-empty list"),
                                            ([np.float64(4.0), 1], r"got np\.float64\(4\.0\)"), (4, "non-empty list")])  # fmt: skip
def test_sizes_that_are_not_whole_numbers_are_refused(nouts, message):
    with pytest.raises(ValueError, match=message):
        MLP(2, nouts)


def test_numpy_numbers_are_training_settings():
    X, y = make_cubic(20, seed=0)
    history = fit(MLP(1, [4, 1], seed=0), X, y, lr=np.float32(0.05), epochs=np.int64(2),
                  batch_size=np.int64(5), l2=np.float32(1e-4), seed=np.int64(0), verbose=False)  # fmt: skip
    assert len(history.loss) == 2
    SGD([Value(1.0)], lr=np.float64(0.1), momentum=np.float32(0.5))
    Adam([Value(1.0)], lr=np.float32(0.1), betas=(np.float32(0.9), np.float64(0.99)), eps=np.float32(1e-8))
    assert l2([Value(2.0)], np.float32(0.5)).data == 2.0
    assert make_moons(6, noise=np.float32(0.1), seed=0)[0].shape == (6, 2)


@pytest.mark.parametrize("kwargs, message", [({"epochs": 2.0}, "epochs must be an int >= 0, got 2.0"),
                                             ({"batch_size": np.float64(2)}, "batch_size must be a positive int"),
                                             ({"lr": "0.1"}, r"lr must be a finite number >= 0, got '0\.1'"),
                                             ({"l2": np.array([0.1])}, "l2 must be a number >= 0")])  # fmt: skip
def test_settings_of_the_wrong_kind_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(MLP(1, [2, 1], seed=0), [[0.0]], [0.0], verbose=False, **kwargs)


def test_demos_take_numpy_settings(tmp_path):
    from micrograd_mlp import demos

    result = demos.regression(tmp_path, epochs=np.int64(1), hidden=np.array([3]), lr=np.float32(0.01),
                              samples=np.int64(6), frames=np.int64(2), quiet=True)  # fmt: skip
    assert len(result.histories["linear MLP"].loss) == 1


def test_an_input_too_large_for_a_float_is_a_clear_error():
    with pytest.raises(ValueError, match=r"model\(x\): x\[0\] is an int of 1329 bits, too large for a float"):
        MLP(2, [1], seed=0)([10**400, 0])


def test_a_loss_function_must_return_a_value():
    with pytest.raises(TypeError, match=r"the loss function returned float 0\.0, not a Value"):
        fit(MLP(1, [1], seed=0), [[1.0]], [0.0], loss=lambda outputs, targets: 0.0, epochs=1, verbose=False)
    with pytest.raises(TypeError, match=r"the loss function returned float"):
        evaluate(MLP(1, [1], seed=0), [[1.0]], [0.0], loss=lambda outputs, targets: 0.0)


def test_an_optimizer_must_be_an_optimizer():
    with pytest.raises(TypeError, match=r"optimizer must be an Optimizer such as SGD\(model\.parameters\(\), lr=0\.1\), got str 'sgd'"):
        fit(MLP(1, [1], seed=0), [[1.0]], [0.0], optimizer="sgd", epochs=1, verbose=False)


@settings(max_examples=40, deadline=None)
@given(content=st.one_of(st.binary(max_size=3000), st.text(max_size=500)),
       mode=st.sampled_from([0o600, 0o640, 0o644, 0o664, 0o400]))  # fmt: skip
def test_atomic_write_round_trips_any_content_and_keeps_the_mode(tmp_path_factory, content, mode):
    folder = tmp_path_factory.mktemp("atomic")
    path = folder / "file"
    path.write_bytes(b"old")
    os.chmod(path, mode)
    files.atomic_write(path, content)
    expected = content.encode("utf-8") if isinstance(content, str) else content
    assert path.read_bytes() == expected and mode_of(path) == mode
    assert os.listdir(folder) == ["file"]
