"""screen, rules check and rules explain as a reviewer and an advisory group use them."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import EXAMPLES, invoke

EXAMPLE = EXAMPLES / "ibd-psychology"
PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"


def _review(runner: CliRunner, review_dir: Path) -> None:
    for name, database in (("psycinfo_ovid.ris", "PsycINFO"), ("scopus.ris", "Scopus")):
        invoke(runner, "import", str(EXAMPLE / "searches" / name), "-d", database)
    shutil.copy(EXAMPLE / "protocol.yaml", review_dir / "protocol.yaml")
    invoke(runner, "dedup")


def test_screen_counts_per_criterion_and_stores_evidence(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    summary = json.loads(invoke(runner, "screen", "--json").stdout)
    assert summary["records"] == 12
    assert summary["excluded"] + summary["flagged"] + summary["unsure"] + summary["passed"] == 12
    by_id = {c["id"]: c for c in summary["criteria"]}
    for counts in by_id.values():
        assert counts["excluded"] + counts["flagged"] + counts["unsure"] + counts["passed"] == 12
    # Two Scopus records on the brain-gut axis never name the disease.
    assert by_id["not-ibd"]["excluded"] == 2
    assert by_id["children"]["flagged"] == 3
    assert by_id["not-peer-reviewed"]["excluded"] == 0  # every record is a journal article

    rows = list(csv.DictReader(io.StringIO(invoke(runner, "export", "records").stdout)))
    assert len(rows) == 12
    exercise = next(row for row in rows if row["title"].startswith("Exercise influence"))
    assert exercise["screening"] == "exclude"
    assert exercise["exclusion_reason"] == "Not about inflammatory bowel disease"
    assert exercise["rule:not-ibd"] == "exclude"
    assert exercise["rule:not-ibd:evidence"] == "none of the terms in title or abstract"
    # It names an inflammatory bowel disease only in passing: the rule reads the abstract.
    epilepsy = next(row for row in rows if "epilepsy" in row["title"])
    assert epilepsy["rule:not-ibd"] == "pass"
    assert "'inflammatory bowel' in abstract" in epilepsy["rule:not-ibd:evidence"]
    dietary = next(row for row in rows if row["title"].startswith("Dietary strategies"))
    assert (dietary["screening"], dietary["rule:children"]) == ("flag", "flag")
    assert "[pediatric]" in dietary["rule:children:evidence"]


def test_screen_table_and_details_file(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    result = invoke(runner, "screen", "--details", "details.csv")
    assert "Not about inflammatory bowel disease" in result.stdout
    assert "excluded by a rule" in result.stdout
    details = list(csv.DictReader(io.StringIO((review_dir / "details.csv").read_text(encoding="utf-8"))))
    assert len(details) == 12 * 6
    assert {row["outcome"] for row in details} <= {"exclude", "flag", "pass", "unsure"}


def test_screen_is_reproducible(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    invoke(runner, "screen")
    first = invoke(runner, "export", "records").stdout
    shutil.rmtree(review_dir / ".screenrev")
    invoke(runner, "dedup")
    invoke(runner, "screen")
    assert invoke(runner, "export", "records").stdout == first


def test_screen_with_a_broken_protocol_is_one_line_and_changes_nothing(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    invoke(runner, "screen")
    before = invoke(runner, "export", "records").stdout
    protocol = (review_dir / "protocol.yaml").read_bytes()
    (review_dir / "protocol.yaml").write_text("criteria:\n  - id: a\n    label: A\n    field: yeer\n    at_most: 1\n",
                                              encoding="utf-8")
    result = invoke(runner, "screen", ok=False)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "protocol.yaml:4:12: field: unknown field 'yeer'" in result.stderr
    # Commands that read the rule outcomes refuse with the same line rather than show stale ones.
    refused = invoke(runner, "export", "records", ok=False)
    assert refused.exit_code == 1 and "protocol.yaml:4:12: field: unknown field 'yeer'" in refused.stderr
    (review_dir / "protocol.yaml").write_bytes(protocol)
    assert invoke(runner, "export", "records").stdout == before


def test_rules_check_reports_every_problem_with_its_place(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("criteria:\n  - id: a\n    label: A\n    any: []\n  - id: a\n    label: B\n    any: [x]\n",
                    encoding="utf-8")
    result = invoke(runner, "rules", "check", str(path), ok=False)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert f"{path}:4:10" in lines[0] and f"{path}:5:9" in lines[1]


def test_rules_check_accepts_the_bundled_protocols(runner: CliRunner) -> None:
    for path in (PROTOCOLS / "carr2023-social-care-harm.yaml", EXAMPLE / "protocol.yaml"):
        result = invoke(runner, "rules", "check", str(path))
        assert "OK" in result.stdout


def test_rules_explain_in_plain_english_with_counts_and_examples(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    text = invoke(runner, "rules", "explain", "protocol.yaml", "--examples", "2").stdout
    assert "A record is excluded automatically when its year is before 2010." in text
    assert "A record with no year is left for a human." in text
    assert "In this review:" in text
    assert "[pediatric] patients" in text  # an example title with the matched word marked
    markdown = invoke(runner, "rules", "explain", "protocol.yaml", "--format", "md").stdout
    assert markdown.startswith("# Psychological wellbeing")
    assert "**pediatric**" in markdown
    invoke(runner, "rules", "explain", "protocol.yaml", "--format", "html", "--out", "rules.html")
    page = (review_dir / "rules.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<mark>pediatric</mark>" in page
    assert "<script" not in page and "http" not in page  # one self-contained page


def test_rules_explain_outside_a_review_still_explains(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = invoke(runner, "rules", "explain", str(PROTOCOLS / "carr2023-social-care-harm.yaml")).stdout
    assert "1. Conducted in or before 2007" in text
    assert "In this review" not in text


def test_rules_explain_rejects_an_unknown_format(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "rules", "explain", str(EXAMPLE / "protocol.yaml"), "--format", "pdf", ok=False)
    assert result.exit_code == 2


def test_languages_are_detected_once_and_kept(runner: CliRunner, review_dir: Path, monkeypatch) -> None:
    from screenrev.rules import language

    _review(runner, review_dir)
    calls = []
    detect = language.detect_record
    monkeypatch.setattr(language, "detect_record", lambda record: calls.append(record["key"]) or detect(record))
    invoke(runner, "screen")
    first = invoke(runner, "export", "records").stdout
    assert len(calls) == 6  # the PsycINFO records have no language field; Scopus's do
    invoke(runner, "screen")
    assert len(calls) == 6
    assert invoke(runner, "export", "records").stdout == first
    rows = list(csv.DictReader(io.StringIO(first)))
    psycinfo = [row for row in rows if row["search"] == "psycinfo-ovid"]
    assert all("detected from title and abstract" in row["rule:not-english:evidence"] for row in psycinfo)


def test_every_example_of_the_protocol_template_is_valid_uncommented(runner: CliRunner, review_dir: Path) -> None:
    template = (review_dir / "protocol.yaml").read_text(encoding="utf-8")
    assert invoke(runner, "rules", "check", "protocol.yaml").exit_code == 0  # as init writes it
    lines = template.splitlines()
    start = lines.index("# criteria:")
    examples = [line[2:] for line in lines[start:] if line.startswith("# ") or line == "#"]
    uncommented = "\n".join(line for line in examples) + "\n"
    (review_dir / "protocol.yaml").write_text(uncommented, encoding="utf-8")
    result = invoke(runner, "rules", "check", "protocol.yaml")
    assert result.exit_code == 0 and "4 criteria (3 exclude, 1 flag)" in result.stdout


def test_rule_outcomes_stored_by_other_rules_code_are_computed_again(runner: CliRunner, example: Path) -> None:
    import json
    import sqlite3

    from screenrev.records.workspace import DB_FILE

    invoke(runner, "run")
    before = json.loads(invoke(runner, "flow", "--json").stdout)
    # outcomes as an earlier version of the rules stored them: a wrong exclusion, its
    # protocol unchanged, and a language detected wrongly
    database = sqlite3.connect(example / ".screenrev" / DB_FILE)
    protocol = database.execute("SELECT value FROM meta WHERE name = 'protocol'").fetchone()[0]
    database.execute("UPDATE meta SET value = ? WHERE name = 'protocol'", (protocol.split("+")[0] + "+0123456789abcdef",))
    database.execute("UPDATE screening SET outcome = 'exclude', criterion = 'before-2010', reason = 'Published "
                     "before 2010'")
    assert database.execute("SELECT COUNT(*) FROM languages").fetchone()[0] > 0  # detected from the text
    database.execute("UPDATE meta SET value = 'older' WHERE name = 'languages_by'")
    database.execute("UPDATE languages SET code = 'fr', probability = 1.0")
    database.commit()
    database.close()
    result = invoke(runner, "flow", "--json")
    assert "this version of screenrev applies them differently" in result.stderr
    assert json.loads(result.stdout) == before
    database = sqlite3.connect(example / ".screenrev" / DB_FILE)
    assert database.execute("SELECT COUNT(*) FROM languages WHERE code = 'fr' AND probability = 1.0").fetchone()[0] == 0
    database.close()
