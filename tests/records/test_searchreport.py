"""The PRISMA-S search report from the manifest and the records."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from ..conftest import invoke


def test_the_search_report_names_what_each_search_recorded(runner: CliRunner, example: Path) -> None:
    (example / "searches" / "psycinfo-strategy.txt").write_text("1 exp Crohn Disease/\n2 (depress* or anxi*).ti,ab.\n"
                                                                "3 1 and 2\n", encoding="utf-8")
    invoke(runner, "sources", "--set", "psycinfo-ovid", "--strategy", "searches/psycinfo-strategy.txt",
           "--limits", "English; 2000-2019", "--peer-review", "PRESS, second librarian, 2019-09-20")
    invoke(runner, "sources", "--set", "scopus", "--strategy", 'TITLE-ABS-KEY(crohn* AND <script>x</script>)')
    manifest = (example / "screenrev.toml").read_text(encoding="utf-8")
    assert 'strategy_file = "searches/psycinfo-strategy.txt"' in manifest and 'limits = "English; 2000-2019"' in manifest
    markdown = invoke(runner, "sources", "--prisma-s").stdout
    assert "| psycinfo-ovid | PsycINFO | Database | Ovid | 2019-10-01 | 6 | English; 2000-2019 " \
           "| PRESS, second librarian, 2019-09-20 | see below |" in markdown
    assert "| pubmed-endnote | MEDLINE | Database | PubMed | 2019-10-02 | 6 | not recorded | not recorded " \
           "| not recorded |" in markdown
    assert "Strategy as run (searches/psycinfo-strategy.txt):\n\n```\n1 exp Crohn Disease/" in markdown
    # 24 database records + 6 citation records + 1 from the advisory group; 6 duplicates among the databases
    # and the advisory group's record, a duplicate of a PsycINFO record
    assert "31 records were imported and deduplicated" in markdown and "7 duplicates, 24 unique records" in markdown
    # a citation search has no platform, limits or peer-reviewed strategy: not applicable, not missing
    assert ("| citations | Backward citations of included studies | Citation searching | not applicable "
            "| 2019-11-12 | 6 | not applicable | not applicable | not recorded |") in markdown
    page = invoke(runner, "sources", "--prisma-s", "--format", "html").stdout
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "sources", "--prisma-s", "--format", "csv").stdout)))
    assert rows[0]["strategy"].startswith("1 exp Crohn Disease/") and rows[0]["peer_review"].startswith("PRESS")
    assert rows[1]["strategy_source"] == "screenrev.toml"


def test_a_strategy_file_outside_the_folder_is_refused_and_an_unknown_search_too(runner: CliRunner,
                                                                                example: Path) -> None:
    manifest = example / "screenrev.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('interface = "Scopus"', 'interface = "Scopus"\nstrategy_file = "../../etc/passwd"'),
                        encoding="utf-8")
    result = invoke(runner, "sources", "--prisma-s", ok=False)
    assert result.exit_code == 1 and "is not a path inside the review folder" in result.stderr
    manifest.write_text(text, encoding="utf-8")
    result = invoke(runner, "sources", "--set", "nosuch", "--limits", "English", ok=False)
    assert result.exit_code == 1 and "--set nosuch: no search has this name" in result.stderr


def test_a_strategy_given_at_import_is_kept(runner: CliRunner, example: Path, tmp_path: Path) -> None:
    from ..conftest import DATA

    outside = tmp_path / "strategy.txt"
    outside.write_text("#1 crohn*\n#2 #1 AND anxiety\n", encoding="utf-8")
    export = next(path for path in sorted((DATA / "ris").iterdir()) if path.suffix == ".ris")
    invoke(runner, "import", str(export), "--name", "more", "--database", "Embase", "--strategy", str(outside),
           "--limits", "2019 only", "--peer-review", "not peer reviewed")
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "sources", "--prisma-s", "--format", "csv").stdout)))
    more = next(row for row in rows if row["search"] == "more")
    # A file outside the review folder is kept as its text: the review holds its own strategy.
    assert more["strategy"] == "#1 crohn*\n#2 #1 AND anxiety" and more["strategy_source"] == "screenrev.toml"
    assert (more["limits"], more["peer_review"]) == ("2019 only", "not peer reviewed")


def test_each_row_names_its_search_so_two_downloads_of_one_source_and_two_runs_of_one_search_differ(
        runner: CliRunner, example: Path) -> None:
    from ..conftest import DATA

    for name, export in (("ctgov-pet", "ctgov_classic_brain_PET_first5.csv"),
                         ("ctgov-breast", "ctgov_classic_breast_cancer_first5.tsv")):
        invoke(runner, "import", str(DATA / "registers" / export), "--name", name, "--database", "ClinicalTrials.gov",
               "--searched", "2024-01-10")
    rerun = example / "scopus-2020.ris"
    rerun.write_text((example / "searches" / "scopus.ris").read_text(encoding="utf-8"), encoding="utf-8")
    invoke(runner, "import", str(rerun), "--update", "scopus", "--searched", "2020-06-01")
    markdown = invoke(runner, "sources", "--prisma-s").stdout
    assert "| Search | Source | Method |" in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| ctgov-") or "| Scopus |" in line]
    assert [row.split(" | ")[:3] for row in rows] == [
        ["| scopus", "Scopus", "Database"],
        ["| ctgov-pet", "ClinicalTrials.gov", "Register"],
        ["| ctgov-breast", "ClinicalTrials.gov", "Register"],
        ["| scopus-run2 (run of scopus)", "Scopus", "Database"],
    ]
    assert "\n## Scopus (scopus-run2, run of scopus)\n" in markdown
    page = invoke(runner, "sources", "--prisma-s", "--format", "html").stdout
    assert "<th>Search</th><th>Source</th>" in page
    assert "<tr><td>ctgov-pet</td><td>ClinicalTrials.gov</td>" in page
    assert "<tr><td>scopus-run2 (run of scopus)</td><td>Scopus</td>" in page
    assert "<h2>Scopus (scopus-run2, run of scopus)</h2>" in page


def test_the_deduplication_sentence_says_only_what_is_known_of_uncertain_pairs() -> None:
    from screenrev.records.searchreport import SearchReport, _dedup_sentence

    def sentence(undecided: int) -> str:
        return _dedup_sentence(SearchReport("T", [], 31, 7, "1.0", undecided))

    # Only the pairs left undecided are counted: none left says nothing of how many a reviewer decided.
    assert "; no uncertain pair left undecided): 7 duplicates, 24 unique records." in sentence(0)
    assert "decided by a reviewer" not in sentence(0)
    assert "; 1 uncertain pair not yet decided by a reviewer, counted as different records)" in sentence(1)
    assert "; 3 uncertain pairs not yet decided by a reviewer, counted as different records)" in sentence(3)
    assert "duplicates have not been marked yet" in _dedup_sentence(SearchReport("T", [], 31, None, "1.0"))
