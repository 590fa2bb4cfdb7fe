"""Duplicate matching: which imported records are the same bibliographic record.

A pure function over canonical records. Candidate pairs come from several blocking passes
(never all pairs); each pair is compared field by field into "same", "different" or
"unsure"; records are clustered so that no cluster holds two records the matcher or a
human called different. A false merge silently loses a study, a missed duplicate costs a
screener a minute: when in doubt the verdict is "unsure" (the review queue), never "same".

Hard cases, decided (each tested in tests/dedup/test_dedup.py or tests/dedup/test_locators.py):

- Errata, corrections, retraction notices vs their article: different — a notice is its own record.
- "Erratum to: X", "X (vol 85, pg 553, 2010)", "X (J Name (2009) 360 (542-4))", "X (J Name (2014)
  9, 4 (e94700) DOI: 10.…)": all notices of X.
- A notice's label is set aside: two copies of one notice compare as X vs X.
- Medline "[Erratum appears in …]", "[Comment in …]" on an article: removed; the article stays an article.
- Comment, reply or letter on an article ("Comment on X", "X - Reply") vs the article: different.
- Conference abstract vs journal article: different — another report of the study (Rathbone et al. 2015).
- Meeting abstract vs the journal's printing of it (same volume+page, supplement, same journal+year): same.
- Protocol vs results paper: different ("study protocol", "protocol for a…", "rationale and design").
- Updated Cochrane review with the same title: different when year or DOI differs (no ±1 year for Cochrane).
- Multi-part papers (Part 1/2, I/II, Phase I/II, numbers differing in the titles): different.
- A part or a number in one title only: unsure at most.
- Translations: "[English title]", "Original [English title]" match on either form; same article, one record.
- Two translations of one foreign title (>= 0.75 alike): same only at equal journal, volume, page, year, authors.
- Preprint vs published version: never merged by the matcher, unsure at most — results may differ.
- Equal DOI (or accession in one database), titles >= 0.95 alike: same, whatever volume/pages/year say.
- Equal identifier, dissimilar titles (< 0.7): unsure — identifiers get copied onto wrong records.
- CENTRAL record numbers written as DOIs ("10.1002/central/cn-…"): ignored, they are not article DOIs.
- Conflicting DOIs: different; unsure if title, journal, volume and first page all agree (a re-issued DOI).
- Legacy and current DOI of one article (a journal moved publisher or changed ISSN, its back issues
  registered again): two DOIs do not keep apart records whose equal distinctive title, journal,
  volume and first page (or article number), year and authors (>= 0.8, first author equal) agree,
  and whose long abstracts, if any, are alike; never for Cochrane reviews (another DOI, another version).
- One DOI written many ways: "doi:", resolver links, percent escapes ("%28" is "("), the registrant's
  legacy double slash ("10.1037//0022-…"), a landing page's tail ("/abstract", "/full", "/pdf",
  "/epdf", "/asset/….pdf?v=…", queries), case: compared as one spelling. A SICI DOI cut at its "<"
  ("10.1892/0891-6640(2003)017") names a volume, not an article: no DOI.
- Conflicting volume or first page: different (overlapping ranges, equal last pages, e-locators: no conflict).
- Years two or more apart: different; one apart (online first): same only with an agreeing locator.
- Short or generic titles ("Aripiprazole"): same only with locator and journal, or the same long abstract.
- Recurring columns ("Editor's comments", "In this issue", "Reviewer acknowledgement", "Book reviews",
  "Index", "Obituary", society news, meeting reports…): the title names no item, its place does. Another
  issue, first page or month is a different record; same only at the same volume and first page or
  issue, in the same journal — a volume alone, or a locator one record lacks, is no agreement.
- Another issue of the same volume (or another month of the same year), for any title: the volume no
  longer counts as agreeing, unless the first pages agree (pages run through a volume; the issue is
  the field databases fill least reliably). Issue numbers above 100 are not compared: a whole run's
  serial number (The Lancet's 9135) or a reference manager's record number, not an issue. Months
  are read from the issue ("Aug", "May-Jun"): the canonical record keeps the year only.
- Different numbered supplements of one volume ("Suppl 1" vs "Suppl 2"): different — each is a
  publication of its own with its own pages. "Suppl. 1", "SUPPL 1", "Supplement_1", "S1", and a
  supplement written in the volume ("61 Suppl 1") or in the issue, are one supplement.
- A locator cut apart ("61(10 SUPPL. 1)" exported as volume "1)", or the supplement number taken for
  the volume, "1"): a volume that is the cut tail of the other's volume(issue) is no conflict; the
  same article number or page ("E2048", "A163", "S530") with title, authors, year and journal then merges.
- A word replaced by one that is no typo ("adult"/"adolescent"): unsure at most, unless volume+page agree.
- No title: same only when volume, first page, journal, year and authors all agree.
- Same title at the same volume and first page: same, however the authors are spelled (one name shared).
- Corporate authors ("ALTS Group", "Alexion Pharmaceuticals, Inc") are not compared: spelled too variously.
- Only title, authors and abstract known: same when all three agree (a duplicate publication then merges).
- Records identical in every field, from one database: settled once (if the matcher calls the
  first two the same), without pairwise matching; records named in a human decision are exempt.
- Human decisions override the matcher both ways; "different" beats "same"; a pair decided both ways: different.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..records.record import FIELDS
from .blocking import candidate_pairs
from .compare import CAUTIONS, DIFFERENT, SAME, UNSURE, Comparison, compare_records
from .prepare import Prepared

__all__ = ["DedupResult", "Pair", "PairDecision", "deduplicate"]


@dataclass(frozen=True)
class PairDecision:
    """A human decision from the review queue: whether two records are the same."""

    key_a: str
    key_b: str
    same: bool


@dataclass
class Pair:
    """A candidate pair the matcher looked at."""

    key_a: str
    """The smaller of the two keys."""
    key_b: str
    verdict: str
    """``same``, ``different`` or ``unsure``."""
    score: float
    """How alike the two records are, 0 to 1."""
    evidence: dict[str, str] = field(default_factory=dict)
    """Field → short explanation, e.g. ``{"doi": "equal 10.1/x", "title": "0.97 similar"}``."""


@dataclass
class DedupResult:
    """Clusters of duplicate records and the pairs a human should look at."""

    cluster: dict[str, str]
    """Record key → cluster id (the key of the cluster's primary record), for every record."""
    primary: set[str]
    """Keys of the primary record of each cluster (a singleton is its own primary)."""
    evidence: dict[str, str]
    """Key of each non-primary record → one-line reason it joined its cluster."""
    unsure: list[Pair]
    """Pairs for the human review queue, sorted by (key_a, key_b)."""
    pairs_compared: int
    """How many record pairs the matcher compared."""


def deduplicate(records: list[dict], *, decisions: Iterable[PairDecision] = ()) -> DedupResult:
    """Cluster duplicate records; the result does not depend on the order of ``records``.

    ``records`` are canonical records with a unique ``key`` and a ``database``; nothing is
    printed or written and the records are not changed. ``decisions`` (from the review
    queue) override the matcher; decisions naming a key not in ``records`` are ignored.
    """
    decisions = list(decisions)
    ordered = sorted(records, key=lambda record: record["key"])
    if len({record["key"] for record in ordered}) != len(ordered):
        raise ValueError("record keys are not unique")
    # Records identical in every field (an export downloaded twice, a search re-run) are
    # settled once: only the first takes part in matching, so a thousand copies cost one
    # comparison, not half a million. Records a human decided on keep their own say.
    named = {key for decision in decisions for key in (decision.key_a, decision.key_b)}
    groups: dict[tuple, list[dict]] = {}
    for record in ordered:
        content = ("key", record["key"]) if record["key"] in named else _content(record)
        groups.setdefault(content, []).append(record)
    representatives: list[dict] = []
    copies: dict[str, str] = {}
    checked = 0
    for members in groups.values():
        first = members[0]
        representatives.append(first)
        if len(members) == 1:
            continue
        checked += 1
        if compare_records(Prepared(0, first), Prepared(1, members[1])).verdict == SAME:
            copies.update((member["key"], first["key"]) for member in members[1:])
        else:
            representatives.extend(members[1:])
    result = _cluster(representatives, decisions)
    for copy, original in copies.items():
        result.cluster[copy] = result.cluster[original]
        result.evidence[copy] = f"identical to {original} in every field"
    result.pairs_compared += checked
    return result


def _content(record: dict) -> tuple:
    """Everything the matcher can see of a record, hashable."""
    return (record.get("database") or "",) + tuple(
        tuple(value) if isinstance(value, list) else value for value in map(record.get, FIELDS)
    )


def _cluster(ordered: list[dict], decisions: list[PairDecision]) -> DedupResult:
    """Cluster records (sorted by key inside) by pairwise comparison and complete linkage."""
    ordered = sorted(ordered, key=lambda record: record["key"])
    prepared = [Prepared(index, record) for index, record in enumerate(ordered)]
    keys = [record.key for record in prepared]
    position = {key: index for index, key in enumerate(keys)}

    compared: dict[tuple[int, int], Comparison] = {}

    def compare(i: int, j: int) -> Comparison:
        pair = (i, j) if i < j else (j, i)
        result = compared.get(pair)
        if result is None:
            result = compared[pair] = compare_records(prepared[pair[0]], prepared[pair[1]])
        return result

    for pair in candidate_pairs(prepared):
        if pair not in compared:
            compared[pair] = compare_records(prepared[pair[0]], prepared[pair[1]])

    human_same: set[tuple[int, int]] = set()
    human_different: set[tuple[int, int]] = set()
    for decision in decisions:
        i, j = position.get(decision.key_a), position.get(decision.key_b)
        if i is None or j is None or i == j:
            continue
        pair = (i, j) if i < j else (j, i)
        (human_same if decision.same else human_different).add(pair)
    human_same -= human_different  # decided both ways: the safe side

    clusters = _Clusters(len(prepared))
    blocked: dict[tuple[int, int], str] = {}

    def conflict_between(x: int, y: int, human_only: bool) -> str | None:
        """Why clusters x and y cannot be one: a pair across them decided or found different."""
        for i in clusters.members[x]:
            for j in clusters.members[y]:
                pair = (i, j) if i < j else (j, i)
                if pair in human_different:
                    return f"{keys[pair[0]]} and {keys[pair[1]]} were decided different"
                if not human_only and pair not in human_same:
                    result = compare(i, j)
                    if result.verdict == DIFFERENT:
                        return f"{keys[pair[0]]} and {keys[pair[1]]} differ ({result.reason})"
                    if result.verdict == UNSURE and result.reason in CAUTIONS:
                        # a preprint and its journal version never meet through a third record
                        return f"{keys[pair[0]]} and {keys[pair[1]]} need a human ({result.reason})"
        return None

    def merge_all(pairs: Iterable[tuple[int, int]], human_only: bool, said: str) -> None:
        for i, j in pairs:
            x, y = clusters.owner[i], clusters.owner[j]
            if x != y:
                conflict = conflict_between(x, y, human_only=human_only)
                if conflict:
                    blocked[(i, j)] = f"{said}, but that would join {conflict}"
                else:
                    clusters.merge(x, y)

    # Human "same" decisions first: they override the matcher, but never a human "different".
    merge_all(sorted(human_same), human_only=True, said="decided same")
    # Then the matcher's "same" pairs, surest first; a merge happens only if no pair across
    # the two clusters is different (complete linkage), so A~B and B~C never join A≠C.
    edges = sorted(
        (pair for pair, result in compared.items() if result.verdict == SAME and pair not in human_different),
        key=lambda pair: (-compared[pair].score, pair),
    )
    merge_all(edges, human_only=False, said="same")

    return _result(prepared, keys, clusters, compared, human_same | human_different, blocked)


class _Clusters:
    """Disjoint clusters of record indexes with their member lists."""

    def __init__(self, size: int) -> None:
        self.owner = list(range(size))
        self.members: dict[int, list[int]] = {i: [i] for i in range(size)}

    def merge(self, x: int, y: int) -> None:
        if len(self.members[x]) < len(self.members[y]):
            x, y = y, x
        for i in self.members[y]:
            self.owner[i] = x
        self.members[x].extend(self.members.pop(y))


def _result(prepared: list[Prepared], keys: list[str], clusters: _Clusters,
            compared: dict[tuple[int, int], Comparison], decided: set[tuple[int, int]],
            blocked: dict[tuple[int, int], str]) -> DedupResult:
    owner = clusters.owner
    cluster: dict[str, str] = {}
    primary: set[str] = set()
    evidence: dict[str, str] = {}
    for indexes in clusters.members.values():
        # the most complete record: abstract, DOI, most filled fields; then the smallest key
        best = min(indexes, key=lambda i: (tuple(-value for value in prepared[i].completeness), keys[i]))
        primary.add(keys[best])
        for i in indexes:
            cluster[keys[i]] = keys[best]
            if i != best:
                evidence[keys[i]] = _reason(i, indexes, keys, compared, decided)

    # One pair per two clusters goes to the review queue (the likeliest), and none where a
    # human has already decided between the two clusters.
    decided_clusters = {_ordered(owner[i], owner[j]) for i, j in decided}
    queue: dict[tuple[int, int], tuple[float, int, int, dict[str, str]]] = {}
    for pair, result in compared.items():
        i, j = pair
        if owner[i] == owner[j] or not (result.verdict == UNSURE or pair in blocked):
            continue
        between = _ordered(owner[i], owner[j])
        if between in decided_clusters:
            continue
        details = dict(result.evidence)
        if pair in blocked:
            details["cluster"] = blocked[pair]
        candidate = (-result.score, i, j, details)
        if between not in queue or candidate[:3] < queue[between][:3]:
            queue[between] = candidate
    for pair, reason in blocked.items():
        i, j = pair
        if pair in decided and owner[i] != owner[j]:
            result = compared.get(pair)
            details = dict(result.evidence) if result else {}
            details["decision"] = reason
            queue[(-1 - i, -1 - j)] = (-(result.score if result else 0.0), i, j, details)
    unsure = [Pair(keys[i], keys[j], UNSURE, -negative, details) for negative, i, j, details in queue.values()]
    unsure.sort(key=lambda pair: (pair.key_a, pair.key_b))
    return DedupResult(cluster=cluster, primary=primary, evidence=evidence, unsure=unsure,
                       pairs_compared=len(compared))


def _ordered(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def _reason(i: int, indexes: list[int], keys: list[str], compared: dict[tuple[int, int], Comparison],
            decided: set[tuple[int, int]]) -> str:
    """One line on why record i is in its cluster: its surest "same" pair inside the cluster."""
    best: tuple[float, int] | None = None
    for j in indexes:
        if j == i:
            continue
        pair = _ordered(i, j)
        result = compared.get(pair)
        if pair in decided and (result is None or result.verdict != SAME):
            return f"decided same as {keys[j]} in the review queue"
        if result is not None and result.verdict == SAME and (best is None or (-result.score, j) < best):
            best = (-result.score, j)
    if best is None:
        return "joined through other members of its cluster"
    j = best[1]
    details = "; ".join(f"{name} {text}" for name, text in compared[_ordered(i, j)].evidence.items())
    return f"same as {keys[j]}: {details}"
