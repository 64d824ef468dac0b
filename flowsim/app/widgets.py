"""What several pages show the same way: a background run's progress, with its Cancel button."""

from __future__ import annotations

import streamlit as st

from flowsim.app.jobs import Job


def job_progress(job: Job) -> None:
    """The run's progress bar and Cancel button while it goes on (redrawn each second, the page staying live),
    then its outcome: an error or a note if it did not finish. Cancel stops a run between replications."""
    if job.active:
        _live(job)
    elif job.state in ("cancelled", "failed"):
        (st.warning if job.state == "cancelled" else st.error)(job.message)


@st.fragment(run_every=1.0)
def _live(job: Job) -> None:
    if not job.active:
        st.rerun()
    if job.state == "waiting":
        st.info(f"{job.what} waits for another run on this server to finish.")
    elif job.to_run:
        st.progress(job.finished / job.to_run, text=f"{job.what}: {job.finished} of {job.to_run} replications finished")
    else:
        st.info(f"{job.what} is running...")
    if job.state == "waiting" or job.to_run:  # a run stops between replications; one without any cannot be stopped
        st.button("Cancel", key=f"cancel_{id(job)}", on_click=job.cancel)
