"""Duplicate matching where the place of an item decides: recurring columns, issues and
months, supplement locators cut apart, and DOIs written in many forms.

Every record here is written for the test.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screenrev.dedup.cluster import deduplicate
from screenrev.dedup.compare import DIFFERENT, SAME, UNSURE, compare_records
from screenrev.dedup.prepare import Prepared, doi_key

from .test_dedup import groups, record, together


def verdict(a: dict, b: dict) -> str:
    return compare_records(Prepared(0, a), Prepared(1, b)).verdict


# --- recurring columns ----------------------------------------------------------------------

COLUMN = dict(authors=("Okafor, Adaeze",), year="2016", journal="Journal of Rural Nursing Practice", volume="34")


def test_a_recurring_column_in_four_issues_of_one_volume_is_four_records() -> None:
    records = [record(f"issue{n}", "Editor's Comments", issue=str(n), **COLUMN) for n in (1, 2, 3, 4)]
    result = deduplicate(records)
    assert groups(result) == set()
    assert result.unsure == []  # different issues: nothing for a human to look at
    assert compare_records(Prepared(0, records[0]), Prepared(1, records[1])).rule == "conflict: issue"


@pytest.mark.parametrize("title", [
    "Editor's Comments", "Remarks from the Editor", "Letter from the editor", "In this issue",
    "Reviewer acknowledgement", "Acknowledgement to reviewers of the Journal of Rural Nursing Practice in 2016",
    "Corrigendum", "Book reviews", "Index", "Contents", "Introduction", "Preface", "Obituary", "Society news",
    "Meeting report",
])
def test_a_recurring_title_is_told_apart_by_issue_page_or_month(title: str) -> None:
    base = record("base", title, issue="3", pages="201", **COLUMN)
    assert verdict(base, record("other-issue", title, issue="4", pages="201", **COLUMN)) == DIFFERENT
    assert verdict(base, record("other-page", title, issue="3", pages="215", **COLUMN)) == DIFFERENT
    month = {**COLUMN, "volume": None}
    assert verdict(record("june", title, issue="Jun", **month), record("july", title, issue="Jul", **month)) == DIFFERENT


@pytest.mark.parametrize("title", ["Editor's Comments", "In this issue", "Book reviews"])
def test_missing_locators_are_no_agreement_for_a_recurring_title(title: str) -> None:
    volume_only = record("volume-only", title, **COLUMN)
    with_issue = record("with-issue", title, issue="3", **COLUMN)
    assert verdict(volume_only, record("volume-only-too", title, **COLUMN)) == UNSURE
    assert verdict(volume_only, with_issue) == UNSURE  # one record lacks the issue
    # the same issue from two databases: its place is known, so it is one record
    assert verdict(with_issue, record("same-issue", title, issue="3", database="Embase", **COLUMN)) == SAME
    assert verdict(record("p", title, pages="201", **COLUMN), record("q", title, pages="201-202", **COLUMN)) == SAME


def test_a_recurring_column_on_page_one_of_each_issue_is_one_record_per_issue() -> None:
    # journals that number pages anew in each issue: the first page places nothing
    records = [record(f"issue{n}", "Letter from the editor", issue=str(n), pages="1", **COLUMN) for n in (1, 2)]
    assert not together(deduplicate(records), "issue1", "issue2")


# --- issues and months for any title --------------------------------------------------------

STUDY = ("Community paramedics and unplanned hospital admissions of older people living alone: "
         "a stepped-wedge cluster trial")


def test_another_issue_of_one_volume_is_no_agreement_on_the_volume() -> None:
    # nothing but the volume supported the match: in another issue it supports nothing
    bare = dict(year="2018", volume="12")
    assert verdict(record("a", STUDY, issue="3", **bare), record("b", STUDY, issue="7", **bare)) == UNSURE
    assert verdict(record("a", STUDY, issue="3", **bare), record("b", STUDY, issue="3", **bare)) == SAME


def test_equal_first_pages_place_an_article_whose_issue_one_database_misfiled() -> None:
    common = dict(authors=("Lindqvist, Maja", "Baptiste, Joel"), year="2018", journal="Prehospital Care", volume="12",
                  pages="331-340")
    assert verdict(record("a", STUDY, issue="3", **common), record("b", STUDY, issue="4", **common)) == SAME


def test_different_months_of_one_year_are_evidence_against_a_merge() -> None:
    bare = dict(year="2018")
    may, june = record("may", STUDY, issue="May", **bare), record("june", STUDY, issue="Jun", **bare)
    assert compare_records(Prepared(0, may), Prepared(1, june)).evidence["month"] == "May vs Jun differ"
    title = "News from the Society"
    assert verdict(record("m", title, issue="May-Jun", **bare), record("j", title, issue="Jul-Aug", **bare)) == DIFFERENT


def test_issues_that_cannot_be_compared_are_no_conflict() -> None:
    # combined issues, a supplement beside a regular issue, an affiliation or a reference
    # manager's record number in the issue field, a month beside a number
    common = dict(authors=("Lindqvist, Maja",), year="2018", journal="Prehospital Care", volume="12")
    for one, two in [("1-2", "2"), ("4", "4 Suppl 1"), ("4", "(Lindqvist M.) Dept of Nursing, Umea University"),
                     ("1112", "1113"), ("Aug", "8")]:
        assert verdict(record("a", "Editor's Comments", issue=one, pages="5", **common),
                       record("b", "Editor's Comments", issue=two, pages="5", **common)) == SAME, (one, two)


# --- supplements and meeting abstracts ---------------------------------------------------------

ABSTRACT = dict(
    authors=("Haddad, Rania", "Moreau, Lucie", "Tanaka, Hiroshi"), year="2019",
    journal="Annals of Thoracic Medicine",
)
ABSTRACT_TITLE = "Night-time oxygen saturation predicts exacerbations in moderate COPD: a prospective cohort"


@pytest.mark.parametrize("page", ["E2048", "A163", "S530"])
def test_a_meeting_abstract_with_its_locator_cut_apart_is_one_record(page: str) -> None:
    records = [
        record("whole", ABSTRACT_TITLE, volume="61", issue="10 SUPPL. 1", pages=page, doi="10.5555/atm.2019.61.s1.0530",
               database="Embase", **ABSTRACT),
        record("cut", ABSTRACT_TITLE, volume="1)", pages=page, database="Web of Science", **ABSTRACT),
        record("supplement-as-volume", ABSTRACT_TITLE, volume="1", pages=page, database="Scopus", **ABSTRACT),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"whole", "cut", "supplement-as-volume"})}
    evidence = compare_records(Prepared(0, records[0]), Prepared(1, records[1])).evidence
    assert evidence["volume"] == "61 vs 1): a piece of the other's volume(issue)"


def test_a_volume_is_a_piece_of_another_locator_only_as_its_cut_tail() -> None:
    common = dict(pages="E2048", **ABSTRACT)
    whole = record("whole", ABSTRACT_TITLE, volume="61", issue="10", **common)  # no supplement
    assert verdict(whole, record("cut", ABSTRACT_TITLE, volume="10)", **common)) == SAME  # "61(10)" cut
    assert verdict(whole, record("volume-1", ABSTRACT_TITLE, volume="1", **common)) == DIFFERENT
    assert verdict(whole, record("volume-3", ABSTRACT_TITLE, volume="3)", **common)) == DIFFERENT
    assert verdict(whole, record("cut", ABSTRACT_TITLE, volume="10)", **{**common, "pages": "E2049"})) == DIFFERENT


@pytest.mark.parametrize("volume, issue", [
    ("45 Suppl 2", None), ("45", "Suppl. 2"), ("45", "Supplement_2"), ("45", "S2"), ("45", "SUPPL 2"),
])
def test_supplement_markers_are_one_supplement_however_written(volume: str, issue: str | None) -> None:
    common = dict(pages="S12", **ABSTRACT)
    written = record("written", ABSTRACT_TITLE, volume=volume, issue=issue, **common)
    assert verdict(record("plain", ABSTRACT_TITLE, volume="45", issue="Suppl 2", **common), written) == SAME
    assert verdict(record("other", ABSTRACT_TITLE, volume="45", issue="Suppl 1", **common), written) == DIFFERENT


# --- DOI variants ----------------------------------------------------------------------------

@pytest.mark.parametrize("written, canonical", [
    ("10.1037//0022-006X.70.3.678", "10.1037/0022-006x.70.3.678"),
    ("https://doi.org/10.1037/0022-006X.70.3.678", "10.1037/0022-006x.70.3.678"),
    ("http://dx.doi.org/10.1037/0022-006X.70.3.678", "10.1037/0022-006x.70.3.678"),
    ("doi: 10.1037/0022-006X.70.3.678", "10.1037/0022-006x.70.3.678"),
    ("10.1111/j.1365-2648.2007.04250.x/abstract", "10.1111/j.1365-2648.2007.04250.x"),
    ("10.1111/j.1365-2648.2007.04250.x/full", "10.1111/j.1365-2648.2007.04250.x"),
    ("10.1111/j.1365-2648.2007.04250.x/pdf", "10.1111/j.1365-2648.2007.04250.x"),
    ("10.1111/j.1365-2648.2007.04250.x/epdf", "10.1111/j.1365-2648.2007.04250.x"),
    ("10.1111/j.1365-2648.2007.04250.x/asset/j.1365-2648.2007.04250.x.pdf?v=1&t=hx2k", "10.1111/j.1365-2648.2007.04250.x"),
    ("https://onlinelibrary.wiley.com/doi/10.1111/j.1365-2648.2007.04250.x/abstract;jsessionid=A1B2",
     "10.1111/j.1365-2648.2007.04250.x"),
    ("10.1016/S0140-6736%2816%2931012-1", "10.1016/s0140-6736(16)31012-1"),
    ("10.1016/s0140-6736(16)31012-1", "10.1016/s0140-6736(16)31012-1"),
])
def test_a_doi_has_one_spelling(written: str, canonical: str) -> None:
    assert doi_key(written) == canonical


def test_no_doi_in_a_doi_field_is_no_doi() -> None:
    assert doi_key("not available") is None
    assert doi_key("10.1037/") is None
    # a SICI DOI cut at its "<" names the journal's volume, which every article in it shares
    assert doi_key("10.1892/0891-6640(2003)017") is None
    assert doi_key("10.1892/0891-6640(2003)017<0680:DPFICK>2.3.CO;2") == "10.1892/0891-6640(2003)017<0680:dpfick>2.3.co;2"
    assert doi_key("10.1892/0891-6640%282003%29017%3C0680:DPFICK%3E2.3.CO;2") == (
        "10.1892/0891-6640(2003)017<0680:dpfick>2.3.co;2")


@pytest.mark.parametrize("written", [
    "10.1037//0022-006X.70.3.678", "https://doi.org/10.1037/0022-006X.70.3.678/abstract",
    "10.1037%2F0022-006X.70.3.678/full",
])
def test_records_differing_only_in_the_form_of_their_doi_are_one_record(written: str) -> None:
    # the online-first pages conflict with the printed ones: only the DOI joins the two
    title = "Cognitive therapy for panic disorder delivered by telephone: a randomized comparison"
    common = dict(authors=("Ferreira, Ana",), year="2002", journal="J Consult Clin Psychol")
    records = [
        record("written", title, doi=written, pages="1-9", **common),
        record("plain", title, doi="10.1037/0022-006x.70.3.678", volume="70", pages="678-686", **common),
    ]
    result = deduplicate(records)
    assert together(result, "written", "plain")
    assert result.unsure == []


LEGACY = dict(authors=("Abara, Chidi", "Lund, Sofie"), year="2009", journal="Journal of Neonatal Nursing", volume="7",
              issue="1", pages="57-68")
LEGACY_TITLE = "Hand hygiene before and after a feedback programme in three neonatal units"


def test_legacy_and_current_doi_of_one_article_do_not_keep_it_apart() -> None:
    records = [
        record("legacy", LEGACY_TITLE, doi="10.5555/1234-5678.7.1.57", **LEGACY),
        record("current", LEGACY_TITLE, doi="10.5555/8765-4321.7.1.57", database="Embase", **LEGACY),
    ]
    comparison = compare_records(Prepared(0, records[0]), Prepared(1, records[1]))
    assert (comparison.verdict, comparison.rule) == (SAME, "legacy and current doi")
    assert "two DOIs" in comparison.evidence["doi"]


@pytest.mark.parametrize("change", [
    {"pages": None}, {"volume": "8"}, {"year": "2010"}, {"authors": ["Moura, J P"]}, {"authors": []},
    {"journal": "Journal of Hospital Infection"},
])
def test_different_dois_need_everything_else_to_agree(change: dict) -> None:
    legacy = record("legacy", LEGACY_TITLE, doi="10.5555/1234-5678.7.1.57", **LEGACY)
    other = record("other", LEGACY_TITLE, doi="10.5555/8765-4321.7.1.57", **{**LEGACY, **change})
    assert verdict(legacy, other) != SAME


def test_different_dois_of_a_short_title_or_a_cochrane_review_are_no_legacy_pair() -> None:
    for title in ("Editor's Comments", "Aripiprazole"):
        assert verdict(record("a", title, doi="10.5555/x.1", **LEGACY),
                       record("b", title, doi="10.5555/x.2", **LEGACY)) == UNSURE
    cochrane = dict(LEGACY, journal="Cochrane Database Syst Rev")
    assert verdict(record("a", LEGACY_TITLE, doi="10.1002/14651858.cd001234.pub2", **cochrane),
                   record("b", LEGACY_TITLE, doi="10.1002/14651858.cd001234.pub3", **cochrane)) != SAME


# --- the result does not depend on order and is stable ------------------------------------------


def locator_cases() -> list[dict]:
    """Records of the cases above that can live in one input, keys made unique."""
    column = [record(f"col{n}", "Editor's Comments", issue=str(n), **COLUMN) for n in (1, 2, 3)]
    column += [record("col2-embase", "Editor's Comments", issue="2", database="Embase", **COLUMN),
               record("col-volume-only", "Editor's Comments", **COLUMN)]
    abstract = [
        record("abs-whole", ABSTRACT_TITLE, volume="61", issue="10 SUPPL. 1", pages="E2048",
               doi="10.5555/atm.2019.61.s1.0530", **ABSTRACT),
        record("abs-cut", ABSTRACT_TITLE, volume="1)", pages="E2048", **ABSTRACT),
        record("abs-volume", ABSTRACT_TITLE, volume="1", pages="E2048", **ABSTRACT),
        record("abs-other-supplement", ABSTRACT_TITLE, volume="61", issue="Suppl 2", pages="E2048", **ABSTRACT),
    ]
    dois = [
        record("doi-legacy", LEGACY_TITLE, doi="10.5555/1234-5678.7.1.57", **LEGACY),
        record("doi-current", LEGACY_TITLE, doi="https://doi.org/10.5555/8765-4321.7.1.57/abstract", **LEGACY),
        record("doi-current-again", LEGACY_TITLE, doi="10.5555%2F8765-4321.7.1.57", database="Embase", **LEGACY),
    ]
    return column + abstract + dois


def test_locator_cases_give_the_expected_clusters() -> None:
    result = deduplicate(locator_cases())
    assert groups(result) == {
        frozenset({"col2", "col2-embase"}),
        frozenset({"abs-whole", "abs-cut", "abs-volume"}),
        frozenset({"doi-legacy", "doi-current", "doi-current-again"}),
    }


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.permutations(locator_cases()))
def test_locator_cases_do_not_depend_on_the_order_of_the_input(shuffled: list[dict]) -> None:
    assert deduplicate(shuffled) == deduplicate(locator_cases())


def test_locator_cases_deduplicated_again_merge_nothing() -> None:
    records = locator_cases()
    first = deduplicate(records)
    again = deduplicate([r for r in records if r["key"] in first.primary])
    assert again.primary == first.primary
    assert deduplicate(records) == first
