"""When screening can stop: irrelevant records in a row, and a statistical stopping rule.

The statistical rule is the one of Callaghan & Müller-Hansen (2020), "Statistical stopping
criteria for automated screening in systematic reviews", Systematic Reviews 9:273
(doi:10.1186/s13643-020-01521-4). Its null hypothesis H0 is that recall is still below
the target: that the records not yet screened hold so many relevant ones that the
``r`` found so far are less than ``recall_target`` of all. The smallest total compatible
with H0 is ``floor(r / recall_target) + 1``.

The last ``m`` records screened are treated as a sample drawn at random from themselves
plus every record not yet screened (the "urn"). A ranking puts relevant records first,
so the records it leaves are poorer in relevant ones than a random draw would be, and
treating its last records as random is conservative. Under H0 the urn holds at least
``K = floor(r / recall_target) + 1 - (relevant found before the urn)`` relevant records,
and the chance of finding no more than the ``k`` relevant ones actually found in the
last ``m`` is the hypergeometric ``P(X <= k)`` with population = urn size, successes =
``K``, draws = ``m`` (``scipy.stats.hypergeom.cdf(k, urn, K, m)``, computed here by
``hypergeom_cdf`` without loading scipy.stats, which costs a second at every start). The test takes the
smallest value over every ``m`` from 1 to the number screened, and H0 is rejected (screening
can stop) when that p-value is below ``1 - confidence``.

The paper also describes an explicit random sample of the records left after ranked
screening: the same test applied to that sample alone. ``random_sample_needed`` says how
many unscreened records, drawn at random and all found irrelevant, would reject H0.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

RECALL_TARGET = 0.95
CONFIDENCE = 0.95


@dataclass(frozen=True)
class StoppingEstimate:
    """Where screening stands, and whether the stopping rule says it can stop."""

    records: int
    """Records to screen in all (screened and not yet screened)."""
    screened: int
    """Records screened so far."""
    relevant_found: int
    """Relevant (included) records among those screened."""
    irrelevant_in_a_row: int
    """Records screened since the last relevant one (all of them when none was relevant)."""
    recall_target: float
    """The recall the rule tests for, e.g. 0.95."""
    confidence: float
    """The confidence with which H0 (recall below the target) must be rejected, e.g. 0.95."""
    p_value: float
    """The hypergeometric test's p-value for H0; 1.0 before anything was screened."""
    met: bool
    """True when ``p_value < 1 - confidence``: screening can stop."""
    random_sample_needed: int
    """Unscreened records to draw at random, all irrelevant, for that sample alone to reject H0."""
    sentence: str
    """The estimate in one plain-English sentence."""


@functools.lru_cache(maxsize=2)
def _log_factorials(largest: int) -> np.ndarray:
    """``log(m!)`` for every ``m`` from 0 to ``largest``."""
    table = np.zeros(largest + 1)
    if largest:
        table[1:] = np.cumsum(np.log(np.arange(1, largest + 1, dtype=float)))
    return table


def hypergeom_cdf(k, population, successes, draws) -> np.ndarray:
    """``P(X <= k)`` for ``X`` hypergeometric (``population`` items of which ``successes``
    are successes, ``draws`` drawn without replacement), element by element over arrays.

    The same values as ``scipy.stats.hypergeom.cdf(k, population, successes, draws)``: the
    probability of the fewest successes possible comes from log-factorials, and each next
    one from the ratio ``P(i + 1) / P(i) = (K - i)(n - i) / ((i + 1)(N - K - n + i + 1))``,
    summed in log space so that no term underflows before it is added.
    """
    k, population, successes, draws = np.broadcast_arrays(*(np.asarray(a, dtype=np.int64)
                                                            for a in (k, population, successes, draws)))
    shape = k.shape
    k, population, successes, draws = (a.ravel() for a in (k, population, successes, draws))
    total = np.zeros(k.shape)
    if k.size == 0:
        return total.reshape(shape)
    log_fact = _log_factorials(int(population.max()))
    failures = population - successes
    low = np.maximum(0, draws - failures)  # fewer successes than this cannot be drawn
    high = np.minimum(k, np.minimum(successes, draws))
    counted = high >= low
    # log P(low): C(K, low) C(N - K, n - low) / C(N, n)
    log_p = (log_fact[successes] - log_fact[low] - log_fact[successes - low]
             + log_fact[failures] - log_fact[draws - low] - log_fact[failures - draws + low]
             - log_fact[population] + log_fact[draws] + log_fact[population - draws])
    i = low.astype(float)
    last = np.where(counted, high, -1).astype(float)  # the last term each sum takes
    successes_, draws_, rest = successes.astype(float), draws.astype(float), (failures - draws + 1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(int((high - low)[counted].max()) + 1 if counted.any() else 0):
            total += np.where(i <= last, np.exp(log_p), 0.0)
            log_p += np.log((successes_ - i) * (draws_ - i) / ((i + 1) * (rest + i)))
            i += 1
    return np.minimum(total, 1.0).reshape(shape)


def exact(fraction: float) -> Fraction:
    """A target such as 0.95 as the exact fraction 19/20 (so 19 / 0.95 is exactly 20)."""
    return Fraction(repr(float(fraction)))


def smallest_total_under_h0(relevant_found: int, recall_target: float) -> int:
    """The fewest relevant records there must be in all for recall to be below the target."""
    return math.floor(Fraction(relevant_found) / exact(recall_target)) + 1


def irrelevant_in_a_row(labels: Sequence[int]) -> int:
    """Records at the end of the screening order since the last relevant one."""
    count = 0
    for label in reversed(labels):
        if label:
            break
        count += 1
    return count


def hypergeometric_p(labels: Sequence[int], records: int, recall_target: float = RECALL_TARGET) -> float:
    """The p-value of H0 (recall below ``recall_target``) given labels in screening order.

    ``labels`` are 1 (relevant) and 0 (irrelevant) in the order the records were
    screened; ``records`` is the number to screen in all. The smallest p over the urns
    made of the last 1, 2, … screened records and every unscreened record.
    """
    labels = np.asarray(labels, dtype=np.int64)
    screened = len(labels)
    _check(screened, records, recall_target)
    if screened == 0:
        return 1.0
    found = int(labels.sum())
    total_under_h0 = smallest_total_under_h0(found, recall_target)
    sample_sizes = np.arange(1, screened + 1)
    found_in_sample = np.cumsum(labels[::-1])
    urn = records - screened + sample_sizes
    relevant_in_urn = total_under_h0 - (found - found_in_sample)
    # When the urn cannot hold that many relevant records, H0 is impossible: p = 0.
    possible = relevant_in_urn <= urn
    p = np.zeros(screened, dtype=float)
    p[possible] = hypergeom_cdf(
        found_in_sample[possible], urn[possible], relevant_in_urn[possible], sample_sizes[possible]
    )
    return float(min(1.0, p.min()))


def random_sample_p(
    sample: Sequence[int], unscreened: int, relevant_before: int, recall_target: float = RECALL_TARGET
) -> float:
    """The p-value of H0 from a random sample of the ``unscreened`` records left after ranking.

    ``sample`` are the labels of the records drawn; ``relevant_before`` the relevant
    records found before the sample was drawn.
    """
    drawn = len(sample)
    if drawn > unscreened:
        raise ValueError(f"a sample of {drawn} from {unscreened} records")
    found_in_sample = int(sum(sample))
    found = relevant_before + found_in_sample
    relevant_left = smallest_total_under_h0(found, recall_target) - relevant_before
    if relevant_left > unscreened:
        return 0.0
    if drawn == 0:
        return 1.0
    return float(hypergeom_cdf(found_in_sample, unscreened, relevant_left, drawn))


def random_sample_needed(
    relevant_found: int,
    unscreened: int,
    recall_target: float = RECALL_TARGET,
    confidence: float = CONFIDENCE,
) -> int:
    """How many of the ``unscreened`` records to draw at random, all found irrelevant, to stop.

    The smallest sample whose ``random_sample_p`` is below ``1 - confidence``; 0 when H0
    is already impossible (fewer records left than relevant ones it needs).
    """
    alpha = 1.0 - confidence
    relevant_left = smallest_total_under_h0(relevant_found, recall_target) - relevant_found
    if relevant_left > unscreened:
        return 0

    def p(drawn: int) -> float:
        return float(hypergeom_cdf(0, unscreened, relevant_left, drawn)) if drawn else 1.0

    low, high = 0, unscreened  # p(unscreened) is 0: drawing everything always settles it
    while low < high:
        middle = (low + high) // 2
        if p(middle) < alpha:
            high = middle
        else:
            low = middle + 1
    return low


def stopping_estimate(
    labels: Sequence[int],
    records: int,
    *,
    recall_target: float = RECALL_TARGET,
    confidence: float = CONFIDENCE,
) -> StoppingEstimate:
    """The stopping estimate after screening records in order with these labels (1 relevant, 0 not)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    labels = [int(label) for label in labels]
    p_value = hypergeometric_p(labels, records, recall_target)
    met = p_value < 1.0 - confidence
    found = sum(labels)
    screened = len(labels)
    needed = 0 if met else random_sample_needed(found, records - screened, recall_target, confidence)
    estimate = StoppingEstimate(
        records=records,
        screened=screened,
        relevant_found=found,
        irrelevant_in_a_row=irrelevant_in_a_row(labels),
        recall_target=recall_target,
        confidence=confidence,
        p_value=p_value,
        met=met,
        random_sample_needed=needed,
        sentence="",
    )
    return _with_sentence(estimate)


def _with_sentence(estimate: StoppingEstimate) -> StoppingEstimate:
    target = _percent(estimate.recall_target)
    confidence = _percent(estimate.confidence)
    head = (
        f"Screened {estimate.screened:,} of {estimate.records:,} records and found "
        f"{estimate.relevant_found:,} relevant, the last {estimate.irrelevant_in_a_row:,} "
        f"screened being irrelevant; "
    )
    if estimate.met:
        tail = (
            f"recall below {target} is rejected at {confidence} confidence "
            f"(p = {estimate.p_value:.3g}): screening can stop."
        )
    else:
        unscreened = estimate.records - estimate.screened
        tail = (
            f"recall below {target} cannot yet be rejected at {confidence} confidence "
            f"(p = {estimate.p_value:.3g}): keep screening, or draw a random sample of "
            f"{estimate.random_sample_needed:,} of the {unscreened:,} unscreened records, "
            f"which can stop screening if none of them is relevant."
        )
    return StoppingEstimate(**{**estimate.__dict__, "sentence": head + tail})


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g} %"


def _check(screened: int, records: int, recall_target: float) -> None:
    if not 0.0 < recall_target <= 1.0:
        raise ValueError(f"the recall target must be above 0 and at most 1, not {recall_target}")
    if screened > records:
        raise ValueError(f"{screened} records screened out of {records}")
