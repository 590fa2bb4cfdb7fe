"""Web of Science tagged exports ("Plain text" / "Other reference software", ``.txt``,
``.ciw``, ``.isi``), including Zoological Record, BIOSIS, Inspec and MEDLINE records
exported from the WoS platform and the older "ISI Export Format".

Layout: a header ``FN <name>`` / ``VR 1.0``; each record starts with ``PT <type>`` and
ends with ``ER``; the file ends with ``EF``. A tag is two characters and one space;
continuation lines are indented by three spaces. List fields (``AU``, ``AF``, ``CR``,
``C1``) hold one item per line; ``DE``, ``ID``, ``WC`` and ``SC`` are ``;``-separated and
wrapped across lines at any word boundary.

Unlike common readers, nothing is dropped quietly: every tag is kept whether or not it
is known (Zoological Record's ``AN``/``BD``/``ST``/``TN``…, newer WoS's ``C3``/``WE``/
``Z8``…), a record cut short by the end of the file is a risk, a tag line outside any
record is an error, and lines whose layout had to be guessed are reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import Notes, continue_value, every, first, group_tags

NAME = "wos"
LABEL = "Web of Science tagged"

# A tag line: two characters (an uppercase letter, then a letter or digit) followed by a
# space or the end of the line (``ER``, ``EF``, an empty ``AU``).
_TAG = re.compile(r"([A-Z][A-Z0-9])(?: |$)")

# A person tag written without its space (``AUGilles, H``, seen in a metaknowledge test
# file): read as that tag when what follows looks like a name ("Surname, Initials").
_GLUED_NAME = re.compile(r"(AU|AF|BA|BE|BF|CA)([A-Z][^,;]*,.*)$")

# Lines that only belong to the file, never to a record.
_FILE_TAGS = frozenset({"FN", "VR", "EF"})


def sniff(lines: list[str]) -> bool:
    """A ``FN`` file header as the first line, or a file that starts with a ``PT`` record
    ending in ``ER`` (a header-less copy)."""
    if not lines:
        return False
    head = lines[0].lstrip("\ufeff")
    if head.startswith("FN ") or head == "FN":
        return any(line.startswith(("VR ", "PT ", "EF")) or line == "ER" for line in lines[1:])
    if head.startswith("PT ") and _TAG.match(head):
        return any(line.rstrip() == "ER" for line in lines)
    return False


def starts(lines: list[str]) -> list[int]:
    """Every line beginning ``PT ``: the independent count of records."""
    return [number for number, line in enumerate(lines, 1) if line[:3] == "PT " or line == "PT"]


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records from their ``PT`` line to their ``ER`` line (or the next ``PT``)."""
    record: RawRecord | None = None
    seen_record = False
    seen_ef = False
    unterminated: list[int] = []
    unindented: list[int] = []
    stray_text: list[int] = []
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        lead = line[0]
        if lead == " " or lead == "\t":
            text = line.strip()
            if not text:
                continue
            if record is not None and record.tags:
                continue_value(record, text)
            else:
                stray_text.append(number)
            continue
        match = _TAG.match(line)
        if match is None:
            glued = _GLUED_NAME.match(line.rstrip()) if record is not None else None
            if glued is not None:
                notes.warn(
                    number,
                    f"tag {glued.group(1)!r} written without the space after it; "
                    "read as that tag",
                )
                record.tags.append((glued.group(1), glued.group(2).strip()))
            elif record is not None and record.tags:
                # A continuation line that lost its indentation (seen in copies of WoS
                # files passed through other tools): kept with the previous tag.
                unindented.append(number)
                continue_value(record, line.strip())
            else:
                stray_text.append(number)
            continue
        tag = match.group(1)
        value = line[3:].strip()
        if tag == "PT":
            if record is not None:
                unterminated.append(record.line)
                yield record
            record = RawRecord(number, [(tag, value)])
            seen_record = True
        elif tag == "ER":
            if record is None:
                notes.warn(number, "ER line outside a record ignored")
            else:
                yield record
                record = None
        elif tag in _FILE_TAGS:
            if record is not None:
                if tag == "EF":
                    unterminated.append(record.line)
                    yield record
                    record = None
                else:
                    notes.risk(
                        record.line,
                        f"this record has no ER line before a new file header ({tag} on "
                        f"line {number}): the export may have been cut here",
                    )
                    yield record
                    record = None
            if tag == "EF":
                seen_ef = True
            elif tag == "FN":
                seen_ef = False
        elif record is None:
            raise notes.error(
                number,
                f"tag line outside a record ({tag!r} "
                + ("after a record's ER line" if seen_record else "before any PT line")
                + "): a record may have lost its PT line (corrupted or hand-edited file?)",
            )
        else:
            record.tags.append((tag, value))
    if record is not None:
        notes.risk(
            record.line,
            "the file ends inside this record (no ER line, no EF line): truncated download?",
        )
        yield record
    elif not seen_ef:
        notes.warn(None, "the file has no EF end line: it may have been cut after a complete record")
    if unterminated:
        notes.warn(
            unterminated[0],
            f"{len(unterminated)} record(s) without an ER line; each was closed at the next PT/EF line",
        )
    if unindented:
        notes.warn(
            unindented[0],
            f"{len(unindented)} continuation line(s) without the usual three-space indent "
            "were joined to the tag above them",
        )
    if stray_text:
        notes.warn(
            stray_text[0],
            f"{len(stray_text)} line(s) of text outside any record ignored",
        )


# Zoological Record and BIOSIS on the WoS platform append the e-mail to the name.
_EMAIL_SUFFIX = re.compile(r"\s*\([^()]*@[^()]*\)\s*$")


def _items(values: list[str]) -> list[str]:
    """One item per line and per ``;`` (``AU`` lists, ``AU a; b; c`` in MEDLINE-on-WoS)."""
    out: list[str] = []
    for value in values:
        for line in value.split("\n"):
            for part in line.split(";"):
                part = part.strip()
                if "@" in part:
                    part = _EMAIL_SUFFIX.sub("", part)
                if part:
                    out.append(part)
    return out


def _terms(values: list[str]) -> list[str]:
    """``;``-separated terms wrapped across lines at any space: unwrap, then split."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.replace("\n", " ").split(";") if part.strip())
    return out


def _pages(tags: dict[str, list[str]]) -> str | None:
    start, end = first(tags, "BP"), first(tags, "EP")
    if start and end and "-" not in start:
        return f"{start.strip()}-{end.strip()}"
    # PS: page span written whole (Zoological Record, Inspec, MEDLINE on WoS).
    return first(tags, "PS") or start or first(tags, "AR") or end


def to_fields(raw: RawRecord) -> dict:
    """Map WoS field tags onto canonical fields (full author names ``AF`` before ``AU``)."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    fields["title"] = first(tags, "TI")
    fields["abstract"] = "\n".join(every(tags, "AB")) or None
    fields["authors"] = _items(every(tags, "AF") or every(tags, "AU")) + _items(every(tags, "CA"))
    fields["year"] = first(tags, "PY", "EA", "PD")
    fields["journal"] = first(tags, "SO", "JI", "J9")
    fields["volume"] = first(tags, "VL")
    fields["issue"] = first(tags, "IS", "SU")
    fields["pages"] = _pages(tags)
    fields["doi"] = first(tags, "DI")
    fields["issn"] = every(tags, "SN", "EI")
    fields["isbn"] = every(tags, "BN")
    fields["language"] = first(tags, "LA")
    fields["publication_type"] = every(tags, "PT", "DT")
    fields["keywords"] = _terms(every(tags, "DE", "ID"))
    fields["url"] = [part for value in every(tags, "UR", "DL") for part in value.split()]
    fields["source_id"] = first(tags, "UT", "AN")
    return fields
