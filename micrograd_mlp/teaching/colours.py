"""The library's one visual language: every picture, drawing and page takes its colours here.

(The README's "What the colours mean" says the same in words; the pages' CSS and
scripts use the same hex values.)

* Signs: blue is positive, red is negative: a weight, a gradient, a model output,
  and so the class an output votes for (class 1 blue, class 0 red); paler is smaller.
* Roles in graph drawings, colours of neither sign: parameters green, inputs grey,
  computed values white, the output lavender.
* "Look here" (the node a backward step is at, what you picked): amber under a
  black outline, never a sign.
* Curves: purple and orange (train, test), then green and grey.

Text on a colour is black or white, whichever has the larger WCAG contrast
(`ink_on`); the legends' swatches all reach AA's 4.5:1.

>>> ink_on(POSITIVE_COLOUR), ink_on(HIGHLIGHT_COLOUR), round(contrast_ratio("#ffffff", NEGATIVE_COLOUR), 1)
('#ffffff', '#000000', 6.9)
"""

from __future__ import annotations

from typing import Tuple

__all__ = [
    "POSITIVE_COLOUR", "NEGATIVE_COLOUR", "POSITIVE_RGB", "NEGATIVE_RGB", "NOT_FINITE_COLOUR", "ROLE_COLOURS",
    "HIGHLIGHT_COLOUR", "HIGHLIGHT_OUTLINE", "LINE_COLOURS", "mix", "contrast_ratio", "ink_on",
]  # fmt: skip

POSITIVE_RGB, NEGATIVE_RGB = (33, 102, 172), (178, 24, 43)
POSITIVE_COLOUR, NEGATIVE_COLOUR = "#2166ac", "#b2182b"  # the same, as hex
NOT_FINITE_COLOUR = "#ffff66"  # a NaN or infinite grad: no sign to show
ROLE_COLOURS = {
    "parameter": "#c7e9c0",
    "input": "#e0e0e0",
    "intermediate": "#ffffff",
    "output": "#dadaeb",
}
# "Look here": amber under a black outline, with black text on it (contrast 13:1).
HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE = "#ffd54f", "#000000"
# Lines for models and series (train, test, ...): neither blue nor red, which mean signs.
LINE_COLOURS = ("#7b3294", "#e08214", "#1b9e77", "#525252")


def mix(rgb: Tuple[int, int, int], strength: float) -> str:
    """The colour `rgb` faded towards white; strength 0 is white, 1 is `rgb`.

    >>> mix(POSITIVE_RGB, 1.0), mix(POSITIVE_RGB, 0.0)
    ('#2166ac', '#ffffff')
    """
    channels = (round(255 + (c - 255) * strength) for c in rgb)
    return "#" + "".join(f"{c:02x}" for c in channels)


def _luminance(colour: str) -> float:
    """WCAG's relative luminance of "#rrggbb"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(one: str, other: str) -> float:
    """WCAG's contrast ratio of two "#rrggbb" colours, 1 to 21 (AA asks 4.5 for text).

    >>> round(contrast_ratio("#ffffff", POSITIVE_COLOUR), 1), round(contrast_ratio("#000000", POSITIVE_COLOUR), 1)
    (5.9, 3.6)
    """
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ink_on(fill: str) -> str:
    """Black or white text, whichever reads better on `fill`."""
    return max(("#000000", "#ffffff"), key=lambda ink: contrast_ratio(ink, fill))
