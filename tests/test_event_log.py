"""The event log vidigi animates: built from a run's records, one arrival and one departure per episode,
numbered places never shared, and (when vidigi is installed) an animation drawn from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowsim import load_scenario, simulate
from flowsim.cli import main
from flowsim.results.event_log import _place_numbers, event_log

COUNTY = Path(__file__).parents[1] / "scenarios" / "examples" / "small_county.yaml"
SHORT = {"days": 4, "warmup_days": 3}


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return event_log(simulate(load_scenario(COUNTY, SHORT), seed=4))


def test_places_are_numbered_lowest_free_first() -> None:
    starts, ends = np.array([0.0, 1.0, 2.0, 2.5]), np.array([5.0, 2.0, 3.0, 9.0])
    assert list(_place_numbers(starts, ends)) == [1, 2, 2, 3]


def test_one_arrival_first_and_one_departure_last_for_every_episode(log: pd.DataFrame) -> None:
    ends = log[log["event_type"] == "arrival_departure"].groupby("entity_id")["event"].value_counts().unstack()
    assert (ends["arrival"] == 1).all() and (ends["depart"] == 1).all()
    assert set(ends.index) == set(log["entity_id"])
    first = log.groupby("entity_id").head(1)
    last = log.groupby("entity_id").tail(1)
    assert (first["event"] == "arrival").all() and (last["event"] == "depart").all()
    assert (log["time"] >= 0).all() and log["time"].is_monotonic_increasing
    assert set(log["event_type"]) <= {"arrival_departure", "queue", "resource_use", "resource_use_end"}


def test_no_two_patients_hold_the_same_place_at_once(log: pd.DataFrame) -> None:
    held = log[log["event_type"].isin(["resource_use", "resource_use_end"])]
    stays = held.pivot_table(index=["event", "entity_id", "resource_id"], columns="event_type", values="time").reset_index()
    assert stays["resource_use"].notna().all() and (stays["resource_use_end"] >= stays["resource_use"]).all()
    for _, same in stays.sort_values("resource_use").groupby(["event", "resource_id"]):
        assert (same["resource_use"].to_numpy()[1:] >= same["resource_use_end"].to_numpy()[:-1]).all()


def test_a_short_log_animates_with_vidigi(tmp_path: Path) -> None:
    pytest.importorskip("vidigi")
    argv = ["run", str(COUNTY), "--days", "4", "--warmup-days", "3", "--seed", "4", "--event-log", "--quiet", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = tmp_path / "animation.html"
    assert main(["animate", str(tmp_path), "--days", "2", "--every-hours", "12", "--out", str(out)]) == 0
    page = out.read_text()
    assert "Plotly.addFrames" in page and "<script src=" not in page and len(page) > 1_000_000  # plotly.js embedded


def test_animate_without_a_log_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["animate", str(tmp_path)]) == 2
    assert "no event log" in capsys.readouterr().err
