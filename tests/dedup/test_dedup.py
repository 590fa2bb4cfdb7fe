"""Duplicate matching: the hard cases, the clustering guarantees and the review queue."""

from __future__ import annotations

import copy
import csv

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screenrev.dedup.cluster import DedupResult, PairDecision, deduplicate
from screenrev.records.parse import read_export
from screenrev.records.record import empty_fields

from ..conftest import DATA

FIXTURES = DATA / "dedup"


def record(key: str, title: str | None = None, *, authors: tuple[str, ...] = (), database: str = "MEDLINE",
           **fields: str | list[str] | None) -> dict:
    """A canonical record as the importer makes it, with only the given fields filled."""
    made = empty_fields()
    made.update(title=title, authors=list(authors), **fields)
    made["key"] = key
    made["database"] = database
    return made


def groups(result: DedupResult) -> set[frozenset[str]]:
    """The clusters with more than one record, as sets of keys."""
    members: dict[str, set[str]] = {}
    for key, cluster in result.cluster.items():
        members.setdefault(cluster, set()).add(key)
    return {frozenset(keys) for keys in members.values() if len(keys) > 1}


def together(result: DedupResult, *keys: str) -> bool:
    return len({result.cluster[key] for key in keys}) == 1


TRIAL = dict(
    authors=("Sherman, M E", "Wang, S S", "Wheeler, C M", "Rich, L"),
    year="2003", journal="Cancer Epidemiology, Biomarkers & Prevention", volume="12", pages="1038-1044",
)
TRIAL_TITLE = (
    "Determinants of human papillomavirus load among women with histological cervical "
    "intraepithelial neoplasia 3: dominant impact of surrounding low-grade lesions"
)


# --- the same record written differently ---------------------------------------------------


def test_same_record_from_two_databases_is_one_cluster_with_field_evidence() -> None:
    records = [
        record("a", TRIAL_TITLE, database="MEDLINE", **TRIAL),
        record(
            "b", TRIAL_TITLE.title() + ". [Review] [33 refs]", database="Embase",
            authors=("M. E. Sherman", "S. S. Wang", "C. M. Wheeler", "L. Rich"), year="2003",
            journal="Cancer Epidemiol Biomarkers Prev", volume="12", pages="1038-44",
        ),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"a", "b"})}
    assert result.unsure == []
    assert result.pairs_compared == 1
    reason = result.evidence[min("a", "b", key=lambda key: key in result.primary)]
    assert "title equal" in reason and "journal agree" in reason and "pages" in reason


def test_accents_greek_letters_and_markup_are_folded() -> None:
    records = [
        record("a", "Tumour necrosis factor-α and <i>in vitro</i> haemolysis in Müller cells",
               authors=("Müller, Jörg",), year="2015", journal="Blood", volume="125", pages="101-108"),
        record("b", "Tumor necrosis factor-alpha and in vitro hemolysis in Muller cells",
               authors=("Muller, J",), year="2015", journal="Blood", volume="125", pages="101-8"),
    ]
    assert together(deduplicate(records), "a", "b")


def test_journal_abbreviation_agrees_with_full_name() -> None:
    records = [
        record("a", "New insights into postrenal transplant hemolytic uremic syndrome",
               authors=("Zuber, J", "Le Quintrec, M"), year="2011", journal="Nat Rev Nephrol", volume="7", pages="23-35"),
        record("b", "New insights into postrenal transplant hemolytic uremic syndrome.",
               authors=("Zuber, Julien", "Le Quintrec, Moglie"), year="2011",
               journal="Nature Reviews Nephrology", volume="7", pages="23-35"),
    ]
    result = deduplicate(records)
    assert together(result, "a", "b")
    assert "journal agree" in result.evidence["b"]


def test_record_without_title_joins_only_on_a_complete_locator() -> None:
    full = dict(authors=("Zuber, J", "Le Quintrec, M", "Loirat, C"), year="2011", journal="Nat Rev Nephrol",
                volume="7", issue="1", pages="23-35")
    records = [
        record("titled", "New insights into postrenal transplant hemolytic uremic syndrome", **full),
        record("untitled", None, **{**full, "authors": ["Zuber, J.", "Le Quintrec, M.", "Loirat, C."]}),
        record("other-page", None, **{**full, "pages": "36-40"}),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"titled", "untitled"})}


def test_online_first_a_year_earlier_is_the_same_record_but_two_years_apart_is_not() -> None:
    base = dict(authors=("Katki, H A", "Kinney, W K"), journal="Lancet Oncol", volume="12", pages="663-672")
    title = "Cervical cancer risk for women undergoing concurrent testing for human papillomavirus and cervical cytology"
    result = deduplicate([
        record("print", title, year="2011", **base),
        record("online", title, year="2010", **base),
        record("later", title, year="2013", **{**base, "volume": None, "pages": None}),
    ])
    assert groups(result) == {frozenset({"print", "online"})}


# --- hard cases ---------------------------------------------------------------------------


ARTICLE = dict(authors=("Hillmen, P", "Elebute, M", "Kelly, R"), year="2010", journal="American Journal of Hematology")
ARTICLE_TITLE = ("Long-term effect of the complement inhibitor eculizumab on kidney function in patients "
                 "with paroxysmal nocturnal hemoglobinuria")


@pytest.mark.parametrize("notice", [
    "Erratum to: " + ARTICLE_TITLE,
    "Correction: " + ARTICLE_TITLE,
    ARTICLE_TITLE + " (vol 85, pg 553, 2010)",
    ARTICLE_TITLE + " (American Journal of Hematology (2010) 85 (553-559))",
    ARTICLE_TITLE + " (American Journal of Hematology (2010) 85, 8 (553-559) DOI: 10.1002/ajh.21761)",
    "Retraction notice to: " + ARTICLE_TITLE,
])
def test_erratum_or_correction_is_not_its_article(notice: str) -> None:
    records = [
        record("article", ARTICLE_TITLE, volume="85", pages="553-559", **ARTICLE),
        record("notice", notice, **ARTICLE),
    ]
    result = deduplicate(records)
    assert not together(result, "article", "notice")


def test_two_copies_of_one_erratum_are_the_same_record() -> None:
    records = [
        record("wos", ARTICLE_TITLE + " (vol 85, pg 553, 2010)", volume="85", pages="911", **ARTICLE),
        record("embase", "Erratum: " + ARTICLE_TITLE, volume="85", pages="911", **ARTICLE),
    ]
    assert together(deduplicate(records), "wos", "embase")


def test_medline_erratum_annotation_does_not_make_the_article_a_notice() -> None:
    records = [
        record("annotated", ARTICLE_TITLE + ".[Erratum appears in Am J Hematol. 2010 Nov;85(11):911]",
               volume="85", pages="553-559", **ARTICLE),
        record("plain", ARTICLE_TITLE, volume="85", pages="553-559", **ARTICLE),
    ]
    assert together(deduplicate(records), "annotated", "plain")


@pytest.mark.parametrize("comment", [
    "Comment on: Eculizumab for atypical hemolytic-uremic syndrome",
    "Reply to: Eculizumab for atypical hemolytic-uremic syndrome",
    "Eculizumab for atypical hemolytic-uremic syndrome - Reply",
    "Eculizumab for atypical hemolytic-uremic syndrome: authors' reply",
])
def test_comment_or_reply_is_not_the_article(comment: str) -> None:
    common = dict(authors=("Nurnberger, J", "Philipp, T"), year="2009", journal="N Engl J Med", volume="360")
    records = [
        record("article", "Eculizumab for atypical hemolytic-uremic syndrome", pages="542-544", **common),
        record("comment", comment, **common),
    ]
    assert not together(deduplicate(records), "article", "comment")


def test_conference_abstract_is_not_the_later_journal_article() -> None:
    title = "Cultural universality versus particularity in CMC"
    records = [
        record("article", title, authors=("Stahl, Bernd Carsten", "Elbeltagi, Ibrahim"), year="2004",
               journal="Journal of Global Information Technology Management", volume="7", pages="47-65"),
        record("abstract", title, authors=("Stahl, Bernd-Carsten",), year="2003",
               journal="Americas Conference on Information Systems", publication_type=["inproceedings"]),
    ]
    assert not together(deduplicate(records), "article", "abstract")


def test_one_meeting_abstract_indexed_twice_is_the_same_record() -> None:
    title = "Activation of complement during liver transplantation in patients with atypical hemolytic uremic syndrome"
    authors = ("Koskinen, A.", "Tukiainen, E.", "Nordin, A.", "Jokiranta, S.")
    records = [
        record("journal", title, authors=authors, year="2010", journal="Scandinavian Journal of Immunology",
               volume="71", issue="6", pages="507"),
        record("meeting", title, authors=authors, year="2010",
               journal="Scandinavian Journal of Immunology.Conference: 39th Meeting of Scandinavian Society for Immunology"),
    ]
    assert together(deduplicate(records), "journal", "meeting")


def test_protocol_is_not_the_results_paper() -> None:
    authors = ("Underwood, M", "Lamb, S E", "Eldridge, S")
    records = [
        record("protocol", "Exercise for depression in care home residents: study protocol for a randomised "
               "controlled trial", authors=authors, year="2009", journal="Trials", volume="10", pages="57"),
        record("results", "Exercise for depression in care home residents: a randomised controlled trial",
               authors=authors, year="2013", journal="Health Technol Assess", volume="17", pages="1-281"),
        record("protocol-copy", "Exercise for depression in care home residents: study protocol for a randomised "
               "controlled trial", authors=authors, year="2009", journal="Trials", volume="10", pages="57"),
    ]
    assert groups(deduplicate(records)) == {frozenset({"protocol", "protocol-copy"})}


def test_updated_cochrane_review_with_the_same_title_is_a_different_record() -> None:
    title = "Treatment for POEMS (polyneuropathy, organomegaly, endocrinopathy, M-protein, and skin changes) syndrome"
    common = dict(authors=("Kuwabara, S", "Dispenzieri, A", "Arimura, K"), journal="Cochrane Database Syst Rev")
    records = [
        record("2008", title, year="2008", doi="10.1002/14651858.cd006828.pub2", **common),
        record("2012", title, year="2012", doi="10.1002/14651858.cd006828.pub3", **common),
        record("2012-embase", title, year="2012", doi="10.1002/14651858.cd006828.pub3", database="Embase", **common),
        record("2012-no-doi", title, year="2012", **{**common, "journal": "Cochrane Database of Systematic Reviews"}),
        record("2013", title, year="2013", **common),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"2012", "2012-embase", "2012-no-doi"})}
    # the Embase copy is the 2012 record field for field: settled with it, without matching
    assert result.evidence["2012-embase"] == "identical to 2012 in every field"


@pytest.mark.parametrize("one, two", [
    ("Part 1", "Part 2"),
    ("Part I", "Part II"),
    ("I", "II"),
])
def test_parts_of_a_multi_part_paper_are_different(one: str, two: str) -> None:
    common = dict(authors=("Smith, J",), year="2015", journal="Thorax", volume="70")
    records = [
        record("one", f"Management of malignant pleural effusion. {one}: diagnosis", **common),
        record("two", f"Management of malignant pleural effusion. {two}: diagnosis", **common),
    ]
    assert not together(deduplicate(records), "one", "two")


def test_phase_one_and_phase_two_trials_are_different() -> None:
    common = dict(authors=("Govindan, R", "Crowley, J"), year="2006", journal="J Clin Oncol")
    records = [
        record("phase1", "Phase I trial of bexarotene capsules in advanced non-small-cell lung cancer", **common),
        record("phase2", "Phase II trial of bexarotene capsules in advanced non-small-cell lung cancer", **common),
    ]
    assert not together(deduplicate(records), "phase1", "phase2")


def test_numbered_abstracts_on_one_supplement_page_are_different() -> None:
    common = dict(authors=("Licht, C", "Muus, P"), year="2011", journal="J Thromb Haemost", volume="9",
                  issue="Suppl 2", pages="S499")
    records = [
        record("phase1", "A phase I study of eculizumab in patients with atypical hemolytic uremic syndrome", **common),
        record("phase2", "A phase II study of eculizumab in patients with atypical hemolytic uremic syndrome", **common),
    ]
    assert not together(deduplicate(records), "phase1", "phase2")


def test_a_number_mistyped_in_one_of_two_records_at_one_page_range_is_a_typo() -> None:
    common = dict(authors=("Guedes, A C", "Brenna, S M"), year="2007", journal="Int J Gynecol Cancer", volume="17",
                  pages="1099-1103")
    records = [
        record("typo", "p6INK4a expression does not predict the outcome of cervical intraepithelial neoplasia grade 2",
               **common),
        record("right", "p16(INK4a) expression does not predict the outcome of cervical intraepithelial neoplasia "
               "grade 2", **common),
    ]
    assert together(deduplicate(records), "typo", "right")


def test_translated_title_in_brackets_matches_the_english_title() -> None:
    common = dict(authors=("Schlottmann, K", "Gelbmann, C"), year="2001", journal="Med Klin", volume="96", pages="321-324")
    records = [
        record("medline", "[A new paracentesis needle for ascites and pleural effusion]", **common),
        record("embase", "A new paracentesis needle for ascites and pleural effusion", **common),
        record("original", "Eine neue Parazentesenadel für Aszites und Pleuraerguss "
               "[A new paracentesis needle for ascites and pleural effusion]", **common),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"medline", "embase", "original"})}


def test_preprint_and_published_version_go_to_the_review_queue() -> None:
    title = "Remdesivir for the treatment of COVID-19 in hospitalised adults: a randomised trial"
    authors = ("Beigel, J H", "Tomashek, K M", "Dodd, L E")
    records = [
        record("preprint", title, authors=authors, year="2020", journal="medRxiv", doi="10.1101/2020.05.22.20108258"),
        record("published", title, authors=authors, year="2020", journal="New England Journal of Medicine",
               volume="383", pages="1813-1826", doi="10.1056/nejmoa2007764"),
    ]
    result = deduplicate(records)
    assert not together(result, "preprint", "published")
    assert [(pair.key_a, pair.key_b) for pair in result.unsure] == [("preprint", "published")]


def test_identical_generic_titles_without_locator_are_not_merged() -> None:
    records = [
        record("a", "Editorial", authors=("Smith, J",), year="2010", journal="BMJ"),
        record("b", "Editorial", authors=("Smith, J",), year="2010", journal="BMJ"),
    ]
    result = deduplicate(records)
    assert not together(result, "a", "b")
    assert len(result.unsure) == 1


def test_accession_numbers_count_only_within_one_database() -> None:
    records = [
        record("pubmed", "Effect of A on B", source_id="12345678", database="PubMed"),
        record("pubmed-again", "Effect of A on B in adults", source_id="12345678", database="PubMed"),
        record("embase", "Effect of A on B in adults", source_id="12345678", database="Embase"),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"pubmed", "pubmed-again"})}


def test_similar_titles_that_differ_in_meaning_are_not_merged() -> None:
    common = dict(authors=(), year="2011")
    records = [
        record("adults", "Open label controlled trial of eculizumab in adult patients with plasma "
               "therapy-resistant aHUS", **common),
        record("adolescents", "Open label controlled trial of eculizumab in adolescent patients with plasma "
               "therapy-resistant aHUS", **common),
    ]
    assert not together(deduplicate(records), "adults", "adolescents")


def test_equal_doi_wins_over_online_first_pages_and_a_year_given_as_volume() -> None:
    title = "Reduction of environmental contamination with multidrug-resistant bacteria by copper-alloy coating"
    common = dict(authors=("Souli, M", "Antoniadou, A"), year="2017", journal="Infect Control Hosp Epidemiol",
                  doi="10.1017/ice.2017.52")
    records = [
        record("online", title, pages="1-7", **common),
        record("print", title, volume="38", pages="765-771", **common),
        record("cochrane-style", title, volume="2017", **common),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"online", "print", "cochrane-style"})}


def test_equal_doi_with_another_title_goes_to_the_review_queue() -> None:
    records = [
        record("a", "Nosocomial legionellosis: prevention and management", doi="10.1586/eri.08.1", year="2009"),
        record("b", "Copper surfaces reduce hospital-acquired infections", doi="10.1586/eri.08.1", year="2009"),
    ]
    result = deduplicate(records)
    assert not together(result, "a", "b")
    assert [(pair.key_a, pair.key_b) for pair in result.unsure] == [("a", "b")]


def test_reissued_doi_is_unsure_and_central_record_numbers_are_not_dois() -> None:
    common = dict(authors=("Levin, A S",), year="2009", journal="Expert Rev Anti Infect Ther", volume="7", pages="57-68")
    title = "Nosocomial legionellosis: prevention and management"
    records = [
        record("old-doi", title, doi="10.1586/14737140.7.1.57", **common),
        # the authors missing: not everything agrees, so the other DOI is left to a human
        record("new-doi", title, doi="10.1586/14787210.7.1.57", **{**common, "authors": []}),
        record("central", title, doi="10.1002/central/cn-00677540/full", database="CENTRAL", **common),
    ]
    result = deduplicate(records)
    # CENTRAL's number is no DOI: that record joins one of the two; the two DOIs stay apart, asked about
    assert not together(result, "old-doi", "new-doi")
    assert together(result, "central", "old-doi") or together(result, "central", "new-doi")
    [pair] = result.unsure  # one pair per two clusters
    assert "doi" in pair.evidence or "(doi)" in pair.evidence.get("cluster", "")
    # with the authors too, everything agrees: a legacy and a current DOI of one article
    records[1] = record("new-doi", title, doi="10.1586/14787210.7.1.57", **common)
    assert groups(deduplicate(records)) == {frozenset({"old-doi", "new-doi", "central"})}


def test_article_number_and_printed_pages_are_not_a_conflict() -> None:
    title = ("Long term predictive values of cytology and human papillomavirus testing in cervical cancer "
             "screening: joint European cohort study")
    common = dict(authors=("Dillner, J", "Rebolj, M", "Birembaut, P"), year="2008", journal="BMJ", volume="337")
    records = [record("print", title, pages="969-972", **common), record("online", title, pages="a1754", **common)]
    result = deduplicate(records)
    assert together(result, "print", "online")
    assert "article number vs pages" in "".join(result.evidence.values())


def test_last_page_only_overlaps_the_range() -> None:
    title = "Value of p16INK4a as a marker of progression/regression in cervical intraepithelial neoplasia grade 1"
    common = dict(authors=("del Pino, M", "Garcia, S", "Fuste, V"), year="2009",
                  journal="American Journal of Obstetrics and Gynecology", volume="201")
    records = [record("range", title, pages="487-488", **common), record("last", title, pages="488", **common),
               record("elsewhere", title, pages="501-508", **common)]
    assert groups(deduplicate(records)) == {frozenset({"range", "last"})}


def test_two_translations_of_one_title_at_one_locator_are_the_same_record() -> None:
    common = dict(authors=("Andres, A",), year="2010", journal="Nefrologia", volume="30", pages="30-38")
    records = [
        record("embase", "Indications and contraindications for living kidney donations", **common),
        record("medline", "[Indications and contraindications of living-donor kidney transplantation]. [Spanish]",
               **common),
    ]
    assert together(deduplicate(records), "embase", "medline")


def test_generic_title_with_the_same_long_abstract_is_the_same_record() -> None:
    abstract = ("Aripiprazole is a novel atypical antipsychotic with partial agonist activity at dopamine D2 "
                "receptors. In short-term trials it improved positive and negative symptoms of schizophrenia "
                "and was well tolerated, with little weight gain or prolactin elevation.")
    authors = ("McGavin, Jane K", "Goa, Karen L")
    records = [
        record("adhd", "Aripiprazole.", authors=authors, abstract=abstract, database="ADHD review"),
        record("antipsychotics", "Aripiprazole", authors=authors, abstract=abstract, database="Antipsychotics review"),
        record("no-abstract", "Aripiprazole", authors=authors, database="Antipsychotics review"),
    ]
    result = deduplicate(records)
    assert groups(result) == {frozenset({"adhd", "antipsychotics"})}


def test_drug_names_one_prefix_apart_are_different_words() -> None:
    common = dict(authors=("Dammann, H G", "Burkhardt, F"))
    records = [
        record("panto", "Pantoprazole versus omeprazole: influence on meal-stimulated gastric acid secretion", **common),
        record("lanso", "Lansoprazole versus omeprazole: influence on meal-stimulated gastric acid secretion", **common),
    ]
    assert not together(deduplicate(records), "panto", "lanso")


def test_corporate_authors_are_not_held_against_a_match() -> None:
    title = ("Results of a randomized trial on the management of cytology interpretations of atypical squamous "
             "cells of undetermined significance")
    common = dict(year="2003", journal="American Journal of Obstetrics and Gynecology", volume="188", pages="1383-1392")
    records = [
        record("person", title, authors=("Solomon, D",), **common),
        record("group", title, authors=("Group, ASCUS-LSIL Triage Study (ALTS)",), **common),
    ]
    assert together(deduplicate(records), "person", "group")


# --- clustering guarantees ----------------------------------------------------------------


def chain() -> list[dict]:
    """A~B (B has no title but A's locator), B~C (C has the same locator), but A≠C."""
    locator = dict(authors=("Kelly, R", "Hill, A"), year="2009", journal="Br J Haematol",
                   volume="145", issue="Suppl 1", pages="23")
    return [
        record("a", "Modification of the standard eculizumab dose to manage intravascular haemolysis", **locator),
        record("b", None, **locator),
        record("c", "Long-term safety of eculizumab in paroxysmal nocturnal haemoglobinuria", **locator),
    ]


def test_no_chaining_through_a_third_record() -> None:
    result = deduplicate(chain())
    assert not together(result, "a", "c")
    assert together(result, "a", "b") or together(result, "b", "c")
    # the "same" pair left out is shown to a human, with the reason
    assert any("differ" in pair.evidence.get("cluster", "") for pair in result.unsure)


def test_decision_different_keeps_a_matched_pair_apart() -> None:
    records = [record("a", TRIAL_TITLE, **TRIAL), record("b", TRIAL_TITLE, **TRIAL)]
    assert together(deduplicate(records), "a", "b")
    result = deduplicate(records, decisions=[PairDecision("b", "a", same=False)])
    assert not together(result, "a", "b")
    assert result.unsure == []  # decided: not asked again


def test_decision_same_merges_what_the_matcher_keeps_apart() -> None:
    records = [
        record("article", ARTICLE_TITLE, volume="85", pages="553-559", **ARTICLE),
        record("notice", "Erratum to: " + ARTICLE_TITLE, volume="85", pages="911", **ARTICLE),
    ]
    assert not together(deduplicate(records), "article", "notice")
    result = deduplicate(records, decisions=[PairDecision("article", "notice", same=True)])
    assert together(result, "article", "notice")
    assert "decided same" in result.evidence[next(key for key in result.cluster if key not in result.primary)]


def test_decision_same_never_overrides_a_decision_different() -> None:
    records = [record(key, TRIAL_TITLE, **TRIAL) for key in ("a", "b", "c")]
    decisions = [PairDecision("a", "b", same=False), PairDecision("b", "c", same=True), PairDecision("a", "c", same=True)]
    result = deduplicate(records, decisions=decisions)
    assert not together(result, "a", "b")
    assert together(result, "a", "c") != together(result, "b", "c")  # c joins one of them, first in key order
    [pair] = result.unsure
    assert (pair.key_a, pair.key_b) == ("b", "c")
    assert "decided different" in pair.evidence["decision"]


def test_decision_both_ways_counts_as_different_and_unknown_keys_are_ignored() -> None:
    records = [record("a", TRIAL_TITLE, **TRIAL), record("b", TRIAL_TITLE, **TRIAL)]
    decisions = [PairDecision("a", "b", same=True), PairDecision("a", "b", same=False), PairDecision("a", "zz", same=True)]
    result = deduplicate(records, decisions=decisions)
    assert not together(result, "a", "b")


def test_primary_is_the_most_complete_record_ties_broken_by_key() -> None:
    base = dict(TRIAL)
    records = [
        record("a-bare", TRIAL_TITLE, **base),
        record("b-doi", TRIAL_TITLE, doi="10.1158/1055-9965.epi-03-0043", **base),
        record("c-abstract", TRIAL_TITLE, abstract="Background: viral load …", **base),
        record("d-abstract", TRIAL_TITLE, abstract="Background: viral load …", **base),
    ]
    result = deduplicate(records)
    assert result.primary == {"c-abstract"}
    assert set(result.cluster.values()) == {"c-abstract"}
    assert set(result.evidence) == {"a-bare", "b-doi", "d-abstract"}


def test_every_record_has_a_cluster_and_singletons_are_their_own_primary() -> None:
    records = [record("empty"), record("lonely", "A study of nothing in particular at all"),
               record("a", TRIAL_TITLE, **TRIAL), record("b", TRIAL_TITLE, **TRIAL)]
    result = deduplicate(records)
    assert set(result.cluster) == {"empty", "lonely", "a", "b"}
    assert {"empty", "lonely"} <= result.primary
    assert result.cluster["empty"] == "empty"
    assert len(result.primary) + len(result.evidence) == len(records)


def test_input_is_not_mutated() -> None:
    records = chain() + [record("x", TRIAL_TITLE, **TRIAL), record("y", TRIAL_TITLE.upper(), **TRIAL)]
    before = copy.deepcopy(records)
    deduplicate(records, decisions=[PairDecision("a", "c", same=True)])
    assert records == before


def test_running_twice_gives_the_same_result() -> None:
    records = chain() + [record("x", TRIAL_TITLE, **TRIAL), record("y", TRIAL_TITLE.upper(), **TRIAL)]
    assert deduplicate(records) == deduplicate(records)


def test_deduplicating_the_primaries_again_merges_nothing() -> None:
    records = chain() + [record("x", TRIAL_TITLE, **TRIAL), record("y", TRIAL_TITLE.upper(), **TRIAL)]
    first = deduplicate(records)
    again = deduplicate([r for r in records if r["key"] in first.primary])
    assert again.primary == first.primary


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        deduplicate([record("a", "One"), record("a", "Two")])


def hard_cases() -> list[dict]:
    """Every record of the tests above that can live in one input, keys made unique."""
    records = [
        record("t1", TRIAL_TITLE, **TRIAL),
        record("t2", TRIAL_TITLE.upper() + " [Review]", **{**TRIAL, "pages": "1038-44"}),
        record("t3", None, **TRIAL),
        record("e1", ARTICLE_TITLE, volume="85", pages="553-559", **ARTICLE),
        record("e2", "Erratum to: " + ARTICLE_TITLE, volume="85", pages="911", **ARTICLE),
        record("e3", ARTICLE_TITLE + " (vol 85, pg 553, 2010)", volume="85", pages="911", **ARTICLE),
    ]
    return records + [{**r, "key": "ch-" + r["key"]} for r in chain()]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.permutations(hard_cases()))
def test_order_of_the_input_does_not_matter(shuffled: list[dict]) -> None:
    assert deduplicate(shuffled) == deduplicate(hard_cases())


# --- real records -------------------------------------------------------------------------


def read_fixture(name: str) -> list[dict]:
    records = []
    for parsed in read_export(FIXTURES / name).records:
        records.append({**parsed, "key": parsed["extra"]["ID"], "database": "bench"})
    return records


def test_special_cases_set_gives_the_true_groups() -> None:
    # bib-dedupe's hard cases: a conference paper and its journal version, yearly
    # introductions with the same title, a conference paper a year before its journal article
    with (FIXTURES / "special_cases_merged_ids.csv").open(encoding="utf-8") as handle:
        truth = {frozenset(row["merged_ids"].split(";")) for row in csv.DictReader(handle)}
    result = deduplicate(read_fixture("special_cases_records.csv"))
    assert groups(result) == truth


def test_haematology_record_without_title_joins_its_twins() -> None:
    # The first seven records of the haematology set; its truth file groups 1+3, 4+5 and 6+7
    # and leaves out id_0000002, which has no title but every other field of 1 and 3.
    result = deduplicate(read_fixture("haematology_first7.csv"))
    assert groups(result) == {
        frozenset({"id_0000001", "id_0000002", "id_0000003"}),
        frozenset({"id_0000004", "id_0000005"}),
        frozenset({"id_0000006", "id_0000007"}),
    }


def test_unsure_pairs_are_sorted_with_ordered_keys_and_field_evidence() -> None:
    records = hard_cases() + [
        record("g1", "Editorial", authors=("Smith, J",), year="2010", journal="BMJ"),
        record("g2", "Editorial", authors=("Smith, J",), year="2010", journal="BMJ"),
    ]
    result = deduplicate(records)
    assert result.unsure
    assert result.unsure == sorted(result.unsure, key=lambda pair: (pair.key_a, pair.key_b))
    for pair in result.unsure:
        assert pair.key_a < pair.key_b
        assert pair.verdict == "unsure"
        assert 0.0 <= pair.score <= 1.0
        assert pair.evidence and all(isinstance(text, str) for text in pair.evidence.values())


WORDS = ["cervical", "cancer", "screening", "hpv", "trial", "part", "II", "1", "[Review]", "Erratum:",
         "α", "Reply", "protocol", "of", "the", "müller", "p16", "Editor's", "comments", "In this issue"]
FIELD_VALUES = {
    "year": st.sampled_from([None, "2010", "2011", "2013", "20", "1999//"]),
    "issue": st.sampled_from([None, "1", "2", "1-2", "10 SUPPL. 1", "Suppl 2", "S1", "Aug", "Sep", "1)", "1113"]),
    "journal": st.sampled_from([None, "Nat Rev Nephrol", "Nature Reviews Nephrology", "Cochrane Database Syst Rev",
                                "Blood.Conference: 52nd ASH Annual Meeting", "medRxiv", ""]),
    "volume": st.sampled_from([None, "7", "7 Suppl 2", "Conference: 22nd FIGO 143", "x", "1)", "1", "61"]),
    "pages": st.sampled_from([None, "23-35", "23-9", "e1001", "S12-S15", "01-Jun", "100A-101A", "-", "35"]),
    "doi": st.sampled_from([None, "10.1/x", "10.1/y", "10.1101/2020.01.01.1", "10.1002/central/cn-1",
                            "https://doi.org/10.1//X/abstract", "10.1%2Fy/full"]),
    "abstract": st.sampled_from([None, "short", "Background " * 30]),
    "source_id": st.sampled_from([None, "1", "2"]),
    "database": st.sampled_from(["PubMed", "Embase"]),
}


@st.composite
def messy_records(draw: st.DrawFn) -> list[dict]:
    count = draw(st.integers(min_value=0, max_value=8))
    records = []
    for number in range(count):
        words = draw(st.lists(st.sampled_from(WORDS), max_size=9))
        fields = {name: draw(values) for name, values in FIELD_VALUES.items()}
        authors = draw(st.lists(st.sampled_from(["Smith, J", "J Smith", "Müller, Jörg", "Group, ALTS", "Le, Quintrec M",
                                                 "Wright Jr.", ""]), max_size=4))
        records.append(record(f"k{number}", " ".join(words) or None, authors=tuple(authors), **fields))
    return records


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(messy_records(), st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.booleans()), max_size=4))
def test_invariants_hold_on_messy_records(records: list[dict], raw_decisions: list[tuple[int, int, bool]]) -> None:
    decisions = [PairDecision(f"k{a}", f"k{b}", same) for a, b, same in raw_decisions if a != b]
    result = deduplicate(records, decisions=decisions)
    keys = {r["key"] for r in records}
    assert set(result.cluster) == keys
    assert result.primary == set(result.cluster.values())
    assert len(result.primary) + len(result.evidence) == len(keys)
    assert set(result.evidence) == keys - result.primary
    different = {frozenset((d.key_a, d.key_b)) for d in decisions if not d.same}
    for pair in different:
        a, b = tuple(pair)
        if a in keys and b in keys:
            assert result.cluster[a] != result.cluster[b]
    for pair in result.unsure:
        assert pair.key_a < pair.key_b and result.cluster[pair.key_a] != result.cluster[pair.key_b]
    assert deduplicate(list(reversed(records)), decisions=decisions) == result


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(messy_records())
def test_no_cluster_holds_two_records_the_matcher_calls_different_or_cautions_about(records: list[dict]) -> None:
    from screenrev.dedup.compare import CAUTIONS, compare_records
    from screenrev.dedup.prepare import Prepared

    result = deduplicate(records)
    by_key = {r["key"]: Prepared(0, r) for r in records}
    members: dict[str, list[str]] = {}
    for key, cluster in result.cluster.items():
        members.setdefault(cluster, []).append(key)
    for keys in members.values():
        keys.sort()
        for x, a in enumerate(keys):
            for b in keys[x + 1:]:
                verdict = compare_records(by_key[a], by_key[b])
                assert verdict.verdict != "different", (a, b)
                assert not (verdict.verdict == "unsure" and verdict.reason in CAUTIONS), (a, b)


def test_exact_copies_from_one_database_are_settled_without_pairwise_matching() -> None:
    base = record("r0000", "Telephone befriending for older adults living alone: a randomised trial",
                  authors=("Hughes, A",), year="2019", journal="Age Ageing", volume="48", pages="12-19")
    copies = [{**base, "key": f"r{number:04d}"} for number in range(1000)]
    result = deduplicate(copies)
    assert groups(result) == {frozenset(r["key"] for r in copies)}
    assert result.primary == {"r0000"}
    assert result.evidence["r0999"] == "identical to r0000 in every field"
    assert result.pairs_compared < 10


def test_identical_records_a_human_called_different_stay_apart() -> None:
    base = record("a", "Telephone befriending for older adults living alone: a randomised trial",
                  authors=("Hughes, A",), year="2019", journal="Age Ageing", volume="48", pages="12-19")
    twins = [base, {**base, "key": "b"}, {**base, "key": "c"}]
    result = deduplicate(twins, decisions=[PairDecision("a", "b", same=False)])
    assert not together(result, "a", "b")
    assert together(result, "a", "c") or together(result, "b", "c")


def test_empty_identical_records_are_not_merged_for_being_identical() -> None:
    blank = [record("x1"), record("x2")]
    result = deduplicate(blank)
    assert not together(result, "x1", "x2")
