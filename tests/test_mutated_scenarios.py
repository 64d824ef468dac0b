"""Scenario files changed one thing at a time, as planners change them: each is run or refused, never crashed.

Hypothesis takes a shipped scenario (`scenarios/**/*.yaml`) and changes one thing: a value
to a wrong type, a negative, zero, a huge or tiny number, NaN, infinity, a boolean or text;
a key deleted or added; a list shortened; the file's bytes damaged; a capacity change
doubled or altered; a row of today's census altered. Each file must then either load as a
scenario that runs a short horizon to complete outputs, or be refused with a ScenarioError
naming the file, within a time limit. Any other exception fails the test; the failures
found are kept as explicit regression cases in REGRESSIONS below.
"""

from __future__ import annotations

import copy
import os
import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from flowsim import ScenarioError, load_scenario, simulate

ROOT = Path(__file__).parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("**/*.yaml"))
CENSUS = ROOT / "scenarios" / "examples" / "small_county_today.csv"
SHORT = {"days": 5, "warmup_days": 0}
SECONDS = 30
"""The longest a mutated file may take to be refused, or loaded and run for `SHORT`."""
EPISODES = 50_000
"""The work limit for these runs (a few seconds): a mutation asking for more is refused by it, on purpose."""

WRONG_VALUES = (
    "x", "", "1e3", "yes", True, False, None, -1, -0.5, 0, 0.0, 1, 2, 0.5, 1e12, 1e30, 1e308, 1e-300,
    10**20, math.nan, math.inf, -math.inf, [], [1], {}, {"type": "fixed", "value": 1}, "2017-13-01",
)  # fmt: skip
BAD_CELLS = ("", "nan", "inf", "-1", "x", "true", "1e400", "0", "2.5", "99999", "general", "all")


def _raw(path: Path) -> dict[str, Any]:
    """The file's own mapping, with `extends` and every `file:` (today's census, the back-cast's scenario files)
    made absolute so a copy elsewhere means the same."""
    raw = _files_absolute(yaml.safe_load(path.read_text()), path.parent)
    if "extends" in raw:
        raw["extends"] = str((path.parent / raw["extends"]).resolve())
    return raw


def _files_absolute(node: Any, folder: Path) -> Any:
    """`node` with each `file:` that names a path relative to `folder` made absolute."""
    if isinstance(node, dict):
        return {k: str((folder / v).resolve()) if k == "file" and isinstance(v, str) else _files_absolute(v, folder) for k, v in node.items()}
    if isinstance(node, list):
        return [_files_absolute(value, folder) for value in node]
    return node


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value in `node`, mappings' and lists' too."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _places(value, (*path, index))
    return found


def _parent(raw: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        raw = raw[part]
    return raw


@st.composite
def mutated(draw: st.DrawFn, folder: Path) -> Path:
    """A shipped scenario with one thing changed, written to `folder`."""
    source = draw(st.sampled_from(SHIPPED))
    raw = _raw(source)
    places = _places(raw)
    kind = draw(st.sampled_from(("value", "value", "delete", "add", "shorten", "bytes", "capacity_change", "census")))
    if kind == "value":
        path = draw(st.sampled_from(places))
        _parent(raw, path)[path[-1]] = copy.deepcopy(draw(st.sampled_from(WRONG_VALUES)))
    elif kind == "delete":
        path = draw(st.sampled_from(places))
        del _parent(raw, path)[path[-1]]
    elif kind == "add":
        mappings = [()] + [p for p in places if isinstance(_parent(raw, p)[p[-1]], dict)]
        path = draw(st.sampled_from(mappings))
        target = raw if not path else _parent(raw, path)[path[-1]]
        target[draw(st.sampled_from(("extra", "type", "file", "values", "beds", "daily")))] = draw(st.sampled_from(WRONG_VALUES))
    elif kind == "shorten":
        lists = [p for p in places if isinstance(_parent(raw, p)[p[-1]], list) and _parent(raw, p)[p[-1]]]
        assume(lists)
        path = draw(st.sampled_from(lists))
        _parent(raw, path)[path[-1]].pop()
    elif kind == "capacity_change":
        changes = raw.get("capacity_changes")
        assume(isinstance(changes, list) and changes)
        index = draw(st.integers(0, len(changes) - 1))
        change = dict(changes[index])
        how = draw(st.sampled_from(("double", "same_date", "value", "capacity")))
        if how == "double":
            changes.append({**change, "value": change["value"] + draw(st.sampled_from((0, 1, 100)))})
        elif how == "same_date":
            changes[index] = {**change, "date": changes[draw(st.integers(0, len(changes) - 1))]["date"]}
        elif how == "value":
            changes[index] = {**change, "value": draw(st.sampled_from(WRONG_VALUES))}
        else:
            changes[index] = {**change, "capacity": draw(st.sampled_from(("ed_cubicles", "general_beds", "step_down_beds", "reablement_hours_per_month", "eau_places")))}
    elif kind == "census":
        lines = CENSUS.read_text().splitlines()
        row = draw(st.integers(0, len(lines) - 1))
        cells = lines[row].split(",")
        column = draw(st.integers(0, len(cells) - 1))
        cells[column] = draw(st.sampled_from(BAD_CELLS))
        lines[row] = ",".join(cells)
        (folder / "today.csv").write_text("\n".join(lines[: draw(st.integers(1, len(lines)))]) + "\n")
        raw = _raw(ROOT / "scenarios" / "examples" / "small_county_today.yaml")
        raw["initial_state"]["file"] = "today.csv"
    data = yaml.safe_dump(raw, sort_keys=False).encode()
    if kind == "bytes":
        how = draw(st.sampled_from(("flip", "cut", "insert", "latin-1", "utf-16", "nul")))
        at = draw(st.integers(0, len(data) - 1))
        if how == "flip":
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif how == "cut":
            data = data[:at]
        elif how == "insert":
            data = data[:at] + draw(st.sampled_from((b"\xff", b"\xe9", b"\t", b"- ", b": ", b"&a ", b"*a ", b"!!python/name:os.system ", b"[", b"{"))) + data[at:]
        elif how == "nul":
            data = data[:at] + b"\x00" + data[at:]
        else:
            data = ("# café\n" + data.decode()).encode(how)
    path = folder / f"mutated_{source.stem}.yaml"
    path.write_bytes(data)
    note(f"{kind} mutation of {source.relative_to(ROOT)}:\n{data!r}")
    return path


def check_run_or_refused(path: Path, out: Path) -> str:
    """Load `path` with a short horizon and run it, or be refused naming it; say which happened."""
    start = time.monotonic()
    try:
        scenario = load_scenario(path, SHORT, max_episodes=EPISODES)
    except ScenarioError as error:
        assert str(path) in str(error), str(error)
        assert time.monotonic() - start < SECONDS
        return "refused"
    result = simulate(scenario, seed=1)
    written = result.write(out)
    assert (result.runaway is not None or len(result.census) == SHORT["days"]) and not result.kpis.empty  # a runaway stops early, flagged
    assert all(p.stat().st_size > 0 for p in written)
    assert time.monotonic() - start < SECONDS
    return "ran"


QUICK_CHECK = settings(
    derandomize=not os.environ.get("MUTATIONS_RANDOM"),  # the same mutations every run; MUTATIONS_RANDOM=1 explores new ones
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: the failing file is noted whole
)


def _check_a_mutation(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("mutated")
    check_run_or_refused(data.draw(mutated(folder)), folder / "out")


@settings(QUICK_CHECK, max_examples=int(os.environ.get("MUTATIONS", 150)))
@given(st.data())
def test_a_mutated_scenario_runs_or_is_refused(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    """A few hundred mutations a run (about 30 s); MUTATIONS=5000 in the environment tries more."""
    _check_a_mutation(tmp_path_factory, data)


@pytest.mark.slow
@settings(QUICK_CHECK, max_examples=1500)
@given(st.data())
def test_many_mutated_scenarios_run_or_are_refused(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    _check_a_mutation(tmp_path_factory, data)


REGRESSIONS = [
    # (shipped file, dotted field, new value, "ran" or "refused"): failures the mutations found, kept explicit
    ("scenarios/oxfordshire/more_home_care.yaml", "capacity_changes.0.capacity", {}, "refused"),  # TypeError
    # a control character in the bytes (a PyYAML ReaderError): test_hostile_inputs.py, control character
    ("scenarios/oxfordshire/winter_surge.yaml", "arrivals.ed_ambulance.month_of_year.1", 1000, "refused"),  # 40 s run
    ("scenarios/oxfordshire/community_beds_restored.yaml", "step_down", None, "refused"),  # blamed the parent only
    ("scenarios/oxfordshire/shorter_reablement.yaml", "step_down.los_days.mean", 1.0e-300, "refused"),  # OverflowError
]


@pytest.mark.parametrize(("source", "field", "value", "outcome"), REGRESSIONS)
def test_a_mutation_that_once_failed(tmp_path: Path, source: str, field: str, value: Any, outcome: str) -> None:
    raw = _raw(ROOT / source)
    parts = [int(p) if p.isdigit() else p for p in field.split(".")]
    _parent(raw, tuple(parts))[parts[-1]] = value
    path = tmp_path / "regression.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    assert check_run_or_refused(path, tmp_path / "out") == outcome
