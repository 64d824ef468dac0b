"""Options appraisal: which option saves the most delayed bed days, by how much, how surely, at what cost.

An experiment runs a base scenario and its options with the same seeds
(common random numbers), so each option can be compared with the base
replication by replication. This module keeps what an appraisal needs of a
finished experiment, as files a report can be rebuilt from:

- `experiment.json`: the scenarios (name, description, file, the scenario
  file's own notes, unit costs, and what each option changes relative to
  the base), the seed, replications, warm-up and run length used, and each
  KPI's unit and meaning;
- `kpi_values.csv`: every KPI of every replication (scenario, replication,
  kpi, value);
- `bands.csv`: each day's mean and 95% interval across replications of every
  daily measure (scenario, date, measure, mean, lower, upper, n);
- `validation.csv`, when `flowsim validate` wrote one beside them.

It ranks the options by delayed bed days saved a year: delayed transfers of
care (DTOC) as NHS England counts them, one bed day per patient per
midnight, in acute and step-down beds. The cost of an option is the change
in the cost of the capacity it provides (the KPI `capacity_cost_per_year`,
from the unit costs in the scenario files), and its cost per bed day saved
is the ratio of the two mean differences, with Fieller's 95% interval. An
option that changes a capacity with no unit cost has no cost shown: a
missing price is not a zero price.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from flowsim import __version__
from flowsim.experiment import Experiment
from flowsim.files import write_atomically
from flowsim.results.kpis import HEADLINE_KPIS
from flowsim.scenario import Scenario, ScenarioError
from flowsim.statistics import paired_differences, ratio_interval, summarise

SAVED_KPI = "dtoc_bed_days_per_year"
OCCUPANCY_KPI = "occupancy_mean"
COST_KPI = "capacity_cost_per_year"

REPORT_KPIS = (SAVED_KPI, *HEADLINE_KPIS, COST_KPI)
"""The KPIs of the report's table: delayed transfer bed days first, the board's headline figures, the cost."""

PRICED_CAPACITY = {
    "acute_bed_day": ("acute_beds_open_mean", "acute beds", 365.0),
    "step_down_bed_day": ("step_down_beds_mean", "step-down beds", 365.0),
    "reablement_hour": ("reablement_hours_capacity_per_month", "HART hours", 12.0),
    "home_care_hour": ("home_care_hours_capacity_per_month", "home care hours", 12.0),
    "avoidance_place_day": ("avoidance_places_mean", "admission avoidance places", 365.0),
}
"""Each unit cost of a scenario's `costs`: the KPI of the capacity it prices, its name, and the units
of it a year per unit of the KPI (a bed open all year is 365 bed days; hours a month x 12)."""

REQUIRED_FILES = ("experiment.json", "kpi_values.csv", "bands.csv")


# What an option changes ----------------------------------------------------------

def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths to the leaves of a scenario's data; lists of records are indexed, lists of numbers kept whole."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
        for i, inner in enumerate(value):
            yield from _flatten(inner, f"{prefix}[{i}]")
    else:
        yield prefix, value


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)


def scenario_changes(base: Scenario, option: Scenario) -> list[tuple[str, str, str]]:
    """What `option` sets differently from `base`: (field, base value, option value), e.g.
    ("reablement.hours_per_month", "7,096", "8,440"). Names and descriptions are left out."""
    before = dict(_flatten(base.model_dump(mode="json", by_alias=True, exclude={"name", "description"})))
    after = dict(_flatten(option.model_dump(mode="json", by_alias=True, exclude={"name", "description"})))
    return [
        (field, _shown(before.get(field)), _shown(after.get(field)))
        for field in dict.fromkeys([*before, *after])
        if before.get(field) != after.get(field)
    ]


def file_notes(path: Path) -> str:
    """The comment block that opens a scenario file (what it represents, its sources), without the #s."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines).strip()


def costs_block(path: Path) -> str:
    """The `costs:` block of a scenario file as written, with the comments that give each figure's source."""
    lines = path.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("costs:")), None)
    if start is None:
        return ""
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if line and not line[0].isspace() and not line.startswith(("#", "costs:")):
            break
        block.append(line)
    return "\n".join(block).rstrip()


# The results of an experiment, as files ------------------------------------------

@dataclass(frozen=True)
class ExperimentResults:
    """What a report is made from: the experiment's description, KPI values and daily bands."""

    about: dict[str, Any]
    values: pd.DataFrame
    bands: pd.DataFrame
    validation: pd.DataFrame | None = None

    @classmethod
    def from_experiment(
        cls,
        experiment: Experiment,
        files: dict[str, str | Path],
        command: str,
        validation: pd.DataFrame | None = None,
    ) -> ExperimentResults:
        """Describe a finished experiment; `files` gives each scenario's file by label, the base first;
        `validation` is the base against its published figures, if it lists any."""
        labels = list(experiment.scenarios)
        base = experiment.scenarios[labels[0]]
        scenarios = []
        for label, scenario in experiment.scenarios.items():
            path = Path(files[label])
            scenarios.append(
                {
                    "label": label,
                    "name": scenario.name,
                    "description": scenario.description,
                    "file": str(path),
                    "notes": file_notes(path),
                    "costs": scenario.costs.model_dump(),
                    "costs_source": costs_block(path),
                    "changes": [list(change) for change in scenario_changes(base, scenario)] if label != labels[0] else [],
                }
            )
        about = {
            "base": labels[0],
            "seed": experiment.seed,
            "replications": min(len(v) for v in experiment.values.values()),
            "start_date": base.start_date.isoformat(),
            "days": base.days,
            "warmup_days": base.warmup_days,
            "initial_state": bool(base.initial_state.patients or base.initial_state.file),
            "command": command,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
            "flowsim_version": __version__,
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "scenarios": scenarios,
            "kpis": experiment.kpi_info.to_dict(orient="index"),
        }
        values = pd.concat(
            {label: table.stack().rename("value") for label, table in experiment.values.items()}, names=["scenario"]
        ).reset_index()
        values.columns = ["scenario", "replication", "kpi", "value"]
        bands = pd.concat([experiment.bands(label).assign(scenario=label) for label in labels], ignore_index=True)
        bands = bands[["scenario", "date", "measure", "mean", "lower", "upper", "n"]]
        return cls(about, values, bands, validation)

    def write(self, folder: Path) -> list[Path]:
        """Write experiment.json, kpi_values.csv, bands.csv (and validation.csv) under `folder`, each atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / name for name in REQUIRED_FILES]
        write_atomically(paths[0], lambda tmp: tmp.write_text(json.dumps(self.about, indent=1, default=str)))
        write_atomically(paths[1], lambda tmp: self.values.to_csv(tmp, index=False))
        write_atomically(paths[2], lambda tmp: self.bands.to_csv(tmp, index=False))
        if self.validation is not None:
            paths.append(folder / "validation.csv")
            write_atomically(paths[-1], lambda tmp: self.validation.to_csv(tmp, index=False))
        return paths

    @classmethod
    def read(cls, folder: Path) -> ExperimentResults:
        """Read a results folder written by `flowsim run --replications N` or `flowsim compare`."""
        if not folder.is_dir():
            raise ScenarioError(f"{folder}: no such results folder")
        missing = [name for name in REQUIRED_FILES if not (folder / name).exists()]
        if missing:
            raise ScenarioError(
                f"{folder}: missing {', '.join(missing)}; a results folder comes from "
                "`flowsim compare` or `flowsim run --replications N` (N of 2 or more)"
            )
        validation = folder / "validation.csv"
        return cls(
            json.loads((folder / "experiment.json").read_text()),
            pd.read_csv(folder / "kpi_values.csv"),
            pd.read_csv(folder / "bands.csv"),
            pd.read_csv(validation) if validation.exists() else None,
        )

    # Tables ----------------------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        return [s["label"] for s in self.about["scenarios"]]

    @property
    def base(self) -> str:
        return str(self.about["base"])

    @property
    def options(self) -> list[str]:
        return [label for label in self.labels if label != self.base]

    def scenario(self, label: str) -> dict[str, Any]:
        return next(s for s in self.about["scenarios"] if s["label"] == label)

    def kpi_info(self) -> pd.DataFrame:
        """Each KPI's unit and description."""
        return pd.DataFrame.from_dict(self.about["kpis"], orient="index").rename_axis("kpi")

    def table(self, label: str) -> pd.DataFrame:
        """One scenario's KPIs, a row per replication."""
        rows = self.values[self.values["scenario"] == label]
        return rows.pivot(index="replication", columns="kpi", values="value")

    def summary(self, label: str) -> pd.DataFrame:
        """Mean, 95% interval and relative half-width of every KPI of one scenario, with units."""
        return self.kpi_info().join(summarise(self.table(label)), how="right")

    def comparison(self) -> pd.DataFrame:
        """Every option against the base: paired differences with 95% intervals, tidy, with units."""
        base = self.table(self.base)
        tables = [
            paired_differences(base, self.table(option)).assign(option=option).reset_index() for option in self.options
        ]
        table = pd.concat(tables, ignore_index=True)
        return table.merge(self.kpi_info()[["unit"]], left_on="kpi", right_index=True, how="left")

    def appraisal(self) -> pd.DataFrame:
        """The options ranked by delayed bed days saved a year (most first), one row each.

        Columns: option, description, saved (mean, lower, upper: base minus
        option, DTOC bed days a year), saving_distinguishable, occupancy_change
        (and its lower, upper; option minus base, a share), extra_cost (GBP a
        year, option minus base), cost_per_bed_day_saved (and its lower, upper,
        Fieller's interval) and cost_note (why a cost is missing)."""
        base = self.table(self.base)
        rows = []
        for option in self.options:
            mine = self.table(option)
            saved = paired_differences(mine[[SAVED_KPI]], base[[SAVED_KPI]]).loc[SAVED_KPI]
            occupancy = paired_differences(base[[OCCUPANCY_KPI]], mine[[OCCUPANCY_KPI]]).loc[OCCUPANCY_KPI]
            row = {
                "option": option,
                "description": self.scenario(option)["description"],
                "saved": saved["difference"],
                "saved_lower": saved["lower"],
                "saved_upper": saved["upper"],
                "saving_distinguishable": bool(saved["distinguishable"]),
                "occupancy_change": occupancy["difference"],
                "occupancy_change_lower": occupancy["lower"],
                "occupancy_change_upper": occupancy["upper"],
            }
            rows.append(row | self._cost(option, base, mine, bool(saved["distinguishable"])))
        table = pd.DataFrame(rows).sort_values("saved", ascending=False, ignore_index=True)
        table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
        return table

    def _cost(self, option: str, base: pd.DataFrame, mine: pd.DataFrame, distinguishable: bool) -> dict[str, Any]:
        """The extra capacity cost a year and the cost per delayed bed day saved, or why they are missing."""
        missing = {
            "extra_cost": math.nan, "cost_per_bed_day_saved": math.nan, "cost_lower": math.nan, "cost_upper": math.nan,
            "cost_changes": {},
        }  # fmt: skip
        if COST_KPI not in base or COST_KPI not in mine:
            return missing | {"cost_note": "no unit costs in the scenario files"}
        unpriced = self.unpriced_changes(option)
        if unpriced:
            return missing | {"cost_note": f"{', '.join(unpriced)} changed but not priced"}
        extra = mine[COST_KPI] - base[COST_KPI]
        ratio = ratio_interval(extra, base[SAVED_KPI] - mine[SAVED_KPI])
        saving = float((base[SAVED_KPI] - mine[SAVED_KPI]).mean())
        note = (
            "saving not distinguishable from zero: cost per bed day not bounded"
            if not distinguishable
            else "more delayed bed days, not fewer"
            if saving < 0
            else ""
        )
        return {
            "extra_cost": float(extra.mean()),
            "cost_per_bed_day_saved": ratio["ratio"],
            "cost_lower": ratio["lower"],
            "cost_upper": ratio["upper"],
            "cost_note": note,
            "cost_changes": self._cost_changes(option, base, mine),
        }

    def _cost_changes(self, option: str, base: pd.DataFrame, mine: pd.DataFrame) -> dict[str, float]:
        """The mean change of each priced capacity's cost a year (GBP), the largest first, those that change."""
        costs = self.scenario(option)["costs"]
        changes = {}
        for field, (kpi, name, per_year) in PRICED_CAPACITY.items():
            if costs.get(field) is not None and kpi in base and kpi in mine:
                changes[name] = float((mine[kpi] - base[kpi]).mean()) * per_year * costs[field]
        return dict(sorted(((k, v) for k, v in changes.items() if abs(v) >= 1.0), key=lambda kv: -abs(kv[1])))

    def unpriced_changes(self, option: str) -> list[str]:
        """Capacities whose mean open capacity differs between option and base but that have no unit cost."""
        costs = self.scenario(option)["costs"]
        base, mine = self.table(self.base), self.table(option)
        unpriced = []
        for field, (kpi, name, _) in PRICED_CAPACITY.items():
            if costs.get(field) is not None or kpi not in base or kpi not in mine:
                continue
            before, after = base[kpi].mean(), mine[kpi].mean()
            if not math.isclose(before, after, rel_tol=1e-6, abs_tol=1e-9):
                unpriced.append(name)
        return unpriced
