"""Writing the review's records out: CSV for spreadsheets, RIS for reference managers."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from .formats import ris
from .records import FIELDS, LIST_FIELDS, LIST_SEPARATOR

#: Provenance columns that lead every CSV export.
PROVENANCE = ("key", "search", "database", "source_file", "position", "line", "source_id")


def csv_columns(extra: list[str]) -> list[str]:
    """Provenance, canonical fields, then the kept input columns (``extra``)."""
    columns = list(PROVENANCE) + [name for name in FIELDS if name not in PROVENANCE]
    return columns + [name for name in extra if name not in columns]


def write_csv(records: Iterable[dict], out: TextIO, *, extra: list[str]) -> None:
    """One row per record; list fields joined with ``; ``; ``extra`` names the kept input columns."""
    columns = csv_columns(extra)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = []
        for name in columns:
            value = record[name] if name in record else record["extra"].get(name)
            if name in LIST_FIELDS:
                value = LIST_SEPARATOR.join(value or [])
            row.append("" if value is None else value)
        writer.writerow(row)


def write_ris(records: Iterable[dict], out: TextIO) -> None:
    """RIS with the screenrev key in ``ID`` and the database in ``DB``."""
    ris.write(records, out, extra_tags={"key": "ID", "database": "DB"})
