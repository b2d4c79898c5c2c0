"""Horizontal bar charts as plain data for a server-rendered, accessible SVG."""

from dataclasses import dataclass

LABEL_WIDTH = 320
BAR_AREA = 400
BAR_HEIGHT = 24
GAP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    text: str
    y: int
    text_y: int
    width: int
    value_x: int


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH


def percentage_chart(title: str, rows, *, value: str) -> BarChart:
    """Chart each row's percentage attribute (None shows as "no data") on a 0 to 100 scale."""
    bars = []
    for index, row in enumerate(rows):
        percent = getattr(row, value)
        y = index * (BAR_HEIGHT + GAP)
        width = round(BAR_AREA * (percent or 0) / 100)
        bars.append(
            Bar(
                label=row.label,
                value=percent,
                text="no data" if percent is None else f"{percent}%",
                y=y,
                text_y=y + BAR_HEIGHT - 7,
                width=width,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return BarChart(
        title=title,
        description=description,
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 70,
        height=max(len(bars) * (BAR_HEIGHT + GAP), BAR_HEIGHT),
    )
