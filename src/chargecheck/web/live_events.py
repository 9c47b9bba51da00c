"""The run's side of its live view: what ``chargecheck.run`` publishes, and the server's
life around the run. Each function is a step of the run that the page shows (the event
types are ``web.live``'s)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from chargecheck.web.live import LiveRun

if TYPE_CHECKING:
    from rich.console import Console

    from chargecheck.csms import CentralSystem, Session
    from chargecheck.journal import Journal
    from chargecheck.script.packs import Pack
    from chargecheck.script.runner import Case
    from chargecheck.web import WebView

Tap = Callable[[str, dict[str, Any]], None]
DIRECTIONS = {"frame_in": "in", "frame_out": "out"}
CONNECTION = {"connect": True, "disconnect": False}


def run_started(live: LiveRun, run_id: int, kind: str, pack: Pack, cases: Sequence[Case]) -> None:
    live.publish(
        "run",
        run_id=run_id,
        kind=kind,
        title=pack.title,
        pack=pack.name,
        rows=[
            {"id": str(c.id), "function": c.function, "criteria": c.acceptance_criteria}
            for c in cases
        ],
    )


def all_of(taps: Sequence[Tap]) -> Tap | None:
    """One journal tap that calls each of ``taps`` (None: no tap at all)."""
    if not taps:
        return None
    if len(taps) == 1:
        return taps[0]

    def tap(kind: str, fields: dict[str, Any]) -> None:
        for each in taps:
            each(kind, fields)

    return tap


def frame_tap(live: LiveRun) -> Tap:
    """Every journaled frame and event as a ``frame`` event, as it is journaled; a
    connection or disconnection also as the station's ``station`` state."""

    actions: dict[tuple[Any, str], str] = {}  # (station, unique id) of a CALL -> its action

    def tap(kind: str, fields: dict[str, Any]) -> None:
        station = fields.get("station")
        if kind in DIRECTIONS:
            raw = str(fields.get("raw", ""))
            message_type, unique_id, action = _head(raw, fields)
            if message_type == 2 and unique_id is not None and action is not None:
                actions[station, unique_id] = action
            elif unique_id is not None and action is None:  # a result: its CALL's action
                action = actions.pop((station, unique_id), None)
            live.publish(
                "frame",
                entry=fields.get("entry"),
                direction=DIRECTIONS[kind],
                station=station,
                action=action,
                message_type=message_type,
                unique_id=unique_id,
                raw=_redacted(raw),
            )
            return
        detail = fields.get("detail")
        live.publish(
            "frame",
            entry=fields.get("entry"),
            direction="event",
            kind=kind,
            station=station,
            detail=detail if isinstance(detail, dict) else None,
        )
        if kind in CONNECTION and station:
            live.publish("station", identity=station, connected=CONNECTION[kind])

    return tap


def _head(raw: str, fields: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Message type, unique id and action of a frame: as journaled, or read from the raw
    text when the journal wrote it before parsing (the station's frames)."""
    if fields.get("message_type") is not None:
        return fields.get("message_type"), fields.get("unique_id"), fields.get("action")
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, None, None
    if not isinstance(frame, list) or len(frame) < 2:
        return None, None, None
    action = frame[2] if frame[0] == 2 and len(frame) > 2 and isinstance(frame[2], str) else None
    unique_id = frame[1] if isinstance(frame[1], str) else None
    return frame[0], unique_id, action


def _redacted(raw: str) -> str:
    from chargecheck.report.model import redact_credentials

    return redact_credentials(raw)


def station(live: LiveRun, session: Session, security_profile: int) -> None:
    """The station as its BootNotification tells it."""
    boots = [m for m in session.inbox if m.action == "BootNotification"]
    boot = boots[-1].payload if boots else {}
    live.publish(
        "station",
        identity=session.identity,
        connected=session.connected,
        vendor=boot.get("chargePointVendor"),
        model=boot.get("chargePointModel"),
        firmware=boot.get("firmwareVersion"),
        serial=boot.get("chargePointSerialNumber"),
        security_profile=security_profile,
    )


def run_ended(live: LiveRun, journal: Journal, run_id: int, reports: dict[str, Path]) -> None:
    """The run's findings and its report files (the page links them)."""
    from chargecheck.conformance.persist import load_findings

    with contextlib.suppress(Exception):  # no findings: the reports still get linked
        for finding in load_findings(journal, run_id):
            live.publish(
                "finding",
                severity=str(finding.severity),
                rule=finding.rule,
                message=finding.message,
                evidence=list(finding.entries),
            )
    live.publish("reports", files={kind: path.name for kind, path in reports.items()})


@contextlib.asynccontextmanager
async def served(
    view: WebView,
    central: CentralSystem,
    journal: Journal,
    run_id: int,
    out: Path,
    console: Console,
) -> AsyncIterator[None]:
    """The live view's server, for as long as the block lasts; a refused request is
    journaled (kind ``web_refused``) and said on the console."""
    from chargecheck.web.server import LiveServer

    def refused(detail: dict[str, Any]) -> None:
        console.print(
            f"web view: refused {detail.get('method')} {detail.get('path')} from "
            f"{detail.get('peer')} ({detail.get('why')})",
            markup=False,
            highlight=False,
            style="magenta",
        )
        try:
            central.writer.append("web_refused", run_id=run_id, detail=detail)
        except Exception:  # the run's journal is closed: the console line stands
            with contextlib.suppress(Exception):
                journal.append("web_refused", run_id=run_id, detail=detail)

    server = LiveServer(view, refused, out)
    await server.start()
    console.print(f"live view at [bold]{view.url}[/]", soft_wrap=True)
    try:
        yield
    finally:
        await server.stop()


async def linger(view: WebView, console: Console) -> None:
    """Keep the view up after the run: ``view.linger`` seconds, or, with no linger and a
    terminal on standard input, until Enter or Ctrl-C (the reports' links stay live)."""
    import asyncio

    if view.linger > 0:
        console.print(f"live view stays at {view.url} for {view.linger:g} s")
        await asyncio.sleep(view.linger)
        return
    if sys.stdin is None or not sys.stdin.isatty():
        return
    console.print(f"live view stays at {view.url}: press Enter (or Ctrl-C) to stop")
    with contextlib.suppress(Exception):
        await asyncio.to_thread(sys.stdin.readline)
