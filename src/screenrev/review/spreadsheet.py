"""CSV files that a spreadsheet opens safely, and that screenrev reads back unchanged.

Excel and LibreOffice take a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab
or carriage return) as a formula: a record title such as ``=HYPERLINK("http://…"&A1)``
would run when a reviewer opens an export (OWASP, "CSV injection"). Every CSV screenrev
writes goes through ``writer``, which puts an apostrophe before such a cell (a number,
such as ``-0.52``, is no formula and is left alone) and before a cell that already starts
with an apostrophe. ``restore`` takes one apostrophe off again, so every file screenrev
reads back (decision files, the duplicate review queue, a spreadsheet given to
``decide --from``) gives the values that were written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """The cell as written: an apostrophe before a formula-like text or a leading apostrophe."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] == "'" or (value[0] in FORMULA_STARTS and not _NUMBER.fullmatch(value)):
        return "'" + value
    return value


def restore(cell: str) -> str:
    """The value a neutralised cell stands for (any other cell as it is)."""
    if len(cell) > 1 and cell[0] == "'" and (cell[1] in FORMULA_STARTS or cell[1] == "'"):
        return cell[1:]
    return cell


class Writer:
    """``csv.writer`` whose every cell is neutralised."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> Writer:
    """A CSV writer for ``out`` (lines end with ``\\n`` unless ``lineterminator`` says otherwise)."""
    return Writer(out, **{"lineterminator": "\n", **options})


def read_rows(path: Path, display: str, error: type[InputError] = InputError,
              required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a small CSV that screenrev wrote (or asks people to write), as ``(line,
    {column: value})`` with cells stripped and restored; blank rows skipped. An unreadable
    file or a header without the ``required`` columns raises ``error`` naming the file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read the file: {exc}", path=display) from exc
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [restore(cell.strip()) for cell in next(rows, [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise error(f"the header needs the columns {', '.join(required)} (missing: {', '.join(missing)})",
                    path=display, line=1, field="header")
    for line, cells in enumerate(rows, 2):
        values = {name: restore(cell.strip()) for name, cell in zip(header, cells)}
        if any(values.values()):
            yield line, values
