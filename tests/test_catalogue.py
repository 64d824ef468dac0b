"""The catalogue of measures: every KPI and daily measure a shipped scenario produces is declared,
exactly those its services call for, and every value lies within its declared bounds."""

from __future__ import annotations

import math
from functools import cache

import pytest

import flowsim
from flowsim.engine.vocabulary import DELAY_REASONS
from flowsim.results.catalogue import DAILY, KPIS, SHARE, Measure, current_name, measure, produced_by, unknown_kpis
from tests.table_hashes import ROOT, scenario_files, short_run_overrides


@cache
def short_run(path):
    scenario = flowsim.load_scenario(path, short_run_overrides(path))
    return scenario, flowsim.simulate(scenario, seed=3)


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_run_produces_exactly_the_catalogued_measures_of_its_services_in_order(path) -> None:
    scenario, result = short_run(path)
    assert list(result.kpis.index) == list(produced_by(scenario, KPIS))
    assert list(result.daily().columns) == list(produced_by(scenario, DAILY))


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_value_lies_within_its_bounds(path) -> None:
    _, result = short_run(path)
    outside = [
        (name, value) for name, value in result.kpis["value"].items() if not measure(name).within_bounds(value)
    ]
    daily = result.daily()
    outside += [(name, daily[name].min(), daily[name].max()) for name in daily if not all(
        DAILY[name].within_bounds(v) for v in (daily[name].min(), daily[name].max())
    )]  # fmt: skip
    assert outside == []


def test_the_kpi_table_takes_unit_and_description_from_the_catalogue() -> None:
    _, result = short_run(ROOT / "scenarios" / "oxfordshire_2017.yaml")
    for name, row in result.kpis.iterrows():
        assert (row["unit"], row["description"]) == (measure(name).unit, measure(name).description)


def test_a_share_is_bounded_by_zero_and_one_and_nan_means_nothing_to_measure() -> None:
    share = KPIS["four_hour_performance"]
    assert (share.unit, share.lower, share.upper) == (SHARE, 0.0, 1.0)
    assert [share.within_bounds(v) for v in (0.0, 1.0, 1.01, -0.01, math.nan)] == [True, True, False, False, True]
    assert Measure("x", "days", "d").bounds == "0 or more" and share.bounds == "0 to 1"


def test_families_follow_the_vocabulary() -> None:
    for reason in DELAY_REASONS:
        slug = reason.replace(" ", "_").replace("-", "_")
        assert {f"wait_{slug}_mean_days", f"wait_{slug}_p90_days", f"delayed_{slug}_mean"} <= set(KPIS)
    assert [n for n in KPIS if n.startswith("pathway_")] == [f"pathway_{p}_share" for p in range(4)]
    assert [n for n in KPIS if n.startswith("opel_")] == [f"opel_{level}_days" for level in range(1, 5)]


def test_care_hours_are_per_month_in_the_kpis_and_every_measure_says_which_way_is_better() -> None:
    assert {KPIS[n].unit for n in KPIS if n.endswith(("hours_per_month", "hours_capacity_per_month"))} == {"care hours/month"}
    assert {m.better for m in (*KPIS.values(), *DAILY.values())} <= {"higher", "lower", "neither"}
    assert KPIS["delayed_bed_days_per_day"].better == "lower" and KPIS["four_hour_performance"].better == "higher"


def test_old_hart_names_still_resolve_to_reablement() -> None:
    assert current_name("hart_hours_per_month") == "reablement_hours_per_month"
    assert current_name("hart_hours_in_use") == "reablement_hours_in_use"
    assert unknown_kpis(["hart_hours_utilisation", "occupancy_mean", "occupancy_maen"]) == ["occupancy_maen"]
