"""flowsim: a discrete-event simulation of patient flow through a county's health and social care.

    >>> import flowsim
    >>> scenario = flowsim.load_scenario("scenarios/oxfordshire_2017.yaml")
    >>> result = flowsim.simulate(scenario, seed=1)
    >>> result.kpis.loc["occupancy_mean", "value"]
"""

from flowsim.results import RunResult
from flowsim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from flowsim.system import ConservationError, System, simulate

__all__ = [
    "ConservationError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "System",
    "load_scenario",
    "scenario_from_dict",
    "simulate",
]
