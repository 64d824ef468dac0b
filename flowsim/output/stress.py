"""The stress table drawn: each measure against the demand multiplier, with its 95% interval.

One small panel a measure, the demand multiplier along the bottom, the mean
over the replications that stayed stable with its interval (shares clipped
to 0-100%), and a last panel with the share of replications whose queues
ran away (Wilson's interval).
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from flowsim.results.catalogue import PERCENT_UNITS


def stress_figure(table: pd.DataFrame, title: str) -> Figure:
    """A panel a measure of `flowsim.analysis.stress.Stress.table`, against demand."""
    kpis = list(dict.fromkeys(table.kpi))
    columns = 4
    rows = math.ceil(len(kpis) / columns)
    figure = Figure(figsize=(3.2 * columns, 2.5 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for axis, kpi in zip(axes, kpis):
        rows_of = table[table.kpi == kpi].sort_values("demand")
        axis.fill_between(rows_of.demand, rows_of.lower, rows_of.upper, color="0.8")
        axis.plot(rows_of.demand, rows_of["mean"], "o-", color="0.15", markersize=3)
        axis.set_title(kpi.replace("_", " "), fontsize=8)
        axis.tick_params(labelsize=7)
        if rows_of.unit.iloc[0] in PERCENT_UNITS:
            axis.yaxis.set_major_formatter(PercentFormatter(1.0))
    for axis in axes[len(kpis) :]:
        axis.set_visible(False)
    figure.suptitle(f"{title}: means and 95% intervals against the demand multiplier", fontsize=10)
    figure.supxlabel("demand multiplier", fontsize=8)
    return figure
