"""The command line: one short function per command; the work is done in the library."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from typer.core import TyperGroup

from . import __version__, console
from .errors import ScreenrevError
from .export import write_csv, write_ris
from .fileio import atomic_text
from .importer import import_files
from .review import Review
from .workspace import Workspace


class _Commands(TyperGroup):
    """Turns the errors a user can fix into one red line on stderr and exit status 1."""

    def invoke(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except ScreenrevError as exc:
            console.error(str(exc))
            raise typer.Exit(1) from None


app = typer.Typer(
    name="screenrev",
    cls=_Commands,
    help="Reproducible screening for scoping and systematic reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
export_app = typer.Typer(help="Write the review's records out for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")

JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary on stdout.")]


def _version(value: bool) -> None:
    if value:
        console.console.print(f"screenrev {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = None,
) -> None:
    """Reproducible screening for scoping and systematic reviews."""


def _open_workspace(review: Review) -> Workspace:
    return Workspace.open(
        review, on_rebuild=lambda search: console.info(f"Rebuilding workspace: reading {search.file}")
    )


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new review.")] = Path("."),
    title: Annotated[str, typer.Option(help="Title of the review.")] = "",
    question: Annotated[str, typer.Option(help="The review question.")] = "",
) -> None:
    """Start a review folder: manifest, searches/, decisions/ and a protocol template."""
    review = Review.create(directory, title=title or directory.resolve().name, question=question)
    console.info(f"Review folder ready in {review.root}")
    console.info("Next: screenrev import EXPORT_FILE --database NAME")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Export files as downloaded from the database.")],
    database: Annotated[str, typer.Option("--database", "-d", help="Database searched, e.g. PsycINFO.")],
    interface: Annotated[str, typer.Option(help="Platform searched on, e.g. Ovid, EBSCOhost.")] = "",
    searched: Annotated[str, typer.Option(help="Date the search was run, YYYY-MM-DD.")] = "",
    name: Annotated[Optional[str], typer.Option(help="Search name (default: from the file name).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace a search already imported under this name.")] = False,
    accept_risks: Annotated[
        bool, typer.Option(help="Import although the file may be truncated or damaged (recorded).")
    ] = False,
    encoding: Annotated[Optional[str], typer.Option(help="Decode the file with this encoding.")] = None,
    format: Annotated[Optional[str], typer.Option(help="Format name, when detection is wrong.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add database exports to the review, checking that no record is lost."""
    review = Review.find()
    with console.progress() as progress:
        task = progress.add_task("Importing", total=len(files))

        def stored(file: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=f"Storing {file}")

        results = import_files(
            review,
            files,
            database=database,
            interface=interface,
            searched=searched,
            name=name,
            replace=replace,
            accept_risks=accept_risks,
            encoding=encoding,
            format=format,
            on_file=lambda path: progress.update(task, description=f"Reading {path.name}"),
            on_stored=stored,
        )
    if as_json:
        _print_json({"files": [asdict(r) for r in results], "records": sum(r.records for r in results)})
        return
    table = Table(title="Imported")
    for column in ("file", "search", "status", "format", "records", "warnings"):
        table.add_column(column, justify="right" if column in ("records", "warnings") else "left")
    for result in results:
        table.add_row(
            result.file, result.search, result.status, result.format,
            f"{result.records:,}", str(len(result.warnings)),
        )
    console.console.print(table)
    for result in results:
        for warning in result.warnings:
            console.warning(f"{result.file}: {warning}")


@app.command()
def sources(as_json: JsonOption = False) -> None:
    """One row per search and the total: the identification box of the PRISMA flow."""
    review = Review.find()
    with _open_workspace(review) as workspace:
        counts = {s.name: workspace.count_records(s.name) for s in review.searches()}
    searches = review.searches()
    total = sum(counts.values())
    if as_json:
        _print_json({
            "searches": [
                {"search": s.name, "database": s.database, "interface": s.interface,
                 "searched": s.searched, "file": s.file, "format": s.format,
                 "records": counts[s.name]}
                for s in searches
            ],
            "total": total,
        })
        return
    table = Table(title="Records identified")
    for column in ("search", "database", "interface", "searched", "file", "records"):
        table.add_column(column, justify="right" if column == "records" else "left")
    for s in searches:
        table.add_row(s.name, s.database, s.interface, s.searched, s.file, f"{counts[s.name]:,}")
    table.add_section()
    table.add_row("total", "", "", "", "", f"{total:,}")
    console.console.print(table)


@app.command()
def dedup(
    review_queue: Annotated[
        Optional[Path],
        typer.Option(
            "--review",
            help="Write the uncertain pairs to this CSV for a reviewer to mark same or different "
            "(keep it under decisions/ so that the decisions apply on every run).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Find duplicate records within and across searches; nothing is deleted."""
    from .clusters import (
        deduplicate_review,  # the matcher's libraries load only when needed
    )

    review = Review.find()
    with _open_workspace(review) as workspace:
        summary = deduplicate_review(review, workspace, queue=review_queue)
    if as_json:
        data = asdict(summary)
        _print_json(data)
        return
    table = Table(title="Duplicates")
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("records", f"{summary.records:,}")
    table.add_row("duplicates marked", f"{summary.duplicates:,}")
    table.add_row("unique records (clusters)", f"{summary.clusters:,}")
    table.add_row("pairs compared", f"{summary.pairs_compared:,}")
    table.add_row("uncertain pairs", f"{summary.unsure:,}")
    table.add_row("human decisions applied", f"{summary.decisions:,}")
    console.console.print(table)
    _print_overlap(summary.overlap)
    if review_queue is not None:
        console.info(
            f"Wrote {summary.unsure:,} uncertain pairs to {review_queue} "
            f"({summary.waiting:,} waiting for a decision: mark each same or different)"
        )


def _print_overlap(overlap) -> None:
    table = Table(title="Records found per database (in unique records)")
    table.add_column("database")
    table.add_column("found", justify="right")
    table.add_column("only here", justify="right")
    for other in overlap.databases:
        table.add_column(f"also in {other}", justify="right")
    for database in overlap.databases:
        table.add_row(
            database,
            f"{overlap.found[database]:,}",
            f"{overlap.unique[database]:,}",
            *(f"{overlap.shared[database][other]:,}" if other != database else "" for other in overlap.databases),
        )
    console.console.print(table)


@export_app.command("records")
def export_records(
    format: Annotated[str, typer.Option("--format", "-f", help="csv or ris.")] = "csv",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Every record with its canonical fields, key and provenance."""
    if format not in ("csv", "ris"):
        raise typer.BadParameter("must be csv or ris", param_hint="--format")
    review = Review.find()
    files = {s.name: s.file for s in review.searches()}
    with _open_workspace(review) as workspace:
        records = (
            {**record, "source_file": files[record["search"]]} for record in workspace.iter_records()
        )
        extra = workspace.extra_columns()
        stages = ["cluster", "primary"] if workspace.has_clusters() else []
        if out is None:
            _write_records(format, records, sys.stdout, extra, stages)
            return
        with atomic_text(out) as handle:
            _write_records(format, records, handle, extra, stages)
        console.info(f"Wrote {workspace.count_records():,} records to {out}")


def _write_records(format: str, records, out, extra: list[str], stages: list[str]) -> None:
    if format == "csv":
        write_csv(records, out, extra=extra, stages=stages)
    else:
        write_ris(records, out)


def main() -> None:
    """Entry point for the ``screenrev`` command."""
    app()
