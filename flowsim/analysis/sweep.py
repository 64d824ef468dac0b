"""Sweeps: one scenario run over a grid of values of one or two of its fields.

A grid file names the dotted scenario fields to vary and the values each
takes, for example

    parameters:
      reablement.hours_per_month: [6000, 8000, 10000]
      step_down.beds: [40, 60, 80]
    heatmap: occupancy_mean
    target: 0.92

Every combination is loaded as an override of the base file (so a value
outside what the field allows is refused, naming the grid file and its
point, before anything runs) and run with the same seeds, so neighbouring
points differ by the change and not by chance. The result is a tidy table
of every KPI at every point and, for the heat-map, the chosen KPI's mean
over the grid.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field

from flowsim.experiment import ReplicationStore, Runner, run_experiment
from flowsim.results.catalogue import KPIS, current_name, produced_by
from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import Model, Scenario, ScenarioError, load_scenario
from flowsim.scenario.loading import read_settings


class Grid(Model):
    """A sweep: dotted scenario fields and the values each takes; every combination is run."""

    parameters: dict[str, list[Any]] = Field(min_length=1, max_length=2)
    heatmap: str = Field(default="delayed_bed_days_per_day", description="the KPI drawn as a heat-map")
    target: float | None = Field(default=None, description="the heat-map KPI's target, drawn as a contour (e.g. 0.92)")


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid file; a mistake names the file and field."""
    grid = read_settings(path, Grid, "grid file")
    if current_name(grid.heatmap) != grid.heatmap:
        renamed = f"{path}: heatmap: {grid.heatmap} is now {current_name(grid.heatmap)}; the old name still works"
        warnings.warn(renamed, FutureWarning, stacklevel=2)
        grid = grid.model_copy(update={"heatmap": current_name(grid.heatmap)})
    if grid.heatmap not in KPIS:
        raise ScenarioError(f"{path}: heatmap: no KPI called {grid.heatmap}; `flowsim kpis` lists them")
    return grid


def grid_scenarios(
    base: str | Path, grid_file: str | Path, grid: Grid, overrides: dict[str, Any], sources: dict[str, str]
) -> dict[str, Scenario]:
    """The scenario of every point of the grid, labelled 'field=value, field=value', all checked first.

    `overrides` (set on every point) name their `sources` in error messages; the grid's values name
    the grid file and the point."""
    names = list(grid.parameters)
    scenarios = {}
    for point in itertools.product(*grid.parameters.values()):
        label = ", ".join(f"{n}={v}" for n, v in zip(names, point))
        where = {**sources, **dict.fromkeys(names, f"{grid_file} (grid point {label})")}
        scenarios[label] = load_scenario(base, {**overrides, **dict(zip(names, point))}, where)
    first = next(iter(scenarios.values()))
    if grid.heatmap not in produced_by(first):
        raise ScenarioError(f"{grid_file}: heatmap: {grid.heatmap} is not a KPI of {first.name}; `flowsim kpis` lists them")
    return scenarios


@dataclass(frozen=True)
class Sweep:
    """What a sweep gives: every KPI at every point, the heat-map KPI over the grid, and the experiment."""

    table: pd.DataFrame
    """A row per point and KPI: the fields' values, kpi, unit, mean, lower, upper, half_width, n."""
    square: pd.DataFrame
    """The heat-map KPI's mean: rows the first field's values, columns the second's (or one column)."""
    results: ExperimentResults


def run_sweep(
    scenarios: dict[str, Scenario],
    grid: Grid,
    replications: int,
    seed: int = 0,
    store: ReplicationStore | None = None,
    runner: Runner | None = None,
) -> Sweep:
    """Run every point of the grid (`grid_scenarios`) with the same seeds and tabulate the KPIs."""
    names = list(grid.parameters)
    points = list(itertools.product(*grid.parameters.values()))
    results = run_experiment(scenarios, replications, seed, store, runner)
    rows = [results.summary(label).reset_index().assign(**dict(zip(names, point))) for point, label in zip(points, scenarios)]
    table = pd.concat(rows, ignore_index=True)[[*names, "kpi", "unit", "mean", "lower", "upper", "half_width", "n"]]
    chosen = table[table["kpi"] == grid.heatmap]
    if len(names) == 2:
        square = chosen.pivot_table(index=names[0], columns=names[1], values="mean")
    else:
        square = chosen.set_index(names[0])[["mean"]].rename(columns={"mean": grid.heatmap})
    return Sweep(table, square, results)
