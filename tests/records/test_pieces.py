"""A large search stored by several processes gives, row for row, what one process stores."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records import parse, pieces, workspace
from screenrev.records import stage as importer
from screenrev.records.stage import import_files
from screenrev.records.workspace import Workspace
from screenrev.review.folder import Review

from ..conftest import DATA, SHARED

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")


def _export(folder: Path) -> Path:
    """A RIS export whose repeated records (same title, year and author, no id) fall in
    every third of the file, so their keys depend on records stored by other processes."""
    blocks = []
    for number in range(1, 13):
        title = "A record listed again" if number % 4 == 1 else f"Record number {number}"
        accession = "" if number % 4 == 1 else f"AN  - acc-{number}\n"
        blocks.append(f"TY  - JOUR\nTI  - {title}\nAU  - Smith, J\nPY  - 2020\n{accession}ER  - \n")
    path = folder / "repeated.ris"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _stored(folder: Path, export: Path, processes: int) -> list[tuple]:
    """The records table after importing ``export`` with ``processes`` processes, in row order."""
    review = Review.create(folder, title="pieces")
    reports: list[int] = []
    import_files(review, [export], database="Test", processes=processes,
                 on_stored=lambda file, done, total: reports.append(done))
    assert reports[-1] == review.searches()[0].records
    assert not [p for p in review.workspace_dir.iterdir() if p.name.startswith((".pieces-", ".parts-"))]
    with Workspace.open(review) as ws:
        return ws.db.execute("SELECT rowid, * FROM records ORDER BY rowid").fetchall()


def test_several_processes_store_the_rows_one_process_stores(tmp_path: Path) -> None:
    export = _export(tmp_path)
    one = _stored(tmp_path / "one", export, processes=1)
    three = _stored(tmp_path / "three", export, processes=3)
    assert three == one
    keys = [row[1] for row in one]
    assert len(set(keys)) == 12  # the repeated record is numbered, never merged


def test_a_real_export_stored_in_pieces_is_unchanged(tmp_path: Path) -> None:
    export = DATA / "ris" / "web_of_science.txt"
    assert _stored(tmp_path / "b", export, processes=4) == _stored(tmp_path / "a", export, processes=1)


def test_a_failing_worker_leaves_its_slice_to_the_importing_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = _export(tmp_path)
    one = _stored(tmp_path / "one", export, processes=1)
    monkeypatch.setattr(pieces.Pieces, "_work", lambda self, index: os._exit(1))
    assert _stored(tmp_path / "three", export, processes=3) == one


def test_an_error_while_storing_is_the_error_of_a_single_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = _export(tmp_path)
    real_identity = workspace.identity

    def identity(record: dict) -> str:
        # Records in the second and last thirds, both stored by workers: the first one fails.
        if record["title"] in ("Record number 7", "Record number 11"):
            raise ValueError(f"cannot identify {record['title']}")
        return real_identity(record)

    monkeypatch.setattr(workspace, "identity", identity)
    with pytest.raises(ValueError, match="Record number 7$"):
        _stored(tmp_path / "three", export, processes=3)
    review = Review.find(tmp_path / "three")
    assert review.searches() == [] and not (review.root / "searches" / "repeated.ris").exists()
    assert not [p for p in review.workspace_dir.iterdir() if p.name.startswith(".pieces-")]


# Large files are read in parts by forked workers (``parse.Split``); here every file is.


@pytest.fixture
def in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "SPLIT_CHARACTERS", 0)


def _warnings(folder: Path, export: Path, processes: int) -> list[str]:
    review = Review.create(folder, title="parts")
    return import_files(review, [export], database="Test", processes=processes)[0].warnings


@pytest.mark.usefixtures("in_parts")
def test_a_file_read_in_parts_gives_the_rows_of_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[int] = []
    real_read = parse._read_in_parts
    monkeypatch.setattr(parse, "_read_in_parts", lambda *args: read.append(1) or real_read(*args))
    for export in (_export(tmp_path), DATA / "ris" / "web_of_science.txt"):
        one = _stored(tmp_path / f"one-{export.stem}", export, processes=1)
        three = _stored(tmp_path / f"three-{export.stem}", export, processes=3)
        assert three == one
    assert read, "the files were read in parts"


@pytest.mark.usefixtures("in_parts")
def test_a_part_with_anything_to_note_sends_the_file_through_one_pass(tmp_path: Path) -> None:
    # The tenth record has no ER line while the others have one: one pass warns.
    text = _export(tmp_path).read_text(encoding="utf-8").replace("AN  - acc-10\nER  - \n", "AN  - acc-10\n")
    export = tmp_path / "no-er.ris"
    export.write_text(text, encoding="utf-8")
    one = _warnings(tmp_path / "one", export, processes=1)
    assert any("without an ER line" in warning for warning in one)
    assert _warnings(tmp_path / "three", export, processes=3) == one
    assert _stored(tmp_path / "three-b", export, processes=3) == _stored(tmp_path / "one-b", export, processes=1)


@pytest.mark.usefixtures("in_parts")
def test_a_malformed_part_raises_the_error_of_one_pass(tmp_path: Path) -> None:
    text = _export(tmp_path).read_text(encoding="utf-8").replace("AN  - acc-10\nER  - \n", "AN  - acc-10\nER  - \nTI  - Lost\n")
    export = tmp_path / "malformed.ris"
    export.write_text(text, encoding="utf-8")
    errors = []
    for processes in (1, 3):
        with pytest.raises(InputError) as raised:
            _warnings(tmp_path / f"p{processes}", export, processes=processes)
        errors.append(str(raised.value))
        review = Review.find(tmp_path / f"p{processes}")
        assert review.searches() == [] and not (review.root / "searches" / "malformed.ris").exists()
    assert errors[0] == errors[1]
    line = int(errors[0].split("malformed.ris:")[1].split(":")[0])
    assert text.split("\n")[line - 1] == "TI  - Lost"


@pytest.mark.usefixtures("in_parts")
def test_a_failing_part_worker_leaves_the_file_to_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = _export(tmp_path)
    one = _stored(tmp_path / "one", export, processes=1)

    def write_piece(*args: object) -> None:
        raise MemoryError("a worker runs out of memory")

    copy_and_hash = importer._copy_and_hash

    def slow_copy(source: Path, target: Path) -> str:
        time.sleep(0.5)  # the file kept in searches/ is read again only once it is complete
        return copy_and_hash(source, target)

    monkeypatch.setattr(pieces, "write_piece", write_piece)
    monkeypatch.setattr(importer, "_copy_and_hash", slow_copy)
    assert _stored(tmp_path / "three", export, processes=3) == one


def _ris_exports() -> list[Path]:
    from .test_exports_index import _rows

    return [SHARED / "exports" / row["local_path"] for row in _rows() if row["format"] == "ris"]


def _outcome(folder: Path, export: Path, processes: int) -> tuple:
    review = Review.create(folder, title="parts")
    try:
        warnings = import_files(review, [export], database="Test", processes=processes)[0].warnings
    except InputError as error:
        return ("error", str(error).replace(str(folder), ""))
    with Workspace.open(review) as ws:
        return warnings, ws.db.execute("SELECT * FROM records ORDER BY rowid").fetchall()


@pytest.mark.shared
@pytest.mark.usefixtures("in_parts")
@pytest.mark.skipif(not (SHARED / "exports").exists(), reason="../shared/data is not present")
def test_every_real_ris_export_read_in_parts_gives_what_one_pass_gives(tmp_path: Path) -> None:
    exports = _ris_exports()
    assert exports
    for number, export in enumerate(exports):
        one = _outcome(tmp_path / f"{number}-one", export, processes=1)
        assert _outcome(tmp_path / f"{number}-three", export, processes=3) == one, export
