"""The recall curve of simulated runs against screening in random order, as PNG or SVG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

from .simulate import SimulationRun

FORMATS = ("png", "svg")


def recall_plot(runs: Sequence[SimulationRun], *, title: str, format: str = "png") -> bytes:
    """Recall against records screened for each run, with random screening's expected line.

    The same runs give the same bytes: SVG ids come from a fixed salt and no date is
    written into either format.
    """
    if format not in FORMATS:
        raise ValueError(f"plot format must be one of {', '.join(FORMATS)}, not {format!r}")
    if not runs:
        raise ValueError("no run to plot")
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    records, relevant = runs[0].records, runs[0].relevant
    figure = Figure(figsize=(6.4, 4.4), dpi=100)
    FigureCanvasAgg(figure)  # the Agg canvas: no display needed, no global backend switched
    axes = figure.subplots()
    for run in runs:
        # The curve stays at 1 from the last relevant record to the end.
        screened = list(range(0, len(run.order) + 1)) + [records]
        recall = [0.0, *run.recall.tolist(), 1.0]
        axes.plot(screened, recall, linewidth=1.2, label=f"ranked, seed {run.seed}")
    axes.plot([0, records], [0, 1], linestyle="--", color="grey", linewidth=1, label="random order (expected)")
    axes.axhline(0.95, color="lightgrey", linewidth=0.8)
    axes.set_xlim(0, records)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel(f"records screened (of {records:,})")
    axes.set_ylabel(f"recall (of {relevant:,} relevant)")
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    metadata = {"Date": None} if format == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "screenrev", "svg.fonttype": "path"}):
        figure.savefig(buffer, format=format, metadata=metadata)
    return buffer.getvalue()
