"""The rules audit: its exact interval, its sample, and what a wrongly excluded record does."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screenrev.decisions.audit import SAMPLE_FILE, clopper_pearson, sample_size
from screenrev.rank.session import Session

from ..conftest import invoke

# Records of the example review that the protocol's "Not about inflammatory bowel disease" excludes.
EXCLUDED = {"scopus-e9b490a7ea5e7dc3", "scopus-9093e91027ce0144"}


def test_clopper_pearson_known_values() -> None:
    assert clopper_pearson(0, 60) == (0.0, pytest.approx(0.0596, abs=5e-5))
    low, high = clopper_pearson(3, 100)
    assert low == pytest.approx(0.0062, abs=5e-5) and high == pytest.approx(0.0852, abs=5e-5)
    assert clopper_pearson(10, 10) == (pytest.approx(0.6915, abs=5e-5), 1.0)
    with pytest.raises(ValueError):
        clopper_pearson(3, 2)


def test_clopper_pearson_agrees_with_the_beta_quantiles() -> None:
    beta = pytest.importorskip("scipy.stats").beta
    rng = random.Random(5)
    for _ in range(300):
        n = rng.randint(1, 2000)
        k = rng.randint(0, n)
        low, high = clopper_pearson(k, n)
        assert low == pytest.approx(0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1), abs=1e-9)
        assert high == pytest.approx(1.0 if k == n else beta.ppf(0.975, k + 1, n - k), abs=1e-9)


def test_sample_size_is_the_smallest_that_reaches_the_bound() -> None:
    assert sample_size(0.05) == 72
    for bound in (0.01, 0.03, 0.05, 0.1, 0.2):
        n = sample_size(bound)
        assert clopper_pearson(0, n)[1] <= bound < clopper_pearson(0, n - 1)[1]


@pytest.fixture
def unaudited(example: Path) -> Path:
    """The example review before its rules audit: no sample, no audit decisions."""
    (example / "decisions" / SAMPLE_FILE).unlink()
    (example / "decisions" / "rules_audit-reviewer-a.csv").unlink()
    return example


def test_the_example_review_checked_every_rule_exclusion(runner: CliRunner, example: Path) -> None:
    data = json.loads(invoke(runner, "rules", "audit", "--json").stdout)
    assert (data["sampled"], data["checked"], data["wrongly_excluded"]) == (2, 2, 0)
    assert data["line"] == "Rules audited: n = 2 sampled, 0 wrongly excluded (every record the rules excluded was checked)"
    assert _flow(runner)["rules_audit"]["checked"] == 2


def _flow(runner: CliRunner) -> dict:
    return json.loads(invoke(runner, "flow", "--json").stdout)


def test_no_sample_is_a_clear_error(runner: CliRunner, unaudited: Path) -> None:
    result = invoke(runner, "rules", "audit", ok=False)
    assert result.exit_code == 1 and "no sample is drawn yet" in result.stderr


def test_the_sample_is_seeded_kept_and_not_redrawn(runner: CliRunner, unaudited: Path) -> None:
    invoke(runner, "rules", "audit", "--sample", "1", "--seed", "3")
    sample = unaudited / "decisions" / SAMPLE_FILE
    first = sample.read_bytes()
    rows = first.decode().splitlines()
    assert rows[0] == "key,criterion,excluded,seed,protocol_sha256"
    assert len(rows) == 2 and rows[1].split(",")[0] in EXCLUDED and rows[1].split(",")[1:4] == ["not-ibd", "2", "3"]
    again = invoke(runner, "rules", "audit", "--sample", "1", "--seed", "3", ok=False)
    assert again.exit_code == 1 and "holds the audit's sample already" in again.stderr
    assert sample.read_bytes() == first
    sample.unlink()
    invoke(runner, "rules", "audit", "--sample", "1", "--seed", "3")
    assert sample.read_bytes() == first
    # One of two records checked: the share is estimated, with its bound.
    invoke(runner, "decide", rows[1].split(",")[0], "--stage", "rules_audit", "--decision", "rightly_excluded",
           "--reviewer", "AB")
    assert json.loads(invoke(runner, "rules", "audit", "--json").stdout)["line"] == \
        "Rules audited: n = 1 sampled, 0 wrongly excluded, upper 95 % bound 97.5 %"
    # The sample is not a decision file: the flow's counts are those of before, and the audit's
    # totals are new counts to record.
    result = invoke(runner, "flow", "--check", ok=False)
    lines = result.stdout.splitlines()
    assert lines[0] == "The flow differs from [expected] in screenrev.toml (2 counts):"  # sampled, checked
    assert all(line.strip().startswith("rules_audit: ") for line in lines[1:])


def test_a_wrongly_excluded_record_goes_back_to_screening(runner: CliRunner, unaudited: Path) -> None:
    before = _flow(runner)
    invoke(runner, "rules", "audit", "--upper-bound", "5")
    data = json.loads(invoke(runner, "rules", "audit", "--json").stdout)
    assert (data["sampled"], data["checked"], data["wrongly_excluded"]) == (2, 0, 0)
    wrong, right = sorted(EXCLUDED)
    invoke(runner, "decide", wrong, "--stage", "rules_audit", "--decision", "wrongly_excluded", "--reviewer", "AB")
    invoke(runner, "decide", right, "--stage", "rules_audit", "--decision", "rightly_excluded", "--reviewer", "AB")
    after = _flow(runner)
    assert after["excluded_automatic"] == before["excluded_automatic"] - 1
    assert after["records_awaiting"] == before["records_awaiting"] + 1
    assert after["rules_audit"]["wrongly_excluded"] == 1 and after["rules_audit"]["checked"] == 2
    criterion = after["rules_audit"]["criteria"][0]
    assert criterion["ci_low"] == pytest.approx(0.0126, abs=5e-5) and criterion["ci_high"] == pytest.approx(0.9874, abs=5e-5)
    table = invoke(runner, "flow").stdout
    assert "Rules audited: n = 2 sampled, 1 wrongly excluded (every record the rules excluded was checked)" in table
    # The record is screened like any other now.
    invoke(runner, "decide", wrong, "--decision", "exclude", "--reviewer", "Reviewer C")
    assert _flow(runner)["records_awaiting"] == before["records_awaiting"]


def test_flow_check_compares_the_audit(runner: CliRunner, unaudited: Path) -> None:
    invoke(runner, "rules", "audit", "--sample", "2")
    invoke(runner, "flow", "--record")
    invoke(runner, "flow", "--check")
    invoke(runner, "decide", sorted(EXCLUDED)[0], "--stage", "rules_audit", "--decision", "rightly_excluded",
           "--reviewer", "AB")
    result = invoke(runner, "flow", "--check", ok=False)
    assert result.exit_code == 1 and "rules_audit: checked" in result.stdout


def test_an_audit_decision_outside_the_sample_is_refused(runner: CliRunner, unaudited: Path) -> None:
    invoke(runner, "rules", "audit", "--sample", "1", "--seed", "3")
    sampled = (unaudited / "decisions" / SAMPLE_FILE).read_text().splitlines()[1].split(",")[0]
    other = next(iter(EXCLUDED - {sampled}))
    invoke(runner, "decide", other, "--stage", "rules_audit", "--decision", "rightly_excluded", "--reviewer", "AB")
    result = invoke(runner, "flow", ok=False)
    assert result.exit_code == 1
    assert "decisions/rules_audit-ab.csv:2" in result.stderr and "not in the rules audit's sample" in result.stderr


def test_a_filled_in_sheet_is_read_back(runner: CliRunner, unaudited: Path, tmp_path: Path) -> None:
    invoke(runner, "rules", "audit", "--sample", "2", "--sheet", str(tmp_path / "audit.csv"))
    lines = (tmp_path / "audit.csv").read_text().splitlines()
    assert lines[0] == "key,excluded_by,evidence,title,year,journal,abstract,decision,note"
    assert {line.split(",")[0] for line in lines[1:]} == EXCLUDED
    assert all(",Not about inflammatory bowel disease," in line for line in lines[1:])
    filled = [lines[0]] + [line[:-1] + "rightly excluded,title says asthma" for line in lines[1:]]
    (tmp_path / "audit.csv").write_text("\n".join(filled) + "\n")
    invoke(runner, "decide", "--from", str(tmp_path / "audit.csv"), "--stage", "rules_audit", "--reviewer", "AB",
           "--note-column", "note")
    data = json.loads(invoke(runner, "rules", "audit", "--json").stdout)
    assert (data["checked"], data["wrongly_excluded"]) == (2, 0)
    assert (unaudited / "decisions" / "rules_audit-ab.csv").read_text().count("title says asthma") == 2


def test_the_audit_screen_decides_with_r_and_w(runner: CliRunner, unaudited: Path) -> None:
    from screenrev.decisions.stage import DecisionLog, primary_index
    from screenrev.rank.pool import audit_pool
    from screenrev.records.workspace import Workspace
    from screenrev.review.folder import Review

    invoke(runner, "rules", "audit", "--sample", "2")
    review = Review.find(unaudited)
    with Workspace.open(review) as workspace:
        log = DecisionLog(review, primary_index(workspace))
        pool = audit_pool(review, workspace, log)
        order = [record["key"] for record in pool.records]
        session = Session(review, pool, log, reviewer="AB", reasons=[], order=lambda labels: order,
                          stage="rules_audit")
        assert "[r] rightly excluded" in session.keys_help()
        assert "does nothing here" in session.handle("i").message
        first = session.current["key"]
        assert session.handle("w").message == f"Saved: wrongly_excluded {first}"
        reply = session.handle("r")
        assert reply.done and "Every record of the audit's sample is checked" in reply.message
    text = (unaudited / "decisions" / "rules_audit-ab.csv").read_text()
    assert f"{first},rules_audit,wrongly_excluded," in text and ",rules_audit,rightly_excluded," in text
