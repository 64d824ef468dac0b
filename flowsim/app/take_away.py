"""Take away page: the report, the workbook, every option's scenario file and the run's record, to download."""

from __future__ import annotations

import io
import json
import zipfile

import streamlit as st

from flowsim.app.state import Session
from flowsim.output.report import write_report
from flowsim.output.workbook import experiment_workbook
from flowsim.results.experiment_results import ExperimentResults


def take_away_files(session: Session, results: ExperimentResults) -> dict[str, bytes]:
    """Every file to take away, by name: report.html, results.xlsx, each option's YAML and run.json
    (seed, replications, run length, flowsim's version, the command that gives the same figures)."""
    folder = session.folder / "take_away"
    files = {
        "report.html": write_report(results, folder / "report.html").read_bytes(),
        "results.xlsx": experiment_workbook(results, folder).read_bytes(),
    }
    files |= {f"{name}.yaml": option.text.encode() for name, option in session.options.items()}
    about = results.about
    record = {key: about[key] for key in ("seed", "replications", "days", "warmup_days", "start_date", "flowsim_version", "command", "created")}
    record["scenarios"] = [{"label": s["label"], "title": s["title"], "file": s["file"]} for s in about["scenarios"]]
    files["run.json"] = json.dumps(record, indent=1).encode()
    return files


def zipped(files: dict[str, bytes]) -> bytes:
    """The files in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


MIME = {"html": "text/html", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "yaml": "application/x-yaml", "json": "application/json"}


def show(session: Session) -> None:
    st.header("Take away")
    if session.results is None:
        st.info("Run a comparison first: the report, the workbook and the record come from it.")
        for name, option in session.options.items():
            st.download_button(f"{name}.yaml", option.text, file_name=f"{name}.yaml", mime=MIME["yaml"], key=f"take_{name}")
        return
    if st.button("Prepare the files", key="take_prepare"):
        with st.spinner("Writing the report and the workbook..."):
            session.take_away = take_away_files(session, session.results)
    if session.take_away:
        for name, data in session.take_away.items():
            st.download_button(name, data, file_name=name, mime=MIME[name.rsplit(".", 1)[1]], key=f"take_{name}")
        st.download_button("All of them (zip)", zipped(session.take_away), file_name="flowsim.zip", mime="application/zip", key="take_zip")
