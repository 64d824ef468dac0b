"""Experiments: the same numbers serially, in a process pool and on Dask; resumable; honest comparisons."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowsim import load_scenario, simulate
from flowsim.cli import main
from flowsim.experiment import Replication, ReplicationStore, Runner, run_experiment, run_until_precise
from flowsim.statistics import RunningBands, mser5, t_interval
from tests.queueing import MMC, TWO_STAGE

SHORT = {"days": 60, "warmup_days": 10}


@pytest.mark.slow
def test_same_kpis_serially_in_a_process_pool_and_on_dask() -> None:
    from distributed import Client, LocalCluster

    scenario = load_scenario(MMC, SHORT)
    serial = run_experiment({"mmc": scenario}, 4, seed=7, runner=Runner(workers=1, progress=False))
    pooled = run_experiment({"mmc": scenario}, 4, seed=7, runner=Runner(workers=2, progress=False))
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        on_dask = run_experiment({"mmc": scenario}, 4, seed=7, runner=Runner(scheduler=client, progress=False))
    for other in (pooled, on_dask):
        pd.testing.assert_frame_equal(serial.values["mmc"], other.values["mmc"])
        pd.testing.assert_frame_equal(serial.bands, other.bands)
        pd.testing.assert_frame_equal(serial.monthly["mmc"], other.monthly["mmc"])
    assert serial.values["mmc"]["admissions_per_day"].nunique() == 4, "replications must differ from each other"


def _an_array(scenario: object, seed: int, replication: int) -> np.ndarray:
    return np.full(1000, float(replication))


def test_a_process_pool_lets_go_of_each_result_once_it_has_been_handed_over() -> None:
    """A thousand replications must not all sit in the parent until the last one finishes."""
    import weakref

    scenario = load_scenario(MMC, SHORT)
    work = [Replication("mmc", scenario, 1, r) for r in range(6)]
    handed_over = []
    for _, result in Runner(workers=2, progress=False).map(_an_array, work):
        handed_over.append(weakref.ref(result))
        del result
        assert all(ref() is None for ref in handed_over[:-1]), "the pool still holds an earlier result"
    assert len(handed_over) == 6


def test_daily_bands_are_the_mean_and_t_interval_of_each_day_across_replications() -> None:
    rng = np.random.default_rng(3)
    dates = pd.Index(pd.date_range("2017-04-01", periods=5).date, name="date")
    tables = [pd.DataFrame({"beds": rng.normal(90, 5, 5), "ratio": [np.nan, *rng.uniform(0, 1, 4)]}, index=dates) for _ in range(6)]
    bands = RunningBands()
    for table in tables:
        bands.add(table)
    summary = bands.summary().set_index(["date", "measure"])
    for date in dates:
        for measure in ("beds", "ratio"):
            expected = t_interval(pd.Series([t.loc[date, measure] for t in tables]))
            row = summary.loc[(date, measure)]
            assert row["n"] == expected["n"]
            if expected["n"]:
                assert row[["mean", "lower", "upper"]].tolist() == pytest.approx([expected[k] for k in ("mean", "lower", "upper")])
    with pytest.raises(ValueError, match="same dates"):
        bands.add(tables[0].iloc[:3])


def test_monthly_means_and_daily_flows_agree_with_the_kpis() -> None:
    scenario = load_scenario(TWO_STAGE, {"days": 90, "warmup_days": 10})
    experiment = run_experiment({"two": scenario}, 2, seed=4, runner=Runner(workers=1, progress=False))
    monthly = experiment.monthly["two"]
    assert list(monthly.index.get_level_values("replication").unique()) == [0, 1]
    assert monthly.loc[0].index.astype(str).tolist() == ["2017-01", "2017-02", "2017-03", "2017-04"]  # 2 Jan + 90 days
    result = simulate(scenario, seed=4)
    daily = result.daily()
    assert len(daily) == scenario.days
    assert daily.admissions.sum() / scenario.days == pytest.approx(result.kpi("admissions_per_day"))
    assert daily.ed_attendances.sum() / scenario.days == pytest.approx(result.kpi("ed_attendances_per_day"))
    assert daily.occupancy.mean() == pytest.approx(result.kpi("occupancy_mean"))
    first = monthly.loc[0]
    assert first["days"].sum() == scenario.days
    assert (first.occupancy.sum() / first["days"].sum()) == pytest.approx(experiment.values["two"].loc[0, "occupancy_mean"])


def test_stored_replications_are_reused_and_only_missing_ones_run(tmp_path: Path) -> None:
    scenario = load_scenario(MMC, SHORT)
    store = ReplicationStore(tmp_path)
    first = run_experiment({"mmc": scenario}, 5, seed=1, store=store, runner=Runner(workers=1, progress=False))
    stored = sorted(tmp_path.rglob("replication*.csv"))
    assert (first.ran, first.reused, len(stored)) == (5, 0, 5)
    stored[1].unlink()
    stored[3].unlink()
    second = run_experiment({"mmc": scenario}, 5, seed=1, store=store, runner=Runner(workers=1, progress=False))
    assert (second.ran, second.reused) == (2, 3)
    pd.testing.assert_frame_equal(first.values["mmc"], second.values["mmc"])
    changed = load_scenario(MMC, {**SHORT, "wards": {"general_beds": 29}})
    third = run_experiment({"mmc": changed}, 5, seed=1, store=store, runner=Runner(workers=1, progress=False))
    assert third.reused == 0, "a changed scenario must not reuse another scenario's replications"


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_table(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "flowsim.cli", "run", str(MMC), "--days", "10", "--warmup-days", "0",
               "--replications", "200", "--workers", "2", "--quiet"]  # fmt: skip
    killed = subprocess.Popen([*command, "--out", str(tmp_path / "killed")], start_new_session=True)
    deadline = time.monotonic() + 120
    # A replication is finished when its manifest is written, after its tables: the kill may fall in between.
    while len(list((tmp_path / "killed").rglob("replication*.json"))) < 30 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    finished = len(list((tmp_path / "killed").rglob("replication*.json")))
    assert 30 <= finished < 200
    rerun = subprocess.run([*command, "--out", str(tmp_path / "killed")], capture_output=True, text=True, check=True)
    assert f"{200 - finished} replications run, {finished} reused" in rerun.stdout
    whole = subprocess.run([*command, "--out", str(tmp_path / "whole")], capture_output=True, text=True, check=True)
    assert "200 replications run, 0 reused" in whole.stdout
    resumed = pd.read_csv(tmp_path / "killed" / "summary.csv", index_col="kpi")
    uninterrupted = pd.read_csv(tmp_path / "whole" / "summary.csv", index_col="kpi")
    pd.testing.assert_frame_equal(resumed, uninterrupted)


@pytest.mark.slow
def test_compare_against_itself_is_exactly_zero_and_more_beds_is_distinguishable(tmp_path: Path) -> None:
    more = tmp_path / "more_step_down.yaml"
    more.write_text(f"extends: {TWO_STAGE}\nname: more_step_down\nstep_down: {{beds: 24}}\n")
    args = ["--days", "300", "--replications", "6", "--quiet", "--workers", "1"]
    assert main(["compare", str(TWO_STAGE), str(TWO_STAGE), str(more), *args, "--out", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out" / "comparison.csv").set_index(["option", "kpi"])
    itself = table.loc["two_stage (2)"].dropna(subset=["difference"])
    assert len(itself) > 20
    assert (itself[["difference", "lower", "upper"]] == 0).all().all()
    assert not itself["distinguishable"].any()
    delayed = table.loc[("more_step_down", "delayed_bed_days_per_day")]
    assert delayed["upper"] < 0 and delayed["distinguishable"]
    assert (tmp_path / "out" / "comparison.png").stat().st_size > 0


def test_the_replication_count_found_gives_the_target_precision_when_rerun() -> None:
    scenario = load_scenario(MMC, {"days": 120, "warmup_days": 20})
    runner = Runner(workers=1, progress=False)
    _, needed = run_until_precise(scenario, ["occupancy_mean"], 0.03, seed=4, runner=runner)
    assert needed is not None and needed >= 3
    rerun = run_experiment({"mmc": scenario}, needed, seed=4, runner=runner)
    assert t_interval(rerun.values["mmc"]["occupancy_mean"])["relative_half_width"] <= 0.03
    fewer = run_experiment({"mmc": scenario}, needed - 1, seed=4, runner=runner)
    assert needed == 3 or t_interval(fewer.values["mmc"]["occupancy_mean"])["relative_half_width"] > 0.03


def test_t_interval_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    covered = [
        (lambda i: i["lower"] <= 1.0 <= i["upper"])(t_interval(pd.Series(rng.exponential(1.0, 10))))
        for _ in range(4000)
    ]
    # Exponential samples of 10 make the t interval a little liberal; it must still be near 95%.
    assert 0.88 <= np.mean(covered) <= 0.96


def test_mser5_cuts_an_initial_transient_and_leaves_a_stationary_series_alone() -> None:
    rng = np.random.default_rng(1)
    ramp = np.concatenate([np.linspace(0, 100, 60), np.full(300, 100.0)]) + rng.normal(0, 3, 360)
    assert 40 <= mser5(pd.Series(ramp)) <= 80
    assert mser5(pd.Series(100 + rng.normal(0, 3, 360))) <= 20


def test_sweep_and_warmup_commands_write_their_tables_and_figures(tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("parameters:\n  step_down.beds: [20, 24]\n  arrivals.ed_walk_in.daily: [2.5, 3]\n")
    assert main(["sweep", str(TWO_STAGE), str(grid), "--days", "120", "--replications", "3", "--quiet",
                 "--workers", "1", "--out", str(tmp_path / "sweep")]) == 0  # fmt: skip
    table = pd.read_csv(tmp_path / "sweep" / "sweep.csv")
    delayed = table[table["kpi"] == "delayed_bed_days_per_day"].set_index(["step_down.beds", "arrivals.ed_walk_in.daily"])
    assert len(delayed) == 4
    assert delayed.loc[(24, 2.5), "mean"] < delayed.loc[(20, 3.0), "mean"]
    assert main(["warmup", str(TWO_STAGE), "--days", "150", "--replications", "3", "--quiet", "--workers", "1",
                 "--out", str(tmp_path / "warmup")]) == 0  # fmt: skip
    assert (tmp_path / "warmup" / "warmup.png").stat().st_size > 0
    means = pd.read_csv(tmp_path / "warmup" / "warmup.csv", index_col="day")
    assert means["step_down_occupied"].iloc[:5].mean() < means["step_down_occupied"].iloc[-30:].mean()


@pytest.mark.parametrize(
    "grid",
    [
        "parameters: {step_down.beds: [-1]}\n",
        "parameter: {step_down.beds: [1]}\n",
        "parameters: {step_down.beds: [1]}\nheatmap: occupancy_maen\n",
        "parameters: {step_down.beds: [1]}\nheatmap: reablement_hours_per_month\n",  # two_stage has no reablement
    ],
)
def test_a_bad_grid_is_reported_before_anything_runs(tmp_path: Path, grid: str, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text(grid)
    assert main(["sweep", str(TWO_STAGE), str(path), "--out", str(tmp_path / "out")]) == 2
    assert str(path) in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_results_read_back_from_their_folder_are_the_results_written(tmp_path: Path) -> None:
    from flowsim.results.experiment_results import ExperimentResults

    base, option = load_scenario(MMC, SHORT), load_scenario(MMC, {**SHORT, "wards": {"general_beds": 29}})
    results = run_experiment({"base": base, "fewer": option}, 3, seed=2, runner=Runner(workers=1, progress=False))
    written = {path.name for path in results.write(tmp_path)}
    assert {"experiment.json", "kpi_values.csv", "monthly.csv", "bands.csv", "summaries.csv", "comparison.csv"} == written
    read = ExperimentResults.read(str(tmp_path))  # a plain string is a path too
    assert (read.labels, read.base, read.options) == (["base", "fewer"], "base", ["fewer"])
    for label in read.labels:
        pd.testing.assert_frame_equal(read.values[label], results.values[label])
        pd.testing.assert_frame_equal(read.monthly[label], results.monthly[label], check_index_type=False)
    pd.testing.assert_frame_equal(read.comparison(), results.comparison())
    pd.testing.assert_frame_equal(read.summary("fewer"), results.summary("fewer"))
    assert read.summary("base").loc["occupancy_mean", "unit"] == "ratio"


def test_a_stored_replication_is_reused_only_whole_and_from_this_version_and_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flowsim.experiment as experiment

    scenario = load_scenario(MMC, SHORT)
    store = ReplicationStore(tmp_path)
    serial = Runner(workers=1, progress=False)
    first = run_experiment({"mmc": scenario}, 4, seed=1, store=store, runner=serial)
    kpis = sorted(tmp_path.rglob("replication*[0-9].csv"))
    lines = kpis[0].read_text().splitlines(keepends=True)
    kpis[0].write_text("".join(lines[: len(lines) // 2]))  # cut off at a row boundary: still a valid CSV
    daily = sorted(tmp_path.rglob("replication*.daily.csv.gz"))
    daily[1].write_bytes(daily[1].read_bytes()[:-8])
    again = run_experiment({"mmc": scenario}, 4, seed=1, store=store, runner=serial)
    assert (again.ran, again.reused) == (2, 2)
    pd.testing.assert_frame_equal(first.values["mmc"], again.values["mmc"])
    assert run_experiment({"mmc": scenario}, 4, seed=1, store=store, runner=serial).reused == 4, "the reruns were stored whole"
    manifest = store.path(Replication("mmc", scenario, 1, 2))
    manifest.write_text(manifest.read_text().replace(f'"content_hash": "{scenario.content_hash()}"', '"content_hash": "another"'))
    assert run_experiment({"mmc": scenario}, 4, seed=1, store=store, runner=serial).ran == 1
    monkeypatch.setattr(experiment, "__version__", "99.0")
    assert run_experiment({"mmc": scenario}, 4, seed=1, store=store, runner=serial).reused == 0


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    from flowsim.files import write_atomically

    path = tmp_path / "kpis.csv"
    path.write_text("old")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("half a ta")
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_atomically(path, half_then_fail)
    assert [p.name for p in tmp_path.iterdir()] == ["kpis.csv"] and path.read_text() == "old"


def test_an_out_folder_keeps_the_files_already_in_it(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("the board's questions")
    (tmp_path / "earlier").mkdir()
    argv = ["run", str(MMC), "--days", "10", "--warmup-days", "0", "--replications", "2", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "notes.txt").read_text() == "the board's questions" and (tmp_path / "earlier").is_dir()
    assert (tmp_path / "summary.csv").exists() and not list(tmp_path.rglob("*.tmp"))


def test_mser5_at_its_search_limit_means_not_settled_and_the_warmup_says_so() -> None:
    from flowsim.experiment import WarmupAnalysis
    from flowsim.statistics import mser5_limit

    rising = pd.Series(np.arange(150, dtype=float))
    assert mser5(rising) == mser5_limit(150) == 70
    capped = WarmupAnalysis({}, {}, {"dtoc": mser5(rising), "acute_occupied": 10}, days=150)
    assert capped.capped == ["dtoc"] and capped.too_short and capped.suggested_days == 301
    settled = WarmupAnalysis({}, {}, {"dtoc": 40}, days=730)
    assert not settled.capped and not settled.too_short
    short = WarmupAnalysis({}, {}, {"dtoc": 100}, days=240)
    assert not short.capped and short.too_short and short.suggested_days == 301


@pytest.mark.slow
def test_warmup_on_a_short_run_warns_and_suggests_a_length(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    county = Path(__file__).parents[1] / "scenarios" / "examples" / "small_county.yaml"
    argv = ["warmup", str(county), "--days", "60", "--replications", "2", "--workers", "1", "--quiet", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Warning:" in out and "had not settled within half the run" in out and "Rerun with --days" in out
