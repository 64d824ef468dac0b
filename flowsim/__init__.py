"""flowsim: a discrete-event simulation of patient flow through a county's health and social care.

    >>> import flowsim
    >>> scenario = flowsim.load_scenario("scenarios/oxfordshire_2017.yaml")
    >>> result = flowsim.simulate(scenario, seed=1)
    >>> result.kpis.loc["occupancy_mean", "value"]
"""

__version__ = "0.2.0"

from flowsim.results.tables import RunResult  # noqa: E402
from flowsim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict  # noqa: E402
from flowsim.engine.register import ConservationError  # noqa: E402
from flowsim.model.system import System, simulate  # noqa: E402

__all__ = [
    "__version__",
    "ConservationError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "System",
    "load_scenario",
    "scenario_from_dict",
    "simulate",
]
