"""One browser session's work: its baseline, its options, its runs and its folder.

Streamlit reruns a page's script on every click, so what a planner has built
is kept in `st.session_state`, one `Session` a browser tab, with its own
folder for the files it writes (uploads, options, reports). Scenarios are
always read through `load_scenario`, so a scenario made in the app is checked
exactly as a file is, with the same messages; an uploaded file or an option
is read as if it sat in scenarios/, so it can extend only the shipped
scenarios and read nothing else on the server.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flowsim import __version__
from flowsim.app import app_folder
from flowsim.app.jobs import Job
from flowsim.experiment import ReplicationStore
from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import Scenario, ScenarioError, load_scenario
from flowsim.scenario.loading import deep_merge

SCENARIOS = Path(__file__).parents[2] / "scenarios"
"""The shipped scenarios: the baselines offered, and the only folder an upload or an option may read."""

NOT_BASELINES = ("plans",)
"""Folders of scenarios/ that hold other files than scenarios (capacity plans)."""


def shipped_scenarios() -> list[str]:
    """The scenario files shipped in scenarios/, relative to it, the Oxfordshire baseline first."""
    found = sorted(
        str(path.relative_to(SCENARIOS))
        for path in SCENARIOS.rglob("*.yaml")
        if path.relative_to(SCENARIOS).parts[0] not in NOT_BASELINES
    )
    return sorted(found, key=lambda name: (name != "oxfordshire_2017.yaml", name.count("/"), name))


def _loaded(path: Path, as_if_in: Path) -> Scenario:
    """The scenario of a file the session wrote, read as if it sat in `as_if_in`; a message names the file
    by its own name, not the session's folder on the server."""
    try:
        return load_scenario(path, as_if_in=as_if_in)
    except ScenarioError as error:
        raise ScenarioError(str(error).replace(str(path), path.name)) from None


@dataclass(frozen=True)
class Baseline:
    """The scenario options are built from: its file, the layer an option's file starts from, the scenario."""

    file: Path
    layer: dict[str, Any]
    """An option's file starts from this and adds its changes: `extends:` a shipped file, or an upload's own text."""
    scenario: Scenario
    shown_as: str
    """How a planner named it: the shipped file (relative to scenarios/) or the uploaded file's name."""
    as_if_in: Path | None
    """An upload is read as if it sat in scenarios/; a shipped file where it is (None)."""


@dataclass(frozen=True)
class Option:
    """One option: its YAML file (which extends the baseline) and the scenario it gives."""

    file: Path
    text: str
    scenario: Scenario


@dataclass
class Session:
    """Everything one browser tab has made, kept apart from every other tab."""

    folder: Path
    baseline: Baseline | None = None
    options: dict[str, Option] = field(default_factory=dict)
    job: Job | None = None
    results: ExperimentResults | None = None
    pictures: list[tuple[str, bytes]] = field(default_factory=list)
    """The plots of `results` as PNG, drawn once when the run ends."""
    take_away: dict[str, bytes] = field(default_factory=dict)
    """The files of the take-away page, by name, once prepared."""
    run_settings: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> Baseline:
        """The baseline: main.py chooses the Oxfordshire one before any other page is drawn."""
        if self.baseline is None:
            raise ScenarioError("no baseline chosen")
        return self.baseline

    @property
    def busy(self) -> bool:
        """Whether the session's run is still going: it has one at a time, so start buttons wait for it."""
        return self.job is not None and self.job.active

    @classmethod
    def new(cls) -> Session:
        """A session with its own new folder under the app's `sessions/`."""
        sessions = app_folder() / "sessions"
        sessions.mkdir(parents=True, exist_ok=True)
        return cls(Path(tempfile.mkdtemp(prefix="session-", dir=sessions)))

    def store(self) -> ReplicationStore:
        """The finished replications, shared by every session: one keyed by its scenario's content is safe to reuse."""
        return ReplicationStore(app_folder() / "replications")

    def choose_shipped(self, relative: str) -> Baseline:
        """Make a shipped scenario (relative to scenarios/) the baseline; another baseline than before starts afresh."""
        path = SCENARIOS / relative
        if relative not in shipped_scenarios():
            raise ScenarioError(f"{relative}: not a scenario shipped in scenarios/")
        return self._set_baseline(Baseline(path, {"extends": relative}, load_scenario(path), relative, None))

    def upload(self, name: str, content: bytes) -> Baseline:
        """Make an uploaded scenario the baseline, read as if it sat in scenarios/ (ScenarioError if it is not valid)."""
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name).name) or "upload.yaml"
        path = self.folder / "uploads" / safe
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        scenario = _loaded(path, SCENARIOS)
        layer = yaml.safe_load(content.decode("utf-8"))
        return self._set_baseline(Baseline(path, layer, scenario, safe, SCENARIOS))

    def _set_baseline(self, baseline: Baseline) -> Baseline:
        if self.baseline is None or baseline.file != self.baseline.file:
            self.options, self.results, self.pictures, self.take_away = {}, None, [], {}
        self.baseline = baseline
        return baseline

    def option_text(self, name: str, title: str, changes: dict[str, Any]) -> str:
        """The YAML file of an option: the baseline's layer, its name and title, and the fields it changes."""
        description = f"{title}: made from {self.base.shown_as} in the flowsim app."
        raw = deep_merge({**self.base.layer, "name": name, "title": title, "description": description}, changes)
        head = (
            f"# {title}: an option made in the flowsim app {__version__} from {self.base.shown_as}.\n"
            f"# Save it in flowsim's scenarios/ folder and run it with the command line, for example:\n"
            f"#   flowsim compare scenarios/{self.base.shown_as} scenarios/{name}.yaml --seed 0\n"
        )
        return head + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)

    def add_option(self, name: str, title: str, changes: dict[str, Any]) -> Option:
        """Write and load an option; ScenarioError (naming `name`.yaml, the field and what is allowed) if it is not valid."""
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ScenarioError(f"{name}.yaml: name: letters, digits, - and _ only, so it can be a file name")
        if name == self.base.scenario.name:
            raise ScenarioError(f"{name}.yaml: name: the baseline is called {name}; give the option its own name")
        text = self.option_text(name, title, changes)
        path = self.folder / "options" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        try:
            option = Option(path, text, _loaded(path, SCENARIOS))
        except ScenarioError:
            path.unlink()
            raise
        self.options[name] = option
        return option

    def scenarios(self, labels: list[str], days: int) -> dict[str, Scenario]:
        """The baseline and the chosen options for a run of `days` days, each read again from its file
        with the run length set as `--days` sets it, so the command line gives the same scenarios."""
        files = {self.base.scenario.name: (self.base.file, self.base.as_if_in)}
        files |= {name: (self.options[name].file, SCENARIOS) for name in labels}
        return {label: load_scenario(path, {"days": days}, "the run length", as_if_in=folder) for label, (path, folder) in files.items()}
