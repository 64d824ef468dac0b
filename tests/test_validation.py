"""Validation targets: published figures compared with KPIs and daily measures over chosen months."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowsim import load_scenario, simulate
from flowsim.cli import main
from flowsim.experiment import Runner, run_experiment
from flowsim.analysis.validation import validation_table
from tests.queueing import TWO_STAGE

ROOT = Path(__file__).parents[1]

TARGETS = [
    {"figure": "delayed patients a day", "source": "test", "published": 1.0, "unit": "patients",
     "measure": "dtoc_patients_mean", "tolerance": 100.0, "tolerance_reason": "wide"},
    {"figure": "occupancy, April-June", "source": "test", "published": 0.0, "unit": "ratio",
     "measure": "acute_occupied", "months": [4, 5, 6], "tolerance": 0.0, "tolerance_reason": "none"},
    {"figure": "delayed and waiting for a bed per discharge, per 100,000 adults", "source": "test", "published": 0.0,
     "unit": "ratio", "measure": "dtoc + waiting_for_bed", "per": "acute_discharges", "per_100k": "adults",
     "tolerance": 1e6, "tolerance_reason": "x"},
]  # fmt: skip


def _scenario(targets: list[dict] = TARGETS, **more: object):
    return load_scenario(
        TWO_STAGE, {"days": 200, "warmup_days": 20, "population": {"adults": 50_000}, "validation": targets, **more}
    )


def test_each_target_is_the_mean_of_its_measure_per_replication_with_a_verdict() -> None:
    scenario = _scenario()
    experiment = run_experiment({"two": scenario}, 3, seed=2, runner=Runner(workers=1, progress=False))
    table = validation_table(scenario, experiment, "two")
    assert table.figure.tolist() == [t["figure"] for t in TARGETS]
    daily = [simulate(scenario, seed=2, replication=r).daily() for r in range(3)]
    months = [pd.to_datetime(d.index).month for d in daily]
    spring = [d.acute_occupied[m.isin([4, 5, 6])].mean() for d, m in zip(daily, months)]
    ratio = [(d.dtoc + d.waiting_for_bed).sum() / d.acute_discharges.sum() / 50_000 * 100_000 for d in daily]
    kpi = experiment.values["two"]["dtoc_patients_mean"]
    for row, expected in zip(table.itertuples(), (kpi, spring, ratio)):
        assert row.mean == pytest.approx(sum(expected) / 3)
        assert row.lower < row.mean < row.upper
    assert table.within.tolist() == [True, False, True]


def test_validate_writes_the_table_and_a_bad_measure_stops_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(f"extends: {TWO_STAGE}\npopulation: {{adults: 50000}}\nvalidation: {TARGETS!r}\n".replace("'", '"'))
    out = tmp_path / "out"
    assert main(["validate", str(good), "--days", "60", "--replications", "3", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert "delayed patients a day" in capsys.readouterr().out
    assert len(pd.read_csv(out / "validation.csv")) == 3
    for measure, months, message in (
        ("no_such_kpi", [], "no_such_kpi is not a KPI"),
        ("dtoc + nothing_here", [], "nothing_here is not a daily measure"),
        ("occupancy_mean", [1], "occupancy_mean is not a daily measure"),
    ):
        bad = tmp_path / "bad.yaml"
        target = {**TARGETS[0], "measure": measure, "months": months}
        bad.write_text(f"extends: {TWO_STAGE}\nvalidation: [{target!r}]\n".replace("'", '"'))
        assert main(["validate", str(bad), "--out", str(tmp_path / "never")]) == 2
        error = capsys.readouterr().err
        assert f"{bad}: validation.0.measure" in error and message in error
        assert not (tmp_path / "never").exists()


def test_a_rate_per_100k_needs_that_population() -> None:
    with pytest.raises(Exception, match="validation.2.per_100k: adults needs population.adults"):
        load_scenario(TWO_STAGE, {"validation": TARGETS})


def test_measures_are_checked_against_the_catalogue_without_running_and_old_hart_names_still_work(monkeypatch) -> None:
    import flowsim.model.system as system
    from flowsim.analysis.validation import check_measures, target_values

    monkeypatch.setattr(system.System, "run", lambda *a, **k: pytest.fail("check_measures ran a simulation"))
    targets = [{**TARGETS[0], "measure": "hart_hours_per_month"}, {**TARGETS[0], "measure": "step_down_waiting", "months": [1]}]
    two_stage = _scenario(targets)  # two_stage.yaml has step-down beds and no reablement
    with pytest.raises(Exception, match="validation.0.measure: reablement_hours_per_month is not a KPI of this scenario"):
        with pytest.warns(FutureWarning, match="hart_hours_per_month is now reablement_hours_per_month"):
            check_measures(two_stage, "f.yaml")
    county = load_scenario(ROOT / "scenarios/examples/small_county.yaml", {"days": 20, "warmup_days": 5, "validation": targets[:1]})
    with pytest.warns(FutureWarning, match="validation.0.measure: hart_hours_per_month is now reablement_hours_per_month"):
        check_measures(county, "f.yaml")
    monkeypatch.undo()
    experiment = run_experiment({"c": county}, 2, seed=1, runner=Runner(workers=1, progress=False))
    assert target_values(county, experiment, "c")[0].tolist() == experiment.values["c"]["reablement_hours_per_month"].tolist()


def test_an_interval_stays_within_what_the_figure_can_be(monkeypatch) -> None:
    """Published figures are counts, rates and shares: no interval below zero, a share's none above one."""
    from flowsim.analysis import validation
    from flowsim.statistics import t_interval

    share = {**TARGETS[1], "unit": "share", "published": 0.03}
    scenario = _scenario([TARGETS[0], share])
    rare = pd.DataFrame({0: [0.0, 0.0, 0.5], 1: [0.0, 0.0, 0.09]})  # t intervals: below 0 for both
    assert t_interval(rare[1])["lower"] < 0
    monkeypatch.setattr(validation, "target_values", lambda *_: rare)
    table = validation_table(scenario, None, "two")  # type: ignore[arg-type]
    assert (table.lower == 0).all() and (table.upper > table["mean"]).all()
    full = pd.DataFrame({0: [1.0, 1.0, 1.0], 1: [1.0, 1.0, 0.91]})
    monkeypatch.setattr(validation, "target_values", lambda *_: full)
    assert validation_table(scenario, None, "two").upper[1] == 1.0  # type: ignore[arg-type]
