"""PubMed XML (``PubmedArticleSet``): what PubMed's "Save → PubMed XML" and efetch write.

Each ``PubmedArticle`` or ``PubmedBookArticle`` is one record. Its raw tags are the
element tree flattened to ``(path, text)`` pairs relative to the record element, in
document order: ``MedlineCitation/Article/ArticleTitle``, ``…/AuthorList/Author[2]/LastName``
(a sibling index only where an element repeats), attributes as ``…/ELocationID/@EIdType``.
Elements holding text with inline markup (``<i>``, ``<sup>``, MathML) give one pair with
the markup's text kept as plain text.

The file is read with the standard library's expat-based pull parser, one record at a
time, so memory stays flat on large files. A document type declaration with entity
definitions is refused; a malformed or truncated document is an error naming its line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import Notes

NAME = "pubmed_xml"
LABEL = "PubMed XML"

_RECORD_TAGS = frozenset({"PubmedArticle", "PubmedBookArticle"})
# An opening record tag: ``<PubmedArticle>``, ``<PubmedArticle attr=…>``, ``<PubmedBookArticle>``
# (not ``<PubmedArticleSet>``).
_OPEN_RECORD = re.compile(r"<Pubmed(?:Book)?Article(?=[\s>/]|$)")
_SNIFF = re.compile(r"<(?:!DOCTYPE\s+)?Pubmed(?:Book)?Article(?:Set)?(?=[\s>/]|$)")
# Inline markup allowed inside PubMed text elements (%text; in the DTD).
_INLINE = frozenset({"i", "b", "u", "sup", "sub"})
_CHUNK_LINES = 200


def sniff(lines: list[str]) -> bool:
    """An XML document with a ``PubmedArticleSet`` (or ``PubmedArticle``) element near the top."""
    if not lines or not lines[0].lstrip().startswith("<"):
        return False
    return any("Pubmed" in line and _SNIFF.search(line) for line in lines)


def starts(lines: list[str]) -> list[int]:
    """The line of every opening ``<PubmedArticle>``/``<PubmedBookArticle>`` tag (once per tag)."""
    found: list[int] = []
    for number, line in enumerate(lines, 1):
        if "<Pubmed" in line:
            found.extend(number for _ in _OPEN_RECORD.finditer(line))
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag


def _is_text(element: ET.Element) -> bool:
    """An element whose content is text, maybe with inline markup, not sub-elements."""
    if element.text and not element.text.isspace():
        return True
    for child in element:
        if child.tail and not child.tail.isspace():
            return True
    return all(child.tag in _INLINE or child.tag[:1] == "{" for child in element)


def _flatten(element: ET.Element, path: str, out: list[tuple[str, str]]) -> None:
    """Append ``element``'s attributes and content as (path, text) pairs, in document order."""
    attrib = element.attrib
    if attrib:
        for name, value in attrib.items():
            if name[:1] == "{":
                name = _local(name)
            out.append((f"{path}/@{name}" if path else f"@{name}", value))
    if not len(element):
        if path:
            text = element.text
            out.append((path, text.strip() if text else ""))
        return
    if _is_text(element):
        if path:
            out.append((path, "".join(element.itertext()).strip()))
        return
    prefix = f"{path}/" if path else ""
    if len(element) == 1:
        child = element[0]
        tag = child.tag
        _flatten(child, prefix + (_local(tag) if tag[:1] == "{" else tag), out)
        return
    counts: dict[str, int] = {}
    for child in element:
        tag = child.tag
        counts[tag] = counts.get(tag, 0) + 1
    seen: dict[str, int] = {}
    for child in element:
        tag = child.tag
        name = _local(tag) if tag[:1] == "{" else tag
        if counts[tag] > 1:
            number = seen.get(tag, 0) + 1
            seen[tag] = number
            name = f"{name}[{number}]"
        _flatten(child, prefix + name, out)


def _prolog_entities(lines: list[str]) -> int | None:
    """The line of an ``<!ENTITY`` declaration before the root element, if any."""
    for number, line in enumerate(lines, 1):
        if "<!ENTITY" in line:
            return number
        if "<Pubmed" in line and "<!DOCTYPE" not in line:
            return None
    return None


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records in document order, each at the line of its opening tag."""
    entity = _prolog_entities(lines)
    if entity is not None:
        raise notes.error(
            entity,
            "the document type declaration defines entities: refused for safety "
            "(PubMed never writes them); remove the <!DOCTYPE …[…]> internal subset",
        )
    opening: list[int] = []
    for number, line in enumerate(lines, 1):
        if "<Pubmed" in line:
            position = line.find("<Pubmed")
            while position != -1:
                rest = line[position + 7 : position + 19]
                if rest.startswith("BookArticle"):
                    after = line[position + 18 : position + 19]
                elif rest.startswith("Article"):
                    after = line[position + 14 : position + 15]
                else:
                    after = "x"
                if after == "" or after in ">/" or after.isspace():
                    opening.append(number)
                position = line.find("<Pubmed", position + 1)

    parser = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    record_depth: int | None = None
    count = 0
    finished = 0
    ignored: dict[str, int] = {}

    def events(text: str, last_line: int, closing: bool) -> list[tuple[str, ET.Element]]:
        try:
            if closing:
                parser.close()
            else:
                parser.feed(text)
            return list(parser.read_events())
        except ET.ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else last_line
            message = str(exc).split(":", 1)[0]
            if message.startswith("junk after document element"):
                hint = "two XML files joined into one? import each file on its own"
            elif message.startswith("undefined entity"):
                hint = (
                    "an entity XML does not define (HTML's &nbsp;?): the file was not "
                    "written by PubMed as it stands"
                )
            else:
                hint = "the file is damaged or truncated; download it again"
            raise notes.error(line, f"malformed XML ({message}): {hint}") from None

    def batches() -> Iterator[tuple[str, int, bool]]:
        # Small batches: elements die young, which keeps the garbage collector cheap.
        total = len(lines)
        for i in range(0, total, _CHUNK_LINES):
            yield "\n".join(lines[i : i + _CHUNK_LINES]) + "\n", min(i + _CHUNK_LINES, total), False
        yield "", total, True

    for text, last_line, closing in batches():
        for event, element in events(text, last_line, closing):
            if event == "start":
                if record_depth is None and element.tag in _RECORD_TAGS:
                    record_depth = len(stack)
                stack.append(element)
                continue
            stack.pop()
            if record_depth is not None:
                if len(stack) != record_depth:
                    continue
                record_depth = None
                if count >= len(opening):
                    raise notes.error(
                        None,
                        f"more {element.tag} elements than opening tags found in the "
                        "text: the file does not have the layout expected",
                    )
                tags: list[tuple[str, str]] = []
                _flatten(element, "", tags)
                yield RawRecord(opening[count], tags)
                count += 1
            elif len(stack) == 1:
                name = _local(element.tag)
                if name not in ("PubmedArticleSet", "PubmedBookArticleSet"):
                    ignored[name] = ignored.get(name, 0) + 1
            else:
                continue
            # Free what was read: the record (or ignored element) is done; its empty
            # shell leaves its parent after this batch of events.
            element.clear()
            if len(stack) == 1:
                finished += 1
        if finished and stack:
            # Finished children of the root come first: only the last may be open.
            del stack[0][:finished]
            finished = 0
    if count != len(opening):
        raise notes.error(
            opening[count] if count < len(opening) else None,
            f"{len(opening)} opening record tags in the text but {count} record elements "
            "parsed (a tag inside a comment or CDATA?)",
        )
    for name, number in ignored.items():
        notes.warn(
            None,
            f"{number} <{name}> element(s) that are not articles ignored"
            + (" (PubMed's list of deleted PMIDs)" if name == "DeleteCitation" else ""),
        )


_INDEX = re.compile(r"\[\d+\]")

_ARTICLE = "MedlineCitation/Article/"
_TITLE_PATHS = (
    _ARTICLE + "ArticleTitle",
    "BookDocument/ArticleTitle",
    "BookDocument/Book/BookTitle",
    _ARTICLE + "VernacularTitle",
)
_ABSTRACT_PATHS = (
    _ARTICLE + "Abstract/AbstractText",
    "BookDocument/Abstract/AbstractText",
    "MedlineCitation/OtherAbstract/AbstractText",
)
_AUTHOR_LISTS = (_ARTICLE + "AuthorList", "BookDocument/AuthorList", "BookDocument/Book/AuthorList")
_YEAR_PATHS = (
    _ARTICLE + "Journal/JournalIssue/PubDate/Year",
    _ARTICLE + "Journal/JournalIssue/PubDate/MedlineDate",
    _ARTICLE + "ArticleDate/Year",
    "BookDocument/Book/PubDate/Year",
    "BookDocument/Book/PubDate/MedlineDate",
)
_JOURNAL_PATHS = (
    _ARTICLE + "Journal/Title",
    _ARTICLE + "Journal/ISOAbbreviation",
    "MedlineCitation/MedlineJournalInfo/MedlineTA",
)
_ID_LISTS = {
    # element path → the attribute naming the kind of identifier
    _ARTICLE + "ELocationID": "EIdType",
    "PubmedData/ArticleIdList/ArticleId": "IdType",
    "BookDocument/ArticleIdList/ArticleId": "IdType",
    "PubmedBookData/ArticleIdList/ArticleId": "IdType",
}


# Path without sibling indexes → [(position in the raw tags, path, value), …].
_Plain = dict[str, list[tuple[int, str, str]]]


def _first(plain: _Plain, *paths: str) -> str | None:
    for path in paths:
        for _, _, value in plain.get(path, ()):
            if value.strip():
                return value
    return None


def _all(plain: _Plain, *paths: str) -> list[str]:
    return [value for path in paths for _, _, value in plain.get(path, ()) if value.strip()]


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0]


def _authors(plain: _Plain, attrs: dict[str, str]) -> list[str]:
    for author_list in _AUTHOR_LISTS:
        people: dict[str, dict[str, str]] = {}
        order: dict[str, int] = {}
        for part in ("LastName", "ForeName", "Initials", "Suffix", "CollectiveName"):
            for position, path, value in plain.get(f"{author_list}/Author/{part}", ()):
                author = _parent(path)
                people.setdefault(author, {})[part] = value.strip()
                order[author] = min(order.get(author, position), position)
        names: list[tuple[int, str]] = []
        for author, parts in people.items():
            if attrs.get(author + "/@ValidYN", "Y") == "N":
                continue
            if attrs.get(_parent(author) + "/@Type", "authors") == "editors":
                continue
            last = parts.get("LastName")
            if last:
                given = parts.get("ForeName") or parts.get("Initials")
                name = f"{last}, {given}" if given else last
                if parts.get("Suffix"):
                    name += " " + parts["Suffix"]
            else:
                name = parts.get("CollectiveName") or ""
            if name:
                names.append((order[author], name))
        if names:
            return [name for _, name in sorted(names)]
    return []


def _mesh(plain: _Plain, attrs: dict[str, str]) -> list[str]:
    # Written as MEDLINE's MH lines are: ``Descriptor/*qualifier``, ``*`` for major topics.
    headings: dict[str, list[tuple[str, str]]] = {}
    base = "MedlineCitation/MeshHeadingList/MeshHeading/"
    for kind in ("DescriptorName", "QualifierName"):
        for position, path, value in plain.get(base + kind, ()):
            major = "*" if attrs.get(path + "/@MajorTopicYN") == "Y" else ""
            headings.setdefault(_parent(path), []).append((position, kind, f"{major}{value.strip()}"))
    out: list[tuple[int, str]] = []
    for parts in headings.values():
        parts.sort()
        descriptor = next((text for _, kind, text in parts if kind == "DescriptorName"), None)
        if not descriptor:
            continue
        qualifiers = [text for _, kind, text in parts if kind == "QualifierName"]
        out.append((parts[0][0], "/".join([descriptor, *qualifiers])))
    return [text for _, text in sorted(out)]


def to_fields(raw: RawRecord) -> dict:
    """Map the flattened PubMed XML paths onto canonical fields."""
    plain: _Plain = {}
    attrs: dict[str, str] = {}
    for position, (path, value) in enumerate(raw.tags):
        if "@" in path:
            attrs[path] = value
            continue
        key = _INDEX.sub("", path) if "[" in path else path
        if key in plain:
            plain[key].append((position, path, value))
        else:
            plain[key] = [(position, path, value)]

    fields = empty_fields()
    fields["title"] = _first(plain, *_TITLE_PATHS)
    abstract: list[str] = []
    for source in _ABSTRACT_PATHS:
        for _, path, value in plain.get(source, ()):
            if not value.strip():
                continue
            label = attrs.get(path + "/@Label", "")
            abstract.append(f"{label}: {value}" if label and label != "UNLABELLED" else value)
        if abstract:
            break
    fields["abstract"] = "\n".join(abstract) or None
    fields["authors"] = _authors(plain, attrs)
    fields["year"] = _first(plain, *_YEAR_PATHS)
    fields["journal"] = _first(plain, *_JOURNAL_PATHS)
    if fields["journal"] is None and _first(plain, "BookDocument/ArticleTitle"):
        fields["journal"] = _first(plain, "BookDocument/Book/BookTitle")
    fields["volume"] = _first(plain, _ARTICLE + "Journal/JournalIssue/Volume", "BookDocument/Book/Volume")
    fields["issue"] = _first(plain, _ARTICLE + "Journal/JournalIssue/Issue")
    pages = _first(plain, _ARTICLE + "Pagination/MedlinePgn", "BookDocument/Pagination/MedlinePgn")
    if pages is None:
        start = _first(plain, _ARTICLE + "Pagination/StartPage")
        end = _first(plain, _ARTICLE + "Pagination/EndPage")
        pages = f"{start}-{end}" if start and end else start
    fields["pages"] = pages
    ids: dict[str, list[str]] = {}
    for element, attribute in _ID_LISTS.items():
        for _, path, value in plain.get(element, ()):
            kind = attrs.get(f"{path}/@{attribute}", "").lower()
            if value.strip():
                ids.setdefault(kind, []).append(value)
    fields["doi"] = next(iter(ids.get("doi", ())), None)
    fields["url"] = ids.get("url", [])
    fields["issn"] = _all(plain, _ARTICLE + "Journal/ISSN", "MedlineCitation/MedlineJournalInfo/ISSNLinking")
    fields["isbn"] = _all(plain, "BookDocument/Book/Isbn")
    fields["language"] = ";".join(_all(plain, _ARTICLE + "Language", "BookDocument/Language")) or None
    fields["publication_type"] = _all(
        plain, _ARTICLE + "PublicationTypeList/PublicationType", "BookDocument/PublicationType"
    )
    fields["keywords"] = _mesh(plain, attrs) + _all(
        plain, "MedlineCitation/KeywordList/Keyword", "BookDocument/KeywordList/Keyword"
    )
    fields["source_id"] = _first(plain, "MedlineCitation/PMID", "BookDocument/PMID")
    return fields
