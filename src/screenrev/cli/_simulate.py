"""The simulate command: replay a fully labelled review to measure the ranking."""

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .. import console
from ..errors import ScreenrevError
from ._app import JsonOption, app, print_json

_MEASURES = ("wss95", "wss100", "recall_at_10", "recall_at_25", "last_relevant", "atd")


@app.command(rich_help_panel="Research")
def simulate(
    data: Annotated[Path, typer.Argument(help="A fully labelled review: CSV or any format screenrev imports.")],
    label: Annotated[
        Optional[str],
        typer.Option(help="Label column (default: the first of label_included, included, label)."),
    ] = None,
    runs: Annotated[int, typer.Option(min=1, help="Number of runs, with seeds SEED, SEED+1, …")] = 1,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the first run (draws the prior records).")] = 0,
    prior_included: Annotated[int, typer.Option(min=0, help="Included records known before ranking.")] = 1,
    prior_excluded: Annotated[int, typer.Option(min=0, help="Excluded records known before ranking.")] = 1,
    prior_record: Annotated[
        Optional[list[int]],
        typer.Option(
            metavar="<row>",
            help="A record known before ranking, by its row in DATA (0 is the first record); repeat for "
            "several. Replaces the drawn priors in every run (ASReview's --prior-idx)."
        ),
    ] = None,
    plot: Annotated[
        Optional[Path], typer.Option(help="Draw the recall curves against random screening (.png or .svg).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Replay a labelled review with the ranking model: WSS@95, recall at 10 %, ATD…"""
    from ..rank.features import features_of
    from ..rank.labelled import read_labelled
    from ..rank.simulate import simulate as replay

    plot_format = _plot_format(plot)
    review = read_labelled(data, label)
    features = features_of(review.records)
    results = []
    with console.progress() as progress:
        task = progress.add_task(f"Simulating {review.name}", total=runs)
        for number in range(runs):
            results.append(
                replay(
                    features,
                    review.labels,
                    seed=seed + number,
                    prior_included=prior_included,
                    prior_excluded=prior_excluded,
                    priors=prior_record or None,
                )
            )
            progress.advance(task)
    summary = _summary(review.name, results)
    if plot is not None:
        from ..rank.plot import recall_plot
        from ..review.atomic import write_bytes

        write_bytes(plot, recall_plot(results, title=review.name, format=plot_format))
    if as_json:
        print_json(summary)
    else:
        _print_table(summary)
    if plot is not None:
        console.info(f"Wrote the recall curve to {plot}")


def _plot_format(plot: Path | None) -> str:
    if plot is None:
        return ""
    suffix = plot.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg"):
        raise ScreenrevError(f"{plot}: the plot must be a .png or .svg file")
    if not plot.parent.is_dir():
        raise ScreenrevError(f"{plot}: no folder {plot.parent}")
    return suffix


def _summary(name: str, results: list) -> dict:
    rows = [{"seed": run.seed, **{key: _number(getattr(run.metrics, key)) for key in _MEASURES}} for run in results]
    mean = {key: _number(sum(row[key] for row in rows) / len(rows)) for key in _MEASURES}
    return {
        "dataset": name,
        "records": results[0].records,
        "relevant": results[0].relevant,
        "runs": rows,
        "mean": mean,
    }


def _number(value: float | int) -> float | int:
    # Six decimals: enough for any review size, and the same text on every platform.
    return value if isinstance(value, int) else round(float(value), 6)


def _print_table(summary: dict) -> None:
    table = Table(title=f"{summary['dataset']}: {summary['records']:,} records, {summary['relevant']:,} relevant")
    table.add_column("seed", justify="right")
    for heading in ("WSS@95", "WSS@100", "recall at 10 %", "recall at 25 %", "last relevant", "ATD"):
        table.add_column(heading, justify="right")

    def cells(row: dict) -> list[str]:
        return [
            f"{row['wss95']:.3f}",
            f"{row['wss100']:.3f}",
            f"{row['recall_at_10']:.1%}",
            f"{row['recall_at_25']:.1%}",
            f"{row['last_relevant']:,.0f}",
            f"{row['atd']:.1%}",
        ]

    for row in summary["runs"]:
        table.add_row(str(row["seed"]), *cells(row))
    if len(summary["runs"]) > 1:
        table.add_row("mean", *cells(summary["mean"]), style="bold")
    console.console.print(table)
