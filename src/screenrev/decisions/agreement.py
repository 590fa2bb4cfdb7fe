"""Agreement between reviewers who screened the same records: percentage agreement, Cohen's
kappa for each pair of reviewers, and the records they disagree on.

Reviewers with the resolver role are left out of the statistics: they decide the records
the others disagree on, which are not a fair sample of the records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from .files import Decision, SettlementRules, outcome, settle


@dataclass(frozen=True)
class PairAgreement:
    """How two reviewers agree on the records both of them screened."""

    reviewers: tuple[str, str]
    records: int
    """Records both decided."""
    agreed: int
    percent: float | None
    """Percentage agreement (None when they share no record)."""
    kappa: float | None
    """Cohen's kappa (None when undefined: no shared record, or one category only)."""


@dataclass(frozen=True)
class Disagreement:
    """A record the (non-resolver) reviewers decided differently, and how it was settled."""

    record: str
    decisions: tuple[Decision, ...]
    settled: str
    """The settled decision, or empty while the conflict is unresolved."""
    how: str
    """``resolver``, ``policy`` or empty."""


@dataclass(frozen=True)
class Agreement:
    """Agreement at one stage."""

    stage: str
    reviewers: list[str]
    pairs: list[PairAgreement]
    disagreements: list[Disagreement]

    @property
    def unresolved(self) -> int:
        """Disagreements nothing settles yet."""
        return sum(1 for item in self.disagreements if not item.settled)


def cohen_kappa(first: list[str], second: list[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items (None when undefined)."""
    total = len(first)
    if total == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second)) / total
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(counts_a[label] * counts_b[label] for label in counts_a) / (total * total)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(decisions: Iterable[Decision], stage: str, rules: SettlementRules) -> Agreement:
    """Pairwise agreement among the screeners at ``stage`` and the records they disagree on."""
    decisions = [d for d in decisions if d.stage == stage]
    by_record: dict[str, dict[str, Decision]] = defaultdict(dict)
    for decision in decisions:
        if decision.reviewer not in rules.resolvers:
            by_record[decision.record].setdefault(decision.reviewer, decision)
    reviewers = sorted({name for votes in by_record.values() for name in votes})
    pairs = []
    for first, second in combinations(reviewers, 2):
        shared = [votes for votes in by_record.values() if first in votes and second in votes]
        labels_a = [votes[first].decision for votes in shared]
        labels_b = [votes[second].decision for votes in shared]
        agreed = sum(a == b for a, b in zip(labels_a, labels_b))
        pairs.append(PairAgreement(
            reviewers=(first, second),
            records=len(shared),
            agreed=agreed,
            percent=100 * agreed / len(shared) if shared else None,
            kappa=cohen_kappa(labels_a, labels_b),
        ))
    settlement = settle(decisions, stage, rules)
    disagreements = []
    for record in sorted(by_record):
        votes = by_record[record]
        if len({outcome(d, stage) for d in votes.values()}) < 2:
            continue
        settled = settlement.settled.get(record)
        disagreements.append(Disagreement(
            record=record,
            decisions=tuple(sorted(votes.values(), key=lambda d: d.reviewer)),
            settled=settled.decision if settled else "",
            how=settled.how if settled else "",
        ))
    return Agreement(stage, reviewers, pairs, disagreements)
