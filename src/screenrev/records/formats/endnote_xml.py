"""EndNote XML (``<xml><records><record>…``) as written by EndNote, Zotero, Mendeley,
Bookends and JabRef.

The file is read with the standard library's incremental XML parser (the one under
``iterparse``), fed at most 64 KiB at a time and each record dropped once read, so memory
stays flat however large the export. DTDs and entity declarations are refused. Two
layouts are common:
one element per line (EndNote, Bookends) and the whole file on one line (Mendeley,
Zotero). Every text node may be wrapped in ``<style face=… font=… size=…>`` elements
(EndNote, JabRef fixtures); the text of those wrappers is joined.

Each record's raw tags are ``(path, text)`` pairs in document order, the path relative to
``<record>`` (``titles/title``, ``contributors/authors/author``, ``urls/related-urls/url``);
attributes are kept as ``path@name`` (``ref-type@name`` → ``Journal Article``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import DOI_HINT, Notes, every, first, group_tags, split_values

NAME = "endnote_xml"
LABEL = "EndNote XML"

# A ``<record>`` opening tag (not ``<records>``): the independent record count.
_RECORD_TAG = re.compile(r"<record(?=[\s/>])")
_ROOT = re.compile(r"<xml(?:\s[^<>]*)?>\s*(?:<!--.*?-->\s*)*<records[\s/>]", re.DOTALL)
_XML_DECL = re.compile(r"^(\s*)(<\?xml[^>]*\?>)")
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)")
_STYLE = "style"
_FEED_CHARS = 1 << 16


def sniff(lines: list[str]) -> bool:
    """The root element is ``<xml>`` and its first child ``<records>``."""
    head = "\n".join(line[:4000] for line in lines[:40])
    return _ROOT.search(head) is not None


def starts(lines: list[str]) -> list[int]:
    """The line of every ``<record>`` opening tag, once per tag.

    Mendeley and Zotero write the whole file on one line, so a line holding k tags
    contributes its number k times.
    """
    found: list[int] = []
    for number, line in enumerate(lines, 1):
        if "<record" in line:
            found.extend([number] * len(_RECORD_TAG.findall(line)))
    return found


def _clean(value: str) -> str:
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def _text(element: ET.Element) -> str:
    """The text of an element whose children are ``<style>`` wrappers (or none).

    Whitespace-only text holding a line break between wrappers is indentation of a
    pretty-printed file, not content, and is left out.
    """
    if len(element) == 0:
        return element.text or ""
    parts: list[str] = []
    head = element.text
    if head and (head.strip() or "\n" not in head):
        parts.append(head)
    for child in element:
        parts.append(_text(child))
        tail = child.tail
        if tail and (tail.strip() or "\n" not in tail):
            parts.append(tail)
    return "".join(parts)


def _walk(element: ET.Element, prefix: str, tags: list[tuple[str, str]]) -> None:
    """Append ``(path, text)`` for the children of ``element`` and below, in document order.

    A child whose own children are all ``<style>`` wrappers (or who has none) holds a
    value; any other child is a container whose text between elements, if not blank, is
    kept too.
    """
    for child in element:
        tag = child.tag
        if tag == _STYLE:
            continue
        path = prefix + tag
        if len(child) == 0:
            value = child.text
            if value and not value.isspace():
                tags.append((path, _clean(value)))
        elif all(grandchild.tag == _STYLE for grandchild in child):
            value = _clean(_text(child))
            if value:
                tags.append((path, value))
        else:
            own = (child.text or "") + "".join(grandchild.tail or "" for grandchild in child)
            if own.strip():
                tags.append((path, _clean(own)))
            if child.attrib:
                tags.extend((f"{path}@{name}", value) for name, value in child.attrib.items())
            _walk(child, path + "/", tags)
            continue
        if child.attrib:
            tags.extend((f"{path}@{name}", value) for name, value in child.attrib.items())


def _record_tags(record: ET.Element) -> list[tuple[str, str]]:
    tags: list[tuple[str, str]] = [(f"@{name}", value) for name, value in record.attrib.items()]
    _walk(record, "", tags)
    return tags


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records in document order, each with the line of its ``<record>`` tag.

    The parser is fed slices of at most 64 KiB, even of a file written on one line, so
    that only a few records are in memory at a time. The k-th ``<record>`` element the
    parser reports gets the line of the k-th ``<record`` tag found in the text.
    """
    parser = ET.XMLPullParser(events=("start", "end"))
    pending: deque[int] = deque()  # lines of <record> tags fed but not yet seen by the parser
    stack: list[ET.Element] = []
    record_depth = -1  # depth of the record being read, -1 outside records
    record_line = 0
    open_lines: list[int] = []
    batch: list[str] = []
    batch_chars = 0
    last = len(lines)
    prolog = True  # before the first non-blank line

    def events() -> Iterator[RawRecord]:
        nonlocal record_depth, record_line
        for event, element in parser.read_events():
            if event == "start":
                stack.append(element)
                if record_depth < 0 and element.tag == "record":
                    record_depth = len(stack)
                    if not pending:
                        raise notes.error(
                            None,
                            "the XML parser found a <record> element that the line scan did "
                            "not: unusual markup (a prefix or entity?) that cannot be read safely",
                        )
                    record_line = pending.popleft()
                    open_lines.append(record_line)
                continue
            depth = len(stack)
            stack.pop()
            if depth == record_depth:
                record_depth = -1
                open_lines.pop()
                yield RawRecord(record_line, _record_tags(element))
                element.clear()
                if stack:
                    stack[-1].remove(element)

    def feed(text: str) -> Iterator[RawRecord]:
        for offset in range(0, len(text), _FEED_CHARS):
            try:
                parser.feed(text[offset : offset + _FEED_CHARS])
                # XMLPullParser hands syntax errors over through its event queue.
                yield from events()
            except ET.ParseError as exc:
                raise _syntax_error(exc, notes, open_lines) from None

    for number, line in enumerate(lines, 1):
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if "<!" in line and _DTD.search(line):
            raise notes.error(
                number,
                "the file declares a DTD or entities (<!DOCTYPE/<!ENTITY): EndNote never "
                "writes these and they are not read, for safety; remove them and retry",
            )
        if prolog and line.strip():
            prolog = False
            # The declaration's encoding is moot (the text is already decoded) and blank
            # lines before it would be fatal to the parser: blank it out in place.
            line = _XML_DECL.sub(lambda m: m.group(1) + " " * len(m.group(2)), line, count=1)
        if "<record" in line:
            pending.extend([number] * len(_RECORD_TAG.findall(line)))
        batch.append(line)
        batch_chars += len(line) + 1
        if batch_chars >= _FEED_CHARS or number == last:
            yield from feed("\n".join(batch) + ("" if number == last else "\n"))
            batch.clear()
            batch_chars = 0
    try:
        parser.close()
        yield from events()
    except ET.ParseError as exc:
        raise _syntax_error(exc, notes, open_lines, at_end=True) from None


def _syntax_error(
    exc: ET.ParseError, notes: Notes, open_lines: list[int], at_end: bool = False
) -> Exception:
    line, column = getattr(exc, "position", (None, None))
    message = str(exc).split(":")[0]
    if at_end and open_lines:
        return notes.error(
            line,
            f"the file ends inside the record that starts on line {open_lines[0]} "
            f"({message}): truncated download? Re-export the file",
        )
    if at_end:
        return notes.error(
            line, f"the XML ends before its closing tags ({message}): truncated download?"
        )
    where = f" (record starting on line {open_lines[0]})" if open_lines else ""
    return notes.error(
        line, f"not well-formed XML at column {column}{where}: {message}; the file is damaged"
    )




_LINES = re.compile(r"\n")
_URL_TAGS = ("urls/related-urls/url", "urls/web-urls/url", "urls/text-urls/url")


def to_fields(raw: RawRecord) -> dict:
    """Map EndNote's element paths onto canonical fields."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    fields["title"] = first(tags, "titles/title", "titles/short-title")
    fields["abstract"] = "\n".join(every(tags, "abstract")) or None
    fields["authors"] = split_values(every(tags, "contributors/authors/author"), _LINES)
    fields["year"] = first(tags, "dates/year", "dates/pub-dates/date", "year")
    fields["journal"] = first(
        tags,
        "periodical/full-title",
        "titles/secondary-title",
        "alt-periodical/full-title",
        "periodical/abbr-1",
        "alt-periodical/abbr-1",
        "titles/alt-title",
    )
    fields["volume"] = first(tags, "volume")
    fields["issue"] = first(tags, "number", "issue")
    fields["pages"] = first(tags, "pages")
    url_values = [value for tag, value in raw.tags if tag.startswith("urls/") and "@" not in tag]
    doi = next((v for v in every(tags, "electronic-resource-num") if DOI_HINT.search(v)), None)
    if doi is None:
        doi = next((v for v in url_values if DOI_HINT.search(v)), None)
    fields["doi"] = doi or first(tags, "electronic-resource-num")
    # EndNote has one field for both: the content tells ISSN from ISBN in ``finish``.
    serials = every(tags, "isbn", "issn")
    fields["issn"] = list(serials)
    fields["isbn"] = list(serials)
    fields["language"] = first(tags, "language")
    fields["publication_type"] = every(tags, "ref-type@name", "work-type")
    fields["keywords"] = split_values(every(tags, "keywords/keyword"))
    fields["url"] = split_values(every(tags, *_URL_TAGS), _LINES)
    fields["source_id"] = first(tags, "accession-num", "rec-number")
    return fields
