"""Plots and animations for the demos: matplotlib figures and Pillow GIFs.

Everything here draws plain numbers (lists or NumPy arrays), never a model:
the demos compute predictions, these functions only show them. Figures are
built with matplotlib's object-oriented `Figure` (not `pyplot`), so no display
is needed, no global backend is switched (a notebook keeps its inline plots)
and nothing stays open after a figure is saved.

matplotlib and Pillow live in the ``demos`` extra; without them every function
here raises `MissingDemoExtra`, whose message says what to install.

>>> fig = curves_figure({"loss": {"train": [1.0, 0.5, 0.25]}}, log_y=["loss"])
>>> figure_to_image(fig).size
(480, 320)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .files import atomic_path

if TYPE_CHECKING:  # imported for type hints only: both are optional dependencies
    from matplotlib.figure import Figure
    from PIL.Image import Image

__all__ = [
    "DEMOS_INSTALL_HINT",
    "MissingDemoExtra",
    "require_demo_extras",
    "save_png",
    "figure_to_image",
    "save_gif",
    "fits_figure",
    "curves_figure",
    "boundary_figure",
]

PathLike = Union[str, os.PathLike]
Curve = Sequence[float]

DEMOS_INSTALL_HINT = 'pip install "micrograd_mlp[demos]"'

DPI = 80
# Class colours, shared by the points and the heatmap so they match:
# negative class blue, positive class red.
CLASS_COLOURS = ("#2166ac", "#b2182b")
HEATMAP = "RdBu_r"


class MissingDemoExtra(ImportError):
    """matplotlib or Pillow is not installed; the message says how to get them.

    >>> str(MissingDemoExtra("matplotlib")).split(". ")[-1]
    'Install the demos extra: pip install "micrograd_mlp[demos]"'
    """

    def __init__(self, package: str) -> None:
        super().__init__(
            f"the demos draw their pictures with matplotlib and Pillow, and {package} is not "
            f"installed. Install the demos extra: {DEMOS_INSTALL_HINT}"
        )
        self.package = package


def _new_figure(columns: int = 1, rows: int = 1, width: float = 6.0, height: float = 4.0):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise MissingDemoExtra("matplotlib") from error
    figure = Figure(figsize=(width * columns, height * rows), dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def _pillow_image_module():
    try:
        from PIL import Image
    except ImportError as error:
        raise MissingDemoExtra("Pillow") from error
    return Image


def require_demo_extras() -> None:
    """Raise `MissingDemoExtra` now, before any training, if a plotting package is missing.

    >>> require_demo_extras()   # both installed: nothing happens
    """
    _new_figure()
    _pillow_image_module()


# ------------------------------------------------------------------ output


def save_png(figure: "Figure", path: PathLike) -> Path:
    """Write `figure` as a PNG (creating the folder) and return the path.

    >>> import tempfile
    >>> path = save_png(curves_figure({"loss": {"train": [1.0, 0.5]}}), Path(tempfile.mkdtemp()) / "loss.png")
    >>> path.read_bytes()[1:4]   # after the byte 0x89
    b'PNG'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:  # a Ctrl-C never leaves a 0-byte PNG
        figure.savefig(temporary, format="png")
    return path


def figure_to_image(figure: "Figure") -> "Image":
    """Render `figure` to a Pillow RGB image (one frame of an animation).

    >>> figure_to_image(curves_figure({"loss": {"train": [1.0, 0.5]}})).mode
    'RGB'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return _pillow_image_module().fromarray(rgba).convert("RGB")


def save_gif(
    frames: Sequence["Image"], path: PathLike, frame_ms: int = 150, last_frame_ms: int = 2000
) -> Path:
    """Write `frames` as an animated GIF that loops, lingering on the last frame.

    >>> from PIL import Image
    >>> import tempfile
    >>> frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    >>> path = save_gif(frames, Path(tempfile.mkdtemp()) / "two.gif")
    >>> Image.open(path).n_frames
    2
    """
    if not frames:
        raise ValueError("save_gif() needs at least one frame, got none")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    durations = [frame_ms] * (len(frames) - 1) + [last_frame_ms]
    with atomic_path(path) as temporary:  # whole or not at all, like every file written
        _save_frames(frames, temporary, durations)
    return path


def _save_frames(frames: Sequence["Image"], path: str, durations: Sequence[int]) -> None:
    frames[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=list(frames[1:]),
        duration=durations,
        loop=0,
    )


# ----------------------------------------------------------------- figures


def fits_figure(
    x: Curve,
    y: Curve,
    line_x: Curve,
    snapshots: Sequence[Tuple[str, Mapping[str, Curve]]],
    columns: Optional[int] = None,
) -> "Figure":
    """The data as points and each model's prediction as a line, one panel per snapshot.

    `snapshots` is a list of ``(title, {model name: predictions at line_x})``,
    e.g. ``[("Epoch 50", {"linear": [...], "relu": [...]})]``; the y-range is
    the data's, so a wild early fit does not squash the later panels.

    >>> fig = fits_figure([0, 1], [0, 1], [0, 1], [("Epoch 1", {"line": [0.1, 0.9]})])
    >>> fig.axes[0].get_title()
    'Epoch 1'
    """
    columns = columns or len(snapshots)
    rows = -(-len(snapshots) // columns)
    figure, axes = _new_figure(columns, rows, width=4.2, height=3.4)
    low, high = float(np.min(y)), float(np.max(y))
    margin = 0.15 * (high - low or 1.0)
    for ax, (title, predictions) in zip(axes, snapshots):
        ax.scatter(x, y, s=12, color="0.55", label="data")
        for name, predicted in predictions.items():
            ax.plot(line_x, predicted, linewidth=2.2, label=name)
        ax.set_ylim(low - margin, high + margin)
        ax.set_title(title)
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    axes[0].legend(loc="best", fontsize="small")
    for ax in axes[len(snapshots) :]:
        ax.set_visible(False)
    return figure


def curves_figure(
    panels: Mapping[str, Mapping[str, Curve]], log_y: Collection[str] = ()
) -> "Figure":
    """Training curves against the epoch: one panel per metric, one line per series.

    `panels` maps a panel title to ``{series name: value per epoch}``, e.g.
    ``{"loss": {"train": [...], "test": [...]}, "accuracy": {...}}``; panels
    named in `log_y` get a logarithmic y axis (losses that fall by decades).

    >>> fig = curves_figure({"loss": {"train": [2, 1]}, "accuracy": {"train": [0.5, 1]}})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    figure, axes = _new_figure(len(panels), width=4.8 if len(panels) > 1 else 6.0)
    for ax, (title, series) in zip(axes, panels.items()):
        for name, values in series.items():
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, linewidth=2, label=name)
        if title in log_y:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    return figure


def boundary_figure(
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    scores: np.ndarray,
    points: np.ndarray,
    labels: Sequence[int],
    title: str = "",
    test_points: Optional[np.ndarray] = None,
    test_labels: Optional[Sequence[int]] = None,
) -> "Figure":
    """A model's decision boundary: `scores` as a heatmap, the points on top.

    `scores` are the model's outputs on the mesh ``(grid_x, grid_y)`` where
    the sign decides the class (logits or margins: > 0 is the positive class),
    drawn red for positive, blue for negative, with the boundary (score 0) as a
    black line. A point is positive when its label is > 0, so labels may be
    0/1 or -1/+1. Test points, if given, are drawn as triangles.

    >>> grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    >>> fig = boundary_figure(grid_x, grid_y, grid_x, np.array([[0.5, 0.0]]), [1], "x > 0")
    >>> fig.axes[0].get_title()
    'x > 0'
    """
    figure, (ax,) = _new_figure(width=5.0, height=5.2)
    # Colour saturates at |score| = limit, so the far grid corners, where
    # scores grow without bound, do not wash out the region near the
    # boundary, where the interest is.
    limit = max(float(np.percentile(np.abs(scores), 75)), 1e-6)
    ax.contourf(
        grid_x, grid_y, np.clip(scores, -limit, limit), levels=20,
        cmap=HEATMAP, vmin=-limit, vmax=limit, alpha=0.6,
    )  # fmt: skip
    if float(np.min(scores)) < 0.0 < float(np.max(scores)):
        ax.contour(grid_x, grid_y, scores, levels=[0.0], colors="black", linewidths=1.5)
    _scatter_classes(ax, points, labels, marker="o", kind="train")
    if test_points is not None and test_labels is not None:
        _scatter_classes(ax, test_points, test_labels, marker="^", kind="test")
    ax.set_xlim(float(grid_x.min()), float(grid_x.max()))
    ax.set_ylim(float(grid_y.min()), float(grid_y.max()))
    ax.set_title(title)
    figure.legend(loc="outside lower center", ncols=2, fontsize="x-small", frameon=False)
    return figure


def _scatter_classes(ax, points: np.ndarray, labels: Sequence[int], marker: str, kind: str):
    points = np.asarray(points, dtype=float)
    positive = np.asarray(labels) > 0
    for is_positive, colour in zip((False, True), CLASS_COLOURS):
        chosen = points[positive == is_positive]
        if not len(chosen):
            continue
        ax.scatter(
            chosen[:, 0], chosen[:, 1], s=22, marker=marker, color=colour,
            edgecolors="white", linewidths=0.6,
            label=f"{kind}, class {'+' if is_positive else '-'}",
        )  # fmt: skip
