"""The demos' figures and GIFs: real files that open, showing the numbers given."""

import sys

import numpy as np
import pytest
from optional import require

Image = require("PIL.Image")
from viz_support import reads_as_a_sign

from micrograd_mlp.teaching import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_fits_figure_draws_one_panel_per_snapshot_with_each_models_line(tmp_path):
    x = np.linspace(-1, 1, 7)
    line_x = np.linspace(-1, 1, 5)
    snapshots = [
        ("Epoch 1", {"linear": 0.5 * line_x, "relu": np.abs(line_x)}),
        ("Epoch 50", {"linear": 0.1 * line_x, "relu": line_x**2}),
    ]
    figure = plots.fits_figure(x, x**3, line_x, snapshots)
    assert [ax.get_title() for ax in figure.axes] == ["Epoch 1", "Epoch 50"]
    second = figure.axes[1]
    assert [line.get_label() for line in second.lines] == ["linear", "relu"]
    np.testing.assert_array_equal(second.lines[1].get_ydata(), line_x**2)
    # the y range is the data's (-1..1 plus a margin), not the predictions'
    low, high = second.get_ylim()
    assert low == pytest.approx(-1.3) and high == pytest.approx(1.3)

    path = plots.save_png(figure, tmp_path / "sub" / "fits.png")
    assert path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (2 * 6.4 * plots.DPI, 4.8 * plots.DPI)


def test_fits_figure_hides_the_unused_panels_of_its_grid():
    line = {"model": [0.0, 1.0]}
    figure = plots.fits_figure([0, 1], [0, 1], [0, 1], [("a", line), ("b", line), ("c", line)], columns=2)
    assert [ax.get_visible() for ax in figure.axes] == [True, True, True, False]


def test_curves_figure_puts_only_the_named_panels_on_a_log_scale():
    panels = {
        "loss": {"train": [1.0, 0.1, 0.01], "test": [1.0, 0.2, 0.05]},
        "accuracy": {"train": [0.5, 0.9, 1.0]},
    }
    figure = plots.curves_figure(panels, log_y=["loss"])
    loss_ax, accuracy_ax = figure.axes
    assert (loss_ax.get_yscale(), accuracy_ax.get_yscale()) == ("log", "linear")
    assert [line.get_label() for line in loss_ax.lines] == ["train", "test"]
    # epochs count from 1 on the x axis
    np.testing.assert_array_equal(accuracy_ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(accuracy_ax.lines[0].get_ydata(), [0.5, 0.9, 1.0])


def test_boundary_figure_colours_points_by_class_and_draws_the_zero_contour():
    grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9))
    points = np.array([[-0.5, 0.0], [0.5, 0.2], [0.6, -0.3]])
    labels = [0, 1, 1]
    figure = plots.boundary_figure(grid_x, grid_y, grid_x, points, labels, "x > 0",
                                   test_points=np.array([[0.1, 0.1]]), test_labels=[1])  # fmt: skip
    ax = figure.axes[0]
    by_label = {c.get_label(): c.get_offsets().tolist() for c in ax.collections if c.get_label()}
    assert by_label["train, class 0"] == [[-0.5, 0.0]]
    assert by_label["train, class 1"] == [[0.5, 0.2], [0.6, -0.3]]
    assert by_label["test, class 1"] == [[0.1, 0.1]]
    assert "test, class 0" not in by_label  # no such points: no empty legend entry
    # the boundary line: a contour at score 0, here the line x = 0
    boundary = [c for c in ax.collections if hasattr(c, "levels") and list(c.levels) == [0.0]]
    assert len(boundary) == 1
    vertices = np.concatenate([path.vertices for path in boundary[0].get_paths()])
    np.testing.assert_allclose(vertices[:, 0], 0.0, atol=1e-12)


def test_boundary_figure_accepts_minus_one_plus_one_labels():
    grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 4))
    figure = plots.boundary_figure(grid_x, grid_y, grid_x, np.array([[0.0, 0.0], [1.0, 1.0]]), [-1, 1])
    labels = {c.get_label(): len(c.get_offsets()) for c in figure.axes[0].collections if c.get_label()}
    assert labels["train, class 0"] == 1 and labels["train, class 1"] == 1


def test_save_gif_writes_an_endless_animation_that_lingers_on_the_last_frame(tmp_path):
    frames = [Image.new("RGB", (20, 10), colour) for colour in ("red", "green", "blue")]
    path = plots.save_gif(frames, tmp_path / "anim.gif", frame_ms=100, last_frame_ms=900)
    assert path.read_bytes()[:6] == b"GIF89a"
    with Image.open(path) as gif:
        assert (gif.n_frames, gif.size, gif.info["loop"]) == (3, (20, 10), 0)
        durations = []
        colours = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
            colours.append(gif.convert("RGB").getpixel((5, 5)))
    assert durations == [100, 100, 900]
    assert colours == [(255, 0, 0), (0, 128, 0), (0, 0, 255)]


def test_save_gif_refuses_an_empty_animation(tmp_path):
    with pytest.raises(ValueError, match="at least one frame"):
        plots.save_gif([], tmp_path / "none.gif")


def test_figure_to_image_has_the_figures_pixel_size():
    figure = plots.curves_figure({"loss": {"train": [1.0, 0.5]}})
    image = plots.figure_to_image(figure)
    assert (image.mode, image.size) == ("RGB", (6 * plots.DPI, 4 * plots.DPI))


def test_pictures_are_sized_and_lettered_for_a_projector():
    # One panel (a GIF frame) at least 640 px wide; text at least 13 pt at 100 dpi (18 px).
    one_panel = plots.fits_figure([0, 1], [0, 1], [0, 1], [("Epoch 1", {"line": [0.1, 0.9]})])
    assert plots.figure_to_image(one_panel).size[0] >= 640 and plots.DPI >= 100
    four = plots.fits_figure([0, 1], [0, 1], [0, 1], [(str(e), {"line": [0.1, 0.9]}) for e in range(4)])
    assert len(four.axes) == 4 and four.axes[2].get_position().y0 < four.axes[0].get_position().y0  # 2 x 2
    grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    figure = plots.boundary_figure(grid_x, grid_y, grid_x, np.array([[0.5, 0.0], [-0.5, 0]]), [1, 0], "moons")
    image = plots.figure_to_image(figure)
    assert min(image.size) >= 640
    ax = figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1 (input 1)", "x2 (input 2)")
    assert ax.title.get_fontsize() >= 15 and ax.xaxis.label.get_fontsize() >= 13
    assert all(label.get_fontsize() >= 12 for label in ax.get_xticklabels())
    legend_texts = [text for legend in figure.legends for text in legend.get_texts()]
    assert legend_texts and all(text.get_fontsize() >= 12 for text in legend_texts)
    # a colour bar that names the score and which side is which class
    bars = [other for other in figure.axes if other is not ax]
    assert len(bars) == 1 and bars[0].get_ylabel() == "model output (logit)"
    assert [t.get_text() for t in bars[0].get_yticklabels()][-1].endswith("(class 1)")


def test_model_lines_use_neither_sign_colour():
    from matplotlib.colors import to_hex

    figure = plots.fits_figure([0, 1], [0, 1], [0, 1], [("e", {"a": [0, 1], "b": [1, 0]})])
    curves = plots.curves_figure({"loss": {"train": [1, 0.5], "test": [1, 0.7]}})
    colours = {to_hex(line.get_color()) for fig in (figure, curves) for ax in fig.axes for line in ax.lines}
    assert len(colours) >= 2 and not any(reads_as_a_sign(colour, 0.3) for colour in colours), colours


def test_without_matplotlib_the_error_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(plots.MissingDemoExtra, match=r'matplotlib .*pip install -e ".*\[demos\]"'):
        plots.require_demo_extras()
    with pytest.raises(ImportError, match="demos extra"):
        plots.curves_figure({"loss": {"train": [1.0]}})


def test_without_pillow_the_error_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(plots.MissingDemoExtra, match=r'Pillow .*pip install -e ".*\[demos\]"'):
        plots.require_demo_extras()
