"""The dedup command: duplicate clusters across searches, with a queue for uncertain pairs."""

import re
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..review.folder import Review
from ._app import JsonOption, app, open_workspace, print_json

if TYPE_CHECKING:
    from ..dedup.stage import Overlap


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


def _print_overlap(overlap: "Overlap") -> None:
    for table in overlap_tables(overlap, console.console.width):
        console.console.print(table)


#: Longest label a database gets at the head of its column.
_LABEL_LENGTH = 4


def short_names(names: list[str]) -> dict[str, str]:
    """A short label for each database, distinct from the others' in any case.

    Its initials ("Zoological Record" → ZR, "WoS_BIOSIS" → WSB); where another database has
    the same initials, more letters of the first word ("Econlit" → Ec, "Embase" → Em); a
    number (D7) where four letters do not tell it apart.
    """
    words = {name: _words(name) or [name] for name in names}
    initials = {name: "".join(word[0] for word in words[name]).upper() for name in names}
    labels: dict[str, str] = {}
    for name in names:
        first, rest = words[name][0], initials[name][1:]
        taken = {label.lower() for label in labels.values()}
        taken |= {initials[other].lower() for other in names if other != name}
        for size in range(1, min(len(first), _LABEL_LENGTH - len(rest)) + 1):
            label = (first[0].upper() + first[1:size].lower()) + rest
            if label.lower() not in taken:
                labels[name] = label
                break
    numbered = 0
    for name in names:
        while name not in labels:
            numbered += 1
            if f"d{numbered}" not in {label.lower() for label in labels.values()}:
                labels[name] = f"D{numbered}"
    return labels


def _words(name: str) -> list[str]:
    """The words of a name, camel case split too: "WoS_BIOSIS" → Wo, S, BIOSIS; "PsycINFO" → Psyc, INFO."""
    words: list[str] = []
    for token in re.split(r"[\W_]+", name):
        start = 0
        for index in range(1, len(token)):
            before, here = token[index - 1], token[index]
            after = token[index + 1] if index + 1 < len(token) else ""
            if (before.islower() and here.isupper()) or (before.isupper() and here.isupper() and after.islower()):
                words.append(token[start:index])
                start = index
        if token:
            words.append(token[start:])
    return words


def overlap_tables(overlap: "Overlap", width: int) -> list[Table]:
    """The overlap as tables that fit ``width``: a row per database, a column per database
    headed by its short label, the legend of the labels under each table; the columns are
    split over several tables when they do not fit side by side."""
    labels = short_names(overlap.databases)
    databases = overlap.databases
    if not databases:
        return [_overlap_table(overlap, labels, [], 0, 0)]
    cells = {other: [labels[other]] + [f"{overlap.shared[database][other]:,}" for database in databases]
             for other in databases}
    # what the columns before the shared ones need at the least: the label, the longest word
    # of a name (names wrap between words, nothing else wraps), the counts; each column 3
    # more for its padding and rule, and 1 for the table's edge
    fixed = (max(map(len, labels.values())) + _longest_word(databases)
             + max(len("found"), *(len(f"{n:,}") for n in overlap.found.values()))
             + max(len("only here"), *(len(f"{n:,}") for n in overlap.unique.values())) + 4 * 3 + 1)
    needs = [max(map(len, cells[other])) + 3 for other in databases]
    greedy, start = [], 0
    while start < len(databases):
        end, used = start + 1, fixed + needs[start]
        while end < len(databases) and used + needs[end] <= width:
            used += needs[end]
            end += 1
        greedy.append((start, end))
        start = end
    # as many tables as the columns need, the columns shared out evenly between them
    count = len(greedy)
    even = [(len(databases) * n // count, len(databases) * (n + 1) // count) for n in range(count)]
    if all(fixed + sum(needs[start:end]) <= width for start, end in even):
        greedy = even
    return [_overlap_table(overlap, labels, databases[start:end], start, len(databases)) for start, end in greedy]


def _overlap_table(overlap: "Overlap", labels: dict[str, str], columns: list[str], start: int, total: int) -> Table:
    title = "Records found per database (in unique records)"
    if len(columns) == 1 < total:
        title += f", column {start + 1} of {total}"
    elif len(columns) < total:
        title += f", columns {start + 1}–{start + len(columns)} of {total}"
    legend = ", ".join(f"{labels[name]}={name}" for name in columns)
    table = Table(title=title, caption=f"also in: {legend}", caption_justify="left")
    table.add_column("", style="dim", no_wrap=True)
    table.add_column("database", min_width=_longest_word(overlap.databases))
    table.add_column("found", justify="right", no_wrap=True)
    table.add_column("only here", justify="right", no_wrap=True)
    for other in columns:
        table.add_column(labels[other], justify="right", no_wrap=True)
    for database in overlap.databases:
        table.add_row(
            labels[database],
            database,
            f"{overlap.found[database]:,}",
            f"{overlap.unique[database]:,}",
            *(f"{overlap.shared[database][other]:,}" if other != database else "·" for other in columns),
        )
    return table


def _longest_word(names: list[str]) -> int:
    return max((len(word) for name in names for word in name.split()), default=0)
