"""Pathway logic with fixed durations: each patient's journey is exactly this."""

from pathlib import Path

import flowsim
from flowsim.engine.patient import Patient

ROOT = Path(__file__).parents[1]


def _system(**more: object) -> flowsim.System:
    fixed = lambda v: {"type": "fixed", "value": v}  # noqa: E731
    scenario = flowsim.scenario_from_dict(
        {
            "name": "journeys",
            "start_date": "2017-01-02",
            "days": 30,
            "groups": {
                "older": {
                    "ed_treatment_hours": fixed(2),
                    "ed_outcome": {"home": 0, "eau": 0, "ward": 1},
                    "eau_assessment_hours": fixed(0),
                    "eau_admit_share": 1,
                    "general_los_days": fixed(3),
                    "pathway": {"p0": 0, "p2": 1},
                }
            },
            "arrivals": {"ed_walk_in": {"daily": 0, "groups": {"older": 1}}},
            "ed": {"cubicles": 5},
            "eau": {"places": 1},
            "wards": {"general_beds": 5},
            "step_down": {"beds": 1, "los_days": fixed(10)},
        }
        | more
    )
    return flowsim.System(scenario)


def _walk_in(system: flowsim.System, *hours: float) -> None:
    """Patients 1, 2, ... of the group "older" walk into the ED at these hours."""

    def arrive(at: float, patient_id: int):
        yield system.env.timeout(at)
        system.arrive(Patient(patient_id, 1, "older", "ed_walk_in", system.env.now))

    for patient_id, at in enumerate(hours, start=1):
        system.env.process(arrive(at, patient_id))


def _journey(p: Patient) -> list[tuple[str, float]]:
    steps = ("arrival", "ed_start", "decision_to_admit", "bed_start", "medically_fit", "acute_discharge",
             "step_down_start", "step_down_end", "left")
    return [(s, getattr(p, s)) for s in steps]


def test_second_patient_waits_in_an_acute_bed_for_the_one_step_down_bed() -> None:
    system = _system()

    _walk_in(system, 0, 1)
    result = system.run()
    first, second = system.register.patients
    assert _journey(first) == [("arrival", 0), ("ed_start", 0), ("decision_to_admit", 2), ("bed_start", 2),
                               ("medically_fit", 74), ("acute_discharge", 74), ("step_down_start", 74),
                               ("step_down_end", 314), ("left", 314)]
    assert _journey(second) == [("arrival", 1), ("ed_start", 1), ("decision_to_admit", 3), ("bed_start", 3),
                                ("medically_fit", 75), ("acute_discharge", 314), ("step_down_start", 314),
                                ("step_down_end", 554), ("left", 554)]
    assert result.delays.values.tolist() == [[2, 1, "acute", "awaiting step-down bed", 75, 314]]
    assert first.destination == second.destination == "home from step-down"
    assert result.kpi("delayed_bed_days") == (314 - 75) / 24


def test_every_readmission_is_admitted_to_a_bed_again() -> None:
    scenario = flowsim.load_scenario(
        ROOT / "scenarios/examples/small_county.yaml", {"days": 150, "warmup_days": 0}
    )
    patients = flowsim.simulate(scenario, seed=4).patients
    returned = patients[patients.readmission & (patients.arrival < (scenario.days - 20) * 24)]
    assert len(returned) > 50
    assert returned.decision_to_admit.notna().all(), "a readmission is an emergency admission"
    first_time = patients[~patients.readmission & (patients.route != "initial")]
    assert first_time.decision_to_admit.isna().any(), "others may go home from the ED or EAU"


def test_from_step_down_straight_to_a_package_waits_in_the_bed_for_one_without_reablement() -> None:
    fixed = lambda v: {"type": "fixed", "value": v}  # noqa: E731
    system = _system(
        step_down={"beds": 1, "los_days": fixed(10), "onward": {"home": 0, "home_care": 1}},
        reablement={"hours_per_month": 100, "hours_per_week": fixed(5), "duration_days": fixed(7)},
        home_care={"hours_per_month": 52 / 12 * 10, "hours_per_week": fixed(10), "duration_days": fixed(5)},
    )

    _walk_in(system, 0, 0.5)
    result = system.run()
    first, second = system.register.patients
    # 1: bed 2-74, step-down 74-314, package 314-434. 2: waits for the step-down bed until 314,
    # rehab to 554, then for the one package (10 of 10 hours) until the first's ends at 434: at once.
    assert (first.step_down_end, first.home_care_start, first.home_care_end) == (314, 314, 434)
    assert (second.step_down_start, second.step_down_end, second.home_care_start) == (314, 554, 554)
    assert first.reablement_start != first.reablement_start, "no reablement on this route"
    assert first.destination == second.destination == "home care package ended"
    assert result.delays.reason.tolist() == ["awaiting step-down bed"]


def test_a_winter_admission_stays_longer_by_its_months_multiplier() -> None:
    system = _system(start_date="2017-01-30", groups={"older": {
        "ed_treatment_hours": {"type": "fixed", "value": 2}, "ed_outcome": {"home": 0, "eau": 0, "ward": 1},
        "eau_assessment_hours": {"type": "fixed", "value": 0}, "eau_admit_share": 1,
        "general_los_days": {"type": "fixed", "value": 3}, "los_month_of_year": [1.5] + [1.0] * 11,
    }})  # fmt: skip

    _walk_in(system, 0, 72)  # admitted 30 January 02:00 (3 days x 1.5) and 2 February 02:00 (3 days)
    system.run()
    january, february = system.register.patients
    assert january.medically_fit - january.bed_start == 108
    assert february.medically_fit - february.bed_start == 72
