"""Writing the review's records out: CSV for spreadsheets, RIS for reference managers."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from .formats import ris
from .records import FIELDS, LIST_FIELDS, LIST_SEPARATOR

#: Provenance columns that lead every CSV export.
PROVENANCE = ("key", "search", "database", "source_file", "position", "line", "source_id")


def csv_columns(extra: list[str], stages: list[str]) -> list[str]:
    """Provenance, what later stages added (``stages``), canonical fields, kept input columns."""
    columns = list(PROVENANCE) + stages + [name for name in FIELDS if name not in PROVENANCE]
    return columns + [name for name in extra if name not in columns]


def write_csv(
    records: Iterable[dict], out: TextIO, *, extra: list[str], stages: list[str] = ()
) -> None:
    """One row per record; list fields joined with ``; ``, yes/no as ``true``/``false``.

    ``extra`` names the kept input columns, ``stages`` the columns later stages added.
    """
    columns = csv_columns(extra, list(stages))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = []
        for name in columns:
            value = record[name] if name in record else record["extra"].get(name)
            if name in LIST_FIELDS:
                value = LIST_SEPARATOR.join(value or [])
            elif isinstance(value, bool):
                value = "true" if value else "false"
            row.append("" if value is None else value)
        writer.writerow(row)


def write_ris(records: Iterable[dict], out: TextIO) -> None:
    """RIS with the screenrev key in ``ID`` and the database in ``DB``."""
    ris.write(records, out, extra_tags={"key": "ID", "database": "DB"})
