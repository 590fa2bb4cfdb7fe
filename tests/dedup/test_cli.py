"""screenrev dedup as a reviewer uses it: clusters stored, review queue, decisions, overlap."""

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import EXAMPLES, invoke

SEARCHES = EXAMPLES / "ibd-psychology" / "searches"


def _import_both(runner: CliRunner) -> None:
    # The same six PsycINFO records, once straight from Ovid and once passed through Zotero.
    invoke(runner, "import", str(SEARCHES / "psycinfo_ovid.ris"), "-d", "PsycINFO")
    invoke(runner, "import", str(SEARCHES / "psycinfo_zotero.ris"), "-d", "PsycINFO (Zotero)")
    invoke(runner, "import", str(SEARCHES / "scopus.ris"), "-d", "Scopus")


def _records(runner: CliRunner) -> list[dict]:
    return list(csv.DictReader(io.StringIO(invoke(runner, "export", "records").stdout)))


def test_dedup_marks_duplicates_and_keeps_every_record(runner: CliRunner, review_dir: Path) -> None:
    _import_both(runner)
    summary = json.loads(invoke(runner, "dedup", "--json").stdout)
    assert summary["records"] == 18
    assert summary["duplicates"] >= 6
    assert summary["clusters"] + summary["duplicates"] == summary["records"]
    rows = _records(runner)
    assert len(rows) == 18  # marked, never deleted
    by_title = {}
    for row in rows:
        by_title.setdefault(row["title"].lower().rstrip("."), set()).add(row["cluster"])
    ovid = [row for row in rows if row["search"] == "psycinfo-ovid"]
    zotero = {row["key"]: row for row in rows if row["search"] == "psycinfo-zotero"}
    assert {row["cluster"] for row in ovid} <= {row["cluster"] for row in zotero.values()}
    assert sum(row["primary"] == "true" for row in rows) == summary["clusters"]


def test_overlap_between_databases(runner: CliRunner, review_dir: Path) -> None:
    _import_both(runner)
    overlap = json.loads(invoke(runner, "dedup", "--json").stdout)["overlap"]
    assert overlap["databases"] == ["PsycINFO", "PsycINFO (Zotero)", "Scopus"]
    assert overlap["shared"]["PsycINFO"]["PsycINFO (Zotero)"] == 6
    assert overlap["found"]["PsycINFO"] == 6
    table = invoke(runner, "dedup").stdout
    assert "only here" in table and "Scopus" in table


def test_dedup_is_idempotent(runner: CliRunner, review_dir: Path) -> None:
    _import_both(runner)
    invoke(runner, "dedup")
    first = invoke(runner, "export", "records").stdout
    invoke(runner, "dedup")
    assert invoke(runner, "export", "records").stdout == first


def test_a_human_decision_overrides_the_matcher(runner: CliRunner, review_dir: Path) -> None:
    _import_both(runner)
    invoke(runner, "dedup")
    rows = _records(runner)
    ovid = next(row for row in rows if row["search"] == "psycinfo-ovid")
    twin = next(r for r in rows if r["cluster"] == ovid["cluster"] and r["key"] != ovid["key"])
    (review_dir / "decisions" / "duplicates.csv").write_text(
        f"key_a,key_b,decision\n{ovid['key']},{twin['key']},different\n", encoding="utf-8"
    )
    summary = json.loads(invoke(runner, "dedup", "--json").stdout)
    assert summary["decisions"] == 1
    assert summary["decision_files"] == ["decisions/duplicates.csv"]
    clusters = {row["key"]: row["cluster"] for row in _records(runner)}
    assert clusters[ovid["key"]] != clusters[twin["key"]]


PREPRINT_AND_ARTICLE = """\
TY  - JOUR
TI  - Loneliness and depressive symptoms in older adults during the COVID-19 pandemic: a cohort study
AU  - Smith, Jane A
AU  - Brown, Peter
PY  - 2021
T2  - medRxiv
DO  - 10.1101/2021.01.01.21249000
ER  - 

TY  - JOUR
TI  - Loneliness and depressive symptoms in older adults during the COVID-19 pandemic: a cohort study
AU  - Smith, Jane A
AU  - Brown, Peter
PY  - 2022
T2  - Journal of Affective Disorders
VL  - 301
SP  - 10
EP  - 18
DO  - 10.1016/j.jad.2022.01.001
ER  - 
"""


def test_review_queue_takes_a_human_decision_and_keeps_it(
    runner: CliRunner, review_dir: Path, tmp_path: Path
) -> None:
    # A preprint and its published version: the matcher never merges them by itself.
    export = tmp_path / "preprint.ris"
    export.write_text(PREPRINT_AND_ARTICLE, encoding="utf-8")
    invoke(runner, "import", str(export), "-d", "medRxiv and Scopus")
    queue = review_dir / "decisions" / "queue.csv"
    summary = json.loads(invoke(runner, "dedup", "--review", str(queue), "--json").stdout)
    assert (summary["duplicates"], summary["unsure"], summary["waiting"]) == (0, 1, 1)
    with queue.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    assert header[:5] == ["key_a", "key_b", "decision", "score", "evidence"]
    assert rows[0]["journal_a"] != rows[0]["journal_b"] and "preprint" in rows[0]["evidence"]
    rows[0]["decision"] = "same"
    with queue.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    summary = json.loads(invoke(runner, "dedup", "--review", str(queue), "--json").stdout)
    assert (summary["duplicates"], summary["decisions"], summary["waiting"]) == (1, 1, 0)
    rewritten = list(csv.DictReader(io.StringIO(queue.read_text(encoding="utf-8"))))
    assert [row["decision"] for row in rewritten] == ["same"]  # kept: it is what merges them next time
    assert len({row["cluster"] for row in _records(runner)}) == 1
    # Running dedup again (as every command does after a clone) keeps the merge.
    assert json.loads(invoke(runner, "dedup", "--review", str(queue), "--json").stdout)["duplicates"] == 1


def test_decision_for_an_unknown_record_is_a_clear_error(runner: CliRunner, review_dir: Path) -> None:
    _import_both(runner)
    (review_dir / "decisions" / "duplicates.csv").write_text(
        "key_a,key_b,decision\nscopus-0000000000,scopus-1111111111,same\n", encoding="utf-8"
    )
    result = invoke(runner, "dedup", ok=False)
    assert result.exit_code == 1
    assert "decisions/duplicates.csv:2: key_a: no record has the key 'scopus-0000000000'" in result.stderr


def test_a_decision_word_other_than_same_or_different_is_refused(runner: CliRunner, review_dir: Path) -> None:
    _import_both(runner)
    keys = [row["key"] for row in _records(runner)][:2]
    (review_dir / "decisions" / "duplicates.csv").write_text(
        f"key_a,key_b,decision\n{keys[0]},{keys[1]},maybe\n", encoding="utf-8"
    )
    result = invoke(runner, "dedup", ok=False)
    assert result.exit_code == 1
    assert ":2: decision: decision 'maybe' is neither 'same' nor 'different'" in result.stderr


def test_contradictory_decisions_are_refused(runner: CliRunner, review_dir: Path) -> None:
    _import_both(runner)
    keys = [row["key"] for row in _records(runner)][:2]
    (review_dir / "decisions" / "a.csv").write_text(f"key_a,key_b,decision\n{keys[0]},{keys[1]},same\n")
    (review_dir / "decisions" / "b.csv").write_text(f"key_a,key_b,decision\n{keys[1]},{keys[0]},different\n")
    result = invoke(runner, "dedup", ok=False)
    assert result.exit_code == 1
    assert "both 'same' and 'different'" in result.stderr


def test_a_new_import_marks_duplicates_again_before_anything_reads_them(runner: CliRunner,
                                                                       review_dir: Path) -> None:
    _import_both(runner)
    invoke(runner, "dedup")
    assert "Marking duplicates" not in invoke(runner, "export", "records").stderr
    invoke(runner, "import", str(SEARCHES / "pubmed_endnote.txt"), "-d", "MEDLINE")
    result = invoke(runner, "export", "records")
    assert result.stderr.splitlines()[0] == "Marking duplicates among the records as they are now: screenrev dedup"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert all(row["cluster"] for row in rows) and {row["search"] for row in rows} >= {"pubmed-endnote"}


def test_flow_warns_while_uncertain_pairs_wait_for_a_decision(runner: CliRunner, review_dir: Path,
                                                              tmp_path: Path) -> None:
    export = tmp_path / "preprint.ris"
    export.write_text(PREPRINT_AND_ARTICLE, encoding="utf-8")
    invoke(runner, "import", str(export), "-d", "medRxiv and Scopus")
    queue = review_dir / "decisions" / "queue.csv"
    invoke(runner, "dedup", "--review", str(queue))
    assert "1 uncertain duplicate pair(s) have no decision" in invoke(runner, "flow").stderr
    rows = list(csv.DictReader(io.StringIO(queue.read_text(encoding="utf-8"))))
    rows[0]["decision"] = "different"
    with queue.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = invoke(runner, "flow")  # the decision file changed: dedup runs again first
    assert "Marking duplicates again" in result.stderr and "uncertain duplicate pair" not in result.stderr


def test_flow_check_fails_on_undecided_pairs_unless_the_manifest_accepts_them(runner: CliRunner, review_dir: Path,
                                                                             tmp_path: Path) -> None:
    export = tmp_path / "preprint.ris"
    export.write_text(PREPRINT_AND_ARTICLE, encoding="utf-8")
    invoke(runner, "import", str(export), "-d", "medRxiv and Scopus")
    invoke(runner, "flow", "--record")
    result = invoke(runner, "flow", "--check", ok=False)
    assert result.exit_code == 1 and "Not settled: 1 uncertain duplicate pair(s) have no decision" in result.stdout
    assert json.loads(invoke(runner, "flow", "--check", "--json", ok=False).stdout)["undecided_pairs"] == 1
    manifest = review_dir / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n[flow]\naccept_undecided_pairs = true\n",
                        encoding="utf-8")
    assert "OK: the flow matches" in invoke(runner, "flow", "--check").stdout


TWELVE = ["WoS_Core", "WoS_BIOSIS", "Econlit", "EconPapers", "Zoological Record", "Zoological Abstracts",
          "PubMed", "PubMed Central", "PsycINFO", "PsycINFO (Ovid)", "Scopus", "Scopus Preprints"]


def _twelve_overlap():
    from screenrev.dedup.stage import Overlap

    names = sorted(TWELVE)
    found = {name: 1000 + 137 * number for number, name in enumerate(names)}
    shared = {a: {b: found[a] if a == b else 11 * (x + 1) + 7 * (y + 1) for y, b in enumerate(names)}
              for x, a in enumerate(names)}
    return Overlap(databases=names, found=found, unique={name: 10 + number for number, name in enumerate(names)},
                   shared=shared)


def _read_back(rendered: str) -> tuple[dict[str, dict[str, int]], str]:
    """The shared counts as the rendered tables show them, by short label, and the legends."""
    shown: dict[str, dict[str, int]] = {}
    legends, labels = [], []
    for line in rendered.splitlines():
        cells = [cell.strip() for cell in line.replace("┃", "│").split("│")[1:-1]]
        if line.startswith("┃") and cells[1] == "database":
            labels = cells[4:]
        elif line.startswith("│") and cells[0]:  # a row (a name's second line has no label)
            for label, cell in zip(labels, cells[4:]):
                shown.setdefault(cells[0], {})[label] = cell
        elif not line.startswith(("┏", "┡", "└", "│", "┃")) and "Records found" not in line:
            legends.append(line.strip())
    return shown, " ".join(legends)


def test_overlap_of_twelve_databases_with_shared_prefixes_is_readable_at_100_columns() -> None:
    from rich.console import Console

    from screenrev.cli._dedup import overlap_tables, short_names

    overlap = _twelve_overlap()
    labels = short_names(overlap.databases)
    assert len({label.lower() for label in labels.values()}) == 12
    assert all(len(label) <= 4 for label in labels.values())
    terminal = Console(width=100, file=io.StringIO(), color_system=None)
    for table in overlap_tables(overlap, 100):
        terminal.print(table)
    rendered = terminal.file.getvalue()
    assert "…" not in rendered  # no label, name or count cut short
    assert max(len(line) for line in rendered.splitlines()) <= 100
    shown, legend = _read_back(rendered)
    # every count stands under the label of its own database: the matrix reads back whole
    assert shown == {
        labels[a]: {labels[b]: f"{overlap.shared[a][b]:,}" if a != b else "·" for b in overlap.databases}
        for a in overlap.databases
    }
    for name in overlap.databases:
        assert f"{labels[name]}={name}" in legend


def test_overlap_with_few_databases_is_one_table() -> None:
    from screenrev.cli._dedup import overlap_tables, short_names
    from screenrev.dedup.stage import Overlap

    names = ["Embase", "MEDLINE", "Scopus"]
    overlap = Overlap(names, {n: 5 for n in names}, {n: 1 for n in names}, {a: {b: 2 for b in names} for a in names})
    assert short_names(names) == {"Embase": "E", "MEDLINE": "M", "Scopus": "S"}
    assert len(overlap_tables(overlap, 100)) == 1


def test_short_names_stay_distinct_however_names_collide() -> None:
    from screenrev.cli._dedup import short_names

    names = ["Econlit", "Embase", "EconPapers", "x", "X", "Scopus 2", "Scopus (2)", "Scopus 3", "A1", "a1x"]
    labels = short_names(names)
    assert set(labels) == set(names)
    assert len({label.lower() for label in labels.values()}) == len(names)
    assert (labels["Econlit"], labels["Embase"], labels["EconPapers"]) == ("Ec", "Em", "EP")


def test_dedup_table_of_twelve_databases_and_its_json(runner: CliRunner, review_dir: Path, tmp_path: Path) -> None:
    shared_record = "TY  - JOUR\nTI  - Telephone befriending for older adults living alone\nAU  - Hughes, A\nPY  - 2019\nER  - \n"
    for number, name in enumerate(TWELVE):
        export = tmp_path / f"search{number}.ris"
        own = f"TY  - JOUR\nTI  - Study number {number} of loneliness in {name} only\nAU  - Ngata, T\nPY  - 2019\nER  - \n"
        export.write_text(shared_record + "\n" + own, encoding="utf-8")
        invoke(runner, "import", str(export), "-d", name)
    overlap = json.loads(invoke(runner, "dedup", "--json").stdout)["overlap"]
    assert overlap["databases"] == sorted(TWELVE)  # the JSON keeps full names
    assert overlap["shared"]["WoS_Core"]["WoS_BIOSIS"] == 1 and overlap["unique"]["Econlit"] == 1
    table = invoke(runner, "dedup").stdout
    assert "…" not in table
    for name in TWELVE:
        assert name in table


def test_dedup_of_an_empty_review_prints_its_tables(runner: CliRunner, review_dir: Path) -> None:
    assert "Records found per database" in invoke(runner, "dedup").stdout
