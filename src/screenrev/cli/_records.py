"""Commands for the review folder and its records: init, import, sources, export records."""

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..review.atomic import atomic_text
from ..review.folder import Review
from ._app import JsonOption, app, export_app, open_workspace, print_json


@app.command(rich_help_panel="Set up")
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new review.")] = Path("."),
    title: Annotated[str, typer.Option(help="Title of the review.")] = "",
    question: Annotated[str, typer.Option(help="The review question.")] = "",
) -> None:
    """Start a review folder: manifest, searches/, decisions/ and a protocol template."""
    review = Review.create(directory, title=title or directory.resolve().name, question=question)
    console.info(f"Review folder ready in {review.root}")
    console.info("Next: screenrev import EXPORT_FILE --database NAME")


StrategyOption = Annotated[Optional[str], typer.Option(
    help="The search strategy as run (PRISMA-S): its text, or a file (kept by name when inside the review "
         "folder, else its text is kept).")]
LimitsOption = Annotated[str, typer.Option(help="Limits and filters applied (dates, languages, types…).")]
PeerReviewOption = Annotated[str, typer.Option(help="Whether and how the strategy was peer reviewed (e.g. "
                                               "\"PRESS, by J. Smith, 2024-02-01\").")]


def _reporting(review: Review, strategy: Optional[str], limits: str, peer_review: str) -> dict[str, str]:
    """The PRISMA-S fields given on the command line (only those given)."""
    values: dict[str, str] = {}
    if strategy is not None:
        path = Path(strategy)
        if len(strategy) < 4096 and "\n" not in strategy and path.is_file():
            if path.resolve().is_relative_to(review.root.resolve()):
                values["strategy_file"] = path.resolve().relative_to(review.root.resolve()).as_posix()
                values["strategy"] = ""
            else:
                values["strategy"] = path.read_text(encoding="utf-8", errors="replace")
                values["strategy_file"] = ""
        else:
            values["strategy"], values["strategy_file"] = strategy, ""
    if limits:
        values["limits"] = limits
    if peer_review:
        values["peer_review"] = peer_review
    return values


@app.command("import", rich_help_panel="Set up")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Export files as downloaded from the database.")],
    database: Annotated[str, typer.Option("--database", "-d", "--source", help="Database searched, e.g. PsycINFO "
                                          "(with --method: the website, organisation or source, e.g. \"advisory "
                                          "group\", \"backward citations of included studies\"; with --update: "
                                          "that search's).")] = "",
    method: Annotated[Optional[str], typer.Option(help="How the records were found: database, register, website, "
                                                  "organisation, citation or other (PRISMA 2020's other methods "
                                                  "are counted in the flow's second column; default: register for "
                                                  "a register's export, else database).")] = None,
    interface: Annotated[str, typer.Option(help="Platform searched on, e.g. Ovid, EBSCOhost.")] = "",
    searched: Annotated[str, typer.Option(help="Date the search was run, YYYY-MM-DD.")] = "",
    name: Annotated[Optional[str], typer.Option(help="Search name (default: from the file name).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace a search already imported under this name.")] = False,
    accept_risks: Annotated[
        bool, typer.Option(help="Import although the file may be truncated or damaged (recorded).")
    ] = False,
    encoding: Annotated[Optional[str], typer.Option(help="Decode the file with this encoding.")] = None,
    format: Annotated[Optional[str], typer.Option(help="Format name, when detection is wrong.")] = None,
    strategy: StrategyOption = None,
    limits: LimitsOption = "",
    peer_review: PeerReviewOption = "",
    update: Annotated[Optional[str], typer.Option(
        "--update", help="This export runs the search SEARCH again (a review update): the earlier run is kept, "
        "records found before keep their decisions, only new records reach screening.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add database exports to the review, checking that no record is lost."""
    from ..records.stage import import_files

    review = Review.find()
    reporting = _reporting(review, strategy, limits, peer_review)
    with console.progress() as progress:
        task = progress.add_task("Importing", total=len(files))

        def stored(file: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=f"Storing {file}")

        results = import_files(
            review,
            files,
            database=database,
            method=method,
            reporting=reporting,
            update_of=update or "",
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
        print_json({"files": [asdict(r) for r in results], "records": sum(r.records for r in results)})
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


@app.command(rich_help_panel="Set up")
def add(
    title: Annotated[str, typer.Option(help="The record's title.")],
    source: Annotated[str, typer.Option("--source", help="Where it came from, e.g. \"Expert: e-mail from J. "
                                        "Smith\", \"Advisory group\".")],
    method: Annotated[str, typer.Option(help="How it was found: other (the default), citation, website, "
                                        "organisation, register or database.")] = "other",
    author: Annotated[Optional[list[str]], typer.Option("--author", help="An author (repeat for each).")] = None,
    year: Annotated[str, typer.Option(help="Year of publication.")] = "",
    journal: Annotated[str, typer.Option(help="Journal or other source title.")] = "",
    volume: Annotated[str, typer.Option(help="Volume.")] = "",
    issue: Annotated[str, typer.Option(help="Issue.")] = "",
    pages: Annotated[str, typer.Option(help="Pages, e.g. 12-19.")] = "",
    doi: Annotated[str, typer.Option(help="DOI.")] = "",
    url: Annotated[str, typer.Option(help="Where to find it.")] = "",
    abstract: Annotated[str, typer.Option(help="Abstract or summary.")] = "",
    type: Annotated[str, typer.Option("--type", help="RIS type (JOUR, RPRT, THES…; default GEN: the kind is "
                                      "not known, so no rule takes it for a journal article).")] = "GEN",
    searched: Annotated[str, typer.Option(help="Date it was received or found, YYYY-MM-DD.")] = "",
    name: Annotated[Optional[str], typer.Option(help="Search name (default: from the title).")] = None,
) -> None:
    """Add one record typed by hand (an expert's suggestion, a report an organisation sent) as a search of its own."""
    import tempfile

    from ..errors import ScreenrevError
    from ..records.formats.ris import write
    from ..records.record import slug
    from ..records.stage import import_files

    if not title.strip():
        raise typer.BadParameter("give the record's title", param_hint="--title")
    if not source.strip():
        raise typer.BadParameter("say where the record came from", param_hint="--source")
    review = Review.find()
    record = {"title": title.strip(), "authors": [a.strip() for a in author or [] if a.strip()], "year": year,
              "journal": journal, "volume": volume, "issue": issue, "pages": pages, "doi": doi,
              "url": [url] if url else [], "abstract": abstract, "publication_type": [type.strip().upper()]}
    taken = {name for search in review.searches() for name in (search.name, Path(search.file).stem)}
    if name and name in taken:
        raise typer.BadParameter(f"a search named {name!r} exists already: give another name", param_hint="--name")
    # two experts may send the same paper: each is a record of its own, the next name free
    base = name or f"added-{slug(title)[:40].strip('-')}"
    search_name = next(candidate for candidate in (base if n == 1 else f"{base}-{n}" for n in range(1, len(taken) + 2))
                       if candidate not in taken)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{search_name}.ris"
        # where it came from, in the file too: the same paper sent by two people is two records
        record["note"] = f"Added by hand from {source.strip()}" + (f", {searched}" if searched else "")
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            write([record], handle, extra_tags={"note": "N1"})
        results = import_files(review, [path], database=source.strip(), method=method, searched=searched,
                               name=search_name)
    if results[0].status == "unchanged":
        raise ScreenrevError(f"this record, from {source.strip()!r}, was added already: search "
                             f"{results[0].search!r}")
    console.info(f"Added the record as search {results[0].search!r} ({method}: {source.strip()}), "
                 f"file {review.search(results[0].search).file}")


@app.command(rich_help_panel="Set up")
def sources(
    prisma_s: Annotated[bool, typer.Option("--prisma-s", help="Write the search report PRISMA-S asks for.")] = False,
    format: Annotated[str, typer.Option("--format", "-f", help="With --prisma-s: md, html or csv.")] = "md",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="With --prisma-s: file to write.")] = None,
    set_search: Annotated[Optional[str], typer.Option("--set", help="Record a search's strategy, limits or peer "
                                                      "review (with --strategy, --limits, --peer-review).")] = None,
    strategy: StrategyOption = None,
    limits: LimitsOption = "",
    peer_review: PeerReviewOption = "",
    as_json: JsonOption = False,
) -> None:
    """One row per search and the total: the identification box of the PRISMA flow (--prisma-s: the search report)."""
    review = Review.find()
    if set_search is not None:
        _set_reporting(review, set_search, _reporting(review, strategy, limits, peer_review))
        return
    if prisma_s:
        _prisma_s(review, format, out)
        return
    searches = review.searches()
    runs = any(s.update_of for s in searches)
    with open_workspace(review, up_to="dedup" if runs else None) as workspace:
        counts = {s.name: workspace.count_records(s.name) for s in searches}
        new = _new_records(workspace, [s.name for s in searches]) if runs else {}
    total = sum(counts.values())
    if as_json:
        print_json({
            "searches": [
                {"search": s.name, "database": s.database, "method": s.method, "interface": s.interface,
                 "searched": s.searched, "file": s.file, "format": s.format,
                 "records": counts[s.name], **({"update_of": s.update_of, "new": new[s.name]} if runs else {})}
                for s in searches
            ],
            "total": total,
        })
        return
    table = Table(title="Records identified")
    methods = any(s.method != "database" for s in searches)
    columns = ("search", "database", *(("method",) if methods else ()), *(("run of",) if runs else ()), "interface",
               "searched", "file", "records", *(("new",) if runs else ()))
    for column in columns:
        table.add_column("source" if column == "database" and methods else column,
                         justify="right" if column in ("records", "new") else "left")
    for s in searches:
        table.add_row(s.name, s.database, *((s.method,) if methods else ()), *((s.update_of,) if runs else ()),
                      s.interface, s.searched, s.file, f"{counts[s.name]:,}",
                      *((f"{new[s.name]:,}",) if runs else ()))
    table.add_section()
    table.add_row("total", *([""] * (len(columns) - 2 - runs)), f"{total:,}", *(("",) if runs else ()))
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
    with open_workspace(review, up_to="rules") as workspace:
        rule_columns, rule_values = workspace.screening_columns()
        records = (
            {**record, "source_file": files[record["search"]], **rule_values.get(record["key"], {})}
            for record in workspace.iter_records()
        )
        extra = workspace.extra_columns()
        stages = (["cluster", "primary"] if workspace.has_clusters() else []) + rule_columns
        if out is None:
            _write_records(format, records, console.results(), extra, stages)
            return
        with atomic_text(out) as handle:
            _write_records(format, records, handle, extra, stages)
        console.info(f"Wrote {workspace.count_records():,} records to {out}")


def _write_records(format: str, records, out, extra: list[str], stages: list[str]) -> None:
    from ..records.export import write_csv, write_ris

    if format == "csv":
        write_csv(records, out, extra=extra, stages=stages)
    else:
        write_ris(records, out)




def _set_reporting(review: Review, name: str, values: dict[str, str]) -> None:
    from dataclasses import replace

    from ..errors import ScreenrevError

    if not values:
        raise typer.BadParameter("give --strategy, --limits or --peer-review", param_hint="--set")
    def change(searches: list) -> list:
        if not any(search.name == name for search in searches):
            raise ScreenrevError(f"--set {name}: no search has this name (see 'screenrev sources')")
        return [replace(search, **values) if search.name == name else search for search in searches]

    review.edit_searches(change)
    console.info(f"Recorded {', '.join(sorted(values))} for search {name!r} in screenrev.toml")


def _prisma_s(review: Review, format: str, out: Optional[Path]) -> None:
    from contextlib import nullcontext

    from .. import __version__
    from ..records.searchreport import RENDERERS, report

    if format not in RENDERERS:
        raise typer.BadParameter("must be md, html or csv", param_hint="--format")
    with open_workspace(review, up_to="dedup") as workspace:
        counts = {s.name: workspace.count_records(s.name) for s in review.searches()}
        clusters = workspace.db.execute("SELECT COUNT(*) FROM clusters").fetchone()[0]
        undecided = workspace.undecided_pairs()
    duplicates = sum(counts.values()) - clusters if clusters else None
    data = report(review, counts, duplicates, __version__, undecided)
    with atomic_text(out) if out is not None else nullcontext(console.results()) as stream:
        RENDERERS[format](data, stream)
    if out is not None:
        console.info(f"Wrote the search report to {out}")


def _new_records(workspace, order: list[str]) -> dict[str, int]:  # noqa: ANN001 - a Workspace
    """Per search, its records that no earlier search (in manifest order) found: what a run
    of a search added."""
    rank = {name: index for index, name in enumerate(order)}
    rows = workspace.db.execute("SELECT records.search, duplicates.cluster, records.key FROM records "
                                "LEFT JOIN duplicates USING (key)").fetchall()
    first_seen: dict[str, int] = {}
    for search, cluster, key in rows:
        group = cluster or key
        first_seen[group] = min(first_seen.get(group, len(order)), rank.get(search, len(order)))
    new = dict.fromkeys(order, 0)
    for search, cluster, key in rows:
        if search in new and first_seen[cluster or key] == rank[search]:
            new[search] += 1
    return new
