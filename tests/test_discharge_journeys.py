"""Red days, deaths, bridging and switching, with fixed durations: given these times, the journey is
exactly this (the county of `tests.test_pathway_journeys`: a patient walking in at hour 0 on Monday
2 January 2017 is in a general bed at hour 2 and, with no red days, medically fit at hour 74)."""

from __future__ import annotations

from typing import Any

from flowsim.engine.vocabulary import (
    AWAITING_DISCHARGE_SLOT,
    AWAITING_HOME_CARE,
    AWAITING_STEP_DOWN,
    DIED_IN_HOSPITAL,
    DIED_IN_REABLEMENT,
    DIED_IN_STEP_DOWN,
    DTOC_REASONS,
    red_day_reason,
    slug,
)
from flowsim.scenario.study import DelayAttribution
from tests.test_pathway_journeys import HOME_CARE, REABLEMENT, delays, fixed, journey, run, system

WEEKDAYS = (True, True, True, True, True, False, False)


def red_days(**cut: Any) -> dict[str, Any]:
    """A day waiting for a scan, then a day waiting for a senior review that happens on weekdays only."""
    return {
        "group": {
            "red_days": {
                "diagnostics": {"share": 1, "days": fixed(1)},
                "senior_review": {"share": 1, "days": fixed(1), "working_days": WEEKDAYS},
            }
        },
        "wards": {"general_beds": 5, "red_to_green": cut},
    }


def test_red_days_follow_the_active_stay_and_a_weekend_without_senior_review_runs_on_to_monday() -> None:
    """Active stay to Thursday 02:00 (74), the scan to Friday 02:00 (98), the review due Saturday 02:00
    but not done until Monday 02:00 (170): then medically fit. Red days are not delayed transfers."""
    result, (patient,) = run(system(**red_days()), 0)
    assert journey(patient)[4:7] == [("bed_start", 2), ("medically_fit", 170), ("acute_discharge", 170)]
    assert delays(result) == [
        [1, "acute", red_day_reason("diagnostics"), 74, 98],
        [1, "acute", red_day_reason("senior_review"), 98, 170],
    ]
    assert result.kpis.value["red_bed_days_per_day"] == 4 / 60


def test_seven_day_senior_review_ends_the_wait_on_saturday() -> None:
    _, (patient,) = run(system(**red_days(seven_day=["senior_review"])), 0)
    assert patient.medically_fit == 122


def test_a_red2green_programme_cuts_each_wait_by_its_share() -> None:
    """Half of each red day goes: the scan takes 12 hours (to 86), the review would end on Friday
    14:00 (110) and takes half of that, 12 hours (to 98)."""
    result, (patient,) = run(system(**red_days(cut=0.5)), 0)
    assert patient.medically_fit == 98
    assert delays(result) == [
        [1, "acute", red_day_reason("diagnostics"), 74, 86],
        [1, "acute", red_day_reason("senior_review"), 86, 98],
    ]


def test_without_red_days_the_stay_is_the_active_stay() -> None:
    result, (patient,) = run(system(discharge={"hours": [8, 20]}), 0)
    assert patient.medically_fit == 74
    assert delays(result) == [[1, "acute", AWAITING_DISCHARGE_SLOT, 74, 80]]
    assert "red_bed_days_per_day" not in result.kpis.index


# Deaths -----------------------------------------------------------------------------------------


def test_a_death_in_hospital_on_the_drawn_day_frees_the_bed_for_the_next_patient() -> None:
    """One bed. 1 dies on day 2 of the stay (hour 50), never medically fit; 2, waiting in the ED since
    hour 3, takes the bed at 50 and dies at 98."""
    county = system(
        {"deaths": {"in_hospital": 1, "in_hospital_days": fixed(2)}}, wards={"general_beds": 1}
    )
    result, (first, second) = run(county, 0, 1)
    assert journey(first) == [("arrival", 0), ("ed_start", 0), ("ed_end", 2), ("decision_to_admit", 2),
                              ("bed_start", 2), ("left", 50)]  # fmt: skip
    assert (first.death, first.destination, first.place) == (50, DIED_IN_HOSPITAL, "died")
    assert (second.bed_start, second.death) == (50, 98)
    assert county.register.exits["died"] == 2 and county.wards.occupied() == 0
    assert result.kpis.value["in_hospital_mortality"] == 1.0


def test_a_death_in_a_step_down_bed_at_the_end_of_the_stay_frees_it_for_the_next() -> None:
    county = system(
        {"pathway": {"p0": 0, "p2": 1}},
        step_down={"beds": 1, "los_days": fixed(10), "death_share": 1},
        days=90,
    )
    result, (first, second) = run(county, 0, 1)
    assert journey(first)[-4:] == [("acute_discharge", 74), ("step_down_start", 74), ("step_down_end", 314),
                                   ("left", 314)]  # fmt: skip
    assert (first.death, first.destination) == (314, DIED_IN_STEP_DOWN)
    assert (second.step_down_start, second.death) == (314, 554)
    assert delays(result) == [[2, "acute", AWAITING_STEP_DOWN, 75, 314]]


def test_a_death_during_reablement_gives_its_hours_back_at_the_end_of_the_episode() -> None:
    county = system({"pathway": {"p0": 0, "p1": 1}}, reablement=REABLEMENT | {"death_share": 1}, home_care=HOME_CARE)
    _, (first, second) = run(county, 0, 1)
    assert journey(first)[-3:] == [("reablement_start", 74), ("reablement_end", 410), ("left", 410)]
    assert (first.death, first.destination) == (410, DIED_IN_REABLEMENT)
    assert (second.reablement_start, second.death) == (410, 746)


def test_a_death_after_discharge_comes_before_a_readmission_or_not_at_all() -> None:
    """Death half a day after leaving the bed, readmission some time in 30 days (this seed: later):
    the death is recorded and the readmission never happens. Death 91 days after: the readmission
    comes first, and the death is left to the next episode's own chances."""
    soon = {"after_discharge": 1, "after_discharge_days": fixed(0.5)}
    county = system({"deaths": soon, "readmission_share": 1}, readmission_days=30)
    _, patients = run(county, 0)
    assert [(p.episode, p.left, p.death, p.destination) for p in patients] == [(1, 74, 74 + 12, "home")]
    later = {"after_discharge": 1, "after_discharge_days": fixed(91)}
    county = system({"deaths": later, "readmission_share": 1}, readmission_days=30, days=40)
    _, patients = run(county, 0)
    assert len(patients) > 1 and patients[0].death != patients[0].death  # NaN: readmitted first


# Switches to a service with room to spare ---------------------------------------------------------

STEP_DOWN = {"beds": 1, "los_days": fixed(10)}


def test_bridging_takes_the_second_patient_home_on_spare_reablement_until_the_package_starts() -> None:
    """One package for two. 1 takes it at 74 (to 794). 2, fit at 75, would wait in the bed; reablement
    has its 10 hours spare, so 2 goes home on them at 75 and waits there, its request keeping its
    place, until 1's package ends at 794: then reablement's hours are free again and 2's package runs."""
    county = system(
        {"pathway": {"p0": 0, "p1": 1}},
        reablement=REABLEMENT | {"direct_to_home_care_share": 1},
        home_care=HOME_CARE,
        switching={"bridging_share": 1},
        days=70,
    )
    result, (first, second) = run(county, 0, 1)
    assert (first.acute_discharge, first.home_care_start) == (74, 74)
    assert journey(second)[-6:] == [("acute_discharge", 75), ("reablement_start", 75), ("reablement_end", 794),
                                    ("home_care_start", 794), ("home_care_end", 1514), ("left", 1514)]  # fmt: skip
    assert delays(result) == [[2, "reablement", AWAITING_HOME_CARE, 75, 794]]
    assert result.kpis.value["bridging_per_week"] == 1 / 10
    assert county.reablement.hours.in_use == 0


def test_discharge_to_assess_takes_the_second_patient_home_with_reablement_instead_of_waiting_for_the_bed() -> None:
    county = system(
        {"pathway": {"p0": 0, "p2": 1}},
        step_down=STEP_DOWN,
        reablement=REABLEMENT,
        home_care=HOME_CARE,
        switching={"discharge_to_assess_share": 1},
    )
    result, (first, second) = run(county, 0, 1)
    assert (first.step_down_start, first.left, first.destination) == (74, 314, "home from step-down")
    assert journey(second)[-4:] == [("acute_discharge", 75), ("reablement_start", 75), ("reablement_end", 411),
                                    ("left", 411)]  # fmt: skip
    assert delays(result) == [] and second.destination == "home after reablement"
    assert result.kpis.value["discharge_to_assess_per_week"] == 7 / 60


def test_a_free_step_down_bed_takes_the_second_patient_when_reablement_is_full() -> None:
    county = system(
        {"pathway": {"p0": 0, "p1": 1}},
        step_down=STEP_DOWN,
        reablement=REABLEMENT,
        home_care=HOME_CARE,
        switching={"step_down_for_reablement_share": 1},
    )
    result, (first, second) = run(county, 0, 1)
    assert (first.reablement_start, first.left) == (74, 410)
    assert journey(second)[-4:] == [("acute_discharge", 75), ("step_down_start", 75), ("step_down_end", 315),
                                    ("left", 315)]  # fmt: skip
    assert delays(result) == [] and result.kpis.value["step_down_for_reablement_per_week"] == 7 / 60


def test_a_switch_waits_for_the_other_service_to_have_room_and_whichever_comes_first_wins() -> None:
    """Three for one package, one reablement episode's hours: 1 takes the package (74-794), 2 bridges
    at 75 on the reablement hours; 3, fit at 76, waits in the bed, for the package or for spare
    reablement hours, whichever is first: at 794 the package goes to 2, whose reablement hours come
    back; those are now spare, and 3 goes home on them to wait for the next package, at 1514."""
    county = system(
        {"pathway": {"p0": 0, "p1": 1}},
        reablement=REABLEMENT | {"direct_to_home_care_share": 1},
        home_care=HOME_CARE,
        switching={"bridging_share": 1},
        days=100,
    )
    result, (_, second, third) = run(county, 0, 1, 2)
    assert (second.reablement_start, second.home_care_start) == (75, 794)
    assert (third.acute_discharge, third.reablement_start, third.home_care_start) == (794, 794, 1514)
    assert delays(result) == [
        [2, "reablement", AWAITING_HOME_CARE, 75, 794],
        [3, "acute", AWAITING_HOME_CARE, 76, 794],
        [3, "reablement", AWAITING_HOME_CARE, 794, 1514],
    ]


# The national measures ------------------------------------------------------------------------------


def test_ascof_2b_counts_discharges_into_reablement_and_who_is_at_home_91_days_later() -> None:
    """Two older patients to reablement, one to a care home: 2B(2) = 2/3. The one who dies 10 days after
    leaving hospital is not at home on day 91, the other is: 2B(1) = 1/2."""
    county = system(
        {"pathway": {"p0": 0, "p1": 1}},
        reablement=REABLEMENT | {"hours_per_month": 20 * 52 / 12},
        home_care=HOME_CARE,
        population={"older_groups": ["older"]},
        days=120,
    )
    discharge = county.discharge  # the third goes to a care home, the second dies 10 days after leaving
    pathway, after = discharge.pathway, discharge.death_after
    discharge.pathway = lambda patient: 3 if patient.patient_id == 3 else pathway(patient)  # type: ignore[method-assign]
    discharge.death_after = lambda patient: 240.0 if patient.patient_id == 2 else after(patient)  # type: ignore[method-assign]
    discharge.follows_up = True  # a death the scenario itself does not draw
    result, (first, second, third) = run(county, 0, 1, 2)
    assert (first.reablement_start, second.reablement_start, third.care_home_start) == (74, 75, 76)
    assert second.death == 75 + 240
    assert result.kpis.value["ascof_2b2_offered_reablement"] == 2 / 3
    assert result.kpis.value["ascof_2b1_at_home_91_days"] == 1 / 2


def test_every_delayed_transfer_reason_is_attributed_to_an_organisation() -> None:
    assert set(DelayAttribution.model_fields) == {slug(reason) for reason in DTOC_REASONS}
