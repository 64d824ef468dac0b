"""Plan page: the discharges a day the baseline needs to keep pace, the post-hospital capacity for a target
occupancy (`flowsim discharges`), and the cheapest capacity plan that meets a plan file's targets (`flowsim optimise`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from flowsim.analysis.capacity_search import load_plan, optimise_capacity, search_problem
from flowsim.analysis.planning import LEVERS, CapacityPlan, capacity_for_target, check_plan, post_hospital_levers, required_discharges
from flowsim.app.state import SCENARIOS, Session
from flowsim.app.widgets import finished, start
from flowsim.experiment import Runner, run_experiment
from flowsim.output.optimisation import answer_in_words, frontier_figure
from flowsim.scenario import Scenario


DISCHARGES, SEARCH = "The discharges planner", "The capacity search"


@dataclass(frozen=True)
class Planned:
    """What the discharges planner found: the discharges a day by weekday pattern and the capacity plan."""

    needed: pd.DataFrame
    plan: CapacityPlan


def show(session: Session) -> None:
    st.header("Plan")
    scenario = session.base.scenario
    _discharges(session, scenario)
    _optimise(session, scenario)


def _discharges(session: Session, scenario: Scenario) -> None:
    st.subheader("Discharges needed, and capacity for a target occupancy")
    st.write(
        "How many discharges a day keep pace with admissions under each weekly pattern, and by how much the "
        "post-hospital capacities would have to grow, together, for mean acute occupancy to stay at or below the "
        "target with 95% confidence (`flowsim discharges`)."
    )
    left, middle, right = st.columns(3)
    target = left.number_input("Target mean occupancy", min_value=0.5, max_value=1.0, value=0.92, step=0.01, key="plan_target")
    replications = int(middle.number_input("Replications", min_value=2, max_value=100, value=10, key="plan_replications"))
    levers = right.multiselect("Capacities raised", list(LEVERS), default=list(post_hospital_levers(scenario)), key="plan_levers")
    if st.button("Find them", key="plan_start", disabled=session.busy):
        chosen = tuple(levers)

        def work(runner: Runner) -> Planned:
            check_plan(scenario, chosen, replications)
            results = run_experiment({scenario.name: scenario}, replications, 0, session.store(), runner)
            plan = capacity_for_target(scenario, target, replications, 0, runner=runner, store=session.store(), levers=chosen)
            return Planned(required_discharges(results, scenario.name), plan)

        start(session, DISCHARGES, work)
    planned: Planned | None = finished(session, DISCHARGES)
    if planned is not None:
        st.markdown("**Discharges a day by day of the week**")
        st.dataframe(planned.needed.round(1))
        st.markdown("**Trials of the capacity factor**")
        st.dataframe(planned.plan.trials)
        st.line_chart(planned.plan.trials.set_index("uplift")[["mean", "lower", "upper"]])
        if planned.plan.uplift is None:
            st.warning("Not reached within twice today's capacity: the rest is clinical stay and other delays.")
        else:
            st.success(f"Needed: {planned.plan.uplift:.3f} times today's {' + '.join(planned.plan.levers)}.")


def _optimise(session: Session, scenario: Scenario) -> None:
    st.subheader("The cheapest capacity plan")
    plans = sorted(str(p.relative_to(SCENARIOS)) for p in (SCENARIOS / "plans").glob("*.yaml"))
    st.write("The cheapest mix of capacities meeting a plan file's targets (`flowsim optimise`); it runs hundreds of replications.")
    chosen = st.selectbox("Plan file", plans, key="optimise_plan")
    if chosen and st.button("Search", key="optimise_start", disabled=session.busy):
        path = SCENARIOS / chosen
        plan = load_plan(path)

        def work(runner: Runner) -> tuple[str, pd.DataFrame]:
            result, _ = optimise_capacity(scenario, plan, 0, runner, session.store(), path)
            return answer_in_words(result, *search_problem(scenario, plan, path)), result.frontier

        start(session, SEARCH, work)
    found = finished(session, SEARCH)
    if found is not None:
        words, frontier = found
        st.markdown(words)
        st.dataframe(frontier)
        st.pyplot(frontier_figure(frontier))
