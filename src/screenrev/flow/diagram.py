"""The PRISMA 2020 flow diagram, drawn with matplotlib (SVG, PNG or PDF).

The layout is the PRISMA 2020 template for new reviews: phase bars on the left
(Identification, Screening, Included), the databases-and-registers column with the
records removed, excluded and not retrieved to its right, a column for other methods
(websites, organisations, citation searching) when the manifest has them, and one for
the previous version of the review when it has one. Counts that the template has no box
for but that must not be hidden (records awaiting screening, reports awaiting assessment)
are added as lines in the nearest box.

Output is byte-identical for the same flow: fixed font, a fixed SVG hash salt, and no
creation date in the file.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from ..errors import ScreenrevError
from .counts import Flow

FORMATS = ("svg", "png", "pdf")
_FONT_SIZE = 8.0
_LINE = _FONT_SIZE * 1.35 / 72  # inches per line of text
_PAD = 0.09
_GAP_X = 0.45
_GAP_Y = 0.32
_BAR = 0.34
_COLUMN = 2.7
_TITLE_COLOURS = {"new": "#ffd966", "other": "#d9d9d9", "previous": "#d9d9d9"}
_PHASE_COLOUR = "#9dc3e6"


def _n(value: int) -> str:
    # No-break spaces keep "(n = 12)" on one line when the text is wrapped.
    return f"(n\u00a0=\u00a0{value:,})"


def _wrap(lines: list[str], width: float) -> list[str]:
    """Wrap each line to the box width; indented lines keep their indent."""
    chars = max(12, int(width * 72 / (_FONT_SIZE * 0.5)))
    wrapped = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()))
        wrapped += textwrap.wrap(line.strip(), chars - len(indent), initial_indent=indent,
                                 subsequent_indent=indent + "  ") or [""]
    return wrapped


def _breakdown(counts: dict[str, int], indent: str = "    ") -> list[str]:
    return [f"{indent}{name} {_n(n)}" for name, n in counts.items()]


def _excluded(reasons: dict[str, int]) -> list[str]:
    """'Reports excluded (n = …)', with a colon and the reasons when there are any."""
    head = f"Reports excluded {_n(sum(reasons.values()))}"
    return [f"{head}:", *_breakdown(reasons, "  ")] if reasons else [head]


@dataclass
class _Box:
    column: str
    row: int
    lines: list[str]
    width: float = _COLUMN
    x: float = 0.0
    y: float = 0.0
    height: float = 0.0
    below: bool = False
    """Drawn under the other box of its place, dashed: a count that is not a PRISMA box."""


def _boxes(flow: Flow, other: bool, previous: bool, audit: str = "") -> list[_Box]:
    identified = ["Records identified from:", f"  Databases {_n(flow.database_results)}",
                  *_breakdown(flow.database_specific_results),
                  f"  Registers {_n(flow.register_results)}", *_breakdown(flow.register_specific_results)]
    removed = [
        "Records removed before screening:",
        f"  Duplicate records {_n(flow.duplicates)}",
        f"  Records marked as ineligible by automation tools (eligibility rules) {_n(flow.excluded_automatic)}",
        *_breakdown(flow.excluded_automatic_reasons, "      "),
        *([f"      {audit}"] if audit else []),
        f"  Records removed for other reasons {_n(flow.records_unscreened)}",
    ]
    if flow.stopping_rule:
        removed.append(f"      not screened after the stopping rule: {flow.stopping_rule}")
    not_retrieved = [f"Reports not retrieved {_n(flow.dbr_notretrieved_reports)}"]
    if flow.reports_awaiting:
        not_retrieved.append(f"Reports awaiting assessment {_n(flow.reports_awaiting)}")
    boxes = [
        _Box("main", 1, identified),
        _Box("main_side", 1, removed),
        _Box("main", 2, [f"Records screened {_n(flow.records_screened)}"]),
        _Box("main_side", 2, [f"Records excluded {_n(flow.records_excluded)}",
                              *_breakdown(flow.records_excluded_reasons, "  ")]),
        *([_Box("main_side", 2, [f"Records not yet screened: no title/abstract decision yet "
                                 f"{_n(flow.records_awaiting)}"], below=True)] if flow.records_awaiting else []),
        _Box("main", 3, [f"Reports sought for retrieval {_n(flow.dbr_sought_reports)}"]),
        _Box("main_side", 3, not_retrieved),
        _Box("main", 4, [f"Reports assessed for eligibility {_n(flow.dbr_assessed)}"]),
        _Box("main_side", 4, _excluded(flow.dbr_excluded)),
        _Box("main", 5, [f"New studies included in review {_n(flow.new_studies)}",
                         f"Reports of new included studies {_n(flow.new_reports)}"]),
    ]
    if other:
        boxes += _other_boxes(flow)
    if previous:
        boxes += [
            _Box("previous", 1, [f"Studies included in previous version of review {_n(flow.previous_studies)}",
                                 "", f"Reports of studies included in previous version of review "
                                     f"{_n(flow.previous_reports)}"]),
            _Box("previous", 6, [f"Total studies included in review {_n(flow.total_studies)}",
                                 f"Reports of total included studies {_n(flow.total_reports)}"]),
        ]
    return boxes


def _other_boxes(flow: Flow) -> list[_Box]:
    """The other-methods column: identified, then (when its records were imported and
    screened) removed and screened, then sought, not retrieved, assessed and excluded."""
    identified = ["Records identified from:", f"  Websites {_n(flow.website_results)}",
                  f"  Organisations {_n(flow.organisation_results)}",
                  f"  Citation searching {_n(flow.citations_results)}"]
    if flow.other_results:
        identified.append(f"  Other sources {_n(flow.other_results)}")
    not_retrieved = [f"Reports not retrieved {_n(flow.other_notretrieved_reports)}"]
    if flow.other_reports_awaiting:
        not_retrieved.append(f"Reports awaiting assessment {_n(flow.other_reports_awaiting)}")
    boxes = [_Box("other", 1, identified)]
    if flow.other_identified:
        removed = ["Records removed before screening:",
                   f"  Found already (duplicates) {_n(flow.other_duplicates)}",
                   f"  Marked as ineligible by automation tools {_n(flow.other_excluded_automatic)}",
                   *_breakdown(flow.other_excluded_automatic_reasons, "    ")]
        if flow.other_records_unscreened:
            removed.append(f"  Not screened after the stopping rule {_n(flow.other_records_unscreened)}")
        boxes += [_Box("other_side", 1, removed),
                  _Box("other", 2, [f"Records screened {_n(flow.other_records_screened)}"]),
                  _Box("other_side", 2, [f"Records excluded {_n(flow.other_records_excluded)}",
                                         *_breakdown(flow.other_records_excluded_reasons, "  ")])]
        if flow.other_records_awaiting:
            boxes.append(_Box("other_side", 2, [f"Records not yet screened: no title/abstract decision yet "
                                                f"{_n(flow.other_records_awaiting)}"], below=True))
    return boxes + [
        _Box("other", 3, [f"Reports sought for retrieval {_n(flow.other_sought_reports)}"]),
        _Box("other_side", 3, not_retrieved),
        _Box("other", 4, [f"Reports assessed for eligibility {_n(flow.other_assessed)}"]),
        _Box("other_side", 4, _excluded(flow.other_excluded)),
    ]


def _layout(boxes: list[_Box], columns: list[str]) -> tuple[dict[str, float], list[float], list[float]]:
    """Place boxes: x per column, top y and height per row (inches, y grows downwards)."""
    x, left = {}, _BAR + _GAP_X
    for column in columns:
        x[column] = left
        left += _COLUMN + _GAP_X
    rows = max(box.row for box in boxes)
    heights = [0.0] * (rows + 1)
    for box in boxes:
        box.lines = _wrap(box.lines, box.width - 2 * _PAD)
        box.height = len(box.lines) * _LINE + 2 * _PAD
    above = {(box.column, box.row): box for box in boxes if not box.below}
    for box in boxes:
        stacked = box.height + (above[(box.column, box.row)].height + _GAP_Y / 2 if box.below else 0)
        heights[box.row] = max(heights[box.row], stacked)
    tops, top = [0.0] * (rows + 1), 0.25  # row 0 holds the title boxes
    heights[0] = 0.42
    # The Included bar must be tall enough for its word.
    heights[5] = max(heights[5], 0.8 - (heights[6] + _GAP_Y if rows >= 6 else 0))
    for row in range(rows + 1):
        tops[row] = top
        top += heights[row] + _GAP_Y
    for box in boxes:
        box.x, box.y = x[box.column], tops[box.row]
        if box.below:
            box.y += above[(box.column, box.row)].height + _GAP_Y / 2
    return x, tops, heights


def draw(flow: Flow, path: Path, *, audit: str = "") -> None:
    """Draw the flow diagram to ``path`` (format from its suffix: .svg, .png or .pdf); ``audit``
    is the rules audit's line, written under the automation box."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ScreenrevError(f"{path}: the diagram is written as SVG, PNG or PDF (name the file .svg, .png or .pdf)")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    other = any((flow.website_results, flow.organisation_results, flow.citations_results, flow.other_results,
                 flow.other_sought_reports))
    previous = bool(flow.previous_studies or flow.previous_reports)
    columns = (["previous"] if previous else []) + ["main", "main_side"] + (["other", "other_side"] if other else [])
    boxes = _boxes(flow, other, previous, audit)
    x, tops, heights = _layout(boxes, columns)
    width = x[columns[-1]] + _COLUMN + 0.3
    height = tops[-1] + heights[-1] + 0.3
    settings = {"svg.hashsalt": "screenrev", "svg.fonttype": "path", "font.family": "DejaVu Sans",
                "font.size": _FONT_SIZE, "pdf.compression": 6}
    with rc_context(settings):
        figure = Figure(figsize=(width, height))
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(0, width)
        axes.set_ylim(height, 0)
        axes.axis("off")
        _draw_titles(axes, x, tops, heights, columns)
        _draw_phases(axes, tops, heights, len(tops) - 1)
        by_place = {(box.column, box.row): box for box in boxes if not box.below}
        for box in boxes:
            _draw_box(axes, box)
        _draw_arrows(axes, by_place, tops, heights)
        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}, "png": {}}[suffix]
        figure.savefig(path, format=suffix, metadata=metadata, dpi=200)


def _draw_box(axes, box: _Box, fill: str = "white", centred: bool = False) -> None:
    from matplotlib.patches import Rectangle

    axes.add_patch(Rectangle((box.x, box.y), box.width, box.height, facecolor=fill, edgecolor="black",
                             linewidth=0.8, linestyle="--" if box.below else "-"))
    if centred:
        axes.text(box.x + box.width / 2, box.y + box.height / 2, "\n".join(box.lines), va="center",
                  ha="center", linespacing=1.35, fontweight="bold")
    else:
        axes.text(box.x + _PAD, box.y + _PAD, "\n".join(box.lines), va="top", ha="left", linespacing=1.35)


def _draw_titles(axes, x, tops, heights, columns) -> None:
    titles = [("main", "Identification of new studies via databases and registers", "new"),
              ("other", "Identification of new studies via other methods", "other"),
              ("previous", "Previous studies", "previous")]
    for column, text, colour in titles:
        if column not in x:
            continue
        span = 2 * _COLUMN + _GAP_X if column != "previous" else _COLUMN
        box = _Box(column, 0, _wrap([text], span - 2 * _PAD), width=span, x=x[column], y=tops[0],
                   height=heights[0])
        _draw_box(axes, box, _TITLE_COLOURS[colour], centred=True)


def _draw_phases(axes, tops, heights, last_row) -> None:
    from matplotlib.patches import Rectangle

    phases = [("Identification", 1, 1), ("Screening", 2, 4), ("Included", 5, last_row)]
    for name, first, last in phases:
        top, bottom = tops[first], tops[last] + heights[last]
        axes.add_patch(Rectangle((0.15, top), _BAR, bottom - top, facecolor=_PHASE_COLOUR, edgecolor="black",
                                 linewidth=0.8))
        axes.text(0.15 + _BAR / 2, (top + bottom) / 2, name, rotation=90, ha="center", va="center",
                  fontweight="bold")


def _arrow(axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.8,
                                                         "shrinkA": 0, "shrinkB": 0, "mutation_scale": 9})


def _draw_arrows(axes, by_place: dict, tops, heights) -> None:
    for stream, side in (("main", "main_side"), ("other", "other_side")):
        rows = sorted(row for column, row in by_place if column == stream)
        for above, below in zip(rows, rows[1:]):
            box = by_place[(stream, above)]
            middle = box.x + box.width / 2
            _arrow(axes, (middle, box.y + box.height), (middle, tops[below]))
        for row in rows:
            if (side, row) in by_place:
                box, target = by_place[(stream, row)], by_place[(side, row)]
                level = box.y + min(box.height, target.height) / 2
                _arrow(axes, (box.x + box.width, level), (target.x, level))
    if ("other", 4) in by_place:
        source, target = by_place[("other", 4)], by_place[("main", 5)]
        middle = source.x + source.width / 2
        level = target.y + target.height / 2
        axes.plot([middle, middle], [source.y + source.height, level], color="black", linewidth=0.8)
        _arrow(axes, (middle, level), (target.x + target.width, level))
    if ("previous", 1) in by_place:
        source, total = by_place[("previous", 1)], by_place[("previous", 6)]
        middle = source.x + source.width / 2
        _arrow(axes, (middle, source.y + source.height), (middle, total.y))
        new = by_place[("main", 5)]
        level = total.y + total.height / 2
        start = new.x + new.width / 2
        axes.plot([start, start], [new.y + new.height, level], color="black", linewidth=0.8)
        _arrow(axes, (start, level), (total.x + total.width, level))
