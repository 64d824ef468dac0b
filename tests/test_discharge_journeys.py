"""Red days, deaths, bridging and switching, with fixed durations: given these times, the journey is
exactly this (the county of `tests.test_pathway_journeys`: a patient walking in at hour 0 on Monday
2 January 2017 is in a general bed at hour 2 and, with no red days, medically fit at hour 74)."""

from __future__ import annotations

from typing import Any

from flowsim.engine.vocabulary import AWAITING_DISCHARGE_SLOT, red_day_reason
from tests.test_pathway_journeys import delays, fixed, journey, run, system

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
