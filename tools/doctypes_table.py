"""Every publication type in the real exports, and what a peer-review criterion makes of it.

    .venv/bin/python tools/doctypes_table.py                                  # summary only
    .venv/bin/python tools/doctypes_table.py --out docs/publication-types.md  # and the table

Every export under ../shared/data/exports (INDEX.tsv and the notes aside) is read with
screenrev's importer, risks accepted as ``screenrev import --accept-risks`` would; files it
refuses are counted and listed. Each record's ``publication_type`` values are split as
``screenrev.rules.doctypes.kind`` splits them, and each distinct value is reported per
format with how many records and files carry it and the verdict ``kind`` gives it alone.
The Markdown written is the same byte for byte on every run.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from screenrev.errors import InputError  # noqa: E402
from screenrev.records import formats  # noqa: E402
from screenrev.records.parse import read_export  # noqa: E402
from screenrev.rules import doctypes  # noqa: E402

EXPORTS = ROOT.parent / "shared" / "data" / "exports"
COMMAND = ".venv/bin/python tools/doctypes_table.py --out docs/publication-types.md"

GENERIC = "generic → unsure"
UNRECOGNISED = "not recognised → unsure"
NO_TYPE = "no type → unsure"
#: The verdicts in the order they are reported, as a reader says them.
VERDICTS = (doctypes.JOURNAL, doctypes.NOT_PEER_REVIEWED, doctypes.NOT_JOURNAL, GENERIC, UNRECOGNISED)


@dataclass(frozen=True)
class Row:
    """One publication-type value as one format spells it."""

    value: str
    """The value as the export gives it, after splitting at ``;`` and ``|``."""
    dialect: str
    """The format the importer read it from (its label: RIS, Web of Science tagged, …)."""
    records: int
    """Records carrying the value."""
    files: int
    """Files holding at least one of those records."""
    verdict: str
    """What ``doctypes.kind([value])`` says, in words."""


@dataclass
class Survey:
    """The publication types of a set of exports."""

    files: int = 0
    """Exports looked at, refused ones included."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(file, the importer's message, which names it) for each export the importer refused."""
    risky: list[str] = field(default_factory=list)
    """Exports read only because their risks were accepted."""
    records: int = 0
    """Records read."""
    by_verdict: Counter = field(default_factory=Counter)
    """Records by the verdict of their whole type list (``NO_TYPE`` when they have none)."""
    rows: list[Row] = field(default_factory=list)
    """One row per distinct (value, format), by format, then records (most first), then value."""


def values_of(types: Iterable[str]) -> list[str]:
    """A record's type values, split as ``doctypes.kind`` splits them, each once, in order."""
    values = (v.strip() for t in types for v in doctypes._SEPARATORS.split(t))
    return list(dict.fromkeys(v for v in values if v))


def verdict(types: Iterable[str]) -> str:
    """What a peer-review criterion makes of these type values, said for a reader."""
    values = values_of(types)
    if not values:
        return NO_TYPE
    found, _ = doctypes.kind(values)
    if found is not None:
        return found
    return GENERIC if all(v.lower() in doctypes.GENERIC for v in values) else UNRECOGNISED


def survey(exports: Iterable[tuple[str, bytes]]) -> Survey:
    """Read each (name, bytes) export and tally its records' publication types."""
    result = Survey()
    records: Counter = Counter()
    files: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, data in exports:
        result.files += 1
        try:
            parsed = read_export(name, data, accept_risks=True)
        except InputError as error:
            result.refused.append((name, str(error).splitlines()[0]))
            continue
        if parsed.risks:
            result.risky.append(name)
        dialect = formats.by_name(parsed.format).LABEL
        for record in parsed.records:
            result.records += 1
            types = record.get("publication_type") or []
            result.by_verdict[verdict(types)] += 1
            for value in values_of(types):
                records[value, dialect] += 1
                files[value, dialect].add(name)
    result.rows = sorted(
        (Row(value, dialect, count, len(files[value, dialect]), verdict([value]))
         for (value, dialect), count in records.items()),
        key=lambda row: (row.dialect, -row.records, row.value),
    )
    result.refused.sort()
    result.risky.sort()
    return result


def export_files(folder: Path) -> list[Path]:
    """The exports under ``folder``: every file but the index and the notes, sorted."""
    return sorted(path for path in folder.rglob("*")
                  if path.is_file() and path.suffix != ".md" and path.name != "INDEX.tsv")


def summary(found: Survey) -> str:
    """The figures, as plain text lines."""
    values = Counter(row.verdict for row in found.rows)
    distinct = len({row.value for row in found.rows})
    lines = [
        (f"{found.files} exports: {found.files - len(found.refused)} read "
         f"({len(found.risky)} with risks accepted), {len(found.refused)} refused"),
        f"{found.records} records; {distinct} distinct type values, {len(found.rows)} by format",
        "",
        f"{'verdict':<26}{'values':>8}{'records':>9}",
    ]
    for name in (*VERDICTS, NO_TYPE):
        shown = "" if name == NO_TYPE else values[name]
        lines.append(f"{name:<26}{shown:>8}{found.by_verdict[name]:>9}")
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    # A value is export text: a code span shows it as written, and a pipe would end the cell.
    opening, closing = ("`` ", " ``") if "`" in value else ("`", "`")
    return f"{opening}{value}{closing}".replace("|", "\\|")


INTRODUCTION = f"""\
# Publication types in the real exports

This file is generated by `tools/doctypes_table.py` from the exports in
`../shared/data/exports`; do not edit it by hand. To regenerate it:

    {COMMAND}

A criterion `peer_reviewed: false` (see [protocols/README.md](../protocols/README.md#peer-review))
reads a record's publication type as its database gave it. Below is every type value found
in the exports screenrev is tested on, with what the criterion makes of it.

## The verdicts

| verdict | the value says | a `peer_reviewed: false` criterion |
|---|---|---|
| journal article | a journal article (or a journal as its source) | passes the record |
| not peer reviewed | an editorial, letter, comment, erratum, news item, abstract, trial registry record… | excludes it, even when the database also calls it a journal article |
| not a journal article | a book, chapter, thesis, conference paper, report, patent, web page… | excludes it, unless another of its types says journal article |
| generic → unsure | nothing: `GEN`, `Generic`, `SER`, `Other`, `misc`… | leaves it unsure, for a human |
| not recognised → unsure | something the vocabularies do not know | leaves it unsure, for a human |

**Missing data never excludes a record**, and a generic or unrecognised type is missing
data: it does not say whether the record was peer reviewed. GreenFile, AGRIS and CAB
export journal articles with DOI, volume and pages as `TY  - GEN`; a "serial" or "other"
may or may not be peer reviewed; an unrecognised value may be a vendor's label, a field
name or a subject code that landed in the type field. So a `peer_reviewed: false`
criterion excludes only a record whose type says it is not a peer-reviewed journal
article; every other record is passed (a journal article) or left unsure for the
screeners.

A record with several values is decided by all of them: a "not peer reviewed" value wins
(PubMed calls a comment a journal article too), then a "journal article" value, then a
"not a journal article" value; generic and unrecognised values are ignored beside a known
one. The verdict in the table is that of the value alone.

## How the table is made

Each export is read with screenrev's own importer, its risks accepted (as
`screenrev import --accept-risks` reads it), and the format it is read as is the
dialect below. Values are split at `;` and `|`, as the rules split them, and kept as the
export spells them. "records" counts the records carrying the value, "files" the exports
holding them. Rows are sorted by dialect, then by records (most first), then by value.
The words behind each verdict are in `src/screenrev/rules/doctypes.py`.
"""


def markdown(found: Survey) -> str:
    """The whole document: the introduction, the figures, the refused files and the table."""
    parts = [INTRODUCTION, "\n## Summary\n\n```\n", summary(found), "```\n"]
    parts.append("\nRecords are counted by the verdict of all their type values together; values by\n"
                 "their verdict alone (each distinct value once per dialect).\n")
    if found.refused:
        parts.append("\n## Exports the importer refused\n\n```\n")
        parts += [f"{message}\n" for _, message in found.refused]
        parts.append("```\n")
    if found.risky:
        parts.append("\n## Exports read only with their risks accepted\n\n")
        parts += [f"- `{name}`\n" for name in found.risky]
    parts.append("\n## Every value\n\n| value | dialect | records | files | verdict |\n|---|---|---:|---:|---|\n")
    parts += [f"| {_cell(row.value)} | {row.dialect} | {row.records} | {row.files} | {row.verdict} |\n"
              for row in found.rows]
    return "".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the Markdown table here (docs/publication-types.md)")
    parser.add_argument("--exports", type=Path, default=EXPORTS, help="the folder of exports (%(default)s)")
    args = parser.parse_args(argv)
    if not args.exports.is_dir():
        parser.error(f"no folder of exports at {args.exports}")
    paths = export_files(args.exports)
    found = survey((path.relative_to(args.exports).as_posix(), path.read_bytes()) for path in paths)
    sys.stdout.write(summary(found))
    for _, message in found.refused:
        sys.stdout.write(f"refused: {message}\n")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown(found), encoding="utf-8", newline="\n")
        sys.stdout.write(f"wrote {args.out}\n")


if __name__ == "__main__":
    main()
