"""PubMed MEDLINE (``.nbib``/``.txt``) exports, with ERIC's and PubMed Central's variants.

Layout: a tag of up to four characters left-justified in four columns, then ``- ``
(``PMID- ``, ``FAU - ``, ``AU  - ``); continuation lines indented by six spaces; records
separated by blank lines. ERIC writes the same layout without PMIDs (``OWN - ERIC``,
``OID``, and five-column ``ISSN - ``/``ISBN - `` tags); PubMed Central starts each record
with ``PMC - `` before its ``PMID``.

A record is a blank-line-separated block of tag lines. Unlike common readers, nothing is
dropped quietly: a block without a PMID in a file whose other records have one is still
a record (with a warning), two records run together without a blank line are split at
the second PMID, text outside any record is reported, and a last record cut short
(the others have an ``SO`` line, it has none) is a risk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import DOI_HINT, Notes, continue_value, every, first, group_tags

NAME = "medline"
LABEL = "PubMed/MEDLINE"

# A tag line: two to four characters (uppercase letter first), padding spaces, a dash,
# then the value. PubMed pads to four columns (``AU  - ``); ERIC writes ``ISSN - ``;
# hand-made files have ``PMID-22664220``, ``TI-`` and ``TI  -value``.
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,3}-(.*)")

# Tags that only MEDLINE-style exports write in the padded layout (RIS and Ovid use
# two-character tags): one of them near the top identifies the format.
_SNIFF = re.compile(
    r"^(?:PMID {0,2}-|(?:OWN|FAU|PMC|OID|JID|LID|AID|DEP|STAT|PMCR|DCOM|EDAT|MHDA|CRDT|PHST|"
    r"PST|BTI|AUID) {0,2}-)"
)
_OVID_MARKER = re.compile(r"^<\d+\.\s*>")
_RIS_START = re.compile(r"^\s*TY {1,2}-")

# starts(): the first tag line of each block, and a PMID line inside a block that
# already had one (two records without a blank line between them).
_START_TAG = re.compile(r"^[A-Z][A-Z0-9]{1,3} {0,3}-")


def sniff(lines: list[str]) -> bool:
    """A MEDLINE-only tag (``PMID-``, ``OWN -``, ``FAU -``, ``PMC -``…) and no RIS/Ovid marker."""
    found = False
    for line in lines:
        if _RIS_START.match(line) or _OVID_MARKER.match(line):
            return False
        if not found and _SNIFF.match(line):
            found = True
    return found


def starts(lines: list[str]) -> list[int]:
    """The first tag line after each blank line (or the file's start), plus any second
    ``PMID`` line of a block: the independent count of records."""
    found: list[int] = []
    after_blank = True
    block_has_pmid = False
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():
            after_blank = True
            continue
        if not _START_TAG.match(line):
            continue
        is_pmid = line.startswith("PMID")
        if after_blank:
            found.append(number)
            after_blank = False
            block_has_pmid = is_pmid
        elif is_pmid:
            if block_has_pmid:
                found.append(number)
            block_has_pmid = True
    return found


def _tag(line: str) -> tuple[str, str] | None:
    # Fast path for PubMed's own ``XXXX- value`` layout, regex for the variants.
    if line[4:6] == "- " and "A" <= line[0] <= "Z":
        tag = line[:4].rstrip()
        if len(tag) >= 2 and tag.isascii() and tag.isalnum() and tag.isupper():
            return tag, line[6:].strip()
    if not ("A" <= line[:1] <= "Z"):
        return None
    match = _TAG_LINE.match(line)
    if match is None:
        return None
    return match.group(1), match.group(2).strip()


def _has(record: RawRecord, wanted: str) -> bool:
    return any(tag == wanted for tag, _ in record.tags)


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records from the first tag line of each blank-line-separated block.

    Indented lines continue the previous tag's value (joined with ``\\n``); an
    unindented line that is not a tag line inside a record is kept in the raw tags
    under the empty tag and reported.
    """
    record: RawRecord | None = None
    has_pmid = False
    after_blank = True
    any_pmid = False
    without_pmid: list[int] = []
    run_together: list[int] = []
    stray_text: list[int] = []
    untagged: list[int] = []
    detached: list[int] = []
    with_so = 0
    records = 0
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():
            after_blank = True
            continue
        parsed = _tag(line)
        if parsed is None:
            indented = line[0] in " \t"
            if after_blank or record is None:
                if indented and record is not None and record.tags:
                    # A value broken by a blank line: it still belongs to the record above.
                    continue_value(record, line.strip())
                    detached.append(number)
                else:
                    stray_text.append(number)
                continue
            if indented:
                continue_value(record, line.strip())
            else:
                record.tags.append(("", line.strip()))
                untagged.append(number)
            continue
        tag, value = parsed
        is_pmid = tag == "PMID"
        if after_blank or (is_pmid and has_pmid):
            if record is not None:
                if not has_pmid:
                    without_pmid.append(record.line)
                if has_pmid and _has(record, "SO"):
                    with_so += 1
                records += 1
                yield record
            if not after_blank:
                run_together.append(number)
            record = RawRecord(number, [(tag, value)])
            has_pmid = is_pmid
            after_blank = False
        else:
            record.tags.append((tag, value))
            has_pmid = has_pmid or is_pmid
        any_pmid = any_pmid or is_pmid
    if record is not None:
        if not has_pmid:
            without_pmid.append(record.line)
        # PubMed ends every article with its SO (source) line; Bookshelf records have
        # none (but a BTI), nor have ERIC's reports (no PMID). A last PubMed article
        # without SO after PubMed articles that all have one was cut off.
        if (
            records
            and with_so == records
            and has_pmid
            and not _has(record, "SO")
            and not _has(record, "BTI")
        ):
            notes.risk(
                record.line,
                "the last record has no SO line although every other record has one: "
                "the file may be truncated (incomplete download?)",
            )
        yield record
    if any_pmid and without_pmid:
        notes.warn(
            without_pmid[0],
            f"{len(without_pmid)} record(s) without a PMID line in a PubMed file "
            "(imported as records: check them)",
        )
    if run_together:
        notes.warn(
            run_together[0],
            f"{len(run_together)} record(s) not separated from the previous one by a "
            "blank line; split at their PMID line",
        )
    if stray_text:
        notes.warn(
            stray_text[0],
            f"{len(stray_text)} line(s) of text outside any record ignored "
            "(not in the MEDLINE tag layout)",
        )
    if untagged:
        notes.warn(
            untagged[0],
            f"{len(untagged)} line(s) inside records are neither tag lines nor indented "
            "continuation lines; kept in the raw tags only",
        )
    if detached:
        notes.warn(
            detached[0],
            f"{len(detached)} indented line(s) after a blank line joined to the value "
            "above them",
        )


def ends_whole(raw: RawRecord) -> bool | None:
    """Whether the record ends as ERIC's and PubMed's do: an ERIC record with its ``PT``
    publication types, a PubMed article (an owner, a PMID) with its ``SO`` citation, which
    ends with a full stop. False when such a record lacks that line (Bookshelf records have
    a ``BTI`` and no ``SO``); None for other writers, or an ``SO`` cut short."""
    tag, value = raw.tags[-1]
    owner = next((text.upper() for own, text in raw.tags if own == "OWN"), None)
    if owner == "ERIC":
        return tag == "PT"
    if tag == "SO":
        return True if value.endswith(".") else None
    if owner and _has(raw, "PMID") and not _has(raw, "SO") and not _has(raw, "BTI"):
        return False
    return None


_ISSN_SUFFIX = re.compile(r"\s*\((?:Electronic|Print|Linking)\)\s*$", re.IGNORECASE)
_URL_START = ("http://", "https://", "ftp://", "www.")


def _doi(tags: dict[str, list[str]]) -> str | None:
    ids = every(tags, "LID", "AID")
    for value in ids:
        if value.rstrip().endswith("[doi]"):
            return value.rstrip()[:-5]
    for value in ids:
        if DOI_HINT.search(value):
            return value
    source = first(tags, "SO")
    if source and "doi:" in source.lower():
        return source[source.lower().index("doi:") :]
    return None


def _authors(raw: RawRecord) -> list[str]:
    # Full names (FAU) with corporate authors (CN) in file order; AU when no FAU at all
    # (ERIC writes ``AU  - Smith, Tom``).
    names = "FAU" if any(tag == "FAU" for tag, _ in raw.tags) else "AU"
    return [
        " ".join(value.split())
        for tag, value in raw.tags
        if (tag == names or tag == "CN") and value.strip()
    ]


def to_fields(raw: RawRecord) -> dict:
    """Map MEDLINE tags onto canonical fields (``TI``/``BTI``, ``FAU``/``AU``, ``JT``/``TA``…)."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    titles = every(tags, "TI")
    book_title = first(tags, "BTI")
    fields["title"] = " ".join(titles) or book_title or first(tags, "TT")
    fields["abstract"] = "\n".join(every(tags, "AB")) or None
    fields["authors"] = _authors(raw)
    fields["year"] = first(tags, "DP", "DEP")
    fields["journal"] = first(tags, "JT", "TA") or (book_title if titles else None)
    fields["volume"] = first(tags, "VI")
    fields["issue"] = first(tags, "IP")
    fields["pages"] = first(tags, "PG")
    fields["doi"] = _doi(tags)
    fields["issn"] = [_ISSN_SUFFIX.sub("", value) for value in every(tags, "IS", "ISSN")]
    fields["isbn"] = every(tags, "ISBN")
    fields["language"] = ";".join(every(tags, "LA")) or None
    fields["publication_type"] = every(tags, "PT")
    fields["keywords"] = every(tags, "MH", "OT")
    fields["url"] = [
        value.replace("\n", "")
        for value in every(tags, "AID", "LID", "URL")
        if value.lower().startswith(_URL_START)
    ]
    owner = (first(tags, "OWN") or "").strip().upper()
    fields["source_id"] = (
        first(tags, "PMID")
        or (first(tags, "OID") if owner == "ERIC" else None)
        or first(tags, "PMC")
        or first(tags, "OID")
    )
    return fields
