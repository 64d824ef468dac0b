"""Options page: change the baseline's levers in a form, see what each option changes, download its YAML.

Each lever is a scenario field; the form writes the fields changed into an
option file that `extends:` the baseline, and reads it with `load_scenario`,
so a value the scenario models refuse is refused with the file's message,
shown under the field it is about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from flowsim.app.state import Option, Session
from flowsim.results.experiment_results import flat_fields, scenario_changes
from flowsim.scenario import CAPACITIES, Scenario, ScenarioError
from flowsim.scenario.loading import deep_merge, nested


@dataclass(frozen=True)
class Lever:
    """One number a planner changes: the scenario field it sets, and its words."""

    field: str
    label: str
    whole: bool = True


LEVERS = (
    Lever("wards.general_beds", "General and acute beds"),
    Lever("wards.escalation.beds", "Escalation beds (opened under pressure)"),
    Lever("reablement.hours_per_month", "HART reablement: care hours a month", whole=False),
    Lever("home_care.hours_per_month", "Home care: care hours a month", whole=False),
    Lever("step_down.beds", "Step-down beds"),
    Lever("discharge.discharges_per_weekday", "Discharges a weekday"),
    Lever("admission_avoidance.places", "Admission avoidance places"),
)
"""The levers of the form, in the order of a patient's journey; each shown when the baseline has its service."""

DEMAND = "demand_multiplier"
WEEKEND = "discharge.day_of_week_capacity"
CHANGES = "capacity_changes"


def _key(field: str) -> str:
    return f"option_{field}"


def _settings(scenario: Scenario) -> dict[str, Any]:
    return dict(flat_fields(scenario.model_dump(mode="json")))


def form_changes(scenario: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """The fields an option sets, from the form's values: only those that differ from the baseline, nested as
    in a scenario file (`values` by field; demand as a % change; the weekend as Saturday and Sunday shares;
    a capacity change as (capacity, date, value) or None)."""
    settings = _settings(scenario)
    changes: dict[str, Any] = {}
    for lever in LEVERS:
        value = values.get(lever.field)
        if value is not None and value != settings.get(lever.field):
            changes = deep_merge(changes, nested(lever.field, int(value) if lever.whole and float(value).is_integer() else value))
    if values.get(DEMAND):
        changes[DEMAND] = round(scenario.demand_multiplier * (1 + values[DEMAND] / 100), 10)
    week = list(scenario.discharge.day_of_week_capacity)
    weekend = values.get(WEEKEND)
    if weekend is not None and list(weekend) != week[5:]:
        changes = deep_merge(changes, nested(WEEKEND, [*week[:5], *weekend]))
    if values.get(CHANGES) is not None:
        capacity, date, value = values[CHANGES]
        existing = [change.model_dump(mode="json") for change in scenario.capacity_changes]
        changes[CHANGES] = [*existing, {"date": date.isoformat(), "capacity": capacity, "value": value}]
    return changes


def field_of(line: str) -> str:
    """The field a message line of a scenario error is about ("x.yaml: wards.general_beds: ..." -> its path)."""
    parts = line.split(": ", 2)
    return parts[1] if len(parts) == 3 else ""


def widget_of(field: str) -> str:
    """The form's field a scenario field's message belongs under ("" for the form as a whole)."""
    for own in (*(lever.field for lever in LEVERS), DEMAND, WEEKEND, CHANGES, "name", "title"):
        if field == own or field.startswith(f"{own}."):
            return own
    return ""


def _values() -> dict[str, Any]:
    state = st.session_state
    values: dict[str, Any] = {lever.field: state.get(_key(lever.field)) for lever in LEVERS}
    values[DEMAND] = state.get(_key(DEMAND))
    if state.get(_key("saturday")) is not None and state.get(_key("sunday")) is not None:
        values[WEEKEND] = [state[_key("saturday")], state[_key("sunday")]]
    if state.get(_key("change_on")):
        values[CHANGES] = (state[_key("change_capacity")], state[_key("change_date")], state[_key("change_value")])
    return values


def _submit(session: Session) -> None:
    """Make the option from the form (a callback, so its messages show at the fields on the next draw)."""
    state = st.session_state
    name, title = (state.get(_key("name")) or "").strip(), (state.get(_key("title")) or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        session.add_option(name, title or name, form_changes(session.base.scenario, _values()))
        state["option_made"] = name
    except ScenarioError as error:
        for line in str(error).splitlines():
            errors.setdefault(widget_of(field_of(line)), []).append(line)
        state["option_made"] = None
    state["option_errors"] = errors


def _field_errors(field: str) -> None:
    for line in st.session_state.get("option_errors", {}).get(field, []):
        st.error(line)


def show(session: Session) -> None:
    st.header("Options")
    scenario = session.base.scenario
    settings = _settings(scenario)
    st.write(f"Each option starts from **{scenario.title}** and changes what you set here.")
    with st.form("option", clear_on_submit=False):
        st.text_input("Short name (a file name: letters, digits, - and _)", key=_key("name"))
        _field_errors("name")
        st.text_input("Title, as the report shows it", key=_key("title"))
        st.number_input("Demand: % change from the baseline", value=0.0, step=1.0, key=_key(DEMAND))
        _field_errors(DEMAND)
        for lever in LEVERS:
            if settings.get(lever.field) is None:
                continue
            step = 1.0 if lever.whole else 100.0
            st.number_input(lever.label, value=float(settings[lever.field]), step=step, format="%g", key=_key(lever.field))
            _field_errors(lever.field)
        week = scenario.discharge.day_of_week_capacity
        left, right = st.columns(2)
        left.number_input("Saturday discharges, share of a weekday's", value=float(week[5]), step=0.1, key=_key("saturday"))
        right.number_input("Sunday discharges, share of a weekday's", value=float(week[6]), step=0.1, key=_key("sunday"))
        _field_errors(WEEKEND)
        st.checkbox("Change a capacity from a date (winter funding)", key=_key("change_on"))
        one, two, three = st.columns(3)
        one.selectbox("Capacity", CAPACITIES, index=CAPACITIES.index("reablement_hours_per_month"), key=_key("change_capacity"))
        two.date_input("From", value=dt.date(scenario.start_date.year, 12, 1), key=_key("change_date"))
        three.number_input("New value", value=0.0, step=1.0, key=_key("change_value"))
        _field_errors(CHANGES)
        st.form_submit_button("Make this option", on_click=_submit, args=(session,))
    _field_errors("")
    if st.session_state.get("option_made"):
        st.success(f"Option {st.session_state['option_made']} made.")
    for name, option in session.options.items():
        _option(session, name, option)


def _option(session: Session, name: str, option: Option) -> None:
    with st.expander(f"{option.scenario.title} ({name}.yaml)", expanded=True):
        changes = scenario_changes(session.base.scenario, option.scenario)
        st.dataframe(pd.DataFrame(changes, columns=["what it changes", session.base.scenario.title, option.scenario.title]))
        left, right = st.columns(2)
        left.download_button("Download the YAML", option.text, file_name=f"{name}.yaml", mime="application/x-yaml", key=f"download_{name}")
        if right.button("Remove", key=f"remove_{name}"):
            del session.options[name]
            st.rerun()
