"""The files a planner opens: dates and times, the warm-up marked, care hours a month, shares as
percentages, and the Excel workbook beside every run and experiment."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowsim import load_scenario, simulate
from flowsim.cli import main
from flowsim.experiment import Runner, run_experiment
from flowsim.output.report import write_results
from flowsim.results.tables import compact_file
from flowsim.scenario import WEEKS_PER_MONTH
from tests.queueing import MMC

ROOT = Path(__file__).parents[1]
SMALL_COUNTY = ROOT / "scenarios" / "examples" / "small_county.yaml"
SHORT = ["--days", "14", "--warmup-days", "7", "--seed", "2", "--quiet"]


@pytest.fixture(scope="module")
def county_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("county")
    assert main(["run", str(SMALL_COUNTY), *SHORT, "--out", str(out)]) == 0
    return out


def test_patients_have_dates_and_a_warmup_column(county_run: Path) -> None:
    pytest.importorskip("pyarrow")
    scenario = load_scenario(SMALL_COUNTY, {"days": 14, "warmup_days": 7})
    hours = simulate(scenario, seed=2).patients
    written = pd.read_parquet(county_run / "patients.parquet")
    assert pd.api.types.is_datetime64_any_dtype(written["arrival"]) and written["warmup"].dtype == bool
    start = pd.Timestamp(scenario.start_date)
    assert (written["warmup"] == (written["arrival"] < start)).all() and written["warmup"].any()
    back = (written["bed_start"] - start) / pd.Timedelta(hours=1)
    assert back.to_numpy() == pytest.approx(hours["bed_start"].to_numpy(), abs=1 / 3600, nan_ok=True)


def test_care_hours_are_a_month_and_shares_percentages_where_a_person_reads_them(county_run: Path) -> None:
    census = simulate(load_scenario(SMALL_COUNTY, {"days": 14, "warmup_days": 7}), seed=2).census
    written = pd.read_csv(county_run / "census.csv")
    assert written["reablement_hours_capacity"].to_numpy() == pytest.approx(census["reablement_hours_capacity"] * WEEKS_PER_MONTH)
    assert written["occupancy"].to_numpy() == pytest.approx(census["occupancy"] * 100)
    kpis = pd.read_csv(county_run / "kpis.csv", index_col="kpi")
    assert kpis.loc["occupancy_mean", "unit"] == "%" and 50 < kpis.loc["occupancy_mean", "value"] < 150
    assert kpis.loc["reablement_hours_per_month", "unit"] == "care hours/month"


def test_the_run_workbook_opens_kpis_first_and_says_every_column_unit(county_run: Path) -> None:
    sheets = pd.read_excel(county_run / "results.xlsx", sheet_name=None)
    assert list(sheets)[0] == "kpis" and {"census", "delays", "columns", "scenario"} <= set(sheets)
    columns = sheets["columns"].set_index(["sheet", "column"])
    assert columns.loc[("census", "home_care_hours_in_use"), "unit"] == "care hours/month"
    assert columns.loc[("census", "occupancy"), "unit"] == "%"
    assert columns.loc[("patients", "arrival"), "unit"] == "date and time"
    described = {(sheet, str(column)) for sheet, table in sheets.items() if sheet not in ("columns", "scenario") for column in table}
    assert described <= set(columns.index)
    scenario = sheets["scenario"].set_index("setting")["small_county"]
    assert scenario["days"] == 14


def test_a_run_can_leave_the_patients_out(tmp_path: Path) -> None:
    assert main(["run", str(MMC), *SHORT, "--no-patients", "--out", str(tmp_path)]) == 0
    assert not list(tmp_path.glob("patients.*")) and compact_file(tmp_path / "delays").exists()


def test_an_experiment_workbook_puts_the_summary_first_and_the_comparison_in_percent(tmp_path: Path) -> None:
    base = load_scenario(MMC, {"days": 20, "warmup_days": 5})
    option = load_scenario(MMC, {"days": 20, "warmup_days": 5, "name": "more"})
    results = run_experiment({"base": base, "more": option}, 2, seed=1, runner=Runner(workers=1, progress=False))
    write_results(results, tmp_path)
    sheets = pd.read_excel(tmp_path / "results.xlsx", sheet_name=None)
    assert list(sheets)[:2] == ["summary", "comparison"] and {"daily_means", "columns", "scenario"} <= set(sheets)
    summary = sheets["summary"].set_index(["scenario", "kpi"])
    assert summary.loc[("base", "occupancy_mean"), "unit"] == "%"
    in_memory = results.summary("base").loc["occupancy_mean"]
    for column in ("mean", "sd", "lower", "upper", "half_width"):  # every figure of a share in the same unit
        assert summary.loc[("base", "occupancy_mean"), column] == pytest.approx(in_memory[column] * 100)
    assert list(sheets["scenario"].columns) == ["setting", "base", "more"]
    occupancy = sheets["comparison"].set_index("kpi").loc["occupancy_mean"]
    assert occupancy["unit"] == "% (differences in percentage points)"
