"""WHO ICTRP search portal exports ("Export … to XML"): ``<Trials_downloaded_from_ICTRP>``
holding one ``<Trial>`` per record, each a flat list of elements (``TrialID``,
``Public_title``, ``Condition``…) whose text is padded with a line break and spaces.

The ICTRP gathers the records of every primary register (ClinicalTrials.gov, EU CTR,
ChiCTR, ISRCTN…) and keeps their ids (``NCT…``, ``EUCTR2018-004758-39-IT``…); the
register a record comes from is kept in ``extra`` as ``Source register``.

Read with the standard library's pull parser, a few lines at a time. Each record's raw
tags are its elements' ``(name, text)`` in document order (``parent/child`` for an element
inside another). A document type declaration or entity definition is refused; a file cut
off is an error naming the trial it ends in.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import Notes, every, first, group_tags, split_values
from .trials import marks, record_types, secondary_ids

NAME = "ictrp_xml"
LABEL = "WHO ICTRP XML"
DATABASE = "WHO ICTRP"

_ROOT = "Trials_downloaded_from_ICTRP"
_TRIAL = re.compile(r"<Trial(?=[\s>/])")
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)")
_FEED_LINES = 500
_YYYYMMDD = re.compile(r"\d{8}")
# Where the values of a list field are cut: ``;``, line breaks and HTML breaks.
_PARTS = re.compile(r";|\n|\r|<br\s*/?>", re.IGNORECASE)
# MedDRA's bookkeeping, which EU registers write into the condition: not a condition.
_MEDDRA = re.compile(r"^(?:MedDRA version|Level|Classification code|System Organ Class)\b", re.IGNORECASE)


def sniff(lines: list[str]) -> bool:
    """The ICTRP's root element near the top of an XML document."""
    return bool(lines) and lines[0].lstrip("\ufeff \t").startswith("<") and any(
        f"<{_ROOT}" in line for line in lines[:20])


def starts(lines: list[str]) -> list[int]:
    """The line of every ``<Trial>`` opening tag, once per tag."""
    return marks(lines, "<Trial", _TRIAL)


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """The trials in document order, each at the line of its ``<Trial>`` tag."""
    parser = ET.XMLPullParser(events=("start", "end"))
    opening = starts(lines)
    depth = 0
    count = 0
    ignored: dict[str, int] = {}
    root = ET.Element(_ROOT)
    # Batches of lines, then an empty one that closes the parser.
    for begin in [*range(0, len(lines), _FEED_LINES), len(lines)]:
        batch = lines[begin:begin + _FEED_LINES]
        for offset, line in enumerate(batch, begin + 1):
            if "<!" in line and _DTD.search(line):
                raise notes.error(offset, "the file declares a DTD or entities (<!DOCTYPE/<!ENTITY): the "
                                          "ICTRP never writes these and they are not read, for safety")
        try:
            if batch:
                if begin == 0:
                    batch = [batch[0].lstrip("\ufeff")] + batch[1:]
                parser.feed("\n".join(batch) + "\n")
            else:
                parser.close()
            events = list(parser.read_events())
        except ET.ParseError as exc:
            # At the end every trial the text opens has been read, but for the one cut off.
            raise _malformed(exc, notes, opening[count] if count < len(opening) else None,
                             at_end=not batch) from None
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                continue
            depth -= 1
            if depth != 1:
                continue
            if element.tag != "Trial":
                ignored[element.tag] = ignored.get(element.tag, 0) + 1
            elif count >= len(opening):
                raise notes.error(None, "more <Trial> elements than <Trial> tags in the text: "
                                        "the file does not have the layout expected")
            else:
                tags = [(f"@{name}", value) for name, value in element.attrib.items()]
                _flatten(element, "", tags)
                yield RawRecord(opening[count], tags, _extra(tags))
                count += 1
            element.clear()
            root.remove(element)  # read: only the trial being read stays in memory
    if count != len(opening):
        raise notes.error(opening[count] if count < len(opening) else None,
                          f"{len(opening)} <Trial> tags in the text but {count} trials read "
                          "(a tag inside a comment or CDATA?)")
    for name, number in ignored.items():
        notes.warn(None, f"{number} <{name}> element(s) that are not trials ignored")


def _malformed(exc: ET.ParseError, notes: Notes, trial: int | None, at_end: bool) -> Exception:
    line = exc.position[0] if getattr(exc, "position", None) else None
    message = str(exc).split(":", 1)[0]
    if at_end:
        where = f"inside the trial that starts on line {trial}" if trial else f"before its closing </{_ROOT}>"
        return notes.error(line, f"the file ends {where} ({message}): cut off (truncated "
                                 "download)? Export it again")
    return notes.error(line, f"malformed XML ({message}): the file is damaged or cut off; export it again")


def _flatten(element: ET.Element, prefix: str, out: list[tuple[str, str]]) -> None:
    for child in element:
        path = prefix + child.tag
        for name, value in child.attrib.items():
            out.append((f"{path}/@{name}", value))
        if len(child):
            _flatten(child, path + "/", out)
        else:
            out.append((path, (child.text or "").strip()))


def _extra(tags: list[tuple[str, str]]) -> dict[str, str]:
    grouped = group_tags(tags)
    extra = secondary_ids(every(grouped, "Secondary_ID"), first(grouped, "TrialID"))
    register = first(grouped, "Source_Register")
    if register:
        extra["Source register"] = register
    return extra


def _parts(grouped: dict[str, list[str]], *tags: str) -> list[str]:
    return [part for part in split_values(every(grouped, *tags), _PARTS) if not _MEDDRA.match(part)]


def to_fields(raw: RawRecord) -> dict:
    """The trial's elements mapped onto canonical fields."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    fields["source_id"] = first(tags, "TrialID")
    fields["title"] = first(tags, "Public_title", "Scientific_title")
    fields["authors"] = _parts(tags, "Primary_sponsor", "Secondary_Sponsor")
    # Date_registration3 is written YYYYMMDD; Date_registration as each register writes it.
    registered = first(tags, "Date_registration3") or ""
    fields["year"] = registered[:4] if _YYYYMMDD.fullmatch(registered) else first(
        tags, "Date_registration", "Date_enrollement")
    fields["url"] = every(tags, "web_address")
    fields["publication_type"] = record_types(first(tags, "Study_type"))
    fields["keywords"] = _parts(tags, "Condition", "Intervention")
    return fields
