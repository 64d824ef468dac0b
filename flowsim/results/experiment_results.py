"""The results of an experiment: one object in memory, one folder on disk.

An experiment runs replications of a base scenario and its options with the
same seeds (common random numbers). `ExperimentResults` holds what came of
it, and is what the command line, the report, planning, validation and the
notebook all read:

- `values[label]`: every KPI of every replication (a row per replication);
- `monthly[label]`: each replication's sum of every daily measure over each
  calendar month, with the number of `days` summed (so a mean over any
  months, or a ratio of two measures, is exact);
- `bands`: each day's mean and 95% interval across replications of every
  daily measure (scenario, date, measure, mean, lower, upper, n);
- `about`: the scenarios (name, description, file, the file's own notes,
  unit costs, what each option changes from the base, every setting), the seed, the
  replications, warm-up and run length, and where and with what it ran;
- `validation`: the base against its published figures, when it lists any;
- `backcast`: the county's published changes against the model's, when
  `flowsim validate --backcast` ran them.

`write(folder)` leaves `experiment.json`, `kpi_values.csv`, `monthly.csv`,
`bands.csv` (and `validation.csv`, `backcast.csv`), plus `summary.csv` for one scenario or
`summaries.csv` and `comparison.csv` for several; `read(folder)` gives the
same object back, so a report can be rebuilt without rerunning anything.
Summaries and paired comparisons are worked out here and nowhere else, with
each KPI's unit and meaning from the catalogue.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flowsim import __version__
from flowsim.files import write_atomically
from flowsim.results.catalogue import measure
from flowsim.results.pressure import queue_label
from flowsim.scenario import Scenario, ScenarioError
from flowsim.statistics import paired_differences, summarise

REQUIRED_FILES = ("experiment.json", "kpi_values.csv", "bands.csv")
"""The files a results folder cannot do without (`monthly.csv` is read when there, for validation)."""
FEW_REPLICATIONS = 5
"""Fewer replications than this give intervals too wide to decide on: the results warn."""


# What a scenario is and what an option changes -----------------------------------

def flat_fields(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths to the leaves of a scenario's data; lists of records are indexed, lists of numbers kept whole."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from flat_fields(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
        for i, inner in enumerate(value):
            yield from flat_fields(inner, f"{prefix}[{i}]")
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
    before = dict(flat_fields(base.model_dump(mode="json", by_alias=True, exclude={"name", "title", "description", "sources"})))
    after = dict(flat_fields(option.model_dump(mode="json", by_alias=True, exclude={"name", "title", "description", "sources"})))
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


def describe(
    scenarios: dict[str, Scenario],
    seed: int,
    replications: int,
    files: dict[str, str | Path] | None = None,
    command: str = "",
) -> dict[str, Any]:
    """The record of an experiment: its scenarios (the base first) and how it was run. `files` gives
    each scenario's file by label, for its notes and the sources of its costs."""
    labels = list(scenarios)
    base = scenarios[labels[0]]
    described = []
    for label, scenario in scenarios.items():
        path = Path(files[label]) if files and label in files else None
        described.append(
            {
                "label": label,
                "name": scenario.name,
                "title": scenario.title,
                "description": scenario.description,
                "sources": scenario.sources,
                "file": str(path) if path else "",
                "notes": file_notes(path) if path else "",
                "costs": scenario.costs.model_dump(),
                "costs_source": costs_block(path) if path else "",
                "changes": [list(change) for change in scenario_changes(base, scenario)] if label != labels[0] else [],
                "settings": dict(flat_fields(scenario.model_dump(mode="json", by_alias=True))),
            }
        )
    return {
        "base": labels[0],
        "seed": seed,
        "replications": replications,
        "start_date": base.start_date.isoformat(),
        "days": base.days,
        "warmup_days": base.warmup_days,
        "initial_state": bool(base.initial_state.patients or base.initial_state.file),
        "command": command,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "flowsim_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "scenarios": described,
    }


# The results ----------------------------------------------------------------------

@dataclass(frozen=True)
class ExperimentResults:
    """An experiment's KPI values, monthly totals and daily bands per scenario, and its record."""

    about: dict[str, Any]
    values: dict[str, pd.DataFrame]
    monthly: dict[str, pd.DataFrame]
    bands: pd.DataFrame
    validation: pd.DataFrame | None = None
    backcast: pd.DataFrame | None = None
    ran: int = field(default=0, compare=False)
    """Replications run to make these results (0 when read from a folder)."""
    reused: int = field(default=0, compare=False)
    """Replications taken from the store instead of run."""

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
        """The record of one scenario (name, description, file, notes, costs, changes)."""
        return next(s for s in self.about["scenarios"] if s["label"] == label)

    def title(self, label: str) -> str:
        """The scenario's title as a reader sees it (its label when the results predate titles)."""
        return str(self.scenario(label).get("title") or label)

    def replications(self, label: str) -> int:
        return len(self.values[label])

    def summary(self, label: str) -> pd.DataFrame:
        """Mean, 95% interval (within the bounds of each measure) and relative half-width of every KPI of
        one scenario, with unit and meaning."""
        values = self.values[label]
        bounds = {name: (measure(name).lower, measure(name).upper) for name in values.columns}
        return _kpi_info(values.columns).join(summarise(values, bounds=bounds), how="right")

    def runaways(self, label: str) -> str:
        """In words, the replications of `label` whose queues grew without bound, or "" if none did: their
        figures are not a steady state, and an option with any is never ranked."""
        values = self.values[label]
        if "runaway" not in values or not (values["runaway"] == 1).any():
            return ""
        ran = values[values["runaway"] == 1]
        queues = [c.removeprefix("runaway_") for c in values.columns if c.startswith("runaway_") and c != "runaway_day"]
        which = [f"{queue_label(q)} ({int((ran[f'runaway_{q}'] == 1).sum())})" for q in queues if (ran[f"runaway_{q}"] == 1).any()]
        return (
            f"{label}: {len(ran)} of {len(values)} replications ran away: {', '.join(which) or 'a queue still growing at the end'}; "
            f"first found on day {ran['runaway_day'].min():.0f} of the results period. Its figures are not a steady state."
        )

    def warnings(self) -> list[str]:
        """What a reader must know before trusting the figures: runaway queues, too few replications."""
        found = [words for label in self.labels if (words := self.runaways(label))]
        few = [label for label in self.labels if self.replications(label) < FEW_REPLICATIONS]
        if few:
            found.append(
                f"fewer than {FEW_REPLICATIONS} replications of {', '.join(few)}: intervals this wide are not a basis for decisions"
            )
        return found

    def summaries(self) -> pd.DataFrame:
        """`summary` of every scenario, one block each (index: scenario, kpi)."""
        return pd.concat({label: self.summary(label) for label in self.labels}, names=["scenario"])

    def comparison(self) -> pd.DataFrame:
        """Every option against the base: paired differences with 95% intervals, tidy, with units."""
        base = self.values[self.base]
        tables = [
            paired_differences(base, self.values[option]).assign(option=option).reset_index() for option in self.options
        ]
        table = pd.concat(tables, ignore_index=True)
        return table.merge(_kpi_info(table["kpi"].unique())[["unit"]], left_on="kpi", right_index=True, how="left")

    # On disk ---------------------------------------------------------------------

    def write(self, folder: Path) -> list[Path]:
        """Write the results folder (see the module's docstring), each file atomically; return the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        kpis = _kpi_info(dict.fromkeys(name for table in self.values.values() for name in table.columns))
        about = self.about | {"kpis": kpis.to_dict(orient="index")}
        tables: list[tuple[str, pd.DataFrame, bool]] = [
            ("kpi_values.csv", _tidy_values(self.values), False),
            ("monthly.csv", _tidy_monthly(self.monthly), False),
            ("bands.csv", self.bands, False),
        ]
        tables += [(name, table, False) for name, table in (("validation.csv", self.validation), ("backcast.csv", self.backcast)) if table is not None]
        if self.options:
            tables += [("summaries.csv", self.summaries(), True), ("comparison.csv", self.comparison(), False)]
        else:
            tables.append(("summary.csv", self.summary(self.base), True))
        paths = [folder / "experiment.json"]
        write_atomically(paths[0], lambda tmp: tmp.write_text(json.dumps(about, indent=1, default=str)))
        for name, table, index in tables:
            paths.append(folder / name)
            write_atomically(paths[-1], lambda tmp, t=table, i=index: t.to_csv(tmp, index=i))
        return paths

    @classmethod
    def read(cls, folder: str | Path) -> ExperimentResults:
        """Read a results folder written by `flowsim run --replications N`, `compare` or `validate`."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ScenarioError(f"{folder}: no such results folder")
        missing = [name for name in REQUIRED_FILES if not (folder / name).exists()]
        if missing:
            raise ScenarioError(
                f"{folder}: missing {', '.join(missing)}; a results folder comes from "
                "`flowsim compare` or `flowsim run --replications N` (N of 2 or more)"
            )
        try:
            return cls._read(folder)
        except (ValueError, KeyError, TypeError, StopIteration) as error:  # damaged or hand-edited files
            raise ScenarioError(
                f"{folder}: not a results folder flowsim can read ({type(error).__name__}: {error}); rerun the experiment"
            ) from None

    @classmethod
    def _read(cls, folder: Path) -> ExperimentResults:
        about = json.loads((folder / "experiment.json").read_text())
        about.pop("kpis", None)
        values = pd.read_csv(folder / "kpi_values.csv")
        monthly = folder / "monthly.csv"
        validation, backcast = folder / "validation.csv", folder / "backcast.csv"
        results = cls(
            about,
            {
                str(label): rows.pivot(index="replication", columns="kpi", values="value")
                .reindex(columns=pd.Index(dict.fromkeys(rows["kpi"]), name="kpi"))
                for label, rows in values.groupby("scenario", sort=False)
            },
            _wide_monthly(pd.read_csv(monthly)) if monthly.exists() else {},
            pd.read_csv(folder / "bands.csv"),
            pd.read_csv(validation) if validation.exists() else None,
            pd.read_csv(backcast) if backcast.exists() else None,
        )
        missing = [label for label in results.labels if label not in results.values]
        if missing or results.base not in results.labels:
            raise ValueError(f"kpi_values.csv has no values of {', '.join(missing) or results.base}")
        return results


def _kpi_info(names: Any) -> pd.DataFrame:
    """Unit and description of each KPI named, from the catalogue (old names read as today's)."""
    rows = {name: (measure(name).unit, measure(name).description) for name in names}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["unit", "description"]).rename_axis("kpi")


def _tidy_values(values: dict[str, pd.DataFrame]) -> pd.DataFrame:
    table = pd.concat({label: t.stack().rename("value") for label, t in values.items()}, names=["scenario"]).reset_index()
    table.columns = ["scenario", "replication", "kpi", "value"]
    return table


def _tidy_monthly(monthly: dict[str, pd.DataFrame]) -> pd.DataFrame:
    if not monthly:
        return pd.DataFrame(columns=["scenario", "replication", "month"])
    return pd.concat(monthly, names=["scenario"]).reset_index()


def _wide_monthly(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    wide = {}
    for label, rows in table.groupby("scenario", sort=False):
        rows = rows.drop(columns="scenario").assign(month=pd.PeriodIndex(rows["month"], freq="M"))
        wide[str(label)] = rows.set_index(["replication", "month"])
    return wide
