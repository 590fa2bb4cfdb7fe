"""Ovid's citation display text ("Citation" / "Complete Reference" saved as plain text
with field labels), as in JabRef's Ovid fixtures.

Layout: each record starts with a header line ``<8>`` (the record number in angle
brackets); each field is a label on its own line at the left margin (``Author``,
``Title``, ``Source``, ``Accession Number``…) followed by its value on the next line(s),
indented by two spaces (one space for the full-text link); blank lines may separate
fields and the paragraphs of a value.

Unlike common readers, nothing is dropped quietly: every labelled field is kept, text
before the first header is reported, and a file whose records have no ``<n>`` headers
(so that they cannot be counted or told apart) is an error rather than zero records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import Notes, continue_value, every, first, group_tags, split_values
from .ovid import (
    clean_accession,
    clean_title,
    is_header,
    keyword_list,
    parse_source,
    split_authors,
)

NAME = "ovid_display"
LABEL = "Ovid citation display"


# Field labels Ovid writes in this display (any label is read; these serve to recognise
# the layout, and records without headers, by their content).
_KNOWN_LABELS = frozenset(
    label.lower()
    for label in (
        "Score", "Accession Number", "Unique Identifier", "Author", "Authors",
        "Authors Full Name", "Author e-mail", "Institution", "Title", "Chapter Title",
        "Source", "Abbreviated Source", "Status", "Abstract", "Author Keywords",
        "Keyword Heading", "MeSH Subject Headings", "Subject Headings", "Language",
        "Document Type", "Publication Type", "Journal Subset", "ISSN", "ISSN Print",
        "ISSN Electronic", "ISSN Linking", "ISBN", "NLM Journal Code", "DOI Number",
        "Digital Object Identifier", "Volume", "Issue", "Page", "Pagination",
        "Year of Publication", "Date of Publication", "Country of Publication",
        "References", "Link to the Ovid Full Text or citation", "Version ID",
    )
)


def _is_value(line: str) -> bool:
    return line[:1] in (" ", "\t") and not line.isspace()


def _next_index(lines: list[str], index: int) -> int:
    """Index of the first non-blank line after ``index`` (``len(lines)`` if none)."""
    index += 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _next_nonblank(lines: list[str], index: int) -> str:
    following = _next_index(lines, index)
    return lines[following] if following < len(lines) else ""


def _labelled_fields(lines: list[str]) -> int:
    """How many known labels are followed by an indented value line."""
    count = 0
    for index, line in enumerate(lines):
        if line[:1].isalpha() and line.strip().lower() in _KNOWN_LABELS:
            if _is_value(_next_nonblank(lines, index)):
                count += 1
    return count


def sniff(lines: list[str]) -> bool:
    """A ``<n>`` header followed by a label line and an indented value; or, without any
    header, at least three Ovid field labels each followed by an indented value (such a
    file is claimed so that parse() can say why it cannot be read)."""
    for index, line in enumerate(lines):
        if is_header(line):
            at = _next_index(lines, index)
            label = lines[at] if at < len(lines) else ""
            return label[:1].isalpha() and _is_value(_next_nonblank(lines, at))
    return _labelled_fields(lines) >= 3


def starts(lines: list[str]) -> list[int]:
    """Every ``<n>`` header line: the independent count of records."""
    return [number for number, line in enumerate(lines, 1) if is_header(line)]


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records from one ``<n>`` header to the next: (label, value) pairs in file order."""
    record: RawRecord | None = None
    before_first: list[int] = []
    without_value: list[int] = []
    pending: int | None = None  # line of the last label, until it gets a value
    for index, line in enumerate(lines):
        number = index + 1
        if not line or line.isspace():
            continue
        if is_header(line):
            if pending is not None:
                without_value.append(pending)
                pending = None
            if record is not None:
                yield record
            record = RawRecord(number, [])
            continue
        if _is_value(line):
            text = line.strip()
            if record is None:
                before_first.append(number)
            elif not record.tags:
                raise notes.error(
                    number,
                    "an indented value right after a record header, with no field label "
                    "('Title', 'Source'…) above it: not the Ovid citation layout expected",
                )
            else:
                continue_value(record, text)
                pending = None
            continue
        label = line.strip()
        if record is None:
            if label.lower() in _KNOWN_LABELS and _is_value(_next_nonblank(lines, index)):
                raise notes.error(
                    number,
                    f"field {label!r} before any '<1>' record header: this Ovid citation "
                    "file has no record headers, so its records cannot be told apart or "
                    "counted; export again from Ovid with the record numbers included",
                )
            before_first.append(number)
            continue
        if pending is not None:
            without_value.append(pending)
        record.tags.append((label, ""))
        pending = number
    if pending is not None:
        without_value.append(pending)
    if record is not None:
        yield record
    if before_first:
        notes.warn(
            before_first[0],
            f"{len(before_first)} line(s) before the first record ignored "
            "(search history or export header?)",
        )
    if without_value:
        notes.warn(
            without_value[0],
            f"{len(without_value)} field label line(s) with no indented value under them "
            "(a value that lost its indentation?); kept as empty fields",
        )


_SPACED_NAMES = re.compile(r"\s{2,}")


def _authors(values: list[str]) -> list[str]:
    """``;``-separated names, one per line, or (JabRef's fixture) separated by two spaces."""
    lines: list[str] = []
    for value in values:
        for line in value.split("\n"):
            line = line.strip()
            if ";" not in line and "," not in line and _SPACED_NAMES.search(line):
                lines.extend(_SPACED_NAMES.split(line))
            else:
                lines.append(line)
    return split_authors(lines)


_LINES = re.compile(r"\n")


def to_fields(raw: RawRecord) -> dict:
    """Map the labelled fields onto canonical fields, reading the ``Source`` line for
    journal, volume, issue, pages and year where no field of their own gives them."""
    tags = group_tags([(label.lower(), value) for label, value in raw.tags])
    fields = empty_fields()
    fields["title"] = clean_title(first(tags, "chapter title", "title"))
    fields["abstract"] = "\n".join(every(tags, "abstract")) or None
    fields["authors"] = _authors(
        every(tags, "authors full name") or every(tags, "author", "authors") or every(tags, "editors")
    )
    source = parse_source(first(tags, "source"))
    fields["year"] = (
        first(tags, "year of publication", "publication year", "date of publication")
        or source["year"]
    )
    fields["journal"] = first(tags, "journal name", "journal title") or source["journal"] or first(
        tags, "abbreviated source"
    )
    fields["volume"] = first(tags, "volume") or source["volume"]
    fields["issue"] = first(tags, "issue") or source["issue"]
    fields["pages"] = first(tags, "pagination", "page", "pages") or source["pages"]
    fields["doi"] = first(tags, "doi number", "digital object identifier", "doi")
    fields["issn"] = every(
        tags, "issn", "issn print", "print issn", "issn electronic", "electronic issn", "issn linking"
    )
    fields["isbn"] = every(tags, "isbn")
    fields["language"] = first(tags, "language")
    fields["publication_type"] = [
        value for value in every(tags, "publication type", "document type") if value.strip() != "-"
    ]
    fields["keywords"] = keyword_list(
        every(
            tags, "author keywords", "keywords", "keyword heading", "mesh subject headings",
            "subject headings",
        )
    )
    fields["url"] = split_values(
        every(tags, "link to the ovid full text or citation", "url", "link to the external link resolver"),
        _LINES,
    )
    fields["source_id"] = clean_accession(first(tags, "accession number", "unique identifier"))
    return fields
