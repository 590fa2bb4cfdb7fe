"""ClinicalTrials.gov downloads as tables: the classic site's CSV and TSV (27 columns:
``Rank``, ``NCT Number``, ``Title`` … ``URL``) and the current site's CSV (``NCT Number``,
``Study Title``, ``Study URL`` …, the columns the user chose), one study per row.

Told from a generic table by its ``NCT Number`` column. The CSV files quote cells that
need it and are read as ``table`` reads any CSV (rows spanning lines, a quote never
closed, short rows); the classic TSV quotes nothing (a cell may start with a quote
mark), so its rows are its lines, cut at tabs. Lists inside a cell are ``|``-separated.
The site ends every file with a line break: a file that ends in the middle of its last
row, unless that row ends with its own study's URL, may have been cut off, and is said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import Notes, table
from .trials import record_types, secondary_ids, typed

NAME = "ctgov_csv"
LABEL = "ClinicalTrials.gov CSV/TSV"
DATABASE = "ClinicalTrials.gov"

_ID = "NCT Number"
# Columns only ClinicalTrials.gov writes beside ``NCT Number`` (either site).
_OWN_COLUMNS = frozenset({
    "Title", "Study Title", "URL", "Study URL", "Status", "Study Status", "Conditions",
    "Interventions", "Sponsor/Collaborators", "Sponsor", "First Posted",
})
_DELIMITERS = ("\t", ",", ";")
_BAR = re.compile(r"\|")
_MISSING = frozenset({"", "null"})


def _header(lines: list[str]) -> tuple[int, str, list[str]] | None:
    """The header's index, delimiter and cell names (quotes removed), if a ClinicalTrials.gov
    header is the first non-blank line."""
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    line = lines[first].lstrip("\ufeff")
    for delimiter in _DELIMITERS:
        names = [cell.strip().strip('"').strip() for cell in line.split(delimiter)]
        if _ID in names and not _OWN_COLUMNS.isdisjoint(names):
            return first, delimiter, names
    return None


def _unquoted(header: tuple[int, str, list[str]], lines: list[str]) -> bool:
    """The classic TSV: tab-separated, nothing quoted (not even the header)."""
    first, delimiter, _ = header
    return delimiter == "\t" and '"' not in lines[first]


def sniff(lines: list[str]) -> bool:
    """A header row naming ``NCT Number`` and another column of ClinicalTrials.gov's."""
    return _header(lines[:1]) is not None


def starts(lines: list[str]) -> list[int]:
    """Every row's first line: each non-blank line after the header in the TSV, as ``table``
    counts them (lines that do not continue a quoted cell) in the CSV."""
    header = _header(lines)
    if header is not None and _unquoted(header, lines):
        return [number for number in range(header[0] + 2, len(lines) + 1) if lines[number - 1].strip()]
    return table.starts(lines)


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """One record per row, with the study's other identifiers in ``extra``."""
    header = _header(lines)
    if header is not None and _unquoted(header, lines):
        rows = _tsv_rows(lines, header, notes)
    else:
        rows = table.parse(lines, notes)
    last: RawRecord | None = None
    for raw in rows:
        cells = dict(raw.tags)
        raw.extra = secondary_ids([cells.get("Other IDs", "")], cells.get(_ID), _BAR)
        last = raw
        yield raw
    if last is not None and notes.ends_mid_line:
        _check_last_row(last, notes)


def _tsv_rows(lines: list[str], header: tuple[int, str, list[str]], notes: Notes) -> Iterator[RawRecord]:
    """The TSV's rows: each line after the header, cut at tabs."""
    first, _, names = header
    width = len(names)
    short: list[int] = []
    number = first + 1
    for number in range(first + 2, len(lines) + 1):
        line = lines[number - 1]
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) > width:
            if any(cell.strip() for cell in cells[width:]):
                raise notes.error(number, f"this row has {len(cells)} cells but the header has {width} "
                                          "columns (a tab inside a cell?): fix the row or re-export the file")
            del cells[width:]
        elif len(cells) < width:
            short.append(number)
            cells.extend([""] * (width - len(cells)))
        yield RawRecord(number, list(zip(names, cells)))
    if short == [number]:
        notes.risk(number, f"the last row has fewer cells than the header's {width} columns: "
                           "the file may be truncated")
    elif short:
        notes.warn(short[0], f"{len(short)} row(s) have fewer cells than the header's {width} columns; "
                             "the missing cells were read as empty")


def _check_last_row(raw: RawRecord, notes: Notes) -> None:
    """Say so when the file ends in the middle of its last row and that row does not end
    with its study's URL (which the classic download puts last)."""
    if any(warning.startswith(f"line {raw.line}:") for warning in notes.warnings + notes.risks):
        return  # already said (a row cut after a delimiter, or short of cells)
    name, value = raw.tags[-1]
    study = dict(raw.tags).get(_ID, "").strip()
    if name in ("URL", "Study URL") and study and value.strip().endswith(study):
        return
    notes.warn(raw.line, "the file ends in the middle of the last row (ClinicalTrials.gov ends its files "
                         "with a line break): is the file cut off? (check that row, or re-export the file)")


def _present(value: str | None) -> str | None:
    return value.strip() if value and value.strip().lower() not in _MISSING else None


def _first(cells: dict[str, str], *names: str) -> str | None:
    return next(filter(None, (_present(cells.get(name)) for name in names)), None)


def _list(cells: dict[str, str], *names: str) -> list[str]:
    return [part.strip() for name in names for part in _BAR.split(cells.get(name) or "") if _present(part)]


def to_fields(raw: RawRecord) -> dict:
    """The study's columns mapped onto canonical fields, by the names either site gives them."""
    cells: dict[str, str] = {}
    for name, value in raw.tags:
        cells.setdefault(name, value)
    fields = empty_fields()
    fields["source_id"] = _first(cells, _ID)
    fields["title"] = _first(cells, "Title", "Study Title")
    fields["abstract"] = _first(cells, "Brief Summary")
    # The classic site lists the lead sponsor first, then the collaborators, in one cell.
    fields["authors"] = _list(cells, "Sponsor/Collaborators", "Sponsor", "Collaborators")
    fields["year"] = _first(cells, "First Posted", "Start Date")
    fields["url"] = _list(cells, "URL", "Study URL")
    fields["publication_type"] = record_types(_first(cells, "Study Type"))
    fields["keywords"] = _list(cells, "Conditions", "Keywords") + [typed(part) for part in _list(cells, "Interventions")]
    return fields

