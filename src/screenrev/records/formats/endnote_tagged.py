"""EndNote tagged (``.enw``): ``%0 Journal Article``, ``%A Smith, John``, ``%T …`` lines.

The same ``%``-tag line layout as classic refer (``refer.py`` imports the line helpers
from here). What starts a record:

* the first tag line of the file, and the first tag line after a blank line: records
  are blank-line separated. ``%0`` is *not* required to come first: the AIS eLibrary
  writes ``%T`` before ``%0``, and omits ``%0`` altogether for some records;
* a ``%0`` line inside a record that already has a ``%0`` line, unless the line just
  before it was a ``%0`` line too: a file written without blank lines between records
  is still split at each ``%0``, while a run of ``%0`` lines with nothing in between is
  one record listing several types (Zotero's refer test ``%0 Serial`` / ``%0 Audio``),
  never a string of empty records.

Non-tag lines continue the previous value (joined with ``\\n``), also after a blank
line (a paragraph break inside an abstract). Two ``%T`` lines in one record mean a
record lost its separator: an error, never a silent merge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import DOI_HINT, Notes, continue_value, every, first, group_tags, split_values

NAME = "endnote_tagged"
LABEL = "EndNote tagged"

#: Characters that follow ``%`` in EndNote and refer tags (digits, capitals, symbols).
TAG_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$&()*+<>?@[]=^~|")

#: Tags common enough in both dialects to count as evidence when sniffing.
_COMMON_TAGS = frozenset("0ABDEIJKNPTUVX@7893CGMRS")

SNIFF_WINDOW = 10
"""How many leading non-blank lines sniffing looks at."""


def tag_of(line: str) -> str | None:
    """The tag character of a ``%X value`` line (``"0"``, ``"A"``, ``"@"``…), else None."""
    if len(line) < 2 or line[0] != "%" or line[1] not in TAG_CHARS:
        return None
    if len(line) > 2 and line[2] not in " \t":
        return None
    return line[1]


def value_of(line: str) -> str:
    """The value of a tag line (everything after ``%X ``), stripped."""
    return line[3:].strip()


def percent_file(lines: list[str]) -> bool:
    """Whether the file's first lines are ``%``-tag lines (EndNote tagged or refer).

    At least two tag lines among the first ``SNIFF_WINDOW`` non-blank lines, one of
    them with a common tag: a LaTeX or BibTeX ``% comment`` line has a space after the
    ``%`` and never matches.
    """
    window = [line for line in lines if line.strip()][:SNIFF_WINDOW]
    tags = [tag for tag in map(tag_of, window) if tag is not None]
    return len(tags) >= 2 and any(tag in _COMMON_TAGS for tag in tags)


def has_type_line(lines: list[str]) -> bool:
    """Whether any of ``lines`` is a ``%0`` (reference type) line."""
    return any(line.startswith("%0") and tag_of(line) == "0" for line in lines)


def sniff(lines: list[str]) -> bool:
    """``%``-tag lines with a ``%0`` type line: the files without one go to refer."""
    return percent_file(lines) and has_type_line(lines)


# The independent count's own pattern for a tag line (``parse`` uses ``tag_of``).
_START_TAG = re.compile(r"%[0-9A-Z!#$&()*+<>?@\[\]=^~|](?:[ \t]|$)")


def starts(lines: list[str]) -> list[int]:
    """Record starts by the rule in the module docstring, from the raw lines alone."""
    found: list[int] = []
    after_blank = True
    typed = False
    last_was_type = False
    for number, line in enumerate(lines, 1):
        if not line.strip():
            after_blank = True
            continue
        if _START_TAG.match(line):
            is_type = line[1] == "0"
            if after_blank or not found or (is_type and typed and not last_was_type):
                found.append(number)
                typed = False
            typed = typed or is_type
            last_was_type = is_type
        after_blank = False
    return found


def parse_tagged(lines: list[str], notes: Notes, label: str = LABEL) -> Iterator[RawRecord]:
    """Records of a ``%``-tag file (EndNote tagged or refer), every tag kept in order."""
    record: RawRecord | None = None
    has_type = False
    previous_tag: str | None = None
    blank_before = False
    leading_text: int | None = None
    paragraph_join: int | None = None
    type_runs: int | None = None
    unseparated: int | None = None
    title_line: int | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            blank_before = True
            continue
        tag = tag_of(line)
        if tag is None:
            text = line.strip()
            if record is None:
                if leading_text is None:
                    leading_text = number
            elif record.tags:
                if blank_before and paragraph_join is None:
                    paragraph_join = number
                continue_value(record, text)
            blank_before = False
            continue
        new_record = record is None or blank_before
        if not new_record and tag == "0" and has_type:
            if previous_tag == "0":
                if type_runs is None:
                    type_runs = number
            else:
                new_record = True
                if unseparated is None:
                    unseparated = number
        if new_record:
            if record is not None:
                yield record
            record = RawRecord(number, [])
            has_type = False
            title_line = None
        if tag == "0":
            has_type = True
        elif tag == "T":
            if title_line is not None:
                raise notes.error(
                    number,
                    f"a second %T title in the record that starts on line {record.line} "
                    f"(first %T on line {title_line}): two records run together without "
                    "a blank line between them (corrupted or hand-edited file?); "
                    "separate the records with a blank line",
                )
            title_line = number
        record.tags.append((tag, value_of(line)))
        previous_tag = tag
        blank_before = False
    if record is not None:
        yield record
    if leading_text is not None:
        notes.risk(
            leading_text,
            f"text before the first {label} record (not a %-tag line): the start of the "
            "file may be missing (truncated download?)",
        )
    if paragraph_join is not None:
        notes.warn(
            paragraph_join,
            "text after a blank line was joined to the value before it "
            "(a paragraph break inside a field)",
        )
    if type_runs is not None:
        notes.warn(
            type_runs,
            "consecutive %0 type lines were kept as one record with several types",
        )
    if unseparated is not None:
        notes.warn(
            unseparated,
            "records not separated by blank lines: each further %0 line started a new record",
        )


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records of an EndNote tagged file (see the module docstring for the rules)."""
    return parse_tagged(lines, notes, LABEL)


_WHITESPACE = re.compile(r"\s+")
_NON_DIGIT = re.compile(r"\D")


def tagged_fields(raw: RawRecord) -> dict:
    """The canonical fields of a ``%``-tag record (shared by EndNote tagged and refer)."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    fields["title"] = first(tags, "T")
    fields["abstract"] = "\n".join(every(tags, "X")) or None
    fields["authors"] = every(tags, "A")
    fields["year"] = first(tags, "D", "8")
    # %J is the journal; %B the secondary title (AIS writes the journal there).
    fields["journal"] = first(tags, "J", "B")
    fields["volume"] = first(tags, "V")
    fields["issue"] = first(tags, "N")
    fields["pages"] = first(tags, "P")
    # %R is EndNote's DOI ("electronic resource number"); refer files use it for other
    # identifiers too (OAI, URN), so prefer a value that holds a DOI.
    fields["doi"] = next(
        (value for value in every(tags, "R", "U", "M") if DOI_HINT.search(value)),
        first(tags, "R"),
    )
    serials = every(tags, "@")
    fields["issn"] = serials
    fields["isbn"] = [value for value in serials if len(_NON_DIGIT.sub("", value)) >= 10]
    fields["language"] = "; ".join(every(tags, "G")) or None
    fields["publication_type"] = every(tags, "0", "9")
    fields["keywords"] = split_values(every(tags, "K"))
    fields["url"] = split_values(every(tags, "U"), _WHITESPACE)
    fields["source_id"] = first(tags, "M")
    return fields


def to_fields(raw: RawRecord) -> dict:
    """Map EndNote's tags onto canonical fields."""
    return tagged_fields(raw)
