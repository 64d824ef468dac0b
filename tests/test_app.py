"""The browser app under Streamlit's own harness (AppTest): every page draws, a bad value gets its message at
the field, an option is the YAML file it downloads, a short comparison gives its answer, and the same option
run through the command line with the same seed gives the same figures."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason='the app needs Streamlit: pip install -e ".[app]"')

from streamlit.testing.v1 import AppTest

from flowsim import ScenarioError, load_scenario
from flowsim.app import FOLDER_VARIABLE, streamlit_command
from flowsim.app.jobs import Job
from flowsim.app.state import SCENARIOS, Session
from flowsim.cli import main
from flowsim.experiment import ReplicationStore, run_experiment
from flowsim.results.experiment_results import ExperimentResults

MAIN = Path(__file__).parents[1] / "flowsim" / "app" / "main.py"
SMALL = "examples/small_county.yaml"
SHORT = {"replications": 2, "days": 20, "seed": 3}
SUBMIT = "FormSubmitter:option-Make this option"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app with the small county as its baseline, its files under `tmp_path`."""
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path / "app"))
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.run()
    at.selectbox(key="baseline_file").set_value(SMALL).run()
    assert not at.exception
    return at


def _page(at: AppTest, name: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(name).run()
    assert not at.exception, at.exception
    return at


def _make_option(at: AppTest, name: str, change: tuple[str, dt.date, float] | None = None, **fields: float) -> AppTest:
    """Fill in the option form (`fields` by scenario field; `change`: a capacity, its date and new value) and submit it."""
    _page(at, "Options")
    at.text_input(key="option_name").set_value(name)
    at.text_input(key="option_title").set_value(f"{name} title")
    for field, value in fields.items():
        at.number_input(key=f"option_{field}").set_value(value)
    if change is not None:
        at.checkbox(key="option_change_on").check()
        at.selectbox(key="option_change_capacity").set_value(change[0])
        at.date_input(key="option_change_date").set_value(change[1])
        at.number_input(key="option_change_value").set_value(change[2])
    at.button(key=SUBMIT).click().run()
    assert not at.exception, at.exception
    return at


def _session(at: AppTest) -> Session:
    return at.session_state["session"]


def test_every_page_draws_its_widgets(app: AppTest) -> None:
    assert any("Demand by door and month" in m.value for m in app.markdown)
    assert len(app.dataframe) >= 5
    _page(app, "Options")
    assert app.text_input(key="option_name") and app.number_input(key="option_reablement.hours_per_month")
    _page(app, "Run and compare")
    assert app.number_input(key="run_replications").value == 10 and app.button(key="run_start")
    _page(app, "Plan")
    assert app.number_input(key="plan_target").value == 0.92 and app.selectbox(key="optimise_plan")
    _page(app, "Watch")
    assert app.selectbox(key="watch_scenario").value == "small_county"
    _page(app, "Take away")
    assert "Run a comparison first" in app.info[0].value


def test_a_bad_value_shows_the_scenario_models_message_at_its_field(app: AppTest) -> None:
    _make_option(app, "broken", **{"wards.general_beds": -5})
    assert [e.value for e in app.error] == ["broken.yaml: wards.general_beds: Input should be greater than 0; got -5"]
    assert not _session(app).options
    app.number_input(key="option_wards.general_beds").set_value(118)
    app.number_input(key="option_saturday").set_value(1.5)
    app.button(key=SUBMIT).click().run()
    assert [e.value for e in app.error] == ["broken.yaml: discharge.day_of_week_capacity.5: Input should be less than or equal to 1; got 1.5"]


def test_an_option_made_in_the_form_is_the_yaml_it_downloads(app: AppTest) -> None:
    change = ("step_down_beds", dt.date(2018, 1, 15), 44)
    _make_option(app, "more_hart", change, **{"reablement.hours_per_month": 1872, "demand_multiplier": 5.0})
    option = _session(app).options["more_hart"]
    download = app.get("download_button")[0]
    assert download.proto.label == "Download the YAML"
    assert option.text.startswith("# more_hart title: an option made in the flowsim app")
    assert "extends: examples/small_county.yaml" in option.text
    written = option.file.parent / "downloaded.yaml"
    written.write_text(option.text)
    again = load_scenario(written, as_if_in=SCENARIOS)
    assert again == option.scenario
    assert (again.reablement.hours_per_month, again.demand_multiplier) == (1872, 1.05)
    assert {"date": dt.date(2018, 1, 15), "capacity": "step_down_beds", "value": 44} in [c.model_dump() for c in again.capacity_changes]
    changes = app.dataframe[0].value
    assert changes["what it changes"].tolist()[:2] == ["demand_multiplier", "reablement.hours_per_month"]
    assert changes["what it changes"].tolist()[2:] == ["capacity_changes[6].date", "capacity_changes[6].capacity", "capacity_changes[6].value"]


def _compare(app: AppTest, held: bool = False, **fields: float) -> ExperimentResults:
    """Run the short comparison of the baseline and one option (a fifth more HART hours unless `fields` say
    otherwise) from the page, with the baseline's escalation plan `held` in the option; its results."""
    _make_option(app, "more_hart", **(fields or {"reablement.hours_per_month": 1872}))
    _page(app, "Run and compare")
    if held:
        app.checkbox(key="run_held").check()
    app.number_input(key="run_replications").set_value(SHORT["replications"])
    app.number_input(key="run_seed").set_value(SHORT["seed"])
    app.number_input(key="run_days").set_value(SHORT["days"]).run()
    assert "Fewer than 5 replications" in app.warning[0].value
    app.button(key="run_start").click().run()
    _session(app).job.wait(120)
    app.run()
    assert not app.exception, app.exception
    results = _session(app).results
    assert results is not None
    return results


def test_a_short_comparison_shows_its_answer_and_ranking(app: AppTest) -> None:
    results = _compare(app)
    texts = [m.value for m in app.markdown]
    assert any("HART +20%" in t or "more_hart title" in t for t in texts if "delayed bed days" in t), texts
    assert "Warning: fewer than 5 replications" in app.error[0].value
    assert app.table[0].value["option"].tolist() == ["more_hart title"]
    assert results.about["command"].startswith("flowsim compare scenarios/examples/small_county.yaml scenarios/more_hart.yaml")


@pytest.mark.slow
def test_a_comparison_can_hold_the_baselines_escalation_plan_in_the_options(app: AppTest) -> None:
    results = _compare(app, held=True, demand_multiplier=1.1)
    assert results.options == ["more_hart, escalation held"]
    assert results.about["command"].endswith("--hold-escalation")
    days = results.values["small_county"]["rule_full_capacity_protocol_days_active"]
    assert days.sum() > 0, "the test needs a plan that acts"
    assert days.tolist() == results.values["more_hart, escalation held"]["rule_full_capacity_protocol_days_active"].tolist()


def test_an_option_that_runs_away_is_named_first_and_never_ranked(app: AppTest) -> None:
    results = _compare(app, demand_multiplier=200.0)
    assert app.error[0].value.startswith("Warning: more_hart: 2 of 2 replications ran away: queue for an ED cubicle")
    assert not app.table, "an option that ran away is not ranked"
    assert any(m.value.startswith("<style>") and "No option can be ranked" in m.value for m in app.markdown)
    assert results.runaways("small_county") == ""


@pytest.mark.slow
def test_the_option_yaml_run_by_the_cli_with_the_same_seed_gives_the_same_figures(app: AppTest, tmp_path: Path) -> None:
    results = _compare(app)
    copy = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, copy)
    (copy / "more_hart.yaml").write_text(_session(app).options["more_hart"].text)
    out = tmp_path / "cli"
    arguments = [str(copy / SMALL), str(copy / "more_hart.yaml"), "--out", str(out), "--workers", "1", "--quiet"]
    assert main(["compare", *arguments, *(f"--{k}={v}" for k, v in SHORT.items())]) == 0
    cli = ExperimentResults.read(out)
    for label in ("small_county", "more_hart"):
        assert cli.values[label].equals(results.values[label]), label

    _page(app, "Take away")
    app.button(key="take_prepare").click().run()
    names = [button.proto.label for button in app.get("download_button")]
    assert names == ["report.html", "results.xlsx", "more_hart.yaml", "run.json", "All of them (zip)"]


@pytest.mark.slow
def test_the_watch_page_animates_a_few_days_and_the_plan_page_plans(app: AppTest) -> None:
    _page(app, "Watch")
    app.number_input(key="watch_days").set_value(3)
    app.button(key="watch_start").click().run()
    _session(app).job.wait(300)
    app.run()
    assert not app.exception and _session(app).job.state == "done"
    assert len(app.get("iframe")) == 1
    assert [b.proto.label for b in app.get("download_button")] == ["Download the animation (HTML)"]
    _page(app, "Plan")
    app.number_input(key="plan_replications").set_value(2).run()
    app.button(key="plan_start").click().run()
    _session(app).job.wait(600)
    app.run()
    assert not app.exception and _session(app).job.state == "done"
    assert len(app.dataframe) == 2 and (app.success or app.warning)


def test_an_upload_that_reads_outside_scenarios_gets_a_message_and_the_app_goes_on(app: AppTest) -> None:
    app.file_uploader(key="baseline_upload").set_value(("evil.yaml", b"extends: /etc/passwd\n", "application/x-yaml")).run()
    assert not app.exception
    assert "evil.yaml: extends: /etc/passwd is outside the folders a scenario may read" in app.error[0].value
    assert str(_session(app).folder) not in app.error[0].value
    assert "Still using examples/small_county.yaml" in app.info[0].value
    app.file_uploader(key="baseline_upload").set_value(("mine.yaml", b"extends: examples/small_county.yaml\nname: mine\n", "text/yaml")).run()
    assert not app.error and _session(app).baseline.scenario.name == "mine"
    _make_option(app, "more_beds", **{"wards.general_beds": 130})
    assert _session(app).options["more_beds"].scenario.wards.general_beds == 130


def test_the_baseline_page_checks_a_scenario_against_its_published_figures(app: AppTest) -> None:
    short = b"extends: oxfordshire_2017.yaml\nname: short\ndays: 10\nwarmup_days: 5\n"
    app.file_uploader(key="baseline_upload").set_value(("short.yaml", short, "text/yaml")).run()
    app.button(key="run_validation").click().run()
    _session(app).job.wait(120)
    app.run()
    assert not app.exception and "figures within tolerance" in app.caption[-3].value
    assert app.dataframe[-1].value.columns.tolist()[:3] == ["figure", "published", "unit"]


def test_a_run_cancelled_on_the_page_says_so_and_the_page_goes_on(app: AppTest) -> None:
    _page(app, "Run and compare")
    app.number_input(key="run_replications").set_value(200)
    app.number_input(key="run_days").set_value(5).run()
    app.button(key="run_start").click().run()
    job = _session(app).job
    while job.finished < 1 and job.active:
        time.sleep(0.05)
    app.run()
    app.button(key=f"cancel_{id(job)}").click().run()
    job.wait(60)
    app.run()
    assert not app.exception and job.state == "cancelled"
    assert "was cancelled after" in app.warning[-1].value and "running it again reuses them" in app.warning[-1].value
    assert not app.button(key="run_start").disabled


def test_a_cancelled_run_says_so_and_keeps_what_it_finished(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / SMALL, {"days": 5, "warmup_days": 0})
    store = ReplicationStore(tmp_path)
    job = Job("The comparison", lambda runner: run_experiment({"a": scenario}, 50, 0, store, runner))
    while job.finished < 2 and job.active:
        time.sleep(0.05)
    job.cancel()
    job.wait(60)
    assert job.state == "cancelled" and "they are kept" in job.message
    assert 2 <= len(list(tmp_path.rglob("replication*.json"))) < 50


def test_a_second_run_waits_for_the_first_and_says_so() -> None:
    release = threading.Event()
    first = Job("The first run", lambda runner: release.wait(30))
    second = Job("The second run", lambda runner: "done")
    deadline = time.monotonic() + 30
    while first.state == "waiting" and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # time for the second to start, were it not waiting for the first
    assert (first.state, second.state) == ("running", "waiting")
    release.set()
    second.wait(30)
    assert (first.state, second.state, second.result) == ("done", "done", "done")


def test_an_option_name_that_is_not_a_file_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    session = Session.new()
    session.choose_shipped(SMALL)
    for name in ("../evil", "small_county", ""):
        with pytest.raises(ScenarioError, match="name:"):
            session.add_option(name, "x", {})


def test_the_server_is_offline_on_loopback() -> None:
    command = " ".join(streamlit_command(8600, open_browser=False))
    for setting in ("--server.address 127.0.0.1", "--browser.gatherUsageStats false", "--server.headless true"):
        assert setting in command
