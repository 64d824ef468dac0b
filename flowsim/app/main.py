"""The app's entry point for `streamlit run`: the page chosen in the sidebar, drawn for this browser session."""

from __future__ import annotations

import streamlit as st

from flowsim import __version__
from flowsim.app import baseline, options, plan, run_compare, take_away, watch
from flowsim.app.state import Session

# The pages in the order a planner works (a comment: Streamlit would show a bare string on the page).
PAGES = {
    "Baseline": baseline.show,
    "Options": options.show,
    "Run and compare": run_compare.show,
    "Plan": plan.show,
    "Watch": watch.show,
    "Take away": take_away.show,
}


def main() -> None:
    st.set_page_config(page_title="flowsim", layout="wide")
    if "session" not in st.session_state:
        st.session_state["session"] = Session.new()
    session: Session = st.session_state["session"]
    st.sidebar.title("flowsim")
    st.sidebar.caption(f"Patient flow through a county's health and social care, for winter planning. flowsim {__version__}")
    page = st.sidebar.radio("Page", list(PAGES), key="page")
    if session.job is not None and session.job.active:
        st.sidebar.info(f"{session.job.what} is running: its page shows its progress and can cancel it.")
    if session.baseline is None:
        baseline.choose_default(session)
    PAGES[page](session)
    st.sidebar.caption(f"Baseline: {session.base.shown_as}; options: {', '.join(session.options) or 'none yet'}")


main()
