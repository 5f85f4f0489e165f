"""Bar charts drawn on the server as SVG, for the year report's console page.

No chart library and no script: the page must print, archive and read the same in a browser
without JavaScript, and under the console's CSP (`script-src 'self'`, no inline style). Every
chart carries a `<title>` and a `<desc>` (read by screen readers through `role="img"`), and the
page puts a table of the same numbers beside it. A count under the small-count rule ("<5") is
drawn as a flat mark labelled "<5", never as a guessed height. Right to left, the categories
run from the right and the count axis stands on the right, as an Arabic or Kurdish reader
reads a chart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

Count = int | str

WIDTH = 720
HEIGHT = 300
TOP, BOTTOM, SIDE, AXIS = 16, 64, 16, 48
TICKS = 4
# Colours told apart by people with the common colour-vision deficiencies (Okabe–Ito), each
# at least 3:1 against the white page.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8A6D00", "#56707F", "#000000")


@dataclass(frozen=True)
class Series:
    """One set of bars: its name (for the legend) and a count per category."""

    name: str
    values: list[Count]


@dataclass(frozen=True)
class Frame:
    """Where the plot stands on the canvas, and which way it runs."""

    left: float
    width: float
    rtl: bool

    def x(self, index: int, count: int) -> float:
        """Left edge of the `index`th category's slot (from the right when right to left)."""
        slot = self.width / count
        position = count - 1 - index if self.rtl else index
        return self.left + position * slot

    @property
    def axis_x(self) -> float:
        return self.left + self.width if self.rtl else self.left


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    rtl: bool,
    numeral: Callable[[Count], str] = str,
) -> Markup:
    """An accessible SVG bar chart: one group of bars per label, one bar per series. Every
    count on it is written by `numeral` (the reader's digits: an Arabic page's chart writes
    ٢٠, not 20)."""
    top = max([v for s in series for v in s.values if isinstance(v, int)] + [0])
    scale = _nice(top)
    plot = HEIGHT - TOP - BOTTOM
    frame = Frame(left=SIDE if rtl else AXIS, width=WIDTH - AXIS - SIDE, rtl=rtl)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-labelledby="{key}-title {key}-desc" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(description)}</desc>',
        *_grid(frame, scale, plot, numeral),
        *_bars(frame, labels, series, scale, plot, numeral),
        *_legend(frame, series),
        "</svg>",
    ]
    # Every word in `parts` went through `escape`; the rest are numbers and fixed names.
    return Markup("".join(parts))  # noqa: S704


def _nice(top: int) -> int:
    """The axis's top: the largest count rounded up to TICKS steps of 1, 2 or 5 × 10ⁿ."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if step * TICKS >= top:
                return step * TICKS
        magnitude *= 10


def _grid(frame: Frame, scale: int, plot: float, numeral: Callable[[Count], str]) -> list[str]:
    """Horizontal rules at even counts, numbered on the axis side."""
    anchor, shift = ("start", 6) if frame.rtl else ("end", -6)
    lines = []
    for tick in range(TICKS + 1):
        value = scale * tick // TICKS
        y = TOP + plot - plot * tick / TICKS
        lines.append(
            f'<line x1="{frame.left:.1f}" x2="{frame.left + frame.width:.1f}" '
            f'y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d4d9" stroke-width="1"/>'
        )
        lines.append(
            f'<text x="{frame.axis_x + shift:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
            f'direction="ltr" font-size="12" fill="#333">{escape(numeral(value))}</text>'
        )
    return lines


def _bars(
    frame: Frame,
    labels: list[str],
    series: list[Series],
    scale: int,
    plot: float,
    numeral: Callable[[Count], str],
) -> list[str]:
    count = max(len(labels), 1)
    slot = frame.width / count
    bar = slot * 0.8 / max(len(series), 1)
    base = TOP + plot
    shapes = []
    for index, label in enumerate(labels):
        left = frame.x(index, count) + slot * 0.1
        order = list(enumerate(series))
        for position, (number, one) in enumerate(reversed(order) if frame.rtl else order):
            value = one.values[index] if index < len(one.values) else 0
            x = left + position * bar
            colour = PALETTE[number % len(PALETTE)]
            shapes.append(_bar(x, bar, value, scale, plot, base, colour, numeral(value)))
        shapes.append(
            f'<text x="{frame.x(index, count) + slot / 2:.1f}" y="{base + 16:.1f}" '
            f'text-anchor="middle" font-size="12" fill="#333">{escape(label)}</text>'
        )
    return shapes


def _bar(  # noqa: PLR0913 (a bar's place, size, colour and words)
    x: float,
    width: float,
    value: Count,
    scale: int,
    plot: float,
    base: float,
    fill: str,
    shown: str,
) -> str:
    if isinstance(value, int):
        height = plot * value / scale
        return (
            f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{max(width - 1, 1):.1f}" '
            f'height="{height:.1f}" fill="{fill}"><title>{escape(shown)}</title></rect>'
        )
    # A small count: a flat mark and its label, so the reader sees "under the threshold".
    return (
        f'<rect x="{x:.1f}" y="{base - 2:.1f}" width="{max(width - 1, 1):.1f}" height="2" '
        f'fill="{fill}"/><text x="{x + width / 2:.1f}" y="{base - 5:.1f}" text-anchor="middle" '
        f'direction="ltr" font-size="10" fill="#333">{escape(shown)}</text>'
    )


def _legend(frame: Frame, series: list[Series]) -> list[str]:
    """Under the plot, one swatch per series (none for a single series: the title names it)."""
    if len(series) < 2:
        return []
    step = frame.width / len(series)
    y = HEIGHT - 20
    items = []
    for number, one in enumerate(series):
        x = frame.x(number, len(series))
        swatch = x + step - 12 if frame.rtl else x
        text, anchor = (swatch - 6, "end") if frame.rtl else (x + 18, "start")
        items.append(
            f'<rect x="{swatch:.1f}" y="{y - 10:.1f}" width="12" height="12" '
            f'fill="{PALETTE[number % len(PALETTE)]}"/>'
            f'<text x="{text:.1f}" y="{y:.1f}" text-anchor="{anchor}" direction="ltr" '
            f'font-size="12" fill="#333">{escape(one.name)}</text>'
        )
    return items
