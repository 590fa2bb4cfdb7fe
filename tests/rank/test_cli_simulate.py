"""screenrev simulate: replaying a labelled review from the command line."""

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ..conftest import DATA, invoke

NAGTEGAAL = DATA / "screening" / "nagtegaal_2019_first200.csv"
MEASURES = {"wss95", "wss100", "recall_at_10", "recall_at_25", "last_relevant", "atd"}


def _copy_with(tmp_path: Path, row: int, column: str, value: str) -> Path:
    """The fixture's first records, with one cell changed (``row`` counts records from 1)."""
    with NAGTEGAAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:8]
    rows[row][rows[0].index(column)] = value
    path = tmp_path / "changed.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_json_summary_has_the_documented_shape(runner: CliRunner) -> None:
    result = invoke(runner, "simulate", str(NAGTEGAAL), "--runs", "2", "--seed", "4", "--json")
    summary = json.loads(result.stdout)
    assert list(summary) == ["dataset", "records", "relevant", "runs", "mean"]
    assert summary["dataset"] == "nagtegaal_2019_first200"
    assert summary["records"] == 200 and summary["relevant"] == 13
    assert [run["seed"] for run in summary["runs"]] == [4, 5]
    for run in summary["runs"]:
        assert set(run) == MEASURES | {"seed"}
        for key in ("wss100", "recall_at_10", "recall_at_25", "atd"):
            assert 0.0 <= run[key] <= 1.0
        assert -0.05 <= run["wss95"] <= 0.95
        assert 13 <= run["last_relevant"] <= 200
    assert set(summary["mean"]) == MEASURES
    mean_wss = sum(run["wss95"] for run in summary["runs"]) / 2
    assert summary["mean"]["wss95"] == pytest.approx(mean_wss, abs=1e-6)


def test_same_seed_gives_byte_identical_json(runner: CliRunner) -> None:
    first = invoke(runner, "simulate", str(NAGTEGAAL), "--seed", "3", "--json").stdout
    second = invoke(runner, "simulate", str(NAGTEGAAL), "--seed", "3", "--json").stdout
    assert first == second


def test_table_by_default(runner: CliRunner) -> None:
    result = invoke(runner, "simulate", str(NAGTEGAAL), "--runs", "2")
    assert "200 records, 13 relevant" in result.stdout
    assert "WSS@95" in result.stdout and "mean" in result.stdout


def test_priors_and_label_column_options(runner: CliRunner) -> None:
    result = invoke(
        runner, "simulate", str(NAGTEGAAL), "--label", "label_abstract_screening",
        "--prior-included", "2", "--prior-excluded", "3", "--json",
    )
    summary = json.loads(result.stdout)
    assert summary["relevant"] > 13  # more records pass title/abstract screening than the final stage


def test_named_prior_records_start_every_run(runner: CliRunner) -> None:
    with NAGTEGAAL.open(encoding="utf-8", newline="") as handle:
        labels = [row["label_included"] for row in csv.DictReader(handle)]
    included, excluded = labels.index("1"), labels.index("0")
    arguments = ["--prior-record", str(included), "--prior-record", str(excluded), "--json"]
    summary = json.loads(invoke(runner, "simulate", str(NAGTEGAAL), "--runs", "2", *arguments).stdout)
    assert [run["seed"] for run in summary["runs"]] == [0, 1]
    again = json.loads(invoke(runner, "simulate", str(NAGTEGAAL), "--seed", "1", *arguments).stdout)
    assert again["runs"][0] == summary["runs"][1]
    result = invoke(runner, "simulate", str(NAGTEGAAL), "--prior-record", "200", ok=False)
    assert result.exit_code == 1
    assert "prior record 200 does not exist: the records are 0 to 199" in result.stderr


def test_missing_label_column_is_one_line_error(runner: CliRunner) -> None:
    result = invoke(runner, "simulate", str(NAGTEGAAL), "--label", "relevance", ok=False)
    assert result.exit_code == 1
    assert f"{NAGTEGAAL}: no column 'relevance'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        ("title,abstract\nA study,Text\n", "no label column"),
        ("title,abstract,label_included\nA,x,0\nB,y,0\n", "no record is labelled relevant"),
    ],
)
def test_unusable_files_are_one_line_errors(runner: CliRunner, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    result = invoke(runner, "simulate", str(path), ok=False)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_label_value_names_file_line_and_column(runner: CliRunner, tmp_path: Path) -> None:
    path = _copy_with(tmp_path, 3, "label_included", "perhaps")
    result = invoke(runner, "simulate", str(path), ok=False)
    assert result.exit_code == 1
    assert f"{path}:4: label_included: label 'perhaps' is not one of" in result.stderr
    path = _copy_with(tmp_path, 2, "label_included", "")
    result = invoke(runner, "simulate", str(path), ok=False)
    assert f"{path}:3: label_included: missing label" in result.stderr


@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_plot_writes_the_recall_curve(runner: CliRunner, tmp_path: Path, suffix: str, magic: bytes) -> None:
    plot = tmp_path / f"recall.{suffix}"
    result = invoke(runner, "simulate", str(NAGTEGAAL), "--runs", "2", "--plot", str(plot), "--json")
    json.loads(result.stdout)  # the plot does not disturb the JSON on stdout
    assert plot.read_bytes().startswith(magic)
    if suffix == "svg":
        first = plot.read_bytes()
        invoke(runner, "simulate", str(NAGTEGAAL), "--runs", "2", "--plot", str(plot))
        assert plot.read_bytes() == first


def test_plot_must_be_png_or_svg(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "simulate", str(NAGTEGAAL), "--plot", str(tmp_path / "curve.pdf"), ok=False)
    assert result.exit_code == 1
    assert "must be a .png or .svg file" in result.stderr
    assert not (tmp_path / "curve.pdf").exists()
