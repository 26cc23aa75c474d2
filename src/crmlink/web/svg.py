"""SVG drawn on the server (no JS library): a workflow's diagram and a calls-per-day chart.

Every text (activity names and types, account names) is escaped here: a name is untrusted
and the SVG is inserted into the page as markup. Colours are presentation attributes,
never `style` (the CSP allows no inline styles).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from crmlink.workflow.model import TRANSITIONS, Workflow

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 58, 70, 22, 12
EDGE_COLOURS = {"next": "#0b5cad", "rejects": "#b7791f", "errors": "#b42318"}
STATUS_FILL = {"succeeded": "#e6f4ea", "failed": "#fde7e7", "running": "#fff4d6",
               "skipped": "#f0f0f0"}  # fmt: skip


@dataclass(frozen=True)
class Counts:
    """What an activity's box says of its last run."""

    status: str
    rows_in: int
    rows_out: int
    rows_rejected: int


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def layout(workflow: Workflow) -> dict[str, tuple[int, int]]:
    """activity -> (column, row): the column is its depth from a start activity."""
    incoming = workflow.incoming()
    depth: dict[str, int] = {}
    for name in workflow.order():  # upstream first
        ups = incoming.get(name, [])
        depth[name] = max((depth[up] + 1 for up, _ in ups), default=0)
    rows: dict[int, int] = {}
    placed = {}
    for name in workflow.activities:  # file order within a column
        column = depth[name]
        placed[name] = (column, rows.get(column, 0))
        rows[column] = rows.get(column, 0) + 1
    return placed


def _origin(cell: tuple[int, int]) -> tuple[int, int]:
    return PAD + cell[0] * (BOX_W + GAP_X), PAD + cell[1] * (BOX_H + GAP_Y)


def diagram(workflow: Workflow, counts: dict[str, Counts] | None = None) -> str:
    """The activities as boxes in columns by depth, transitions as labelled arrows."""
    counts = counts or {}
    cells = layout(workflow)
    width = PAD * 2 + (max(c for c, _ in cells.values()) + 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + (max(r for _, r in cells.values()) + 1) * (BOX_H + GAP_Y) - GAP_Y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="Diagram of workflow {_text(workflow.name)}">',
        _markers(),
    ]
    parts += _edges(workflow, cells)
    parts += [_box(name, config.type, cells[name], counts.get(name))
              for name, config in workflow.activities.items()]  # fmt: skip
    parts.append("</svg>")
    return "\n".join(parts)


def _markers() -> str:
    defs = "".join(
        f'<marker id="arrow-{key}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for key, colour in EDGE_COLOURS.items()
    )
    return f"<defs>{defs}</defs>"


def _edges(workflow: Workflow, cells: dict[str, tuple[int, int]]) -> list[str]:
    drawn = []
    for name, config in workflow.activities.items():
        for key in TRANSITIONS:
            for target in getattr(config, key):
                drawn.append(_edge(name, target, key, cells))
    return drawn


def _edge(source: str, target: str, key: str, cells: dict[str, tuple[int, int]]) -> str:
    sx, sy = _origin(cells[source])
    tx, ty = _origin(cells[target])
    x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H // 2, tx, ty + BOX_H // 2
    colour = EDGE_COLOURS[key]
    label_x, label_y = (x1 + x2) // 2, (y1 + y2) // 2 - 4
    return (
        f'<g class="transition" data-from="{_text(source)}" data-to="{_text(target)}" '
        f'data-kind="{key}"><line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
        f'stroke-width="1.5" marker-end="url(#arrow-{key})"/>'
        f'<text x="{label_x}" y="{label_y}" font-size="11" text-anchor="middle" '
        f'fill="{colour}">{key}</text></g>'
    )


def _box(name: str, type_: str, cell: tuple[int, int], counts: Counts | None) -> str:
    x, y = _origin(cell)
    fill = STATUS_FILL.get(counts.status, "#ffffff") if counts else "#ffffff"
    lines = [
        f'<g class="activity" data-name="{_text(name)}">',
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
        'stroke="#57606a"/>',
        f'<text x="{x + 8}" y="{y + 17}" font-size="13" font-weight="600">{_text(name)}</text>',
        f'<text x="{x + 8}" y="{y + 33}" font-size="11" fill="#57606a">{_text(type_)}'
        f"{' · ' + _text(counts.status) if counts else ''}</text>",
    ]
    if counts:
        shown = f"in {counts.rows_in} · out {counts.rows_out} · rejected {counts.rows_rejected}"
        lines.append(f'<text x="{x + 8}" y="{y + 49}" font-size="11">{shown}</text>')
    lines.append("</g>")
    return "".join(lines)


CHART_W, CHART_H, BAR_GAP, AXIS = 420, 120, 2, 18


def calls_chart(account: str, days: list[dt.date], calls: dict[dt.date, int]) -> str:
    """Bars of API calls per day over `days` (oldest first); the tallest bar is full height."""
    top = max([calls.get(day, 0) for day in days] + [1])
    slot = CHART_W / len(days)
    bars = []
    for index, day in enumerate(days):
        value = calls.get(day, 0)
        height = round((CHART_H - AXIS) * value / top)
        x = round(index * slot + BAR_GAP, 1)
        bars.append(
            f'<rect class="bar" x="{x}" y="{CHART_H - AXIS - height}" '
            f'width="{round(slot - 2 * BAR_GAP, 1)}" height="{height}" fill="#0b5cad" '
            f'data-day="{day.isoformat()}" data-calls="{value}">'
            f"<title>{day.isoformat()}: {value} API calls</title></rect>"
        )
    first, last = days[0].strftime("%m-%d"), days[-1].strftime("%m-%d")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{CHART_W}" '
        f'height="{CHART_H}" viewBox="0 0 {CHART_W} {CHART_H}" '
        f'aria-label="API calls per day of account {_text(account)}">'
        + "".join(bars)
        + f'<line x1="0" y1="{CHART_H - AXIS}" x2="{CHART_W}" y2="{CHART_H - AXIS}" '
        'stroke="#57606a"/>'
        f'<text x="0" y="{CHART_H - 4}" font-size="11" fill="#57606a">{first}</text>'
        f'<text x="{CHART_W}" y="{CHART_H - 4}" font-size="11" fill="#57606a" '
        f'text-anchor="end">{last}</text>'
        f'<text x="{CHART_W}" y="12" font-size="11" fill="#57606a" text-anchor="end">'
        f"max {top}/day</text></svg>"
    )
