"""Decision files: every validation error names file, line and column, exits 1 and writes
nothing; settling dual-screening disagreements; appending atomically."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screenrev.decisions.files import COLUMNS, Decision, SettlementRules, settle, write_decisions

from ..conftest import EXAMPLES, invoke

SEARCHES = EXAMPLES / "ibd-psychology" / "searches"
PROTOCOL = """\
criteria:
  - id: old
    label: Published in or before 2011
    field: year
    at_most: 2011
  - id: children
    label: Participants are children
    action: flag
    text: [title, abstract]
    any: [child*, pediatric, youth]
full_text_reasons:
  - Not a primary study
"""


@pytest.fixture
def review(runner: CliRunner, review_dir: Path) -> Path:
    """The six PsycINFO records twice (Ovid and Zotero: six duplicate pairs) and six from Scopus."""
    for name, database in (("psycinfo_ovid.ris", "PsycINFO"), ("psycinfo_zotero.ris", "PsycINFO"),
                           ("scopus.ris", "Scopus")):
        invoke(runner, "import", str(SEARCHES / name), "-d", database)
    invoke(runner, "dedup")
    (review_dir / "protocol.yaml").write_text(PROTOCOL, encoding="utf-8")
    return review_dir


def _keys(runner: CliRunner) -> dict[str, list[dict]]:
    """Records by search, from the export."""
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "export", "records").stdout)))
    by_search: dict[str, list[dict]] = {}
    for row in rows:
        by_search.setdefault(row["search"], []).append(row)
    return by_search


def _write(path: Path, rows: list[list[str]], header: tuple[str, ...] = COLUMNS) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _row(key: str, stage: str = "title_abstract", decision: str = "include", reason: str = "",
         reviewer: str = "AB", timestamp: str = "2024-03-01") -> list[str]:
    return [key, stage, decision, reason, reviewer, timestamp, ""]


# --- reading: one test per error --------------------------------------------------------

BAD_ROWS = {
    "unknown key": ([_row("nowhere-0000000000")], "decisions/bad.csv:2: key: no record has the key 'nowhere-0000000000'"),
    "unknown stage": ([_row("{ovid0}", stage="abstract")], "decisions/bad.csv:2: stage: unknown stage 'abstract'"),
    "unknown decision": ([_row("{ovid0}", decision="yes")], "decisions/bad.csv:2: decision: unknown decision 'yes'"),
    "not_retrieved at title/abstract": (
        [_row("{ovid0}", decision="not_retrieved")], "decisions/bad.csv:2: decision: unknown decision 'not_retrieved' at title_abstract"),
    "unknown reason": (
        [_row("{ovid0}", decision="exclude", reason="Too long")], "decisions/bad.csv:2: reason: unknown reason 'Too long'"),
    "full-text reason at title/abstract": (
        [_row("{ovid0}", decision="exclude", reason="Not a primary study")],
        "decisions/bad.csv:2: reason: unknown reason 'Not a primary study'"),
    "full-text exclusion without a reason": (
        [_row("{ovid0}"), _row("{ovid0}", stage="full_text", decision="exclude")],
        "decisions/bad.csv:3: reason: a full-text exclusion needs a reason"),
    "reason on an inclusion": (
        [_row("{ovid0}", reason="Published in or before 2011")],
        "decisions/bad.csv:2: reason: a reason is given for 'include'"),
    "full text of a record excluded at title/abstract": (
        [_row("{ovid0}", decision="exclude"), _row("{ovid0}", stage="full_text")],
        "decisions/bad.csv:3: key: full-text decision on '{ovid0}', but it was excluded at title/abstract"),
    "full text of a record never screened": (
        [_row("{scopus0}", stage="full_text")],
        "decisions/bad.csv:2: key: full-text decision on '{scopus0}', but it has no title/abstract decision"),
    "same reviewer twice differently (through a duplicate)": (
        [_row("{ovid0}"), _row("{zotero0}", decision="exclude")],
        "decisions/bad.csv:3: decision: 'AB' already decided '{zotero0}' at title_abstract (as {ovid0}, the same study)"),
    "bad timestamp": ([_row("{ovid0}", timestamp="1 March 2024")], "decisions/bad.csv:2: timestamp: '1 March 2024' is not an ISO 8601"),
    "no reviewer": ([_row("{ovid0}", reviewer="")], "decisions/bad.csv:2: reviewer: the reviewer is empty"),
    "too many cells": ([_row("{ovid0}") + ["extra"]], "decisions/bad.csv:2: row: 8 cells but the header has 7 columns"),
}


def _fill(text: str, keys: dict[str, str]) -> str:
    return text.format(**keys)


def _named(runner: CliRunner) -> dict[str, str]:
    records = _keys(runner)
    # The Ovid and Zotero copies of the first PsycINFO record are one cluster.
    ovid0 = records["psycinfo-ovid"][0]
    zotero0 = next(r for r in records["psycinfo-zotero"] if r["cluster"] == ovid0["cluster"])
    return {"ovid0": ovid0["key"], "zotero0": zotero0["key"], "scopus0": records["scopus"][0]["key"]}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_invalid_decision_file_is_refused_with_file_line_and_field(runner: CliRunner, review: Path, case: str) -> None:
    keys = _named(runner)
    rows, message = BAD_ROWS[case]
    _write(review / "decisions" / "bad.csv", [[_fill(cell, keys) for cell in row] for row in rows])
    result = invoke(runner, "flow", "--csv", "prisma.csv", "--diagram", "flow.svg", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: " + _fill(message, keys)), result.stderr
    assert not (review / "prisma.csv").exists() and not (review / "flow.svg").exists()


def test_header_without_the_decision_columns_is_refused(runner: CliRunner, review: Path) -> None:
    _write(review / "decisions" / "notes.csv", [["x", "y"]], header=("key", "comment"))
    result = invoke(runner, "flow", ok=False)
    assert result.exit_code == 1
    assert "decisions/notes.csv:1: header: the header lacks stage, decision, reviewer, timestamp" in result.stderr


def test_duplicate_pair_files_are_left_to_dedup(runner: CliRunner, review: Path) -> None:
    keys = _named(runner)
    _write(review / "decisions" / "pairs.csv", [[keys["ovid0"], keys["scopus0"], ""]], header=("key_a", "key_b", "decision"))
    assert invoke(runner, "flow", "--json").exit_code == 0


@pytest.mark.parametrize("case", ["unknown key", "unknown reason", "same reviewer twice differently (through a duplicate)",
                                  "full text of a record excluded at title/abstract", "bad timestamp"])
def test_decide_refuses_and_writes_nothing(runner: CliRunner, review: Path, case: str) -> None:
    keys = _named(runner)
    invoke(runner, "decide", keys["ovid0"], "--decision", "exclude", "--reviewer", "AB", "--timestamp", "2024-03-01")
    target = review / "decisions" / "title_abstract-ab.csv"
    before = target.read_bytes()
    rows, _message = BAD_ROWS[case]
    key, stage, decision, reason, reviewer, timestamp, _note = [_fill(cell, keys) for cell in rows[-1]]
    args = ["decide", key, "--stage", stage, "--decision", decision, "--reviewer", reviewer or "AB",
            "--timestamp", timestamp, "--file", str(target)]
    if reason:
        args += ["--reason", reason]
    if case.startswith("same reviewer"):
        args[args.index("--decision") + 1] = "include"
    result = invoke(runner, *args, ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: "), result.stderr
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == [".gitkeep", target.name]


def test_decide_appends_and_skips_repeats(runner: CliRunner, review: Path) -> None:
    keys = _named(runner)
    for _ in range(2):
        invoke(runner, "decide", keys["ovid0"], keys["scopus0"], "--decision", "include", "--reviewer", "AB",
               "--timestamp", "2024-03-01T10:00:00")
    invoke(runner, "decide", keys["ovid0"], "--stage", "full_text", "--decision", "exclude",
           "--reason", "Not a primary study", "--reviewer", "AB", "--timestamp", "2024-04-01")
    title_abstract = (review / "decisions" / "title_abstract-ab.csv").read_text(encoding="utf-8").splitlines()
    assert title_abstract == [",".join(COLUMNS),
                              f"{keys['ovid0']},title_abstract,include,,AB,2024-03-01T10:00:00,",
                              f"{keys['scopus0']},title_abstract,include,,AB,2024-03-01T10:00:00,"]
    full_text = (review / "decisions" / "full_text-ab.csv").read_text(encoding="utf-8").splitlines()
    assert full_text[1] == f"{keys['ovid0']},full_text,exclude,Not a primary study,AB,2024-04-01,"


def test_criterion_id_stands_for_its_label(runner: CliRunner, review: Path) -> None:
    keys = _named(runner)
    invoke(runner, "decide", keys["scopus0"], "--decision", "exclude", "--reason", "old", "--reviewer", "AB")
    flow = json.loads(invoke(runner, "flow", "--json").stdout)
    assert flow["records_excluded_reasons"] == {"Published in or before 2011": 1}


def test_decide_from_a_labelled_table(runner: CliRunner, review_dir: Path, tmp_path: Path) -> None:
    # A screening data set as a CSV search: its record_id column is kept with each record.
    search = tmp_path / "labelled.csv"
    _write(search, [["11", "Nudging physicians with reminders", "1"], ["12", "Default options in prescribing", "0"],
                    ["13", "Peer comparison letters", ""], ["14", "Active choice for vaccination", "-1"]],
           header=("record_id", "title", "label_included"))
    invoke(runner, "import", str(search), "-d", "Test")
    result = invoke(runner, "decide", "--from", str(search), "--decision-column", "label_included",
                    "--reviewer", "ASReview", "--timestamp", "2024-05-01", "--json")
    assert json.loads(result.stdout)["added"] == 2
    titles = {r["key"]: r["title"] for r in csv.DictReader(io.StringIO(invoke(runner, "export", "records").stdout))}
    written = list(csv.DictReader(io.StringIO(
        (review_dir / "decisions" / "title_abstract-asreview.csv").read_text(encoding="utf-8"))))
    assert [(titles[r["key"]], r["decision"]) for r in written] == [
        ("Nudging physicians with reminders", "include"), ("Default options in prescribing", "exclude")]
    # Importing the same labels again adds nothing.
    again = invoke(runner, "decide", "--from", str(search), "--decision-column", "label_included",
                   "--reviewer", "ASReview", "--timestamp", "2024-05-01", "--json")
    assert json.loads(again.stdout)["added"] == 0


def test_decide_from_a_table_names_the_bad_line(runner: CliRunner, review: Path, tmp_path: Path) -> None:
    table = tmp_path / "labels.csv"
    _write(table, [["x", "1"], ["nope", "1"]], header=("record_id", "decision"))
    result = invoke(runner, "decide", "--from", str(table), "--reviewer", "AB", ok=False)
    assert result.exit_code == 1
    assert f"{table}:2: record_id: 'x': no record has this id" in result.stderr
    assert not (review / "decisions" / "title_abstract-ab.csv").exists()


def test_decide_is_atomic_when_writing_fails(runner: CliRunner, review: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _named(runner)
    invoke(runner, "decide", keys["ovid0"], "--decision", "include", "--reviewer", "AB")
    target = review / "decisions" / "title_abstract-ab.csv"
    before = target.read_bytes()

    def interrupted(*args: object) -> None:
        raise OSError(28, "No space left on device")  # fails between writing the new file and renaming it

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(OSError):
        invoke(runner, "decide", keys["scopus0"], "--decision", "exclude", "--reviewer", "AB")
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == [".gitkeep", target.name]


def test_write_decisions_keeps_earlier_bytes(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"key,stage,decision,reason,reviewer,timestamp,note\r\na,title_abstract,include,,AB,2024-01-01,")
    write_decisions(path, [Decision("b", "title_abstract", "exclude", reviewer="AB", timestamp="2024-01-02")])
    assert path.read_bytes() == (b"key,stage,decision,reason,reviewer,timestamp,note\r\na,title_abstract,include,,AB,"
                                 b"2024-01-01,\nb,title_abstract,exclude,,AB,2024-01-02,\n")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="two processes are forked")
def test_two_processes_appending_to_one_file_lose_nothing(tmp_path: Path) -> None:
    # A review session and a decide command of one reviewer write the same file: each
    # append reads the file and replaces it, which the folder lock makes them do in turns.
    path = tmp_path / "decisions" / "title_abstract-ab.csv"
    path.parent.mkdir()
    children = []
    for who in ("a", "b"):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for n in range(40):
                    write_decisions(path, [Decision(f"{who}{n}", "title_abstract", "include", reviewer="AB",
                                                    timestamp="2024-01-01")])
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    for pid in children:
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert sorted(row["key"] for row in rows) == sorted(f"{who}{n}" for who in "ab" for n in range(40))
    assert [name for name in os.listdir(path.parent)] == [path.name]  # no lock or temporary file left


# --- settling ---------------------------------------------------------------------------


def _d(record: str, reviewer: str, decision: str, stage: str = "title_abstract", label: str = "") -> Decision:
    return Decision(record, stage, decision, reason=label, reviewer=reviewer, timestamp="2024-01-01",
                    record=record, label=label)


def test_agreeing_reviewers_settle_and_disagreeing_ones_conflict() -> None:
    decisions = [_d("r1", "A", "include"), _d("r1", "B", "include"),
                 _d("r2", "A", "include"), _d("r2", "B", "exclude"),
                 _d("r3", "A", "exclude", label="Old"), _d("r3", "B", "exclude", label="Young")]
    result = settle(decisions, "title_abstract", SettlementRules())
    assert result.settled["r1"].decision == "include" and result.settled["r1"].how == "agreed"
    assert [c.record for c in result.conflicts] == ["r2"]
    # Title/abstract reasons need not agree; the most common (then alphabetical) is reported.
    assert result.settled["r3"].decision == "exclude" and result.settled["r3"].reason == "Old"


def test_a_resolver_settles_a_conflict() -> None:
    decisions = [_d("r2", "A", "include"), _d("r2", "B", "exclude"), _d("r2", "C", "exclude")]
    result = settle(decisions, "title_abstract", SettlementRules(resolvers=frozenset({"C"})))
    assert result.conflicts == []
    assert result.settled["r2"].decision == "exclude" and result.settled["r2"].how == "resolver"


def test_include_if_any_policy() -> None:
    decisions = [_d("r1", "A", "maybe"), _d("r1", "B", "exclude"), _d("r2", "A", "include"), _d("r2", "B", "maybe")]
    rules = SettlementRules(policies={"title_abstract": "include_if_any"})
    result = settle(decisions, "title_abstract", rules)
    assert {r: s.decision for r, s in result.settled.items()} == {"r1": "maybe", "r2": "include"}
    assert all(s.how == "policy" for s in result.settled.values())
    # The policy is per stage: full text still needs a resolver.
    assert settle([_d("r1", "A", "include", "full_text"), _d("r1", "B", "not_retrieved", "full_text")],
                  "full_text", rules).conflicts


def test_full_text_exclusions_with_different_reasons_conflict() -> None:
    decisions = [_d("r1", "A", "exclude", "full_text", "Wrong design"),
                 _d("r1", "B", "exclude", "full_text", "Wrong population")]
    assert [c.record for c in settle(decisions, "full_text", SettlementRules()).conflicts] == ["r1"]


def _log(folder: Path):
    from screenrev.decisions.stage import DecisionLog, primary_index
    from screenrev.records.workspace import Workspace
    from screenrev.review.folder import Review

    review = Review.find(folder)
    with Workspace.open(review) as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        cached = workspace.db.execute("SELECT file FROM checked_decisions ORDER BY file").fetchall()
    return log, [file for (file,) in cached]


def test_checked_decision_files_are_read_again_only_when_they_change(runner: CliRunner, example: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from screenrev.decisions import files

    invoke(runner, "run")
    first, cached = _log(example)
    assert cached and all(name.startswith("decisions/") for name in cached)
    parsed: list[str] = []
    real_read_file = files.read_file
    monkeypatch.setattr(files, "read_file", lambda path, *a, **k: parsed.append(path.name) or real_read_file(path, *a, **k))
    again, _ = _log(example)
    assert parsed == [] and again.decisions == first.decisions  # every file as checked before
    # A file that changes is read again; the others come from what was checked.
    target = example / "decisions" / "title_abstract-reviewer-a.csv"
    target.write_text(target.read_text(encoding="utf-8").replace(",Reviewer A,", ",Reviewer A ,", 1),
                      encoding="utf-8")
    changed, _ = _log(example)
    assert parsed == ["title_abstract-reviewer-a.csv"]
    assert [d.reviewer for d in changed.decisions] == [d.reviewer for d in first.decisions]  # cells are stripped


def test_checked_decisions_follow_the_clusters_and_the_reasons(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    before, _ = _log(example)
    # A protocol whose criteria differ changes which reasons resolve to which label.
    protocol = example / "protocol.yaml"
    protocol.write_text(protocol.read_text(encoding="utf-8").replace("Not primary research", "Not an empirical study"),
                        encoding="utf-8")
    result = invoke(runner, "flow", ok=False)
    # The decision files name the old label: read again, they are refused, never taken from before.
    assert result.exit_code == 1 and "Not primary research" in result.stderr
    protocol.write_text(protocol.read_text(encoding="utf-8").replace("Not an empirical study", "Not primary research"),
                        encoding="utf-8")
    after, _ = _log(example)
    assert after.decisions == before.decisions
