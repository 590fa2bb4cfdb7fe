"""Commands for the full-text stage: the reports to retrieve and where they stand, and
reports of one study linked together."""

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..decisions.files import FULL_TEXT
from ..review.atomic import atomic_text
from ..review.folder import Review
from ._app import JsonOption, app, open_workspace, print_json
from ._decisions import _now, _relative

study_app = typer.Typer(help="Group the reports included at full text into studies.", no_args_is_help=True)
app.add_typer(study_app, name="study", rich_help_panel="Screen")
fulltext_app = typer.Typer(help="The reports sought at full text: what to retrieve, and where each stands.",
                           no_args_is_help=True)
app.add_typer(fulltext_app, name="fulltext", rich_help_panel="Screen")


@fulltext_app.command("list")
def fulltext_list(
    format: Annotated[str, typer.Option("--format", "-f", help="csv, or ris for a reference manager's "
                                        "\"find full text\".")] = "csv",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
    missing: Annotated[bool, typer.Option("--missing", help="Only the reports the review has no file for.")] = False,
) -> None:
    """The reports to retrieve: the records sought at full text, with DOI, URL and the file the review holds."""
    from ..decisions.fulltext import report_files, sought_records
    from ..decisions.stage import DecisionLog, primary_index
    from ..records.export import included_records, write_ris
    from ..review import spreadsheet

    if format not in ("csv", "ris"):
        raise typer.BadParameter("must be csv or ris", param_hint="--format")
    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        files = report_files(review, log.primary_of)
        settled = log.settle(FULL_TEXT).settled
        wanted = {record: {} for record in sought_records(log) if not (missing and files.get(record))}
        records = sorted(included_records(workspace, wanted), key=lambda r: r["key"])
    with atomic_text(out) if out is not None else nullcontext(console.results()) as stream:
        if format == "ris":
            write_ris(records, stream)
        else:
            writer = spreadsheet.writer(stream)
            writer.writerow(("key", "title", "authors", "year", "journal", "doi", "url", "file", "full_text"))
            for r in records:
                paths = files.get(r["key"], [])
                urls = r.get("url") or []
                writer.writerow((r["key"], r.get("title") or "", "; ".join(r.get("authors") or []), r.get("year") or "",
                                 r.get("journal") or "", r.get("doi") or "",
                                 "; ".join(urls) if isinstance(urls, list) else urls,
                                 "; ".join(str(_relative(path, review.root)) for path in paths),
                                 settled[r["key"]].decision if r["key"] in settled else ""))
    if out is not None:
        console.info(f"Wrote {len(records):,} reports to retrieve to {out}")


@fulltext_app.command("status")
def fulltext_status(as_json: JsonOption = False) -> None:
    """Reports sought, with a file, included, excluded, not retrieved (with reasons) and awaiting a decision."""
    from dataclasses import asdict

    from ..decisions.fulltext import full_text_status, report_files
    from ..decisions.stage import DecisionLog, primary_index

    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        status = full_text_status(log, report_files(review, log.primary_of))
    if as_json:
        print_json(asdict(status))
        return
    table = Table(title="Full text")
    table.add_column("reports")
    table.add_column("n", justify="right")
    rows = [("sought for retrieval", status.sought), ("  with a file in the reports folder", status.with_file),
            ("included", status.included), ("excluded", status.excluded), ("not retrieved", status.not_retrieved),
            *((f"  {reason}", n) for reason, n in status.not_retrieved_reasons.items()),
            ("awaiting a decision", status.awaiting), ("reviewers disagree", status.conflicts)]
    for label, n in rows:
        table.add_row(label, f"{n:,}", style="dim" if label.startswith("  ") else None)
    console.console.print(table)



def _included_at_full_text(log) -> list[str]:  # noqa: ANN001 - a DecisionLog
    return [record for record, settled in log.settle(FULL_TEXT).settled.items() if settled.decision == "include"]


@study_app.command("link")
def study_link(
    keys: Annotated[list[str], typer.Argument(help="Keys of the reports (records included at full text).")],
    name: Annotated[str, typer.Option("--name", help="The study's name (e.g. first author and year, or a trial's "
                                      "registration number).")],
    main: Annotated[Optional[str], typer.Option(help="The study's main report (default: the first key, for a new "
                                                "study).")] = None,
    reviewer: Annotated[str, typer.Option(help="Who links them.")] = "",
) -> None:
    """Link reports of one study: the flow counts them as one study and several reports."""
    from ..decisions.stage import DecisionLog, primary_index
    from ..decisions.studies import link, studies_path

    if not name.strip():
        raise typer.BadParameter("name the study", param_hint="--name")
    if not reviewer.strip():
        raise typer.BadParameter("say who links the reports", param_hint="--reviewer")
    review = Review.find()
    path = studies_path(review.decisions_dir)
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        review.decisions_dir.mkdir(parents=True, exist_ok=True)
        added = link(path, _relative(path, review.root).as_posix(), study=name.strip(), keys=[k.strip() for k in keys],
                     main=main, reviewer=reviewer.strip(), timestamp=_now(), primary_of=log.primary_of,
                     included=_included_at_full_text(log))
    console.info(f"Linked {len(added):,} report(s) into the study {name.strip()!r} in "
                 f"{_relative(path, review.root)}" + (f" ({len(keys) - len(added):,} linked already)"
                                                       if len(added) < len(keys) else ""))


@study_app.command("list")
def study_list(as_json: JsonOption = False) -> None:
    """The studies and their reports (the main report first); unlinked included reports are studies of their own."""
    from ..decisions.stage import DecisionLog, primary_index
    from ..decisions.studies import read_studies, studies_path

    review = Review.find()
    path = studies_path(review.decisions_dir)
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        included = _included_at_full_text(log)
        studies = read_studies(path, str(_relative(path, review.root)), log.primary_of, included)
        titles = dict(workspace.db.execute("SELECT key, title FROM records"))
    linked = studies.study_of()
    groups = {**studies.reports, **{record: [record] for record in sorted(included) if record not in linked}}
    if as_json:
        print_json({"studies": len(groups), "reports": len(included),
                    "linked": [{"study": s, "reports": r} for s, r in studies.reports.items()]})
        return
    table = Table(title=f"{len(groups):,} studies from {len(included):,} included reports")
    for column in ("study", "report", "title"):
        table.add_column(column)
    for study, records in groups.items():
        for number, record in enumerate(records):
            role = " (main)" if number == 0 and len(records) > 1 else ""
            table.add_row(study if number == 0 else "", record + role, (titles.get(record) or "")[:70])
    console.console.print(table)
