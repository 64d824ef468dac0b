"""Command-line arguments: every wrong one ends with one message on stderr and exit status 2 before
anything runs or is written; --set is checked like the file; the exit statuses are distinct."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowsim.cli as cli
from flowsim import __version__, load_scenario
from flowsim.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, main

ROOT = Path(__file__).parents[1]
MMC = str(ROOT / "scenarios" / "validation" / "mmc.yaml")

BAD = [
    (["run", MMC, "--replications", "0"], "--replications: must be 1 or more, got 0"),
    (["run", MMC, "--replications", "-2"], "--replications: must be 1 or more, got -2"),
    (["run", MMC, "--replications", "many"], "'many' is not a whole number"),
    (["run", MMC, "--seed", "-1"], "--seed: must be 0 or more, got -1"),
    (["run", MMC, "--workers", "0"], "--workers: must be 1 or more"),
    (["run", MMC, "--workers", "-1"], "--workers: must be 1 or more"),
    (["run", MMC, "--precision", "0"], "--precision: must be a finite number above 0"),
    (["run", MMC, "--precision", "-0.1"], "--precision: must be a finite number above 0"),
    (["run", MMC, "--precision", "nan"], "--precision: must be a finite number above 0"),
    (["run", MMC, "--precision", "0.05", "--kpis", "occupancy_maen"], "--kpis occupancy_maen: occupancy_maen is not a KPI"),
    (["run", MMC, "--precision", "0.05", "--kpis", "reablement_hours_per_month"], "is not a KPI of mmc"),
    (["run", MMC, "--max-replications", "0"], "--max-replications: must be 1 or more"),
    (["run", MMC, "--replications", "2", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler tcp://127.0.0.1:1: cannot reach"),
    (["run", MMC, "--replications", "2", "--scheduler", "tcp://nowhere"], "not a Dask scheduler address"),
    (["run", MMC, "--report"], "--report needs intervals"),
    (["run", MMC, "--set", "wards.general_beds=-5"], "--set wards.general_beds: wards.general_beds:"),
    (["run", MMC, "--set", "wards.no_such_field=1"], "--set wards.no_such_field: wards.no_such_field: unknown field"),
    (["run", MMC, "--set", "general_beds"], "is not key.path=value"),
    (["run", MMC, "--days", "0"], "--days: days:"),
    (["run", MMC, "--days", "ten"], "argument --days: invalid int value"),
    (["run", str(ROOT / "no_such.yaml")], "no_such.yaml: does not exist"),
    (["compare", MMC], "the following arguments are required: options"),
    (["report", "no_such_results"], "no_such_results: no such results folder"),
    (["sweep", MMC, "no_such_grid.yaml"], "no_such_grid.yaml: does not exist"),
    (["warmup", MMC, "--replications", "0"], "--replications: must be 1 or more"),
    (["discharges", MMC, "--target", "0"], "--target: must be a finite number above 0"),
    (["discharges", MMC, "--limit", "1"], "--limit: must be a finite number above 1"),
    (["discharges", MMC, "--steps", "-1"], "--steps: must be 0 or more"),
    (["validate", MMC], "lists no published figures"),
    (["kpis", "--bogus"], "unrecognized arguments: --bogus"),
    (["simulate", MMC], "invalid choice: 'simulate'"),
]


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Work in an empty folder, and make any simulation an internal error (exit 1, not 2)."""
    monkeypatch.chdir(tmp_path)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a simulation ran before the arguments were checked")

    for name in ("simulate", "run_experiment", "run_until_precise", "analyse_warmup", "run_sweep"):
        monkeypatch.setattr(cli, name, forbidden)
    return tmp_path


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a).replace(MMC, "mmc.yaml") for a, _ in BAD])
def test_a_wrong_argument_is_refused_with_one_message_and_nothing_written(
    argv: list[str], message: str, nothing_runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert list(nothing_runs.iterdir()) == []


def test_an_unreachable_scheduler_from_the_environment_names_the_variable(
    nothing_runs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWSIM_SCHEDULER", "tcp://127.0.0.1:1")
    assert main(["compare", MMC, MMC, "--replications", "2"]) == EXIT_BAD_INPUT
    assert "FLOWSIM_SCHEDULER tcp://127.0.0.1:1: cannot reach the Dask scheduler" in capsys.readouterr().err
    assert list(nothing_runs.iterdir()) == []


def test_a_damaged_results_folder_is_refused_naming_it(nothing_runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = nothing_runs / "results"
    folder.mkdir()
    for contents in ({"experiment.json": "{not json", "kpi_values.csv": "", "bands.csv": ""},
                     {"experiment.json": "{}", "kpi_values.csv": "scenario,replication,kpi,value\n", "bands.csv": "x\n"}):  # fmt: skip
        for name, text in contents.items():
            (folder / name).write_text(text)
        assert main(["report", str(folder)]) == EXIT_BAD_INPUT
        error = capsys.readouterr().err
        assert f"{folder}: not a results folder flowsim can read" in error and "Traceback" not in error
    assert sorted(p.name for p in folder.iterdir()) == ["bands.csv", "experiment.json", "kpi_values.csv"]


def test_an_out_that_is_a_file_or_under_one_is_refused(nothing_runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = nothing_runs / "taken"
    taken.write_text("a planner's notes")
    for out, message in ((taken, "is a file, not a folder"), (taken / "sub", f"{taken} is a file, not a folder")):
        assert main(["run", MMC, "--out", str(out)]) == EXIT_BAD_INPUT
        assert message in capsys.readouterr().err
    assert main(["schema", "--out", str(nothing_runs)]) == EXIT_BAD_INPUT
    assert sorted(p.name for p in nothing_runs.iterdir()) == ["taken"] and taken.read_text() == "a planner's notes"


def test_a_mistake_in_the_file_names_the_file_even_with_days_and_set_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"extends: {MMC}\nwards: {{general_beds: -1}}\n")
    assert main(["run", str(variant), "--days", "10", "--set", "ed.cubicles=3", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert f"{variant}: wards.general_beds:" in error
    assert "command line" not in error and "--set" not in error and "--days" not in error
    assert not (tmp_path / "out").exists()


def test_set_changes_one_field_as_the_file_would(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", MMC, "--days", "20", "--warmup-days", "5", "--set", "wards.general_beds=29", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "set")]) == 0
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"extends: {MMC}\nwards: {{general_beds: 29}}\n")
    assert main(["run", str(variant), "--days", "20", "--warmup-days", "5", "--quiet", "--out", str(tmp_path / "file")]) == 0
    assert (tmp_path / "set" / "kpis.csv").read_text() == (tmp_path / "file" / "kpis.csv").read_text()
    assert load_scenario(MMC).wards.general_beds != 29


def test_version_schema_and_the_distinct_exit_statuses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"flowsim {__version__}"
    monkeypatch.chdir(tmp_path)
    assert main(["schema"]) == 0
    assert capsys.readouterr().out.startswith("#") and list(tmp_path.iterdir()) == []
    assert main(["schema", "--out", "reference.md"]) == 0 and (tmp_path / "reference.md").read_text().startswith("#")

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "simulate", fails)
    assert main(["run", MMC, "--out", str(tmp_path / "out")]) == EXIT_FAILED
    error = capsys.readouterr().err
    assert "internal error: RuntimeError: a bug" in error and "report it" in error and "Traceback" not in error

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "simulate", interrupted)
    assert main(["run", MMC, "--out", str(tmp_path / "out")]) == EXIT_INTERRUPTED
    assert len({0, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED}) == 4
