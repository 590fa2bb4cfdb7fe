"""The dedup command: duplicate clusters across searches, with a queue for uncertain pairs."""

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..review.folder import Review
from ._app import JsonOption, app, open_workspace, print_json


@app.command(rich_help_panel="Prepare")
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
    from ..dedup.stage import deduplicate_review

    review = Review.find()
    with open_workspace(review) as workspace:
        summary = deduplicate_review(review, workspace, queue=review_queue)
    if as_json:
        data = asdict(summary)
        print_json(data)
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
