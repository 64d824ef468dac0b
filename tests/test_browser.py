"""End to end in a real headless browser (Debian's Chromium, driven by Playwright): the app as a planner uses
it, and the comparison report as a board member reads it (issue #23's checks).

Chromium is found from FLOWSIM_CHROMIUM, else on the PATH (`.ci/run` installs it); Playwright cannot
download its own browsers here, so it is handed that one.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
CHROMIUM_VARIABLE = "FLOWSIM_CHROMIUM"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
SMALL = ROOT / "scenarios" / "examples" / "small_county.yaml"

pytestmark = pytest.mark.slow


def _chromium() -> str:
    found = os.environ.get(CHROMIUM_VARIABLE) or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(f"no Chromium: install Debian's chromium (apt-get install chromium) or set {CHROMIUM_VARIABLE}")
    return found


@pytest.fixture
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api", reason='needs Playwright: pip install -e ".[test]"')
    executable = _chromium()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """`flowsim app --no-browser` on a free loopback port, its files under `tmp_path`; stopped at the end."""
    pytest.importorskip("streamlit", reason='the app needs Streamlit: pip install -e ".[app]"')
    port = _free_port()
    environment = {**os.environ, "FLOWSIM_APP_FOLDER": str(tmp_path / "app")}
    server = subprocess.Popen(
        [sys.executable, "-m", "flowsim", "app", "--no-browser", "--port", str(port)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"flowsim app did not start: {server.stdout.read().decode() if server.stdout else ''}")
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(server.pid, 15)
        server.wait(20)


def _go_to(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(name, exact=True).click()
    page.get_by_role("heading", name=name, exact=True).wait_for(timeout=30_000)


def _number(page, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Enter")


def test_a_planner_makes_an_option_runs_it_and_takes_the_report(browser, app_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith((app_url, "data:", "blob:")) else elsewhere.append(request.url))
    shots = tmp_path / "screenshots"
    page.goto(app_url)
    page.get_by_role("heading", name="Baseline", exact=True).wait_for(timeout=60_000)
    page.get_by_role("combobox", name="A scenario shipped with flowsim").click()
    page.get_by_role("option", name="examples/small_county.yaml", exact=True).click()
    page.get_by_text("Illustrative small county").wait_for()
    page.screenshot(path=shots / "baseline.png", full_page=True)

    _go_to(page, "Options")
    page.get_by_label("Short name (a file name: letters, digits, - and _)").fill("more_hart")
    page.get_by_label("Title, as the report shows it").fill("HART +20%")
    _number(page, "HART reablement: care hours a month", str(1560 * 1.2))
    page.get_by_role("button", name="Make this option").click()
    page.get_by_text("Option more_hart made.").wait_for()
    page.screenshot(path=shots / "options.png", full_page=True)

    _go_to(page, "Run and compare")
    _number(page, "Replications", "2")
    _number(page, "Run length (days after the warm-up)", "20")
    page.get_by_text("Fewer than 5 replications").wait_for()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("heading", name="The answer", exact=True).wait_for(timeout=180_000)
    # the page is drawn again as the run ends: wait for the answer and the ranking of this run
    answer = page.locator('[data-testid="stMarkdownContainer"]', has_text="bed days a year").first
    answer.wait_for(timeout=60_000)
    assert "HART +20%" in answer.inner_text(), answer.inner_text()
    ranking = page.locator('[data-testid="stTable"]', has_text="HART +20%").first
    ranking.wait_for(timeout=60_000)
    assert "delayed bed days saved a year" in ranking.inner_text(), ranking.inner_text()
    page.locator("img").last.wait_for()
    page.screenshot(path=shots / "compare.png", full_page=True)
    if os.environ.get("FLOWSIM_UPDATE_SCREENSHOT"):  # the README's picture, renewed only when asked
        shutil.copy(shots / "compare.png", ROOT / "docs" / "app_compare.png")

    for name in ("Plan", "Watch"):
        _go_to(page, name)
        page.screenshot(path=shots / f"{name.lower()}.png", full_page=True)

    _go_to(page, "Take away")
    page.get_by_role("button", name="Prepare the files").click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="report.html").click()
    report = tmp_path / "report.html"
    download.value.save_as(report)
    text = report.read_text()
    assert "small_county: options appraisal" in text and "HART +20%" in text
    assert not elsewhere, f"the app asked for something beyond its own server: {elsewhere}"
    page.screenshot(path=shots / "take_away.png", full_page=True)


def test_the_comparison_report_never_contradicts_itself_in_a_browser(browser, tmp_path: Path) -> None:
    """Issue #23: the baseline against two options, read in a browser: one measure of delayed bed days
    throughout, options by their titles, no cost both priced and "not given", every plot drawn."""
    from flowsim.cli import main

    titles = {"more_hart": "A fifth more HART hours", "more_step_down": "Eight more step-down beds"}
    bodies = {"more_hart": "reablement: {hours_per_month: 1872}", "more_step_down": "step_down: {beds: 42}"}
    files = []
    for name, title in titles.items():
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(f"extends: {SMALL}\nname: {name}\ntitle: {title}\n{bodies[name]}\n")
    out = tmp_path / "compare"
    options = ["--replications", "3", "--days", "30", "--workers", "1", "--quiet", "--report", "--out", str(out)]
    assert main(["compare", str(SMALL), *map(str, files), *options]) == 0
    page = browser.new_page()
    page.goto((out / "report.html").as_uri())

    answer = page.locator("#answer").inner_text()
    ranking = page.locator("#options table").inner_text()
    figures = page.locator("#kpis table").first.inner_text()
    best = re.search(r"by ([\d,]+) bed days a year", answer)
    assert best, answer
    assert best.group(1) in page.locator("#options tbody tr").first.inner_text(), "the answer's saving is the ranking's: one measure"
    first_figure = page.locator("#kpis tbody tr").first.inner_text()
    assert first_figure.startswith("delayed transfer bed days a year"), "the key figures open with the same measure"
    for name, title in titles.items():
        for text in (answer + ranking, figures):
            assert title in text and name not in text
    for row in page.locator("tr").all_inner_texts():
        assert not ("not given" in row and "£" in row), row
    assert "not given" not in answer or "£" not in answer.split("not given")[0].rsplit(".", 1)[-1]
    sizes = page.eval_on_selector_all("img", "images => images.map(i => i.complete && i.naturalWidth)")
    assert sizes and all(size > 0 for size in sizes), sizes
