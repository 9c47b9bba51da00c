"""The live view's server (``chargecheck.web.server.LiveServer``) over real sockets on the
loopback range, with aiohttp's client: the event stream (replay, follow, reconnect), the
page's answers to a prompt (the first answer wins), the token on a non-loopback address,
the reports, the page and its files. The browser's side is in ``test_live_view_browser``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chargecheck.web import WebView
from chargecheck.web.access import HEADER
from chargecheck.web.server import LiveServer
from tests.conftest import UNIT


@pytest.fixture
def refusals() -> list[dict[str, Any]]:
    return []


@pytest.fixture
async def served(refusals, tmp_path) -> AsyncIterator[LiveServer]:
    server = LiveServer(WebView("127.0.0.1", 0), refusals.append, tmp_path)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20 * UNIT)) as session:
        yield session


async def read_events(response: aiohttp.ClientResponse, count: int | None = None) -> list[dict]:
    """The ``data`` events of a ``text/event-stream`` (each with its ``id`` checked), up to
    ``count`` or to the end of the stream."""
    events: list[dict] = []
    block: list[str] = []
    while count is None or len(events) < count:
        line = await asyncio.wait_for(response.content.readline(), 10 * UNIT)
        if not line:
            break
        text = line.decode().rstrip("\n")
        if text:
            block.append(text)
            continue
        fields = dict(part.split(": ", 1) for part in block if not part.startswith(":"))
        block = []
        if "data" in fields and fields.get("event", "message") == "message":
            event = json.loads(fields["data"])
            assert fields["id"] == str(event["seq"])
            events.append(event)
    return events


def events_url(server: LiveServer, **query: Any) -> str:
    return (
        server.view.url.split("?")[0]
        + "events"
        + ("?" if query else "")
        + "&".join(f"{k}={v}" for k, v in query.items())
    )


# -- the event stream -----------------------------------------------------------------------


async def test_a_page_gets_the_events_so_far_then_each_new_one_then_the_stream_ends(served, client):
    live = served.view.live
    live.publish("run", run_id=1, rows=[])
    live.publish("row_start", id=1)
    async with client.get(events_url(served)) as response:
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        replayed = await read_events(response, 2)
        assert [e["type"] for e in replayed] == ["run", "row_start"]
        live.publish("row_end", id=1, outcome="PASS", result="OK")
        assert (await read_events(response, 1))[0]["outcome"] == "PASS"
        live.publish("end", summary="1 PASS")
        rest = await read_events(response)  # to the end of the stream: it closes
    assert [e["type"] for e in rest] == ["end"]
    assert [e["seq"] for e in replayed + rest] == [0, 1, 3]


async def test_a_reconnect_with_last_event_id_gets_only_what_it_missed(served, client):
    live = served.view.live
    for n in range(4):
        live.publish("say", text=f"line {n}")
    live.publish("end", summary="")
    async with client.get(events_url(served), headers={"Last-Event-ID": "1"}) as response:
        assert [e["seq"] for e in await read_events(response)] == [2, 3, 4]
    async with client.get(events_url(served, since=3)) as response:
        assert [e["seq"] for e in await read_events(response)] == [3, 4]


async def test_a_reconnect_after_the_end_gets_204_so_the_browser_stops(served, client):
    served.view.live.publish("end", summary="")
    async with client.get(events_url(served), headers={"Last-Event-ID": "0"}) as response:
        assert response.status == 204


async def test_a_since_that_is_not_a_number_is_a_bad_request(served, client):
    async with client.get(events_url(served, since="x")) as response:
        assert response.status == 400


async def test_stop_closes_a_stream_still_open(served, client):
    served.view.live.publish("say", text="a run that never ends")
    async with client.get(events_url(served)) as response:
        await read_events(response, 1)
        await asyncio.wait_for(served.stop(), 10 * UNIT)
        assert await read_events(response) == []
    assert not served.view.serving.is_set()


# -- prompts --------------------------------------------------------------------------------


def prompt_url(server: LiveServer, prompt_id: int) -> str:
    return server.view.url.split("?")[0] + f"prompts/{prompt_id}"


async def test_the_first_answer_from_the_page_wins_and_the_second_is_told(served, client):
    live = served.view.live
    prompt = live.prompt("Plug the cable into connector 1", kind="plug", connector=1, seconds=60)
    async with client.post(prompt_url(served, prompt.id), json={"answer": "done"}) as response:
        assert (response.status, await response.json()) == (200, {"said": "taken"})
    assert await asyncio.wait_for(prompt.answer, UNIT) == (True, "page")
    async with client.post(prompt_url(served, prompt.id), json={"answer": "skip"}) as response:
        assert response.status == 409
        assert (await response.json())["said"] == "already answered (done, by the page)"
    ends = [e for e in live.events if e["type"] == "prompt_end"]
    assert ends == [ends[0]] and ends[0]["by"] == "page" and ends[0]["done"] is True


async def test_skip_from_the_page_is_not_done(served, client):
    prompt = served.view.live.prompt("Present card A", kind="card", connector=1, seconds=60)
    async with client.post(prompt_url(served, prompt.id), json={"answer": "skip"}) as response:
        assert response.status == 200
    assert prompt.answer.result() == (False, "page")


async def test_a_prompt_the_terminal_answered_first_is_refused_to_the_page(served, client):
    live = served.view.live
    prompt = live.prompt("Pull the cable", kind="unplug", connector=1, seconds=60)
    live.settle(prompt, True, "terminal")
    async with client.post(prompt_url(served, prompt.id), json={"answer": "skip"}) as response:
        assert response.status == 409
        assert (await response.json())["said"] == "already answered (done, by the terminal)"
    assert prompt.answer.result() == (True, "terminal")


async def test_an_unknown_prompt_is_409_and_a_bad_answer_400(served, client):
    async with client.post(prompt_url(served, 99), json={"answer": "done"}) as response:
        assert (response.status, await response.json()) == (409, {"said": "no such prompt"})
    prompt = served.view.live.prompt("Create an error", kind="fault", connector=1, seconds=60)
    for body in ({"answer": "maybe"}, {"no": 1}, [1]):
        async with client.post(prompt_url(served, prompt.id), json=body) as response:
            assert response.status == 400
    async with client.post(prompt_url(served, prompt.id), data=b"{not json") as response:
        assert response.status == 400
    assert served.view.live.pending() == [prompt.id]


# -- the token ------------------------------------------------------------------------------


@pytest.fixture
async def guarded(refusals, tmp_path) -> AsyncIterator[LiveServer]:
    """On 127.0.0.2: loopback in fact, but not the loopback address, so a token is made."""
    server = LiveServer(WebView("127.0.0.2", 0), refusals.append, tmp_path)
    await server.start()
    yield server
    await server.stop()


async def test_a_view_off_the_loopback_address_has_a_token_in_its_url(guarded):
    token = guarded.view.token
    assert token and len(token) >= 20
    assert guarded.view.url == f"http://127.0.0.2:{guarded.view.port}/?token={token}"
    assert guarded.view.serving.is_set()


@pytest.mark.parametrize("path", ["/", "/events", "/static/app.js", "/reports/x.md"])
async def test_a_request_without_the_token_gets_403_and_is_told(guarded, client, refusals, path):
    base = f"http://127.0.0.2:{guarded.view.port}"
    async with client.get(base + path) as response:
        assert response.status == 403
        assert "token" in await response.text()
    async with client.get(base + path, headers={HEADER: "guess"}) as response:
        assert response.status == 403
    told = [(r["path"], r["why"]) for r in refusals]
    assert told == [(path, "no token"), (path, "a wrong token")]
    assert refusals[0]["method"] == "GET" and refusals[0]["peer"] == "127.0.0.1"


async def test_a_wrong_token_cannot_answer_a_prompt(guarded, client, refusals):
    prompt = guarded.view.live.prompt("Plug in", kind="plug", connector=1, seconds=60)
    url = f"http://127.0.0.2:{guarded.view.port}/prompts/{prompt.id}?token=wrong"
    async with client.post(url, json={"answer": "done"}) as response:
        assert response.status == 403
    assert guarded.view.live.pending() == [prompt.id]
    assert refusals[0]["method"] == "POST" and refusals[0]["why"] == "a wrong token"


async def test_the_token_in_the_query_or_the_header_is_let_in(guarded, client, refusals):
    async with client.get(guarded.view.url) as response:
        assert response.status == 200
    async with client.get(
        f"http://127.0.0.2:{guarded.view.port}/static/style.css",
        headers={HEADER: guarded.view.token},
    ) as response:
        assert response.status == 200
    assert refusals == []


async def test_the_page_links_its_files_with_the_token(guarded, client):
    async with client.get(guarded.view.url) as response:
        page = await response.text()
    query = f"?token={guarded.view.token}"
    assert f'src="/static/app.js{query}"' in page
    assert f'href="/static/style.css{query}"' in page
    assert "__TOKEN_QUERY__" not in page
    assert 'rel="icon" href="data:,"' in page  # no /favicon.ico request to be refused


async def test_on_the_loopback_address_the_page_has_no_token(served, client):
    assert served.view.token is None and served.view.url.endswith(f":{served.view.port}/")
    async with client.get(served.view.url) as response:
        page = await response.text()
    assert 'src="/static/app.js"' in page and "token=" not in page
    async with client.get(served.view.url + "static/app.js") as response:
        assert response.status == 200 and "EventSource" in await response.text()


# -- reports --------------------------------------------------------------------------------


async def test_only_the_reports_the_run_named_are_served(served, client, tmp_path: Path):
    (tmp_path / "report-1.md").write_text("# run 1\n")
    (tmp_path / "journal.sqlite").write_bytes(b"secret")
    base = served.view.url + "reports/"
    async with client.get(base + "report-1.md") as response:
        assert response.status == 404  # not yet named
    served.view.live.publish("reports", files={"md": "report-1.md", "html": "report-1.html"})
    async with client.get(base + "report-1.md") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        assert await response.text() == "# run 1\n"
    for name in ("journal.sqlite", "report-1.html", "..%2Fjournal.sqlite"):
        async with client.get(base + name) as response:
            assert response.status == 404, name


async def test_a_stop_right_after_the_end_still_sends_the_end(served, client):
    live = served.view.live
    live.publish("say", text="the last row")
    async with client.get(events_url(served)) as response:
        await read_events(response, 1)
        live.publish("end", summary="18 PASS")
        await served.stop()  # at once, as a run with no linger does
        assert [e["type"] for e in await read_events(response)] == ["end"]
