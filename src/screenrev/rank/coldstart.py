"""The order before the model can be trained (no include or no exclude yet).

Records are ordered by the cosine similarity of their TF-IDF vector (the model's own
features) to the query: the review question and the protocol's inclusion terms, as
given by the caller. Once records have been included (but none excluded), the
included records' mean vector is added to the query, so that records like them come
next (Rocchio's relevance feedback). Records equally similar, such as all those sharing
no word with the query, keep the seeded order of ``seeded_order``: with an empty query,
or one whose words no record uses, that seeded order is the whole ranking.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .features import Features


def seeded_order(records: int, seed: int) -> np.ndarray:
    """A fixed shuffle of record positions for a seed: breaks ties, and orders when nothing else can.

    A shuffle rather than file order, so that an export sorted by relevance or date
    cannot leak into the ranking.
    """
    return np.random.default_rng([seed, 0x5EED]).permutation(records)


def query_scores(features: Features, query: str, included: Sequence[int] = ()) -> np.ndarray:
    """Each record's cosine similarity to the query (plus the mean of the included records)."""
    vector = features.query_vector(query)
    if len(included):
        centroid = np.asarray(features.matrix[np.asarray(included)].mean(axis=0), dtype=np.float32).ravel()
        length = float(np.linalg.norm(centroid))
        if length:
            vector = vector + centroid / length
    if not vector.any():
        return np.zeros(features.records, dtype=np.float32)
    return features.matrix @ vector
