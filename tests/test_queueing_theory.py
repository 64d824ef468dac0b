"""The model reduced to one bed pool must behave as an M/M/c queue."""

import numpy as np

import flowsim
from tests.queueing import MMC, erlang_c, interval


def test_mmc_occupancy_waiting_probability_and_wait() -> None:
    scenario = flowsim.load_scenario(MMC, {"days": 1500})
    arrival_rate, mean_stay, beds = 4.8 / 24, 5 * 24.0, 28
    load = arrival_rate * mean_stay
    p_wait = erlang_c(beds, load)
    mean_wait = p_wait / (beds / mean_stay - arrival_rate)
    occupied, waited, waits, little = [], [], [], []
    for replication in range(8):
        result = flowsim.simulate(scenario, seed=7, replication=replication)
        patients = result.patients[(result.patients.arrival >= 0) & result.patients.bed_start.notna()]
        wait = patients.bed_start - patients.decision_to_admit
        occupied.append(result.kpi("acute_beds_occupied_mean"))
        waited.append(float((wait > 1e-9).mean()))
        waits.append(float(wait.mean()))
        stays = patients[patients.acute_discharge.notna()]
        horizon = scenario.days * 24.0
        little.append(len(stays) / horizon * float((stays.acute_discharge - stays.bed_start).mean()))
    for name, values, expected in (
        ("occupancy", occupied, load),
        ("P(wait)", waited, p_wait),
        ("mean wait", waits, mean_wait),
    ):
        low, high = interval(values)
        assert low <= expected <= high, f"{name}: {expected:.4f} outside 95% CI [{low:.4f}, {high:.4f}]"
    # Little's law on the per-patient table: L = lambda W, against the time-weighted L.
    assert abs(np.mean(little) - np.mean(occupied)) / np.mean(occupied) < 0.01
