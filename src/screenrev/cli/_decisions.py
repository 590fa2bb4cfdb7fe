"""Commands for human decisions: decide, agreement, export included, export decisions."""

from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..decisions.files import ALL_STAGES, FULL_TEXT, STAGES, TITLE_ABSTRACT
from ..errors import DecisionError, ScreenrevError
from ..review import spreadsheet
from ..review.atomic import atomic_text
from ..review.folder import Review
from ._app import JsonOption, app, export_app, open_workspace, print_json

StageOption = Annotated[str, typer.Option("--stage", "-s", help="title_abstract, full_text or rules_audit.")]


def _check_stage(stage: str) -> str:
    if stage not in ALL_STAGES:
        raise typer.BadParameter(f"must be one of {', '.join(ALL_STAGES)}", param_hint="--stage")
    return stage


# A decision's cells given on the command line, by the options that gave them.
_OPTIONS = {"stage": "--stage", "decision": "--decision", "reason": "--reason", "reviewer": "--reviewer",
            "timestamp": "--timestamp", "note": "--note"}


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@app.command(rich_help_panel="Screen")
def decide(
    keys: Annotated[Optional[list[str]], typer.Argument(help="Keys of the records decided on.")] = None,
    stage: StageOption = TITLE_ABSTRACT,
    decision: Annotated[
        Optional[str], typer.Option(help="include, exclude, maybe, or (full text) not_retrieved; in the rules "
                                    "audit rightly_excluded or wrongly_excluded.")
    ] = None,
    reviewer: Annotated[str, typer.Option(help="Who decides (name or initials).")] = "",
    reason: Annotated[str, typer.Option(help="Exclusion reason: a criterion's label (or id), or a full-text reason.")] = "",
    note: Annotated[str, typer.Option(help="Free text kept with the decision.")] = "",
    timestamp: Annotated[
        Optional[str], typer.Option(help="When it was decided, ISO 8601 (default: now, UTC).")
    ] = None,
    from_file: Annotated[
        Optional[Path], typer.Option("--from", help="Import the labels of a spreadsheet or ASReview CSV export.")
    ] = None,
    id_column: Annotated[Optional[str], typer.Option(help="--from: column with the record id.")] = None,
    decision_column: Annotated[Optional[str], typer.Option(help="--from: column with the label.")] = None,
    reason_column: Annotated[Optional[str], typer.Option(help="--from: column with the exclusion reason.")] = None,
    note_column: Annotated[Optional[str], typer.Option(help="--from: column with a note.")] = None,
    search: Annotated[Optional[str], typer.Option(help="--from: only match records of this search.")] = None,
    file: Annotated[
        Optional[Path], typer.Option("--file", help="Decision file to append to (default: decisions/STAGE-REVIEWER.csv).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record decisions: on records named by key, or imported from another tool's CSV."""
    from ..decisions.stage import DecisionLog, default_file, primary_index
    from ..decisions.tables import read_table

    _check_stage(stage)
    if not reviewer.strip():
        raise typer.BadParameter("say who decides", param_hint="--reviewer")
    if from_file is None and (not keys or decision is None):
        raise typer.BadParameter("give record KEYS and --decision, or --from FILE", param_hint="KEYS")
    if from_file is not None and (keys or decision is not None):
        raise typer.BadParameter("give either record KEYS with --decision, or --from FILE", param_hint="--from")
    if stage == FULL_TEXT and (decision or "").lower() == "not_retrieved" and not reason.strip():
        raise DecisionError("a report not retrieved needs a reason, as PRISMA 2020 reports why reports could not "
                            "be retrieved (e.g. \"no library access\")", field="--reason")
    review = Review.find()
    if file is not None:
        folder = review.decisions_dir
        if not file.resolve().is_relative_to(folder.resolve()) or file.suffix.lower() != ".csv":
            raise ScreenrevError(f"--file {file}: decisions are read from {_relative(folder, review.root)}/ only; "
                                 "name a .csv file inside it")
    target = file if file is not None else default_file(review, stage, reviewer.strip())
    when = timestamp if timestamp is not None else _now()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        if from_file is None:
            cells = {"key": "", "stage": stage, "decision": decision, "reason": reason, "reviewer": reviewer.strip(),
                     "timestamp": when, "note": note}
            rows = [({**cells, "key": key.strip()}, None) for key in keys]
            try:
                added = log.append(rows, file=target)
            except DecisionError as exc:
                exc.field = _OPTIONS.get(exc.field, exc.field)  # the option the value was given with
                raise
        else:
            rows = read_table(
                from_file, workspace.iter_records(), stage=stage, reviewer=reviewer.strip(), timestamp=when,
                id_column=id_column, decision_column=decision_column, reason_column=reason_column,
                note_column=note_column, search=search,
            )
            try:
                added = log.append(rows, file=target, source=str(from_file))
            except DecisionError as exc:
                exc.field = {"reason": reason_column, "note": note_column}.get(exc.field) or exc.field
                raise
    total = len(keys) if from_file is None else None
    if as_json:
        print_json({"file": str(target), "added": len(added)})
        return
    repeated = f" ({total - len(added):,} already recorded)" if total is not None and total > len(added) else ""
    console.info(f"Added {len(added):,} decision(s) to {_relative(target, review.root)}{repeated}")


def _relative(path: Path, root: Path) -> Path:
    try:
        return path.resolve().relative_to(root.resolve())
    except ValueError:
        return path


@app.command(rich_help_panel="Screen")
def agreement(stage: StageOption = TITLE_ABSTRACT, as_json: JsonOption = False) -> None:
    """Agreement between reviewers (percentage, Cohen's kappa) and the records they disagree on."""
    from ..decisions.agreement import agreement as stage_agreement
    from ..decisions.stage import DecisionLog, primary_index

    _check_stage(stage)
    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        result = stage_agreement(log.decisions, stage, log.rules)
        titles = dict(workspace.db.execute("SELECT key, title FROM records"))
    if as_json:
        print_json({
            "stage": stage,
            "reviewers": result.reviewers,
            "pairs": [{"reviewers": list(p.reviewers), "records": p.records, "agreed": p.agreed,
                       "percent_agreement": p.percent, "kappa": p.kappa} for p in result.pairs],
            "conflicts": [{"record": d.record, "title": titles.get(d.record),
                           "decisions": [{"reviewer": x.reviewer, "decision": x.decision, "reason": x.reason,
                                          "key": x.key, "where": x.where} for x in d.decisions],
                           "settled": d.settled or None, "settled_by": d.how or None}
                          for d in result.disagreements],
            "unresolved": result.unresolved,
        })
        return
    table = Table(title=f"Agreement at {stage}")
    for column in ("reviewer", "reviewer ", "both screened", "agreed", "% agreement", "Cohen's kappa"):
        table.add_column(column, justify="left" if column.startswith("reviewer") else "right")
    for pair in result.pairs:
        table.add_row(
            *pair.reviewers, f"{pair.records:,}", f"{pair.agreed:,}",
            "n/a" if pair.percent is None else f"{pair.percent:.1f}",
            "n/a" if pair.kappa is None else f"{pair.kappa:.3f}",
        )
    console.console.print(table)
    if not result.pairs:
        console.info(f"Fewer than two reviewers have screened at {stage}: no agreement to measure.")
    if result.disagreements:
        conflicts = Table(title=f"Conflicts at {stage} ({result.unresolved:,} unresolved)")
        for column in ("record", "title", "decisions", "settled"):
            conflicts.add_column(column)
        for item in result.disagreements:
            votes = "; ".join(f"{d.reviewer}: {d.decision}" + (f" ({d.reason})" if d.reason else "")
                              for d in item.decisions)
            settled = f"{item.settled} ({item.how})" if item.settled else "unresolved"
            conflicts.add_row(item.record, (titles.get(item.record) or "")[:60], votes, settled)
        console.console.print(conflicts)
    if result.unresolved:
        console.warning(
            f"{result.unresolved:,} conflict(s) unresolved: a decision by a resolver ([reviewers] resolvers in "
            "screenrev.toml) settles each"
        )


@export_app.command("included")
def export_included(
    stage: StageOption = FULL_TEXT,
    format: Annotated[str, typer.Option("--format", "-f", help="ris, csv or bib (or bibtex).")] = "ris",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """The records included at a stage (title_abstract: include or maybe, sent to full text), each
    with its full-text files (column full_text_file; RIS tag L1)."""
    from ..decisions.fulltext import report_files
    from ..decisions.stage import DecisionLog, primary_index
    from ..records.export import included_records, write_bibtex, write_csv, write_ris

    _check_stage(stage)
    format = "bib" if format == "bibtex" else format
    if format not in ("ris", "csv", "bib"):
        raise typer.BadParameter("must be ris, csv or bib", param_hint="--format")
    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        settled = {s: log.settle(s).settled for s in STAGES}
        wanted = ("include", "maybe") if stage == TITLE_ABSTRACT else ("include",)
        columns = {
            record: {s: (settled[s][record].decision if record in settled[s] else "") for s in STAGES}
            for record, result in settled[stage].items() if result.decision in wanted
        }
        added = ["cluster", *STAGES]
        if stage == FULL_TEXT:  # each report with its study (its own key when not linked to others)
            from ..decisions.studies import read_studies, studies_path

            path = studies_path(review.decisions_dir)
            study_of = read_studies(path, str(_relative(path, review.root)), log.primary_of, list(columns)).study_of()
            for record, values in columns.items():
                values["study"] = study_of.get(record, record)
            added.append("study")
        reports = report_files(review, log.primary_of)
        for record, values in columns.items():
            values["full_text_file"] = [_relative(path, review.root).as_posix() for path in reports.get(record, [])]
        added.append("full_text_file")
        files = {search.name: search.file for search in review.searches()}
        records = ({**r, "source_file": files[r["search"]]} for r in included_records(workspace, columns))
        extra = workspace.extra_columns()
        with atomic_text(out) if out is not None else nullcontext(console.results()) as stream:
            if format == "csv":
                write_csv(records, stream, extra=extra, stages=added)
            elif format == "ris":
                write_ris(records, stream)
            else:
                write_bibtex(records, stream)
    if out is not None:
        console.info(f"Wrote {len(columns):,} records included at {stage} to {out}")


@export_app.command("decisions")
def export_decisions(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Every decision, file by file and row by row, with the record it applies to: the audit trail."""
    from ..decisions.stage import DecisionLog, primary_index

    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        titles = dict(workspace.db.execute("SELECT key, title FROM records"))
    columns = ("file", "line", "key", "record", "title", "stage", "decision", "reason", "reviewer", "timestamp", "note")
    with atomic_text(out) if out is not None else nullcontext(console.results()) as stream:
        writer = spreadsheet.writer(stream)
        writer.writerow(columns)
        for d in log.decisions:
            writer.writerow([d.file, d.line, d.key, d.record, titles.get(d.record) or "", d.stage, d.decision,
                             d.reason, d.reviewer, d.timestamp, d.note])
    if out is not None:
        console.info(f"Wrote {len(log.decisions):,} decisions to {out}")

