"""Streams of records over time: a search run again in an updated review (its download, its
date, what the new version's flow says of the earlier version's rules audit), and records
found by other methods still waiting for a decision."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ..conftest import invoke


def test_a_run_that_returns_the_same_file_is_still_a_run_of_its_own(runner: CliRunner, example: Path,
                                                                      tmp_path: Path) -> None:
    invoke(runner, "run")
    before = json.loads(invoke(runner, "flow", "--json").stdout)
    assert before["rules_audit"]["sampled"] == 2  # the example audits its two rule exclusions
    invoke(runner, "update", "start", "--date", "2019-12-01")
    download = tmp_path / "downloads" / "scopus.ris"  # downloaded again, under the same name
    download.parent.mkdir()
    shutil.copyfile(example / "searches" / "scopus.ris", download)
    result = json.loads(invoke(runner, "import", str(download), "--update", "scopus", "--searched", "2020-06-01",
                               "--json").stdout)
    assert [(f["search"], f["status"], f["file"]) for f in result["files"]] == [
        ("scopus-run2", "imported", "searches/scopus-run2.ris")]
    assert (example / "searches" / "scopus.ris").read_bytes() == download.read_bytes()  # the first run kept
    runs = {s["search"]: s for s in json.loads(invoke(runner, "sources", "--json").stdout)["searches"]}
    assert (runs["scopus-run2"]["searched"], runs["scopus-run2"]["new"]) == ("2020-06-01", 0)
    flow = json.loads(invoke(runner, "flow", "--json").stdout)
    # the six records are found again: duplicates of the earlier version, nothing to screen
    assert (flow["identified"], flow["duplicates"], flow["records_screened"]) == (6, 6, 0)
    # the audit was of the earlier version's exclusions: this version's flow does not claim it
    assert flow["excluded_automatic"] == 0 and flow["rules_audit"] is None


def test_records_of_other_methods_left_undecided_are_named(runner: CliRunner, example: Path) -> None:
    # the two reviewers' decisions on three citation-searching records taken back
    for reviewer in ("a", "b"):
        path = example / "decisions" / f"title_abstract-reviewer-{reviewer}.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(line for line in lines if not line.startswith(
            ("citations-a555833ec94000c1", "citations-cccbe24186e1d7a0", "citations-28d08048757c826a"))),
            encoding="utf-8")
    result = invoke(runner, "flow", "--json")
    flow = json.loads(result.stdout)
    assert (flow["other_records_awaiting"], flow["records_awaiting"]) == (3, 0)
    assert "3 records found by other methods have no title/abstract decision" in " ".join(flow["warnings"])


UNSCREENED = ("pubmed-endnote-42866c5f67736ed2", "pubmed-endnote-91d1c1ceeeabca71", "pubmed-endnote-55d8c4e58b536146")


def _leave_unscreened(example: Path) -> None:
    for name in ("title_abstract-reviewer-a.csv", "title_abstract-reviewer-b.csv"):
        path = example / "decisions" / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(line for line in lines if not line.startswith(UNSCREENED)), encoding="utf-8")


def test_a_version_with_records_awaiting_a_decision_cannot_end(runner: CliRunner, example: Path) -> None:
    _leave_unscreened(example)
    manifest = (example / "screenrev.toml").read_text(encoding="utf-8")
    result = invoke(runner, "update", "start", "--date", "2019-12-01", ok=False)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "3 records have no title/abstract decision" in errors[0]
    assert (example / "screenrev.toml").read_text(encoding="utf-8") == manifest
    assert not (example / "decisions" / "previous-version.csv").exists()


def test_records_an_earlier_version_left_unscreened_are_not_the_new_versions_to_screen(
        runner: CliRunner, example: Path, tmp_path: Path) -> None:
    _leave_unscreened(example)
    with (example / "screenrev.toml").open("a", encoding="utf-8") as manifest:  # the earlier version stopped
        manifest.write('\n[screening.stopping]\nmethod = "hypergeometric test"\nrecall_target = 0.95\n'
                       'records_screened_when_met = 19\ndate = 2019-10-16\n')
    before = json.loads(invoke(runner, "rank", "--status", "--json", "--reviewer", "Reviewer A").stdout)
    invoke(runner, "update", "start", "--date", "2019-12-01")
    download = tmp_path / "scopus-2020.ris"
    shutil.copyfile(example / "searches" / "scopus.ris", download)
    invoke(runner, "import", str(download), "--update", "scopus", "--searched", "2020-06-01")
    after = json.loads(invoke(runner, "rank", "--status", "--json", "--reviewer", "Reviewer A").stdout)
    # the three records the first version left after its stopping rule are its own
    assert before["records"] - before["screened"] == 3  # reviewer A left three
    assert after["records"] == before["records"] - 3 and after["screened"] == after["records"]


def _error(result) -> str:
    assert result.exit_code == 1, result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize("bad", ["2024-13-45", "yesterday", "01/02/2023", "2023-1-5"])
def test_dates_are_written_yyyy_mm_dd(runner: CliRunner, example: Path, bad: str) -> None:
    manifest = (example / "screenrev.toml").read_text(encoding="utf-8")
    assert "is not a date written YYYY-MM-DD" in _error(invoke(
        runner, "add", "--title", "A report", "--source", "Expert", "--searched", bad, ok=False))
    assert "is not a date written YYYY-MM-DD" in _error(invoke(
        runner, "import", str(example / "searches" / "scopus.ris"), "-d", "Scopus", "--name", "again",
        "--searched", bad, ok=False))
    assert "is not a date written YYYY-MM-DD" in _error(invoke(runner, "update", "start", "--date", bad, ok=False))
    assert (example / "screenrev.toml").read_text(encoding="utf-8") == manifest


def test_runs_of_a_search_are_in_date_order_and_numbered_from_the_first(runner: CliRunner, example: Path,
                                                                         tmp_path: Path) -> None:
    assert "before the version's latest search (2019-11-15)" in _error(
        invoke(runner, "update", "start", "--date", "2019-11-01", ok=False))
    invoke(runner, "update", "start", "--date", "2019-12-01")
    download = tmp_path / "scopus.ris"
    shutil.copyfile(example / "searches" / "scopus.ris", download)
    assert "before the search's latest run (2019-10-01)" in _error(
        invoke(runner, "import", str(download), "--update", "scopus", "--searched", "2019-09-01", ok=False))
    invoke(runner, "import", str(download), "--update", "scopus", "--searched", "2020-06-01")
    # a run of the second run is the third run of the search
    invoke(runner, "import", str(download), "--update", "scopus-run2", "--searched", "2021-06-01")
    runs = {s["search"]: s for s in json.loads(invoke(runner, "sources", "--json").stdout)["searches"]}
    assert runs["scopus-run3"]["update_of"] == "scopus" and "scopus-run2-run2" not in runs


def test_the_same_paper_sent_by_two_people_is_two_records(runner: CliRunner, example: Path) -> None:
    paper = ("--title", "A report on peer support", "--author", "Smith, J.", "--year", "2018", "--doi",
             "10.1234/peer.2018.7")
    invoke(runner, "add", *paper, "--source", "Expert A")
    invoke(runner, "add", *paper, "--source", "Expert B")
    assert "was added already" in _error(invoke(runner, "add", *paper, "--source", "Expert B", ok=False))
    searches = {s["search"]: s for s in json.loads(invoke(runner, "sources", "--json").stdout)["searches"]}
    assert {"added-a-report-on-peer-support", "added-a-report-on-peer-support-2"} <= set(searches)
    flow = json.loads(invoke(runner, "flow", "--json").stdout)
    # the example's own record from its advisory group, and these two: one paper, found twice
    assert flow["other_results"] == 1 + 2 and flow["other_duplicates"] == 1 + 1


def test_a_file_imported_already_is_not_given_another_database_silently(runner: CliRunner, example: Path) -> None:
    assert "imported already, as search 'scopus' of 'Scopus', not 'Embase'" in _error(
        invoke(runner, "import", str(example / "searches" / "scopus.ris"), "-d", "Embase", ok=False))


def test_the_prisma2020_template_says_what_it_cannot_show(runner: CliRunner, example: Path, tmp_path: Path) -> None:
    result = invoke(runner, "flow", "--csv", str(tmp_path / "prisma.csv"))
    warned = [line for line in result.stderr.splitlines() if "PRISMA2020 template has no row" in line]
    # the example's other-methods column: 1 record from its advisory group (a duplicate), 5 excluded at
    # title/abstract; the template goes from records identified straight to reports sought
    assert len(warned) == 1
    assert ("1 identified from other sources" in warned[0] and "1 found already (duplicates)" in warned[0]
            and "5 excluded at title/abstract" in warned[0])


def test_a_run_in_another_format_than_the_search_it_repeats_is_said_to_be_one(runner: CliRunner,
                                                                              example: Path) -> None:
    from ..conftest import DATA

    table = DATA / "screening" / "nagtegaal_2019_first200.csv"  # a table export, not the RIS of the first run
    said = _error(invoke(runner, "import", str(table), "--update", "scopus", "--searched", "2020-06-01", ok=False))
    assert "a table export, where the search 'scopus' it runs again is a ris export of Scopus" in said
    assert "scopus-run2" not in (example / "screenrev.toml").read_text(encoding="utf-8")
    invoke(runner, "import", str(table), "--update", "scopus", "--searched", "2020-06-01", "--format", "table")
    assert "scopus-run2" in (example / "screenrev.toml").read_text(encoding="utf-8")
