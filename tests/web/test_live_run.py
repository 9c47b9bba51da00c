"""The run's side of the live view: the events a run publishes (through a real demo run
and the page's own event stream over loopback), and the race between the page and the
terminal for a physical step, forced in each order."""

from __future__ import annotations

import asyncio
import io
import json

import aiohttp
import pytest
from rich.console import Console

from chargecheck.script.operator import PhysicalStep, StepKind, StepNotDone
from chargecheck.script.packs import load_pack
from chargecheck.web import WebView
from chargecheck.web.live import LiveRun
from chargecheck.web.operator import WebOperator
from tests.script.conftest import FAST

STEP = PhysicalStep(StepKind.PLUG, 1)


class Terminal:
    """A terminal operator the test answers by hand (``answer``), as a person would."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.cancelled = False
        self._answer: asyncio.Future[bool] | None = None

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        self._answer = asyncio.get_running_loop().create_future()
        self.asked.set()
        try:
            done = await self._answer
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if not done:
            raise StepNotDone("operator skipped it")

    def answer(self, done: bool) -> None:
        assert self._answer is not None
        self._answer.set_result(done)


def _ends(live: LiveRun) -> list[dict]:
    return [e for e in live.events if e["type"] == "prompt_end"]


async def test_the_page_answers_first_the_terminal_is_cancelled_and_told():
    live, terminal, said = LiveRun(), Terminal(), []
    task = asyncio.ensure_future(WebOperator(live, terminal, said.append).perform(STEP, 5))
    await terminal.asked.wait()
    (prompt,) = [e for e in live.events if e["type"] == "prompt"]
    assert prompt["instruction"] == STEP.instruction and prompt["kind"] == "plug"
    assert live.answer(prompt["id"], True) == "taken"
    await task  # done: no StepNotDone
    assert terminal.cancelled and said == ["  answered on the web page: done"]
    assert [(e["done"], e["by"]) for e in _ends(live)] == [(True, "page")]
    assert live.answer(prompt["id"], False).startswith("already answered (done, by the page")


async def test_the_terminal_answers_first_the_page_is_told():
    live, terminal = LiveRun(), Terminal()
    task = asyncio.ensure_future(WebOperator(live, terminal, print).perform(STEP, 5))
    await terminal.asked.wait()
    terminal.answer(False)  # skip at the terminal
    with pytest.raises(StepNotDone, match="skipped"):
        await task
    (end,) = _ends(live)
    assert (end["done"], end["by"]) == (False, "terminal")
    assert live.answer(end["id"], True).startswith("already answered (not done, by the terminal")
    assert live.pending() == []


async def test_a_skip_on_the_page_is_not_done_and_no_answer_times_out():
    live = LiveRun()
    task = asyncio.ensure_future(WebOperator(live, None, print).perform(STEP, 5))
    await asyncio.sleep(0)
    live.answer(live.pending()[0], False)
    with pytest.raises(StepNotDone, match=r"skipped .* on the web page"):
        await task
    with pytest.raises(StepNotDone, match=r"not done within 0\.05 s"):
        await WebOperator(live, None, print).perform(STEP, 0.05)
    assert [e["by"] for e in _ends(live)] == ["page", "timeout"]


async def test_a_follower_that_joins_late_gets_every_event_in_order_then_the_new_ones():
    live = LiveRun()
    for n in range(3):
        live.publish("say", text=str(n))
    seen: list[int] = []

    async def follow() -> None:
        async for event in live.follow(1):
            seen.append(event["seq"])

    task = asyncio.ensure_future(follow())
    await asyncio.sleep(0)
    live.publish("say", text="3")
    live.publish("end", summary="over")
    await asyncio.wait_for(task, 5)
    assert seen == [1, 2, 3, 4]


async def _events(url: str) -> list[dict]:
    """The run's events on the page's stream, read as the page reads it, until the run's
    end (a named SSE event, such as the server's clock, is not one of the run's)."""
    events, named = [], False
    async with aiohttp.ClientSession() as http, http.get(url + "events") as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        async for line in response.content:
            if line.startswith(b"event: "):
                named = True
            elif line.startswith(b"data: ") and not named:
                events.append(json.loads(line[6:]))
            elif line == b"\n":
                named = False
    return events


async def test_a_demo_run_publishes_its_rows_criteria_frames_and_reports_to_the_page(tmp_path):
    from chargecheck.demo import run_demo

    view = WebView("127.0.0.1", 0)
    run = asyncio.ensure_future(
        run_demo(
            tmp_path,
            Console(file=io.StringIO()),
            settings=FAST,
            only=["1", "6", "7"],
            script=load_pack("greenflux-2020"),
            web=view,
        )
    )
    await asyncio.wait_for(view.serving.wait(), 30)
    events = await asyncio.wait_for(_events(view.url), 120)
    summary = await run
    kinds = [e["type"] for e in events]
    assert kinds[0] == "run" and kinds[-1] == "end"
    assert [r["id"] for r in events[0]["rows"]] == ["1", "6", "7"]
    assert [e["seq"] for e in events] == list(range(len(events)))
    ends = {e["id"]: e["outcome"] for e in events if e["type"] == "row_end"}
    assert (
        ends
        == {v.id: str(v.outcome) for v in summary.verdicts}
        == dict.fromkeys(("1", "6", "7"), "PASS")
    )
    # Every criterion the verdicts hold was on the page, in its row, as it was judged.
    judged = [(e["row"], e["name"], e["outcome"]) for e in events if e["type"] == "criterion"]
    assert judged == [(v.id, c.name, str(c.outcome)) for v in summary.verdicts for c in v.criteria]
    station = [e for e in events if e["type"] == "station" and e.get("model")]
    assert station and station[0]["identity"] == "ALFEN-NG920-DEMO"
    frames = [e for e in events if e["type"] == "frame" and e["direction"] in ("in", "out")]
    assert frames and all(isinstance(e["entry"], int) for e in frames)
    assert {"BootNotification", "StartTransaction", "StopTransaction"} <= {
        e["action"] for e in frames
    }
    # A station's answer carries the action of the CALL it answers (the page filters by it).
    assert any(e["message_type"] == 3 and e["action"] == "BootNotification" for e in frames)
    waits = [e for e in events if e["type"] == "wait"]
    assert waits and all(e["seconds"] > 0 for e in waits)
    (reports,) = [e for e in events if e["type"] == "reports"]
    assert set(reports["files"]) == set(summary.reports)
