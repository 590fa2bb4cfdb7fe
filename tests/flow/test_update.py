"""An updated review: the earlier version frozen, searches run again, only new records screened."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import invoke

NEW = ("TY  - JOUR\nTI  - Body image and self-compassion in adults with Crohn disease: a cross-sectional study\n"
       "AU  - Example, B.\nPY  - 2020\nT2  - Journal of Examples\nDO  - 10.9999/example.2020.1\nER  - \n\n")


def _flow(runner: CliRunner) -> dict:
    return json.loads(invoke(runner, "flow", "--json").stdout)


def _second_run(example: Path) -> Path:
    """The Scopus search run again months later: the same six records and one new."""
    path = example / "scopus-2020.ris"
    path.write_text((example / "searches" / "scopus.ris").read_text(encoding="utf-8") + NEW, encoding="utf-8")
    return path


def test_an_update_screens_only_what_is_new_and_counts_the_previous_version(runner: CliRunner,
                                                                            example: Path) -> None:
    invoke(runner, "update", "start", "--date", "2019-12-01")
    # header + 4 reports: 3 from the databases, 1 from citation searching
    assert (example / "decisions" / "previous-version.csv").read_text().count("\n") == 5
    invoke(runner, "import", str(_second_run(example)), "--update", "scopus", "--searched", "2020-06-01")
    runs = {s["search"]: s for s in json.loads(invoke(runner, "sources", "--json").stdout)["searches"]}
    assert runs["scopus-run2"]["update_of"] == "scopus" and runs["scopus-run2"]["database"] == "Scopus"
    assert (runs["scopus-run2"]["records"], runs["scopus-run2"]["new"]) == (7, 1)
    flow = _flow(runner)
    assert (flow["identified"], flow["duplicates"], flow["records_awaiting"], flow["records_screened"]) == (7, 6, 1, 0)
    assert (flow["previous_studies"], flow["previous_reports"], flow["total_studies"]) == (4, 4, 4)
    # The other methods' searches belong to the previous version too: the new version has none yet.
    assert (flow["other_identified"], flow["other_records_awaiting"]) == (0, 0)
    # Only the new record waits for a decision: what was screened before keeps its decisions.
    ranked = json.loads(invoke(runner, "rank", "--json", "--reviewer", "Reviewer A").stdout)
    assert [item["title"] for item in ranked["worklist"]] == [
        "Body image and self-compassion in adults with Crohn disease: a cross-sectional study"]
    key = ranked["worklist"][0]["key"]
    invoke(runner, "decide", key, "--decision", "include", "--reviewer", "Reviewer C")
    invoke(runner, "decide", key, "--stage", "full_text", "--decision", "include", "--reviewer", "Reviewer C")
    flow = _flow(runner)
    assert (flow["new_studies"], flow["total_studies"], flow["total_reports"]) == (1, 5, 5)  # 4 previous + 1 new


def test_update_mistakes_are_one_line_errors(runner: CliRunner, example: Path) -> None:
    result = invoke(runner, "import", str(_second_run(example)), "--update", "nosuch", ok=False)
    assert result.exit_code == 1 and "--update nosuch: no search has this name" in result.stderr
    invoke(runner, "update", "start")
    manifest = example / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n[previous_review]\nstudies = 3\n", encoding="utf-8")
    result = invoke(runner, "flow", ok=False)
    assert result.exit_code == 1 and "[previous_review] types the previous version's counts" in result.stderr
