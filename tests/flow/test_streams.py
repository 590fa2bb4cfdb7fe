"""Streams of records over time: a search run again in an updated review (its download, its
date, what the new version's flow says of the earlier version's rules audit), and records
found by other methods still waiting for a decision."""

import json
import shutil
from pathlib import Path

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
