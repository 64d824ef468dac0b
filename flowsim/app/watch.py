"""Watch page: an animation of a few weeks of patients moving through the county, from one replication's
event log, drawn by the same code as `flowsim animate` (vidigi)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from flowsim.app.state import Session
from flowsim.app.widgets import finished, start
from flowsim.experiment import Runner
from flowsim.output.animation import animate, replication_event_log, write_event_logs
from flowsim.scenario import Scenario


ANIMATION = "The animation"


def make_animation(scenario: Scenario, seed: int, replication: int, days: int, folder: Path) -> Path:
    """Run one replication, keep its event log under `folder` and draw its first `days` days after the warm-up."""
    log = replication_event_log(scenario, seed, replication)
    write_event_logs(scenario, seed, {replication: log}, folder)
    return animate(folder, folder / f"animation_replication_{replication:05d}.html", days, replication)


def show(session: Session) -> None:
    st.header("Watch")
    labels = [session.base.scenario.name, *session.options]
    label = st.selectbox("Scenario", labels, key="watch_scenario")
    left, middle, right = st.columns(3)
    replication = int(left.number_input("Replication", min_value=0, value=0, step=1, key="watch_replication"))
    seed = int(middle.number_input("Seed", min_value=0, value=session.run_settings.get("seed", 0), step=1, key="watch_seed"))
    days = int(right.number_input("Days to watch", min_value=1, max_value=60, value=21, step=1, key="watch_days"))
    st.caption("The replication runs its whole warm-up and the days watched; a county year takes a minute or two.")
    if st.button("Make the animation", key="watch_start", disabled=session.busy):
        scenario = session.scenarios([name for name in labels[1:] if name == label], days)[label]
        folder = session.folder / "watch" / f"{label}-seed{seed}"

        def work(runner: Runner) -> Path:
            return make_animation(scenario, seed, replication, days, folder)

        start(session, ANIMATION, work)
    page: Path | None = finished(session, ANIMATION)
    if page is not None:
        st.iframe(page, height=1050)
        st.download_button("Download the animation (HTML)", page.read_bytes(), file_name=page.name, mime="text/html", key="watch_download")
