"""The full-text stage from the command line: the files exported with the included records,
and the reason a report could not be retrieved."""

import csv
import io
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import EXAMPLES, invoke


def test_export_included_names_each_report_file(runner: CliRunner, example: Path) -> None:
    reports = example / "reports"
    reports.mkdir()
    (reports / "psycinfo-ovid-bbc718031322d79d.pdf").write_bytes(b"%PDF-1.4\n")  # named by its key
    (reports / "Berens 2019.pdf").write_bytes(b"%PDF-1.4\n")  # kept as downloaded, mapped
    (reports / "files.csv").write_text("key,file\nscopus-5bc0777135b1d351,Berens 2019.pdf\n", encoding="utf-8")
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(
        invoke(runner, "export", "included", "--format", "csv").stdout))}
    assert rows["psycinfo-ovid-bbc718031322d79d"]["full_text_file"] == "reports/psycinfo-ovid-bbc718031322d79d.pdf"
    assert rows["scopus-5bc0777135b1d351"]["full_text_file"] == "reports/Berens 2019.pdf"
    assert rows["psycinfo-ovid-de17484cd26824c9"]["full_text_file"] == ""  # no file: nothing claimed
    ris = invoke(runner, "export", "included").stdout
    blocks = {block.split("ID  - ")[1].split("\n")[0]: block for block in ris.split("ER  - ") if "ID  - " in block}
    assert "L1  - reports/Berens 2019.pdf\n" in blocks["scopus-5bc0777135b1d351"]
    assert "L1  - " not in blocks["psycinfo-ovid-de17484cd26824c9"]
    sought = {row["key"]: row for row in csv.DictReader(io.StringIO(
        invoke(runner, "export", "included", "--stage", "title_abstract", "--format", "csv").stdout))}
    assert sought["psycinfo-ovid-bbc718031322d79d"]["full_text_file"].endswith(".pdf")


def test_a_report_not_retrieved_is_decided_with_its_reason(runner: CliRunner, example: Path) -> None:
    key = "citations-c1c453d5a3150da6"
    result = invoke(runner, "decide", key, "--decision", "not_retrieved", "--stage", "full_text",
                    "--reviewer", "Reviewer D", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: --reason: a report not retrieved needs a reason, as PRISMA 2020 reports why reports could not be "
        "retrieved (e.g. \"no library access\")"]
    assert not (example / "decisions" / "full_text-reviewer-d.csv").exists()
    invoke(runner, "decide", key, "--decision", "not_retrieved", "--stage", "full_text", "--reviewer", "Reviewer D",
           "--reason", "Not found in any library")
    rows = list(csv.DictReader(io.StringIO((example / "decisions" / "full_text-reviewer-d.csv").read_text())))
    assert [(row["decision"], row["reason"]) for row in rows] == [("not_retrieved", "Not found in any library")]


def test_a_full_text_exclusion_without_reason_names_the_option_like_a_report_not_retrieved(
        runner: CliRunner, example: Path) -> None:
    result = invoke(runner, "decide", "citations-c1c453d5a3150da6", "--decision", "exclude", "--stage", "full_text",
                    "--reviewer", "Reviewer D", ok=False)
    assert result.exit_code == 1
    [error] = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert error.startswith("Error: --reason: a full-text exclusion needs a reason (one of: 'Published before")
    assert not (example / "decisions" / "full_text-reviewer-d.csv").exists()


def test_a_full_text_exclusion_without_reasons_defined_says_where_to_define_them(
        runner: CliRunner, review_dir: Path) -> None:
    search = review_dir / "searches" / "scopus.ris"
    shutil.copyfile(EXAMPLES / "ibd-psychology" / "searches" / "scopus.ris", search)
    invoke(runner, "import", str(search), "--database", "Scopus")
    key = next(csv.DictReader(io.StringIO(invoke(runner, "export", "records", "--format", "csv").stdout)))["key"]
    result = invoke(runner, "decide", key, "--decision", "exclude", "--stage", "full_text", "--reviewer", "AB",
                    ok=False)
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("Error")] == [
        "Error: --reason: a full-text exclusion needs a reason, and none are defined: list them as the protocol's "
        "full_text_reasons, or as [full_text] reasons in screenrev.toml"]
