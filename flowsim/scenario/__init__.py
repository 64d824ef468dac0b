"""Scenario files: the demand and capacity of a county, validated before anything runs.

A scenario is a YAML file in two halves. *Demand* (`demand.py`): who arrives
(`arrivals`), by which door, and what each group of patients needs
(`groups`). *Capacity* (`capacity.py`): how much of each service there is
(`ed`, `eau`, `wards`, `reablement`, `home_care`, `step_down`, `care_home`,
...), when it changes (`capacity_changes`) and what it costs. `study.py`
joins them with the run's settings into a `Scenario`; `loading.py` reads
files with `extends` and names the file and field of every mistake.

A `Scenario` is frozen data. Running it never changes it; the model built
from it keeps its own state.
"""

from flowsim.scenario.base import HOURS_PER_DAY, WEEKS_PER_MONTH, Model, month_hours_to_week
from flowsim.scenario.capacity import CAPACITIES, CAPACITY_FIELDS
from flowsim.scenario.demand import ARRIVAL_ROUTES, PATHWAYS, ArrivalStream
from flowsim.scenario.loading import ScenarioError, load_scenario, scenario_from_dict
from flowsim.scenario.study import BackcastChange, InitialPatients, Measured, Scenario, Target

__all__ = [
    "ARRIVAL_ROUTES",
    "CAPACITIES",
    "CAPACITY_FIELDS",
    "HOURS_PER_DAY",
    "PATHWAYS",
    "WEEKS_PER_MONTH",
    "ArrivalStream",
    "BackcastChange",
    "InitialPatients",
    "Measured",
    "Model",
    "Scenario",
    "ScenarioError",
    "Target",
    "load_scenario",
    "month_hours_to_week",
    "scenario_from_dict",
]
