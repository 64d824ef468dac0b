"""The `flowsim` command: run scenarios from the shell.

    flowsim run scenarios/oxfordshire_2017.yaml --seed 1 --days 365 --out outputs/baseline

A scenario that cannot be run is reported with its file, field and what is
allowed, exit status 2, before anything is simulated or written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from flowsim.reference import write_reference
from flowsim.scenario import ScenarioError, load_scenario
from flowsim.system import simulate

EXIT_BAD_INPUT = 2


def _run(args: argparse.Namespace) -> int:
    overrides = {"days": args.days} if args.days else None
    scenario = load_scenario(args.scenario, overrides)
    out = Path(args.out) if args.out else Path("outputs") / f"{scenario.name}-seed{args.seed}"
    result = simulate(scenario, seed=args.seed)
    print(format_kpis(result.kpis, f"{scenario.name} (seed {args.seed}, {scenario.days} days)"))
    written = result.write(out)
    print(f"\nWrote {', '.join(p.name for p in written)} to {out}")
    return 0


def format_kpis(kpis: pd.DataFrame, title: str) -> str:
    """A KPI table as text: name, value, unit, meaning."""
    lines = [title, "-" * len(title)]
    for name, row in kpis.iterrows():
        value = row["value"]
        shown = "—" if pd.isna(value) else f"{value:,.1%}" if row["unit"] == "share" else f"{value:,.2f}"
        lines.append(f"{name:<44} {shown:>12}  {row['unit']:<13} {row['description']}")
    return "\n".join(lines)


def _schema(args: argparse.Namespace) -> int:
    write_reference(Path(args.out))
    print(f"Wrote {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowsim", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="simulate one scenario and write its tables")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--days", type=int, help="days of results (overrides the scenario's `days`)")
    run.add_argument("--out", help="output folder (default outputs/NAME-seedS)")
    run.set_defaults(handler=_run)

    schema = commands.add_parser("schema", help="write the scenario file reference (Markdown)")
    schema.add_argument("--out", default="docs/scenarios.md")
    schema.set_defaults(handler=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as error:
        print(f"flowsim: invalid scenario\n{error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
