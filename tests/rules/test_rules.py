"""Rule files: every construct, evidence, missing data, errors with line numbers, determinism."""

from __future__ import annotations

import random
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screenrev import forked
from screenrev.errors import ProtocolError
from screenrev.rules import stage as screening
from screenrev.rules.engine import OUTCOMES, Screener
from screenrev.rules.language import detect
from screenrev.rules.protocol import check, load_protocol
from screenrev.rules.spelling import fold, spellings
from screenrev.rules.stage import screen_all
from screenrev.rules.terms import TermError, parse_term

PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"


def protocol(tmp_path: Path, body: str):
    path = tmp_path / "protocol.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return load_protocol(path)


def record(**fields) -> dict:
    base = {"title": "", "abstract": "", "keywords": [], "year": None, "language": None,
            "publication_type": [], "journal": None}
    return {**base, **fields}


def outcome(tmp_path: Path, criterion: str, **fields) -> tuple[str, str]:
    screener = Screener(protocol(tmp_path, "criteria:\n" + textwrap.indent(textwrap.dedent(criterion), "  ")))
    result = screener.outcomes(record(**fields))[0]
    return result.outcome, result.evidence


YEAR = """\
- id: year
  label: Old
  field: year
  {test}
"""


@pytest.mark.parametrize(
    ("test", "year", "expected"),
    [
        ("at_most: 2007", "2007", "exclude"),
        ("at_most: 2007", "2008", "pass"),
        ("at_least: 2020", "2020", "exclude"),
        ("before: 2008", "2007", "exclude"),
        ("before: 2008", "2008", "pass"),
        ("after: 2019", "2020", "exclude"),
        ("between: [1990, 2000]", "1995", "exclude"),
        ("between: [1990, 2000]", "2001", "pass"),
    ],
)
def test_year_ranges(tmp_path: Path, test: str, year: str, expected: str) -> None:
    result, evidence = outcome(tmp_path, YEAR.format(test=test), year=year)
    assert (result, evidence) == (expected, f"year {year}")


def test_missing_year_is_unsure_never_excluded(tmp_path: Path) -> None:
    assert outcome(tmp_path, YEAR.format(test="at_most: 2007")) == ("unsure", "no year")


LANGUAGE = """\
- id: language
  label: Not in English
  field: language
  not_in: [English]
"""


def test_language_field_names_and_codes(tmp_path: Path) -> None:
    assert outcome(tmp_path, LANGUAGE, language="de") == ("exclude", "language: de")
    assert outcome(tmp_path, LANGUAGE, language="en") == ("pass", "language: en")
    # A record in two languages, one of them English, is readable in English.
    assert outcome(tmp_path, LANGUAGE, language="en;fr")[0] == "pass"


def test_language_detected_when_the_field_is_missing(tmp_path: Path) -> None:
    german = "Die Wirkung von Sport auf die psychische Gesundheit bei Jugendlichen in der Schule"
    result, evidence = outcome(tmp_path, LANGUAGE, title=german)
    assert result == "exclude"
    assert "detected" in evidence and "de" in evidence


def test_language_of_too_short_a_text_is_unsure(tmp_path: Path) -> None:
    result, evidence = outcome(tmp_path, LANGUAGE, title="Mental health")
    assert result == "unsure"
    assert "too little text" in evidence


def test_detection_is_limited_and_honest() -> None:
    assert detect("Fatores de risco para depressão em idosos na atenção primária").code == "pt"
    assert detect("Insomnia").code is None


def test_list_membership_on_publication_type(tmp_path: Path) -> None:
    criterion = """\
    - id: kind
      label: Not research
      field: publication_type
      in: [Editorial, letter]
    """
    assert outcome(tmp_path, criterion, publication_type=["Letter"])[0] == "exclude"
    assert outcome(tmp_path, criterion, publication_type=["Journal Article"])[0] == "pass"
    assert outcome(tmp_path, criterion) == ("unsure", "no publication_type")


def test_absence_of_a_field(tmp_path: Path) -> None:
    criterion = """\
    - id: no-journal
      label: No journal
      field: journal
      missing: true
    """
    assert outcome(tmp_path, criterion) == ("exclude", "no journal")
    assert outcome(tmp_path, criterion, journal="BMJ") == ("pass", "journal: BMJ")


PEER = """\
- id: peer
  label: Not in a peer-reviewed journal
  peer_reviewed: false
"""


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["JOUR"], "pass"),  # RIS
        (["Article"], "pass"),  # Web of Science DT, Scopus
        (["Journal Article", "Research Support, Non-U.S. Gov't"], "pass"),  # PubMed PT
        (["Academic Journal"], "pass"),  # EBSCO
        (["Scholarly Journals"], "pass"),  # ProQuest
        (["Journal; Peer Reviewed Journal"], "pass"),  # PsycINFO
        (["Comment", "Journal Article"], "exclude"),  # PubMed's comments are journal articles too
        (["Editorial Material"], "exclude"),
        (["Conference Paper"], "exclude"),
        (["THES"], "exclude"),
        (["Book Chapter"], "exclude"),
        (["Dissertation Abstract"], "exclude"),
        (["Trade Journals"], "exclude"),
        ([], "unsure"),
        (["Something new"], "unsure"),
    ],
)
def test_peer_review_across_dialects(tmp_path: Path, types: list[str], expected: str) -> None:
    assert outcome(tmp_path, PEER, publication_type=types)[0] == expected


def test_any_term_with_wildcard_phrase_and_evidence(tmp_path: Path) -> None:
    criterion = """\
    - id: age
      label: Children
      any: [child*, "primary school"]
    """
    result, evidence = outcome(tmp_path, criterion, title="Wellbeing of schoolchildren",
                               abstract="Pupils in Primary-School classes and their children's teachers.")
    assert result == "exclude"
    assert "'primary school' in abstract" in evidence
    assert "[Primary-School]" in evidence
    assert "[children]" in evidence  # the whole word, not just the stem
    # Word boundaries: "schoolchildren" does not start with child.
    assert "schoolchildren]" not in evidence


def test_word_boundaries_case_and_accents(tmp_path: Path) -> None:
    criterion = """\
    - id: carers
      label: Carers
      any: [carer, eleve]
    """
    assert outcome(tmp_path, criterion, title="CARER burden", abstract="x")[0] == "exclude"
    assert outcome(tmp_path, criterion, title="Caregivers and careers", abstract="x")[0] == "pass"
    assert outcome(tmp_path, criterion, title="L'Élève", abstract="x")[0] == "exclude"


def test_british_and_american_spellings(tmp_path: Path) -> None:
    criterion = """\
    - id: behaviour
      label: Behaviour
      any: [behaviour, paediatric*, organise]
    """
    for title in ("Behavior change", "Pediatrics today", "How teams organize care"):
        assert outcome(tmp_path, criterion, title=title, abstract="x")[0] == "exclude", title
    assert spellings("colour") == {"colour", "color"}
    assert spellings("four") == {"four"}


def test_all_and_none(tmp_path: Path) -> None:
    every = """\
    - id: animal
      label: Animal study
      all: [rat*, experiment*]
    """
    assert outcome(tmp_path, every, title="Rats in an experiment", abstract="x")[0] == "exclude"
    assert outcome(tmp_path, every, title="Rats only", abstract="nothing else")[0] == "pass"
    nothing = """\
    - id: off-topic
      label: Not about mental health
      none: [mental health, depress*]
    """
    assert outcome(tmp_path, nothing, title="Knee surgery", abstract="Outcomes of knee surgery")[0] == "exclude"
    assert outcome(tmp_path, nothing, title="Depression after surgery", abstract="x")[0] == "pass"


def test_unless_exceptions(tmp_path: Path) -> None:
    criterion = """\
    - id: adolescents
      label: Adolescents only
      any: [adolescen*]
      unless: [adult*]
    """
    result, evidence = outcome(tmp_path, criterion, title="Adolescents and adults", abstract="x")
    assert result == "pass"
    assert "but 'adult*' in title" in evidence
    assert outcome(tmp_path, criterion, title="Adolescents", abstract="in school")[0] == "exclude"


def test_proximity(tmp_path: Path) -> None:
    criterion = """\
    - id: restraint
      label: Restraint by staff
      any: ["restrain* NEAR/3 staff"]
    """
    assert outcome(tmp_path, criterion, title="Staff often restrained patients", abstract="x")[0] == "exclude"
    far = "Restraint was rare, according to reports from the ward and from the staff"
    assert outcome(tmp_path, criterion, title=far, abstract="x")[0] == "pass"


def test_keywords_chosen_per_criterion(tmp_path: Path) -> None:
    criterion = """\
    - id: children
      label: Children
      text: keywords
      any: [child*]
    """
    assert outcome(tmp_path, criterion, title="Children", keywords=["adults"])[0] == "pass"
    assert outcome(tmp_path, criterion, title="x", keywords=["Child welfare"])[0] == "exclude"


def test_missing_text_leaves_the_record_to_a_human(tmp_path: Path) -> None:
    absent = """\
    - id: off-topic
      label: Not about mental health
      none: [mental health]
    """
    # No abstract: absence of a term in a title alone proves nothing.
    result, evidence = outcome(tmp_path, absent, title="Knee surgery")
    assert result == "unsure" and "no abstract" in evidence
    assert outcome(tmp_path, absent)[0] == "unsure"
    present = """\
    - id: children
      label: Children
      any: [child*]
      unless: [adult*]
    """
    # The exception could be in the missing abstract.
    assert outcome(tmp_path, present, title="Children in care")[0] == "unsure"


def test_combinations_use_three_valued_logic(tmp_path: Path) -> None:
    both = """\
    - id: old-and-german
      label: Old German
      all_of:
        - {field: year, at_most: 2000}
        - {field: language, in: [German]}
    """
    assert outcome(tmp_path, both, year="1990", language="de")[0] == "exclude"
    assert outcome(tmp_path, both, year="2010")[0] == "pass"  # no matter the language
    assert outcome(tmp_path, both, year="1990")[0] == "unsure"  # language unknown
    either = """\
    - id: old-or-german
      label: Old or German
      any_of:
        - {field: year, at_most: 2000}
        - {field: language, in: [de]}
    """
    assert outcome(tmp_path, either, language="de")[0] == "exclude"  # year unknown, but German
    assert outcome(tmp_path, either, year="2010", language="en")[0] == "pass"
    assert outcome(tmp_path, either, language="en")[0] == "unsure"


def test_flag_action_and_verdict_order(tmp_path: Path) -> None:
    screener = Screener(protocol(tmp_path, """\
        criteria:
          - id: children
            label: Children
            action: flag
            any: [child*]
          - id: year
            label: Old
            field: year
            at_most: 2007
    """))
    outcomes = screener.outcomes(record(title="Children", abstract="x", year="2001"))
    assert [o.outcome for o in outcomes] == ["flag", "exclude"]
    verdict = screener.verdict(outcomes)
    assert (verdict.outcome, verdict.reason) == ("exclude", "Old")
    assert screener.verdict(screener.outcomes(record(title="Children", abstract="x", year="2011"))).outcome == "flag"


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("", "empty term"),
        ("*ing", "wildcard must follow"),
        ("wom*n", "wildcard can only end a word"),
        ("child OR adolescent", "not an operator"),
        ("(child)", "only letters"),
        ("a NEAR/0 b", "between 1 and 50"),
        ("a NEAR b", "NEAR/5"),
    ],
)
def test_bad_terms_say_how_to_write_them(term: str, message: str) -> None:
    with pytest.raises(TermError, match=message):
        parse_term(term)


def test_terms_fold_like_text() -> None:
    assert parse_term("Follow-up").phrases[0].words == ("follow", "up")
    assert fold("Élève—test")[0] == "eleve test"


ERRORS = [
    ("criteria:\n  - id: year\n    label: Old\n    field: yeer\n    at_most: 2007\n", 4, 12, "did you mean 'year'"),
    ("criteria:\n  - id: a\n    label: A\n    any: []\n", 4, 10, "empty list of terms"),
    ("criteria:\n  - id: a\n    label: A\n    any: [wom*n]\n", 4, 11, "wildcard can only end a word"),
    ("criteria:\n  - id: a\n    label: A\n    any: [x]\n  - id: a\n    label: B\n    any: [y]\n", 5, 9,
     "already used on line 2"),
    ("criteria:\n  - id: a\n    lable: A\n    any: [x]\n", 3, 12, "did you mean 'label'"),
    ("criteria:\n  - id: a\n    label: A\n", 2, 5, "says nothing about when it applies"),
    ("criteria:\n  - id: a\n    label: A\n    any: [x]\n    field: year\n    at_most: 2007\n", 2, 5, "mixes"),
    ("criteria:\n  - id: a\n    label: A\n     any: [x]\n", 4, 9, "not valid YAML"),
    ("criteria:\n  - id: A B\n    label: A\n    any: [x]\n", 2, 9, "not a usable id"),
    ("criteria:\n  - id: a\n    label: A\n    action: delete\n    any: [x]\n", 4, 13, "unknown action"),
    ("criteria:\n  - id: a\n    label: A\n    field: year\n    at_most: last year\n", 5, 14, "takes a year"),
    ("criteria:\n  - id: a\n    label: A\n    field: language\n    not_in: [Klingon]\n", 5, 14, "not a language"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), ERRORS)
def test_protocol_errors_name_line_and_column(tmp_path: Path, text: str, line: int, column: int,
                                              message: str) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text(text, encoding="utf-8")
    _protocol, problems = check(path)
    matching = [problem for problem in problems if message in str(problem)]
    assert matching, [str(problem) for problem in problems]
    assert (matching[0].line, matching[0].column) == (line, column), str(matching[0])
    assert str(matching[0]).startswith(f"{path}:{line}:{column}: ")
    with pytest.raises(ProtocolError):
        load_protocol(path)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("criteria:\n  - id: a\n    label: A\n    any: []\n  - id: b\n    field: nope\n    in: [x]\n",
                    encoding="utf-8")
    _protocol, problems = check(path)
    assert [p.line for p in problems] == [4, 5, 6]


def test_executable_yaml_is_refused_and_never_run(tmp_path: Path) -> None:
    target = tmp_path / "created"
    path = tmp_path / "protocol.yaml"
    path.write_text(
        f"criteria: !!python/object/apply:builtins.open [{str(target)!r}, w]\n", encoding="utf-8"
    )
    _protocol, problems = check(path)
    assert "not allowed" in str(problems[0]) and "nothing in it is executed" in str(problems[0])
    assert problems[0].line == 1
    assert not target.exists()


def test_yaml_surprises_are_read_as_written(tmp_path: Path) -> None:
    # YAML 1.1 reads a bare "no" as false: in a term list it stays the word "no".
    screener = Screener(protocol(tmp_path, "criteria:\n  - id: a\n    label: A\n    any: [no, on]\n"))
    assert [t.text for t in screener.protocol.terms] == ["no", "on"]


def test_the_seed_review_protocol_is_valid() -> None:
    carr = load_protocol(PROTOCOLS / "carr2023-social-care-harm.yaml")
    assert [c.id for c in carr.criteria] == [
        "conducted-2007-or-earlier", "not-english", "participants-under-fifteen", "not-community-setting",
        "participants-not-service-users", "not-mental-health-support", "not-peer-reviewed",
    ]
    assert [c.action for c in carr.criteria].count("exclude") == 3
    assert "Not in a peer-reviewed journal" in carr.full_text_reasons


SAMPLE = [
    record(title="Children in community care", abstract="Service users described harm in mental health "
           "social care.", year="2012", language="en", publication_type=["JOUR"]),
    record(title="Staff views on restraint in inpatient wards", abstract="Nurses and psychiatrists "
           "were interviewed.", year="2015", language="en", publication_type=["Article"]),
    record(title="Old study", abstract="Depression in adults.", year="2001", publication_type=["Book"]),
    record(title="Sin resumen"),
    record(title="Experiences of harm", abstract="Adults with schizophrenia living in supported housing "
           "reported neglect by their care workers.", year="2019", language="fr",
           publication_type=["Editorial"]),
]


def test_outcomes_do_not_depend_on_the_order_of_criteria() -> None:
    carr = load_protocol(PROTOCOLS / "carr2023-social-care-harm.yaml")
    shuffled = list(carr.criteria)
    random.Random(4).shuffle(shuffled)
    first, second = Screener(carr), Screener(replace(carr, criteria=tuple(shuffled)))
    for item in SAMPLE:
        a = {o.criterion: o for o in first.outcomes(item)}
        b = {o.criterion: o for o in second.outcomes(item)}
        assert a == b
        assert (first.verdict(list(a.values())).outcome == second.verdict(list(b.values())).outcome)


def test_outcomes_are_deterministic() -> None:
    carr = load_protocol(PROTOCOLS / "carr2023-social-care-harm.yaml")
    runs = [[Screener(carr).outcomes(item) for item in SAMPLE] for _ in range(2)]
    assert runs[0] == runs[1]


def test_outcomes_are_the_same_when_a_review_is_shared_among_processes() -> None:
    carr = load_protocol(PROTOCOLS / "carr2023-social-care-harm.yaml")
    records = [dict(item, key=str(n)) for n, item in enumerate(SAMPLE * 20)]
    alone = screen_all(Screener(carr), records, processes=1)
    shared = screen_all(Screener(carr), records, processes=3)
    assert shared == alone
    assert [outcomes for _record, outcomes, _verdict in alone] == [Screener(carr).outcomes(r) for r in records]


def test_languages_detected_by_several_processes_are_those_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Adults with schizophrenia described harm in supported housing and community care",
             "Les usagers des services de santé mentale ont décrit les préjudices subis à domicile",
             "Die Nutzer psychiatrischer Dienste berichteten über Schäden in der Gemeindepflege",
             "Too short"]
    records = [record(title=text, key=str(n)) for n, text in enumerate(texts * 6)]

    class Workspace:
        def detected_languages(self, by: str) -> dict:
            return {"0": ("en", 1.0)}  # found before: not detected again

        def store_languages(self, new: dict) -> None:
            self.stored = new

    monkeypatch.setattr(forked, "MIN_ITEMS", 0)
    monkeypatch.setattr(forked, "CHUNK", 5)
    monkeypatch.setattr(forked, "processes_for", lambda items: 3)
    workspace = Workspace()
    screening._detect_languages(records, workspace)
    assert "0" not in workspace.stored and len(workspace.stored) == len(records) - 1
    for item in records[1:]:
        found = detect(item["title"] + ". ")
        assert item["language_detected"] == workspace.stored[item["key"]] == (found.code, found.probability)
    assert [item["language_detected"][0] for item in records[:4]] == ["en", "fr", "de", None]


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=150, deadline=None)
@given(title=_TEXT, abstract=_TEXT, year=st.one_of(st.none(), st.from_regex(r"\A(19|20)\d\d\Z")),
       types=st.lists(st.sampled_from(["JOUR", "Book", "Letter", "x", ""]), max_size=2))
def test_any_record_gets_an_outcome_for_every_criterion(title, abstract, year, types) -> None:
    carr = load_protocol(PROTOCOLS / "carr2023-social-care-harm.yaml")
    screener = Screener(carr)
    outcomes = screener.outcomes(record(title=title, abstract=abstract, year=year, publication_type=types))
    assert [o.criterion for o in outcomes] == [c.id for c in carr.criteria]
    assert all(o.outcome in OUTCOMES and o.evidence for o in outcomes)
    if year is None:
        assert outcomes[0].outcome == "unsure"  # missing data never excludes


@pytest.mark.parametrize("types", [["GEN"], ["Generic"], ["SER"], ["Other"], ["misc"], ["Miscellaneous"],
                                   ["MANSCPT"]])
def test_a_generic_type_leaves_peer_review_unsure(types: list[str]) -> None:
    from screenrev.rules.doctypes import kind

    assert kind(types)[0] is None
    assert kind([*types, "JOUR"])[0] == "journal article"  # a known type beside it still counts


def test_no_generic_type_is_in_a_vocabulary() -> None:
    from screenrev.rules import doctypes

    assert not doctypes.GENERIC & (doctypes._JOURNAL | doctypes._NOT_PEER_REVIEWED | doctypes._NOT_JOURNAL)


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["J"], "journal article"),  # Web of Science PT J: the source is a journal
        (["J", "Editorial Material"], "not peer reviewed"),  # ...and its DT still says what the item is
        (["B"], "not a journal article"),  # PT B: a book
        (["P"], "not a journal article"),  # PT P: a patent
        (["J", "Poetry"], "not peer reviewed"),  # Arts & Humanities: a poem
        (["Article in Press"], "journal article"),  # Embase, Scopus: RIS INPR
        (["IBM Journals"], "journal article"),  # IEEE Xplore, as IEEE Journals
        (["Historical Article"], "journal article"),  # PubMed
        (["JOUR", "Trial registry record; Clinical trial protocol"], "not peer reviewed"),  # Cochrane CENTRAL
        (["Book, Section"], "not a journal article"),  # RefWorks
        (["Serial", "Audio"], "not a journal article"),  # Refer
        (["Masters"], "not a journal article"),  # EndNote's thesis types
        (["Ph.D."], "not a journal article"),
        (["THES", "Ed.D."], "not a journal article"),  # ProQuest Dissertations
        *(([code], "not a journal article") for code in (  # the rest of RIS TY
            "ADVS", "AGGR", "DBASE", "ANCIENT", "BLOG", "CLSWK", "CTLG", "DICT", "EQUA", "FIGURE", "ICOMM",
            "PCOMM", "MPCT", "MULTI", "MUSIC")),
    ],
)
def test_types_found_in_the_real_exports(types: list[str], expected: str) -> None:
    from screenrev.rules.doctypes import kind

    assert kind(types)[0] == expected


@pytest.mark.parametrize(
    "types",
    [
        ["S"],  # Web of Science PT S: a series, of proceedings or of reviews
        ["Clinical trial protocol"],  # Cochrane: in a journal or only in a registry
        ["Practice Guideline"], ["Consensus Development Conference"], ["Clinical Conference"],  # PubMed
        ["Information Analyses"], ["Collected Works - General"],  # ERIC
        ["Original Article: PDF Only."], ["Text/Reference"],  # Ovid
        ["Primer"], ["Abstract only"], ["English Abstract"],
        ["Health Psychology & Medicine [3360]"],  # a PsycINFO classification, in Ovid's M3
        ["Type of Work"], ["set"],
    ],
)
def test_ambiguous_types_of_the_real_exports_stay_unsure(types: list[str]) -> None:
    from screenrev.rules.doctypes import kind

    assert kind(types)[0] is None


def test_a_trial_registry_record_is_excluded_though_cochrane_types_it_jour(tmp_path: Path) -> None:
    types = ["JOUR", "Trial registry record; Clinical trial protocol"]
    assert outcome(tmp_path, PEER, publication_type=types) == (
        "exclude", "type: Trial registry record (not peer reviewed)")


def test_a_yaml_error_names_where_the_problem_starts_then_where_it_was_found() -> None:
    text = "criteria:\n  - id: a\n    label: A\n    field: language\n    not_in: [en, fr\n"
    with pytest.raises(ProtocolError) as error:
        from screenrev.rules.yamldata import load

        load(text, "p.yaml")
    message = str(error.value)
    assert message.startswith("p.yaml:5:13: not valid YAML: while parsing a flow sequence")
    assert "at line 6, column 1" in message
