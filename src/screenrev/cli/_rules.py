"""Commands for the eligibility criteria: screen, rules check, rules explain."""

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..errors import ReviewNotFoundError, ScreenrevError
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
    examples: Annotated[int, typer.Option("--examples", "-n", min=0, help="Example records per criterion.")] = 3,
    format: Annotated[str, typer.Option("--format", "-f", help="text, md or html.")] = "text",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """The protocol in plain English for an advisory group: what each criterion did, examples, a sign-off table."""
    from ..rules.explain import RENDERERS, Header, explain
    from ..rules.protocol import load_protocol

    if format not in RENDERERS:
        raise typer.BadParameter("must be text, md or html", param_hint="--format")
    protocol = load_protocol(file)
    try:
        review = Review.find()
    except ReviewNotFoundError:
        review = None
    header = Header(review.title if review else "", file.name, protocol.sha256, _last_changed(file))
    if review is None:
        document = explain(protocol, header=header)
    else:
        with open_workspace(review, up_to="dedup") as workspace:
            document = _what_it_did(review, workspace, protocol, header, examples)
    text = RENDERERS[format](document)
    if out is None:
        console.results().write(text if text.endswith("\n") else text + "\n")
        return
    with atomic_text(out) as handle:
        handle.write(text)
    console.info(f"Wrote {out}")


def _last_changed(path: Path) -> str:
    """When the protocol last changed, in words: its last commit when git has it unchanged,
    else the file's modification date (UTC)."""
    import subprocess
    from datetime import datetime, timezone

    folder = path.resolve().parent
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--", path.name], cwd=folder, capture_output=True,
                               text=True, timeout=10)
        committed = subprocess.run(["git", "log", "-1", "--format=%cs %h", "--", path.name], cwd=folder,
                                   capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        dirty = committed = None
    if dirty is not None and dirty.returncode == 0 and not dirty.stdout.strip() and committed.stdout.strip():
        day, commit = committed.stdout.split()
        return f"last committed on {day} (commit {commit})"
    modified = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).date().isoformat()
    return f"last modified on {modified} (changes not committed)" if dirty is not None and dirty.returncode == 0 \
        and dirty.stdout.strip() else f"last modified on {modified}"


def _what_it_did(review, workspace, protocol, header, examples: int):  # noqa: ANN001
    """The explanation with the counts, examples and audit of this review's records."""
    from ..rules.engine import EXCLUDE, FLAG, UNSURE, Screener
    from ..rules.explain import Example, Totals, explain
    from ..rules.stage import screen_records, summarise

    screener = Screener(protocol)
    results = list(screen_records(screener, list(workspace.primary_records())))
    summary = summarise(protocol, results, deduplicated=True)
    counts = {c.id: {"exclude": c.excluded, "flag": c.flagged, "unsure": c.unsure, "pass": c.passed}
              for c in summary.criteria}
    first = {c.id: 0 for c in protocol.criteria}
    shown: dict[str, list[Example]] = {c.id: [] for c in protocol.criteria}
    unsure: dict[str, list[Example]] = {c.id: [] for c in protocol.criteria}
    for record, outcomes, verdict in results:
        if verdict.outcome in (EXCLUDE, FLAG):
            first[verdict.criterion] += 1
        for outcome in outcomes:
            chosen = {EXCLUDE: shown, FLAG: shown, UNSURE: unsure}.get(outcome.outcome, {}).get(outcome.criterion)
            if chosen is not None and len(chosen) < examples:
                title, marks = screener.title_marks(record, protocol.criterion(outcome.criterion))
                chosen.append(Example(title or "(no title)", outcome.evidence, marks))
    totals = Totals(summary.records, summary.excluded, summary.flagged, summary.unsure, summary.passed)
    return explain(protocol, counts, shown, header=header, first=first, unsure=unsure, totals=totals,
                   audit=_audit_sentences(review, workspace, protocol))


def _audit_sentences(review, workspace, protocol) -> dict[str, str]:  # noqa: ANN001
    """Criterion id → the rules audit's finding, when the audit sampled this protocol's exclusions."""
    from ..decisions.audit import review_audit
    from ..decisions.stage import DecisionLog, primary_index

    if review.protocol_path.resolve() != Path(protocol.path).resolve():
        return {}
    log = DecisionLog(review, primary_index(workspace), checked=workspace)
    found = review_audit(review, workspace, log.decisions, log.rules, log.primary_of)
    return {c.criterion: c.sentence() for c in found.criteria} if found else {}


@rules_app.command("audit")
def rules_audit(
    sample: Annotated[Optional[int], typer.Option(
        "--sample", min=1, help="Draw this many records per excluding criterion (all of them, when fewer).")] = None,
    upper_bound: Annotated[Optional[float], typer.Option(
        "--upper-bound", help="Or draw enough that, if none is wrongly excluded, the upper 95 % bound of the "
        "share wrongly excluded is at most this percentage (5 → 72 records).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random draw.")] = 0,
    sheet: Annotated[Optional[Path], typer.Option(
        "--sheet", help="Write the sample as a CSV to fill in (decision: rightly_excluded or wrongly_excluded), "
        "read back with 'screenrev decide --from FILE --stage rules_audit'.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Validate the rules: a human checks a random sample of the records each criterion excluded."""
    from ..decisions.audit import draw, review_audit, sample_path, sample_size
    from ..decisions.stage import DecisionLog, primary_index
    from ..rules.protocol import load_protocol

    if sample is not None and upper_bound is not None:
        raise typer.BadParameter("give the sample's size or its upper bound, not both", param_hint="--sample")
    if upper_bound is not None and not 0 < upper_bound < 100:
        raise typer.BadParameter("a percentage between 0 and 100", param_hint="--upper-bound")
    review = Review.find()
    if not review.protocol_path.is_file():
        raise ScreenrevError(f"{review.protocol_path.name}: no protocol, so no rule excluded anything to audit")
    with open_workspace(review, up_to="rules") as workspace:
        if sample is not None or upper_bound is not None:
            protocol = load_protocol(review.protocol_path)
            size = sample if sample is not None else sample_size(upper_bound / 100)
            excluding = [c.id for c in protocol.criteria if c.action == "exclude"]
            drawn = draw(review, workspace, excluding, protocol.sha256, size=size, seed=seed)
            console.info(f"Drew {len(drawn.records):,} records ({size:,} per criterion, all when fewer, seed "
                         f"{seed}) into {sample_path(review).relative_to(review.root)}")
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        result = review_audit(review, workspace, log.decisions, log.rules, log.primary_of)
        if result is None:
            raise ScreenrevError("no sample is drawn yet: 'screenrev rules audit --sample 60' (or --upper-bound 5)")
        if sheet is not None:
            _write_audit_sheet(workspace, result, log, sheet)
    for warning in result.warnings:
        console.warning(warning)
    if as_json:
        print_json(result.as_json())
        return
    _print_audit(result)


def _print_audit(result) -> None:  # noqa: ANN001 - an Audit, whose module loads with the command
    table = Table(title="Rules audit: records a criterion excluded, checked by a human")
    for column in ("criterion", "excluded", "sampled", "checked", "wrongly", "share", "95 % CI",
                   "expected wrongly among unchecked"):
        table.add_column(column, justify="left" if column == "criterion" else "right")
    for c in result.criteria:
        expected = c.expected_wrongly()
        table.add_row(
            c.label, f"{c.excluded:,}", f"{c.sampled:,}", f"{c.checked:,}", f"{c.wrongly:,}",
            "–" if c.rate is None else f"{100 * c.rate:.1f} %",
            "–" if c.low is None else f"{100 * c.low:.1f}–{100 * c.high:.1f} %",
            "–" if expected is None else f"{expected[0]:,.1f} ({expected[1]:,.1f}–{expected[2]:,.1f}) of {c.unchecked:,}",
        )
    console.console.print(table)
    console.console.print(result.line(), markup=False)
    totals = result.counts()
    if totals["checked"] < totals["sampled"]:
        console.console.print("Check the rest: screenrev review --stage rules_audit (r: rightly excluded, w: wrongly "
                              "excluded), or fill in a sheet from --sheet FILE", markup=False)


def _write_audit_sheet(workspace, result, log, path: Path) -> None:  # noqa: ANN001
    """The sample as a spreadsheet: one row per record not yet checked, with the rule's evidence."""
    from ..decisions.files import RULES_AUDIT

    sample = result.sample
    done = {d.record for d in log.decisions if d.stage == RULES_AUDIT}
    labels = {c.criterion: c.label for c in result.criteria}
    evidence = dict(((key, criterion), text) for key, criterion, text in workspace.db.execute(
        "SELECT key, criterion, evidence FROM rule_outcomes WHERE outcome = 'exclude'"))
    records = {record["key"]: record for record in workspace.primary_records()}
    with atomic_text(path) as handle:
        writer = spreadsheet.writer(handle)
        writer.writerow(("key", "excluded_by", "evidence", "title", "year", "journal", "abstract", "decision", "note"))
        for item in sample.records:
            if item.key in done:
                continue
            record = records.get(item.key, {})
            writer.writerow((item.key, labels.get(item.criterion, item.criterion),
                             evidence.get((item.key, item.criterion), ""), record.get("title") or "",
                             record.get("year") or "", record.get("journal") or "", record.get("abstract") or "",
                             "", ""))
    console.info(f"Wrote the {len(sample.records) - len(done & set(sample.keys)):,} records still to check to {path}; "
                 f"fill in 'decision' (rightly_excluded or wrongly_excluded), then: screenrev decide --from {path} "
                 "--stage rules_audit --reviewer NAME --note-column note")
