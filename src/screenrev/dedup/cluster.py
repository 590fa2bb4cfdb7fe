"""Duplicate matching: which imported records are the same bibliographic record.

A pure function over canonical records. Candidate pairs come from several blocking passes
(never all pairs); each pair is compared field by field into "same", "different" or
"unsure"; records are clustered so that no cluster holds two records the matcher or a
human called different. A false merge silently loses a study, a missed duplicate costs a
screener a minute: when in doubt the verdict is "unsure" (the review queue), never "same".

Hard cases, decided (each tested in tests/dedup/test_dedup.py, test_locators.py, test_merges.py or
test_trials.py):

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
- Trial registry records sharing a registration number (NCT, EudraCT, EU CT, ISRCTN, ACTRN, ChiCTR,
  DRKS, CTRI, JPRN, …: each register's pattern, in the record's own id or its secondary ids, folded to
  one spelling): same, whatever titles (brief vs scientific), years (each register's registration
  date) or sponsors say; a EudraCT trial's member-state records ("EUCTR…-ES", "-SE") are one trial.
  Two records whose own numbers come from one register and differ, sharing none: different, even
  with equal titles (a sponsor's sister trials). A sponsor's protocol code identifies nothing. A
  journal article citing the number is another report of the trial (``screenrev study link``), not a
  duplicate: left to the other rules.
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
- Records identical in every field, from any database (an export downloaded twice, one record
  exported by several databases): settled as one group without pairwise matching, if the matcher
  calls a copy from another database the same (or, within one database, the first two, which
  share an accession number the other database's copy does not); each copy keeps its row and
  database, and joins the cluster of the first. Records named in a human decision are exempt.
- A merge through a third record (A~C, B~C, A≠B): each cluster carries the records it cannot
  link with (a pair found different, cautioned about, or decided different), checked at every
  merge, so a verdict between any member of one cluster and any member of the other keeps
  them apart; a merge also compares the clusters' representatives (their four most complete
  members: every member of a small cluster) where no pair had. A pair never compared has no verdict.
- Human decisions override the matcher both ways; "different" beats "same"; a pair decided both ways: different.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..records.record import FIELDS
from .blocking import candidate_pairs
from .compare import CAUTIONS, DIFFERENT, SAME, UNSURE, Comparison, compare_records
from .prepare import Prepared

__all__ = ["DedupResult", "Pair", "PairDecision", "deduplicate"]

#: How many members represent a cluster when it merges: each pair across two clusters'
#: representatives is compared, so a cluster of up to this many records is checked member by
#: member, and a larger one (many versions of one record) costs no more.
REPRESENTATIVES = 4


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
    # Records identical in every field (an export downloaded twice, a search re-run, one
    # record as several databases export it) are settled as one group: only the first takes
    # part in matching, so a thousand copies cost a comparison or two, not half a million.
    # Each copy keeps its row and joins the cluster of the first. Records a human decided on
    # keep their own say.
    named = {key for decision in decisions for key in (decision.key_a, decision.key_b)}
    groups: dict[tuple, list[dict]] = {}
    for record in ordered:
        content = ("key", record["key"]) if record["key"] in named else _content(record)
        groups.setdefault(content, []).append(record)
    representatives: list[Prepared] = []
    copies: dict[str, str] = {}
    checked = 0
    for members in groups.values():
        first = Prepared(0, members[0])
        if len(members) == 1:
            representatives.append(first)
            continue
        settled, comparisons = _settle(first, members)
        checked += comparisons
        for representative, rest in settled:
            representatives.append(representative)
            copies.update((key, representative.key) for key in rest)
    del groups
    result = _cluster(representatives, decisions)
    for copy, original in copies.items():
        result.cluster[copy] = result.cluster[original]
        result.evidence[copy] = f"identical to {original} in every field"
    result.pairs_compared += checked
    return result


def _content(record: dict) -> tuple:
    """Every field of a record (not its database), hashable."""
    return tuple(tuple(value) if isinstance(value, list) else value for value in map(record.get, FIELDS))


def _settle(first: Prepared, identical: list[dict]) -> tuple[list[tuple[Prepared, list[str]]], int]:
    """Records identical in every field, in key order (``first`` the first one prepared),
    settled without pairwise matching: each representative with the keys of the copies that
    join it, and the comparisons made.

    The copies are one record when the matcher calls two of them the same. An accession
    number counts only within its database, so a copy from another database is the pair
    the matcher is least sure of: when it is the same, every copy is; when not, the
    copies of each database are settled on their own.
    """
    comparisons = 0
    other = next((record for record in identical if (record.get("database") or "") != first.database), None)
    if other is not None:
        comparisons += 1
        if compare_records(first, first.copy_for(other)).verdict == SAME:
            return [(first, [record["key"] for record in identical[1:]])], comparisons
    by_database: dict[str, list[Prepared]] = {}
    for record in identical:
        prepared = first if record is identical[0] else first.copy_for(record)
        by_database.setdefault(prepared.database, []).append(prepared)
    settled: list[tuple[Prepared, list[str]]] = []
    for records in by_database.values():
        if len(records) > 1:
            comparisons += 1
            if compare_records(records[0], records[1]).verdict == SAME:
                settled.append((records[0], [record.key for record in records[1:]]))
                continue
        settled.extend((record, []) for record in records)
    return settled, comparisons


def _cluster(prepared: list[Prepared], decisions: list[PairDecision]) -> DedupResult:
    """Cluster records (numbered in key order inside): every candidate pair compared once, then
    the "same" pairs merged surest first, each merge checked against what keeps records apart."""
    prepared = sorted(prepared, key=lambda record: record.key)
    for index, record in enumerate(prepared):
        record.index = index
    keys = [record.key for record in prepared]
    position = {key: index for index, key in enumerate(keys)}

    human_same: set[tuple[int, int]] = set()
    human_different: set[tuple[int, int]] = set()
    for decision in decisions:
        i, j = position.get(decision.key_a), position.get(decision.key_b)
        if i is None or j is None or i == j:
            continue
        (human_same if decision.same else human_different).add(_ordered(i, j))
    human_same -= human_different  # decided both ways: the safe side

    verdicts = _Verdicts(prepared, watched=human_same | human_different)
    compared, size = verdicts.compared, len(prepared)
    for i, j in candidate_pairs(prepared):  # smaller index first
        if i * size + j not in compared:  # blocking passes overlap
            verdicts.compare(i, j)
    clusters = _Clusters(prepared, verdicts, human_same, human_different)
    blocked: dict[tuple[int, int], tuple[str, float | None]] = {}

    def merge_all(pairs: Iterable[tuple[int, int, float | None]], human_only: bool, said: str) -> None:
        for i, j, score in pairs:
            conflict = clusters.join(i, j, human_only=human_only)
            if conflict:
                blocked[(i, j)] = (f"{said}, but that would join {conflict}", score)

    # Human "same" decisions first: they override the matcher, but never a human "different".
    merge_all(((i, j, None) for i, j in sorted(human_same)), human_only=True, said="decided same")
    # Then the matcher's "same" pairs, surest first; two clusters merge only when no pair
    # across them is known to differ, so A~B and B~C never join A≠C.
    merge_all(verdicts.edges(human_different), human_only=False, said="same")
    return _result(prepared, keys, clusters, verdicts, human_same | human_different, blocked)


class _Verdicts:
    """What is kept of the comparisons once their verdicts are used.

    Which pairs were compared; the "same" pairs by score (the edges to merge); the pairs
    found different, or unsure for a reason that keeps them apart (a preprint and its
    journal version); the unsure pairs (for the review queue); each record's surest "same"
    pair with its evidence; and the verdicts on the pairs a human decided. Evidence is kept
    for nothing else: the queue's few pairs are compared again when it is written.
    """

    def __init__(self, prepared: list[Prepared], watched: set[tuple[int, int]]) -> None:
        self.prepared = prepared
        self.size = len(prepared)
        self.compared: set[int] = set()
        """Pairs compared, as codes (``i * size + j``, i < j)."""
        self.same: dict[float, array] = {}
        """Score → codes of the pairs found the same before merging: the edges."""
        self.found_merging: list[tuple[float, int]] = []
        """(score, code) of "same" pairs found while merging: reasons, not edges."""
        self.apart = array("q")
        """Codes of pairs that may never share a cluster."""
        self.unsure: list[tuple[float, int]] = []
        """(score, code) of the unsure pairs."""
        self.surest: list[tuple[float, int, str] | None] = [None] * self.size
        """Each record's surest "same" pair: score, the other record, the evidence as a line."""
        self.watched: dict[int, str | None] = {self.code(i, j): None for i, j in watched}

    def code(self, i: int, j: int) -> int:
        return i * self.size + j if i < j else j * self.size + i

    def pair(self, code: int) -> tuple[int, int]:
        return divmod(code, self.size)

    def compare(self, i: int, j: int, *, merging: bool = False) -> Comparison | None:
        """Compare a pair not compared before and note its verdict; None if it was."""
        code = self.code(i, j)
        if code in self.compared:
            return None
        self.compared.add(code)
        if i > j:
            i, j = j, i
        result = compare_records(self.prepared[i], self.prepared[j])
        verdict = result.verdict
        if code in self.watched:
            self.watched[code] = verdict
        if verdict == SAME:
            if merging:
                self.found_merging.append((result.score, code))
            else:
                edges = self.same.get(result.score)
                if edges is None:
                    edges = self.same[result.score] = array("q")
                edges.append(code)
            self._note_surest(i, j, result)
            return result
        if _keeps_apart(result):
            self.apart.append(code)
        if verdict == UNSURE:
            self.unsure.append((result.score, code))
        return result

    def _note_surest(self, i: int, j: int, result: Comparison) -> None:
        line = None
        for one, other in ((i, j), (j, i)):
            known = self.surest[one]
            if known is None or (-result.score, other) < (-known[0], known[1]):
                if line is None:
                    line = _evidence_line(result)
                self.surest[one] = (result.score, other, line)

    def edges(self, left_out: set[tuple[int, int]]) -> Iterator[tuple[int, int, float]]:
        """The "same" pairs surest first, ties in index order: (i, j, score)."""
        for score in sorted(self.same, reverse=True):
            for code in sorted(self.same[score]):
                pair = self.pair(code)
                if pair not in left_out:
                    yield pair[0], pair[1], score

    def all_same(self) -> Iterator[tuple[float, int, int]]:
        """Every pair found the same: (score, i, j)."""
        for score, codes in self.same.items():
            for code in codes:
                yield (score, *self.pair(code))
        for score, code in self.found_merging:
            yield (score, *self.pair(code))

    def again(self, i: int, j: int) -> Comparison:
        """A pair compared again, for its evidence (``i < j``)."""
        return compare_records(self.prepared[i], self.prepared[j])


class _Clusters:
    """Disjoint clusters of record indexes, and what keeps records apart.

    "Cannot link": each cluster holds the set of records that no member may share a
    cluster with (a pair found different, cautioned about or decided different), and a
    merge checks the two clusters against each other's set, so a verdict between any
    member of one and any member of the other keeps them apart without comparing all
    member pairs. A merge also compares the two clusters' representatives (their
    ``REPRESENTATIVES`` most complete members, so every member of a small cluster) pair by
    pair where no pair had compared them. A pair never compared has no verdict.
    """

    def __init__(self, prepared: list[Prepared], verdicts: _Verdicts, human_same: set[tuple[int, int]],
                 human_different: set[tuple[int, int]]) -> None:
        size = len(prepared)
        self.prepared = prepared
        self.keys = [record.key for record in prepared]
        self.verdicts = verdicts
        self.human_same = human_same
        self.human_different = human_different
        self.owner = list(range(size))
        self.members: dict[int, list[int]] = {i: [i] for i in range(size)}
        self.rank = [(tuple(-value for value in record.completeness), record.key) for record in prepared]
        self.representatives: dict[int, list[int]] = {}
        """Each cluster's most complete members, most complete first (the first is its primary
        record), when it has more than one member."""
        # Records apart: per record (to say which pair keeps two clusters apart) and per
        # cluster (to find out whether one does); the decided ones also on their own.
        self.apart_of: dict[int, set[int]] = {}
        self.decided_apart_of: dict[int, set[int]] = {}
        self.apart: dict[int, set[int]] = {}
        self.decided_apart: dict[int, set[int]] = {}
        # Only pairs that "same" pairs or decisions could bring together are kept apart.
        group = list(range(size))

        def find(i: int) -> int:
            while group[i] != i:
                group[i] = group[group[i]]
                i = group[i]
            return i

        for _, i, j in verdicts.all_same():
            group[find(i)] = find(j)
        for i, j in human_same:
            group[find(i)] = find(j)
        for code in verdicts.apart:
            i, j = verdicts.pair(code)
            if find(i) == find(j) and (i, j) not in human_same:
                self._keep_apart(i, j, decided=False)
        for i, j in sorted(human_different):
            self._keep_apart(i, j, decided=True)

    def _keep_apart(self, i: int, j: int, *, decided: bool) -> None:
        for per_record, per_cluster in ((self.apart_of, self.apart),) + (
            ((self.decided_apart_of, self.decided_apart),) if decided else ()
        ):
            for one, other in ((i, j), (j, i)):
                per_record.setdefault(one, set()).add(other)
                per_cluster.setdefault(self.owner[one], set()).add(other)

    def join(self, i: int, j: int, *, human_only: bool) -> str | None:
        """Merge the clusters of i and j; what keeps them apart instead, or None."""
        x, y = self.owner[i], self.owner[j]
        if x == y:
            return None
        if self._apart(x, y, self.decided_apart if human_only else self.apart):
            return self._why(x, y, human_only)
        if not human_only:
            for a in self.representatives.get(x, (x,)):
                for b in self.representatives.get(y, (y,)):
                    if _ordered(a, b) in self.human_same:
                        continue
                    result = self.verdicts.compare(a, b, merging=True)
                    if result is not None and _keeps_apart(result):
                        self._keep_apart(a, b, decided=False)
                        return self._why(x, y, human_only)
        self._merge(x, y)
        return None

    def primary(self, x: int) -> int:
        """The most complete member of cluster x (then the smallest key)."""
        return self.representatives[x][0] if x in self.representatives else x

    def _apart(self, x: int, y: int, apart: dict[int, set[int]]) -> bool:
        """Whether cluster x holds a record apart from a member of cluster y."""
        kept = apart.get(x)
        if not kept:
            return False
        members = self.members[y]
        if len(kept) <= len(members):
            owner = self.owner
            return any(owner[k] == y for k in kept)
        return not kept.isdisjoint(members)

    def _why(self, x: int, y: int, human_only: bool) -> str:
        """The first pair across clusters x and y (in member order) kept apart, said."""
        keys = self.keys
        order = {k: number for number, k in enumerate(self.members[y])}
        per_record = self.decided_apart_of if human_only else self.apart_of
        for i in self.members[x]:
            across = [k for k in per_record.get(i, ()) if k in order]
            if not across:
                continue
            j = min(across, key=order.__getitem__)
            a, b = _ordered(i, j)
            if (a, b) in self.human_different:
                return f"{keys[a]} and {keys[b]} were decided different"
            result = self.verdicts.again(a, b)
            if result.verdict == DIFFERENT:
                return f"{keys[a]} and {keys[b]} differ ({result.reason})"
            return f"{keys[a]} and {keys[b]} need a human ({result.reason})"
        raise AssertionError("clusters kept apart without a pair")

    def _merge(self, x: int, y: int) -> None:
        if len(self.members[x]) < len(self.members[y]):
            x, y = y, x
        for i in self.members[y]:
            self.owner[i] = x
        self.members[x].extend(self.members.pop(y))
        for apart in (self.apart, self.decided_apart):
            taken = apart.pop(y, None)
            if taken:
                kept = apart.get(x)
                if kept is None or len(kept) < len(taken):
                    kept, taken = taken, kept or set()
                kept |= taken
                apart[x] = kept
        joined = self.representatives.get(x, [x]) + self.representatives.pop(y, [y])
        joined.sort(key=self.rank.__getitem__)
        self.representatives[x] = joined[:REPRESENTATIVES]


def _result(prepared: list[Prepared], keys: list[str], clusters: _Clusters, verdicts: _Verdicts,
            decided: set[tuple[int, int]], blocked: dict[tuple[int, int], tuple[str, float | None]]) -> DedupResult:
    owner = clusters.owner
    cluster: dict[str, str] = {}
    primary: set[str] = set()
    evidence: dict[str, str] = {}

    # A pair decided same that the matcher did not call the same is the reason its records
    # joined; the first such partner in the cluster's member order is named.
    decided_partners: dict[int, list[int]] = {}
    for i, j in decided:
        if owner[i] == owner[j] and verdicts.watched[verdicts.code(i, j)] != SAME:
            decided_partners.setdefault(i, []).append(j)
            decided_partners.setdefault(j, []).append(i)
    unexplained: list[int] = []
    for x, indexes in clusters.members.items():
        # the most complete record: abstract, DOI, most filled fields; then the smallest key
        best = clusters.primary(x)
        primary.add(keys[best])
        placed = {i: number for number, i in enumerate(indexes)} if decided_partners else {}
        for i in indexes:
            cluster[keys[i]] = keys[best]
            if i == best:
                continue
            partners = decided_partners.get(i)
            surest = verdicts.surest[i]
            if partners:
                j = min(partners, key=placed.__getitem__)
                evidence[keys[i]] = f"decided same as {keys[j]} in the review queue"
            elif surest is not None and owner[surest[1]] == x:
                evidence[keys[i]] = f"same as {keys[surest[1]]}: {surest[2]}"
            else:
                unexplained.append(i)
    if unexplained:
        # the surest "same" pair of the record lies outside its cluster: the surest inside
        wanted = set(unexplained)
        inside: dict[int, tuple[float, int]] = {}
        for score, i, j in verdicts.all_same():
            if owner[i] != owner[j]:
                continue
            for one, other in ((i, j), (j, i)):
                if one in wanted and (one not in inside or (-score, other) < inside[one]):
                    inside[one] = (-score, other)
        for i in unexplained:
            if i not in inside:
                evidence[keys[i]] = "joined through other members of its cluster"
                continue
            j = inside[i][1]
            line = _evidence_line(verdicts.again(*_ordered(i, j)))
            evidence[keys[i]] = f"same as {keys[j]}: {line}"

    # One pair per two clusters goes to the review queue (the likeliest), and none where a
    # human has already decided between the two clusters.
    decided_clusters = {_ordered(owner[i], owner[j]) for i, j in decided}
    likeliest: dict[tuple[int, int], tuple[float, int, int]] = {}

    def offer(score: float, i: int, j: int) -> None:
        if owner[i] == owner[j]:
            return
        between = _ordered(owner[i], owner[j])
        if between in decided_clusters:
            return
        candidate = (-score, i, j)
        if between not in likeliest or candidate < likeliest[between]:
            likeliest[between] = candidate

    for score, code in verdicts.unsure:
        offer(score, *verdicts.pair(code))
    for (i, j), (_, score) in blocked.items():
        if score is not None:  # a "same" pair the matcher found (decided pairs are never offered)
            offer(score, i, j)
    queue: list[tuple[int, int, float, dict[str, str]]] = []
    for negative, i, j in likeliest.values():
        details = dict(verdicts.again(i, j).evidence)
        if (i, j) in blocked:
            details["cluster"] = blocked[(i, j)][0]
        queue.append((i, j, -negative, details))
    for (i, j), (reason, _) in blocked.items():
        if (i, j) in decided and owner[i] != owner[j]:
            result = verdicts.again(i, j) if verdicts.code(i, j) in verdicts.compared else None
            details = dict(result.evidence) if result else {}
            details["decision"] = reason
            queue.append((i, j, result.score if result else 0.0, details))
    unsure = [Pair(keys[i], keys[j], UNSURE, score, details) for i, j, score, details in queue]
    unsure.sort(key=lambda pair: (pair.key_a, pair.key_b))
    return DedupResult(cluster=cluster, primary=primary, evidence=evidence, unsure=unsure,
                       pairs_compared=len(verdicts.compared))


def _keeps_apart(result: Comparison) -> bool:
    """Whether a verdict keeps two records from ever sharing a cluster: different, or unsure
    for a reason no third record settles (a preprint and its journal version, say)."""
    return result.verdict == DIFFERENT or (result.verdict == UNSURE and result.reason in CAUTIONS)


def _ordered(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def _evidence_line(result: Comparison) -> str:
    """A comparison's evidence on one line: ``title equal; doi equal 10.1/x; …``."""
    return "; ".join(f"{name} {text}" for name, text in result.evidence.items())
