"""Ovid tagged exports ("Direct Export" to Citavi/EndNote/Reference Manager, "Complete
Reference"): Embase, MEDLINE, PsycINFO, BIOSIS, Zoological Record, Journals@Ovid,
Books@Ovid… saved as ``.txt``, ``.ovd`` or ``.cgi``.

Layout: each record starts with a header line ``<3001. >`` (record number, dot, space);
then tag lines ``XX  - value`` (two spaces, dash, space; longer tags such as
``SCORE  - `` too); no ``TY``/``ER``. Continuation lines are indented by six spaces
(Embase ``IN``, Zoological Record ``SY``, with blank lines between) or, for the
paragraphs of an Embase abstract, not indented at all. Dialects seen: ``XX - `` with a
single space, and every line indented by one space. The dialect is read from the first
tag line of the file and then held for the whole file, so that an abstract paragraph
beginning ``HIV - …`` is never taken for a tag.

Unlike common readers, nothing is dropped quietly: every tag is kept, text before the
first record is reported, a tag line before the first header is an error, and a last
record that lacks the tag every other record ends with is a risk (cut-off download).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import Notes, continue_value, every, first, group_tags

NAME = "ovid"
LABEL = "Ovid tagged"

# Record header: ``<3001. >``; ``<12>`` is accepted too (the citation-display format
# uses it; sniff() tells the two apart by the line that follows).
_HEADER = re.compile(r"\s*<\d+\.?\s*>\s*$")

# Any tag line, in any of the dialects: for sniffing and to read the file's dialect.
_TAG_ANY = re.compile(r"( ?)([A-Z][A-Z0-9]{1,5})( {1,2})-(?: |$)")

# The tag line of one dialect: (indent, spaces before the dash) → pattern.
_TAG_BY_DIALECT = {
    (indent, spaces): re.compile(rf"{indent}([A-Z][A-Z0-9]{{1,5}}){spaces}-(?: (.*)|$)")
    for indent in ("", " ")
    for spaces in (" ", "  ")
}


def is_header(line: str) -> bool:
    """A record header, ``<12. >`` (tagged) or ``<12>`` (citation display)."""
    return "<" in line[:4] and _HEADER.match(line) is not None


def sniff(lines: list[str]) -> bool:
    """A ``<n. >`` record header followed by a tag line."""
    for index, line in enumerate(lines[:-1]):
        if is_header(line):
            return _TAG_ANY.match(lines[index + 1]) is not None
    return False


def starts(lines: list[str]) -> list[int]:
    """Every ``<n. >`` header line: the independent count of records."""
    return [number for number, line in enumerate(lines, 1) if is_header(line)]


def _dialect(lines: list[str]) -> re.Pattern[str]:
    """The tag pattern of this file, from its first tag line after a header."""
    in_record = False
    for line in lines:
        if is_header(line):
            in_record = True
            continue
        if in_record:
            match = _TAG_ANY.match(line)
            if match is not None:
                return _TAG_BY_DIALECT[(match.group(1), match.group(3))]
    return _TAG_BY_DIALECT[("", "  ")]


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records from one ``<n. >`` header to the next, every tag kept in file order."""
    tag_line = _dialect(lines)
    record: RawRecord | None = None
    before_first: list[int] = []
    empty: list[int] = []
    end_tags: set[str] = set()
    finished = 0
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():
            continue
        if is_header(line):
            if record is not None:
                if not record.tags:
                    empty.append(record.line)
                else:
                    end_tags.add(record.tags[-1][0])
                finished += 1
                yield record
            record = RawRecord(number, [])
            continue
        match = tag_line.match(line)
        if match is not None:
            if record is None:
                raise notes.error(
                    number,
                    f"tag line before the first record header ({match.group(1)!r} before any "
                    "'<1. >' line): the first record may have lost its header (file cut at the top?)",
                )
            record.tags.append((match.group(1), (match.group(2) or "").strip()))
            continue
        text = line.strip()
        if record is None:
            before_first.append(number)
        elif not record.tags:
            raise notes.error(
                number,
                "text right after a record header is not a tag line ('XX  - value'): "
                "not the Ovid tagged layout expected (corrupted file?)",
            )
        else:
            continue_value(record, text)
    if record is not None:
        if not record.tags:
            empty.append(record.line)
        elif finished >= 2 and len(end_tags) == 1:
            (usual,) = end_tags
            if all(tag != usual for tag, _ in record.tags):
                notes.risk(
                    record.line,
                    f"the last record has no {usual} line although every other record ends "
                    "with one: truncated download?",
                )
        yield record
    if before_first:
        notes.warn(
            before_first[0],
            f"{len(before_first)} line(s) before the first record ignored "
            "(search history or export header?)",
        )
    if empty:
        notes.warn(empty[0], f"{len(empty)} record header(s) with no fields under them")


# --- mapping ---------------------------------------------------------------------------

# Journals@Ovid appends the article type to the title: "... Cancer.  [Miscellaneous]".
_TITLE_MARKER = re.compile(r"(?<=[.?!\]])\s*\[[A-Za-z][A-Za-z ,&/-]{0,40}\]\s*$")

# Degrees and honours written after the given names ("Gazic, Barbara MD, PhD *").
_DEGREES = frozenset(
    """MD PHD DPHIL MPH MSPH DRPH SCD DSC MS MSC BS BSC MA BA MBBS MBCHB MBBCH BCHIR MBA
    EDD PSYD PHARMD DDS DMD DVM RN BSN MSN DNP APRN FNP CRNA LCSW MSW OTR DPT FAAN FACSM
    FACS FACP FAHA FACC FRCP FRCS FRCPC FRACP FRACS FRCPATH FRCOG FAAP FAAFP FCCP FESC
    MRCP MRCS JD LLB MHS MHSC MHA MPHIL MRES BPHARM MPHARM""".split()
)
_MARKERS = " ,;*+\u2020\u2021\u00a7#0123456789"
_BRACKETS = re.compile(r"\s*\[[^\]]*\]")
_NAME_SPLIT = re.compile(r"\s*;\s*")
_DOUBLE_SPACE = re.compile(r"\s{2,}")


def _is_degree(token: str) -> bool:
    # Two capitals at least: "PhD", "MSc", "MD" are degrees, the given name "Ma" is not.
    bare = token.replace(".", "").replace("-", "")
    return sum(ch.isupper() for ch in bare) >= 2 and bare.upper() in _DEGREES


def _degrees_only(part: str) -> bool:
    tokens = [token for token in re.split(r"[\s,]+", part.strip(_MARKERS)) if token]
    return bool(tokens) and all(_is_degree(token) for token in tokens)


def clean_author(name: str) -> str:
    """A name without Ovid's additions: roles and e-mails in brackets (``[Inventor]``,
    ``[E-mail: …]``), affiliation markers (``1,2,+``, ``*``) and, after "Surname, Given",
    degrees (``MD, PhD``). Names without a comma ("Smith MD", MEDLINE initials) keep
    their last word."""
    if "[" in name:
        name = _BRACKETS.sub("", name)
    name = name.strip().rstrip(_MARKERS)
    if "," in name:
        while True:
            surname, _, given = name.partition(",")
            cut = max(given.rfind(" "), given.rfind(","))
            if cut <= 0:
                break
            token = given[cut + 1 :]
            rest = given[:cut].rstrip(" ,")
            if not token or not _is_degree(token) or not rest.strip():
                break
            name = f"{surname},{rest}".rstrip(_MARKERS)
    return name.strip()


def split_authors(values: list[str]) -> list[str]:
    """Names from ``AU`` lines and from ``;``-separated lists; a part holding only degrees
    (``Bunkers, Sandra RN; PhD; FAAN 1``) belongs to the name before it."""
    names: list[str] = []
    for value in values:
        for line in value.split("\n"):
            if "[" in line:
                line = _BRACKETS.sub("", line)
            parts = _NAME_SPLIT.split(line.strip())
            merged: list[str] = []
            for part in parts:
                if merged and _degrees_only(part):
                    merged[-1] = f"{merged[-1]}, {part}"
                elif part.strip():
                    merged.append(part)
            names.extend(name for name in (clean_author(part) for part in merged) if name)
    return names


def clean_title(title: str | None) -> str | None:
    """The title without the ``[Article]``-style type Journals@Ovid appends to it."""
    if title and title.endswith("]"):
        return _TITLE_MARKER.sub("", title)
    return title


# PsycINFO: "Peer Reviewed Journal: 2015-33942-012.", "Authored Book: 2010-…".
_ACCESSION_PREFIX = re.compile(r"^[A-Za-z][A-Za-z ]{2,60}:\s*(?=\d{4}-\d{5}-\d{3})")


def clean_accession(value: str | None) -> str | None:
    """``Peer Reviewed Journal: 2015-33942-012.`` → ``2015-33942-012``; trailing dot dropped."""
    if not value:
        return None
    value = _ACCESSION_PREFIX.sub("", value.strip())
    return value.rstrip(".").strip() or None


# SO ("source") strings, for the parts that have no tag of their own:
#   "Forest Ecology & Management. 201(2-3):327-334, November 15, 2004."   (BIOSIS, MEDLINE)
#   "BMC Proceedings. Conference: …. Spain. 12 (Supplement 3) (no pagination), 2018.
#    Date of Publication: 2018."                                           (Embase)
#   "Journal of X. Vol.124(2), 2015, pp. 233-245."                         (PsycINFO)
#   "Acta Biochimica et Biophysica Sinica August 2011;43(8):647-653"       (Journals@Ovid)
#   "Journal of Political Studies 12, Winter 2007: 7-14."                  (IPSA)
#   "Kamp, R [Editor]. Methods in proteome analysis.:371-397, 2004."        (BIOSIS chapter)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_SEASON = r"(?:Spring|Summer|Fall|Autumn|Winter)"
_WHEN = rf"(?:{_MONTH}|{_SEASON})(?:\s*[/-]\s*(?:{_MONTH}|{_SEASON}))?"
_YEAR_RE = r"(?:1[5-9]|20)\d\d"
_SO_BOOK_PREFIX = re.compile(rf"^[^()]*\(({_YEAR_RE})[a-z]?\)\.\s*")
_SO_EDITORS = re.compile(r"^.*\[Ed(?:itor|s)?\.?(?:[,;][^\]]*)?\]\.?\s*")
_SO_DOT = re.compile(r"\.(?:\s+(?=Vol\b|Vol\.|\d|\()|(?=:\s*[A-Za-z]?\d))")
_SO_CONFERENCE_DOT = re.compile(r".*\.\s+(?=\d+\s?\(|\d+\s*[:,])")
_SO_DATED = re.compile(rf"^(.+?)\s+(?:{_WHEN}\s+(?:\d{{1,2}},?\s+)?)?{_YEAR_RE}\s*;")
_SO_NUMBERED = re.compile(r"^(.+?),?\s+(?:Vol\.?\s*)?\d+\s*[,(:;]")
_SO_DATE_OF_PUBLICATION = re.compile(r"\s*Date of Publication:.*$", re.IGNORECASE | re.DOTALL)
_VOL_ISSUE = re.compile(r"(?:Vol\.?\s*)?(\d+[A-Za-z]?)\s?\(([^()]+)\)")
_VOL_ONLY = re.compile(r"(?:^|;\s*|Vol\.?\s*)(\d+)\s*[:,]")
_PAGES = re.compile(r"(?::\s*|\bpp?\.?\s*|;\s+)([A-Za-z]?\d+(?:\s*-\s*[A-Za-z]?\d+)?)(?![\dA-Za-z])")
_PAGES_AT_END = re.compile(r",\s*(\d+\s*-\s*\d+)\.?\s*$")
_YEAR = re.compile(rf"(?<!\d){_YEAR_RE}(?!\d)")


def parse_source(source: str | None) -> dict[str, str | None]:
    """Journal, volume, issue, pages and year read from an Ovid source string; each is
    None where the string does not show it."""
    out: dict[str, str | None] = dict.fromkeys(("journal", "volume", "issue", "pages", "year"))
    if not source:
        return out
    text = " ".join(source.split())
    if "[Ed" in text:
        # BIOSIS book chapters: "Kamp, R [Editor, Reprint Author], …[Editor]. Book title.:371-397"
        text = _SO_EDITORS.sub("", text)
    book_year = None
    prefix = _SO_BOOK_PREFIX.match(text)
    if prefix is not None:
        book_year = prefix.group(1)
        text = text[prefix.end() :]
    text = _SO_DATE_OF_PUBLICATION.sub("", text)
    journal: str | None = None
    rest = ""
    if ". Conference:" in text:
        journal = text.split(". Conference:", 1)[0]
        after = _SO_CONFERENCE_DOT.match(text)
        rest = text[after.end() :] if after else ""
    elif (match := _SO_DOT.search(text)) is not None:
        journal, rest = text[: match.start()], text[match.end() :]
    elif (match := _SO_DATED.match(text)) is not None or (match := _SO_NUMBERED.match(text)):
        journal = match.group(1)
        rest = text[len(journal) :]
    else:
        journal = text.split(". ", 1)[0]
    rest = rest.strip()
    out["journal"] = journal.strip(" .,;") or None
    if (match := _VOL_ISSUE.search(rest)) is not None:
        out["volume"], out["issue"] = match.group(1), match.group(2).strip()
    elif (match := _VOL_ONLY.search(rest)) is not None:
        out["volume"] = match.group(1)
    pages = _PAGES.search(rest) or _PAGES_AT_END.search(rest)
    if pages is not None:
        out["pages"] = pages.group(1)
        rest = rest[: pages.start(1)] + rest[pages.end(1) :]
    years = _YEAR.findall(rest)
    out["year"] = years[-1] if years else book_year
    return out


def _lines(values: list[str], separators: str = "\n") -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in re.split(f"[{separators}]", value) if part.strip())
    return out


def keyword_list(values: list[str]) -> list[str]:
    """Terms split on ``;`` and lines, without the full stop that ends Journals@Ovid's
    keyword lists (``…;  primary care.``)."""
    out: list[str] = []
    for value in values:
        parts = [part.strip() for part in re.split(r"[\n;]", value) if part.strip()]
        if parts and parts[-1].endswith(".") and not parts[-1].endswith(".."):
            parts[-1] = parts[-1][:-1].rstrip()
        out.extend(part for part in parts if part)
    return out


_EMBEDDED_TAG = re.compile(r"^[A-Z][A-Z0-9]{1,5}\s{1,2}-\s+")


def to_fields(raw: RawRecord) -> dict:
    """Map Ovid's tags onto canonical fields, reading volume/issue/pages from ``SO``
    where the record has no ``VO``/``IP``/``PG``."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    fields["title"] = clean_title(first(tags, "TI", "TT", "BT"))
    fields["abstract"] = "\n".join(every(tags, "AB")) or None
    fields["authors"] = split_authors(
        every(tags, "FA") or every(tags, "AF") or every(tags, "AU") or every(tags, "ED")
    )
    source = parse_source(first(tags, "SO"))
    fields["year"] = first(tags, "YR", "PY", "DP") or source["year"]
    fields["journal"] = first(tags, "JN", "JT") or source["journal"] or first(tags, "JA", "TA")
    fields["volume"] = first(tags, "VO", "VI", "VL") or source["volume"]
    fields["issue"] = first(tags, "IP") or source["issue"]
    fields["pages"] = first(tags, "PG") or source["pages"]
    fields["doi"] = first(tags, "DO", "DI")
    fields["issn"] = every(tags, "IS", "SN")
    fields["isbn"] = every(tags, "IB")
    fields["language"] = first(tags, "LG", "LA")
    fields["publication_type"] = every(tags, "PT")
    fields["keywords"] = (
        keyword_list(every(tags, "KW"))
        + [term.lstrip("*") for term in _lines(every(tags, "MH"))]
        + _lines(every(tags, "DE"), "\n;")
    )
    fields["url"] = [
        _EMBEDDED_TAG.sub("", url) for url in _lines(every(tags, "UR", "XL", "XP"), "\n")
    ]
    fields["source_id"] = clean_accession(first(tags, "AN", "UI"))
    return fields
