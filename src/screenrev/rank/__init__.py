"""Ranking undecided records for human screeners, and saying when screening can stop.

The public functions, each in the module of its name, used by the ``rank``, ``review`` and
``simulate`` commands (``features``, ``ranking``, ``stopping``, ``simulate``):

* ``features_of(records)`` / ``build_features(texts)`` → ``Features`` (TF-IDF, built once);
* ``rank_records(features, decisions, seed=, query=)`` → ``Ranking`` (order, scores, method);
* ``retrain_interval(labelled)``: how many decisions a simulation takes from one ranking
  before retraining;
* ``stopping_estimate(labels_in_order, records, recall_target=, confidence=)`` →
  ``StoppingEstimate``;
* ``simulate(features, labels, seed=, …)`` → ``SimulationRun`` with ``ScreeningMetrics``.

Library only: nothing here prints, and only ``read_labelled`` reads a file. ``stage`` ranks
a review's pool, ``pool`` says what is screened so far, and ``session`` is what each key
does in interactive screening.
"""
