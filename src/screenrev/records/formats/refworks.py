"""RefWorks tagged: ``RT Journal Article`` starts a record, then ``XX value`` lines.

Tags are two characters (``A1``, ``T1``, ``JF``, ``YR``, ``K1``…) and one space; the
RefWorks spec also has ``U10``–``U15``, ``PMID`` and ``PMCID``. A record runs from its
``RT`` line to the next one; blank lines between records carry no meaning. RefWorks
writes a header before the records (``Refworks Export Tagged Format`` … ``BEGIN
EXPORTED REFERENCES``, with a legend of ``RT=Reference Type`` lines): text before the
first ``RT`` is skipped, but a *tag* line there means the file lost its start. Lines
that are not tag lines continue the previous value (joined with ``\\n``). A second
``T1`` in one record means an ``RT`` line is missing: an error, never a silent merge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import DOI_HINT, Notes, continue_value, every, first, group_tags, split_values

NAME = "refworks"
LABEL = "RefWorks tagged"

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]|U1[0-5]|PMID|PMCID) (.*)$")
_RT_LINE = re.compile(r"^RT \S")
_SHORT_TAG = re.compile(r"^[A-Z][A-Z0-9] ")
# Other formats' marks: RIS ``TY  -``, Web of Science ``FN``/``VR`` header lines.
_OTHER_FORMAT = re.compile(r"^\s*(?:TY {1,2}-|FN |VR |PMID- )")
_HEADER_END = "BEGIN EXPORTED REFERENCES"


def sniff(lines: list[str]) -> bool:
    """An ``RT <type>`` line followed by a tag line, and no RIS or WoS marks."""
    found = False
    for index, line in enumerate(lines):
        if _OTHER_FORMAT.match(line):
            return False
        if not found and _RT_LINE.match(line):
            following = next((later for later in lines[index + 1 :] if later.strip()), "")
            found = bool(_SHORT_TAG.match(following))
    return found


def starts(lines: list[str]) -> list[int]:
    """Every line beginning ``RT ``: the independent count of records."""
    return [number for number, line in enumerate(lines, 1) if line.startswith("RT ")]


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records from each ``RT`` line to the next, every tag kept in file order."""
    record: RawRecord | None = None
    blank_before = False
    title_line: int | None = None
    header_text: int | None = None
    header_marked = False
    paragraph_join: int | None = None
    tag_after_blank: int | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            blank_before = True
            continue
        match = _TAG_LINE.match(line)
        if match is None:
            if record is None:
                if line.startswith(_HEADER_END) or line.lower().startswith("refworks export"):
                    header_marked = True
                elif header_text is None:
                    header_text = number
            else:
                continue_value(record, line.strip())
                if blank_before and paragraph_join is None:
                    paragraph_join = number
            blank_before = False
            continue
        tag, value = match.group(1), match.group(2).strip()
        if tag == "RT":
            if record is not None:
                yield record
            record = RawRecord(number, [(tag, value)])
            title_line = None
        elif record is None:
            raise notes.error(
                number,
                f"tag line outside a record ({tag!r} before any RT line): the start of the "
                "file or a record's RT line is missing (truncated download?)",
            )
        else:
            if tag == "T1":
                if title_line is not None:
                    raise notes.error(
                        number,
                        f"a second T1 title in the record that starts on line {record.line} "
                        f"(first T1 on line {title_line}): a record's RT line is missing "
                        "(corrupted or hand-edited file?)",
                    )
                title_line = number
            if blank_before and tag_after_blank is None:
                tag_after_blank = number
            record.tags.append((tag, value))
        blank_before = False
    if record is not None:
        yield record
    if header_text is not None and not header_marked:
        notes.warn(header_text, "text before the first RT line was skipped (file header?)")
    if paragraph_join is not None:
        notes.warn(
            paragraph_join,
            "text after a blank line was joined to the value before it "
            "(a paragraph break inside a field)",
        )
    if tag_after_blank is not None:
        notes.warn(
            tag_after_blank,
            "a record goes on after a blank line; its tags were kept with the record "
            "above (RefWorks records start at RT lines)",
        )


def ends_whole(raw: RawRecord) -> bool | None:
    """True when the record ends with RefWorks' last line, whole: its output language,
    ``OL English(30)`` (None otherwise: the format cannot tell)."""
    tag, value = raw.tags[-1]
    return True if tag == "OL" and value.endswith(")") else None


_NON_DIGIT = re.compile(r"\D")
_WHITESPACE = re.compile(r"\s+")


def to_fields(raw: RawRecord) -> dict:
    """Map RefWorks tags onto canonical fields (``JF`` before ``JO``, ``SP``+``OP`` pages…)."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    fields["title"] = first(tags, "T1", "ST")
    fields["abstract"] = "\n".join(every(tags, "AB")) or None
    fields["authors"] = split_values(every(tags, "A1"))
    fields["year"] = first(tags, "YR", "FD")
    # JF full journal name; T2 the secondary title (book title of a section, or the
    # journal when JF is missing); JO the abbreviation.
    fields["journal"] = first(tags, "JF", "T2", "JO")
    fields["volume"] = first(tags, "VO")
    fields["issue"] = first(tags, "IS")
    start, other = first(tags, "SP"), first(tags, "OP")
    if start and other and "-" not in start:
        fields["pages"] = f"{start}-{other}"
    else:
        fields["pages"] = start or other
    fields["doi"] = first(tags, "DO") or next(
        (value for value in every(tags, "NO", "LK", "UL") if DOI_HINT.search(value)), None
    )
    serials = every(tags, "SN")
    fields["issn"] = serials
    fields["isbn"] = [value for value in serials if len(_NON_DIGIT.sub("", value)) >= 10]
    fields["language"] = first(tags, "LA")
    fields["publication_type"] = every(tags, "RT")
    fields["keywords"] = split_values(every(tags, "K1"))
    fields["url"] = split_values(every(tags, "UL", "LK"), _WHITESPACE)
    fields["source_id"] = first(tags, "AN", "PMID")
    return fields
