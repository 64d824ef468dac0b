"""The browser app: winter planners build options from a baseline, run and compare them, and take the answer away.

`flowsim app` starts a Streamlit server on 127.0.0.1 and opens the app in the
browser. The app is a thin layer over the package: each page calls the same
functions the command line and the notebook call (scenario loading, experiments,
the appraisal, the planners, the report, the workbook, the animation), and
nothing about the model lives in a page. Its pages follow a planner's work:
the baseline, the options, run and compare, plan, watch, take away.

Nothing is fetched from the internet and no usage statistics are sent. Each
browser session keeps its files in its own folder; finished replications go
to one store shared by every session (a replication is keyed by the content
of its scenario, so reusing one is always safe).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flowsim.scenario import ScenarioError
from flowsim.scenario.reading import MAX_SCENARIO_BYTES

DEFAULT_PORT = 8501
"""Streamlit's own default port."""

FOLDER_VARIABLE = "FLOWSIM_APP_FOLDER"
"""Environment variable naming the folder for the app's sessions and stored replications (default outputs/app)."""


def app_folder() -> Path:
    """Where the app keeps each session's files (`sessions/`) and the finished replications (`replications/`)."""
    return Path(os.environ.get(FOLDER_VARIABLE) or Path("outputs") / "app")


def streamlit_command(port: int, open_browser: bool) -> list[str]:
    """The `streamlit run` command of the app on 127.0.0.1:`port`: offline, no usage statistics, uploads no
    larger than a scenario file may be."""
    return [
        sys.executable, "-m", "streamlit", "run", str(Path(__file__).with_name("main.py")),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "false" if open_browser else "true",
        "--browser.gatherUsageStats", "false",
        "--browser.serverAddress", "127.0.0.1",
        "--global.developmentMode", "false",
        "--runner.magicEnabled", "false",
        "--server.maxUploadSize", str(max(1, MAX_SCENARIO_BYTES >> 20)),
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]  # fmt: skip


def launch(port: int = DEFAULT_PORT, open_browser: bool = True) -> int:
    """Run the app until it is stopped (Ctrl-C); return Streamlit's exit status. The server imports this
    same flowsim (its folder goes first on PYTHONPATH), whichever is installed."""
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise ScenarioError('flowsim app needs Streamlit: pip install "flowsim[app]"') from None
    package_parent = str(Path(__file__).parents[2])
    path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    return subprocess.call(streamlit_command(port, open_browser), env={**os.environ, "PYTHONPATH": path})
