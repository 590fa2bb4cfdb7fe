"""screenrev status, a cloned review, and dual screening of a finished review."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import EXAMPLES, invoke

GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main"]


def _status(runner: CliRunner) -> dict:
    return json.loads(invoke(runner, "status", "--json").stdout)


def test_status_says_where_the_review_stands(runner: CliRunner, example: Path) -> None:
    result = invoke(runner, "status")
    assert "Marking duplicates among the records as they are now: screenrev dedup" in result.stderr
    # 16 database records (24, less 6 duplicates and 2 the rules excluded) + 6 citation records (the advisory
    # group's record is a duplicate)
    assert "Title/abstract: 22 records to screen, 22 settled, 0 in conflict" in result.stdout
    assert "Reviewer C        3 decided  (resolver)" in result.stdout
    assert "Screening is blinded" in result.stdout
    state = _status(runner)
    assert state["recomputed"] == []  # the first status brought the workspace up to date
    # Every search's records: 24 from databases + 7 by other methods; duplicates 6 + 1 (the advisory group's)
    assert (state["records"], state["duplicates"], state["excluded_automatic"]) == (31, 7, 2)
    # Sought at full text: 5 database records + 1 citation record
    assert state["title_abstract"]["records"] == 22 and state["full_text"]["records"] == 6
    by_reviewer = {p["reviewer"]: p for p in state["full_text"]["reviewers"]}
    assert by_reviewer["Reviewer B"]["left"] == 1
    assert state["next_steps"][0].startswith('screenrev review --stage full_text --reviewer "Reviewer B"')
    # The flow counts the same records, in its two columns.
    flow = json.loads(invoke(runner, "flow", "--json").stdout)
    assert flow["records_screened"] + flow["other_records_screened"] == state["title_abstract"]["settled"]
    assert flow["duplicates"] + flow["other_duplicates"] == state["duplicates"]
    assert flow["identified"] + flow["other_identified"] == state["records"]


def test_status_of_a_review_with_no_search_says_to_import(runner: CliRunner, review_dir: Path) -> None:
    state = _status(runner)
    assert state["searches"] == 0 and state["next_steps"][0].startswith("screenrev import")
    assert invoke(runner, "status").exit_code == 0


def test_status_outside_a_review_is_one_line(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "status", ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1


def test_status_names_conflicts_and_the_stopping_rule(runner: CliRunner, example: Path) -> None:
    decisions = example / "decisions"
    resolved = {row["key"] for row in csv.DictReader(io.StringIO(
        (decisions / "title_abstract-reviewer-c.csv").read_text(encoding="utf-8")))}
    row = next(row for row in csv.DictReader(io.StringIO(
        (decisions / "title_abstract-reviewer-a.csv").read_text(encoding="utf-8"))) if row["key"] not in resolved)
    opposite = "exclude" if row["decision"] in ("include", "maybe") else "include"
    invoke(runner, "decide", row["key"], "--decision", opposite, "--reviewer", "Reviewer D")
    state = _status(runner)
    assert state["title_abstract"]["conflicts"] == 1
    assert state["next_steps"][0].startswith("screenrev agreement --stage title_abstract   (1 record in conflict")
    assert state["stopping"]["screened"] == 21  # 22 records, less the one in conflict: it is not a label
    result = invoke(runner, "status")
    assert "Title/abstract: 22 records to screen, 21 settled, 1 in conflict" in result.stdout
    assert "Stopping rule not met: p = " in result.stdout


def test_status_warns_of_a_report_file_no_record_has_and_still_says_where_the_review_stands(
        runner: CliRunner, example: Path) -> None:
    assert _status(runner)["warnings"] == []
    (example / "reports").mkdir()
    (example / "reports" / "unknown.pdf").write_bytes(b"%PDF-1.4\n")
    problem = ("reports/unknown.pdf: no record has the key 'unknown': name a report file by its record's key, "
               "or map it to one in reports/files.csv (columns key,file)")
    # What the full-text commands stop on, status says without stopping.
    assert problem in invoke(runner, "fulltext", "status", ok=False).stderr
    result = invoke(runner, "status")
    assert f"Warning: {problem}\n" in result.stderr
    assert "Full text: 6 reports sought, 6 settled" in result.stdout
    state = _status(runner)
    assert state["warnings"] == [problem]
    # Mending the file comes before the full-text review that would stop on it.
    assert state["next_steps"][0].startswith("fix reports/unknown.pdf   (see the warning")
    assert state["next_steps"][1].startswith('screenrev review --stage full_text --reviewer "Reviewer B"')
    (example / "reports" / "files.csv").write_text("key,file\nnokey,unknown.pdf\n", encoding="utf-8")
    state = _status(runner)
    assert state["warnings"] == ["reports/files.csv:2: key: no record has the key 'nokey'"]
    assert state["next_steps"][0].startswith("fix reports/files.csv   (")
    (example / "reports" / "files.csv").unlink()
    (example / "reports" / "unknown.pdf").rename(example / "reports" / "citations-c1c453d5a3150da6.pdf")
    result = invoke(runner, "status")
    assert "Warning" not in result.stderr and _status(runner)["warnings"] == []


def _git(*args: str, cwd: Path) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


def test_a_git_clone_of_a_review_shows_the_same_pool_and_counts(runner: CliRunner, example: Path,
                                                                tmp_path: Path, monkeypatch) -> None:
    invoke(runner, "run")
    _git("init", "-q", cwd=example)
    _git("add", "-A", cwd=example)
    _git("commit", "-q", "-m", "review", cwd=example)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(example), str(clone)], check=True, capture_output=True)
    assert not (clone / ".screenrev").exists()  # the workspace is not in git

    def outputs() -> dict:
        state = _status(runner)
        state.pop("recomputed")
        return {
            "status": state,
            "rank": json.loads(invoke(runner, "rank", "--json", "--reviewer", "Reviewer A").stdout),
            "rank_status": json.loads(invoke(runner, "rank", "--status", "--json", "--reviewer", "Reviewer B").stdout),
            "flow": json.loads(invoke(runner, "flow", "--json").stdout),
        }

    original = outputs()
    monkeypatch.chdir(clone)
    # The first command in the clone rebuilds the workspace and says what it recomputed.
    first = invoke(runner, "rank", "--json", "--reviewer", "Reviewer A")
    assert "Marking duplicates among the records as they are now" in first.stderr
    assert "Applying the protocol's rules to the records as they are now" in first.stderr
    assert outputs() == original
    # review in the clone shows the pool the original shows.
    screens = [runner.invoke(_app(), ["review", "--reviewer", "Reviewer D"], input="q", catch_exceptions=False)
               for _ in (0,)]
    monkeypatch.chdir(example)
    in_original = runner.invoke(_app(), ["review", "--reviewer", "Reviewer D"], input="q", catch_exceptions=False)
    assert screens[0].exit_code == in_original.exit_code == 0
    assert "Blinded · 0 decided by you · 22 left for you" in screens[0].stdout  # 16 database + 6 citation records
    assert screens[0].stdout == in_original.stdout


def _app():
    from screenrev.cli import app

    return app


def test_a_second_reviewer_screens_the_finished_nagtegaal_review(runner: CliRunner, tmp_path: Path,
                                                                 monkeypatch) -> None:
    folder = tmp_path / "nagtegaal"
    shutil.copytree(EXAMPLES / "nagtegaal-2019", folder, ignore=shutil.ignore_patterns(".screenrev", "out"))
    monkeypatch.chdir(folder)
    invoke(runner, "run")
    before = _status(runner)
    pool = before["title_abstract"]["records"]
    assert before["title_abstract"]["settled"] == pool  # the first reviewer decided every record
    result = runner.invoke(_app(), ["review", "--reviewer", "second"], input="iemq", catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert f"Blinded · 0 decided by you · {pool:,} left for you" in result.stdout
    rows = list(csv.DictReader(io.StringIO((folder / "decisions" / "title_abstract-second.csv").read_text())))
    assert [row["decision"] for row in rows] == ["include", "exclude", "maybe"]
    after = _status(runner)
    second = next(p for p in after["title_abstract"]["reviewers"] if p["reviewer"] == "second")
    assert (second["decided"], second["left"]) == (3, pool - 3)
    stage = after["title_abstract"]
    assert stage["settled"] + stage["conflicts"] == pool  # records, however many reviewers decided them
    assert after["stopping"]["screened"] == stage["settled"] <= pool
    rank_status = json.loads(invoke(runner, "rank", "--status", "--json", "--reviewer", "second").stdout)
    assert rank_status["screened"] == 3 and rank_status["stopping"]["screened"] == 3
