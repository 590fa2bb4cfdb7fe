"""Studies and reports: included reports linked into studies, counted apart in the flow."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import invoke

# The example's four reports included at full text, and a record the rules excluded.
SELF_CRITICISM = "psycinfo-ovid-bbc718031322d79d"
GENDER = "psycinfo-ovid-de17484cd26824c9"
SYMPTOMS = "scopus-5bc0777135b1d351"
COPING = "citations-c1c453d5a3150da6"  # found by citation searching
NOT_INCLUDED = "scopus-e9b490a7ea5e7dc3"


def _flow(runner: CliRunner) -> dict:
    return json.loads(invoke(runner, "flow", "--json").stdout)


def _link(runner: CliRunner, *keys: str, name: str = "Trial A", ok: bool = True, extra: tuple = ()):
    return invoke(runner, "study", "link", *keys, "--name", name, "--reviewer", "AB", *extra, ok=ok)


def test_linked_reports_count_as_one_study(runner: CliRunner, example: Path) -> None:
    before = _flow(runner)
    assert (before["new_studies"], before["new_reports"]) == (4, 4)  # 3 from the databases, 1 from citations
    _link(runner, SELF_CRITICISM, SYMPTOMS, extra=("--main", SYMPTOMS))
    after = _flow(runner)
    assert (after["new_studies"], after["new_reports"]) == (3, 4)
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "export", "included", "--format", "csv").stdout)))
    assert {row["key"]: row["study"] for row in rows} == {SELF_CRITICISM: "Trial A", SYMPTOMS: "Trial A",
                                                          GENDER: GENDER, COPING: COPING}
    listing = json.loads(invoke(runner, "study", "list", "--json").stdout)
    assert listing == {"studies": 3, "reports": 4, "linked": [{"study": "Trial A", "reports": [SYMPTOMS, SELF_CRITICISM]}]}
    lines = (example / "decisions" / "studies.csv").read_text().splitlines()
    assert lines[0] == "study,key,main,reviewer,timestamp"
    assert lines[1].startswith(f"Trial A,{SELF_CRITICISM},,AB,") and lines[2].startswith(f"Trial A,{SYMPTOMS},true,AB,")
    # The link file is not a decision file: everything else reads the folder as before.
    assert invoke(runner, "agreement").exit_code == 0


def test_linking_mistakes_are_one_line_errors_and_write_nothing(runner: CliRunner, example: Path) -> None:
    invoke(runner, "flow")  # the workspace is built: what follows on stderr is the error alone
    result = _link(runner, NOT_INCLUDED, name="Trial C", ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert f"'{NOT_INCLUDED}' is not included at full text" in result.stderr
    assert "no record has the key 'nokey'" in _link(runner, "nokey", ok=False).stderr
    assert not (example / "decisions" / "studies.csv").exists()
    _link(runner, SELF_CRITICISM, SYMPTOMS)
    before = (example / "decisions" / "studies.csv").read_bytes()
    twice = _link(runner, SYMPTOMS, GENDER, name="Trial B", ok=False)
    assert f"'{SYMPTOMS}' is a report of 'Trial A' already (studies.csv:3)" in twice.stderr
    assert (example / "decisions" / "studies.csv").read_bytes() == before


def test_a_link_whose_report_is_no_longer_included_stops_the_flow(runner: CliRunner, example: Path) -> None:
    _link(runner, SELF_CRITICISM, SYMPTOMS)
    path = example / "decisions" / "studies.csv"
    path.write_text(path.read_text() + f"Trial A,{NOT_INCLUDED},,AB,2024-01-01\n")
    result = invoke(runner, "flow", ok=False)
    assert result.exit_code == 1
    assert f"decisions/studies.csv:4: key: '{NOT_INCLUDED}' is not included at full text" in result.stderr
