"""Commands for ranking and screening: rank (worklist and stopping status) and review (interactive)."""

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .. import console
from ..console import clean
from ..decisions.files import ALL_STAGES, FULL_TEXT, RULES_AUDIT, TITLE_ABSTRACT
from ..errors import ScreenrevError
from ..review import spreadsheet
from ..review.atomic import atomic_text
from ..review.folder import Review
from ._app import JsonOption, app, open_workspace, print_json

if TYPE_CHECKING:  # the ranking's and the rules' libraries load only in the commands that use them
    from ..decisions.stage import DecisionLog
    from ..rank.pool import Pool
    from ..rank.session import Reply, Session
    from ..records.workspace import Workspace
    from ..rules.engine import Screener

#: The seed of rank and review when none is given (the ranker takes its seed from the command).
DEFAULT_SEED = 0
SeedOption = Annotated[int, typer.Option(help="Seed for the model and for ties (same seed, same order).")]
TargetOption = Annotated[float, typer.Option(min=0.5, max=0.999, help="Recall the stopping rule aims for.")]
ConfidenceOption = Annotated[float, typer.Option(min=0.5, max=0.999, help="Confidence of the stopping rule.")]
ReviewerOption = Annotated[
    Optional[str], typer.Option(help="Who screens (default: \\[review] reviewer in the manifest).")
]
STOPPING_METHOD = "hypergeometric test (Callaghan & Müller-Hansen 2020, Systematic Reviews 9:273)"


@app.command(rich_help_panel="Screen")
def rank(
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Write the worklist: .csv (with scores) or .ris.")
    ] = None,
    status: Annotated[bool, typer.Option("--status", help="Report progress and the stopping rule instead.")] = False,
    record_stop: Annotated[
        bool, typer.Option("--record-stop", help="With --status: record in the manifest that the rule is met.")
    ] = False,
    reviewer: ReviewerOption = None,
    seed: SeedOption = DEFAULT_SEED,
    recall_target: TargetOption = 0.95,
    confidence: ConfidenceOption = 0.95,
    as_json: JsonOption = False,
) -> None:
    """Order the undecided records, most likely relevant first, from the human decisions so far."""
    from ..decisions.stage import DecisionLog, primary_index

    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        # The status counts keys; the worklist needs the records' text.
        primary = [{"key": key} for key in workspace.primary_keys()] if status else None
        pool = _pool(review, workspace, log, reviewer or _manifest_reviewer(review), primary)
        if status:
            _status(review, pool, recall_target, confidence, record_stop, as_json)
            return
        from ..rank.stage import (  # the model's libraries load only to rank
            Ranker,
            review_query,
        )

        worklist = Ranker(pool, seed=seed, query=review_query(review)).worklist(pool.labels)
    rows = [pool.records[pool.index[key]] for key in worklist.keys]
    if out is not None:
        _write_worklist(out, rows, worklist.scores)
    if as_json:
        print_json({
            "records": len(pool.records), "decided": len(pool.labels), "undecided": len(worklist.keys),
            "method": worklist.method, "seed": seed,
            "worklist": [{"key": r["key"], "score": round(worklist.scores[r["key"]], 6), "title": r.get("title")}
                         for r in rows],
        })
        return
    how = {"model": "trained on the decisions so far", "query": "cold start: similarity to the review question",
           "seeded": "cold start: no decisions and no question to compare with, seeded order"}[worklist.method]
    table = Table(title=f"Worklist: {len(rows):,} undecided records ({how})")
    for column in ("#", "score", "key", "year", "title"):
        table.add_column(column, justify="right" if column in ("#", "score") else "left")
    for position, record in enumerate(rows[:20], 1):
        table.add_row(str(position), f"{worklist.scores[record['key']]:.3f}", clean(record["key"]),
                      clean(str(record.get("year") or "")), clean((record.get("title") or "")[:80]))
    console.console.print(table)
    if out is not None:
        console.info(f"Wrote the worklist of {len(rows):,} records to {out}")


def _manifest_reviewer(review: Review) -> str | None:
    return str(review.section("review").get("reviewer", "")).strip() or None


def _pool(review: Review, workspace: "Workspace", log: "DecisionLog", reviewer: str | None,
          primary: list[dict] | None = None) -> "Pool":
    """The title/abstract pool as ``reviewer`` may see it: only their own decisions when
    screening is blinded. A blinded review's pool without a reviewer is refused."""
    from ..decisions.stage import blinded, blinded_review, screeners
    from ..rank.pool import screening_pool

    if reviewer is None and blinded_review(review, screeners(log)):
        raise ScreenrevError("screening is blinded (two or more reviewers): say whose worklist with --reviewer NAME, "
                             "or set blinded = false under [screening] in screenrev.toml")
    return screening_pool(review, workspace, log, reviewer=reviewer if blinded(review, log, reviewer) else None,
                          primary=primary)


def _write_worklist(path: Path, rows: list[dict], scores: dict[str, float]) -> None:
    from ..records.formats import ris

    if path.suffix.lower() == ".ris":
        with atomic_text(path) as handle:
            ris.write(({**row, "worklist": f"screenrev rank {position}, score {scores[row['key']]:.6f}"}
                       for position, row in enumerate(rows, 1)), handle,
                      extra_tags={"key": "ID", "database": "DB", "worklist": "N1"})
        return
    if path.suffix.lower() != ".csv":
        raise typer.BadParameter("the worklist is written as .csv or .ris", param_hint="--out")
    with atomic_text(path) as handle:
        writer = spreadsheet.writer(handle)
        writer.writerow(("position", "key", "score", "title", "authors", "year", "journal", "doi", "abstract"))
        for position, row in enumerate(rows, 1):
            writer.writerow((position, row["key"], f"{scores[row['key']]:.6f}", row.get("title") or "",
                             "; ".join(row.get("authors") or []), row.get("year") or "", row.get("journal") or "",
                             row.get("doi") or "", row.get("abstract") or ""))


def _status(review: Review, pool: "Pool", recall_target: float, confidence: float, record_stop: bool,
            as_json: bool) -> None:
    from ..rank.pool import stopping_status

    estimate = stopping_status(pool, recall_target=recall_target, confidence=confidence)
    if as_json:
        print_json({"records": len(pool.records), "screened": len(pool.labels), "conflicts": pool.conflicts,
                    "stopping": asdict(estimate) if estimate else None})
    else:
        table = Table(title="Title/abstract screening")
        table.add_column("")
        table.add_column("", justify="right")
        table.add_row("records to screen (after duplicates and rules)", f"{len(pool.records):,}")
        table.add_row("screened (settled decisions)", f"{len(pool.labels):,}")
        if estimate:
            table.add_row("relevant found (include or maybe)", f"{estimate.relevant_found:,}")
            table.add_row("irrelevant in a row since the last relevant", f"{estimate.irrelevant_in_a_row:,}")
            table.add_row(f"p-value that recall < {recall_target:.0%}", f"{estimate.p_value:.4f}")
            table.add_row(f"stopping rule met at {confidence:.0%} confidence", "yes" if estimate.met else "no")
            if not estimate.met:
                table.add_row("random sample that would settle it (all irrelevant)",
                              f"{estimate.random_sample_needed:,}")
        if pool.conflicts:
            table.add_row("records in unresolved conflict (not counted)", f"{pool.conflicts:,}")
        console.console.print(table)
        if estimate:
            console.console.print(estimate.sentence)
    if record_stop:
        if estimate is None or not estimate.met:
            raise ScreenrevError("the stopping rule is not met: nothing recorded (keep screening)")
        review.save_section("screening", {**review.section("screening"), "stopping": {
            "method": STOPPING_METHOD, "recall_target": recall_target, "confidence": confidence,
            "records_screened_when_met": estimate.screened, "date": date.today().isoformat(),
        }})
        console.info("Recorded in screenrev.toml [screening.stopping]: the flow reports the records left "
                     "unscreened under this rule")


@app.command(rich_help_panel="Screen")
def review(
    reviewer: ReviewerOption = None,
    stage: Annotated[str, typer.Option("--stage", "-s", help="title_abstract (ranked), full_text (the records "
                                       "included at title/abstract, in review order), or rules_audit (the sample "
                                       "of rule exclusions drawn by 'screenrev rules audit').")] = TITLE_ABSTRACT,
    seed: SeedOption = DEFAULT_SEED,
) -> None:
    """Screen one record at a time in the terminal; every key is saved at once."""
    from ..decisions.stage import DecisionLog, blinded, primary_index
    from ..rank.pool import audit_pool, full_text_pool
    from ..rank.session import Session
    from ..rank.stage import Ranker, review_query
    from ..rules.engine import Screener
    from ..rules.protocol import load_protocol

    if stage not in ALL_STAGES:
        raise typer.BadParameter(f"{stage!r}: the stages are {', '.join(ALL_STAGES)}", param_hint="--stage")
    folder = Review.find()
    name = reviewer or _manifest_reviewer(folder)
    if not name:
        raise ScreenrevError("say who is screening: --reviewer NAME, or reviewer = \"…\" under [review] in "
                             "screenrev.toml")
    protocol = load_protocol(folder.protocol_path) if folder.protocol_path.exists() else None
    with open_workspace(folder, up_to="rules") as workspace:
        log = DecisionLog(folder, primary_index(workspace), checked=workspace)
        if stage == TITLE_ABSTRACT:
            pool = _pool(folder, workspace, log, name)
            order = Ranker(pool, seed=seed, query=review_query(folder)).order
            reasons = [c.label for c in protocol.criteria] if protocol else []
        else:
            pool = (full_text_pool if stage == FULL_TEXT else audit_pool)(folder, workspace, log)
            if stage == RULES_AUDIT and not pool.records:
                raise ScreenrevError("no rules audit sample is drawn: draw one with 'screenrev rules audit --sample N'")
            in_review_order = [record["key"] for record in pool.records]

            def order(labels: dict[str, int]) -> list[str]:
                return in_review_order  # full text is not ranked

            reasons = log.reasons.allowed(FULL_TEXT) if stage == FULL_TEXT else []
        session = Session(folder, pool, log, reviewer=name, reasons=reasons, order=order, stage=stage,
                          blinded=blinded(folder, log, name))
        if stage == FULL_TEXT:
            from ..decisions.fulltext import report_files

            session.report_files = report_files(folder, log.primary_of)
        run_session(session, Screener(protocol) if protocol else None, _read_key)


def _read_key() -> str:
    try:
        return typer.getchar()
    except OSError:  # no terminal to read keys from (a pipe, a CI job)
        raise ScreenrevError("screenrev review reads one key at a time and needs a terminal: run it in one, or "
                             "record decisions with 'screenrev decide' (KEYS --decision, or --from FILE)") from None


def _read_line(prompt: str = "Note: ") -> str:
    return input(prompt)


def run_session(session: "Session", screener: "Screener | None", read_key, read_line=_read_line) -> None:
    """Show a record, read a key, apply it, until the reviewer quits or nothing is left.

    The key decides the record drawn: the session pins the record it hands out for drawing.
    """
    from ..rank.session import Reply

    reply = Reply("")
    try:
        while True:
            record = session.current
            if record is None:
                console.console.print("Every record is screened.")
                break
            if console.console.is_terminal:
                console.console.clear()  # one record on screen at a time
            console.console.print(_card(record, screener, session, reply))
            reply = session.handle(read_key())
            if reply.asking_note:
                console.console.print(reply.message)
                reply = session.set_note(read_line())
            elif reply.asking_retrieval:
                console.console.print(reply.message)
                reply = session.not_retrieved(read_line("Reason: "))
            if reply.done:
                console.console.print(reply.message)
                break
    finally:
        session.wait()


#: Highlight colours, one per criterion in protocol order (then again from the first).
PALETTE = ("black on yellow", "black on bright_cyan", "black on bright_magenta", "black on bright_green",
           "white on blue", "white on red", "black on orange1", "black on plum2")
OUTCOME_STYLES = {"exclude": "bold red", "flag": "bold yellow", "unsure": "magenta", "pass": "green"}


def _colours(screener: "Screener") -> dict[str, str]:
    return {c.id: PALETTE[n % len(PALETTE)] for n, c in enumerate(screener.protocol.criteria)}


def _highlighted(text: str, screener: "Screener | None") -> Text:
    shown = Text(clean(text))  # one character for one: the highlights' offsets still hold
    if screener is None:
        return shown
    colours = _colours(screener)
    for start, end, criterion in screener.highlights_by_criterion(text):
        shown.stylize(colours[criterion], start, end)
    return shown


def _rules(record: dict, screener: "Screener") -> Text:
    """Each criterion's outcome for the record with its evidence in words (as ``rules explain``
    writes it for an advisory group), the criterion in its highlight colour."""
    from ..rules.explain import plain_evidence

    colours = _colours(screener)
    lines = Text()
    for outcome in screener.outcomes(record):
        lines.append(f" {outcome.criterion} ", style=colours[outcome.criterion])
        lines.append(f" {screener.labels[outcome.criterion]}: ")
        lines.append(outcome.outcome, style=OUTCOME_STYLES.get(outcome.outcome, ""))
        if outcome.evidence:
            lines.append(f" ({plain_evidence(outcome.evidence)})", style="dim")  # codes in words, cleaned
        lines.append("\n")
    return lines


def _details(record: dict) -> str:
    from ..records.normalise import language_name

    keywords = record.get("keywords") or []
    types = record.get("publication_type") or []
    parts = [
        f"DOI {record['doi']}" if record.get("doi") else "",
        ("publication type: " + "; ".join(types)) if types else "",
        ("language: " + "; ".join(language_name(code) for code in record["language"].split(";")))
        if record.get("language") else "",
        ("keywords: " + "; ".join(keywords[:12]) + ("; …" if len(keywords) > 12 else "")) if keywords else "",
    ]
    return clean("\n".join(part for part in parts if part))


def _progress(session: "Session") -> str:
    mine = f"{session.decided_by_me:,} decided by you · {session.remaining:,} left for you"
    if session.stage != TITLE_ABSTRACT:
        return f"{'Full text' if session.stage == FULL_TEXT else 'Rules audit'} · {mine}"
    if session.blinded:
        return f"Blinded · {mine}"
    return f"{len(session.pool.labels):,} of {len(session.pool.records):,} records screened · {mine}"


def _stopping(session: "Session") -> str:
    """The stopping rule's state over the labels this screen may show ('' before any)."""
    from ..rank.pool import stopping_status

    estimate = stopping_status(session.pool) if session.stage == TITLE_ABSTRACT else None
    if estimate is None:
        return ""
    state = "met" if estimate.met else f"not met (p = {estimate.p_value:.2f})"
    return (f"{estimate.relevant_found:,} relevant found · {estimate.irrelevant_in_a_row:,} irrelevant in a row · "
            f"stopping rule {state}\n")


def _card(record: dict, screener: "Screener | None", session: "Session", reply: "Reply") -> Panel:
    body = Text()
    body.append_text(_highlighted(record.get("title") or "(no title)", screener))
    body.stylize("bold", 0, len(body))
    authors = clean("; ".join((record.get("authors") or [])[:6]) + ("; …" if len(record.get("authors") or []) > 6 else ""))
    body.append(f"\n{authors}\n" if authors else "\n", style="dim")
    body.append(clean(" · ".join(str(v) for v in (record.get("year"), record.get("journal")) if v)) + "\n")
    details = _details(record)
    if details:
        body.append(details + "\n", style="dim")
    body.append("\n")
    body.append_text(_highlighted(record.get("abstract") or "(no abstract)", screener))
    if session.stage == FULL_TEXT:
        reports = session.report_files.get(record["key"], [])
        where = "; ".join(str(path.relative_to(session.review.root.resolve())) for path in reports) or \
            "none in the reports folder"
        body.append(f"\n\nReport file: {where}", style="bold")
        if session.reasons:
            body.append("\nFull-text reasons: " + "; ".join(f"{n} {r}" for n, r in enumerate(session.reasons, 1)),
                        style="dim")
    if session.stage == RULES_AUDIT:
        body.append("\n\nA rule excluded this record (below, in red). Reading it as a screener would: was the "
                    "rule right to exclude it?", style="bold")
    if screener is not None and screener.protocol.criteria:
        body.append("\n\nRules (each criterion in the colour of its words above):\n")
        body.append_text(_rules(record, screener))
    if session.note:
        body.append(f"\nNote: {clean(session.note)}", style="italic")
    footer = Text(_stopping(session), style="dim")
    if reply.message:
        footer.append(clean(reply.message) + "\n", style="bold cyan")
    footer.append(session.keys_help(), style="cyan")
    return Panel(Text.assemble(body, "\n", footer), title=Text(clean(record["key"])),
                 subtitle=Text(clean(_progress(session))), subtitle_align="left")
