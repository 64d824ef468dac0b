"""The options-appraisal notebook is committed without outputs and runs top to bottom in quick mode."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "aedb_options_appraisal.ipynb"


def test_the_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    assert "parameters" in code[0].metadata.get("tags", []), "the first code cell holds the parameters"


@pytest.mark.slow
def test_the_options_appraisal_notebook_runs_in_quick_mode_and_ends_with_the_ranking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWSIM_QUICK", "1")
    monkeypatch.setenv("FLOWSIM_NOTEBOOK_OUT", str(tmp_path))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    ranking = notebook.cells[-1].outputs[-1]["data"]["text/plain"]
    assert "delayed bed days saved a year" in ranking and "cost per delayed bed day saved" in ranking
    for option in ("hart_restored", "more_home_care", "combined_plan"):
        assert f"oxfordshire_2017_{option}" in ranking
    assert (tmp_path / "report.html").exists() and (tmp_path / "bands.csv").exists()
