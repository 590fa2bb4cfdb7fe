"""Trial registry records in dedup: one trial's records in several registers (and a EudraCT
trial's member-state records) are one record by their registration number, whatever their
titles; two numbers of one register are two trials; a journal article reporting a trial and
a sponsor's protocol code are left to the other rules. Records come from the real register
fixtures in tests/data/registers (see SOURCES.md) and, when ../shared/data is present, the
whole downloads."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screenrev.dedup.blocking import candidate_pairs
from screenrev.dedup.cluster import deduplicate
from screenrev.dedup.compare import DIFFERENT, SAME, compare_records
from screenrev.dedup.prepare import Prepared, registration
from screenrev.records.formats.trials import SECONDARY_IDS, TRIAL_RECORD
from screenrev.records.parse import read_export

from ..conftest import DATA, SHARED, invoke
from .test_dedup import groups, record, together

REGISTERS = DATA / "registers"
SHARED_REGISTERS = SHARED / "registers"


def _records(path: Path, database: str, *, data: bytes | None = None) -> list[dict]:
    """A register export's records as the workspace gives them to dedup, keyed by file position."""
    parsed = read_export(path, data)
    return [{**fields, "key": f"{database}:{number}", "database": database}
            for number, fields in enumerate(parsed.records, 1)]


def _compare(a: dict, b: dict):
    return compare_records(Prepared(0, a), Prepared(1, b))


def _kowa() -> dict:
    """NCT05923281 as ClinicalTrials.gov exports it (JSON): brief title, 2023, Kowa as sponsor."""
    return _records(REGISTERS / "ctgov_studies_3.json", "ClinicalTrials.gov")[0]


# --- registration numbers, each folded to one spelling ----------------------------------------


@pytest.mark.parametrize(("written", "register", "spelling"), [
    ("NCT01234567", "ClinicalTrials.gov", "NCT01234567"),
    ("nct 01234567", "ClinicalTrials.gov", "NCT01234567"),
    ("EUCTR2018-004758-39-IT", "EudraCT", "2018-004758-39"),
    ("EUCTR2012-000123-12-3RD", "EudraCT", "2012-000123-12"),
    ("2018-004758-39", "EudraCT", "2018-004758-39"),
    ("EudraCT 2018-004758-39", "EudraCT", "2018-004758-39"),
    ("EUDRACT NUMBER: 2018-004758-39", "EudraCT", "2018-004758-39"),
    ("EudraCT: 2020\u2010002106\u201068", "EudraCT", "2020-002106-68"),  # as CENTRAL prints it
    ("CTIS2023-507106-13-00", "CTIS", "2023-507106-13-00"),
    ("2023-507106-13-00", "CTIS", "2023-507106-13-00"),
    ("EU CT number: 2023-507106-13-00", "CTIS", "2023-507106-13-00"),
    ("ISRCTN12345678", "ISRCTN", "ISRCTN12345678"),
    ("ISRCTN 12345678", "ISRCTN", "ISRCTN12345678"),
    ("ACTRN12610000123456", "ANZCTR", "ACTRN12610000123456"),
    ("ChiCTR2600122961", "ChiCTR", "CHICTR2600122961"),
    ("ChiCTR-TRC-12002345", "ChiCTR", "CHICTR-TRC-12002345"),
    ("DRKS00012345", "DRKS", "DRKS00012345"),
    ("CTRI/2018/01/012345", "CTRI", "CTRI/2018/01/012345"),
    ("JPRN-UMIN000007004", "UMIN-CTR", "JPRN-UMIN000007004"),
    ("UMIN000007004", "UMIN-CTR", "JPRN-UMIN000007004"),
    ("JPRN-jRCT2031190001", "jRCT", "JPRN-JRCT2031190001"),
    ("jRCTs031180001", "jRCT", "JPRN-JRCTS031180001"),
    ("JPRN-JapicCTI-184093", "JapicCTI", "JPRN-JAPICCTI-184093"),
    ("IRCT20180110038230N1", "IRCT", "IRCT20180110038230N1"),
    ("KCT0001234", "CRiS", "KCT0001234"),
    ("NTR1234", "NTR", "NTR1234"),
    ("NL7625", "NTR (NL numbers)", "NL7625"),
    ("NL-OMON12345", "OMON", "NL-OMON12345"),
    ("PACTR201905538917325", "PACTR", "PACTR201905538917325"),
    ("TCTR20200514001", "TCTR", "TCTR20200514001"),
    ("RBR-2xbyyz", "ReBEC", "RBR-2XBYYZ"),
    ("SLCTR/2017/003", "SLCTR", "SLCTR/2017/003"),
    ("LBCTR2019080223", "LBCTR", "LBCTR2019080223"),
    ("PER-036-14", "REPEC", "PER-036-14"),
    ("RPCEC00000278", "RPCEC", "RPCEC00000278"),
    ("U1111-1234-5678", "WHO UTN", "U1111-1234-5678"),
    ("UTN: U1111-1234-5678", "WHO UTN", "U1111-1234-5678"),
])
def test_each_registers_number_is_folded_to_one_spelling(written: str, register: str, spelling: str) -> None:
    assert registration(written) == (register, spelling)


@pytest.mark.parametrize("written", [
    "AVB-PGRN-001", "K-877-ER-04", "ED1", "2026-1-2023", "ESR-18-13485",  # sponsors' protocol codes
    "NL41 608.042.12", "NL41608.042.12",  # the CCMO's ethics review number
    "1R21CA227615-01A1", "NCI-2012-02651", "IND 123119",  # funders', institutes' and the FDA's numbers
    "Substudy of NCT01234567",  # names another trial
])
def test_anything_else_is_no_registration_number(written: str) -> None:
    assert registration(written) is None


def test_a_registry_records_numbers_come_from_its_id_and_its_secondary_ids() -> None:
    spain = _records(REGISTERS / "euctr_first3.txt", "EU CTR")[0]
    assert (spain["source_id"], spain["extra"][SECONDARY_IDS]) == ("EUCTR2022-002568-62-ES", "2022-002568-62; AVB-PGRN-001")
    trial = Prepared(0, spain).trial
    assert trial.ids == {"2022-002568-62"} and trial.own == ("EudraCT", "2022-002568-62")
    ctis = _records(REGISTERS / "ictrp_5_trials.xml", "ICTRP")[3]
    assert Prepared(0, ctis).trial.ids == {"2023-507106-13-00", "NCT06304597"}


# --- one trial, several records ---------------------------------------------------------------


def test_a_eudract_trials_member_state_records_are_one_cluster() -> None:
    # one trial in Spain and two versions of its record in Sweden
    records = _records(REGISTERS / "euctr_first3.txt", "EU CTR")
    assert [r["source_id"] for r in records] == ["EUCTR2022-002568-62-ES", "EUCTR2022-002568-62-SE", "EUCTR2022-002568-62-SE"]
    result = deduplicate(records)
    assert groups(result) == {frozenset(r["key"] for r in records)}
    assert result.unsure == []
    assert "registration equal 2022-002568-62" in result.evidence["EU CTR:2"]


def ictrp_copy_of(nct: str, title: str) -> dict:
    """The ICTRP's record of trial ``nct``: the first trial of the real ICTRP fixture
    (NCT07596290, registered 2026, Beijing Friendship Hospital) with its TrialID and public
    title edited, and its registration date and sponsor left as they are."""
    xml = (REGISTERS / "ictrp_5_trials.xml").read_text(encoding="utf-8")
    first_trial = xml[: xml.index("</Trial>") + len("</Trial>")]
    public_title = first_trial[first_trial.index("<Public_title>"): first_trial.index("</Public_title>")]
    edited = (first_trial.replace("NCT07596290", nct).replace(public_title, f"<Public_title>{title}\n    ")
              + "\n</Trials_downloaded_from_ICTRP>\n")
    [trial] = _records(REGISTERS / "ictrp_5_trials.xml", "ICTRP", data=edited.encode("utf-8"))
    return trial


def test_one_trial_in_clinicaltrials_gov_and_the_ictrp_is_one_record_whatever_its_titles_and_years() -> None:
    kowa = _kowa()
    # the ICTRP side is a real ICTRP fixture record, edited in the test: the official title
    # where ClinicalTrials.gov exports the brief one, its own registration year and sponsor
    official = ("A Phase III Confirmatory Study of K-877 (Pemafibrate) in Patients With Hypercholesterolemia and "
                "Statin Intolerance-Multicenter, Placebo Controlled, Randomized, Double Blind, Parallel Group "
                "Controlled Trial in Patients With Statin Intolerant Hypercholesterolemia-")
    ictrp = ictrp_copy_of("NCT05923281", official)
    assert (ictrp["source_id"], ictrp["title"], ictrp["year"]) == ("NCT05923281", official, "2026")
    assert (kowa["year"], kowa["authors"]) == ("2023", ["Kowa Company, Ltd."])
    comparison = _compare(kowa, ictrp)
    assert (comparison.verdict, comparison.rule) == (SAME, "registration number equal")
    assert comparison.evidence == {"registration": "equal NCT05923281"}
    assert together(deduplicate([kowa, ictrp]), kowa["key"], ictrp["key"])


def test_records_of_one_trial_meet_whatever_their_titles() -> None:
    # no word of the titles, no author (the ICTRP's sponsor is a corporate author), no
    # locator in common: only the registration number brings the two together
    kowa = _kowa()
    ictrp = ictrp_copy_of("NCT05923281", "Lipid lowering for those unable to take statins")
    prepared = [Prepared(0, kowa), Prepared(1, ictrp)]
    assert list(candidate_pairs(prepared)) == [(0, 1)]
    prepared[1].trial = None
    assert list(candidate_pairs(prepared)) == []
    others = _records(REGISTERS / "ictrp_5_trials.xml", "ICTRP (all)")
    assert groups(deduplicate([kowa, ictrp] + others)) == {frozenset({kowa["key"], ictrp["key"]})}


# --- records that stay apart -------------------------------------------------------------------


def test_sister_trials_with_equal_titles_and_different_nct_numbers_are_kept_apart() -> None:
    kowa = _kowa()
    sister = {**kowa, "key": "sister", "source_id": "NCT05923294", "extra": {SECONDARY_IDS: "K-877-ER-05"}}
    comparison = _compare(kowa, sister)
    assert (comparison.verdict, comparison.rule) == (DIFFERENT, "conflict: registration number")
    assert comparison.evidence == {"registration": "NCT05923281 vs NCT05923294 differ"}
    result = deduplicate([kowa, sister])
    assert not together(result, kowa["key"], "sister") and result.unsure == []


def test_a_journal_article_citing_the_trials_number_is_not_its_registration() -> None:
    # a report of the trial, linked to it with `screenrev study link`: compared as it was
    # before registration numbers counted
    kowa = _kowa()
    article = record(
        "article", kowa["title"], authors=("Arai, H", "Yamashita, S", "Yokote, K"), year="2023",
        journal="Journal of Atherosclerosis and Thrombosis", volume="30", pages="1-12", source_id="37000000",
        database="PubMed", publication_type=["Journal Article", "Randomized Controlled Trial"],
        abstract="Aims: pemafibrate in statin intolerance. Trial registration: ClinicalTrials.gov NCT05923281.",
    )
    assert Prepared(0, article).trial is None
    comparison = _compare(kowa, article)
    without_numbers = Prepared(0, kowa)
    without_numbers.trial = None
    assert comparison == compare_records(without_numbers, Prepared(1, article))
    assert comparison.verdict != SAME
    assert not together(deduplicate([kowa, article]), kowa["key"], "article")


def test_a_sponsor_code_shared_by_two_trials_does_not_merge_them() -> None:
    # "ED1" is the sponsor's code of NCT05231083 (real); another sponsor's trial in DRKS uses it too
    nerves = next(r for r in _records(REGISTERS / "ctgov_erectile_dysfunction_first5.csv", "ClinicalTrials.gov")
                  if r["source_id"] == "NCT05231083")
    assert nerves["extra"][SECONDARY_IDS] == "ED1"
    other = record("drks", "Shock wave therapy for erectile dysfunction after prostatectomy", authors=("Charité",),
                   year="2022", source_id="DRKS00012345", database="DRKS", publication_type=[TRIAL_RECORD],
                   extra={SECONDARY_IDS: "ED1"})
    assert Prepared(0, nerves).trial.ids == {"NCT05231083"}
    assert Prepared(1, other).trial.ids == {"DRKS00012345"}
    assert _compare(nerves, other).rule == "title dissimilar"
    assert not together(deduplicate([nerves, other]), nerves["key"], "drks")


# --- the whole downloads ------------------------------------------------------------------------


def _clusters(runner: CliRunner) -> dict[str, tuple[str, str]]:
    """Record key → (its cluster, its source_id), as ``screenrev export records`` writes them."""
    rows = csv.DictReader(io.StringIO(invoke(runner, "export", "records").stdout))
    return {row["key"]: (row["cluster"], row["source_id"]) for row in rows}


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_REGISTERS.is_dir(), reason="../shared/data is not present")
def test_the_whole_eu_ctr_download_is_its_two_trials(runner: CliRunner, review_dir: Path) -> None:
    # 7 member-state records of 2021-002179-21 and 3 of 2022-002568-62
    invoke(runner, "import", str(SHARED_REGISTERS / "eu_ctr" / "euctr_full_trial_details.txt"))
    summary = json.loads(invoke(runner, "dedup", "--json").stdout)
    assert (summary["records"], summary["clusters"], summary["unsure"]) == (10, 2, 0)
    trials: dict[str, set[str]] = {}
    for cluster, source_id in _clusters(runner).values():
        trials.setdefault(cluster, set()).add(source_id[len("EUCTR"):len("EUCTR2021-002179-21")])
    assert sorted(sorted(numbers) for numbers in trials.values()) == [["2021-002179-21"], ["2022-002568-62"]]


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_REGISTERS.is_dir(), reason="../shared/data is not present")
def test_ten_studies_imported_beside_the_fifty_they_are_among_add_ten_duplicates(runner: CliRunner,
                                                                                  review_dir: Path) -> None:
    folder = SHARED_REGISTERS / "clinicaltrials_gov"
    invoke(runner, "import", str(folder / "modern_ctg-studies_50.json"))
    assert json.loads(invoke(runner, "dedup", "--json").stdout)["duplicates"] == 0
    invoke(runner, "import", str(folder / "modern_ctg-studies_10.json"))
    summary = json.loads(invoke(runner, "dedup", "--json").stdout)
    assert (summary["records"], summary["clusters"], summary["duplicates"], summary["unsure"]) == (60, 50, 10, 0)
    # each of the ten joins the record of its NCT number among the fifty, and nothing else
    by_cluster: dict[str, list[str]] = {}
    for cluster, source_id in _clusters(runner).values():
        by_cluster.setdefault(cluster, []).append(source_id)
    assert sorted(len(ids) for ids in by_cluster.values()) == [1] * 40 + [2] * 10
    assert all(len(set(ids)) == 1 for ids in by_cluster.values())
