"""Figures for experiments: warm-up analysis, option comparisons and sweep heat-maps.

Every figure is written to a file (PNG), atomically, with a headless backend,
so plots work on servers and in CI.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from flowsim.results import write_atomically  # noqa: E402


def _save(figure: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    write_atomically(path, lambda tmp: figure.savefig(tmp, format=path.suffix.lstrip("."), dpi=110))
    plt.close(figure)
    return path


def warmup_figure(series: dict[str, pd.DataFrame], averages: dict[str, pd.Series], cut: int, path: Path) -> Path:
    """Welch's plot: each measure's daily value per replication, their mean's moving average, and the cut."""
    figure, axes = plt.subplots(len(series), 1, figsize=(9, 2.6 * len(series)), sharex=True, squeeze=False)
    for axis, (measure, table) in zip(axes[:, 0], series.items()):
        axis.plot(table.index, table.to_numpy(), color="0.8", linewidth=0.6)
        axis.plot(table.index, table.mean(axis=1), color="0.4", linewidth=0.8, label="mean of replications")
        axis.plot(averages[measure].index, averages[measure], color="C0", linewidth=1.6, label="moving average")
        axis.axvline(cut, color="C3", linestyle="--", label=f"warm-up {cut} days")
        axis.set_ylabel(measure.replace("_", " "))
    axes[0, 0].legend(loc="lower right", fontsize=8)
    axes[-1, 0].set_xlabel("day from an empty system")
    return _save(figure, path)


def comparison_figure(comparison: pd.DataFrame, kpis: list[str], path: Path) -> Path:
    """Forest plot: each option's change from the base as a share of the base, with its 95% interval."""
    rows = comparison[comparison["kpi"].isin(kpis)].copy()
    base = rows["base_mean"].replace(0, np.nan).abs()
    for column in ("difference", "lower", "upper"):
        rows[column] = rows[column] / base * 100
    options = list(dict.fromkeys(rows["option"]))
    figure, axis = plt.subplots(figsize=(9, 0.45 * len(kpis) * max(len(options), 1) + 1.5))
    height = 0.8 / max(len(options), 1)
    for i, option in enumerate(options):
        mine = rows[rows["option"] == option].set_index("kpi").reindex(kpis)
        y = np.arange(len(kpis)) + i * height
        axis.errorbar(
            mine["difference"],
            y,
            xerr=[mine["difference"] - mine["lower"], mine["upper"] - mine["difference"]],
            fmt="o",
            capsize=3,
            label=option,
        )
    axis.axvline(0, color="0.3", linewidth=0.8)
    axis.set_yticks(np.arange(len(kpis)) + height * (len(options) - 1) / 2, [k.replace("_", " ") for k in kpis])
    axis.invert_yaxis()
    axis.set_xlabel("change from base (% of base mean), 95% paired interval")
    axis.legend(fontsize=8)
    return _save(figure, path)


def heatmap_figure(table: pd.DataFrame, kpi: str, path: Path) -> Path:
    """A KPI's mean over a two-parameter grid (rows: first parameter, columns: second)."""
    figure, axis = plt.subplots(figsize=(1.2 * table.shape[1] + 3, 0.7 * table.shape[0] + 2))
    image = axis.imshow(table.to_numpy(dtype=float), cmap="viridis_r", aspect="auto")
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        axis.text(j, i, f"{value:,.3g}", ha="center", va="center", color="white", fontsize=8)
    axis.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
    axis.set_yticks(range(table.shape[0]), [str(r) for r in table.index])
    axis.set_xlabel(str(table.columns.name))
    axis.set_ylabel(str(table.index.name))
    axis.set_title(kpi.replace("_", " ") + " (mean of replications)")
    figure.colorbar(image, ax=axis)
    return _save(figure, path)
