"""The flow's arithmetic (properties over any records and decisions), the PRISMA2020 template
CSV, the expected-counts diff, and the diagram."""

from __future__ import annotations

import csv
import re
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screenrev.decisions.files import Decision, Settled, SettlementRules, settle
from screenrev.errors import ScreenrevError
from screenrev.flow.counts import (
    Flow,
    FlowArithmeticError,
    OtherMethods,
    check_identities,
    count_flow,
    differences,
)
from screenrev.flow.diagram import draw
from screenrev.flow.template import COLUMNS, FIELDS, write_template
from screenrev.review.folder import Stopping

STOPPING = Stopping("hypergeometric test", recall_target=0.95, confidence=0.95, records_screened_when_met=40,
                    date="2024-05-02")


def _rows(clusters: list[list[str]], database: str = "PsycINFO") -> list[tuple[str, str, str]]:
    return [(key, database, members[0]) for members in clusters for key in members]


def test_a_small_review_counted_box_by_box() -> None:
    rows = _rows([["a", "a2"], ["b"], ["c"], ["d"], ["e", "e2", "e3"], ["f"], ["g"]])
    rows += [("h", "ClinicalTrials.gov", "h")]
    flow = count_flow(
        rows,
        rule_exclusions={"b": "Published in or before 2007", "f": "Published in or before 2007"},
        title_abstract={"a": Settled("include"), "c": Settled("exclude", "Children"), "d": Settled("maybe"),
                        "e": Settled("include"), "f": Settled("include"), "h": Settled("exclude")},
        full_text={"a": Settled("include"), "d": Settled("exclude", "Not a primary study"),
                   "e": Settled("not_retrieved")},
        registers=["ClinicalTrials.gov"],
    )
    check_identities(flow)
    assert (flow.identified, flow.database_results, flow.register_results) == (11, 10, 1)
    assert flow.database_specific_results == {"PsycINFO": 10}
    assert flow.duplicates == 3
    assert (flow.excluded_automatic, flow.excluded_automatic_reasons) == (1, {"Published in or before 2007": 1})
    assert flow.human_overrides == 1  # f: excluded by a rule, included by a reviewer
    assert flow.records_awaiting == 1  # g
    assert (flow.records_screened, flow.records_excluded) == (6, 2)
    assert flow.records_excluded_reasons == {"Children": 1, "No reason recorded": 1}
    assert (flow.dbr_sought_reports, flow.dbr_notretrieved_reports, flow.reports_awaiting) == (4, 1, 1)
    assert (flow.dbr_assessed, flow.dbr_excluded, flow.dbr_included) == (2, {"Not a primary study": 1}, 1)
    assert (flow.new_studies, flow.total_studies) == (1, 1)


def test_records_without_a_decision_are_unscreened_after_a_stopping_rule() -> None:
    rows = _rows([["a"], ["b"], ["c"]])
    decided = {"a": Settled("exclude")}
    without = count_flow(rows, rule_exclusions={}, title_abstract=decided, full_text={})
    with_rule = count_flow(rows, rule_exclusions={}, title_abstract=decided, full_text={}, stopping=STOPPING)
    assert (without.records_awaiting, without.records_unscreened) == (2, 0)
    assert (with_rule.records_awaiting, with_rule.records_unscreened) == (0, 2)
    assert with_rule.stopping_rule == ("hypergeometric test, recall target 95%, confidence 95%, "
                                       "met after 40 records, on 2024-05-02")


def test_a_broken_identity_is_a_bug_naming_it() -> None:
    flow = count_flow(_rows([["a"], ["b"]]), rule_exclusions={}, title_abstract={"a": Settled("include")},
                      full_text={})
    flow.records_excluded += 1
    with pytest.raises(FlowArithmeticError, match="records_screened = records_excluded"):
        check_identities(flow)
    assert not issubclass(FlowArithmeticError, ScreenrevError)


# --- properties --------------------------------------------------------------------------

_DECISIONS = {"title_abstract": ["include", "exclude", "maybe"],
              "full_text": ["include", "exclude", "maybe", "not_retrieved"]}


@st.composite
def reviews(draw):
    """Records in clusters, rule exclusions, and any decisions by any reviewers."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=0, max_size=25))
    clusters, number = [], 0
    for size in sizes:
        clusters.append([f"r{number + i}" for i in range(size)])
        number += size
    databases = ["PsycINFO", "Scopus", "CT.gov"]
    rows = [(key, draw(st.sampled_from(databases)), members[0]) for members in clusters for key in members]
    primaries = [members[0] for members in clusters]
    rule_exclusions = {key: draw(st.sampled_from(["Old", "Not English"]))
                       for key in primaries if draw(st.booleans()) and draw(st.booleans())}
    decisions = []
    for stage in ("title_abstract", "full_text"):
        for key in primaries:
            for reviewer in draw(st.lists(st.sampled_from(["A", "B", "C"]), unique=True, max_size=3)):
                decision = draw(st.sampled_from(_DECISIONS[stage]))
                label = draw(st.sampled_from(["", "Wrong design", "Wrong population"])) if decision == "exclude" else ""
                decisions.append(Decision(key, stage, decision, label, reviewer, "2024-01-01", record=key, label=label))
    rules = SettlementRules(resolvers=frozenset(draw(st.sampled_from([[], ["C"]]))),
                            policies={"title_abstract": draw(st.sampled_from(["resolver", "include_if_any"]))})
    sought = draw(st.integers(0, 5))
    not_retrieved = draw(st.integers(0, sought))
    assessed = sought - not_retrieved
    excluded = draw(st.integers(0, assessed))
    other = OtherMethods(website_results=draw(st.integers(0, 9)), citations_results=sought,
                         other_sought_reports=sought, other_notretrieved_reports=not_retrieved,
                         other_assessed=assessed, other_excluded={"Wrong design": excluded} if excluded else {})
    return rows, rule_exclusions, decisions, rules, other, draw(st.sampled_from([None, STOPPING]))


@given(reviews(), st.tuples(st.integers(0, 20), st.integers(0, 30)))
@settings(max_examples=300, deadline=None)
def test_any_decisions_give_a_flow_whose_boxes_add_up(review, previous) -> None:
    rows, rule_exclusions, decisions, rules, other, stopping = review
    title_abstract = settle(decisions, "title_abstract", rules)
    # Full text only for records sent there, as the decision files are checked to be.
    sent = {r for r, s in title_abstract.settled.items() if s.decision != "exclude"}
    full_text = settle([d for d in decisions if d.stage == "title_abstract" or d.record in sent], "full_text", rules)
    flow = count_flow(rows, rule_exclusions=rule_exclusions, title_abstract=title_abstract.settled,
                      full_text=full_text.settled, registers=["CT.gov"], other_methods=other,
                      previous=previous, stopping=stopping)
    check_identities(flow)
    primaries = {primary for _, _, primary in rows}
    assert flow.identified == len(rows)
    assert flow.duplicates == len(rows) - len(primaries)
    assert flow.records_screened == len(title_abstract.settled)
    unsettled = len(primaries) - len(title_abstract.settled) - flow.excluded_automatic
    assert (flow.records_unscreened if stopping else flow.records_awaiting) == unsettled
    included = {r for r in sent if r in full_text.settled and full_text.settled[r].decision == "include"}
    assert flow.dbr_included == len(included)
    assert flow.total_studies == previous[0] + len(included) + other.other_assessed - sum(other.other_excluded.values())


@given(reviews())
@settings(max_examples=50, deadline=None)
def test_counting_does_not_change_its_inputs(review) -> None:
    rows, rule_exclusions, decisions, rules, other, stopping = review
    settled = settle(decisions, "title_abstract", rules).settled
    before = (list(rows), dict(rule_exclusions), dict(settled))
    count_flow(rows, rule_exclusions=rule_exclusions, title_abstract=settled, full_text={}, stopping=stopping)
    assert (rows, rule_exclusions, settled) == before


# --- the PRISMA2020 template, expected counts, diagram ----------------------------------


def _flow() -> Flow:
    rows = _rows([["a", "a2"], ["b"], ["c"], ["d"]]) + _rows([["e"]], "Web of Science, Core Collection")
    return count_flow(rows, rule_exclusions={"b": "Old"},
                      title_abstract={"a": Settled("include"), "c": Settled("exclude"), "e": Settled("include")},
                      full_text={"a": Settled("include"), "e": Settled("exclude", "Wrong design; cohort")},
                      stopping=STOPPING,
                      other_methods=OtherMethods(citations_results=4, other_sought_reports=2, other_assessed=2,
                                                 other_excluded={"Wrong population": 1}),
                      previous=(3, 4))


def test_template_csv_has_the_prisma2020_columns_and_counts() -> None:
    out = io.StringIO()
    write_template(_flow(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS == ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")
    values = {row["data"]: row["n"] for row in rows if row["data"] != "NA"}
    assert set(FIELDS) <= set(values)
    assert values["database_results"] == "6" and values["duplicates"] == "1"
    # The R package splits "Name, n; Name, n" at the first comma of each item.
    assert values["database_specific_results"] == "PsycINFO, 5; Web of Science - Core Collection, 1"
    assert values["dbr_excluded"] == "Wrong design - cohort, 1"
    assert values["excluded_automatic"] == "1" and values["excluded_other"] == "1"  # d: after the stopping rule
    assert (values["records_screened"], values["records_excluded"], values["dbr_sought_reports"]) == ("3", "1", "2")
    assert (values["other_sought_reports"], values["other_excluded"]) == ("2", "Wrong population, 1")
    assert (values["new_studies"], values["previous_studies"], values["total_studies"]) == ("2", "3", "5")


#: The patterns the PRISMA2020 package (``PRISMA_data``) finds rows by, with R's ``grep``:
#: a substring of the ``data`` column.
_PACKAGE_PATTERNS = (
    "previous_studies", "previous_reports", "register_results", "database_results", "database_specific_results",
    "register_specific_results", "website_results", "organisation_results", "citations_results", "duplicates",
    "excluded_automatic", "excluded_other", "records_screened", "records_excluded", "dbr_sought_reports",
    "dbr_notretrieved_reports", "other_sought_reports", "other_notretrieved_reports", "dbr_assessed",
    "dbr_excluded", "other_assessed", "other_excluded", "new_studies", "new_reports", "total_studies$",
    "total_reports$", "identification", "screening", "included", "total_studies_ma", "total_reports_ma",
)


def test_template_csv_carries_records_awaiting_where_the_package_does_not_look() -> None:
    rows = _rows([["a"], ["b"], ["c"]])
    flow = count_flow(rows, rule_exclusions={}, title_abstract={"a": Settled("include")}, full_text={})
    out = io.StringIO()
    write_template(flow, out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    values = {row["data"]: row for row in table}
    assert values["records_awaiting"]["n"] == "2" and values["reports_awaiting"]["n"] == "1"
    assert "not a PRISMA 2020 box" in values["records_awaiting"]["description"]
    # Every pattern the package looks for finds the row it means, and only that one: the new
    # rows are read by people, never drawn into a box.
    names = [row["data"] for row in table]
    for pattern in _PACKAGE_PATTERNS:
        found = [name for name in names if re.search(pattern, name)]
        assert "records_awaiting" not in found and "reports_awaiting" not in found, pattern


def test_differences_name_each_changed_count() -> None:
    expected = _flow().counts()
    actual = _flow().counts()
    actual["records_excluded"] += 1
    actual["records_excluded_reasons"] = {"No reason recorded": 2}
    del actual["dbr_excluded"]
    assert differences(expected, actual) == [
        ("records_excluded", 1, 2),
        ("records_excluded_reasons: No reason recorded", 1, 2),
        ("dbr_excluded: Wrong design; cohort", 1, None),
    ]
    assert differences(expected, _flow().counts()) == []


@pytest.mark.parametrize("suffix", ["svg", "pdf", "png"])
def test_diagram_is_drawn_the_same_every_time(tmp_path: Path, suffix: str) -> None:
    first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    draw(_flow(), first)
    draw(_flow(), second)
    assert first.read_bytes() == second.read_bytes()
    assert first.stat().st_size > 1000


def test_diagram_holds_every_box(tmp_path: Path) -> None:
    path = tmp_path / "flow.svg"
    draw(_flow(), path)
    svg = path.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<dc:date>" not in svg
    # Text is drawn as paths (the same on every machine); the boxes are rectangles.
    assert svg.count("<path") > 50


def test_diagram_format_comes_from_the_suffix(tmp_path: Path) -> None:
    with pytest.raises(ScreenrevError, match="SVG, PNG or PDF"):
        draw(_flow(), tmp_path / "flow.jpg")


@st.composite
def streams(draw):
    """Records found by databases, registers and other methods, in clusters that may mix them,
    with decisions and reports linked into studies."""
    clusters, number = [], 0
    for size in draw(st.lists(st.integers(1, 3), min_size=1, max_size=12)):
        clusters.append([f"r{number + i}" for i in range(size)])
        number += size
    methods = ["database", "register", "website", "organisation", "citation", "other"]
    rows = [(key, "Source", members[0], draw(st.sampled_from(methods))) for members in clusters for key in members]
    primaries = [members[0] for members in clusters]
    rule_exclusions = {key: "Old" for key in primaries if draw(st.integers(0, 3)) == 0}
    title_abstract = {key: Settled(draw(st.sampled_from(["include", "exclude", "maybe"])))
                      for key in primaries if draw(st.booleans())}
    full_text = {key: Settled(draw(st.sampled_from(["include", "exclude", "maybe", "not_retrieved"])), "Wrong design")
                 for key, settled in title_abstract.items() if settled.decision != "exclude" and draw(st.booleans())}
    included = [key for key, settled in full_text.items() if settled.decision == "include"]
    studies = {key: f"study{draw(st.integers(0, 2))}" for key in included if draw(st.booleans())}
    # In an updated review, some records belong to the previous version.
    earlier = frozenset(key for key, *_ in rows if draw(st.integers(0, 4)) == 0)
    return rows, rule_exclusions, title_abstract, full_text, studies, draw(st.sampled_from([None, STOPPING])), earlier


@given(streams())
@settings(max_examples=300, deadline=None)
def test_every_stream_adds_up_record_by_record(review) -> None:
    rows, rule_exclusions, title_abstract, full_text, studies, stopping, earlier = review
    update = count_flow(rows, rule_exclusions=rule_exclusions, title_abstract=title_abstract, full_text=full_text,
                        stopping=stopping, studies=studies, earlier=earlier)
    check_identities(update)  # the new version of an updated review adds up on its own
    assert update.identified + update.other_identified == len(rows) - len(earlier)
    flow = count_flow(rows, rule_exclusions=rule_exclusions, title_abstract=title_abstract, full_text=full_text,
                      stopping=stopping, studies=studies)
    check_identities(flow)
    assert flow.identified + flow.other_identified == len(rows)
    assert flow.other_identified == (flow.website_results + flow.organisation_results + flow.citations_results
                                     + flow.other_results)
    # Each cluster is screened once, in one column: the first when a database or register found it.
    primaries = {primary for _, _, primary, _ in rows}
    first = {primary for _, _, primary, method in rows if method in ("database", "register")}
    assert flow.records_screened == sum(1 for key in title_abstract if key in first)
    assert flow.other_records_screened == sum(1 for key in title_abstract if key in primaries - first)
    assert flow.duplicates + flow.other_duplicates == len(rows) - len(primaries)
    included = [key for key, settled in full_text.items() if settled.decision == "include"]
    assert flow.new_reports == len(included)
    assert flow.new_studies == len({studies.get(key, key) for key in included}) <= flow.new_reports


def test_a_record_found_by_citation_searching_and_a_database_is_counted_once() -> None:
    rows = [("db1", "Scopus", "db1", "database"), ("cit1", "Backward citations", "db1", "citation"),
            ("cit2", "Backward citations", "cit2", "citation"), ("exp1", "Experts", "cit2", "other")]
    flow = count_flow(rows, rule_exclusions={}, title_abstract={"db1": Settled("include"), "cit2": Settled("include")},
                      full_text={"db1": Settled("include"), "cit2": Settled("include")})
    check_identities(flow)
    assert (flow.database_results, flow.citations_results, flow.other_results) == (1, 2, 1)
    assert (flow.duplicates, flow.other_duplicates) == (0, 2)  # cit1 found already by Scopus; exp1 by citations
    assert (flow.records_screened, flow.other_records_screened) == (1, 1)
    assert (flow.dbr_included, flow.other_included, flow.new_studies) == (1, 1, 2)
