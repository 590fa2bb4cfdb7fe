"""The search report PRISMA-S asks for, from the review's manifest and records.

PRISMA-S (Rethlefsen et al. 2021) asks for each database its name and platform (items 1–2),
the other methods with their dates (items 3–7), the full strategy as run (8), limits and
filters (9), the date of the search (13), whether the strategy was peer reviewed (14), the
records each search returned (15) and how duplicates were removed (16). A review folder
holds all of it: each search's entry in ``screenrev.toml`` (``interface``, ``searched``,
``strategy`` or ``strategy_file``, ``limits``, ``peer_review``, ``method``), its file and its
records. ``report`` gathers them; ``RENDERERS`` write Markdown, one HTML page, or CSV.
What a search does not record is written as "not recorded", never left to look complete;
what PRISMA-S asks of database searches only (platform, limits, peer review of the
strategy) is "not applicable" to citation searching, websites, organisations and other
sources when they leave it empty.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TextIO

from ..review import spreadsheet
from ..review.folder import Review

NOT_RECORDED = "not recorded"
NOT_APPLICABLE = "not applicable"
#: Methods searched with a strategy on a platform: databases and registers.
_SEARCHED = ("database", "register")
_METHOD_WORDS = {"database": "Database", "register": "Register", "website": "Website",
                 "organisation": "Organisation", "citation": "Citation searching", "other": "Other source"}
_MAX_STRATEGY = 200_000


@dataclass(frozen=True)
class SearchRow:
    """One search, as PRISMA-S reports it."""

    name: str
    method: str
    source: str
    platform: str
    searched: str
    strategy: str
    strategy_source: str
    """Where the strategy text comes from: the manifest, or a file of the review."""
    limits: str
    peer_review: str
    records: int
    file: str
    update_of: str = ""
    """The search this one runs again (a review update), or empty."""

    @property
    def search(self) -> str:
        """The search's name, and the search it runs again: what tells two rows of one source apart."""
        return f"{self.name} (run of {self.update_of})" if self.update_of else self.name

    @property
    def heading(self) -> str:
        """The source, the search's name, and the search it runs again, as a strategy's heading."""
        return f"{self.source} ({self.name}" + (f", run of {self.update_of})" if self.update_of else ")")


@dataclass(frozen=True)
class SearchReport:
    """Every search, and what deduplication found among their records."""

    title: str
    rows: list[SearchRow]
    records: int
    duplicates: int | None
    """Records marked as duplicates (None before deduplication)."""
    version: str
    undecided: int = 0
    """Uncertain pairs no reviewer has decided yet (counted as different records)."""


def report(review: Review, counts: dict[str, int], duplicates: int | None, version: str,
           undecided: int = 0) -> SearchReport:
    """The report of a review's searches (``counts``: records per search, as stored)."""
    rows = []
    for search in review.searches():
        strategy, origin = search.strategy, "screenrev.toml" if search.strategy else ""
        if search.strategy_file:
            path = review.inside(f"[[searches]] {search.name} strategy_file", search.strategy_file)
            strategy = path.read_text(encoding="utf-8", errors="replace")[:_MAX_STRATEGY] if path.is_file() else ""
            origin = search.strategy_file if path.is_file() else f"{search.strategy_file} (missing)"
        rows.append(SearchRow(search.name, search.method, search.database, search.interface, search.searched,
                              strategy.strip(), origin, search.limits, search.peer_review,
                              counts.get(search.name, 0), search.file, search.update_of))
    return SearchReport(review.title, rows, sum(counts.values()), duplicates, version, undecided)


def _or_missing(value: str) -> str:
    return value or NOT_RECORDED


def _dedup_sentence(data: SearchReport) -> str:
    if data.duplicates is None:
        return (f"{data.records:,} records were imported; duplicates have not been marked yet (screenrev "
                f"{data.version}).")
    # Only the pairs left undecided are counted, not those a reviewer has decided.
    pairs = "1 uncertain pair" if data.undecided == 1 else f"{data.undecided:,} uncertain pairs"
    waiting = (f"; {pairs} not yet decided by a reviewer, counted as different records"
               if data.undecided else "; no uncertain pair left undecided")
    return (f"{data.records:,} records were imported and deduplicated with screenrev {data.version} (records "
            f"compared across every search by identifiers, title, authors and source{waiting}): "
            f"{data.duplicates:,} duplicates, {data.records - data.duplicates:,} unique records.")


_COLUMNS = ("Search", "Source", "Method", "Platform", "Date searched", "Records", "Limits and filters",
            "Strategy peer reviewed", "Strategy")


def _cells(row: SearchRow) -> list[str]:
    strategy = "see below" if row.strategy else NOT_RECORDED

    def searched_only(value: str) -> str:  # a database's or register's, not a citation search's
        return value or (NOT_RECORDED if row.method in _SEARCHED else NOT_APPLICABLE)

    return [row.search, row.source, _METHOD_WORDS.get(row.method, row.method), searched_only(row.platform),
            _or_missing(row.searched), f"{row.records:,}", searched_only(row.limits), searched_only(row.peer_review),
            strategy]


def render_markdown(data: SearchReport, out: TextIO) -> None:
    """The report as Markdown: the table, then each strategy in full."""
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    out.write(f"# Search report (PRISMA-S): {cell(data.title)}\n\n")
    out.write("| " + " | ".join(_COLUMNS) + " |\n|" + "---|" * len(_COLUMNS) + "\n")
    for row in data.rows:
        out.write("| " + " | ".join(cell(value) for value in _cells(row)) + " |\n")
    out.write(f"\n{_dedup_sentence(data)}\n")
    for row in data.rows:
        out.write(f"\n## {cell(row.heading)}\n\n")
        if row.strategy:
            fence = "~~~~" if "```" in row.strategy else "```"
            out.write(f"Strategy as run ({cell(row.strategy_source)}):\n\n{fence}\n{row.strategy}\n{fence}\n")
        else:
            out.write("Strategy: not recorded.\n")


_STYLE = ("body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse}th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top;"
          "text-align:left}td.n{text-align:right}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}"
          ".missing{color:#a00}.na{color:#777}")


def render_html(data: SearchReport, out: TextIO) -> None:
    """The report as one self-contained HTML page, every value escaped."""
    def cell(text: str) -> str:
        shown = html.escape(text)
        style = {NOT_RECORDED: "missing", NOT_APPLICABLE: "na"}.get(text)
        return f'<span class="{style}">{shown}</span>' if style else shown

    title = html.escape(f"Search report (PRISMA-S): {data.title}")
    out.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
              f"<style>{_STYLE}</style></head><body>\n<h1>{title}</h1>\n<table>\n<tr>")
    out.write("".join(f"<th>{html.escape(name)}</th>" for name in _COLUMNS) + "</tr>\n")
    for row in data.rows:
        cells = _cells(row)
        out.write("<tr>" + "".join(f'<td class="n">{cell(value)}</td>' if name == "Records" else
                                   f"<td>{cell(value)}</td>" for name, value in zip(_COLUMNS, cells)) + "</tr>\n")
    out.write(f"</table>\n<p>{html.escape(_dedup_sentence(data))}</p>\n")
    for row in data.rows:
        out.write(f"<h2>{html.escape(row.heading)}</h2>\n")
        if row.strategy:
            out.write(f"<p>Strategy as run ({html.escape(row.strategy_source)}):</p>\n"
                      f"<pre>{html.escape(row.strategy)}</pre>\n")
        else:
            out.write(f'<p>Strategy: {cell(NOT_RECORDED)}.</p>\n')
    out.write("</body></html>\n")


def render_csv(data: SearchReport, out: TextIO) -> None:
    """One row per search, the strategy in full."""
    writer = spreadsheet.writer(out)
    writer.writerow(("search", "source", "method", "platform", "searched", "records", "limits", "peer_review",
                     "strategy", "strategy_source", "file"))
    for row in data.rows:
        writer.writerow((row.name, row.source, row.method, row.platform, row.searched, row.records, row.limits,
                         row.peer_review, row.strategy, row.strategy_source, row.file))


RENDERERS = {"md": render_markdown, "html": render_html, "csv": render_csv}
