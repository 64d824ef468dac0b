"""Validation that tests prediction: roles counted apart, delays by responsible organisation over
chosen months, and the back-cast of published changes as pairs of scenarios (small county, short runs)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowsim import load_scenario
from flowsim.analysis.validation import backcast_files, backcast_table, role_summary, target_values
from flowsim.cli import main
from flowsim.experiment import Runner, run_experiment
from flowsim.results.experiment_results import ExperimentResults

SMALL = Path(__file__).parents[1] / "scenarios" / "examples" / "small_county.yaml"
SHORT = ["--days", "40", "--warmup-days", "10", "--replications", "3", "--workers", "1", "--quiet"]
TARGET = {"figure": "delays", "source": "test", "published": 1.0, "unit": "patients", "measure": "dtoc_patients_mean",
          "tolerance": 100.0, "tolerance_reason": "wide"}  # fmt: skip


def _county(folder: Path, backcast: str) -> Path:
    """A small county with one validation target and a `backcast:` block (YAML text), and the two sides
    it names: HART at 1,400 and at 1,800 hours a month."""
    for name, hours in (("fewer", 1400), ("more", 1800)):
        (folder / f"{name}.yaml").write_text(f"extends: {SMALL}\nname: {name}\nreablement: {{hours_per_month: {hours}}}\n")
    base = folder / "county.yaml"
    base.write_text(f"extends: {SMALL}\nvalidation: [{TARGET!r}]\n".replace("'", '"') + backcast)
    return base


CHANGE = """backcast:
  - change: HART hours up
    source: test
    before: {file: fewer.yaml, published: 1400}
    after: {file: more.yaml, published: 1800}
    unit: care hours/month
    measure: reablement_hours_per_month
"""


def test_the_summary_counts_fitted_and_check_figures_apart() -> None:
    table = pd.DataFrame(
        {"within": [True, True, False, True, False, False], "role": ["fitted", "fitted", "fitted", "check", "check", "context"]}
    )
    assert role_summary(table) == (
        "Within tolerance: 3 of 6 figures; fitted (tuned to) 2 of 3; check (nothing tuned to them) 1 of 2; "
        "context (another basis) 0 of 1."
    )


def test_delays_by_responsible_organisation_add_up_to_all_delays_over_chosen_months() -> None:
    months = [11, 12]
    targets = [
        {**TARGET, "measure": "dtoc_nhs + dtoc_both + dtoc_social_care", "months": months},
        {**TARGET, "measure": "dtoc", "months": months},
        {**TARGET, "measure": "dtoc_social_care", "months": months},
        {**TARGET, "measure": "dtoc_awaiting_home_care_package + dtoc_awaiting_care_home", "months": months},
    ]
    scenario = load_scenario(SMALL, {"days": 60, "warmup_days": 10, "validation": targets})
    values = target_values(scenario, run_experiment({"c": scenario}, 2, seed=1, runner=Runner(workers=1, progress=False)), "c")
    assert values[0].tolist() == pytest.approx(values[1].tolist()) and values[1].min() > 0
    # NHS England's rule, the default delay_attribution: packages and care homes are social care's
    assert values[2].tolist() == pytest.approx(values[3].tolist())


def test_the_backcast_sets_the_paired_change_against_the_published_one(tmp_path: Path) -> None:
    base = load_scenario(_county(tmp_path, CHANGE), {"days": 40, "warmup_days": 10})
    paths = backcast_files(base)
    assert paths == [tmp_path / "fewer.yaml", tmp_path / "more.yaml"]
    sides = {path: (path.stem, load_scenario(path, {"days": 40, "warmup_days": 10})) for path in paths}
    results = run_experiment({label: s for label, s in sides.values()}, 4, seed=2, runner=Runner(workers=1, progress=False))
    (row,) = backcast_table(base, sides, results).to_dict(orient="records")
    before, after = (results.values[label]["reablement_hours_per_month"] for label in ("fewer", "more"))
    assert row["published_change"] == 400
    assert row["model_change"] == pytest.approx((after - before).mean()) and row["model_change"] > 0
    assert row["lower"] < row["model_change"] < row["upper"]
    assert row["range_lower"] < row["lower"] and row["upper"] < row["range_upper"]  # one year's change varies more
    assert row["in_interval"] == (row["lower"] <= 400 <= row["upper"])
    assert row["in_range"] == (row["range_lower"] <= 400 <= row["range_upper"])


def test_validate_backcast_prints_the_table_and_writes_it_to_the_folder_workbook_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    assert main(["validate", str(_county(tmp_path, CHANGE)), *SHORT, "--backcast", "--report", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Within tolerance: " in printed and "check (nothing tuned to them) 1 of 1" in printed
    assert "HART hours up" in printed and "1,400 → 1,800" in printed and "published changes lie in the model's 95% interval" in printed
    table = pd.read_csv(out / "backcast.csv")
    assert table.change.tolist() == ["HART hours up"] and table.replications.tolist() == [3]
    assert ExperimentResults.read(out).backcast.equals(table)
    assert "backcast" in pd.ExcelFile(out / "results.xlsx").sheet_names
    page = (out / "report.html").read_text()
    assert '<section id="backcast">' in page and "HART hours up" in page and "Within tolerance: " in page


@pytest.mark.parametrize(
    ("backcast", "field", "message"),
    [
        (CHANGE.replace("fewer.yaml", "missing.yaml"), "backcast.0.before.file", "is not a scenario file"),
        (CHANGE.replace("published: 1800", "published: -1"), "backcast.0.after.published", "greater than or equal to 0"),
        (CHANGE.replace("reablement_hours_per_month", "no_such_kpi"), "backcast.0.measure", "no_such_kpi is not a KPI"),
        (CHANGE.replace("    measure:", "    per: dtoc_nhs\n    months: [1]\n    measure:"), "backcast.0.per", "dtoc_nhs is not a daily measure"),
        (CHANGE.replace("    source: test\n", ""), "backcast.0.source", "required field is missing"),
        ("", "backcast", "lists no published changes"),
    ],
    ids=["missing file", "negative figure", "unknown KPI", "organisation as per", "no source", "no backcast"],
)
def test_a_bad_backcast_stops_with_the_file_and_field_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture, backcast: str, field: str, message: str
) -> None:
    base = _county(tmp_path, backcast)
    assert main(["validate", str(base), *SHORT, "--backcast", "--out", str(tmp_path / "never")]) == 2
    error = capsys.readouterr().err
    assert f"{base}: {field}" in error and message in error
    assert not (tmp_path / "never").exists()
