"""`compare --rank`: KN++ on a planner's options, on M/M/c variants whose order queueing theory gives."""

from __future__ import annotations

from pathlib import Path


from flowsim import load_scenario
from flowsim.analysis.ranking import rank_options
from flowsim.cli import main
from flowsim.experiment import Runner
from tests.queueing import MMC

SHORT = {"days": 300, "warmup_days": 30}


def test_the_option_with_clearly_more_beds_is_selected_and_identical_ones_are_tied() -> None:
    options = {f"{beds} beds": load_scenario(MMC, {**SHORT, "wards.general_beds": beds}) for beds in (26, 28, 34)}
    ranking = rank_options(options, "bed_wait_mean_hours", 2.0, n0=10, max_replications=60, runner=Runner(workers=1, progress=False))
    assert ranking.selected == "34 beds" and not ranking.tied and ranking.stopped == "one left"
    table = ranking.table.set_index("option")
    assert (table.loc[["26 beds", "28 beds"], "status"] == "eliminated").all()
    assert table.replications.sum() < 3 * 60  # replications only where needed
    same = {"a": options["28 beds"], "b": options["28 beds"]}
    tied = rank_options(same, "bed_wait_mean_hours", 2.0, n0=5, max_replications=30, runner=Runner(workers=1, progress=False))
    assert tied.tied == ["b"] and tied.stopped == "margin closed"


def test_compare_rank_prints_the_answer_and_refuses_what_cannot_be_ranked(tmp_path: Path, capsys) -> None:
    more = tmp_path / "more_beds.yaml"
    more.write_text(f"extends: {MMC}\nname: more_beds\nwards:\n  general_beds: 34\n")
    arguments = ["compare", str(MMC), str(more), "--days", "300", "--warmup-days", "30", "--workers", "1", "--quiet"]
    ranked = [*arguments, "--rank", "bed_wait_mean_hours", "--first-stage", "5", "--out", str(tmp_path / "out")]
    assert main([*ranked, "--indifference", "2"]) == 0
    assert "more_beds is best on bed_wait_mean_hours" in capsys.readouterr().out
    assert (tmp_path / "out" / "ranking.csv").exists()
    for extra, message in [
        ([], "needs --indifference"),
        (["--indifference", "0.5", "--confidence", "1.5"], "must be below 1"),
    ]:
        assert main([*ranked, *extra]) == 2 and message in capsys.readouterr().err
    assert main([*arguments, "--rank", "ed_attendances_per_day", "--indifference", "1"]) == 2
    assert "neither higher nor lower is better" in capsys.readouterr().err
