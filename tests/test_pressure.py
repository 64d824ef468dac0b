"""A county under pressure: boarding, crew release, crowding, escalation rules and runaway queues.

The journeys use the fixed durations of tests/test_pathway_journeys.py: 2 hours of ED treatment,
admission at once, medically fit 3 days (72 hours) after taking a bed.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import flowsim
from flowsim.analysis.appraisal import appraisal
from flowsim.cli import main
from flowsim.results.experiment_results import ExperimentResults
from flowsim.statistics import summarise
from flowsim.model.escalation import RuleState
from flowsim.scenario.escalation import EscalationRule
from tests.test_pathway_journeys import fixed, run, system

ROOT_SCENARIO = Path(__file__).parents[1] / "scenarios" / "examples" / "small_county.yaml"


def test_a_boarder_waits_in_a_corridor_space_and_gives_the_cubicle_to_the_next_patient() -> None:
    county = system(ed={"cubicles": 1, "boarding_spaces": 1}, wards={"general_beds": 1})
    result, (p1, p2, p3, p4) = run(county, 0, 0.5, 1, 10)
    # 1 takes the one bed at 2. 2 is decided at 4, boards in the corridor and frees the cubicle for 3,
    # who is decided at 6 with the corridor full, so keeps the cubicle: 4 waits for it. At 74 1 leaves,
    # 2 takes the bed and 3 moves into the corridor space, so 4 starts at 74.
    assert (p1.ed_end, p1.bed_start) == (2, 2)
    assert (p2.ed_start, p2.decision_to_admit, p2.ed_end, p2.bed_start) == (2, 4, 74, 74)
    assert (p3.ed_start, p3.decision_to_admit, p3.bed_start) == (4, 6, 146)
    assert (p4.ed_start, p4.ed_end) == (74, 218)
    census = result.census
    assert (census.boarding_ed <= 1 + 1).all(), "boarders never exceed boarding spaces plus cubicles"


def test_an_ambulance_crew_is_released_at_the_longest_handover_and_the_patient_waits_in_the_ed() -> None:
    county = system(ed={"cubicles": 1, "max_handover_hours": 0.5}, wards={"general_beds": 5})
    county.arrive(flowsim.engine.patient.Patient(1, 1, "older", "ed_walk_in", 0.0))

    def ambulance() -> Any:
        yield county.env.timeout(0.25)
        county.arrive(flowsim.engine.patient.Patient(2, 1, "older", "ed_ambulance", county.env.now))

    county.env.process(ambulance())
    result = county.run()
    walk_in, by_ambulance = county.register.patients
    assert (by_ambulance.arrival, by_ambulance.handover, by_ambulance.ed_start) == (0.25, 0.5, 2)
    assert result.kpi("crews_released_per_day") == pytest.approx(1 / 60)
    assert result.kpi("handovers_over_15_min") == 1.0


def test_boarders_slow_the_treatment_of_the_patients_after_them() -> None:
    county = system(ed={"cubicles": 2, "minutes_per_boarder": 30}, wards={"general_beds": 1})
    _, (p1, p2, p3) = run(county, 0, 0, 3)
    # 1 takes the bed at 2; 2 boards from 2; 3 is treated with one boarder in the ED: 2.5 hours.
    assert (p3.ed_start, p3.decision_to_admit) == (3, 5.5)


def test_a_rule_starts_after_its_measure_holds_and_stands_down_after_its_minimum_time() -> None:
    rule = EscalationRule.model_validate(
        {
            "name": "full capacity",
            "when": {"measure": "boarders", "at_least": 5, "for_hours": 12, "stand_down_below": 2, "min_active_hours": 24},
            "then": {"same_day_discharge": True},
        }
    )
    state = RuleState(rule)
    log = []
    for now, boarders in [(0, 6), (6, 7), (12, 6), (18, 1), (30, 1), (36, 1), (42, 3), (48, 6), (54, 2)]:
        state.review(boarders, now)
        log.append((now, state.active))
    # Held from 0: started at the review 12 hours later; below 2 at 18 and 30, but active only since 12,
    # so it stands down at 36 (24 hours on); a dip below the start level resets the wait.
    assert log == [(0, False), (6, False), (12, True), (18, True), (30, True), (36, False), (42, False), (48, False), (54, False)]
    assert state.starts == 1


@pytest.mark.parametrize("profile", [None, [0.0] * 14 + [1.0] + [0.0] * 9], ids=["at_the_slot", "at_a_drawn_hour"])
def test_same_day_discharge_lets_a_patient_waiting_for_the_slots_to_open_leave_at_once(profile: list[float] | None) -> None:
    """Whether patients otherwise leave at their slot or at an hour of the day drawn from a profile (14:00)."""
    rules = [{"name": "push discharges", "when": {"measure": "medically_fit", "at_least": 1}, "then": {"same_day_discharge": True}}]
    discharge = {"hours": [8, 20], "hourly_profile": profile}
    county = system(discharge=discharge, wards={"general_beds": 5, "reviews_per_day": 24}, escalation_rules=rules)
    result, (patient,) = run(county, 0)
    # Fit at 74 (02:00), waiting for the slots to open at 08:00; the 02:00 review, just after, sees one
    # medically fit patient, the rule starts and they leave at once.
    assert (patient.medically_fit, patient.acute_discharge) == (74, 74)
    assert result.delays.empty
    assert result.kpi("same_day_discharges") == 1 and result.kpi("rule_push_discharges_starts") == 1


def test_a_rule_buys_reablement_hours_while_its_waiting_list_holds() -> None:
    rules = [
        {
            "name": "spot purchase",
            "when": {"measure": "reablement_waiting", "at_least": 1},
            "then": {"buy_reablement_hours_per_month": 10 * 52 / 12},
        }
    ]
    county = system(
        {"pathway": {"p0": 0, "p1": 1}},
        reablement={"hours_per_month": 10 * 52 / 12, "hours_per_week": fixed(10), "duration_days": fixed(14)},
        home_care={"hours_per_month": 10 * 52 / 12, "hours_per_week": fixed(10), "duration_days": fixed(30)},
        wards={"general_beds": 5, "reviews_per_day": 24},
        escalation_rules=rules,
        costs={"spot_reablement_hour": 40},
    )
    result, (first, second) = run(county, 0, 1)
    # 2 is fit at 75 and waits for the hours 1 holds; the review at 75, just after, sees one waiting and
    # buys 10 hours a week, and 2 starts at once.
    assert (first.reablement_start, second.reablement_start) == (74, 75)
    bought = result.kpi("spot_reablement_hours")
    assert bought > 0 and result.kpi("spot_purchase_cost") == pytest.approx(40 * bought)


def test_a_rule_diverts_ambulances_while_it_is_active_and_counts_them() -> None:
    rules = [{"name": "divert", "when": {"measure": "opel", "at_least": 1}, "then": {"divert_ambulance_share": 1.0}}]
    scenario = flowsim.load_scenario(ROOT_SCENARIO, {"days": 30, "warmup_days": 0, "escalation_rules": rules})
    result = flowsim.simulate(scenario, seed=1)
    arrived_after_first_review = result.patients[(result.patients.route == "ed_ambulance") & (result.patients.arrival > 8)]
    assert arrived_after_first_review.empty, "every ambulance after the 08:00 review is diverted"
    assert result.kpi("ambulances_diverted") > 15 * 30


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_readme_example_runs_a_stable_year(seed: int) -> None:
    result = flowsim.simulate(flowsim.load_scenario(ROOT_SCENARIO), seed=seed)
    assert result.runaway is None, result.runaway.describe(result.scenario.warmup_days)
    assert 0.8 < result.kpi("occupancy_mean") < 0.95


@pytest.mark.slow
def test_demand_three_times_capacity_stops_early_naming_the_queue_and_the_day_in_bounded_time_and_memory() -> None:
    scenario = flowsim.load_scenario(ROOT_SCENARIO, {"demand_multiplier": 3.0})
    start = time.perf_counter()
    result = flowsim.simulate(scenario, seed=1)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert result.runaway is not None and result.runaway.stopped
    assert result.runaway.queue in ("ed_queue", "eau_queue")
    assert result.kpi("runaway") == 1 and result.kpi(f"runaway_{result.runaway.queue}") == 1
    words = result.runaway.describe(scenario.warmup_days)
    assert "queue for an" in words and "the run was stopped" in words
    assert seconds < 60 and peak_mib < 1024


def test_an_option_that_runs_away_is_named_in_words_and_never_ranked(tmp_path: Path, capsys: Any) -> None:
    option = tmp_path / "surge.yaml"
    option.write_text(f"extends: {ROOT_SCENARIO}\nname: surge\ndemand_multiplier: 3.0\n")
    out = tmp_path / "out"
    argv = ["compare", str(ROOT_SCENARIO), str(option), "--days", "20", "--warmup-days", "5", "--replications", "2"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "WARNING: surge: 2 of 2 replications ran away: queue for an ED cubicle (2)" in err
    assert "fewer than 5 replications" in err
    results = ExperimentResults.read(out)
    assert results.runaways("small_county") == ""
    assert appraisal(results).empty, "the only option ran away: nothing is ranked"


def test_an_interval_never_leaves_the_values_its_measure_can_take() -> None:
    values = pd.DataFrame({"handovers_over_15_min": [0.0, 0.0, 0.002, 0.0], "occupancy_mean": [0.9, 0.91, 0.92, 0.93]})
    bounds = {"handovers_over_15_min": (0.0, 1.0), "occupancy_mean": (0.0, None)}
    table = summarise(values, bounds=bounds)
    assert table.loc["handovers_over_15_min", "lower"] == 0.0 < table.loc["handovers_over_15_min", "upper"]
    assert table.loc["occupancy_mean", "lower"] == pytest.approx(summarise(values).loc["occupancy_mean", "lower"])


def test_extra_discharges_a_day_let_more_leave_from_the_next_opening_of_the_slots() -> None:
    rules = [{"name": "more discharges", "when": {"measure": "medically_fit", "at_least": 2}, "then": {"extra_discharges_per_day": 2}}]
    county = system(discharge={"hours": [8, 20], "discharges_per_weekday": 1}, wards={"general_beds": 5}, escalation_rules=rules)
    result, patients = run(county, 0, 0, 0)
    # All three fit at 74 (Thursday 02:00). Without the rule one a day would leave (Thursday, Friday,
    # Saturday); the midnight review of Thursday sees none fit yet, Friday's sees two waiting, so from
    # Friday 08:00 three slots a day: one leaves on Thursday, the other two on Friday.
    assert sorted(p.acute_discharge for p in patients) == [80, 104, 104]
    assert result.kpi("extra_discharge_slots") > 0


def test_more_would_be_admissions_are_offered_admission_avoidance_while_a_rule_holds() -> None:
    rules = [{"name": "hospital at home", "when": {"measure": "opel", "at_least": 1}, "then": {"extra_avoidance_share": 1.0}}]
    county = system(admission_avoidance={"places": 1, "stay_days": fixed(2)}, escalation_rules=rules)
    result, (first, second) = run(county, 1, 2)
    # The midnight review started the rule: the first takes the one place at 3, the second is admitted.
    assert (first.avoidance_start, first.avoidance_end, first.destination) == (3, 51, "home after admission avoidance")
    assert (second.bed_start, second.avoidance_start == second.avoidance_start) == (4, False)
    assert result.kpi("admissions_avoided_under_pressure") == 1


def test_beds_found_by_a_rule_take_a_patient_waiting_for_a_bed_at_the_next_review() -> None:
    rules = [{"name": "defer planned operations", "when": {"measure": "boarders", "at_least": 1}, "then": {"extra_acute_beds": 1}}]
    county = system(wards={"general_beds": 1, "reviews_per_day": 24}, escalation_rules=rules)
    result, (first, second) = run(county, 0, 0)
    # Both decided at 2: one bed; the 02:00 review, just after, finds a bed for the second.
    assert (first.bed_start, second.bed_start) == (2, 2)
    assert result.kpi("extra_acute_bed_days") > 0 and result.kpi("rule_defer_planned_operations_starts") == 1


# An escalation plan held as it ran in another scenario (`escalation_as_in`, `compare --hold-escalation`)


def _short(path: Path, **fields: Any) -> flowsim.scenario.Scenario:
    return flowsim.scenario.load_scenario(path, {"days": 60, "warmup_days": 30, **fields})


def test_a_rule_following_another_run_starts_and_stands_down_when_it_did_there() -> None:
    rule = EscalationRule.model_validate(
        {"name": "beds", "when": {"measure": "boarders", "at_least": 5, "for_hours": 12}, "then": {"extra_acute_beds": 4}}
    )
    state = RuleState(rule)
    for now, active in [(0, False), (8, True), (16, True), (24, False), (32, True)]:
        state.follow(active, now)
        assert state.active is active
    assert (state.starts, state.started) == (2, 32)


def test_a_scenario_following_its_own_plan_gives_exactly_its_own_results() -> None:
    base = _short(ROOT_SCENARIO, demand_multiplier=1.1)
    own = flowsim.model.system.simulate(base, 3, 1)
    assert own.kpi("rule_full_capacity_protocol_starts") > 0, "the test needs a plan that acts"
    followed = flowsim.model.system.simulate(base.following(base), 3, 1)
    pd.testing.assert_frame_equal(followed.kpis, own.kpis)
    pd.testing.assert_frame_equal(followed.census, own.census)


def test_an_option_following_the_base_plan_uses_it_as_the_base_did_and_frees_the_front_door() -> None:
    base = _short(ROOT_SCENARIO, demand_multiplier=1.1)
    option = _short(ROOT_SCENARIO, demand_multiplier=1.1, **{"wards.general_beds": 122})  # 4 more beds
    held = option.following(base)
    ran = {name: flowsim.model.system.simulate(s, 5, 1) for name, s in (("base", base), ("reacting", option), ("held", held))}
    assert flowsim.model.system.escalation_timeline(held, 5, 1) == flowsim.model.system.escalation_timeline(base, 5, 1)
    days_active = {name: result.kpi("rule_full_capacity_protocol_days_active") for name, result in ran.items()}
    assert days_active["held"] == days_active["base"] > days_active["reacting"], "left to react, the plan acts less"
    # Held, the plan pushes discharges as often as in the base, so the four beds reach the front door
    assert ran["held"].kpi("bed_wait_mean_hours") < ran["reacting"].kpi("bed_wait_mean_hours")
    assert ran["held"].kpi("four_hour_performance") > ran["reacting"].kpi("four_hour_performance")


def test_a_plan_is_followed_only_with_the_same_rules(tmp_path: Path, capsys: Any) -> None:
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(
        f"extends: {ROOT_SCENARIO}\nname: renamed\nescalation_rules:\n"
        "  - name: something else\n    when: {measure: boarders, at_least: 6}\n    then: {same_day_discharge: true}\n"
    )
    held = tmp_path / "held.yaml"
    held.write_text(f"extends: {ROOT_SCENARIO}\nname: held\nescalation_as_in: renamed.yaml\n")
    with pytest.raises(flowsim.scenario.ScenarioError, match=r"held.yaml: escalation_as_in: renamed has the escalation rules"):
        flowsim.scenario.load_scenario(held, allowed_folders=(ROOT_SCENARIO.parent,))
    assert main(["compare", str(renamed), str(ROOT_SCENARIO), "--hold-escalation", "--replications", "2"]) == 2
    assert "--hold-escalation: small_county: escalation_as_in: renamed has the escalation rules" in capsys.readouterr().err


def test_a_plan_followed_from_a_file_that_is_not_there_names_the_field(tmp_path: Path) -> None:
    held = tmp_path / "held.yaml"
    held.write_text(f"extends: {ROOT_SCENARIO}\nname: held\nescalation_as_in: nothere.yaml\n")
    with pytest.raises(flowsim.scenario.ScenarioError, match=r"held.yaml: escalation_as_in: nothere.yaml is not a scenario file"):
        flowsim.scenario.load_scenario(held, allowed_folders=(ROOT_SCENARIO.parent,))


def test_scenarios_following_each_other_in_a_loop_are_refused(tmp_path: Path) -> None:
    for name, other in (("a", "b"), ("b", "a")):
        (tmp_path / f"{name}.yaml").write_text(f"extends: {ROOT_SCENARIO}\nname: {name}\nescalation_as_in: {other}.yaml\n")
    with pytest.raises(flowsim.scenario.ScenarioError, match="a.yaml: escalation_as_in: the scenarios following each other"):
        flowsim.scenario.load_scenario(tmp_path / "b.yaml", allowed_folders=(ROOT_SCENARIO.parent,))
