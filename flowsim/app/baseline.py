"""Baseline page: pick a shipped scenario or upload one, read it as a planner does, and check it against published figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from flowsim.analysis.validation import with_validation
from flowsim.app.state import Session, shipped_scenarios
from flowsim.app.widgets import finished, start
from flowsim.experiment import Runner, run_experiment
from flowsim.output.scenario_tables import planner_tables
from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import Scenario, ScenarioError

VALIDATION = "The validation"
VALIDATION_REPLICATIONS = 10
"""As `flowsim validate`'s default."""

VALIDATION_COLUMNS = ["figure", "published", "unit", "mean", "lower", "upper", "tolerance", "within", "role", "source"]
"""The columns of the validation table `flowsim validate` prints, with each figure's source."""


def stored_validation(scenario: Scenario) -> pd.DataFrame | None:
    """The validation table `flowsim validate` left under outputs/ for this scenario (the newest), if any."""
    tables = sorted(Path("outputs").glob(f"{scenario.name}-validation-seed*/validation.csv"), key=lambda p: p.stat().st_mtime)
    return pd.read_csv(tables[-1]) if tables else None


def show(session: Session) -> None:
    st.header("Baseline")
    st.write("The county as it is: the scenario every option is compared with.")
    shipped = shipped_scenarios()
    current = session.base.shown_as
    chosen = st.selectbox("A scenario shipped with flowsim", shipped, index=shipped.index(current) if current in shipped else 0, key="baseline_file")
    upload = st.file_uploader("Or upload a scenario file (YAML)", type=["yaml", "yml"], key="baseline_upload")
    if upload is None and current != chosen:
        session.choose_shipped(chosen)
    try:
        if upload is not None:
            session.upload(upload.name, upload.getvalue())
    except (ScenarioError, UnicodeDecodeError) as error:
        st.error(f"This scenario cannot be used:\n\n```\n{error}\n```")
        st.info(f"Still using {session.base.shown_as}.")
    scenario = session.base.scenario
    st.subheader(scenario.title)
    st.write(scenario.description)
    st.caption(f"{scenario.days} days from {scenario.start_date:%d %B %Y} after {scenario.warmup_days} days of warm-up; demand multiplier {scenario.demand_multiplier:g}.")
    for title, table in planner_tables(scenario).items():
        st.markdown(f"**{title}**")
        if table.empty:
            st.caption("None.")
        else:
            st.dataframe(table)
    _validation(session, scenario)


def _validation(session: Session, scenario: Scenario) -> None:
    st.subheader("Against published figures")
    if not scenario.validation:
        st.caption("This scenario lists no published figures to check it against.")
        return
    stored = stored_validation(scenario)
    if stored is not None:
        st.caption("From the stored results of `flowsim validate` under outputs/.")
        _show_validation(stored)
        return
    if session.job is not None and session.job.what == VALIDATION:
        results: ExperimentResults | None = finished(session, VALIDATION)
        if results is not None:
            _show_validation(results.validation)
        return
    st.caption(f"No stored validation: run {VALIDATION_REPLICATIONS} replications to check it, as `flowsim validate` does.")
    if st.button("Run the validation", key="run_validation", disabled=session.busy):
        files = {scenario.name: session.base.file}

        def work(runner: Runner) -> ExperimentResults:
            results = run_experiment({scenario.name: scenario}, VALIDATION_REPLICATIONS, 0, session.store(), runner, files)
            return with_validation(results, scenario)

        start(session, VALIDATION, work)


def _show_validation(table: pd.DataFrame) -> None:
    """Published figures against the model, as `flowsim validate` prints them (within: the mean is within the tolerance)."""
    st.dataframe(table[VALIDATION_COLUMNS])
    st.caption(f"{int(table['within'].sum())} of {len(table)} figures within tolerance. fitted: a parameter was tuned to it; "
               "check: not tuned to; context: another basis, not expected to match.")


def choose_default(session: Session) -> None:
    """The Oxfordshire baseline, for a planner who opens another page first."""
    session.choose_shipped(shipped_scenarios()[0])
