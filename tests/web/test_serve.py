"""``chargecheck serve``: the runs of a journal in a browser (``chargecheck.web.browse``).

The journal holds two real demo runs of rows 1 and 4 of the seed pack, the second with the
simulator's ``get_configuration_empty`` defect, so row 4 goes from PASS to FAIL between
them. The server listens on real sockets in 127.0.0.0/8 only: aiohttp's client for the
pages, a real ``chargecheck serve`` process, and Debian's Chromium through Selenium.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rich.console import Console

from chargecheck.clock import Clock
from chargecheck.demo import run_demo
from chargecheck.journal.store import Journal
from chargecheck.report.html import render_html
from chargecheck.report.model import load_run
from chargecheck.script.packs import DEFAULT_PACK
from chargecheck.web import browse
from tests.cli.processes import CHARGECHECK
from tests.conftest import UNIT

ROWS = [1, 4]
DEFECT = "get_configuration_empty"  # row 4: FAIL, 0 items
URL = re.compile(r"http://\S+")


@pytest.fixture(scope="module")
def journal_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two demo runs in one journal: run 1 healthy, run 2 with row 4's defect."""
    out = tmp_path_factory.mktemp("serve") / "out"

    async def two_runs() -> None:
        for defects in ((), (DEFECT,)):
            summary = await run_demo(out, Console(file=io.StringIO()), defects=defects, only=ROWS)
            assert not summary.bench_errors, summary.bench_errors

    asyncio.run(two_runs())
    return out / "journal.sqlite"


def refused_entries(db: Path) -> list[tuple[Any, ...]]:
    """The refusals ``serve`` journaled for the journal ``db`` (in a journal beside it)."""
    if not browse.refusals_file(db).exists():
        return []
    with sqlite3.connect(browse.refusals_file(db)) as connection:
        return connection.execute(
            "SELECT run_id, detail FROM entries WHERE kind = ? ORDER BY id",
            (browse.REFUSED_KIND,),
        ).fetchall()


@pytest.fixture
async def served(journal_file: Path) -> AsyncIterator[browse.Served]:
    server = await browse.start(journal_file, "127.0.0.1", 0)
    yield server
    await server.close()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=50 * UNIT)) as session:
        yield session


async def get(client: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with client.get(url) as response:
        return response.status, await response.text()


# -- the pages, over 127.0.0.1 ------------------------------------------------------------


async def test_loopback_needs_no_token_and_the_url_has_none(served):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", served.url)


async def test_the_list_shows_each_run_with_its_station_pack_counts_and_report_link(served, client):
    status, page = await get(client, served.url)
    assert status == 200
    rows = dict(re.findall(r'<tr id="run-(\d+)">(.*?)</tr>', page, re.S))
    assert sorted(rows) == ["1", "2"]
    for run_id, counts in (("1", ["2", "-", "-", "-"]), ("2", ["1", "1", "-", "-"])):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[run_id], re.S)
        assert f'href="/runs/{run_id}"' in cells[0]
        assert cells[1:5] == ["demo", "ALFEN-NG920-DEMO", "NG920-61002", "4.4.0-3106"]
        assert cells[6] == DEFAULT_PACK
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cells[5])
        assert cells[7:11] == counts
    assert 'href="/diff?a=1&amp;b=2"' in rows["2"]
    assert '<select name="a"' in page and '<select name="b"' in page


async def test_a_run_page_is_its_html_report_from_the_journal_with_a_link_back(
    served, client, journal_file
):
    status, page = await get(client, served.url + "runs/2")
    assert status == 200
    bar = re.search(r'<nav class="chargecheck-serve".*?</nav>', page, re.S)
    assert bar is not None and 'href="/"' in bar.group()
    journal = Journal(journal_file, Clock().utc_text, Clock().mono)
    try:
        expected = render_html(load_run(journal, 2))
    finally:
        journal.close()
    assert page.replace(bar.group(), "") == expected  # the report itself, nothing lost
    assert "0 items" in page  # row 4's failure, as the report words it


async def test_the_diff_lists_only_the_row_whose_outcome_changed_linked_to_both_reports(
    served, client
):
    status, page = await get(client, served.url + "diff?a=1&b=2")
    assert status == 200
    changed = re.findall(r'<tr id="row-(\d+)"( class="regression")?>(.*?)</tr>', page, re.S)
    assert [(row, flag) for row, flag, _ in changed] == [("4", ' class="regression"')]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", changed[0][2], re.S)
    assert "PASS" in cells[2] and "FAIL" in cells[3] and "regression" in cells[3]
    assert "0 items" in cells[4]
    assert 'href="/runs/1"' in page and 'href="/runs/2"' in page and 'href="/"' in page
    _, same = await get(client, served.url + "diff?a=2&b=2")
    assert 'id="no-change"' in same and 'id="row-' not in same


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("runs/99", 404, "No run 99"),
        ("diff?a=1&b=99", 404, "No run 99"),
        ("runs/x", 404, "Not Found"),
        ("diff?a=1", 400, "b='': give a run id"),
        ("diff?a=one&b=2", 400, "a='one': give a run id"),
    ],
    ids=["report", "diff", "not-a-number", "diff-without-b", "diff-not-a-number"],
)
async def test_an_unknown_run_is_404_and_a_bad_id_400(served, client, path, status, says):
    got, page = await get(client, served.url + path)
    assert (got, says in page) == (status, True), page[:300]


async def test_a_page_waiting_on_the_journal_leaves_the_event_loop_free(
    served, client, journal_file
):
    # Another writer holds the journal's write lock (as a run's writer does while it
    # commits): the page's read waits for it in a thread, the loop goes on.
    holder = sqlite3.connect(journal_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        page = asyncio.ensure_future(get(client, served.url))
        ticks, started = 0, time.monotonic()
        while time.monotonic() - started < 2 * UNIT:
            await asyncio.sleep(UNIT / 20)
            ticks += 1
        assert not page.done() and ticks >= 10  # no tick was held up by the waiting read
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    status, text = await page
    assert status == 200 and 'id="run-2"' in text


async def test_a_refusal_is_journaled_before_the_403_is_sent(journal_file, client):
    before = len(refused_entries(journal_file))
    server = await browse.start(journal_file, "127.0.0.2", 0, token="sesame")
    try:
        base = server.url.partition("?")[0]
        assert server.url == base + "?token=sesame"
        status, _ = await get(client, base + "runs/1")
        assert status == 403
        run_id, detail = refused_entries(journal_file)[before]
        assert run_id is None
        assert detail == (
            '{"method": "GET", "path": "/runs/1", "peer": "127.0.0.1", "why": "no token"}'
        )
        status, page = await get(client, server.url)
        assert status == 200 and 'href="/runs/1?token=sesame"' in page
        assert 'name="token" value="sesame"' in page  # the diff form keeps it too
    finally:
        await server.close()
    assert len(refused_entries(journal_file)) == before + 1


# -- the command --------------------------------------------------------------------------


def start_serve(*options: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*CHARGECHECK, "serve", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # the first line: where it listens
    found = URL.search(line)
    if found is None:
        process.kill()
        raise AssertionError(f"no URL printed: {line!r} {process.communicate()}")
    return process, found.group()


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=50 * UNIT)
    return process.returncode, out


async def test_serve_on_another_address_prints_a_token_url_refuses_and_journals_the_rest(
    journal_file, client
):
    before = len(refused_entries(journal_file))
    process, url = await asyncio.to_thread(
        start_serve, "--db", str(journal_file), "--web", "127.0.0.2:0"
    )
    try:
        base, _, query = url.partition("?")
        assert re.fullmatch(r"http://127\.0\.0\.2:\d+/", base)
        token = query.removeprefix("token=")
        assert len(token) >= 20
        assert (await get(client, base))[0] == 403
        assert (await get(client, base + "runs/2?token=not-" + token))[0] == 403
        status, page = await get(client, url)
        assert status == 200 and 'id="run-2"' in page
        status, page = await get(client, f"{base}diff?a=1&b=2&token={token}")
        assert status == 200 and 'id="row-4"' in page
    finally:
        code, out = await asyncio.to_thread(stop, process)
    assert (code, out.splitlines()[-1]) == (0, "chargecheck serve: stopped")
    new = refused_entries(journal_file)[before:]
    assert [detail for _, detail in new] == [
        '{"method": "GET", "path": "/", "peer": "127.0.0.1", "why": "no token"}',
        '{"method": "GET", "path": "/runs/2", "peer": "127.0.0.1", "why": "a wrong token"}',
    ]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--web", "localhost:http"], "'--web': 'localhost:http': give [ADDR:]PORT"),
        (["--web", "70000"], "'--web': '70000': the port must be 0..65535"),
        (["--db", "nowhere.sqlite"], "'--db': no journal at nowhere.sqlite: pass --db PATH"),
        (
            ["--web", "127.0.0.1:{taken}"],
            "cannot listen on 127.0.0.1:{taken} (Address already in use)",
        ),
    ],
    ids=["not-a-port", "port-too-big", "no-journal", "port-taken"],
)
def test_serve_refuses_a_bad_option_in_one_line_with_exit_2(journal_file, options, says):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = [o.format(taken=port) for o in options]
        db = [] if "--db" in options else ["--db", str(journal_file)]
        command = [*CHARGECHECK, "serve", *db, *options]
        done = subprocess.run(command, capture_output=True, text=True, timeout=50 * UNIT)
    assert (done.returncode, done.stdout) == (2, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith("chargecheck: error: ") and says.format(taken=port) in line, line


# -- Chromium -------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser() -> Iterator[Any]:
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip(
            "chromium or chromedriver is not installed "
            "(apt-get update && apt-get install -y chromium chromium-driver)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(50 * UNIT)
    try:
        yield driver
    finally:
        driver.quit()


def click_through(driver: Any, url: str) -> dict[str, Any]:
    """List -> run 2's report -> back to the list -> the diff form (1 against 2); after
    each click, the next page's own element is waited for (a click does not wait)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def arrive(css: str) -> Any:
        located = shown.presence_of_element_located((By.CSS_SELECTOR, css))
        return WebDriverWait(driver, 50 * UNIT).until(located)

    seen: dict[str, Any] = {}
    driver.get(url)
    seen["runs"] = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "tr[id]")]
    driver.find_element(By.CSS_SELECTOR, "#run-2 a.report").click()
    seen["report_text"] = arrive("header.report").text
    seen["report_title"] = driver.title
    seen["report_url"] = driver.current_url
    driver.find_element(By.ID, "all-runs").click()
    Select(arrive("#diff-a")).select_by_value("1")
    Select(driver.find_element(By.ID, "diff-b")).select_by_value("2")
    driver.find_element(By.ID, "diff-submit").click()
    seen["changes"] = [
        row.text for row in arrive("#changes").find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    seen["diff_url"] = driver.current_url
    return seen


async def test_chromium_clicks_from_the_list_to_a_report_and_to_a_diff(journal_file, browser):
    # On 127.0.0.2 the token must survive every link and the form, or a page is refused.
    server = await browse.start(journal_file, "127.0.0.2", 0, token="sesame")
    try:
        started = time.monotonic()
        seen = await asyncio.to_thread(click_through, browser, server.url)
    finally:
        await server.close()
    assert seen["runs"] == ["run-1", "run-2"]
    assert seen["report_url"].endswith("/runs/2?token=sesame")
    assert "(run 2)" in seen["report_title"] and "ALFEN-NG920-DEMO" in seen["report_text"]
    assert re.search(r"/diff\?token=sesame&a=1&b=2$", seen["diff_url"]), seen["diff_url"]
    (change,) = seen["changes"]
    assert change.startswith("4 Get configuration") and "regression" in change, change
    assert time.monotonic() - started < 100 * UNIT
