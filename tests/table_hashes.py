"""Hashes of the tables and KPIs of a short run of every scenario file: the check that a refactor
changes no result.

Each file under scenarios/ is run for `DAYS` days after a `WARMUP_DAYS` warm-up, starting a month
before its first capacity change (so the change is simulated), with seed `SEED`. Each table is
hashed by its values, column by column in order with their dtypes, and its column names are kept
beside the hash: a renamed column shows as a changed name with the same values, anything else as a
changed hash.

Regenerate only on purpose, and give the reason in the commit:

    python -m tests.table_hashes --write
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

import flowsim

ROOT = Path(__file__).parents[1]
HASH_FILE = Path(__file__).with_name("table_hashes.json")
DAYS, WARMUP_DAYS, SEED = 40, 20, 3


BACKCAST = ROOT / "scenarios" / "validation" / "backcast"
"""The back-cast pairs of `flowsim validate --backcast`: each is the Oxfordshire baseline with one capacity
changed, so the baseline's record covers the code they run; they are not recorded (the invariant battery
and the catalogue tests still run them)."""


def scenario_files() -> list[Path]:
    """Every scenario file: the YAML under scenarios/ but the capacity plans of `flowsim optimise`."""
    return sorted(path for path in (ROOT / "scenarios").glob("**/*.yaml") if "plans" not in path.relative_to(ROOT).parts)


def recorded_files() -> list[Path]:
    """The scenario files whose short runs are recorded in HASH_FILE: all but the back-cast pairs."""
    return [path for path in scenario_files() if not path.is_relative_to(BACKCAST)]


def short_run_overrides(path: Path) -> dict[str, Any]:
    """A short run that covers the file's first capacity change, if it has one."""
    scenario = flowsim.load_scenario(path)
    overrides: dict[str, Any] = {"days": DAYS}
    if scenario.initial_state.patients:  # starts from today's census: no warm-up to shorten
        return overrides
    overrides["warmup_days"] = WARMUP_DAYS
    if scenario.capacity_changes:
        first = min(change.date for change in scenario.capacity_changes)
        overrides["start_date"] = (first - dt.timedelta(days=10)).isoformat()
    return overrides


def table_hash(table: pd.DataFrame) -> dict[str, Any]:
    """The hash of a table's values (column by column, with dtypes) and its column names."""
    digest = hashlib.sha256()
    for column in table.columns:
        values = table[column]
        digest.update(str(values.dtype).encode())
        digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return {"values": digest.hexdigest()[:20], "columns": [str(c) for c in table.columns]}


def run_hashes(path: Path) -> dict[str, Any]:
    scenario = flowsim.load_scenario(path, short_run_overrides(path))
    result = flowsim.simulate(scenario, seed=SEED)
    return {
        "patients": table_hash(result.patients),
        "delays": table_hash(result.delays),
        "census": table_hash(result.census),
        "kpis": {str(name): float(value).hex() for name, value in result.kpis["value"].items()},
    }


def all_hashes() -> dict[str, Any]:
    return {str(path.relative_to(ROOT)): run_hashes(path) for path in recorded_files()}


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.table_hashes --write  (regenerates tests/table_hashes.json)")
    HASH_FILE.write_text(json.dumps(all_hashes(), indent=1) + "\n")
    print(f"wrote {HASH_FILE}")
