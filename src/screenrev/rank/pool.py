"""The records humans screen at title/abstract, and what they have decided so far.

The pool is every primary record (one per duplicate cluster) that no rule excluded.
Human decisions give each screened record a label for training: include and maybe
count as relevant, exclude as irrelevant. Rule exclusions are not in the pool, so they
are never training data: they would teach the model the rules instead of the topic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..decisions.audit import read_sample, rule_exclusions
from ..decisions.files import TITLE_ABSTRACT, settle
from ..decisions.previous import earlier_records
from ..decisions.stage import DecisionLog, primary_index
from ..records.workspace import Workspace
from ..review.folder import Review
from .stopping import CONFIDENCE, RECALL_TARGET, StoppingEstimate, stopping_estimate

RELEVANT = ("include", "maybe")


@dataclass
class Pool:
    """Records to screen, in review order, and their human labels."""

    records: list[dict]
    labels: dict[str, int]
    """Primary record key → 1 (include or maybe) or 0 (exclude), settled decisions only."""
    screened: list[str]
    """Keys of the labelled records in the order they were first decided."""
    conflicts: int = 0
    """Records whose reviewers disagree with nothing to settle it (not labelled)."""

    def __post_init__(self) -> None:
        self.index = {record["key"]: row for row, record in enumerate(self.records)}

    @property
    def undecided(self) -> list[str]:
        """Keys of the records with no settled decision, in review order."""
        return [record["key"] for record in self.records if record["key"] not in self.labels]

    def screened_labels(self) -> list[int]:
        """Labels in the order the records were screened (for the stopping rule)."""
        return [self.labels[key] for key in self.screened]


def screening_pool(review: Review, workspace: Workspace, log: DecisionLog | None = None, *,
                   reviewer: str | None = None, primary: list[dict] | None = None) -> Pool:
    """The pool of a review: its screenable records and its settled title/abstract labels.

    With ``reviewer`` (blinded screening), only that reviewer's own decisions are labels.
    ``primary`` is the workspace's primary records, when the caller has them already.
    """
    log = log or DecisionLog(review, primary_index(workspace), checked=workspace)
    excluded, _audit = rule_exclusions(review, workspace, log)  # less what the rules audit sent back
    primary = primary if primary is not None else list(workspace.primary_records())
    decisions = [d for d in log.decisions if d.stage == TITLE_ABSTRACT and (reviewer is None or d.reviewer == reviewer)]
    settlement = log.settle(TITLE_ABSTRACT) if reviewer is None else settle(decisions, TITLE_ABSTRACT, log.rules)
    # An updated review's earlier version: its decided records still teach the ranking, its
    # undecided ones (left after its stopping rule) are not this version's to screen.
    earlier = earlier_records(review, workspace, log.primary_of)
    records = [record for record in primary if record["key"] not in excluded
               and (record["key"] not in earlier or record["key"] in settlement.settled)]
    keys = {record["key"] for record in records}
    labels = {
        key: int(settled.decision in RELEVANT) for key, settled in settlement.settled.items() if key in keys
    }
    first: dict[str, tuple] = {}
    for decision in decisions:
        if decision.record in labels:
            when = (decision.timestamp, decision.file, decision.line)
            first[decision.record] = min(first.get(decision.record, when), when)
    screened = sorted(first, key=first.__getitem__)
    conflicts = sum(1 for conflict in settlement.conflicts if conflict.record in keys)
    return Pool(records, labels, screened, conflicts=conflicts)


def full_text_pool(review: Review, workspace: Workspace, log: DecisionLog, *,
                   primary: list[dict] | None = None) -> Pool:
    """The reports to assess at full text: records included (or maybe) at title/abstract, in
    review order. Their labels are empty: full text is not ranked."""
    sought = {key for key, settled in log.settle(TITLE_ABSTRACT).settled.items() if settled.decision in RELEVANT}
    primary = primary if primary is not None else list(workspace.primary_records())
    records = [record for record in primary if record["key"] in sought]
    return Pool(records, {}, [])


def audit_pool(review: Review, workspace: Workspace, log: DecisionLog, *,
                primary: list[dict] | None = None) -> Pool:
    """The records of the rules audit's sample, in the order drawn (not ranked: a random
    sample is checked as drawn). Empty when no sample was drawn."""
    sample = read_sample(review, log.primary_of)
    order = list(sample.keys) if sample is not None else []
    primary = primary if primary is not None else list(workspace.primary_records())
    by_key = {record["key"]: record for record in primary}
    return Pool([by_key[key] for key in order if key in by_key], {}, [])


def stopping_status(pool: Pool, *, recall_target: float = RECALL_TARGET,
                    confidence: float = CONFIDENCE) -> StoppingEstimate | None:
    """The stopping estimate from the decisions in the order they were made (None before any)."""
    labels = pool.screened_labels()
    if not labels:
        return None
    return stopping_estimate(np.asarray(labels), len(pool.records), recall_target=recall_target,
                             confidence=confidence)
