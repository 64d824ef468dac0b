"""Plots, the options appraisal and the HTML report, from one small comparison run through the CLI."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from flowsim import load_scenario
from dataclasses import replace

from flowsim.analysis.appraisal import appraisal
from flowsim.results.experiment_results import ExperimentResults, scenario_changes
from flowsim.cli import EXIT_BAD_INPUT, main
from flowsim.output.plots import (
    comparison_figure,
    community_figure,
    delays_figure,
    front_door_figure,
    heatmap_figure,
    occupancy_figure,
    stranded_figure,
)
from flowsim.statistics import ratio_interval, t_interval

BASE = "scenarios/examples/small_county.yaml"
OPTION = "scenarios/examples/small_county_more_hart.yaml"
SCENARIOS = ["small_county", "small_county_more_hart"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare")
    argv = ["compare", BASE, OPTION, "--days", "60", "--replications", "3", "--out", str(out), "--report", "--quiet"]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def results(compared: Path) -> ExperimentResults:
    return ExperimentResults.read(compared)


def _labelled_lines(axis: plt.Axes) -> list[str]:
    return [line.get_label() for line in axis.get_lines() if not line.get_label().startswith("_")]


# Plots ---------------------------------------------------------------------------

def test_occupancy_plot_has_a_line_per_scenario_dates_and_the_92_and_95_lines(results: ExperimentResults) -> None:
    figure = occupancy_figure(results.bands)
    axis = figure.axes[0]
    assert _labelled_lines(axis) == SCENARIOS
    levels = sorted(line.get_ydata()[0] for line in axis.get_lines() if len(set(line.get_ydata())) == 1)
    assert levels == [0.92, 0.95]
    days = [line for line in axis.get_lines() if line.get_label() == "small_county"][0].get_xdata()
    assert len(days) == 60 and pd.Timestamp(days[0]) == pd.Timestamp("2017-10-02")
    assert len([c for c in axis.collections if isinstance(c, PolyCollection)]) == 2, "one interval band per scenario"
    assert "%" in axis.get_ylabel() and figure.get_suptitle()
    plt.close(figure)


def test_delays_are_stacked_by_reason_in_one_panel_per_scenario_with_the_totals_interval(results: ExperimentResults) -> None:
    figure = delays_figure(results.bands)
    panels = [a for a in figure.axes if a.get_title(loc="left")]
    assert [a.get_title(loc="left") for a in panels] == SCENARIOS
    for axis in panels:
        layers = [c for c in axis.collections if isinstance(c, PolyCollection)]
        assert len(layers) == 7, "one layer per delay reason"
        top = layers[-1].get_paths()[0].vertices[:, 1].max()
        mean_total = results.bands.query("measure == 'medically_fit' and scenario == @axis.get_title(loc='left')")["mean"].max()
        assert top == pytest.approx(mean_total), "the stack adds up to the mean of medically fit patients"
    plt.close(figure)


def test_front_door_points_are_a_week_apart_and_stranded_has_two_panels(results: ExperimentResults) -> None:
    figure = front_door_figure(results.bands)
    four_hour = [line for line in figure.axes[0].get_lines() if line.get_label() == "small_county"][0]
    gaps = np.diff(pd.to_datetime(four_hour.get_xdata())).astype("timedelta64[D]").astype(int)
    assert set(gaps) == {7}
    plt.close(figure)
    figure = stranded_figure(results.bands)
    assert [_labelled_lines(a) for a in figure.axes[:2]] == [SCENARIOS, SCENARIOS]
    plt.close(figure)


def test_community_plot_has_a_row_per_service_with_capacity_and_waiting_lists(results: ExperimentResults) -> None:
    figure = community_figure(results.bands)
    titles = [a.get_title(loc="left") for a in figure.axes]
    assert titles == [
        "Reablement (HART): in use and capacity",
        "Reablement (HART): people waiting",
        "Home care: in use and capacity",
        "Home care: people waiting",
        "Step-down beds: in use and capacity",
        "Step-down beds: people waiting",
    ]
    hart_capacity = [line.get_ydata() for line in figure.axes[0].get_lines() if line.get_drawstyle() == "steps-post"]
    bands = results.bands[results.bands.measure == "reablement_hours_capacity"]
    drawn = [bands[bands.scenario == name]["mean"].max() for name in SCENARIOS]
    assert [max(c) for c in hart_capacity] == pytest.approx(drawn), "the capacity lines are the mean capacity open"
    assert min(drawn) >= 1560 - 1e-9, "care hours a month: never below the 1,560 planned before winter"
    in_use = [line for line in figure.axes[0].get_lines() if line.get_drawstyle() != "steps-post"]
    assert all(line.get_zorder() > 1 for line in in_use), "in use is drawn over capacity, never hidden under it"
    plt.close(figure)


def test_forest_plot_shows_each_kpi_with_data_and_heatmap_draws_the_target_contour(results: ExperimentResults) -> None:
    figure = comparison_figure(results.comparison(), ["dtoc_bed_days_per_year", "occupancy_mean", "no_such_kpi"], "small_county")
    panels = [axis for axis in figure.axes if axis.get_visible()]
    assert len(panels) == 2, "a panel per measure with data"
    assert panels[0].get_title(loc="left").endswith("(bed days/year)") and panels[1].get_title(loc="left").endswith("(percentage points)")
    assert [t.get_text() for t in panels[0].get_yticklabels()] == ["small_county_more_hart"]
    saved = results.comparison().set_index("kpi").loc["occupancy_mean", "difference"] * 100
    assert panels[1].get_lines()[0].get_xdata()[0] == pytest.approx(saved), "occupancy in its own unit, not % of the base"
    plt.close(figure)
    grid = pd.DataFrame([[0.97, 0.94, 0.90], [0.95, 0.91, 0.88]], index=pd.Index([20, 40], name="step_down.beds"),
                        columns=pd.Index([6000, 8000, 10000], name="reablement.hours_per_month"))
    crossing = heatmap_figure(grid, "occupancy_mean", "share", target=0.92)
    assert "target 92%" in crossing.axes[0].get_title() and crossing.axes[0].collections, "contour drawn"
    assert [t.get_text() for t in crossing.axes[0].texts if "%" in t.get_text()][:2] == ["97.0%", "94.0%"]
    beyond = heatmap_figure(grid, "occupancy_mean", "share", target=0.5)
    assert "not crossed" in beyond.axes[0].get_title()
    plt.close("all")


# The appraisal ---------------------------------------------------------------------

def test_an_options_changes_are_the_fields_it_sets_differently() -> None:
    base, option = load_scenario(BASE), load_scenario(OPTION)
    assert scenario_changes(base, option) == [
        ("reablement.hours_per_month", "1,560", "1,872"),
        ("capacity_changes[0].value", "1,720", "2,064"),
        ("capacity_changes[4].value", "1,560", "1,872"),
    ]
    assert scenario_changes(base, base) == []


def test_cost_per_bed_day_saved_has_fiellers_interval_and_none_when_the_saving_may_be_zero() -> None:
    saved = pd.Series([10.0, 12.0, 14.0, 8.0])
    cost = pd.Series([1000.0] * 4)
    fixed = ratio_interval(cost, saved)
    denominator = t_interval(saved)
    assert fixed["ratio"] == pytest.approx(1000 / 11)
    assert (fixed["lower"], fixed["upper"]) == pytest.approx((1000 / denominator["upper"], 1000 / denominator["lower"]))
    unsure = ratio_interval(cost, pd.Series([10.0, -12.0, 4.0, -3.0]))
    assert (unsure["lower"], unsure["upper"]) == (-np.inf, np.inf)


def test_the_ranking_matches_the_paired_comparison_and_a_missing_price_is_not_zero(results: ExperimentResults) -> None:
    ranking = appraisal(results)
    dtoc = results.comparison().set_index("kpi").loc["dtoc_bed_days_per_year"]
    best = ranking.loc[1]
    assert best["option"] == "small_county_more_hart"
    assert (best["saved"], best["saved_lower"], best["saved_upper"]) == pytest.approx((-dtoc["difference"], -dtoc["upper"], -dtoc["lower"]))
    assert not np.isnan(best["extra_cost"]) and best["cost_note"] in ("", "saving not distinguishable from zero: cost per bed day not bounded")
    assert "reablement hours" in best["cost_changes"], "the reablement hours it adds are priced"
    assert sum(best["cost_changes"].values()) == pytest.approx(best["extra_cost"], abs=2.0 * len(best["cost_changes"]) + 1)
    unpriced = replace(results, about=json.loads(json.dumps(results.about)))
    unpriced.scenario("small_county_more_hart")["costs"]["reablement_hour"] = None
    row = appraisal(unpriced).loc[1]
    assert np.isnan(row["extra_cost"]) and row["cost_note"] == "reablement hours changed but not priced"


# The report ----------------------------------------------------------------------

def test_the_report_is_self_contained_and_has_every_section(compared: Path) -> None:
    page = (compared / "report.html").read_text()
    for anchor in ("answer", "options", "scenarios", "kpis", "plots", "model"):
        assert f'<section id="{anchor}">' in page
    for heading in ("Objectives", "Logic", "Data", "Experimentation", "Implementation"):
        assert f"<h3>{heading}</h3>" in page
    assert 'id="validation"' not in page, "no validation table without validation.csv"
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    images = re.findall(r"<img [^>]*src=\"([^\"]+)\"", page)
    assert len(images) == 6, "forest plot and five through-the-year plots"
    for source in images:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_says_what_changed_what_was_run_and_answers_the_question(compared: Path, results: ExperimentResults) -> None:
    page = (compared / "report.html").read_text()
    assert "<code>reablement.hours_per_month</code></td><td>1,560</td><td>1,872</td>" in page
    assert "<td>replications per scenario</td><td>3</td>" in page
    assert "<td>results period</td><td>60 days from 2017-10-02</td>" in page
    assert "with 120 days of warm-up discarded" in page
    saved = appraisal(results).loc[1, "saved"]
    assert f"<strong>More HART hours</strong> cuts delayed bed days: by <strong>{saved:,.0f} bed days a year</strong>" in page


def test_a_validation_table_is_included_when_validation_csv_is_there(compared: Path, tmp_path: Path) -> None:
    for name in ("experiment.json", "kpi_values.csv", "bands.csv"):
        (tmp_path / name).write_bytes((compared / name).read_bytes())
    pd.DataFrame(
        [
            ["A&E within 4 hours", "S000", 0.861, "share", 0.87, 0.86, 0.88, 0.02, True, ""],
            ["delayed days per day per 100,000 18+", "S000", 34.7, "bed days/day", 20.1, 19.0, 21.2, 5.0, False, "too few delays"],
        ],
        columns=["figure", "source", "published", "unit", "mean", "lower", "upper", "tolerance", "within", "note"],
    ).to_csv(tmp_path / "validation.csv", index=False)
    assert main(["report", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text()
    assert '<section id="validation">' in page
    assert "Within tolerance: 1 of 2 figures" in page and "too few delays" in page


def test_a_bad_results_folder_is_refused_naming_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "nowhere")]) == EXIT_BAD_INPUT
    assert "no such results folder" in capsys.readouterr().err
    (tmp_path / "experiment.json").write_text("{}")
    assert main(["report", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "missing kpi_values.csv, bands.csv" in capsys.readouterr().err
    assert main(["run", BASE, "--days", "10", "--report"]) == EXIT_BAD_INPUT


def test_a_single_scenarios_report_answers_without_options(tmp_path: Path) -> None:
    argv = ["run", "scenarios/validation/two_stage.yaml", "--days", "30", "--replications", "2", "--out", str(tmp_path), "--report", "--quiet"]
    assert main(argv) == 0
    page = (tmp_path / "report.html").read_text()
    assert '<section id="answer">' in page and '<section id="options">' not in page
    assert "runs at acute occupancy of" in page
    about = json.loads((tmp_path / "experiment.json").read_text())
    assert about["replications"] == 2 and dt.date.fromisoformat(about["start_date"])


def test_importing_the_plots_changes_no_global_matplotlib_setting() -> None:
    import subprocess
    import sys

    code = "import matplotlib; matplotlib.use('svg'); import flowsim.output.plots, flowsim.cli; print(matplotlib.get_backend())"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "svg"


def test_the_report_names_options_by_title_and_keeps_one_delayed_bed_days(compared: Path) -> None:
    page = (compared / "report.html").read_text()
    answer = page.split('<section id="answer">')[1].split("</section>")[0]
    assert "More HART hours" in answer and "small_county_more_hart" not in answer
    figures = page.split('<section id="kpis">')[1].split("</section>")[0]
    assert "dtoc_bed_days_per_year" in figures and "<code>delayed_bed_days_per_day</code>" not in figures.split("<details>")[0]


def test_the_key_figures_give_no_cost_where_the_ranking_gives_none(results: ExperimentResults) -> None:
    from flowsim.output.report import kpi_section

    unpriced = {**results.scenario("small_county_more_hart"), "costs": {}}
    about = {**results.about, "scenarios": [results.scenario("small_county"), unpriced]}
    bare = replace(results, about=about)
    ranking = appraisal(bare)
    if "capacity_cost_per_year" not in results.values["small_county"]:
        pytest.skip("the example prices no capacity")
    assert np.isnan(ranking.loc[1, "extra_cost"])
    section = kpi_section(bare)
    assert "cost not given" in section
