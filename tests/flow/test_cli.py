"""screenrev run, flow, agreement and the exports on a copy of the example review."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screenrev.records.parse import read_export

from ..conftest import invoke


def _flow(runner: CliRunner) -> dict:
    return json.loads(invoke(runner, "flow", "--json").stdout)


def test_run_rebuilds_everything_and_check_passes(runner: CliRunner, example: Path) -> None:
    result = invoke(runner, "run")
    assert "Records screened" in result.stdout
    assert (example / "out" / "prisma-flow.svg").is_file()
    check = invoke(runner, "flow", "--check")
    assert check.stdout.startswith("OK: the flow matches the")


def test_run_gives_the_same_diagram_twice(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    first = (example / "out" / "prisma-flow.svg").read_bytes()
    invoke(runner, "run")
    assert (example / "out" / "prisma-flow.svg").read_bytes() == first


def test_check_fails_with_a_diff_when_a_decision_changes(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    ta = example / "decisions" / "title_abstract-reviewer-c.csv"
    # The resolver now excludes the review article the reviewers disagreed on.
    text = ta.read_text(encoding="utf-8").replace(
        "psycinfo-ovid-8b7c86d5caf39bf4,title_abstract,include,", "psycinfo-ovid-8b7c86d5caf39bf4,title_abstract,exclude,")
    ta.write_text(text, encoding="utf-8")
    for name in ("full_text-reviewer-a.csv", "full_text-reviewer-b.csv"):
        path = example / "decisions" / name
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if "8b7c86d5caf39bf4" not in line]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(runner, "flow", "--check", ok=False)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "The flow differs from [expected] in screenrev.toml (5 counts):"
    diff = {line.split()[0]: line for line in lines[1:]}
    assert "expected        11   now        12  (+1)" in diff["records_excluded"]
    assert "expected         5   now         4  (-1)" in diff["dbr_sought_reports"]
    assert any(line.strip().startswith("dbr_excluded: Not primary research") and "now    (none)" in line
               for line in lines)
    data = json.loads(invoke(runner, "flow", "--check", "--json", ok=False).stdout)
    assert data["ok"] is False and {"count": "records_excluded", "expected": 11, "actual": 12} in data["differences"]


def test_record_then_check(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    manifest = example / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").split("[expected]")[0], encoding="utf-8")
    missing = invoke(runner, "flow", "--check", ok=False)
    assert missing.exit_code == 1 and "no [expected] counts" in missing.stderr
    invoke(runner, "flow", "--record")
    assert "[expected]" in manifest.read_text(encoding="utf-8")
    assert "# Two reviewers screen every record" in manifest.read_text(encoding="utf-8")  # comments kept
    invoke(runner, "flow", "--check")


def test_unresolved_conflicts_are_refused_until_settled(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    (example / "decisions" / "title_abstract-reviewer-c.csv").unlink()
    for name in ("full_text-reviewer-a.csv", "full_text-reviewer-b.csv"):
        (example / "decisions" / name).unlink()
    result = invoke(runner, "flow", "--diagram", "flow.svg", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unresolved conflicts between reviewers (3 at title_abstract): "
                                    "see 'screenrev agreement --stage title_abstract'")
    assert not (example / "flow.svg").exists()
    agreement = json.loads(invoke(runner, "agreement", "--stage", "title_abstract", "--json").stdout)
    assert agreement["unresolved"] == 3
    assert [c["record"] for c in agreement["conflicts"]] == [
        "psycinfo-ovid-3ba6c7016fdcaa2c", "psycinfo-ovid-8b7c86d5caf39bf4", "pubmed-endnote-16bf30129a58e092"]
    # A policy in the manifest settles them: the most inclusive decision wins.
    manifest = example / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '\n[conflicts]\ntitle_abstract = "include_if_any"\n',
                        encoding="utf-8")
    flow = _flow(runner)
    assert flow["dbr_sought_reports"] == 6  # 3 agreed includes, and the 3 conflicts: include or maybe
    assert flow["reports_awaiting"] == 6


def test_agreement_reports_kappa_per_pair(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    data = json.loads(invoke(runner, "agreement", "--stage", "title_abstract", "--json").stdout)
    assert data["reviewers"] == ["Reviewer A", "Reviewer B"]  # the resolver is left out
    (pair,) = data["pairs"]
    # 16 database records (the two the rules excluded are not screened) + 6 citation records (the advisory
    # group's record is a duplicate); they disagree on 3 database records and agree on all 6 citation records.
    assert (pair["records"], pair["agreed"]) == (22, 19)
    # Both reviewers: 5 include, 1 maybe, 16 exclude; chance agreement (25 + 1 + 256) / 484.
    assert pair["kappa"] == pytest.approx((19 / 22 - 282 / 484) / (1 - 282 / 484))
    assert all(c["settled_by"] == "resolver" for c in data["conflicts"]) and data["unresolved"] == 0
    table = invoke(runner, "agreement", "--stage", "title_abstract").stdout
    assert "0.673" in table and "86.4" in table  # kappa 136 / 202; 19 / 22 agreed


def test_flow_json_and_template_csv(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    flow = _flow(runner)
    assert (flow["identified"], flow["duplicates"], flow["records_screened"]) == (24, 6, 16)
    assert flow["excluded_automatic_reasons"] == {"Not about inflammatory bowel disease": 2}
    assert flow["database_specific_results"] == {"PsycINFO": 12, "Scopus": 6, "MEDLINE": 6}
    assert (flow["dbr_notretrieved_reports"], flow["dbr_excluded"], flow["new_studies"]) == (
        1, {"Not primary research": 1}, 4)  # 3 studies from the databases + 1 from citation searching
    invoke(runner, "flow", "--csv", "out/prisma.csv")
    template = (example / "out" / "prisma.csv").read_text(encoding="utf-8")
    rows = {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(template)) if row["data"] != "NA"}
    assert rows["database_specific_results"] == "PsycINFO, 12; Scopus, 6; MEDLINE, 6"
    assert rows["dbr_assessed"] == "4"


def test_rule_exclusions_are_counted_as_automation(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")  # applies the protocol's rules
    flow = _flow(runner)
    assert flow["excluded_automatic_reasons"] == {"Not about inflammatory bowel disease": 2}
    # A reviewer screens a record a rule excluded: the human decision counts, and the flow says so.
    invoke(runner, "decide", "scopus-e9b490a7ea5e7dc3", "--decision", "include", "--reviewer", "Reviewer C")
    result = invoke(runner, "flow", "--json")
    flow = json.loads(result.stdout)
    assert (flow["excluded_automatic"], flow["human_overrides"], flow["records_screened"]) == (1, 1, 17)
    assert flow["reports_awaiting"] == 1
    assert "1 records excluded by a rule were screened by a reviewer" in result.stderr


def test_flow_applies_a_changed_protocol_first(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    assert "rules" not in invoke(runner, "flow").stderr
    protocol = example / "protocol.yaml"
    protocol.write_text(protocol.read_text(encoding="utf-8").replace("before: 2010", "before: 2012"), encoding="utf-8")
    assert "Applying the protocol's rules again: the protocol changed: screenrev screen" in invoke(runner, "flow").stderr
    flow = _flow(runner)
    # The Boswellia record (2011) is now excluded by the year rule, but both reviewers screened it.
    assert flow["excluded_automatic_reasons"] == {"Not about inflammatory bowel disease": 2}
    assert flow["human_overrides"] == 1


def test_export_included_studies(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    ris = invoke(runner, "export", "included", "--stage", "full_text", "--format", "ris").stdout
    # 3 database reports + citations-c1c453d5a3150da6, included at full text
    assert ris.count("ER  - ") == 4 and "ID  - psycinfo-ovid-bbc718031322d79d" in ris
    assert "ID  - citations-c1c453d5a3150da6" in ris
    rows = list(csv.DictReader(io.StringIO(
        invoke(runner, "export", "included", "--stage", "title_abstract", "--format", "csv").stdout)))
    # 5 database records + 1 citation record included at title/abstract
    assert len(rows) == 6 and {row["title_abstract"] for row in rows} == {"include"}
    assert {row["full_text"] for row in rows} == {"include", "exclude", "not_retrieved"}
    assert all(row["source_file"].startswith("searches/") for row in rows)
    invoke(runner, "export", "included", "--format", "bib", "--out", "included.bib")
    text = (example / "included.bib").read_text(encoding="utf-8")
    assert text.count("@article{") == 4 and "Clinical Psychology \\& Psychotherapy" in text
    # screenrev's own BibTeX reader gets the records back.
    records = list(read_export(example / "included.bib").map())
    assert [r["journal"] for r in records][0] == "Clinical Psychology & Psychotherapy"
    assert [r["pages"] for r in records][1] == "847-856"


def test_export_decisions_is_the_audit_trail(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "export", "decisions").stdout)))
    # Decision rows: title/abstract 22 (A) + 22 (B) + 3 (C), full text 6 (A) + 5 (B), rules audit 2
    assert len(rows) == 60
    assert sum(row["stage"] == "rules_audit" for row in rows) == 2
    zotero = [row for row in rows if row["key"].startswith("psycinfo-zotero")]
    assert zotero and all(row["record"].startswith("psycinfo-ovid") for row in zotero)
    assert rows[0]["file"] == "decisions/full_text-reviewer-a.csv" and rows[0]["line"] == "2"


def test_stopping_rule_states_why_records_were_not_screened(runner: CliRunner, example: Path) -> None:
    invoke(runner, "run")
    # Three database records are left unscreened (the files end with citation records: those would wait in
    # the other methods' column).
    unscreened = ("pubmed-endnote-42866c5f67736ed2", "pubmed-endnote-91d1c1ceeeabca71",
                  "pubmed-endnote-55d8c4e58b536146")
    for name in ("title_abstract-reviewer-a.csv", "title_abstract-reviewer-b.csv"):
        path = example / "decisions" / name
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if not line.startswith(unscreened)]
        assert len(kept) == len(lines) - 3
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    awaiting = invoke(runner, "flow")
    assert "3 records have no title/abstract decision and no stopping rule is stated" in awaiting.stderr
    manifest = example / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + (
        '\n[screening.stopping]\nmethod = "hypergeometric test"\nrecall_target = 0.95\n'
        'records_screened_when_met = 15\ndate = 2019-10-16\n'), encoding="utf-8")
    flow = _flow(runner)
    assert (flow["records_unscreened"], flow["records_awaiting"]) == (3, 0)
    assert (flow["other_records_unscreened"], flow["other_records_awaiting"]) == (0, 0)
    assert flow["stopping_rule"] == "hypergeometric test, recall target 95%, met after 15 records, on 2019-10-16"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('method = "hypergeometric test"\n', ""),
                        encoding="utf-8")
    bad = invoke(runner, "flow", ok=False)
    assert bad.exit_code == 1 and "[screening.stopping]: method is required" in bad.stderr


def test_flow_marks_duplicates_and_applies_the_rules_first(runner: CliRunner, example: Path) -> None:
    result = invoke(runner, "flow", "--json")
    stages = [line for line in result.stderr.splitlines() if not line.startswith("Rebuilding workspace")]
    assert stages[:2] == [
        "Marking duplicates among the records as they are now: screenrev dedup",
        "Applying the protocol's rules to the records as they are now: screenrev screen",
    ]
    invoke(runner, "run")
    assert json.loads(invoke(runner, "flow", "--json").stdout) == json.loads(result.stdout)


def test_a_mid_review_diagram_shows_records_awaiting_screening_apart(runner: CliRunner, example: Path) -> None:
    from screenrev.flow.diagram import _boxes
    from screenrev.flow.stage import review_flow
    from screenrev.records.workspace import Workspace
    from screenrev.review.folder import Review

    for path in (example / "decisions").glob("title_abstract-reviewer-[bc].csv"):
        path.unlink()  # one reviewer's decisions only: the other records wait
    for path in (example / "decisions").glob("full_text-*.csv"):
        path.unlink()
    (example / "decisions" / "title_abstract-reviewer-a.csv").write_text(
        "\n".join((example / "decisions" / "title_abstract-reviewer-a.csv").read_text(encoding="utf-8")
                  .splitlines()[:6]) + "\n", encoding="utf-8")
    invoke(runner, "run")
    result = invoke(runner, "flow", "--diagram", "mid.png")
    assert (example / "mid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    review = Review.find(example)
    with Workspace.open(review) as workspace:
        flow = review_flow(review, workspace).flow
    assert flow.records_awaiting > 0 and "awaiting screening" in result.stderr
    boxes = _boxes(flow, other=False, previous=False)
    removed = next(box for box in boxes if box.lines[0].startswith("Records removed before screening"))
    assert not any("screened" in line for line in removed.lines)
    waiting = [box for box in boxes if box.below]
    assert len(waiting) == 1 and f"(n\u00a0=\u00a0{flow.records_awaiting})" in waiting[0].lines[0]
    assert not any(line.rstrip().endswith(":") for box in boxes for line in box.lines[-1:])  # no dangling colon


def test_records_found_by_other_methods_are_counted_in_their_column(runner: CliRunner, example: Path) -> None:
    scopus = (example / "searches" / "scopus.ris").read_text(encoding="utf-8")
    first = scopus[: scopus.index("ER  -") + len("ER  -")] + "\n\n"
    new = ("TY  - JOUR\nTI  - Coping with inflammatory bowel disease: a letter from a patient group\n"
           "AU  - Example, A.\nPY  - 2018\nJO  - Gut Feelings\nER  - \n")
    (example / "forward_citations.ris").write_text(first + new, encoding="utf-8")
    before = _flow(runner)
    # The example's own other methods: 6 citation records and the advisory group's record, a duplicate.
    assert (before["citations_results"], before["other_identified"], before["other_duplicates"]) == (6, 7, 1)
    assert before["other_records_awaiting"] == 0
    invoke(runner, "import", "forward_citations.ris", "--name", "forward-citations", "--method", "citation",
           "--source", "Forward citations")
    sources = json.loads(invoke(runner, "sources", "--json").stdout)["searches"]
    assert sources[-1]["method"] == "citation" and sources[-1]["database"] == "Forward citations"
    flow = _flow(runner)
    assert flow["identified"] == before["identified"]  # the first column is the databases'
    # The example's 6 + 2 citation records, 7 + 2 by other methods, 1 + 1 found already (Scopus's first).
    assert (flow["citations_results"], flow["other_identified"], flow["other_duplicates"]) == (8, 9, 2)
    assert flow["other_records_awaiting"] == 1  # the new record waits for screening, in its own column
    assert "Records identified from citation searching" in invoke(runner, "flow").stdout
    manifest = example / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n[other_methods]\ncitations_results = 2\n",
                        encoding="utf-8")
    result = invoke(runner, "flow", ok=False)
    assert result.exit_code == 1 and ("[other_methods] counts by hand what the searches citations, advisory-group, "
                                      "forward-citations import") in result.stderr


def test_an_unknown_method_is_refused(runner: CliRunner, example: Path) -> None:
    result = invoke(runner, "import", str(example / "searches" / "scopus.ris"), "--name", "pigeon", "--method",
                    "pigeon", "--source", "Carrier pigeon", ok=False)
    assert result.exit_code == 1 and "--method 'pigeon': the methods are database, register" in result.stderr


def test_a_record_typed_by_hand_is_a_search_of_its_own(runner: CliRunner, example: Path) -> None:
    invoke(runner, "add", "--title", "Peer support in inflammatory bowel disease: a service evaluation",
           "--author", "Smith, J.", "--year", "2021", "--source", "Expert: e-mail", "--searched", "2024-03-02")
    # An expert also names an article the databases found: the same DOI and title.
    invoke(runner, "add", "--title", "Gender differences in inflammatory bowel disease: Explaining body image "
           "dissatisfaction", "--doi", "10.1177/1359105317742958", "--year", "2019", "--type", "JOUR",
           "--source", "Expert: e-mail", "--name", "expert-trindade")
    searches = json.loads(invoke(runner, "sources", "--json").stdout)["searches"]
    added = [s for s in searches if s["database"] == "Expert: e-mail"]
    assert [s["method"] for s in added] == ["other", "other"] and added[0]["searched"] == "2024-03-02"
    assert (example / added[0]["file"]).read_text(encoding="utf-8").startswith("TY  - GEN\n")
    flow = _flow(runner)
    # Added to the example's own: other sources 1 + 2 (the advisory group's record and these two), 7 + 2
    # records by other methods, and 1 + 1 found already (the advisory group's record and Trindade's).
    assert (flow["other_results"], flow["other_identified"], flow["other_duplicates"]) == (3, 9, 2)
    assert flow["other_records_awaiting"] == 1  # the example's own are all screened: Smith's record waits


def test_a_register_export_is_counted_as_register_results(runner: CliRunner, example: Path) -> None:
    from ..conftest import DATA

    exports = sorted((DATA / "registers").iterdir())
    ctgov = next(path for path in exports if "ctgov" in path.name or "clinicaltrials" in path.name.lower())
    invoke(runner, "import", str(ctgov))  # no --database: the export says which register it is
    search = json.loads(invoke(runner, "sources", "--json").stdout)["searches"][-1]
    assert (search["database"], search["method"]) == ("ClinicalTrials.gov", "register")
    flow = _flow(runner)
    assert flow["register_results"] == search["records"] > 0
    assert flow["register_specific_results"] == {"ClinicalTrials.gov": search["records"]}
    assert flow["identified"] == flow["database_results"] + flow["register_results"]
