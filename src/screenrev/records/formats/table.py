"""Spreadsheet exports: comma-, tab- and semicolon-separated tables with a header row.

Scopus (both header generations, fully quoted or quoted when needed), Embase.com,
Lens.org, OpenAlex, Zotero, IEEE Xplore, SpringerLink, PubMed, Web of Science
tab-delimited, tables with RIS tags as column names (eviatlas), and the generic
title/abstract/label tables of screening and deduplication data sets.

Rules:

* The header is the first non-blank line; its delimiter is the commonest of tab, comma
  and semicolon outside quotes. Rows are read by the ``csv`` module over the lines
  rejoined with ``"\\n"`` (so quoted cells spanning lines are kept whole), in strict
  mode: a quoted cell that never closes (a truncated file) is an error naming the line
  where its row starts, never the rest of the file merged into one cell.
* Web of Science tab-delimited files do not quote anything (a title may start with a
  quote mark), so for them quote marks are plain text; their rows end with one extra
  empty cell, which is dropped.
* A row with fewer cells than the header is padded with empty cells (with a warning); a
  row with more cells is an error, except extra cells that are all empty (a trailing
  delimiter) and Scopus's header that names one ``Funding Text 1`` column while later
  rows carry ``Funding Text 2``… (the rows are realigned, checked against the EID).
* Every cell is kept in the raw tags as ``(column name, value)``, in column order; the id,
  label and duplicate columns are also kept verbatim in ``extra``.
* Columns are matched to canonical fields by name, ignoring case, spaces and
  punctuation (``Author(s) ID`` → ``authorsid``), against per-field alias lists.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from ..record import RawRecord, empty_fields
from . import Notes

NAME = "table"
LABEL = "CSV/TSV"

_DELIMITERS = ("\t", ",", ";")
_FOLD = re.compile(r"[^0-9a-z]+")
_MAX_HEADER_CELL = 120
_MAX_HEADER_WORDS = 8


def _fold(name: str) -> str:
    """A column name compared without case, spaces or punctuation."""
    return _FOLD.sub("", name.lower())


# --- column aliases (folded) -------------------------------------------------------------

_TITLE = (
    "title", "primarytitle", "articletitle", "documenttitle", "itemtitle", "ti", "t1",
    "displayname", "papertitle", "titleofarticle", "originaltitle",
)
_ABSTRACT = (
    "abstract", "abstractnote", "notesabstract", "ab", "n2", "abstracttext",
    "originalabstract", "description", "summary",
)
_AUTHORS_FULL = (
    "authorfullnames", "authorsfullnames", "authorfullname", "fullauthornames", "af",
)
_AUTHORS = (
    "authors", "author", "authornames", "authorname", "au", "a1",
    "authorshipsauthordisplayname", "creators", "creator", "authorlist", "firstauthor",
)
_YEAR = (
    "year", "publicationyear", "pubyear", "py", "yearpublished", "y1", "publicationdate",
    "datepublished", "dateofpublication", "date", "pd", "da", "issuedate", "coverdate",
    "onlinedate",
)
_JOURNAL = (
    "journal", "journaltitle", "sourcetitle", "publicationtitle", "journalbook",
    "journalname", "fulljournalname", "secondarytitle", "primarylocationsourcedisplayname",
    "publicationname", "so", "jo", "jf", "t2", "publication", "booktitle",
    # abbreviations only when no full name is given
    "journalabbreviation", "abbreviatedsourcetitle", "isoabbreviation", "j9", "ji", "ja", "j2",
)
# Scopus's "Source" holds the database name: used only when no journal column exists.
_JOURNAL_LAST_RESORT = ("source",)
_VOLUME = ("volume", "vl", "journalvolume", "vol", "vo")
_ISSUE = ("issue", "issuenumber", "is", "journalissue", "number")
_PAGES = ("pages", "pagerange", "pp", "pagination", "pagenumbers")
_PAGE_PAIRS = (
    ("pagestart", "pageend"), ("startpage", "endpage"), ("firstpage", "lastpage"),
    ("bp", "ep"), ("sp", "ep"), ("spage", "epage"),
)
_DOI = ("doi", "di", "itemdoi", "do", "doiurl", "doilink")
_ISSN = (
    "issn", "issns", "sn", "eissn", "ei", "printissn", "electronicissn", "onlineissn",
    "issnprint", "issnelectronic", "issnl", "primarylocationsourceissnl",
)
_ISBN = ("isbn", "isbns", "bn", "isbn13", "isbn10", "eisbn")
_LANGUAGE = ("language", "languageoforiginaldocument", "la", "lang", "languages", "lg")
_TYPES = (
    "documenttype", "itemtype", "publicationtype", "pt", "dt", "ty", "contenttype",
    "entrytype", "doctype", "documenttypes", "m3", "worktype", "documentidentifier",
)
_TYPES_LAST_RESORT = ("type", "category")
_KEYWORDS = (
    "authorkeywords", "keywords", "kw", "de", "indexkeywords", "keywordsplus",
    "manualtags", "automatictags", "meshterms", "meshheadings", "mesh", "mh", "ot",
    "subjectheadings", "subjects", "subjectterms", "tags", "ieeeterms",
    "inspeccontrolledterms", "inspecnoncontrolledterms",
    "emtreedrugindextermsmajorfocus", "emtreedrugindexterms",
    "emtreemedicalindextermsmajorfocus", "emtreemedicalindexterms",
)
_URL = (
    "url", "link", "urls", "links", "sourceurls", "externalurl", "fulltextlink", "pdflink",
    "ur", "l1", "l2", "openurllink",
)
_SOURCE_ID = (
    "ut", "accessionnumber", "an", "eid", "lensid", "embaseaccessionid", "pui", "pmid",
    "pubmedid", "medlinepmid", "pm", "idspmid", "openalexid", "idsopenalex", "wosid",
    "scopusid",
)
_SOURCE_ID_LAST_RESORT = (
    "key", "id", "recordid", "citationkey", "bibtexkey", "refid", "referenceid", "uniqueid",
)

_TITLE_NAMES = frozenset(_TITLE)
_KNOWN_NAMES = frozenset(
    _TITLE + _ABSTRACT + _AUTHORS_FULL + _AUTHORS + _YEAR + _JOURNAL + _JOURNAL_LAST_RESORT
    + _VOLUME + _ISSUE + _PAGES + tuple(name for pair in _PAGE_PAIRS for name in pair) + _DOI
    + _ISSN + _ISBN + _LANGUAGE + _TYPES + _TYPES_LAST_RESORT + _KEYWORDS + _URL
)
_ID_NAMES = frozenset(_SOURCE_ID + _SOURCE_ID_LAST_RESORT + ("pmcid",))
_LABEL_NAMES = frozenset(
    {"abs", "decision", "reason", "exclusionreason", "reasonforexclusion", "relevant",
     "relevance", "screening", "finaldecision"}
)
_LABEL_PREFIXES = ("label", "include", "exclude", "decision", "screening")
_LABEL_SUFFIXES = ("included", "excluded", "label", "decision")
_EMBASE_MARK = "emtree"

# Values that mean "nothing here" in a cell (R and pandas writers): not used as ids,
# DOIs, years and the like. They stay in the raw tags and in ``extra`` as written.
_MISSING = frozenset({"na", "n/a", "nan", "null", "none", "[not available]"})
_NOT_AUTHOR = frozenset({"[no author name available]", "[anonymous]", "anonymous"})

_SCOPUS_FUNDING = re.compile(r"fundingtext(\d+)")
_SCOPUS_EID = re.compile(r"2-s2\.0-\d+")
_AUTHOR_ID_SUFFIX = re.compile(r"\s*\(\d{5,}\)\s*$")
_AND = re.compile(r"\s+and\s+")
_SCOPUS_OLD = re.compile(r"(?<=\.),\s*")
_SPLIT_LIST = re.compile(r"\s*;\s*")
_SPLIT_URLS = re.compile(r"[;|\s]+")
_DOI_IN_URL = re.compile(r"10\.\d{3,9}(?:/|%2F)[^&\s\"<>#]+", re.IGNORECASE)
_EMBASE_SOURCE = re.compile(r"^(?P<journal>.+?) \((?P<year>\d{4})\)(?P<rest>.*)$", re.DOTALL)
_EMBASE_REST = re.compile(
    r"^\s*(?P<volume>[^\s:(.]+)?(?::(?P<issue>[^\s(]+))?\s*(?:\((?P<pages>[^)]*)\))?"
)
_CITATION = re.compile(
    r";\s*(?P<volume>[^(:;\s]+)?(?:\((?P<issue>[^)]+)\))?(?::(?P<pages>[^;\s]+?))?\.?(?:\s|$)"
)
_NAME_PREFIXES = frozenset(
    {"mc", "mac", "de", "di", "da", "du", "le", "la", "van", "von", "fitz", "o'"}
)


# --- header and dialect ------------------------------------------------------------------


def _delimiter(header: str) -> str | None:
    """The commonest of tab, comma and semicolon outside quotes in the header line."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    inside = False
    for char in header:
        if char == '"':
            inside = not inside
        elif not inside and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=counts.__getitem__)  # ties: tab, then comma, then semicolon
    return best if counts[best] else None


def _header_cells(header: str, delimiter: str) -> list[str] | None:
    """The header's cells without quotes; None when a quote is left open."""
    cells: list[str] = []
    cell: list[str] = []
    inside = False
    index = 0
    while index < len(header):
        char = header[index]
        if inside:
            if char == '"':
                if header.startswith('"', index + 1):
                    cell.append('"')
                    index += 1
                else:
                    inside = False
            else:
                cell.append(char)
        elif char == '"' and not "".join(cell).strip():
            inside = True
        elif char == delimiter:
            cells.append("".join(cell).strip())
            cell = []
        else:
            cell.append(char)
        index += 1
    if inside:
        return None
    cells.append("".join(cell).strip())
    return cells


def _is_wos(cells: list[str]) -> bool:
    """Web of Science tab-delimited: two-letter field tags as column names."""
    names = {cell.strip() for cell in cells}
    return "PT" in names and "TI" in names and ("UT" in names or "SO" in names)


def _first_nonblank(lines: list[str]) -> int | None:
    return next((index for index, line in enumerate(lines) if line.strip()), None)


def sniff(lines: list[str]) -> bool:
    """A delimited header of short column names, one of which names a title."""
    if not lines:
        return False
    header = lines[0].lstrip("\ufeff")
    delimiter = _delimiter(header)
    if delimiter is None:
        return False
    cells = _header_cells(header, delimiter)
    if cells is None or len(cells) < 2:
        return False
    if any(len(cell) > _MAX_HEADER_CELL or len(cell.split()) > _MAX_HEADER_WORDS for cell in cells):
        return False  # prose, not column names
    folded = [_fold(cell) for cell in cells]
    titles = [index for index, name in enumerate(folded) if name in _TITLE_NAMES]
    if not titles:
        return False
    # Besides the title, another known column, or only short names: "Title, abstract and
    # keywords were screened." is a sentence, not a header.
    others = [name for index, name in enumerate(folded) if index not in titles]
    return any(name in _KNOWN_NAMES or _is_extra(name, False) for name in others) or all(
        len(cell.split()) <= 3 for cell in cells
    )


# --- the independent count ---------------------------------------------------------------


def _ends_inside(line: str, inside: bool, delimiter: str) -> bool:
    """Whether a line ends inside a quoted cell, given whether it starts inside one.

    A quote opens a quoted cell only as the cell's first character; inside, ``""`` is
    a quote mark and a lone ``"`` closes the cell.
    """
    position = 0
    while True:
        if inside:
            close = line.find('"', position)
            while close != -1 and line.startswith('"', close + 1):
                close = line.find('"', close + 2)
            if close == -1:
                return True
            inside = False
            position = line.find(delimiter, close + 1)
        else:
            if line.startswith('"', position):
                inside = True
                position += 1
                continue
            if line.find('"', position) == -1:
                return False
            position = line.find(delimiter, position)
        if position == -1:
            return False
        position += 1


def starts(lines: list[str]) -> list[int]:
    """Every non-blank line after the header that does not continue a quoted cell."""
    first = _first_nonblank(lines)
    if first is None:
        return []
    header = lines[first].lstrip("\ufeff")
    delimiter = _delimiter(header) or ","
    if delimiter == "\t" and _is_wos(header.split("\t")):
        return [number for number in range(first + 2, len(lines) + 1) if lines[number - 1].strip()]
    found: list[int] = []
    inside = _ends_inside(header, False, delimiter)
    for number in range(first + 2, len(lines) + 1):
        line = lines[number - 1]
        if not inside and line.strip():
            found.append(number)
        inside = _ends_inside(line, inside, delimiter)
    return found


# --- parsing -----------------------------------------------------------------------------


def _is_extra(folded: str, wos: bool) -> bool:
    if folded in _ID_NAMES:
        return not (wos and folded == "id")  # WoS ``ID`` is Keywords Plus
    return (
        folded in _LABEL_NAMES
        or "duplicate" in folded
        or folded.startswith(_LABEL_PREFIXES)
        or folded.endswith(_LABEL_SUFFIXES)
    )


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "unexpected end of data" in text:
        return (
            "a quoted cell in the row starting here is never closed (truncated file, or a "
            "stray quote mark): re-export the file, or close the quote"
        )
    if "expected after" in text:
        return (
            f"malformed quoting in the row starting here ({text}): a quoted cell must end "
            "with a quote mark followed by the delimiter; a quote mark inside a quoted cell "
            'is written ""'
        )
    return f"cannot read the row starting here: {text}"


@dataclass
class _Layout:
    header: list[str]
    extra: list[int]
    funding: int | None
    eid: int | None


def _layout(header: list[str], wos: bool) -> _Layout:
    folded = [_fold(name) for name in header]
    extra = [index for index, name in enumerate(folded) if _is_extra(name, wos)]
    funding = None
    for index, name in enumerate(folded):
        if _SCOPUS_FUNDING.fullmatch(name):
            funding = index
    eid = folded.index("eid") if "eid" in folded else None
    return _Layout(header, extra, funding, eid)


def _realign_scopus(row: list[str], layout: _Layout) -> list[str] | None:
    """Column names for a Scopus row with more ``Funding Text`` cells than the header names."""
    if layout.funding is None:
        return None
    more = len(row) - len(layout.header)
    header = layout.header
    number = int(_SCOPUS_FUNDING.fullmatch(_fold(header[layout.funding])).group(1))
    names = (
        header[: layout.funding + 1]
        + [f"Funding Text {number + offset}" for offset in range(1, more + 1)]
        + header[layout.funding + 1 :]
    )
    if layout.eid is not None:
        eid = row[layout.eid + more] if layout.eid > layout.funding else row[layout.eid]
        if not _SCOPUS_EID.fullmatch(eid.strip()):
            return None
    return names


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """One record per row after the header, each with the line where its row starts."""
    first = _first_nonblank(lines)
    if first is None:
        return
    header_line = lines[first].lstrip("\ufeff")
    delimiter = _delimiter(header_line) or ","
    wos = delimiter == "\t" and _is_wos(header_line.split("\t"))
    if csv.field_size_limit() < sys.maxsize // 4:
        csv.field_size_limit(sys.maxsize // 4)  # Scopus reference lists exceed the 128 KiB default
    feed = (lines[index] + "\n" for index in range(first, len(lines)))
    reader = csv.reader(
        feed,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=True,
        quoting=csv.QUOTE_NONE if wos else csv.QUOTE_MINIMAL,
    )
    try:
        header = next(reader)
    except csv.Error as error:
        raise notes.error(first + 1, "the header row: " + _csv_problem(error)) from None
    header[0] = header[0].lstrip("\ufeff")
    layout = _layout(header, wos)
    width = len(header)
    consumed = reader.line_num
    short_rows: list[int] = []
    trailing_empty = 0
    realigned = 0
    last_line = 0
    while True:
        line = first + consumed + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise notes.error(line, _csv_problem(error)) from None
        consumed = reader.line_num
        if not lines[line - 1].strip():
            continue
        last_line = line
        names = header
        extra_columns = layout.extra
        if len(row) > width:
            if not any(row[width:]):
                del row[width:]
                trailing_empty += 1
            else:
                names = _realign_scopus(row, layout)
                if names is None:
                    raise notes.error(
                        line,
                        f"this row has {len(row)} cells but the header has {width} columns "
                        "(a delimiter inside an unquoted cell, or a stray quote mark that "
                        "merged rows?): fix the row or re-export the file",
                    )
                realigned += 1
                extra_columns = [names.index(header[index]) for index in layout.extra]
        elif len(row) < width:
            short_rows.append(line)
            row.extend([""] * (width - len(row)))
        yield RawRecord(
            line,
            list(zip(names, row)),
            {names[index]: row[index] for index in extra_columns},
        )
    if last_line and last_line not in short_rows[-1:] and notes.ends_mid_line and lines[-1].endswith(delimiter):
        # A row that stops right after a delimiter, with no line break, was cut there:
        # its last cell reads as empty, and the row still has every column.
        notes.warn(last_line, "the file ends right after a delimiter, in the middle of the last "
                              "row: is the file cut off? (check that row, or re-export the file)")
    if short_rows:
        if short_rows == [last_line]:
            notes.risk(
                last_line,
                f"the last row has fewer cells than the header's {width} columns: the "
                "file may be truncated",
            )
        else:
            notes.warn(
                short_rows[0],
                f"{len(short_rows)} row(s) have fewer cells than the header's {width} "
                "columns; the missing cells were read as empty",
            )
    if trailing_empty and not wos:
        notes.warn(None, f"{trailing_empty} row(s) end with empty cells beyond the header; dropped")
    if realigned:
        notes.warn(
            None,
            f"{realigned} Scopus row(s) have more 'Funding Text' cells than the header names; "
            "the extra cells were kept as 'Funding Text 2', … (checked against the EID column)",
        )


# --- mapping -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    title: tuple[int, ...]
    abstract: tuple[int, ...]
    authors: tuple[int, ...]
    year: tuple[int, ...]
    journal: tuple[int, ...]
    volume: tuple[int, ...]
    issue: tuple[int, ...]
    pages: tuple[int, ...]
    page_pairs: tuple[tuple[int, int], ...]
    doi: tuple[int, ...]
    issn: tuple[int, ...]
    isbn: tuple[int, ...]
    language: tuple[int, ...]
    types: tuple[int, ...]
    keywords: tuple[int, ...]
    url: tuple[int, ...]
    source_id: tuple[int, ...]
    embase_source: int | None
    citation: int | None
    embase: bool
    springer: bool


@lru_cache(maxsize=32)
def _plan(names: tuple[str, ...]) -> _Plan:
    """Which columns feed which canonical field, for one header."""
    folded = [_fold(name) for name in names]
    where: dict[str, list[int]] = {}
    for index, name in enumerate(folded):
        where.setdefault(name, []).append(index)
    wos = _is_wos(list(names))

    def columns(aliases: tuple[str, ...], skip: tuple[str, ...] = ()) -> tuple[int, ...]:
        found: list[int] = []
        for alias in aliases:
            if alias not in skip:
                found.extend(index for index in where.get(alias, ()) if index not in found)
        return tuple(found)

    journal = columns(_JOURNAL) or columns(_JOURNAL_LAST_RESORT)
    types = columns(_TYPES) or columns(_TYPES_LAST_RESORT)
    # The database's own accession first; a table's row id or key only where a row has none.
    openalex = any(name.startswith(("authorships", "primarylocation")) for name in folded)
    source_id = columns(
        (("id",) if openalex else ()) + _SOURCE_ID + _SOURCE_ID_LAST_RESORT,
        skip=("id",) if wos else (),
    )
    keywords = columns(_KEYWORDS + (("id",) if wos else ()))
    pairs = tuple(
        (where[start][0], where[end][0])
        for start, end in _PAGE_PAIRS
        if start in where and end in where and not (wos and start == "sp")
    )
    embase = any(_EMBASE_MARK in name for name in folded)
    return _Plan(
        title=columns(_TITLE),
        abstract=columns(_ABSTRACT),
        authors=columns(_AUTHORS_FULL + _AUTHORS),
        year=columns(_YEAR),
        journal=journal,
        volume=columns(_VOLUME),
        issue=columns(_ISSUE),
        pages=columns(_PAGES),
        page_pairs=pairs,
        doi=columns(_DOI),
        issn=columns(_ISSN),
        isbn=columns(_ISBN),
        language=columns(_LANGUAGE),
        types=types,
        keywords=keywords,
        url=columns(_URL),
        source_id=source_id,
        embase_source=where["source"][0] if embase and "source" in where else None,
        citation=where["citation"][0] if "citation" in where else None,
        embase=embase,
        springer="itemtitle" in where and "contenttype" in where,
    )


def _present(value: str) -> bool:
    stripped = value.strip()
    return bool(stripped) and stripped.lower() not in _MISSING


def _first(values: list[str], indices: tuple[int, ...], text: bool = False) -> str | None:
    for index in indices:
        value = values[index]
        if value.strip() if text else _present(value):
            return value
    return None


def _springer_names(cell: str) -> list[str]:
    """SpringerLink writes authors with nothing between them: ``Andy SmithTom Weber``."""
    names: list[str] = []
    begin = 0
    for index in range(1, len(cell)):
        if not (cell[index - 1].islower() and cell[index].isupper()):
            continue
        current = cell[begin:index]
        last_word = current.rsplit(" ", 1)[-1].lower()
        if " " not in current.strip() or last_word in _NAME_PREFIXES:
            continue  # McDonald, DeAngelis: one name
        names.append(current)
        begin = index
    names.append(cell[begin:])
    return names


def _split_authors(cell: str, springer: bool) -> list[str]:
    cell = cell.strip()
    if not cell:
        return []
    if ";" in cell:
        parts = cell.split(";")
    elif "|" in cell:
        parts = cell.split("|")
    elif "\n" in cell:
        parts = cell.split("\n")
    elif springer:
        parts = _springer_names(cell)
    else:
        parts = []
        for piece in _AND.split(cell):
            if "., " in piece:
                parts.extend(_SCOPUS_OLD.split(piece))  # Scopus/Embase: Smith J., Jones K.L.
                continue
            commas = piece.split(",")
            if len(commas) > 1 and all(" " in part.strip() for part in commas):
                parts.extend(commas)  # IEEE, PubMed: Joseph Rottman, Erran Carmel
            else:
                parts.append(piece)
    names = []
    for part in parts:
        name = _AUTHOR_ID_SUFFIX.sub("", part).strip()
        if name and name.lower() not in _NOT_AUTHOR:
            names.append(name)
    return names


def _split_commas_outside_parentheses(cell: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    begin = 0
    for index, char in enumerate(cell):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(cell[begin:index])
            begin = index + 1
    parts.append(cell[begin:])
    return parts


def _split_keywords(cell: str, embase: bool) -> list[str]:
    if ";" in cell:
        parts = _SPLIT_LIST.split(cell)
    elif "|" in cell:
        parts = cell.split("|")
    elif "\n" in cell:
        parts = cell.split("\n")
    elif embase:
        parts = _split_commas_outside_parentheses(cell)  # Emtree terms: a, b (c, d), e
    else:
        parts = [cell]
    return [part.strip() for part in parts if part.strip()]


def to_fields(raw: RawRecord) -> dict:
    """Map the row's columns onto canonical fields by their names."""
    names = tuple(name for name, _ in raw.tags)
    values = [value for _, value in raw.tags]
    plan = _plan(names)
    fields = empty_fields()
    fields["title"] = _first(values, plan.title, text=True)
    fields["abstract"] = _first(values, plan.abstract, text=True)
    authors = _first(values, plan.authors, text=True)
    fields["authors"] = _split_authors(authors, plan.springer) if authors else []
    fields["year"] = _first(values, plan.year)
    fields["journal"] = _first(values, plan.journal, text=True)
    fields["volume"] = _first(values, plan.volume)
    fields["issue"] = _first(values, plan.issue)
    pages = _first(values, plan.pages)
    if pages is None:
        for start, end in plan.page_pairs:
            first, last = values[start].strip(), values[end].strip()
            if _present(first) and _present(last) and first != last:
                pages = f"{first}-{last}"
            elif _present(first) or _present(last):
                pages = first if _present(first) else last
            if pages:
                break
    fields["pages"] = pages
    fields["url"] = [
        url for index in plan.url for url in _SPLIT_URLS.split(values[index]) if url
    ]
    fields["doi"] = _first(values, plan.doi) or _doi_in(fields["url"])
    fields["issn"] = [values[index] for index in plan.issn if _present(values[index])]
    fields["isbn"] = [values[index] for index in plan.isbn if _present(values[index])]
    fields["language"] = _first(values, plan.language)
    fields["publication_type"] = [values[index] for index in plan.types if _present(values[index])]
    fields["keywords"] = [
        keyword
        for index in plan.keywords
        if values[index].strip()
        for keyword in _split_keywords(values[index], plan.embase)
    ]
    fields["source_id"] = _first(values, plan.source_id)
    if plan.embase_source is not None:
        _fill_from_embase_source(fields, values[plan.embase_source])
    if plan.citation is not None:
        _fill_from_citation(fields, values[plan.citation])
    return fields


def _doi_in(urls: list[str]) -> str | None:
    """A DOI inside a link (Embase's OpenURL ``id=doi:10.4103%2F…&atitle=…``)."""
    for url in urls:
        match = _DOI_IN_URL.search(url)
        if match:
            return unquote(match.group(0))
    return None


def _fill_from_embase_source(fields: dict, source: str) -> None:
    """Embase.com's ``Source``: ``Endoscopic Ultrasound (2014) 3:3 (152-160). Date of …``."""
    match = _EMBASE_SOURCE.match(source.strip())
    if match is None:
        return
    if fields["journal"] in (None, source):
        fields["journal"] = match.group("journal")
    fields["year"] = fields["year"] or match.group("year")
    rest = _EMBASE_REST.match(match.group("rest"))
    if rest is not None:
        for name in ("volume", "issue", "pages"):
            if not fields[name] and rest.group(name):
                fields[name] = rest.group(name)


def _fill_from_citation(fields: dict, citation: str) -> None:
    """PubMed's ``Citation``: ``Nature. 2021 Dec 21;1(2):10-11. doi: …``."""
    if fields["volume"] and fields["pages"]:
        return
    match = _CITATION.search(citation)
    if match is None:
        return
    for name in ("volume", "issue", "pages"):
        if not fields[name] and match.group(name):
            fields[name] = match.group(name)
