"""Every discharge pathway and every delay reason, with fixed durations: given these times, the
journey is exactly this.

Each patient walks into the ED at a given hour, is treated for 2 hours, admitted to a general
bed at once and is medically fit 3 days later (72 hours), so a patient arriving at hour 0 is fit at
hour 74. The services after that are set per test. The first tests build one service alone from
the engine's parts, where the service itself is the point.
"""

from __future__ import annotations

from typing import Any

import pytest

import flowsim
from flowsim.cli import main
from flowsim.engine.clock import Clock
from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.model.escalation import Escalation, Levers, wards_rule
from flowsim.engine.vocabulary import (
    AWAITING_ASSESSMENT,
    AWAITING_CARE_HOME,
    AWAITING_DISCHARGE_SLOT,
    AWAITING_HOME_CARE,
    AWAITING_REABLEMENT,
    AWAITING_STEP_DOWN,
    DELAY_REASONS,
    OTHER_ARRANGEMENTS,
    PATIENT_CHOICE,
)
from flowsim.scenario import CAPACITIES
from flowsim.scenario.capacity import Reablement as ReablementSection
from flowsim.scenario.capacity import Wards as WardsSection
from flowsim.services.discharge import DischargeSlots
from flowsim.services.reablement import Reablement
from flowsim.services.wards import Wards
from tests.queueing import MMC

WEEK = 7 * 24.0


def fixed(value: float) -> dict[str, Any]:
    return {"type": "fixed", "value": value}


GROUP = {
    "ed_treatment_hours": fixed(2),
    "ed_outcome": {"home": 0, "eau": 0, "ward": 1},
    "eau_assessment_hours": fixed(0),
    "eau_admit_share": 1,
    "general_los_days": fixed(3),
}
STEPS = (
    "arrival", "ed_start", "ed_end", "decision_to_admit", "bed_start", "medically_fit", "acute_discharge",
    "step_down_start", "step_down_end", "reablement_start", "reablement_end", "home_care_start", "home_care_end",
    "care_home_start", "left",
)  # fmt: skip


def system(group: dict[str, Any] | None = None, **more: Any) -> flowsim.System:
    """A county of one group with the journey of the module docstring; `more` adds or replaces sections."""
    scenario = flowsim.scenario_from_dict(
        {
            "name": "journeys",
            "start_date": "2017-01-02",  # a Monday
            "days": 60,
            "groups": {"older": GROUP | (group or {})},
            "arrivals": {"ed_walk_in": {"daily": 0, "groups": {"older": 1}}},
            "ed": {"cubicles": 5},
            "eau": {"places": 1},
            "wards": {"general_beds": 5},
        }
        | more
    )
    return flowsim.System(scenario)


def walk_in(county: flowsim.System, *hours: float) -> None:
    """Patients 1, 2, ... walk into the ED at these hours."""

    def arrive(at: float, patient_id: int) -> Any:
        yield county.env.timeout(at)
        county.arrive(Patient(patient_id, 1, "older", "ed_walk_in", county.env.now))

    for patient_id, at in enumerate(hours, start=1):
        county.env.process(arrive(at, patient_id))


def journey(patient: Patient) -> list[tuple[str, float]]:
    """The steps the patient took, in order, with their hours (steps not taken are left out)."""
    steps = [(step, getattr(patient, step)) for step in STEPS]
    return [(step, at) for step, at in steps if at == at]


def delays(result: flowsim.RunResult) -> list[list[Any]]:
    return result.delays[["patient_id", "place", "reason", "start", "end"]].values.tolist()


def run(county: flowsim.System, *hours: float) -> tuple[flowsim.RunResult, list[Patient]]:
    walk_in(county, *hours)
    result = county.run()
    return result, list(county.register.patients)


# One service at a time --------------------------------------------------------------------------


def test_a_ward_with_its_escalation_rule_opens_escalation_beds_at_the_review_hour() -> None:
    """Three would-be admissions for two beds: at the 08:00 review the pressure is 3/2, OPEL 4, and
    three escalation beds open for the one waiting."""
    env = Environment()
    register = Register(env)
    section = WardsSection(general_beds=2, escalation={"beds": 3, "open_at_opel": 3}, opel_hour=8)
    scenario = flowsim.scenario_from_dict(_minimal())
    wards = Wards(env, Clock(scenario.start_date, 10), Streams(0, 0), register, section, scenario.groups, 240.0)
    plan = Escalation(env, (wards_rule(wards),), {"opel": lambda: wards.opel}, Levers(wards), 8, 1, 0.0)
    interval, first, review = plan.timetable
    env.every(interval, first, 240.0, review)
    log: list[tuple[str, float]] = []

    def admitted(patient: Patient) -> Any:
        yield from wards.stay(patient, lambda patient: log.append((f"bed {patient.patient_id}", env.now)))
        log.append((f"fit {patient.patient_id}", env.now))

    for patient_id in (1, 2, 3):
        patient = Patient(patient_id, 1, "older", "ed_walk_in", 0.0)
        register.add(patient)
        register.move(patient, "ed")
        env.process(admitted(patient))
    env.run(until=7.5)
    assert (wards.opel, wards.general.capacity, wards.waiting_for_bed()) == (1, 2, 1), "nothing declared before 08:00"
    env.run(until=240)
    assert (wards.opel, wards.bed_pressure) == (4, 1.5), "3 medically fit patients still in 2 base beds"
    assert log == [("bed 1", 0), ("bed 2", 0), ("bed 3", 8), ("fit 1", 72), ("fit 2", 72), ("fit 3", 80)]


def _minimal() -> dict[str, Any]:
    return {
        "name": "one group",
        "start_date": "2017-01-02",
        "groups": {"older": GROUP},
        "arrivals": {"ed_walk_in": {"daily": 0, "groups": {"older": 1}}},
        "ed": {"cubicles": 1},
        "eau": {"places": 1},
        "wards": {"general_beds": 1},
    }


def test_reablement_alone_tapers_its_hours_week_by_week_to_the_final_share() -> None:
    env = Environment()
    register = Register(env)
    section = ReablementSection(
        hours_per_month=1000, hours_per_week=fixed(10), duration_days=fixed(21), final_share=0.5
    )
    reablement = Reablement(env, Streams(0, 0), register, section, 1000.0)
    patient = Patient(1, 1, "older", "initial", 0.0)
    register.add(patient)
    in_use: list[tuple[float, float]] = []

    def episode() -> Any:
        hours = yield from reablement.secure(patient, "acute")
        held = yield from reablement.episode(patient, hours)
        in_use.append((env.now, reablement.hours.in_use))
        reablement.hours.release(held)
        in_use.append((env.now, reablement.hours.in_use))

    def watch() -> Any:
        for at in (1, WEEK + 1, 2 * WEEK + 1):
            yield env.timeout(at - env.now)
            in_use.append((env.now, reablement.hours.in_use))

    env.process(episode())
    env.process(watch())
    env.run()
    assert in_use == [(1, 10), (WEEK + 1, 7.5), (2 * WEEK + 1, 5.0), (3 * WEEK, 5.0), (3 * WEEK, 0.0)]
    assert (patient.reablement_start, patient.reablement_end) == (0, 3 * WEEK)


def test_discharge_slots_alone_open_at_their_hours_with_a_weekday_share() -> None:
    env = Environment()
    clock = Clock(flowsim.scenario_from_dict(_minimal()).start_date, 14)  # Monday 2 January 2017
    slots = DischargeSlots(env, clock, (8, 20), 2, (1, 1, 1, 1, 1, 0.5, 0))
    slots.start()
    granted: list[float] = []

    def leave(at: float) -> Any:
        yield env.timeout(at)
        slot = slots.request()
        if slot is not None:
            yield slot
        granted.append(env.now)

    for at in (0, 1, 2, 9, 9, 9, 5 * 24 + 9, 5 * 24 + 9):  # three at night, three at 09:00, two on Saturday
        env.process(leave(at))
    env.run(until=14 * 24)
    # Two a weekday in order of asking; Saturday's one slot (2 x 0.5) at once, the other on Monday.
    assert granted == [8, 8, 32, 32, 56, 56, 5 * 24 + 9, 7 * 24 + 8]


# Every pathway and every delay reason -------------------------------------------------------------


def test_pathway_0_home_at_the_next_discharge_slot() -> None:
    result, (patient,) = run(system(discharge={"hours": [8, 20]}), 0)
    assert journey(patient) == [("arrival", 0), ("ed_start", 0), ("ed_end", 2), ("decision_to_admit", 2),
                                ("bed_start", 2), ("medically_fit", 74), ("acute_discharge", 80), ("left", 80)]
    assert delays(result) == [[1, "acute", AWAITING_DISCHARGE_SLOT, 74, 80]]
    assert (patient.pathway, patient.destination) == (0, "home")


def test_with_an_hourly_profile_a_patient_leaves_at_the_drawn_hour_of_their_discharge_day() -> None:
    """Everyone leaves at 14:00: fit at 02:00, the slot at 08:00, out at 14:00; fit at 21:00 after the
    slots close, the next day's slot at 08:00, out at 14:00 that day. The wait for the slot and then
    for the hour is one wait, one row."""
    at_two = [0.0] * 14 + [1.0] + [0.0] * 9
    result, (early, late) = run(system(discharge={"hours": [8, 20], "hourly_profile": at_two}), 0, 19)
    assert journey(early) == [("arrival", 0), ("ed_start", 0), ("ed_end", 2), ("decision_to_admit", 2),
                              ("bed_start", 2), ("medically_fit", 74), ("acute_discharge", 86), ("left", 86)]  # fmt: skip
    assert (late.medically_fit, late.acute_discharge) == (93, 96 + 14)
    assert delays(result) == [
        [1, "acute", AWAITING_DISCHARGE_SLOT, 74, 86],
        [2, "acute", AWAITING_DISCHARGE_SLOT, 93, 110],
    ]


def test_the_leaving_hour_is_drawn_among_the_hours_not_yet_past_else_from_the_next_day() -> None:
    """Weights at 10:00 and 16:00 only. Fit at 15:00 (slots always open): 10:00 has passed, so 16:00
    today. Fit at 21:00: nothing is left today, so 10:00 or 16:00 tomorrow, whichever is drawn."""
    ten_or_four = [0.0] * 10 + [1.0] + [0.0] * 5 + [1.0] + [0.0] * 7
    result, (afternoon, evening) = run(system(discharge={"hourly_profile": ten_or_four}), 13, 19)
    assert (afternoon.medically_fit, afternoon.acute_discharge) == (87, 88)
    assert evening.medically_fit == 93 and evening.acute_discharge in (96 + 10, 96 + 16)
    assert delays(result)[0] == [1, "acute", AWAITING_DISCHARGE_SLOT, 87, 88]


REABLEMENT = {"hours_per_month": 10 * 52 / 12, "hours_per_week": fixed(10), "duration_days": fixed(14)}
HOME_CARE = {"hours_per_month": 10 * 52 / 12, "hours_per_week": fixed(10), "duration_days": fixed(30)}


def test_pathway_1_waits_for_assessment_then_for_reablement_hours_held_by_the_patient_before() -> None:
    county = system(
        {"pathway": {"p0": 0, "p1": 1}},
        discharge={"assessment_days": fixed(1)},
        reablement=REABLEMENT,
        home_care=HOME_CARE,
    )
    result, (first, second) = run(county, 0, 1)
    assert journey(first) == [("arrival", 0), ("ed_start", 0), ("ed_end", 2), ("decision_to_admit", 2), ("bed_start", 2),
                              ("medically_fit", 74), ("acute_discharge", 98), ("reablement_start", 98),
                              ("reablement_end", 98 + 336), ("left", 98 + 336)]  # fmt: skip
    assert (second.acute_discharge, second.reablement_start, second.left) == (434, 434, 434 + 336)
    assert delays(result) == [
        [1, "acute", AWAITING_ASSESSMENT, 74, 98],
        [2, "acute", AWAITING_ASSESSMENT, 75, 99],
        [2, "acute", AWAITING_REABLEMENT, 99, 434],
    ]
    assert first.destination == second.destination == "home after reablement"


def test_pathway_1_straight_to_home_care_waits_in_the_bed_for_a_package() -> None:
    county = system(
        {"pathway": {"p0": 0, "p1": 1}}, reablement=REABLEMENT | {"direct_to_home_care_share": 1}, home_care=HOME_CARE
    )
    result, (first, second) = run(county, 0, 1)
    assert journey(first) == [("arrival", 0), ("ed_start", 0), ("ed_end", 2), ("decision_to_admit", 2), ("bed_start", 2),
                              ("medically_fit", 74), ("acute_discharge", 74), ("home_care_start", 74),
                              ("home_care_end", 74 + 720), ("left", 74 + 720)]  # fmt: skip
    assert (second.acute_discharge, second.home_care_start) == (794, 794)
    assert delays(result) == [[2, "acute", AWAITING_HOME_CARE, 75, 794]]
    assert first.destination == "home care package ended"


def test_after_reablement_a_package_is_waited_for_at_home_holding_the_reablement_hours() -> None:
    county = system(
        {"pathway": {"p0": 0, "p1": 1}},
        reablement=REABLEMENT | {"hours_per_month": 20 * 52 / 12, "package_share_after": 1},
        home_care=HOME_CARE,
        days=120,
    )
    result, (first, second) = run(county, 0, 1)
    # 1: reablement 74-410, package 410-1130. 2: reablement 75-411, then waits (at home, in reablement)
    # for the one package until 1130.
    assert journey(first)[-5:] == [("reablement_start", 74), ("reablement_end", 410), ("home_care_start", 410),
                                   ("home_care_end", 1130), ("left", 1130)]  # fmt: skip
    assert (second.reablement_end, second.home_care_start) == (411, 1130)
    assert delays(result) == [[2, "reablement", AWAITING_HOME_CARE, 411, 1130]]


def test_pathway_2_step_down_then_home_with_support_waited_for_in_the_step_down_bed() -> None:
    county = system(
        {"pathway": {"p0": 0, "p2": 1}},
        step_down={"beds": 1, "los_days": fixed(10), "onward": {"home": 0, "home_with_support": 1}},
        reablement=REABLEMENT,
        home_care=HOME_CARE,
        days=90,
    )
    result, (first, second) = run(county, 0, 1)
    assert journey(first) == [("arrival", 0), ("ed_start", 0), ("ed_end", 2), ("decision_to_admit", 2), ("bed_start", 2),
                              ("medically_fit", 74), ("acute_discharge", 74), ("step_down_start", 74),
                              ("step_down_end", 314), ("reablement_start", 314), ("reablement_end", 650), ("left", 650)]  # fmt: skip
    # 2 waits in the acute bed for the step-down bed until 314, rehabilitates to 554, then waits in it
    # for the reablement hours the first holds until 650.
    assert (second.acute_discharge, second.step_down_end, second.reablement_start) == (314, 650, 650)
    assert delays(result) == [
        [2, "acute", AWAITING_STEP_DOWN, 75, 314],
        [2, "step_down", AWAITING_REABLEMENT, 554, 650],
    ]


def test_pathway_3_care_home_after_the_search_with_a_patient_choice_wait_first() -> None:
    county = system(
        {"pathway": {"p0": 0, "p3": 1}, "choice_share": 1},
        discharge={"choice_days": fixed(2)},
        care_home={"wait_days": fixed(5)},
    )
    result, (patient,) = run(county, 0)
    assert journey(patient) == [("arrival", 0), ("ed_start", 0), ("ed_end", 2), ("decision_to_admit", 2), ("bed_start", 2),
                                ("medically_fit", 74), ("acute_discharge", 74 + 48 + 120),
                                ("care_home_start", 242), ("left", 242)]  # fmt: skip
    assert delays(result) == [[1, "acute", PATIENT_CHOICE, 74, 122], [1, "acute", AWAITING_CARE_HOME, 122, 242]]
    assert patient.destination == "care home"


def test_a_wait_for_a_step_down_bed_ends_in_other_arrangements_after_the_patience_given() -> None:
    county = system(
        {"pathway": {"p0": 0, "p2": 1}},
        step_down={"beds": 1, "los_days": fixed(10), "alternative_after_days": fixed(4)},
    )
    result, (first, second) = run(county, 0, 1)
    assert (second.acute_discharge, second.left, second.destination) == (75 + 96, 75 + 96, OTHER_ARRANGEMENTS)
    assert delays(result) == [[2, "acute", AWAITING_STEP_DOWN, 75, 171]]
    assert first.destination == "home from step-down"


def test_every_delay_reason_is_met_by_a_journey_test_above() -> None:
    met = {AWAITING_ASSESSMENT, PATIENT_CHOICE, AWAITING_REABLEMENT, AWAITING_HOME_CARE, AWAITING_STEP_DOWN,
           AWAITING_CARE_HOME, AWAITING_DISCHARGE_SLOT}  # fmt: skip
    assert met == set(DELAY_REASONS)


# The model's own rules ---------------------------------------------------------------------------------


def test_escalation_beds_open_at_the_wards_hour_whatever_the_census_hour() -> None:
    county = system(
        {"general_los_days": fixed(10)},
        wards={"general_beds": 2, "escalation": {"beds": 2, "open_at_opel": 3}, "opel_hour": 8},
        census_hour=20,
    )
    walk_in(county, 0, 0, 0)  # all admitted at 02:00; the third waits for a bed
    county.run()
    census = county.census.table()
    assert census.general_beds_open.iloc[0] == 4, "open by the 20:00 census of day 0, from 08:00"
    assert (county.register.patients[2].bed_start, county.register.patients[2].decision_to_admit) == (8, 2)


@pytest.mark.parametrize("name", ["wards", "reablement"])
def test_a_service_can_be_passed_in_in_place_of_the_models_own(name: str) -> None:
    made: list[str] = []

    def build(parts: Any) -> Any:
        made.append(name)
        section = getattr(parts.scenario, name)
        if name == "wards":
            return Wards(parts.env, parts.clock, parts.streams, parts.register, section, parts.scenario.groups, parts.horizon)
        return Reablement(parts.env, parts.streams, parts.register, section, parts.horizon)

    scenario = flowsim.load_scenario("scenarios/examples/small_county.yaml", {"days": 5, "warmup_days": 0})
    county = flowsim.System(scenario, services={name: build})
    assert made == [name] and county.run().kpi("admissions_per_day") > 0
    with pytest.raises(ValueError, match="no such service to replace: ward$"):
        flowsim.System(scenario, services={"ward": build})


def test_every_capacity_a_scenario_can_change_is_in_one_services_table() -> None:
    scenario = flowsim.load_scenario(
        "scenarios/examples/small_county.yaml",
        {
            "care_home.vacancies_per_week": 5,
            "discharge.discharges_per_weekday": 40,
            "discharge.supported_discharges_per_weekday": 20,
            "days": 5,
            "warmup_days": 0,
        },
    )
    county = flowsim.System(scenario)
    names = [name for service in county.services() for name in service.capacities()]
    assert sorted(names) == sorted(CAPACITIES), "each capacity has exactly one service that changes it"


@pytest.mark.parametrize("capacity", ["step_down_beds", "reablement_hours_per_month", "care_home_vacancies_per_week"])
def test_a_capacity_change_for_a_service_the_scenario_lacks_is_refused_before_anything_runs(
    tmp_path: Any, capsys: Any, capacity: str
) -> None:
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"extends: {MMC}\ncapacity_changes: [{{date: 2017-02-01, capacity: {capacity}, value: 3}}]\n")
    out = tmp_path / "out"
    assert main(["run", str(variant), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"capacity_changes.0.capacity: {capacity} needs" in err and "variant.yaml" in err
    assert not out.exists()
