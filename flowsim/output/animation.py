"""A run's event log on disk, and the animation vidigi draws from it.

`write_event_logs` leaves, under a run's folder, `event_log/replication_NNNNN.csv.gz`
(the log of `flowsim.results.event_log`, one replication a file) and
`event_log/about.json` (the time unit, the warm-up's length in that unit, the
start date and the scenario). `animate` reads them back and writes one
self-contained HTML page (plotly's script embedded, nothing fetched) of a few
weeks after the warm-up: patients arriving, in the ED, the EAU and admission
avoidance, waiting for and in acute beds, waiting once medically fit in the
queue of what they wait for, in step-down beds, with reablement, home care or
a care home, and leaving. vidigi is an optional extra (`pip install
"flowsim[animate]"`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from flowsim.engine.vocabulary import DELAY_REASONS, slug
from flowsim.files import write_atomically
from flowsim.results.event_log import HELD_PLACES, TIME_UNIT, event_log
from flowsim.model.system import simulate
from flowsim.results.tables import write_table
from flowsim.scenario import HOURS_PER_DAY, Scenario, ScenarioError

FOLDER = "event_log"

LAYOUT = {
    "arrival": (60, 940, "Arrival"),
    "wait_for_ed_cubicle": (300, 940, "Waiting for an ED cubicle"),
    "wait_for_acute_bed": (1150, 940, "Waiting for an acute bed"),
    "ed_cubicle": (60, 860, "ED cubicles"),
    "eau_place": (700, 860, "EAU"),
    "admission_avoidance_place": (1150, 860, "Admission avoidance"),
    "acute_bed": (60, 700, "Acute beds: in treatment"),
    **{  # two rows, so that no label runs into the next
        slug(reason): (60 + 330 * (i % 4), 480 - 90 * (i // 4), f"Medically fit, {reason}")
        for i, reason in enumerate(DELAY_REASONS)
    },
    "step_down_bed": (60, 260, "Step-down beds"),
    "reablement": (700, 260, "Reablement (HART)"),
    "home_care": (950, 260, "Home care"),
    "care_home": (1200, 260, "Care home placements"),
    "depart": (1350, 60, "Left"),
    "exit": (1350, 20, ""),
}
"""Where each event sits on the screen: name -> (x, y, label), the journey reading from the top down."""


def replication_event_log(scenario: Scenario, seed: int, replication: int) -> pd.DataFrame:
    """Run one replication and return its event log; runs in a worker (the same seed gives the same run)."""
    return event_log(simulate(scenario, seed, replication))


def write_event_logs(scenario: Scenario, seed: int, logs: dict[int, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each replication's event log, and what reading them needs, under `folder/event_log`; return the paths."""
    where = folder / FOLDER
    where.mkdir(parents=True, exist_ok=True)
    written = [write_table(log, where / f"replication_{replication:05d}.csv.gz") for replication, log in sorted(logs.items())]
    about = {
        "time_unit": TIME_UNIT,
        "warm_up": scenario.warmup_hours,
        "start_date": scenario.start_date.isoformat(),
        "days": scenario.days,
        "scenario": scenario.title,
        "seed": seed,
        "replications": sorted(logs),
    }
    path = where / "about.json"
    write_atomically(path, lambda tmp: tmp.write_text(json.dumps(about, indent=1)))
    return [*written, path]


def read_event_log(folder: Path, replication: int = 0) -> tuple[pd.DataFrame, dict[str, object]]:
    """The event log of one replication of a results folder, and its `about.json`."""
    where = folder / FOLDER
    path = where / f"replication_{replication:05d}.csv.gz"
    if not path.exists() or not (where / "about.json").exists():
        raise ScenarioError(f"{folder}: no event log of replication {replication}; run `flowsim run ... --event-log --out {folder}`")
    log = pd.read_csv(path, dtype={"resource_id": "Int64", "pathway": str})
    return log, json.loads((where / "about.json").read_text())


def animate(folder: Path, out: Path, days: int = 21, replication: int = 0, every_hours: int = 6) -> Path:
    """Write a self-contained animated HTML page of `days` days after the warm-up of one replication."""
    log, about = read_event_log(folder, replication)  # a missing log is the first thing to say
    try:
        from vidigi.animation import animate_activity_log
    except ImportError:
        raise ScenarioError('flowsim animate needs vidigi: pip install "flowsim[animate]"') from None
    warm_up = float(about["warm_up"])  # type: ignore[arg-type]
    held = {name for _, _, name in HELD_PLACES}
    counts = log[log["event_type"] == "resource_use"].groupby("event")["resource_id"].max().astype(int).to_dict()
    positions = pd.DataFrame(
        [
            {"event": name, "x": x, "y": y, "label": label, **({"resource": name} if name in held and name in counts else {})}
            for name, (x, y, label) in LAYOUT.items()
            if name in ("arrival", "depart", "exit") or name in set(log["event"])
        ]
    )
    figure = animate_activity_log(
        log,
        positions,
        scenario={name: counts[name] for name in held if name in counts},
        entity_col_name="entity_id",
        pathway_col_name="pathway",
        run_col_name="run",
        simulation_time_unit=TIME_UNIT,
        every_x_time_units=every_hours,
        warm_up=int(warm_up),
        limit_duration=int(warm_up + days * HOURS_PER_DAY),
        wrap_queues_at=25,
        wrap_resources_at=40,
        step_snapshot_max=50,
        start_date=str(about["start_date"]),
        time_display_units="dhm",
        entity_icon_size=12,
        resource_icon_size=12,
        text_size=12,
        gap_between_entities=8,
        gap_between_resources=8,
        plotly_height=1000,
        plotly_width=1500,
    )
    figure.update_layout(title=f"{about['scenario']}: {days} days after the warm-up (replication {replication})")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, lambda tmp: figure.write_html(tmp, include_plotlyjs=True, full_html=True))
    return out
