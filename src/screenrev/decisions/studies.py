"""Studies and their reports: records included at full text grouped into studies.

PRISMA 2020 counts studies and reports apart, because one study often has several
reports (a protocol, the main paper, a follow-up, a conference abstract). Reviewers link
the reports of one study with ``screenrev study link KEY KEY… --name NAME``; the links are
rows of ``decisions/studies.csv`` (``study,key,main,reviewer,timestamp``), appended like
decisions and read back on every count. The first report linked is the study's main
report unless another is named. A report is in one study at most, and only records
included at full text are linked: either mistake is a one-line error naming the file and
line. An included report that no row names is a study of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import DecisionError
from ..review import spreadsheet
from ..review.atomic import atomic_text, folder_lock
from .files import STUDIES_FILE
COLUMNS = ("study", "key", "main", "reviewer", "timestamp")


@dataclass(frozen=True)
class Link:
    """One report of a study."""

    study: str
    key: str
    """As written (any member of the report's duplicate cluster)."""
    record: str
    """The primary record the key stands for."""
    main: bool
    line: int


@dataclass(frozen=True)
class Studies:
    """The studies the reviewers linked: study name → its reports (primary keys), main report first."""

    reports: dict[str, list[str]]
    links: list[Link]

    def study_of(self) -> dict[str, str]:
        """Primary record → the study it reports."""
        return {record: study for study, records in self.reports.items() for record in records}


def studies_path(decisions_dir: Path) -> Path:
    """Where the links are kept."""
    return decisions_dir / STUDIES_FILE


def _fail(message: str, file: str, line: int, field: str) -> DecisionError:
    return DecisionError(message, path=file, line=line, field=field)


def read_studies(path: Path, display: str, primary_of: Mapping[str, str],
                 included: Iterable[str] | None = None) -> Studies:
    """The links of ``path`` (none when it does not exist), checked: known keys, one study per
    report, one main report per study, and (given ``included``) only reports included at full text."""
    if not path.is_file():
        return Studies({}, [])
    allowed = set(included) if included is not None else None
    links: list[Link] = []
    seen: dict[str, Link] = {}
    for line, values in spreadsheet.read_rows(path, display, DecisionError, required=("study", "key")):
        link = _check(values, display, line, primary_of, allowed, seen)
        links.append(link)
        seen[link.record] = link
    return _grouped(links, display)


def _check(values: Mapping[str, str], display: str, line: int, primary_of: Mapping[str, str],
           allowed: set[str] | None, seen: Mapping[str, Link]) -> Link:
    study, key = values.get("study", ""), values.get("key", "")
    if not study:
        raise _fail("the study's name is empty", display, line, "study")
    record = primary_of.get(key)
    if record is None:
        raise _fail(f"no record has the key {key!r}", display, line, "key")
    if allowed is not None and record not in allowed:
        raise _fail(f"{key!r} is not included at full text: only included reports are linked into studies",
                    display, line, "key")
    earlier = seen.get(record)
    if earlier is not None and earlier.study != study:
        where = f"{STUDIES_FILE}:{earlier.line}" if earlier.line else "the reports being linked"
        raise _fail(f"{key!r} is a report of {earlier.study!r} already ({where}): a report belongs to one study",
                    display, line, "study")
    main = values.get("main", "").lower()
    if main not in ("", "true", "false", "yes", "no"):
        raise _fail(f"{values['main']!r}: main is true or false", display, line, "main")
    return Link(study, key, record, main in ("true", "yes"), line)


def _grouped(links: list[Link], display: str) -> Studies:
    reports: dict[str, list[str]] = {}
    mains: dict[str, Link] = {}
    for link in links:
        records = reports.setdefault(link.study, [])
        if link.record not in records:
            records.append(link.record)
        if link.main:
            if link.study in mains and mains[link.study].record != link.record:
                raise _fail(f"{link.study!r} has a main report already (line {mains[link.study].line})",
                            display, link.line, "main")
            mains[link.study] = link
    for study, main in mains.items():
        reports[study].remove(main.record)
        reports[study].insert(0, main.record)
    return Studies(reports, links)


def link(path: Path, display: str, *, study: str, keys: list[str], main: str | None, reviewer: str,
         timestamp: str, primary_of: Mapping[str, str], included: Iterable[str]) -> list[Link]:
    """Link the reports ``keys`` into ``study`` (the first is its main report unless ``main``
    names another), checked against the links there are, under the folder's lock."""
    if not keys:
        raise DecisionError("name the reports to link (their record keys)")
    if main is not None and main not in keys:
        raise DecisionError(f"--main {main!r} is not one of the reports being linked")
    with folder_lock(path.parent):
        current = read_studies(path, display, primary_of, included)
        has_main = study in current.reports and any(l.main for l in current.links if l.study == study)
        chosen = main if main is not None else (None if has_main or study in current.reports else keys[0])
        seen = {l.record: l for l in current.links}
        allowed = set(included)
        start = _next_line(path)
        new: list[Link] = []
        rows = []
        for key in keys:
            values = {"study": study, "key": key, "main": "true" if key == chosen else ""}
            # A mistake here is in the command, not in the file: the error names the argument.
            checked = replace(_check(values, "", 0, primary_of, allowed, seen), line=start + len(new))
            if checked.record in seen and seen[checked.record].study == study:
                continue  # linked already: nothing to add
            seen[checked.record] = checked
            new.append(checked)
            rows.append((study, key, values["main"], reviewer, timestamp))
        _grouped([*current.links, *new], display)  # one main report per study
        if rows:
            existing = path.read_text(encoding="utf-8") if path.exists() else ""
            with atomic_text(path) as handle:
                if existing:
                    handle.write(existing if existing.endswith("\n") else existing + "\n")
                writer = spreadsheet.writer(handle)
                if not existing:
                    writer.writerow(COLUMNS)
                writer.writerows(rows)
    return new


def _next_line(path: Path) -> int:
    if not path.exists():
        return 2
    return path.read_text(encoding="utf-8").rstrip("\n").count("\n") + 2
