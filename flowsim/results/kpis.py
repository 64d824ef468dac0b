"""The KPIs of one run: the values of the headline figures of its results period.

What each figure means, its unit and its bounds are declared once in
`flowsim.results.catalogue`; this module only works the values out, and the
KPI table takes each row's unit and description from there.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from flowsim.engine.vocabulary import (
    DELAY_REASONS,
    DIED_IN_HOSPITAL,
    DIED_IN_REABLEMENT,
    DIED_IN_STEP_DOWN,
    DTOC_REASONS,
    OTHER_ARRANGEMENTS,
    RED_DAY,
    dtoc_column,
    reason_column,
    slug,
)
from flowsim.results.catalogue import CARE_SERVICES, KPIS, OPEL_LEVELS, ORGANISATIONS, attributed_columns, is_kpi, measure
from flowsim.scenario import HOURS_PER_DAY, PATHWAYS, WEEKS_PER_MONTH, Scenario


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
    """When each spell ended: leaving the acute bed alive or dead, or leaving the EAU without one."""
    out_of_bed = patients.acute_discharge.fillna(patients.death.where(patients.destination == DIED_IN_HOSPITAL))
    return out_of_bed.where(patients.bed_start.notna(), patients.eau_end)


def _share(mask: pd.Series) -> float:
    return float(mask.mean()) if len(mask) else math.nan


def _percentile(values: pd.Series | np.ndarray, q: float) -> float:
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
) -> dict[str, float]:
    """The headline figures of the results period, by name (`kpi_table` makes them the KPI table)."""
    days = scenario.days
    end = days * HOURS_PER_DAY
    values: dict[str, float] = {}

    def kpi(name: str, value: float) -> None:
        values[name] = float(value)

    # Each filter keeps only the columns it needs: a copy of all 27 for each would hold a replication's
    # table several times over while the KPIs are worked out.
    arrived = patients.loc[patients.arrival >= 0, ["route", "arrival", "ed_end", "handover"]]
    ed = arrived[arrived.route != "gp_referral"]
    kpi("ed_attendances_per_day", len(ed) / days)
    kpi("gp_referrals_per_day", (arrived.route == "gp_referral").sum() / days)
    time_in_ed = ed.ed_end.fillna(end) - ed.arrival
    kpi("four_hour_performance", _share(time_in_ed <= 4.0))
    kpi("four_hour_breaches_per_day", (time_in_ed > 4.0).sum() / days)
    ambulance = ed[ed.route == "ed_ambulance"]
    handover = ambulance.handover.fillna(end - ambulance.arrival)
    kpi("handovers_over_15_min", _share(handover > 0.25))
    kpi("handover_mean_minutes", handover.mean() * 60 if len(handover) else math.nan)

    admitted = patients.loc[
        (patients.decision_to_admit >= 0) & (patients.decision_to_admit < end), ["decision_to_admit", "bed_start", "avoidance_start"]
    ]
    bed_wait = admitted.bed_start.fillna(end) - admitted.decision_to_admit
    bed_wait = bed_wait[admitted.avoidance_start.isna()]
    kpi("trolley_waits_over_12h", (bed_wait > 12.0).sum())
    kpi("bed_wait_mean_hours", bed_wait.mean() if len(bed_wait) else math.nan)
    eau = patients.loc[
        (patients.eau_start >= 0) & (patients.eau_start < end) & patients.eau_end.notna(), ["eau_start", "eau_end", "decision_to_admit"]
    ]
    kpi("eau_los_mean_hours", (eau.eau_end - eau.eau_start).mean() if len(eau) else math.nan)
    kpi("eau_conversion", _share(eau.decision_to_admit.notna()))
    kpi("admissions_per_day", ((patients.bed_start >= 0) & (patients.bed_start < end)).sum() / days)
    avoided = (patients.avoidance_start >= 0) & (patients.avoidance_start < end)
    kpi("admissions_avoided_per_day", avoided.sum() / days)
    kpi("avoidance_places_mean", pool_means["avoidance_places_capacity"])

    results_days = census[~census.warmup]
    occupancy = results_days.occupancy
    kpi("occupancy_mean", occupancy.mean())
    kpi("occupancy_p90", _percentile(occupancy, 90))
    kpi("days_over_92", _share(occupancy > 0.92))
    kpi("days_over_95", _share(occupancy > 0.95))
    beds_occupied = pool_means["short_stay_beds_in_use"] + pool_means["general_beds_in_use"]
    kpi("acute_beds_occupied_mean", beds_occupied)
    kpi("acute_beds_open_mean", pool_means["short_stay_beds_capacity"] + pool_means["general_beds_capacity"])
    kpi("waiting_for_bed_mean", results_days.waiting_for_bed.mean())
    kpi("stranded_mean", results_days.stranded.mean())
    kpi("super_stranded_mean", results_days.super_stranded.mean())
    for level in OPEL_LEVELS:
        kpi(f"opel_{level}_days", (results_days.opel == level).sum())

    left_acute = patients.loc[
        (patients.acute_discharge >= 0) & (patients.acute_discharge < end), ["acute_discharge", "bed_start", "pathway"]
    ]
    los_days = (left_acute.acute_discharge - left_acute.bed_start) / HOURS_PER_DAY
    kpi("los_mean_days", los_days.mean() if len(los_days) else math.nan)
    kpi("los_p90_days", _percentile(los_days, 90))
    kpi("los_over_7_days", _share(los_days >= 7))
    kpi("los_over_21_days", _share(los_days >= 21))
    if scenario.has_red_days():
        red = delays[delays.reason.str.startswith(RED_DAY)]
        red_hours = _overlap_hours(red.start, red.end, 0.0, end)
        kpi("red_bed_days_per_day", red_hours / HOURS_PER_DAY / days)
        kpi("red_bed_days_share", red_hours / max(beds_occupied * end, 1e-9))

    in_acute = patients.loc[patients.medically_fit.notna(), ["medically_fit", "acute_discharge"]]
    delayed_hours = _overlap_hours(in_acute.medically_fit, in_acute.acute_discharge.fillna(end), 0.0, end)
    kpi("delayed_bed_days", delayed_hours / HOURS_PER_DAY)
    kpi("delayed_bed_days_per_day", delayed_hours / HOURS_PER_DAY / days)
    kpi("delayed_bed_days_share", delayed_hours / max(beds_occupied * end, 1e-9))
    adults = scenario.population.adults
    dtoc = results_days.dtoc.mean()
    kpi("dtoc_patients_mean", dtoc)
    kpi("dtoc_bed_days_per_year", dtoc * 365.0)
    kpi("dtoc_per_day_per_100k_adults", dtoc / adults * 100_000 if adults else math.nan)
    for reason in DTOC_REASONS:
        kpi(f"{dtoc_column(reason)}_mean", results_days[dtoc_column(reason)].mean())
    for organisation in ORGANISATIONS:
        theirs = attributed_columns(scenario, organisation)
        delayed = sum(results_days[column].to_numpy() for column in theirs).mean() if theirs and len(results_days) else 0.0
        kpi(f"dtoc_{organisation}_mean", delayed)
        kpi(f"dtoc_{organisation}_per_day_per_100k_adults", delayed / adults * 100_000 if adults else math.nan)
    kpi("delayed_patients_mean", results_days.medically_fit.mean())
    for reason in DELAY_REASONS:
        kpi(f"{reason_column(reason)}_mean", results_days[reason_column(reason)].mean())
    ended = delays.loc[(delays.end >= 0) & (delays.end < end), ["reason", "start", "end"]]
    waited = ((ended.end - ended.start) / HOURS_PER_DAY).to_numpy()
    why, reasons = pd.factorize(ended.reason)  # a number a reason: a county's 100,000 waits, filtered once
    for reason in DELAY_REASONS:
        length = waited[why == reasons.get_loc(reason)] if reason in reasons else waited[:0]
        kpi(f"wait_{slug(reason)}_mean_days", length.mean() if len(length) else math.nan)
        kpi(f"wait_{slug(reason)}_p90_days", _percentile(length, 90))

    kpi("weekend_discharge_share", _share(_weekday(scenario, left_acute.acute_discharge) >= 5))
    for pathway in PATHWAYS:
        kpi(f"pathway_{pathway}_share", _share(left_acute.pathway == pathway))
    readmitted = ((patients.readmission) & (patients.arrival >= 0)).sum()
    kpi("readmission_rate", readmitted / max(len(left_acute), 1))
    gave_up = (patients.destination == OTHER_ARRANGEMENTS) & (patients.left >= 0) & (patients.left < end)
    kpi("other_arrangements_per_week", gave_up.sum() * 7.0 / days)
    care_home = ((patients.care_home_start >= 0) & (patients.care_home_start < end)).sum()
    kpi("care_home_admissions_per_year", care_home * 365.0 / days)
    older = scenario.population.aged_65_plus
    kpi("care_home_admissions_per_100k_65_plus", care_home * 365.0 / days / older * 100_000 if older else math.nan)

    if scenario.has_deaths():
        values.update(_death_kpis(scenario, patients))

    if scenario.population.older_groups:
        older_people = patients.loc[patients.group.isin(scenario.population.older_groups), list(OLDER_PEOPLE_COLUMNS)]
        values.update(_older_people_kpis(scenario, older_people))

    for service in CARE_SERVICES:
        name = f"{service}_hours"
        if f"{name}_in_use" in pool_means:
            delivered = pool_means[f"{name}_in_use"] * WEEKS_PER_MONTH
            capacity = pool_means[f"{name}_capacity"] * WEEKS_PER_MONTH
            kpi(f"{name}_per_month", delivered)
            kpi(f"{name}_capacity_per_month", capacity)
            kpi(f"{name}_utilisation", delivered / capacity if capacity else math.nan)
            kpi(f"{name}_waiting_mean", pool_means[f"{name}_waiting"])
    if "step_down_beds_in_use" in pool_means:
        kpi("step_down_beds_mean", pool_means["step_down_beds_capacity"])
        kpi("step_down_occupied_mean", pool_means["step_down_beds_in_use"])
        kpi("step_down_waiting_mean", pool_means["step_down_beds_waiting"])
        step_delay = delays[delays.place == "step_down"]
        kpi("step_down_delayed_bed_days", _overlap_hours(step_delay.start, step_delay.end, 0.0, end) / HOURS_PER_DAY)
        started = patients.step_down_start
        kpi("step_down_admissions_per_day", ((started >= 0) & (started < end)).sum() / days)

    cost = capacity_cost_per_year(scenario, pool_means)
    if cost is not None:
        kpi("capacity_cost_per_year", cost)
    return values


def switching_kpis(scenario: Scenario, switches: tuple[tuple[str, float], ...]) -> dict[str, float]:
    """Switches to a service with room to spare in the results period, a week, by switch; none if the
    scenario allows no switch."""
    shares = scenario.switching.shares()
    if not any(shares.values()):
        return {}
    start, end = scenario.warmup_hours, scenario.horizon_hours
    weeks = scenario.days / 7.0
    return {
        f"{name}_per_week": sum(1 for kind, at in switches if kind == name and start <= at < end) / weeks for name in shares
    }


DAYS_91 = 91 * HOURS_PER_DAY
"""The 91 days after discharge that the ASCOF reablement outcome and the deaths after discharge look at."""


def _death_kpis(scenario: Scenario, patients: pd.DataFrame) -> dict[str, float]:
    """Deaths in the results period by where they happened, in-hospital mortality, and the share of the
    period's acute discharges followed by death within 91 days."""
    days, end = scenario.days, scenario.days * HOURS_PER_DAY
    left = patients.loc[(patients.left >= 0) & (patients.left < end), "destination"]
    in_hospital = (left == DIED_IN_HOSPITAL).sum()
    discharged = patients.loc[
        (patients.acute_discharge >= 0) & (patients.acute_discharge < end), ["acute_discharge", "death"]
    ]
    within_91 = (discharged.death - discharged.acute_discharge) <= DAYS_91
    return {
        "deaths_in_hospital_per_day": in_hospital / days,
        "in_hospital_mortality": in_hospital / max(in_hospital + len(discharged), 1),
        "deaths_in_step_down_per_day": (left == DIED_IN_STEP_DOWN).sum() / days,
        "deaths_in_reablement_per_day": (left == DIED_IN_REABLEMENT).sum() / days,
        "deaths_within_91_days_share": _share(within_91),
    }


def kpi_table(values: dict[str, float]) -> pd.DataFrame:
    """KPI values as the KPI table: index `kpi`, columns value, unit and description, in the catalogue's order.

    A value the catalogue does not declare is a fault of the code, not of the scenario: it stops here."""
    undeclared = sorted(name for name in values if not is_kpi(name))
    if undeclared:
        raise KeyError(f"KPIs missing from flowsim.results.catalogue: {', '.join(undeclared)}")
    ordered = [name for name in KPIS if name in values] + [name for name in values if name not in KPIS]
    rows = [(name, values[name], measure(name).unit, measure(name).description) for name in ordered]
    return pd.DataFrame(rows, columns=["kpi", "value", "unit", "description"]).set_index("kpi")


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
    "patient_id", "episode", "route", "arrival", "readmission", "eau_start", "eau_end", "bed_start", "acute_discharge",
    "pathway", "reablement_start", "step_down_start", "care_home_start", "death", "destination",
)  # fmt: skip
"""The columns the older people's figures read."""


def _older_people_kpis(scenario: Scenario, older: pd.DataFrame) -> dict[str, float]:
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
    return {
        "older_emergency_admissions_per_day": len(begun) / days,
        "older_emergency_admissions_per_100k_65_plus": per_year / aged_65_plus * 100_000 if aged_65_plus else math.nan,
        "older_los_mean_days": float(length.mean()) if len(length) else math.nan,
        "older_los_over_7_days": _share(length > 7.0),
        "older_los_p90_days": _percentile(length, 90),
        "older_weekend_discharge_share": _share(_weekday(scenario, left.acute_discharge) >= 5),
        "older_readmission_rate": len(returned) / max(len(left), 1),
        "older_to_reablement_share": _share((left.pathway == 1) & left.reablement_start.notna()),
        **_ascof_2b(older, left, end),
    }


def _ascof_2b(older: pd.DataFrame, left: pd.DataFrame, end: float) -> dict[str, float]:
    """The national reablement measures on their published definitions, for older people's emergency
    discharges: 2B(2), of those discharged alive from an acute bed (`left`), the share discharged into
    reablement or rehabilitation (reablement at home or a step-down bed); 2B(1), of those discharged so
    at least 91 days before the run's end, the share at home 91 days after discharge, that is not dead,
    in a care home or back in hospital then (in this episode or a readmission)."""
    rehab = left[left.reablement_start.notna() | left.step_down_start.notna()]
    followed = rehab[rehab.acute_discharge + DAYS_91 <= end]
    day_91 = followed.acute_discharge + DAYS_91
    away = (followed.death <= day_91) | (followed.care_home_start <= day_91)
    later = older.loc[older.bed_start.notna(), ["patient_id", "episode", "bed_start", "care_home_start", "death"]]
    later = later.assign(out_of_bed=spell_end(older.loc[later.index]))
    pairs = followed[["patient_id", "episode"]].assign(day_91=day_91).reset_index()
    pairs = pairs.merge(later, on="patient_id", suffixes=("", "_later"))
    pairs = pairs[pairs.episode_later > pairs.episode]
    at = pairs.day_91
    in_hospital = (pairs.bed_start <= at) & ~(pairs.out_of_bed <= at)
    gone = (pairs.care_home_start <= at) | (pairs.death <= at)
    away |= followed.index.isin(pairs.loc[in_hospital | gone, "index"])
    return {
        "ascof_2b1_at_home_91_days": _share(~away),
        "ascof_2b2_offered_reablement": _share(left.index.isin(rehab.index)),
    }
