"""Ranking undecided records for human screeners, and saying when screening can stop.

The public interface, used by the ``rank``, ``review`` and ``simulate`` commands:

* ``features_of(records)`` / ``build_features(texts)`` → ``Features`` (TF-IDF, built once);
* ``rank_records(features, decisions, seed=, query=)`` → ``Ranking`` (order, scores, method);
* ``retrain_interval(labelled)``: how many decisions a simulation takes from one ranking
  before retraining;
* ``stopping_estimate(labels_in_order, records, recall_target=, confidence=)`` →
  ``StoppingEstimate``;
* ``simulate(features, labels, seed=, …)`` → ``SimulationRun`` with ``ScreeningMetrics``.

Library only: nothing here prints, and only ``read_labelled`` reads a file.
"""

from .coldstart import query_scores, seeded_order
from .features import Features, build_features, features_of, record_text
from .labelled import LABEL_COLUMNS, LabelledReview, read_labelled
from .metrics import ScreeningMetrics, recall_curve, screening_metrics
from .model import MODEL, ModelSettings, relevance_scores
from .ranking import Ranking, order_by_score, rank_records, retrain_interval
from .simulate import SimulationRun, simulate
from .stopping import (
    StoppingEstimate,
    hypergeometric_p,
    irrelevant_in_a_row,
    random_sample_needed,
    random_sample_p,
    stopping_estimate,
)

__all__ = [
    "LABEL_COLUMNS",
    "MODEL",
    "Features",
    "LabelledReview",
    "ModelSettings",
    "Ranking",
    "ScreeningMetrics",
    "SimulationRun",
    "StoppingEstimate",
    "build_features",
    "features_of",
    "hypergeometric_p",
    "irrelevant_in_a_row",
    "order_by_score",
    "query_scores",
    "random_sample_needed",
    "random_sample_p",
    "rank_records",
    "read_labelled",
    "recall_curve",
    "record_text",
    "relevance_scores",
    "retrain_interval",
    "screening_metrics",
    "seeded_order",
    "simulate",
    "stopping_estimate",
]
