"""Deduplication: records made comparable, candidate pairs, comparison, clustering
(``cluster``), and the stage over a review (``stage``)."""
