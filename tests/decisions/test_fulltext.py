"""The full-text stage's files: the list to retrieve, the files the review holds, the status."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import invoke

INCLUDED = "psycinfo-ovid-bbc718031322d79d"
NOT_RETRIEVED = "pubmed-endnote-16bf30129a58e092"


def _list(runner: CliRunner, *args: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(invoke(runner, "fulltext", "list", *args).stdout)))


def test_the_list_to_retrieve_and_the_files_the_review_holds(runner: CliRunner, example: Path) -> None:
    rows = _list(runner)
    # 5 database records sent to full text + the one citation record included at title/abstract
    assert len(rows) == 6 and all(row["doi"] or row["url"] for row in rows)
    assert {row["key"]: row["full_text"] for row in rows}[NOT_RETRIEVED] == "not_retrieved"
    reports = example / "reports"
    reports.mkdir()
    (reports / f"{INCLUDED}.pdf").write_bytes(b"%PDF-1.4")
    (reports / "Trindade 2019 gender.pdf").write_bytes(b"%PDF-1.4")
    (reports / "files.csv").write_text("key,file\npsycinfo-ovid-de17484cd26824c9,Trindade 2019 gender.pdf\n")
    files = {row["key"]: row["file"] for row in _list(runner)}
    assert files[INCLUDED] == f"reports/{INCLUDED}.pdf"
    assert files["psycinfo-ovid-de17484cd26824c9"] == "reports/Trindade 2019 gender.pdf"
    assert {row["key"] for row in _list(runner, "--missing")} == set(files) - {INCLUDED, "psycinfo-ovid-de17484cd26824c9"}
    ris = invoke(runner, "fulltext", "list", "--format", "ris").stdout
    assert ris.count("ER  -") == 6 and "DO  - 10.1002/cpp.2398" in ris
    status = json.loads(invoke(runner, "fulltext", "status", "--json").stdout)
    # Included: 3 database reports + citations-c1c453d5a3150da6.
    assert status == {"sought": 6, "with_file": 2, "included": 4, "excluded": 1, "not_retrieved": 1,
                      "not_retrieved_reasons": {"No reason recorded": 1}, "awaiting": 0, "conflicts": 0}


def test_a_file_for_an_unknown_key_is_an_error(runner: CliRunner, example: Path) -> None:
    (example / "reports").mkdir()
    (example / "reports" / "smith2021.pdf").write_bytes(b"%PDF-1.4")
    invoke(runner, "flow")
    result = invoke(runner, "fulltext", "status", ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "reports/smith2021.pdf: no record has the key 'smith2021'" in result.stderr
    (example / "reports" / "smith2021.pdf").unlink()
    (example / "reports" / "files.csv").write_text("key,file\nnokey,x.pdf\n" )
    assert "reports/files.csv:2: key: no record has the key 'nokey'" in invoke(runner, "fulltext", "status",
                                                                                ok=False).stderr


def test_not_retrieved_carries_its_reason(runner: CliRunner, example: Path) -> None:
    path = example / "decisions" / "full_text-reviewer-a.csv"
    text = path.read_text()
    assert f"{NOT_RETRIEVED},full_text,not_retrieved," in text
    path.write_text(text.replace(f"{NOT_RETRIEVED},full_text,not_retrieved,,",
                                 f"{NOT_RETRIEVED},full_text,not_retrieved,Library has no access,"))
    other = example / "decisions" / "full_text-reviewer-b.csv"
    other.write_text(other.read_text().replace(f"{NOT_RETRIEVED},full_text,not_retrieved,,",
                                               f"{NOT_RETRIEVED},full_text,not_retrieved,Library has no access,"))
    status = json.loads(invoke(runner, "fulltext", "status", "--json").stdout)
    assert status["not_retrieved_reasons"] == {"Library has no access": 1}
