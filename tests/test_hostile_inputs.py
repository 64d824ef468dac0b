"""Every scenario file gets a valid run or one clear refusal naming file, field and what is allowed.

Each case here is a mistake a planner makes by hand (a wrong kind of number, an impossible
distribution, a capacity nobody could use) or a file built to hurt (an alias bomb, a FIFO, a
path out of the scenario's folders), and each was, before issue 21, a traceback, a hang or a
run written as if it were fine. Mutated scenarios (test_mutated_scenarios.py) found some of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowsim import ScenarioError, load_scenario, simulate
from flowsim.engine.vocabulary import OTHER_ARRANGEMENTS
from flowsim.scenario.loading import ALLOWED_FOLDERS_VARIABLE
from flowsim.scenario.reading import MAX_SCENARIO_BYTES
from flowsim.scenario.workload import ENVIRONMENT_VARIABLE, MAX_EPISODES, expected_arrivals
from tests.queueing import MMC, TWO_STAGE

ROOT = Path(__file__).parents[1]
SMALL_COUNTY = ROOT / "scenarios" / "examples" / "small_county.yaml"
QUICK = {"days": 5, "warmup_days": 0}
SECRET = "hunter2-do-not-print"


def _variant(folder: Path, body: str, parent: Path = MMC, name: str = "variant.yaml") -> Path:
    path = folder / name
    path.write_text(f"extends: {parent}\n{body}")
    return path


def _refused(path: Path, *expected: str, **options) -> str:
    """The refusal of `path`, checked to name the file and each of `expected`, within 15 s (under 1 s on
    a free core: the bound is for a machine shared with other work)."""
    start = time.monotonic()
    with pytest.raises(ScenarioError) as refusal:
        load_scenario(path, **options)
    assert time.monotonic() - start < 15
    message = str(refusal.value)
    assert str(path.name) in message, message
    for text in expected:
        assert text in message, message
    return message


# Numbers of the right kind -----------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("wards: {general_beds: true}\n", "wards.general_beds: Input should be a valid integer"),
        ("demand_multiplier: yes\n", "demand_multiplier: Input should be a valid number"),
        ("readmission_days: on\n", "readmission_days: Input should be a valid number"),
        ("demand_multiplier: '2'\n", "demand_multiplier: Input should be a valid number"),
        ("wards: {general_beds: 28.5}\n", "wards.general_beds: Input should be a valid integer"),
        ("demand_multiplier: .nan\n", "demand_multiplier: Input should be a finite number"),
        ("groups: {all: {general_los_days: {type: exponential, mean: .inf}}}\n", "general_los_days.mean: Input should be a finite number"),
        ("arrivals: {ed_walk_in: {month_of_year: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1e30]}}\n", "month_of_year.11: must be at most 1e+12"),
        ("arrivals: {ed_walk_in: {hour_of_day: [.inf, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}}\n", "hour_of_day.0: Input should be a finite number"),
        ("arrivals: {ed_walk_in: {day_of_week: [0, 0, 0, 0, 0, 0, 0]}}\n", "day_of_week: needs at least one value above 0"),
        ("groups: {all: {eau_admit_share: true}}\n", "groups.all.eau_admit_share: Input should be a valid number"),
        ("discharge: {hourly_profile: [1, 2, 3]}\n", "discharge.hourly_profile: needs exactly 24 values, midnight first, got 3"),
        ("discharge: {hourly_profile: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}\n", "discharge.hourly_profile: needs at least one value above 0"),
        ("discharge: {hourly_profile: [-1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}\n", "discharge.hourly_profile.0: Input should be greater than or equal to 0"),
        ("days: 100000000\n", "days: Input should be less than or equal to 36525"),
        ("start_date: 9999-12-01\n", "start_date: the run"),
        ("validation: [{figure: f, source: s, published: -1, unit: u, measure: occupancy_mean, tolerance: 1, tolerance_reason: r}]\n", "validation.0.published"),
        ("validation: [{figure: f, source: s, published: 1, unit: u, measure: occupancy_mean, tolerance: .inf, tolerance_reason: r}]\n", "validation.0.tolerance"),
    ],
)
def test_a_number_of_the_wrong_kind_is_refused(tmp_path: Path, body: str, expected: str) -> None:
    _refused(_variant(tmp_path, body), expected)


@pytest.mark.parametrize(
    ("distribution", "expected"),
    [
        ("{type: uniform, low: 5, high: 2}", "low (5) must not be above high (2)"),
        ("{type: lognormal, mean: 1e-9, sd: 100}", "sd (100) must be between"),
        ("{type: lognormal, mean: 1.0e-300, sd: 15}", "sd (15) must be between"),  # found by test_mutated_scenarios
        ("{type: gamma, mean: 5, sd: 0}", "Input should be greater than 0"),
        ("{type: mixture, components: [{share: 1, distribution: {type: fixed, value: 1}}]}", "at least 2 items"),
    ],
)
def test_a_distribution_checks_its_own_parameters(tmp_path: Path, distribution: str, expected: str) -> None:
    _refused(_variant(tmp_path, f"groups: {{all: {{general_los_days: {distribution}}}}}\n"), "groups.all.general_los_days", expected)


def test_an_override_is_blamed_only_for_the_fields_it_sets(tmp_path: Path) -> None:
    path = _variant(tmp_path, "wards: {general_beds: 0}\ngroups: {all: {choice_share: 0.1}}\n")
    with pytest.raises(ScenarioError) as refusal:
        load_scenario(path, {"days": 5})
    assert str(refusal.value).startswith(f"{path}: wards.general_beds"), refusal.value
    assert "command line" not in str(refusal.value)
    with pytest.raises(ScenarioError, match="command line: days: "):
        load_scenario(MMC, {"days": 0})


def test_a_cross_field_mistake_names_the_file_that_made_it(tmp_path: Path) -> None:
    path = _variant(tmp_path, "groups: {all: {choice_share: 0.1}}\n")
    _refused(path, f"{path}: groups.all.choice_share: above 0 needs discharge.choice_days")


# Capacity ----------------------------------------------------------------------------

def test_two_changes_of_one_capacity_on_one_date_are_refused_naming_both(tmp_path: Path) -> None:
    body = (
        "capacity_changes:\n"
        "  - {date: 2017-06-01, capacity: general_beds, value: 30}\n"
        "  - {date: 2017-07-01, capacity: eau_places, value: 2}\n"
        "  - {date: 2017-06-01, capacity: general_beds, value: 32}\n"
    )
    _refused(_variant(tmp_path, body), "capacity_changes.2: changes general_beds on 2017-06-01 again: capacity_changes.0 sets it to 30, this one to 32")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("{date: 2017-06-01, capacity: ed_cubicles, value: 0}", "capacity_changes.0.value: 0 is not allowed for ed.cubicles: Input should be greater than 0"),
        ("{date: 2017-06-01, capacity: general_beds, value: 30.5}", "30.5 is not allowed for wards.general_beds: Input should be a valid integer"),
        ("{date: 2017-06-01, capacity: general_beds, value: true}", "capacity_changes.0.value: Input should be a valid number"),
    ],
)
def test_a_capacity_change_obeys_the_rules_of_the_field_it_changes(tmp_path: Path, change: str, expected: str) -> None:
    _refused(_variant(tmp_path, f"capacity_changes: [{change}]\n"), expected)


def test_a_service_patients_wait_for_cannot_be_closed_all_run(tmp_path: Path) -> None:
    closed = _variant(tmp_path, "step_down: {beds: 0}\n", TWO_STAGE)
    _refused(closed, "step_down.beds: patients are sent to it and wait for it")
    change = "capacity_changes: [{date: 2017-01-02, capacity: step_down_beds, value: 5}]\n"
    load_scenario(_variant(tmp_path, "step_down: {beds: 0}\n" + change.replace("2017-01-02", "2016-12-01"), TWO_STAGE, "reopened.yaml"))
    give_up = _variant(tmp_path, "step_down: {beds: 0, alternative_after_days: {type: fixed, value: 2}}\n", TWO_STAGE, "elsewhere.yaml")
    result = simulate(load_scenario(give_up, {"days": 20, "warmup_days": 0}), seed=1)
    assert (result.patients.destination == OTHER_ARRANGEMENTS).sum() > 10


def test_care_hours_too_few_for_one_episode_all_run_are_refused() -> None:
    overrides = {"reablement": {"hours_per_month": 4}, "home_care": {"alternative_after_days": {"type": "fixed", "value": 3}}}
    with pytest.raises(ScenarioError, match=r"reablement.hours_per_month: patients are sent to it .* below 10 care hours a week"):
        load_scenario(SMALL_COUNTY, {**overrides, "capacity_changes": []})


def test_deconditioning_that_reaches_an_undefined_pathway_is_refused(tmp_path: Path) -> None:
    body = "discharge: {deconditioning_per_day: 0.1}\n"
    _refused(_variant(tmp_path, body), "discharge.deconditioning_per_day: sends patients to pathway 1, which needs reablement")


# Files that are not what they seem -----------------------------------------------------

def test_a_file_that_is_not_utf8_is_refused_naming_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(f"extends: {MMC}\ndescription: café\n".encode("latin-1"))
    _refused(path, "is not UTF-8 text: byte", "(line 2)")
    for encoding in ("utf-16",):
        path.write_bytes(f"extends: {MMC}\n".encode(encoding))
        _refused(path, "is not")


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(f"\ufeffextends: {MMC}\nname: bom\n".encode())
    assert load_scenario(path).name == "bom"


def _census(tmp_path: Path, content: bytes) -> Path:
    (tmp_path / "today.csv").write_bytes(content)
    return _variant(tmp_path, "warmup_days: 0\ninitial_state: {file: today.csv}\n")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"place,group,count,days_so_far\ngeneral,all,2,inf\n", "line 2: days_so_far: Input should be a finite number"),
        (b"place,group,days_so_far,medically_fit\ngeneral,all,1,false\ngeneral,all,nan,true\n", "line 3: days_so_far: Input should be a finite number"),
        (b"place,group,count,days_so_far\n", "has a header but no rows"),
        (b"", "has no header line"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not"),
        (b"place,group,days_so_far\ngeneral,all\n", "line 2 has 2 cells, the header 3"),
        (b"place,group,mood\ngeneral,all,fine\n", "column 3 of the header is not one of place, group"),
        (b"place,group,count,days_so_far\ngeneral,all,true,1\n", "line 2: count: Input should be a valid integer"),
    ],
)
def test_a_census_csv_is_checked_row_by_row(tmp_path: Path, content: bytes, expected: str) -> None:
    _refused(_census(tmp_path, content), "initial_state", expected)


def test_a_census_error_never_repeats_the_cell(tmp_path: Path) -> None:
    message = _refused(_census(tmp_path, f"place,group,days_so_far\ngeneral,all,{SECRET}\n".encode()), "line 2")
    assert SECRET not in message


def test_an_empirical_column_is_checked_row_by_row(tmp_path: Path) -> None:
    (tmp_path / "los.csv").write_text(f"los,note\n2.5,\n,{SECRET}\n-3,x\n")
    body = "groups: {all: {general_los_days: {type: empirical, file: los.csv, column: los}}}\n"
    message = _refused(_variant(tmp_path, body), "los.csv line 4: Input should be greater than or equal to 0")
    (tmp_path / "los.csv").write_text("los\n2.5\n\n4\n")
    assert load_scenario(tmp_path / "variant.yaml").groups["all"].general_los_days.values == (2.5, 4.0)
    body = "groups: {all: {general_los_days: {type: empirical, file: los.csv, column: stay}}}\n"
    assert SECRET not in message + _refused(_variant(tmp_path, body, name="other.yaml"), "has no column 'stay'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")
        ), "more than 50,000 values"),
        ("[" * 5000 + "]" * 5000, "nests more than 40 levels deep"),
        ("x: [" + "1, " * 300_000 + "]\n", "holds more than 50,000 values"),
        ("a: &a 1\nx: [" + ", ".join(["*a"] * 200) + "]\n", "more than 100 aliases"),
        ("a: 1\na: 2\n", "a key appears twice in one mapping (line 1 and line 2)"),
        ("a: [1, 2\n", "not valid YAML at line 2"),
        ("just text\n", "must be a mapping"),
    ],
    ids=["alias bomb", "deep nesting", "300,000 values", "200 aliases", "duplicate key", "broken YAML", "not a mapping"],
)
def test_a_yaml_bomb_or_a_malformed_file_is_refused_in_moments(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    _refused(path, expected)


def test_python_tags_are_refused_never_run(tmp_path: Path) -> None:
    canary = tmp_path / "ran"
    path = tmp_path / "tag.yaml"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {canary}']\n")
    _refused(path, "could not determine a constructor")
    assert not canary.exists()


def test_a_file_of_tens_of_megabytes_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as file:
        file.write("name: huge\ngroups: [\n")
        file.write("1,\n" * (15 * MAX_SCENARIO_BYTES // 3))
        file.write("]\n")
    _refused(path, "more than the 1,048,576 allowed")


@pytest.mark.parametrize("kind", ["folder", "fifo", "loop", "itself", "cycle", "missing"])
def test_extends_at_anything_but_a_scenario_file_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    expected = {
        "folder": "is a folder, not a file",
        "fifo": "is not a regular file",
        "loop": "Too many levels of symbolic links",
        "itself": "the chain of files loops back",
        "cycle": "the chain of files loops back",
        "missing": "does not exist",
    }[kind]
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "loop":
        os.symlink(tmp_path / "other", target)
        os.symlink(target, tmp_path / "other")
    elif kind == "itself":
        target = tmp_path / "variant.yaml"
    elif kind == "cycle":
        _variant(tmp_path, "", tmp_path / "variant.yaml", "target")
    _refused(_variant(tmp_path, "", target), "extends", expected)


def test_a_device_is_refused_even_in_an_allowed_folder(tmp_path: Path) -> None:
    _refused(_variant(tmp_path, "", Path("/dev/zero")), "extends", "is outside the folders")
    _refused(_variant(tmp_path, "", Path("/dev/zero")), "is not a regular file", allowed_folders=("/dev",))


@pytest.mark.parametrize("how", ["extends", "census", "empirical", "link"])
def test_a_scenario_reads_nothing_outside_its_folders(tmp_path: Path, how: str, monkeypatch) -> None:
    monkeypatch.delenv(ALLOWED_FOLDERS_VARIABLE)
    monkeypatch.chdir(tmp_path)
    outside, inside = tmp_path / "outside", tmp_path / "project" / "scenarios"
    outside.mkdir()
    inside.mkdir(parents=True)
    secret = outside / "secret.csv"
    secret.write_text(f"place,group,days_so_far\n{SECRET},{SECRET},{SECRET}\n")
    (outside / "base.yaml").write_text(MMC.read_text())
    os.symlink(secret, inside / "linked.csv")
    body = {
        "extends": "extends: ../../outside/base.yaml\n",
        "census": f"extends: {MMC}\ninitial_state: {{file: {secret}}}\n",
        "empirical": f"extends: {MMC}\ngroups: {{all: {{general_los_days: {{type: empirical, file: ../../outside/secret.csv, column: x}}}}}}\n",
        "link": f"extends: {MMC}\ninitial_state: {{file: linked.csv}}\n",
    }[how]
    path = inside / "variant.yaml"
    path.write_text(body)
    monkeypatch.chdir(inside)
    message = _refused(path, "is outside the folders a scenario may read", allowed_folders=(MMC.parent,))
    assert SECRET not in message
    if how == "extends":  # allowed on purpose, it is read
        assert load_scenario(path, allowed_folders=(outside,)).name == "mmc"
        monkeypatch.setenv(ALLOWED_FOLDERS_VARIABLE, str(outside))
        assert load_scenario(path).name == "mmc"


# Bounded work --------------------------------------------------------------------------

def test_a_run_that_would_take_hours_is_refused_with_the_estimate(tmp_path: Path, monkeypatch) -> None:
    path = _variant(tmp_path, "arrivals: {ed_walk_in: {daily: 1e6}}\n")
    message = _refused(path, "the run would simulate about 2.05e+09 patient episodes", f"limit of {MAX_EPISODES:,}")
    assert ENVIRONMENT_VARIABLE in message
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "1e10")
    assert load_scenario(path).arrivals.ed_walk_in.daily == 1e6
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    assert load_scenario(path, max_episodes=1e10).arrivals.ed_walk_in.daily == 1e6
    _refused(path, "limit of 10", max_episodes=10)


def test_the_estimate_follows_the_rates_the_arrivals_are_drawn_from() -> None:
    scenario = load_scenario(SMALL_COUNTY, {"days": 364, "warmup_days": 0, "readmission_days": 30})
    expected = sum(expected_arrivals(scenario).values())
    fresh = simulate(scenario, seed=4).patients.query("not readmission and route != 'initial'")
    assert len(fresh) == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("wards: {general_beds: 2000000000}\ninitial_state: {patients: [{place: general, group: all, count: 2000000000, days_so_far: 1}]}\n", "2e+09 patients in today's census"),
        ("care_home: {vacancies_per_week: 1e9}\n", "care home vacancies"),
    ],
)
def test_a_census_or_vacancies_beyond_the_limit_are_refused(tmp_path: Path, body: str, expected: str) -> None:
    _refused(_variant(tmp_path, body), "the run would simulate about", expected)


def test_a_csv_of_too_many_rows_is_refused(tmp_path: Path) -> None:
    _refused(_census(tmp_path, b"place,group,days_so_far\n" + b"general,all,1\n" * 200_001), "more than the 200,000 rows allowed")


def test_readmissions_within_moments_count_as_work(tmp_path: Path) -> None:
    body = "readmission_days: 1e-9\ngroups: {all: {readmission_share: 1}}\n"
    _refused(_variant(tmp_path, body, TWO_STAGE), "the run would simulate about")


def test_a_door_closed_for_the_whole_run_is_simply_empty() -> None:
    closed = [1.0] * 12
    closed[0] = 0.0
    scenario = load_scenario(MMC, {"start_date": "2017-01-02", **QUICK, "arrivals": {"ed_walk_in": {"month_of_year": closed}}})
    assert sum(expected_arrivals(scenario).values()) == 0
    assert len(simulate(scenario, seed=1).patients) == 0


# From the command line -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bool.yaml", f"extends: {MMC}\nwards: {{general_beds: yes}}\n", "wards.general_beds"),
        ("latin.yaml", f"extends: {MMC}\nname: caf\xe9\n", "is not UTF-8 text: byte"),
        ("uniform.yaml", f"extends: {MMC}\ngroups: {{all: {{general_los_days: {{type: uniform, low: 3, high: 1}}}}}}\n", "groups.all.general_los_days"),
        ("bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "more than 50,000 values"),
        ("profile.yaml", f"extends: {MMC}\ndischarge: {{hourly_profile: [1, 1, 1]}}\n", "discharge.hourly_profile"),
        ("huge.yaml", f"extends: {MMC}\narrivals: {{ed_walk_in: {{month_of_year: [1e12, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}}}}\n", "patient episodes"),
    ],
)
def test_the_command_line_refuses_with_status_2_and_writes_nothing(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1" if name == "latin.yaml" else "utf-8"))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "flowsim.cli", "run", str(path), "--days", "5", "--out", str(out)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and expected in done.stderr
    assert "Traceback" not in done.stderr and "command line" not in done.stderr
    assert not out.exists()


def test_a_hospital_that_can_discharge_on_no_day_is_refused(tmp_path: Path) -> None:
    body = "discharge: {discharges_per_weekday: 5, day_of_week_capacity: [0, 0, 0, 0, 0, 0, 0]}\n"
    _refused(_variant(tmp_path, body), "discharge: day_of_week_capacity needs at least one day above 0")


def test_a_control_character_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "control.yaml"
    path.write_text(f"extends: {MMC}\nname: a\x11b\n")
    _refused(path, "character", "(line 2) is a control character, #x0011")


def test_running_from_the_root_folder_allows_nothing_more(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(ALLOWED_FOLDERS_VARIABLE)
    monkeypatch.chdir("/")
    _refused(_variant(tmp_path, ""), "extends", "is outside the folders a scenario may read")


def test_an_upload_read_as_if_in_scenarios_extends_only_shipped_scenarios(tmp_path: Path, monkeypatch) -> None:
    """The app reads an uploaded file as if it sat in scenarios/: its `extends` names a shipped scenario,
    and no path, absolute or by `../`, reaches anything else, whatever the working folder."""
    scenarios = ROOT / "scenarios"
    monkeypatch.chdir(tmp_path)
    uploaded = tmp_path / "uploads" / "option.yaml"
    uploaded.parent.mkdir()
    uploaded.write_text("extends: examples/small_county.yaml\nname: uploaded\nstep_down: {beds: 40}\n")
    assert load_scenario(uploaded, as_if_in=scenarios).step_down.beds == 40
    (tmp_path / "secret.yaml").write_text(MMC.read_text())
    for parent in (tmp_path / "secret.yaml", "../../secret.yaml", "../tests/queueing.py"):
        uploaded.write_text(f"extends: {parent}\nname: uploaded\n")
        with pytest.raises(ScenarioError, match="is outside the folders a scenario may read"):
            load_scenario(uploaded, as_if_in=scenarios)
    uploaded.write_text(f"extends: examples/small_county.yaml\ninitial_state: {{file: {tmp_path / 'secret.yaml'}}}\n")
    with pytest.raises(ScenarioError, match="is outside the folders a scenario may read"):
        load_scenario(uploaded, as_if_in=scenarios)
