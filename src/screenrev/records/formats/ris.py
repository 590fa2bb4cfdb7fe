"""RIS in every vendor dialect: WoS, Scopus, EBSCOhost, Ovid, ProQuest, Cochrane, Embase.com,
Lens, Dimensions, APA PsycNet, PubMed via EndNote/Zotero, Rayyan.

Unlike common RIS readers, nothing is dropped: a byte-order mark is stripped before
parsing, a record without ``ER`` is closed by the next ``TY`` or by the end of the file,
every repeated tag is kept, and text outside any record that looks like data is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from ..record import RawRecord
from . import DOI_HINT, Notes, continue_value, every, first, group_tags

NAME = "ris"
LABEL = "RIS"

# A tag line: two characters (four for PsycNet's ``PMID``), one or two spaces, a dash,
# then the value after at most two spaces. Cochrane writes ``TY  -  JOUR``; Zotero test
# files have ``TY - JOUR``; Ovid tagged-as-RIS files indent by one space.
_TAG_LINE = re.compile(r"^[ ]?([A-Z][A-Z0-9]|PMID|PMCID)[ ]{1,2}-(?:[ ]{1,2}|$)(.*)$")
_TY_START = re.compile(r"^\s*TY {1,2}-")


def sniff(lines: list[str]) -> bool:
    """A ``TY  -`` line near the top and no stronger sign of another format."""
    return any(_TY_START.match(line) for line in lines)


def starts(lines: list[str]) -> list[int]:
    """Every ``TY`` line: the independent count of records."""
    # ``is_start`` written out: this runs once per line of a million-record file.
    return [
        number
        for number, line in enumerate(lines, 1)
        if line.lstrip()[:2] == "TY" and _TY_START.match(line)
    ]


def is_start(line: str) -> bool:
    """Whether a record starts on this line (a large file may be cut there and read in parts)."""
    return line.lstrip()[:2] == "TY" and _TY_START.match(line) is not None


_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPPER_DIGIT = _UPPER | frozenset("0123456789")
#: Every two-character tag but the record's start and end, each mapped to one shared copy
#: (a million-record file would otherwise hold twenty million two-letter strings).
_INNER_TAGS = {a + b: a + b for a in _UPPER for b in _UPPER_DIGIT if a + b not in ("TY", "ER")}


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records from their ``TY`` line to their ``ER`` line (or the next ``TY``).

    Ovid writes a few tags (``NL``) after a record's ``ER``: those still belong to the
    record just closed, so a record is only handed on when the next one starts.
    """
    record: RawRecord | None = None
    closed = False
    ended_with_er = 0
    unterminated: list[int] = []
    after_er: int | None = None
    upper, upper_digit, tag_line, inner_tags = _UPPER, _UPPER_DIGIT, _TAG_LINE, _INNER_TAGS
    # ``append`` adds to the tags of the record being read, None when no record is open:
    # an ordinary tag inside an open record, the bulk of every file, takes one test.
    append = None
    for number, line in enumerate(lines, 1):
        if append is not None and line[2:6] == "  - ":
            tag = inner_tags.get(line[:2])
            if tag is not None:
                append((tag, line[6:].strip()))
                continue
        # The usual ``XX  - value`` layout is sliced (this loop runs once per line of
        # a million-record file); the dialects go through the regex.
        if line[2:6] == "  - " and line[0] in upper and line[1] in upper_digit:
            tag = line[:2]
            value = line[6:].strip()
        elif not line:
            continue
        else:
            match = tag_line.match(line)
            if match is None:
                if record is not None and record.tags and not closed and line.strip():
                    continue_value(record, line.strip())
                continue
            tag = match.group(1)
            value = match.group(2).strip()
        if tag == "TY":
            if record is not None:
                if not closed:
                    unterminated.append(record.line)
                yield record
            record = RawRecord(number, [(tag, value)])
            append = record.tags.append
            closed = False
        elif record is None:
            if tag == "ER":
                notes.warn(number, "ER line outside a record ignored")
                continue
            raise notes.error(
                number,
                f"tag line outside a record ({tag!r} before any TY line): "
                "a record may have lost its start (corrupted file?)",
            )
        elif tag == "ER":
            if not closed:
                ended_with_er += 1
            closed = True
            append = None
        else:
            if closed:
                # Ovid writes NL after ER; a tag the record already has means a new
                # record whose TY line is missing, which must not be merged silently.
                if any(existing == tag for existing, _ in record.tags):
                    raise notes.error(
                        number,
                        f"{tag!r} line after the end (ER) of the record at line {record.line} "
                        "and before the next TY: a record may have lost its TY line",
                    )
                if after_er is None:
                    after_er = number
            record.tags.append((tag, value))
    if record is not None:
        # A file whose records all end at the next TY is a dialect without ER; otherwise a
        # last record without ER (the only one included) is where a download was cut.
        notes.open_ended = not closed and not ended_with_er
        if not closed and (ended_with_er or notes.partial or not unterminated):
            notes.risk(
                record.line,
                "the file ends inside this record (no ER line"
                + (" although the others have one" if ended_with_er else "") + "): truncated download?",
            )
        yield record
    if unterminated and (ended_with_er or notes.partial):
        notes.warn(
            unterminated[0],
            f"{len(unterminated)} record(s) without an ER line; each was closed at the next TY",
        )
    if after_er is not None:
        notes.warn(after_er, "tags after a record's ER line were kept with that record")


def _split(values: list[str], keywords: bool = False) -> list[str]:
    """Values split at continuation lines (and at ``;`` for keyword and URL lists)."""
    out: list[str] = []
    for value in values:
        if keywords and ";" in value:
            value = value.replace(";", "\n")
        if "\n" in value:
            out.extend(part for part in value.split("\n") if part.strip())
        else:
            out.append(value)
    return out


_NOT_DIGIT = re.compile(r"\D")


def to_fields(raw: RawRecord) -> dict:
    """Map the vendors' tags onto canonical fields (``N2``/``AB``, ``A1``/``AU``, …)."""
    tags = group_tags(raw.tags)
    start, end = first(tags, "SP"), first(tags, "EP")
    doi = first(tags, "DO", "DI")
    if doi is None:
        doi = next(
            (v for v in every(tags, "L3", "M3", "UR", "L2", "L1", "L4", "N1") if DOI_HINT.search(v)),
            None,
        )
    serials = every(tags, "SN", "IB")
    # Built whole rather than filled into ``empty_fields()``: every field has a value here,
    # and this runs once per record of a million-record file.
    return {
        "title": first(tags, "TI", "T1", "CT", "BT"),
        "abstract": "\n".join(every(tags, "AB") or every(tags, "N2")) or None,
        "authors": _split(every(tags, "AU", "A1")),
        "year": first(tags, "PY", "Y1", "DA", "Y2"),
        "journal": first(tags, "JF", "JO", "T2", "JA", "J2", "J1", "JI", "J9"),
        "volume": first(tags, "VL", "VO"),
        "issue": first(tags, "IS"),
        "pages": f"{start}-{end}" if start and end and "-" not in start else start or end,
        "doi": doi,
        "issn": serials,
        # Shorter values cannot hold ten digits (an ISSN has eight): no need to count them.
        "isbn": [
            value for value in serials if len(value) >= 10 and len(_NOT_DIGIT.sub("", value)) >= 10
        ],
        "language": first(tags, "LA", "LG"),
        # APA PsycNet puts the DOI in M3 ("type of work"): that is no type.
        "publication_type": [
            value for value in every(tags, "TY", "M3", "PT", "DT") if not DOI_HINT.search(value)
        ],
        "keywords": _split(every(tags, "KW", "DE"), keywords=True),
        "url": _split(every(tags, "UR", "L2", "LK"), keywords=True),
        "source_id": first(tags, "AN") or _embase_id(tags) or first(tags, "ID", "U1"),
    }


def _embase_id(tags: dict[str, list[str]]) -> str | None:
    value = first(tags, "U2")
    return value if value and re.fullmatch(r"L\d+", value.strip()) else None


# Writing: canonical records back to RIS that Zotero, EndNote and screenrev itself read.
_WRITE_ORDER: tuple[tuple[str, str], ...] = (
    ("title", "TI"),
    ("authors", "AU"),
    ("year", "PY"),
    ("journal", "T2"),
    ("volume", "VL"),
    ("issue", "IS"),
    ("doi", "DO"),
    ("issn", "SN"),
    ("isbn", "SN"),
    ("language", "LA"),
    ("publication_type", "M3"),
    ("keywords", "KW"),
    ("url", "UR"),
    ("source_id", "AN"),
    ("abstract", "AB"),
)
_RIS_TYPES = frozenset(
    "ABST ADVS AGGR ANCIENT ART BILL BLOG BOOK CASE CHAP CHART CLSWK COMP CONF CPAPER CTLG "
    "DATA DBASE DICT EBOOK ECHAP EDBOOK EJOUR ELEC ENCYC EQUA FIGURE GEN GOVDOC GRANT HEAR "
    "ICOMM INPR JFULL JOUR LEGAL MANSCPT MAP MGZN MPCT MULTI MUSIC NEWS PAMP PAT PCOMM RPRT "
    "SER SLIDE SOUND STAND STAT THES UNBILL UNPB VIDEO".split()
)


def write(records: Iterable[dict], out: TextIO, *, extra_tags: dict[str, str] | None = None) -> None:
    """Write canonical records as RIS, one ``TY``…``ER`` block each.

    ``extra_tags`` maps record keys (``key``, ``database``…) to the RIS tag that carries them
    (a list value: the tag once per item).
    """
    for record in records:
        types = record.get("publication_type") or []
        ris_type = next((t for t in types if t in _RIS_TYPES), "JOUR")
        out.write(f"TY  - {ris_type}\n")
        for field_name, tag in _WRITE_ORDER:
            value = record.get(field_name)
            if field_name == "publication_type":
                value = [t for t in value or [] if t != ris_type]
            values = value if isinstance(value, list) else [value]
            for item in values:
                if item:
                    out.write(f"{tag}  - {item}\n")
            if field_name == "volume" and record.get("pages"):
                start, _, end = record["pages"].partition("-")
                out.write(f"SP  - {start}\n")
                if end:
                    out.write(f"EP  - {end}\n")
        for name, tag in (extra_tags or {}).items():
            value = record.get(name)
            for item in value if isinstance(value, list) else [value]:
                if item:
                    out.write(f"{tag}  - {item}\n")
        out.write("ER  - \n\n")
