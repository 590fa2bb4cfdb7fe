"""The rules audit: a human check of a random sample of the records the rules excluded.

PRISMA 2020 (item 8) asks how automation tools were validated; an exclusion nobody looked
at is a claim, not a result. ``draw`` takes, for each excluding criterion, a seeded random
sample of the records that criterion excluded (first, as the flow counts them) and writes
it to ``decisions/rules-audit-sample.csv``; reviewers then decide each sampled record at the
stage ``rules_audit`` — ``rightly_excluded`` or ``wrongly_excluded`` — in ordinary decision
files (``review --stage rules_audit``, ``decide``, or a filled-in sheet). ``audit`` reports,
per criterion, the share wrongly excluded with its exact (Clopper–Pearson) 95 % interval
and how many of the records nobody checked it implies are wrongly excluded. A record
found wrongly excluded goes back to screening: it leaves the automation box and is
screened like any other.

The sample is a file, not a recipe: once drawn it does not change when records or rules
do, so the audit's denominators stay what the reviewers checked. When the protocol or the
records the rules exclude change after the draw, the audit says so.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import DecisionError, ScreenrevError
from ..review import spreadsheet
from ..review.atomic import atomic_text
from ..review.folder import Review
from .files import AUDIT_SAMPLE_FILE, RULES_AUDIT, WRONGLY_EXCLUDED, Decision, SettlementRules, settle

SAMPLE_FILE = AUDIT_SAMPLE_FILE
SAMPLE_COLUMNS = ("key", "criterion", "excluded", "seed", "protocol_sha256")
CONFIDENCE = 0.95


# --- statistics ------------------------------------------------------------------------


def _binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), summed in log space (no overflow for large n)."""
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if k >= n else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    terms = [base - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q for i in range(k + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(t - top) for t in terms))


def _solve(function, target: float) -> float:
    """The p in (0, 1) where the decreasing ``function(p)`` equals ``target``, by bisection."""
    low, high = 0.0, 1.0
    for _ in range(100):
        middle = (low + high) / 2
        if function(middle) > target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def clopper_pearson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact two-sided interval for a binomial proportion with ``k`` successes in ``n`` trials.

    The lower bound is the p at which P(X ≥ k) = α/2, the upper the p at which P(X ≤ k) = α/2
    (0 of 60 → 0–0.0596; 3 of 100 → 0.0062–0.0852).
    """
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"{k} of {n}: need 0 ≤ k ≤ n and n > 0")
    tail = (1 - confidence) / 2
    low = 0.0 if k == 0 else _solve(lambda p: _binomial_cdf(k - 1, n, p), 1 - tail)
    high = 1.0 if k == n else _solve(lambda p: _binomial_cdf(k, n, p), tail)
    return low, high


def sample_size(upper_bound: float, confidence: float = CONFIDENCE) -> int:
    """Records to check so that, if none is wrongly excluded, the upper bound of the two-sided
    interval is at most ``upper_bound`` (5 % → 72)."""
    if not 0 < upper_bound < 1:
        raise ValueError("the upper bound is a share between 0 and 1")
    tail = (1 - confidence) / 2
    return math.ceil(math.log(tail) / math.log1p(-upper_bound) - 1e-9)


# --- the sample ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sampled:
    """One record of the sample."""

    key: str
    criterion: str
    """The criterion that excluded it (its id)."""


@dataclass(frozen=True)
class Sample:
    """The records drawn for the audit, and what they were drawn from."""

    records: list[Sampled]
    excluded: dict[str, int]
    """Criterion id → records it excluded when the sample was drawn."""
    seed: int
    protocol_sha256: str

    @property
    def keys(self) -> dict[str, str]:
        """Sampled key → criterion id."""
        return {record.key: record.criterion for record in self.records}


def sample_path(review: Review) -> Path:
    """Where the sample is kept."""
    return review.decisions_dir / SAMPLE_FILE


def first_exclusions(workspace) -> dict[str, list[str]]:
    """Criterion id → primary records it excluded first (the flow's automation box), sorted."""
    found: dict[str, list[str]] = {}
    for key, criterion in workspace.db.execute(
            "SELECT key, criterion FROM screening WHERE outcome = 'exclude' ORDER BY key"):
        found.setdefault(criterion, []).append(key)
    return found


def draw(review: Review, workspace, criteria: list[str], protocol_sha256: str, *, size: int, seed: int) -> Sample:
    """Draw ``size`` records (all, when fewer) from those each criterion excluded, and keep the sample.

    Each criterion has a generator of its own, seeded with the seed and its id, so that
    adding a criterion does not change another's sample.
    """
    path = sample_path(review)
    if path.exists():
        raise ScreenrevError(f"{_shown(review, path)} holds the audit's sample already: the audit goes on with it "
                             "(delete the file to draw another, which discards what it sampled)")
    if size < 1:
        raise ScreenrevError("the sample needs at least one record per criterion")
    excluded = first_exclusions(workspace)
    records: list[Sampled] = []
    counts: dict[str, int] = {}
    for criterion in criteria:
        population = excluded.get(criterion, [])
        counts[criterion] = len(population)
        drawn = random.Random(f"{seed}:{criterion}").sample(population, min(size, len(population)))
        records += [Sampled(key, criterion) for key in drawn]
    if not records:
        raise ScreenrevError("the rules exclude no record: there is nothing to audit")
    sample = Sample(records, counts, seed, protocol_sha256)
    review.decisions_dir.mkdir(parents=True, exist_ok=True)
    with atomic_text(path) as handle:
        writer = spreadsheet.writer(handle)
        writer.writerow(SAMPLE_COLUMNS)
        writer.writerows((r.key, r.criterion, counts[r.criterion], seed, protocol_sha256) for r in records)
    return sample


def read_sample(review: Review, primary_of: Mapping[str, str]) -> Sample | None:
    """The sample, checked (None when none was drawn); errors name the file, line and column."""
    path = sample_path(review)
    if not path.is_file():
        return None
    shown = _shown(review, path)
    records, counts, seeds, shas, seen = [], {}, set(), set(), set()
    for line, values in spreadsheet.read_rows(path, shown, DecisionError, required=SAMPLE_COLUMNS):
        key, criterion = values.get("key", ""), values.get("criterion", "")
        if key not in primary_of:
            raise DecisionError(f"no record has the key {key!r} (was the search it came from replaced?)",
                                path=shown, line=line, field="key")
        if not values.get("excluded", "").isdigit():
            raise DecisionError("not a whole number", path=shown, line=line, field="excluded")
        if key in seen:
            raise DecisionError(f"{key!r} is sampled twice", path=shown, line=line, field="key")
        seen.add(key)
        records.append(Sampled(key, criterion))
        counts[criterion] = int(values["excluded"])
        seeds.add(values.get("seed", ""))
        shas.add(values.get("protocol_sha256", ""))
    if not records:
        return None
    seed = next(iter(seeds)) if len(seeds) == 1 else ""
    return Sample(records, counts, int(seed) if seed.isdigit() else 0, next(iter(shas)) if len(shas) == 1 else "")


def _shown(review: Review, path: Path) -> str:
    try:
        return str(path.relative_to(review.root))
    except ValueError:
        return str(path)


# --- the audit -------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionAudit:
    """What the check of one criterion's sample found."""

    criterion: str
    label: str
    excluded: int
    """Records the criterion excludes now (first, as the flow counts them)."""
    sampled: int
    checked: int
    """Sampled records with a settled audit decision."""
    wrongly: int
    """Checked records found wrongly excluded (sent back to screening)."""
    low: float | None = None
    high: float | None = None
    """The 95 % interval of the share wrongly excluded (None before any check)."""

    @property
    def rate(self) -> float | None:
        """The share of checked records wrongly excluded."""
        return self.wrongly / self.checked if self.checked else None

    @property
    def unchecked(self) -> int:
        """Records the criterion excludes that nobody checked."""
        return max(0, self.excluded - self.checked)

    @property
    def census(self) -> bool:
        """Every record the criterion excludes was checked: the count is known, not estimated."""
        return self.checked == self.excluded > 0

    def expected_wrongly(self) -> tuple[float, float, float] | None:
        """How many of the unchecked records are wrongly excluded, by the sample: estimate and 95 % bounds."""
        if self.rate is None:
            return None
        return self.rate * self.unchecked, self.low * self.unchecked, self.high * self.unchecked

    def counts(self) -> dict[str, int]:
        """The whole numbers, for JSON and for ``[expected]``."""
        return {"excluded": self.excluded, "sampled": self.sampled, "checked": self.checked,
                "wrongly_excluded": self.wrongly}

    def as_json(self) -> dict:
        """The criterion's audit for ``--json``."""
        return {"criterion": self.criterion, "label": self.label, **self.counts(), "ci_low": self.low,
                "ci_high": self.high, "expected_wrongly_unchecked": self.expected_wrongly()}

    def sentence(self) -> str:
        """One line: 'audited 60 of 1,234: 0 wrongly excluded (95 % CI 0.0–6.0 %)'."""
        if not self.checked:
            return f"audit: {self.sampled:,} sampled, none checked yet"
        if self.census:
            return f"audit: every one of the {self.excluded:,} records it excluded checked, {self.wrongly:,} wrongly excluded"
        waiting = f", {self.sampled - self.checked:,} still to check" if self.checked < self.sampled else ""
        return (f"audit: {self.checked:,} of {self.sampled:,} sampled checked{waiting}, {self.wrongly:,} wrongly "
                f"excluded (95 % CI {_percent(self.low)}–{_percent(self.high)})")


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.1f} %"


@dataclass
class Audit:
    """The audit of a review's rules: per criterion, and the records sent back to screening."""

    criteria: list[CriterionAudit]
    reinstated: set[str] = field(default_factory=set)
    """Records a human found wrongly excluded (or disputed): they go back to screening."""
    conflicts: int = 0
    warnings: list[str] = field(default_factory=list)
    sample: Sample | None = None
    """The sample the audit measured."""

    def as_json(self) -> dict:
        """The audit for ``--json``: totals, the flow's line, each criterion."""
        return {**self.counts(), "line": self.line(), "criteria": [c.as_json() for c in self.criteria]}

    def counts(self) -> dict[str, int]:
        """Totals over the criteria, as ``flow --check`` compares them."""
        return {name: sum(c.counts()[name] for c in self.criteria)
                for name in ("sampled", "checked", "wrongly_excluded")}

    def line(self) -> str:
        """The one line under the automation box: 'Rules audited: n = 60 sampled, 0 wrongly
        excluded, upper 95 % bound 6.0 %' (the widest bound of a criterion whose records were
        sampled; a criterion whose every record was checked has a count, not a bound)."""
        totals = self.counts()
        estimated = [c for c in self.criteria if c.checked and not c.census]
        bound = f", upper 95 % bound {_percent(max(c.high for c in estimated))}" if estimated else ""
        if self.criteria and all(c.census for c in self.criteria):
            bound = " (every record the rules excluded was checked)"
        waiting = f" ({totals['sampled'] - totals['checked']:,} not checked yet)" if totals["checked"] < totals["sampled"] else ""
        return (f"Rules audited: n = {totals['sampled']:,} sampled{waiting}, {totals['wrongly_excluded']:,} wrongly "
                f"excluded{bound}")


def audit(sample: Sample, decisions: list[Decision], rules: SettlementRules, *, excluded: Mapping[str, list[str]],
          labels: Mapping[str, str], protocol_sha256: str | None) -> Audit:
    """Settle the audit decisions on the sample and measure each criterion.

    ``excluded`` is what each criterion excludes now (``first_exclusions``); ``labels`` the
    protocol's criterion labels. A decision on a record outside the sample is refused with
    its file and line.
    """
    sampled = sample.keys
    ours = [d for d in decisions if d.stage == RULES_AUDIT]
    for decision in ours:
        if decision.record not in sampled:
            raise DecisionError(f"{decision.key!r} is not in the rules audit's sample ({SAMPLE_FILE}): only sampled "
                                "records are audited", path=decision.file, line=decision.line, field="key")
    settlement = settle(ours, RULES_AUDIT, rules)
    disputed = {conflict.record for conflict in settlement.conflicts}
    wrongly = {key for key, settled in settlement.settled.items() if settled.decision == WRONGLY_EXCLUDED}
    results = []
    for criterion in dict.fromkeys(r.criterion for r in sample.records):
        keys = [r.key for r in sample.records if r.criterion == criterion]
        checked = [key for key in keys if key in settlement.settled]
        wrong = sum(key in wrongly for key in checked)
        low, high = clopper_pearson(wrong, len(checked)) if checked else (None, None)
        results.append(CriterionAudit(criterion, labels.get(criterion, criterion), len(excluded.get(criterion, [])),
                                      len(keys), len(checked), wrong, low, high))
    warnings = []
    if protocol_sha256 is not None and sample.protocol_sha256 and sample.protocol_sha256 != protocol_sha256:
        warnings.append("the protocol changed since the rules audit's sample was drawn: the audit measures the "
                        "rules as they were (draw a new sample to audit the new rules)")
    changed = [c.label for c in results if c.excluded != sample.excluded.get(c.criterion, c.excluded)]
    if changed and not warnings:
        warnings.append(f"the records excluded by {', '.join(changed)} changed since the rules audit's sample was "
                        "drawn: the audit measures the records as they were")
    if disputed:
        warnings.append(f"{len(disputed):,} audited record(s) have conflicting audit decisions: they go back to "
                        "screening and count as not checked until a resolver decides them")
    return Audit(results, wrongly | disputed, len(disputed), warnings, sample)


@dataclass(frozen=True)
class _Inputs:
    """What an audit is measured from besides the decisions, read once."""

    sample: Sample
    excluded: dict[str, list[str]]
    labels: dict[str, str]
    protocol_sha256: str | None


def _inputs(review: Review, workspace, primary_of: Mapping[str, str]) -> _Inputs | None:
    sample = read_sample(review, primary_of)
    if sample is None:
        return None
    labels: dict[str, str] = {}
    sha = None
    if review.protocol_path.is_file():
        from ..rules.protocol import load_protocol

        protocol = load_protocol(review.protocol_path)
        labels = {c.id: c.label for c in protocol.criteria}
        sha = hashlib.sha256(review.protocol_path.read_bytes()).hexdigest()
    return _Inputs(sample, first_exclusions(workspace), labels, sha)


def _measured(inputs: _Inputs, decisions: list[Decision], rules: SettlementRules, primary_of: Mapping[str, str],
              leave_out: frozenset[str] = frozenset()) -> Audit | None:
    """The audit of ``inputs``, less the records ``leave_out`` (None when none of the others
    was sampled)."""
    sample, excluded = inputs.sample, inputs.excluded
    if leave_out:
        def ours(key: str) -> bool:
            return key not in leave_out and primary_of.get(key, key) not in leave_out

        records = [record for record in sample.records if ours(record.key)]
        if not records:
            return None
        sample = replace(sample, records=records)
        decisions = [d for d in decisions if ours(d.key)]
        excluded = {criterion: [key for key in keys if ours(key)] for criterion, keys in excluded.items()}
    return audit(sample, decisions, rules, excluded=excluded, labels=inputs.labels,
                 protocol_sha256=inputs.protocol_sha256)


def review_audit(review: Review, workspace, decisions: list[Decision], rules: SettlementRules,
                 primary_of: Mapping[str, str]) -> Audit | None:
    """The audit of a review's rules as its files hold it (None when no sample was drawn)."""
    inputs = _inputs(review, workspace, primary_of)
    return None if inputs is None else _measured(inputs, decisions, rules, primary_of)


def rule_exclusions(review: Review, workspace, log, *,
                    earlier: frozenset[str] = frozenset()) -> tuple[dict[str, str], Audit | None]:
    """Primary record → label of the rule that excluded it, less the records the audit sent
    back to screening; and the audit (None when no sample was drawn). ``log`` is the
    review's ``DecisionLog``; ``earlier``, an updated review's records of its earlier
    version: the audit returned is then this version's (None when it has none), while a
    record the earlier audit sent back to screening stays there."""
    excluded = workspace.rule_exclusions()
    inputs = _inputs(review, workspace, log.primary_of)
    if inputs is None:
        return excluded, None
    found = _measured(inputs, log.decisions, log.rules, log.primary_of)
    kept = {key: label for key, label in excluded.items() if key not in found.reinstated}
    if earlier:
        found = _measured(inputs, log.decisions, log.rules, log.primary_of, earlier)
    return kept, found
