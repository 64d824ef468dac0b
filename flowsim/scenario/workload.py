"""How much work a scenario asks for, estimated before it runs, and the limit on it.

A run's time and memory grow with the patient episodes it simulates: about
1 KiB and 50 microseconds each (the Oxfordshire reference, 233,000 episodes
over 645 days, takes 13 s and 370 MiB). A monthly multiplier of 1e12 typed
by mistake would otherwise run until the machine gave out, so the expected
number of episodes is worked out from the doors' daily rates, their
weekday and month profiles, the groups' seasons and `demand_multiplier`
(the same rates the arrivals are drawn from), with the patients of today's
census, times the readmissions each can bring, and with the care home
vacancies that arise (each an event of its own); a run expected to exceed
the limit is refused.

The limit is `MAX_EPISODES` unless the environment variable
`FLOWSIM_MAX_EPISODES` or the caller (`load_scenario(..., max_episodes=...)`)
raises or lowers it on purpose.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

from flowsim.scenario.base import normalised
from flowsim.scenario.study import Scenario

MAX_EPISODES = 1_000_000
"""Patient episodes a run may be expected to simulate: four times the Oxfordshire reference run, about
1 GiB and a minute a replication."""
ENVIRONMENT_VARIABLE = "FLOWSIM_MAX_EPISODES"


def expected_arrivals(scenario: Scenario) -> dict[str, float]:
    """Each open door's expected arrivals over the warm-up and results, by route."""
    start = scenario.simulation_start
    days = Counter(
        ((day := start + dt.timedelta(days=n)).weekday(), day.month - 1)
        for n in range(scenario.warmup_days + scenario.days)
    )
    expected = {}
    for route, stream in scenario.arrivals.streams().items():
        weekdays = normalised(stream.day_of_week)
        seasons = [
            stream.month_of_year[m] * sum(share * scenario.groups[g].month_of_year[m] for g, share in stream.groups.items())
            for m in range(12)
        ]
        per_day = stream.daily * scenario.demand_multiplier
        expected[route] = sum(count * per_day * weekdays[weekday] * seasons[month] for (weekday, month), count in days.items())
    return expected


def episodes_per_arrival(scenario: Scenario) -> float:
    """At most how many episodes one arrival brings, with its readmissions: 1 / (1 - share) for the
    largest readmission share, and no more than one each half `readmission_days` of the run."""
    share = max(group.readmission_share for group in scenario.groups.values())
    if share == 0:
        return 1.0
    chain = 1.0 / (1.0 - share) if share < 1 else float("inf")
    within_run = 1.0 + (scenario.warmup_days + scenario.days) / (scenario.readmission_days / 2.0)
    return min(chain, within_run)


def episode_limit(limit: float | None = None) -> float:
    """`limit` if given, else the environment variable's, else `MAX_EPISODES`."""
    if limit is None:
        text = os.environ.get(ENVIRONMENT_VARIABLE)
        if text is None:
            return MAX_EPISODES
        try:
            limit = float(text)
        except ValueError:
            limit = float("nan")
        source = f"environment variable {ENVIRONMENT_VARIABLE}"
    else:
        source = "max_episodes"
    if not limit > 0:
        raise ValueError(f"{source} must be a number of patient episodes above 0, got {limit!r}")
    return limit


def care_home_vacancies(scenario: Scenario) -> float:
    """At most how many care home vacancies arise in the run (each is an event, taken or not), at the
    largest `vacancies_per_week` it has."""
    rates = [scenario.care_home.vacancies_per_week or 0.0]
    rates += [c.value for c in scenario.capacity_changes if c.capacity == "care_home_vacancies_per_week"]
    return max(rates) * (scenario.warmup_days + scenario.days) / 7


def check_workload(scenario: Scenario, limit: float | None = None) -> None:
    """Refuse (ValueError) a scenario expected to simulate more episodes than `episode_limit(limit)`:
    arrivals and today's census, each with its readmissions, and care home vacancies."""
    allowed = episode_limit(limit)
    arrivals = expected_arrivals(scenario)
    census = sum(row.count for row in scenario.initial_state.patients)
    vacancies = care_home_vacancies(scenario)
    episodes = (sum(arrivals.values()) + census) * episodes_per_arrival(scenario) + vacancies
    if episodes <= allowed:
        return
    busiest = max(arrivals, key=lambda route: arrivals[route])
    raise ValueError(
        f"the run would simulate about {episodes:.3g} patient episodes ({sum(arrivals.values()):.3g} arrivals over "
        f"{scenario.warmup_days + scenario.days} days, most by arrivals.{busiest}, with readmissions; {census:.3g} "
        f"patients in today's census; {vacancies:.3g} care home vacancies), more than the limit of {allowed:,.0f}; "
        "check the arrival rates, month_of_year, demand_multiplier, days, initial_state and care_home, or raise the "
        f"limit on purpose with the environment variable {ENVIRONMENT_VARIABLE}"
    )
