"""Decisions from another tool's table: a spreadsheet, or ASReview's labelled CSV export.

Each row names a record by an id column and gives a label. The id is matched against the
record keys, then against the same column kept from a CSV search (``extra``), then against
the records' accession numbers (``source_id``, which a CSV's ``record_id`` or ``id`` column
becomes). Labels are read as:

* include: ``1``, ``include``, ``included``, ``yes``, ``y``, ``true``, ``relevant``
* exclude: ``0``, ``exclude``, ``excluded``, ``no``, ``n``, ``false``, ``irrelevant``
* maybe: ``maybe``, ``unsure``, ``?``; not retrieved: ``not_retrieved``, ``not retrieved``
* the rules audit: ``rightly_excluded`` (``rightly excluded``, ``right``) and ``wrongly_excluded``
  (``wrongly excluded``, ``wrong``)
* no decision (the row is skipped): an empty cell, ``-1`` (ASReview's "not labelled") or ``NA``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import DecisionError
from ..review import spreadsheet
from .files import read_text

#: Label words, lower case, and the decision each stands for.
LABELS = {
    **dict.fromkeys(("1", "include", "included", "yes", "y", "true", "relevant"), "include"),
    **dict.fromkeys(("0", "exclude", "excluded", "no", "n", "false", "irrelevant"), "exclude"),
    **dict.fromkeys(("maybe", "unsure", "?"), "maybe"),
    **dict.fromkeys(("not_retrieved", "not retrieved"), "not_retrieved"),
    **dict.fromkeys(("rightly_excluded", "rightly excluded", "right"), "rightly_excluded"),
    **dict.fromkeys(("wrongly_excluded", "wrongly excluded", "wrong"), "wrongly_excluded"),
}
UNDECIDED = frozenset({"", "-1", "na", "nan"})
ID_COLUMNS = ("key", "record_id", "id")
DECISION_COLUMNS = ("decision", "included", "label_included", "asreview_label", "label")


class RecordIds:
    """Finds the record an id in another tool's table stands for."""

    def __init__(self, records: Iterable[dict], column: str, search: str | None = None) -> None:
        self.keys: set[str] = set()
        self.by_value: dict[str, list[str]] = defaultdict(list)
        self.by_source_id: dict[str, list[str]] = defaultdict(list)
        for record in records:
            if search is not None and record["search"] != search:
                continue
            self.keys.add(record["key"])
            value = record["extra"].get(column)
            if value not in (None, ""):
                self.by_value[str(value).strip()].append(record["key"])
            if record.get("source_id"):
                self.by_source_id[record["source_id"]].append(record["key"])

    def find(self, value: str) -> list[str]:
        """Keys of the records with this id (several when it is ambiguous)."""
        if value in self.keys:
            return [value]
        return self.by_value.get(value) or self.by_source_id.get(value) or []


def _pick(header: list[str], wanted: str | None, defaults: tuple[str, ...], what: str, path: str) -> str:
    if wanted is not None:
        if wanted not in header:
            raise DecisionError(f"no column {wanted!r} (columns: {', '.join(header)})", path=path, line=1,
                                field="header")
        return wanted
    found = next((name for name in defaults if name in header), None)
    if found is None:
        raise DecisionError(
            f"no {what} column ({' or '.join(defaults)}); name it with --{what}-column",
            path=path, line=1, field="header",
        )
    return found


def read_table(
    path: Path,
    records: Iterable[dict],
    *,
    stage: str,
    reviewer: str,
    timestamp: str,
    id_column: str | None = None,
    decision_column: str | None = None,
    reason_column: str | None = None,
    note_column: str | None = None,
    search: str | None = None,
) -> Iterator[tuple[dict[str, str], int]]:
    """Decision-file cells and line numbers from another tool's table (rows without a label skipped)."""
    display = str(path)
    text = read_text(path, display)
    first = text.split("\n", 1)[0]
    # Excel writes semicolons where the comma is the decimal separator (much of Europe).
    delimiter = "\t" if "\t" in first else ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    id_name = _pick(header, id_column, ID_COLUMNS, "id", display)
    label_name = _pick(header, decision_column, DECISION_COLUMNS, "decision", display)
    for name in (reason_column, note_column):
        if name is not None:
            _pick(header, name, (name,), name, display)
    ids = RecordIds(records, id_name, search)
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        row = {name: spreadsheet.restore(cell.strip()) for name, cell in zip(header, cells)}
        label = row.get(label_name, "").lower()
        if label in UNDECIDED:
            continue
        decision = LABELS.get(label)
        if decision is None:
            raise DecisionError(
                f"{row[label_name]!r} is not a decision (include: 1/yes/include; exclude: 0/no/exclude; "
                "maybe; not_retrieved; rightly_excluded and wrongly_excluded in the rules audit; empty or -1: "
                "not decided)",
                path=display, line=line, field=label_name,
            )
        value = row.get(id_name, "")
        keys = ids.find(value)
        if len(keys) != 1:
            problem = ("no record has this id" if not keys
                       else f"{len(keys)} records have this id; name the search they come from with --search")
            raise DecisionError(f"{value!r}: {problem}", path=display, line=line, field=id_name)
        yield (
            {"key": keys[0], "stage": stage, "decision": decision,
             "reason": row.get(reason_column, "") if reason_column else "",
             "reviewer": reviewer, "timestamp": timestamp,
             "note": row.get(note_column, "") if note_column else ""},
            line,
        )
