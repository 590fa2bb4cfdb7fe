"""rank and review as screeners use them: worklist, cold start, stopping, keys, undo, crashes."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screenrev.cli._review import run_session
from screenrev.decisions.stage import DecisionLog, primary_index
from screenrev.rank.pool import screening_pool
from screenrev.rank.session import Session
from screenrev.rank.stage import Ranker
from screenrev.records.workspace import Workspace
from screenrev.review.folder import Review

from ..conftest import DATA, invoke

RECORDS = DATA / "screening" / "nagtegaal_2019_first200.csv"
#: Records to screen: 200, of which two (ids 168 and 169, both irrelevant) are one record.
SCREENABLE = 199


@pytest.fixture
def labelled(runner: CliRunner, review_dir: Path) -> dict[str, int]:
    """A review of 200 real records (SCREENABLE after deduplication); returns record_id → key."""
    invoke(runner, "import", str(RECORDS), "-d", "PubMed")
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "export", "records").stdout)))
    return {row["record_id"]: row["key"] for row in rows}


def _truth() -> dict[str, int]:
    with RECORDS.open(encoding="utf-8") as handle:
        return {row["record_id"]: int(row["label_included"]) for row in csv.DictReader(handle)}


def _decide(runner: CliRunner, key: str, decision: str, reviewer: str = "AB") -> None:
    invoke(runner, "decide", key, "--decision", decision, "--reviewer", reviewer,
           "--timestamp", "2024-01-01T00:00:00+00:00")


def _rank(runner: CliRunner, *args: str) -> dict:
    return json.loads(invoke(runner, "rank", "--json", *args).stdout)


def test_rank_learns_from_decisions_and_is_reproducible(runner: CliRunner, labelled: dict) -> None:
    truth = _truth()
    relevant = [i for i, label in truth.items() if label][:2]
    irrelevant = [i for i, label in truth.items() if not label][:2]
    for record in relevant:
        _decide(runner, labelled[record], "include")
    for record in irrelevant:
        _decide(runner, labelled[record], "exclude")
    first = _rank(runner)
    assert first["method"] == "model"
    assert first["decided"] == 4 and first["undecided"] == SCREENABLE - 4
    assert invoke(runner, "rank", "--json").stdout == invoke(runner, "rank", "--json").stdout
    keys = [row["key"] for row in first["worklist"]]
    scores = [row["score"] for row in first["worklist"]]
    assert scores == sorted(scores, reverse=True)
    # The relevant records come well before a random order would bring them.
    id_of = {key: record for record, key in labelled.items()}
    positions = [n for n, key in enumerate(keys) if truth[id_of[key]]]
    assert sum(positions) / len(positions) < len(keys) / 3


def test_cold_start_uses_the_review_question(runner: CliRunner, labelled: dict, review_dir: Path) -> None:
    assert _rank(runner)["method"] == "seeded"  # no decision, no question
    manifest = review_dir / "screenrev.toml"
    manifest.write_text(manifest.read_text().replace('question = ""', 'question = "computerized reminders"'))
    ranked = _rank(runner)
    assert ranked["method"] == "query"
    top = [row["title"].lower() for row in ranked["worklist"][:5]]
    assert all("computer" in title or "reminder" in title for title in top), top


def test_worklist_files(runner: CliRunner, labelled: dict, review_dir: Path) -> None:
    invoke(runner, "rank", "--out", "worklist.csv")
    rows = list(csv.DictReader(io.StringIO((review_dir / "worklist.csv").read_text(encoding="utf-8"))))
    assert [row["position"] for row in rows[:3]] == ["1", "2", "3"] and len(rows) == SCREENABLE
    invoke(runner, "rank", "--out", "worklist.ris")
    text = (review_dir / "worklist.ris").read_text(encoding="utf-8")
    assert text.count("ER  - ") == SCREENABLE and "N1  - screenrev rank 1, score" in text
    assert invoke(runner, "rank", "--out", "worklist.txt", ok=False).exit_code == 2


def test_rule_exclusions_are_not_screened_or_learnt(runner: CliRunner, labelled: dict, review_dir: Path) -> None:
    (review_dir / "protocol.yaml").write_text(
        "criteria:\n  - id: vaccines\n    label: About vaccination\n    any: [vaccin*]\n", encoding="utf-8")
    invoke(runner, "screen")
    excluded = json.loads(invoke(runner, "screen", "--json").stdout)["excluded"]
    assert excluded > 0
    assert _rank(runner)["undecided"] == SCREENABLE - excluded


def test_status_and_recorded_stopping_rule(runner: CliRunner, labelled: dict, review_dir: Path) -> None:
    truth = _truth()
    # Screen everything relevant, then a long run of irrelevant records: with 13 relevant,
    # a 14th would have to hide among the 7 left; 179 irrelevant in a row make that unlikely
    # (hypergeometric p = 7/186 < 0.05). The 180 irrelevant decisions are 179 records: two
    # of them are duplicates of each other, decided once each, and counted once.
    ordered = [i for i, label in truth.items() if label] + [i for i, label in truth.items() if not label][:180]
    for record in ordered:
        _decide(runner, labelled[record], "include" if truth[record] else "exclude")
    status = json.loads(invoke(runner, "rank", "--status", "--json").stdout)
    screened = len(ordered) - 1
    assert status["screened"] == screened
    stopping = status["stopping"]
    assert stopping["relevant_found"] == 13 and stopping["irrelevant_in_a_row"] == 179
    assert stopping["p_value"] == pytest.approx(7 / 186)
    assert stopping["met"] is True
    invoke(runner, "rank", "--status", "--record-stop")
    manifest = tomllib.loads((review_dir / "screenrev.toml").read_text(encoding="utf-8"))
    recorded = manifest["screening"]["stopping"]
    assert recorded["records_screened_when_met"] == screened
    assert recorded["recall_target"] == 0.95
    invoke(runner, "dedup")
    flow = json.loads(invoke(runner, "flow", "--json").stdout)
    assert flow["records_unscreened"] == SCREENABLE - screened  # stated, never hidden
    assert flow["records_awaiting"] == 0


def test_recording_an_unmet_stopping_rule_is_refused(runner: CliRunner, labelled: dict) -> None:
    _decide(runner, next(iter(labelled.values())), "include")
    result = invoke(runner, "rank", "--status", "--record-stop", ok=False)
    assert result.exit_code == 1 and "not met" in result.stderr


def _session(review_dir: Path, reasons: list[str] | None = None, *, background: bool = False) -> Session:
    review = Review.find(review_dir)
    workspace = Workspace.open(review)
    log = DecisionLog(review, primary_index(workspace))
    pool = screening_pool(review, workspace, log)
    ranker = Ranker(pool, seed=0)
    clock = iter(datetime(2024, 1, 1, 0, n, tzinfo=timezone.utc) for n in range(60))
    return Session(review, pool, log, reviewer="CD", reasons=reasons or [], order=ranker.order,
                   background=background, clock=lambda: next(clock))


def _rows(review_dir: Path) -> list[dict]:
    path = review_dir / "decisions" / "title_abstract-cd.csv"
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))) if path.exists() else []


def test_keys_decide_ask_for_a_reason_and_undo(labelled: dict, review_dir: Path) -> None:
    (review_dir / "protocol.yaml").write_text(
        "criteria:\n  - id: children\n    label: Children\n    action: flag\n    any: [child*]\n", encoding="utf-8")
    session = _session(review_dir, ["Children"])
    first = session.current["key"]
    assert session.handle("i").message.startswith("Saved: include")
    second = session.current["key"]
    assert second != first
    assert session.handle("e").asking_reason
    assert session.handle("7").asking_reason  # not a reason's number
    assert "Children" in session.handle("1").message
    session.handle("m")
    assert [(r["key"], r["decision"], r["reason"]) for r in _rows(review_dir)][:2] == [
        (first, "include", ""), (second, "exclude", "Children")]
    assert len(_rows(review_dir)) == 3
    undone = session.handle("u")
    assert "Undid maybe" in undone.message
    assert len(_rows(review_dir)) == 2  # removed from the file
    assert session.current["key"] not in (first, second)  # the undone record comes back first
    assert "does nothing" in session.handle("x").message
    assert session.handle("q").done
    assert len(_rows(review_dir)) == 2


def test_the_model_retrains_as_decisions_come_in(labelled: dict, review_dir: Path) -> None:
    truth = _truth()
    id_of = {key: record for record, key in labelled.items()}
    session = _session(review_dir, background=True)
    trained: list[dict[str, int]] = []
    order_for = session._order_for

    def order(labels: dict[str, int]) -> list[str]:
        trained.append(dict(labels))
        return order_for(labels)

    session._order_for = order
    for _ in range(30):
        record = session.current
        session.handle("i" if truth[id_of[record["key"]]] else "e")
    session.wait()
    assert len(_rows(review_dir)) == 30
    assert len(session.pool.labels) == 30
    # Retrained in the background as decisions came in, each time on the labels of the
    # moment (how many times depends on how fast the machine trains: decisions made during
    # a training are trained on together when it ends).
    assert trained and all(0 < len(labels) <= 30 for labels in trained)
    assert [len(labels) for labels in trained] == sorted(len(labels) for labels in trained)
    # Once the trainings under way end, the order on screen is the one trained on every decision.
    assert len(trained[-1]) == 30 and session.order == order_for(trained[-1])


def test_without_a_background_thread_every_decision_retrains(labelled: dict, review_dir: Path) -> None:
    session = _session(review_dir, background=False)
    trained: list[int] = []
    order_for = session._order_for
    session._order_for = lambda labels: trained.append(len(labels)) or order_for(labels)
    for key in "iem":
        session.handle(key)
        if key == "e":
            session.handle("1")
    assert trained == [1, 2, 3]


def test_a_crash_during_review_loses_no_decision(labelled: dict, review_dir: Path) -> None:
    session = _session(review_dir)
    keys = iter("iemi")

    def read_key() -> str:
        key = next(keys, None)
        if key is None:
            raise KeyboardInterrupt  # the screener's terminal is closed mid-session
        return key

    with pytest.raises(KeyboardInterrupt):
        run_session(session, None, read_key)
    rows = _rows(review_dir)
    assert [row["decision"] for row in rows] == ["include", "exclude", "maybe", "include"]
    assert not list((review_dir / "decisions").glob(".*.tmp"))  # no half-written file left behind
    # A new session carries on where the last one stopped.
    assert _session(review_dir).current["key"] not in {row["key"] for row in rows}


def test_review_command_needs_a_reviewer_and_saves_each_key(runner: CliRunner, labelled: dict,
                                                            review_dir: Path) -> None:
    result = invoke(runner, "review", ok=False)
    assert result.exit_code == 1 and "--reviewer" in result.stderr
    from screenrev.cli import app

    result = runner.invoke(app, ["review", "--reviewer", "CD"], input="iemq", catch_exceptions=False)
    assert result.exit_code == 0
    assert "Stopped; every decision is saved." in result.stdout
    assert [row["decision"] for row in _rows(review_dir)] == ["include", "exclude", "maybe"]


def test_a_key_decides_the_record_drawn_even_when_a_training_reorders_meanwhile(labelled: dict,
                                                                                 review_dir: Path) -> None:
    import threading

    session = _session(review_dir, background=True)
    order_for = session._order_for
    release = threading.Event()

    def slow_reversed_order(labels: dict[str, int]) -> list[str]:
        release.wait(10)
        return list(reversed(order_for(labels)))

    session._order_for = slow_reversed_order
    first = session.current["key"]
    session.handle("m")  # a training starts and waits
    drawn = session.current["key"]  # the screen draws the next record from the order of the moment
    assert drawn != first
    release.set()
    session.wait()  # the training has ended: the order is reversed while the record is on screen
    assert session.order[0] != drawn
    assert session.current["key"] == drawn
    reply = session.handle("i")
    assert reply.message == f"Saved: include {drawn}"
    assert [row["key"] for row in _rows(review_dir)] == [first, drawn]
    # Only then is the next record chosen, from the order the training gave.
    assert session.current["key"] == next(key for key in session.order if key not in (first, drawn))


def test_an_exclusion_waiting_for_its_reason_decides_the_record_drawn(labelled: dict, review_dir: Path) -> None:
    (review_dir / "protocol.yaml").write_text(
        "criteria:\n  - id: children\n    label: Children\n    action: flag\n    any: [child*]\n", encoding="utf-8")
    session = _session(review_dir, ["Children"])
    drawn = session.current["key"]
    assert "Esc" in session.handle("e").message
    session.order = list(reversed(session.order))  # what a training finishing now would do
    assert "cancelled" in session.handle("\x1b").message and _rows(review_dir) == []
    session.handle("e")
    session.handle("1")
    assert [(row["key"], row["reason"]) for row in _rows(review_dir)] == [(drawn, "Children")]


def test_a_note_is_saved_with_the_decision_on_the_record(labelled: dict, review_dir: Path) -> None:
    session = _session(review_dir)
    drawn = session.current["key"]
    assert session.handle("n").asking_note
    assert "kept" in session.set_note("  check   the age range ").message
    session.handle("i")
    assert [(row["key"], row["note"]) for row in _rows(review_dir)] == [(drawn, "check the age range")]
    assert session.note == "" and session.current["key"] != drawn  # the note went with its record


def test_the_review_screen_shows_each_key_once_and_the_rules_of_the_record(runner: CliRunner, labelled: dict,
                                                                          review_dir: Path) -> None:
    (review_dir / "protocol.yaml").write_text(
        "criteria:\n  - id: children\n    label: Children\n    action: flag\n    any: [child*]\n", encoding="utf-8")
    from screenrev.cli import app

    result = runner.invoke(app, ["review", "--reviewer", "CD"], input="xq", catch_exceptions=False)
    assert result.exit_code == 0
    first_screen = result.stdout.split("The key 'x' does nothing here.")[0]
    assert first_screen.count("[i] include") == 1 and first_screen.count("[q] quit") == 1
    assert "[n] note" in first_screen
    assert "Rules (each criterion in the colour of its words above):" in first_screen
    assert "children  Children: " in first_screen
    assert "left for you" in first_screen


def _agree(runner: CliRunner, labelled: dict, reviewer: str, count: int) -> list[str]:
    truth = _truth()
    decided = []
    for record, key in list(labelled.items())[:count]:
        _decide(runner, key, "include" if truth[record] else "exclude", reviewer=reviewer)
        decided.append(key)
    return decided


def test_a_second_reviewer_screens_records_the_first_decided_and_counts_are_records(
    runner: CliRunner, labelled: dict, review_dir: Path
) -> None:
    _agree(runner, labelled, "AB", 200)  # the first reviewer screened every record
    review = Review.find(review_dir)
    workspace = Workspace.open(review)
    log = DecisionLog(review, primary_index(workspace))
    pool = screening_pool(review, workspace, log)
    truth = _truth()
    id_of = {key: record for record, key in labelled.items()}
    session = Session(review, pool, log, reviewer="CD", reasons=[], order=Ranker(pool, seed=0).order,
                      background=False)
    for _ in range(5):
        record = session.current
        session.handle("i" if truth[id_of[record["key"]]] else "e")
    assert len(session.pool.labels) == SCREENABLE and len(session.pool.screened) == SCREENABLE  # records, not decisions
    assert session.decided_by_me == 5 and session.remaining == SCREENABLE - 5
    from screenrev.rank.pool import stopping_status

    assert stopping_status(session.pool).screened == SCREENABLE
    # A disagreement leaves the record unsettled: not a label, and counted once as a conflict.
    record = session.current
    session.handle("e" if truth[id_of[record["key"]]] else "i")
    assert record["key"] not in session.pool.labels and len(session.pool.screened) == SCREENABLE - 1


def test_the_review_command_works_for_a_second_reviewer_after_the_first_finished(
    runner: CliRunner, labelled: dict, review_dir: Path
) -> None:
    _agree(runner, labelled, "AB", 200)
    from screenrev.cli import app

    result = runner.invoke(app, ["review", "--reviewer", "CD"], input="iemq", catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert f"Blinded · 0 decided by you · {SCREENABLE} left for you" in result.stdout
    assert [row["decision"] for row in _rows(review_dir)] == ["include", "exclude", "maybe"]


def test_blinded_screening_hides_the_other_reviewers_decisions(runner: CliRunner, labelled: dict,
                                                               review_dir: Path) -> None:
    decided = _agree(runner, labelled, "AB", 40)
    agreeing = "include" if _truth()[next(iter(labelled))] else "exclude"
    _decide(runner, decided[0], agreeing, reviewer="CD")
    # With two reviewers, rank refuses to say whose worklist it is showing.
    result = invoke(runner, "rank", "--json", ok=False)
    assert result.exit_code == 1 and "--reviewer" in result.stderr
    mine = _rank(runner, "--reviewer", "CD")
    assert mine["decided"] == 1 and mine["undecided"] == SCREENABLE - 1  # AB's 40 decisions are not shown to CD
    theirs = _rank(runner, "--reviewer", "AB")
    assert theirs["decided"] == 40
    manifest = review_dir / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n[screening]\nblinded = false\n", encoding="utf-8")
    assert _rank(runner, "--reviewer", "CD")["decided"] == 40  # the team's settled decisions (one agreed)
    assert _rank(runner)["decided"] == 40


def test_full_text_review_walks_the_included_records_and_needs_a_reason(runner: CliRunner, labelled: dict,
                                                                        review_dir: Path) -> None:
    keys = list(labelled.values())
    for key in keys[:3]:
        _decide(runner, key, "include")
    _decide(runner, keys[3], "exclude")
    manifest = review_dir / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '\n[full_text]\nreasons = ["Wrong design"]\n',
                        encoding="utf-8")
    (review_dir / "reports").mkdir()
    (review_dir / "reports" / f"{keys[1]}.pdf").write_bytes(b"%PDF-1.4\n")
    from screenrev.cli import app

    # r asks why the report could not be retrieved: a line; an empty one saves nothing
    result = runner.invoke(app, ["review", "--reviewer", "CD", "--stage", "full_text"],
                           input="ie1r\nrno library access \n", catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "Full text · 0 decided by you · 3 left for you" in result.stdout
    assert f"Report file: reports/{keys[1]}.pdf" in result.stdout
    assert "[r] not retrieved" in result.stdout
    rows = list(csv.DictReader(io.StringIO((review_dir / "decisions" / "full_text-cd.csv").read_text())))
    assert [(row["key"], row["decision"], row["reason"]) for row in rows] == [
        (keys[0], "include", ""), (keys[1], "exclude", "Wrong design"), (keys[2], "not_retrieved", "no library access")]
    assert "Not retrieved cancelled: nothing was saved." in result.stdout
    assert "Every record is screened." in result.stdout


def test_two_reviewers_screening_at_once_lose_nothing_and_count_records(runner: CliRunner, labelled: dict,
                                                                       review_dir: Path) -> None:
    review = Review.find(review_dir)
    truth = _truth()
    id_of = {key: record for record, key in labelled.items()}
    sessions = []
    for name in ("AB", "CD"):
        workspace = Workspace.open(review)
        log = DecisionLog(review, primary_index(workspace))
        pool = screening_pool(review, workspace, log, reviewer=name)
        sessions.append(Session(review, pool, log, reviewer=name, reasons=[], order=Ranker(pool, seed=0).order,
                                background=False, blinded=True))
    decided: dict[str, list[str]] = {"AB": [], "CD": []}
    for _ in range(6):  # the two screens take turns, each on its own pool and file
        for session in sessions:
            record = session.current["key"]
            session.handle("i" if truth[id_of[record]] else "e")
            decided[session.reviewer].append(record)
    for session in sessions:
        assert len(session.pool.labels) == 6 and session.decided_by_me == 6  # each sees only their own
        rows = list(csv.DictReader(io.StringIO(
            (review_dir / "decisions" / f"title_abstract-{session.reviewer.lower()}.csv").read_text())))
        assert [row["key"] for row in rows] == decided[session.reviewer]
    state = json.loads(invoke(runner, "status", "--json").stdout)
    both = set(decided["AB"]) | set(decided["CD"])
    stage = state["title_abstract"]
    assert stage["settled"] + stage["conflicts"] == len(both)  # records, not the 12 decisions
    assert {p["reviewer"]: p["decided"] for p in stage["reviewers"]} == {"AB": 6, "CD": 6}


def test_review_refuses_an_unknown_stage(runner: CliRunner, labelled: dict) -> None:
    result = invoke(runner, "review", "--reviewer", "CD", "--stage", "abstracts", ok=False)
    assert result.exit_code == 2 and "--stage" in result.stderr


def test_review_without_a_terminal_is_one_clear_line(runner: CliRunner, example: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    def no_terminal() -> str:
        raise OSError(6, "No such device or address", "/dev/tty")

    monkeypatch.setattr(typer, "getchar", no_terminal)
    from screenrev.cli import app

    result = runner.invoke(app, ["review", "--reviewer", "Reviewer D"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "needs a terminal" in errors[0] and "Traceback" not in result.stderr
    assert not (example / "decisions" / "title_abstract-reviewer-d.csv").exists()


def test_the_review_card_gives_the_rules_evidence_in_words(runner: CliRunner, example: Path) -> None:
    from screenrev.cli import app

    result = runner.invoke(app, ["review", "--reviewer", "Reviewer D"], input="q", catch_exceptions=False)
    assert result.exit_code == 0
    card = " ".join(result.stdout.split())  # the card's lines joined: words wrap anywhere
    # database codes in words, as the advisory group's page writes them
    assert "publication type: journal article (“JOUR”)" in card and "type: JOUR (" not in card
    assert "language: English" in card and "language: en " not in card and "language: eng " not in card
