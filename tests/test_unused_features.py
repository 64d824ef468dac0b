"""A county without a feature skips it, and skipping gives exactly the run that asking would have.

The journey asks the discharge whether anyone can be readmitted or die after
leaving (`follows_up`) and whether anyone waits for a slot or a leaving hour
(`limits_leaving`), and admission avoidance whether anyone can be offered a
place now (`offers`), before calling the methods that would draw nothing and
answer no. Each run here is compared with one told to call them every time.
"""

from pathlib import Path

import pandas as pd
import pytest

import flowsim
from flowsim.model.system import System

ROOT = Path(__file__).parents[1]
SMALL_COUNTY = ROOT / "scenarios" / "examples" / "small_county.yaml"
WITHOUT_FOLLOW_UP_OR_OFFERS = {
    "demand_multiplier": 1.2,
    **{f"groups.{group}.{share}": 0 for group in ("adult", "older") for share in ("readmission_share", "avoidance_share")},
}
"""The small county with no readmissions and no admission avoidance offered but by its escalation rule, while
the rule is active (a fifth more demand starts it for a few days), and with its discharge slots."""


def _tables(system: System) -> list[pd.DataFrame]:
    result = system.run()
    return [result.patients, result.delays, result.census, result.kpis]


def _asking_every_time(scenario: flowsim.Scenario) -> System:
    system = System(scenario, seed=5)
    system.discharge.follows_up = system.discharge.limits_leaving = True
    avoidance = system.admission_avoidance
    avoidance._offered_by_group = avoidance.offers = True  # so that set_extra_share keeps it True
    return system


@pytest.mark.parametrize(
    ("path", "overrides", "skipped"),
    [
        (ROOT / "scenarios" / "validation" / "mmc.yaml", {}, {"follows_up", "limits_leaving", "offers"}),
        (SMALL_COUNTY, WITHOUT_FOLLOW_UP_OR_OFFERS, {"follows_up", "offers"}),
        (SMALL_COUNTY, {}, set()),
    ],
    ids=["mmc", "small_county_without_follow_up_or_offers", "small_county"],
)
def test_skipping_what_a_county_lacks_changes_no_table(path: Path, overrides: dict, skipped: set[str]) -> None:
    scenario = flowsim.load_scenario(path, {"days": 60, "warmup_days": 10, **overrides})
    skipping = System(scenario, seed=5)
    flags = {
        "follows_up": skipping.discharge.follows_up,
        "limits_leaving": skipping.discharge.limits_leaving,
        "offers": skipping.admission_avoidance.offers,
    }
    assert {name for name, on in flags.items() if not on} == skipped
    for skipped_table, asked_table in zip(_tables(skipping), _tables(_asking_every_time(scenario)), strict=True):
        pd.testing.assert_frame_equal(skipped_table, asked_table)


def test_an_escalation_rule_offering_admission_avoidance_is_heard_where_no_group_is_offered_it() -> None:
    scenario = flowsim.load_scenario(SMALL_COUNTY, {"days": 60, "warmup_days": 10, **WITHOUT_FOLLOW_UP_OR_OFFERS})
    result = System(scenario, seed=5).run()
    assert result.kpi("rule_full_capacity_protocol_days_active") > 0
    assert result.patients.avoidance_start.notna().sum() > 0
