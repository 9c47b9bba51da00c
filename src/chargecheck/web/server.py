"""The live view's HTTP side (aiohttp): the page, its static files, the run's events as
Server-Sent Events, the page's answers to the prompts, and the run's reports.

=====================  ==================================================================
``GET /``              the page (``static/index.html``, its asset links carrying the token)
``GET /static/NAME``   the page's script and style
``GET /events``        ``text/event-stream`` of ``LiveRun.follow``: each event as ``id:
                       seq`` + ``data: JSON``, from ``?since=SEQ`` or after the
                       ``Last-Event-ID`` the browser sends when it reconnects; it ends
                       after the ``end`` event (and a reconnect after that gets 204, which
                       tells an ``EventSource`` to stop)
``POST /prompts/ID``   ``{"answer": "done"|"skip"}`` -> ``LiveRun.answer``: 200 when it was
                       taken, 409 when the prompt was already answered or never existed
``GET /reports/NAME``  one of the files the ``reports`` event named, from ``reports_dir``
=====================  ==================================================================

Every route is behind ``access.guard``. Nothing here reads the journal or blocks: events
come from memory, report files are sent by aiohttp's ``FileResponse`` (off the loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from chargecheck.web import WebView
from chargecheck.web.access import guard
from chargecheck.web.live import Event, LiveRun

STATIC = Path(__file__).parent / "static"
KEEPALIVE = 15.0  # seconds between SSE comments on a quiet stream (proxies, dead peers)
TOKEN_MARK = "__TOKEN_QUERY__"  # in index.html: where its asset links take ``?token=``

# Report files by suffix; aiohttp's guess would offer Markdown as a download.
_REPORT_TYPES = {".md": "text/plain", ".json": "application/json", ".xml": "application/xml"}


def sse(event: Event) -> bytes:
    """One event in the ``text/event-stream`` format (HTML, "Server-sent events")."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event['seq']}\ndata: {data}\n\n".encode()


def start_from(request: web.Request) -> int:
    """The first seq to send: after ``Last-Event-ID`` (a reconnect), else ``?since=``."""
    last = request.headers.get("Last-Event-ID", "").strip()
    since = request.query.get("since", "").strip()
    try:
        if last:
            return int(last) + 1
        return int(since) if since else 0
    except ValueError:
        raise web.HTTPBadRequest(text="since and Last-Event-ID are event numbers\n") from None


class LiveServer:
    """Serves ``view`` on ``view.host:view.port`` from ``start`` until ``stop``."""

    def __init__(
        self,
        view: WebView,
        refused: Callable[[dict[str, Any]], None],
        reports_dir: Path | None = None,
    ) -> None:
        self.view = view
        self.reports_dir = reports_dir
        self.app = web.Application(middlewares=[guard(view.token, refused)])
        self.app.router.add_get("/", self.page)
        self.app.router.add_get("/events", self.events)
        self.app.router.add_post("/prompts/{id}", self.answer)
        self.app.router.add_get("/reports/{name}", self.report)
        self.app.router.add_static("/static", STATIC)
        self._runner: web.AppRunner | None = None
        self._streams: set[asyncio.Queue[Event | None]] = set()  # one per open /events

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.view.host, self.view.port)
        await site.start()
        port = self._runner.addresses[0][1]
        host = f"[{self.view.host}]" if ":" in self.view.host else self.view.host
        query = f"?token={quote(self.view.token)}" if self.view.token else ""
        self.view.port = port
        self.view.url = f"http://{host}:{port}/{query}"
        self.view.serving.set()

    async def stop(self) -> None:
        """End the event streams still open (a page left on screen), then the server."""
        for queue in self._streams:
            queue.put_nowait(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.view.serving.clear()

    # -- routes ----------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        text = await asyncio.to_thread((STATIC / "index.html").read_text, "utf-8")
        query = f"?token={quote(self.view.token)}" if self.view.token else ""
        return web.Response(
            text=text.replace(TOKEN_MARK, query),
            content_type="text/html",
            headers={"Cache-Control": "no-store"},
        )

    async def events(self, request: web.Request) -> web.StreamResponse:
        since = start_from(request)
        live = self.view.live
        if live.ended and since >= len(live.events):
            return web.Response(status=204)  # nothing more will come: the browser stops
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._streams.add(queue)
        try:
            # The server's clock, so that a phone with its own can count down the waits.
            now = int(time.time() * 1000)
            await response.write(f"event: clock\ndata: {json.dumps({'now': now})}\n\n".encode())
            await self._stream(live, since, queue, response)
            await response.write_eof()
        except ConnectionResetError:
            pass  # the page went away
        finally:
            self._streams.discard(queue)
        return response

    @staticmethod
    async def _stream(
        live: LiveRun, since: int, queue: asyncio.Queue[Event | None], response: web.StreamResponse
    ) -> None:
        """Copy the events from ``since`` to the stream until they end or ``None`` is queued
        (``stop``), with a comment line when it has been quiet. A stop still sends what was
        published before it (the ``end`` of a run that stops its view at once)."""
        sent = since

        async def pump() -> None:
            async for event in live.follow(since):
                queue.put_nowait(event)
            queue.put_nowait(None)

        pumping = asyncio.create_task(pump())
        try:
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    await response.write(b": still here\n\n")
                    continue
                if event is None:
                    break
                await response.write(sse(event))
                sent = event["seq"] + 1
            for event in live.events[sent:]:
                await response.write(sse(event))
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping

    async def answer(self, request: web.Request) -> web.Response:
        try:
            prompt_id = int(request.match_info["id"])
            body = await request.json()
            choice = body["answer"]
        except (ValueError, KeyError, TypeError):
            choice = None
        if choice not in ("done", "skip"):
            raise web.HTTPBadRequest(text='send {"answer": "done"} or {"answer": "skip"}\n')
        said = self.view.live.answer(prompt_id, choice == "done")
        return web.json_response({"said": said}, status=200 if said == "taken" else 409)

    async def report(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        named = {
            file
            for event in self.view.live.events
            if event["type"] == "reports"
            for file in event["files"].values()
        }
        if self.reports_dir is None or name not in named or "/" in name or "\\" in name:
            raise web.HTTPNotFound(text=f"no report {name!r} in this run\n")
        path = self.reports_dir / name
        if not await asyncio.to_thread(path.is_file):
            raise web.HTTPNotFound(text=f"{name} is not there any more\n")
        response = web.FileResponse(path)
        kind = _REPORT_TYPES.get(path.suffix)
        if kind:
            response.content_type = kind
            response.charset = "utf-8"
        return response
