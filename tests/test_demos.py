"""The demos: files that are what they claim to be, numbers that tell the slides' story."""

import io
import math
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optional import require, require_program

Image = require("PIL.Image")

from micrograd_mlp import accuracy, data, evaluate
from micrograd_mlp.apps import demo_output, demos
from micrograd_mlp.teaching import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_size=(200, 150)):
    assert path.suffix == ".png" and path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.width >= min_size[0] and image.height >= min_size[1]


def gif_frames(path):
    assert path.suffix == ".gif" and path.read_bytes()[:6] == b"GIF89a"
    with Image.open(path) as gif:
        assert gif.width >= 200 and gif.height >= 150
        return gif.n_frames


def assert_svg(path):
    text = path.read_text(encoding="utf-8")
    assert path.suffix == ".svg" and "<svg" in text and text.rstrip().endswith("</svg>")
    return text


@pytest.fixture(autouse=True)
def fresh_run():
    """Each test is a new run: notes said once per run are said again."""
    demo_output.SAID.clear()
    yield
    demo_output.SAID.clear()


def hide_programs(tmp_path, monkeypatch, *programs):
    """PATH and the Python scripts folder hold only links to `programs` (name -> target)."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for name, target in programs:
        (folder / name).symlink_to(target)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setattr("micrograd_mlp.rendering._scripts_dir", lambda: str(folder))  # the old name reaches the module


def graphviz_pure():
    import shutil

    from micrograd_mlp.teaching.rendering import _scripts_dir

    found = shutil.which("graphviz-pure", path=_scripts_dir())
    return found or require_program("graphviz-pure", "install the demos extra: pip install -e '.[demos]'")


# -------------------------------------------------------------- first run


def test_the_demos_extra_brings_a_renderer_so_the_first_command_draws_everything():
    # README's first command installs ".[demos]": it must bring graphviz-pure, so a machine
    # without Graphviz's dot still gets every graph picture and the stepper page.
    import configparser

    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parent.parent / "setup.cfg")
    demos_extra = config["options.extras_require"]["demos"].split()
    assert any(requirement.startswith("graphviz-pure") for requirement in demos_extra)


def test_without_dot_graphviz_pure_draws_every_picture_and_is_named_once(tmp_path, monkeypatch, capsys):
    hide_programs(tmp_path, monkeypatch, ("graphviz-pure", graphviz_pure()))
    chain = demos.run("chain-rule", tmp_path / "out")
    small = dict(epochs=1, hidden=(3,))
    classified = demos.classification(tmp_path / "out", **small, samples=24, frames=2, resolution=8)
    assert [p.name for p in chain.files] == [
        "chain_rule_before.svg", "chain_rule_steps.html", "chain_rule_after.svg", "chain_rule.txt",
    ]  # fmt: skip
    assert classified.files[-1].name == "classification_network.svg"
    for name in ("chain_rule_before.svg", "chain_rule_after.svg", "classification_network.svg"):
        assert_svg(tmp_path / "out" / name)
    assert (tmp_path / "out" / "chain_rule_steps.html").read_text(encoding="utf-8").count("<svg") == 6
    said = capsys.readouterr()
    assert said.out.count("drawings laid out by graphviz-pure") == 1  # once per run, not per demo
    assert "apt-get install graphviz" not in said.err


def test_with_dot_the_run_names_dot_once(tmp_path, capsys):
    require_program("dot", "apt-get install graphviz")
    demos.run("chain-rule", tmp_path)
    demos.run("chain-rule", tmp_path)
    assert capsys.readouterr().out.count("drawings laid out by Graphviz's dot") == 1


def test_without_any_renderer_the_install_hint_is_said_once_per_run(tmp_path, monkeypatch, capsys):
    hide_programs(tmp_path, monkeypatch)
    demos.chain_rule(tmp_path / "out", quiet=True)
    demos.classification(tmp_path / "out", epochs=1, samples=24, hidden=(3,), frames=2, resolution=8, quiet=True)
    assert capsys.readouterr().err.count("apt-get install graphviz") == 1


# -------------------------------------------------------------- chain rule


def test_chain_rule_demo_writes_graphs_stepper_and_derivations(tmp_path, capsys):
    result = demos.chain_rule(tmp_path, quiet=True)
    assert [p.name for p in result.files] == [
        "chain_rule_before.svg",
        "chain_rule_steps.html",
        "chain_rule_after.svg",
        "chain_rule.txt",
    ]
    assert capsys.readouterr().out == ""  # quiet
    before, after = assert_svg(tmp_path / "chain_rule_before.svg"), assert_svg(tmp_path / "chain_rule_after.svg")
    # before backward all 10 value boxes show grad 0; after: o and w1 have grad 1
    # (d o/d w1 = x1 * (1 - o^2) = 2 * 0.5), w2 has 0 (x2 = 0), the other six 0.5
    assert before.count("grad 0.000") == 10
    assert (after.count("grad 1.000"), after.count("grad 0.000"), after.count("grad 0.5000")) == (2, 1, 6)
    page = (tmp_path / "chain_rule_steps.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # one frame for the start and one per op node: *, *, +, +, tanh
    assert page.count('class="frame"') == 6
    text = (tmp_path / "chain_rule.txt").read_text(encoding="utf-8")
    # readable names, each defined; every local derivative as its formula, then the numbers
    assert "computed as p1 = x1 * w1, p2 = x2 * w2, s = p1 + p2, n = s + b, o = tanh(n)" in text
    assert "do/dw1 = do/dp1 * dp1/dw1 = 0.5 * x1 = 0.5 * 2.0 = 1.0" in text
    assert "do/dx1 = do/dp1 * dp1/dx1 = 0.5 * w1 = 0.5 * (-3.0) = -1.5" in text
    assert "where do/dn = do/do * do/dn = 1 * (1 - o^2) = 1 * 0.5 = 0.5" in text
    assert "x1w1" not in text


def test_chain_rule_grads_are_the_hand_derived_ones(tmp_path):
    metrics = demos.chain_rule(tmp_path, quiet=True).metrics
    o = math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432)
    slope = 1.0 - o * o  # d tanh(n)/dn
    expected = {"x1": slope * -3.0, "w1": slope * 2.0, "x2": slope * 1.0, "w2": slope * 0.0, "b": slope}
    assert metrics == pytest.approx({f"d o / d {name}": grad for name, grad in expected.items()}, abs=1e-12)


def test_chain_rule_without_dot_writes_dot_text_and_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    monkeypatch.setattr("micrograd_mlp.teaching.rendering._scripts_dir", lambda: str(tmp_path / "nothing"))
    result = demos.chain_rule(tmp_path / "out", quiet=False)
    assert [p.name for p in result.files] == ["chain_rule_before.dot", "chain_rule_after.dot", "chain_rule.txt"]
    assert (tmp_path / "out" / "chain_rule_after.dot").read_text().startswith("digraph")
    said, warning = capsys.readouterr()
    assert warning.count("apt-get install graphviz") == 1  # said once, not per drawing
    assert "chain-rule: no stepper page: its frames are pictures laid out by Graphviz" in said
    assert result.metrics["d o / d w1"] == pytest.approx(0.5 * 2.0)  # backward still ran


# -------------------------------------------------------------- regression


def test_regression_demo_at_a_small_size_writes_its_pictures(tmp_path, capsys):
    result = demos.regression(tmp_path, epochs=4, samples=20, hidden=(4,), frames=3, quiet=False)
    names = [p.name for p in result.files]
    assert names == ["regression_fits.png", "regression_fit.gif", "regression_loss.png"]
    assert_png(tmp_path / "regression_fits.png", min_size=(1000, 200))
    assert_png(tmp_path / "regression_loss.png")
    # frames: the snapshot epochs 0, ..., 4 (at most 3 spaced ones plus both ends)
    assert gif_frames(tmp_path / "regression_fit.gif") == len(demo_output.snapshot_epochs(4, 3))
    assert set(result.histories) == {"linear MLP", "relu MLP"}
    assert all(h.epochs == 4 for h in result.histories.values())
    said = capsys.readouterr().out
    assert "training the linear MLP [1, 4, 1]" in said and "training the relu MLP [1, 4, 1]" in said


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_demo_draws_live_progress_bars(tmp_path, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    demos.regression(tmp_path, epochs=4, samples=12, hidden=(3,), frames=3, quiet=False)
    shown = terminal.getvalue()
    assert shown.count("training:") >= 2 and "drawing frames:" in shown and "\r" in shown
    assert " epoch 1/4" not in shown  # no plain lines on top of the bars


def test_off_a_terminal_the_demo_prints_a_line_per_quarter_of_training(tmp_path, capsys):
    demos.classification(tmp_path, epochs=8, samples=24, hidden=(3,), frames=2, resolution=8, quiet=False)
    printed = capsys.readouterr().err
    assert "\r" not in printed and "training:" not in printed and "drawing frames" not in printed
    lines = [line for line in printed.splitlines() if " epoch " in line]
    assert [line.split(":")[1] for line in lines] == [f" moons epoch {e}/8" for e in (2, 4, 6, 8)]
    assert "val_accuracy=" in lines[-1]


def test_quiet_demos_print_no_progress_at_all(tmp_path, capsys):
    demos.regression(tmp_path, epochs=2, samples=12, hidden=(3,), frames=2, quiet=True)
    assert capsys.readouterr() == ("", "")


def test_snapshot_epochs_start_at_zero_end_at_the_last_epoch_and_crowd_the_start():
    epochs = demo_output.snapshot_epochs(100, 10)
    assert epochs[0] == 0 and epochs[-1] == 100 and epochs == sorted(set(epochs))
    assert len(epochs) <= 11
    gaps = np.diff(epochs)
    assert gaps[0] < gaps[-1]


@pytest.mark.slow
def test_regression_the_line_fails_and_the_relu_net_bends(tmp_path):
    result = demos.regression(tmp_path, quiet=True, frames=2)
    X, y = data.make_cubic(80, seed=demos.DEFAULT_SEED)
    # the best any straight line can do on this data: least squares, same 0.5*(y_hat - y)^2 loss
    slope, intercept = np.polyfit(X[:, 0], y, 1)
    best_line_loss = np.mean(0.5 * (slope * X[:, 0] + intercept - y) ** 2)
    # The trained nets on all the data. (The per-epoch mean while training can fall below
    # the best line: in the slides' unshuffled loop the line chases the samples in x order.)
    linear = evaluate(result.models["linear MLP"], X, y)
    relu = evaluate(result.models["relu MLP"], X, y)
    assert linear >= best_line_loss - 1e-12  # no straight line beats least squares
    assert result.metrics["relu MLP final loss"] < result.metrics["linear MLP final loss"]
    assert relu < best_line_loss / 10  # bends to the cubic


def test_regression_without_matplotlib_stops_before_training(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(plots.MissingDemoExtra, match=r'pip install -e ".*\[demos\]"'):
        demos.regression(tmp_path / "out", epochs=1)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------- classification


def test_classification_demo_at_a_small_size_writes_its_pictures(tmp_path):
    result = demos.classification(
        tmp_path, epochs=3, samples=40, hidden=(4,), frames=3, resolution=12, quiet=True
    )
    names = [p.name for p in result.files]
    assert names == [
        "classification_boundary.png",
        "classification_training.gif",
        "classification_curves.png",
        "classification_network.svg",
    ]
    assert_png(tmp_path / "classification_boundary.png")
    assert_png(tmp_path / "classification_curves.png")
    assert gif_frames(tmp_path / "classification_training.gif") == len(demo_output.snapshot_epochs(3, 3))
    network = assert_svg(tmp_path / "classification_network.svg")
    # a header per layer, counted from 1 as in the playground ("layer 1", "relu", "output, linear"),
    # and a circle with its bias b per neuron (4 + 1)
    assert "layer 1" in network and "output, linear" in network and "layer 0" not in network
    assert "relu" in network and network.count(">b</text>") == 5
    history = result.histories["classifier"]
    assert len(history.loss) == len(history.val_loss) == len(history.val_accuracy) == 3
    # the reported accuracies are the model's on the same split
    X, y = data.make_moons(40, seed=demos.DEFAULT_SEED)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.25, seed=demos.DEFAULT_SEED)
    np.testing.assert_array_equal(result.data["X_test"], X_test)
    model = result.models["classifier"]
    assert result.metrics["train accuracy"] == accuracy(model, X_train, y_train)
    assert result.metrics["test accuracy"] == accuracy(model, X_test, y_test)
    assert history.val_accuracy[-1] == result.metrics["test accuracy"]


@pytest.mark.parametrize("dataset", ["circles", "xor", "spiral"])
def test_classification_runs_on_every_dataset(tmp_path, dataset):
    result = demos.classification(
        tmp_path, dataset=dataset, epochs=1, samples=24, hidden=(3,), frames=2, resolution=8, quiet=True
    )
    assert len(result.files) == 4
    assert_png(tmp_path / "classification_boundary.png")


def test_classification_refuses_an_unknown_dataset(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'blobs'; choose one of moons, circles, xor, spiral"):
        demos.classification(tmp_path, dataset="blobs")


@pytest.mark.slow
def test_moons_reach_full_train_and_95_percent_test_accuracy_at_default_settings(tmp_path):
    # fewer GIF frames and a coarser grid only save drawing time: training is the default
    result = demos.classification(tmp_path, quiet=True, frames=2, resolution=10)
    assert result.metrics["train accuracy"] == 1.0
    assert result.metrics["test accuracy"] >= 0.95


def test_run_passes_only_the_settings_given(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(demos, "classification", lambda out, **kwargs: seen.update(kwargs, out=out))
    demos.run("classification", tmp_path, epochs=7, dataset="xor", seed=3)
    assert seen == {"out": tmp_path, "dataset": "xor", "epochs": 7, "activation": "relu", "seed": 3, "quiet": False}
    with pytest.raises(ValueError, match="unknown demo 'plots'"):
        demos.run("plots", tmp_path)


# ------------------------------------------------------- the demos/ scripts

SCRIPTS = Path(__file__).resolve().parent.parent / "demos"


def test_chain_rule_script_writes_into_the_folder_given(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPTS / "chain_rule.py"), str(tmp_path)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.splitlines()[-4:]]
    assert [p.name for p in paths] == [
        "chain_rule_before.svg", "chain_rule_steps.html", "chain_rule_after.svg", "chain_rule.txt",
    ]  # fmt: skip
    assert all(p.parent == tmp_path and p.is_file() for p in paths)


@pytest.mark.parametrize(
    "script, small",
    [
        ("regression", dict(epochs=2, samples=12, frames=2)),
        ("classification", dict(epochs=1, samples=24, hidden=(3,), frames=2, resolution=8)),
    ],
)
def test_scripts_run_the_library_demo_and_print_what_it_wrote(tmp_path, monkeypatch, capsys, script, small):
    # The scripts run the demos at full size; shrink them by wrapping the library function.
    full_size = getattr(demos, script)
    monkeypatch.setattr(demos, script, lambda out, **kw: full_size(out, **kw, **small, quiet=True))
    monkeypatch.setattr(sys, "argv", [f"{script}.py", str(tmp_path)])
    runpy.run_path(str(SCRIPTS / f"{script}.py"), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    written = [Path(line) for line in lines if line.startswith(str(tmp_path))]
    assert len(written) == (4 if script == "classification" else 3)
    assert all(p.is_file() for p in written)
    assert any(line.startswith(("linear MLP final loss: ", "test accuracy: ")) for line in lines)


def test_regression_refuses_to_compare_linear_with_linear(tmp_path):
    with pytest.raises(ValueError, match="compares a linear MLP with a non-linear one; give activation='relu'"):
        demos.regression(tmp_path, activation="linear")
    with pytest.raises(ValueError, match=r"needs a hidden layer: without one both nets are the same straight line"):
        demos.regression(tmp_path, hidden=())


@pytest.mark.parametrize("demo", [demos.regression, demos.classification])
@pytest.mark.parametrize("epochs", [0, -2, 2.5, True])
def test_demos_refuse_epochs_that_are_not_a_positive_whole_number(tmp_path, demo, epochs):
    with pytest.raises(ValueError, match=f"epochs must be a whole number >= 1, got {epochs!r}"):
        demo(tmp_path / "out", epochs=epochs)
    assert not (tmp_path / "out").exists()  # refused before any training or file


def test_classification_refuses_a_grid_too_coarse_to_draw(tmp_path):
    with pytest.raises(ValueError, match="resolution is the boundary grid's points per side, at least 2; got 1"):
        demos.classification(tmp_path, resolution=1)


def test_classification_without_dot_still_draws_its_plots_and_saves_the_network_as_dot(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    monkeypatch.setattr("micrograd_mlp.teaching.rendering._scripts_dir", lambda: str(tmp_path / "nothing"))
    result = demos.classification(tmp_path, epochs=1, samples=24, hidden=(3,), frames=2, resolution=8, quiet=True)
    assert [p.suffix for p in result.files] == [".png", ".gif", ".png", ".dot"]
    assert (tmp_path / "classification_network.dot").read_text().startswith("digraph")
    assert "apt-get install graphviz" in capsys.readouterr().err


def test_a_network_too_big_to_draw_skips_only_its_drawing(tmp_path, monkeypatch, capsys):
    import functools

    from micrograd_mlp.teaching.viz import draw_mlp

    # The real refusal of draw_mlp, at a limit this small network exceeds.
    monkeypatch.setattr(demos, "draw_mlp", functools.partial(draw_mlp, max_edges=10))
    result = demos.classification(
        tmp_path, epochs=2, samples=40, hidden=(4,), frames=2, resolution=12, quiet=True
    )
    assert [p.name for p in result.files] == [
        "classification_boundary.png",
        "classification_training.gif",
        "classification_curves.png",
    ]
    note = capsys.readouterr().err
    assert "no drawing of the network" in note and "more than max_edges=10" in note


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_regression_trains_exactly_as_the_slides_fit_loop(tmp_path, activation):
    # The demo calls its training "the slides' fit": per-sample gradient descent over the
    # samples in their order, no shuffling. The slides' loop is reference.MLP/MLPrelu.fit
    # (for the linear net, with the corrected hidden-layer derivative; see reference.py).
    from micrograd_mlp import MLP
    from micrograd_mlp.checking import reference

    settings = dict(epochs=3, samples=20, hidden=(4,), seed=1)
    result = demos.regression(tmp_path, **settings, frames=2, quiet=True)
    name = "linear MLP" if activation == "linear" else "relu MLP"
    trained = result.models[name]
    # The same initial weights the demo started from (same sizes and seed).
    start = MLP(1, [4, 1], activation, seed=1, fused=True)
    slides = reference.from_value_mlp(start)
    X, y = data.make_cubic(20, seed=1)
    slides_history = slides.fit(X, y, epochs=3, lr=demos.REGRESSION_LR)
    after = reference.value_mlp_arrays(trained)
    for key in ("w1", "b1", "w2", "b2"):
        np.testing.assert_allclose(after[key], getattr(slides, key), rtol=0, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(result.histories[name].loss, slides_history, rtol=1e-12)


# ------------------------------------------------- one visual language (issue 20)


def test_the_training_gif_keeps_one_colour_scale_and_counts_epochs_from_1(tmp_path, monkeypatch):
    # issue 20.6: the scale was +-0.32 in the first frame and +-16 in the last
    drawn = []
    real = plots.boundary_figure

    def spy(*args, **kwargs):
        drawn.append((args[5], kwargs.get("limit")))  # (title, colour limit)
        return real(*args, **kwargs)

    monkeypatch.setattr(plots, "boundary_figure", spy)
    result = demos.classification(tmp_path, epochs=6, samples=40, hidden=(4,), frames=4, resolution=12, quiet=True)
    frames = drawn[1:]  # the first picture is the final boundary, on the same scale
    limits = {limit for _, limit in drawn}
    assert len(frames) == gif_frames(tmp_path / "classification_training.gif") and len(limits) == 1
    (limit,) = limits
    assert limit is not None and limit > 0
    # the frames' shared scale is the widest of the frames' own scales
    assert [title for title, _ in frames][:2] == ["moons, before training", "moons, after epoch 1"]
    assert frames[-1][0] == "moons, after epoch 6"
    assert result.metrics["test accuracy"] >= 0.0


def test_two_classes_are_named_1_and_0_as_in_the_playground(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    figure = plots.boundary_figure(grid_x, grid_y, grid_x, np.array([[0.5, 0.0], [-0.5, 0.0]]), [1, 0], "halves")
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels == ["train, class 0", "train, class 1"]
    ticks = [text.get_text() for text in figure.axes[1].get_yticklabels()]
    assert ticks[0].endswith("(class 0)") and ticks[-1].endswith("(class 1)")
    assert figure.axes[0].get_xlabel() == "x1 (input 1)"  # inputs counted from 1, as layers
    page = Path(__file__).resolve().parent.parent / "micrograd_mlp/apps/playground/static/index.html"
    playground = page.read_text()
    assert "class 1" in playground and "class 0" in playground and "class +" not in playground


def test_the_demo_network_drawing_fits_a_16_by_9_projector(tmp_path):
    # issue 20.7: MLP(2, [16, 16, 1]) was drawn 3 times taller than wide
    demos.classification(tmp_path, epochs=1, samples=40, frames=2, resolution=8, quiet=True)
    svg = (tmp_path / "classification_network.svg").read_text(encoding="utf-8")
    width, height = (float(x) for x in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert 1.0 <= width / height <= 16 / 9 * 1.5, (width, height)
    # the output neuron lavender (as the README says outputs are), the hidden ones green
    assert svg.count('fill="#dadaeb"') >= 2 and 'fill="#c7e9c0"' in svg  # (the legend's swatch too)


def test_the_three_class_regions_are_sized_for_a_projector(tmp_path):
    # issue 20.11: spiral3_regions.png was about 400 x 430 pixels with small text
    from micrograd_mlp.apps import demos_multiclass

    demos_multiclass.spiral3(tmp_path, epochs=1, samples=30, hidden=(4,), frames=2, resolution=8, quiet=True)
    width, height = Image.open(tmp_path / "spiral3_regions.png").size
    assert width >= 760 and 0.8 <= width / height <= 16 / 9, (width, height)
