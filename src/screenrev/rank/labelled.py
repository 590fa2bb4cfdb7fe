"""Reading a fully labelled review (any export format screenrev imports) for ``simulate``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..records.parse import read_export

#: Label columns looked for, in this order, when none is named.
LABEL_COLUMNS = ("label_included", "included", "label")

_INCLUDED = {"1", "yes", "y", "true", "include", "included"}
_EXCLUDED = {"0", "no", "n", "false", "exclude", "excluded"}


@dataclass(frozen=True)
class LabelledReview:
    """The records of a labelled review, with their labels (1 relevant, 0 not)."""

    name: str
    """The data set's name (its file name without the extension)."""
    label_column: str
    records: list[dict]
    labels: list[int]


def label_value(text: str) -> int | None:
    """1 for an include (1, yes, true, include…), 0 for an exclude, None for anything else."""
    folded = text.strip().lower()
    if folded in _INCLUDED:
        return 1
    if folded in _EXCLUDED:
        return 0
    return None


def read_labelled(path: str | Path, label: str | None = None) -> LabelledReview:
    """Read an export whose every record carries a label in column ``label`` (or the first of LABEL_COLUMNS)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=path)
    records = read_export(path).records
    columns = [_columns(record) for record in records]
    present = set().union(*columns) if columns else set()
    column = label or next((name for name in LABEL_COLUMNS if name in present), None)
    if column is None:
        raise InputError(
            "no label column: name one with --label (looked for " + ", ".join(LABEL_COLUMNS) + ")", path=path
        )
    if column not in present:
        raise InputError(f"no column {column!r} in the file", path=path)
    labels = []
    for record, values in zip(records, columns):
        raw = values.get(column, "")
        value = label_value(raw)
        if value is None:
            problem = (
                "missing label"
                if not raw.strip()
                else f"label {raw!r} is not one of 1/0, yes/no, true/false, include/exclude"
            )
            raise InputError(problem, path=path, line=record["line"], field=column)
        labels.append(value)
    return LabelledReview(path.stem, column, records, labels)


def _columns(record: dict) -> dict[str, str]:
    """A record's columns or tags by name: the kept extra columns, then the raw tags (first value)."""
    values: dict[str, str] = {}
    for name, value in record.get("raw") or ():
        values.setdefault(name, value)
    values.update(record["extra"])
    return values
