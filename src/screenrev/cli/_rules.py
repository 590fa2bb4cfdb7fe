"""Commands for the eligibility criteria: screen, rules check, rules explain."""

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..errors import ReviewNotFoundError
from ..review import spreadsheet
from ..review.atomic import atomic_text
from ..review.folder import Review
from ._app import JsonOption, app, open_workspace, print_json

rules_app = typer.Typer(help="Check and explain a protocol (rule file).", no_args_is_help=True)
app.add_typer(rules_app, name="rules", rich_help_panel="Prepare")

ProtocolOption = Annotated[
    Optional[Path], typer.Option("--protocol", "-p", help="Rule file (default: the manifest's protocol).")
]


@app.command(rich_help_panel="Prepare")
def screen(
    protocol: ProtocolOption = None,
    details: Annotated[
        Optional[Path], typer.Option("--details", help="Write every record's outcome per criterion to this CSV.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Apply the protocol's criteria to the primary records, with the evidence for each outcome."""
    from ..rules.stage import screen_review

    review = Review.find()
    with open_workspace(review, up_to="dedup") as workspace:
        summary = screen_review(review, workspace, protocol_path=protocol)
        if details is not None:
            _write_details(workspace, details)
    if as_json:
        print_json(asdict(summary))
        return
    table = Table(title=f"Rules applied to {summary.records:,} records")
    for column in ("criterion", "label", "action", "excluded", "flagged", "unsure", "passed"):
        table.add_column(column, justify="right" if column in ("excluded", "flagged", "unsure", "passed") else "left")
    for c in summary.criteria:
        table.add_row(c.id, c.label, c.action, f"{c.excluded:,}", f"{c.flagged:,}", f"{c.unsure:,}", f"{c.passed:,}")
    console.console.print(table)
    outcome = Table(title="Records")
    outcome.add_column("outcome")
    outcome.add_column("records", justify="right")
    outcome.add_row("excluded by a rule", f"{summary.excluded:,}")
    outcome.add_row("flagged for a human", f"{summary.flagged:,}")
    outcome.add_row("unsure (data missing)", f"{summary.unsure:,}")
    outcome.add_row("passed every rule", f"{summary.passed:,}")
    console.console.print(outcome)
    if details is not None:
        console.info(f"Wrote each record's outcome per criterion to {details}")


def _write_details(workspace, path: Path) -> None:
    rows = workspace.db.execute(
        "SELECT rule_outcomes.key, records.title, rule_outcomes.criterion, rule_outcomes.outcome, "
        "rule_outcomes.evidence FROM rule_outcomes JOIN records USING (key) "
        "ORDER BY records.search, records.position, rule_outcomes.rowid"
    )
    with atomic_text(path) as handle:
        writer = spreadsheet.writer(handle)
        writer.writerow(("key", "title", "criterion", "outcome", "evidence"))
        writer.writerows(rows)


@rules_app.command("check")
def rules_check(file: Annotated[Path, typer.Argument(help="The protocol (YAML) to check.")]) -> None:
    """Check a protocol: every problem with its line, column and how to fix it."""
    from ..rules.engine import EXCLUDE, FLAG
    from ..rules.protocol import check

    protocol, problems = check(file)
    if problems:
        for problem in problems:
            console.error(str(problem))
        raise typer.Exit(1)
    counts = {action: sum(c.action == action for c in protocol.criteria) for action in (EXCLUDE, FLAG)}
    console.console.print(
        f"{file}: OK — {len(protocol.criteria)} criteria ({counts[EXCLUDE]} exclude, {counts[FLAG]} flag)"
    )


@rules_app.command("explain")
def rules_explain(
    file: Annotated[Path, typer.Argument(help="The protocol (YAML) to explain.")],
    examples: Annotated[int, typer.Option("--examples", "-n", min=0, help="Example titles per criterion.")] = 3,
    format: Annotated[str, typer.Option("--format", "-f", help="text, md or html.")] = "text",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """The protocol in plain English, with what each criterion did in this review and examples."""
    from ..rules.explain import RENDERERS, explain
    from ..rules.protocol import load_protocol

    if format not in RENDERERS:
        raise typer.BadParameter("must be text, md or html", param_hint="--format")
    protocol = load_protocol(file)
    counts, shown = None, None
    try:
        review = Review.find()
    except ReviewNotFoundError:
        review = None
    if review is not None:
        with open_workspace(review, up_to="dedup") as workspace:
            counts, shown = _what_it_did(protocol, list(workspace.primary_records()), examples)
    document = RENDERERS[format](protocol, explain(protocol, counts, shown))
    if out is None:
        console.results().write(document if document.endswith("\n") else document + "\n")
        return
    with atomic_text(out) as handle:
        handle.write(document)
    console.info(f"Wrote {out}")


def _what_it_did(protocol, records: list[dict], examples: int):
    from ..rules.engine import EXCLUDE, FLAG, Screener
    from ..rules.explain import Example
    from ..rules.stage import screen_records, summarise

    screener = Screener(protocol)
    results = list(screen_records(screener, records))
    summary = summarise(protocol, results, deduplicated=True)
    counts = {c.id: {"exclude": c.excluded, "flag": c.flagged, "unsure": c.unsure, "pass": c.passed}
              for c in summary.criteria}
    shown: dict[str, list[Example]] = {c.id: [] for c in protocol.criteria}
    for record, outcomes, _verdict in results:
        for outcome in outcomes:
            chosen = shown[outcome.criterion]
            if outcome.outcome in (EXCLUDE, FLAG) and len(chosen) < examples:
                criterion = protocol.criterion(outcome.criterion)
                chosen.append(Example(screener.marked_title(record, criterion) or "(no title)", outcome.evidence))
    return counts, shown
