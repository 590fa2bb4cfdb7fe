"""Writing the review's records out: CSV for spreadsheets, RIS for reference managers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO

from ..review import spreadsheet
from .formats import ris
from .record import FIELDS, LIST_FIELDS, LIST_SEPARATOR

#: Provenance columns that lead every CSV export.
PROVENANCE = ("key", "search", "database", "source_file", "position", "line", "source_id")


def csv_columns(extra: list[str], stages: list[str]) -> list[str]:
    """Provenance, what later stages added (``stages``), canonical fields, kept input columns."""
    columns = list(PROVENANCE) + stages + [name for name in FIELDS if name not in PROVENANCE]
    return columns + [name for name in extra if name not in columns]


def write_csv(
    records: Iterable[dict], out: TextIO, *, extra: list[str], stages: list[str] = ()
) -> None:
    """One row per record; list fields joined with ``; ``, yes/no as ``true``/``false``.

    ``extra`` names the kept input columns, ``stages`` the columns later stages added.
    """
    columns = csv_columns(extra, list(stages))
    writer = spreadsheet.writer(out)
    writer.writerow(columns)
    for record in records:
        row = []
        for name in columns:
            value = record[name] if name in record else record["extra"].get(name)
            if name in LIST_FIELDS or isinstance(value, list):
                value = LIST_SEPARATOR.join(value or [])
            elif isinstance(value, bool):
                value = "true" if value else "false"
            row.append("" if value is None else value)
        writer.writerow(row)


def write_ris(records: Iterable[dict], out: TextIO) -> None:
    """RIS with the screenrev key in ``ID``, the database in ``DB``, and the full-text files
    the review holds (``full_text_file``, paths inside the review folder) in ``L1``, the tag
    reference managers read as file attachments."""
    ris.write(records, out, extra_tags={"key": "ID", "database": "DB", "full_text_file": "L1"})


# BibTeX entry type from the record's publication types (RIS, PubMed, Scopus… words).
_BIBTEX_TYPES = (
    ("inproceedings", ("CONF", "CPAPER", "conference", "proceedings")),
    ("incollection", ("CHAP", "ECHAP", "chapter")),
    ("book", ("BOOK", "EBOOK", "EDBOOK", "book")),
    ("phdthesis", ("THES", "thesis", "dissertation")),
    ("techreport", ("RPRT", "report")),
)
_BIBTEX_FIELDS = (
    ("title", "title"), ("authors", "author"), ("year", "year"), ("journal", "journal"),
    ("volume", "volume"), ("issue", "number"), ("pages", "pages"), ("doi", "doi"),
    ("issn", "issn"), ("isbn", "isbn"), ("language", "language"), ("keywords", "keywords"),
    ("url", "url"), ("abstract", "abstract"),
)
_LATEX_SPECIALS = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#",
    "$": r"\$", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
})


def _bibtex_type(record: dict) -> str:
    words = " ".join(record.get("publication_type") or []).lower()
    for entry, hints in _BIBTEX_TYPES:
        if any(hint.lower() in words.split() or (len(hint) > 4 and hint.lower() in words) for hint in hints):
            return entry
    return "article" if record.get("journal") or not words else "misc"


def _bibtex_value(field: str, value: object) -> str:
    if isinstance(value, list):
        value = " and ".join(value) if field == "authors" else ", ".join(value)
    text = " ".join(str(value).split())
    if field in ("doi", "url"):
        # Identifiers are taken verbatim by BibTeX styles; only braces would break the entry.
        return text.replace("{", "").replace("}", "")
    if field == "pages":
        text = text.replace("--", "-").replace("-", "--")
    return text.translate(_LATEX_SPECIALS)


def write_bibtex(records: Iterable[dict], out: TextIO) -> None:
    """BibTeX, one entry per record, cited by its screenrev key; special characters escaped."""
    for record in records:
        out.write(f"@{_bibtex_type(record)}{{{record['key']},\n")
        for name, field in _BIBTEX_FIELDS:
            value = record.get(name)
            if value:
                out.write(f"  {field} = {{{_bibtex_value(name, value)}}},\n")
        if record.get("database"):
            out.write(f"  note = {{{_bibtex_value('database', 'Found in ' + record['database'])}}},\n")
        out.write("}\n\n")


def included_records(workspace, decisions: dict[str, dict[str, str]]) -> Iterator[dict]:
    """The primary records in ``decisions`` (key → stage columns), with their cluster's merged fields.

    Each record keeps its provenance; empty fields are filled from its duplicates, as dedup merged them.
    """
    merged = {}
    if workspace.has_clusters():
        import json

        rows = workspace.db.execute("SELECT cluster, fields FROM clusters")
        merged = {cluster: json.loads(fields) for cluster, fields in rows}
    for record in workspace.iter_records():
        if record["key"] not in decisions:
            continue
        fields = merged.get(record.get("cluster"), {})
        yield {**record, **{name: value for name, value in fields.items() if value}, **decisions[record["key"]]}
