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
(600, 400)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..extras import install_command
from ..files import atomic_path
from .colours import LINE_COLOURS, NEGATIVE_COLOUR, POSITIVE_COLOUR

if TYPE_CHECKING:  # imported for type hints only: both are optional dependencies
    from matplotlib.figure import Figure
    from PIL.Image import Image

__all__ = [
    "colour_limit",
    "MissingDemoExtra",
    "require_demo_extras",
    "save_png",
    "figure_to_image",
    "save_gif",
    "fits_figure",
    "curves_figure",
    "boundary_figure",
    "class_colours",
    "multiclass_boundary_figure",
    "confusion_figure",
    "digits_figure",
]

PathLike = Union[str, os.PathLike]
Curve = Sequence[float]

# Sized to be read on a projector from the back of a room: 100 dots per inch,
# text of 13-16 pt (17-22 px), a single fits panel or boundary at least 640 px.
DPI = 100
FONT_SIZES = {"text": 14, "title": 16, "label": 15, "ticks": 13, "legend": 13}
# One colour scheme with the graph drawings (viz) and the playground: blue positive,
# red negative. A logit > 0 votes for class 1: class 1 and high scores are blue,
# class 0 and low scores red; the heatmap (RdBu) runs red to blue. Two classes are
# named by their labels, "class 1" and "class 0", as in the playground.
CLASS_COLOURS = (NEGATIVE_COLOUR, POSITIVE_COLOUR)  # (class 0, class 1)
HEATMAP = "RdBu"


class MissingDemoExtra(ImportError):
    """matplotlib or Pillow is not installed; the message says how to get them.

    >>> str(MissingDemoExtra("matplotlib")).split(". ")[-1].split(": ")[0]
    'Install the demos extra'
    """

    def __init__(self, package: str) -> None:
        super().__init__(
            f"the demos draw their pictures with matplotlib and Pillow, and {package} is not "
            f"installed. Install the demos extra: {install_command('demos')}"
        )
        self.package = package


def _new_figure(columns: int = 1, rows: int = 1, width: float = 6.0, height: float = 4.0):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise MissingDemoExtra("matplotlib") from error
    figure = Figure(figsize=(width * columns, height * rows), dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, [_classroom(ax) for row in axes for ax in row]


def _classroom(ax):
    """Tick labels, axis labels and titles at sizes readable on a projector."""
    ax.tick_params(labelsize=FONT_SIZES["ticks"])
    ax.title.set_fontsize(FONT_SIZES["title"])
    ax.xaxis.label.set_fontsize(FONT_SIZES["label"])
    ax.yaxis.label.set_fontsize(FONT_SIZES["label"])
    return ax


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
    columns = columns or (len(snapshots) if len(snapshots) <= 2 else 2)
    rows = -(-len(snapshots) // columns)
    figure, axes = _new_figure(columns, rows, width=6.4, height=4.8)
    low, high = float(np.min(y)), float(np.max(y))
    margin = 0.15 * (high - low or 1.0)
    for ax, (title, predictions) in zip(axes, snapshots):
        ax.scatter(x, y, s=20, color="0.55", label="data")
        for k, (name, predicted) in enumerate(predictions.items()):
            ax.plot(line_x, predicted, linewidth=3, label=name, color=LINE_COLOURS[k % len(LINE_COLOURS)])
        ax.set_ylim(low - margin, high + margin)
        ax.set_title(title, fontsize=FONT_SIZES["title"])
        ax.set_xlabel("x")
    for ax in axes[::columns]:
        ax.set_ylabel("y")
    axes[0].legend(loc="best", fontsize=FONT_SIZES["legend"])
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
        for k, (name, values) in enumerate(series.items()):
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, linewidth=2.5, label=name, color=LINE_COLOURS[k % len(LINE_COLOURS)])
        if title in log_y:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=FONT_SIZES["title"])
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=FONT_SIZES["legend"])
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
    limit: Optional[float] = None,
) -> "Figure":
    """A model's decision boundary: `scores` as a heatmap, the points on top.

    `scores` are the model's outputs on the mesh ``(grid_x, grid_y)`` where
    the sign decides the class (logits or margins: > 0 is class 1), drawn blue
    for positive (class 1), red for negative (class 0), as signs are in the
    graph drawings, with the boundary (score 0) as a black line and a colour
    bar naming the score. A point is class 1 when its label is > 0, so labels
    may be 0/1 or -1/+1. Test points, if given, are drawn as triangles. The
    axes are the two inputs, x1 and x2.

    The colour is full at |score| = `limit` (default: this picture's 75th
    percentile of |score|). The frames of an animation pass one `limit`, so
    that one shade means one logit in every frame.

    >>> grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    >>> fig = boundary_figure(grid_x, grid_y, grid_x, np.array([[0.5, 0.0]]), [1], "x > 0")
    >>> fig.axes[0].get_title()
    'x > 0'
    """
    figure, (ax,) = _new_figure(width=7.2, height=7.0)
    # Colour saturates at |score| = limit, so the far grid corners, where
    # scores grow without bound, do not wash out the region near the
    # boundary, where the interest is.
    if limit is None:
        limit = colour_limit([scores])
    heat = ax.contourf(
        # levels over the whole scale (not the data's range): the colour bar is the same in every frame
        grid_x, grid_y, np.clip(scores, -limit, limit), levels=np.linspace(-limit, limit, 41),
        cmap=HEATMAP, vmin=-limit, vmax=limit, alpha=0.6,
    )  # fmt: skip
    bar = figure.colorbar(heat, ax=ax, shrink=0.8, ticks=[-limit, 0.0, limit])
    bar.ax.set_yticklabels([f"{-limit:.2g} (class 0)", "0 (boundary)", f"{limit:.2g} (class 1)"])
    bar.set_label("model output (logit)", fontsize=FONT_SIZES["label"])
    bar.ax.tick_params(labelsize=FONT_SIZES["ticks"])
    if float(np.min(scores)) < 0.0 < float(np.max(scores)):
        ax.contour(grid_x, grid_y, scores, levels=[0.0], colors="black", linewidths=1.5)
    _scatter_classes(ax, points, labels, marker="o", kind="train")
    if test_points is not None and test_labels is not None:
        _scatter_classes(ax, test_points, test_labels, marker="^", kind="test")
    ax.set_xlim(float(grid_x.min()), float(grid_x.max()))
    ax.set_ylim(float(grid_y.min()), float(grid_y.max()))
    ax.set_title(title, fontsize=FONT_SIZES["title"])
    ax.set_xlabel("x1 (input 1)")
    ax.set_ylabel("x2 (input 2)")
    figure.legend(loc="outside lower center", ncols=2, fontsize=FONT_SIZES["legend"], frameon=False)
    return figure


def colour_limit(frames: Sequence[np.ndarray]) -> float:
    """One colour scale for several boundary pictures: the largest 75th percentile of |score|.

    >>> colour_limit([np.array([0.1, -0.2]), np.array([4.0, -8.0, 2.0, 1.0])])
    5.0
    """
    return max(max(float(np.percentile(np.abs(scores), 75)) for scores in frames), 1e-6)


def _scatter_classes(ax, points: np.ndarray, labels: Sequence[int], marker: str, kind: str):
    points = np.asarray(points, dtype=float)
    positive = np.asarray(labels) > 0
    for is_positive, colour in zip((False, True), CLASS_COLOURS):
        chosen = points[positive == is_positive]
        if not len(chosen):
            continue
        ax.scatter(
            chosen[:, 0], chosen[:, 1], s=40, marker=marker, color=colour,
            edgecolors="white", linewidths=0.8,
            label=f"{kind}, class {1 if is_positive else 0}",
        )  # fmt: skip


# --------------------------------------------------------- several classes

# One colour per class for k-class pictures (Okabe & Ito's palette, told apart
# with any colour vision, also on a washed-out projector); matplotlib's tab10
# beyond eight classes.
MULTICLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def class_colours(classes: int) -> Tuple[str, ...]:
    """One colour per class, the same in every k-class picture.

    >>> class_colours(3)
    ('#0072B2', '#E69F00', '#009E73')
    """
    if classes <= len(MULTICLASS_COLOURS):
        return MULTICLASS_COLOURS[:classes]
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return tuple(to_hex(colormaps["tab10" if classes <= 10 else "tab20"](i)) for i in range(classes))


def multiclass_boundary_figure(
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    probabilities: np.ndarray,
    points: np.ndarray,
    labels: Sequence[int],
    title: str = "",
    test_points: Optional[np.ndarray] = None,
    test_labels: Optional[Sequence[int]] = None,
    class_names: Optional[Sequence[str]] = None,
) -> "Figure":
    """The regions of k classes: each grid point in its predicted class's colour, faint where unsure.

    `probabilities` has shape ``grid_x.shape + (k,)`` (softmax of the logits on
    the mesh). The colour is the argmax's; its strength the probability of that
    class, from white (1/k, a coin toss) to full (1.0). Black lines mark where
    the predicted class changes. Training points are circles, test points
    triangles, each in its true class's colour.

    >>> grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 4))
    >>> probs = np.stack([grid_x > 0, grid_x <= 0, 0 * grid_x], axis=-1).astype(float)
    >>> fig = multiclass_boundary_figure(grid_x, grid_y, probs, np.array([[0.5, 0.0]]), [0], "halves")
    >>> fig.axes[0].get_title()
    'halves'
    """
    from matplotlib.colors import to_rgb

    probabilities = np.asarray(probabilities, dtype=float)
    k = probabilities.shape[-1]
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(k)]
    colours = class_colours(k)
    figure, (ax,) = _new_figure(width=8.0, height=7.6)  # for a projector, as boundary_figure
    predicted = probabilities.argmax(axis=-1)
    confidence = probabilities.max(axis=-1)
    strength = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[..., None]
    rgb = np.array([to_rgb(c) for c in colours])[predicted]
    # 0.15 to 0.6 of the class colour over white: the points on top stay visible
    image = 1.0 - (0.15 + 0.45 * strength) * (1.0 - rgb)
    extent = (float(grid_x.min()), float(grid_x.max()), float(grid_y.min()), float(grid_y.max()))
    ax.imshow(image, origin="lower", extent=extent, aspect="auto", interpolation="bilinear")
    # One outline per class region, where its probability meets the best other class's
    # (p_c - max_other = 0): interpolated between grid points, a smooth line, not the
    # staircase of the argmax's cells; neighbouring outlines coincide.
    for c in np.unique(predicted) if len(np.unique(predicted)) > 1 else ():
        others = np.delete(probabilities, c, axis=-1).max(axis=-1)
        ax.contour(grid_x, grid_y, probabilities[..., c] - others, levels=[0.0], colors="black", linewidths=1.2)
    for marker, kind, xy, ys in (("o", "train", points, labels), ("^", "test", test_points, test_labels)):
        if xy is None or ys is None:
            continue
        xy, ys = np.asarray(xy, dtype=float), np.asarray(ys)
        for c in range(k):
            chosen = xy[ys == c]
            if len(chosen):
                ax.scatter(chosen[:, 0], chosen[:, 1], s=40, marker=marker, color=colours[c],
                           edgecolors="black", linewidths=0.5, label=f"{kind}, {names[c]}")  # fmt: skip
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("x1 (input 1)")
    ax.set_ylabel("x2 (input 2)")
    ax.set_title(title, fontsize=FONT_SIZES["title"])
    # two columns: the training points' classes, then the test points'
    figure.legend(loc="outside lower center", ncols=2, fontsize=FONT_SIZES["legend"], frameon=False)
    return figure


def confusion_figure(matrix: np.ndarray, class_names: Optional[Sequence[str]] = None, title: str = "") -> "Figure":
    """A confusion matrix as a picture: rows the true class, columns the predicted one, counts written in.

    Right answers (the diagonal) are green, mistakes red, darker for more;
    a mistake never made is left blank, so the real ones stand out.

    >>> fig = confusion_figure(np.array([[5, 1], [0, 4]]), ["cat", "dog"], "pets")
    >>> fig.axes[0].get_xlabel(), len(fig.axes[0].texts)    # 5, 1 and 4: the 0 is blank
    ('predicted class', 3)
    """
    matrix = np.asarray(matrix)
    k = len(matrix)
    names = list(class_names) if class_names is not None else [str(c) for c in range(k)]
    size = max(4.0, 0.5 * k + 1.8)
    figure, (ax,) = _new_figure(width=size, height=size)
    right = np.eye(k, dtype=bool)
    # Shade each cell by its share of its row (its true class): comparable across classes.
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    rgb = np.ones((k, k, 3))
    green, red = np.array([0.0, 0.55, 0.25]), np.array([0.8, 0.1, 0.1])
    rgb[right] = 1.0 - share[right][:, None] * (1.0 - green)
    # mistakes are rare: even one must show, more are darker
    wrong_strength = np.where(matrix[~right] > 0, np.clip(0.3 + share[~right] * 4.0, 0.0, 1.0), 0.0)
    rgb[~right] = 1.0 - wrong_strength[:, None] * (1.0 - red)
    ax.imshow(rgb, interpolation="nearest")
    for i in range(k):
        for j in range(k):
            if matrix[i, j] or i == j:
                dark = share[i, j] > 0.5 if i == j else 0.3 + share[i, j] * 4.0 > 0.6
                ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize="large",
                        color="white" if dark else "black")  # fmt: skip
    # sizes to be read on a projector
    ax.set_xticks(range(k), names, fontsize="large")
    ax.set_yticks(range(k), names, fontsize="large")
    ax.set_xlabel("predicted class", fontsize="large")
    ax.set_ylabel("true class", fontsize="large")
    ax.set_title(title, fontsize="large")
    return figure


def digits_figure(
    images: np.ndarray, true_labels: Sequence[int], predicted: Sequence[int], title: str = "", columns: int = 8
) -> "Figure":
    """Small grey pictures (e.g. 8x8 digits), each titled with its true and predicted label.

    `images` has shape ``(n, side * side)`` or ``(n, side, side)``, values in
    [0, 1] (dark is ink). A wrong prediction's title is red.

    >>> fig = digits_figure(np.zeros((2, 64)), [3, 5], [3, 6], "two digits")
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['3 as 3', '5 as 6']
    """
    images = np.asarray(images, dtype=float)
    n = len(images)
    if n == 0:
        raise ValueError("digits_figure() needs at least one image")
    side = int(round(np.sqrt(images[0].size)))
    images = images.reshape(n, side, side)
    columns = min(columns, n)
    rows = -(-n // columns)
    figure, axes = _new_figure(columns, rows, width=1.3, height=1.5)
    for ax, image, truth, guess in zip(axes, images, true_labels, predicted):
        ax.imshow(image, cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(f"{truth} as {guess}", fontsize="medium", color="black" if truth == guess else "#b2182b")
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.set_visible(False)
    if title:
        figure.suptitle(title)
    return figure
