"""``chargecheck serve``: the runs of a journal in a browser.

Three pages over one journal file, all rendered from the journal alone, as the report
commands do (``chargecheck.report``):

=====================  ===========================================================
``/``                  the runs (``report.commands.run_lines``, what ``chargecheck
                       runs`` lists), each linked to its report, and a form to pick
                       two runs to diff
``/runs/{id}``         the run's HTML report (``report.html.render_html``), with a
                       bar linking back to the list
``/diff?a=ID&b=ID``    the rows whose outcome changed (``report.compare``), linked to
                       both reports
=====================  ===========================================================

Every journal read runs in a thread (``asyncio.to_thread``) on a journal opened for that
read alone: SQLite connections are not shared across threads, and a run writing the same
journal meanwhile is seen as it grows. ``access.guard`` keeps a non-loopback address to
the holders of the token; each refusal is journaled (an entry of kind ``web_refused``,
the guard's detail, no run) before the 403 is sent, in a journal of its own beside the
runs' (``refusals_file``: ``journal.web.sqlite`` for ``journal.sqlite``): a journal has
one writer, and a run may be writing the runs' journal meanwhile.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from chargecheck.clock import Clock
from chargecheck.files.addresses import is_wildcard, url_host
from chargecheck.journal.store import Journal, RunInfo
from chargecheck.report.commands import RunLine, run_lines
from chargecheck.report.compare import RowChange, changed_rows
from chargecheck.report.html import OUTCOME_CLASSES, render_html
from chargecheck.report.model import (
    OUTCOMES,
    ReportError,
    decode_entry,
    load_run,
    load_verdicts,
    station_identity,
)
from chargecheck.script.verdict import Verdict
from chargecheck.web.access import guard

REFUSED_KIND = "web_refused"

# The refusals of the request being handled: the guard's callback is synchronous, so it
# notes them here and ``_journal_refusals`` writes them (in a thread) before the 403 goes.
_refusals: contextvars.ContextVar[list[dict[str, Any]]] = contextvars.ContextVar("refusals")


class UnknownRun(LookupError):
    """A run id the journal does not hold."""


@dataclass(frozen=True)
class RunSide:
    """One side of a diff: the run and its station."""

    run: RunInfo
    station: str
    firmware: str


@dataclass(frozen=True)
class DiffView:
    a: RunSide
    b: RunSide
    changes: list[RowChange]


@dataclass(frozen=True)
class JournalReader:
    """The reads and the one write the pages need; blocking, so called in a thread."""

    db: Path
    clock: Clock

    def _open(self) -> Journal:
        return Journal(self.db, self.clock.utc_text, self.clock.mono)

    def runs(self) -> list[RunLine]:
        journal = self._open()
        try:
            return run_lines(journal)
        finally:
            journal.close()

    def report_html(self, run_id: int) -> str:
        journal = self._open()
        try:
            _known(journal, run_id)
            return render_html(load_run(journal, run_id))
        finally:
            journal.close()

    def diff(self, run_a: int, run_b: int) -> DiffView:
        journal = self._open()
        try:
            sides: list[RunSide] = []
            verdicts: list[tuple[Verdict, ...]] = []
            for run_id in (run_a, run_b):
                run = _known(journal, run_id)
                verdicts.append(load_verdicts(journal, run_id))
                entries = (decode_entry(e) for e in journal.entries(run_id))
                station = station_identity(run, verdicts[-1], entries)
                sides.append(RunSide(run, station.identity, station.firmware_version))
            return DiffView(sides[0], sides[1], changed_rows(verdicts[0], verdicts[1]))
        finally:
            journal.close()

    def refused(self, detail: dict[str, Any]) -> int:
        journal = Journal(refusals_file(self.db), self.clock.utc_text, self.clock.mono)
        try:
            return journal.append(REFUSED_KIND, detail=detail)
        finally:
            journal.close()  # flushes: the entry is committed before the 403 is sent


def refusals_file(db: Path) -> Path:
    """Where ``serve`` journals the requests it refused, beside the journal ``db``."""
    return db.with_name(f"{db.stem}.web{db.suffix or '.sqlite'}")


def _known(journal: Journal, run_id: int) -> RunInfo:
    try:
        return journal.run(run_id)
    except KeyError:
        raise UnknownRun(run_id) from None


# -- pages --------------------------------------------------------------------------------


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("chargecheck.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(outcomes=OUTCOMES, outcome_classes=OUTCOME_CLASSES)
    return env


def _linker(token: str | None) -> Callable[..., str]:
    """``link("/runs/3")`` -> the path with the token in its query when there is one."""

    def link(path: str, **params: Any) -> str:
        query = {**{k: str(v) for k, v in params.items()}, **({"token": token} if token else {})}
        return f"{path}?{urlencode(query)}" if query else path

    return link


def _page(name: str, token: str | None, status: int = 200, **context: Any) -> web.Response:
    html = _templates().get_template(name).render(link=_linker(token), token=token, **context)
    return web.Response(text=html, status=status, content_type="text/html")


def _report_bar(run_id: int, token: str | None) -> str:
    link = _linker(token)
    return _templates().get_template("report_bar.html.j2").render(link=link, run_id=run_id)


def _run_number(text: str, name: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise web.HTTPBadRequest(
            text=f"chargecheck: {name}={text!r}: give a run id (a number from 1; / lists them)\n"
        )
    return int(text)


class BrowseApp:
    """The aiohttp application of ``chargecheck serve`` over the journal ``db``."""

    def __init__(self, db: Path, token: str | None = None, clock: Clock | None = None) -> None:
        self.reader = JournalReader(Path(db), clock or Clock())
        self.token = token
        self.app = web.Application(middlewares=[self._journal_refusals, guard(token, _note)])
        self.app.add_routes(
            [
                web.get("/", self.list_page),
                web.get(r"/runs/{run_id:\d+}", self.report_page),
                web.get("/diff", self.diff_page),
            ]
        )

    @web.middleware
    async def _journal_refusals(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        noted: list[dict[str, Any]] = []
        context = _refusals.set(noted)
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            _refusals.reset(context)
            for detail in noted:
                await asyncio.to_thread(self.reader.refused, detail)

    async def list_page(self, request: web.Request) -> web.Response:
        lines = await asyncio.to_thread(self.reader.runs)
        return _page("runs.html.j2", self.token, lines=lines, db=self.reader.db)

    async def report_page(self, request: web.Request) -> web.Response:
        run_id = int(request.match_info["run_id"])
        try:
            html = await asyncio.to_thread(self.reader.report_html, run_id)
        except UnknownRun:
            return self._missing(run_id)
        except ReportError as exc:
            raise web.HTTPInternalServerError(text=f"chargecheck: {exc}\n") from None
        bar = _report_bar(run_id, self.token)
        head, body, rest = html.partition("<body>")
        return web.Response(text=head + body + bar + rest, content_type="text/html")

    async def diff_page(self, request: web.Request) -> web.Response:
        run_a = _run_number(request.query.get("a", ""), "a")
        run_b = _run_number(request.query.get("b", ""), "b")
        try:
            view = await asyncio.to_thread(self.reader.diff, run_a, run_b)
        except UnknownRun as missing:
            return self._missing(missing.args[0])
        except ReportError as exc:
            raise web.HTTPInternalServerError(text=f"chargecheck: {exc}\n") from None
        return _page("diff.html.j2", self.token, view=view)

    def _missing(self, run_id: int) -> web.Response:
        return _page("missing.html.j2", self.token, status=404, run_id=run_id, db=self.reader.db)


def _note(detail: dict[str, Any]) -> None:
    _refusals.get().append(detail)


@dataclass
class Served:
    """A running ``chargecheck serve``: its URL (with the token), and how to stop it."""

    runner: web.AppRunner
    url: str

    async def close(self) -> None:
        await self.runner.cleanup()


async def start(
    db: Path, host: str, port: int, token: str | None = None, clock: Clock | None = None
) -> Served:
    """Listen on ``host:port`` (0: any free port); ``OSError`` if the address is refused."""
    runner = web.AppRunner(BrowseApp(db, token, clock).app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = runner.addresses[0][1]
    # A wildcard names no address a browser can use (as ``chargecheck run`` says it).
    shown = "<this machine's address>" if is_wildcard(host) else url_host(host)
    query = f"?{urlencode({'token': token})}" if token else ""
    return Served(runner, f"http://{shown}:{bound}/{query}")
