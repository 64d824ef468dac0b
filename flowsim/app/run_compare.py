"""Run and compare page: replications of the baseline and the options with common random numbers, in the
background, and the answer: in words, the ranking, the key figures, the plots, and any warning first."""

from __future__ import annotations

import shlex

import streamlit as st

from flowsim.analysis.appraisal import appraisal, with_escalation_held
from flowsim.analysis.validation import with_validation
from flowsim.app.state import Session
from flowsim.app.widgets import finished, start
from flowsim.experiment import Runner, run_experiment
from flowsim.output.plots import png_bytes
from flowsim.output.report import CELL_STYLE, FIGURE_CAPTIONS, answer, figures, kpi_section, readable_appraisal
from flowsim.results.experiment_results import FEW_REPLICATIONS, ExperimentResults
from flowsim.scenario import ScenarioError

COMPARISON = "The comparison"
DEFAULT_REPLICATIONS = 10
"""Enough for intervals a board can read on most options; the command line's compare uses 20."""


def command_line(session: Session, labels: list[str], replications: int, seed: int, days: int, held: bool) -> str:
    """The `flowsim compare` command that gives the same figures, the option files saved in scenarios/."""
    files = [f"scenarios/{session.base.shown_as}", *(f"scenarios/{label}.yaml" for label in labels)]
    settings = ["--replications", str(replications), "--seed", str(seed), "--days", str(days)]
    return shlex.join(["flowsim", "compare", *files, *settings, *(["--hold-escalation"] if held else [])])


def run(session: Session, labels: list[str], replications: int, seed: int, days: int, held: bool = False) -> None:
    """Start the comparison in the background (`held`: with the baseline's escalation plan held in every
    option); its result is the experiment's results with the validation, and their plots drawn (in the
    background too)."""
    scenarios = session.scenarios(labels, days)
    files = {session.base.scenario.name: session.base.file} | {label: session.options[label].file for label in labels}
    if held:
        scenarios = with_escalation_held(scenarios)
        files = dict(zip(scenarios, files.values()))
    command = command_line(session, labels, replications, seed, days, held)
    base = scenarios[session.base.scenario.name]

    def work(runner: Runner) -> tuple[ExperimentResults, list[tuple[str, bytes]]]:
        results = with_validation(run_experiment(scenarios, replications, seed, session.store(), runner, files, command), base)
        return results, [(name, png_bytes(figure)) for name, figure in figures(results)]

    session.run_settings = {"replications": replications, "seed": seed, "days": days}
    start(session, COMPARISON, work)


def show(session: Session) -> None:
    st.header("Run and compare")
    scenario = session.base.scenario
    chosen = st.multiselect("Options to compare with the baseline", list(session.options), default=list(session.options), key="run_options")
    left, middle, right = st.columns(3)
    replications = int(left.number_input("Replications", min_value=1, max_value=500, value=DEFAULT_REPLICATIONS, step=1, key="run_replications"))
    seed = int(middle.number_input("Seed", min_value=0, value=0, step=1, key="run_seed"))
    days = int(right.number_input("Run length (days after the warm-up)", min_value=1, max_value=3650, value=scenario.days, step=1, key="run_days"))
    if replications < FEW_REPLICATIONS:
        st.warning(f"Fewer than {FEW_REPLICATIONS} replications give intervals too wide to decide on: use them to try things out only.")
    held = st.checkbox(
        "Hold the baseline's escalation plan in every option",
        key="run_held",
        disabled=not scenario.escalation_rules,
        help="Left to react, the escalation plan closes escalation beds and defers fewer operations when an option "
        "frees beds. Held, it runs in each option as it ran in the baseline, so the freed beds reach the front door "
        "(waits for a bed, 4-hour performance). Each option's replication then runs the baseline first: twice the time.",
    )
    if st.button("Run", key="run_start", disabled=session.busy, type="primary"):
        try:
            run(session, chosen, replications, seed, days, held)
        except (ScenarioError, ValueError) as error:  # a run length or a held plan the scenarios refuse, say: the message, and the page goes on
            st.error(str(error))
    done = finished(session, COMPARISON)
    if done is not None:
        session.results, session.pictures = done
        session.take_away, session.job = {}, None
    if session.results is not None:
        results_view(session.results, session.pictures)


def results_view(results: ExperimentResults, pictures: list[tuple[str, bytes]]) -> None:
    """The results as the report opens: warnings, the answer, the ranking, the key figures, the plots."""
    for words in results.warnings():
        st.error(f"Warning: {words}")
    st.subheader("The answer")
    st.markdown(f"<style>{CELL_STYLE}</style>{answer(results)}", unsafe_allow_html=True)
    if results.options:
        ranking = appraisal(results)
        if not ranking.empty:
            st.subheader("Options ranked by delayed bed days saved")
            table = readable_appraisal(ranking)
            st.table(table.assign(option=table["option"].map(results.title)))
    st.markdown(kpi_section(results), unsafe_allow_html=True)
    st.subheader("Plots")
    for name, picture in pictures:
        st.image(picture, caption=FIGURE_CAPTIONS.get(name, name))
    st.caption(
        f"{results.ran} replications run, {results.reused} reused from the store. "
        f"The same figures from the command line (the option files saved in scenarios/): `{results.about['command']}`"
    )
