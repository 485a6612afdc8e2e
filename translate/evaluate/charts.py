"""Horizontal bar charts as inline SVG elements, for the HTML report (:mod:`.html_report`).

Drawn here rather than with a plotting library because the page must be one self-contained file
and the charts are simple: one row per item (a system, a document), one bar per series (a system)
with an optional 95% confidence whisker. Every bar carries a ``<title>`` (its exact value, shown on
hover and read by screen readers) and the chart an ``aria-label``; the numbers are also in the
tables beside the charts, so nothing is only in a picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree, html
from lxml.builder import ElementMaker

#: SVG elements for a text/html page: no namespace, which the browser's HTML parser supplies for ``<svg>``.
SVG = ElementMaker(makeelement=html.html_parser.makeelement)

#: Series colours (Okabe–Ito, distinguishable with the common colour-vision deficiencies).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

WIDTH = 720
LABEL_WIDTH = 250  # left column for row labels
VALUE_WIDTH = 170  # right margin for the value written after each bar (with "μ = … ± …")
BAR_HEIGHT = 12
BAR_GAP = 2
ROW_GAP = 8
AXIS_HEIGHT = 22
LABEL_CHARS = 38


@dataclass(frozen=True)
class Bar:
    """One bar: a value and, with bootstrap resampling, its 95% interval half-width around ``mean``."""

    value: float
    mean: float | None = None
    ci: float | None = None


@dataclass(frozen=True)
class Row:
    """One item of the chart: its label and one bar per series (``None`` where a series has no value)."""

    label: str
    bars: tuple[Bar | None, ...]


def _fmt(value: float) -> str:
    """Coordinates with two decimals: enough for a screen, short in the file."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(label: str, limit: int = LABEL_CHARS) -> str:
    """A row label cut to fit its column (the full label stays in the row's ``<title>``)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(title: str, series: Sequence[str], rows: Sequence[Row], unit: str = "", decimals: int = 1,
              note: str = "") -> etree._Element:
    """An SVG chart of ``rows`` × ``series``; the axis runs from 0 to 100, or to the largest value above 100.

    ``title`` names the chart for assistive technology; ``note`` (e.g. "lower is better") is
    written under the axis.
    """
    top = max([100.0] + [bar.value + (bar.ci or 0) for row in rows for bar in row.bars if bar is not None])
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    row_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_GAP
    legend = 18 if len(series) > 1 else 0
    height = legend + len(rows) * row_height + AXIS_HEIGHT + (14 if note else 0)

    def x(value: float) -> float:
        return LABEL_WIDTH + plot * max(value, 0.0) / top

    svg = SVG.svg(
        {"viewBox": f"0 0 {WIDTH} {height}", "width": str(WIDTH), "height": str(height), "role": "img",
         "aria-label": title, "class": "chart"},
        SVG.title(title),
    )
    for index, name in enumerate(series if legend else ()):
        left = LABEL_WIDTH + index * 150
        svg.append(SVG.rect(x=_fmt(left), y="3", width="10", height="10", fill=COLOURS[index % len(COLOURS)]))
        svg.append(SVG.text(_text(name, 20), x=_fmt(left + 14), y="12", **{"class": "legend"}))
    for number, row in enumerate(rows):
        y0 = legend + number * row_height
        group = SVG.g({"class": "row"}, SVG.title(row.label))
        group.append(SVG.text(_text(row.label), x=str(LABEL_WIDTH - 6), y=_fmt(y0 + row_height / 2 + 1),
                              **{"class": "label", "text-anchor": "end", "dominant-baseline": "middle"}))
        for index, bar in enumerate(row.bars):
            if bar is None:
                continue
            y = y0 + index * (BAR_HEIGHT + BAR_GAP)
            shown = f"{bar.value:.{decimals}f}{unit}"
            if bar.mean is not None and bar.ci is not None:
                shown += f" (μ = {bar.mean:.{decimals}f} ± {bar.ci:.{decimals}f})"
            rect = SVG.rect(x=str(LABEL_WIDTH), y=_fmt(y), width=_fmt(max(x(bar.value) - LABEL_WIDTH, 0.5)),
                            height=str(BAR_HEIGHT), fill=COLOURS[index % len(COLOURS)])
            rect.append(SVG.title(f"{series[index]}: {shown}"))
            group.append(rect)
            end = x(bar.value)
            if bar.mean is not None and bar.ci is not None:
                low, high, middle = x(bar.mean - bar.ci), x(bar.mean + bar.ci), y + BAR_HEIGHT / 2
                end = max(end, high)
                group.append(SVG.path(d=f"M{_fmt(low)} {_fmt(middle)}H{_fmt(high)}"
                                        f"M{_fmt(low)} {_fmt(y + 2)}V{_fmt(y + BAR_HEIGHT - 2)}"
                                        f"M{_fmt(high)} {_fmt(y + 2)}V{_fmt(y + BAR_HEIGHT - 2)}",
                                      **{"class": "whisker"}))
            group.append(SVG.text(shown, x=_fmt(end + 4), y=_fmt(y + BAR_HEIGHT - 2), **{"class": "value"}))
        svg.append(group)
    axis_y = legend + len(rows) * row_height
    svg.append(SVG.path(d=f"M{LABEL_WIDTH} {_fmt(axis_y)}H{_fmt(LABEL_WIDTH + plot)}", **{"class": "axis"}))
    for tick in range(0, int(top) + 1, 25 if top <= 150 else 50):
        svg.append(SVG.text(str(tick), x=_fmt(x(tick)), y=_fmt(axis_y + 14),
                            **{"class": "tick", "text-anchor": "middle"}))
    if note:
        svg.append(SVG.text(note, x=str(LABEL_WIDTH), y=_fmt(axis_y + 30), **{"class": "note"}))
    return svg
