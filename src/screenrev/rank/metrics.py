"""How well a screening order did on a fully labelled review.

Definitions (``N`` records, ``P`` relevant ones, counts include the prior records, which
are screened first):

* WSS@95 = (N − n95) / N − 0.05, where n95 is the number of records screened when
  ceil(0.95 · P) relevant ones have been found; WSS@100 = (N − n100) / N likewise with
  all P (Cohen et al. 2006).
* Recall at 10 % (25 %): the share of the P relevant records among the first
  ceil(0.10 · N) (ceil(0.25 · N)) records screened.
* Last relevant: n100, the position of the last relevant record in the order.
* ATD, average time to discovery (Ferdinands et al. 2023, doi:10.1186/s13643-023-02257-7):
  for each relevant record found by the ranking (prior records excluded), the share of
  the N records screened when it was found; ATD is their mean. Lower is better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScreeningMetrics:
    """The standard measures of one simulated screening order."""

    wss95: float
    wss100: float
    recall_at_10: float
    recall_at_25: float
    last_relevant: int
    atd: float


def recall_curve(labels: Sequence[int], relevant: int) -> np.ndarray:
    """Recall after each record screened, for labels in screening order."""
    if relevant <= 0:
        raise ValueError("a review with no relevant record has no recall curve")
    return np.cumsum(np.asarray(labels, dtype=np.int64)) / relevant


def screened_to_find(labels: Sequence[int], found: int) -> int:
    """Records screened (1-based position) when ``found`` relevant records had been found."""
    hits = np.cumsum(np.asarray(labels, dtype=np.int64))
    if found <= 0:
        return 0
    if len(hits) == 0 or hits[-1] < found:
        raise ValueError(f"the order finds only {int(hits[-1]) if len(hits) else 0} relevant records, not {found}")
    return int(np.searchsorted(hits, found)) + 1


def screening_metrics(labels: Sequence[int], records: int, relevant: int, priors: int = 0) -> ScreeningMetrics:
    """WSS@95, WSS@100, recall at 10 % and 25 %, last relevant and ATD of one order.

    ``labels`` are the labels in screening order, priors first; they may stop after the
    last relevant record (the rest cannot change any measure). ``priors`` is how many of
    the first records were given as prior knowledge (left out of ATD).
    """
    labels = np.asarray(labels, dtype=np.int64)
    if int(labels.sum()) != relevant:
        raise ValueError(f"the order finds {int(labels.sum())} relevant records, not {relevant}")
    n95 = screened_to_find(labels, math.ceil(0.95 * relevant))
    n100 = screened_to_find(labels, relevant)
    positions = np.flatnonzero(labels) + 1
    discovered = positions[positions > priors]
    atd = float(np.mean(discovered / records)) if len(discovered) else 0.0
    return ScreeningMetrics(
        wss95=(records - n95) / records - 0.05,
        wss100=(records - n100) / records,
        recall_at_10=_recall_at(labels, records, relevant, 0.10),
        recall_at_25=_recall_at(labels, records, relevant, 0.25),
        last_relevant=n100,
        atd=atd,
    )


def _recall_at(labels: np.ndarray, records: int, relevant: int, share: float) -> float:
    screened = math.ceil(round(share * records, 9))
    return float(labels[:screened].sum()) / relevant
