"""Clustering at scale: identical records settled as one group, merges checked against what
keeps records apart (never all member pairs), order independence and idempotence.

Every record here is written for the test: an invented trial reported by several databases.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screenrev.dedup import cluster as cluster_module
from screenrev.dedup.cluster import REPRESENTATIVES, PairDecision, deduplicate
from screenrev.dedup.compare import CAUTIONS, DIFFERENT, UNSURE, compare_records
from screenrev.dedup.prepare import Prepared
from screenrev.dedup.stage import overlap

from .test_dedup import groups, messy_records, record, together

TITLE = "Telephone befriending for older adults living alone: a randomised controlled trial"
TRIAL = dict(authors=("Hughes, A", "Patel, R", "Okafor, N"), journal="Age and Ageing", volume="48", pages="12-19")
ABSTRACT = ("Background: loneliness in later life predicts depression and early death. Methods: 412 adults aged "
            "75 and over living alone were randomised to weekly befriending calls or usual care for six months. ")


def versions(count: int, *, prefix: str = "v") -> list[dict]:
    """The trial as ``count`` databases index it: complete (DOI, abstract), each with its own keywords."""
    return [
        record(f"{prefix}{number}", TITLE, year="2019", doi="10.1093/ageing/afy101", abstract=ABSTRACT * 2,
               keywords=[f"indexing term {number}"], database=f"Database {number}", **TRIAL)
        for number in range(count)
    ]


def verdict(a: dict, b: dict) -> str:
    return compare_records(Prepared(0, a), Prepared(1, b)).verdict


# --- a "different" is never overridden through a third record ---------------------------------


def a_year_either_side() -> list[dict]:
    """Six complete versions of the trial (2019), a record a year later and one a year earlier
    (online first and print): each is the same as the versions, but the two are two years apart."""
    return versions(6) + [
        record("year-after", TITLE, year="2020", database="Scopus", **TRIAL),
        record("year-before", TITLE, year="2018", database="CINAHL", **TRIAL),
    ]


def test_a_matcher_different_is_never_overridden_through_a_third_record() -> None:
    records = a_year_either_side()
    by_key = {r["key"]: r for r in records}
    assert verdict(by_key["year-after"], by_key["v0"]) == "same"
    assert verdict(by_key["year-before"], by_key["v0"]) == "same"
    assert verdict(by_key["year-after"], by_key["year-before"]) == DIFFERENT
    # the two are the least complete records, so no merge compares them as representatives:
    # what keeps them apart is the verdict between them, carried by their clusters
    assert REPRESENTATIVES < 6
    result = deduplicate(records)
    assert not together(result, "year-after", "year-before")
    assert together(result, *(f"v{number}" for number in range(6)))
    [blocked] = [pair for pair in result.unsure if "cluster" in pair.evidence]
    assert "year-after and year-before differ (year)" in blocked.evidence["cluster"]


def test_a_human_different_is_never_overridden_through_a_third_record() -> None:
    a = record("a", TITLE, year="2019", database="PubMed", **TRIAL)
    b = record("b", TITLE + ".", year="2019", database="Embase", **TRIAL)
    c = record("c", TITLE, year="2019", abstract=ABSTRACT, database="Scopus", **TRIAL)
    assert verdict(a, c) == verdict(b, c) == verdict(a, b) == "same"
    decisions = [PairDecision("a", "b", same=False)]
    result = deduplicate([a, b, c], decisions=decisions)
    assert not together(result, "a", "b")
    assert together(result, "a", "c") != together(result, "b", "c")
    # the same through a cluster of many versions, whatever merges first
    result = deduplicate([a, b] + versions(6), decisions=decisions)
    assert not together(result, "a", "b")
    assert together(result, *(f"v{number}" for number in range(6)))
    assert together(result, "a", "v0") or together(result, "b", "v0")


def test_a_human_same_is_never_overridden_through_a_third_record_either() -> None:
    records = a_year_either_side()
    result = deduplicate(records, decisions=[PairDecision("year-before", "v3", same=True)])
    assert together(result, "year-before", "v3")
    assert not together(result, "year-after", "year-before")


class _Recorded:
    """The pairs the matcher compares during one run, with their verdicts and reasons."""

    def __init__(self, monkeypatch) -> None:
        self.verdicts: dict[frozenset[str], tuple[str, str]] = {}
        original = cluster_module.compare_records

        def compare(a: Prepared, b: Prepared):
            result = original(a, b)
            self.verdicts[frozenset((a.key, b.key))] = (result.verdict, result.reason)
            return result

        monkeypatch.setattr(cluster_module, "compare_records", compare)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          deadline=None)
@given(messy_records(), st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=3))
def test_no_cluster_holds_a_pair_compared_and_found_different_or_decided_different(
        monkeypatch, records: list[dict], apart: list[tuple[int, int]]) -> None:
    decisions = [PairDecision(f"k{a}", f"k{b}", same=False) for a, b in apart if a != b]
    recorded = _Recorded(monkeypatch)
    result = deduplicate(records, decisions=decisions)
    for pair, (found, reason) in recorded.verdicts.items():
        if len(pair) == 2 and (found == DIFFERENT or (found == UNSURE and reason in CAUTIONS)):
            a, b = pair
            assert result.cluster[a] != result.cluster[b], (a, b, found, reason)
    for decision in decisions:
        if decision.key_a in result.cluster and decision.key_b in result.cluster:
            assert result.cluster[decision.key_a] != result.cluster[decision.key_b]


# --- order independence and idempotence --------------------------------------------------------


def written_records() -> list[dict]:
    """Records for the merge logic: versions of one trial across databases, exact copies across
    databases, records a year either side of them, a record without a title."""
    copies = [record(f"copy-{database}", TITLE, year="2019", database=database, **TRIAL)
              for database in ("PubMed", "Embase", "Scopus")]
    untitled = record("untitled", None, year="2019", database="PsycINFO", **TRIAL)
    return versions(5) + a_year_either_side()[6:] + copies + [untitled]


DECISION_SETS = [
    [],
    [PairDecision("v0", "v1", same=False)],
    [PairDecision("year-after", "year-before", same=True)],
    [PairDecision("copy-Embase", "v2", same=False), PairDecision("untitled", "year-before", same=True)],
]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.permutations(written_records()), st.sampled_from(DECISION_SETS), st.randoms())
def test_clusters_do_not_depend_on_the_order_of_records_or_decisions(
        shuffled: list[dict], decisions: list[PairDecision], random) -> None:
    expected = deduplicate(written_records(), decisions=decisions)
    decisions = list(decisions)
    random.shuffle(decisions)
    assert deduplicate(shuffled, decisions=decisions) == expected


def rerun_is_unchanged(records: list[dict], decisions: list[PairDecision] = ()) -> None:
    first = deduplicate(records, decisions=decisions)
    # the workspace hands records back with the clusters of the last run
    marked = [{**r, "cluster": first.cluster[r["key"]], "primary": r["key"] in first.primary} for r in records]
    assert deduplicate(marked, decisions=decisions) == first
    # a reviewer who confirms every merge changes no cluster
    confirmed = list(decisions) + [PairDecision(key, first.cluster[key], same=True) for key in first.evidence]
    assert deduplicate(records, decisions=confirmed).cluster == first.cluster


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(messy_records())
def test_deduplicating_again_changes_nothing(records: list[dict]) -> None:
    rerun_is_unchanged(records)


def test_deduplicating_the_written_records_again_changes_nothing() -> None:
    for decisions in DECISION_SETS:
        rerun_is_unchanged(written_records(), decisions)


# --- records identical in every field, from any database ---------------------------------------


def test_identical_records_from_several_databases_are_settled_as_one_group_keeping_each_row() -> None:
    copies = [record(f"{database}-{number:03d}", TITLE, year="2019", source_id=f"{number}", database=database,
                     **TRIAL)
              for database in ("PubMed", "Embase", "Scopus") for number in range(300)]
    copies = [{**copy, "source_id": "31234567"} for copy in copies]  # one accession, as exported everywhere
    other = record("other", "Befriending by volunteers for isolated older people: a cohort study", year="2018",
                   database="Embase", authors=("Nolan, B",), journal="Age and Ageing", volume="47", pages="1-9")
    records = copies + [other]
    result = deduplicate(records)
    assert set(result.cluster) == {r["key"] for r in records}
    assert groups(result) == {frozenset(copy["key"] for copy in copies)}
    assert result.primary == {"Embase-000", "other"}  # equally complete: the smallest key
    assert result.evidence["Scopus-299"] == "identical to Embase-000 in every field"
    assert len(result.primary) + len(result.evidence) == len(records)
    assert result.pairs_compared <= 3
    # every copy keeps its database: each found the trial, none alone
    found = overlap(result, {r["key"]: r for r in records})
    assert found.found == {"Embase": 2, "PubMed": 1, "Scopus": 1}
    assert found.unique == {"Embase": 1, "PubMed": 0, "Scopus": 0}
    assert found.shared["PubMed"]["Scopus"] == 1


def test_a_more_complete_version_stays_the_primary_of_identical_copies() -> None:
    copies = [record(f"copy-{database}", TITLE, year="2019", database=database, **TRIAL)
              for database in ("PubMed", "Embase")]
    result = deduplicate(copies + versions(1, prefix="with-abstract-"))
    assert result.primary == {"with-abstract-0"}
    assert groups(result) == {frozenset({"copy-PubMed", "copy-Embase", "with-abstract-0"})}


def test_identical_records_the_matcher_is_unsure_about_are_not_settled_across_databases() -> None:
    editorial = dict(authors=("Smith, J",), year="2010", journal="BMJ", source_id="555")
    records = [
        record("pubmed-1", "Editorial", database="PubMed", **editorial),
        record("pubmed-2", "Editorial", database="PubMed", **editorial),
        record("embase", "Editorial", database="Embase", **editorial),
    ]
    result = deduplicate(records)
    # one accession number in one database is one record; in another database it says nothing
    assert groups(result) == {frozenset({"pubmed-1", "pubmed-2"})}
    assert result.evidence["pubmed-2"] == "identical to pubmed-1 in every field"
    assert [(pair.key_a, pair.key_b) for pair in result.unsure] == [("embase", "pubmed-1")]
