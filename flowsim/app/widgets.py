"""What every page does the same way with a background run: start it, show its progress with a Cancel
button while it goes on, then hand over its result or say why there is none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from flowsim.app.jobs import Job
from flowsim.app.state import Session
from flowsim.experiment import Runner


def start(session: Session, what: str, work: Callable[[Runner], Any]) -> None:
    """Start `work` in the background as the session's run, and draw the page again to show its progress."""
    session.job = Job(what, work)
    st.rerun()


def finished(session: Session, what: str) -> Any:
    """The result of the session's run `what` once it is done; until then (or if it is not that run) None,
    with its progress, or why it stopped, drawn on the page."""
    job = session.job
    if job is None or job.what != what:
        return None
    job_progress(job)
    return job.result if job.state == "done" else None


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
