"""The canonical record: field names shared by every format and every stage."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

#: Canonical bibliographic fields, in the order they are exported.
FIELDS: tuple[str, ...] = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "issn",
    "isbn",
    "language",
    "publication_type",
    "keywords",
    "url",
    "source_id",
)

#: Fields that hold several values; every other field holds one string or None.
LIST_FIELDS: frozenset[str] = frozenset(
    {"authors", "issn", "isbn", "publication_type", "keywords", "url"}
)

#: Separator used when a list field is written as one text cell (CSV export).
LIST_SEPARATOR = "; "


@dataclass(slots=True)
class RawRecord:
    """One record as it stands in the export, before any mapping."""

    line: int
    """Line number (1-based) of the record's start marker in the decoded file."""
    tags: list[tuple[str, str]]
    """The record's tags or columns in file order, repeats kept: (tag, value)."""
    extra: dict[str, str] = field(default_factory=dict)
    """Columns kept verbatim beside the canonical fields (a CSV's id and label columns)."""


def empty_fields() -> dict:
    """A canonical record with every field empty."""
    return {name: ([] if name in LIST_FIELDS else None) for name in FIELDS}


_KEY_STRIP = re.compile(r"[^0-9a-z]+")


def _fold(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.lower())
    return _KEY_STRIP.sub("", text.encode("ascii", "ignore").decode("ascii"))


def identity(record: dict) -> str:
    """What identifies a record inside one search, independent of its position in the file.

    The database's own accession number when there is one, else the DOI, else the folded
    title, year and first author: so a re-downloaded export keeps its records' keys.
    """
    if record.get("source_id"):
        return "id:" + record["source_id"].strip().lower()
    if record.get("doi"):
        return "doi:" + record["doi"]
    authors = record.get("authors") or [""]
    return "meta:" + "|".join(
        (_fold(record.get("title")), record.get("year") or "", _fold(authors[0]))
    )


# Cached: ``record_key`` asks for the same search's slug once per record.
@lru_cache(maxsize=1024)
def slug(text: str) -> str:
    """A short lowercase ASCII name for use in keys and file names."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "-", folded).strip("-") or "search"


def record_key(search: str, ident: str, occurrence: int = 1) -> str:
    """Stable key of a record: the search's slug and a hash of its identity.

    ``occurrence`` tells apart records of one search that share an identity (an export
    listing the same record twice); the first keeps the plain key.
    """
    material = f"{search}\x1f{ident}"
    if occurrence > 1:
        material += f"\x1f{occurrence}"
    # 64 bits: two different records of one search share a key with a chance of about
    # n²/2⁶⁵ (3 in 100 million for a million records); 40 bits gave 1 in 3 at that size.
    digest = hashlib.blake2b(material.encode("utf-8"), digest_size=8).hexdigest()
    return f"{slug(search)[:24]}-{digest}"
