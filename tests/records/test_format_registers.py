"""Clinical-trial register exports: ClinicalTrials.gov CSV/TSV and JSON, WHO ICTRP XML and
EU CTR full trial details, read from records cut from real downloads (tests/data/registers,
see SOURCES.md) and, when ../shared/data is present, from the whole downloads with the
study counts their SOURCE.txt gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records import formats
from screenrev.records.formats import (
    Notes,
    ctgov_csv,
    ctgov_json,
    euctr_text,
    ictrp_xml,
)
from screenrev.records.formats.trials import SECONDARY_IDS, TRIAL_RECORD
from screenrev.records.parse import ParsedFile, detect, read_export
from screenrev.records.record import identity, record_key
from screenrev.records.textio import split_lines
from screenrev.rules.doctypes import NOT_PEER_REVIEWED, kind

from ..conftest import DATA, SHARED

REGISTERS = DATA / "registers"
SHARED_REGISTERS = SHARED / "registers"
CLASSIC_CSV = REGISTERS / "ctgov_classic_brain_PET_first5.csv"
CLASSIC_TSV = REGISTERS / "ctgov_classic_breast_cancer_first5.tsv"
MODERN_CSV = REGISTERS / "ctgov_erectile_dysfunction_first5.csv"
JSON_STUDIES = REGISTERS / "ctgov_studies_3.json"
ICTRP = REGISTERS / "ictrp_5_trials.xml"
EUCTR = REGISTERS / "euctr_first3.txt"
REGISTER_FORMATS = {module.NAME for module in (ctgov_csv, ctgov_json, ictrp_xml, euctr_text)}


def _by_id(parsed: ParsedFile) -> dict[str, dict]:
    return {record["source_id"]: record for record in parsed.records}


def _keys(parsed: ParsedFile) -> list[str]:
    """The records' keys as the workspace gives them (a repeated identity numbered)."""
    seen: dict[str, int] = {}
    keys = []
    for record in parsed.records:
        ident = identity(record)
        seen[ident] = seen.get(ident, 0) + 1
        keys.append(record_key("register search", ident, seen[ident]))
    return keys


# --- the whole downloads, counted as SOURCE.txt counts them ------------------------------

SOURCE_COUNTS = [
    ("clinicaltrials_gov/classic_SearchResults_brain_PET.csv", "ctgov_csv", 1048),
    ("clinicaltrials_gov/classic_SearchResults_breast_cancer.tsv", "ctgov_csv", 40),
    ("clinicaltrials_gov/modern_ctg-studies_erectile_dysfunction.csv", "ctgov_csv", 635),
    ("clinicaltrials_gov/modern_ctg-studies_10.json", "ctgov_json", 10),
    ("clinicaltrials_gov/modern_ctg-studies_50.json", "ctgov_json", 50),
    ("ictrp/who-export-sample.xml", "ictrp_xml", 97),
    # one protocol per member state: 3 records of 2022-002568-62 and 7 of 2021-002179-21
    ("eu_ctr/euctr_full_trial_details.txt", "euctr_text", 10),
]


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_REGISTERS.is_dir(), reason="../shared/data is not present")
@pytest.mark.parametrize(("name", "format", "studies"), SOURCE_COUNTS, ids=[row[0] for row in SOURCE_COUNTS])
def test_each_download_reads_with_the_study_count_its_source_gives(name: str, format: str, studies: int) -> None:
    parsed = read_export(SHARED_REGISTERS / name)
    assert (parsed.format, parsed.count) == (format, studies)
    assert parsed.warnings == [] and parsed.risks == []
    assert len(set(_keys(parsed))) == studies
    assert all(record["source_id"] and record["title"] for record in parsed.records)
    assert all(record["publication_type"][0] == TRIAL_RECORD for record in parsed.records)


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_REGISTERS.is_dir(), reason="../shared/data is not present")
def test_every_trial_of_each_download_keeps_its_own_id() -> None:
    ids = {name: [record["source_id"] for record in read_export(SHARED_REGISTERS / name).records]
           for name, _, _ in SOURCE_COUNTS}
    for name, _, studies in SOURCE_COUNTS[:-1]:
        assert len(set(ids[name])) == studies, name
    # The EU CTR: the member states of two trials, Sweden and Poland each with two versions.
    assert sorted(set(ids["eu_ctr/euctr_full_trial_details.txt"])) == [
        "EUCTR2021-002179-21-ES", "EUCTR2021-002179-21-FR", "EUCTR2021-002179-21-GR", "EUCTR2021-002179-21-HU",
        "EUCTR2021-002179-21-PL", "EUCTR2021-002179-21-PT", "EUCTR2022-002568-62-ES", "EUCTR2022-002568-62-SE",
    ]


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_REGISTERS.is_dir(), reason="../shared/data is not present")
def test_the_fixtures_are_records_of_the_downloads() -> None:
    sources = {
        CLASSIC_CSV: "clinicaltrials_gov/classic_SearchResults_brain_PET.csv",
        CLASSIC_TSV: "clinicaltrials_gov/classic_SearchResults_breast_cancer.tsv",
        MODERN_CSV: "clinicaltrials_gov/modern_ctg-studies_erectile_dysfunction.csv",
        JSON_STUDIES: "clinicaltrials_gov/modern_ctg-studies_10.json",
        ICTRP: "ictrp/who-export-sample.xml",
        EUCTR: "eu_ctr/euctr_full_trial_details.txt",
    }
    for fixture, source in sources.items():
        whole = [record["raw"] for record in read_export(SHARED_REGISTERS / source).records]
        assert all(record["raw"] in whole for record in read_export(fixture).records), fixture.name


# --- detection ----------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "format", "count"), [
    (CLASSIC_CSV, "ctgov_csv", 5), (CLASSIC_TSV, "ctgov_csv", 5), (MODERN_CSV, "ctgov_csv", 5),
    (JSON_STUDIES, "ctgov_json", 3), (ICTRP, "ictrp_xml", 5), (EUCTR, "euctr_text", 3),
], ids=lambda value: value.name if isinstance(value, Path) else str(value))
def test_detected_by_content_and_counted_independently(path: Path, format: str, count: int) -> None:
    lines = split_lines(path.read_bytes().decode("utf-8-sig"))
    module = detect(lines, path.name)
    assert module.NAME == format
    raws = list(module.parse(lines, Notes(path.name)))
    assert [raw.line for raw in raws] == module.starts(lines)
    parsed = read_export(path)
    assert (parsed.count, parsed.warnings, parsed.risks) == (count, [], [])


def test_each_register_format_names_its_register() -> None:
    names = {module.NAME: module.DATABASE for module in formats.registry() if hasattr(module, "DATABASE")}
    assert names == {"ctgov_csv": "ClinicalTrials.gov", "ctgov_json": "ClinicalTrials.gov",
                     "ictrp_xml": "WHO ICTRP", "euctr_text": "EU CTR"}


def test_no_other_fixture_is_taken_for_a_register_export() -> None:
    for path in sorted(DATA.rglob("*")):
        if not path.is_file() or path.suffix == ".md" or REGISTERS in path.parents:
            continue
        try:
            format = read_export(path, accept_risks=True).format
        except InputError:
            continue  # the deliberately broken fixtures
        assert format not in REGISTER_FORMATS, path


def test_a_table_is_a_clinicaltrials_gov_export_only_by_its_nct_number_column() -> None:
    assert ctgov_csv.sniff(['"NCT Number","Title","Conditions"'])
    assert ctgov_csv.sniff(["NCT Number\tTitle\tURL"])
    assert not ctgov_csv.sniff(["Title,Abstract,Authors,Year"])
    assert not ctgov_csv.sniff(["NCT Number,Notes"])  # no column of ClinicalTrials.gov's besides it
    assert not ctgov_csv.sniff(["Title,Abstract,Trial registration (NCT Number)"])


def test_json_and_xml_of_other_kinds_are_not_taken() -> None:
    assert not ctgov_json.sniff(['[{"title": "A record", "doi": "10.1000/1"}]'])
    assert not ctgov_json.sniff(['{"protocolSection": {}}'])  # one study, not the download's list
    assert not ictrp_xml.sniff(['<?xml version="1.0"?>', "<PubmedArticleSet>"])
    assert not euctr_text.sniff(["TY  - JOUR", "TI  - Summary", "ER  - "])


# --- field mapping, on named records --------------------------------------------------------


def test_classic_csv_fields() -> None:
    study = _by_id(read_export(CLASSIC_CSV))["NCT03582254"]
    assert study["title"] == ("Role of [18F]-FDG Brain PET in Newly Diagnosed Primary Cerebral Lymphoma, "
                              "in Immunocompetent Patient Older Than 60 Years")
    assert study["authors"] == ["Assistance Publique - Hôpitaux de Paris"]
    assert study["year"] == "2018"  # First Posted: July 10, 2018 (started June 13, 2016)
    assert study["url"] == ["https://ClinicalTrials.gov/show/NCT03582254"]
    assert study["keywords"] == ["Primary Central Nervous System Lymphoma", "Radiation: [18F]-FDG PET/MR"]
    assert study["publication_type"] == ["Trial Registry Record", "Interventional"]
    assert (study["abstract"], study["language"], study["journal"]) == (None, None, None)
    # Its EudraCT number among its other ids, where dedup can meet the EU CTR's record.
    assert study["extra"] == {SECONDARY_IDS: "AOR14101; 2014-002597-37"}
    memantine = _by_id(read_export(CLASSIC_CSV))["NCT00800709"]
    assert memantine["authors"] == ["Shanghai Mental Health Center", "H. Lundbeck A/S"]  # lead sponsor first


def test_classic_tsv_quotes_nothing() -> None:
    studies = _by_id(read_export(CLASSIC_TSV))
    rehabilitation = studies["NCT03254875"]
    assert rehabilitation["title"] == "Rehabilitation After Breast Cancer"
    assert rehabilitation["authors"] == ["Danish Cancer Society", "Rigshospitalet, Denmark",
                                         "Copenhagen University Hospital at Herlev"]
    assert rehabilitation["keywords"] == ["Breast Cancer", "Behavioral: Individually tailored nurse navigation"]
    assert rehabilitation["year"] == "2017"
    assert rehabilitation["extra"] == {SECONDARY_IDS: "REBECCA II"}
    documents = dict(studies["NCT03865654"]["raw"])["Study Documents"]
    assert documents.startswith('"Study Protocol", https://clinicaltrials.gov/ProvidedDocs/54/NCT03865654/')
    assert studies["NCT05600257"]["publication_type"] == ["Trial Registry Record", "Observational"]


def test_current_site_csv_fields() -> None:
    study = _by_id(read_export(MODERN_CSV))["NCT00351065"]
    assert study["title"] == "Phase II Trial of SK3530 in Erectile Dysfunction"
    assert study["authors"] == ["SK Chemicals Co., Ltd."]
    assert study["year"] == "2006"
    assert study["url"] == ["https://clinicaltrials.gov/study/NCT00351065"]
    assert study["keywords"] == ["Male Erectile Dysfunction", "Drug: SK3530"]  # DRUG: written as words
    assert study["publication_type"] == ["Trial Registry Record", "Interventional"]
    assert study["extra"] == {SECONDARY_IDS: "SK3530_II_2004"}


def test_json_fields() -> None:
    studies = _by_id(read_export(JSON_STUDIES))
    assert list(studies) == ["NCT05923281", "NCT05923112", "NCT05913700"]
    kowa = studies["NCT05923281"]
    assert kowa["title"] == ("A Phase III Confirmatory Study of K-877 (Pemafibrate) in Patients With "
                             "Hypercholesterolemia and Statin Intolerance")
    assert kowa["abstract"].startswith("To investigate the efficacy and safety of K-877 Extended Release")
    assert "patients with Statin Intolerant* Hypercholesterolemia" in kowa["abstract"]  # Markdown's \* undone
    assert kowa["authors"] == ["Kowa Company, Ltd."]
    assert kowa["year"] == "2023"
    assert kowa["url"] == ["https://clinicaltrials.gov/study/NCT05923281"]
    assert kowa["keywords"] == ["Hypercholesterolemia", "Drug: K-877 0.2 mg/day (once daily)",
                                "Drug: K-877 0.4 mg/day (once daily)", "Drug: Placebo (once daily)"]
    assert kowa["publication_type"] == ["Trial Registry Record", "Interventional"]
    assert kowa["extra"] == {SECONDARY_IDS: "K-877-ER-04"}
    assert studies["NCT05923112"]["publication_type"] == ["Trial Registry Record", "Observational"]
    assert len(studies["NCT05913700"]["authors"]) > 1  # the lead sponsor, then its collaborators
    raw = dict(kowa["raw"])
    assert raw["protocolSection/identificationModule/organization/fullName"] == "Kowa Company, Ltd."
    assert raw["protocolSection/armsInterventionsModule/interventions[2]/name"] == "K-877 0.4 mg/day (once daily)"
    assert raw["hasResults"] == "false"


def test_json_indented_or_on_one_line_reads_the_same_studies() -> None:
    studies = json.loads(JSON_STUDIES.read_bytes())
    whole = read_export(JSON_STUDIES).records
    for text in (json.dumps(studies, indent=2), json.dumps(studies)):
        parsed = read_export("studies.json", text.encode())
        assert [{**record, "line": 0} for record in parsed.records] == [{**record, "line": 0} for record in whole]
    assert [record["line"] for record in read_export("studies.json", json.dumps(studies, indent=2).encode()).records] \
        == [3, 613, 922]  # each study at its "protocolSection" line


def test_ictrp_fields() -> None:
    trials = _by_id(read_export(ICTRP))
    assert list(trials) == ["NCT07596290", "ChiCTR2600122961", "EUCTR2018-004758-39-IT",
                            "CTIS2023-507106-13-00", "JPRN-UMIN000007004"]
    radical = trials["NCT07596290"]
    assert radical["title"] == "Yang et al. Anti-PD-1/CTLA-4 Dual Immunotherapy for LARC"  # the public title
    assert radical["authors"] == ["Beijing Friendship Hospital", "Peking University Cancer Hospital & Institute",
                                  "Peking Union Medical College"]
    assert radical["year"] == "2026"  # registered 20260510
    assert radical["url"] == ["https://clinicaltrials.gov/study/NCT07596290"]
    assert radical["keywords"] == [
        "Locally Advanced Rectal Adenocarcinoma", "Neoadjuvant Chemoradiation", "Neoadjuvant Immunotherapy",
        "Radiation: Short-course radiotherapy", "Radiation: Long-course radiotherapy", "Drug: Immunotherapy",
    ]
    assert radical["publication_type"] == ["Trial Registry Record", "Interventional"]
    assert radical["extra"] == {SECONDARY_IDS: "2026-1-2023; 2026-RCT-RADICAL Trial",
                                "Source register": "ClinicalTrials.gov"}
    pandora = trials["EUCTR2018-004758-39-IT"]
    assert pandora["authors"] == ["AZIENDA UNITÀ SANITARIA LOCALE DELLA ROMAGNA"]
    assert pandora["year"] == "2021"
    assert pandora["keywords"][0] == "Locally advanced (T3-4 N0-1) rectal cancer."
    assert not any(keyword.startswith(("MedDRA version", "Level:")) for keyword in pandora["keywords"])
    assert pandora["extra"]["Source register"] == "EU Clinical Trials Register"
    # The CTIS record names its ClinicalTrials.gov number: the same trial in another register.
    assert trials["CTIS2023-507106-13-00"]["extra"][SECONDARY_IDS] == "NCT06304597"


def test_eu_ctr_fields_and_one_record_per_member_state() -> None:
    parsed = read_export(EUCTR)
    spain, sweden, sweden_again = parsed.records
    assert (spain["line"], sweden["line"], sweden_again["line"]) == (3, 294, 542)
    assert spain["source_id"] == "EUCTR2022-002568-62-ES"
    assert spain["title"] == ("A study to test whether AVB-101 is both safe and efficacious in a sub-population "
                              "of genetically defined FTD patients that currently have no other treatment options")
    assert spain["abstract"] == ("To evaluate the safety and tolerability of a one-time, bilateral, intrathalamic "
                                 "administration of AVB-101 in subjects with FTD-GRN.")
    assert spain["authors"] == ["AviadoBio Ltd"]
    assert spain["year"] == "2023"
    assert spain["url"] == ["https://www.clinicaltrialsregister.eu/ctr-search/trial/2022-002568-62/ES/"]
    assert spain["keywords"][:3] == ["Frontotemporal Dementia With Progranulin Mutations (FTD-GRN)", "Dementia",
                                     "Diseases [C] - Nervous System Diseases [C10]"]
    assert spain["publication_type"] == ["Trial Registry Record"]
    assert spain["extra"] == {SECONDARY_IDS: "2022-002568-62; AVB-PGRN-001"}
    # Sweden lists two versions of its protocol: two records, one id, two keys.
    assert sweden["source_id"] == sweden_again["source_id"] == "EUCTR2022-002568-62-SE"
    assert sweden["raw"] != sweden_again["raw"]
    assert len(set(_keys(parsed))) == 3
    raw = dict(spain["raw"])
    assert raw["A.3 Full title of the trial (es)"].startswith("Estudio de fase 1/2, abierto")
    assert raw["E.3 Principal inclusion criteria"].startswith("1. Male or female, 30 to 75 years of age")
    assert "\n2. Carriers of a pathogenic granulin (GRN) mutation" in raw["E.3 Principal inclusion criteria"]
    assert raw["D.3.7 Routes of administration for this IMP"] == "Intracerebral use"


@pytest.mark.parametrize("path", [CLASSIC_CSV, MODERN_CSV, JSON_STUDIES, ICTRP, EUCTR], ids=lambda path: path.name)
def test_a_registry_record_is_not_a_peer_reviewed_journal_article(path: Path) -> None:
    for record in read_export(path).records:
        assert kind(record["publication_type"])[0] == NOT_PEER_REVIEWED


# --- malformed and cut-off exports ----------------------------------------------------------


def _cut_off(warnings: list[str]) -> bool:
    return any("cut off" in warning for warning in warnings)


#: Exports whose every cut is refused or gives whole records: a warning is not enough.
REFUSED_OR_WHOLE = {EUCTR}


@pytest.mark.parametrize("path", [CLASSIC_CSV, CLASSIC_TSV, MODERN_CSV, JSON_STUDIES, ICTRP, EUCTR],
                         ids=lambda path: path.name)
def test_a_register_export_cut_anywhere_is_refused_warned_or_whole(path: Path) -> None:
    """As bench/cuts.py judges a cut: never a record changed without a word (and an EU CTR
    download cut in a protocol refused)."""
    data = path.read_bytes()
    whole = read_export(path.name, data)
    for at in range(1, len(data), max(1, len(data) // 400)):
        try:
            parsed = read_export(path.name, data[:at])
        except InputError:
            continue
        records = parsed.records
        if records == whole.records[: len(records)]:
            continue
        assert path not in REFUSED_OR_WHOLE, f"cut at byte {at}: {parsed.warnings}"
        assert _cut_off(parsed.warnings) or set(parsed.warnings) - set(whole.warnings), f"cut at byte {at}"


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_REGISTERS.is_dir(), reason="../shared/data is not present")
def test_the_eu_ctr_download_cut_at_every_percent_is_refused_or_whole() -> None:
    path = SHARED_REGISTERS / "eu_ctr/euctr_full_trial_details.txt"
    data = path.read_bytes()
    whole = read_export(path, data).records
    for percent in range(1, 100):
        at = len(data) * percent // 100
        try:
            records = read_export("cut.txt", data[:at]).records
        except InputError as error:
            assert "truncated" in str(error), f"{percent} %"  # a protocol or a character cut off
            continue
        assert records == whole[: len(records)], f"{percent} %"


def test_a_csv_cut_mid_row_is_a_risk() -> None:
    data = CLASSIC_CSV.read_bytes()
    cut = data[: data.index(b'"Recruiting"', data.index(b"NCT01801371"))]  # a row cut after its fourth cell
    with pytest.raises(InputError, match="fewer cells than the header"):
        read_export("cut.csv", cut)


def test_a_csv_cut_in_a_quoted_cell_is_refused() -> None:
    data = MODERN_CSV.read_bytes()
    with pytest.raises(InputError, match="never closed"):
        read_export("cut.csv", data[: data.rindex(b"Madrid")])


def test_a_tsv_cut_in_its_last_cell_says_so() -> None:
    data = CLASSIC_TSV.read_bytes()
    cut = data.rstrip(b"\n")[:-3]  # the last study's URL without the end of its NCT number
    assert _cut_off(read_export("cut.tsv", cut).warnings)
    assert read_export("whole.tsv", data.rstrip(b"\n")).warnings == []  # only the line break missing


def test_a_json_download_cut_in_a_study_or_between_two_is_refused() -> None:
    data = JSON_STUDIES.read_bytes()
    with pytest.raises(InputError, match="cut.json:3: the study that starts here cannot be read .* cut off"):
        read_export("cut.json", data[: data.index(b"briefSummary", data.index(b"NCT05923112"))])
    with pytest.raises(InputError, match="the file ends before the list of studies is closed"):
        read_export("cut.json", data[: data.rindex(b"}") + 1])


def test_json_that_is_no_download_of_studies_is_refused() -> None:
    with pytest.raises(InputError, match="not a ClinicalTrials.gov study"):
        read_export("odd.json", b'[{"protocolSection": {}},\n{"title": "no study"}]')
    with pytest.raises(InputError, match="text after the list of studies"):
        read_export("two.json", b'[{"protocolSection": {}}]\n[{"protocolSection": {}}]')


def test_an_ictrp_export_cut_in_a_trial_or_before_its_end_is_refused() -> None:
    data = ICTRP.read_bytes()
    second = data.index(b"<Trial>", data.index(b"</Trial>"))
    with pytest.raises(InputError, match="ends inside the trial that starts on line 82"):
        read_export("cut.xml", data[: second + 400])
    with pytest.raises(InputError, match="ends before its closing </Trials_downloaded_from_ICTRP>"):
        read_export("cut.xml", data[: data.rindex(b"</Trial>") + 8])


def test_an_ictrp_export_declaring_entities_is_refused() -> None:
    data = ICTRP.read_bytes().replace(b"<Trials_downloaded_from_ICTRP>",
                                      b'<!DOCTYPE x [<!ENTITY a "b">]>\n<Trials_downloaded_from_ICTRP>', 1)
    with pytest.raises(InputError, match="DTD or entities"):
        read_export("entities.xml", data)


@pytest.mark.parametrize(("cut_after", "expected"), [
    (b"E.3 Principal inclusion criteria: 1. Male", "line 3: the file ends inside this protocol (no 'P. End of "
                                                   "Trial Status' line, with which every protocol ends)"),
    (b"P. End of Trial Status: Ongo", "line 3: the file ends inside this protocol "
                                      "(its 'P. End of Trial Status' line is cut off)"),
    (b"P. End of Trial Status: Ongoing\n", "line 3: the file ends inside this protocol (no blank line after its "
                                           "'P. End of Trial Status' line, as after every protocol"),
    (b"P. End of Trial Status: Ongoing\n\nSummary\nEudraCT", "line 3: the file ends inside this protocol "
                                                             "(lines after its 'P. End of Trial Status' line"),
    (b"P. End of Trial Status: Ongoing\n\nSummary\n", "line 294: the file ends with the 'Summary' line"),
])
def test_an_eu_ctr_export_cut_in_its_last_protocol_is_refused_unless_the_risk_is_accepted(
    cut_after: bytes, expected: str,
) -> None:
    data = EUCTR.read_bytes()
    cut = data[: data.index(cut_after) + len(cut_after)]
    with pytest.raises(InputError, match="truncated download\\?; re-export the file, or pass --accept-risks") as error:
        read_export("cut.txt", cut)
    assert expected in str(error.value)
    parsed = read_export("cut.txt", cut, accept_risks=True)
    assert parsed.count == 1 and parsed.warnings == []  # the Spanish protocol, cut or whole
    assert len(parsed.risks) == 1 and parsed.risks[0].startswith(expected)


def test_an_eu_ctr_export_cut_between_two_lines_of_its_last_protocol_is_refused() -> None:
    data = EUCTR.read_bytes()
    cut = data[: data.rindex(b"P. End of Trial\n")]
    with pytest.raises(InputError, match="line 542: the file ends inside this protocol .no 'P. End of Trial Status'"):
        read_export("cut.txt", cut)
    parsed = read_export("cut.txt", cut, accept_risks=True)
    assert parsed.count == 3 and len(parsed.risks) == 1


def _line_ends(data: bytes, start: int) -> list[int]:
    """Where each line from ``start`` on ends, after its line break."""
    ends = []
    while (at := data.find(b"\n", start)) >= 0:
        ends.append(start := at + 1)
    return ends


def test_an_eu_ctr_export_cut_at_any_line_of_its_last_protocol_is_refused_unless_after_its_end() -> None:
    data = EUCTR.read_bytes()
    whole = read_export(EUCTR).records
    last = data.rindex(b"Summary\nEudraCT Number:")
    end = data.index(b"P. End of Trial Status: Ongoing\n\n", last) + len(b"P. End of Trial Status: Ongoing\n\n")
    assert end == len(data)  # the blank line after section P closes the file
    cuts = [last] + _line_ends(data, last)
    assert len(cuts) == 1 + 260  # before its 'Summary' line, then after each of its lines (542 to 801)
    for at in cuts + [at - 1 for at in cuts]:  # and each line without its line break
        if at >= end:
            assert read_export("cut.txt", data[:at]).records == whole, at
        elif at == last:  # before the 'Summary' line: the two protocols before it, whole
            assert read_export("cut.txt", data[:at]).records == whole[:2], at
        else:
            with pytest.raises(InputError, match="truncated download"):
                read_export("cut.txt", data[:at])


def test_an_eu_ctr_protocol_ending_with_the_global_end_date_is_whole_once_that_line_is() -> None:
    data = EUCTR.read_bytes()
    status = b"P. End of Trial Status: Completed\n"
    date = b"P. Date of the global end of the trial: 2024-05-31\n"
    ended = data[: data.rindex(b"P. End of Trial Status:")] + status + date + b"\n"
    assert read_export("ended.txt", ended).records[-1]["raw"][-2:] == [
        ("P. End of Trial Status", "Completed"), ("P. Date of the global end of the trial", "2024-05-31")]
    without_blank = ended[:-1]
    assert read_export("ended.txt", without_blank).risks == []
    assert read_export("ended.txt", without_blank[:-1]).risks == []  # nor the line break: the date is whole
    with pytest.raises(InputError, match="its 'P. Date of the global end of the trial' line is cut off"):
        read_export("cut.txt", without_blank[:-2])
    with pytest.raises(InputError, match="no blank line after its 'P. End of Trial Status' line.*end of the trial' "
                                         "line lost"):
        read_export("cut.txt", ended[: -len(date) - 1])


def test_an_eu_ctr_protocol_without_its_summary_line_is_an_error_not_a_merge() -> None:
    data = EUCTR.read_bytes()
    second = data.index(b"Summary\nEudraCT Number:", data.index(b"EudraCT Number:") + 1)
    with pytest.raises(InputError, match="a second 'EudraCT Number' line in the protocol that starts on line 3"):
        read_export("merged.txt", data[:second] + data[second + len(b"Summary\n"):])


def test_eu_ctr_text_before_the_first_protocol() -> None:
    data = EUCTR.read_bytes()
    parsed = read_export("notes.txt", data.replace(b"\nSummary\n", b"\nDownloaded for a review.\nSummary\n", 1))
    assert parsed.count == 3
    assert parsed.warnings == ["line 3: text before the first protocol, not part of any record, skipped"]
