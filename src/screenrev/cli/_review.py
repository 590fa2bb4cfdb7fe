"""Commands for ranking and screening: rank (worklist and stopping status) and review (interactive)."""

from __future__ import annotations

import csv
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .. import console
from ..decisions.stage import DecisionLog, primary_index
from ..errors import ScreenrevError
from ..rank.pool import screening_pool
from ..rank.session import Reply, Session
from ..rank.stage import DEFAULT_SEED, Ranker, review_query, stopping_status
from ..records.formats import ris
from ..review.atomic import atomic_text
from ..review.folder import Review
from ..rules.engine import Screener
from ..rules.protocol import load_protocol
from ._app import JsonOption, app, open_workspace, print_json

SeedOption = Annotated[int, typer.Option(help="Seed for the model and for ties (same seed, same order).")]
TargetOption = Annotated[float, typer.Option(min=0.5, max=0.999, help="Recall the stopping rule aims for.")]
ConfidenceOption = Annotated[float, typer.Option(min=0.5, max=0.999, help="Confidence of the stopping rule.")]
STOPPING_METHOD = "hypergeometric test (Callaghan & Müller-Hansen 2020, Systematic Reviews 9:273)"


@app.command()
def rank(
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Write the worklist: .csv (with scores) or .ris.")
    ] = None,
    status: Annotated[bool, typer.Option("--status", help="Report progress and the stopping rule instead.")] = False,
    record_stop: Annotated[
        bool, typer.Option("--record-stop", help="With --status: record in the manifest that the rule is met.")
    ] = False,
    seed: SeedOption = DEFAULT_SEED,
    recall_target: TargetOption = 0.95,
    confidence: ConfidenceOption = 0.95,
    as_json: JsonOption = False,
) -> None:
    """Order the undecided records, most likely relevant first, from the human decisions so far."""
    review = Review.find()
    with open_workspace(review) as workspace:
        pool = screening_pool(review, workspace)
        if status:
            _status(review, pool, recall_target, confidence, record_stop, as_json)
            return
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
        table.add_row(str(position), f"{worklist.scores[record['key']]:.3f}", record["key"],
                      str(record.get("year") or ""), (record.get("title") or "")[:80])
    console.console.print(table)
    if out is not None:
        console.info(f"Wrote the worklist of {len(rows):,} records to {out}")


def _write_worklist(path: Path, rows: list[dict], scores: dict[str, float]) -> None:
    if path.suffix.lower() == ".ris":
        with atomic_text(path) as handle:
            ris.write(({**row, "worklist": f"screenrev rank {position}, score {scores[row['key']]:.6f}"}
                       for position, row in enumerate(rows, 1)), handle,
                      extra_tags={"key": "ID", "database": "DB", "worklist": "N1"})
        return
    if path.suffix.lower() != ".csv":
        raise typer.BadParameter("the worklist is written as .csv or .ris", param_hint="--out")
    with atomic_text(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("position", "key", "score", "title", "authors", "year", "journal", "doi", "abstract"))
        for position, row in enumerate(rows, 1):
            writer.writerow((position, row["key"], f"{scores[row['key']]:.6f}", row.get("title") or "",
                             "; ".join(row.get("authors") or []), row.get("year") or "", row.get("journal") or "",
                             row.get("doi") or "", row.get("abstract") or ""))


def _status(review: Review, pool, recall_target: float, confidence: float, record_stop: bool, as_json: bool) -> None:
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


@app.command()
def review(
    reviewer: Annotated[Optional[str], typer.Option(help="Who screens (default: [review] reviewer in the manifest).")] = None,
    seed: SeedOption = DEFAULT_SEED,
) -> None:
    """Screen titles and abstracts in the terminal, most likely relevant first; every key is saved at once."""
    folder = Review.find()
    name = reviewer or str(folder.section("review").get("reviewer", "")).strip()
    if not name:
        raise ScreenrevError("say who is screening: --reviewer NAME, or reviewer = \"…\" under [review] in "
                             "screenrev.toml")
    protocol = load_protocol(folder.protocol_path) if folder.protocol_path.exists() else None
    with open_workspace(folder) as workspace:
        log = DecisionLog(folder, primary_index(workspace))
        pool = screening_pool(folder, workspace, log)
        ranker = Ranker(pool, seed=seed, query=review_query(folder))
        reasons = [c.label for c in protocol.criteria] if protocol else []
        session = Session(folder, pool, log, reviewer=name, reasons=reasons, order=ranker.order)
        run_session(session, Screener(protocol) if protocol else None, typer.getchar)


def run_session(session: Session, screener: Screener | None, read_key) -> None:
    """Show a record, read a key, apply it, until the reviewer quits or nothing is left."""
    reply = Reply("Keys: i include, e exclude, m maybe, u undo, q quit.")
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
            if reply.done:
                console.console.print(reply.message)
                break
    finally:
        session.wait()


def _highlighted(text: str, screener: Screener | None) -> Text:
    shown = Text(text)
    for start, end in (screener.highlights(text) if screener else []):
        shown.stylize("bold black on yellow", start, end)
    return shown


def _card(record: dict, screener: Screener | None, session: Session, reply: Reply) -> Panel:
    body = Text()
    body.append_text(_highlighted(record.get("title") or "(no title)", screener))
    body.stylize("bold", 0, len(body))
    authors = "; ".join((record.get("authors") or [])[:6]) + ("; …" if len(record.get("authors") or []) > 6 else "")
    body.append(f"\n{authors}\n" if authors else "\n", style="dim")
    body.append(" · ".join(str(v) for v in (record.get("year"), record.get("journal")) if v) + "\n\n")
    body.append_text(_highlighted(record.get("abstract") or "(no abstract)", screener))
    estimate = stopping_status(session.pool)
    decided = len(session.pool.labels)
    progress = f"{decided:,} screened · {session.remaining:,} left for you"
    if estimate:
        progress += (f" · {estimate.relevant_found:,} relevant · {estimate.irrelevant_in_a_row:,} irrelevant in a row"
                     f" · stopping rule {'met' if estimate.met else f'not met (p={estimate.p_value:.2f})'}")
    footer = f"{reply.message}\n[i] include  [e] exclude  [m] maybe  [u] undo  [q] quit"
    return Panel(Text.assemble(body, "\n\n", (footer, "cyan")), title=record["key"], subtitle=progress,
                 subtitle_align="left")
