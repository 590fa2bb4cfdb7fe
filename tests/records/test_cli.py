"""The commands as a reviewer or CI uses them: exit codes, stdout/stderr, files left behind."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ..conftest import DATA, EXAMPLES, invoke

EMBASE = DATA / "ris" / "embase.ris"
PROQUEST = DATA / "ris" / "proquest.ris"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".screenrev" not in p.parts
    }


def _commands(group, prefix=()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found += _commands(command, path) if hasattr(command, "commands") else [path]
    return found


def test_every_command_has_help(runner: CliRunner) -> None:
    import typer

    from screenrev.cli import app

    commands = _commands(typer.main.get_command(app))
    assert {("screen",), ("rules", "check"), ("rank",), ("review",), ("flow",), ("run",)} <= set(commands)
    for command in commands:
        result = invoke(runner, *command, "--help")
        assert "Usage" in result.stdout
        assert len(result.stdout.strip().splitlines()) > 3
        help_text = typer.main.get_command(app)
        for name in command:
            help_text = help_text.commands[name]
        assert help_text.help, command
        assert "<bool>" not in result.stdout, command  # a flag takes no value


def test_help_lists_the_commands_in_pipeline_order(runner: CliRunner) -> None:
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    text = result.stdout
    panels = [text.index(f"─ {panel} ") for panel in ("Set up", "Prepare", "Screen", "Report", "Research")]
    assert panels == sorted(panels)
    commands = ["init", "import", "sources", "dedup", "screen", "rules", "rank", "review", "decide", "agreement",
                "status", "flow", "export", "run", "simulate"]
    places = [text.index(f"│ {name} ") for name in commands]
    assert places == sorted(places)


def test_init_lays_out_the_review_folder(review_dir: Path) -> None:
    assert (review_dir / "screenrev.toml").is_file()
    assert (review_dir / "searches").is_dir()
    assert (review_dir / "decisions").is_dir()
    assert "criteria" in (review_dir / "protocol.yaml").read_text()
    assert ".screenrev/" in (review_dir / ".gitignore").read_text()


def test_init_refuses_an_existing_review(runner: CliRunner, review_dir: Path) -> None:
    result = invoke(runner, "init", str(review_dir), ok=False)
    assert result.exit_code == 1
    assert "already exists" in result.stderr


def test_import_records_the_search_and_copies_the_file(runner: CliRunner, review_dir: Path) -> None:
    result = invoke(runner, "import", str(EMBASE), "--database", "Embase", "--interface", "Embase.com",
                    "--searched", "2023-01-05", "--json")
    summary = json.loads(result.stdout)
    assert summary["records"] == 6
    assert summary["files"][0] | {"warnings": []} == {
        "file": "searches/embase.ris", "search": "embase", "status": "imported", "format": "ris",
        "encoding": "utf-8 with BOM", "records": 6, "warnings": [],
    }
    assert (review_dir / "searches" / "embase.ris").read_bytes() == EMBASE.read_bytes()
    manifest = (review_dir / "screenrev.toml").read_text()
    assert 'database = "Embase"' in manifest and "sha256 = " in manifest and "records = 6" in manifest
    assert "# The review question" in manifest  # comments survive rewriting


def test_a_source_that_changes_while_it_is_imported_is_an_error_and_changes_nothing(
    runner: CliRunner, review_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "embase.ris"
    source.write_bytes(EMBASE.read_bytes())
    real_copy = shutil.copyfile

    def copy_after_a_change(src: Path, dst: str) -> str:
        # The source is rewritten after it was read and parsed, before it is copied.
        Path(src).write_bytes(EMBASE.read_bytes().replace(b"TY  - ", b"TY  -  ", 1))
        return real_copy(src, dst)

    monkeypatch.setattr(shutil, "copyfile", copy_after_a_change)
    before = snapshot(review_dir)
    result = invoke(runner, "import", str(source), "--database", "Embase", ok=False)
    assert result.exit_code == 1
    assert str(source) in result.stderr and "changed while it was being imported" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(review_dir) == before
    assert json.loads(invoke(runner, "sources", "--json").stdout)["total"] == 0


def test_reimporting_the_same_file_changes_nothing(runner: CliRunner, review_dir: Path) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    before = snapshot(review_dir)
    result = invoke(runner, "import", str(EMBASE), "-d", "Embase", "--json")
    assert json.loads(result.stdout)["files"][0]["status"] == "unchanged"
    assert snapshot(review_dir) == before


def test_a_different_file_under_the_same_name_needs_replace(
    runner: CliRunner, review_dir: Path, tmp_path: Path
) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    newer = tmp_path / "embase.ris"
    newer.write_bytes(PROQUEST.read_bytes())
    before = snapshot(review_dir)
    result = invoke(runner, "import", str(newer), "-d", "Embase", ok=False)
    assert result.exit_code == 1
    assert "--replace" in result.stderr
    assert snapshot(review_dir) == before
    result = invoke(runner, "import", str(newer), "-d", "Embase", "--replace", "--json")
    assert json.loads(result.stdout)["files"][0]["status"] == "replaced"
    sources = json.loads(invoke(runner, "sources", "--json").stdout)
    assert sources["total"] == 6
    assert (review_dir / "searches" / "embase.ris").read_bytes() == PROQUEST.read_bytes()


def test_a_broken_file_is_one_line_on_stderr_and_changes_nothing(
    runner: CliRunner, review_dir: Path, tmp_path: Path
) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    broken = tmp_path / "broken.ris"
    broken.write_bytes(b"TY  - JOUR\nTI  - fine\nER  - \nTI  - lost its TY\nER  - \n")
    before = snapshot(review_dir)
    result = invoke(runner, "import", str(PROQUEST), str(broken), "-d", "PTSDpubs", ok=False)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "broken.ris:4:" in lines[0] and "lost its TY" in lines[0]
    assert snapshot(review_dir) == before  # the good file of the batch was not imported either
    assert json.loads(invoke(runner, "sources", "--json").stdout)["total"] == 6


def test_unknown_format_is_a_clear_error(runner: CliRunner, review_dir: Path, tmp_path: Path) -> None:
    prose = tmp_path / "notes.txt"
    prose.write_text("Just some notes about the search.\nNothing tagged here.\n")
    result = invoke(runner, "import", str(prose), "-d", "X", ok=False)
    assert result.exit_code == 1
    assert "format not recognised" in result.stderr


def test_searches_are_saved_where_they_stand_with_the_comments_around_them(
    runner: CliRunner, review_dir: Path, tmp_path: Path
) -> None:
    # a hand-edited manifest: searches between other tables, a comment on a search, and a
    # comment closing the list that introduces the next table
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    manifest = review_dir / "screenrev.toml"
    text = manifest.read_text(encoding="utf-8")
    start = text.index("[[searches]]")
    searches = text[start:].rstrip("\n")
    text = (text[:start] + searches.replace('database = "Embase"', 'database = "Embase" # via Elsevier')
            + "\n\n# Reviewer C settles disagreements.\n[reviewers]\nresolvers = [\"C\"]\n")
    manifest.write_text(text, encoding="utf-8")
    invoke(runner, "import", str(PROQUEST), "-d", "ProQuest")
    newer = tmp_path / "embase.ris"
    newer.write_bytes(EMBASE.read_bytes().replace(b"TY  - ", b"TY  -  ", 1))
    invoke(runner, "import", str(newer), "-d", "Embase", "--replace", "--searched", "2024-02-01")
    after = manifest.read_text(encoding="utf-8")
    assert after.index('name = "embase"') < after.index('name = "proquest"') < after.index(
        "# Reviewer C settles disagreements.\n[reviewers]")
    assert 'database = "Embase" # via Elsevier' in after and 'searched = "2024-02-01"' in after
    assert after.count("[[searches]]") == 2 and "\n\n\n" not in after


def test_commands_outside_a_review_fail_clearly(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "sources", ok=False)
    assert result.exit_code == 1
    assert "screenrev init" in result.stderr


def test_commands_find_the_review_from_a_subfolder(runner: CliRunner, review_dir: Path, monkeypatch) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    monkeypatch.chdir(review_dir / "searches")
    assert json.loads(invoke(runner, "sources", "--json").stdout)["total"] == 6


def test_sources_is_the_identification_box(runner: CliRunner, review_dir: Path) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase", "--interface", "Embase.com", "--searched", "2023-01-05")
    invoke(runner, "import", str(PROQUEST), "-d", "PTSDpubs", "--interface", "ProQuest")
    data = json.loads(invoke(runner, "sources", "--json").stdout)
    assert data == {
        "searches": [
            {"search": "embase", "database": "Embase", "method": "database", "interface": "Embase.com",
             "searched": "2023-01-05",
             "file": "searches/embase.ris", "format": "ris", "records": 6},
            {"search": "proquest", "database": "PTSDpubs", "method": "database", "interface": "ProQuest",
             "searched": "",
             "file": "searches/proquest.ris", "format": "ris", "records": 6},
        ],
        "total": 12,
    }
    table = invoke(runner, "sources").stdout
    assert "Embase" in table and "total" in table and "12" in table


def test_export_csv_and_ris(runner: CliRunner, review_dir: Path) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    csv_text = invoke(runner, "export", "records").stdout
    header = csv_text.splitlines()[0].split(",")
    assert header[:7] == ["key", "search", "database", "source_file", "position", "line", "source_id"]
    assert len(csv_text.strip().splitlines()) == 7
    invoke(runner, "export", "records", "--format", "ris", "--out", "records.ris")
    text = (review_dir / "records.ris").read_text()
    assert text.count("TY  - ") == 6 and "ID  - embase-" in text and "DB  - Embase" in text


def test_workspace_rebuilds_byte_for_byte(runner: CliRunner, review_dir: Path) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    invoke(runner, "import", str(PROQUEST), "-d", "PTSDpubs")
    first = invoke(runner, "export", "records").stdout
    shutil.rmtree(review_dir / ".screenrev")
    result = invoke(runner, "export", "records")
    assert result.stdout == first
    assert "Rebuilding workspace" in result.stderr


def test_a_changed_export_is_noticed_on_rebuild(runner: CliRunner, review_dir: Path) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    shutil.rmtree(review_dir / ".screenrev")
    path = review_dir / "searches" / "embase.ris"
    path.write_bytes(path.read_bytes() + b"\n")
    result = invoke(runner, "sources", ok=False)
    assert result.exit_code == 1
    assert "changed since it was imported" in result.stderr


def test_keys_survive_a_reordered_download(runner: CliRunner, review_dir: Path, tmp_path: Path) -> None:
    invoke(runner, "import", str(PROQUEST), "-d", "PTSDpubs")
    keys_before = _keys_by_title(invoke(runner, "export", "records").stdout)
    text = PROQUEST.read_text(encoding="utf-8")
    blocks = [b for b in text.split("ER  - ") if b.strip()]
    reordered = tmp_path / "proquest.ris"
    reordered.write_text("ER  - ".join(reversed(blocks)) + "ER  - \n", encoding="utf-8")
    invoke(runner, "import", str(reordered), "-d", "PTSDpubs", "--replace")
    assert _keys_by_title(invoke(runner, "export", "records").stdout) == keys_before


def _keys_by_title(csv_text: str) -> dict[str, str]:
    import csv
    import io

    return {row["title"]: row["key"] for row in csv.DictReader(io.StringIO(csv_text))}


@pytest.mark.parametrize("bad", ["--format=xml"])
def test_export_rejects_unknown_format(runner: CliRunner, review_dir: Path, bad: str) -> None:
    result = invoke(runner, "export", "records", bad, ok=False)
    assert result.exit_code == 2


def test_a_folder_is_not_an_export(runner: CliRunner, review_dir: Path, tmp_path: Path) -> None:
    result = invoke(runner, "import", str(tmp_path), "-d", "X", ok=False)
    assert result.exit_code == 1
    assert "is a folder" in result.stderr


def test_accepted_risks_are_recorded_and_shown(runner: CliRunner, review_dir: Path, tmp_path: Path) -> None:
    data = PROQUEST.read_bytes()
    cut = tmp_path / "cut.ris"
    cut.write_bytes(data[: data.rindex(b"ER  -") - 200])
    refused = invoke(runner, "import", str(cut), "-d", "PTSDpubs", ok=False)
    assert refused.exit_code == 1 and "--accept-risks" in refused.stderr
    result = invoke(runner, "import", str(cut), "-d", "PTSDpubs", "--accept-risks", "--json")
    warnings = json.loads(result.stdout)["files"][0]["warnings"]
    assert any(w.startswith("accepted risk: line ") and "truncated" in w for w in warnings)
    assert "accepted_risks = [" in (review_dir / "screenrev.toml").read_text()
    # The rebuilt workspace accepts the same file again without asking.
    shutil.rmtree(review_dir / ".screenrev")
    assert json.loads(invoke(runner, "sources", "--json").stdout)["total"] == 6


def test_atomic_writes_keep_the_mode_of_the_file(tmp_path) -> None:
    from screenrev.review.atomic import write_text

    path = tmp_path / "screenrev.toml"
    write_text(path, "a")
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()
    path.chmod(0o640)
    write_text(path, "b")
    assert path.stat().st_mode & 0o777 == 0o640


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_key_clash_is_a_clear_error_and_imports_nothing(runner: CliRunner, review_dir: Path, monkeypatch) -> None:
    from screenrev.records import workspace

    monkeypatch.setattr(workspace, "record_key", lambda search, ident, occurrence=1: f"{search}-clash")
    export = EXAMPLES / "ibd-psychology" / "searches" / "scopus.ris"
    result = invoke(runner, "import", str(export), "-d", "Scopus", ok=False)
    assert result.exit_code == 1
    assert "two records would get the same key" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not any((review_dir / "searches").glob("*.ris"))


def test_a_workspace_stored_by_other_reading_code_is_read_again(runner: CliRunner, review_dir: Path) -> None:
    import sqlite3

    from screenrev.records.workspace import DB_FILE, reader_version

    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    before = invoke(runner, "export", "records", "--format", "csv").stdout
    # rows as an earlier parser stored them: a DOI cut short, under another reader's version
    database = sqlite3.connect(review_dir / ".screenrev" / DB_FILE)
    database.execute("UPDATE records SET doi = '10.1016/cut'")
    database.execute("UPDATE meta SET value = '4:0123456789abcdef' WHERE name = 'schema'")
    database.commit()
    database.close()
    assert reader_version() != "4:0123456789abcdef"
    after = invoke(runner, "export", "records", "--format", "csv").stdout
    assert after == before and "10.1016/cut" not in after


@pytest.mark.parametrize(("edit", "said"), [
    (lambda text: text.replace('name = "proquest"', 'name = "embase"'), "another search has this name"),
    (lambda text: text.replace('file = "searches/proquest.ris"', 'file = "searches/embase.ris"'),
     "has the same file"),
    (lambda text: text.replace("records = 6", 'records = "six"', 1), "records must be a whole number"),
    (lambda text: text.replace("sha256 = \"", "sha256 = \"x", 1), "is not a SHA-256"),
    (lambda text: text.replace('name = "proquest"', 'name = "proquest"\nupdate_of = "scopus"'),
     "update_of 'scopus' names no search"),
    (lambda text: text.replace("records = 6", "records = 5", 1), "now reads as 6 records but screenrev.toml records 5"),
    (lambda text: "", "has no [review] table"),
])
def test_a_manifest_edited_wrongly_is_one_line_not_records_lost(runner: CliRunner, review_dir: Path, edit,
                                                                said: str) -> None:
    invoke(runner, "import", str(EMBASE), "-d", "Embase")
    invoke(runner, "import", str(PROQUEST), "-d", "ProQuest")
    invoke(runner, "sources")  # the workspace holds both
    manifest = review_dir / "screenrev.toml"
    text = manifest.read_text(encoding="utf-8")
    edited = edit(text)
    assert edited != text
    manifest.write_text(edited, encoding="utf-8")
    result = invoke(runner, "sources", ok=False)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and said in errors[0]
