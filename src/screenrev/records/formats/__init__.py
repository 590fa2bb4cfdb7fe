"""Export formats. Each module offers the same five names:

``NAME``   short name stored with the search ("ris", "medline", …)
``LABEL``  name shown to people ("RIS", "PubMed/MEDLINE", …)
``sniff(lines) -> bool``
    whether the content looks like this format (``lines``: the file's first non-blank
    lines, at most 200); detection goes by content, never by file extension.
``starts(lines) -> list[int]``
    line numbers (1-based) of every record start, found by a rule independent of the
    parser (a simple pattern over the lines), used to check that no record was lost.
``parse(lines, notes) -> Iterator[RawRecord]``
    the records in file order, each with the line number of its start marker (equal to
    the line ``starts`` finds for it). A malformed record raises ``InputError`` naming
    the line (``notes.error(line, message)`` builds it); things worth telling go to
    ``notes.warn``; things that may mean lost data go to ``notes.risk`` and stop the
    import unless the user accepts them.
``to_fields(raw) -> dict``
    the record mapped onto canonical fields (``record.FIELDS``), before the shared
    normalisation in ``normalise.finish``.

A format whose records have no end marker may add ``ends_whole(raw) -> bool | None``:
True when the record ends with the line the format's writers put last, whole (a file
ending in the middle of that line is not taken for a cut one); False when it lacks the
line they never leave out (the record was cut); None when the format cannot tell.

A clinical-trial register's format adds ``DATABASE``: the register's name
("ClinicalTrials.gov"), for a search of it imported without a database named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import ModuleType

from ...errors import InputError
from ..record import RawRecord


@dataclass
class Notes:
    """What a parser noticed about one file, with where."""

    path: str
    warnings: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    partial: bool = False
    """The lines are one part of a file: what may be normal in a whole file (a record
    without an end marker) cannot be judged, and is noted."""
    ends_mid_line: bool = False
    """The file's last line has no line break after it (nor spaces only): where a
    download cut off in the middle of a line ends."""
    open_ended: bool = False
    """The file's records have no end marker although its format has one (RIS written
    without ER): only the end of the file can tell a cut in its last record."""

    def warn(self, line: int | None, message: str) -> None:
        """Something the user should know; the import goes on."""
        self.warnings.append(f"line {line}: {message}" if line else message)

    def risk(self, line: int | None, message: str) -> None:
        """Something that may mean lost or damaged data; needs the user's acceptance."""
        self.risks.append(f"line {line}: {message}" if line else message)

    def error(self, line: int | None, message: str, field: str | None = None) -> InputError:
        """An error naming this file and the line, to raise."""
        return InputError(message, path=self.path, line=line, field=field)


#: Where a DOI starts inside a longer value (a URL, a note, a citation).
DOI_HINT = re.compile(r"10\.\d{3,9}/")


#: Where list values (keywords, URLs…) written in one field are cut.
LIST_SPLIT = re.compile(r"[\n;]")


def split_values(values: list[str], pattern: re.Pattern[str] = LIST_SPLIT) -> list[str]:
    """Values cut at ``pattern`` (newlines and ``;`` by default), blanks dropped."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in pattern.split(value) if part.strip())
    return out


def continue_value(record: RawRecord, text: str) -> None:
    """Append a continuation line to the value of the record's last tag."""
    tag, value = record.tags[-1]
    record.tags[-1] = (tag, f"{value}\n{text}" if value else text)


def group_tags(tags: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Tag → its values in file order (repeated tags kept)."""
    grouped: dict[str, list[str]] = {}
    for tag, value in tags:
        if tag in grouped:
            grouped[tag].append(value)
        else:
            grouped[tag] = [value]
    return grouped


def first(grouped: dict[str, list[str]], *tags: str) -> str | None:
    """The first non-empty value among ``tags``, tried in order (values come stripped)."""
    for tag in tags:
        if tag in grouped:
            for value in grouped[tag]:
                if value:
                    return value
    return None


def every(grouped: dict[str, list[str]], *tags: str) -> list[str]:
    """All non-empty values of ``tags``, in the order of ``tags``."""
    found: list[str] = []
    for tag in tags:
        if tag in grouped:
            found.extend(filter(None, grouped[tag]))
    return found


def registry() -> list[ModuleType]:
    """Formats in the order detection tries them: the most specific first, and CSV, which
    accepts almost any text with a header row, last."""
    from . import (
        bibtex,
        ctgov_csv,
        ctgov_json,
        endnote_tagged,
        endnote_xml,
        euctr_text,
        ictrp_xml,
        medline,
        ovid,
        ovid_display,
        pubmed_xml,
        refer,
        refworks,
        ris,
        table,
        wos,
    )

    return [
        endnote_xml,
        pubmed_xml,
        ictrp_xml,
        ctgov_json,
        euctr_text,
        wos,
        medline,
        ovid,
        ovid_display,
        refworks,
        endnote_tagged,
        refer,
        bibtex,
        ris,
        ctgov_csv,
        table,
    ]


def by_name(name: str) -> ModuleType:
    """The format module called ``name``."""
    for module in registry():
        if module.NAME == name:
            return module
    raise KeyError(name)
