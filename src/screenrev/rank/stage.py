"""The rank stage: order a review's undecided records for the human screeners.

The model is trained only on the human title/abstract decisions of the pool (see
``pool``); before there is an include and an exclude, the cold start orders records by
their similarity to the review question and the inclusion terms in the manifest
(``[screening] inclusion_terms``). Everything is seeded: the same decisions and seed
give the same worklist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..review.folder import Review
from .features import Features, features_of
from .pool import Pool
from .ranking import rank_records

def review_query(review: Review) -> str:
    """The cold start's query: the review question and the manifest's inclusion terms."""
    question = str(review.section("review").get("question", ""))
    terms = review.section("screening").get("inclusion_terms", [])
    if isinstance(terms, str):
        terms = [terms]
    return " ".join([question, *map(str, terms)]).strip()


@dataclass(frozen=True)
class Worklist:
    """The pool's records in the order to screen them."""

    keys: list[str]
    """Undecided records, most likely relevant first."""
    scores: dict[str, float]
    """Score of every record in the pool (decided ones too)."""
    method: str
    """model, query (cold start by similarity) or seeded (cold start with nothing to compare)."""
    seconds: float
    """Time to train and score."""


class Ranker:
    """The pool's features, built once, ranked again as decisions come in."""

    def __init__(self, pool: Pool, *, seed: int, query: str = "") -> None:
        self.pool = pool
        self.seed = seed
        self.query = query
        self.keys = [record["key"] for record in pool.records]
        self.features: Features = features_of(pool.records)

    def worklist(self, labels: dict[str, int]) -> Worklist:
        """The undecided records (no label) ranked, and every record's score."""
        start = time.perf_counter()
        rows = {self.pool.index[key]: label for key, label in sorted(labels.items()) if key in self.pool.index}
        ranking = rank_records(self.features, rows, seed=self.seed, query=self.query)
        scores = {key: float(score) for key, score in zip(self.keys, ranking.scores)}
        keys = [self.keys[row] for row in ranking.order]
        return Worklist(keys, scores, ranking.method, time.perf_counter() - start)

    def order(self, labels: dict[str, int]) -> list[str]:
        """Every record of the pool: undecided ones ranked, then decided ones by score.

        A second screener in dual screening is shown the records the first has decided,
        after the undecided ones.
        """
        worklist = self.worklist(labels)
        decided = sorted((key for key in self.keys if key in labels), key=lambda key: (-worklist.scores[key], key))
        return worklist.keys + decided
