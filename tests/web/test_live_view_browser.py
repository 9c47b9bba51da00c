"""The live view in a real browser (headless Chromium, Selenium) following real runs: the
seed pack's demo to the end (and the README's screenshot of it in mid-run), a physical
step answered by a click on Done or Skip, the frame list against the run's journal, a
second tab, a request without the token; and ``chargecheck run --web`` as a process
against ``chargecheck simulate --control-port``, the test playing the tester.

Selenium's calls block: the runs that share the test's event loop get them in a thread.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console

from chargecheck.clock import Clock
from chargecheck.demo import run_demo
from chargecheck.journal import Journal
from chargecheck.script.packs import load_pack
from chargecheck.sim.control import ControlServer
from chargecheck.sim.step import requests_for
from chargecheck.web import WebView
from tests.cli.processes import CHARGECHECK
from tests.script.conftest import FAST
from tests.web.conftest import needs_browser

pytestmark = needs_browser

DOCS_SCREENSHOT = Path(__file__).parents[2] / "docs" / "live-view.png"
SEED = "greenflux-2020"
# A tester needs longer than the demo's 5 s to see a prompt, act and click.
TESTER = replace(FAST, timeouts=replace(FAST.timeouts, physical_step=30))

OUTCOMES_JS = """
return Object.fromEntries([...document.querySelectorAll('#script tr[data-row]')].map(
  tr => [tr.dataset.row, tr.querySelector('[data-outcome]').dataset.outcome]));
"""
# What a page shows, as data: two pages that saw the same run give the same.
STATE_JS = """
const all = (sel, f) => [...document.querySelectorAll(sel)].map(f);
return {
  state: document.getElementById('run-state').dataset.state,
  summary: document.getElementById('summary').textContent,
  station: document.getElementById('station').textContent,
  rows: all('#script tr[data-row]', tr => [tr.dataset.row,
    tr.querySelector('[data-outcome]').dataset.outcome,
    tr.querySelector('.result-text').textContent]),
  criteria: all('#script li[data-criterion]', li => [li.dataset.judged, li.textContent]),
  frames: all('#frames li', li => li.dataset.entry),
  findings: all('#findings li', li => li.textContent),
  reports: all('#reports a', a => a.getAttribute('href')),
};
"""


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


async def page(driver: Any, script: str, *args: Any) -> Any:
    return await asyncio.to_thread(driver.execute_script, script, *args)


async def until(driver: Any, script: str, timeout: float, *args: Any) -> Any:
    """Poll ``script`` in the page until it returns something true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await page(driver, script, *args)
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"the page never showed: {script.strip()[:200]}")


async def opened(browser: Any, url: str, **size: int) -> Any:
    driver = await asyncio.to_thread(browser, **size)
    await asyncio.to_thread(driver.get, url)
    return driver


FINISHED = "return document.getElementById('run-state').dataset.state === 'finished'"


# -- (1) the seed pack's demo, to the end -------------------------------------------------


async def test_the_page_follows_a_demo_of_the_seed_pack_until_all_18_rows_pass(tmp_path, browser):
    view = WebView("127.0.0.1", 0)
    run = asyncio.ensure_future(
        run_demo(tmp_path / "out", _quiet(), settings=FAST, script=load_pack(SEED), web=view)
    )
    await asyncio.wait_for(view.serving.wait(), 60)
    driver = await opened(browser, view.url, width=1280, height=860)
    # Mid-run: some rows judged, one running, some still to come.
    await until(
        driver,
        "return document.querySelector('tr[data-row=\"12\"]').dataset.state === 'running'"
        " && document.querySelectorAll('#frames li').length > 0",
        180,
    )
    middle = await page(driver, OUTCOMES_JS)
    shot = (
        DOCS_SCREENSHOT
        if os.environ.get("CHARGECHECK_SCREENSHOTS") == "1"
        else tmp_path / "live-view.png"
    )
    await asyncio.to_thread(driver.save_screenshot, str(shot))
    summary = await asyncio.wait_for(run, 300)
    await until(driver, FINISHED, 30)
    assert {"PASS", "running", "waiting"} <= set(middle.values()), middle
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    outcomes = await page(driver, OUTCOMES_JS)
    assert outcomes == {str(n): "PASS" for n in range(1, 19)}
    assert [str(v.outcome) for v in summary.verdicts] == ["PASS"] * 18
    shown = await page(driver, STATE_JS)
    assert "ALFEN-NG920-DEMO" in shown["station"] and "4.4.0-3106" in shown["station"]
    assert "{model}" not in await page(
        driver, "return document.getElementById('title').textContent"
    )
    assert sorted(href.split("?")[0] for href in shown["reports"]) == sorted(
        f"/reports/{path.name}" for path in summary.reports.values()
    )


# -- (2) a physical step answered on the page ------------------------------------------------


async def _tester(driver: Any, control: str, answer: str, run: asyncio.Future[Any]) -> list[dict]:
    """Play the tester at the page: for each prompt shown, do its act on the simulator
    (with ``answer == "done"``) and click ``answer``. The prompts answered, in order."""
    answered: list[dict] = []
    async with aiohttp.ClientSession() as http:
        while not run.done():
            shown = await page(
                driver,
                "const p = document.getElementById('prompt');"
                "return p.hidden ? null : Object.assign({}, p.dataset);",
            )
            if shown and shown["prompt"] not in {p["prompt"] for p in answered}:
                if answer == "done":
                    for path, body in requests_for(
                        shown["kind"], int(shown["connector"]), shown.get("idTag") or None
                    ):
                        async with http.post(control + path, json=body) as response:
                            assert response.status == 200, await response.text()
                button = f'#prompt[data-prompt="{shown["prompt"]}"] button[data-answer="{answer}"]'
                await page(driver, f"document.querySelector('{button}').click()")
                answered.append(shown)
            await asyncio.sleep(0.1)
    return answered


async def _row_on_the_page(tmp_path: Path, browser: Any, row: str, answer: str) -> tuple:
    """Row ``row`` of a demo whose steps only the page answers (the view on 127.0.0.2,
    so the page's every request needs the token), the tester clicking ``answer``."""
    view = WebView("127.0.0.2", 0)
    sims: list[Any] = []
    run = asyncio.ensure_future(
        run_demo(
            tmp_path / "out",
            _quiet(),
            settings=TESTER,
            only=[row],
            script=load_pack(SEED),
            web=view,
            steps_on_page=True,
            on_simulator=sims.append,
        )
    )
    await asyncio.wait_for(view.serving.wait(), 60)
    driver = await opened(browser, view.url, width=420, height=900)  # a phone, at the charger
    for _ in range(600):
        if sims or run.done():
            break
        await asyncio.sleep(0.05)
    async with ControlServer({sims[0].identity: sims[0]}) as control:
        answered = await _tester(driver, control.url, answer, run)
    summary = await run
    await until(driver, FINISHED, 30)
    return summary, answered, driver


async def test_a_step_done_on_the_simulator_and_clicked_done_on_the_page_passes(tmp_path, browser):
    summary, answered, driver = await _row_on_the_page(tmp_path, browser, "11", "done")
    (verdict,) = summary.verdicts
    assert str(verdict.outcome) == "PASS", verdict.result
    assert answered and {p["kind"] for p in answered} >= {"plug_in"}
    assert (await page(driver, OUTCOMES_JS)) == {"11": "PASS"}
    said = await page(
        driver, "return Object.assign({}, document.getElementById('prompt-outcome').dataset)"
    )
    assert (said["by"], said["done"]) == ("page", "yes")
    assert await page(driver, "return document.getElementById('prompt').hidden")


async def test_a_step_skipped_on_the_page_is_not_tested(tmp_path, browser):
    summary, answered, driver = await _row_on_the_page(tmp_path, browser, "11", "skip")
    (verdict,) = summary.verdicts
    assert str(verdict.outcome) == "NOT TESTED", verdict.result
    assert answered
    assert (await page(driver, OUTCOMES_JS)) == {"11": "NOT TESTED"}
    said = await page(
        driver, "return Object.assign({}, document.getElementById('prompt-outcome').dataset)"
    )
    assert (said["by"], said["done"]) == ("page", "no")


# -- (3) the frames against the journal; (4) a second tab ------------------------------------


async def _short_demo(tmp_path: Path, browser: Any, linger: float = 0.0) -> tuple:
    view = WebView("127.0.0.1", 0, linger=linger)
    run = asyncio.ensure_future(
        run_demo(
            tmp_path / "out",
            _quiet(),
            settings=FAST,
            only=["1", "6"],
            script=load_pack(SEED),
            web=view,
        )
    )
    await asyncio.wait_for(view.serving.wait(), 60)
    driver = await opened(browser, view.url)
    return view, run, driver


async def test_the_frame_list_is_the_journal_s_frames_of_the_run(tmp_path, browser):
    _, run, driver = await _short_demo(tmp_path, browser, linger=15)
    await until(driver, FINISHED, 180)
    shown = await page(
        driver,
        'return [...document.querySelectorAll(\'#frames li[data-direction="in"],'
        ' #frames li[data-direction="out"]\')].map(li => [Number(li.dataset.entry),'
        " li.dataset.direction, li.dataset.action])",
    )
    # A report link of the page answers while the view lingers.
    href = await page(
        driver, "return document.querySelector('#reports li[data-format=\"md\"] a').href"
    )
    fetched = await asyncio.to_thread(
        driver.execute_async_script,
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text().then(t => done([r.status, t])),"
        " e => done([0, String(e)]));",
        href,
    )
    summary = await run
    assert fetched[0] == 200 and fetched[1] == summary.reports["md"].read_text()
    clock = Clock()
    journal = Journal(tmp_path / "out" / "journal.sqlite", clock.utc_text, clock.mono)
    try:
        frames = [e for e in journal.entries(summary.run_id) if e.is_frame]
    finally:
        journal.close()
    assert len(frames) > 20
    assert [(entry, direction) for entry, direction, _ in shown] == [
        (e.id, "in" if e.kind == "frame_in" else "out") for e in frames
    ]
    # Each CALL under its action, each answer under its CALL's (the journal's own parse
    # of a station's frame comes later: read the raw text).
    parsed = {e.id: json.loads(e.raw or "null") for e in frames}
    actions = {(m[1]): m[2] for m in parsed.values() if m[0] == 2}
    assert [action for _, _, action in shown] == [actions[parsed[e.id][1]] for e in frames]
    # One frame clicked: its JSON pretty-printed and its journal entry.
    boot = next(
        e for e in frames if parsed[e.id][:1] == [2] and parsed[e.id][2] == "BootNotification"
    )
    await page(driver, f"document.querySelector('#frames li[data-entry=\"{boot.id}\"]').click()")
    detail = await page(
        driver,
        "return [document.getElementById('frame-json').textContent,"
        " document.getElementById('frame-meta').textContent]",
    )
    assert detail[0] == json.dumps(parsed[boot.id], indent=2, ensure_ascii=False)
    assert f"entry {boot.id}" in detail[1] and "CALL in" in detail[1]
    assert str(boot.station) in detail[1]
    # Filtered by action: only that action's frames are left in view.
    await page(
        driver,
        "const s = document.getElementById('frame-filter'); s.value = 'StartTransaction';"
        "s.dispatchEvent(new Event('change'));",
    )
    visible = await page(
        driver,
        "return [...document.querySelectorAll('#frames li')].filter(li => !li.hidden)"
        ".map(li => li.dataset.action)",
    )
    assert visible and set(visible) == {"StartTransaction"}
    assert len(visible) == 2 * sum(
        1 for m in parsed.values() if m[:1] == [2] and m[2] == "StartTransaction"
    )


async def _held_at_a_step(tmp_path: Path, view: WebView) -> asyncio.Future[Any]:
    """Row 11 with its steps on the page, once it waits there for the first answer (it is
    held there, whatever the machine's load, until the page or the test answers)."""
    run = asyncio.ensure_future(
        run_demo(
            tmp_path / "out",
            _quiet(),
            settings=TESTER,
            only=["11"],
            script=load_pack(SEED),
            web=view,
            steps_on_page=True,
        )
    )
    await asyncio.wait_for(view.serving.wait(), 60)
    for _ in range(1200):
        if view.live.pending() or run.done():
            break
        await asyncio.sleep(0.05)
    assert view.live.pending(), "the run never asked the page for a step"
    return run


async def test_a_second_tab_opened_mid_run_sees_the_same_state(tmp_path, browser):
    # The run waits at its first step for an answer from the page: the second tab is
    # opened while it is held there, mid-run whatever the machine's load.
    view = WebView("127.0.0.1", 0)
    run = await _held_at_a_step(tmp_path, view)
    driver = await opened(browser, view.url)
    first = await asyncio.to_thread(lambda: driver.current_window_handle)
    await asyncio.to_thread(driver.switch_to.new_window, "tab")  # opened mid-run
    await asyncio.to_thread(driver.get, view.url)
    second = await asyncio.to_thread(lambda: driver.current_window_handle)
    while not run.done():  # every step skipped, as a tester who cannot do them would
        for prompt in view.live.pending():
            view.live.answer(prompt, False)
        await asyncio.sleep(0.05)
    await run
    states = []
    for tab in (first, second):
        await asyncio.to_thread(driver.switch_to.window, tab)
        await until(driver, FINISHED, 60)
        states.append(await page(driver, STATE_JS))
    assert [row[:2] for row in states[0]["rows"]] == [["11", "NOT TESTED"]]
    assert states[0]["frames"] and states[0]["criteria"] and states[0]["reports"]
    assert states[0] == states[1]


# -- (5) the token ---------------------------------------------------------------------------


async def test_a_page_without_the_token_is_refused_and_journaled(tmp_path, browser):
    view = WebView("127.0.0.2", 0)
    run = await _held_at_a_step(tmp_path, view)  # waiting for the page: time to knock
    assert view.token and view.url.endswith(f"/?token={view.token}")
    driver = await asyncio.to_thread(browser)
    bare = view.url.split("?")[0]
    for path in ("", "events"):
        await asyncio.to_thread(driver.get, bare + path)
        assert "needs the token" in await page(driver, "return document.body.innerText")
    await asyncio.to_thread(driver.get, view.url)  # its page, script, style, stream: let in
    await _tester(driver, "", "skip", run)  # the POSTs carry the token too
    summary = await run
    await until(driver, FINISHED, 60)
    assert await page(driver, OUTCOMES_JS) == {"11": "NOT TESTED"}
    clock = Clock()
    journal = Journal(tmp_path / "out" / "journal.sqlite", clock.utc_text, clock.mono)
    try:
        told = [e.detail for e in journal.entries(summary.run_id) if e.kind == "web_refused"]
    finally:
        journal.close()
    # The two knocks (and the browser's own favicon request on the refusal page); nothing
    # of the page opened with the token.
    assert {d["path"] for d in told} - {"/favicon.ico"} == {"/", "/events"}
    assert {d["why"] for d in told} == {"no token"}


# -- the second "done when": the processes ----------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _printed(log: Path, pattern: str, process: subprocess.Popen[Any], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"never printed {pattern!r}:\n{log.read_text()[-3000:]}")


async def test_chargecheck_run_web_with_the_tester_at_the_page_passes_rows_6_7_10_11(
    tmp_path, browser
):
    # the demo's settings, with time for a tester to act and for a station started as a
    # process to connect on a loaded machine (a first connection lost in its handshake and
    # the back-off after it once took longer than the demo's 10 s)
    settings = tmp_path / "tester.toml"
    demo = (Path(__file__).parents[2] / "src/chargecheck/script/profiles/demo.toml").read_text()
    assert "physical_step = 5" in demo and "connect = 10" in demo
    settings.write_text(
        demo.replace("physical_step = 5", "physical_step = 30").replace(
            "connect = 10", "connect = 60"
        )
    )
    log = tmp_path / "run.log"
    control = _free_port()
    with log.open("w") as out:
        bench = subprocess.Popen(
            [
                *CHARGECHECK, "run", "--host", "127.0.0.1", "--port", "0",
                "--web", "127.0.0.1:0", "--only", "6,7,10,11",
                "--settings", str(settings), "--out", str(tmp_path / "out"),
            ],
            stdin=subprocess.DEVNULL,  # not a terminal: the page alone answers
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "250"},
        )  # fmt: skip
    station = None
    try:
        port = await asyncio.to_thread(_printed, log, r"ws://127\.0\.0\.1:(\d+)/", bench, 60)
        url = await asyncio.to_thread(_printed, log, r"live view at (http://\S+)", bench, 60)
        station = subprocess.Popen(
            [
                *CHARGECHECK, "simulate", f"ws://127.0.0.1:{port}/ocpp", "CP-WEB",
                "--control-port", str(control), "--state-dir", str(tmp_path / "sim"),
                "--no-console",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        driver = await opened(browser, url, width=420, height=900)
        ended = asyncio.ensure_future(asyncio.to_thread(bench.wait, 300))
        answered = await _tester(driver, f"http://127.0.0.1:{control}", "done", ended)
        code = await ended
    finally:
        for process in (bench, station):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert {p["kind"] for p in answered} >= {"plug_in", "present_card", "unplug", "create_error"}
    (report,) = (tmp_path / "out").glob("report-*.json")
    verdicts = {v["id"]: v["outcome"] for v in json.loads(report.read_text())["verdicts"]}
    assert verdicts == dict.fromkeys(("6", "7", "10", "11"), "PASS"), output[-3000:]
    assert await page(driver, OUTCOMES_JS) == dict.fromkeys(("6", "7", "10", "11"), "PASS")
    assert "answered on the web page: done" in output
