"""The catalogue of measures: every figure flowsim reports, declared once, as data.

A planner reading a number needs to know what it counts, in what unit, what
values it can take and whether more of it is good news. Each `Measure` says
exactly that: its name, its unit, a plain-words description, its bounds (a
share lies between 0 and 1; counts, times and money are never negative) and
whether higher or lower is better. The command line (`flowsim kpis`), the
printed tables, the report and validation all read it, so a label, a unit or
the way a number is printed is decided here and nowhere else.

Two lists are kept:

- `KPIS`: the headline figures of one replication's results period (the KPI
  table of `flowsim run`), in the order the table lists them;
- `DAILY`: the daily census and flows that experiments average day by day
  (the `bands.csv` measures, and what validation reads over chosen months).

Families of measures (one per delay reason, per discharge pathway, per OPEL
level, per care service) are generated from the model's own words, so a new
delay reason gets its measures without anyone typing them out. Some measures
exist only when the scenario has the service they describe (`needs`):
`produced_by(scenario)` lists the ones a scenario's runs produce.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from flowsim.engine.vocabulary import DELAY_REASONS, DTOC_REASONS, dtoc_column, reason_column, slug
from flowsim.results.pressure import queue_label
from flowsim.scenario import PATHWAYS, Scenario
from flowsim.scenario.escalation import rule_slug

Better = Literal["higher", "lower", "neither"]
"""Which way a measure should move for the county to be better off ("neither": it describes, it does not judge)."""

Needs = Literal["reablement", "home_care", "step_down", "older_groups", "costs", "red_days", "deaths", "switching"]
"""What a scenario must have for a measure to exist: a care service, older people's groups, a priced capacity,
internal waits that make red days, death rates, or switches allowed."""

SHARE = "share"
"""Part of a whole: between 0 and 1, printed as a percentage."""
RATIO = "ratio"
"""One count over another that is not its whole (occupancy over base beds): 0 or more, printed as a percentage."""
PERCENT_UNITS = (SHARE, RATIO)
"""Units printed as percentages."""
CARE_HOURS = "care hours/month"
"""The unit planners use for reablement and home care: care hours delivered (or available) in a month."""

ORGANISATIONS = {"nhs": "the NHS", "social_care": "social care", "both": "both NHS and social care"}
"""Who a delayed transfer is attributed to, as NHS England's monthly return counts it."""


def attributed_columns(scenario: Scenario, organisation: str) -> list[str]:
    """The daily delayed-transfer columns (one per reason) the scenario's `delay_attribution` gives `organisation`."""
    attribution = scenario.delay_attribution.model_dump()
    return [dtoc_column(reason) for reason in DTOC_REASONS if attribution[slug(reason)] == organisation]

OPEL_LEVELS = (1, 2, 3, 4)
"""Operational Pressure Escalation Levels, 1 (steady) to 4 (extreme pressure)."""

CARE_SERVICES = {"reablement": "reablement (HART)", "home_care": "home care"}
"""The care services measured in care hours: name -> the words a planner uses."""


@dataclass(frozen=True)
class Measure:
    """One reported figure: what it is, in which unit, what values it can take and which way is better."""

    name: str
    unit: str
    description: str
    better: Better = "neither"
    lower: float | None = 0.0
    upper: float | None = None
    needs: Needs | None = None

    def within_bounds(self, value: float) -> bool:
        """Whether `value` can be this measure; NaN (nothing to measure, such as a mean of no waits) can."""
        if math.isnan(value):
            return True
        return (self.lower is None or value >= self.lower) and (self.upper is None or value <= self.upper)

    @property
    def bounds(self) -> str:
        """The bounds in words, e.g. '0 to 1' or '0 or more'."""
        if self.lower is None and self.upper is None:
            return "any"
        if self.upper is None:
            return f"{self.lower:g} or more"
        if self.lower is None:
            return f"{self.upper:g} or less"
        return f"{self.lower:g} to {self.upper:g}"


def _share(name: str, description: str, better: Better = "neither", needs: Needs | None = None) -> Measure:
    return Measure(name, SHARE, description, better, 0.0, 1.0, needs)


def _measure(name: str, unit: str, description: str, better: Better = "neither", needs: Needs | None = None) -> Measure:
    return Measure(name, unit, description, better, 0.0, None, needs)


# The KPIs of a replication ---------------------------------------------------------

def _front_door() -> Iterator[Measure]:
    yield _measure("ed_attendances_per_day", "patients/day", "ED attendances (walk-in and ambulance)")
    yield _measure("gp_referrals_per_day", "patients/day", "GP referrals to the EAU")
    yield _share("four_hour_performance", "ED attendances leaving the ED within 4 hours", "higher")
    yield _measure("four_hour_breaches_per_day", "patients/day", "ED attendances in the ED over 4 hours", "lower")
    yield _share("handovers_over_15_min", "ambulance handovers taking over 15 minutes", "lower")
    yield _measure("handover_mean_minutes", "minutes", "mean handover time", "lower")
    yield _measure("trolley_waits_over_12h", "patients", "waits of over 12 hours from decision to admit to a bed", "lower")
    yield _measure("bed_wait_mean_hours", "hours", "mean wait from decision to admit to a bed", "lower")
    yield _measure("eau_los_mean_hours", "hours", "mean stay in the EAU", "lower")
    yield _share("eau_conversion", "EAU patients admitted")
    yield _measure("admissions_per_day", "patients/day", "patients taking an acute bed")
    yield _measure("admissions_avoided_per_day", "patients/day", "would-be admissions diverted to admission avoidance")
    yield _measure("avoidance_places_mean", "places", "admission avoidance places open")


def _acute_beds() -> Iterator[Measure]:
    yield Measure(
        "occupancy_mean", RATIO,
        "acute beds occupied / base beds, at the daily census (over 100% with escalation beds)", "lower",
    )  # fmt: skip
    yield Measure("occupancy_p90", RATIO, "90th percentile of daily census occupancy", "lower")
    yield _share("days_over_92", "days with census occupancy above 92%", "lower")
    yield _share("days_over_95", "days with census occupancy above 95%", "lower")
    yield _measure("acute_beds_occupied_mean", "beds", "time-weighted mean acute beds occupied")
    yield _measure("acute_beds_open_mean", "beds", "time-weighted mean acute beds open, escalation beds included")
    yield _measure("waiting_for_bed_mean", "patients", "patients waiting for a bed at the census", "lower")
    yield _measure("stranded_mean", "patients", "patients in an acute bed 7+ days, at the census", "lower")
    yield _measure("super_stranded_mean", "patients", "patients in an acute bed 21+ days, at the census", "lower")
    for level in OPEL_LEVELS:
        better: Better = "higher" if level == 1 else "lower" if level >= 3 else "neither"
        yield _measure(f"opel_{level}_days", "days", f"days at OPEL {level}", better)
    yield _measure("los_mean_days", "days", "mean acute length of stay, of discharges", "lower")
    yield _measure("los_p90_days", "days", "90th percentile acute length of stay", "lower")
    yield _share("los_over_7_days", "discharges whose stay was 7 days or more", "lower")
    yield _share("los_over_21_days", "discharges whose stay was 21 days or more", "lower")
    yield _measure(
        "red_bed_days_per_day", "bed days/day",
        "acute bed days a day spent on red days: internal waits inside the clinical stay (not delayed transfers)",
        "lower", "red_days",
    )  # fmt: skip
    yield _share("red_bed_days_share", "red days' share of occupied acute bed days", "lower", "red_days")


def _delays() -> Iterator[Measure]:
    yield _measure("delayed_bed_days", "bed days", "acute bed days of medically fit patients", "lower")
    yield _measure("delayed_bed_days_per_day", "bed days/day", "delayed acute bed days per day", "lower")
    yield _share("delayed_bed_days_share", "delayed share of occupied acute bed days", "lower")
    yield _measure(
        "dtoc_patients_mean", "patients",
        "delayed transfers of care at the census: medically fit in acute or step-down beds, waiting for a service", "lower",
    )  # fmt: skip
    yield _measure(
        "dtoc_bed_days_per_year", "bed days/year",
        "delayed transfer bed days a year, as NHS England counts them (one a patient a midnight)", "lower",
    )  # fmt: skip
    yield _measure(
        "dtoc_per_day_per_100k_adults", "bed days/day",
        "delayed transfer days a day per 100,000 adults (18+), as NHS England publishes DTOC", "lower",
    )  # fmt: skip
    for reason in DTOC_REASONS:
        yield _measure(f"{dtoc_column(reason)}_mean", "patients", f"delayed transfers, {reason}", "lower")
    for organisation, words in ORGANISATIONS.items():
        yield _measure(
            f"dtoc_{organisation}_mean", "patients",
            f"delayed transfers of care at the census attributed to {words} (scenario's delay_attribution)", "lower",
        )  # fmt: skip
        yield _measure(
            f"dtoc_{organisation}_per_day_per_100k_adults", "bed days/day",
            f"delayed transfer bed days a day per 100,000 adults attributed to {words}", "lower",
        )  # fmt: skip
    yield _measure("delayed_patients_mean", "patients", "medically fit patients in acute beds, at the census", "lower")
    for reason in DELAY_REASONS:
        yield _measure(f"{reason_column(reason)}_mean", "patients", f"medically fit in acute beds, {reason}", "lower")
    for reason in DELAY_REASONS:
        yield _measure(f"wait_{slug(reason)}_mean_days", "days", f"mean wait, {reason}", "lower")
        yield _measure(f"wait_{slug(reason)}_p90_days", "days", f"90th percentile wait, {reason}", "lower")


def _discharges() -> Iterator[Measure]:
    yield _share("weekend_discharge_share", "acute discharges on Saturday or Sunday", "higher")
    for pathway in PATHWAYS:
        yield _share(f"pathway_{pathway}_share", f"acute discharges on pathway {pathway}")
    yield Measure(
        "readmission_rate", RATIO,
        "readmissions over acute discharges (readmissions can follow discharges before the results period)", "lower",
    )  # fmt: skip
    yield _measure(
        "other_arrangements_per_week", "patients/week",
        "people who left a waiting list (reablement, home care, step-down) for other arrangements", "lower",
    )  # fmt: skip
    yield _measure("care_home_admissions_per_year", "patients/year", "new care home placements", "lower")
    yield _measure(
        "care_home_admissions_per_100k_65_plus", "patients/year",
        "new care home placements a year per 100,000 aged 65+ (the ASCOF 2A measure's scale)", "lower",
    )  # fmt: skip
    yield _measure(
        "bridging_per_week", "patients/week",
        "people who went home from a bed on spare reablement hours until their home care package started", needs="switching",
    )  # fmt: skip
    yield _measure(
        "discharge_to_assess_per_week", "patients/week",
        "people who went home with spare reablement hours instead of waiting for a step-down bed", needs="switching",
    )  # fmt: skip
    yield _measure(
        "step_down_for_reablement_per_week", "patients/week",
        "people who took a spare step-down bed instead of waiting for reablement", needs="switching",
    )  # fmt: skip
    yield _measure("deaths_in_hospital_per_day", "patients/day", "deaths in an acute bed", needs="deaths")
    yield _share(
        "in_hospital_mortality", "acute spells ending in death: deaths in an acute bed over them and acute discharges",
        needs="deaths",
    )  # fmt: skip
    yield _measure("deaths_in_step_down_per_day", "patients/day", "deaths in a step-down bed", needs="deaths")
    yield _measure("deaths_in_reablement_per_day", "patients/day", "deaths during a reablement episode", needs="deaths")
    yield _share(
        "deaths_within_91_days_share",
        "acute discharges of the results period followed by death within 91 days (in a service or at home)",
        needs="deaths",
    )  # fmt: skip


def _older_people() -> Iterator[Measure]:
    older: Needs = "older_groups"
    yield _measure(
        "older_emergency_admissions_per_day", "patients/day", "older people's emergency admissions (EAU or acute bed)", needs=older
    )
    yield _measure(
        "older_emergency_admissions_per_100k_65_plus", "patients/year",
        "older people's emergency admissions a year per 100,000 aged 65+", needs=older,
    )  # fmt: skip
    yield _measure("older_los_mean_days", "days", "older people's mean emergency spell, EAU and acute bed", "lower", older)
    yield _share("older_los_over_7_days", "older people's emergency spells lasting over 7 days", "lower", older)
    yield _measure("older_los_p90_days", "days", "90th percentile of older people's emergency spells", "lower", older)
    yield _share("older_weekend_discharge_share", "older people's acute discharges on Saturday or Sunday", "higher", older)
    yield Measure(
        "older_readmission_rate", RATIO,
        "older people's emergency readmissions within the readmission window over their acute discharges", "lower", needs=older,
    )  # fmt: skip
    yield _share(
        "older_to_reablement_share", "older people's acute discharges going straight to reablement (HART)", "higher", older
    )
    yield _share(
        "ascof_2b1_at_home_91_days",
        "ASCOF 2B(1): of older people discharged from an acute bed into reablement or a step-down bed at least 91 days "
        "before the run's end, the share at home 91 days after discharge (not dead, in a care home or in hospital)",
        "higher", older,
    )  # fmt: skip
    yield _share(
        "ascof_2b2_offered_reablement",
        "ASCOF 2B(2) on emergency discharges: of older people discharged alive from an acute bed, the share discharged "
        "into reablement or a step-down bed (the published denominator also counts elective and zero-length stays)",
        "higher", older,
    )  # fmt: skip


def _community() -> Iterator[Measure]:
    for service, words in CARE_SERVICES.items():
        needs: Needs = service  # type: ignore[assignment]  # the care services are scenario sections
        yield _measure(f"{service}_hours_per_month", CARE_HOURS, f"{words} care hours in use a month", needs=needs)
        yield _measure(f"{service}_hours_capacity_per_month", CARE_HOURS, f"{words} care hours available a month", needs=needs)
        yield _share(f"{service}_hours_utilisation", f"{words} hours in use / capacity", needs=needs)
        yield _measure(f"{service}_hours_waiting_mean", "patients", f"people waiting for {words}", "lower", needs)
    step_down: Needs = "step_down"
    yield _measure("step_down_beds_mean", "beds", "step-down beds open", needs=step_down)
    yield _measure("step_down_occupied_mean", "beds", "step-down beds occupied", needs=step_down)
    yield _measure("step_down_waiting_mean", "patients", "people waiting for a step-down bed", "lower", step_down)
    yield _measure(
        "step_down_delayed_bed_days", "bed days", "step-down bed days of people waiting for their onward service", "lower", step_down
    )
    yield _measure("step_down_admissions_per_day", "patients/day", "step-down admissions", needs=step_down)
    yield _measure(
        "capacity_cost_per_year", "GBP/year",
        "the priced capacity provided a year (scenario costs x capacity open)", "lower", "costs",
    )  # fmt: skip


def _pressure() -> Iterator[Measure]:
    yield _measure("bed_wait_p95_hours", "hours", "95th percentile wait from decision to admit to a bed", "lower")
    yield _measure(
        "ed_stays_over_12h", "patients",
        "ED attendances in the department over 12 hours from arrival (NHS England's 12 hours from arrival)", "lower",
    )  # fmt: skip
    yield _measure(
        "crews_released_per_day", "crews/day",
        "ambulance crews released at the longest handover (ed.max_handover_hours), their patient not yet in a cubicle", "lower",
    )  # fmt: skip
    yield _measure("boarders_mean", "patients", "patients waiting for a bed, hour by hour", "lower")
    yield Measure("boarders_peak_hour", "hour", "hour of the day with the most patients waiting for a bed, on average", upper=23)
    yield _measure("boarders_at_peak_hour_mean", "patients", "mean patients waiting for a bed at that hour", "lower")
    yield _measure("escalation_bed_days", "bed days", "escalation bed days opened by escalation rules", "lower")
    yield _measure(
        "extra_acute_bed_days", "bed days", "general bed days found by escalation rules (planned work deferred, outliers)", "lower"
    )
    yield _measure("extra_discharge_slots", "discharges", "discharge slots added by escalation rules")
    yield _measure(
        "same_day_discharges", "patients", "patients who left at once instead of waiting for a discharge slot, by escalation rules"
    )
    yield _measure(
        "admissions_avoided_under_pressure", "patients", "would-be admissions offered admission avoidance by escalation rules"
    )
    yield _measure("ambulances_diverted", "patients", "ambulance arrivals diverted to other hospitals by escalation rules", "lower")
    for service, words, unit in (
        ("reablement", "reablement hours", "hours"),
        ("home_care", "home care hours", "hours"),
        ("step_down", "step-down bed days", "bed days"),
    ):
        amount = "hours" if unit == "hours" else "bed_days"
        yield _measure(f"spot_{service}_{amount}", unit, f"{words} bought at short notice by escalation rules", "lower")
    yield _measure(
        "spot_purchase_cost", "GBP", "what escalation rules bought at short notice, at the spot prices (none where unpriced)", "lower"
    )


RUNAWAY_QUEUES: dict[str, Needs | None] = {
    "ed_queue": None,
    "eau_queue": None,
    "waiting_for_bed": None,
    "medically_fit": None,
    "reablement_waiting_list": "reablement",
    "home_care_waiting_list": "home_care",
    "step_down_waiting_list": "step_down",
}
"""The queues the runaway watch reads (`flowsim.model.runaway`), with the service each needs."""


def _runaway() -> Iterator[Measure]:
    yield Measure("runaway", "flag", "1 if a queue grew without bound: the run's figures are not a steady state", "lower", 0, 1)
    yield Measure("runaway_day", "days", "day of the results period (negative: the warm-up) the runaway queue was found", lower=None)
    for queue, needs in RUNAWAY_QUEUES.items():
        yield Measure(f"runaway_{queue}", "flag", f"1 if the {queue_label(queue)} ran away", "lower", 0, 1, needs)


KPIS: dict[str, Measure] = {
    m.name: m
    for part in (_front_door, _acute_beds, _delays, _discharges, _older_people, _community, _pressure, _runaway)
    for m in part()
}
"""Every KPI of a replication, in the order of the KPI table."""


# The daily measures ----------------------------------------------------------------

def _daily() -> Iterator[Measure]:
    yield Measure("opel", "level", "the OPEL level declared that day", lower=OPEL_LEVELS[0], upper=OPEL_LEVELS[-1])
    yield _measure("bed_pressure", RATIO, "the bed pressure the day's OPEL level was declared from")
    yield _measure("acute_occupied", "beds", "acute beds occupied at the census", "lower")
    yield _measure("acute_base_beds", "beds", "acute base beds (escalation beds not counted)")
    yield Measure("occupancy", RATIO, "acute beds occupied / base beds at the census", "lower")
    yield _measure("short_stay_occupied", "beds", "short-stay ward beds occupied at the census")
    yield _measure("general_occupied", "beds", "general ward beds occupied at the census")
    yield _measure("general_beds_open", "beds", "general ward beds open, escalation beds included")
    yield _measure("waiting_for_bed", "patients", "patients waiting for an acute bed at the census", "lower")
    yield _measure("boarding_ed", "patients", "patients admitted but still in the ED at the census", "lower")
    yield _measure("boarding_eau", "patients", "patients admitted but still in the EAU at the census", "lower")
    yield _measure("in_ed", "patients", "patients in the ED at the census, in a cubicle or a boarding space")
    yield _measure("waiting_for_cubicle", "patients", "patients waiting for an ED cubicle at the census", "lower")
    yield _measure("in_eau", "patients", "patients in the EAU at the census")
    yield _measure("in_admission_avoidance", "patients", "patients in admission avoidance at the census")
    yield _measure("stranded", "patients", "patients in an acute bed 7+ days at the census", "lower")
    yield _measure("super_stranded", "patients", "patients in an acute bed 21+ days at the census", "lower")
    yield _measure("medically_fit", "patients", "medically fit patients in acute beds at the census", "lower")
    for reason in DELAY_REASONS:
        yield _measure(reason_column(reason), "patients", f"medically fit in acute beds at the census, {reason}", "lower")
    for service, words in CARE_SERVICES.items():
        needs: Needs = service  # type: ignore[assignment]
        yield _measure(f"{service}_hours_in_use", CARE_HOURS, f"{words} care hours a month in use at the census", needs=needs)
        yield _measure(f"{service}_hours_capacity", CARE_HOURS, f"{words} care hours a month available", needs=needs)
        yield _measure(f"{service}_hours_queued", CARE_HOURS, f"{words} care hours a month asked for by people waiting", "lower", needs)
        yield _measure(f"{service}_waiting", "patients", f"people waiting for {words} at the census", "lower", needs)
    yield _measure("step_down_occupied", "beds", "step-down beds occupied at the census", needs="step_down")
    yield _measure("step_down_beds", "beds", "step-down beds open", needs="step_down")
    yield _measure("step_down_waiting", "patients", "people waiting for a step-down bed at the census", "lower", "step_down")
    yield _measure("step_down_delayed", "patients", "people in step-down beds waiting for their onward service", "lower", "step_down")
    yield _measure("dtoc", "patients", "delayed transfers of care at the census (acute and step-down beds)", "lower")
    for reason in DTOC_REASONS:
        yield _measure(dtoc_column(reason), "patients", f"delayed transfers at the census, {reason}", "lower")
    yield _measure("care_home_waiting", "patients", "delayed transfers at the census awaiting a care home", "lower")
    yield _measure("ed_attendances", "patients", "ED attendances that day")
    yield _measure("ed_within_4h", "patients", "ED attendances that day leaving the ED within 4 hours", "higher")
    yield _measure("ambulance_arrivals", "patients", "ambulance arrivals that day")
    yield _measure("handovers_over_15_min", "patients", "ambulance handovers that day taking over 15 minutes", "lower")
    yield _measure("emergency_admissions", "patients", "emergency admissions (spells begun in the EAU or an acute bed) that day")
    yield _measure("admissions", "patients", "patients taking an acute bed that day")
    yield _measure("trolley_waits_over_12h", "patients", "decisions to admit that day followed by a 12-hour wait for a bed", "lower")
    yield _measure("acute_discharges", "patients", "acute discharges that day")
    yield _measure("care_home_admissions", "patients", "new care home placements that day", "lower")
    yield _share("four_hour_performance_7d", "ED attendances of the 7 days to that date leaving within 4 hours", "higher")
    yield _measure("trolley_waits_over_12h_7d", "patients", "12-hour trolley waits in the 7 days to that date", "lower")
    yield _share("opel_3_or_4", "1 on a day at OPEL 3 or 4, else 0 (its mean: the share of such days)", "lower")
    yield _share("opel_4", "1 on a day at OPEL 4, else 0 (its mean: the share of such days)", "lower")


DAILY: dict[str, Measure] = {m.name: m for m in _daily()}
"""Every daily measure of the census and flows, in the order of the daily table."""


# Questions asked of the catalogue --------------------------------------------------

RENAMED = {
    old: new
    for catalogue in (KPIS, DAILY)
    for new in catalogue
    if new.startswith("reablement_hours")
    for old in [new.replace("reablement_hours", "hart_hours", 1)]
}
"""Old measure names that still work, with the name that replaced them (HART is now reablement)."""


def current_name(name: str) -> str:
    """The measure's name today: an old name (`hart_hours_per_month`) gives its new one."""
    return RENAMED.get(name, name)


def _has(scenario: Scenario, needs: Needs | None) -> bool:
    if needs is None:
        return True
    if needs == "older_groups":
        return bool(scenario.population.older_groups)
    if needs == "switching":
        return any(scenario.switching.shares().values())
    if needs == "deaths":
        return scenario.has_deaths()
    if needs == "red_days":
        return scenario.has_red_days()
    if needs == "costs":
        return any(value is not None for value in scenario.costs.model_dump().values())
    return getattr(scenario, needs) is not None


RULE_MEASURE = re.compile(r"rule_(?P<rule>\w+?)_(?P<what>days_active|starts)")
"""Each escalation rule's own KPIs: `rule_<rule's name>_days_active` and `rule_<rule's name>_starts`."""


def _rule_measure(rule: str, what: str) -> Measure:
    words = rule.replace("_", " ")
    if what == "days_active":
        return Measure(f"rule_{rule}_days_active", "days", f"days the escalation rule '{words}' was active")
    return Measure(f"rule_{rule}_starts", "times", f"times the escalation rule '{words}' started")


def measure(name: str) -> Measure:
    """The KPI called `name` (an old name gives its new one; an escalation rule's own are made for it)."""
    name = current_name(name)
    if name in KPIS:
        return KPIS[name]
    match = RULE_MEASURE.fullmatch(name)
    if match is None:
        raise KeyError(f"{name} is not a KPI (flowsim kpis lists them)")
    return _rule_measure(match["rule"], match["what"])


def is_kpi(name: str) -> bool:
    return current_name(name) in KPIS or RULE_MEASURE.fullmatch(name) is not None


def produced_by(scenario: Scenario, catalogue: dict[str, Measure] = KPIS) -> dict[str, Measure]:
    """The measures of `catalogue` that a run of `scenario` produces (those whose service it has), and
    for the KPIs, each escalation rule's own (the wards' escalation beds, then the scenario's rules)."""
    produced = {name: m for name, m in catalogue.items() if _has(scenario, m.needs)}
    if catalogue is KPIS:
        for rule in ("escalation_beds", *(rule_slug(r.name) for r in scenario.escalation_rules)):
            for what in ("days_active", "starts"):
                produced[f"rule_{rule}_{what}"] = _rule_measure(rule, what)
    return produced


def unknown_kpis(names: list[str]) -> list[str]:
    """Those of `names` that are not KPIs (old names that still work are known)."""
    return [name for name in names if not is_kpi(name)]
