"""Compare a flowsim run of the Oxfordshire 2017 baseline with the published figures.

    python notebooks/calibration_check.py OUT_DIR [OUT_DIR ...]

Each OUT_DIR is the --out folder of `flowsim run scenarios/oxfordshire_2017.yaml`.
Reads kpis.csv, census.csv and patients.csv and prints the model's value of
each calibration target (docs/calibration.md), per run and the mean over runs.
Figures the engine's KPI table does not give directly (older people only,
per 100,000 population, Nov-Dec OPEL, county DTOC including step-down beds)
are computed here from the run's tables.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import flowsim  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "oxfordshire_2017.yaml"


def measure(out: Path, scenario) -> dict[str, float]:
    k = pd.read_csv(out / "kpis.csv", index_col=0)["value"]
    census = pd.read_csv(out / "census.csv", parse_dates=["date"])
    pts = pd.read_csv(out / "patients.csv")
    days = scenario.days
    end = days * 24.0
    adults = scenario.population.adults
    old65 = scenario.population.aged_65_plus
    res = census[~census.warmup]
    m: dict[str, float] = {}
    m["occupancy_mean (census)"] = k["occupancy_mean"]
    m["occupancy Apr-Jun (Q1)"] = res[res.date.dt.month.isin([4, 5, 6])].occupancy.mean()
    m["occupancy Nov-Dec"] = res[res.date.dt.month.isin([11, 12])].occupancy.mean()
    m["occupancy_p90"] = k["occupancy_p90"]
    # delayed transfers: acute medically fit (not counting P0 waiting for a
    # discharge slot), plus step-down beds waiting to move on
    slot = res["delayed_awaiting_discharge_slot"]
    acute_dtoc = res.medically_fit - slot
    county = acute_dtoc + res.get("step_down_delayed", 0)
    m["delayed in acute beds (excl. discharge slot)"] = acute_dtoc.mean()
    m["delayed awaiting discharge slot (P0, acute)"] = slot.mean()
    m["delayed in step-down beds"] = res.get("step_down_delayed", pd.Series([0])).mean()
    m["county delayed people/day"] = county.mean()
    m["county delayed bed days/yr"] = county.mean() * 365
    m["delayed/day/100k adults (year)"] = county.mean() / adults * 1e5
    m["delayed/day/100k adults (Jul 2017)"] = (county[res.date.dt.month == 7]).mean() / adults * 1e5
    for reason in ("awaiting_assessment", "patient_or_family_choice", "awaiting_reablement",
                   "awaiting_home_care_package", "awaiting_step_down_bed", "awaiting_care_home"):
        m[f"acute delayed: {reason}"] = res[f"delayed_{reason}"].mean()
    m["acute home-care+reablement /100k adults"] = (
        res.delayed_awaiting_home_care_package + res.delayed_awaiting_reablement).mean() / adults * 1e5
    m["acute choice /100k adults"] = res.delayed_patient_or_family_choice.mean() / adults * 1e5
    # older people's spells (HES-like: EAU stays count as admissions)
    old = pts[(pts.group == "older")]
    ward = old[(old.acute_discharge >= 0) & (old.acute_discharge < end)]
    spell_start = ward.eau_start.where(ward.eau_start.notna(), ward.bed_start)
    ward_los = (ward.acute_discharge - ward.bed_start) / 24
    spell_los = (ward.acute_discharge - spell_start) / 24
    eau_home = old[(old.destination == "home from EAU") & (old.eau_end >= 0) & (old.eau_end < end)]
    eau_los = (eau_home.eau_end - eau_home.eau_start) / 24
    all_spells = pd.concat([spell_los, eau_los])
    m["older ward LOS mean"] = ward_los.mean()
    m["older ward LOS >7d share"] = (ward_los >= 7).mean()
    m["older ward LOS p90"] = np.percentile(ward_los, 90)
    m["older spells (EAU+ward) >7d share"] = (all_spells >= 7).mean()
    m["older spells (EAU+ward) p90"] = np.percentile(all_spells, 90)
    m["older spells per day"] = len(all_spells) / days
    m["older spells /100k 65+ /yr"] = len(all_spells) / days * 365 / old65 * 1e5
    m["admissions_per_day"] = k["admissions_per_day"]
    m["eau_conversion"] = k["eau_conversion"]
    m["four_hour_performance"] = k["four_hour_performance"]
    m["handovers_over_15_min"] = k["handovers_over_15_min"]
    m["trolley_waits_over_12h /yr"] = k["trolley_waits_over_12h"] * 365 / days
    m["hart_hours_per_month"] = k.get("hart_hours_per_month", np.nan)
    m["hart_utilisation"] = k.get("hart_hours_utilisation", np.nan)
    m["weekend_discharge_share (all)"] = k["weekend_discharge_share"]
    wk = (pd.Timestamp(scenario.start_date).weekday() + (ward.acute_discharge // 24).astype(int)) % 7 >= 5
    m["weekend discharge share (older)"] = wk.mean()
    # readmissions of older people
    old_left = len(ward)
    back = old[(old.readmission) & (old.arrival >= 0) & (old.arrival < end)]
    m["older returns within 30d / discharges"] = len(back) / max(old_left, 1)
    m["older readmitted to a bed within 30d / discharges"] = back.bed_start.notna().sum() / max(old_left, 1)
    m["readmission_rate (engine KPI, all)"] = k["readmission_rate"]
    m["care home admissions /yr"] = k["care_home_admissions_per_year"]
    m["care home admissions /100k 65+"] = k["care_home_admissions_per_year"] / old65 * 1e5
    nd = res[res.date.between("2017-11-01", "2017-12-31")]
    m["OPEL 3+ days Nov-Dec (of 61)"] = (nd.opel >= 3).sum()
    m["OPEL 4 days Nov-Dec (of 61)"] = (nd.opel >= 4).sum()
    m["OPEL 3+ days, whole year"] = (res.opel >= 3).sum()
    m["stranded share of occupied"] = (res.stranded / res.acute_occupied).mean()
    m["super-stranded share of occupied"] = (res.super_stranded / res.acute_occupied).mean()
    for p in range(4):
        m[f"pathway_{p}_share"] = k[f"pathway_{p}_share"]
    m["step_down_occupied_mean"] = k.get("step_down_occupied_mean", np.nan)
    m["step_down_waiting_mean"] = k.get("step_down_waiting_mean", np.nan)
    m["home_care_waiting_mean"] = k.get("home_care_hours_waiting_mean", np.nan)
    m["hart_waiting_mean"] = k.get("hart_hours_waiting_mean", np.nan)
    return m


def main(folders: list[str]) -> None:
    scenario = flowsim.load_scenario(SCENARIO)
    runs = {}
    for folder in folders:
        out = Path(folder)
        days = len(pd.read_csv(out / "census.csv").query("~warmup"))
        runs[out.name] = measure(out, scenario.model_copy(update={"days": days}))
    table = pd.DataFrame(runs)
    table["mean"] = table.mean(axis=1)
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.float_format", "{:,.3f}".format):
        print(table)


if __name__ == "__main__":
    main(sys.argv[1:])
