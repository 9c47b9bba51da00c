"""Row 16 - Get past charge transactions (OCPP 1.6 sections 3.6, 4.7 offline behaviour).

The bench forces the outage itself (DESIGN.md): with a transaction running, it closes the
socket and refuses reconnects for the settings' ``outage``; meanwhile the transaction is
stopped (the operator pulls the cable). After the station reconnects by itself, the
cached StopTransaction (and any transaction MeterValues) must arrive without the bench
asking, in the order they happened.

What each FAIL rests on: the seed ("When Charging Station reconnects, after being
offline, the cached transactions must be sent to the server automatically"): that it
reconnects, that the StopTransaction comes unasked, that it was stopped while offline
(by the station's own clock, which OCPP 1.6 does not bind to the bench's), and that the
cached messages keep the order they happened in.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from chargecheck.csms.errors import NotConnected
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import (
    make_idle,
    start_remote,
    stop_remote,
    transaction_of,
    unplug_quietly,
)
from chargecheck.script.verdict import Outcome

CACHED = ("StopTransaction", "MeterValues", "StartTransaction")


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def _stamp(payload: dict[str, Any]) -> datetime | None:
    if "timestamp" in payload:
        return _time(payload["timestamp"])
    stamps = [_time(mv.get("timestamp", "")) for mv in payload.get("meterValue", [])]
    return min((s for s in stamps if s), default=None)


def _station_clock_offset(ctx: CaseContext, tx: int) -> timedelta:
    """How far the station's clock is ahead of the bench's: the timestamp of the
    transaction's StartTransaction less the bench's time when it arrived (zero if
    unknown). A StartTransaction sent a while after it was stamped makes this smaller,
    which only makes the judgement kinder."""
    session = ctx.session
    for message in session.inbox:
        if message.action == "StartTransaction" and message.valid:
            if transaction_of(ctx, message) != tx:
                continue
            stamp = _time(message.payload["timestamp"])
            arrived = session.clock.utc() - timedelta(seconds=session.clock.mono() - message.mono)
            return stamp - arrived if stamp is not None else timedelta(0)
    return timedelta(0)


async def run(ctx: CaseContext) -> str:
    c = ctx.settings.connector
    if ctx.central is None:
        ctx.record("the bench forces an outage", Outcome.ERROR, "no Central System handle")
        return ""
    await make_idle(ctx)
    tx = await start_remote(ctx, c, "a transaction running when the network goes")
    if tx is None:
        return ""
    session, outage = ctx.session, ctx.settings.outage
    connection = session.connections
    ctx.central.refuse(session.identity, outage)
    ctx.say(f"  outage: the bench closes the socket and refuses reconnects for {outage:g} s")
    await session.disconnect(1001, "chargecheck: forced outage")
    offline_from = session.clock.utc()
    name = "the transaction is stopped while offline"
    if not await ctx.physical(StepKind.UNPLUG, c, name):
        await session.wait_connected(outage + ctx.settings.timeouts.reboot)
        await stop_remote(ctx, tx, c)
        return ""
    await asyncio.sleep(max(0.0, outage - (session.clock.utc() - offline_from).total_seconds()))
    try:
        await session.wait_connected(ctx.settings.timeouts.reboot)
    except NotConnected as exc:  # judged once: not PASS as well if it comes back later
        ctx.record("the station reconnects by itself", Outcome.FAIL, str(exc))
        return ""
    ctx.record(
        "the station reconnects by itself",
        Outcome.PASS,
        f"connection {session.connections} after the outage",
    )
    cursor = ctx.mark()
    cursor.start = next(
        (m.index for m in session.inbox if m.connection > connection), len(session.inbox)
    )
    stop = await ctx.attempt(
        "the cached StopTransaction is sent automatically",
        ctx.expect(
            "StopTransaction",
            lambda p: p["transactionId"] == tx,
            timeout=ctx.settings.timeouts.transaction,
            cursor=cursor,
        ),
    )
    if stop is None:
        await stop_remote(ctx, tx, c)
        return ""
    stopped_at = _time(stop.payload["timestamp"])
    # Judged on the station's clock: OCPP 1.6 only RECOMMENDS that it follows the Central
    # System's (section 4.2), so the bench's offline moment is moved by the offset the
    # StartTransaction of this transaction showed.
    offset = _station_clock_offset(ctx, tx)
    offline_station = (offline_from + offset).replace(microsecond=0)
    during = stopped_at is not None and stopped_at >= offline_station
    ctx.check(
        True,
        "the cached StopTransaction is sent automatically",
        f"transaction {tx}, stopped at {stop.payload['timestamp']}",
        (stop.entry_id,),
    )
    ctx.check(
        during,
        name,
        f"stopped at {stop.payload['timestamp']}, offline from "
        f"{offline_from.isoformat(timespec='seconds')}"
        + (
            f" ({offline_station.isoformat(timespec='seconds')} on the station's clock)"
            if abs(offset) >= timedelta(seconds=1)
            else ""
        ),
        (stop.entry_id,),
    )
    cached = [
        m for m in session.inbox[cursor.start : stop.index + 1] if m.action in CACHED and m.valid
    ]
    stamps = [_stamp(m.payload) for m in cached]
    ordered = all(a <= b for a, b in pairwise(stamps) if a and b)
    ctx.check(
        ordered,
        "cached messages arrive in order",
        ", ".join(
            f"{m.action}@{(s.isoformat(timespec='seconds') if s else '?')}"
            for m, s in zip(cached, stamps, strict=True)
        ),
        tuple(m.entry_id for m in cached),
    )
    await unplug_quietly(ctx, c)
    return f"OK, {len(cached)} cached transaction messages sent after reconnect"


CASE = seed_case(16, run)
