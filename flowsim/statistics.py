"""Confidence intervals across replications, paired comparisons and warm-up analysis.

Every headline figure is a mean over independent replications with a Student t
95% interval. Options are compared with the same seeds (common random numbers),
so the interval on a difference comes from the paired differences, which is
much narrower than comparing two separate intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95

SUMMARY_COLUMNS = ["mean", "sd", "n", "lower", "upper", "half_width", "relative_half_width"]


def t_interval(values: pd.Series, confidence: float = CONFIDENCE) -> dict[str, float]:
    """Mean, standard deviation and Student t interval of the non-missing values."""
    values = values.dropna().astype(float)
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
    if n > 1 and sd == 0.0:
        half = 0.0
    relative = half / abs(mean) if mean else (0.0 if half == 0.0 else math.inf)
    return {
        "mean": mean,
        "sd": sd,
        "n": n,
        "lower": mean - half,
        "upper": mean + half,
        "half_width": half,
        "relative_half_width": relative,
    }


Bounds = dict[str, tuple[float | None, float | None]]
"""Each measure's lowest and highest possible values (None: unbounded), by name."""


def summarise(values: pd.DataFrame, confidence: float = CONFIDENCE, bounds: Bounds | None = None) -> pd.DataFrame:
    """One row per KPI (a column of `values`, one row per replication): mean and interval.

    With `bounds`, an interval is cut to the values its measure can take: the t interval of a share
    near 0 or 1 can reach past them, which no replication can (the mean stays inside, and the cut
    interval still covers every value the mean can have)."""
    rows = {kpi: t_interval(values[kpi], confidence) for kpi in values.columns}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=SUMMARY_COLUMNS).rename_axis("kpi")
    for kpi, (lowest, highest) in (bounds or {}).items():
        if kpi in table.index:
            table.loc[kpi, ["lower", "upper"]] = table.loc[kpi, ["lower", "upper"]].clip(lowest, highest).to_numpy()
    return table


def paired_differences(base: pd.DataFrame, option: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Option minus base, paired by replication, with a t interval on the difference.

    `distinguishable` is False when the interval contains zero (or there is no
    interval), i.e. the data cannot tell the option from the base.
    """
    rows = {}
    shared = base.index.intersection(option.index)
    for kpi in base.columns.intersection(option.columns):
        both = pd.DataFrame({"base": base.loc[shared, kpi], "option": option.loc[shared, kpi]}).dropna()
        interval = t_interval(both["option"] - both["base"], confidence)
        rows[kpi] = {
            "base_mean": float(both["base"].mean()) if len(both) else math.nan,
            "option_mean": float(both["option"].mean()) if len(both) else math.nan,
            "difference": interval["mean"],
            "lower": interval["lower"],
            "upper": interval["upper"],
            "n": interval["n"],
            "distinguishable": bool(interval["lower"] > 0 or interval["upper"] < 0),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("kpi")


def precise_from(values: pd.DataFrame, kpis: list[str], target: float, minimum: int = 3) -> int | None:
    """The fewest replications after which every chosen KPI's relative half-width stays within `target`.

    Replications are taken in order (0, 1, 2, ...); the answer is the smallest
    n >= minimum such that the interval from the first n, and from every larger
    prefix run so far, is within target. None if the last prefix is not.
    """
    found = None
    for n in range(len(values), minimum - 1, -1):
        head = values.iloc[:n]
        if all(t_interval(head[kpi])["relative_half_width"] <= target for kpi in kpis):
            found = n
        else:
            break
    return found


class RunningBands:
    """Each day's mean and t interval across replications of a table of daily measures, kept as
    running sums so that memory does not grow with the number of replications.

    Every table added must have the same dates and measures; missing values (a ratio on a
    day with nothing to divide by) are left out of that day's mean.
    """

    def __init__(self) -> None:
        self.index: pd.Index | None = None
        self.columns: pd.Index | None = None
        self._count = self._total = self._squares = np.zeros(0)

    def add(self, table: pd.DataFrame) -> None:
        values = table.to_numpy(dtype=float)
        if self.index is None:
            self.index, self.columns = table.index, table.columns
            self._count, self._total, self._squares = (np.zeros(values.shape) for _ in range(3))
        elif not (table.index.equals(self.index) and table.columns.equals(self.columns)):
            raise ValueError("every replication's daily table must have the same dates and measures")
        present = ~np.isnan(values)
        values = np.where(present, values, 0.0)
        self._count += present
        self._total += values
        self._squares += values * values

    def summary(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """Tidy: one row per (date, measure) with mean, lower, upper and n."""
        assert self.index is not None and self.columns is not None, "no replication added yet"
        n = self._count
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self._total / n
            variance = np.maximum(self._squares - n * mean * mean, 0.0) / (n - 1)
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * np.sqrt(variance / n)
        frames = {
            name: pd.DataFrame(values, index=self.index, columns=self.columns).stack(future_stack=True)
            for name, values in (("mean", mean), ("lower", mean - half), ("upper", mean + half), ("n", n))
        }
        table = pd.DataFrame(frames)
        table.index.names = ["date", "measure"]
        return table.reset_index()


def moving_average(series: pd.Series, window: int) -> pd.Series:
    """Welch's centred moving average, with the window shrinking near the start."""
    values = series.to_numpy(dtype=float)
    out = np.empty_like(values)
    for i in range(len(values)):
        half = min(window, i, len(values) - 1 - i)
        out[i] = values[i - half : i + half + 1].mean()
    return pd.Series(out, index=series.index)


def mser5(series: pd.Series) -> int:
    """MSER-5 truncation point (in observations) of a series of daily values.

    Batches the series into means of 5, then picks the number of batches d to
    delete that minimises the squared standard error of the remaining mean,
    searching only the first half (White, 1997; Hoad, Robinson and Davies, 2010).
    """
    values = series.dropna().to_numpy(dtype=float)
    batches = values[: len(values) // 5 * 5].reshape(-1, 5).mean(axis=1)
    k = len(batches)
    if k < 4:
        return 0
    best, best_d = math.inf, 0
    for d in range(k // 2):
        rest = batches[d:]
        statistic = float(np.sum((rest - rest.mean()) ** 2)) / len(rest) ** 2
        if statistic < best:
            best, best_d = statistic, d
    return best_d * 5


def mser5_limit(observations: int) -> int:
    """The longest truncation `mser5` can return for a series of `observations` values: the start of
    the last batch of the first half it searches. A truncation at this limit says the series had not
    settled within half the run, not that it settled there."""
    return max(observations // 5 // 2 - 1, 0) * 5


def ratio_interval(numerator: pd.Series, denominator: pd.Series, confidence: float = CONFIDENCE) -> dict[str, float]:
    """The ratio of two means paired by replication (e.g. extra cost over bed days saved), with
    Fieller's interval.

    The interval is bounded only when the denominator's mean is distinguishable
    from zero; otherwise `lower` and `upper` are -inf and inf: the data allow
    any ratio. With a numerator that does not vary it is the numerator over
    the ends of the denominator's t interval.
    """
    both = pd.DataFrame({"a": numerator, "b": denominator}).dropna().astype(float)
    n = len(both)
    a, b = float(both["a"].mean()) if n else math.nan, float(both["b"].mean()) if n else math.nan
    ratio = a / b if n and b != 0 else math.nan
    if n < 2:
        return {"ratio": ratio, "lower": math.nan, "upper": math.nan, "n": n}
    covariance = both.cov().to_numpy() / n
    t2 = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) ** 2
    quadratic = b * b - t2 * covariance[1, 1]
    linear = a * b - t2 * covariance[0, 1]
    constant = a * a - t2 * covariance[0, 0]
    discriminant = linear * linear - quadratic * constant
    if quadratic <= 0 or discriminant < 0:
        return {"ratio": ratio, "lower": -math.inf, "upper": math.inf, "n": n}
    root = math.sqrt(discriminant)
    return {"ratio": ratio, "lower": (linear - root) / quadratic, "upper": (linear + root) / quadratic, "n": n}


def bounded_t_interval(values: pd.Series, lower: float | None, upper: float | None, confidence: float = CONFIDENCE) -> dict[str, float]:
    """The t interval clipped to what the measure can be (a share to [0, 1]): the clipped ends are
    not exact intervals, but an end beyond a bound says nothing a bound does not."""
    interval = t_interval(values, confidence)
    interval["lower"], interval["upper"] = clipped(interval["lower"], interval["upper"], lower, upper)
    return interval


def clipped(low: float, high: float, lower: float | None, upper: float | None) -> tuple[float, float]:
    """The interval (low, high) within the bounds (None: unbounded that side)."""
    floor, ceiling = -math.inf if lower is None else lower, math.inf if upper is None else upper
    return min(max(low, floor), ceiling), max(min(high, ceiling), floor)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> dict[str, float]:
    """The share of `n` trials that succeeded, with Wilson's score interval (within [0, 1] by construction)."""
    if n == 0:
        return {"mean": math.nan, "lower": math.nan, "upper": math.nan, "n": 0}
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return {"mean": share, "lower": max(0.0, centre - half), "upper": min(1.0, centre + half), "n": n}
