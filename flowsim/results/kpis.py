"""The KPIs of one run: the headline figures of its results period, each with its unit and meaning."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from flowsim.engine.vocabulary import DELAY_REASONS, DTOC_REASONS, OTHER_ARRANGEMENTS, dtoc_column, reason_column
from flowsim.scenario import HOURS_PER_DAY, WEEKS_PER_MONTH, Scenario

PERCENT_UNITS = ("share", "ratio")
"""Units shown as percentages: a share is part of a whole (0-100%); a ratio, such as occupancy
over base beds, can pass 100%."""


HEADLINE_KPIS = (
    "occupancy_mean",
    "days_over_92",
    "delayed_bed_days_per_day",
    "delayed_patients_mean",
    "stranded_mean",
    "super_stranded_mean",
    "four_hour_performance",
    "trolley_waits_over_12h",
    "wait_awaiting_reablement_mean_days",
    "wait_awaiting_home_care_package_mean_days",
)
"""The figures an A&E Delivery Board asks for first; plots and printed comparisons lead with them."""


def spell_start(patients: pd.DataFrame) -> pd.Series:
    """When each emergency admission (a spell) began: in the EAU, else in the acute bed."""
    return patients.eau_start.fillna(patients.bed_start)


def spell_end(patients: pd.DataFrame) -> pd.Series:
    """When each spell ended: leaving the acute bed, or leaving the EAU without one."""
    return patients.acute_discharge.where(patients.bed_start.notna(), patients.eau_end)


def _share(mask: pd.Series) -> float:
    return float(mask.mean()) if len(mask) else math.nan


def _percentile(values: pd.Series, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else math.nan


def _weekday(scenario: Scenario, hours: pd.Series) -> pd.Series:
    """The weekday (0 Monday ... 6 Sunday) of each time, in hours from the results period's start."""
    return (scenario.start_date.weekday() + (hours // HOURS_PER_DAY).astype(int)) % 7


def _overlap_hours(start: pd.Series, end: pd.Series, lo: float, hi: float) -> float:
    """Total hours of the intervals [start, end) that fall inside [lo, hi)."""
    clipped = np.clip(end.to_numpy(), lo, hi) - np.clip(start.to_numpy(), lo, hi)
    return float(np.nansum(np.maximum(clipped, 0.0)))


def compute_kpis(
    scenario: Scenario,
    patients: pd.DataFrame,
    delays: pd.DataFrame,
    census: pd.DataFrame,
    pool_means: dict[str, float],
) -> pd.DataFrame:
    """The headline figures of the results period, one row each with unit and meaning."""
    days = scenario.days
    end = days * HOURS_PER_DAY
    rows: list[tuple[str, float, str, str]] = []

    def kpi(name: str, value: float, unit: str, description: str) -> None:
        rows.append((name, float(value), unit, description))

    # Each filter keeps only the columns it needs: a copy of all 27 for each would hold a replication's
    # table several times over while the KPIs are worked out.
    arrived = patients.loc[patients.arrival >= 0, ["route", "arrival", "ed_end", "handover"]]
    ed = arrived[arrived.route != "gp_referral"]
    kpi("ed_attendances_per_day", len(ed) / days, "patients/day", "ED attendances (walk-in and ambulance)")
    kpi("gp_referrals_per_day", (arrived.route == "gp_referral").sum() / days, "patients/day", "GP referrals to the EAU")
    time_in_ed = ed.ed_end.fillna(end) - ed.arrival
    kpi("four_hour_performance", _share(time_in_ed <= 4.0), "share", "ED attendances leaving the ED within 4 hours")
    kpi("four_hour_breaches_per_day", (time_in_ed > 4.0).sum() / days, "patients/day", "ED attendances in the ED over 4 hours")
    ambulance = ed[ed.route == "ed_ambulance"]
    handover = ambulance.handover.fillna(end - ambulance.arrival)
    kpi("handovers_over_15_min", _share(handover > 0.25), "share", "ambulance handovers taking over 15 minutes")
    kpi("handover_mean_minutes", handover.mean() * 60 if len(handover) else math.nan, "minutes", "mean handover time")

    admitted = patients.loc[
        (patients.decision_to_admit >= 0) & (patients.decision_to_admit < end), ["decision_to_admit", "bed_start", "avoidance_start"]
    ]
    bed_wait = admitted.bed_start.fillna(end) - admitted.decision_to_admit
    bed_wait = bed_wait[admitted.avoidance_start.isna()]
    kpi("trolley_waits_over_12h", (bed_wait > 12.0).sum(), "patients", "waits of over 12 hours from decision to admit to a bed")
    kpi("bed_wait_mean_hours", bed_wait.mean() if len(bed_wait) else math.nan, "hours", "mean wait from decision to admit to a bed")
    eau = patients.loc[
        (patients.eau_start >= 0) & (patients.eau_start < end) & patients.eau_end.notna(), ["eau_start", "eau_end", "decision_to_admit"]
    ]
    kpi("eau_los_mean_hours", (eau.eau_end - eau.eau_start).mean() if len(eau) else math.nan, "hours", "mean stay in the EAU")
    kpi("eau_conversion", _share(eau.decision_to_admit.notna()), "share", "EAU patients admitted")
    kpi("admissions_per_day", ((patients.bed_start >= 0) & (patients.bed_start < end)).sum() / days, "patients/day", "patients taking an acute bed")
    avoided = (patients.avoidance_start >= 0) & (patients.avoidance_start < end)
    kpi("admissions_avoided_per_day", avoided.sum() / days, "patients/day", "would-be admissions diverted to admission avoidance")
    kpi("avoidance_places_mean", pool_means["avoidance_places_capacity"], "places", "admission avoidance places open")

    results_days = census[~census.warmup]
    occupancy = results_days.occupancy
    kpi("occupancy_mean", occupancy.mean(), "ratio", "acute beds occupied / base beds, at the daily census (over 100% with escalation beds)")
    kpi("occupancy_p90", _percentile(occupancy, 90), "ratio", "90th percentile of daily census occupancy")
    kpi("days_over_92", _share(occupancy > 0.92), "share", "days with census occupancy above 92%")
    kpi("days_over_95", _share(occupancy > 0.95), "share", "days with census occupancy above 95%")
    beds_occupied = pool_means["short_stay_beds_in_use"] + pool_means["general_beds_in_use"]
    kpi("acute_beds_occupied_mean", beds_occupied, "beds", "time-weighted mean acute beds occupied")
    beds_open = pool_means["short_stay_beds_capacity"] + pool_means["general_beds_capacity"]
    kpi("acute_beds_open_mean", beds_open, "beds", "time-weighted mean acute beds open, escalation beds included")
    kpi("waiting_for_bed_mean", results_days.waiting_for_bed.mean(), "patients", "patients waiting for a bed at the census")
    kpi("stranded_mean", results_days.stranded.mean(), "patients", "patients in an acute bed 7+ days, at the census")
    kpi("super_stranded_mean", results_days.super_stranded.mean(), "patients", "patients in an acute bed 21+ days, at the census")
    for level in (1, 2, 3, 4):
        kpi(f"opel_{level}_days", (results_days.opel == level).sum(), "days", f"days at OPEL {level}")

    left_acute = patients.loc[
        (patients.acute_discharge >= 0) & (patients.acute_discharge < end), ["acute_discharge", "bed_start", "pathway"]
    ]
    los_days = (left_acute.acute_discharge - left_acute.bed_start) / HOURS_PER_DAY
    kpi("los_mean_days", los_days.mean() if len(los_days) else math.nan, "days", "mean acute length of stay, of discharges")
    kpi("los_p90_days", _percentile(los_days, 90), "days", "90th percentile acute length of stay")
    kpi("los_over_7_days", _share(los_days >= 7), "share", "discharges whose stay was 7 days or more")
    kpi("los_over_21_days", _share(los_days >= 21), "share", "discharges whose stay was 21 days or more")

    in_acute = patients.loc[patients.medically_fit.notna(), ["medically_fit", "acute_discharge"]]
    delayed_hours = _overlap_hours(in_acute.medically_fit, in_acute.acute_discharge.fillna(end), 0.0, end)
    kpi("delayed_bed_days", delayed_hours / HOURS_PER_DAY, "bed days", "acute bed days of medically fit patients")
    kpi("delayed_bed_days_per_day", delayed_hours / HOURS_PER_DAY / days, "bed days/day", "delayed acute bed days per day")
    kpi("delayed_bed_days_share", delayed_hours / max(beds_occupied * end, 1e-9), "share", "delayed share of occupied acute bed days")
    adults = scenario.population.adults
    dtoc = results_days.dtoc.mean()
    kpi("dtoc_patients_mean", dtoc, "patients", "delayed transfers of care at the census: medically fit in acute or step-down beds, waiting for a service")
    kpi("dtoc_bed_days_per_year", dtoc * 365.0, "bed days/year", "delayed transfer bed days a year, as NHS England counts them (one a patient a midnight)")
    kpi(
        "dtoc_per_day_per_100k_adults",
        dtoc / adults * 100_000 if adults else math.nan,
        "bed days/day",
        "delayed transfer days a day per 100,000 adults (18+), as NHS England publishes DTOC",
    )
    for reason in DTOC_REASONS:
        kpi(f"{dtoc_column(reason)}_mean", results_days[dtoc_column(reason)].mean(), "patients", f"delayed transfers, {reason}")
    kpi("delayed_patients_mean", results_days.medically_fit.mean(), "patients", "medically fit patients in acute beds, at the census")
    for reason in DELAY_REASONS:
        column = reason_column(reason)
        kpi(f"{column}_mean", results_days[column].mean(), "patients", f"medically fit in acute beds, {reason}")
    for reason in DELAY_REASONS:
        waits = delays[(delays.reason == reason) & (delays.end >= 0) & (delays.end < end)]
        length = (waits.end - waits.start) / HOURS_PER_DAY
        slug = reason_column(reason).removeprefix("delayed_")
        kpi(f"wait_{slug}_mean_days", length.mean() if len(length) else math.nan, "days", f"mean wait, {reason}")
        kpi(f"wait_{slug}_p90_days", _percentile(length, 90), "days", f"90th percentile wait, {reason}")

    kpi("weekend_discharge_share", _share(_weekday(scenario, left_acute.acute_discharge) >= 5), "share", "acute discharges on Saturday or Sunday")
    for pathway in (0, 1, 2, 3):
        kpi(f"pathway_{pathway}_share", _share(left_acute.pathway == pathway), "share", f"acute discharges on pathway {pathway}")
    readmitted = ((patients.readmission) & (patients.arrival >= 0)).sum()
    kpi("readmission_rate", readmitted / max(len(left_acute), 1), "share", "readmissions over acute discharges")
    gave_up = (patients.destination == OTHER_ARRANGEMENTS) & (patients.left >= 0) & (patients.left < end)
    kpi("other_arrangements_per_week", gave_up.sum() * 7.0 / days, "patients/week", "people who left a waiting list (HART, home care, step-down) for other arrangements")
    care_home = ((patients.care_home_start >= 0) & (patients.care_home_start < end)).sum()
    kpi("care_home_admissions_per_year", care_home * 365.0 / days, "patients/year", "new care home placements")
    older = scenario.population.aged_65_plus
    kpi(
        "care_home_admissions_per_100k_65_plus",
        care_home * 365.0 / days / older * 100_000 if older else math.nan,
        "patients/year",
        "new care home placements a year per 100,000 aged 65+ (the ASCOF 2A measure's scale)",
    )

    if scenario.population.older_groups:
        older_people = patients.loc[patients.group.isin(scenario.population.older_groups), list(OLDER_PEOPLE_COLUMNS)]
        rows.extend(_older_people_kpis(scenario, older_people))

    for name, label in (("reablement_hours", "HART"), ("home_care_hours", "home care")):
        if f"{name}_in_use" in pool_means:
            delivered = pool_means[f"{name}_in_use"] * WEEKS_PER_MONTH
            capacity = pool_means[f"{name}_capacity"] * WEEKS_PER_MONTH
            kpi(f"{name}_per_month", delivered, "hours/month", f"{label} care hours in use a month")
            kpi(f"{name}_capacity_per_month", capacity, "hours/month", f"{label} care hours available a month")
            kpi(f"{name}_utilisation", delivered / capacity if capacity else math.nan, "share", f"{label} hours in use / capacity")
            kpi(f"{name}_waiting_mean", pool_means[f"{name}_waiting"], "patients", f"people waiting for {label}")
    if "step_down_beds_in_use" in pool_means:
        kpi("step_down_beds_mean", pool_means["step_down_beds_capacity"], "beds", "step-down beds open")
        kpi("step_down_occupied_mean", pool_means["step_down_beds_in_use"], "beds", "step-down beds occupied")
        kpi("step_down_waiting_mean", pool_means["step_down_beds_waiting"], "patients", "people waiting for a step-down bed")
        step_delay = delays[delays.place == "step_down"]
        kpi(
            "step_down_delayed_bed_days",
            _overlap_hours(step_delay.start, step_delay.end, 0.0, end) / HOURS_PER_DAY,
            "bed days",
            "step-down bed days of people waiting for their onward service",
        )
        started = patients.step_down_start
        kpi("step_down_admissions_per_day", ((started >= 0) & (started < end)).sum() / days, "patients/day", "step-down admissions")

    cost = capacity_cost_per_year(scenario, pool_means)
    if cost is not None:
        kpi("capacity_cost_per_year", cost, "GBP/year", "the priced capacity provided a year (scenario costs x capacity open)")
    table = pd.DataFrame(rows, columns=["kpi", "value", "unit", "description"]).set_index("kpi")
    return table


WEEKS_PER_YEAR = 12 * WEEKS_PER_MONTH
"""52: care hours a week make hours a year as hours a month (x 52/12) make them (x 12)."""


def capacity_cost_per_year(scenario: Scenario, pool_means: dict[str, float]) -> float | None:
    """Unit costs times the mean capacity open over the results period, a year's worth; None if unpriced."""
    costs = scenario.costs
    per_day = {
        "acute_bed_day": pool_means["short_stay_beds_capacity"] + pool_means["general_beds_capacity"],
        "step_down_bed_day": pool_means.get("step_down_beds_capacity", 0.0),
        "reablement_hour": pool_means.get("reablement_hours_capacity", 0.0) * WEEKS_PER_YEAR / 365.0,
        "home_care_hour": pool_means.get("home_care_hours_capacity", 0.0) * WEEKS_PER_YEAR / 365.0,
        "avoidance_place_day": pool_means["avoidance_places_capacity"],
    }
    priced = [(getattr(costs, name), units) for name, units in per_day.items() if getattr(costs, name) is not None]
    return sum(cost * units for cost, units in priced) * 365.0 if priced else None


OLDER_PEOPLE_COLUMNS = (
    "route", "arrival", "readmission", "eau_start", "eau_end", "bed_start", "acute_discharge", "pathway", "reablement_start",
)  # fmt: skip
"""The columns the older people's figures read."""


def _older_people_kpis(scenario: Scenario, older: pd.DataFrame) -> list[tuple[str, float, str, str]]:
    """The published older people's (65+) figures: emergency admissions counted as spells that begin
    in the EAU or an acute bed (as Hospital Episode Statistics count them), their length, and what
    follows discharge from the acute bed."""
    days, end = scenario.days, scenario.days * HOURS_PER_DAY
    spells = older[older.route != "initial"]
    begun = spell_start(spells)
    begun = begun[(begun >= 0) & (begun < end)]
    finished = spell_end(spells)
    done = spells[(finished >= 0) & (finished < end)]
    length = (spell_end(done) - spell_start(done)) / HOURS_PER_DAY
    left = older[(older.acute_discharge >= 0) & (older.acute_discharge < end)]
    returned = older[older.readmission & (older.arrival >= 0) & (older.arrival < end)]
    aged_65_plus = scenario.population.aged_65_plus
    per_year = len(begun) * 365.0 / days
    return [
        ("older_emergency_admissions_per_day", len(begun) / days, "patients/day", "older people's emergency admissions (EAU or acute bed)"),
        (
            "older_emergency_admissions_per_100k_65_plus",
            per_year / aged_65_plus * 100_000 if aged_65_plus else math.nan,
            "patients/year",
            "older people's emergency admissions a year per 100,000 aged 65+",
        ),
        ("older_los_mean_days", float(length.mean()) if len(length) else math.nan, "days", "older people's mean emergency spell, EAU and acute bed"),
        ("older_los_over_7_days", _share(length > 7.0), "share", "older people's emergency spells lasting over 7 days"),
        ("older_los_p90_days", _percentile(length, 90), "days", "90th percentile of older people's emergency spells"),
        ("older_weekend_discharge_share", _share(_weekday(scenario, left.acute_discharge) >= 5), "share", "older people's acute discharges on Saturday or Sunday"),
        ("older_readmission_rate", len(returned) / max(len(left), 1), "share", "older people's emergency readmissions within the readmission window over their acute discharges"),
        (
            "older_to_reablement_share",
            _share((left.pathway == 1) & left.reablement_start.notna()),
            "share",
            "older people's acute discharges going straight to HART reablement",
        ),
    ]
