"""A school's colour behind its pages' white header text: readable only with a WCAG 2.1 contrast of 4.5:1 or more
(success criterion 1.4.3). Plain functions."""

from __future__ import annotations

HEADER_TEXT = "#ffffff"
MIN_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    """Relative luminance of an ``#rrggbb`` colour (WCAG 2.1)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darker_shade(colour: str) -> str:
    """The lightest shade of ``colour`` (same hue, darker) that reaches the contrast with the header text."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(100, -1, -1):
        shade = "#{:02x}{:02x}{:02x}".format(*(round(c * step / 100) for c in (red, green, blue)))
        if contrast(shade, HEADER_TEXT) >= MIN_CONTRAST:
            return shade
    return "#000000"
