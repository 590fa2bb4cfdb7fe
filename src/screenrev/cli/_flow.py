"""Commands for the PRISMA 2020 flow: flow (table, JSON, template CSV, diagram, --check) and run."""

import shutil
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from .. import console
from ..errors import ScreenrevError
from ..review.atomic import atomic_text
from ..review.folder import Review
from ._app import JsonOption, app, open_workspace, print_json

if TYPE_CHECKING:  # the flow's modules load only in the commands that count it
    from ..flow.stage import FlowReport

#: Where ``screenrev run`` draws the diagram when ``[flow] diagram`` does not say.
DEFAULT_DIAGRAM = "out/prisma-flow.svg"


def _print_table(report: "FlowReport") -> None:
    from ..flow.counts import table_rows

    table = Table(title="PRISMA 2020 flow")
    table.add_column("count")
    table.add_column("")
    table.add_column("n", justify="right")
    for name, description, value, detail in table_rows(report.flow):
        table.add_row(name, description, f"{value:,}", style="dim" if detail else None)
    console.console.print(table)
    if report.audit is not None:
        console.console.print(Text(report.audit.line()))
        for criterion in report.audit.criteria:
            console.console.print(Text(f"  {criterion.label}: {criterion.sentence()}"))
    if report.flow.stopping_rule:
        console.console.print(f"Stopping rule: {report.flow.stopping_rule}")


def _audit_json(report: "FlowReport") -> dict | None:
    return report.audit.as_json() if report.audit is not None else None


def _write_outputs(report: "FlowReport", csv_out: Optional[Path], diagram: Optional[Path]) -> None:
    if csv_out is not None:
        from ..flow.template import omitted, write_template

        csv_out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_text(csv_out) as out:
            write_template(report.flow, out)
        console.info(f"Wrote the PRISMA2020 template CSV to {csv_out}")
        if omitted(report.flow):
            console.warning(omitted(report.flow))
    if diagram is not None:
        from ..flow.diagram import draw

        diagram.parent.mkdir(parents=True, exist_ok=True)
        draw(report.flow, diagram, audit=report.audit.line() if report.audit else "")
        console.info(f"Drew the flow diagram in {diagram}")


def _check(review: Review, report: "FlowReport", as_json: bool) -> None:
    from ..flow.counts import differences, flatten

    expected = review.section("expected")
    if not expected:
        raise ScreenrevError(
            "screenrev.toml has no [expected] counts to check against: record them with 'screenrev flow --record'"
        )
    changed = differences(expected, report.counts())
    accepted = review.section("flow").get("accept_undecided_pairs", False)
    if not isinstance(accepted, bool):
        raise ScreenrevError("[flow] accept_undecided_pairs in screenrev.toml must be true or false")
    undecided = report.undecided_pairs if not accepted else 0
    if as_json:
        print_json({"ok": not changed and not undecided, "undecided_pairs": report.undecided_pairs,
                    "differences": [{"count": n, "expected": e, "actual": a} for n, e, a in changed]})
    else:
        if undecided:
            console.console.print(f"Not settled: {undecided:,} uncertain duplicate pair(s) have no decision (decide "
                                  "them in the review queue, or set accept_undecided_pairs = true under [flow] in "
                                  "screenrev.toml to count them as different records)", markup=False)
        if not changed and not undecided:
            console.console.print(
                f"OK: the flow matches the {len(flatten(expected)):,} expected counts in screenrev.toml")
        elif changed:
            width = max(len(name) for name, _, _ in changed)
            console.console.print(f"The flow differs from [expected] in screenrev.toml ({len(changed):,} counts):",
                                  markup=False)
            for name, want, have in changed:
                change = f"  ({have - want:+,})" if want is not None and have is not None else ""
                console.console.print(
                    f"  {name:<{width}}  expected {_shown(want):>9}   now {_shown(have):>9}{change}", markup=False
                )
    if changed or undecided:
        raise typer.Exit(1)


def _shown(value: int | None) -> str:
    return "(none)" if value is None else f"{value:,}"


@app.command(rich_help_panel="Report")
def flow(
    as_json: JsonOption = False,
    csv_out: Annotated[
        Optional[Path], typer.Option("--csv", help="Write the counts in the PRISMA2020 template's CSV format.")
    ] = None,
    diagram: Annotated[
        Optional[Path], typer.Option("--diagram", help="Draw the PRISMA 2020 diagram (FILE.svg, .png or .pdf).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Compare with \\[expected] in screenrev.toml; exit 1 on any difference.")
    ] = False,
    record: Annotated[
        bool, typer.Option("--record", help="Write the current counts as \\[expected] in screenrev.toml.")
    ] = False,
) -> None:
    """The PRISMA 2020 flow, counted from the records, the rules and the decisions."""
    from ..flow.stage import review_flow

    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        report = review_flow(review, workspace)
    for warning in report.warnings:
        console.warning(warning)
    _write_outputs(report, csv_out, diagram)
    if record:
        counts = {name: value for name, value in report.counts().items() if value != {}}
        review.save_section("expected", counts, comment="written by 'screenrev flow --record', checked by --check")
        console.info("Recorded the current counts as \\[expected] in screenrev.toml")
    if check:
        _check(review, report, as_json)
    elif as_json:
        print_json({**report.flow.counts(), "stopping_rule": report.flow.stopping_rule or None,
                    "rules_audit": _audit_json(report), "warnings": report.warnings})
    else:
        _print_table(report)


@app.command(rich_help_panel="Report")
def run(
    diagram: Annotated[
        Optional[Path],
        typer.Option(help=f"Where to draw the diagram (default: \\[flow] diagram in screenrev.toml, or {DEFAULT_DIAGRAM})."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rebuild everything from the review's files in an empty workspace: import, dedup, rules, flow."""
    # The matcher's and the rules' libraries load only when needed.
    from ..dedup.stage import deduplicate_review
    from ..flow.stage import review_flow
    from ..rules.stage import screen_review

    review = Review.find()
    # The workspace is derived: starting from nothing proves the files alone give these counts.
    if review.workspace_dir.exists():
        shutil.rmtree(review.workspace_dir)
    with open_workspace(review) as workspace:
        searches = len(review.searches())
        console.info(f"Imported {workspace.count_records():,} records from {searches} search{'es' if searches != 1 else ''}")
        summary = deduplicate_review(review, workspace)
        console.info(f"Marked {summary.duplicates:,} duplicates ({summary.clusters:,} unique records)")
        # Rules stage: the protocol's criteria on the primary records, before the flow reads the exclusions.
        if review.protocol_path.is_file():
            rules = screen_review(review, workspace)
            console.info(f"Rules excluded {rules.excluded:,} records and flagged {rules.flagged:,}")
        report = review_flow(review, workspace)
    for warning in report.warnings:
        console.warning(warning)
    target = diagram or review.inside("[flow] diagram", review.section("flow").get("diagram", DEFAULT_DIAGRAM))
    _write_outputs(report, None, target)
    if as_json:
        print_json({**report.flow.counts(), "stopping_rule": report.flow.stopping_rule or None,
                    "rules_audit": _audit_json(report), "warnings": report.warnings, "diagram": str(target)})
    else:
        _print_table(report)


@app.command(rich_help_panel="Report")
def status(as_json: JsonOption = False) -> None:
    """Where the review stands: records, stages, each reviewer's progress, conflicts, the stopping rule, what next."""
    from ..flow.status import review_status

    review = Review.find()
    recomputed: list[str] = []

    def say(line: str) -> None:
        console.info(line)
        recomputed.append(line)

    with open_workspace(review, up_to="rules", say=say) as workspace:
        state = review_status(review, workspace, recomputed=recomputed)
    if as_json:
        print_json(asdict(state))
    else:
        _print_status(state)
    for warning in state.warnings:  # said, not failed on: status is how to find out what needs mending
        console.warning(warning)


def _print_status(state) -> None:  # noqa: ANN001 - a ReviewStatus, whose module loads with the command
    out = console.console
    out.print(Text(f"Review: {state.title or '(no title)'}", style="bold"))
    out.print(Text(f"{state.searches:,} search{'es' if state.searches != 1 else ''}, {state.records:,} records "
                   f"identified, {state.duplicates:,} duplicates, {state.excluded_automatic:,} excluded by the "
                   "protocol's rules"))
    out.print(Text("Duplicates and rule outcomes: " + ("brought up to date now" if state.recomputed else "current")))
    if state.blinded:
        out.print(Text("Screening is blinded: each reviewer's screen shows only their own decisions."))
    for stage, what in ((state.title_abstract, "records to screen"), (state.full_text, "reports sought")):
        name = "Title/abstract" if stage.stage == "title_abstract" else "Full text"
        out.print()
        out.print(Text(f"{name}: {stage.records:,} {what}, {stage.settled:,} settled, {stage.conflicts:,} in "
                       f"conflict, {stage.undecided:,} not decided by anyone", style="bold"))
        width = max((len(p.reviewer) for p in stage.reviewers), default=0)
        for progress in stage.reviewers:
            left = "(resolver)" if progress.resolver else f"{progress.left:>7,} left"
            out.print(Text(f"  {progress.reviewer:<{width}}  {progress.decided:>7,} decided  {left}"))
        if stage.stage == "title_abstract" and state.stopping is not None:
            stopping = state.stopping
            met = "met" if stopping.met else "not met"
            recorded = " (recorded in screenrev.toml)" if state.stopping_recorded else ""
            out.print(Text(f"  Stopping rule {met}{recorded}: p = {stopping.p_value:.4f} that recall is below "
                           f"{stopping.recall_target:.0%}; {stopping.relevant_found:,} relevant found, "
                           f"{stopping.irrelevant_in_a_row:,} irrelevant in a row"))
    out.print()
    out.print(Text("Next:", style="bold"))
    for step in state.next_steps:
        out.print(Text(f"  {step}"))
