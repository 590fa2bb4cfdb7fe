"""Replaying a fully labelled review: how soon would ranking have found its relevant records?

One run: the seed draws ``prior_included`` included and ``prior_excluded`` excluded records
as prior knowledge (screened first), or the caller names them (``priors``: for example the
records another tool's run started from, so that two tools are compared from the same
start); then, as in an interactive session, the model is
trained on every label so far, the top records of its ranking are screened (their known
labels revealed), and so on: retraining after every record until 1,000 are labelled, then
after every 0.1 % of the labelled ones (``retrain_interval``). The run stops when the last
relevant record is found: the records after it cannot change any measure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import RankingError
from .features import Features
from .metrics import ScreeningMetrics, recall_curve, screening_metrics
from .model import MODEL, ModelSettings
from .ranking import rank_records, retrain_interval


@dataclass(frozen=True, eq=False)
class SimulationRun:
    """One replay of a labelled review."""

    seed: int
    records: int
    relevant: int
    priors: int
    """Records given as prior knowledge, at the start of ``order``."""
    order: np.ndarray
    """Record positions in the order screened, up to the last relevant record."""
    labels: np.ndarray
    """The label of each record in ``order``."""
    metrics: ScreeningMetrics
    trainings: int
    """How many times the model was trained."""
    training_seconds: float
    """Seconds spent training and rescoring, in all (not part of any result file)."""

    @property
    def recall(self) -> np.ndarray:
        """Recall after each record of ``order``."""
        return recall_curve(self.labels, self.relevant)


def draw_priors(labels: np.ndarray, included: int, excluded: int, seed: int) -> list[int]:
    """The prior records of a run: ``included`` includes then ``excluded`` excludes, drawn by the seed."""
    rng = np.random.default_rng(seed)
    relevant = np.flatnonzero(labels == 1)
    irrelevant = np.flatnonzero(labels == 0)
    if included < 0 or excluded < 0:
        raise RankingError("the numbers of prior records cannot be negative")
    if included > len(relevant):
        raise RankingError(f"{included} prior included records asked for, but only {len(relevant)} are included")
    if excluded > len(irrelevant):
        raise RankingError(f"{excluded} prior excluded records asked for, but only {len(irrelevant)} are excluded")
    return [int(i) for i in rng.choice(relevant, included, replace=False)] + [
        int(i) for i in rng.choice(irrelevant, excluded, replace=False)
    ]


def chosen_priors(labels: np.ndarray, priors: Sequence[int]) -> list[int]:
    """The prior records named by the caller, checked: existing and distinct."""
    chosen = [int(position) for position in priors]
    outside = [position for position in chosen if not 0 <= position < len(labels)]
    if outside:
        raise RankingError(f"prior record {outside[0]} does not exist: the records are 0 to {len(labels) - 1}")
    if len(set(chosen)) != len(chosen):
        raise RankingError("a prior record is named twice")
    return chosen


def simulate(
    features: Features,
    labels: Sequence[int],
    *,
    seed: int,
    prior_included: int = 1,
    prior_excluded: int = 1,
    priors: Sequence[int] | None = None,
    settings: ModelSettings = MODEL,
    interval: Callable[[int], int] = retrain_interval,
) -> SimulationRun:
    """Replay screening of records whose labels (1 relevant, 0 not) are all known.

    ``priors`` names the prior records (positions) instead of drawing them. ``interval``
    gives the decisions taken from one ranking before retraining, from the number labelled
    (``lambda labelled: 1`` retrains after every record).
    """
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) != features.records:
        raise ValueError(f"{len(labels)} labels for {features.records} records")
    relevant = int(labels.sum())
    if relevant == 0:
        raise RankingError("no record is labelled relevant: there is nothing to find")
    if priors is None:
        order = draw_priors(labels, prior_included, prior_excluded, seed)
    else:
        order = chosen_priors(labels, priors)
    prior_count = len(order)
    decisions = {position: int(labels[position]) for position in order}
    found = sum(decisions.values())
    trainings, seconds = 0, 0.0
    while found < relevant:
        started = time.perf_counter()
        ranking = rank_records(features, decisions, seed=seed, settings=settings)
        seconds += time.perf_counter() - started
        trainings += 1
        for position in ranking.order[: max(1, interval(len(decisions)))]:
            position = int(position)
            order.append(position)
            decisions[position] = int(labels[position])
            found += decisions[position]
            if found == relevant:
                break
    screened = labels[order]
    return SimulationRun(
        seed=seed,
        records=len(labels),
        relevant=relevant,
        priors=prior_count,
        order=np.asarray(order, dtype=np.int64),
        labels=screened,
        metrics=screening_metrics(screened, len(labels), relevant, prior_count),
        trainings=trainings,
        training_seconds=seconds,
    )
