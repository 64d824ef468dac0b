"""Runs in the background, so the page stays live while replications run, and can be cancelled.

A `Job` runs one piece of work (an experiment, a planner, an animation) in a
thread of the app's server. The work is handed a `Runner` whose progress hook
counts finished replications and stops the run when the planner presses
Cancel; replications finished before then are already in the store, so a rerun
reuses them. One job runs at a time on the server (the machine's cores are
shared by every tab): a second waits its turn and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flowsim.engine.register import ConservationError
from flowsim.experiment import Runner
from flowsim.scenario import ScenarioError

_TURN = threading.Semaphore(1)
"""One job at a time on this server."""


class Cancelled(Exception):
    """The planner pressed Cancel: the run stops after the replication in hand."""


class Job:
    """One background run: its state, progress and outcome, read by the page while it goes on."""

    def __init__(self, what: str, work: Callable[[Runner], Any], workers: int = 1) -> None:
        self.what = what
        self.state = "waiting"
        """waiting (for another run), running, done, cancelled or failed."""
        self.finished, self.to_run = 0, 0
        self.result: Any = None
        self.message = ""
        self._cancel = threading.Event()
        self._runner = Runner(workers=workers, progress=False, on_progress=self._progress)
        self._thread = threading.Thread(target=self._run, args=(work,), name=f"flowsim-app {what}", daemon=True)
        self._thread.start()

    @property
    def active(self) -> bool:
        return self.state in ("waiting", "running")

    def cancel(self) -> None:
        """Stop after the replication in hand; what finished is kept in the store."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the job to end (tests)."""
        self._thread.join(timeout)

    def _progress(self, finished: int, to_run: int) -> None:
        self.finished, self.to_run = finished, to_run
        if self._cancel.is_set():
            raise Cancelled

    def _run(self, work: Callable[[Runner], Any]) -> None:
        with _TURN:
            if self._cancel.is_set():
                self.state, self.message = "cancelled", f"{self.what} was cancelled before it started."
                return
            self.state = "running"
            try:
                self.result = work(self._runner)
                self.state = "done"
            except Cancelled:
                self.state = "cancelled"
                self.message = (
                    f"{self.what} was cancelled after {self.finished} replications; they are kept, so running it again reuses them."
                )
            except ScenarioError as error:
                self.state, self.message = "failed", str(error)
            except ConservationError as error:
                self.state, self.message = "failed", f"a model invariant failed: {error}. This is a fault in flowsim; please report it."
            except Exception as error:  # noqa: BLE001 - the page says what went wrong; the app keeps working
                self.state, self.message = "failed", f"internal error: {type(error).__name__}: {error}. Please report it."
