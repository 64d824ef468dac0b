"""Every scenario file's short run gives the tables and KPIs recorded in tests/table_hashes.json.

A change that moves a number fails here. If it is meant to, regenerate the file
(`python -m tests.table_hashes --write`) and say why in the commit.
"""

import json

import pytest

from tests.table_hashes import HASH_FILE, ROOT, recorded_files, run_hashes

RECORDED = json.loads(HASH_FILE.read_text())


def test_every_scenario_file_is_recorded() -> None:
    assert sorted(RECORDED) == [str(path.relative_to(ROOT)) for path in recorded_files()]


@pytest.mark.slow
@pytest.mark.parametrize("path", recorded_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_tables_and_kpis_are_unchanged(path) -> None:
    recorded = RECORDED[str(path.relative_to(ROOT))]
    measured = run_hashes(path)
    for table in ("patients", "delays", "census"):
        assert measured[table] == recorded[table], f"{table} changed"
    assert measured["kpis"] == recorded["kpis"]
