"""The full-text stage's files: which reports are sought, which the review holds, and where
each stands.

Reports sought are the records included (or maybe) at title/abstract. Their files live in
the reports folder (``reports/`` or ``[full_text] reports``): a file named by the record's
key (``reports/<key>.pdf``, any format, any key of the record's duplicate cluster), or any
file named in the mapping ``reports/files.csv`` (columns ``key,file``), for files kept
under the names they were downloaded with. A file that names no record, or a mapping row
naming a missing file, is a one-line error: a report the review cannot place is a report
it would silently ignore.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..review import spreadsheet
from ..review.folder import Review
from .files import FULL_TEXT, TITLE_ABSTRACT

MAPPING_FILE = "files.csv"
#: Files of the reports folder that are not reports.
_NOT_REPORTS = {MAPPING_FILE, "readme.md", "readme.txt", ".gitignore", ".gitkeep", ".ds_store", "thumbs.db"}
SOUGHT = ("include", "maybe")


def _shown(review: Review, path: Path) -> str:
    try:
        return str(path.relative_to(review.root.resolve()))
    except ValueError:
        return str(path)


def report_files(review: Review, primary_of: Mapping[str, str]) -> dict[str, list[Path]]:
    """Primary record → its report files (by key, then by the mapping), checked."""
    folder = review.reports_dir
    found: dict[str, list[Path]] = {}
    if not folder.is_dir():
        return found
    mapped = _mapping(review, folder, primary_of)
    named = {path for paths in mapped.values() for path in paths}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.lower() in _NOT_REPORTS or path.name.startswith(".") or path in named:
            continue
        record = primary_of.get(path.stem)
        if record is None:
            raise InputError(f"no record has the key {path.stem!r}: name a report file by its record's key, or map "
                             f"it to one in {_shown(review, folder / MAPPING_FILE)} (columns key,file)",
                             path=_shown(review, path))
        found.setdefault(record, []).append(path)
    for record, paths in mapped.items():
        found.setdefault(record, []).extend(paths)
    return found


def _mapping(review: Review, folder: Path, primary_of: Mapping[str, str]) -> dict[str, list[Path]]:
    path = folder / MAPPING_FILE
    if not path.is_file():
        return {}
    shown = _shown(review, path)
    mapped: dict[str, list[Path]] = {}
    for line, values in spreadsheet.read_rows(path, shown, required=("key", "file")):
        record = primary_of.get(values.get("key", ""))
        if record is None:
            raise InputError(f"no record has the key {values.get('key', '')!r}", path=shown, line=line, field="key")
        target = (folder / values.get("file", "")).resolve()
        if not target.is_relative_to(folder) or not target.is_file():
            raise InputError(f"no file {values.get('file', '')!r} in {_shown(review, folder)}", path=shown,
                             line=line, field="file")
        mapped.setdefault(record, []).append(target)
    return mapped


@dataclass
class FullTextStatus:
    """Where the full-text stage stands."""

    sought: int = 0
    with_file: int = 0
    included: int = 0
    excluded: int = 0
    not_retrieved: int = 0
    not_retrieved_reasons: dict[str, int] = field(default_factory=dict)
    awaiting: int = 0
    """Sought, with no settled full-text decision yet (or ``maybe``)."""
    conflicts: int = 0


def sought_records(log) -> list[str]:  # noqa: ANN001 - a DecisionLog
    """Primary records sought for retrieval: included or maybe at title/abstract."""
    return sorted(record for record, settled in log.settle(TITLE_ABSTRACT).settled.items()
                  if settled.decision in SOUGHT)


def full_text_status(log, files: Mapping[str, list[Path]]) -> FullTextStatus:  # noqa: ANN001 - a DecisionLog
    """Sought, retrieved, decided and not retrieved (with reasons) among the reports sought."""
    sought = sought_records(log)
    settlement = log.settle(FULL_TEXT)
    status = FullTextStatus(sought=len(sought), with_file=sum(1 for record in sought if files.get(record)))
    reasons: Counter[str] = Counter()
    disputed = {conflict.record for conflict in settlement.conflicts}
    for record in sought:
        settled = settlement.settled.get(record)
        if record in disputed:
            status.conflicts += 1
        elif settled is None or settled.decision == "maybe":
            status.awaiting += 1
        elif settled.decision == "not_retrieved":
            status.not_retrieved += 1
            reasons[settled.reason or "No reason recorded"] += 1
        elif settled.decision == "include":
            status.included += 1
        else:
            status.excluded += 1
    status.not_retrieved_reasons = dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return status
